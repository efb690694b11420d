"""Benchmarking arithmetic (issue 6 item 6): league tables with ties, funnel plot limits and
positions, and case-mix adjustment by indirect standardisation, against hand-computed
figures."""

from __future__ import annotations

import math

import pytest

from waypoint.measures import benchmarking as bm
from waypoint.measures.benchmarking import Counts, Position

approx = pytest.approx


# League tables ----------------------------------------------------------------


def test_league_ranks_best_first_with_shared_ranks_for_ties() -> None:
    values = [("a", 80.0), ("b", 90.0), ("c", 80.0), ("d", None), ("e", 70.0)]
    ranked = bm.league(values, "higher")
    assert [(r.key, r.rank, r.tied) for r in ranked] == [
        ("b", 1, False),
        ("a", 2, True),
        ("c", 2, True),
        ("e", 4, False),  # competition ranking: two share 2nd, so the next is 4th
        ("d", None, False),  # no figure: last, unranked
    ]


def test_league_lower_is_better_reverses_the_order() -> None:
    values = [("a", 80.0), ("b", 90.0), ("c", 80.0), ("d", None), ("e", 70.0)]
    ranked = bm.league(values, "lower")
    assert [(r.key, r.rank) for r in ranked] == [
        ("e", 1),
        ("a", 2),
        ("c", 2),
        ("b", 4),
        ("d", None),
    ]


def test_league_of_nothing_and_of_only_missing_values() -> None:
    assert bm.league([], "higher") == []
    assert [r.rank for r in bm.league([("x", None), ("y", None)])] == [None, None]


# Funnel limits ----------------------------------------------------------------


def test_proportion_limits_by_hand() -> None:
    # p = 50%, n = 100: sqrt(50 x 50 / 100) = 5 points; 1.96 x 5 = 9.8; 3.09 x 5 = 15.45.
    assert bm.proportion_limits(50, 100, bm.Z95) == approx((40.2, 59.8))
    assert bm.proportion_limits(50, 100, bm.Z998) == approx((34.55, 65.45))
    # p = 90%, n = 4: sqrt(90 x 10 / 4) = 15; 3.09 x 15 = 46.35: the upper limit is clipped.
    assert bm.proportion_limits(90, 4, bm.Z998) == approx((43.65, 100.0))
    # p = 10%, n = 4: 10 - 1.96 x 15 < 0: the lower limit is clipped.
    assert bm.proportion_limits(10, 4, bm.Z95) == approx((0.0, 39.4))


def test_limits_narrow_as_the_number_of_records_grows() -> None:
    widths = [
        bm.proportion_limits(60, n, bm.Z95)[1] - bm.proportion_limits(60, n, bm.Z95)[0]
        for n in (10, 40, 160)
    ]
    # Four times the records: half the width.
    assert widths[0] == approx(2 * widths[1]) and widths[1] == approx(2 * widths[2])
    assert bm.proportion_limits(60, 0, bm.Z95) == (0.0, 100.0)


def test_limits_of_a_rate_of_zero_or_a_hundred_have_no_width() -> None:
    assert bm.proportion_limits(0, 25, bm.Z998) == (0.0, 0.0)
    assert bm.proportion_limits(100, 25, bm.Z998) == (100.0, 100.0)


def test_mean_limits_by_hand() -> None:
    # mean 10, sd 4, n 16: 1.96 x 4 / 4 = 1.96.
    assert bm.mean_limits(10, 4, 16, bm.Z95) == approx((8.04, 11.96))
    assert bm.mean_limits(10, 4, 16, bm.Z998) == approx((6.91, 13.09))
    assert bm.mean_limits(10, 4, 0, bm.Z95) == (-math.inf, math.inf)


def test_funnel_curve_runs_from_the_smallest_to_the_largest_volume() -> None:
    curve = bm.funnel_curve(50, n_max=400, n_min=4, steps=10)
    assert len(curve) == 11
    assert curve[0].n == approx(4) and curve[-1].n == approx(400)
    # At n = 100 (the middle on a square-root scale: sqrt 2 .. 20, step 5 is 11 → 121)...
    middle = curve[5]
    assert middle.n == approx(121)
    assert (middle.low95, middle.high95) == approx(bm.proportion_limits(50, 121, bm.Z95))
    assert (middle.low998, middle.high998) == approx(bm.proportion_limits(50, 121, bm.Z998))
    # The 99.8% limits lie outside the 95% ones everywhere.
    assert all(p.low998 <= p.low95 <= 50 <= p.high95 <= p.high998 for p in curve)


# Positions on the funnel ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "direction", "position", "detail"),
    [
        (50.0, "higher", Position.AS_EXPECTED, "within the 95% limits"),
        (59.8, "higher", Position.AS_EXPECTED, "within the 95% limits"),  # on the limit
        (62.0, "higher", Position.POSSIBLY_BETTER, "above the 95% limits"),
        (70.0, "higher", Position.BETTER, "above the 99.8% limits"),
        (38.0, "higher", Position.POSSIBLY_WORSE, "below the 95% limits"),
        (30.0, "higher", Position.WORSE, "below the 99.8% limits"),
        # Lower is better (e.g. a rate of complaints): above the limits is worse.
        (70.0, "lower", Position.WORSE, "above the 99.8% limits"),
        (38.0, "lower", Position.POSSIBLY_BETTER, "below the 95% limits"),
    ],
)
def test_place_rate(value: float, direction: str, position: Position, detail: str) -> None:
    # p = 50%, n = 100: 95% limits 40.2-59.8, 99.8% limits 34.55-65.45.
    placed = bm.place_rate(value, 100, 50.0, direction)
    assert placed.position is position
    assert placed.detail == detail


