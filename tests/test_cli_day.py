"""Issue 15's command-line parts: headings for untitled listings, languages on import,
``import --dry-run``, ``errors`` when there are none, exports to ``-`` and devices with
formats from extensions and counts in words, recapture's best model, progress lines,
examples in every ``--help``, and crawls refused without a real contact and operator."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from wildtrace.app.crawl_identity import identity_problem
from wildtrace.app.output import write_to
from wildtrace.cli import main
from wildtrace.cli.examples import attach
from wildtrace.cli.progress import Progress, duration
from wildtrace.errors import InputError
from wildtrace.extract.title import NO_TEXT, display_title

CSV = ("id,text,user,price\n"
       "1,\"Genuine rhino horn cup, contact me on WhatsApp for the price and shipping\","
       "horn_dealer,1200\n"
       "2,\"Bán vòng tay ngà voi thật, giá tốt, liên hệ zalo\",ngavoi_hn,5000000\n"
       "3,\"出售天然象牙手镯，价格私聊\",xiangya88,\n")


@pytest.fixture
def demo(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "posts.csv"
    src.write_text(CSV, encoding="utf-8")
    return tmp_path / "ws", src


def run(*args: str) -> click.testing.Result:
    res = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return res


def test_display_title_falls_back_to_the_start_of_the_text() -> None:
    assert display_title("Ivory bangle", "long text") == "Ivory bangle"
    heading = display_title("", "Genuine rhino horn cup " * 20)
    assert heading.startswith("Genuine rhino horn cup") and heading.endswith("…")
    assert len(heading) <= 120 and "  " not in heading
    assert display_title(None, "  \u202eevil\n\ntext ") == "evil text"  # no bidi override
    assert display_title("", "") == NO_TEXT
    assert len(display_title("", "象牙" * 200)) == 120  # no spaces: cut at the limit


def test_import_detects_languages_and_queue_rows_have_headings(demo: tuple[Path, Path]
                                                               ) -> None:
    from wildtrace.app.listings import listings_page
    from wildtrace.workspace import open_workspace

    ws_dir, src = demo
    assert run("--workspace", str(ws_dir), "import", str(src)).exit_code == 0
    ws = open_workspace(ws_dir)
    try:
        items = listings_page(ws, user="ana").items
    finally:
        ws.close()
    assert [i.language for i in items] == ["en", "vi", "zh"]
    assert items[0].title == "" and items[0].heading.startswith("Genuine rhino horn cup")


def test_dry_run_shows_the_mapping_and_rows_and_stores_nothing(demo: tuple[Path, Path]
                                                                ) -> None:
    ws_dir, src = demo
    res = run("--workspace", str(ws_dir), "import", str(src), "--dry-run")
    assert res.exit_code == 0, res.output
    assert "description <- text" in res.output and "seller      <- user" in res.output
    assert "kept as extra: id" in res.output and "language    vi" in res.output
    assert "dry run: nothing was stored" in res.output
    assert not (ws_dir / "wildtrace.db").exists()


def test_errors_says_when_there_are_none(tmp_path: Path) -> None:
    res = run("--workspace", str(tmp_path / "ws"), "errors")
    assert res.output.startswith("no errors")


def test_exports_infer_formats_write_to_stdout_and_count_in_words(
        demo: tuple[Path, Path]) -> None:
    ws_dir, src = demo
    w = ("--workspace", str(ws_dir))
    run(*w, "import", str(src))
    out = ws_dir.parent / "l.csv"
    res = run(*w, "export", "listings", "-o", str(out))
    assert res.exit_code == 0 and "wrote 3 listings (csv)" in res.output
    assert out.read_text(encoding="utf-8").startswith("id,")
    res = run(*w, "export", "graph", "-o", str(ws_dir.parent / "g.gexf"))
    assert res.exit_code == 0 and " nodes, " in res.output and " edges (gexf)" in res.output
    res = CliRunner().invoke(main, [*w, "export", "listings", "-o", "-"])
    assert res.exit_code == 0 and res.stdout.count('"id": ') == 3
    assert "wrote" not in res.stdout  # the summary goes to stderr
    res = run(*w, "export", "listings", "-o", str(ws_dir.parent / "l.txt"))
    assert res.exit_code == 1 and "cannot tell the format" in res.output


def test_a_device_or_pipe_is_written_into_never_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_to(fifo, "x.csv", lambda p: p.write_text("a,b\n"))
        assert os.read(reader, 100) == b"a,b\n"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still the pipe, not a file
    sink = io.BytesIO()
    write_to("-", "x.csv", lambda p: p.write_bytes(b"1\n"), stdout=sink)
    assert sink.getvalue() == b"1\n"

    def two(p: Path) -> None:
        p.write_text("e")
        p.with_suffix(".nodes.csv").write_text("n")
    with pytest.raises(InputError, match="2 files"):
        write_to("-", "g.csv", two, stdout=sink)


def test_recapture_marks_the_best_model_and_keeps_columns_apart(tmp_path: Path) -> None:
    rows = ["a,b,c"] + ["1,0,1", "1,1,0", "0,1,1", "1,0,0", "0,0,1", "0,1,0"] * 20
    f = tmp_path / "h.csv"
    f.write_text("\n".join(rows) + "\n")
    res = run("--workspace", str(tmp_path / "ws"), "recapture", str(f), "--no-ci")
    assert res.exit_code == 0, res.output
    assert "* lowest AIC:" in res.output and " *  " in res.output
    for line in res.output.splitlines():
        if line.startswith(("schnabel", "chapman")):
            assert len(line.split()) == 3  # name, abundance, stderr: never run together


def test_progress_prints_periodic_lines_off_a_terminal() -> None:
    out = io.StringIO()
    with Progress("processing", 100, unit="listings", stream=out, tty=False,
                  every=0.05) as bar:
        bar.update(40)
        import time
        time.sleep(0.2)
    assert "processing: 40 of 100 listings (40%)" in out.getvalue()
    assert "left" in out.getvalue()
    with Progress("exporting graph", None, stream=(out := io.StringIO()), tty=False,
                  every=0.05):
        time.sleep(0.15)
    assert "exporting graph: still working after" in out.getvalue()
    assert duration(75) == "1 min 15 s" and duration(3 * 3600 + 60) == "3 h 1 min"


def test_every_command_has_an_example_in_its_help() -> None:
    assert attach(main) == []
    res = run("export", "--help")
    assert "Examples:" in res.output and "-o -" in res.output


class _Settings:
    def __init__(self, contact: str, operator: str) -> None:
        self.contact, self.operator = contact, operator


def test_crawls_refuse_the_placeholder_contact_and_anonymous_operators() -> None:
    problem = identity_problem(_Settings("wildtrace-operator@example.org", "Ana"))
    assert problem is not None and "WILDTRACE_CONTACT" in str(problem)
    problem = identity_problem(_Settings("ana@ngo.org", "root"))
    assert problem is not None and "WILDTRACE_OPERATOR" in str(problem)
    assert identity_problem(_Settings("ana@ngo.org", "Ana Ruiz")) is None


def test_crawl_command_names_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    monkeypatch.delenv("WILDTRACE_CONTACT")
    res = run("--workspace", str(tmp_path / "ws"), "crawl", "http://127.0.0.1:9/")
    assert res.exit_code == 1 and "set the 'contact' setting" in res.output
