"""The market report of a period: periods parsed, only listings posted in the period
counted (undated and outside ones named apart), four charts as PNG (300 dpi) and SVG
beside the page, each with its title, units, n and source line, and hostile names that
neither break the charts nor reach the page or the SVG unescaped."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from wildtrace.app.market import market_summary
from wildtrace.app.report_period import period_market, span_periods, write_period_report
from wildtrace.cli import main
from wildtrace.errors import InputError
from wildtrace.measure.span import parse_period, parse_range, span_of
from wildtrace.records import Assessment, ListingDraft, TaxonMatch
from wildtrace.store import content_key
from wildtrace.workspace import Workspace

HOSTILE = '$\\frac{--><script>alert(1)</script>'
# (platform, posted, price, currency, location)
ROWS = [("shopmart", "2026-01-05", 350.0, "USD", "Hà Nội"),
        ("shopmart", "2026-02-07", 420.0, "USD", "Hanoi"),
        ("shopmart", "2026-03-30", 390.0, "USD", "Hà Nội"),
        (HOSTILE, "2026-02-20", 120.0, "USD", "Guangzhou"),
        ("forumx", "2026-03-01", 2000.0, "CNY", "Guangzhou"),
        ("forumx", "2026-04-02", 2500.0, "CNY", "Guangzhou"),  # after Q1
        ("forumx", "2025-12-31", 900.0, "CNY", "Shanghai"),  # before Q1
        ("chatz", "", 80.0, "EUR", "Lagos")]  # undated


def _seed(ws: Workspace) -> None:
    drafts = [ListingDraft(source=p, title=f"ivory {i}", posted=d, price=pr, currency=c,
                           location=loc, language="en")
              for i, (p, d, pr, c, loc) in enumerate(ROWS)]
    ws.store.add_listings([(d, content_key(d)) for d in drafts])
    run = ws.store.start_run("assess", "t")
    taxon = "Loxodonta africana"
    match = TaxonMatch(taxon=taxon, rank="species", appendix="I", start=0, end=5,
                       matched="ivory", rule="product:ivory", kind="product")
    ws.store.save_assessments(run, [(x.id, Assessment(
        True, 0.9, (taxon if x.id % 2 else HOSTILE,), "I", (), (), "m", "t",
        matches=(match,))) for x in ws.store.iter_listings()])
    ws.store.finish_run(run)


def test_periods_parse_to_their_days() -> None:
    q1 = parse_period("2026-q1")
    assert (q1.start, q1.end, q1.label, q1.granularity) == (
        date(2026, 1, 1), date(2026, 3, 31), "2026-Q1", "week")
    assert parse_period("2024-02").end == date(2024, 2, 29)
    assert parse_period("2026-H2").start == date(2026, 7, 1)
    assert parse_period("2026").granularity == "month"
    assert parse_period("2026-W05").start == date(2026, 1, 26)
    assert parse_range("2026-01-10", "2026-01-20").days == 11
    for bad in ("2026-Q5", "2026-13", "Q1", "2026-W60"):
        with pytest.raises(InputError, match="cannot read the period"):
            parse_period(bad)
    with pytest.raises(InputError, match="before it starts"):
        parse_range("2026-02-01", "2026-01-01")
    with pytest.raises(InputError, match="not both"):
        span_of("2026", "2026-01-01", None)
    assert span_periods(parse_period("2026-03"))[0] == "2026-W09"


def test_only_listings_posted_in_the_period_count(ws: Workspace) -> None:
    _seed(ws)
    m = period_market(ws, parse_period("2026-Q1"))
    assert (m.summary.listings, m.undated, m.outside) == (5, 1, 2)
    assert dict(m.platforms) == {"shopmart": 3, HOSTILE: 1, "forumx": 1}
    assert sum(sum(v) for v in m.series.values()) == 5
    assert m.periods[0] == "2026-W01" and m.periods[-1] == "2026-W14"
    assert {c.country.iso2: c.listings for c in m.countries.countries} == {"VN": 3, "CN": 2}
    # The same measures as `wildtrace market`, over the period's listings: the whole
    # workspace has the period's prices and more.
    whole = market_summary(ws.store)
    assert whole.listings == 8 and m.summary.priced <= whole.priced


def _png_dpi(path: Path) -> float:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    i = data.index(b"pHYs")
    x, _, unit = struct.unpack(">IIB", data[i + 4:i + 13])
    assert unit == 1 and zlib.crc32(data[i:i + 13]) == struct.unpack(">I", data[i + 13:i + 17])[0]
    return x * 0.0254


def test_charts_and_page(ws: Workspace, tmp_path: Path) -> None:
    _seed(ws)
    out = write_period_report(ws, "2026-Q1", tmp_path / "pub" / "market-q1.html")
    names = sorted(p.name for p in out.charts)
    assert names == sorted(f"market-q1-{c}.{e}" for c in ("volume", "prices", "platforms",
                                                         "countries") for e in ("png", "svg"))
    for png in (p for p in out.charts if p.suffix == ".png"):
        assert round(_png_dpi(png)) == 300
    for svg in (p for p in out.charts if p.suffix == ".svg"):
        body = svg.read_text(encoding="utf-8")
        assert "<script" not in body and "<text" not in body  # text drawn as paths
        said = " ".join(re.findall(r"<!-- (.*?) -->", body))
        assert "2026-Q1" in said and "n = " in said and "Source: wildtrace" in said
    units = {p.stem.rsplit("-", 1)[1]: " ".join(re.findall(r"<!-- (.*?) -->",
                                                            p.read_text(encoding="utf-8")))
             for p in out.charts if p.suffix == ".svg"}
    assert "listings per week" in units["volume"] and "asking price (EUR" in units["prices"]
    assert "listings" in units["platforms"] and "0 unknown not drawn" in units["countries"]
    html = out.html.read_text(encoding="utf-8")
    assert html.count('<img src="data:image/svg+xml;base64,') == 4
    assert 'href="market-q1-prices.png"' in html and 'href="market-q1-prices.svg"' in html
    assert "<script" not in html and HOSTILE not in html
    assert "5 listings posted from 2026-01-01 to 2026-03-31 are counted" in html
    assert "1 listing has no posting date and 2 were posted outside the period" in html
    for anchor in ("summary", "volume", "prices", "platforms", "countries"):
        assert f'href="#{anchor}"' in html and f'id="{anchor}"' in html


def test_report_command_writes_a_period_report(ws: Workspace, tmp_path: Path) -> None:
    _seed(ws)
    ws.close()
    run = CliRunner()
    base = ["--workspace", str(ws.root), "report"]
    res = run.invoke(main, [*base, "--from", "2026-02-01", "--to", "2026-02-28"])
    assert res.exit_code == 0, res.output
    assert "(and 8 chart files beside it)" in res.output
    assert (ws.root / "market-2026-02-01_to_2026-02-28-volume.svg").exists()
    res = run.invoke(main, [*base, "--period", "2026-Q7"])
    assert res.exit_code == 1 and "cannot read the period" in res.output
    res = run.invoke(main, [*base, "--period", "2026-Q1", "-o", "-"])
    assert res.exit_code == 1 and "several files" in res.output
    res = run.invoke(main, [*base, "--period", "2026-Q1", "--currency", "XXX"])
    assert res.exit_code == 1 and "no bundled exchange rates" in res.output
