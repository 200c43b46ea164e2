"""The tampering cases of the ``evidence verify`` matrix (tests/test_preserve_tamper.py):
each is a small function that tampers with one thing in a copy of the workspace of
:mod:`tamper_seed` and returns the problem kind and the words (ids, SHA-256, file) that
the report must name."""

from __future__ import annotations

import json
from collections.abc import Callable

from tamper_seed import Ctx, flip, unlink, warc_file

Case = Callable[[Ctx], tuple[str, str]]
CASES: dict[str, Case] = {}


def case(fn: Case) -> Case:
    CASES[fn.__name__] = fn
    return fn


@case
def body_blob_flipped(c: Ctx) -> tuple[str, str]:
    sha = c.art("body").sha256
    flip(c.blob(sha))
    return "blob", f"{sha} content no longer matches"


@case
def screenshot_blob_flipped(c: Ctx) -> tuple[str, str]:
    sha = c.art("screenshot").sha256
    flip(c.blob(sha), 40)
    return "blob", f"{sha} content no longer matches"


@case
def body_blob_deleted(c: Ctx) -> tuple[str, str]:
    a = c.art("body")
    unlink(c.blob(a.sha256))
    return "artefact", f"artefact {a.id} (capture {a.capture_id} body) blob {a.sha256}"


@case
def screenshot_blob_deleted(c: Ctx) -> tuple[str, str]:
    a = c.art("screenshot")
    unlink(c.blob(a.sha256))
    return "artefact", f"artefact {a.id} (capture {a.capture_id} screenshot) blob {a.sha256}"


@case
def robots_blob_deleted(c: Ctx) -> tuple[str, str]:
    a = c.art("robots")
    unlink(c.blob(a.sha256))
    return "artefact", f"blob {a.sha256} is missing"


@case
def imported_warc_blob_deleted(c: Ctx) -> tuple[str, str]:
    sha = c.imported("warc")
    unlink(c.blob(sha))
    return "imported_file", f"lot.warc.gz blob {sha}, registered by custody entry"


@case
def imported_html_blob_deleted(c: Ctx) -> tuple[str, str]:
    sha = c.imported("html")
    unlink(c.blob(sha))
    return "capture", f"whose blob {sha} is missing"


@case
def blob_planted(c: Ctx) -> tuple[str, str]:
    sha = c.ws.blobs.put(b"planted evidence")
    return "blob", f"{sha} not named by any capture"


@case
def tip_screenshot_blob_deleted(c: Ctx) -> tuple[str, str]:
    sha = c.one("SELECT screenshot_sha256 FROM tips")
    unlink(c.blob(sha))
    return "tip", f"screenshot blob {sha} is missing"


@case
def capture_url_edited(c: Ctx) -> tuple[str, str]:
    cap = c.crawled(1)
    c.run("UPDATE captures SET final_url = 'http://elsewhere.test/' WHERE id = :i", i=cap.id)
    return "capture", f"capture {cap.id} http://elsewhere.test/ capture record was changed"


@case
def capture_edited_and_rehashed(c: Ctx) -> tuple[str, str]:
    from dataclasses import asdict

    from wildtrace.preserve.capture import capture_fields, record_hash

    cap = c.crawled(1)
    c.run("UPDATE captures SET status = 404 WHERE id = :i", i=cap.id)
    row = next(r for r in c.ws.store.evidence.iter_captures() if r.id == cap.id)
    digest = record_hash(capture_fields(asdict(row)))
    c.run("UPDATE captures SET record_sha256 = :d WHERE id = :i", d=digest, i=cap.id)
    return "capture", f"logged record {cap.record_sha256}, the row holds {digest}"


@case
def capture_deleted(c: Ctx) -> tuple[str, str]:
    cap = c.crawled(2)
    c.run("DELETE FROM artefacts WHERE capture_id = :i", i=cap.id)
    c.run("DELETE FROM captures WHERE id = :i", i=cap.id)
    return "capture", f"capture {cap.id} custody entry"


