"""Site profiles: per-site selectors kept as data (TOML files), applied first.

A profile names the sites it fits (``domains``, matched as host suffixes, and/or a
``match`` CSS selector that must find something, such as the site software's
``<meta name=generator>``), optionally which URLs are listings (``listing_url``, a
regular expression), and a selector per field. Selectors are ``css:…`` or ``xpath:…``
with parsel's ``::text``/``::attr(x)`` extensions. Packaged profiles live in
``wildtrace/extract/profiles/``; a workspace adds its own in ``profiles/``.

A page that is a stream of posts (a public Telegram channel preview, a group's public
posts) names its post element with ``items``: each element found is one item, and the
field selectors are then applied inside it (``item_url`` is the post's own link), so
each post keeps its own author, date and contacts.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector

from wildtrace.errors import ConfigError

PACKAGED = Path(__file__).parent / "profiles"
FIELDS = ("title", "description", "price", "currency", "quantity", "seller",
          "seller_handle", "seller_url", "location", "posted", "images", "contact",
          "language", "item_url")
MAX_ITEMS = 500
MULTI = frozenset({"images"})


@dataclass(frozen=True)
class Profile:
    """One site profile."""

    name: str
    path: str
    domains: tuple[str, ...] = ()
    match: str = ""
    listing_url: re.Pattern[str] | None = None
    kind: str = ""  # venue kind: marketplace, classifieds, forum, social, shop
    fields: dict[str, str] = field(default_factory=dict)
    items: str = ""  # selector of each post on a page of posts (see module doc)

    def fits(self, url: str, sel: Selector) -> bool:
        """True when this profile applies to the page at ``url``."""
        host = (urlsplit(url).hostname or "").lower()
        if self.domains and not any(host == d or host.endswith("." + d)
                                    for d in self.domains):
            return False
        if self.match and not _exists(sel, self.match):
            return False
        return bool(self.domains or self.match)


def _exists(sel: Selector, spec: str) -> bool:
    kind, _, expr = spec.partition(":")
    try:
        return bool(sel.css(expr) if kind == "css" else sel.xpath(expr))
    except Exception:  # noqa: BLE001 - a bad selector in a profile must not stop a crawl
        return False


def _select(sel: Selector, spec: str) -> list[str]:
    kind, _, expr = spec.partition(":")
    try:
        found = sel.css(expr) if kind == "css" else sel.xpath(expr)
    except Exception:  # noqa: BLE001 - a bad selector in a profile must not stop a crawl
        return []
    out: list[str] = []
    for item in found[:200]:
        value = item.get() if isinstance(item.root, str) else " ".join(
            " ".join(item.xpath(".//text()").getall()).split())
        value = " ".join(str(value).split())
        if value:
            out.append(value)
    return out


def load_profile(path: Path) -> Profile:
    """Read one profile file; raises :class:`ConfigError` naming the file when bad."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read site profile: {exc}") from exc
    fields = data.get("fields", {})
    if not isinstance(fields, dict):
        raise ConfigError(f"{path}: [fields] must be a table of selectors")
    bad = [k for k, v in fields.items() if k not in FIELDS or not isinstance(v, str)
           or not v.startswith(("css:", "xpath:"))]
    if bad:
        raise ConfigError(f"{path}: bad field selector(s): {', '.join(bad)}",
                          hint="fields: " + ", ".join(FIELDS) + "; values css:… or xpath:…")
    items = data.get("items", "")
    if items and (not isinstance(items, str) or not items.startswith(("css:", "xpath:"))):
        raise ConfigError(f"{path}: items must be a css:… or xpath:… selector")
    pattern = data.get("listing_url")
    try:
        compiled = re.compile(pattern) if pattern else None
    except re.error as exc:
        raise ConfigError(f"{path}: listing_url is not a valid regular expression: {exc}") \
            from exc
    return Profile(name=str(data.get("name", path.stem)), path=str(path),
                   domains=tuple(str(d).lower() for d in data.get("domains", [])),
                   match=str(data.get("match", "")), listing_url=compiled,
                   kind=str(data.get("kind", "")), fields=dict(fields), items=str(items))


def load_profiles(*dirs: Path) -> list[Profile]:
    """Every profile in the packaged folder and ``dirs``, in file-name order."""
    out: list[Profile] = []
    for d in (PACKAGED, *dirs):
        if d.is_dir():
            out.extend(load_profile(p) for p in sorted(d.glob("*.toml")))
    return out


def apply_profile(profile: Profile, root: etree._Element) -> dict[str, tuple[object, str]]:
    """``{field: (value, rule)}`` from a profile's selectors."""
    return _apply(profile, Selector(root=root, type="html"))


def apply_items(profile: Profile, root: etree._Element
                ) -> list[tuple[etree._Element, dict[str, tuple[object, str]]]]:
    """Each post of a page of posts with ``{field: (value, rule)}`` read inside it
    (``[]`` when the profile names no ``items`` or none is found)."""
    if not profile.items:
        return []
    kind, _, expr = profile.items.partition(":")
    sel = Selector(root=root, type="html")
    try:
        found = sel.css(expr) if kind == "css" else sel.xpath(expr)
    except Exception:  # noqa: BLE001 - a bad selector in a profile must not stop a crawl
        return []
    out = []
    for item in found[:MAX_ITEMS]:
        if isinstance(item.root, etree._Element):
            out.append((item.root, _apply(profile, Selector(root=item.root, type="html"),
                                          relative=True)))
    return out


def _apply(profile: Profile, sel: Selector, relative: bool = False
           ) -> dict[str, tuple[object, str]]:
    out: dict[str, tuple[object, str]] = {}
    for name, spec in profile.fields.items():
        if relative and spec.startswith("xpath:/") and not spec.startswith("xpath:.//"):
            spec = "xpath:." + spec[len("xpath:"):]  # inside the item, not the page
        values = _select(sel, spec)
        if not values:
            continue
        rule = f"profile:{profile.name}/{name}"
        out[name] = (values if name in MULTI else " ".join(values) if name in (
            "description", "contact") else values[0], rule)
    return out


def fits_page(profile: Profile, url: str, root: etree._Element) -> bool:
    """True when ``profile`` would be chosen for the page ``root`` at ``url``."""
    return profile.fits(url, Selector(root=root, type="html"))


def choose(profiles: list[Profile], url: str, root: etree._Element) -> Profile | None:
    """The first profile that fits the page."""
    if not profiles:
        return None
    sel = Selector(root=root, type="html")
    return next((p for p in profiles if p.fits(url, sel)), None)
