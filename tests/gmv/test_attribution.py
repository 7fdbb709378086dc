"""Attribution of a GMV change: exact by factor, by segment × factor, and UV by source."""

from __future__ import annotations

import json
import math
import re
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from steps.domain.enums import Platform, TrafficSource
from steps.domain.model import Stream, StreamProduct, TalentCollab
from steps.gmv.attribution import (
    METHODS,
    NOT_ITEMISED,
    UNATTRIBUTED,
    Attribution,
    _allocate,
    _allocate_rows,
    attribute,
    format_yuan,
    uv_by_source,
    uv_by_source_change,
)
from steps.gmv.decompose import AttributionError, allocate_exact
from steps.gmv.identities import (
    BUILTIN_IDENTITIES,
    FUNNEL,
    KUAISHOU,
    TRADITIONAL,
    IdentityError,
    StreamTotals,
)
from tests.gmv.support import five_factor_streams, make_stream, make_video, stream_lists

DOCS = Path(__file__).resolve().parents[2] / "docs" / "gmv.md"

# Additive LMDI of the five-factor case in fen (tests/gmv/test_decompose.py × 100).
FIVE_LMDI_FEN = (
    270230.5114167778,
    270230.5114167778,
    330735.4163234872,
    128965.1608753998,
    -156161.6000324427,
)
# Shapley by hand (yuan): UV and minutes 2709.30, buyers/min 3309.55, orders/buyer 1298.80,
# AOV -1586.95 (see the permutation check below).
FIVE_SHAPLEY_FEN = (270930.0, 270930.0, 330955.0, 129880.0, -158695.0)


def _scale(result: Attribution, contributions: Any) -> float:
    """What float sums are relative to: the larger GMV, or the contributions' sizes when
    they offset each other (rounding is relative to them)."""
    sizes = float(np.abs(np.asarray(contributions, dtype=float)).sum())
    return max(result.gmv_before_fen, result.gmv_after_fen, sizes, 1)


def _check_sums(result: Attribution) -> None:
    """Contributions sum to ΔGMV: floats within 1e-9 relative, whole fen exactly."""
    scale = _scale(result, [f.contribution for f in result.factors])
    floats = math.fsum(f.contribution for f in result.factors)
    assert abs(floats - result.delta_fen) <= 1e-9 * scale
    assert sum(f.contribution_fen for f in result.factors) == result.delta_fen
    for f in result.factors:
        assert abs(f.contribution_fen - f.contribution) < 1.0 + 1e-9 * scale


def _check_matrix(result: Attribution) -> None:
    """The segment × factor matrix sums to the total over both axes."""
    matrix = result.segments
    assert matrix is not None
    c = matrix.contributions
    scale = _scale(result, c)
    assert c.shape == (len(matrix.labels), len(result.factors))
    # rows: each segment's change
    np.testing.assert_allclose(
        c.sum(axis=1), matrix.gmv_after - matrix.gmv_before, rtol=0, atol=1e-9 * scale
    )
    # columns, then rows: ΔGMV both ways
    assert abs(math.fsum(matrix.column_totals.tolist()) - result.delta_fen) <= 1e-9 * scale
    assert abs(math.fsum(c.sum(axis=1).tolist()) - result.delta_fen) <= 1e-9 * scale
    # whole fen: exact row sums and exact total, each cell within a fen of the float
    fen = matrix.contributions_fen
    assert int(fen.sum()) == result.delta_fen
    assert int(matrix.column_totals_fen.sum()) == result.delta_fen
    assert int(matrix.delta_fen.sum()) == result.delta_fen
    assert np.all(np.abs(fen - c) < 1.0 + 1e-9 * scale)
    if matrix.dimension != "traffic_source":
        np.testing.assert_array_equal(matrix.delta_fen, matrix.gmv_after - matrix.gmv_before)


# ------------------------------------------------------------------------------ the example


