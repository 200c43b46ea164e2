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

from wildtrace.extract import forum, generic, pagekind, prices, structured
from wildtrace.extract.html import decode_html, parse_html, text_of
from wildtrace.extract.identifiers import find_identifiers
from wildtrace.extract.language import detect_language
from wildtrace.extract.profiles import (
    Profile,
    apply_items,
    apply_profile,
    choose,
    load_profiles,
)
from wildtrace.money import CURRENCY_REGION
from wildtrace.records import Identifier, ListingDraft

VERSION = "1"
LISTING_TYPES = re.compile(r"jsonld:(Product|IndividualProduct|ProductModel|Offer|"
                           r"AggregateOffer|Vehicle|SocialMediaPosting|DiscussionForumPosting|"
                           r"Comment|Question)\.|microdata:(Product|Offer)")
LANG_REGION = {"vi": "VN", "zh": "CN", "th": "TH", "id": "ID", "ms": "MY", "ja": "JP",
               "ko": "KR", "de": "DE", "fr": "FR", "es": "ES", "pt": "BR"}
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
    kind: str = pagekind.LISTING  # see wildtrace.extract.pagekind
    kind_reason: str = ""
    # A forum thread's posts, each its own item (author, date, contacts of that post).
    posts: tuple[Extraction, ...] = ()
    # A seller profile page's account: name, handle, location, url (its contacts are
    # ``identifiers``); empty for other kinds.
    profile: dict[str, str] = field(default_factory=dict)

    def portable(self) -> Extraction:
        """This extraction without the parsed page: plain values only, so it can be
        pickled and sent from the process that extracted it (a Dask worker) to the one
        that stores it. Everything a listing, its custody hash and the relevance score
        are made from is kept; only the link finder's tree is gone."""
        return replace(self, root=None, posts=tuple(p.portable() for p in self.posts))

    def drafts(self, *, source: str, url: str, capture_sha256: str = "",
               capture_id: int | None = None, origin: str = "") -> list[ListingDraft]:
        """What to store from this page: one listing, or one per post of a thread (each
        at ``url#post-N``, with the thread in ``extra``), or none for other kinds."""
        if not self.is_listing:
            return []
        if not self.posts:
            return [self.draft(source=source, url=url, capture_sha256=capture_sha256,
                               capture_id=capture_id, origin=origin)]
        out = []
        for post in self.posts:
            n = int(post.fields.get("post_index", 0))
            own = str(post.fields.get("item_url", "")) or f"{url.split('#')[0]}#post-{n + 1}"
            d = post.draft(source=source, url=own,
                           capture_sha256=capture_sha256, capture_id=capture_id,
                           origin=origin or url)
            d.extra.update({"thread_url": url, "post_index": n + 1,
                            "thread_posts": len(self.posts), "page_kind": "forum-post"})
            out.append(d)
        return out

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
                region: str = "", *, use_profile: Profile | None = None) -> Extraction:
        """Extract listing fields from an HTML page (other media give no listing)."""
        if content_type and "html" not in content_type.lower() and \
                "xml" not in content_type.lower():
            return Extraction(False, f"not HTML ({content_type.split(';')[0]})")
        decoded = decode_html(body, content_type)
        root = parse_html(decoded.text)
        # ``use_profile`` applies one profile whether it fits or not (`profile test`).
        profile = use_profile if use_profile is not None else choose(self.profiles, url, root)
        layers: list[dict[str, tuple[Any, str]]] = []
        if profile is not None:
            layers.append(apply_profile(profile, root))
        layers += [structured.from_jsonld(root), structured.from_microdata(root),
                   structured.from_opengraph(root),
                   generic.from_generic(root, url, _page_language(root))]
        raw: dict[str, Any] = {}
        prov: dict[str, str] = {}
        for layer in layers:
            for name, (value, rule) in layer.items():
                if name == "currency" and "price" in prov and \
                        prov["price"] != layer.get("price", (None, ""))[1]:
                    continue  # a currency goes with the price of its own layer
                if name not in raw and value not in (None, "", []):
                    raw[name], prov[name] = value, rule
        if "price" not in raw and raw.get("description") and not str(
                prov.get("description", "")).startswith("generic:"):
            # Structured posts often carry the price only inside their text.
            marked = [m for m in prices.find_prices(str(raw["description"]), url=url)
                      if m.marked]
            if marked and not prices.NO_PRICE.search(str(raw["description"])[:marked[0].start]):
                raw["price"], prov["price"] = marked[0].text, "generic:price-in-description"
        fields = self._normalise(raw, prov, url, _page_language(root))
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
        ids = self._identifiers(root, text, fields, language, region, url)
        if ids:
            prov["identifiers"] = "identifiers:find_identifiers"
        markup = any(LISTING_TYPES.match(r) for r in prov.values()) or \
            prov.get("price", "").startswith("og:")
        items = apply_items(profile, root) if profile is not None else []
        if items:
            assert profile is not None
            kind = pagekind.PageKind(pagekind.FORUM, f"profile {profile.name}: "
                                                     f"{len(items)} posts")
            posts = tuple(self._item(i, el, found, language, region, url)
                          for i, (el, found) in enumerate(items))
            listing, reason = True, f"profile {profile.name}: page of posts"
        else:
            threads = forum.split_posts(root, url)
            kind = pagekind.classify_tree(root, url, has_price="price" in fields,
                                          posts=len(threads), listing_markup=markup)
            listing, reason = self._is_listing(profile, url, prov, fields, ids, root, kind)
            posts = tuple(self._post(p, fields, language, region, url) for p in threads) \
                if kind.kind == pagekind.FORUM else ()
        account = self._profile(fields, url) if kind.kind == pagekind.PROFILE else {}
        return Extraction(listing, reason, fields, prov, tuple(ids), text, language,
                          f"{decoded.encoding} ({decoded.how})", root, kind.kind,
                          kind.reason, posts, account)

    @staticmethod
    def _profile(fields: dict[str, Any], url: str) -> dict[str, str]:
        """The account a profile page describes: its heading is the seller's name."""
        m = generic.PROFILE_PATH.search(url.split("?")[0].split("#")[0])
        handle = m.group(1).lstrip("@") if m else str(fields.get("seller_handle", ""))
        return {"name": str(fields.get("title") or fields.get("seller") or "")[:500],
                "handle": handle[:200], "location": str(fields.get("location", ""))[:500],
                "url": url}

    def _item(self, index: int, el: Any, found: dict[str, tuple[Any, str]],
              language: str, region: str, url: str) -> Extraction:
        """One post of a profile's page of posts, from the selectors read inside it."""
        raw = {k: v for k, (v, _) in found.items()}
        prov = {k: r for k, (_, r) in found.items()}
        if "description" not in raw:
            raw["description"], prov["description"] = text_of(el), "profile:item-text"
        item_url = _absolute(url, str(raw.pop("item_url", "")).strip()) \
            if raw.get("item_url") else ""
        prov.pop("item_url", None)
        fields = self._normalise(raw, prov, url, language)
        text = str(fields.get("description", ""))
        if "price" not in fields:
            cue = generic.text_price(text, url, language)
            if cue is not None:
                fields["price"], prov["price"] = cue[0], "generic:price-text"
                if cue[1]:
                    fields["currency"], prov["currency"] = cue[1], "generic:price-text"
        fields["post_index"], prov["post_index"] = index, "profile:item"
        if item_url:
            fields["item_url"] = item_url
        ids = self._post_identifiers(text, el, fields, language, region, url)
        if ids:
            prov["identifiers"] = "identifiers:find_identifiers(post)"
        return Extraction(True, f"post {index + 1} of a page of posts", fields, prov,
                          tuple(ids), text, language, "", None, "forum-post",
                          "post of a page of posts")

    @staticmethod
    def _post_identifiers(text: str, el: Any, fields: dict[str, Any], language: str,
                          region: str, url: str) -> list[Identifier]:
        """Contacts written in one post (its text and its links) and nowhere else."""
        region = region or CURRENCY_REGION.get(str(fields.get("currency", "")), "") \
            or LANG_REGION.get(language, "ZZ")
        found = find_identifiers("\n".join([text, generic.contact_text(el)]),
                                 region, url=url, language=language,
                                 currency=str(fields.get("currency", "")))
        seen: set[tuple[str, str]] = set()
        ids = []
        for ident in found:
            if (ident.kind, ident.value) not in seen:
                seen.add((ident.kind, ident.value))
                ids.append(ident)
        return ids

    def _post(self, post: forum.Post, page: dict[str, Any], language: str, region: str,
              url: str) -> Extraction:
        """One post of a thread as its own extraction: its author, date, text and only
        the contacts written in it (or in its links)."""
        fields: dict[str, Any] = {"post_index": post.index, "description": post.text}
        prov = {"description": "forum:post-text", "post_index": "forum:post"}
        if page.get("title"):
            fields["title"], prov["title"] = page["title"], "forum:thread-title"
        fields["seller"], prov["seller"] = post.author, "forum:post-author"
        if post.author_url:
            fields["seller_url"], prov["seller_url"] = post.author_url, "forum:post-author"
        if post.posted:
            fields["posted"], prov["posted"] = post.posted, "forum:post-date"
        marked = [m for m in prices.find_prices(post.text, url=url, language=language)
                  if m.marked]
        if marked and not prices.NO_PRICE.search(post.text[:marked[0].start]):
            fields["price"], prov["price"] = marked[0].amount, "forum:post-price"
            if marked[0].currency:
                fields["currency"], prov["currency"] = marked[0].currency, "forum:post-price"
        ids = self._post_identifiers(post.text, post.element, fields, language, region,
                                     url)
        if ids:
            prov["identifiers"] = "identifiers:find_identifiers(post)"
        return Extraction(True, f"post {post.index + 1} of a thread", fields, prov,
                          tuple(ids), post.text, language, "", None, "forum-post",
                          "post of a thread")

    @staticmethod
    def _normalise(raw: dict[str, Any], prov: dict[str, str], url: str,
                   language: str = "") -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in ("title", "description", "seller", "seller_handle", "location",
                    "quantity", "language", "contact"):
            if key in raw:
                out[key] = " ".join(str(raw[key]).split())[:MAX_FIELD]
        if out.get("location", "").startswith("(") and out["location"].endswith(")"):
            out["location"] = out["location"][1:-1].strip()  # "(Bushwick)" in a heading
        if "price" in raw:
            amount: float | None
            if isinstance(raw["price"], (int, float)) and not isinstance(raw["price"], bool):
                amount, currency = float(raw["price"]), str(raw.get("currency", ""))
            else:
                amount, currency = generic.parse_price_text(
                    str(raw["price"]), str(raw.get("currency", "")), url, language)
            if amount is not None:
                out["price"] = amount
            else:
                prov.pop("price", None)
            # Structured data writes codes as it likes ("usd", " EUR "): only an ISO
            # 4217 shape is kept, upper-cased; anything else is no currency.
            currency = currency.strip().upper()
            if re.fullmatch(r"[A-Z]{3}", currency):
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
                     region: str, url: str = "") -> list[Identifier]:
        region = region or CURRENCY_REGION.get(str(fields.get("currency", "")), "") \
            or LANG_REGION.get(language, "ZZ")
        parts = [text, str(fields.get("contact", "")), generic.contact_text(root)]
        body = root.find("body")
        if body is not None:
            # Contacts are often outside the description (a sidebar "call the seller").
            parts.append(text_of(body)[:50_000])
        found = find_identifiers("\n".join(parts), region, url=url, language=language,
                                 location=str(fields.get("location", "")),
                                 currency=str(fields.get("currency", "")))
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
                    root: Any, kind: pagekind.PageKind) -> tuple[bool, str]:
        if kind.kind in (pagekind.LOGIN, pagekind.CAPTCHA, pagekind.ERROR):
            return False, f"{kind.kind} page: {kind.reason}"
        if not fields.get("title") and not fields.get("description"):
            return False, "no title or text"
        if kind.kind == pagekind.FORUM:
            return True, f"forum thread: {kind.reason}"
        if kind.kind != pagekind.LISTING and not (
                profile is not None and profile.listing_url is not None
                and profile.listing_url.search(url)):
            return False, f"{kind.kind} page: {kind.reason}"
        if profile is not None and profile.listing_url is not None:
            if profile.listing_url.search(url):
                return True, f"profile {profile.name}: listing URL"
            return False, f"profile {profile.name}: not a listing URL"
        if any(LISTING_TYPES.match(r) for r in prov.values()):
            return True, "structured data of a listing type"
        if prov.get("price", "").startswith("og:"):
            return True, "OpenGraph product price"
        if "price" in fields or ids:
            return True, "offer text: " + ("price" if "price" in fields else "contact")
        if generic.declares_no_price(root):
            return True, "offer text: price on request"
        return False, "no price, contact or listing markup"


def _page_language(root: Any) -> str:
    """The page's declared language (``<html lang>``), two letters, or ""."""
    lang = str(root.get("lang") or root.get("xml:lang") or "").strip()
    return lang.split("-")[0].split("_")[0].lower()[:8]


def _absolute(base: str, ref: str) -> str:
    """``ref`` resolved against ``base``, or "" when a hostile page wrote a URL that cannot
    be split (``https://img].example/``, ``http://[oops/``): that URL is dropped, the
    rest of the page is still extracted."""
    try:
        return urljoin(base, ref)[:2000]
    except ValueError:
        return ""
