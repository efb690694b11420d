"""Benchmarking: league tables, funnel plots and case-mix adjustment (pure code, no database).

000 knowledge points: "how to benchmark the performance of your organisation's support services
against others" and "how the type of client and their business needs can affect your
performance". Issue 6 item 6.

- **League table** (``league``): units ranked by a measure's value, best first by the measure's
  direction; equal values share a rank ("1, 2, 2, 4"); units with no figure come last, unranked.
- **Funnel plot** (``proportion_limits``, ``funnel_curve``, ``classify``): a rate plotted against
  the number of records it comes from, with control limits around the overall rate ``p`` (in
  per cent) that narrow as the number grows. The limits use the normal approximation to the
  binomial,

      p ± z · sqrt(p (100 - p) / n)        (in per cent; z = 1.96 for 95%, 3.09 for 99.8%)

  clipped to [0, 100]. (An exact binomial interval would be a refinement for small ``n`` or
  rates near 0 or 100%.) A unit outside the 95% limits is "possibly" better or worse than
  expected; outside the 99.8% limits, better or worse than expected (about 1 in 500 units
  would fall there by chance alone). A mean can be drawn the same way when the spread of the
  individual values (their standard deviation) is known: ``mean_limits``; the rollups keep no
  spread, so the pages draw funnels for rates only.
- **Case-mix adjustment by indirect standardisation** (``overall_rates``, ``standardise``):
  records are put into segments by the clients' attributes (sector, size band, trading status,
  region; barriers for individuals). A unit's *expected* hits are what it would have achieved
  at the overall rate of each segment, given its own mix of clients:

      expected = Σ over segments of n_seg x overall_rate_seg
      O/E = observed hits / expected;   adjusted rate = O/E x overall rate

  so an adviser whose caseload is weighted towards harder segments is compared fairly: with
  the same observed rate, a harder mix gives a lower expected figure and a higher adjusted rate.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

Z95 = 1.96
Z998 = 3.09
HIGHER = "higher"
LOWER = "lower"
# Client attributes records can be segmented by (definitions.CLIENT_DIMS). "groups" holds a list
# (a client can be in several priority groups), so it cannot form a segment.
CASE_MIX_DIMS = ("client_kind", "sector", "size_band", "trading_status", "region", "barriers")
UNKNOWN = "not recorded"


# League tables --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    """A unit's place in a league table: ``rank`` is None when it has no figure."""

    key: Hashable
    value: float | None
    rank: int | None
    tied: bool = False


def league(
    values: Iterable[tuple[Hashable, float | None]], direction: str = HIGHER
) -> list[Ranked]:
    """Units best first by ``direction`` (higher or lower is better), ties sharing a rank
    (standard competition ranking: 1, 2, 2, 4); units without a value last, in the order
    given."""
    items = list(values)
    known = [(key, float(v)) for key, v in items if v is not None]
    missing = [key for key, v in items if v is None]
    known.sort(key=lambda pair: -pair[1] if direction == HIGHER else pair[1])
    counts: dict[float, int] = {}
    for _, value in known:
        counts[value] = counts.get(value, 0) + 1
    ranked: list[Ranked] = []
    rank = 0
    previous: float | None = None
    for position, (key, value) in enumerate(known, start=1):
        if previous is None or value != previous:
            rank = position
            previous = value
        ranked.append(Ranked(key, value, rank, counts[value] > 1))
    ranked.extend(Ranked(key, None, None) for key in missing)
    return ranked


# Funnel plots -----------------------------------------------------------------------------------


def proportion_limits(p: float, n: float, z: float) -> tuple[float, float]:
    """Control limits (per cent) for a rate from ``n`` records around the overall rate ``p``
    (per cent): p ± z·sqrt(p(100 - p)/n), clipped to [0, 100]."""
    if n <= 0:
        return 0.0, 100.0
    spread = z * math.sqrt(p * (100.0 - p) / n)
    return max(0.0, p - spread), min(100.0, p + spread)


def mean_limits(mean: float, sd: float, n: int, z: float) -> tuple[float, float]:
    """Control limits for a mean of ``n`` values whose standard deviation is ``sd``:
    mean ± z·sd/sqrt(n) (no clipping: a mean has no natural bounds)."""
    if n <= 0:
        return -math.inf, math.inf
    spread = z * sd / math.sqrt(n)
    return mean - spread, mean + spread


@dataclass(frozen=True)
class CurvePoint:
    n: float
    low95: float
    high95: float
    low998: float
    high998: float


