"""Incremental linking equals a full run: full(A ∪ B) == incremental(full(A), B).

Random listing sets are drawn from small pools of accounts, phones, handles, adverts
and photos so that every rule fires often, and the caps that make linking
non-monotone (boilerplate shared by too many owners, LSH buckets past their size, an
identifier on too many listings) are lowered so that new listings cross them: text
links then disappear and sellers split, which an incremental run must reproduce too.
"""

from __future__ import annotations

import io
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wildtrace.blobstore import BlobStore
from wildtrace.link import keys, minhash, resolve_sellers, resolver
from wildtrace.link.sellers import link_inputs, link_text, summarise
from wildtrace.records import Identifier, ListingDraft
from wildtrace.store import Store, content_key
from wildtrace.store.core import alembic_config, make_engine, migrate
from wildtrace.store.link_index import sig_from_bytes
from wildtrace.workspace import Workspace, open_workspace

ADS = [
    "Genuine tiger claw pendant with silver cap, DM for price, shipping worldwide",
    "Carved ox bone figurine, modern, made in 2019, collectors item, no ivory at all",
    "Rhino horn cup antique, certified old stock, discreet packing from Hanoi today",
    "Wholesale genuine products direct from supplier, best price, message for photos",
    "Pangolin scales raw one kilo, fast delivery, WhatsApp me for wholesale terms",
    "hi",  # too short to compare
]
ACCOUNTS = ["tigershop", "Tiger Shop", "hornhub_vn", "bob", "scalyfriends", "", "", "admin"]
PLATFORMS = ["facebook", "instagram", "ebay"]


@pytest.fixture(autouse=True)
def _small_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    # Caps a few listings cross, so that additions unlink as well as link.
    monkeypatch.setattr(resolver, "MAX_TEXT_MERGE", 2)
    monkeypatch.setattr(minhash, "MAX_BUCKET", 6)
    monkeypatch.setattr(keys, "MAX_GROUP", 4)


def _png(shade: int) -> bytes:
    from PIL import Image

    img = Image.new("L", (16, 16))
    img.putdata([(x * shade + y * 7) % 256 for y in range(16) for x in range(16)])
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _drafts(rng: random.Random, n: int, photos: list[str]) -> Iterator[ListingDraft]:
    for i in range(n):
        ad = rng.choice(ADS)
        if rng.random() < 0.5:  # a repost with a small edit
            ad = ad.replace("price", f"price {rng.randint(1, 9)}")
        idents = []
        if rng.random() < 0.4:
            idents.append(Identifier("phone", f"+8491234567{rng.randint(0, 6)}"))
        if rng.random() < 0.2:
            idents.append(Identifier("wechat", f"wx{rng.randint(0, 3)}"))
        extra: dict[str, Any] = {}
        if photos and rng.random() < 0.3:
            extra["images"] = [rng.choice(photos)]
        yield ListingDraft(source=rng.choice(PLATFORMS), seller=rng.choice(ACCOUNTS),
                           title=f"item {i}" if rng.random() < 0.2 else "",
                           description=ad, identifiers=tuple(idents), extra=extra,
                           origin=f"test:{i}:{rng.random()}")


def _add(store: Store, drafts: list[ListingDraft]) -> int:
    return store.add_listings([(d, content_key(d)) for d in drafts])[0]


def _full(store: Store, blobs: BlobStore | None) -> tuple[dict[int, int], set[Any],
                                                           dict[str, Any]]:
    res = resolver.resolve(link_inputs(store.iter_listings(), blobs))
    links = {(x.a, x.b, x.kind, x.evidence, x.confidence) for x in res.links}
    return res.seller_of, links, summarise(store, res)


def _stored(store: Store, run_id: int) -> tuple[dict[int, int], set[Any], dict[str, Any]]:
    detail = store.link.run_detail(run_id)
    summary = {k: detail[k] for k in ("listings", "sellers", "links", "multi_listing_sellers",
                                      "cross_platform_sellers", "skipped_common_identifiers")}
    return store.link.members(run_id), set(store.link.links(run_id)), summary


