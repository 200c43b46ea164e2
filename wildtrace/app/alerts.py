"""Alerts as users run them: subscribe someone to a rule, run every subscription over
what is new, deliver with a rate limit, unsubscribe by token; all audited.

A run takes each active subscription's listings since its cursor (only those the assess
stage has judged: an unjudged listing waits for ``process``, so an Appendix I listing is
never skipped for being early), finds its events (:mod:`wildtrace.act.alerts`), stores
each once (``held``), and sends what is held when the subscription's rate limit allows:
no sooner than ``min_interval_s`` after its last message and at most ``max_per_day``
messages a day; what is held travels in the next message (up to 50 events, each in full;
more wait for the message after), so a burst of listings makes digests rather than a
flood, and no event is marked sent that no message carried. A failed delivery stays
pending and is tried again on the next run.

Delivery settings live in the workspace's ``alerts.toml`` (the operator's file, never a
web user's)::

    base_url = "https://wildtrace.example.org"   # links in messages
    private_webhook_origins = []                 # internal receivers allowed (tests)
    [smtp]
    host = "smtp.example.org"
    port = 587
    sender = "alerts@example.org"
    starttls = true
    username = "alerts"                          # password: $WILDTRACE_SMTP_PASSWORD
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from wildtrace.act import alerts as rules
from wildtrace.act.cases import seller_listing_ids
from wildtrace.act.material import platform_of
from wildtrace.app.emerging import what_is_rising
from wildtrace.collect.netguard import SafeFetcher
from wildtrace.errors import ConfigError, FetchError, InputError
from wildtrace.measure.bursts import Rising
from wildtrace.store.revisits import GONE, Repost
from wildtrace.workspace import Workspace

ALERT_USER = "wildtrace-alerts"  # who the audit log says sent an alert
MAX_LISTINGS_PER_RUN = 5000


@dataclass(frozen=True)
class AlertConfig:
    """The workspace's delivery settings (``alerts.toml``)."""

    smtp: rules.SmtpSettings = field(default_factory=rules.SmtpSettings)
    base_url: str = ""
    private_webhook_origins: tuple[str, ...] = ()


def load_config(ws: Workspace) -> AlertConfig:
    """``alerts.toml`` of the workspace, or the defaults; ConfigError names a bad file."""
    path = ws.root / "alerts.toml"
    if not path.is_file():
        return AlertConfig()
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    raw = doc.get("smtp", {})
    try:
        smtp = rules.SmtpSettings(
            host=str(raw.get("host", "localhost")), port=int(raw.get("port", 25)),
            sender=str(raw.get("sender", "wildtrace@localhost")),
            starttls=bool(raw.get("starttls", False)), ssl=bool(raw.get("ssl", False)),
            username=str(raw.get("username", "")),
            password=os.environ.get("WILDTRACE_SMTP_PASSWORD", ""),
            timeout=float(raw.get("timeout", 20)))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: [smtp]: {exc}") from exc
    origins = doc.get("private_webhook_origins", [])
    if not isinstance(origins, list):
        raise ConfigError(f"{path}: private_webhook_origins must be a list")
    return AlertConfig(smtp, str(doc.get("base_url", "")), tuple(str(o) for o in origins))


def unsubscribe_url(config: AlertConfig, token: str) -> str:
    """Where the unsubscribe link points (the web app's public route)."""
    base = config.base_url.rstrip("/") or "http://localhost:8000"
    return f"{base}/alerts/unsubscribe/{token}"


def subscribe(ws: Workspace, user: str, *, name: str, rule: str, channel: str, target: str,
              min_interval_s: int = 3600, max_per_day: int = 24,
              params: dict[str, Any] | None = None, from_now: bool = True) -> tuple[int, str]:
    """A new subscription (audited); returns its id and unsubscribe token.

    ``from_now`` starts its cursor at the newest listing, so subscribing does not mail
    the whole history; ``params`` narrows the rule (``taxa``, ``platforms``,
    ``min_score``, ``kinds`` for bursts).
    """
    if rule not in rules.RULES:
        raise InputError(f"unknown alert rule {rule!r}", hint="rules: " + ", ".join(rules.RULES))
    target = rules.check_target(channel, target)
    if not name.strip():
        raise InputError("an alert needs a name")
    if min_interval_s < 0 or max_per_day < 1:
        raise InputError("min interval must be >= 0 and max per day >= 1")
    token = secrets.token_hex(32)
    cursor = ws.store.intel.max_listing_id() if from_now else 0
    sub_id = ws.store.intel.add_subscription(
        name=name.strip(), rule=rule, channel=channel, target=target, token=token, user=user,
        min_interval_s=min_interval_s, max_per_day=max_per_day, cursor=cursor,
        params=params or {})
    ws.store.audit.record(user, "create", "alert", sub_id,
                          {"rule": rule, "channel": channel, "target": target})
    return sub_id, token


