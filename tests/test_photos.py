"""Photos: hostile decoding, the guarded fetch, the near-duplicate index against brute
force, OCR, the photo step over a workspace (with a fake fetcher), its storage on
SQLite and PostgreSQL, and the web page and photo route."""

from __future__ import annotations

import io
import random
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from photo_site import CAPTION, bomb_png, jpeg, scene, with_text  # noqa: E402

from wildtrace.app.photos import analyse_photos, listing_photos, with_photo_text  # noqa: E402
from wildtrace.collect.netguard import Fetched, NetPolicy  # noqa: E402
from wildtrace.collect.photos import (  # noqa: E402
    GuardedPhotoFetcher,
    PhotoRejected,
    decode,
    photo_urls,
)
from wildtrace.errors import FetchError  # noqa: E402
from wildtrace.extract.ocr import tidy  # noqa: E402
from wildtrace.link.imagehash import dhash_image  # noqa: E402
from wildtrace.link.photoindex import PhotoIndex, brute_near  # noqa: E402
from wildtrace.records import ListingDraft  # noqa: E402
from wildtrace.store import Store, content_key  # noqa: E402
from wildtrace.store.photos import PhotoRow  # noqa: E402
from wildtrace.workspace import Workspace  # noqa: E402

HAS_TESSERACT = shutil.which("tesseract") is not None


