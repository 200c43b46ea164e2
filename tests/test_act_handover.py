"""Court-ready handover: per listing, the case file (its PDF text) and the evidence ZIP
(its listing and manifest) carry capture time (UTC), final URL, server IP, User-Agent,
operator, WARC file and record ids, hashes, and the custody entry with the trusted
timestamp token covering it; files carry extensions; takedown reasons are one plain
sentence; a robots.txt copy is never the page."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from local_tsa import OPENSSL, local_tsa
from tamper_seed import _page
from web_seed import WebEnv, login, make_env

from wildtrace.act.evidence_pack import extension
from wildtrace.act.reason_sentence import NOT_ASSESSED, reason_sentence
from wildtrace.app.cases import add_to_case, evidence_export, open_case, takedown_export
from wildtrace.app.pages import evidence_session, page_processor
from wildtrace.app.timestamps import timestamp_custody
from wildtrace.extras import available
from wildtrace.records import Assessment

ROBOTS = b"User-agent: *\n"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    """The web seed plus two crawled pages (WARC, robots.txt copy, custody), the first
    assessed with the assess stage's kind of reasons, timestamped when openssl is here."""
    root = tmp_path_factory.mktemp("handover")
    e = make_env(root / "ws")
    session = evidence_session(e.ws, durable=True, purpose="test crawl")
    page_processor(e.ws, session, lambda text: 0.9, None).many(
        [_page(session, i) for i in range(2)])
    session.close()
    with e.ws.store.engine.connect() as conn:
        ids = [int(i) for i in conn.execute(sa.text(
            "SELECT id FROM listings WHERE source != 'shopmart' AND source != 'forumx' "
            "AND capture_sha256 != '' ORDER BY id")).scalars()]
    run = e.ws.store.start_run("assess", "test-2")
    e.ws.store.save_assessments(run, [(ids[0], Assessment(
        relevant=True, score=0.97, taxa=("Loxodonta africana",), cites="I",
        flags=("code_word",), model="zeroshot", model_version="zeroshot-3/test",
        reasons=("+ product term", "- news", "CITES Appendix I: Loxodonta africana",
                 "code word: white gold", "legality: likely illegal: Appendix I [EU]")))])
    e.ws.store.finish_run(run)
    if OPENSSL is not None:
        (root / "tsa").mkdir()
        with local_tsa(root / "tsa") as tsa:
            e.ws.settings = e.ws.settings.replace(tsa_url=tsa.url, tsa_ca_file=tsa.ca_file,
                                                  timeout=10.0)
            timestamp_custody(e.ws)
    e.info["crawled"] = ids
    yield e
    e.ws.close()


@pytest.fixture(scope="module")
def case_id(env: WebEnv) -> int:
    crawled = env.info["crawled"]
    assert isinstance(crawled, list)
    cid = open_case(env.ws, "bangles", "ana")
    for lid in (*crawled, env.info["ids"][1]):  # type: ignore[index]
        add_to_case(env.ws, cid, "listing", str(lid), "ana")
    return cid


def _capture(env: WebEnv, listing_id: int) -> dict[str, object]:
    with env.ws.store.engine.connect() as conn:
        row = conn.execute(sa.text(
            "SELECT c.* FROM captures c JOIN listings l ON l.capture_sha256 = c.body_sha256 "
            "WHERE l.id = :i ORDER BY c.id DESC"), {"i": listing_id}).mappings().first()
    assert row is not None
    return dict(row)


def test_evidence_zip_carries_provenance_per_listing(env: WebEnv, case_id: int) -> None:
    data = evidence_export(env.ws, case_id, "ana")
    assert data is not None
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = zf.namelist()
    # The manifest lists every other file with its SHA-256 (sha256sum -c format).
    manifest: dict[str, str] = {}
    for line in zf.read("MANIFEST-SHA256.txt").decode().splitlines():
        digest, name = line.split("  ", 1)
        manifest[name] = digest
    assert set(manifest) == set(names) - {"MANIFEST-SHA256.txt"}
    assert all(hashlib.sha256(zf.read(n)).hexdigest() == d for n, d in manifest.items())
    first = env.info["crawled"][0]  # type: ignore[index]
    cap = _capture(env, first)
    doc = json.loads(zf.read(f"listings/{first}.json"))
    prov = doc["provenance"]
    assert prov["captured"] is True
    for key in ("final_url", "server_ip", "started_at", "ended_at", "user_agent",
                "operator", "warc_file", "body_sha256", "record_sha256"):
        assert prov[key] == cap[key], key
    assert prov["started_at"].endswith("Z")  # UTC
    assert prov["server_ip"] == "127.0.0.1" and prov["user_agent"] == "wildtrace/test"
    assert prov["warc_record_ids"] == json.loads(str(cap["warc_record_ids"]))
    assert prov["warc_record_ids"] and prov["custody_seq"] is not None
    # The WARC file itself travels, sealed, and is named from the listing.
    assert prov["warc_path"] == f"warc/{cap['warc_file']}" and prov["warc_path"] in names
    assert prov["warc_path"].endswith(".warc.gz")
    if OPENSSL is not None:
        token = prov["timestamp_token"]
        assert token["file"] in names and token["file"].endswith(".tsr")
        assert token["custody_seq"] >= prov["custody_seq"]
    entries = {e["entry_hash"] for e in doc["custody"]}
    assert prov["custody_hash"] in entries
    # Every file has an extension by its media type; the robots.txt copy is text.
    files = {e["role"]: e["file"] for e in doc["evidence"]}
    assert files["capture"].endswith(".html") and files["robots"].endswith(".txt")
    assert zf.read(files["robots"]) == ROBOTS
    assert all("." in n.rsplit("/", 1)[-1] for n in names), names
    assert doc["reason"].startswith("Offers Loxodonta africana, listed in CITES Appendix I")
    # An imported listing says it was not captured, rather than leaving blanks.
    imported = json.loads(zf.read(f"listings/{env.info['ids'][1]}.json"))  # type: ignore[index]
    assert imported["provenance"]["captured"] is False
    assert "not captured" in imported["provenance"]["note"]
    head = json.loads(zf.read("case.json"))["custody_head"]
    assert head["custody_seq"] == env.ws.store.evidence.custody_entries()[-1].seq


