"""Emerging terms and what is rising: the rankings on small hand-made sets, and the
analyst's accept (into the workspace lexicon, which identify then reads) and reject."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from wildtrace.app.emerging import accept_term, reject_term, suggest_terms, what_is_rising
from wildtrace.identify import identifier_for
from wildtrace.measure.bursts import Event, rising
from wildtrace.measure.emerging import Doc, frequency_baseline, suggest, tokens
from wildtrace.records import ListingDraft
from wildtrace.store import content_key
from wildtrace.workspace import Workspace

T0 = datetime(2026, 1, 1)


def _docs() -> list[Doc]:
    docs, i = [], 0
    # 200 ordinary listings: phones, shoes, "gold" jewellery
    for k in range(200):
        i += 1
        docs.append(Doc(i, tokens(f"gold bracelet shoes phone case model {k % 7}"),
                        T0 + timedelta(days=k % 90), False, seller=f"s{k % 40}"))
    # 40 confirmed listings using known words, some of them with the new ones lately
    for k in range(40):
        i += 1
        late = k >= 28
        text = "ivory bangle carved" + (" moon porcelain" if late else "") + \
            (" 月光瓷 手镯" if late and k % 2 else "")
        docs.append(Doc(i, tokens(text), T0 + timedelta(days=60 + k if late else k),
                        True, seller=f"t{k % 9}", known=True, taxa=("Elephantidae",)))
    # one seller repeating a nonsense word on many confirmed listings: one seller only
    for k in range(6):
        i += 1
        docs.append(Doc(i, tokens("zzqx special"), T0 + timedelta(days=80 + k), True,
                        seller="spammer"))
    return docs


def test_new_terms_rank_first_and_known_ones_are_left_out() -> None:
    known = {"ivory", "bangle", "ivory bangle"}.__contains__
    ranked = suggest(_docs(), known=known, limit=10)
    terms = [c.term for c in ranked]
    assert terms[0] == "moon porcelain"  # the phrase, not "moon" alone (subsumed)
    assert "moon" not in terms and "porcelain" not in terms
    assert any(t in terms for t in ("月光瓷", "月光"))
    assert "ivory" not in terms and "gold" not in terms  # known / ordinary
    assert "zzqx" not in terms  # a single seller
    top = ranked[0]
    assert top.foreground == 12 and top.background == 0 and top.sellers >= 2
    assert top.first_seen == T0 + timedelta(days=88) and top.cooccurrence == 1.0
    assert top.taxa == ("Elephantidae",) and len(top.evidence) == 10
    assert top.burst_z > 0 and top.recent == 12
    # the frequency baseline drowns the new phrase under the common words
    assert frequency_baseline(_docs(), known=known, limit=3)[0] != "moon porcelain"
    # run as of day 75, before the new words: nothing about them yet
    early = suggest(_docs(), known=known, now=T0 + timedelta(days=75))
    assert "moon porcelain" not in [c.term for c in early]


def test_tokens_for_every_script() -> None:
    assert {"white gold", "ngà voi"} <= tokens("White GOLD, ngà voi")
    assert {"象牙", "牙手镯"} <= tokens("象牙手镯")
    thai = tokens("งาช้าง")
    assert "ช้าง" in thai and not any(t[0] in "\u0e31\u0e34\u0e48\u0e49" for t in thai)
    assert "the" not in tokens("the the the")


def _seed(ws: Workspace) -> None:
    drafts = []
    for k in range(30):
        seller = f"seller{k % 6}"
        if k < 12:
            text = f"moon porcelain bracelet, genuine, lot {k}"
        else:
            text = f"cotton shirt size {k}"
        drafts.append(ListingDraft(source="shop.example", title=text, seller=seller,
                                   posted=(date(2026, 3, 1) + timedelta(days=k)).isoformat()))
    ws.store.add_listings([(d, content_key(d)) for d in drafts])
    for lid in range(1, 13):
        ws.store.add_label(lid, 1, "ana")
    for lid in range(13, 31):
        ws.store.add_label(lid, 0, "ana")


def test_accept_goes_into_the_lexicon_identify_reads(ws: Workspace) -> None:
    _seed(ws)
    terms = [c.term for c in suggest_terms(ws)]
    assert "moon porcelain" in terms
    assert not identifier_for(ws).identify("moon porcelain bracelet").taxa
    done = accept_term(ws, "moon porcelain", "Elephantidae", "ana")
    assert done.evidence[:3] == (12, 11, 10) or set(done.evidence) == set(range(1, 13))
    text = (ws.root / "lexicon.csv").read_text(encoding="utf-8")
    assert "moon porcelain,Elephantidae,code_word" in text and "by ana" in text
    found = identifier_for(ws).identify("moon porcelain bracelet")
    assert "Elephantidae" in found.taxa
    assert "moon porcelain" not in [c.term for c in suggest_terms(ws)]
    entries = ws.store.audit.entries(action="accept")
    assert entries and entries[0].detail["taxon"] == "Elephantidae"


def test_rejected_terms_are_not_proposed_again(ws: Workspace) -> None:
    _seed(ws)
    first = suggest_terms(ws)[0].term
    reject_term(ws, first.upper(), "ana", note="a brand name")
    assert first not in [c.term for c in suggest_terms(ws)]
    assert ws.store.intel.term_decisions()[first]["status"] == "rejected"


def test_rising_against_its_own_baseline() -> None:
    today = date(2026, 6, 30)
    events = []
    for week in range(9):
        day = today - timedelta(days=7 * (8 - week))
        n = 2 if week < 8 else 9  # steady, then a jump in the latest week
        events += [Event("taxon", "Manis", "shop.example", "vi", day)] * n
        events += [Event("taxon", "Python regius", "shop.example", "en", day)] * 5
    found = rising(events, today=today)
    assert [r.key for r in found] == ["Manis"]
    r = found[0]
    assert r.seen == 9 and r.expected == 2.0 and r.z > 3 and r.history[-1] == 9


def test_what_is_rising_reads_the_workspace(ws: Workspace) -> None:
    from wildtrace.app.process import process

    assert what_is_rising(ws) == []  # nothing identified yet: nothing rises
    today = date(2026, 6, 30)
    drafts = []
    for week in range(9):
        day = today - timedelta(days=7 * (8 - week))
        for k in range(8 if week == 8 else 1):
            drafts.append(ListingDraft(source="rao.vn", url=f"https://rao.vn/{week}-{k}",
                                       title=f"vảy tê tê loại {week}{k}",
                                       posted=day.isoformat(), language="vi"))
        drafts.append(ListingDraft(source="shop.example", url=f"https://shop.example/{week}",
                                   title=f"ball python hatchling no {week}",
                                   posted=day.isoformat(), language="en"))
    ws.store.add_listings([(d, content_key(d)) for d in drafts])
    process(ws)
    found = what_is_rising(ws, today=today)
    keys = {(r.kind, r.key, r.platform) for r in found}
    assert ("taxon", "Manis", "rao.vn") in {(k, x[:5], p) for k, x, p in keys}
    assert ("venue", "rao.vn", "rao.vn") in keys
    assert not any("Python" in r.key or r.platform == "shop.example" for r in found)
    manis = next(r for r in found if r.kind == "taxon" and r.key.startswith("Manis"))
    assert manis.seen == 8 and manis.expected == 1.0 and manis.history[-1] == 8
