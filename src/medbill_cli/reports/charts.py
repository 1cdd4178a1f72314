"""Charts in the terminal, built from the rows the report tables print.

Drawn with plotext (pinned in pyproject.toml): small, pure Python with no dependencies, no
curses and no terminal control. It renders a chart to a string, so a chart goes through the
one printer like any other output, and a test can read it. plotext is imported only when a
chart is drawn; ``--chart`` is the only way in.

Every builder here is pure: rows in, text out. Money is plotted in whole dollars (integer
cents // 100, never a float) and rates in whole percent, since a chart shows shape, and the
table above it keeps the exact figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

WIDTH = 78
HEIGHT = 20
# Without colour (a pipe, a file), each series of a bar chart gets its own fill instead.
FILLS = ("█", "▓", "▒", "░", "#", "=", "+", ":")


def _markers(n: int, color: bool) -> list[str] | None:
    return None if color else [FILLS[i % len(FILLS)] for i in range(n)]


@dataclass(frozen=True)
class KpiWeek:
    """One week of ``report kpi``: charges, payments (insurance + patient) and the net
    collection rate in tenths of a percent (None: n/a)."""

    start: dt.date
    charges_cents: int
    payments_cents: int
    rate_tenths: int | None


@dataclass(frozen=True)
class DenialWeek:
    """One week of ``report denials``: its rows (carc, payer, count, amount_cents)."""

    start: dt.date
    rows: Sequence[Mapping[str, Any]] = field(default_factory=tuple)


def weeks(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The period cut into weeks from Monday to Sunday; the first and last are clipped to it.

    Args:
        start: the first day.
        end: the last day (included).

    Returns:
        (first day, last day) of each week, in order; [] when ``end`` is before ``start``.
    """
    out: list[tuple[dt.date, dt.date]] = []
    a = start
    while a <= end:
        b = min(a + dt.timedelta(days=6 - a.weekday()), end)
        out.append((a, b))
        a = b + dt.timedelta(days=1)
    return out


def _dollars(cents: int) -> int:
    return cents // 100


def _plt(height: int = HEIGHT) -> Any:
    import plotext as plt  # type: ignore[import-untyped]

    plt.clear_figure()
    plt.plotsize(WIDTH, height)
    return plt


def _finish(plt: Any, color: bool) -> str:
    if not color:
        plt.theme("clear")
    text = str(plt.build())
    plt.clear_figure()
    if not color:
        text = plt.uncolorize(text)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def aging_chart(rows: Iterable[Mapping[str, Any]], key: str, buckets: Sequence[str], *,
                color: bool = False) -> str:
    """A/R aging as stacked bars: one bar per payer (or patient), stacked by age bucket.

    Args:
        rows: ``ar_aging``'s rows (amounts in cents); the TOTAL row is left out.
        key: the row's name column, ``payer`` or ``patient``.
        buckets: the bucket columns, youngest first.
        color: ANSI colours (at a terminal).

    Returns:
        The chart, or "" when there is nothing to chart.
    """
    body = [r for r in rows if r[key] != "TOTAL" and r["total"]]
    if not body:
        return ""
    plt = _plt()
    names = [str(r[key]) for r in body]
    plt.stacked_bar(names, [[_dollars(int(r[b])) for r in body] for b in buckets],
                    labels=[f"{b} days" for b in buckets], marker=_markers(len(buckets), color))
    plt.title(f"A/R aging by {key} and age (dollars)")
    return _finish(plt, color)


def kpi_chart(data: Sequence[KpiWeek], *, color: bool = False) -> str:
    """Charges and payments by week (bars), and the net collection rate by week (a line).

    Args:
        data: the weeks of the period, in order.
        color: ANSI colours (at a terminal).

    Returns:
        The two charts, one above the other.
    """
    if not data:
        return ""
    labels = [w.start.strftime("%m-%d") for w in data]
    plt = _plt()
    plt.multiple_bar(labels, [[_dollars(w.charges_cents) for w in data],
                              [_dollars(w.payments_cents) for w in data]],
                     labels=["charges", "payments"], marker=_markers(2, color))
    plt.title("Charges and payments by week (dollars, week starting)")
    top = _finish(plt, color)
    plt = _plt(HEIGHT // 2)
    rated = [(i, w.rate_tenths // 10) for i, w in enumerate(data) if w.rate_tenths is not None]
    if rated:
        plt.plot([i for i, _ in rated], [p for _, p in rated], label="net collection rate %",
                 marker="dot")
    plt.xticks(list(range(len(data))), labels)
    plt.title("Net collection rate by week (%)")
    return top + _finish(plt, color)


def denials_chart(data: Sequence[DenialWeek], *, color: bool = False, top: int = 6) -> str:
    """Denied amounts by week, stacked by reason (CARC); reasons past ``top`` go in "other".

    Args:
        data: the weeks of the period, in order, each with its ``denial_report`` rows.
        color: ANSI colours (at a terminal).
        top: how many reasons get their own colour.

    Returns:
        The chart, or "" when there are no denials.
    """
    totals: dict[str, int] = {}
    for w in data:
        for r in w.rows:
            totals[str(r["carc"])] = totals.get(str(r["carc"]), 0) + int(r["amount_cents"])
    if not totals:
        return ""
    ranked = sorted(totals, key=lambda c: (-totals[c], c))
    shown = ranked[:top]
    series: dict[str, list[int]] = {c: [0] * len(data) for c in [*shown, "other"]}
    for i, w in enumerate(data):
        for r in w.rows:
            carc = str(r["carc"])
            series[carc if carc in shown else "other"][i] += int(r["amount_cents"])
    names = [c for c in series if any(series[c])]
    plt = _plt()
    plt.stacked_bar([w.start.strftime("%m-%d") for w in data],
                    [[_dollars(v) for v in series[c]] for c in names],
                    labels=[c if c == "other" else f"CARC {c}" for c in names],
                    marker=_markers(len(names), color))
    plt.title("Denied amounts by week and reason (dollars, week starting)")
    return _finish(plt, color)