def test_five_factor_example_lmdi() -> None:
    before, after = five_factor_streams()
    result = attribute(KUAISHOU, before, after)
    assert (result.gmv_before_fen, result.gmv_after_fen, result.delta_fen) == (
        1_100_000,
        1_944_000,
        844_000,
    )
    np.testing.assert_allclose([f.contribution for f in result.factors], FIVE_LMDI_FEN, rtol=1e-13)
    assert [f.contribution_fen for f in result.factors] == [
        270231,
        270231,
        330735,
        128965,
        -156162,
    ]
    assert [f.before for f in result.factors] == pytest.approx([1000, 5, 0.02, 1.1, 10_000])
    assert [f.change for f in result.factors] == pytest.approx([0.2, 0.2, 0.25, 1 / 11, -0.1])
    assert result.factors[2].share == pytest.approx(330735.4163234872 / 844_000)
    assert result.change == pytest.approx(844_000 / 1_100_000)
    assert all(f.index is None for f in result.factors)
    _check_sums(result)
    # the largest positive driver and the largest drag, named apart
    assert result.largest_driver() is result.factors[2]
    assert result.largest_drag() is result.factors[4]
    assert result.summary() == (
        "GMV rose 76.7% (11,000.00 yuan → 19,440.00 yuan); largest positive driver: "
        "buyers per watch-minute (+3,307.35 yuan, 39.2% of the change); largest drag: "
        "AOV per order (-1,561.62 yuan)."
    )
    assert result.summary("zh") == (
        "GMV 增长 76.7%（1.10万元 → 1.94万元）；最大正向驱动：单位时长成交转化（+3,307.35 元，"
        "占变化的 39.2%）；最大拖累：客单价（-1,561.62 元）。"
    )
    # the other way round: the drag leads, with its share of the fall
    back = attribute(KUAISHOU, after, before)
    assert back.summary() == (
        "GMV fell 43.4% (19,440.00 yuan → 11,000.00 yuan); largest drag: "
        "buyers per watch-minute (-3,307.35 yuan, 39.2% of the change); largest positive "
        "driver: AOV per order (+1,561.62 yuan)."
    )


def test_five_factor_example_shapley_and_multiplicative() -> None:
    before, after = five_factor_streams()
    shap = attribute(KUAISHOU, before, after, method="shapley")
    np.testing.assert_allclose([f.contribution for f in shap.factors], FIVE_SHAPLEY_FEN, rtol=1e-13)
    _check_sums(shap)
    # Shapley by brute force over the 5! orders of switching factors to period 1
    import itertools

    x0 = [f.before for f in shap.factors]
    x1 = [f.after for f in shap.factors]
    phi = [0.0] * 5
    for order in itertools.permutations(range(5)):
        x = list(x0)
        for i in order:
            v = math.prod(x)
            x[i] = x1[i]
            phi[i] += (math.prod(x) - v) / 120
    np.testing.assert_allclose(phi, FIVE_SHAPLEY_FEN, rtol=1e-12)
    mult = attribute(KUAISHOU, before, after, method="multiplicative")
    assert [f.index for f in mult.factors] == pytest.approx([1.2, 1.2, 1.25, 12 / 11, 0.9])
    assert math.prod(f.index for f in mult.factors if f.index) == pytest.approx(1944 / 1100)
    np.testing.assert_allclose([f.contribution for f in mult.factors], FIVE_LMDI_FEN, rtol=1e-13)


def _doc_example_rows() -> list[list[str]]:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(
        r"<!-- five-factor-example:start -->\n(.*?)<!-- five-factor-example:end -->", text, re.S
    )
    assert match, "docs/gmv.md lost its five-factor example table"
    lines = [line for line in match.group(1).splitlines() if line.startswith("|")]
    return [[cell.strip().strip("`") for cell in line.strip("|").split("|")] for line in lines[2:]]


