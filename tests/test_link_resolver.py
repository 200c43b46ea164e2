"""Seller resolution: links from identifiers, accounts, texts and photos."""

from __future__ import annotations

import io

import numpy as np
import pytest

from wildtrace.link import minhash
from wildtrace.link.evaluate import bcubed, pairwise, singletons
from wildtrace.link.imagehash import dhash, hamming
from wildtrace.link.resolver import LinkInput, resolve
from wildtrace.records import Identifier as I

AD = ("Genuine tiger claw pendant with silver cap, DM for price. Shipping worldwide "
      "from Hanoi, discreet packing, contact on WhatsApp for photos")


def test_identifier_and_account_links_keep_evidence() -> None:
    res = resolve([
        LinkInput(1, "fb", "Tiger Shop", (I("phone", "+84912345678"),), "first"),
        LinkInput(2, "ebay", "bob", (I("phone", "+84912345678"),), "second"),
        LinkInput(3, "ebay", "Bob", (), "third"),
        LinkInput(4, "ebay", "carol", (I("wechat", "carol88x"),), "fourth"),
    ])
    assert res.seller_of == {1: 1, 2: 1, 3: 1, 4: 4}
    kinds = {(x.a, x.b): (x.kind, x.evidence, x.confidence) for x in res.links}
    assert kinds[(1, 2)] == ("identifier", "phone: +84912345678", 0.95)
    assert kinds[(2, 3)][0] == "account" and kinds[(2, 3)][2] == 0.99


def test_near_duplicate_text_links_and_different_text_does_not() -> None:
    reposted = AD.replace("Hanoi", "Ha Noi").upper()
    res = resolve([LinkInput(10, "fb", "", (), AD), LinkInput(11, "ig", "", (), reposted),
                   LinkInput(12, "ig", "", (), "Carved ox bone figurine, modern, "
                             "made in 2019, collectors item, no ivory")])
    assert res.seller_of[10] == res.seller_of[11] == 10
    assert res.seller_of[12] == 12
    text = [x for x in res.links if x.kind == "text"]
    assert len(text) == 1 and 0.6 < text[0].confidence <= 0.8


def test_weak_evidence_is_recorded_but_does_not_merge() -> None:
    res = resolve([LinkInput(1, "fb", "scalyfriends", (), "a"),
                   LinkInput(2, "ig", "scaly.friends", (), "b")], min_confidence=0.7)
    assert res.seller_of == {1: 1, 2: 2}
    assert [x.kind for x in res.links] == ["handle"]


def test_minhash_estimates_jaccard() -> None:
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in rng.integers(0, 5000, 200)]
    a = " ".join(words)
    b = " ".join(words[:150] + [f"z{i}" for i in range(50)])
    sig, ok = minhash.signatures([a, b, "short"])
    assert ok.tolist() == [True, True, False]
    est = float(minhash.similarity(sig[0], sig[1]))

    def grams(t: str) -> set[bytes]:
        s = minhash.normalise_text(t)
        return {s[i:i + 5] for i in range(len(s) - 4)}
    true = len(grams(a) & grams(b)) / len(grams(a) | grams(b))
    assert abs(est - true) < 0.15


def test_image_hash_matches_resized_copy() -> None:
    pil = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(1)
    base = (rng.random((64, 64)) * 255).astype("uint8")
    img = pil.fromarray(np.kron(base, np.ones((4, 4), dtype="uint8")))

    def png(im: object, size: tuple[int, int]) -> bytes:
        buf = io.BytesIO()
        im.resize(size).save(buf, format="PNG")  # type: ignore[attr-defined]
        return buf.getvalue()
    h1, h2 = dhash(png(img, (256, 256))), dhash(png(img, (180, 180)))
    other = dhash(png(pil.fromarray((rng.random((64, 64)) * 255).astype("uint8")), (256, 256)))
    assert h1 is not None and h2 is not None and other is not None
    assert hamming(h1, h2) <= 4 < hamming(h1, other)
    assert dhash(b"not an image") is None
    res = resolve([LinkInput(1, "a", "", (), "", (h1,)), LinkInput(2, "b", "", (), "", (h2,)),
                   LinkInput(3, "c", "", (), "", (other,))])
    assert res.seller_of == {1: 1, 2: 1, 3: 3}


def test_scores() -> None:
    truth = {1: "a", 2: "a", 3: "b", 4: "b"}
    assert pairwise(truth, truth)["f1"] == 1.0
    base = bcubed(singletons([1, 2, 3, 4]), truth)
    assert base["precision"] == 1.0 and base["recall"] == 0.5
    lumped = pairwise({i: 0 for i in truth}, truth)
    assert lumped["recall"] == 1.0 and lumped["precision"] == pytest.approx(1 / 3)
