"""``process``: identify → assess → link on what is new, versioned, on the demo data."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from wildtrace.app.process import process
from wildtrace.collect.importer import import_file
from wildtrace.workspace import Workspace

DEMO = Path(__file__).resolve().parent.parent / "examples" / "demo-listings.csv"


def test_process_assesses_extracts_and_links_once(ws: Workspace) -> None:
    assert import_file(ws.store, DEMO, source="demo").imported == 40
    first = process(ws)
    assert first.assessed == 40
    assert 0 < first.relevant < 40
    assert first.link["listings"] == 40 and first.link["sellers"] < 40
    rows = {r["title"]: r for r in ws.store.latest_assessments()}
    pangolin = rows["穿山甲鳞片 500克 正品"]
    assert pangolin["relevant"] and pangolin["cites"] == "I" and "Manis" in pangolin["taxa"]
    assert 0.0 <= pangolin["risk"] <= 1.0
    assert not rows["Shark plush toy 60cm"]["relevant"]
    wechat = [x for x in ws.store.iter_listings() if x.title.startswith("穿山甲")][0]
    assert ("wechat", "pangolin_zk88") in {(i.kind, i.value) for i in wechat.identifiers}
    # nothing new: nothing re-assessed, no new assessment rows
    again = process(ws)
    assert again.assessed == 0
    with ws.store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM assessments")).scalar() == 40


def test_new_listings_only_are_processed(ws: Workspace, tmp_path: Path) -> None:
    import_file(ws.store, DEMO)
    process(ws)
    extra = tmp_path / "more.csv"
    extra.write_text("title,description\nRhino horn powder,\"genuine, wechat: hornman_9\"\n")
    import_file(ws.store, extra)
    res = process(ws)
    assert res.assessed == 1
    run = ws.store.latest_assessments()
    assert sum(1 for r in run if r["title"] == "Rhino horn powder") == 1
    exported = [r for r in ws.store.iter_listings_with_assessment()
                if r["title"] == "Rhino horn powder"][0]
    assert json.loads(exported["identifiers"]) == [{"kind": "wechat", "value": "hornman_9"}]