def test_positions_have_words() -> None:
    assert [p.label for p in Position] == [
        "Better than expected",
        "Possibly better",
        "As expected",
        "Possibly worse",
        "Worse than expected",
    ]


def test_classify_a_mean_against_its_limits() -> None:
    placed = bm.classify(
        12.5,
        bm.mean_limits(10, 4, 16, bm.Z95),
        bm.mean_limits(10, 4, 16, bm.Z998),
        "higher",
    )
    assert placed.position is Position.POSSIBLY_BETTER


# Case-mix adjustment --------------------------------------------------------------------------

EASY, HARD = ("easy",), ("hard",)


def _units() -> dict[str, dict[tuple[str, ...], Counts]]:
    # A: mostly easy clients, 7 of 10 (70%); B: mostly hard clients, 6 of 10 (60%).
    return {
        "A": {EASY: Counts(8, 6), HARD: Counts(2, 1)},
        "B": {EASY: Counts(2, 2), HARD: Counts(8, 4)},
    }


def test_overall_rates_by_segment() -> None:
    population = bm.pooled(_units())
    assert population == {EASY: Counts(10, 8), HARD: Counts(10, 5)}
    assert bm.overall_rates(population) == {EASY: 0.8, HARD: 0.5}


def test_a_harder_mix_is_adjusted_upwards_and_can_change_the_ranking() -> None:
    overall, found = bm.standardise_all(_units())
    assert overall == approx(65.0)  # 13 of 20
    a, b = found["A"], found["B"]
    # A: expected = 8 x 0.8 + 2 x 0.5 = 7.4; O/E = 7 / 7.4; adjusted = O/E x 65%.
    assert (a.n, a.observed, a.crude_rate) == (10, 7, approx(70.0))
    assert a.expected == approx(7.4)
    assert a.ratio == approx(7 / 7.4)
    assert a.adjusted_rate == approx(61.486, abs=0.001)
    # B: expected = 2 x 0.8 + 8 x 0.5 = 5.6; O/E = 6 / 5.6 = 1.071; adjusted = 69.64%.
    assert b.expected == approx(5.6)
    assert b.ratio == approx(1.0714, abs=0.0001)
    assert b.adjusted_rate == approx(69.643, abs=0.001)
    assert b.adjusted_rate > b.crude_rate  # the harder mix is adjusted upwards
    assert a.adjusted_rate < a.crude_rate
    crude = [r.key for r in bm.league([(k, v.crude_rate) for k, v in found.items()])]
    adjusted = [r.key for r in bm.league([(k, v.adjusted_rate) for k, v in found.items()])]
    assert crude == ["A", "B"] and adjusted == ["B", "A"]


def test_same_mix_means_no_adjustment() -> None:
    units = {"A": {EASY: Counts(5, 4), HARD: Counts(5, 2)}, "B": {EASY: Counts(5, 3)}}
    units["B"][HARD] = Counts(5, 3)
    overall, found = bm.standardise_all(units)
    assert overall == approx(60.0)
    # Each has half of each segment: expected = 5 x 0.7 + 5 x 0.5 = 6 for both.
    assert found["A"].expected == approx(6.0) and found["B"].expected == approx(6.0)
    assert found["A"].adjusted_rate == approx(found["A"].crude_rate)
    assert found["B"].ratio == approx(1.0)


def test_standardising_against_a_wider_population() -> None:
    # The overall rates come from the whole parent scope, records of no unit included.
    population = {EASY: Counts(20, 10), HARD: Counts(20, 2)}  # 50% and 10%; overall 30%
    overall, found = bm.standardise_all({"A": {EASY: Counts(4, 2), HARD: Counts(6, 1)}}, population)
    assert overall == approx(30.0)
    # expected = 4 x 0.5 + 6 x 0.1 = 2.6; O/E = 3 / 2.6; adjusted = 34.6%.
    assert found["A"].expected == approx(2.6)
    assert found["A"].adjusted_rate == approx(30 * 3 / 2.6)


def test_nothing_expected_gives_no_ratio() -> None:
    result = bm.standardise({HARD: Counts(4, 0)}, {HARD: 0.0}, 20.0)
    assert (result.expected, result.ratio, result.adjusted_rate) == (0.0, None, None)
    assert result.crude_rate == 0.0
    assert bm.standardise_all({}) == (None, {})


def test_adjusted_rate_never_passes_a_hundred() -> None:
    result = bm.standardise({HARD: Counts(10, 10)}, {HARD: 0.2}, 80.0)
    assert result.ratio == approx(5.0)
    assert result.adjusted_rate == 100.0


def test_segments_from_client_attributes() -> None:
    dims = {"sector": "C", "size_band": None, "region": "", "barriers": "2"}
    assert bm.segment_of(dims, ["sector", "size_band", "region", "barriers"]) == (
        "C",
        "not recorded",
        "not recorded",
        "2",
    )
    assert bm.segment_of(dims, []) == ()
    label = bm.segment_label(("C", "2"), ["sector", "barriers"], str.title)
    assert label == "Sector: C; Barriers: 2"