def test_docs_five_factor_example_matches_the_computation() -> None:
    before, after = five_factor_streams()
    lmdi = attribute(KUAISHOU, before, after, method="multiplicative")
    shap = attribute(KUAISHOU, before, after, method="shapley")
    rows = _doc_example_rows()
    assert [r[0] for r in rows] == [*KUAISHOU.factor_keys, "total"]
    for row, f, s in zip(rows, lmdi.factors, shap.factors, strict=False):
        scale = 100 if "fen" in f.unit else 1  # the doc shows AOV in yuan
        assert float(row[1]) == pytest.approx(f.before / scale)
        assert float(row[2]) == pytest.approx(f.after / scale)
        assert f.index is not None
        assert float(row[3]) == pytest.approx(f.index, abs=5e-7)
        assert row[4] == format_yuan(f.contribution_fen, signed=True)
        assert row[5] == format_yuan(s.contribution_fen, signed=True)
    total = rows[-1]
    assert float(total[1]) * 100 == lmdi.gmv_before_fen
    assert float(total[2]) * 100 == lmdi.gmv_after_fen
    assert float(total[3]) == pytest.approx(lmdi.gmv_after_fen / lmdi.gmv_before_fen, abs=5e-7)
    assert total[4] == total[5] == format_yuan(lmdi.delta_fen, signed=True)


def test_docs_uv_sentence_matches() -> None:
    before, after = five_factor_streams()
    sentence = uv_by_source_change(before, after).sentence()
    quoted = re.search(r"\n> (Viewers rose.*?)\n\n", DOCS.read_text(encoding="utf-8"), re.S)
    assert quoted
    assert " ".join(quoted.group(1).replace("\n> ", " ").split()) == sentence


# ------------------------------------------------------------------------------ properties


@st.composite
def _positive_totals(draw: st.DrawFn, k: int | None = None) -> StreamTotals:
    """Arbitrary positive column sums for a few segments (not necessarily consistent)."""
    size = k if k is not None else draw(st.integers(1, 4))
    value = st.floats(0.5, 1e6, allow_nan=False)
    columns = {
        name: draw(st.lists(value, min_size=size, max_size=size))
        for name in ("uv", "watch_minutes", "buyers", "orders")
    }
    gmv = draw(st.lists(st.integers(1, 10**11), min_size=size, max_size=size))
    labels = [f"g{i}" for i in range(size)]
    return StreamTotals.from_columns(
        {**columns, "gmv_fen": np.array(gmv, dtype=np.int64)},
        segments=np.arange(size),
        labels=labels,
    )


@given(_positive_totals(), _positive_totals(), st.sampled_from(METHODS))
def test_contributions_sum_to_the_change_for_arbitrary_positive_inputs(
    t0: StreamTotals, t1: StreamTotals, method: Any
) -> None:
    for identity in (TRADITIONAL, KUAISHOU):
        result = attribute(identity, t0, t1, method=method)
        assert result.delta_fen == int(t1.gmv_fen_exact.sum()) - int(t0.gmv_fen_exact.sum())
        _check_sums(result)
        if len(t0) > 1 or len(t1) > 1:
            _check_matrix(result)


@given(stream_lists("a"), stream_lists("b"), st.sampled_from(METHODS))
def test_streams_by_every_dimension_sum_over_both_axes(
    before: list[Stream], after: list[Stream], method: Any
) -> None:
    for by in ("account", "stream", "traffic_source", "product", lambda s: s.account_id[-1]):
        result = attribute(KUAISHOU, before, after, method=method, by=by)
        _check_sums(result)
        _check_matrix(result)
    for identity in (FUNNEL, TRADITIONAL):
        _check_matrix(attribute(identity, before, after, method=method, by="account"))


@given(_positive_totals(), _positive_totals())
def test_time_reversal_negates(t0: StreamTotals, t1: StreamTotals) -> None:
    forward = attribute(KUAISHOU, t0, t1)
    backward = attribute(KUAISHOU, t1, t0)
    assert [f.contribution for f in backward.factors] == [-f.contribution for f in forward.factors]
    for f, b in zip(forward.factors, backward.factors, strict=True):
        assert abs(f.contribution_fen + b.contribution_fen) <= 1
        assert (f.before, f.after) == (b.after, b.before)
    assert backward.delta_fen == -forward.delta_fen
    if forward.segments is not None:
        assert backward.segments is not None
        np.testing.assert_array_equal(
            backward.segments.contributions, -forward.segments.contributions
        )
    shap_f = attribute(KUAISHOU, t0, t1, method="shapley")
    shap_b = attribute(KUAISHOU, t1, t0, method="shapley")
    scale = _scale(shap_f, [f.contribution for f in shap_f.factors])
    for f, b in zip(shap_f.factors, shap_b.factors, strict=True):
        assert abs(f.contribution + b.contribution) <= 1e-9 * scale