def unsubscribe(ws: Workspace, token: str, who: str = "unsubscribe link") -> bool:
    """Stop a subscription by its token (audited); False for an unknown token."""
    token = token.strip()
    if len(token) != 64 or any(c not in "0123456789abcdef" for c in token):
        return False
    sub = ws.store.intel.unsubscribe(token)
    if sub is None:
        return False
    ws.store.audit.record(who, "unsubscribe", "alert", sub["id"],
                          {"rule": sub["rule"], "channel": sub["channel"]})
    return True


def subscriptions(ws: Workspace) -> list[dict[str, Any]]:
    """Every subscription (tokens left out: they are the recipients' to use)."""
    return [{k: v for k, v in s.items() if k != "token"}
            for s in ws.store.intel.subscriptions()]


@dataclass
class SubscriptionRun:
    """What one run did for one subscription."""

    id: int
    name: str
    rule: str
    new_events: int = 0
    sent: int = 0
    held: int = 0
    failed: int = 0
    error: str = ""


def _earlier_platforms(ws: Workspace) -> Callable[[int], tuple[str, set[str]]]:
    def earlier(listing_id: int) -> tuple[str, set[str]]:
        ids = [i for i in seller_listing_ids(ws.store, listing_id, limit=500)
               if i < listing_id]
        if not ids:
            return "", set()
        rows = ws.store.listings_by_id(ids)
        first = min(rows, key=lambda r: r.id) if rows else None
        name = f"{first.seller or '?'}#{first.id}" if first else f"#{listing_id}"
        return name, {platform_of(r.url, r.source) for r in rows}
    return earlier


def _events(ws: Workspace, sub: dict[str, Any], rising: list[Rising],
            reposts: list[Repost]) -> tuple[list[rules.AlertEvent], int]:
    """A subscription's new events and the cursor after them."""
    params = sub.get("params") or {}
    if sub["rule"] == "burst":
        return rules.burst(rising, params), sub["cursor"]
    if sub["rule"] == "reposted":
        return _removed_reposts(ws, sub, reposts), int(sub["cursor"])
    rows = ws.store.intel.listings_after(int(sub["cursor"]), MAX_LISTINGS_PER_RUN)
    judged = []
    for r in rows:
        if r.get("score") is None:  # not assessed yet: wait for process
            break
        judged.append(r)
    cursor = int(judged[-1]["id"]) if judged else int(sub["cursor"])
    if sub["rule"] == "appendix_i":
        return rules.appendix_i(judged, params), cursor
    if sub["rule"] == "seller_new_platform":
        return rules.seller_new_platform(judged, params, _earlier_platforms(ws)), cursor
    before = max((int(r["id"]) for r in judged), default=0)  # the rule keeps older ones
    return rules.repeated_text(judged, params, lambda rs: ws.store.intel.same_titles(
        [str(r.get("title") or "") for r in rs], before)), cursor


def _removed_reposts(ws: Workspace, sub: dict[str, Any], reposts: list[Repost]
                     ) -> list[rules.AlertEvent]:
    """The ``reposted`` rule over the revisit records.

    A pair (advert seen gone, later advert of the same seller) becomes known when the
    later advert is captured or when a revisit finds the first one gone, whichever
    comes last, and a revisit often runs after the crawl that found the repost. So the
    rule does not follow the listing cursor: it looks at every pair and keeps those
    new to the subscription (a repost newer than the listing it started at, or a
    removal seen since it was created), leaving out pairs already recorded. A repost
    the assess stage has not judged yet waits for ``process``, as elsewhere.
    """
    start, since = int(sub["cursor"]), _aware(sub["created_at"])
    found = [r for r in reposts if r.repost_id > start or r.gone_at >= since]
    known = ws.store.intel.known_events(
        sub["id"], [f"repost:{r.listing_id}:{r.repost_id}" for r in found])
    found = [r for r in found if f"repost:{r.listing_id}:{r.repost_id}" not in known]
    if not found:
        return []
    rows = ws.store.intel.listings_assessed(
        [r.repost_id for r in found] + [r.listing_id for r in found])
    reasons: dict[int, str] = {}
    pairs = []
    for r in found:
        new, old = rows.get(r.repost_id), rows.get(r.listing_id)
        if new is None or old is None or new.get("score") is None:
            continue
        if r.listing_id not in reasons:
            reasons[r.listing_id] = next(
                (v.reason for v in ws.store.revisits.history(r.listing_id)
                 if v.outcome == GONE), "")
        pairs.append(rules.RemovedRepost(new, old, r.gone_at, reasons[r.listing_id], r.via))
    return rules.reposted(pairs, sub.get("params") or {})


