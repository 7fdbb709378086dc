"""Tests for the GMV attribution core (steps.gmv.decompose)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from steps.gmv.decompose import (
    MAX_SHAPLEY_FACTORS,
    AttributionError,
    allocate_exact,
    lmdi_additive,
    lmdi_additive_segments,
    lmdi_multiplicative,
    lmdi_multiplicative_segments,
    log_mean,
    shapley,
    shapley_segments,
)

# --------------------------------------------------------------------------
# helpers and strategies
# --------------------------------------------------------------------------


def prod(xs: Sequence[float]) -> float:
    return math.prod(float(x) for x in xs)


def close_to_total(parts: Sequence[float], total: float, scale: float) -> bool:
    """sum(parts) == total up to rounding relative to the magnitudes involved."""
    return abs(math.fsum(parts) - total) <= 1e-9 * (scale + abs(total)) + 1e-300


def brute_force_shapley(x0: Sequence[float], x1: Sequence[float]) -> list[float]:
    """Reference Shapley value: average marginal change over all orderings."""
    n = len(x0)
    phi = [0.0] * n
    orders = list(itertools.permutations(range(n)))
    for order in orders:
        current = list(x0)
        for i in order:
            before = prod(current)
            current[i] = x1[i]
            phi[i] += prod(current) - before
    return [p / len(orders) for p in phi]


positive = st.floats(min_value=1e-3, max_value=1e4, allow_nan=False)
non_negative = st.one_of(st.just(0.0), positive)


@st.composite
def positive_pair(draw: st.DrawFn, max_n: int = 7) -> tuple[list[float], list[float]]:
    n = draw(st.integers(1, max_n))
    x0 = draw(st.lists(positive, min_size=n, max_size=n))
    x1 = draw(st.lists(positive, min_size=n, max_size=n))
    return x0, x1


@st.composite
def non_negative_pair(draw: st.DrawFn, max_n: int = 6) -> tuple[list[float], list[float]]:
    n = draw(st.integers(1, max_n))
    x0 = draw(st.lists(non_negative, min_size=n, max_size=n))
    x1 = draw(st.lists(non_negative, min_size=n, max_size=n))
    return x0, x1


@st.composite
def segment_pair(
    draw: st.DrawFn, elements: st.SearchStrategy[float] = positive
) -> tuple[np.ndarray, np.ndarray]:
    k = draw(st.integers(1, 12))
    n = draw(st.integers(1, 6))
    x0 = draw(hnp.arrays(np.float64, (k, n), elements=elements))
    x1 = draw(hnp.arrays(np.float64, (k, n), elements=elements))
    return x0, x1


FIVE_X0 = [1000.0, 5.0, 0.02, 1.1, 100.0]  # UV, min/viewer, buyers/min, orders/buyer, AOV
FIVE_X1 = [1200.0, 6.0, 0.025, 1.2, 90.0]


# --------------------------------------------------------------------------
# log_mean
# --------------------------------------------------------------------------


def test_log_mean_hand_values() -> None:
    # L(e, 1) = (e - 1) / (1 - 0)
    assert log_mean(math.e, 1.0) == pytest.approx(math.e - 1.0, rel=1e-15)
    # L(36, 20) = 16 / ln 1.8 = 27.2207604482901888...
    assert log_mean(36.0, 20.0) == pytest.approx(27.22076044829018880, rel=1e-14)
    assert log_mean(5.0, 5.0) == 5.0
    assert log_mean(5.0, 0.0) == 0.0
    assert log_mean(0.0, 5.0) == 0.0
    assert log_mean(0.0, 0.0) == 0.0


def test_log_mean_close_and_extreme_values() -> None:
    # close values: L(a, a(1+d)) = a(1 + d/2 - d^2/12 + ...); the naive formula
    # (a - b) / (ln a - ln b) loses ~half the digits here.
    a, d = 3.0, 1e-9
    assert log_mean(a, a * (1 + d)) == pytest.approx(a * (1 + d / 2), rel=1e-15)
    # far apart: no overflow of intermediate quantities
    big = log_mean(1e300, 1e-300)
    assert math.isfinite(big)
    assert big == pytest.approx(1e300 / (600 * math.log(10)), rel=1e-12)
    tiny = log_mean(5e-324, 1.7e308)
    assert math.isfinite(tiny)
    assert tiny > 0


@given(positive, positive)
def test_log_mean_properties(a: float, b: float) -> None:
    value = log_mean(a, b)
    assert value == log_mean(b, a)
    assert min(a, b) * (1 - 1e-15) <= value <= max(a, b) * (1 + 1e-15)
    if abs(math.log(a / b)) > 1e-3:
        naive = (a - b) / (math.log(a) - math.log(b))
        assert value == pytest.approx(naive, rel=1e-11)


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf, -math.inf])
def test_log_mean_refuses_bad_values(bad: float) -> None:
    with pytest.raises(AttributionError):
        log_mean(bad, 1.0)
    with pytest.raises(AttributionError):
        log_mean(1.0, bad)


# --------------------------------------------------------------------------
# hand-computed cases
# --------------------------------------------------------------------------


def test_two_factor_hand_case() -> None:
    # V = a * b, a: 10 -> 12, b: 2 -> 3.  V0 = 20, V1 = 36, dV = 16.
    # L(36, 20) = 16 / ln(1.8) = 16 / 0.587786665 = 27.220760448
    # C_a = L * ln(1.2) = 27.220760448 * 0.182321557 = 4.962931422
    # C_b = L * ln(1.5) = 27.220760448 * 0.405465108 = 11.037068578
    c = lmdi_additive([10, 2], [12, 3])
    assert c == pytest.approx((4.962931422047573, 11.037068577952427), rel=1e-13)
    assert math.fsum(c) == pytest.approx(16.0, rel=1e-14)
    # Shapley, two orderings:
    #   a first: a adds (12-10)*2 = 4,  then b adds (3-2)*12 = 12
    #   b first: b adds (3-2)*10 = 10,  then a adds (12-10)*3 = 6
    #   phi_a = (4 + 6)/2 = 5, phi_b = (12 + 10)/2 = 11
    assert shapley([10, 2], [12, 3]) == pytest.approx((5.0, 11.0), rel=1e-15)
    # D_a = 1.2, D_b = 1.5, product 1.8 = 36/20
    assert lmdi_multiplicative([10, 2], [12, 3]) == pytest.approx((1.2, 1.5))


def test_five_factor_gmv_hand_case() -> None:
    # GMV = UV * minutes/viewer * buyers/minute * orders/buyer * AOV
    # V0 = 1000 * 5 * 0.02  * 1.1 * 100 = 11000
    # V1 = 1200 * 6 * 0.025 * 1.2 * 90  = 19440        dV = 8440
    # ln ratios: ln 1.2 = 0.1823215568 (UV), ln 1.2 (minutes), ln 1.25 =
    #   0.2231435513, ln(12/11) = 0.0870113770, ln 0.9 = -0.1053605157;
    #   their sum is ln(19440/11000) = 0.5694375262
    # L(19440, 11000) = 8440 / 0.5694375262 = 14821.6434836
    # C = L * ln ratio:
    #   UV      14821.6434836 * 0.1823215568 =  2702.3051142
    #   min/vw  (same)                       =  2702.3051142
    #   buy/min 14821.6434836 * 0.2231435513 =  3307.3541632
    #   ord/buy 14821.6434836 * 0.0870113770 =  1289.6516088
    #   AOV     14821.6434836 * -0.1053605157 = -1561.6160003
    #   sum = 8440.0000000
    c = lmdi_additive(FIVE_X0, FIVE_X1)
    expected = (
        2702.305114167778,
        2702.305114167778,
        3307.354163234872,
        1289.651608753998,
        -1561.616000324427,
    )
    assert c == pytest.approx(expected, rel=1e-12)
    assert math.fsum(c) == pytest.approx(8440.0, rel=1e-13)

    # Multiplicative: D_i = x_i1 / x_i0, product 1.2*1.2*1.25*(12/11)*0.9 = 1.76727
    d = lmdi_multiplicative(FIVE_X0, FIVE_X1)
    assert d == pytest.approx((1.2, 1.2, 1.25, 12 / 11, 0.9), rel=1e-14)
    assert math.prod(d) == pytest.approx(19440 / 11000, rel=1e-14)

    # Shapley: the two identical-ratio factors (UV, minutes) get the same
    # share, and all shares match the average over all 120 orderings.
    s = shapley(FIVE_X0, FIVE_X1)
    assert s == pytest.approx(brute_force_shapley(FIVE_X0, FIVE_X1), rel=1e-12)
    assert s[0] == pytest.approx(s[1], rel=1e-15)
    assert math.fsum(s) == pytest.approx(8440.0, rel=1e-13)
    # AOV falls, so its Shapley share is negative; the rest are positive.
    assert s[4] < 0 < min(s[:4])


def test_segments_hand_case() -> None:
    # segment A: (10, 2) -> (12, 3): V 20 -> 36, dV_A = 16 (see the 2-factor case)
    # segment B: (5, 4)  -> (5, 2):  V 20 -> 10, dV_B = -10
    #   L(10, 20) = -10 / ln 0.5 = 14.4269504; C_B = (L*0, L*ln 0.5) = (0, -10)
    x0 = [[10, 2], [5, 4]]
    x1 = [[12, 3], [5, 2]]
    c = lmdi_additive_segments(x0, x1)
    assert c.shape == (2, 2)
    assert c.dtype == np.float64
    np.testing.assert_allclose(
        c, [[4.962931422047573, 11.037068577952427], [0.0, -10.0]], rtol=1e-13
    )
    assert c[1, 0] == 0.0  # unchanged factor: exactly zero
    # Multiplicative: total 40 -> 46, L(46, 40) = 6 / ln 1.15 = 42.9301418
    #   ln D_a = (4.9629314 + 0) / 42.9301418             = 0.1156048
    #   ln D_b = (11.0370686 - 10) / 42.9301418           = 0.0241571
    #   D = (1.1225522, 1.0244513), product 1.15 = 46/40
    d = lmdi_multiplicative_segments(x0, x1)
    np.testing.assert_allclose(d, [1.122552177185508, 1.024451266829583], rtol=1e-13)
    assert float(np.prod(d)) == pytest.approx(46 / 40, rel=1e-14)
    # Shapley per segment: A as in the 2-factor case; B: only b moves -> (0, -10)
    np.testing.assert_allclose(shapley_segments(x0, x1), [[5.0, 11.0], [0.0, -10.0]], rtol=1e-14)


# --------------------------------------------------------------------------
# sums to the total
# --------------------------------------------------------------------------


@given(positive_pair())
def test_additive_sums_to_total(pair: tuple[list[float], list[float]]) -> None:
    x0, x1 = pair
    v0, v1 = prod(x0), prod(x1)
    c = lmdi_additive(x0, x1)
    assert len(c) == len(x0)
    assert all(math.isfinite(v) for v in c)
    assert close_to_total(c, v1 - v0, sum(map(abs, c)) + v0 + v1)


@given(positive_pair())
def test_additive_matches_textbook_formula(
    pair: tuple[list[float], list[float]],
) -> None:
    x0, x1 = pair
    v0, v1 = prod(x0), prod(x1)
    assume(abs(math.log(v1 / v0)) > 1e-6)
    lm = (v1 - v0) / (math.log(v1) - math.log(v0))
    expected = [lm * math.log(b / a) for a, b in zip(x0, x1, strict=True)]
    assert lmdi_additive(x0, x1) == pytest.approx(expected, rel=1e-7, abs=1e-9 * lm)


@given(positive_pair())
def test_multiplicative_product_is_ratio(pair: tuple[list[float], list[float]]) -> None:
    x0, x1 = pair
    d = lmdi_multiplicative(x0, x1)
    assert math.prod(d) == pytest.approx(prod(x1) / prod(x0), rel=1e-12)


@given(positive_pair(max_n=6))
def test_shapley_sums_to_total_and_matches_permutations(
    pair: tuple[list[float], list[float]],
) -> None:
    x0, x1 = pair
    s = shapley(x0, x1)
    v0, v1 = prod(x0), prod(x1)
    assert close_to_total(s, v1 - v0, sum(map(abs, s)) + v0 + v1)
    reference = brute_force_shapley(x0, x1)
    scale = max(v0, v1, *map(abs, reference))
    assert s == pytest.approx(reference, rel=1e-9, abs=1e-9 * scale)


@given(segment_pair())
def test_segment_matrix_sums_over_both_axes(
    pair: tuple[np.ndarray, np.ndarray],
) -> None:
    x0, x1 = pair
    v0 = np.prod(x0, axis=1)
    v1 = np.prod(x1, axis=1)
    for c in (lmdi_additive_segments(x0, x1), shapley_segments(x0, x1)):
        assert c.shape == x0.shape
        assert np.isfinite(c).all()
        scale = np.abs(c).sum(axis=1) + v0 + v1
        np.testing.assert_array_less(np.abs(c.sum(axis=1) - (v1 - v0)), 1e-9 * scale + 1e-300)
        assert close_to_total(c.ravel().tolist(), float(v1.sum() - v0.sum()), float(scale.sum()))


@given(segment_pair())
def test_multiplicative_segments(pair: tuple[np.ndarray, np.ndarray]) -> None:
    x0, x1 = pair
    v0 = np.prod(x0, axis=1)
    v1 = np.prod(x1, axis=1)
    d = lmdi_multiplicative_segments(x0, x1)
    assert d.shape == (x0.shape[1],)
    ratio = float(v1.sum() / v0.sum())
    assert float(np.prod(d)) == pytest.approx(ratio, rel=1e-9)
    # the textbook weighted formula, computed independently
    lm_tot = log_mean(float(v1.sum()), float(v0.sum()))
    weights = np.array([log_mean(a, b) for a, b in zip(v1, v0, strict=True)]) / lm_tot
    ln_d = (weights[:, None] * np.log(x1 / x0)).sum(axis=0)
    # An unchanged factor's log is 0 exactly in the formula but a rounding error (~1e-16)
    # once exponentiated and logged back: the absolute floor allows for that.
    np.testing.assert_allclose(
        np.log(d), ln_d, rtol=1e-7, atol=1e-9 * float(np.abs(np.log(x1 / x0)).max()) + 1e-12
    )


@given(segment_pair())
def test_segments_agree_with_single_aggregate_calls(
    pair: tuple[np.ndarray, np.ndarray],
) -> None:
    x0, x1 = pair
    c = lmdi_additive_segments(x0, x1)
    s = shapley_segments(x0, x1)
    for k in range(x0.shape[0]):
        assert tuple(c[k]) == lmdi_additive(x0[k], x1[k])
        np.testing.assert_allclose(s[k], shapley(x0[k], x1[k]), rtol=1e-12)


def test_single_segment_multiplicative_matches_aggregate() -> None:
    d_seg = lmdi_multiplicative_segments([FIVE_X0], [FIVE_X1])
    np.testing.assert_allclose(d_seg, lmdi_multiplicative(FIVE_X0, FIVE_X1), rtol=1e-12)


def test_large_segment_matrix_is_vectorised_and_consistent() -> None:
    rng = np.random.default_rng(7)
    x0 = rng.uniform(0.5, 2.0, size=(50_000, 5))
    x1 = x0 * rng.uniform(0.8, 1.25, size=(50_000, 5))
    x1[::7, 2] = x0[::7, 2]  # some unchanged factors
    c = lmdi_additive_segments(x0, x1)
    s = shapley_segments(x0, x1)
    dv = np.prod(x1, axis=1) - np.prod(x0, axis=1)
    np.testing.assert_allclose(c.sum(axis=1), dv, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(s.sum(axis=1), dv, rtol=1e-9, atol=1e-12)
    assert (c[::7, 2] == 0.0).all()
    assert (s[::7, 2] == 0.0).all()
    # spot-check rows against the scalar API
    for k in (0, 1, 12_345, 49_999):
        assert tuple(c[k]) == lmdi_additive(x0[k], x1[k])


# --------------------------------------------------------------------------
# time reversal and unchanged factors
# --------------------------------------------------------------------------


@given(positive_pair())
def test_time_reversal(pair: tuple[list[float], list[float]]) -> None:
    x0, x1 = pair
    forward = lmdi_additive(x0, x1)
    backward = lmdi_additive(x1, x0)
    # exactly negated, bit for bit
    assert backward == tuple(-v for v in forward)
    d_forward = lmdi_multiplicative(x0, x1)
    d_backward = lmdi_multiplicative(x1, x0)
    for a, b in zip(d_forward, d_backward, strict=True):
        assert a * b == pytest.approx(1.0, rel=1e-14)
    s_forward = shapley(x0, x1)
    s_backward = shapley(x1, x0)
    # rounding is relative to the largest mixed-period product
    scale = prod([max(a, b) for a, b in zip(x0, x1, strict=True)])
    assert s_backward == pytest.approx([-v for v in s_forward], abs=1e-12 * scale)


@given(segment_pair(elements=non_negative))
def test_time_reversal_segments(pair: tuple[np.ndarray, np.ndarray]) -> None:
    x0, x1 = pair
    np.testing.assert_array_equal(lmdi_additive_segments(x1, x0), -lmdi_additive_segments(x0, x1))
    assume(np.prod(x0, axis=1).sum() > 0 and np.prod(x1, axis=1).sum() > 0)
    np.testing.assert_allclose(
        lmdi_multiplicative_segments(x1, x0),
        1.0 / lmdi_multiplicative_segments(x0, x1),
        rtol=1e-12,
    )


@given(positive_pair(), st.data())
def test_unchanged_factor_contributes_exactly_zero(
    pair: tuple[list[float], list[float]], data: st.DataObject
) -> None:
    x0, x1 = pair
    i = data.draw(st.integers(0, len(x0) - 1))
    x1[i] = x0[i]
    assert lmdi_additive(x0, x1)[i] == 0.0
    assert shapley(x0, x1)[i] == 0.0
    assert lmdi_multiplicative(x0, x1)[i] == 1.0


def test_nothing_changes() -> None:
    assert lmdi_additive(FIVE_X0, FIVE_X0) == (0.0,) * 5
    assert shapley(FIVE_X0, FIVE_X0) == (0.0,) * 5
    assert lmdi_multiplicative(FIVE_X0, FIVE_X0) == (1.0,) * 5


def test_offsetting_factors() -> None:
    # a doubles, b halves: dV = 0 but each factor moved by ln 2.
    # L(V, V) = V = 12, so C = (12 ln 2, -12 ln 2).
    c = lmdi_additive([3.0, 4.0], [6.0, 2.0])
    assert c == pytest.approx((12 * math.log(2), -12 * math.log(2)), rel=1e-15)
    assert math.fsum(c) == 0.0


# --------------------------------------------------------------------------
# zeros
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x0", "x1", "expected"),
    [
        # one factor zero in period 0: it takes the whole dV = 4*5 = 20
        ([0.0, 3.0], [4.0, 5.0], (20.0, 0.0)),
        # two factors zero in period 0: dV = 60 split equally
        ([0.0, 0.0, 2.0], [3.0, 4.0, 5.0], (30.0, 30.0, 0.0)),
        # zero in period 1: it takes dV = -6
        ([2.0, 3.0], [2.0, 0.0], (0.0, -6.0)),
        # two factors zero in period 1, a third also changed: -24 / 2 each
        ([2.0, 3.0, 4.0], [0.0, 0.0, 8.0], (-12.0, -12.0, 0.0)),
        # zero in period 0 for one factor and period 1 for another: V 0 -> 0
        ([0.0, 3.0], [4.0, 0.0], (0.0, 0.0)),
        # same factor zero in both periods
        ([0.0, 3.0], [0.0, 5.0], (0.0, 0.0)),
    ],
)
def test_zero_limits(x0: list[float], x1: list[float], expected: tuple[float, ...]) -> None:
    assert lmdi_additive(x0, x1) == expected
    c = lmdi_additive_segments([x0, [1.0] * len(x0)], [x1, [2.0] * len(x0)])
    assert tuple(c[0]) == expected
    s = shapley(x0, x1)
    assert math.fsum(s) == pytest.approx(prod(x1) - prod(x0), abs=1e-12)


@pytest.mark.parametrize(
    ("x0", "x1"),
    [
        ([0.0, 3.0, 2.0], [4.0, 5.0, 7.0]),
        ([0.0, 0.0, 2.0], [3.0, 4.0, 5.0]),
        ([2.0, 3.0, 6.0], [2.0, 0.0, 1.0]),
        ([0.0, 3.0, 2.0], [4.0, 0.0, 7.0]),
    ],
)
def test_zero_rule_is_the_epsilon_limit(x0: list[float], x1: list[float]) -> None:
    """Replacing every zero by eps and letting eps -> 0 approaches the rule."""
    limit = np.array(lmdi_additive(x0, x1))
    scale = max(prod(x0), prod(x1), 1.0)
    errors = []
    for eps in (1e-20, 1e-80, 1e-300):
        e0 = [v if v > 0 else eps for v in x0]
        e1 = [v if v > 0 else eps for v in x1]
        errors.append(float(np.abs(np.array(lmdi_additive(e0, e1)) - limit).max()))
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.01 * scale  # convergence is logarithmic in eps


@given(non_negative_pair())
def test_zeros_still_sum_to_total(pair: tuple[list[float], list[float]]) -> None:
    x0, x1 = pair
    v0, v1 = prod(x0), prod(x1)
    c = lmdi_additive(x0, x1)
    assert all(math.isfinite(v) for v in c)
    assert close_to_total(c, v1 - v0, sum(map(abs, c)) + v0 + v1)
    s = shapley(x0, x1)
    assert close_to_total(s, v1 - v0, sum(map(abs, s)) + v0 + v1)
    if 0.0 in x0 and 0.0 in x1:
        assert c == (0.0,) * len(c)


@given(segment_pair(elements=non_negative))
def test_zero_segments_sum_to_total(pair: tuple[np.ndarray, np.ndarray]) -> None:
    x0, x1 = pair
    v0 = np.prod(x0, axis=1)
    v1 = np.prod(x1, axis=1)
    c = lmdi_additive_segments(x0, x1)
    assert np.isfinite(c).all()
    scale = np.abs(c).sum(axis=1) + v0 + v1
    np.testing.assert_array_less(np.abs(c.sum(axis=1) - (v1 - v0)), 1e-9 * scale + 1e-300)
    # entries that are not zero in either period get nothing in rows with zeros
    zero_rows = (x0 == 0).any(axis=1) | (x1 == 0).any(axis=1)
    untouched = (x0 != 0) & (x1 != 0) & zero_rows[:, None]
    assert (c[untouched] == 0.0).all()


def test_multiplicative_segments_with_new_and_lost_segments() -> None:
    # segment 0 unchanged (V = 10), segment 1 appears (V 0 -> 6, factor 0 was 0),
    # segment 2 disappears (V 4 -> 0, factor 1 becomes 0).
    # additive: segment 1 gives +6 to factor 0, segment 2 gives -4 to factor 1.
    # totals 14 -> 16; ln D = (6, -4) / L(16, 14)
    x0 = [[2.0, 5.0], [0.0, 3.0], [1.0, 4.0]]
    x1 = [[2.0, 5.0], [2.0, 3.0], [1.0, 0.0]]
    c = lmdi_additive_segments(x0, x1)
    np.testing.assert_array_equal(c, [[0.0, 0.0], [6.0, 0.0], [0.0, -4.0]])
    lm = (16 - 14) / math.log(16 / 14)
    d = lmdi_multiplicative_segments(x0, x1)
    np.testing.assert_allclose(d, [math.exp(6 / lm), math.exp(-4 / lm)], rtol=1e-14)
    assert float(np.prod(d)) == pytest.approx(16 / 14, rel=1e-14)


@pytest.mark.parametrize(
    ("x0", "x1", "period"),
    [([0.0, 2.0], [1.0, 2.0], "period 0"), ([1.0, 2.0], [1.0, 0.0], "period 1")],
)
def test_multiplicative_refuses_zero_value(x0: list[float], x1: list[float], period: str) -> None:
    with pytest.raises(AttributionError, match=period):
        lmdi_multiplicative(x0, x1)
    with pytest.raises(AttributionError, match=period):
        lmdi_multiplicative_segments([x0], [x1])


def test_multiplicative_segments_refuses_no_segments() -> None:
    with pytest.raises(AttributionError, match="zero"):
        lmdi_multiplicative_segments(np.empty((0, 3)), np.empty((0, 3)))


# --------------------------------------------------------------------------
# refused inputs
# --------------------------------------------------------------------------

ALL_SINGLE = [lmdi_additive, lmdi_multiplicative, shapley]
ALL_SEGMENTS = [lmdi_additive_segments, lmdi_multiplicative_segments, shapley_segments]


@pytest.mark.parametrize("func", ALL_SINGLE)
@pytest.mark.parametrize(
    ("bad", "kind"), [(-2.0, "negative"), (math.nan, "NaN"), (math.inf, "infinite")]
)
@pytest.mark.parametrize("period", [0, 1])
def test_single_refuses_bad_values(
    func: Callable[..., object], bad: float, kind: str, period: int
) -> None:
    x0 = [1.0, 2.0, 3.0]
    x1 = [1.5, 2.5, 3.5]
    (x0 if period == 0 else x1)[2] = bad
    with pytest.raises(AttributionError, match=rf"factor 2 .*period {period}.*{kind}"):
        func(x0, x1)


@pytest.mark.parametrize("func", ALL_SEGMENTS)
@pytest.mark.parametrize("period", [0, 1])
def test_segments_refuse_bad_values_naming_segment(
    func: Callable[..., object], period: int
) -> None:
    x0 = np.ones((4, 3))
    x1 = np.full((4, 3), 2.0)
    (x0 if period == 0 else x1)[3, 1] = -0.5
    with pytest.raises(
        AttributionError,
        match=rf"factor 1 \('minutes'\) of segment 3 in period {period}.*negative",
    ):
        func(x0, x1, factor_names=["uv", "minutes", "buyers"])


def test_attribution_error_is_value_error() -> None:
    assert issubclass(AttributionError, ValueError)
    with pytest.raises(ValueError, match="negative"):
        lmdi_additive([-1.0], [1.0])


@pytest.mark.parametrize(
    ("x0", "x1"),
    [
        ([1.0, 2.0], [1.0, 2.0, 3.0]),  # length mismatch
        ([[1.0, 2.0]], [[1.0, 2.0]]),  # 2-D given to the single-aggregate API
        (["a", "b"], [1.0, 2.0]),  # not numeric
    ],
)
def test_single_refuses_bad_shapes(x0: Any, x1: Any) -> None:
    for func in ALL_SINGLE:
        with pytest.raises(AttributionError):
            func(x0, x1)


def test_segments_refuse_bad_shapes() -> None:
    for func in ALL_SEGMENTS:
        with pytest.raises(AttributionError):
            func([1.0, 2.0], [1.0, 2.0])
        with pytest.raises(AttributionError):
            func(np.ones((3, 2)), np.ones((2, 2)))
        with pytest.raises(AttributionError, match="names"):
            func(np.ones((3, 2)), np.ones((3, 2)), factor_names=["only one"])


def test_shapley_factor_limit() -> None:
    n = MAX_SHAPLEY_FACTORS + 1
    with pytest.raises(AttributionError, match="subsets"):
        shapley([1.0] * n, [2.0] * n)


def test_overflow_is_refused_not_returned() -> None:
    with pytest.raises(AttributionError, match="overflow"):
        lmdi_additive([1e200, 1e200], [1.0, 1.0])
    with pytest.raises(AttributionError, match="overflow"):
        lmdi_additive_segments([[1.0, 1.0], [1e200, 1e200]], [[1.0, 1.0], [1.0, 1.0]])
    # mixed-period products overflow although V0 and V1 do not
    with pytest.raises(AttributionError, match="overflow"):
        shapley([1e200, 1e-200], [1e-200, 1e200])
    with pytest.raises(AttributionError):
        lmdi_multiplicative([1e-300, 1e300], [1e300, 1e-300])


wide = st.floats(min_value=0.0, max_value=1e300, allow_subnormal=True)


@settings(max_examples=300)
@given(segment_pair(elements=wide))
def test_never_nan_or_infinite(pair: tuple[np.ndarray, np.ndarray]) -> None:
    x0, x1 = pair
    for func in ALL_SEGMENTS:
        try:
            result = func(x0, x1)
        except AttributionError:
            continue
        assert np.isfinite(result).all()


def test_extreme_but_representable_values() -> None:
    # ratio 1e600 does not fit in float64 but its logarithm does
    c = lmdi_additive([1e300, 1.0], [1e-300, 1.0])
    assert all(math.isfinite(v) for v in c)
    assert math.fsum(c) == pytest.approx(1e-300 - 1e300, rel=1e-12)
    assert c[1] == 0.0
    # products that underflow to zero are still attributed consistently
    tiny = [1e-200, 1e-200]
    c = lmdi_additive(tiny, [1.0, 1.0])
    assert math.fsum(c) == pytest.approx(1.0, rel=1e-12)
    assert c[0] == pytest.approx(0.5, rel=1e-12)


def test_empty_inputs() -> None:
    assert lmdi_additive([], []) == ()
    assert shapley([], []) == ()
    assert lmdi_additive_segments(np.empty((0, 5)), np.empty((0, 5))).shape == (0, 5)
    assert shapley_segments(np.empty((0, 5)), np.empty((0, 5))).shape == (0, 5)


def test_accepts_sequences_and_arrays_of_ints() -> None:
    expected = lmdi_additive([10.0, 2.0], [12.0, 3.0])
    assert lmdi_additive(np.array([10, 2]), np.array([12, 3])) == expected
    assert lmdi_additive((10, 2), (12, 3)) == expected
    np.testing.assert_array_equal(
        lmdi_additive_segments(((10, 2),), [np.array([12, 3])]), [expected]
    )


def test_inputs_are_not_modified() -> None:
    x0 = np.array([[1.0, 0.0], [2.0, 3.0]])
    x1 = np.array([[2.0, 5.0], [2.0, 4.0]])
    before = (x0.copy(), x1.copy())
    lmdi_additive_segments(x0, x1)
    lmdi_multiplicative_segments(x0, x1)
    shapley_segments(x0, x1)
    np.testing.assert_array_equal(x0, before[0])
    np.testing.assert_array_equal(x1, before[1])


# --------------------------------------------------------------------------
# allocate_exact
# --------------------------------------------------------------------------


def test_allocate_exact_hand_case() -> None:
    # five-factor case: floors (2702, 2702, 3307, 1289, -1562) sum to 8438;
    # the 2 missing fen go to the largest fractional parts:
    # 0.652 (ord/buy) and 0.384 (AOV, -1561.616 = -1562 + 0.384)
    c = lmdi_additive(FIVE_X0, FIVE_X1)
    assert allocate_exact(c, 8440) == [2702, 2702, 3307, 1290, -1561]


def test_allocate_exact_tie_break_is_by_index() -> None:
    assert allocate_exact([1.5, 1.5, 1.5, 1.5], 6) == [2, 2, 1, 1]
    assert allocate_exact(np.array([0.5, 0.5]), 1) == [1, 0]
    assert allocate_exact([1.0, 2.0, 3.0], 6) == [1, 2, 3]
    assert allocate_exact([], 0) == []


@given(
    st.lists(st.floats(min_value=-1e9, max_value=1e9), min_size=1, max_size=40),
    st.floats(min_value=-0.999, max_value=0.999),
)
def test_allocate_exact_sums_and_stays_within_one_fen(values: list[float], offset: float) -> None:
    total = round(math.fsum(values) + offset)
    assume(abs(math.fsum(values) - total) < 0.999)
    result = allocate_exact(values, total)
    assert all(isinstance(v, int) for v in result)
    assert sum(result) == total
    for r, v in zip(result, values, strict=True):
        assert math.floor(v) <= r <= math.floor(v) + 1
        assert abs(r - v) <= 1.0
    assert allocate_exact(values, total) == result  # deterministic


def test_allocate_exact_refuses() -> None:
    with pytest.raises(AttributionError, match="too far"):
        allocate_exact([1.2, 3.4], 10)
    with pytest.raises(AttributionError, match="too far"):
        allocate_exact([1.2, 3.4], 3)
    with pytest.raises(AttributionError, match="not finite"):
        allocate_exact([1.0, math.nan], 1)
    with pytest.raises(AttributionError, match="integer"):
        allocate_exact([1.0], 1.0)  # type: ignore[arg-type]
    with pytest.raises(AttributionError, match="integer"):
        allocate_exact([1.0], True)
    with pytest.raises(AttributionError, match="1-D"):
        allocate_exact([[1.0]], 1)  # type: ignore[list-item]