@pytest.mark.skipif(not available("weasyprint"), reason="weasyprint not installed "
                    "(pip install 'wildtrace[pdf]')")
def test_case_file_pdf_text_names_each_capture(env: WebEnv, case_id: int) -> None:
    pypdf = pytest.importorskip("pypdf")
    resp = env.client().get(f"/api/cases/{case_id}/casefile.pdf", headers=env.token("ana"))
    assert resp.status_code == 200
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(resp.content)).pages)
    flat = " ".join(text.split())
    cap = _capture(env, env.info["crawled"][0])  # type: ignore[index]
    for label in ("Captured (UTC)", "Final URL", "Server IP", "User-Agent", "Operator",
                  "WARC file", "WARC record ids", "Capture record SHA-256", "Custody entry",
                  "Timestamp token", "Custody head"):
        assert label in flat, label
    assert str(cap["started_at"]) in flat and "127.0.0.1" in flat
    assert "wildtrace/test" in flat and str(cap["operator"]) in flat
    # Long hashes and ids may wrap inside a cell: compare with spaces taken out.
    squeezed = flat.replace(" ", "")
    assert str(cap["record_sha256"]) in squeezed and str(cap["warc_file"]) in squeezed
    for rid in json.loads(str(cap["warc_record_ids"])):
        assert rid.replace(" ", "") in squeezed
    if OPENSSL is not None:
        assert ".tsr" in squeezed and "RFC3161tokenovercustodyentry" in squeezed
    assert "robots.txt copy, not the page" in flat
    assert "not captured by wildtrace" in flat
    assert "Why: Offers Loxodonta africana" in flat
    assert "+ product term" not in flat and "- news" not in flat


def test_takedown_reasons_are_one_plain_sentence(env: WebEnv, case_id: int) -> None:
    report = takedown_export(env.ws, case_id, "ana", "shop.test")
    assert report is not None
    rows = list(csv.DictReader(io.StringIO(report)))
    assert len(rows) == 2
    crawled = env.info["crawled"]
    assert isinstance(crawled, list)
    first = next(r for r in rows if r["wildtrace_listing_id"] == str(crawled[0]))
    assert first["reasons"] == (
        "Offers Loxodonta africana, listed in CITES Appendix I (international commercial "
        "trade is prohibited), and uses the trade code words white gold and is judged "
        "likely illegal under the EU rules.")
    for r in rows:
        assert r["reasons"].endswith(".") and r["reasons"].count(".") == 1
        assert not r["reasons"].startswith(("[", "+", "-", "'")) and "{" not in r["reasons"]
        # The page's evidence only: never the robots.txt copy.
        assert hashlib.sha256(ROBOTS).hexdigest() not in r["evidence_sha256"]


def test_reason_sentence_rewords_what_assess_stored() -> None:
    assert reason_sentence(None) == NOT_ASSESSED
    assert reason_sentence({"taxa": "", "relevant": False, "reasons": "not json"}) == \
        "Was flagged for review."
    many = reason_sentence({"taxa": "A a;B b;C c;D d;E e", "cites": "II", "relevant": True,
                            "reasons": json.dumps(["covert phrasing: inbox",
                                                   "scam signal: advance-payment",
                                                   "same text posted by 3 other seller(s)",
                                                   "price far below market (p10 40 USD)"])})
    assert many == ("Offers A a, B b, C c and 2 more taxa, listed in CITES Appendix II "
                    "(international trade needs an export permit), and uses covert phrasing "
                    "(inbox), shows signs of a scam (advance-payment), repeats text posted "
                    "by 3 other seller(s) and is priced far below the market (p10 40 USD).")
    assert reason_sentence({"taxa": "Manis", "relevant": False, "reasons": "[]"}) == \
        "Mentions Manis."


@pytest.mark.parametrize(("media", "data", "role", "ext"), [
    ("text/html; charset=utf-8", b"<html>", "capture", ".html"),
    ("image/png", b"\x89PNG", "screenshot", ".png"),
    ("application/octet-stream", b"\x89PNG\r\n", "screenshot", ".png"),
    ("application/warc", b"\x1f\x8b\x08", "warc", ".warc.gz"),
    ("application/octet-stream", b"WARC/1.1\r\n", "warc", ".warc"),
    ("application/timestamp-reply", b"0\x82", "", ".tsr"),
    ("text/plain", ROBOTS, "robots", ".txt"),
    ("application/json", b"{}", "", ".json"),
    ("", b"\x00\x01", "", ".bin"),
])
def test_every_evidence_file_gets_an_extension(media: str, data: bytes, role: str,
                                               ext: str) -> None:
    assert extension(media, data, role) == ext


def test_listing_page_never_replays_robots_txt(env: WebEnv) -> None:
    c = env.client()
    login(c, "ana")
    first = env.info["crawled"][0]  # type: ignore[index]
    page = c.get(f"/listings/{first}").text
    robots = hashlib.sha256(ROBOTS).hexdigest()
    body = str(_capture(env, first)["body_sha256"])
    assert f'src="/replay/{body}"' in page
    assert f'src="/replay/{robots}"' not in page
    assert page.count('class="replay"') == 1
