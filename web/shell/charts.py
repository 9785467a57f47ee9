"""Charts as server-drawn SVG: they render with no JavaScript, print, and carry their numbers.

Each chart comes with its table of numbers in a <details> below it ("the numbers one click away",
issue 6) and an accessible name, so a screen reader gets the table rather than the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

#: Colour-blind-safe palette (Okabe–Ito), in the order series are given.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


@dataclass
class Series:
    name: str
    values: Sequence[float | None]
    color: str = ""


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    rounded: float | int = round(value, digits) if digits else round(value)  # round(x, 0) would print "1.0"
    return number_format(rounded, decimal_pos=digits or None, use_l10n=True, force_grouping=True)


def _colors(series: Sequence[Series]) -> list[str]:
    return [s.color or PALETTE[i % len(PALETTE)] for i, s in enumerate(series)]


def _legend(series: Sequence[Series], colors: list[str]) -> SafeString:
    items = format_html_join(
        "",
        # A fill attribute, not a style attribute: the content security policy refuses inline styles.
        '<li><svg class="swatch" viewBox="0 0 1 1" aria-hidden="true">'
        '<rect width="1" height="1" fill="{}"/></svg>{}</li>',
        ((c, s.name) for s, c in zip(series, colors, strict=True)),
    )
    return format_html('<ul class="legend">{}</ul>', items)


def _table(categories: Sequence[str], series: Sequence[Series], digits: int, caption: str) -> SafeString:
    head = format_html_join("", '<th scope="col" class="n">{}</th>', ((s.name,) for s in series))
    rows = format_html_join(
        "",
        '<tr><th scope="row">{}</th>{}</tr>',
        (
            (cat, format_html_join("", '<td class="n">{}</td>', ((_num(s.values[i], digits),) for s in series)))
            for i, cat in enumerate(categories)
        ),
    )
    return format_html(
        '<details class="numbers"><summary>{}</summary><table><caption class="sr-only">{}</caption>'
        '<thead><tr><th scope="col">{}</th>{}</tr></thead><tbody>{}</tbody></table></details>',
        _("Show the numbers"),
        caption,
        "",
        head,
        rows,
    )


def stacked_bars(
    categories: Sequence[str], series: Sequence[Series], *, title: str, unit: str = "", digits: int = 0
) -> SafeString:
    """Horizontal stacked bars, one per category (an admin area, a year), one segment per series."""
    colors = _colors(series)
    totals = [sum((s.values[i] or 0) for s in series) for i in range(len(categories))]
    top = max(totals, default=0) or 1
    bar_h, gap, label_w, width = 18, 6, 150, 640
    height = max(1, len(categories)) * (bar_h + gap) + 10
    parts: list[str] = []
    for i, cat in enumerate(categories):
        y = 5 + i * (bar_h + gap)
        parts.append(
            format_html('<text x="{}" y="{}" text-anchor="end">{}</text>', label_w - 6, y + bar_h - 5, cat[:28])
        )
        x = float(label_w)
        for s, color in zip(series, colors, strict=True):
            w = (s.values[i] or 0) / top * (width - label_w - 70)
            if w > 0:
                parts.append(
                    format_html(
                        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {} {}</title></rect>',
                        f"{x:.1f}",
                        y,
                        f"{w:.1f}",
                        bar_h,
                        color,
                        s.name,
                        _num(s.values[i], digits),
                        unit,
                    )  # fmt: skip
                )
                x += w
        parts.append(
            format_html('<text x="{}" y="{}">{}</text>', f"{x + 4:.1f}", y + bar_h - 5, _num(totals[i], digits))
        )
    svg = format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" direction="ltr">{}</svg>',
        width, height, title, mark_safe("".join(parts)),
    )  # fmt: skip
    return format_html("{}{}{}", _legend(series, colors), svg, _table(categories, series, digits, title))


def line_chart(
    categories: Sequence[str], series: Sequence[Series], *, title: str, unit: str = "", digits: int = 0
) -> SafeString:
    """Lines over an ordered axis (years, dates); a None value leaves a gap."""
    colors = _colors(series)
    values = [v for s in series for v in s.values if v is not None]
    top = max(values, default=0) or 1
    width, height, left, bottom = 640, 240, 60, 30
    n = max(1, len(categories) - 1)

    def xy(i: int, v: float) -> str:
        return f"{left + i / n * (width - left - 10):.1f},{height - bottom - v / top * (height - bottom - 10):.1f}"

    axis_y = height - bottom
    parts: list[str] = [
        format_html('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#767676"/>', left, axis_y, width - 10, axis_y),
        format_html('<text x="{}" y="{}" text-anchor="end">{}</text>', left - 4, 14, _num(top, digits)),
        format_html('<text x="{}" y="{}" text-anchor="end">0</text>', left - 4, height - bottom),
    ]  # fmt: skip
    step = max(1, len(categories) // 8)
    for i, cat in enumerate(categories):
        if i % step == 0 or i == len(categories) - 1:
            x = left + i / n * (width - left - 10)
            parts.append(
                format_html('<text x="{}" y="{}" text-anchor="middle">{}</text>', f"{x:.1f}", height - 10, cat)
            )
    for s, color in zip(series, colors, strict=True):
        run: list[str] = []
        runs: list[list[str]] = [run]
        for i, v in enumerate(s.values):
            if v is None:
                run = []
                runs.append(run)
                continue
            run.append(xy(i, v))
            parts.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="3" fill="{}"><title>{} {}: {} {}</title></circle>',
                    *xy(i, v).split(","),
                    color,
                    s.name,
                    categories[i],
                    _num(v, digits),
                    unit,
                )  # fmt: skip
            )
        for points in runs:
            if len(points) > 1:
                parts.append(
                    format_html(
                        '<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>', color, " ".join(points)
                    )
                )
    svg = format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" direction="ltr">{}</svg>',
        width, height, title, mark_safe("".join(parts)),
    )  # fmt: skip
    return format_html("{}{}{}", _legend(series, colors), svg, _table(categories, series, digits, title))