def _check_chain(ws: Workspace, seed: int, sizes: list[int], photos: bool) -> None:
    rng = random.Random(seed)
    shas = [ws.blobs.put(_png(s)) for s in (3, 5, 11)] if photos else []
    blobs = ws.blobs if photos else None
    drafts = list(_drafts(rng, sum(sizes), shas))
    start = 0
    for step, size in enumerate(sizes):
        added = _add(ws.store, drafts[start:start + size])
        start += size
        summary = resolve_sellers(ws.store, blobs)
        # Duplicates are not stored: a step that added nothing leaves the run as it was.
        if step > 0 and not added:
            assert summary["unchanged"], summary
        else:
            assert ("incremental" in summary) == (step > 0), summary
        assert _stored(ws.store, summary["run_id"]) == _full(ws.store, blobs), \
            f"seed {seed}, sizes {sizes}, step {step}"


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6),
       sizes=st.lists(st.integers(1, 25), min_size=2, max_size=4))
def test_incremental_equals_full(tmp_path_factory: pytest.TempPathFactory, seed: int,
                                 sizes: list[int]) -> None:
    ws = open_workspace(tmp_path_factory.mktemp("inc") / "ws")
    try:
        _check_chain(ws, seed, sizes, photos=seed % 3 == 0)
    finally:
        ws.close()


def test_new_boilerplate_splits_a_seller(ws: Workspace) -> None:
    ad = ADS[3]
    first = [ListingDraft(source="ebay", seller=f"dealer{i}", description=ad + f" {i}",
                          origin=str(i)) for i in range(2)]
    _add(ws.store, first)
    one = resolve_sellers(ws.store)
    assert one["sellers"] == 1  # two sellers joined by their near-identical advert
    _add(ws.store, [ListingDraft(source="ebay", seller="dealer9", description=ad + " 9")])
    two = resolve_sellers(ws.store)
    # A third distinct owner makes the advert boilerplate (cap lowered to 2): all apart.
    assert two["incremental"]["parent_run"] == one["run_id"]
    assert two["sellers"] == 3 and two["links"].get("boilerplate_texts") == 3
    assert _stored(ws.store, two["run_id"]) == _full(ws.store, None)


def test_without_an_index_or_with_force_the_run_is_full(ws: Workspace) -> None:
    _add(ws.store, list(_drafts(random.Random(1), 10, [])))
    first = resolve_sellers(ws.store, incremental=False)
    _add(ws.store, list(_drafts(random.Random(2), 5, [])))
    second = resolve_sellers(ws.store)  # no index yet: full, and builds one
    assert "incremental" not in second
    _add(ws.store, list(_drafts(random.Random(3), 5, [])))
    third = resolve_sellers(ws.store)
    assert third["incremental"]["parent_run"] == second["run_id"] != first["run_id"]
    forced = resolve_sellers(ws.store, force=True)
    assert "incremental" not in forced
    assert _stored(ws.store, forced["run_id"])[:2] == _stored(ws.store, third["run_id"])[:2]


def test_incremental_on_postgres(pg_url: str, tmp_path: Path) -> None:
    ws = open_workspace(tmp_path / "ws", overrides={"database_url": pg_url})
    try:
        _check_chain(ws, 7, [20, 15, 10], photos=True)
    finally:
        ws.close()


