"""The link step over a workspace, the seller network, and its Gephi exports."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from wildtrace.act.exports.graph import write_graph
from wildtrace.cli import main
from wildtrace.link import resolve_sellers
from wildtrace.link.graph import analyse, build_graph
from wildtrace.link.resolver import LinkInput
from wildtrace.records import Identifier as I
from wildtrace.records import ListingDraft
from wildtrace.store import Store, content_key
from wildtrace.workspace import Workspace

DRAFTS = [
    ListingDraft(source="facebook", seller="Tiger Shop", title="tiger claw pendant",
                 description="Genuine, call +84 912 345 678", posted="2024-01-03"),
    ListingDraft(source="instagram", seller="horn_hub_vn", title="horn cup",
                 description="WhatsApp +84 912 345 678 or wechat: hornhub99", posted="2024-02-03"),
    ListingDraft(source="ebay", seller="=cmd|evil", title="bangle",
                 description="Old bangle. WeChat: hornhub99", posted="2024-02-05"),
    ListingDraft(source="ebay", seller="alice", title="ivory look bangle",
                 description="resin, modern", posted="2024-01-05"),
]


def _fill(store: Store) -> None:
    store.add_listings([(d, content_key(d)) for d in DRAFTS])


def test_resolve_sellers_stores_a_versioned_run(ws: Workspace) -> None:
    _fill(ws.store)
    summary = resolve_sellers(ws.store)
    assert summary["listings"] == 4 and summary["sellers"] == 2
    assert summary["cross_platform_sellers"] == 1
    assert summary["links"]["identifier"] >= 2
    run = summary["run_id"]
    assert ws.store.link.latest_run() == run
    members = ws.store.link.members(run)
    assert len(set(members.values())) == 2
    same = resolve_sellers(ws.store)
    assert same["run_id"] == run and same["unchanged"] and same["sellers"] == 2
    again = resolve_sellers(ws.store, force=True)
    assert again["run_id"] != run and ws.store.link.members(run) == members
    extra = ListingDraft(source="ebay", seller="alice", title="new", description="x")
    ws.store.add_listings([(extra, content_key(extra))])
    grown = resolve_sellers(ws.store)
    assert "unchanged" not in grown and grown["listings"] == 5 and grown["sellers"] == 2


def test_resolve_sellers_on_postgres(pg_store: Store) -> None:
    _fill(pg_store)
    summary = resolve_sellers(pg_store)
    assert summary["sellers"] == 2
    assert len(list(pg_store.link.links(summary["run_id"]))) >= 2


def test_analysis_finds_broker_and_cross_platform() -> None:
    inputs = [LinkInput(1, "fb", "a", (I("phone", "+1"),)), LinkInput(2, "fb", "b", ()),
              LinkInput(3, "ig", "c", (I("phone", "+1"), I("wechat", "x"))),
              LinkInput(4, "ig", "d", (I("wechat", "x"),))]
    seller_of = {1: 1, 2: 2, 3: 1, 4: 1}
    g = build_graph(inputs, seller_of, [])
    info = analyse(g)
    assert info["components"] == 2 and info["cross_platform_sellers"] == 1
    assert info["brokers"][0]["node"] in ("acct:ig:c", "id:phone:+1", "id:wechat:x")
    assert {n for n, d in g.nodes(data=True) if d["kind"] == "account"} == \
        {"acct:fb:a", "acct:fb:b", "acct:ig:c", "acct:ig:d"}


def test_cli_exports_open_in_gephi(tmp_path: Path) -> None:
    ws_dir = tmp_path / "ws"
    src = tmp_path / "l.jsonl"
    src.write_text("\n".join(json.dumps({
        "title": d.title, "description": d.description, "seller": d.seller,
        "posted": d.posted}) for d in DRAFTS) + "\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["--workspace", str(ws_dir), "import", str(src)]).exit_code == 0
    out = runner.invoke(main, ["--workspace", str(ws_dir), "sellers", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["sellers"] == 2
    for fmt in ("gexf", "graphml", "csv"):
        path = tmp_path / f"net.{fmt}"
        res = runner.invoke(main, ["--workspace", str(ws_dir), "export", "graph", "--format",
                                   fmt, "-o", str(path)])
        assert res.exit_code == 0, res.output
    root = ET.parse(tmp_path / "net.gexf").getroot()
    assert root.tag == "{http://www.gexf.net/1.2draft}gexf" and root.get("version") == "1.2"
    g = nx.read_gexf(tmp_path / "net.gexf")
    assert any(d.get("kind") == "wechat" for _, d in g.nodes(data=True))
    gml = ET.parse(tmp_path / "net.graphml").getroot()
    assert gml.tag == "{http://graphml.graphdrawing.org/xmlns}graphml"
    h = nx.read_graphml(tmp_path / "net.graphml")
    assert h.number_of_nodes() == g.number_of_nodes() and h.number_of_edges() >= 4
    assert {"community", "betweenness", "seller"} <= set(next(iter(h.nodes(data=True)))[1])
    with (tmp_path / "net.nodes.csv").open(encoding="utf-8") as fh:
        ids = [row["id"] for row in csv.DictReader(fh)]
    assert not any(i.startswith("=") for i in ids)  # no spreadsheet formulas


def test_write_graph_rejects_unknown_format(tmp_path: Path) -> None:
    from wildtrace.errors import InputError

    with pytest.raises(InputError):
        write_graph(nx.Graph(), "dot", tmp_path / "x.dot")


def test_extracted_seller_url_and_handle_link(ws: Workspace) -> None:
    drafts = [ListingDraft(source="shop", title="shark jaw", description="large jaw",
                           extra={"seller_url": "https://www.shop.example/str/jaws?trk=1"}),
              ListingDraft(source="shop", title="shark tooth", description="fossil tooth",
                           extra={"seller_url": "https://shop.example/str/jaws?trk=2"}),
              ListingDraft(source="shop", title="tooth", description="another",
                           extra={"seller_handle": "toothman"}),
              ListingDraft(source="shop", title="tooth 2", description="more",
                           extra={"seller_handle": "ToothMan"})]
    ws.store.add_listings([(d, content_key(d)) for d in drafts])
    summary = resolve_sellers(ws.store)
    assert summary["sellers"] == 2
    assert summary["links"] == {"account": 1, "identifier": 1}
