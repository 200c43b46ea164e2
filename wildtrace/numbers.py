"""Numbers written for people: one way to print a count, an amount or an axis tick.

Every face (the CLI, the web pages, the report, the charts) prints figures through these
functions, so ``4410`` reads ``4,410`` everywhere, a price reads ``4,800 CNY`` (not
``4800.0 CNY``) and a median of ``70.03`` keeps its cents while ``15000000`` does not
grow any. The JSON outputs keep the raw numbers; only what a person reads is formatted.
"""

from __future__ import annotations

import math

_COMPACT = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def count(n: int) -> str:
    """A count with thousands separators: ``4,410``."""
    return f"{n:,}"


def whole(x: float | None) -> str:
    """An estimate rounded to a whole number with separators (``448,815``); ``–`` when
    missing or not finite."""
    if x is None or not math.isfinite(x):
        return "–"
    return f"{round(x):,}"


def amount(x: float | None) -> str:
    """A price or statistic: whole units from 100 up (``4,800``), else at most two
    decimals without trailing zeros (``70.03``, ``25``, ``0.5``); ``–`` when missing."""
    if x is None or not math.isfinite(x):
        return "–"
    if abs(x) >= 100:
        return f"{round(x):,}"
    text = f"{x:,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def money(x: float | None, currency: str) -> str:
    """An amount followed by its ISO currency: ``4,800 CNY``."""
    return f"{amount(x)} {currency}".strip() if x is not None else "–"


def compact(x: float) -> str:
    """A short axis label: ``950``, ``4.4k``, ``15M``."""
    for size, suffix in _COMPACT:
        if abs(x) >= size:
            value = x / size
            text = f"{value:.1f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{value:.0f}"
            return text + suffix
    return amount(x)


def nice_ticks(top: float, n: int = 4) -> list[float]:
    """Round tick values from 0 to at least ``top`` (0, 5, 10, 15…): axes at 1, 2 or 5
    times a power of ten, so a single bar of 3 does not get ticks at 0.75 and 2.25."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / n
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if step < 1 and top >= 1:
        step = 1.0  # counts are whole: never a tick at 0.5 listings
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks
