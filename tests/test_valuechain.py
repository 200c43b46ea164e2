"""Value-chain positions: read from text in several languages, stored per listing by
``process``, and shown in the market summary, the dashboard, the listing view and the
exports; payment traces are link evidence with their own weight."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from wildtrace.app import exports
from wildtrace.app.dashboard import market_figures
from wildtrace.app.listing_view import listing_view
from wildtrace.app.market import market_summary
from wildtrace.app.valuechain import position_counts, read_positions
from wildtrace.extract.valuechain import FORMS, ROLES, position
from wildtrace.link.keys import PAYMENT_KINDS, STRONG_KINDS
from wildtrace.link.resolver import LinkInput, resolve
from wildtrace.records import Identifier, ListingDraft
from wildtrace.store import content_key
from wildtrace.workspace import Workspace

DATA = Path(__file__).parent / "data" / "valuechain" / "labelled.jsonl"


def test_labelled_set_beats_the_majority_baseline() -> None:
    rows = [json.loads(ln) for ln in DATA.read_text(encoding="utf-8").splitlines() if ln]
    assert len(rows) >= 40
    for key in ("form", "role"):
        right = sum(1 for r in rows if getattr(position(r["text"]), key) == r[key])
        majority = Counter(r[key] for r in rows).most_common(1)[0][1]
        assert right / len(rows) >= 0.85 and right > majority + 10, key


def test_labels_and_cues() -> None:
    p = position("象牙手镯 吊坠 帮朋友转发")
    assert (p.form, p.role) == ("finished", "agent")
    assert "finished:手镯" in p.cues and "agent:帮朋友" in p.cues
    # A named form outweighs the material named with it; prose gives no label.
    assert position("Rhino horn bangle").form == "finished"
    assert position("Tiger bone wine").form == "derivative"
    assert position("Cần mua sừng tê giác").role == "buyer"
    assert position("Nice weather today, call me") == position("")
    assert position("").form == "" and set(FORMS) >= {"raw"} and "dealer" in ROLES


def _add(ws: Workspace, title: str, desc: str = "", idents: tuple[Identifier, ...] = (),
         price: float = 100.0) -> None:
    d = ListingDraft(source="t", title=title, description=desc, price=price, currency="VND",
                     posted="2024-05-01", seller="s", identifiers=idents)
    ws.store.add_listings([(d, content_key(d))])


def test_positions_are_stored_counted_exported_and_shown(ws: Workspace,
                                                         tmp_path: Path) -> None:
    iban = Identifier("iban", "GB29NWBK60161331926819")
    _add(ws, "Raw pangolin scales 50kg", "wholesale, ready stock", (iban,))
    _add(ws, "收购老象牙", "高价回收")
    _add(ws, "Carved ivory bangle", "from my grandfather's collection")
    _add(ws, "Hello", "nothing to say")
    assert read_positions(ws.store) == 4
    assert read_positions(ws.store) == 0  # each listing is read once
    counts = position_counts(ws.store)
    assert counts["form"] == {"raw": 2, "finished": 1, "": 1}
    assert counts["role"] == {"dealer": 1, "buyer": 1, "collector": 1, "": 1}
    summary = market_summary(ws.store).as_dict()
    assert summary["value_chain"]["form"]["raw"] == 2
    assert market_figures(ws.store).counts()["value_chain"]["role"]["buyer"] == 1
    # VND converts now (the second rate table): no dong price is left unconverted.
    assert summary["unconverted"] == 0 and summary["priced"] == 4

    out = tmp_path / "l.csv"
    exports.export(ws, "listings", "csv", out)
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert [r["product_form"] for r in rows] == ["raw", "raw", "finished", ""]
    assert rows[0]["payment_traces"] == "iban:GB29NWBK60161331926819"
    assert rows[1]["seller_role"] == "buyer"
    out = tmp_path / "l.jsonl"
    exports.export(ws, "listings", "jsonl", out)
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert first["payment_traces"] == [{"kind": "iban", "value": "GB29NWBK60161331926819"}]

    view = listing_view(ws, 1)
    assert view is not None and view.payment_traces == (iban,)
    assert view.value_chain is not None and view.value_chain["form"] == "raw"
    assert "dealer:wholesale" in view.value_chain["cues"]


def test_payment_traces_link_sellers_with_their_own_weight() -> None:
    assert set(PAYMENT_KINDS) >= {"iban", "bank_account", "paypal", "pix", "gcash", "upi",
                                  "alipay", "wechat_pay", "venmo", "cashapp", "wallet"}
    assert STRONG_KINDS["iban"] > STRONG_KINDS["phone"] > STRONG_KINDS["cashapp"]
    acct = Identifier("bank_account", "vietcombank:0071001234567")
    res = resolve([LinkInput(1, "fb", "a1", (acct,), "one"),
                   LinkInput(2, "zalo", "b2", (acct,), "two"),
                   LinkInput(3, "fb", "c3", (Identifier("cashapp", "$x1"),), "three")])
    assert res.seller_of[1] == res.seller_of[2] != res.seller_of[3]
    link = next(x for x in res.links if x.kind == "identifier")
    assert link.confidence == STRONG_KINDS["bank_account"]
    assert "bank_account: vietcombank:0071001234567" in link.evidence