@given(
    st.integers(1, 10**6),
    st.floats(1.1, 10.0),
    st.floats(0.2, 5.0),
    st.sampled_from(METHODS),
)
def test_an_unchanged_factor_contributes_zero(
    uv: int, growth: float, shrink: float, method: Any
) -> None:
    # minutes per viewer is 3 in both periods; UV and AOV change
    uv1 = max(1, int(uv * growth))
    before = [make_stream("s0", uv=uv, watch_minutes=3 * uv, buyers=1, orders=1, gmv_yuan=100)]
    after = [
        make_stream(
            "s1", uv=uv1, watch_minutes=3 * uv1, buyers=1, orders=1,
            gmv_yuan=max(1, int(100 * shrink)),
        )
    ]  # fmt: skip
    result = attribute(KUAISHOU, before, after, method=method)
    minutes = result.factors[1]
    assert minutes.before == minutes.after == 3.0
    assert minutes.contribution == 0.0
    assert minutes.contribution_fen == 0
    assert minutes.change == 0.0
    _check_sums(result)


def test_nothing_changes() -> None:
    before, _ = five_factor_streams()
    for method in METHODS:
        result = attribute(KUAISHOU, before, before, method=method)
        assert result.delta_fen == 0
        assert all(f.contribution == 0.0 and f.contribution_fen == 0 for f in result.factors)
        assert all(f.share is None for f in result.factors)
        assert result.driver() is None
        assert result.summary() == "GMV was unchanged at 11,000.00 yuan."


# ------------------------------------------------------------------------------ segments


def test_account_entry_and_exit_follow_the_zero_convention() -> None:
    before = [make_stream("s1", account="old", gmv_yuan=500, orders=10, buyers=10)]
    after = [
        make_stream("s2", account="old", gmv_yuan=800, orders=10, buyers=10),
        make_stream("s3", account="new", gmv_yuan=300, orders=5, buyers=5),
    ]
    result = attribute(KUAISHOU, before, after, by="account")
    matrix = result.segments
    assert matrix is not None
    assert matrix.labels == ("new", "old")
    # the new account's 300 yuan is shared by its five factors, all zero before
    assert matrix.contributions[0].tolist() == [6000.0] * 5
    assert matrix.contributions_fen[0].tolist() == [6000] * 5
    assert matrix.delta_fen.tolist() == [30_000, 30_000]
    _check_matrix(result)
    gone = attribute(KUAISHOU, after, before, by="account")
    assert gone.segments is not None
    assert gone.segments.contributions[0].tolist() == [-6000.0] * 5
    with pytest.raises(AttributionError, match="undefined"):
        attribute(KUAISHOU, [], after, method="multiplicative")
    assert attribute(KUAISHOU, [], after).factors[0].contribution == pytest.approx(
        result.gmv_after_fen / 5
    )