def test_stored_signatures_spare_reading_old_texts(ws: Workspace,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    drafts = list(_drafts(rng, 60, []))
    _add(ws.store, drafts[:40])
    first = resolve_sellers(ws.store)
    resolved = ws.store.link.members(first["run_id"])
    sigs = ws.store.link.index.signatures(resolved)
    assert len(sigs) == len(resolved) == ws.store.count_listings()
    # Every comparable row keeps its signature, exactly as MinHash computes it.
    listings = {x.id: x for x in ws.store.listings_by_id(sigs)}
    for lid, (ok, raw) in sigs.items():
        sig, want_ok = minhash.signatures([link_text(listings[lid])])
        assert ok == bool(want_ok[0]) and (raw is not None) == ok
        if raw is not None:
            assert (sig_from_bytes(raw) == sig[0]).all()
    _add(ws.store, drafts[40:])

    def no_old_texts(ids: Any) -> Any:
        raise AssertionError(f"old listings' texts read back: {sorted(ids)[:5]}")

    with monkeypatch.context() as patched:
        patched.setattr(ws.store, "listings_by_id", no_old_texts)
        second = resolve_sellers(ws.store)
    assert second["incremental"]["parent_run"] == first["run_id"]
    assert _stored(ws.store, second["run_id"]) == _full(ws.store, None)
    # The new listings' signatures are stored too, for the run after.
    now = ws.store.link.index.signatures(ws.store.link.members(second["run_id"]))
    assert len(now) == ws.store.count_listings() > len(resolved)
    assert all(raw is not None for ok, raw in now.values() if ok)
    assert any(ok for ok, _ in now.values())


def test_an_index_without_signatures_reads_the_texts(ws: Workspace) -> None:
    # An index written before migration 0024 has no signatures: they come from the text.
    rng = random.Random(9)
    drafts = list(_drafts(rng, 50, []))
    _add(ws.store, drafts[:30])
    resolve_sellers(ws.store)
    conn = sqlite3.connect(ws.root / "wildtrace.db")
    with conn:
        conn.execute("UPDATE link_rows SET sig = NULL")
    conn.close()
    _add(ws.store, drafts[30:])
    second = resolve_sellers(ws.store)
    assert "incremental" in second
    assert _stored(ws.store, second["run_id"]) == _full(ws.store, None)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_signature_migration_up_and_down(backend: str, tmp_path: Path,
                                         request: pytest.FixtureRequest) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}" if backend == "sqlite" else \
        request.getfixturevalue("pg_url")
    engine = make_engine(url)
    try:
        def columns() -> set[str]:
            return {c["name"] for c in sa.inspect(engine).get_columns("link_rows")}

        migrate(engine)
        assert "sig" in columns()
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO link_rows (listing_id, owner, known, ok, shared,"
                                 " sig) VALUES (1, 1, true, true, 0, :s)"), {"s": b"\x01" * 256})
            command.downgrade(alembic_config(conn), "0023_intelligence")
        assert "sig" not in columns()
        with engine.connect() as conn:  # the rest of the row survives the way down
            assert conn.execute(sa.text("SELECT owner FROM link_rows")).scalar() == 1
        migrate(engine)
        assert "sig" in columns()
    finally:
        engine.dispose()


def test_a_big_boilerplate_bucket_is_not_read(ws: Workspace,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # A supplier's advert copied by many sellers fills big boilerplate buckets; new
    # copies join them without their thousands of members being read back.
    from wildtrace.link import incremental

    ad = ADS[3]
    old = [ListingDraft(source="ebay", seller=f"dealer{i}", description=f"{ad} {i}",
                        origin=f"o{i}") for i in range(3 * incremental._big())]
    _add(ws.store, old)
    first = resolve_sellers(ws.store)
    assert first["links"]["boilerplate_texts"] == len(old)
    stays = []
    spy = incremental._stays_boilerplate

    def watch(*args: Any) -> bool:
        stays.append(spy(*args))
        return stays[-1]

    monkeypatch.setattr(incremental, "_stays_boilerplate", watch)
    read: list[Any] = []
    buckets = ws.store.link.index.buckets

    def counted(wanted: Any) -> Any:
        out = buckets(wanted)
        read.extend(len(m) for m in out.values())
        return out

    monkeypatch.setattr(ws.store.link.index, "buckets", counted)
    _add(ws.store, [ListingDraft(source="ebay", seller=f"late{i}", description=f"{ad} {i}",
                                 origin=f"n{i}") for i in range(3)])
    second = resolve_sellers(ws.store)
    assert second["incremental"]["parent_run"] == first["run_id"]
    assert stays and all(stays)  # every big bucket was told apart without reading it
    assert max(read, default=0) <= incremental._big()
    assert _stored(ws.store, second["run_id"]) == _full(ws.store, None)
