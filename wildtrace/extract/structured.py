"""Structured data embedded in pages: schema.org JSON-LD, microdata, and OpenGraph.

Each reader returns ``{field: (value, rule)}`` for the listing fields it found, where
``rule`` names the exact source (``jsonld:Product.offers.price``, ``og:title``…) so
every extracted value can say where it came from.
"""

from __future__ import annotations

import json
import re
from typing import Any

from lxml import etree

Found = dict[str, tuple[Any, str]]
ITEM_TYPES = ("Product", "IndividualProduct", "ProductModel", "Offer", "AggregateOffer",
              "Vehicle", "SocialMediaPosting", "DiscussionForumPosting", "BlogPosting",
              "Article", "NewsArticle", "Comment", "Question", "WebPage")
MAX_JSONLD_BYTES = 1_000_000
MAX_NODES = 2_000


def _types(node: dict[str, Any]) -> list[str]:
    t = node.get("@type", [])
    items = t if isinstance(t, list) else [t]
    return [str(x).rsplit("/", 1)[-1] for x in items]


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _text(value: Any) -> str:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or value.get("text") or ""
    if value is None or isinstance(value, (dict, list)):
        return ""
    return " ".join(str(value).split())


def _walk(data: Any, out: list[dict[str, Any]], depth: int = 0) -> None:
    if depth > 8 or len(out) > MAX_NODES:
        return
    if isinstance(data, list):
        for item in data:
            _walk(item, out, depth + 1)
    elif isinstance(data, dict):
        if "@type" in data:
            out.append(data)
        if "@graph" in data:
            _walk(data["@graph"], out, depth + 1)


def jsonld_nodes(root: etree._Element) -> list[dict[str, Any]]:
    """Every typed node in the page's JSON-LD blocks (bad blocks are skipped)."""
    nodes: list[dict[str, Any]] = []
    for script in root.xpath("//script[@type='application/ld+json']"):
        raw = (script.text or "")[:MAX_JSONLD_BYTES]
        raw = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", " ", raw).strip()
        if raw.startswith("<!--"):
            raw = raw[4:].rsplit("-->", 1)[0]
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, RecursionError):
            continue
        _walk(data, nodes)
    return nodes


