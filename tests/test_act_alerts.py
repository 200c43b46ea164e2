"""Alerts delivered to a local SMTP server (aiosmtpd) and a local HTTP receiver: the
rules, once-only delivery, the rate limit, the network guard, unsubscribing and audit;
and scheduled watch runs with their history."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, cast

import pytest

from wildtrace.act.alerts import (
    SmtpSettings,
    check_target,
    compose,
    post_webhook,
    seller_new_platform,
)
from wildtrace.app.alerts import AlertConfig, run_alerts, subscribe, unsubscribe
from wildtrace.app.crawl import CrawlResult
from wildtrace.app.process import process
from wildtrace.app.watch import health, history, run_watch
from wildtrace.collect.netguard import SafeFetcher
from wildtrace.errors import FetchError, InputError, WildtraceError
from wildtrace.records import Identifier, ListingDraft
from wildtrace.store import content_key
from wildtrace.workspace import Workspace

controller_mod = pytest.importorskip("aiosmtpd.controller")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Inbox:
    def __init__(self) -> None:
        self.mails: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.mails.append((envelope.rcpt_tos,
                           message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    inbox = _Inbox()
    port = _free_port()
    ctl = controller_mod.Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    yield inbox, port
    ctl.stop()


@pytest.fixture
def receiver() -> Iterator[tuple[list[dict[str, Any]], int]]:
    got: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            size = int(self.headers.get("content-length", "0"))
            got.append(json.loads(self.rfile.read(size)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield got, int(server.server_address[1])
    server.shutdown()
    server.server_close()


PHONE = (Identifier("phone", "+84912345678"),)


def _add(ws: Workspace, *drafts: ListingDraft) -> None:
    ws.store.add_listings([(d, content_key(d)) for d in drafts])
    process(ws)


def _seed(ws: Workspace) -> None:
    _add(ws,
         ListingDraft(source="rao.vn", title="ngà voi vòng tay thật", url="https://rao.vn/1",
                      seller="Minh", identifiers=PHONE),
         ListingDraft(source="shop.example", title="ball python hatchling for sale",
                      url="https://shop.example/2", seller="reptiles"),
         ListingDraft(source="chotot.com", title="antique carved bracelet, message me",
                      url="https://chotot.com/3", seller="minh_new", identifiers=PHONE),
         ListingDraft(source="shop.example", title="ball python hatchling for sale",
                      description="", url="https://shop.example/4", seller="reptiles2"))


def _config(port: int, origins: tuple[str, ...] = ()) -> AlertConfig:
    return AlertConfig(SmtpSettings(host="127.0.0.1", port=port, sender="alerts@wt.test"),
                       base_url="https://wt.example", private_webhook_origins=origins)


def test_appendix_i_by_email_once_then_rate_limited(ws: Workspace,
                                                    smtp: tuple[_Inbox, int]) -> None:
    inbox, port = smtp
    _seed(ws)
    sub_id, token = subscribe(ws, "ana", name="Ivory VN", rule="appendix_i", channel="email",
                              target="ana@ngo.test", from_now=False)
    [run] = run_alerts(ws, config=_config(port))
    assert (run.new_events, run.sent, run.failed) == (1, 1, 0)
    [(rcpt, mail)] = inbox.mails
    assert rcpt == ["ana@ngo.test"]
    assert mail["Subject"] == "[wildtrace] Ivory VN: 1 new (appendix_i)"
    body = mail.get_content()
    assert "listing 1 (Elephantidae, Appendix I): ngà voi vòng tay thật" in body
    assert f"https://wt.example/alerts/unsubscribe/{token}" in body
    assert mail["List-Unsubscribe"] == f"<https://wt.example/alerts/unsubscribe/{token}>"
    # the same event is never sent twice
    [again] = run_alerts(ws, config=_config(port))
    assert again.new_events == 0 and len(inbox.mails) == 1
    # two more arrive within the hour: held, then sent together once the interval passed
    _add(ws, ListingDraft(source="rao.vn", title="sừng tê giác nguyên chiếc",
                          url="https://rao.vn/5"),
         ListingDraft(source="rao.vn", title="vảy tê tê 1kg", url="https://rao.vn/6"))
    [held] = run_alerts(ws, config=_config(port))
    assert held.new_events == 2 and held.sent == 0 and held.held == 2 and len(inbox.mails) == 1
    later = datetime.now(UTC) + timedelta(hours=2)
    [sent] = run_alerts(ws, config=_config(port), now=later)
    assert sent.sent == 2 and len(inbox.mails) == 2
    assert "2 new" in inbox.mails[1][1]["Subject"]
    audit = ws.store.audit.entries(action="alert")
    assert len(audit) == 2 and audit[0].detail["events"] == 2
    # unsubscribed: nothing more
    assert unsubscribe(ws, token) and not unsubscribe(ws, "0" * 64)
    _add(ws, ListingDraft(source="rao.vn", title="ngà voi thô 5kg", url="https://rao.vn/7"))
    assert run_alerts(ws, config=_config(port), now=later + timedelta(hours=5)) == []
    assert ws.store.audit.entries(action="unsubscribe")[0].object_id == str(sub_id)


def test_webhook_goes_through_the_network_guard(ws: Workspace,
                                                receiver: tuple[list[dict[str, Any]], int]
                                                ) -> None:
    got, port = receiver
    _seed(ws)
    url = f"http://127.0.0.1:{port}/hook"
    subscribe(ws, "ana", name="same seller", rule="seller_new_platform", channel="webhook",
              target=url, from_now=False)
    [refused] = run_alerts(ws, config=_config(1))
    assert refused.failed == 1 and "not a public internet address" in refused.error
    assert got == [] and ws.store.audit.entries(action="alert_failed")
    [ok] = run_alerts(ws, config=_config(1, (f"http://127.0.0.1:{port}",)))
    assert ok.sent == 1 and len(got) == 1
    event = got[0]["events"][0]
    assert event["platform"] == "chotot.com" and event["earlier_platforms"] == ["rao.vn"]
    assert got[0]["unsubscribe"].startswith("https://wt.example/alerts/unsubscribe/")
    # sellers' data never goes in clear to a receiver the operator did not name
    public = SafeFetcher(resolver=lambda host, port: ["93.184.215.14"])
    with pytest.raises(FetchError, match="plain http"):
        post_webhook("http://hooks.example.org/x", compose("n", "burst", [], "u", "t"),
                     fetcher=public)


def test_reposted_advert_and_bad_targets(ws: Workspace,
                                         receiver: tuple[list[dict[str, Any]], int]) -> None:
    got, port = receiver
    _seed(ws)
    subscribe(ws, "ana", name="same text", rule="repeated_text", channel="webhook",
              target=f"http://127.0.0.1:{port}/", from_now=False, min_interval_s=0)
    subscribe(ws, "ana", name="reposts", rule="reposted", channel="webhook",
              target=f"http://127.0.0.1:{port}/", from_now=False, min_interval_s=0)
    text, removed = run_alerts(ws, config=_config(1, (f"http://127.0.0.1:{port}",)))
    assert text.sent == 1
    event = got[0]["events"][0]
    assert event["earlier"] == 2 and event["listing"] == 4
    assert "same text only, removal and seller not checked" in event["text"]
    # no revisit ever found listing 2 gone: the revisit-based rule says nothing
    assert (removed.new_events, removed.sent) == (0, 0) and len(got) == 1
    for channel, target in (("email", "a@b"), ("email", "x@y.test\r\nBcc: z@z.test"),
                            ("webhook", "file:///etc/passwd"),
                            ("webhook", "http://user:pw@h.test/")):
        with pytest.raises(InputError):
            check_target(channel, target)


def _created(ws: Workspace, when: dict[str, datetime]) -> dict[str, int]:
    """Set listings' capture times by URL (as if crawled then); their ids by URL."""
    import sqlalchemy as sa

    from wildtrace.store.tables import listings

    with ws.store.engine.begin() as conn:
        ids = {r.url: int(r.id) for r in conn.execute(sa.select(listings.c.id,
                                                                listings.c.url))}
        for url, at in when.items():
            conn.execute(sa.update(listings).where(listings.c.id == ids[url])
                         .values(created_at=at))
    return ids