def run_alerts(ws: Workspace, *, now: datetime | None = None,
               fetcher: SafeFetcher | None = None,
               config: AlertConfig | None = None) -> list[SubscriptionRun]:
    """Run every active subscription once (see the module docs)."""
    config = config or load_config(ws)
    now = now or datetime.now(UTC)
    subs = ws.store.intel.subscriptions(active_only=True)
    rising = what_is_rising(ws) if any(s["rule"] == "burst" for s in subs) else []
    reposts = ws.store.revisits.reposts() if any(s["rule"] == "reposted" for s in subs) \
        else []
    out = []
    for sub in subs:
        result = SubscriptionRun(sub["id"], sub["name"], sub["rule"])
        events, cursor = _events(ws, sub, rising, reposts)
        for e in events:
            if ws.store.intel.record_delivery(sub["id"], e.key, e.rule, "held",
                                              {"line": e.line, **e.data}):
                result.new_events += 1
        ws.store.intel.move_cursor(sub["id"], cursor)
        pending = ws.store.intel.pending(sub["id"])
        result.held = len(pending)
        if pending and _allowed(ws, sub, now):
            _deliver(ws, sub, pending, config, fetcher, result)
        out.append(result)
    return out


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _allowed(ws: Workspace, sub: dict[str, Any], now: datetime) -> bool:
    last = sub.get("last_sent_at")
    if last is not None and now - _aware(last) < timedelta(seconds=int(sub["min_interval_s"])):
        return False
    sent_today = ws.store.intel.messages_since(sub["id"], now - timedelta(days=1))
    return sent_today < int(sub["max_per_day"])


def _deliver(ws: Workspace, sub: dict[str, Any], pending: list[dict[str, Any]],
             config: AlertConfig, fetcher: SafeFetcher | None,
             result: SubscriptionRun) -> None:
    shown, waiting = pending[:rules.MAX_EVENTS_PER_MESSAGE], len(pending) - \
        rules.MAX_EVENTS_PER_MESSAGE
    events = [rules.AlertEvent(p["event_key"], p["rule"], str(p["detail"].get("line", "")),
                               {k: v for k, v in p["detail"].items() if k != "line"})
              for p in shown]
    link = unsubscribe_url(config, sub["token"])
    msg = rules.compose(sub["name"], sub["rule"], events, link, sub["token"], config.base_url,
                        waiting=max(0, waiting))
    keys = [p["event_key"] for p in shown]  # the rest stay held for the next message
    try:
        if sub["channel"] == "email":
            ref = rules.send_email(config.smtp, sub["target"], msg, link)
        else:
            ref = str(rules.post_webhook(sub["target"], msg,
                                         private_origins=config.private_webhook_origins,
                                         fetcher=fetcher))
    except FetchError as exc:
        ws.store.intel.mark(sub["id"], keys, "failed")
        result.failed, result.held, result.error = len(keys), max(0, waiting), str(exc)[:500]
        ws.store.audit.record(ALERT_USER, "alert_failed", "alert", sub["id"],
                              {"events": len(keys), "channel": sub["channel"],
                               "error": str(exc)[:500]})
        return
    ws.store.intel.mark(sub["id"], keys, "sent")
    result.sent, result.held = len(keys), max(0, waiting)
    ws.store.audit.record(ALERT_USER, "alert", "alert", sub["id"],
                          {"events": len(keys), "channel": sub["channel"],
                           "target": sub["target"], "ref": ref,
                           "listings": [e.data.get("listing") for e in events
                                        if e.data.get("listing") is not None][:200]})


def deliveries(ws: Workspace, sub_id: int | None = None, limit: int = 200
               ) -> list[dict[str, Any]]:
    """Recent deliveries, newest first."""
    return ws.store.intel.deliveries(sub_id, limit=limit)