@case
def capture_row_deleted_artefacts_kept(c: Ctx) -> tuple[str, str]:
    cap = c.crawled(3)
    c.run("PRAGMA foreign_keys = OFF")
    c.run("DELETE FROM captures WHERE id = :i", i=cap.id)
    return "artefact", f"names capture {cap.id}, which is not in table captures"


@case
def capture_inserted(c: Ctx) -> tuple[str, str]:
    cols = [r[1] for r in c.rows("PRAGMA table_info(captures)") if r[1] != "id"]
    c.run(f"INSERT INTO captures ({', '.join(cols)}) SELECT {', '.join(cols)} "
          "FROM captures WHERE id = :i", i=c.crawled(0).id)
    new = c.one("SELECT max(id) FROM captures")
    return "capture", f"capture {new} http://shop.test/item/0 no custody entry"


@case
def body_row_pointed_at_another_blob(c: Ctx) -> tuple[str, str]:
    a, other = c.art("body", 0), c.art("body", 1)
    c.run("UPDATE artefacts SET sha256 = :s WHERE id = :i", s=other.sha256, i=a.id)
    return "artefact", f"artefact {a.id} (capture {a.capture_id} body) blob {other.sha256} " \
                       "is not the body"


@case
def robots_row_pointed_at_another_blob(c: Ctx) -> tuple[str, str]:
    a, other = c.art("robots", 0), c.art("body", 1)
    c.run("UPDATE artefacts SET sha256 = :s WHERE id = :i", s=other.sha256, i=a.id)
    return "artefact", f"blob {other.sha256} is not the robots"


@case
def body_row_deleted(c: Ctx) -> tuple[str, str]:
    a = c.art("body", 1)
    c.run("DELETE FROM artefacts WHERE id = :i", i=a.id)
    return "artefact", f"capture {a.capture_id} body no artefact row holds its body {a.sha256}"


@case
def robots_row_deleted(c: Ctx) -> tuple[str, str]:
    a = c.art("robots", 1)
    c.run("DELETE FROM artefacts WHERE id = :i", i=a.id)
    return "artefact", f"capture {a.capture_id} robots no artefact row holds"


@case
def screenshot_row_deleted(c: Ctx) -> tuple[str, str]:
    a = c.art("screenshot", 0)
    c.run("DELETE FROM artefacts WHERE id = :i", i=a.id)
    return "artefact", f"stored screenshot {a.sha256} for this capture, and no artefact row"


@case
def screenshots_swapped(c: Ctx) -> tuple[str, str]:
    a, b = c.art("screenshot", 0), c.art("screenshot", 1)
    c.run("UPDATE artefacts SET capture_id = :c WHERE id = :i", c=b.capture_id, i=a.id)
    c.run("UPDATE artefacts SET capture_id = :c WHERE id = :i", c=a.capture_id, i=b.id)
    return "artefact", f"blob {a.sha256} was logged as the screenshot of capture " \
                       f"{a.capture_id}, not of capture {b.capture_id}"


@case
def dom_moved(c: Ctx) -> tuple[str, str]:
    a = c.art("dom")
    to = c.crawled(3).id
    c.run("UPDATE artefacts SET capture_id = :c WHERE id = :i", c=to, i=a.id)
    return "artefact", f"artefact {a.id} (capture {to} dom) blob {a.sha256} was logged"


@case
def screenshot_row_inserted(c: Ctx) -> tuple[str, str]:
    sha = c.art("robots").sha256
    cid = c.crawled(2).id
    c.run("INSERT INTO artefacts (capture_id, kind, sha256, media_type, evidentiary, "
          "created_at, detail) VALUES (:c, 'screenshot', :s, 'image/png', 1, "
          "'2026-11-01 10:00:00', '{}')", c=cid, s=sha)
    return "artefact", f"(capture {cid} screenshot) blob {sha} is not in the custody log"


