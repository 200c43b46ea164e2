"""``wildtrace profile test``: what a site profile extracts from a saved page.

A profile author saves a page from the site (the browser's "save page as", or a capture
from the workspace) and runs the profile over it: which field each selector filled and
with what, which selectors found nothing, the page kind, the posts of a page of posts,
and the contacts found. Nothing is stored and nothing is fetched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from wildtrace.errors import ConfigError, InputError
from wildtrace.extract.extractor import Extraction, Extractor
from wildtrace.extract.html import MAX_HTML_BYTES, decode_html, parse_html
from wildtrace.extract.profiles import (
    PACKAGED,
    Profile,
    fits_page,
    load_profile,
    load_profiles,
)
from wildtrace.workspace import resolve_dir


@dataclass
class ProfileTest:
    """What one profile made of one saved page."""

    profile: str
    path: str
    url: str
    fits: bool  # whether the profile would be chosen for this URL and page
    kind: str
    kind_reason: str
    is_listing: bool
    reason: str
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    empty: list[str] = field(default_factory=list)  # selectors that found nothing
    posts: list[dict[str, Any]] = field(default_factory=list)
    identifiers: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain values, for ``--json``."""
        return dict(self.__dict__)


def find_profile(ref: str, workspace_dir: str | None = None) -> Profile:
    """A profile by file path (``x.toml``) or by name among the packaged profiles and the
    workspace's ``profiles/`` folder; raises :class:`ConfigError` naming what exists."""
    path = Path(ref)
    if ref.endswith(".toml") and path.is_file():
        return load_profile(path)
    dirs = []
    ws_profiles = resolve_dir(workspace_dir) / "profiles"
    if ws_profiles.is_dir():
        dirs.append(ws_profiles)
    known = load_profiles(*dirs)
    for p in known:
        if p.name == ref:
            return p
    raise ConfigError(f"no site profile named {ref!r}",
                      hint="known: " + ", ".join(sorted(p.name for p in known))
                      + f"; packaged in {PACKAGED}, a workspace adds its own in profiles/")


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, list, type(None))) else str(value)


def profile_test(ref: str, page: Path, url: str = "",
                 workspace_dir: str | None = None) -> ProfileTest:
    """Run the profile ``ref`` over the saved page ``page`` as if fetched from ``url``
    (default: the profile's first domain)."""
    profile = find_profile(ref, workspace_dir)
    try:
        with page.open("rb") as fh:
            body = fh.read(MAX_HTML_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{page}: cannot read the saved page: {exc.strerror}") from exc
    if len(body) > MAX_HTML_BYTES:
        raise InputError(f"{page}: larger than {MAX_HTML_BYTES:,} bytes; not a page")
    if not url:
        url = f"https://{profile.domains[0]}/" if profile.domains else page.resolve().as_uri()
    if urlsplit(url).scheme not in ("http", "https", "file"):
        raise InputError(f"--url {url!r}: not an http(s) address")
    extractor = Extractor(())
    root = parse_html(decode_html(body).text)
    fits = fits_page(profile, url, root)
    ex = extractor.extract(body, url, "text/html", use_profile=profile)
    rules = {name: f"profile:{profile.name}/{name}" for name in profile.fields}
    return ProfileTest(
        profile=profile.name, path=profile.path, url=url, fits=fits, kind=ex.kind,
        kind_reason=ex.kind_reason, is_listing=ex.is_listing, reason=ex.reason,
        fields={k: {"value": _plain(v), "rule": ex.provenance.get(k, "")}
                for k, v in ex.fields.items()},
        empty=sorted(name for name, rule in rules.items()
                     if rule not in ex.provenance.values()
                     and not any(rule in p.provenance.values() for p in ex.posts)),
        posts=[_post(p) for p in ex.posts],
        identifiers=[{"kind": i.kind, "value": i.value} for i in ex.identifiers])


def _post(p: Extraction) -> dict[str, Any]:
    return {"fields": {k: _plain(v) for k, v in p.fields.items() if k != "description"},
            "text": str(p.fields.get("description", ""))[:300],
            "identifiers": [{"kind": i.kind, "value": i.value} for i in p.identifiers]}
