"""Small charts drawn on the server as inline SVG (pure code: no database, no JavaScript).

``bar_chart`` draws a measure's trend: one bar per period, a gap (and a small mark on the axis)
where there is no figure, and a dashed line at the target when one is given. The chart is an
image for assistive technology (``role="img"``) named by a summary in words (its ``<title>``
and ``aria-label``); pages put the figures in a table beside it as well, for those who want
the numbers. Colours are presentation attributes, not ``style``: the Content-Security-Policy
allows no inline styles.
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

D = decimal.Decimal
BAR_COLOUR = "#1d4f6e"  # Waypoint's brand blue: 9:1 against white
LATEST_COLOUR = "#0b6e4f"
TARGET_COLOUR = "#b35c00"  # 3.9:1 against white, enough for a graphical object (WCAG 1.4.11)
AXIS_COLOUR = "#6c757d"


def _number(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def bar_chart(
    values: Sequence[D | float | int | None],
    *,
    labels: Sequence[str] | None = None,
    target: D | float | int | None = None,
    summary: str = "",
    width: int = 160,
    height: int = 40,
) -> str:
    """SVG markup for a bar chart of ``values`` (None: no figure, drawn as a gap).

    Bars are proportional to the values from a zero baseline (negative values are drawn as
    zero-height bars: trends here are of counts, sums, rates and scores). The scale reaches
    the largest of the values and the target. ``summary`` names the chart; when empty, one
    is written from the values and labels.
    """
    count = len(values)
    labels = list(labels) if labels is not None else [str(i + 1) for i in range(count)]
    numbers = [None if v is None else float(v) for v in values]
    present = [v for v in numbers if v is not None]
    top = max([*present, float(target) if target is not None else 0.0, 0.0])
    scale = (height - 2) / top if top > 0 else 0.0
    text = summary or describe(values, labels=labels, target=target)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" aria-label={quoteattr(text)} '
        'focusable="false" class="wp-chart">',
        f"<title>{escape(text)}</title>",
    ]
    if count:
        slot = width / count
        bar = max(slot * 0.7, 1.0)
        for index, value in enumerate(numbers):
            x = index * slot + (slot - bar) / 2
            if value is None:
                # No figure: a short mark on the axis so that the gap reads as a gap.
                parts.append(
                    f'<rect class="wp-chart-gap" x="{_number(x)}" y="{_number(height - 1)}" '
                    f'width="{_number(bar)}" height="1" fill="{AXIS_COLOUR}" '
                    'fill-opacity="0.5"/>'
                )
                continue
            bar_height = max(value, 0.0) * scale
            colour = LATEST_COLOUR if index == count - 1 else BAR_COLOUR
            parts.append(
                f'<rect class="wp-chart-bar" x="{_number(x)}" '
                f'y="{_number(height - bar_height)}" width="{_number(bar)}" '
                f'height="{_number(bar_height)}" fill="{colour}"/>'
            )
    parts.append(
        f'<line x1="0" y1="{height - 0.5}" x2="{width}" y2="{height - 0.5}" '
        f'stroke="{AXIS_COLOUR}" stroke-width="1"/>'
    )
    if target is not None:
        y = height - max(float(target), 0.0) * scale
        parts.append(
            f'<line class="wp-chart-target" x1="0" y1="{_number(y)}" x2="{width}" '
            f'y2="{_number(y)}" stroke="{TARGET_COLOUR}" stroke-width="2" '
            'stroke-dasharray="4 3"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def describe(
    values: Sequence[D | float | int | None],
    *,
    labels: Sequence[str],
    target: D | float | int | None = None,
    formatter: object = None,
) -> str:
    """A chart's summary in words: the span, the first and last figures, the highest, gaps."""
    fmt = formatter if callable(formatter) else _plain
    pairs = list(zip(labels, values, strict=False))
    if not pairs:
        return "No figures to chart."
    known = [(label, v) for label, v in pairs if v is not None]
    span = f"{pairs[0][0]} to {pairs[-1][0]}" if len(pairs) > 1 else pairs[0][0]
    if not known:
        return f"Trend {span}: no data."
    words = [f"Trend {span}:"]
    first, last = known[0], known[-1]
    if first is last:
        words.append(f"{fmt(last[1])} in {last[0]}.")
    else:
        words.append(f"from {fmt(first[1])} in {first[0]} to {fmt(last[1])} in {last[0]}.")
        high = max(known, key=lambda pair: float(pair[1]))
        words.append(f"Highest {fmt(high[1])} in {high[0]}.")
    missing = len(pairs) - len(known)
    if missing:
        words.append(f"No data for {missing} period{'s' if missing != 1 else ''}.")
    if target is not None:
        words.append(f"Target {fmt(target)}.")
    return " ".join(words)


def _plain(value: object) -> str:
    return _number(float(value))  # type: ignore[arg-type]