def test_top_segments_order_and_driver() -> None:
    before = [
        make_stream(f"s{i}", account=f"a{i}", gmv_yuan=1000, orders=10, buyers=10) for i in range(5)
    ]
    after = [
        make_stream("t0", account="a0", gmv_yuan=1000, orders=10, buyers=10),  # unchanged
        make_stream("t1", account="a1", gmv_yuan=3000, orders=30, buyers=10),  # +2000
        make_stream("t2", account="a2", gmv_yuan=500, orders=10, buyers=10),  # -500
        make_stream("t3", account="a3", gmv_yuan=1500, orders=10, buyers=10),  # +500
        make_stream("t4", account="a4", gmv_yuan=1000, uv=2000, orders=10, buyers=10),
    ]
    result = attribute(KUAISHOU, before, after, by="account")
    top = result.top_segments(3)
    assert [s.label for s in top] == ["a1", "a2", "a3"]  # |Δ| desc, ties by label
    assert top[0].delta_fen == 200_000
    assert top[0].driver == "orders_per_buyer"
    assert top[1].driver == "aov"
    assert top[0].share == pytest.approx(200_000 / result.delta_fen)
    assert result.top_segments(0) == ()
    assert len(result.top_segments(99)) == 5
    unchanged = result.segments.segment(0) if result.segments else None
    assert unchanged is not None
    assert unchanged.label == "a0"
    assert unchanged.driver is None
    # uv doubled, minutes per viewer halved: GMV unchanged, the row nets to zero
    a4 = result.segments.segment(4) if result.segments else None
    assert a4 is not None
    assert a4.delta_fen == 0
    assert a4.contributions[0] == -a4.contributions[1] != 0
    assert attribute(KUAISHOU, before, after).top_segments() == ()


def test_products_carry_the_stream_totals() -> None:
    before = [
        make_stream(
            "s1", gmv_yuan=1000, orders=20, buyers=20,
            products=[StreamProduct("p1", orders=10, gmv_fen=60_000),
                      StreamProduct("p2", orders=8, gmv_fen=30_000)],
        )
    ]  # fmt: skip
    after = [
        make_stream(
            "s2", gmv_yuan=1000, orders=20, buyers=20,
            products=[StreamProduct("p1", orders=12, gmv_fen=72_000),
                      StreamProduct("p3", orders=4, gmv_fen=20_000)],
        )
    ]  # fmt: skip
    result = attribute(KUAISHOU, before, after, by="product")
    matrix = result.segments
    assert matrix is not None
    assert matrix.labels == ("p1", "p2", "p3", NOT_ITEMISED)
    assert matrix.gmv_before.tolist() == [60_000, 30_000, 0, 10_000]
    assert matrix.gmv_after.tolist() == [72_000, 0, 20_000, 8_000]
    # UV, minutes, buyers/minute unchanged; p1 rose by orders per buyer only (AOV 60 yuan)
    p1 = matrix.contributions[0]
    assert p1[:3].tolist() == [0.0, 0.0, 0.0]
    assert p1[3] == pytest.approx(12_000)
    assert p1[4] == pytest.approx(0.0, abs=1e-9)
    # p2 left: orders per buyer and AOV are zero after and share its loss
    assert matrix.contributions[1].tolist() == [0.0, 0.0, 0.0, -15_000.0, -15_000.0]
    # p3 entered the same way
    assert matrix.contributions[2].tolist() == [0.0, 0.0, 0.0, 10_000.0, 10_000.0]
    # not itemised: carries total orders, so only AOV moves
    assert matrix.contributions[3][:4].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert matrix.contributions[3][4] == pytest.approx(-2_000)
    _check_matrix(result)


def test_traffic_source_splits_uv_and_carries_the_rest() -> None:
    before, after = five_factor_streams()
    result = attribute(KUAISHOU, before, after, by="traffic_source")
    matrix = result.segments
    assert matrix is not None
    assert matrix.labels == ("private", "public_natural", "short_video", "paid")
    np.testing.assert_allclose(
        matrix.gmv_before, [1_100_000 * 0.5, 1_100_000 * 0.3, 0, 1_100_000 * 0.2], rtol=1e-12
    )
    np.testing.assert_allclose(
        matrix.gmv_after, 1_944_000 * np.array([440, 450, 50, 260]) / 1200, rtol=1e-12
    )
    # the short-video source entered: all of it falls on UV
    assert matrix.contributions[2][0] == pytest.approx(1_944_000 * 50 / 1200)
    assert matrix.contributions[2][1:].tolist() == [0.0] * 4
    # every source shares the same ratio for the carried factors
    ratios = matrix.values_after[:, 1:] / matrix.values_before[:, 1:]
    assert np.allclose(ratios[[0, 1, 3]], ratios[0])
    _check_matrix(result)
    with pytest.raises(ValueError, match="first factor is UV; 'funnel' starts with 'exposure'"):
        attribute(FUNNEL, before, after, by="traffic_source")