def funnel_curve(p: float, n_max: float, n_min: float = 1.0, steps: int = 60) -> list[CurvePoint]:
    """The limits at ``steps`` + 1 volumes from ``n_min`` to ``n_max`` (spaced evenly on a
    square-root scale, so the curve is smooth where it bends most), for drawing."""
    n_min = max(n_min, 1e-9)
    n_max = max(n_max, n_min)
    low, high = math.sqrt(n_min), math.sqrt(n_max)
    points = []
    for step in range(steps + 1):
        n = (low + (high - low) * step / steps) ** 2
        l95, h95 = proportion_limits(p, n, Z95)
        l998, h998 = proportion_limits(p, n, Z998)
        points.append(CurvePoint(n, l95, h95, l998, h998))
    return points


class Position(enum.Enum):
    """Where a unit falls on a funnel plot, by the measure's direction."""

    BETTER = "better"
    POSSIBLY_BETTER = "possibly_better"
    AS_EXPECTED = "as_expected"
    POSSIBLY_WORSE = "possibly_worse"
    WORSE = "worse"

    @property
    def label(self) -> str:
        return POSITION_LABELS[self]


POSITION_LABELS = {
    Position.BETTER: "Better than expected",
    Position.POSSIBLY_BETTER: "Possibly better",
    Position.AS_EXPECTED: "As expected",
    Position.POSSIBLY_WORSE: "Possibly worse",
    Position.WORSE: "Worse than expected",
}


@dataclass(frozen=True)
class Placed:
    position: Position
    side: int  # +1 above the limits, -1 below, 0 within
    beyond_998: bool

    @property
    def detail(self) -> str:
        side = "above" if self.side > 0 else "below"
        if self.side == 0:
            return "within the 95% limits"
        return f"{side} the {'99.8' if self.beyond_998 else '95'}% limits"


def classify(
    value: float,
    limits95: tuple[float, float],
    limits998: tuple[float, float],
    direction: str = HIGHER,
) -> Placed:
    """A value against its limits: within, above or below the 95% or 99.8% limits, put in
    words by the direction (above is better when higher is better). A value exactly on a
    limit counts as within it."""
    if value > limits998[1]:
        side, far = 1, True
    elif value < limits998[0]:
        side, far = -1, True
    elif value > limits95[1]:
        side, far = 1, False
    elif value < limits95[0]:
        side, far = -1, False
    else:
        return Placed(Position.AS_EXPECTED, 0, False)
    good = side > 0 if direction == HIGHER else side < 0
    if good:
        position = Position.BETTER if far else Position.POSSIBLY_BETTER
    else:
        position = Position.WORSE if far else Position.POSSIBLY_WORSE
    return Placed(position, side, far)


def place_rate(value: float, n: int, p: float, direction: str = HIGHER) -> Placed:
    """A rate from ``n`` records against the funnel around ``p`` (both per cent)."""
    return classify(value, proportion_limits(p, n, Z95), proportion_limits(p, n, Z998), direction)


# Case-mix adjustment --------------------------------------------------------------------------

Segment = tuple[str, ...]
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Counts:
    """Records in a segment (``n``) and how many met the rate's numerator (``hits``)."""

    n: int = 0
    hits: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.n + other.n, self.hits + other.hits)


def segment_of(dims: Mapping[str, Any], chosen: Sequence[str]) -> Segment:
    """A record's segment: the values of the chosen client attributes ("not recorded" when
    missing or empty)."""
    found = []
    for name in chosen:
        value = dims.get(name)
        found.append(UNKNOWN if value in (None, "", []) else str(value))
    return tuple(found)


def pooled(units: Mapping[K, Mapping[Segment, Counts]]) -> dict[Segment, Counts]:
    """Every unit's counts added up, by segment."""
    total: dict[Segment, Counts] = {}
    for segments in units.values():
        for segment, counts in segments.items():
            total[segment] = total.get(segment, Counts()) + counts
    return total


def overall_rates(population: Mapping[Segment, Counts]) -> dict[Segment, float]:
    """The rate (a proportion, 0 to 1) in each segment of the whole population."""
    return {seg: c.hits / c.n for seg, c in population.items() if c.n > 0}


@dataclass(frozen=True)
class Standardised:
    """A unit's rate adjusted for its mix of clients (indirect standardisation)."""

    n: int
    observed: int  # hits
    expected: float  # hits expected at the overall rate of each of its segments
    crude_rate: float | None  # per cent
    ratio: float | None  # observed / expected (O/E)
    adjusted_rate: float | None  # O/E x the overall rate, per cent (clipped to 100)


