"""The ``evidence timestamp`` use case: a trusted RFC 3161 timestamp of the custody log.

Asks the time-stamping authority named by the ``tsa_url`` setting for a token over the
custody head (:mod:`wildtrace.preserve.timestamp` does the asking, checking and
storing). ``crawl`` and ``capture`` call :func:`timestamp_after_run` at the end of a run:
there a TSA that cannot be reached is a warning, never a lost run.
"""

from __future__ import annotations

from dataclasses import dataclass

from wildtrace.collect.netguard import NetPolicy
from wildtrace.config import user_agent
from wildtrace.errors import ConfigError, WildtraceError
from wildtrace.preserve.custody import operator_name
from wildtrace.preserve.session import custody_log
from wildtrace.preserve.timestamp import Stamp, needs_timestamp, timestamp_head
from wildtrace.workspace import Workspace


def timestamp_custody(ws: Workspace) -> Stamp:
    """Timestamp the custody head with the configured TSA; the stored token's row."""
    url = ws.settings.tsa_url
    if not url:
        raise ConfigError("no time-stamping authority is configured",
                          hint="set tsa_url in wildtrace.toml or WILDTRACE_TSA_URL, e.g. "
                               "https://freetsa.org/tsr")
    custody = custody_log(ws.evidence_dir, ws.store, operator_name(ws.settings.operator))
    # A crashed run may have left the mirror short; the token's entry goes after it.
    custody.sync_mirror()
    return timestamp_head(ws.store, ws.blobs, custody, tsa_url=url,
                          ca_file=ws.settings.tsa_ca_file, timeout=ws.settings.timeout,
                          user_agent=user_agent(ws.settings),
                          # The user configured the TSA: its origin is named; where it
                          # redirects is not.
                          policy=NetPolicy([url]))


@dataclass(frozen=True)
class RunStamp:
    """The end-of-run timestamp: the token stored, or the warning saying why not (both
    empty when ``tsa_url`` is off or the run added nothing to the custody log)."""

    stamp: Stamp | None = None
    warning: str = ""


def timestamp_after_run(ws: Workspace) -> RunStamp:
    """Timestamp the custody head after a crawl or capture when ``tsa_url`` is set; any
    failure (TSA down, refused, bad CA file) becomes a warning."""
    if not ws.settings.tsa_url:
        return RunStamp()
    try:
        if not needs_timestamp(ws.store):
            return RunStamp()
        return RunStamp(stamp=timestamp_custody(ws))
    except WildtraceError as exc:
        return RunStamp(warning=f"no trusted timestamp this run: {exc} (run 'wildtrace "
                                "evidence timestamp' later)")
