"""An :class:`~wildtrace.act.intel.IntelPackage` as a STIX 2.1 bundle, and back.

The bundle is built with the OASIS ``stix2`` library (``pip install 'wildtrace[intel]'``),
which checks every object as it is made, so a bundle this module writes is valid STIX 2.1
by construction. It holds:

* an ``identity`` for the producer (the team sharing) and a ``report`` naming the case;
* per listing an ``observed-data`` (when it was seen, what it refers to) with the
  listing's fields as ``x_wildtrace_*`` properties, referring to a ``url`` observable (the
  listing page), one observable per contact identifier (``email-addr``, ``user-account``
  for WeChat/Telegram/LINE/QQ/WhatsApp handles, ``url`` for profile pages, and two custom
  observables, ``x-wildtrace-phone`` and ``x-wildtrace-wallet``, since STIX has no phone
  number or wallet object), one ``file`` per evidence blob with its SHA-256, and an
  ``x-wildtrace-listing`` naming the listing (producer/id) so every listing is observed;
* per identifier an ``indicator`` whose pattern matches it (a receiving system can alert
  on the phone number or wallet), ``based-on`` the observations it came from;
* per seller a ``threat-actor`` (type ``criminal``) that the seller's indicators
  ``indicate``.

Everything is marked TLP:AMBER: sellers' identifiers are personal data and travel only
to the recipients the sender chose. Deterministic ids (UUIDv5 over producer and listing)
make a re-export an update, not a copy.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
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

MAX_BYTES = 200_000_000  # a bundle larger than this is refused before parsing
_PREFIX = "x_wildtrace_"
_FIELDS = ("title", "description", "currency", "seller", "location", "posted", "language",
           "platform", "cites")


@lru_cache(maxsize=1)
def _lib() -> Any:
    """The stix2 module with wildtrace's two custom observables registered once."""
    stix2 = require("stix2", "intel", "STIX 2.1 export")
    from stix2.properties import StringProperty

    for name in ("x-wildtrace-phone", "x-wildtrace-wallet", "x-wildtrace-listing"):
        stix2.v21.CustomObservable(name, [("value", StringProperty(required=True))],
                                   id_contrib_props=["value"])(type("_Obs", (), {}))
    return stix2


