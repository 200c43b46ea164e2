"""Turn a captured page into a listing, field by field, saying where each came from.

Rules run in a fixed order and the first to find a field wins: the site profile
(selectors as data), schema.org JSON-LD, microdata, OpenGraph, then generic rules on the
main text. Each field's rule and the capture it was read from are kept in the listing's
``extra["provenance"]``; contact identifiers come from the identifier finder run over
the title, description, contact links and labelled contact text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from wildtrace.extract import generic, structured
from wildtrace.extract.html import decode_html, parse_html, text_of
from wildtrace.extract.identifiers import find_identifiers
from wildtrace.extract.language import detect_language
from wildtrace.extract.profiles import Profile, apply_profile, choose, load_profiles
from wildtrace.records import Identifier, ListingDraft

VERSION = "1"
LISTING_TYPES = re.compile(r"jsonld:(Product|IndividualProduct|ProductModel|Offer|"
                           r"AggregateOffer|Vehicle|SocialMediaPosting|DiscussionForumPosting|"
                           r"Comment|Question)\.|microdata:(Product|Offer)")
LANG_REGION = {"vi": "VN", "zh": "CN", "th": "TH", "id": "ID", "ms": "MY", "ja": "JP",
               "ko": "KR", "de": "DE", "fr": "FR", "es": "ES", "pt": "BR"}
CURRENCY_REGION = {"VND": "VN", "CNY": "CN", "THB": "TH", "IDR": "ID", "MYR": "MY",
                   "PHP": "PH", "INR": "IN", "NGN": "NG", "KES": "KE", "ZAR": "ZA",
                   "BRL": "BR", "GBP": "GB", "AUD": "AU", "HKD": "HK", "JPY": "JP"}
MAX_FIELD = 20_000


@dataclass
class Extraction:
    """What extraction made of one page."""

    is_listing: bool
    reason: str
    fields: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)
    identifiers: tuple[Identifier, ...] = ()
    text: str = ""
    language: str = ""
    encoding: str = ""
    # The parsed page, kept for the crawler's link finder so a page is parsed once.
    root: Any = field(default=None, repr=False, compare=False)

    def portable(self) -> Extraction:
        """This extraction without the parsed page: plain values only, so it can be
        pickled and sent from the process that extracted it (a Dask worker) to the one
        that stores it. Everything a listing, its custody hash and the relevance score
        are made from is kept; only the link finder's tree is gone."""
        return replace(self, root=None)

    def draft(self, *, source: str, url: str, capture_sha256: str = "",
              capture_id: int | None = None, origin: str = "") -> ListingDraft:
        """The :class:`ListingDraft` to store, with provenance in ``extra``."""
        f = self.fields
        extra: dict[str, Any] = {
            k: f[k] for k in ("quantity", "seller_handle", "seller_url", "images")
            if f.get(k) not in (None, "", [])}
        extra["provenance"] = {k: {"rule": r, "capture": capture_sha256}
                               for k, r in sorted(self.provenance.items())}
        extra["extractor"] = f"wildtrace.extract/{VERSION}"
        if capture_id is not None:
            extra["capture_id"] = capture_id
        if self.encoding:
            extra["charset"] = self.encoding
        return ListingDraft(
            source=source, title=str(f.get("title", "")), description=str(
                f.get("description", "")), url=url, price=f.get("price"),
            currency=str(f.get("currency", "")), seller=str(f.get("seller", "")),
            location=str(f.get("location", "")), posted=str(f.get("posted", "")),
            language=self.language, identifiers=self.identifiers, extra=extra,
            origin=origin or url, capture_sha256=capture_sha256)