def test_talent_segments() -> None:
    def collab(cid: str, talent: str, gmv: int, buyers: int, reached: int) -> TalentCollab:
        return TalentCollab(
            collab_id=cid, talent_id=talent, talent_name=talent, platform=Platform.DOUYIN,
            talent_followers=10_000, started_on=date(2021, 8, 1), ended_on=date(2021, 8, 30),
            streams=2, gmv_fen=gmv, commission_fen=0, orders=buyers, buyers=buyers,
            audience_reached=reached,
        )  # fmt: skip

    before = [collab("c1", "t1", 100_000, 10, 1000), collab("c2", "t2", 50_000, 5, 500)]
    after = [collab("c3", "t1", 200_000, 20, 1500), collab("c4", "t3", 30_000, 3, 400)]
    result = attribute(TRADITIONAL, before, after, by="talent")
    matrix = result.segments
    assert matrix is not None
    assert matrix.labels == ("t1", "t2", "t3")
    assert matrix.delta_fen.tolist() == [100_000, -50_000, 30_000]
    _check_sums(result)
    _check_matrix(result)
    with pytest.raises(IdentityError, match="talent collaborations do not record it"):
        attribute(KUAISHOU, before, after, by="talent")
    with pytest.raises(ValueError, match="pass TalentCollab objects"):
        attribute(TRADITIONAL, *five_factor_streams(), by="talent")
    with pytest.raises(ValueError, match="segmented by 'talent' or by a function"):
        attribute(TRADITIONAL, before, after, by="account")
    by_function = attribute(TRADITIONAL, before, after, by=lambda c: c.platform.value)
    assert by_function.segments is not None
    assert by_function.segments.labels == ("douyin",)


def test_columnar_segments_align_by_label() -> None:
    t0 = StreamTotals.from_columns(
        {"uv": [10, 20], "watch_minutes": [30, 40], "buyers": [1, 2], "orders": [1, 2],
         "gmv_fen": [100, 300]},
        segments=np.array([0, 1]), labels=["x", "y"],
    )  # fmt: skip
    t1 = StreamTotals.from_columns(
        {"uv": [15, 5], "watch_minutes": [30, 10], "buyers": [2, 1], "orders": [2, 1],
         "gmv_fen": [200, 50]},
        segments=np.array([0, 1]), labels=["y", "z"],
    )  # fmt: skip
    result = attribute(KUAISHOU, t0, t1)
    assert result.segments is not None
    assert result.segments.labels == ("x", "y", "z")
    assert result.segments.delta_fen.tolist() == [-100, -100, 50]
    _check_matrix(result)
    with pytest.raises(ValueError, match="attributed by their own rows"):
        attribute(KUAISHOU, t0, t1, by="account")
    assert attribute(KUAISHOU, t0.total(), t1.total()).segments is None


# ------------------------------------------------------------------------------ refusals


def test_negative_values_are_refused() -> None:
    with pytest.raises(IdentityError, match="values must be finite and >= 0"):
        StreamTotals.from_columns({"uv": [-1.0], "gmv_fen": [0]})
    hostile = StreamTotals(
        ("all",), {"uv": [-10.0], "buyers": [1.0], "gmv_fen": [100.0]}, np.array([100])
    )
    good = StreamTotals(("all",), {"uv": [10.0], "buyers": [1.0], "gmv_fen": [100.0]}, [100])
    with pytest.raises(AttributionError, match=r"factor 'uv' is -10.0.*must be finite and >= 0"):
        attribute(TRADITIONAL, hostile, good)