def _stamp(text: str) -> str:
    """An ISO date or date-time as STIX wants it, else ''."""
    if not text:
        return ""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _quote(value: str) -> str:
    """A value inside a STIX pattern string literal."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _observable(stix2: Any, kind: str, value: str) -> tuple[Any, str]:
    """The observable of one identifier and the indicator pattern that matches it."""
    q = _quote(value)
    if kind == "email":
        return stix2.v21.EmailAddress(value=value), f"[email-addr:value = '{q}']"
    if kind == "profile_url":
        return stix2.v21.URL(value=value), f"[url:value = '{q}']"
    if kind in ACCOUNT_KINDS:
        return (stix2.v21.UserAccount(account_login=value, account_type=kind),
                f"[user-account:account_login = '{q}' AND user-account:account_type = "
                f"'{kind}']")
    name = "x-wildtrace-phone" if kind == "phone" else "x-wildtrace-wallet"
    return (stix2.parse({"type": name, "value": value, "spec_version": "2.1"},
                        allow_custom=True), f"[{name}:value = '{q}']")


def _sid(kind: str, *parts: object) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, chr(31).join(str(p) for p in parts))}"


def to_bundle(package: IntelPackage) -> str:
    """The package as a serialised STIX 2.1 bundle (JSON text)."""
    stix2 = _lib()
    amber = stix2.TLP_AMBER
    marks = {"object_marking_refs": [amber.id]}
    now = _stamp(package.created) or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    producer = stix2.v21.Identity(id=_sid("identity", package.producer),
                                  name=package.producer[:250] or "wildtrace",
                                  identity_class="organization", created=now, modified=now)
    common = {"created_by_ref": producer.id, "created": now, "modified": now, **marks}
    objects: dict[str, Any] = {amber.id: amber, producer.id: producer}
    actors: dict[str, Any] = {}
    for seller in package.sellers:
        if seller and not seller.startswith("the seller behind"):
            actors[seller] = stix2.v21.ThreatActor(
                id=_sid("threat-actor", package.producer, seller), name=seller[:250],
                threat_actor_types=["criminal"], **common)
    indicators: dict[str, Any] = {}
    relations: list[Any] = []
    for item in package.listings:
        # the listing itself (producer/ref), so that even a listing with no URL, contact
        # or evidence is an observation of something
        me = stix2.parse({"type": "x-wildtrace-listing", "spec_version": "2.1",
                          "value": f"{package.producer}/{item.ref}"[:500]}, allow_custom=True)
        objects[me.id] = me
        refs: list[str] = [me.id]
        if item.url:
            url = stix2.v21.URL(value=item.url)
            objects[url.id] = url
            refs.append(url.id)
        item_indicators: list[str] = []
        for kind, value in item.identifiers:
            obs, pattern = _observable(stix2, kind, value)
            objects[obs.id] = obs
            refs.append(obs.id)
            ind_id = _sid("indicator", package.producer, kind, value)
            if ind_id not in indicators:
                indicators[ind_id] = stix2.v21.Indicator(
                    id=ind_id, name=f"{kind} {value}"[:250], pattern=pattern,
                    pattern_type="stix", valid_from=now, indicator_types=["attribution"],
                    labels=[f"wildtrace:{kind}"], **common)
            item_indicators.append(ind_id)
        for ev in item.evidence:
            f = stix2.v21.File(name=ev.role or "evidence", hashes={"SHA-256": ev.sha256},
                               size=ev.size or None, mime_type=ev.media_type or None)
            objects[f.id] = f
            refs.append(f.id)
        seen = _stamp(item.posted) or now
        custom: dict[str, Any] = {f"{_PREFIX}{k}": clip(getattr(item, k)) for k in _FIELDS
                                  if getattr(item, k)}
        custom[f"{_PREFIX}ref"] = item.ref
        if item.price is not None:
            custom[f"{_PREFIX}price"] = item.price
        if item.score is not None:
            custom[f"{_PREFIX}score"] = item.score
        if item.taxa:
            custom[f"{_PREFIX}taxa"] = list(item.taxa)
        if item.flags:
            custom[f"{_PREFIX}flags"] = list(item.flags)
        custom[f"{_PREFIX}evidence_roles"] = {e.sha256: e.role for e in item.evidence}
        od = stix2.v21.ObservedData(
            id=f"observed-data--{item.key(package.producer)}", first_observed=seen,
            last_observed=seen, number_observed=1, object_refs=refs, allow_custom=True,
            **common, **custom)
        objects[od.id] = od
        actor = actors.get(item.seller)
        for ind_id in item_indicators:
            relations.append(stix2.v21.Relationship(
                id=_sid("relationship", ind_id, "based-on", od.id), source_ref=ind_id,
                relationship_type="based-on", target_ref=od.id, **common))
            if actor is not None:
                relations.append(stix2.v21.Relationship(
                    id=_sid("relationship", ind_id, "indicates", actor.id), source_ref=ind_id,
                    relationship_type="indicates", target_ref=actor.id, **common))
    sdos = [*actors.values(), *indicators.values(), *relations]
    for o in sdos:
        objects[o.id] = o
    listed = [i for i in objects if i.startswith(("observed-data--", "indicator--",
                                                  "threat-actor--"))]
    report = stix2.v21.Report(
        id=f"report--{package.key}", name=package.title[:250] or "wildtrace export",
        published=now, report_types=["threat-report"], object_refs=listed or [producer.id],
        allow_custom=True, x_wildtrace_case=package.case_id, **common)
    objects[report.id] = report
    bundle = stix2.v21.Bundle(objects=list(objects.values()), allow_custom=True)
    return str(bundle.serialize(pretty=True))


def write_stix(package: IntelPackage, path: Path) -> int:
    """Write the bundle to ``path``; returns how many listings it holds."""
    path.write_text(to_bundle(package), encoding="utf-8")
    return len(package.listings)


def _identifier(obj: dict[str, Any]) -> tuple[str, str] | None:
    kind = obj.get("type")
    if kind == "email-addr":
        return "email", clip(obj.get("value"), 500)
    if kind == "user-account" and obj.get("account_type") in ACCOUNT_KINDS:
        return str(obj["account_type"]), clip(obj.get("account_login"), 500)
    if kind == "x-wildtrace-phone":
        return "phone", clip(obj.get("value"), 500)
    if kind == "x-wildtrace-wallet":
        return "wallet", clip(obj.get("value"), 500)
    return None


def read_bundle(text: str, where: str = "bundle") -> IntelPackage:
    """The package a STIX 2.1 bundle holds (one this module wrote, or any bundle whose
    observed-data name listing URLs). FormatError names what is wrong and where."""
    if len(text) > MAX_BYTES:
        raise FormatError(f"larger than {MAX_BYTES} bytes", file=where)
    stix2 = _lib()
    try:
        bundle = stix2.parse(text, allow_custom=True)
    except (ValueError, TypeError, KeyError, AttributeError,
            stix2.exceptions.STIXError) as exc:  # the library trips on hostile shapes
        raise FormatError(f"not a valid STIX 2.1 bundle: {str(exc)[:300]}",
                          file=where) from exc
    if getattr(bundle, "type", None) != "bundle":
        raise FormatError("a STIX object but not a bundle", file=where)
    objs: dict[str, dict[str, Any]] = {}
    for o in bundle.get("objects", []) or []:
        d = json.loads(o.serialize()) if hasattr(o, "serialize") else dict(o)
        objs[str(d.get("id"))] = d
    producer = next((clip(o.get("name"), 250) for o in objs.values()
                     if o.get("type") == "identity"), "")
    report = next((o for o in objs.values() if o.get("type") == "report"), {})
    observed = [o for o in objs.values() if o.get("type") == "observed-data"]
    check_size(len(observed), where)
    listings = [_listing(o, objs) for o in observed]
    sellers = tuple(sorted({clip(o.get("name"), 250) for o in objs.values()
                            if o.get("type") == "threat-actor"} - {""}))
    case = report.get(f"{_PREFIX}case")
    return IntelPackage(producer=producer, title=clip(report.get("name"), 500),
                        created=clip(report.get("published") or report.get("created"), 40),
                        listings=tuple(x for x in listings if x is not None),
                        case_id=case if isinstance(case, int) else None, sellers=sellers)


def _listing(od: dict[str, Any], objs: dict[str, dict[str, Any]]) -> IntelListing | None:
    refs = [objs[r] for r in od.get("object_refs", []) if r in objs]
    urls = [clip(r.get("value"), 4000) for r in refs if r.get("type") == "url"]
    roles = od.get(f"{_PREFIX}evidence_roles")
    roles = roles if isinstance(roles, dict) else {}
    idents: list[tuple[str, str]] = []
    evidence: list[SharedEvidence] = []
    for r in refs:
        found = _identifier(r)
        if found and found[1]:
            idents.append(found)
        sha = (r.get("hashes") or {}).get("SHA-256") if r.get("type") == "file" else None
        if isinstance(sha, str) and len(sha) == 64:
            size = r.get("size")
            evidence.append(SharedEvidence(sha.lower(), clip(roles.get(sha) or r.get("name"),
                                                             40),
                                           clip(r.get("mime_type"), 120),
                                           size if isinstance(size, int) else 0))
    get = {k: clip(od.get(f"{_PREFIX}{k}")) for k in _FIELDS}
    # the listing page is the first URL that is not one of the identifiers' profile pages
    page = urls[0] if urls else ""
    idents += [("profile_url", u) for u in urls[1:]]
    if not (page or get["title"] or get["description"]):
        return None
    price, score = od.get(f"{_PREFIX}price"), od.get(f"{_PREFIX}score")
    return IntelListing(
        ref=clip(od.get(f"{_PREFIX}ref"), 40), url=page, title=get["title"],
        description=get["description"],
        price=float(price) if isinstance(price, (int, float)) and
        not isinstance(price, bool) else None,
        currency=get["currency"][:8], seller=get["seller"][:500],
        location=get["location"][:500], posted=get["posted"][:40] or
        clip(od.get("first_observed"), 40), language=get["language"][:16],
        platform=get["platform"][:200], taxa=_strings(od.get(f"{_PREFIX}taxa")),
        cites=get["cites"][:3], flags=_strings(od.get(f"{_PREFIX}flags")),
        score=float(score) if isinstance(score, (int, float)) and
        not isinstance(score, bool) else None,
        identifiers=tuple(dict.fromkeys(idents)), evidence=tuple(evidence))


def _strings(value: Any) -> tuple[str, ...]:
    items: Iterable[Any] = value if isinstance(value, list) else ()
    return tuple(clip(v, 200) for v in items if isinstance(v, str))[:50]