@case
def listing_title_edited(c: Ctx) -> tuple[str, str]:
    lst = c.listing(0)
    c.run("UPDATE listings SET title = 'Carved resin bangle' WHERE id = :i", i=lst.id)
    return "listing", f"listing {lst.id} its url, title"


@case
def listing_description_edited(c: Ctx) -> tuple[str, str]:
    lst = c.listing(1)
    c.run("UPDATE listings SET description = 'replica' WHERE id = :i", i=lst.id)
    return "listing", f"listing {lst.id} its url"


@case
def listing_price_edited(c: Ctx) -> tuple[str, str]:
    lst = c.listing(2)
    c.run("UPDATE listings SET price = 9.5 WHERE id = :i", i=lst.id)
    return "listing", f"listing {lst.id} its"


@case
def listing_seller_edited(c: Ctx) -> tuple[str, str]:
    lst = c.listing(3)
    c.run("UPDATE listings SET seller = 'someone else' WHERE id = :i", i=lst.id)
    return "listing", f"listing {lst.id} its"


@case
def listing_edited_and_rekeyed(c: Ctx) -> tuple[str, str]:
    lst = c.listing(0)
    c.run("UPDATE listings SET title = 'x', content_sha256 = :k WHERE id = :i",
          k="f" * 64, i=lst.id)
    return "listing", f"listing {lst.id} its"


@case
def listing_pointed_at_another_capture(c: Ctx) -> tuple[str, str]:
    lst, other = c.listing(0), c.crawled(2)
    extra = {**json.loads(lst.extra), "capture_id": other.id}
    c.run("UPDATE listings SET capture_sha256 = :b, extra = :e WHERE id = :i",
          b=other.body_sha256, e=json.dumps(extra), i=lst.id)
    return "listing", f"listing {lst.id} its url, title, description, price, currency, " \
                      f"seller, location, posted, language are not what was extracted " \
                      f"from capture {other.id}"


@case
def listing_body_hash_changed(c: Ctx) -> tuple[str, str]:
    lst, other = c.listing(1), c.crawled(3)
    c.run("UPDATE listings SET capture_sha256 = :b WHERE id = :i", b=other.body_sha256,
          i=lst.id)
    return "listing", f"listing {lst.id} names capture"


@case
def listing_capture_gone(c: Ctx) -> tuple[str, str]:
    lst = c.listing(2)
    extra = {**json.loads(lst.extra), "capture_id": 999}
    c.run("UPDATE listings SET extra = :e WHERE id = :i", e=json.dumps(extra), i=lst.id)
    return "listing", f"listing {lst.id} names capture 999, which is not in table captures"


@case
def warc_byte_flipped(c: Ctx) -> tuple[str, str]:
    name = c.warc.name
    flip(c.ws.evidence_dir / "warc" / name, 300)
    return "warc", f"{name} file no longer matches its sealed SHA-256"


@case
def warc_file_deleted(c: Ctx) -> tuple[str, str]:
    name = c.warc.name
    unlink(c.ws.evidence_dir / "warc" / name)
    return "warc", f"{name} file is missing"


@case
def warc_row_deleted(c: Ctx) -> tuple[str, str]:
    name = c.warc.name
    c.run("DELETE FROM warc_files WHERE name = :n", n=name)
    return "warc", f"{name} custody entry"


@case
def warc_row_rehashed(c: Ctx) -> tuple[str, str]:
    name = c.warc.name
    c.run("UPDATE warc_files SET sha256 = :s WHERE name = :n", s="0" * 64, n=name)
    return "warc", f"{name} custody entry"


@case
def warc_unregistered(c: Ctx) -> tuple[str, str]:
    path = c.ws.evidence_dir / "warc" / "stray.warc.gz"
    warc_file(path)
    return "warc", "stray.warc.gz file is not registered"


@case
def custody_entry_edited(c: Ctx) -> tuple[str, str]:
    c.run("UPDATE custody SET who = 'mallory' WHERE seq = 3")
    return "custody", "custody entry 3 was edited"


