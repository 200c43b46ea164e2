"""Progress of long commands on stderr: a bar for a person at a terminal, a periodic line
for a log.

A command run by cron, nohup, CI or ``| tee`` has no terminal, and a bar drawn there is
either hidden or a wall of carriage returns, so without a terminal :class:`Progress`
prints one plain line every :data:`DEFAULT_EVERY` seconds (``WILDTRACE_PROGRESS_SECONDS``
changes it; ``0`` silences it) with the count, the rate and the time left. Work that
cannot be counted (building a graph) gets the same line with the time it has taken.
Everything goes to stderr, so ``--json`` and ``-o -`` keep stdout clean.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from types import TracebackType
from typing import Any, TextIO

import click

DEFAULT_EVERY = 30.0


def interval() -> float:
    """Seconds between two progress lines when not on a terminal (0: none)."""
    raw = os.environ.get("WILDTRACE_PROGRESS_SECONDS", "")
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_EVERY
    except ValueError:
        return DEFAULT_EVERY


def duration(seconds: float) -> str:
    """``75`` → ``"1 min 15 s"``: a time a person reads at a glance."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {sec} s" if sec else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


class Progress:
    """``with Progress("processing", total) as p: work(progress=p.update)``.

    ``unit`` names what is counted (``listings``); ``total`` None means the work cannot
    be counted. ``quiet`` hides the terminal bar (``--json``) but keeps the log lines.
    """

    def __init__(self, label: str, total: int | None = None, *, unit: str = "items",
                 quiet: bool = False, stream: TextIO | None = None,
                 tty: bool | None = None, every: float | None = None) -> None:
        self.label, self.total, self.unit = label, total, unit
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.every = interval() if every is None else every
        self.quiet = quiet
        self.done = 0
        self.started = time.monotonic()
        self._bar: Any = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> Progress:
        self.started = time.monotonic()
        if self.tty and not self.quiet and self.total:
            self._bar = click.progressbar(length=max(self.total, 1), label=self.label,
                                          file=self.stream, show_pos=True, show_eta=True)
            self._bar.__enter__()
        elif not self.tty and self.every > 0:
            self._ticker = threading.Thread(target=self._tick, name="progress", daemon=True)
            self._ticker.start()
        elif self.tty and not self.quiet:
            click.echo(f"{self.label}…", file=self.stream)
        return self

    def update(self, n: int) -> None:
        """Count ``n`` more done (the signature the app layer's ``progress`` expects)."""
        with self._lock:
            self.done += n
        if self._bar is not None:
            self._bar.update(n)

    def line(self) -> str:
        """The periodic line: count, share, rate and time left where they are known."""
        elapsed = time.monotonic() - self.started
        if not self.total:
            counted = f", {self.done:,} {self.unit}" if self.done else ""
            return f"{self.label}: still working after {duration(elapsed)}{counted}"
        share = min(self.done / self.total, 1.0)
        text = (f"{self.label}: {self.done:,} of {self.total:,} {self.unit} "
                f"({share:.0%}) in {duration(elapsed)}")
        if self.done and elapsed > 0:
            rate = self.done / elapsed
            left = max(self.total - self.done, 0) / rate
            text += f", {rate:,.0f}/s, about {duration(left)} left"
        return text

    def _tick(self) -> None:
        while not self._stop.wait(self.every):
            click.echo(self.line(), file=self.stream)
            self.stream.flush()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=1)
        if self._bar is not None:
            self._bar.__exit__(kind, exc, tb)
