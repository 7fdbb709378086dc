"""GMV identities: they multiply back to GMV, refuse what they cannot compute, register."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import pluggy
import pytest
from hypothesis import given
from hypothesis import strategies as st

from steps.domain.enums import Platform
from steps.domain.model import Stream, TalentCollab
from steps.gmv.identities import (
    BUILTIN_IDENTITIES,
    DOUYIN_FACT_PLUS,
    FUNNEL,
    KUAISHOU,
    TRADITIONAL,
    Factor,
    Identity,
    IdentityError,
    StreamTotals,
    collect_identities,
    safe_ratio,
)
from steps.plugins import BUILTIN_PLUGINS
from steps.scoring import hookspecs
from steps.scoring.hookspecs import hookimpl
from steps.scoring.plugins import (
    PluginError,
    PluginHost,
    StepsPluginWarning,
    make_plugin_manager,
)
from steps.testing import strategies as model_st
from tests.gmv.support import (
    FIVE_X0,
    FIVE_X1,
    five_factor_streams,
    make_stream,
    make_video,
    stream_lists,
)

# UV × (B / UV) × (GMV / O): not an identity (it is GMV × B / O).
BROKEN = Identity(
    "broken",
    "Broken",
    "错误",
    factors=(
        Factor.of_column("uv", name="UV", name_zh="观看人数", unit="viewers"),
        Factor.of_ratio("cvr", "buyers", "uv", name="CVR", name_zh="转化率", unit="share"),
        Factor.of_ratio("aov", "gmv_fen", "orders", name="AOV", name_zh="客单价", unit="fen"),
    ),
)

ORDERS_AOV = Identity(
    "orders-aov",
    "Orders × AOV",
    "订单数 × 客单价",
    factors=(
        Factor.of_column("orders", name="orders", name_zh="订单数", unit="orders"),
        Factor.of_ratio("aov", "gmv_fen", "orders", name="AOV", name_zh="客单价", unit="fen"),
    ),
)


def _product(values: np.ndarray) -> np.ndarray:
    out = values[:, 0].copy()
    for i in range(1, values.shape[1]):
        out *= values[:, i]
    return out


def _collab(collab_id: str, talent: str, **fields: Any) -> TalentCollab:
    base: dict[str, Any] = {
        "collab_id": collab_id,
        "talent_id": talent,
        "talent_name": talent,
        "platform": Platform.KUAISHOU,
        "talent_followers": 1000,
        "started_on": date(2021, 8, 1),
        "ended_on": date(2021, 8, 31),
        "streams": 3,
        "gmv_fen": 500_000,
        "commission_fen": 50_000,
        "orders": 50,
        "buyers": 40,
        "audience_reached": 4000,
    }
    base.update(fields)
    return TalentCollab(**base)


# ------------------------------------------------------------------------------ built-ins


def test_builtin_identities_are_the_documented_chains() -> None:
    assert [i.key for i in BUILTIN_IDENTITIES] == [
        "traditional",
        "kuaishou",
        "kuaishou-content-views",
        "funnel",
        "douyin-fact-plus",
    ]
    assert TRADITIONAL.formula() == "gmv_fen = uv × (buyers / uv) × (gmv_fen / buyers)"
    assert KUAISHOU.factor_keys == (
        "uv",
        "minutes_per_viewer",
        "buyers_per_minute",
        "orders_per_buyer",
        "aov",
    )
    assert KUAISHOU.formula() == (
        "gmv_fen = uv × (watch_minutes / uv) × (buyers / watch_minutes) × "
        "(orders / buyers) × (gmv_fen / orders)"
    )
    assert len(FUNNEL.factors) == 7
    assert FUNNEL.factors[0].key == "exposure"
    assert FUNNEL.factors[-1].formula == "gmv_fen / orders"
    assert DOUYIN_FACT_PLUS.factor_keys == (
        "exposure",
        "seeding_rate",
        "conversion",
        "aov_per_buyer",
    )
    assert TRADITIONAL.uv_first
    assert KUAISHOU.uv_first
    assert not FUNNEL.uv_first
    assert not DOUYIN_FACT_PLUS.uv_first
    for identity in BUILTIN_IDENTITIES:
        identity.verify()
        assert all(f.name and f.name_zh and f.unit for f in identity.factors)


def test_five_factor_values_from_streams() -> None:
    before, after = five_factor_streams()
    for streams, expected in ((before, FIVE_X0), (after, FIVE_X1)):
        values = KUAISHOU.factor_values(StreamTotals.from_streams(streams))
        np.testing.assert_allclose(values[0], expected, rtol=1e-15)


@given(streams=stream_lists("s", max_size=8))
def test_every_builtin_multiplies_back_on_positive_streams(streams: list[Stream]) -> None:
    exact = sum(s.gmv_fen for s in streams)
    videos = [make_video(f"v{i}", s.account_id, 1 + i) for i, s in enumerate(streams)]
    for by in (None, lambda s: s.account_id):
        totals = StreamTotals.from_streams(
            streams, by=by, short_videos=videos, video_by=lambda v: v.account_id
        )
        assert int(totals.gmv_fen_exact.sum()) == exact
        for identity in BUILTIN_IDENTITIES:
            values = identity.factor_values(totals)
            assert values.shape == (len(totals), len(identity.factors))
            assert (values > 0).all()
            np.testing.assert_allclose(_product(values), totals.gmv_fen_exact, rtol=1e-9)


@given(st.lists(model_st.streams(["a1", "a2"]), max_size=4, unique_by=lambda s: s.stream_id))
def test_arbitrary_valid_streams_multiply_back_or_are_refused(streams: list[Stream]) -> None:
    """Generated edge cases (zeros, None, huge amounts): never a silent mismatch."""
    totals = StreamTotals.from_streams(streams, by=lambda s: s.account_id)
    for identity in BUILTIN_IDENTITIES:
        try:
            values = identity.factor_values(totals)
        except IdentityError as error:
            message = str(error)
        else:
            gmv = totals.gmv_fen_exact.astype(float)
            assert np.all(np.abs(_product(values) - gmv) <= 1e-9 * gmv)
            continue
        assert repr(identity.key) in message


def test_identity_whose_factors_do_not_multiply_back_is_rejected() -> None:
    with pytest.raises(IdentityError, match=r"identity 'broken' does not multiply back"):
        BROKEN.verify()
    streams = [make_stream("s1", buyers=100, orders=200)]
    with pytest.raises(IdentityError) as caught:
        BROKEN.factor_values(StreamTotals.from_streams(streams))
    message = str(caught.value)
    assert "identity 'broken'" in message
    assert "segment 'all'" in message
    assert "550000.0" in message  # the product: 1,100,000 fen × 100 / 200
    assert "1100000.0" in message  # the measured GMV
    # consistent data where orders == buyers hides the error; the probe does not
    ORDERS_AOV.verify()


def test_zero_denominators_give_zero_factors() -> None:
    np.testing.assert_array_equal(safe_ratio([1.0, 0.0, 6.0], [0.0, 0.0, 3.0]), [0.0, 0.0, 2.0])
    empty = make_stream("s0", uv=0, watch_minutes=0, buyers=0, orders=0, gmv_yuan=0)
    values = KUAISHOU.factor_values(StreamTotals.from_streams([empty]))
    assert values.tolist() == [[0.0] * 5]


def test_inconsistent_zero_is_reported_with_the_zero_factor() -> None:
    # GMV and orders recorded but no buyers: GMV / buyers is undefined
    stream = make_stream("s1", buyers=0, orders=5, gmv_yuan=100)
    with pytest.raises(IdentityError) as caught:
        TRADITIONAL.factor_values(StreamTotals.from_streams([stream]))
    message = str(caught.value)
    assert "'cvr' (buyers / uv)" in message
    assert "'aov_per_buyer' (gmv_fen / buyers)" in message


def test_missing_optional_input_names_the_streams() -> None:
    streams = [
        make_stream("s1", exposure=5000),
        make_stream("s2"),
        make_stream("s3", exposure=4000),
        make_stream("s4"),
    ]
    totals = StreamTotals.from_streams(streams)
    assert "exposure" not in totals.columns
    with pytest.raises(
        IdentityError, match=r"needs exposure.*2 of 4 streams lack exposure: s2, s4"
    ):
        FUNNEL.factor_values(totals)
    with pytest.raises(IdentityError, match=r"no stream records product_click_uv"):
        DOUYIN_FACT_PLUS.factor_values(totals)
    KUAISHOU.factor_values(totals)  # needs no optional input


def test_many_missing_streams_are_abbreviated() -> None:
    streams = [make_stream(f"s{i}") for i in range(8)] + [make_stream("s8", exposure=2000)]
    with pytest.raises(
        IdentityError, match=r"8 of 9 streams lack exposure: s0, s1, s2, s3, s4 and 3 more"
    ):
        FUNNEL.factor_values(StreamTotals.from_streams(streams))


def test_talent_collaborations_support_only_identities_without_watch_time() -> None:
    collabs = [_collab("c1", "t1"), _collab("c2", "t1", gmv_fen=300_000), _collab("c3", "t2")]
    totals = StreamTotals.from_collabs(collabs, by=lambda c: c.talent_id)
    assert totals.labels == ("t1", "t2")
    assert totals.gmv_fen_exact.tolist() == [800_000, 500_000]
    assert totals.columns["uv"].tolist() == [8000.0, 4000.0]
    values = TRADITIONAL.factor_values(totals)
    np.testing.assert_allclose(_product(values), [800_000, 500_000], rtol=1e-12)
    with pytest.raises(IdentityError, match=r"needs watch_minutes.*talent collaborations"):
        KUAISHOU.factor_values(totals)


def test_custom_factor_function_is_checked() -> None:
    negative = Identity(
        "negative",
        "n",
        "n",
        factors=(
            Factor("minus", "minus", "负", "x", "-uv", lambda c: -c["uv"], ("uv",)),
            Factor.of_ratio("r", "gmv_fen", "uv", name="r", name_zh="r", unit="x"),
        ),
    )
    totals = StreamTotals.from_streams([make_stream("s1")])
    with pytest.raises(IdentityError, match=r"factor 'minus' is -1000.0 in segment 'all'.*>= 0"):
        negative.factor_values(totals)
    wrong_shape = Identity(
        "shape",
        "s",
        "s",
        factors=(Factor("two", "two", "二", "x", "[1, 2]", lambda c: [1.0, 2.0], ()),),
    )
    with pytest.raises(IdentityError, match=r"returned shape \(2,\), expected \(1,\)"):
        wrong_shape.factor_values(totals)
    unknown = Identity(
        "unknown",
        "u",
        "u",
        factors=(Factor.of_column("likes", name="l", name_zh="赞", unit="x"),),
    )
    with pytest.raises(IdentityError, match=r"reads column 'likes'"):
        unknown.factor_values(totals)


def test_identity_definitions_are_validated() -> None:
    uv = Factor.of_column("uv", name="UV", name_zh="观看人数", unit="viewers")
    with pytest.raises(ValueError, match="must match"):
        Identity("Bad Key", "x", "x", factors=(uv,))
    with pytest.raises(ValueError, match="at least one factor"):
        Identity("empty", "x", "x", factors=())
    with pytest.raises(ValueError, match="duplicate factor key 'uv'"):
        Identity("dup", "x", "x", factors=(uv, uv))
    with pytest.raises(TypeError, match="must be Factor objects"):
        Identity("notfactor", "x", "x", factors=("uv",))  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ totals


def test_from_columns_matches_from_streams() -> None:
    streams = [
        make_stream("s1", account="a", uv=100, watch_minutes=300, buyers=5, orders=6, gmv_yuan=60),
        make_stream("s2", account="b", uv=200, watch_minutes=500, buyers=7, orders=9, gmv_yuan=99),
        make_stream("s3", account="a", uv=300, watch_minutes=900, buyers=9, orders=9, gmv_yuan=81),
    ]
    by_stream = StreamTotals.from_streams(streams, by=lambda s: s.account_id)
    columns = StreamTotals.from_columns(
        {
            "uv": [100, 200, 300],
            "watch_seconds": [18_000, 30_000, 54_000],
            "buyers": [5, 7, 9],
            "orders": [6, 9, 9],
            "gmv_fen": np.array([6000, 9900, 8100], dtype=np.int64),
        },
        segments=np.array([0, 1, 0]),
        labels=["a", "b"],
    )
    assert columns.labels == by_stream.labels == ("a", "b")
    assert columns.gmv_fen_exact.tolist() == by_stream.gmv_fen_exact.tolist() == [14100, 9900]
    for name in ("uv", "watch_minutes", "buyers", "orders", "gmv_fen"):
        np.testing.assert_allclose(columns.columns[name], by_stream.columns[name], rtol=1e-15)
    np.testing.assert_allclose(
        KUAISHOU.factor_values(columns), KUAISHOU.factor_values(by_stream), rtol=1e-14
    )
    assert columns.missing["exposure"] == "not given"
    assert "exposure" in by_stream.missing


def test_from_columns_nan_marks_missing_values() -> None:
    totals = StreamTotals.from_columns(
        {"uv": [1.0, 2.0], "gmv_fen": [0, 0], "exposure": [5.0, math.nan]},
        ids=["s-a", "s-b"],
    )
    assert totals.missing["exposure"] == "1 of 2 streams lack exposure: s-b"
    assert totals.labels == ("all",)


@pytest.mark.parametrize(
    ("columns", "kwargs", "message"),
    [
        ({"uv": [1], "gmv_fen": [1], "likes": [1]}, {}, "unknown column 'likes'"),
        ({"uv": [1, 2], "gmv_fen": [1]}, {}, "has 1 values, expected 2"),
        ({"uv": [1.0, -2.0], "gmv_fen": [1, 1]}, {}, "holds -2.0 at row 1"),
        ({"uv": [1.0, math.inf], "gmv_fen": [1, 1]}, {}, "holds inf at row 1"),
        ({"uv": [1]}, {}, "must include gmv_fen"),
        ({"gmv_fen": [1.5]}, {}, "whole fen"),
        ({"gmv_fen": [1, 2]}, {"segments": [0, 2], "labels": ["x", "y"]}, r"in \[0, 2\)"),
        ({"gmv_fen": [1, 2]}, {"segments": [0, 1]}, "need labels"),
        ({"gmv_fen": [1, 2]}, {"segments": [0.0, 1.0], "labels": ["x", "y"]}, "integer codes"),
        ({"gmv_fen": [[1, 2]]}, {}, "must be 1-D"),
        ({"gmv_fen": [1.0, math.nan]}, {}, "gmv_fen is required for every stream"),
    ],
)
def test_from_columns_refuses_bad_input(
    columns: dict[str, Any], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(IdentityError, match=message):
        StreamTotals.from_columns(columns, **kwargs)


def test_gmv_sums_stay_exact_beyond_float_precision() -> None:
    big = 10**15 - 1  # the largest money amount is 10**15 fen
    gmv = np.array([big] * 20 + [1], dtype=np.int64)
    totals = StreamTotals.from_columns(
        {"gmv_fen": gmv}, segments=np.zeros(21, np.int64), labels=["x"]
    )
    assert int(totals.gmv_fen_exact[0]) == 20 * big + 1  # > 2**53: float sums would round
    assert int(totals.total().gmv_fen_exact[0]) == 20 * big + 1


def test_reindex_total_and_with_columns() -> None:
    streams = [make_stream("s1", account="b"), make_stream("s2", account="c", gmv_yuan=5)]
    totals = StreamTotals.from_streams(streams, by=lambda s: s.account_id)
    wider = totals.reindex(["a", "b", "c"])
    assert wider.labels == ("a", "b", "c")
    assert wider.gmv_fen_exact.tolist() == [0, 1_100_000, 500]
    assert wider.columns["uv"].tolist() == [0.0, 1000.0, 1000.0]
    assert totals.reindex(totals.labels) is totals
    total = totals.total()
    assert total.labels == ("all",)
    assert total.gmv_fen_exact.tolist() == [1_100_500]
    rows = total.with_columns(["p", "q"], orders=[1, 2], gmv_fen=[100, 200])
    assert rows.columns["uv"].tolist() == [2000.0, 2000.0]
    assert rows.columns["orders"].tolist() == [1.0, 2.0]
    assert rows.gmv_fen_exact.tolist() == [100, 200]
    with pytest.raises(IdentityError, match="one-row table"):
        totals.with_columns(["p"], gmv_fen=[1])
    with pytest.raises(IdentityError, match="distinct"):
        StreamTotals(("x", "x"), {}, np.zeros(2, np.int64))
    assert not wider.columns["uv"].flags.writeable


# ------------------------------------------------------------------------------ plugins


class _Registers:
    def __init__(self, *objects: object) -> None:
        self.objects = objects

    @hookimpl
    def steps_register_identities(self, register: Any) -> None:
        for obj in self.objects:
            register(obj)


class _Raises:
    @hookimpl
    def steps_register_identities(self, register: Any) -> None:
        raise RuntimeError("boom")


def _manager(*plugins: tuple[str, object]) -> pluggy.PluginManager:
    pm = make_plugin_manager(builtins=False, load_entrypoints=False, environ={})
    for name, plugin in plugins:
        pm.register(plugin, name=name)
    return pm


def test_plugin_host_collects_the_builtin_identities() -> None:
    others = [name for name in BUILTIN_PLUGINS if name != "steps.plugins.identities"]
    assert len(others) < len(BUILTIN_PLUGINS)  # the identities plugin is a built-in
    host = PluginHost(make_plugin_manager(load_entrypoints=False, block=others, environ={}))
    records = host.identities()
    assert [r.key for r in records] == [
        "douyin-fact-plus",
        "funnel",
        "kuaishou",
        "kuaishou-content-views",
        "traditional",
    ]
    assert {r.plugin.name for r in records} == {"steps.plugins.identities"}
    assert all(r.plugin.builtin for r in records)
    assert records[2].identity is KUAISHOU


def test_blocking_the_builtin_plugin_removes_the_identities() -> None:
    pm = make_plugin_manager(load_entrypoints=False, block=["steps.plugins.identities"], environ={})
    assert PluginHost(pm).identities() == ()


def test_collect_sorts_by_key() -> None:
    pm = _manager(("zeta", _Registers(ORDERS_AOV)), ("alpha", _Registers(TRADITIONAL)))
    assert [r.key for r in collect_identities(pm)] == ["orders-aov", "traditional"]


def test_duplicate_keys_name_both_plugins() -> None:
    pm = _manager(("first", _Registers(TRADITIONAL)), ("second", _Registers(TRADITIONAL)))
    with pytest.raises(
        PluginError, match=r"'traditional' is registered by two plugins.*'first'.*'second'"
    ) as caught:
        collect_identities(pm)
    assert caught.value.plugins == ("first", "second")
    twice = _manager(("twice", _Registers(TRADITIONAL, TRADITIONAL)))
    with pytest.raises(PluginError, match="registered twice by plugin 'twice'"):
        collect_identities(twice)


def test_broken_registrations_are_skipped_with_a_warning_or_refused_when_strict() -> None:
    pm = _manager(
        ("bad", _Registers(BROKEN, "not an identity", ORDERS_AOV)),
        ("raises", _Raises()),
    )
    with pytest.warns(StepsPluginWarning) as warned:
        records = collect_identities(pm)
    assert [r.key for r in records] == ["orders-aov"]
    messages = [str(w.message) for w in warned]
    assert any("plugin 'bad'" in m and "does not multiply back" in m for m in messages)
    assert any(
        "'not an identity'" in m and "not a steps.gmv.identities.Identity" in m for m in messages
    )
    assert any("plugin 'raises'" in m and "RuntimeError: boom" in m for m in messages)
    with pytest.raises(PluginError, match="broken identity"):
        collect_identities(_manager(("bad", _Registers(BROKEN))), strict=True)


def test_collect_adds_the_hookspec_to_a_bare_manager() -> None:
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)

    class Plugin:
        @hookimpl
        def steps_register_identities(self, register: Any) -> None:
            register(ORDERS_AOV)

    pm.register(Plugin(), name="plain")
    records = collect_identities(pm)
    assert [(r.key, r.plugin.name) for r in records] == [("orders-aov", "plain")]
    assert pm.hook.steps_register_identities.has_spec()
