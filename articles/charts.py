"""Small bar charts as inline SVG, drawn on the server: no JavaScript, no library.

Every piece of text that reaches the SVG goes through ``escape``; the result is
marked safe only once it is complete.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# A span longer than this many months is drawn per year instead.
MAX_MONTH_BARS = 72
# A chart reaches back at most this many years from its last bar. Articles dated much
# earlier are almost always a year mentioned in passing read as the event's date (a
# synthetic corpus had 390 of 1M back to 1291: 736 yearly bars, half the company
# page); they are counted in the chart's description instead of drawn.
MAX_SPAN_YEARS = 30

WIDTH = 600
HEIGHT = 170
TOP = 14
BOTTOM = 26  # room for the axis labels
LEFT = 40  # room for the scale labels
RIGHT = 8


def _months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(dt.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def timeline_bins(rows: Iterable[tuple[dt.date, int]]) -> tuple[str, list[tuple[dt.date, int]]]:
    """Months (or years, for long spans) from the first to the last, gaps filled with 0.

    Returns ``("month" | "year", [(bin start, count), …])``.
    """
    counts: dict[dt.date, int] = {}
    for month, count in rows:
        key = dt.date(month.year, month.month, 1)
        counts[key] = counts.get(key, 0) + count
    if not counts:
        return "month", []
    months = _months_between(min(counts), max(counts))
    if len(months) <= MAX_MONTH_BARS:
        return "month", [(month, counts.get(month, 0)) for month in months]
    years: dict[dt.date, int] = {}
    for month in months:
        key = dt.date(month.year, 1, 1)
        years[key] = years.get(key, 0) + counts.get(month, 0)
    return "year", sorted(years.items())


def _recent(rows: Iterable[tuple[dt.date, int]]) -> tuple[list[tuple[dt.date, int]], int]:
    """The rows within ``MAX_SPAN_YEARS`` of the last one, and the count of the others."""
    rows = list(rows)
    if not rows:
        return rows, 0
    first_year = max(month for month, _ in rows).year - MAX_SPAN_YEARS + 1
    kept = [(month, count) for month, count in rows if month.year >= first_year]
    return kept, sum(count for month, count in rows if month.year < first_year)


def _bin_label(unit: str, start: dt.date) -> str:
    return f"{start.year}" if unit == "year" else f"{start.year}-{start.month:02d}"


def _articles(count: int) -> str:
    return ngettext("%(count)s article", "%(count)s articles", count) % {"count": count}


def timeline_svg(
    rows: Iterable[tuple[dt.date, int]], *, title: str, chart_id: str = "timeline"
) -> SafeString:
    """A bar chart of article counts per month; ``""`` when there is nothing to draw.

    ``rows`` is what ``ArticleQuerySet.monthly_counts()`` returns.
    """
    rows, earlier = _recent(rows)
    unit, bins = timeline_bins(rows)
    if not bins:
        return mark_safe("")  # noqa: S308 - a constant
    total = sum(count for _, count in bins)
    peak_start, peak = max(bins, key=lambda item: (item[1], -item[0].toordinal()))
    description = _(
        "Articles per %(unit)s from %(first)s to %(last)s: %(total)s in all; "
        "the most, %(peak)s, in %(peak_label)s."
    ) % {
        "unit": _("year") if unit == "year" else _("month"),
        "first": _bin_label(unit, bins[0][0]),
        "last": _bin_label(unit, bins[-1][0]),
        "total": total,
        "peak": peak,
        "peak_label": _bin_label(unit, peak_start),
    }
    if earlier:
        description += " " + ngettext(
            "%(count)s article dated earlier is not drawn.",
            "%(count)s articles dated earlier are not drawn.",
            earlier,
        ) % {"count": earlier}

    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / len(bins)
    bar_w = max(step * 0.8, 1.0)
    scale = plot_h / peak if peak else 0
    baseline = TOP + plot_h
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"

    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{escape(title_id)} {escape(desc_id)}" '
        'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
        # Scale: the baseline and the peak value.
        f'<line class="axis" x1="{LEFT}" y1="{baseline}" x2="{WIDTH - RIGHT}" y2="{baseline}"/>',
        f'<text class="scale" x="{LEFT - 4}" y="{TOP + 5}" text-anchor="end">{peak}</text>',
        f'<text class="scale" x="{LEFT - 4}" y="{baseline}" text-anchor="end">0</text>',
    ]
    # At most about six axis labels: "2024-03" for short spans, years for long ones.
    long_span = unit == "month" and len(bins) > 24
    label_every = -(-len(bins) // (8 if unit == "year" else 6))
    for index, (start, count) in enumerate(bins):
        height = count * scale
        x = LEFT + index * step + (step - bar_w) / 2
        label = _bin_label(unit, start)
        tooltip = f"{label}: {_articles(count)}"
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{baseline - height:.1f}" '
            f'width="{bar_w:.1f}" height="{height:.1f}"><title>{escape(tooltip)}</title></rect>'
        )
        if long_span:
            show, label = start.month == 1, str(start.year)
        else:
            show = index % label_every == 0
        if show:
            parts.append(
                f'<text class="label" x="{x + bar_w / 2:.1f}" y="{HEIGHT - 6}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