def _encode(img: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


# -- decoding ----------------------------------------------------------------------------
def test_decode_accepts_the_still_formats_and_reads_size() -> None:
    img = scene(3, (120, 80))
    for fmt, media in (("JPEG", "image/jpeg"), ("PNG", "image/png"), ("GIF", "image/gif"),
                       ("WEBP", "image/webp"), ("BMP", "image/bmp")):
        got = decode(_encode(img, fmt))
        assert (got.media_type, got.width, got.height) == (media, 120, 80)
        assert got.image.mode == "RGB"


def test_decode_refuses_bombs_oversize_and_other_formats() -> None:
    with pytest.raises(PhotoRejected, match="decompression bomb"):
        decode(bomb_png(30000))  # over Pillow's own bomb limit
    with pytest.raises(PhotoRejected, match="over the limit"):
        decode(bomb_png(7000))  # 49 Mpx: under Pillow's limit, over ours
    with pytest.raises(PhotoRejected, match="not a readable image"):
        decode(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    with pytest.raises(PhotoRejected, match="not a readable image"):
        decode(_encode(scene(3, (40, 40)), "TIFF"))  # decodable by Pillow, not accepted
    with pytest.raises(PhotoRejected, match="larger than"):
        decode(b"x" * 100, max_bytes=50)
    with pytest.raises(PhotoRejected, match="empty"):
        decode(b"")
    truncated = jpeg(scene(3))[:300]
    with pytest.raises(PhotoRejected):
        decode(truncated)


def test_photo_urls_caps_count_and_drops_other_schemes() -> None:
    urls = ["data:image/png;base64,AAAA", "javascript:alert(1)", "https://a.example/1.jpg",
            "https://a.example/1.jpg", "http://a.example/" + "x" * 5000,
            *[f"https://a.example/{i}.jpg" for i in range(2, 20)]]
    got = photo_urls(urls, limit=5)
    assert got == [f"https://a.example/{i}.jpg" for i in range(1, 6)]


# -- the guarded fetch ---------------------------------------------------------------------
def test_guard_refuses_internal_addresses_a_page_names() -> None:
    policy = NetPolicy(["https://shop.example/"],
                       resolver=lambda host, port: {"evil.example": ["10.0.0.5"],
                                                    "shop.example": ["93.184.216.34"]}[host])
    g = GuardedPhotoFetcher(policy)
    for url in ("http://169.254.169.254/latest/meta-data", "http://127.0.0.1:8080/x.jpg",
                "http://evil.example/x.jpg", "http://localhost/x.jpg", "file:///etc/passwd"):
        with pytest.raises(FetchError):
            g.check(url)
    assert g.check("https://shop.example/p.jpg")[0] == "93.184.216.34"


def test_guard_allows_the_named_local_origin_only() -> None:
    policy = NetPolicy(["http://127.0.0.1:8000/"])
    g = GuardedPhotoFetcher(policy)
    assert g.check("http://127.0.0.1:8000/img/a.jpg")[0] == "127.0.0.1"
    with pytest.raises(FetchError, match="not an origin you named"):
        g.check("http://127.0.0.1:9000/img/a.jpg")


# -- the index -------------------------------------------------------------------------------
def test_photo_index_finds_what_brute_force_finds() -> None:
    rng = np.random.default_rng(5)
    n = 20_000
    hashes = rng.integers(0, 2**63, n, dtype=np.uint64) * np.uint64(2) + \
        rng.integers(0, 2, n, dtype=np.uint64)
    ids = np.arange(n, dtype=np.int64)
    index = PhotoIndex(ids, hashes)
    r = random.Random(5)
    for _ in range(200):
        base = int(hashes[r.randrange(n)]) if r.random() < 0.7 else r.getrandbits(64)
        q = base
        for bit in r.sample(range(64), r.randrange(0, 8)):
            q ^= 1 << bit
        radius = r.randrange(0, 8)
        assert index.near(q, radius) == sorted(brute_near(ids, hashes, q, radius),
                                                key=lambda x: (x[1], x[0]))


def test_photo_index_buffered_adds_are_found() -> None:
    index = PhotoIndex()
    index.add(1, 0xFFFF_0000_FFFF_0000)
    index.add(2, 0xFFFF_0000_FFFF_0001)
    assert index.near(0xFFFF_0000_FFFF_0000, 1) == [(1, 0), (2, 1)]
    index.extend([(3, 0)])  # merges the buffer too
    assert index.near(0xFFFF_0000_FFFF_0003, 2) == [(2, 1), (1, 2)]
    assert len(index) == 3


def test_resized_reencoded_copy_hashes_within_radius() -> None:
    img = scene(11)
    copy = decode(jpeg(img.resize((320, 240)), 50)).image
    other = decode(jpeg(scene(12))).image
    h = dhash_image(decode(jpeg(img)).image)
    assert (h ^ dhash_image(copy)).bit_count() <= 4
    assert (h ^ dhash_image(other)).bit_count() > 10


# -- OCR ----------------------------------------------------------------------------------
def test_tidy_joins_cjk_and_thai_but_keeps_latin_spaces() -> None:
    assert tidy("象 牙 手 镯  ivory  bangle\n\n ราคา ถูก ") == "象牙手镯 ivory bangle\nราคาถูก"


@pytest.mark.skipif(not HAS_TESSERACT, reason="Debian's tesseract-ocr is not installed")
def test_ocr_reads_chinese_and_latin_on_a_photo() -> None:
    from wildtrace.extract.ocr import TesseractOcr

    ocr = TesseractOcr("eng+chi_sim")
    got = ocr.read(with_text(scene(1), CAPTION))
    assert "象牙" in got.text and "ivory8899" in got.text and got.confidence > 0.5
    assert got.engine.startswith("tesseract ") and got.engine.endswith("eng+chi_sim")


def test_ocr_languages_are_checked() -> None:
    from wildtrace.extract.ocr import OcrUnavailable, TesseractOcr

    with pytest.raises(ValueError, match="languages"):
        TesseractOcr("eng; rm -rf /")
    if HAS_TESSERACT:
        with pytest.raises(OcrUnavailable, match="not installed: xyz"):
            TesseractOcr("eng+xyz")


# -- the photo step over a workspace ----------------------------------------------------
class FakeFetcher:
    """Serves photo bytes by URL, like a site would; anything else is refused."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.asked: list[str] = []

    def fetch(self, url: str) -> Fetched:
        self.asked.append(url)
        if url not in self.files:
            raise FetchError("refused: not a public internet address", url=url)
        return Fetched(url=url, status=200, media_type="image/jpeg", body=self.files[url],
                       address="93.184.216.34")


def _listing(ws: Workspace, title: str, seller: str, images: list[str]) -> int:
    draft = ListingDraft(source="shop.example", title=title, description="see photos",
                         seller=seller, url=f"https://shop.example/{title}",
                         extra={"images": images})
    ws.store.add_listings([(draft, content_key(draft))])
    return next(x.id for x in ws.store.iter_listings() if x.title == title)


def test_photo_step_keeps_hashes_links_and_records_reasons(ws: Workspace) -> None:
    shared = scene(21)
    files = {"https://shop.example/a.jpg": jpeg(shared),
             "https://shop.example/b.jpg": jpeg(shared.resize((300, 225)), 55),
             "https://shop.example/c.jpg": jpeg(scene(22)),
             "https://shop.example/bad.jpg": b"GIF89a not really"}
    a = _listing(ws, "one", "seller_a", ["https://shop.example/a.jpg"])
    b = _listing(ws, "two", "seller_b", ["https://shop.example/b.jpg",
                                         "https://shop.example/bad.jpg",
                                         "http://169.254.169.254/x.jpg"])
    c = _listing(ws, "three", "seller_c", ["https://shop.example/c.jpg"])
    fake = FakeFetcher(files)
    s = analyse_photos(ws, NetPolicy(), fetcher=fake, ocr=False)
    assert (s.listings, s.stored, s.rejected, s.refused, s.reused) == (3, 3, 1, 1, 1)
    pa, pb, pc = (listing_photos(ws, x) for x in (a, b, c))
    assert pb[0]["reused_by"] == [a] and pb[0]["reused_sellers"] == ["seller_a"]
    assert pb[1]["status"] == "rejected" and pb[1]["sha256"]  # kept, not shown
    assert pb[2]["status"] == "refused" and "not a public" in pb[2]["reason"]
    keys = ws.store.photos.keys_by_listing()
    assert keys[a] == keys[b] != keys[c]
    # A second run tries nothing again.
    again = analyse_photos(ws, NetPolicy(), fetcher=fake, ocr=False)
    assert again.tried == 0 and len(fake.asked) == 5
    # The custody chain still verifies with the photo entries in it.
    from wildtrace.app.evidence import verify_evidence

    assert verify_evidence(ws).ok
    assert pa[0]["status"] == "stored" and pc[0]["status"] == "stored"


@pytest.mark.skipif(not HAS_TESSERACT, reason="Debian's tesseract-ocr is not installed")
def test_photo_text_joins_assessment_input_not_the_listing(ws: Workspace) -> None:
    url = "https://shop.example/cap.jpg"
    lid = _listing(ws, "caption", "s", [url])
    ws.settings = ws.settings.replace(ocr_languages="eng+chi_sim")
    s = analyse_photos(ws, NetPolicy(), fetcher=FakeFetcher(
        {url: jpeg(with_text(scene(1), CAPTION))}))
    assert s.ocr == 1
    listing = ws.store.listing(lid)
    assert listing is not None and "ivory8899" not in listing.text
    assert "ivory8899" in with_photo_text(ws, [listing])[0].text
    from wildtrace.link.sellers import PhotoFacts, link_input

    idents = link_input(listing, None, PhotoFacts.of(ws.store)).identifiers
    assert any(i.kind == "whatsapp" and i.value == "+84912345678" for i in idents)
    assert any(i.kind == "photo" for i in idents)


def test_photo_store_on_postgres_keeps_64_bit_hashes(pg_store: Store) -> None:
    draft = ListingDraft(source="s", title="t", description="d")
    pg_store.add_listings([(draft, content_key(draft))])
    lid = next(x.id for x in pg_store.iter_listings())
    big = 0xF0F0_F0F0_F0F0_F0F1  # over 2**63: stored signed
    pid = pg_store.photos.add(PhotoRow(lid, "https://x.example/a.jpg", "stored",
                                       sha256="a" * 64, phash=big, photo_key=big))
    assert pg_store.photos.add(PhotoRow(lid, "https://x.example/a.jpg", "stored")) == pid
    got = pg_store.photos.get(pid)
    assert got is not None and got.phash == big and got.photo_key == big
    assert pg_store.photos.keys_by_listing() == {lid: (big,)}


def test_photo_fetcher_spaces_requests_to_one_host(monkeypatch: pytest.MonkeyPatch) -> None:
    from wildtrace.collect import photos as cp

    now = [100.0]
    slept: list[float] = []

    def fake_fetch(self: GuardedPhotoFetcher, url: str) -> Fetched:
        now[0] += 0.1  # the request itself takes 0.1 s
        return Fetched(url=url, status=200, media_type="image/jpeg", body=b"x",
                       address="93.184.216.34")

    monkeypatch.setattr(cp.GuardedPhotoFetcher, "fetch", fake_fetch)
    f = cp.PhotoFetcher(NetPolicy(), delay=1.0, clock=lambda: now[0],
                        sleep=lambda s: (slept.append(s), now.__setitem__(0, now[0] + s)))
    f.fetch("https://a.example/1.jpg")
    f.fetch("https://b.example/1.jpg")  # another host: no wait
    f.fetch("https://a.example/2.jpg")  # 0.1 s after a's last: waits the rest
    assert len(slept) == 1 and slept[0] == pytest.approx(0.9)


def test_photo_step_reads_listings_in_batches(ws: Workspace,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import wildtrace.app.photos as ap

    monkeypatch.setattr(ap, "BATCH", 2)
    files = {f"https://shop.example/{i}.jpg": jpeg(scene(40 + i), 70) for i in range(5)}
    _listing(ws, "dropped", "s", ["data:image/png;base64,AAAA"])  # never gets a row
    for i in range(5):
        _listing(ws, f"b{i}", f"s{i}", [f"https://shop.example/{i}.jpg"])
    s = analyse_photos(ws, NetPolicy(), fetcher=FakeFetcher(files), ocr=False)
    assert (s.listings, s.stored) == (6, 5)
