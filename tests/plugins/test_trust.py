"""Tests for the trust scorer (steps.plugins.trust)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from fractions import Fraction

import attrs
import pluggy
import pytest
from hypothesis import given
from hypothesis import strategies as st

from steps.domain.enums import Platform, TrustSignalKind
from steps.domain.model import Account, Brand, Order, TrustSignal
from steps.plugins import BUILTIN_PLUGINS, trust
from steps.plugins._support import indicator_table
from steps.plugins.trust import (
    COMPONENTS,
    TrustScorer,
    applies,
    measured_refund_rate,
    signal_value,
)
from steps.scoring import hookspecs
from steps.scoring.contract import BrandScorer, ScoringContext
from steps.scoring.indicators import Component
from steps.testing import strategies
from tests.plugins.support import (
    check_card,
    check_definitions,
    check_measures,
    doc_block,
    empty_stream,
    example_block,
    minimal_brand,
)

SCORER = TrustScorer()
CONTEXT = ScoringContext()
K = TrustSignalKind


def signal(kind: TrustSignalKind, value: float, day: int | None = None) -> TrustSignal:
    return TrustSignal(kind, value, None if day is None else date(2022, 3, day))


def order(oid: str, amount: int, refunded: int, day: int = 1) -> Order:
    return Order(
        order_id=oid,
        buyer_key=f"u{oid}",
        placed_at=datetime(2022, 3, day, 12, tzinfo=UTC),
        amount_fen=amount,
        refunded_fen=refunded,
    )


def trusted_brand(category: str = "beauty") -> Brand:
    return Brand(
        brand_id="t",
        name="Trusted",
        category=category,
        window_start=date(2022, 3, 1),
        window_end=date(2022, 3, 31),
        accounts=(Account(account_id="acc", platform=Platform.KUAISHOU, name="Acc"),),
        orders=(order("o1", 10_000, 1_000), order("o2", 30_000, 0), order("o3", 60_000, 5_000)),
        trust_signals=(
            signal(K.TRUST_BUY, 1),
            signal(K.REFUND_WITHOUT_RETURN, 0),
            signal(K.STORE_EXPERIENCE_SCORE, 82.5, 10),
            signal(K.ON_TIME_SHIPPING_RATE, 0.945, 10),
            signal(K.COMPLAINT_RATE, 0.011, 10),
            signal(K.NEGATIVE_REVIEW_RATE, 0.03),
            signal(K.REFUND_RATE, 0.25),
        ),
    )


# --------------------------------------------------------------------------- by hand


def test_values_and_scores_by_hand() -> None:
    card = SCORER.score(trusted_brand(), CONTEXT)
    check_card(card, _trust_components(trusted_brand()))
    value = {i.key: i.value for i in card.indicators()}
    assert value["trust_buy"] == 1.0
    assert value["refund_without_return"] == 0.0  # recorded "not enrolled": a real zero
    assert value["trust_card"] is None  # not recorded: not available, never zero
    assert value["ip_protection"] is None
    assert value["measured_refund_rate"] == pytest.approx(6_000 / 100_000)
    # Lower is better: complaint 1.1% between floor 2% and target 0.2% -> 50 points.
    assert card.indicator("complaint_rate").score == pytest.approx(50.0)
    assert card.indicator("refund_rate").score == pytest.approx(50.0)
    assert card.indicator("measured_refund_rate").score == pytest.approx(100.0)
    assert card.indicator("store_experience_score").score == pytest.approx(50.0)
    assert card.indicator("on_time_shipping_rate").score == pytest.approx(50.0)
    # Promises: trust-buy (weight 2) at 100, refund without return (weight 1) at 0.
    assert card.component("promises").score == pytest.approx(200 / 3)
    assert card.confidence < 1.0
    assert "promises.trust_card: needs trust_signals[kind=trust_card]" in card.missing
    assert card.notes == {"signals_recorded": "7", "measured_refund_from": "orders"}


def test_not_applicable_promises_leave_the_card() -> None:
    beauty = SCORER.score(trusted_brand("beauty"), CONTEXT)
    keys = {i.key for i in beauty.indicators()}
    assert "jewellery_appraisal" not in keys
    assert "phone_warranty_180d" not in keys
    jewellery = SCORER.score(trusted_brand("珠宝翡翠"), CONTEXT)
    assert "jewellery_appraisal" in {i.key for i in jewellery.indicators()}
    assert jewellery.confidence < beauty.confidence  # applicable but not recorded
    phones = trusted_brand("Second-hand phones")
    assert applies(phones, K.PHONE_WARRANTY_180D)
    assert not applies(phones, K.JEWELLERY_APPRAISAL)
    # Recording the signal makes it apply whatever the category says.
    recorded = attrs.evolve(
        trusted_brand("beauty"),
        trust_signals=(*trusted_brand().trust_signals, signal(K.JEWELLERY_APPRAISAL, 1)),
    )
    card = SCORER.score(recorded, CONTEXT)
    assert card.indicator("jewellery_appraisal").score == 100.0


def test_latest_signal_wins_ties_are_averaged_and_the_window_applies() -> None:
    brand = attrs.evolve(
        trusted_brand(),
        trust_signals=(
            signal(K.COMPLAINT_RATE, 0.5),  # undated: older than any dated one
            signal(K.COMPLAINT_RATE, 0.02, 5),
            signal(K.COMPLAINT_RATE, 0.01, 9),
            signal(K.COMPLAINT_RATE, 0.03, 9),
            signal(K.COMPLAINT_RATE, 0.9, 31),
        ),
    )
    assert signal_value(brand, K.COMPLAINT_RATE) == pytest.approx(0.9)
    ended = attrs.evolve(brand, window_end=date(2022, 3, 20))
    assert signal_value(ended, K.COMPLAINT_RATE) == pytest.approx(0.02)
    undated = attrs.evolve(brand, trust_signals=(signal(K.TRUST_BUY, 1), signal(K.TRUST_BUY, 0)))
    assert signal_value(undated, K.TRUST_BUY) == 0.5
    assert signal_value(undated, K.COMPLAINT_RATE) is None


def test_measured_refund_rate_prefers_orders_then_streams() -> None:
    brand = trusted_brand()
    assert measured_refund_rate(brand) == pytest.approx((0.06, "orders"))
    stream = attrs.evolve(
        empty_stream(), uv=10, orders=2, buyers=1, gmv_fen=50_000, refund_fen=5_000
    )
    streams_only = attrs.evolve(minimal_brand(stream), trust_signals=brand.trust_signals)
    assert measured_refund_rate(streams_only) == pytest.approx((0.1, "streams"))
    # Orders outside the window do not count.
    late = attrs.evolve(
        brand, orders=(order("o9", 10_000, 10_000, 31),), window_end=date(2022, 3, 30)
    )
    assert measured_refund_rate(late) is None
    assert measured_refund_rate(Brand(brand_id="e", name="", category="")) is None


def test_empty_brand_scores_zero_with_zero_confidence() -> None:
    card = SCORER.score(Brand(brand_id="e", name="", category=""), CONTEXT)
    check_card(card, _trust_components(Brand(brand_id="e", name="", category="")))
    assert card.score == 0.0
    assert card.confidence == 0.0
    assert card.recommendations == ()
    assert len(card.missing) == 10  # every indicator but the two category-specific ones


def test_a_single_signal_scores_with_low_confidence() -> None:
    brand = Brand(brand_id="e", name="", category="", trust_signals=(signal(K.TRUST_BUY, 1),))
    card = SCORER.score(brand, CONTEXT)
    assert card.score == 100.0
    # trust-buy is 2 of the 4 weight points of the promises that apply, a third of the card
    assert card.confidence == pytest.approx((1 / 3) * (2 / 4))
    assert card.component("experience").score is None


def test_recommendation_for_a_weak_part_names_the_numbers() -> None:
    brand = attrs.evolve(trusted_brand(), orders=(order("o1", 10_000, 6_000),))
    card = SCORER.score(brand, CONTEXT)
    after_sales = next(r for r in card.recommendations if r.component == "after_sales")
    assert after_sales.indicator == "measured_refund_rate"
    assert "60.0% of GMV refunded" in after_sales.text
    assert after_sales.priority == 1


# --------------------------------------------------------------------------- properties


def _trust_components(brand: Brand) -> Sequence[Component[Brand]]:
    return SCORER.components(brand, CONTEXT)


@given(strategies.brands(max_trust_signals=8, max_orders=5))
def test_cards_keep_the_invariants(brand: Brand) -> None:
    card = SCORER.score(brand, CONTEXT)
    check_card(card, _trust_components(brand))
    check_measures(brand, COMPONENTS)


@given(
    strategies.brands(max_trust_signals=8),
    st.lists(strategies.trust_signals(), max_size=4),
    st.floats(0.0, 1.0),
)
def test_lower_reported_refund_rate_never_lowers_trust(
    brand: Brand, extra: list[TrustSignal], factor: float
) -> None:
    brand = attrs.evolve(brand, trust_signals=(*brand.trust_signals, *extra), coverage=None)
    lower = attrs.evolve(
        brand,
        trust_signals=tuple(
            attrs.evolve(s, value=s.value * factor) if s.kind is K.REFUND_RATE else s
            for s in brand.trust_signals
        ),
    )
    before, after = SCORER.score(brand, CONTEXT), SCORER.score(lower, CONTEXT)
    assert after.score >= before.score - 1e-9
    assert after.confidence == before.confidence


@given(strategies.brands(max_orders=6, max_streams=3), st.fractions(0, 1))
def test_lower_measured_refund_rate_never_lowers_trust(brand: Brand, factor: Fraction) -> None:
    lower = attrs.evolve(
        brand,
        orders=tuple(
            attrs.evolve(
                o, refunded_fen=None if o.refunded_fen is None else int(o.refunded_fen * factor)
            )
            for o in brand.orders
        ),
        streams=tuple(
            attrs.evolve(s, refund_fen=None if s.refund_fen is None else int(s.refund_fen * factor))
            for s in brand.streams
        ),
    )
    before, after = SCORER.score(brand, CONTEXT), SCORER.score(lower, CONTEXT)
    assert after.score >= before.score - 1e-9
    rate_before = before.indicator("measured_refund_rate").value
    rate_after = after.indicator("measured_refund_rate").value
    assert (rate_before is None) == (rate_after is None)
    if rate_before is not None and rate_after is not None:
        assert rate_after <= rate_before


@given(strategies.brands(), strategies.trust_signals())
def test_a_missing_signal_is_never_scored_as_zero(brand: Brand, added: TrustSignal) -> None:
    """Removing every signal of a kind makes its indicator unavailable (never 0)."""
    without = attrs.evolve(
        brand, trust_signals=tuple(s for s in brand.trust_signals if s.kind is not added.kind)
    )
    card = SCORER.score(without, CONTEXT)
    keys = {i.key: i for i in card.indicators()}
    if added.kind.value in keys:
        assert keys[added.kind.value].value is None
        assert keys[added.kind.value].contribution == 0.0


def test_every_indicator_is_documented_and_benchmarked() -> None:
    check_definitions(COMPONENTS, "trust")
    assert [c.key for c in COMPONENTS] == ["promises", "experience", "after_sales"]
    lower = {"complaint_rate", "negative_review_rate", "refund_rate", "measured_refund_rate"}
    for indicator in COMPONENTS[2].indicators:
        benchmark = indicator.defaults["*"]
        assert indicator.key in lower
        assert benchmark.target < benchmark.floor  # type: ignore[attr-defined]
    trust_buy = COMPONENTS[0].indicators[0]
    assert trust_buy.defaults["kuaishou"].source.startswith("DOMAIN.md §6")


def test_registers_through_the_hook() -> None:
    assert "steps.plugins.trust" in BUILTIN_PLUGINS
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    pm.register(trust)
    registered: list[object] = []
    pm.hook.steps_register_scorers(register=registered.append)
    (scorer,) = registered
    assert isinstance(scorer, BrandScorer)
    assert scorer.name == "trust"


# --------------------------------------------------------------------------- docs


def test_doc_table_matches_the_definitions() -> None:
    assert doc_block("trust.md", "indicators") == indicator_table(COMPONENTS)


def test_doc_worked_example_matches_the_sample() -> None:
    from steps.sample import sample_dataset

    brand = sample_dataset().brands[0]
    card = SCORER.score(brand, CONTEXT)
    assert doc_block("trust.md", "example") == example_block(card, brand, brand.brand_id)
