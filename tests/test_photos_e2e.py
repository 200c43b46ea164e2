"""Done-when of the pictures work: a crawl of a local site whose adverts carry text in
images and share a photo yields the OCR text in the listings, the photos as evidence
(blob, WARC response record, custody), a seller link through the shared photo, the
"same photo under other sellers" signal, and a reason for every photo not kept."""

from __future__ import annotations

import gzip
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent / "sites"))
sys.path.insert(0, str(Path(__file__).parent))
from harness import new_workspace, wildtrace, wildtrace_json  # noqa: E402
from photo_site import PhotoSite  # noqa: E402

from wildtrace.app.photos import listing_photos, with_photo_text  # noqa: E402
from wildtrace.workspace import open_workspace  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None,
                                reason="Debian's tesseract-ocr is not installed")


@pytest.fixture(scope="module")
def site() -> Iterator[PhotoSite]:
    s = PhotoSite()
    yield s
    s.close()


@pytest.fixture(scope="module")
def crawled(site: PhotoSite, tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[Path, dict[str, Any]]:
    ws = new_workspace(tmp_path_factory.mktemp("photos") / "ws")
    summary = wildtrace_json(ws, "crawl", site.url + "/", "--delay", "0.01", timeout=240,
                             WILDTRACE_OCR_LANGUAGES="eng+chi_sim")
    wildtrace(ws, "process", timeout=240)
    return ws, summary


def _by_title(ws: Path) -> dict[str, int]:
    w = open_workspace(ws)
    return {x.title: x.id for x in w.store.iter_listings()}


def test_photos_are_fetched_and_kept_with_reasons(crawled: tuple[Path, dict[str, Any]],
                                                  site: PhotoSite) -> None:
    ws, summary = crawled
    photos = summary["photos"]
    assert photos["listings"] == 3
    assert photos["stored"] == 4  # caption, shared, shared-copy, other
    assert photos["rejected"] == 2 and photos["refused"] == 1
    reasons = {e["file"].rsplit("/", 1)[-1]: e["reason"] for e in photos["errors"]}
    assert "decompression bomb" in reasons["bomb.png"]
    assert "not a readable image" in reasons["not-an-image.jpg"]
    assert "not a public internet address" in reasons["meta-data.jpg"]
    assert "/latest/meta-data.jpg" not in site.hits  # the guard never sent it


def test_photos_are_evidence_blob_warc_and_custody(crawled: tuple[Path, dict[str, Any]],
                                                   site: PhotoSite) -> None:
    ws, _ = crawled
    w = open_workspace(ws)
    lid = _by_title(ws)["Old bangle for sale"]
    rows = listing_photos(w, lid)
    assert [r["status"] for r in rows] == ["stored", "stored"]
    caption = next(r for r in rows if r["url"].endswith("/img/caption.jpg"))
    assert w.blobs.get(caption["sha256"]) == site.files["/img/caption.jpg"][1]
    warc = (w.evidence_dir / "warc" / caption["warc_file"]).read_bytes()
    assert caption["warc_record"].encode() in gzip.decompress(warc)
    custody = [e for e in w.store.evidence.custody_entries() if e.action == "photo"]
    assert any(e.sha256 == caption["sha256"] and e.detail["listing_id"] == lid
               for e in custody)
    verify = wildtrace_json(ws, "evidence", "verify")
    assert verify["ok"] is True, verify


def test_text_in_photos_joins_the_listing(crawled: tuple[Path, dict[str, Any]]) -> None:
    ws, _ = crawled
    w = open_workspace(ws)
    lid = _by_title(ws)["Old bangle for sale"]
    caption = next(r for r in listing_photos(w, lid) if r["url"].endswith("caption.jpg"))
    assert "象牙" in caption["ocr_text"] and "ivory8899" in caption["ocr_text"]
    listing = w.store.listing(lid)
    assert listing is not None and "象牙" not in listing.text  # stored text unchanged
    seen = with_photo_text(w, [listing])[0]
    assert "ivory8899" in seen.text and "[text in photos]" in seen.text


def test_shared_photo_links_the_two_sellers(crawled: tuple[Path, dict[str, Any]]) -> None:
    ws, _ = crawled
    w = open_workspace(ws)
    ids = _by_title(ws)
    a, b, c = (ids["Old bangle for sale"], ids["Carving, white material"],
               ids["Garden statue"])
    run = w.store.link.newest()
    assert run is not None
    assert run.seller_of[a] == run.seller_of[b]
    assert run.seller_of[c] != run.seller_of[a]
    # Whichever of the two was fetched second carries the "reused" signal.
    shared = [p for p in listing_photos(w, a) + listing_photos(w, b) if p["reused_by"]]
    assert len(shared) == 1
    assert shared[0]["reused_by"] in ([a], [b])
    assert shared[0]["reused_sellers"] in (["jade_house"], ["curio_corner"])
    assert not any(p["reused_by"] for p in listing_photos(w, c))


def test_no_images_flag_fetches_no_photo(site: PhotoSite,
                                         tmp_path_factory: pytest.TempPathFactory) -> None:
    ws = new_workspace(tmp_path_factory.mktemp("nophotos") / "ws")
    before = len(site.hits)
    summary = wildtrace_json(ws, "crawl", site.url + "/", "--delay", "0.01", "--no-images",
                             timeout=240)
    assert summary["listings"] == 3 and "photos" not in summary
    assert not [p for p in site.hits[before:] if p.startswith("/img/")]
    assert open_workspace(ws).store.photos.listings_with_images()  # named, not fetched