@case
def custody_entry_deleted(c: Ctx) -> tuple[str, str]:
    c.run("DELETE FROM custody WHERE seq = 4")
    return "custody", "entry 4 (line 4) is missing from the database"


@case
def custody_rows_renumbered(c: Ctx) -> tuple[str, str]:
    c.run("UPDATE custody SET seq = 1000 WHERE seq = 2")
    c.run("UPDATE custody SET seq = 2 WHERE seq = 3")
    c.run("UPDATE custody SET seq = 3 WHERE seq = 1000")
    return "custody", "custody entry 2 does not follow"


@case
def mirror_lines_reordered(c: Ctx) -> tuple[str, str]:
    lines = c.mirror.read_text(encoding="utf-8").splitlines()
    lines[2], lines[3] = lines[3], lines[2]
    c.mirror.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "custody", "custody.jsonl line 4 holds entry 3 after entry 4: the lines were " \
                      "reordered"


@case
def mirror_line_deleted(c: Ctx) -> tuple[str, str]:
    lines = c.mirror.read_text(encoding="utf-8").splitlines()
    del lines[4]
    c.mirror.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "custody", "custody.jsonl entry 5 is missing from the mirror"


@case
def mirror_line_edited(c: Ctx) -> tuple[str, str]:
    text = c.mirror.read_text(encoding="utf-8").splitlines()
    text[1] = text[1].replace('"who": "', '"who": "x', 1)
    c.mirror.write_text("\n".join(text) + "\n", encoding="utf-8")
    return "custody", "custody.jsonl entry 2 differs between the database and the mirror"


@case
def mirror_line_forged(c: Ctx) -> tuple[str, str]:
    last = json.loads(c.mirror.read_text(encoding="utf-8").splitlines()[-1])
    forged = {**last, "seq": last["seq"] + 1, "subject": "forged"}
    with c.mirror.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(forged) + "\n")
    return "custody", f"entry {last['seq'] + 1} (line"


@case
def mirror_deleted(c: Ctx) -> tuple[str, str]:
    unlink(c.mirror)
    return "custody", "custody.jsonl the mirror file is missing"


@case
def tip_screenshot_swapped(c: Ctx) -> tuple[str, str]:
    tip = c.rows("SELECT id, screenshot_sha256 FROM tips")[0]
    other = c.art("screenshot").sha256
    c.run("UPDATE tips SET screenshot_sha256 = :s WHERE id = :i", s=other, i=tip.id)
    return "tip", f"tip {tip.id} screenshot {other} is not the one custody entry"


@case
def tip_screenshot_cleared(c: Ctx) -> tuple[str, str]:
    tip = c.rows("SELECT id, screenshot_sha256 FROM tips")[0]
    c.run("UPDATE tips SET screenshot_sha256 = '' WHERE id = :i", i=tip.id)
    return "tip", f"tip {tip.id} custody entry"


@case
def tip_page_swapped(c: Ctx) -> tuple[str, str]:
    tip = c.rows("SELECT id FROM tips")[0]
    other = c.crawled(0).body_sha256
    c.run("UPDATE tips SET capture_sha256 = :s WHERE id = :i", s=other, i=tip.id)
    return "tip", f"tip {tip.id} page {other} is not the body of capture"


@case
def tip_deleted(c: Ctx) -> tuple[str, str]:
    tip = c.rows("SELECT id FROM tips")[0]
    c.run("DELETE FROM tips WHERE id = :i", i=tip.id)
    return "tip", f"tip {tip.id} custody entry"


@case
def tip_capture_deleted(c: Ctx) -> tuple[str, str]:
    cid = c.one("SELECT id FROM captures WHERE method = 'tip'")
    c.run("DELETE FROM artefacts WHERE capture_id = :i", i=cid)
    c.run("DELETE FROM captures WHERE id = :i", i=cid)
    return "tip", "page"


