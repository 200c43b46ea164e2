"""Candidate venues (venue discovery) as the analyst sees and decides them.

A crawl records every venue its pages point to outside the crawl
(:mod:`wildtrace.collect.discovery`): other sites, Telegram channels, WhatsApp and LINE
groups, WeChat IDs. Here an analyst lists the new ones, those pointed to by the most
relevant pages first, and promotes one into the watch or dismisses it. A promoted web
venue is crawled by ``wildtrace crawl --venues`` (a Telegram channel through its public
preview page, ``t.me/s/NAME``); a group or ID with no public page (WhatsApp, LINE, Zalo,
WeChat, a private Telegram invite) stays on the watch list for the analyst to follow
up by hand: joining a closed group is a decision for a person, not for a crawler.

Candidates can name a person (a WhatsApp number, a WeChat ID), so every listing of them
is written to the audit log, as views of listings are.
"""

from __future__ import annotations

from dataclasses import dataclass

from wildtrace.app.audit import record_read
from wildtrace.collect.discovery import KINDS as CANDIDATE_KINDS
from wildtrace.errors import InputError
from wildtrace.store.venues import DISMISSED, NEW, PROMOTED, STATES, Candidate
from wildtrace.workspace import Workspace

DECISIONS = {"promote": PROMOTED, "dismiss": DISMISSED, "reopen": NEW}


@dataclass(frozen=True)
class CandidateList:
    """Candidates of one state, and how many there are per state."""

    state: str
    candidates: tuple[Candidate, ...]
    counts: dict[str, int]


def candidate_venues(ws: Workspace, user: str, *, state: str = NEW, kind: str | None = None,
                     limit: int = 200, via: str = "cli") -> CandidateList:
    """The candidates of ``state`` (most relevant first), logged as seen by ``user``."""
    if state not in STATES:
        raise InputError(f"unknown state {state!r}; one of {', '.join(STATES)}")
    if kind is not None and kind not in CANDIDATE_KINDS:
        raise InputError(f"unknown kind {kind!r}; one of {', '.join(CANDIDATE_KINDS)}")
    found = tuple(ws.store.venues.candidates.find(state, kind, limit))
    record_read(ws, user, "venue_candidates", [c.id for c in found], state=state,
                kind=kind or "", via=via)
    return CandidateList(state, found, ws.store.venues.candidates.counts())


def decide_venue(ws: Workspace, candidate_id: int, decision: str, user: str) -> Candidate:
    """Promote, dismiss or reopen one candidate; the decision is audited."""
    state = DECISIONS.get(decision)
    if state is None:
        raise InputError(f"unknown decision {decision!r}; one of {', '.join(DECISIONS)}")
    done = ws.store.venues.candidates.decide(candidate_id, state, user)
    if done is None:
        raise InputError(f"no candidate venue {candidate_id}",
                         hint="'wildtrace venues --new' lists them with their ids")
    ws.store.audit.record(user, decision, "venue_candidate", str(candidate_id),
                          {"key": done.key, "kind": done.kind})
    return done


def crawlable_url(c: Candidate) -> str:
    """Where a crawl can start for a candidate: a site's front page, a Telegram
    channel's public preview; ``""`` for venues with no public page."""
    if c.kind == "website":
        return c.url
    if c.kind == "telegram" and c.key.startswith("t.me/") and "/" not in c.key[5:] \
            and not c.key[5:].startswith("+"):
        return f"https://t.me/s/{c.key[5:]}"
    return ""


def promoted_seeds(ws: Workspace) -> list[str]:
    """The crawl seeds of every promoted candidate that has a public page."""
    return [u for c in ws.store.venues.candidates.find(PROMOTED, limit=10_000)
            if (u := crawlable_url(c))]