def standardise(
    segments: Mapping[Segment, Counts],
    rates: Mapping[Segment, float],
    overall_rate: float,
) -> Standardised:
    """``segments``: the unit's counts by segment; ``rates``: the overall rate (0 to 1) of each
    segment; ``overall_rate``: the whole population's rate (per cent). Expected = Σ n_seg x
    rate_seg; O/E and the adjusted rate are None when nothing was expected (every record in
    segments where nobody met the numerator)."""
    n = sum(c.n for c in segments.values())
    observed = sum(c.hits for c in segments.values())
    expected = sum(c.n * rates.get(seg, 0.0) for seg, c in segments.items())
    crude = 100.0 * observed / n if n else None
    if expected <= 0:
        return Standardised(n, observed, expected, crude, None, None)
    ratio = observed / expected
    return Standardised(n, observed, expected, crude, ratio, min(100.0, ratio * overall_rate))


def standardise_all(
    units: Mapping[K, Mapping[Segment, Counts]],
    population: Mapping[Segment, Counts] | None = None,
) -> tuple[float | None, dict[K, Standardised]]:
    """Every unit standardised against ``population`` (by default, the units pooled): the
    overall rate (per cent; None when there are no records) and each unit's figures."""
    population = pooled(units) if population is None else population
    total = sum((c for c in population.values()), Counts())
    if total.n == 0:
        return None, {}
    overall = 100.0 * total.hits / total.n
    rates = overall_rates(population)
    return overall, {key: standardise(segs, rates, overall) for key, segs in units.items()}


def segment_label(segment: Segment, chosen: Sequence[str], name: Callable[[str], str]) -> str:
    """A segment in words, e.g. "Sector: C; Size band: micro"."""
    return "; ".join(f"{name(dim)}: {value}" for dim, value in zip(chosen, segment, strict=True))


# The funnel plot as SVG -----------------------------------------------------------------------

BRAND = "#1d4f6e"
GOOD = "#0b6e4f"
BAD = "#b02a37"
LIMIT = "#6c757d"
LIMIT_998 = "#495057"
BENCHMARK = "#b35c00"
TEXT = "#212529"
GRID = "#dee2e6"
POSITION_COLOURS = {
    Position.BETTER: GOOD,
    Position.POSSIBLY_BETTER: GOOD,
    Position.AS_EXPECTED: BRAND,
    Position.POSSIBLY_WORSE: BAD,
    Position.WORSE: BAD,
}


@dataclass(frozen=True)
class Point:
    label: str
    n: int
    value: float
    placed: Placed