class Extractor:
    """Applies the rule order to pages; holds the loaded site profiles."""

    def __init__(self, profile_dirs: tuple[Path, ...] = ()) -> None:
        self.profiles: list[Profile] = load_profiles(*profile_dirs)

    def extract(self, body: bytes, url: str, content_type: str = "",
                region: str = "") -> Extraction:
        """Extract listing fields from an HTML page (other media give no listing)."""
        if content_type and "html" not in content_type.lower() and \
                "xml" not in content_type.lower():
            return Extraction(False, f"not HTML ({content_type.split(';')[0]})")
        decoded = decode_html(body, content_type)
        root = parse_html(decoded.text)
        profile = choose(self.profiles, url, root)
        layers: list[dict[str, tuple[Any, str]]] = []
        if profile is not None:
            layers.append(apply_profile(profile, root))
        layers += [structured.from_jsonld(root), structured.from_microdata(root),
                   structured.from_opengraph(root), generic.from_generic(root, url)]
        raw: dict[str, Any] = {}
        prov: dict[str, str] = {}
        for layer in layers:
            for name, (value, rule) in layer.items():
                if name not in raw and value not in (None, "", []):
                    raw[name], prov[name] = value, rule
        if "price" not in raw and raw.get("description"):
            # Structured posts often carry the price only inside their text.
            m = generic.PRICE_TEXT.search(str(raw["description"]))
            if m:
                raw["price"], prov["price"] = m.group(0).strip(), "generic:price-in-description"
        fields = self._normalise(raw, prov, url)
        html_lang = (root.get("lang") or root.get("xml:lang") or "").strip()
        text = "\n".join(p for p in (str(fields.get("title", "")),
                                     str(fields.get("description", ""))) if p)
        language = detect_language(text, "")
        if language:
            prov["language"] = "detected:text"
        elif fields.get("language") or html_lang:
            language = str(fields.get("language") or html_lang).split("-")[0].split(
                "_")[0].lower()[:8]
            prov["language"] = prov.get("language", "html:lang")
        fields.pop("language", None)
        ids = self._identifiers(root, text, fields, language, region)
        if ids:
            prov["identifiers"] = "identifiers:find_identifiers"
        listing, reason = self._is_listing(profile, url, prov, fields, ids, root)
        return Extraction(listing, reason, fields, prov, tuple(ids), text, language,
                          f"{decoded.encoding} ({decoded.how})", root)

    @staticmethod
    def _normalise(raw: dict[str, Any], prov: dict[str, str], url: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in ("title", "description", "seller", "seller_handle", "location",
                    "quantity", "language", "contact"):
            if key in raw:
                out[key] = " ".join(str(raw[key]).split())[:MAX_FIELD]
        if "price" in raw:
            amount, currency = generic.parse_price_text(str(raw["price"]),
                                                        str(raw.get("currency", "")))
            if amount is not None:
                out["price"] = amount
            else:
                prov.pop("price", None)
            if currency:
                out["currency"] = currency
                if "currency" not in prov:
                    prov["currency"] = prov.get("price", "generic:price-text")
            else:
                prov.pop("currency", None)
        elif "currency" in prov:
            prov.pop("currency")
        if "quantity" in out:
            m = re.search(r"\d+", out["quantity"])
            if m:
                out["quantity"] = int(m.group(0))
            else:
                out.pop("quantity")
                prov.pop("quantity", None)
        if "posted" in raw:
            out["posted"] = generic.normalise_date(str(raw["posted"]))
        if "seller_url" in raw:
            seller_url = _absolute(url, str(raw["seller_url"]).strip())
            if seller_url:
                out["seller_url"] = seller_url
            else:
                prov.pop("seller_url", None)
        if "images" in raw:
            imgs = raw["images"] if isinstance(raw["images"], list) else [raw["images"]]
            out["images"] = [u for u in (_absolute(url, str(i)) for i in imgs) if u][:20]
        return out

    @staticmethod
    def _identifiers(root: Any, text: str, fields: dict[str, Any], language: str,
                     region: str) -> list[Identifier]:
        region = region or CURRENCY_REGION.get(str(fields.get("currency", "")), "") \
            or LANG_REGION.get(language, "ZZ")
        parts = [text, str(fields.get("contact", "")), generic.contact_text(root)]
        body = root.find("body")
        if body is not None:
            # Contacts are often outside the description (a sidebar "call the seller").
            parts.append(text_of(body)[:50_000])
        found = find_identifiers("\n".join(parts), region)
        seen: set[tuple[str, str]] = set()
        out = []
        for ident in found:
            if (ident.kind, ident.value) not in seen:
                seen.add((ident.kind, ident.value))
                out.append(ident)
        return out

    @staticmethod
    def _is_listing(profile: Profile | None, url: str, prov: dict[str, str],
                    fields: dict[str, Any], ids: list[Identifier],
                    root: Any) -> tuple[bool, str]:
        if not fields.get("title") and not fields.get("description"):
            return False, "no title or text"
        if profile is not None and profile.listing_url is not None:
            if profile.listing_url.search(url):
                return True, f"profile {profile.name}: listing URL"
            return False, f"profile {profile.name}: not a listing URL"
        if any(LISTING_TYPES.match(r) for r in prov.values()):
            return True, "structured data of a listing type"
        if prov.get("price", "").startswith("og:"):
            return True, "OpenGraph product price"
        body = root.find("body")
        n_prices = generic.count_prices(text_of(body)) if body is not None else 0
        if n_prices > 4:
            return False, f"index page ({n_prices} prices)"
        if "price" in fields or ids:
            return True, "offer text: " + ("price" if "price" in fields else "contact")
        return False, "no price, contact or listing markup"


def _absolute(base: str, ref: str) -> str:
    """``ref`` resolved against ``base``, or "" when a hostile page wrote a URL that cannot
    be split (``https://img].example/``, ``http://[oops/``): that URL is dropped, the
    rest of the page is still extracted."""
    try:
        return urljoin(base, ref)[:2000]
    except ValueError:
        return ""