def test_bad_arguments() -> None:
    before, after = five_factor_streams()
    with pytest.raises(ValueError, match="unknown method 'ols'"):
        attribute(KUAISHOU, before, after, method="ols")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown dimension 'city'"):
        attribute(KUAISHOU, before, after, by="city")
    with pytest.raises(TypeError, match="only Stream or only TalentCollab"):
        attribute(KUAISHOU, [*before, "x"], after)  # type: ignore[arg-type]
    collab = TalentCollab(
        collab_id="c", talent_id="t", talent_name="t", platform=Platform.KUAISHOU,
        talent_followers=0, started_on=date(2021, 8, 1), ended_on=date(2021, 8, 1), streams=1,
        gmv_fen=0, commission_fen=0, orders=0, buyers=0,
    )  # fmt: skip
    with pytest.raises(TypeError, match="different kinds of input"):
        attribute(TRADITIONAL, before, [collab])
    with pytest.raises(IdentityError, match=r"needs exposure.*1 of 1 streams|no stream records"):
        attribute(FUNNEL, before, after)


# ------------------------------------------------------------------------------ whole fen


@given(
    st.lists(st.floats(-1e12, 1e12, allow_nan=False), min_size=1, max_size=6).flatmap(
        lambda row: st.tuples(st.just(row), st.integers(0, 1))
    )
)
def test_row_allocation_matches_allocate_exact(case: tuple[list[float], int]) -> None:
    row, nudge = case
    total = math.floor(math.fsum(row)) + nudge  # the floor or the ceiling of the sum
    matrix = np.array([row, row[::-1]])
    totals = np.array([total, total], dtype=np.int64)
    ints = _allocate_rows(matrix, totals)
    assert ints.sum(axis=1).tolist() == [total, total]
    try:
        expected = allocate_exact(row, total)
    except AttributionError:
        return
    assert ints[0].tolist() == expected


def test_large_amounts_still_allocate_to_the_exact_fen() -> None:
    # float rounding of 1e17 fen is ~16 fen: allocate_exact alone would refuse
    contributions = np.array([3e16 + 0.3, 7e16 - 0.1, 1.7])
    total = int(1e17) + 5
    ints = _allocate(contributions, total)
    assert sum(ints) == total
    assert all(abs(i - c) <= 64 for i, c in zip(ints, contributions, strict=True))
    with pytest.raises(AttributionError, match="too far apart"):
        _allocate(np.array([1.0, 2.0]), 100)


def test_many_huge_streams_attribute_exactly() -> None:
    big = 10**15 // 100  # yuan
    kw: dict[str, Any] = {"uv": 10**6, "watch_minutes": 10**6, "orders": 10**6, "buyers": 10**5}
    before = [make_stream(f"a{i}", gmv_yuan=big, **kw) for i in range(30)]
    after = [make_stream(f"b{i}", gmv_yuan=big - i, **kw) for i in range(40)]
    result = attribute(KUAISHOU, before, after, by="stream")
    assert result.gmv_before_fen == 30 * big * 100
    assert result.delta_fen == sum(s.gmv_fen for s in after) - 30 * big * 100
    _check_sums(result)
    _check_matrix(result)


# ------------------------------------------------------------------------------ UV by source


def test_uv_by_source_and_sentence() -> None:
    before, after = five_factor_streams()
    assert uv_by_source(before) == {
        "private": 500, "public_natural": 300, "short_video": 0, "paid": 200, "talent": 0,
        UNATTRIBUTED: 0,
    }  # fmt: skip
    change = uv_by_source_change(before, after)
    assert (change.uv_before, change.uv_after) == (1000, 1200)
    assert [s.source for s in change.sources] == [
        "private",
        "public_natural",
        "short_video",
        "paid",
    ]
    private = change.sources[0]
    assert private.change == pytest.approx(-0.12)
    assert private.share_before == 0.5
    assert private.share_after == pytest.approx(440 / 1200)
    assert change.sources[2].change is None
    assert change.sentence() == (
        "Viewers rose 20.0% (1,000 → 1,200): public natural viewers rose 50.0% (300 → 450), "
        "private-domain viewers fell 12.0% (500 → 440), paid viewers rose 30.0% (200 → 260), "
        "short-video viewers appeared (0 → 50)."
    )
    json.dumps(change.to_dict(), allow_nan=False)