def _fmt(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / max(ticks, 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _marker(x: float, y: float, placed: Placed) -> str:
    colour = POSITION_COLOURS[placed.position]
    # Shape as well as colour (WCAG 1.4.1): a circle within the limits, a triangle pointing up
    # above them and down below them; filled beyond the 99.8% limits or within the 95% ones.
    fill = colour if placed.beyond_998 or placed.side == 0 else "#ffffff"
    if placed.side == 0:
        return (
            f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="5" fill="{fill}" stroke="{colour}" '
            'stroke-width="2"/>'
        )
    size = 7.0
    tip = y - size if placed.side > 0 else y + size
    base = y + size * 0.7 if placed.side > 0 else y - size * 0.7
    points = f"{_fmt(x)},{_fmt(tip)} {_fmt(x - size)},{_fmt(base)} {_fmt(x + size)},{_fmt(base)}"
    return f'<polygon points="{points}" fill="{fill}" stroke="{colour}" stroke-width="2"/>'


def funnel_chart(
    points: Sequence[Point],
    overall: float,
    *,
    benchmarks: Sequence[tuple[str, float]] = (),
    summary: str,
    x_label: str = "Number of records",
    y_label: str = "Rate (%)",
    width: int = 760,
    height: int = 420,
) -> str:
    """SVG markup for a funnel plot of rates (per cent) against the number of records: the
    overall rate, the 95% and 99.8% limits as curves, each unit a labelled point, and any
    benchmark figures as dotted lines. Built from numbers and escaped text only."""
    from xml.sax.saxutils import escape, quoteattr

    left, right, top, bottom = 56, 170, 16, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    counts = [p.n for p in points if p.n > 0]
    x_max_data = max(counts) if counts else 10
    step_x = _nice_step(x_max_data * 1.08)
    x_max = step_x * math.ceil(x_max_data * 1.08 / step_x)
    n_min = max(1.0, min(counts) * 0.5) if counts else 1.0
    curve = funnel_curve(overall, x_max, n_min)
    seen = [overall, *(p.value for p in points), *(v for _, v in benchmarks)]
    seen += [curve[0].low998, curve[0].high998]
    y_lo = max(0.0, 10 * math.floor(min(seen) / 10 - 0.05))
    y_hi = min(100.0, 10 * math.ceil(max(seen) / 10 + 0.05))
    if y_hi - y_lo < 20:
        y_lo, y_hi = max(0.0, y_hi - 20), max(20.0, y_hi)

    def sx(n: float) -> float:
        return left + plot_w * n / x_max

    def sy(v: float) -> float:
        return top + plot_h * (1 - (v - y_lo) / (y_hi - y_lo))

    font = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" aria-label={quoteattr(summary)} '
        f'focusable="false" class="wp-funnel" {font} font-size="12">',
        f"<title>{escape(summary)}</title>",
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#ffffff" '
        f'stroke="{GRID}"/>',
    ]
    step_y = 5 if y_hi - y_lo <= 30 else 10 if y_hi - y_lo <= 60 else 20
    tick = y_lo
    while tick <= y_hi + 1e-9:
        y = sy(tick)
        parts.append(
            f'<line x1="{left}" y1="{_fmt(y)}" x2="{left + plot_w}" y2="{_fmt(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{left - 8}" y="{_fmt(y + 4)}" text-anchor="end" fill="{TEXT}">'
            f"{_fmt(tick)}%</text>"
        )
        tick += step_y
    tick = 0.0
    while tick <= x_max + 1e-9:
        x = sx(tick)
        parts.append(
            f'<line x1="{_fmt(x)}" y1="{top + plot_h}" x2="{_fmt(x)}" y2="{top + plot_h + 5}" '
            f'stroke="{LIMIT}"/><text x="{_fmt(x)}" y="{top + plot_h + 18}" '
            f'text-anchor="middle" fill="{TEXT}">{_fmt(tick)}</text>'
        )
        tick += step_x
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle" '
        f'fill="{TEXT}">{escape(x_label)}</text>'
        f'<text transform="translate(14 {top + plot_h / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle" fill="{TEXT}">{escape(y_label)}</text>'
    )

    def polyline(attr: str, dash: str, colour: str, widthpx: float = 1.5) -> str:
        coords = " ".join(f"{_fmt(sx(c.n))},{_fmt(sy(getattr(c, attr)))}" for c in curve)
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        return (
            f'<polyline class="wp-funnel-{attr}" points="{coords}" fill="none" '
            f'stroke="{colour}" stroke-width="{widthpx}"{dashed}/>'
        )

    parts += [
        polyline("low95", "6 4", LIMIT),
        polyline("high95", "6 4", LIMIT),
        polyline("low998", "", LIMIT_998),
        polyline("high998", "", LIMIT_998),
    ]
    label_x = left + plot_w + 8
    y = sy(overall)
    parts.append(
        f'<line class="wp-funnel-overall" x1="{left}" y1="{_fmt(y)}" x2="{left + plot_w}" '
        f'y2="{_fmt(y)}" stroke="{BRAND}" stroke-width="2"/>'
        f'<text x="{label_x}" y="{_fmt(y + 4)}" fill="{BRAND}" font-weight="600">'
        f"Overall {_fmt(overall)}%</text>"
    )
    used = [y]
    for source, value in benchmarks:
        y = sy(value)
        text_y = y + 4
        while any(abs(text_y - 4 - other) < 14 for other in used):
            text_y += 14
        used.append(text_y - 4)
        parts.append(
            f'<line class="wp-funnel-benchmark" x1="{left}" y1="{_fmt(y)}" '
            f'x2="{left + plot_w}" y2="{_fmt(y)}" stroke="{BENCHMARK}" stroke-width="2" '
            f'stroke-dasharray="2 3"/><text x="{label_x}" y="{_fmt(text_y)}" '
            f'fill="{BENCHMARK}">{escape(_short(source, 16))} {_fmt(value)}%</text>'
        )
    for point in points:
        x, y = sx(point.n), sy(point.value)
        parts.append(
            f'<g class="wp-funnel-point">{_marker(x, y, point.placed)}'
            f'<text x="{_fmt(x + 9)}" y="{_fmt(y + 4)}" fill="{TEXT}">'
            f"{escape(_short(point.label, 18))}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