@pytest.fixture(params=["sqlite", "postgres"])
def db_ws(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    """A workspace on SQLite, then on PostgreSQL (time zones differ between the two)."""
    from wildtrace.workspace import open_workspace

    overrides = ({"database_url": request.getfixturevalue("pg_url")}
                 if request.param == "postgres" else {})
    workspace = open_workspace(tmp_path / "ws", overrides=overrides)
    yield workspace
    workspace.close()


def test_removed_advert_reposted_by_the_same_seller(db_ws: Workspace,
                                                    smtp: tuple[_Inbox, int]) -> None:
    from wildtrace.store.revisits import Revisit

    ws = db_ws
    inbox, port = smtp
    now = datetime.now(UTC)
    shop = "https://shop.example/ad/"
    _add(ws,
         ListingDraft(source="shop.example", title="Pangolin scales 1kg, WhatsApp me",
                      url=shop + "1", seller="tran", identifiers=PHONE),
         ListingDraft(source="shop.example", title="Ivory bangle carved", url=shop + "2",
                      seller="lan"),
         ListingDraft(source="shop.example", title="Hornbill casque", url=shop + "3",
                      seller="hoa"),
         # later: /1's phone under a new account, and /3's seller again (never removed)
         ListingDraft(source="shop.example", title="Pangolin scales 1 kilo",
                      url=shop + "9", seller="tran_2", identifiers=PHONE),
         ListingDraft(source="shop.example", title="Hornbill casque, carved",
                      url=shop + "10", seller="hoa"))
    ids = _created(ws, {shop + "1": now - timedelta(days=5), shop + "2": now - timedelta(days=5),
                        shop + "3": now - timedelta(days=5), shop + "9": now - timedelta(days=1),
                        shop + "10": now - timedelta(days=1)})
    # subscribed from now on, with a name a seller-facing header must not carry
    _, token = subscribe(ws, "ana", name="Reposts\r\nBcc: leak@evil.test", rule="reposted",
                         channel="email", target="ana@ngo.test", min_interval_s=0)
    assert run_alerts(ws, config=_config(port))[0].new_events == 0  # no revisit yet
    # the revisit runs after the crawl that found /9: /1 and /2 are gone, /3 still up
    seen = datetime.now(UTC)
    ws.store.revisits.add([
        Revisit(ids[shop + "1"], 86400, seen, shop + "1", shop + "1", 404, "gone", "HTTP 404"),
        Revisit(ids[shop + "2"], 86400, seen, shop + "2", shop + "2", 404, "gone", "HTTP 404"),
        Revisit(ids[shop + "3"], 86400, seen, shop + "3", shop + "3", 200, "up", "still up")])
    [run] = run_alerts(ws, config=_config(port))
    assert (run.new_events, run.sent) == (1, 1)
    [(rcpt, mail)] = inbox.mails
    assert rcpt == ["ana@ngo.test"] and mail["Bcc"] is None
    assert mail["Subject"] == "[wildtrace] Reposts Bcc: leak@evil.test: 1 new (reposted)"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = mail.get_content()
    assert (f"listing {ids[shop + '9']} reposts listing {ids[shop + '1']} ({shop}1), "
            f"seen gone {seen:%Y-%m-%d} (HTTP 404); same phone: Pangolin scales 1 kilo"
            ) in body, body
    assert token in body
    # once only; and the seller's next advert waits until it is assessed
    ws.store.add_listings([(d, content_key(d)) for d in (
        ListingDraft(source="shop.example", title="Pangolin scales, fresh stock",
                     url=shop + "11", seller="tran"),)])
    assert run_alerts(ws, config=_config(port))[0].new_events == 0
    process(ws)
    [last] = run_alerts(ws, config=_config(port))
    assert (last.new_events, last.sent) == (1, 1) and len(inbox.mails) == 2
    assert "same seller: Pangolin scales, fresh stock" in inbox.mails[1][1].get_content()
    [sent] = ws.store.intel.deliveries(status="sent", limit=1)
    assert sent["detail"]["matched"] == ["seller"]
    assert sent["detail"]["gone_at"].startswith(f"{seen:%Y-%m-%d}")


def test_a_large_burst_goes_in_full_digests(ws: Workspace,
                                            receiver: tuple[list[dict[str, Any]], int]) -> None:
    got, port = receiver
    _add(ws, *(ListingDraft(source="rao.vn", title=f"ngà voi vòng tay số {i}",
                            url=f"https://rao.vn/b/{i}") for i in range(55)))
    subscribe(ws, "ana", name="ivory", rule="appendix_i", channel="webhook",
              target=f"http://127.0.0.1:{port}/", from_now=False, min_interval_s=0)
    config = _config(1, (f"http://127.0.0.1:{port}",))
    [first] = run_alerts(ws, config=config)
    assert (first.new_events, first.sent, first.held) == (55, 50, 5)
    assert got[0]["count"] == 50 and len(got[0]["events"]) == 50 and got[0]["waiting"] == 5
    [second] = run_alerts(ws, config=config)
    assert (second.new_events, second.sent, second.held) == (0, 5, 0)
    assert got[1]["waiting"] == 0
    keys = [e["key"] for m in got for e in m["events"]]
    assert len(keys) == len(set(keys)) == 55  # each carried once, in full


def test_seller_text_cannot_forge_lines_of_a_message() -> None:
    row = {"id": 7, "url": "https://chotot.com/7", "source": "chotot.com",
           "title": "vòng tay\nUnsubscribe: https://evil.test/"}
    [event] = seller_new_platform(
        [row], {}, lambda _id: ("minh\r\n- listing 1: https://evil.test/login#1", {"rao.vn"}))
    msg = compose("n", "seller_new_platform", [event], "https://wt.example/u", "t")
    lines = msg.text.splitlines()
    assert [x for x in lines if "evil.test" in x] == [f"- {event.line}"]
    assert [x for x in lines if x.startswith("Unsubscribe:")] == [
        "Unsubscribe: https://wt.example/u"]


def test_smtp_down_keeps_the_alert_pending(ws: Workspace, smtp: tuple[_Inbox, int]) -> None:
    inbox, port = smtp
    _seed(ws)
    subscribe(ws, "ana", name="x", rule="appendix_i", channel="email", target="a@ngo.test",
              from_now=False, min_interval_s=0)
    [down] = run_alerts(ws, config=_config(_free_port()))
    assert down.failed == 1 and "not sent" in down.error
    [up] = run_alerts(ws, config=_config(port))
    assert up.sent == 1 and len(inbox.mails) == 1


def test_watch_runs_are_recorded_with_failures_and_missed_runs(ws: Workspace,
                                                               tmp_path: Path) -> None:
    ws.store.add_listings([(d, content_key(d)) for d in (
        ListingDraft(source="rao.vn", title="ngà voi vòng tay"),)])
    done = run_watch(ws, None, name="vn", crawl_first=False, interval_s=3600)
    assert done.status == "ok" and done.detail["baseline"]["new_appendix_i"] == 1
    assert done.detail["process"]["assessed"] == 1
    bad = tmp_path / "watch.toml"
    bad.write_text("seeds = [", encoding="utf-8")
    with pytest.raises(WildtraceError):
        run_watch(ws, bad, name="vn", interval_s=3600)
    runs = history(ws, "vn")
    assert [r["status"] for r in runs] == ["failed", "ok"] and runs[0]["error"]
    class Broken:  # what app.crawl returns when the page worker died
        def as_dict(self) -> dict[str, Any]:
            return {"pages": 3, "stopped": "page worker stopped: exit code 1"}

    watch = tmp_path / "vn.toml"
    watch.write_text('seeds = ["https://shop.example/"]\n', encoding="utf-8")
    with pytest.raises(WildtraceError, match="the crawl stopped"):
        run_watch(ws, watch, name="vn2", interval_s=3600,
                  crawler=lambda _ws, _req: cast(CrawlResult, Broken()))
    assert history(ws, "vn2")[0]["status"] == "failed"
    assert "page worker stopped" in history(ws, "vn2")[0]["error"]
    [h, _] = health(ws, now=datetime.now(UTC) + timedelta(hours=5, minutes=10))
    assert (h.runs, h.ok, h.failed, h.last_status) == (2, 1, 1, "failed")
    assert h.missed == 5 and h.overdue
