"""Geometry of the "challenges by level and type" stacked bar chart, rendered as inline SVG by a template.

Computed here rather than in Jinja so the template only draws rectangles; the chart is decorative
redundancy for the data table next to it (the table is the accessible source of truth, the SVG has a
title and a text description summarising it).
"""

from __future__ import annotations

from dataclasses import dataclass

from pix_lti.content.queries import CountTable

# Distinct hues with enough contrast on white; the legend and the table carry the information too.
TYPE_COLORS = {"QCU": "#1d5fbf", "QCM": "#0f7b6c", "QROC": "#a14d00", "QROCM-ind": "#b3261e", "QROCM-dep": "#5b3fa6"}


@dataclass(frozen=True)
class Segment:
    x: float
    y: float
    width: float
    height: float
    color: str
    label: str  # "Niveau 3 – QCU : 12"


@dataclass(frozen=True)
class Bar:
    level: int
    total: int
    x: float
    label_y: float
    center: float
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: float
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[float, int], ...]  # (y, value)
    legend: tuple[tuple[str, str], ...]  # (type, colour)
    max_value: int


def level_type_chart(table: CountTable, *, width: int = 560, height: int = 260, level_word: str = "Niveau") -> Chart:
    left, right, top, bottom = 44.0, 12.0, 16.0, 34.0
    plot_h = height - top - bottom
    levels = table.levels
    max_value = max((table.level_total(lvl) for lvl in levels), default=0)
    scale_max = _nice_ceiling(max_value)
    slot = (width - left - right) / max(len(levels), 1)
    bar_w = slot * 0.62
    bars = []
    for i, level in enumerate(levels):
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h
        segments = []
        for ctype in table.types:
            n = table.count(level, ctype)
            if not n:
                continue
            h = plot_h * n / scale_max
            y -= h
            segments.append(Segment(round(x, 1), round(y, 1), round(bar_w, 1), round(h, 1), TYPE_COLORS[ctype],
                                    f"{level_word} {level} – {ctype} : {n}"))
        bars.append(Bar(level, table.level_total(level), round(x, 1), round(y - 4, 1), round(x + bar_w / 2, 1),
                        tuple(segments)))
    ticks = tuple((round(top + plot_h - plot_h * v / scale_max, 1), v) for v in _tick_values(scale_max))
    return Chart(width, height, top + plot_h, tuple(bars), ticks, tuple(TYPE_COLORS.items()), max_value)


def _nice_ceiling(value: int) -> int:
    """Smallest 1/2/5 × 10^k at or above ``value`` (at least 5), so ticks fall on round numbers."""
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _tick_values(scale_max: int) -> list[int]:
    return [round(scale_max * k / 5) for k in range(6)]
