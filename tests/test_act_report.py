"""The workspace report at scale: a contents list, tables capped with a pointer to the
export, long values shortened and wrapped, counts aggregated in the database that match
a count done by hand, and hostile listing text escaped everywhere (tooltips included)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from report_seed import HOSTILE, seed_market

from wildtrace.act.report import MAX_FLAGGED, render
from wildtrace.act.report_page import long_value, more_note, short
from wildtrace.app.report import report_figures
from wildtrace.records import Assessment, ListingDraft
from wildtrace.store import content_key
from wildtrace.workspace import Workspace, open_workspace


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, str]:
    ws = open_workspace(tmp_path_factory.mktemp("report") / "ws")
    seed_market(ws, 1500)
    html = render(ws, market=report_figures(ws))
    return ws, html


def test_contents_list_links_every_section(big: tuple[Workspace, str]) -> None:
    _, html = big
    nav = html[html.index('<nav class="toc"'):html.index("</nav>")]
    targets = re.findall(r'href="#([a-z-]+)"', nav)
    assert targets[:4] == ["counts", "sources", "taxa", "flagged"]
    assert {"market", "sellers", "volume", "prices"} <= set(targets)
    for anchor in targets:
        assert html.count(f'id="{anchor}"') == 1, anchor


def test_flagged_table_is_capped_with_a_pointer_to_the_export(
        big: tuple[Workspace, str]) -> None:
    ws, html = big
    flagged = html[html.index('id="flagged"'):html.index('id="market"')]
    assert flagged.count("<tr>") == MAX_FLAGGED + 1  # the head and the capped rows
    relevant = sum(1 for r in ws.store.latest_assessments() if r["relevant"])
    assert relevant > MAX_FLAGGED
    assert (f"Showing {MAX_FLAGGED} of {relevant:,} flagged listings; all of them: "
            "<code>wildtrace export listings --format csv -o listings.csv</code>") in flagged


def test_counts_aggregated_in_sql_match_a_count_by_hand(big: tuple[Workspace, str]) -> None:
    ws, html = big
    rows = ws.store.latest_assessments()
    relevant = [r for r in rows if r["relevant"]]
    appendix = Counter(str(r["cites"]) for r in relevant)
    assert f'<b>{len(relevant):,}</b>flagged relevant' in html
    assert f'<b>{appendix["I"]:,}</b>Appendix I' in html
    by_source = Counter(str(r["source"]) for r in rows)
    top, n = by_source.most_common(1)[0]
    assert f'<td>{top}</td><td class="num">{n:,}</td>' in html
    taxa = Counter(str(r["taxa"]) for r in relevant)
    name, count = taxa.most_common(1)[0]
    assert f"<i>{name}</i></td><td class=\"num\">{count:,}</td>" in html
    # Highest scores first, as the old in-memory sort did.
    best = sorted(relevant, key=lambda r: (-float(r["score"]), int(r["id"])))[0]
    first = ws.store.report.top_flagged(1)[0]
    assert first.listing_id == best["id"]


def test_long_values_are_shortened_with_the_whole_value_in_the_tooltip() -> None:
    url = "https://x.example/" + "a" * 300 + '?q="><script>alert(1)</script>'
    html = long_value(url, 90)
    assert len(short(url, 90)) == 90 and html.count("…") == 1
    assert "<script" not in html and "&quot;&gt;&lt;script&gt;" in html
    assert long_value("short", 90) == "short"
    assert more_note(10, 10, "rows", "x") == ""


def test_hostile_text_is_escaped_in_cells_and_tooltips(big: tuple[Workspace, str]) -> None:
    _, html = big
    assert HOSTILE not in html and "<script" not in html.lower()
    assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    assert "telegram&lt;b&gt;" in html and "telegram<b>" not in html
    # Every tag that reaches the page is one the report wrote.
    tags = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", html))
    assert tags <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "h4",
                    "p", "nav", "b", "ol", "li", "a", "div", "table", "colgroup", "col", "tr",
                    "th", "td", "i", "span", "code", "svg", "text", "line", "rect", "ul",
                    "br", "section"}


def test_small_workspace_has_no_pointer_and_problems_section(tmp_path: Path) -> None:
    ws = open_workspace(tmp_path / "w")
    drafts = [ListingDraft(source="shop", title=f"ivory {i}", url="https://x.example/" + "b" * 200)
              for i in range(3)]
    ws.store.add_listings([(d, content_key(d)) for d in drafts])
    run = ws.store.start_run("process", "t")
    ws.store.save_assessments(run, [(x.id, Assessment(True, 0.9, ("Loxodonta africana",), "I",
                                                      (), ("r",) * 5, "m", "t"))
                                    for x in ws.store.iter_listings()])
    ws.store.record_errors(run, [])
    html = render(ws)
    ws.close()
    assert "Showing" not in html and 'id="problems"' not in html
    assert html.count("(+2 more)") == 3  # reasons past the third are counted, not printed
    whole = "https://x.example/" + "b" * 200
    assert html.count(f'title="{whole}"') == 3  # shown shortened, whole in the tooltip
    assert html.count(f">{whole}<") == 0
