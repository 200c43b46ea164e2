"""The case file: a PDF an investigator can hand to police, a prosecutor or a platform.

Rendered from an HTML template with WeasyPrint (the ``[pdf]`` extra). Listing text is
seller-written and may be hostile: the template autoescapes it, and WeasyPrint may load
nothing but the inline ``data:`` images we put in ourselves (no file or network reads).
CJK text needs Debian's fonts-noto-cjk, which ``.ci/system-deps`` installs.

Each listing carries what a court asks of a capture (:mod:`wildtrace.act.provenance`):
capture time in UTC, final URL, server IP, User-Agent, operator, WARC file and record
ids, the hashes, the custody entry that logged it and the trusted timestamp token that
covers it; and why it was flagged, in one plain sentence. A robots.txt copy is listed
as what it is, never as the page. Given a
:class:`~wildtrace.preserve.handover.HandoverProof`, the file ends with the custody
head and each trusted timestamp token covering the case's evidence.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wildtrace.act.material import CaseListing, CaseMaterial
from wildtrace.act.provenance import covering_token, not_captured
from wildtrace.blobstore import BlobStore
from wildtrace.errors import EvidenceError
from wildtrace.extras import require
from wildtrace.preserve.handover import HandoverProof, Token

TEMPLATES = Path(__file__).parent / "templates"
MAX_INLINE_IMAGE = 4_000_000


def _data_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher that loads only ``data:`` URLs."""
    from weasyprint import urls

    if hasattr(urls, "URLFetcher"):  # WeasyPrint >= 68
        return urls.URLFetcher(allowed_protocols={"data"}, allow_redirects=False)

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
        if url.startswith("data:"):
            return urls.default_url_fetcher(url)
        raise EvidenceError(f"case file refused to load {url[:80]!r}")

    return fetch


def _images(material: CaseMaterial, blobs: BlobStore) -> dict[str, str]:
    """Inline data: URLs of screenshot evidence, by SHA-256."""
    out: dict[str, str] = {}
    for item in material.listings:
        for ev in item.evidence:
            if ev.present and ev.media_type in ("image/png", "image/jpeg") \
                    and 0 < ev.size <= MAX_INLINE_IMAGE:
                data = blobs.get(ev.sha256)
                out[ev.sha256] = (f"data:{ev.media_type};base64,"
                                  + base64.b64encode(data).decode("ascii"))
    return out


def _photo_images(photos: Mapping[int, Sequence[Mapping[str, Any]]],
                  blobs: BlobStore) -> dict[str, str]:
    """Inline data: URLs of the listings' kept photos that decoded as JPEG or PNG."""
    out: dict[str, str] = {}
    for rows in photos.values():
        for p in rows:
            sha, media = str(p.get("sha256") or ""), str(p.get("media_type") or "")
            if p.get("status") == "stored" and media in ("image/png", "image/jpeg") \
                    and 0 < int(p.get("size") or 0) <= MAX_INLINE_IMAGE and blobs.exists(sha):
                out[sha] = f"data:{media};base64," + base64.b64encode(blobs.get(sha)).decode(
                    "ascii")
    return out


def render_html(material: CaseMaterial, blobs: BlobStore, exported_by: str,
                proof: HandoverProof | None = None,
                photos: Mapping[int, Sequence[Mapping[str, Any]]] | None = None) -> str:
    """The case file as a standalone HTML document. ``photos`` (by listing id, as the
    photo step's read model gives them) adds each listing's photos with their hashes,
    WARC records, the text read from them and reuse by other sellers."""
    jinja2 = require("jinja2", "pdf", "case file export")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=True)

    def token_for(item: CaseListing) -> Token | None:
        return covering_token(proof, item.capture.custody_seq if item.capture else None)

    tpl = env.get_template("casefile.html")
    return str(tpl.render(material=material, case=material.case, exported_by=exported_by,
                          generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                          images=_images(material, blobs), token_for=token_for,
                          not_captured=not_captured, proof=proof, photos=photos or {},
                          photo_images=_photo_images(photos or {}, blobs)))


def render_pdf(material: CaseMaterial, blobs: BlobStore, exported_by: str,
               proof: HandoverProof | None = None,
               photos: Mapping[int, Sequence[Mapping[str, Any]]] | None = None) -> bytes:
    """The case file as PDF bytes; needs ``pip install 'wildtrace[pdf]'``."""
    weasyprint = require("weasyprint", "pdf", "PDF case file export")
    html = render_html(material, blobs, exported_by, proof, photos)
    pdf = weasyprint.HTML(string=html, url_fetcher=_data_only_fetcher()).write_pdf()
    return bytes(pdf)