def test_uv_sentence_edge_cases() -> None:
    assert uv_by_source_change([], []).sentence() == "No viewers in either period."
    plain = [make_stream("s1", uv=100, buyers=1, orders=1, watch_minutes=10)]
    assert uv_by_source_change(plain, plain).sentence() == (
        "Viewers were unchanged (100); no stream splits UV by source."
    )
    paid = [make_stream("s2", uv=100, uv_by_source={TrafficSource.PAID: 80})]
    gone = [make_stream("s3", uv=100, uv_by_source={TrafficSource.PRIVATE: 80})]
    sentence = uv_by_source_change(paid, gone).sentence()
    assert sentence == (
        "Viewers were unchanged (100): private-domain viewers appeared (0 → 80), "
        "paid viewers vanished (80 → 0), unattributed viewers were unchanged (20)."
    )
    assert uv_by_source_change([], paid).sentence().startswith("Viewers rose from 0 to 100:")
    assert "fell 50.0%" in uv_by_source_change(paid + gone, [make_stream("s4", uv=100)]).sentence()


def test_to_dict_is_json() -> None:
    before, after = five_factor_streams()
    for method in METHODS:
        result = attribute(KUAISHOU, before, after, method=method, by="traffic_source")
        document = result.to_dict(top=2)
        text = json.dumps(document, allow_nan=False, ensure_ascii=False)
        assert json.loads(text)["delta_fen"] == 844_000
        assert len(document["segments"]["top"]) == 2
        assert sum(f["contribution_fen"] for f in document["factors"]) == 844_000
        assert sum(document["segments"]["column_totals_fen"].values()) == 844_000
        assert (document["segments"]["indices"] is not None) == (method == "multiplicative")
    assert (
        len(attribute(KUAISHOU, before, after, by="stream").to_dict(top=None)["segments"]["top"])
        == 2
    )
    assert format_yuan(-5) == "-0.05"
    assert format_yuan(123_456_789, signed=True) == "+1,234,567.89"


def test_every_builtin_attributes_the_same_change() -> None:
    before = [
        make_stream("s1", exposure=20_000, product_exposure_uv=800, product_click_uv=200,
                    orders_created=130, views=1_400)
    ]  # fmt: skip
    after = [
        make_stream("s2", uv=1500, watch_minutes=6000, buyers=120, orders=150, gmv_yuan=16_000,
                    exposure=25_000, product_exposure_uv=1200, product_click_uv=300,
                    orders_created=170, views=2_000)
    ]  # fmt: skip
    videos = ([make_video("v1", views=400)], [make_video("v2", views=900)])
    for identity in BUILTIN_IDENTITIES:
        for method in METHODS:
            result = attribute(identity, before, after, method=method, short_videos=videos)
            assert result.delta_fen == 500_000
            _check_sums(result)


def test_extreme_shapley_contributions_stay_exact() -> None:
    # mixed-period products reach ~1e20 fen: cells beyond int64, still exact whole fen
    t0 = StreamTotals.from_columns(
        {"uv": [1.0], "watch_minutes": [2.0], "buyers": [1.0], "orders": [7189.0],
         "gmv_fen": [1150]},
        segments=np.array([0]), labels=["g0"],
    )  # fmt: skip
    t1 = StreamTotals.from_columns(
        {"uv": [343_522.0, 1.0], "watch_minutes": [1.0, 1.0], "buyers": [388_393.0, 1.0],
         "orders": [1.0, 1.0], "gmv_fen": [96_163, 748_850]},
        segments=np.array([0, 1]), labels=["g0", "g1"],
    )  # fmt: skip
    for method in METHODS:
        for a, b in ((t0, t1), (t1, t0)):
            result = attribute(KUAISHOU, a, b, method=method)
            _check_sums(result)
            _check_matrix(result)
    shap = attribute(KUAISHOU, t0, t1, method="shapley")
    assert shap.segments is not None
    assert max(abs(int(v)) for v in shap.segments.contributions_fen.ravel()) > 2**63
    assert shap.segments.delta_fen.tolist() == [95_013, 748_850]
