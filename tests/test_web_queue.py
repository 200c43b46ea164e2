"""The review queue: order, filters, keyset pages, labels (form and API)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from web_seed import WebEnv, login, make_env

from wildtrace.act.review import queue_page
from wildtrace.records import Assessment
from wildtrace.store import review
from wildtrace.store.review import VOCABULARY, QueueFilter


@pytest.fixture
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    e = make_env(tmp_path_factory.mktemp("queue") / "ws")
    yield e
    e.ws.close()


def ids(resp_json: dict) -> list[int]:  # type: ignore[type-arg]
    return [i["id"] for i in resp_json["items"]]


def test_queue_lists_flagged_listings_by_risk(env: WebEnv) -> None:
    first, xss, rhino, toy = env.info["ids"]  # type: ignore[misc]
    body = env.client().get("/api/queue", headers=env.token("ana")).json()
    assert ids(body) == [first, rhino, xss]  # scores .95, .90, .80; the toy is not flagged
    assert body["items"][0]["cites"] == "I"
    every = env.client().get("/api/queue?all=true", headers=env.token("ana")).json()
    assert ids(every)[-1] == toy


def test_queue_uses_the_newest_assessment(env: WebEnv) -> None:
    first, _, rhino, _ = env.info["ids"]  # type: ignore[misc]
    run = env.ws.store.start_run("assess", "test-2")
    env.ws.store.save_assessments(run, [(first, Assessment(
        relevant=False, score=0.05, taxa=(), cites="", flags=(), reasons=(), model="rules",
        model_version="test-2"))])
    body = env.client().get("/api/queue", headers=env.token("ana")).json()
    assert first not in ids(body) and ids(body)[0] == rhino


@pytest.mark.parametrize("query,expected", [
    ("taxon=rhino", [2]), ("appendix=I", [0, 2, 1]), ("appendix=II", []),
    ("platform=forumx", [1]), ("platform=shopmart.example", [0, 2]),
    ("language=zh", [2]), ("date_from=2024-04-01", [2, 1]),
    ("date_to=2024-04-10", [0, 1]), ("taxon=%25", []),
])
def test_queue_filters(env: WebEnv, query: str, expected: list[int]) -> None:
    all_ids = env.info["ids"]
    body = env.client().get("/api/queue?" + query, headers=env.token("ana")).json()
    assert ids(body) == [all_ids[i] for i in expected]  # type: ignore[index]


def test_queue_pages_by_cursor_without_gaps_or_repeats(env: WebEnv) -> None:
    h = env.token("ana")
    c = env.client()
    seen: list[int] = []
    cursor = ""
    for _ in range(5):
        body = c.get("/api/queue", params={"limit": 1, "cursor": cursor}, headers=h).json()
        seen += ids(body)
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == ids(c.get("/api/queue", headers=h).json())
    bad = c.get("/api/queue?cursor=nonsense", headers=h)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_input"


def test_api_label_feeds_training_labels_and_leaves_queue(env: WebEnv) -> None:
    first = env.info["ids"][0]  # type: ignore[index]
    h = env.token("ana")
    c = env.client()
    resp = c.post(f"/api/listings/{first}/labels", json={"label": "confirm", "note": "ivory"},
                  headers=h)
    assert resp.status_code == 200
    assert [(lst.id, y) for lst, y in env.ws.store.labelled()] == [(first, 1)]
    assert first not in ids(c.get("/api/queue", headers=h).json())
    assert first in ids(c.get("/api/queue?labelled=true", headers=h).json())
    assert c.post(f"/api/listings/{first}/labels", json={"label": "maybe"},
                  headers=h).status_code == 422
    assert c.post("/api/listings/999999/labels", json={"label": "reject"},
                  headers=h).status_code == 404


def test_form_label_goes_to_the_next_listing(env: WebEnv) -> None:
    first, xss, rhino, _ = env.info["ids"]  # type: ignore[misc]
    c = env.client()
    csrf = login(c, "ana")
    resp = c.post(f"/listings/{first}/label", data={"label": "unsure", "note": "check",
                                                     "csrf_token": csrf},
                  follow_redirects=True)
    assert resp.status_code == 200 and str(resp.url).endswith(f"/listings/{rhino}")
    labels = c.get(f"/api/listings/{first}", headers=env.token("ana")).json()["labels"]
    assert labels[0]["label"] == "unsure" and labels[0]["note"] == "check"
    assert labels[0]["user"] == "ana"


def test_queue_page_has_keyboard_hooks_and_filters(env: WebEnv) -> None:
    c = env.client()
    login(c, "ana")
    page = c.get("/queue?language=zh")
    assert page.status_code == 200
    assert 'class="row"' in page.text and "Start reviewing" in page.text
    assert '<script src="/static/app.js"' in page.text
    listing = c.get(f"/listings/{env.info['ids'][0]}").text  # type: ignore[index]
    for key in ("c", "r", "u"):
        assert f'data-key="{key}"' in listing
    js = c.get("/static/app.js")
    assert js.status_code == 200 and "keydown" in js.text


def test_active_learning_order_offers_unlabelled_listings(env: WebEnv) -> None:
    h = env.token("ana")
    body = env.client().get("/api/queue?order=learning", headers=h).json()
    assert sorted(ids(body)) == sorted(env.info["ids"])  # type: ignore[arg-type]
    assert env.client().get("/api/queue?order=random", headers=h).status_code == 422


def test_queue_query_direct(env: WebEnv) -> None:
    page = queue_page(env.ws.store, QueueFilter(taxon="Loxodonta"), limit=1)
    assert len(page.items) == 1 and page.next_cursor


def test_taxon_filter_sees_new_taxa_and_answers_no_match_at_once(
        tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    e = make_env(tmp_path_factory.mktemp("vocab") / "ws")
    try:
        store = e.ws.store
        engine = store.engine
        first = e.info["ids"][0]  # type: ignore[index]
        assert VOCABULARY.matching(engine, "nothingus") == []
        assert queue_page(store, QueueFilter(taxon="Nothingus")).items == []
        assert VOCABULARY.matching(engine, "RHINOCEROT") == ["Rhinocerotidae"]
        # Not ASCII: databases fold such letters their own way, so no shortcut.
        assert VOCABULARY.matching(engine, "RHİNO") is None
        # A taxon assessed after the vocabulary was read is found (read incrementally).
        run = e.ws.store.start_run("assess", "test-3")
        e.ws.store.save_assessments(run, [(first, Assessment(
            relevant=True, score=0.99, taxa=("Pangolinidae",), cites="I", flags=(),
            reasons=(), model="rules", model_version="test-3"))])
        page = queue_page(store, QueueFilter(taxon="pangolin"))
        assert [r["id"] for r in page.items] == [first]
        # The same answers as the plain substring walk (vocabulary switched off).
        for text in ("a", "idae", "Pango", "zz"):
            fast = queue_page(store, QueueFilter(taxon=text), limit=200).items
            with monkeypatch.context() as m:
                m.setattr(review, "MAX_VOCABULARY", -1)
                VOCABULARY._known.clear()
                plain = queue_page(store, QueueFilter(taxon=text), limit=200).items
            VOCABULARY._known.clear()
            assert fast == plain, text
    finally:
        e.ws.close()
