"""The "possible" view of the review queue: misses the model did not flag stay visible,
can be labelled there, and those labels reach training."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import pytest
from web_seed import WebEnv, login, make_env

from wildtrace.app.queue import possible_page, review_queue
from wildtrace.errors import InputError
from wildtrace.records import Assessment, ListingDraft
from wildtrace.store import content_key
from wildtrace.store.review import QueueFilter


@pytest.fixture
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    e = make_env(tmp_path_factory.mktemp("possible") / "ws")
    # Misses: a pangolin-scale advert scored far below the threshold but naming a listed
    # taxon, an ivory offer just below it, and an unflagged text with no taxon far below.
    drafts = [ListingDraft(source="shopvn", title=title, description="", url=url,
                           language=lang)
              for title, url, lang in (
                  ("Bán vảy tê tê nguyên chất", "https://shop.example/vn/1", "vi"),
                  ("象牙の根付 販売", "https://shop.example/jp/2", "ja"),
                  ("Garden hose 20 m", "https://shop.example/x/3", "en"))]
    e.ws.store.add_listings([(d, content_key(d)) for d in drafts])
    new = [lst.id for lst in e.ws.store.iter_listings()][-3:]
    run = e.ws.store.start_run("assess", "test-possible")
    e.ws.store.save_assessments(run, [
        (new[0], Assessment(relevant=False, score=0.05, taxa=("Manis",), cites="I",
                            flags=(), reasons=(), model="rules", model_version="t")),
        (new[1], Assessment(relevant=False, score=0.32, taxa=("Elephantidae",), cites="",
                            flags=(), reasons=(), model="rules", model_version="t")),
        (new[2], Assessment(relevant=False, score=0.02, taxa=(), cites="", flags=(),
                            reasons=(), model="rules", model_version="t"))])
    e.ws.store.finish_run(run)
    e.info["misses"] = new
    yield e
    e.ws.close()


def _misses(env: WebEnv) -> list[int]:
    return cast(list[int], env.info["misses"])


def test_possible_view_lists_unflagged_listed_taxa_and_near_misses(env: WebEnv) -> None:
    pangolin, ivory, hose = _misses(env)
    flagged = env.info["ids"][:3]  # type: ignore[index]
    page = review_queue(env.ws, QueueFilter(), "possible", user="ana")
    got = [i.id for i in page.items]
    # Nearest the threshold first; the toy (0.10, no taxon) and the hose stay out, and
    # nothing the model flagged appears (it is in the risk order already).
    assert got == [ivory, pangolin]
    assert hose not in got and not set(got) & set(flagged)
    assert env.info["ids"][3] not in got  # type: ignore[index]
    # Filters apply as in the other orders.
    only_vi = review_queue(env.ws, QueueFilter(language="vi"), "possible", user="ana")
    assert [i.id for i in only_vi.items] == [pangolin]
    # The page was audited as a read of those listings.
    reads = [e for e in env.ws.store.audit.entries(limit=5, action="view")
             if e.object_kind == "queue" and e.detail.get("order") == "possible"]
    assert [str(ivory), str(pangolin)] in [e.detail["ids"] for e in reads]


def test_possible_pages_by_cursor_and_rejects_bad_ones(env: WebEnv) -> None:
    first = possible_page(env.ws, QueueFilter(), limit=1)
    assert len(first.items) == 1 and first.next_cursor
    second = possible_page(env.ws, QueueFilter(), first.next_cursor, limit=1)
    assert [r["id"] for r in second.items] != [r["id"] for r in first.items]
    assert second.next_cursor == ""
    with pytest.raises(InputError):
        possible_page(env.ws, QueueFilter(), "nonsense", limit=1)
    with pytest.raises(InputError):
        review_queue(env.ws, QueueFilter(), "random", user="ana")


def test_api_and_page_offer_possible_and_labels_reach_training(env: WebEnv) -> None:
    pangolin, ivory, _ = _misses(env)
    h = env.token("ana")
    c = env.client()
    body = c.get("/api/queue?order=possible", headers=h).json()
    assert [i["id"] for i in body["items"]] == [ivory, pangolin]
    assert c.get("/api/queue?order=nonsense", headers=h).status_code == 422
    # Confirming a miss makes it a training label and takes it out of the view.
    assert c.post(f"/api/listings/{pangolin}/labels", json={"label": "confirm"},
                  headers=h).status_code == 200
    assert (pangolin, 1) in [(lst.id, y) for lst, y in env.ws.store.labelled()]
    assert [i["id"] for i in c.get("/api/queue?order=possible",
                                   headers=h).json()["items"]] == [ivory]
    # The page: the order is offered, explained, and lists the miss (text escaped).
    login(c, "ana")
    page = c.get("/queue?order=possible")
    assert page.status_code == 200
    assert 'value="possible" selected' in page.text and 'id="possible-help"' in page.text
    assert f"/listings/{ivory}" in page.text and f"/listings/{pangolin}" not in page.text
    nxt = c.get("/queue/next?order=possible", follow_redirects=False)
    assert nxt.status_code == 303 and f"/listings/{ivory}" in nxt.headers["location"]
