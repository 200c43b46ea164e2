"""An :class:`~wildtrace.act.intel.IntelPackage` as a MISP event, and back.

Built with ``pymisp`` objects (``pip install 'wildtrace[intel]'``) in strict mode, so every
attribute is checked against its MISP object template as it is added: an event this
module writes loads into a MISP instance. The event holds

* per listing a ``wildtrace-listing`` object (template shipped beside this module in
  ``misp_objects/``; MISP has no object for a marketplace advert) with the listing's
  fields, taxa, CITES appendix, flags and score;
* per contact identifier a standard object the MISP community already correlates on:
  ``phone-number``, ``coin-address`` (``address-crypto``), ``user-account`` (messaging
  handles with their ``account-type``, and e-mail addresses) and ``url`` (profile pages),
  one object per distinct value, referenced from every listing that shows it
  (``mentions``), so MISP's correlation links the sellers of both teams;
* per evidence blob a ``file`` object with its ``sha256``, referenced ``evidenced-by``.

The event is tagged ``tlp:amber`` and distributed to "your organisation only": sellers'
identifiers are personal data.
"""

from __future__ import annotations

import json
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

from wildtrace.act.intel import (
    ACCOUNT_KINDS,
    NAMESPACE,
    IntelListing,
    IntelPackage,
    SharedEvidence,
    check_size,
    clip,
)
from wildtrace.errors import FormatError
from wildtrace.extras import require

TEMPLATES = Path(__file__).with_name("misp_objects")
LISTING = "wildtrace-listing"
MAX_BYTES = 200_000_000
_FIELDS = {"listing-ref": "ref", "url": "url", "title": "title", "description": "description",
           "currency": "currency", "seller": "seller", "location": "location",
           "posted": "posted", "language": "language", "platform": "platform",
           "cites-appendix": "cites"}


@lru_cache(maxsize=1)
def _lib() -> Any:
    return require("pymisp", "intel", "MISP export")


def _object(pymisp: Any, name: str, key: str, **attrs: Any) -> Any:
    custom = {"misp_objects_path_custom": TEMPLATES} if name == LISTING else {}
    obj = pymisp.MISPObject(name, strict=True, **custom)
    obj.uuid = str(uuid.uuid5(NAMESPACE, f"{name}\x1f{key}"))
    for relation, value in attrs.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if v not in (None, ""):
                obj.add_attribute(relation.replace("_", "-"), value=v)
    return obj


def _identifier_object(pymisp: Any, kind: str, value: str) -> Any:
    key = f"{kind}:{value}"
    if kind == "phone":
        return _object(pymisp, "phone-number", key, phone_number=value)
    if kind == "wallet":
        return _object(pymisp, "coin-address", key, address_crypto=value)
    if kind == "profile_url":
        return _object(pymisp, "url", key, url=value)
    if kind == "email":
        return _object(pymisp, "user-account", key, username=value, email=value,
                       account_type="email")
    return _object(pymisp, "user-account", key, username=value, account_type=kind)


def to_event(package: IntelPackage) -> str:
    """The package as a MISP event (JSON text of ``{"Event": ...}``)."""
    pymisp = _lib()
    event = pymisp.MISPEvent()
    event.uuid = str(package.key)
    event.info = (f"wildtrace: {package.title}" if package.title else "wildtrace export")[:250]
    event.distribution = 0  # your organisation only
    event.threat_level_id = 2
    event.analysis = 1
    if package.created:
        event.set_date(package.created[:10])
    for tag in ("tlp:amber", f'wildtrace:producer="{package.producer[:100]}"'):
        event.add_tag(tag)
    if package.case_id is not None:
        event.add_tag(f"wildtrace:case={package.case_id}")
    shared: dict[str, Any] = {}
    for item in package.listings:
        listing = _object(pymisp, LISTING, f"{package.producer}\x1f{item.ref}\x1f{item.url}",
                          **{k.replace("-", "_"): clip(getattr(item, v))
                             for k, v in _FIELDS.items()},
                          price=item.price, score=item.score, taxon=list(item.taxa),
                          flag=list(item.flags))
        listing.uuid = str(item.key(package.producer))
        for kind, value in item.identifiers:
            key = f"{kind}:{value}"
            if key not in shared:
                shared[key] = _identifier_object(pymisp, kind, value)
                event.add_object(shared[key])
            listing.add_reference(shared[key].uuid, "mentions", comment=kind)
        for ev in item.evidence:
            key = f"sha256:{ev.sha256}"
            if key not in shared:
                shared[key] = _object(pymisp, "file", key, sha256=ev.sha256,
                                      filename=ev.role or "evidence",
                                      mimetype=ev.media_type or None,
                                      size_in_bytes=ev.size or None)
                event.add_object(shared[key])
            listing.add_reference(shared[key].uuid, "evidenced-by", comment=ev.role)
        event.add_object(listing)
    # wrapped as MISP's own export and its "import from JSON" expect: {"Event": {...}}
    return json.dumps({"Event": json.loads(event.to_json())}, indent=2, ensure_ascii=False)