def _images(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("url") or item.get("contentUrl")
        if isinstance(item, str) and item.strip():
            out.append(item.strip())
    return out


def _place(value: Any) -> str:
    value = _first(value)
    if isinstance(value, str):
        return value.strip()
    if not isinstance(value, dict):
        return ""
    addr = value.get("address", value)
    if isinstance(addr, str):
        return addr.strip()
    if isinstance(addr, dict):
        parts = [_text(addr.get(k)) for k in ("addressLocality", "addressRegion",
                                              "addressCountry")]
        joined = ", ".join(p for p in parts if p)
        if joined:
            return joined
    return _text(value.get("name"))


def from_jsonld(root: etree._Element) -> Found:
    """Listing fields from the first JSON-LD node of a listing-like type."""
    nodes = jsonld_nodes(root)
    chosen = None
    for wanted in ITEM_TYPES:
        chosen = next((n for n in nodes if wanted in _types(n)), None)
        if chosen is not None:
            break
    if chosen is None:
        return {}
    t = next((x for x in _types(chosen) if x in ITEM_TYPES), "Thing")
    found: Found = {}

    def put(field: str, value: Any, path: str) -> None:
        if value not in (None, "", [], {}) and field not in found:
            found[field] = (value, f"jsonld:{t}.{path}")

    put("title", _text(chosen.get("name")) or _text(chosen.get("headline")), "name")
    for key in ("description", "articleBody", "text"):
        put("description", _text(chosen.get(key)), key)
    offer = chosen if t in ("Offer", "AggregateOffer") else _first(chosen.get("offers"))
    if isinstance(offer, dict):
        spec = _first(offer.get("priceSpecification")) or {}
        for key, src in (("price", offer), ("lowPrice", offer), ("price", spec)):
            if isinstance(src, dict) and src.get(key) not in (None, ""):
                put("price", str(src.get(key)), f"offers.{key}")
        cur = offer.get("priceCurrency") or (spec.get("priceCurrency")
                                             if isinstance(spec, dict) else None)
        put("currency", _text(cur), "offers.priceCurrency")
        for key in ("inventoryLevel", "eligibleQuantity"):
            q = offer.get(key)
            qv = q.get("value") if isinstance(q, dict) else q
            put("quantity", _text(qv), f"offers.{key}")
        seller = _first(offer.get("seller"))
        if isinstance(seller, dict):
            put("seller", _text(seller.get("name")), "offers.seller.name")
            put("seller_url", _text(seller.get("url")), "offers.seller.url")
            put("seller_handle", _text(seller.get("alternateName")),
                "offers.seller.alternateName")
        elif isinstance(seller, str):
            put("seller", seller.strip(), "offers.seller")
        put("location", _place(offer.get("availableAtOrFrom")), "offers.availableAtOrFrom")
        put("posted", _text(offer.get("validFrom")), "offers.validFrom")
    author = _first(chosen.get("author"))
    if isinstance(author, dict):
        put("seller", _text(author.get("name")), "author.name")
        put("seller_handle", _text(author.get("alternateName"))
            or _text(author.get("identifier")), "author.alternateName")
        put("seller_url", _text(author.get("url")), "author.url")
    elif isinstance(author, str):
        put("seller", author.strip(), "author")
    for key in ("contentLocation", "locationCreated", "areaServed"):
        put("location", _place(chosen.get(key)), key)
    for key in ("datePublished", "dateCreated", "uploadDate"):
        put("posted", _text(chosen.get(key)), key)
    put("images", _images(chosen.get("image")), "image")
    put("language", _text(chosen.get("inLanguage")), "inLanguage")
    return found


def _prop_value(el: etree._Element) -> str:
    for attr in ("content", "datetime", "href", "src", "value"):
        v = el.get(attr)
        if v:
            return " ".join(v.split())
    return " ".join(" ".join(el.itertext()).split())


def from_microdata(root: etree._Element) -> Found:
    """Listing fields from the first schema.org microdata item of a listing-like type."""
    scopes = root.xpath("//*[@itemscope and @itemtype]")
    chosen = None
    for wanted in ITEM_TYPES:
        chosen = next((s for s in scopes if s.get("itemtype", "").rstrip("/").rsplit(
            "/", 1)[-1] == wanted), None)
        if chosen is not None:
            break
    if chosen is None:
        return {}
    t = chosen.get("itemtype", "").rstrip("/").rsplit("/", 1)[-1]
    found: Found = {}
    mapping = {"name": "title", "headline": "title", "description": "description",
               "articleBody": "description", "price": "price", "lowPrice": "price",
               "priceCurrency": "currency", "datePublished": "posted",
               "validFrom": "posted", "image": "images", "inLanguage": "language",
               "addressLocality": "location", "areaServed": "location"}
    for el in chosen.xpath(".//*[@itemprop]")[:500]:
        for prop in el.get("itemprop", "").split():
            parent_scope = el.xpath("ancestor::*[@itemscope][1]")
            parent_type = (parent_scope[0].get("itemtype", "").rsplit("/", 1)[-1]
                           if parent_scope else t)
            field = mapping.get(prop)
            if prop == "name" and parent_type in ("Person", "Organization"):
                field = "seller"
            if field is None or (prop == "name" and parent_type not in (t, "Person",
                                                                        "Organization")):
                continue
            value = _prop_value(el)
            if not value:
                continue
            rule = f"microdata:{parent_type}/{prop}"
            if field == "images":
                found.setdefault("images", ([], rule))[0].append(value)
            elif field not in found:
                found[field] = (value, rule)
    return found


def from_opengraph(root: etree._Element) -> Found:
    """Listing fields from OpenGraph (and product:) meta tags."""
    found: Found = {}
    images: list[str] = []
    mapping = {"og:title": "title", "og:description": "description",
               "product:price:amount": "price", "og:price:amount": "price",
               "product:price:currency": "currency", "og:price:currency": "currency",
               "og:locale": "language", "article:published_time": "posted",
               "product:availability": "", "og:site_name": ""}
    for meta in root.xpath("//meta[@property or @name]")[:500]:
        prop = (meta.get("property") or meta.get("name") or "").strip().lower()
        content = " ".join((meta.get("content") or "").split())
        if not content:
            continue
        if prop in ("og:image", "og:image:url", "og:image:secure_url"):
            images.append(content)
        elif mapping.get(prop) and mapping[prop] not in found:
            found[mapping[prop]] = (content, prop)
    if images:
        found["images"] = (images, "og:image")
    return found
