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

from steps.domain.enums import Platform, Section, TrustSignalKind
from steps.domain.model import Account, Brand, FanGroup, Order, SectionCoverage, TrustSignal
from steps.plugins import BUILTIN_PLUGINS, trust
from steps.plugins._support import indicator_table
from steps.plugins.trust import (
    COMPONENTS,
    TrustScorer,
    applies,
    fan_group_activity,
    measured_refund_rate,
    signal_value,
    trust_card_buyer_share,
)
from steps.scoring import hookspecs
from steps.scoring.contract import BrandScorer, ScoringContext
from steps.scoring.indicators import Component, Origin
from steps.scoring.results import ScoreCard
from steps.testing import strategies
from tests.plugins.support import (
    check_card,
    check_definitions,
    check_measures,
    check_provenance,
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


def order(oid: str, amount: int, refunded: int, day: int = 1, *, card: bool | None = None) -> Order:
    return Order(
        order_id=oid,
        buyer_key=f"u{oid}",
        placed_at=datetime(2022, 3, day, 12, tzinfo=UTC),
        amount_fen=amount,
        refunded_fen=refunded,
        trust_card=card,
    )


def trusted_brand(category: str = "beauty") -> Brand:
    return Brand(
        brand_id="t",
        name="Trusted",
        category=category,
        window_start=date(2022, 3, 1),
        window_end=date(2022, 3, 31),
        accounts=(
            Account(
                account_id="acc",
                platform=Platform.KUAISHOU,
                name="Acc",
                fan_group=FanGroup(members=200, active_members=60),
            ),
        ),
        orders=(
            order("o1", 10_000, 1_000, card=True),
            order("o2", 30_000, 0, card=False),
            order("o3", 60_000, 5_000),
        ),
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
    assert value["ip_protection"] is None  # not recorded: not available, never zero
    # uo1 held the card, uo2 did not, uo3's order does not say: 1 of 2
    assert value["trust_card_buyers"] == 0.5
    assert value["fan_group_activity"] == pytest.approx(0.3)
    assert value["measured_refund_rate"] == pytest.approx(6_000 / 100_000)
    # Lower is better: complaint 1.1% between floor 2% and target 0.2% -> 50 points.
    assert card.indicator("complaint_rate").score == pytest.approx(50.0)
    assert card.indicator("refund_rate").score == pytest.approx(50.0)
    assert card.indicator("measured_refund_rate").score == pytest.approx(100.0)
    assert card.indicator("store_experience_score").score == pytest.approx(50.0)
    assert card.indicator("on_time_shipping_rate").score == pytest.approx(50.0)
    # Promises: trust-buy alone (IP protection not recorded) at 100.
    assert card.component("promises").score == 100.0
    # Buyer trust: refund without return (weight 1) at 0; fan-group activity 0.3 against
    # floor 0.1, target 0.5 (weight 1) at 50; card holders 0.5 over target 0.3 (weight 0.5)
    # at 100.
    assert card.indicator("fan_group_activity").score == pytest.approx(50.0)
    assert card.component("buyer_trust").score == pytest.approx((0 + 50 + 50) / 2.5)
    assert card.confidence < 1.0
    assert "promises.ip_protection: needs trust_signals[kind=ip_protection]" in card.missing
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
    assert len(card.missing) == 11  # every indicator but the two category-specific ones


def test_a_single_signal_scores_with_low_confidence() -> None:
    brand = Brand(brand_id="e", name="", category="", trust_signals=(signal(K.TRUST_BUY, 1),))
    card = SCORER.score(brand, CONTEXT)
    assert card.score == 100.0
    # trust-buy is 2 of the 2.5 weight points of the promises that apply, a quarter of the card
    assert card.confidence == pytest.approx((1 / 4) * (2 / 2.5))
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


def available(card: ScoreCard) -> set[str]:
    return {i.key for i in card.indicators() if i.available}


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
    refund_before = before.indicator("measured_refund_rate").score
    refund_after = after.indicator("measured_refund_rate").score
    if refund_before is not None and refund_after is not None:
        assert refund_after >= refund_before - 1e-9
    # An order refunded in full is no sale: refunding it less can make it count where other
    # indicators read paid orders (the trust-card share of buyers), so the card as a whole is
    # compared only when the same indicators are available on both sides.
    if available(before) == available(after):
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
    assert [c.key for c in COMPONENTS] == ["promises", "buyer_trust", "experience", "after_sales"]
    lower = {"complaint_rate", "negative_review_rate", "refund_rate", "measured_refund_rate"}
    for indicator in COMPONENTS[3].indicators:
        benchmark = indicator.defaults["*"]
        assert indicator.key in lower
        assert benchmark.target < benchmark.floor  # type: ignore[attr-defined]
    trust_buy = COMPONENTS[0].indicators[0]
    assert trust_buy.defaults["kuaishou"].source.startswith("published: ")
    assert "sources.md#trust-kuaishou-trust-buy-2021" in trust_buy.defaults["kuaishou"].source


def test_every_indicator_says_where_it_comes_from() -> None:
    check_provenance(COMPONENTS, "trust.md")
    by_key = {i.key: i for c in COMPONENTS for i in c.indicators}
    # The trust card is a benefit for honest consumers, not a merchant enrolment: no flag.
    assert "trust_card" not in by_key
    card = by_key["trust_card_buyers"].provenance
    assert card is not None
    assert card.quote == "为诚信消费者推出“信任卡”等权益"
    # Fan-group operation sits beside refund without return, in the third layer.
    third = {i.key: i.provenance.quote for i in COMPONENTS[1].indicators if i.provenance}
    assert third["refund_without_return"] == third["fan_group_activity"]
    assert "粉丝团运营" in third["fan_group_activity"]
    assert trust.WEIGHTS.origin is Origin.ASSUMPTION


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


# --------------------------------------------------------------------------- unknown is unknown


def live_sessions_only() -> Brand:
    """What a live-session export alone gives: streams (with their refunds) and nothing else."""
    stream = attrs.evolve(
        empty_stream(), uv=10, orders=2, buyers=1, gmv_fen=50_000, refund_fen=2_000
    )
    return attrs.evolve(minimal_brand(stream), coverage=(SectionCoverage(Section.STREAMS),))


def test_a_live_session_export_alone_measures_only_its_refunds() -> None:
    brand = live_sessions_only()
    card = SCORER.score(brand, CONTEXT)
    check_card(card, _trust_components(brand))
    available = {i.key for i in card.indicators() if i.available}
    assert available == {"measured_refund_rate"}
    assert card.indicator("measured_refund_rate").value == pytest.approx(0.04)
    # One of four indicators of one of four components: confidence 1/16, and the three
    # other components have no score at all (never 0, never 100).
    assert card.confidence == pytest.approx(1 / 16)
    assert [c.score is None for c in card.components] == [True, True, True, False]
    assert card.recommendations == ()
    assert len(card.missing) == 10


def test_signals_and_sections_not_provided_are_not_read() -> None:
    brand = trusted_brand()
    # The orders' section and the fan groups stand, the signals were not exported.
    unsignalled = attrs.evolve(brand, trust_signals=())
    card = SCORER.score(unsignalled, CONTEXT)
    assert {i.key for i in card.indicators() if i.available} == {
        "fan_group_activity",
        "trust_card_buyers",
        "measured_refund_rate",
    }
    assert card.component("promises").score is None
    assert card.component("experience").score is None
    # A trust_card signal (a merchant flag) is not read as the consumer benefit.
    flagged = attrs.evolve(
        unsignalled,
        orders=tuple(attrs.evolve(o, trust_card=None) for o in brand.orders),
        trust_signals=(signal(K.TRUST_CARD, 1),),
    )
    assert trust_card_buyer_share(flagged) is None
    assert SCORER.score(flagged, CONTEXT).indicator("trust_card_buyers").value is None


def test_trust_card_share_counts_buyers_of_paid_orders() -> None:
    brand = trusted_brand()
    orders = (
        order("a1", 100, 0, card=True),
        attrs.evolve(order("a2", 100, 0, card=False), buyer_key="ua1"),  # same buyer: holds
        order("b1", 100, 100, card=True),  # refunded in full: not paid, not counted
        order("c1", 100, 0, card=False),
        order("d1", 100, 0, 31, card=True),  # outside the window end (30 March)
    )
    windowed = attrs.evolve(brand, orders=orders, window_end=date(2022, 3, 30))
    assert trust_card_buyer_share(windowed) == pytest.approx(1 / 2)


def test_fan_group_activity_needs_members() -> None:
    brand = trusted_brand()
    assert fan_group_activity(brand) == pytest.approx(0.3)
    empty = attrs.evolve(
        brand,
        accounts=tuple(
            attrs.evolve(a, fan_group=FanGroup(members=0, active_members=0)) for a in brand.accounts
        ),
    )
    assert fan_group_activity(empty) is None
    none = attrs.evolve(
        brand, accounts=tuple(attrs.evolve(a, fan_group=None) for a in brand.accounts)
    )
    assert fan_group_activity(none) is None