def write_misp(package: IntelPackage, path: Path) -> int:
    """Write the event to ``path``; returns how many listings it holds."""
    path.write_text(to_event(package), encoding="utf-8")
    return len(package.listings)


def _values(obj: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for a in obj.attributes:
        out.setdefault(str(a.object_relation), []).append(a.value)
    return out


def _identifier_of(obj: Any) -> tuple[str, str] | None:
    v = _values(obj)
    first = {k: clip(vs[0], 500) for k, vs in v.items() if vs}
    if obj.name == "phone-number" and first.get("phone-number"):
        return "phone", first["phone-number"]
    if obj.name == "coin-address":
        value = first.get("address-crypto") or first.get("address") or first.get("address-xmr")
        return ("wallet", value) if value else None
    if obj.name == "url" and first.get("url"):
        return "profile_url", first["url"]
    if obj.name == "user-account":
        kind = first.get("account-type", "")
        if kind == "email" and first.get("email"):
            return "email", first["email"]
        if kind in ACCOUNT_KINDS and first.get("username"):
            return kind, first["username"]
    return None


def read_event(text: str, where: str = "event") -> IntelPackage:
    """The package a MISP event holds (``wildtrace-listing`` objects and what they
    reference). FormatError names what is wrong and where."""
    if len(text) > MAX_BYTES:
        raise FormatError(f"larger than {MAX_BYTES} bytes", file=where)
    pymisp = _lib()
    event = pymisp.MISPEvent()
    try:
        event.load(text)
    except (ValueError, KeyError, TypeError, AttributeError,
            pymisp.exceptions.PyMISPError) as exc:  # the library trips on hostile shapes
        raise FormatError(f"not a MISP event: {str(exc)[:300]}", file=where) from exc
    by_uuid = {str(o.uuid): o for o in event.objects}
    listings = [o for o in event.objects if o.name == LISTING]
    check_size(len(listings), where)
    producer, case_id = "", None
    for tag in event.tags:
        name = str(tag.name)
        if name.startswith("wildtrace:producer="):
            producer = clip(name.split("=", 1)[1].strip('"'), 250)
        elif name.startswith("wildtrace:case=") and name.split("=", 1)[1].isdigit():
            case_id = int(name.split("=", 1)[1])
    out = []
    for obj in listings:
        v = _values(obj)
        first = {k: clip(vs[0]) for k, vs in v.items() if vs}
        idents: list[tuple[str, str]] = []
        evidence: list[SharedEvidence] = []
        for ref in obj.references:
            target = by_uuid.get(str(ref.referenced_uuid))
            if target is None:
                continue
            if target.name == "file":
                tv = {k: vs[0] for k, vs in _values(target).items() if vs}
                sha = str(tv.get("sha256", "")).lower()
                if len(sha) == 64:
                    size = tv.get("size-in-bytes")
                    evidence.append(SharedEvidence(
                        sha, clip(tv.get("filename"), 40), clip(tv.get("mimetype"), 120),
                        int(str(size)) if str(size or "").isdigit() else 0))
                continue
            found = _identifier_of(target)
            if found:
                idents.append(found)
        price, score = v.get("price", [None])[0], v.get("score", [None])[0]
        out.append(IntelListing(
            ref=first.get("listing-ref", "")[:40], url=first.get("url", "")[:4000],
            title=first.get("title", ""), description=first.get("description", ""),
            price=_number(price), currency=first.get("currency", "")[:8],
            seller=first.get("seller", "")[:500], location=first.get("location", "")[:500],
            posted=first.get("posted", "")[:40], language=first.get("language", "")[:16],
            platform=first.get("platform", "")[:200],
            taxa=tuple(clip(t, 200) for t in v.get("taxon", []))[:50],
            cites=first.get("cites-appendix", "")[:3],
            flags=tuple(clip(f, 200) for f in v.get("flag", []))[:50],
            score=_number(score), identifiers=tuple(dict.fromkeys(idents)),
            evidence=tuple(evidence)))
    return IntelPackage(producer=producer, title=clip(event.info, 500).removeprefix(
        "wildtrace: "), created=str(event.date or "")[:40], listings=tuple(out),
        case_id=case_id)


def _number(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
