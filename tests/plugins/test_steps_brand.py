"""Tests for the STEPS brand scorer (steps.plugins.steps_brand)."""

from __future__ import annotations

import inspect
import math
import os
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pluggy
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import steps
from steps.domain.enums import (
    AgeBand,
    CityTier,
    LifecycleStage,
    Platform,
    ProductRole,
    Section,
    TrafficSource,
)
from steps.domain.fields import MAX_COUNT, MAX_ID_LENGTH, MAX_MONEY_FEN
from steps.domain.model import (
    Account,
    AudienceProfile,
    Brand,
    FanGroup,
    Order,
    PaidCampaign,
    Product,
    SectionCoverage,
    Stream,
    StreamProduct,
    TalentCollab,
)
from steps.plugins import BUILTIN_PLUGINS, steps_brand
from steps.plugins.steps_brand import (
    COMPONENTS,
    CONFIDENT_BUYERS,
    FOCUS_WEIGHT,
    HUNDRED_W_FEN,
    MATURE_REPURCHASE,
    ORDER_INDICATORS,
    PILLARS,
    SOURCES_PAGE,
    STAGE_NAMES_PROVENANCE,
    STAGE_THRESHOLDS,
    STAGE_WEIGHTS,
    STAGE_WEIGHTS_PROVENANCE,
    StepsScorer,
    all_indicators,
    article_map,
    brand_facts,
    indicator_sections,
    indicator_table,
    infer_stage,
    profile_overlap,
    stage_thresholds_table,
    stage_weights_table,
    weakest_pillar,
    worked_example,
)
from steps.scoring import hookspecs
from steps.scoring.contract import BrandScorer, ScoringContext
from steps.scoring.indicators import (
    BenchmarkOverrides,
    Component,
    Evaluation,
    Indicator,
    LinearBenchmark,
    Origin,
    Provenance,
)
from steps.scoring.messages import LANGUAGES, builtin_catalogue
from steps.scoring.results import ComponentResult, Recommendation, ScoreCard
from steps.testing import strategies

SCORER = StepsScorer()
CONTEXT = ScoringContext()
DOCS = Path(__file__).resolve().parents[2] / "docs"
DOC = DOCS / "scorers" / "steps.md"
TZ = UTC
TOLERANCE = 1e-9
#: A placeholder of a move template left unfilled.
UNFILLED = re.compile(r"\{(value|benchmark|[a-z]+_[a-z_]+|heroes|hero|tool|talents|exclusive)\}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def score(brand: Brand, context: ScoringContext = CONTEXT) -> ScoreCard:
    return SCORER.score(brand, context)


def candidates(brand: Brand, context: ScoringContext = CONTEXT) -> list[Recommendation]:
    """The scorer's candidate moves, in its own order, before they are ranked by stake."""
    card = score(brand, context)
    evaluation = Evaluation(card.score or 0.0, card.confidence, card.components, card.missing)
    return SCORER.recommendations(brand, evaluation, context)


def pillar(card: ScoreCard, key: str) -> float | None:
    return card.component(key).score


def check_card(card: ScoreCard) -> None:
    """The invariants every STEPS card keeps (a card whose confidence is too low to score
    may hold no score at all)."""
    assert 0.0 <= card.confidence <= 1.0
    assert [c.key for c in card.components] == list(PILLARS)
    if card.score is not None:
        assert math.isfinite(card.score)
        assert 0.0 <= card.score <= 100.0
        total = math.fsum(c.contribution for c in card.components)
        assert math.isclose(total, card.score, abs_tol=TOLERANCE)
    for component in card.components:
        assert component.score is None or 0.0 <= component.score <= 100.0
        parts = math.fsum(i.contribution for i in component.indicators)
        assert math.isclose(parts, component.contribution, abs_tol=TOLERANCE)
        for indicator in component.indicators:
            assert indicator.score is None or 0.0 <= indicator.score <= 100.0
            assert indicator.value is None or math.isfinite(indicator.value)
            if indicator.value is None:
                assert indicator.score is None
                assert indicator.missing
    assert card.notes["stage"] in {s.value for s in LifecycleStage}
    assert card.notes["stage_source"] in {"inferred", "override", "default"}
    assert card.notes["weakest_pillar"] in {*PILLARS, "none"}
    for recommendation in card.recommendations:
        assert recommendation.text
        assert not UNFILLED.search(recommendation.text), recommendation.text
        # A move comes only from an available indicator.
        if recommendation.indicator is not None:
            assert card.indicator(recommendation.indicator).available


# --------------------------------------------------------------------------- builders

START = date(2022, 3, 1)


def at(day: int, hour: int = 20, minute: int = 0) -> datetime:
    moment = datetime(START.year, START.month, START.day, hour, minute, tzinfo=TZ)
    return moment + timedelta(days=day)


def stream(
    stream_id: str,
    day: int,
    *,
    account_id: str = "a1",
    gmv: int = 1_000_000,
    hours: float = 2.0,
    hour: int = 20,
    **fields: object,
) -> Stream:
    values: dict[str, object] = {
        "stream_id": stream_id,
        "account_id": account_id,
        "started_at": at(day, hour),
        "duration_seconds": int(hours * 3600),
        "uv": 10_000,
        "watch_seconds": 10_000 * 60,
        "orders": 100 if gmv else 0,
        "buyers": 90 if gmv else 0,
        "gmv_fen": gmv,
    }
    values.update(fields)
    return Stream(**values)  # type: ignore[arg-type]


def account(account_id: str = "a1", **fields: object) -> Account:
    values: dict[str, object] = {
        "account_id": account_id,
        "platform": Platform.KUAISHOU,
        "name": f"account {account_id}",
    }
    values.update(fields)
    return Account(**values)  # type: ignore[arg-type]


def collab(
    collab_id: str, gmv: int, *, talent: str | None = None, **fields: object
) -> TalentCollab:
    values: dict[str, object] = {
        "collab_id": collab_id,
        "talent_id": talent or f"t-{collab_id}",
        "talent_name": f"达人{collab_id}",
        "platform": Platform.KUAISHOU,
        "talent_followers": 100_000,
        "started_on": START,
        "ended_on": START + timedelta(days=6),
        "streams": 2,
        "gmv_fen": gmv,
        "commission_fen": gmv // 5,
        "orders": 10 if gmv else 0,
        "buyers": 10 if gmv else 0,
    }
    values.update(fields)
    return TalentCollab(**values)  # type: ignore[arg-type]


def order(order_id: str, buyer: str, day: int, amount: int = 10_000, **fields: object) -> Order:
    values: dict[str, object] = {
        "order_id": order_id,
        "buyer_key": buyer,
        "placed_at": at(day, 21),
        "amount_fen": amount,
    }
    values.update(fields)
    return Order(**values)  # type: ignore[arg-type]


def brand(**fields: object) -> Brand:
    values: dict[str, object] = {"brand_id": "b", "name": "测试品牌", "category": "beauty"}
    values.update(fields)
    return Brand(**values)  # type: ignore[arg-type]


def covering(*sections: Section, start: date | None = None, end: date | None = None) -> tuple:
    return tuple(SectionCoverage(s, start, end) for s in sections)


def definition(key: str) -> Indicator[Brand]:
    (indicator,) = (i for i in all_indicators() if i.key == key)
    return indicator


def measure(key: str, subject: Brand) -> float | None:
    found = definition(key).measure
    assert found is not None
    return found(subject)


# --------------------------------------------------------------------------- definitions


def test_the_five_pillars_in_acronym_order():
    assert PILLARS == ("S", "T", "E", "P", "SS")
    assert [c.name_zh for c in COMPONENTS] == [
        "品牌自播",
        "公域流量加持",
        "达人分销",
        "私域运营",
        "渠道特供",
    ]


def test_every_indicator_is_documented_with_defaults_per_platform():
    keys = [i.key for i in all_indicators()]
    assert len(keys) == len(set(keys)), "indicator keys must be unique across the scorer"
    for indicator in all_indicators():
        assert re.fullmatch(r"[a-z0-9_]+", indicator.key)
        assert indicator.name
        assert indicator.name_zh
        assert indicator.unit
        assert indicator.formula
        assert indicator.inputs
        assert not indicator.advice, "advice belongs in the message catalogue"
        for language in LANGUAGES:
            advice = builtin_catalogue().template(f"steps.{indicator.key}.advice", language)
            assert advice is not None, (indicator.key, language)
            assert advice.endswith((".", "。")), (indicator.key, language)
        assert set(indicator.defaults) == {"kuaishou", "douyin", "*"}
        needs, needs_any = indicator_sections(indicator.key)
        assert needs or needs_any, f"{indicator.key} reads no section of data"


def _anchors(page: Path) -> set[str]:
    """The anchors of a docs page: explicit ``{#id}`` attributes."""
    return set(re.findall(r"\{#([a-z0-9-]+)\}", page.read_text(encoding="utf-8")))


def check_provenance(indicators: Sequence[Indicator[Any]]) -> None:
    """Every indicator says where it comes from: the article's words (Chinese), a published
    source cited on a shipped docs page with the anchor it names, or an assumption."""
    anchors = _anchors(DOCS / SOURCES_PAGE)
    for indicator in indicators:
        provenance = indicator.provenance
        assert provenance is not None, f"{indicator.key} has no provenance"
        assert provenance.note.strip(), indicator.key
        if provenance.origin is Origin.ARTICLE:
            assert provenance.quote is not None
            assert CJK.search(provenance.quote), (indicator.key, provenance.quote)
        elif provenance.origin is Origin.PUBLISHED:
            assert provenance.citation is not None
            page, _, anchor = provenance.citation.partition("#")
            assert page == SOURCES_PAGE
            assert anchor in anchors, (indicator.key, anchor)


def test_every_builtin_indicator_has_provenance():
    check_provenance(all_indicators())
    origins = {i.provenance.origin for i in all_indicators() if i.provenance is not None}
    assert Origin.ARTICLE in origins
    assert Origin.ASSUMPTION in origins


def test_the_provenance_check_fails_on_an_indicator_without_one():
    bare = Indicator[Brand](
        "bare", "Bare", "裸", "share", measure=lambda b: None, defaults={"*": LinearBenchmark(0, 1)}
    )
    with pytest.raises(AssertionError, match="bare has no provenance"):
        check_provenance([*all_indicators(), bare])
    cited = attrs.evolve(
        bare,
        provenance=Provenance(Origin.PUBLISHED, "x", citation=f"{SOURCES_PAGE}#no-such-anchor"),
    )
    with pytest.raises(AssertionError, match="no-such-anchor"):
        check_provenance([cited])


def test_every_benchmark_says_where_its_numbers_come_from():
    anchors = _anchors(DOCS / SOURCES_PAGE)
    for indicator in all_indicators():
        for benchmark in indicator.defaults.values():
            assert isinstance(benchmark, LinearBenchmark)
            source = benchmark.source
            assert source.startswith(("article: 「", "published: ", "assumption: ")), source
            if source.startswith("article: "):
                assert re.match(r"article: 「[^」]*[\u4e00-\u9fff][^」]*」", source), source
            for anchor in re.findall(rf"{re.escape(SOURCES_PAGE)}#([a-z0-9-]+)", source):
                assert anchor in anchors, (indicator.key, anchor)
            if source.startswith("published: "):
                assert f"{SOURCES_PAGE}#" in source, source


def test_the_package_cites_its_own_docs_never_a_developer_file():
    source = inspect.getsource(steps_brand)
    assert "DOMAIN" not in source
    assert "shared/" not in source
    assert (DOCS / SOURCES_PAGE).is_file()


def test_published_figures_are_cited_where_they_apply():
    repurchase = definition("repurchase_rate")
    kuaishou = repurchase.defaults["kuaishou"]
    assert isinstance(kuaishou, LinearBenchmark)
    assert kuaishou.target == 0.70
    assert "「2021年9月复购率快手电商突破70%」" in kuaishou.source
    public = definition("public_uv_share").defaults["kuaishou"].source
    assert public.startswith("published: ")
    assert "70% of Kuaishou live traffic" in public


def test_the_stage_and_its_numbers_are_labelled_as_the_librarys_own():
    assert STAGE_NAMES_PROVENANCE.origin is Origin.ASSUMPTION
    assert "names no stages" in STAGE_NAMES_PROVENANCE.note
    assert STAGE_WEIGHTS_PROVENANCE.origin is Origin.ASSUMPTION
    keys = {t.key for t in STAGE_THRESHOLDS}
    constants = {
        "LAUNCH_TALENT_SHARE",
        "LAUNCH_MAX_WEEKS",
        "MATURE_MIN_WEEKS",
        "MATURE_MAX_TALENT_SHARE",
        "MATURE_REPURCHASE",
        "MATURE_PRIVATE_SHARE",
        "MATURE_FAN_MEMBERS",
        "FOCUS_WEIGHT",
        "HUNDRED_W_FEN",
        "CONFIDENT_BUYERS",
    }
    assert constants <= keys
    for threshold in STAGE_THRESHOLDS:
        assert threshold.value == getattr(steps_brand, threshold.key), threshold.key
        if threshold.provenance.origin is Origin.ARTICLE:
            # A figure of the article used as a threshold: the use is said to be ours.
            assert "ours" in threshold.provenance.note, threshold.key
    # Nothing calls our weighting the article's.
    text = DOC.read_text(encoding="utf-8")
    assert "the article's order)" not in text
    assert "article's weights" not in text


def test_the_repurchase_thresholds_agree_with_one_definition_and_the_article():
    benchmark = definition("repurchase_rate").defaults["kuaishou"]
    assert isinstance(benchmark, LinearBenchmark)
    # The article: 65% platform average in 2020, above 70% in September 2021.
    assert MATURE_REPURCHASE == 0.65
    assert benchmark.floor < MATURE_REPURCHASE < benchmark.target
    (mature,) = (t for t in STAGE_THRESHOLDS if t.key == "MATURE_REPURCHASE")
    assert mature.provenance.quote == "2020年平台平均复购率高达65%"
    # The stage rule and the indicator read the same rate.
    subject = brand(orders=(order("o1", "k1", 0), order("o2", "k1", 1), order("o3", "k2", 1)))
    assert brand_facts(subject).repurchase == measure("repurchase_rate", subject) == 0.5


def test_stage_weights_sum_to_one_and_follow_the_methodology():
    for weights in STAGE_WEIGHTS.values():
        assert set(weights) == set(PILLARS)
        assert math.isclose(sum(weights.values()), 1.0)
    launch = STAGE_WEIGHTS[LifecycleStage.LAUNCH]
    growth = STAGE_WEIGHTS[LifecycleStage.GROWTH]
    mature = STAGE_WEIGHTS[LifecycleStage.MATURE]
    assert sorted(launch, key=launch.__getitem__)[-2:] == ["T", "E"]
    assert set(sorted(growth, key=growth.__getitem__)[-2:]) == {"S", "T"}
    assert sorted(mature, key=mature.__getitem__)[-2:] == ["SS", "P"]


def test_the_scorer_satisfies_the_brand_protocol():
    assert isinstance(SCORER, BrandScorer)
    assert SCORER.name == "steps"


def test_the_plugin_registers_the_scorer():
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    pm.register(steps_brand)
    registered: list[object] = []
    pm.hook.steps_register_scorers(register=registered.append)
    assert len(registered) == 1
    assert isinstance(registered[0], StepsScorer)
    assert "steps.plugins.steps_brand" in BUILTIN_PLUGINS


def test_the_builtin_is_found_by_the_plugin_host():
    from steps.scoring.plugins import PluginHost, make_plugin_manager

    host = PluginHost(make_plugin_manager(load_entrypoints=False, block=(), allow=()))
    assert isinstance(host.scorer("steps").scorer, StepsScorer)


# --------------------------------------------------------------------------- properties

SMALL_BRANDS = strategies.brands(max_streams=6, max_orders=8, max_collabs=3)


@given(SMALL_BRANDS)
def test_any_brand_gets_a_valid_card(subject: Brand):
    check_card(score(subject))


@given(SMALL_BRANDS, st.sampled_from(list(LifecycleStage)))
def test_any_stage_override_gives_a_valid_card(subject: Brand, stage: LifecycleStage):
    card = score(subject, ScoringContext(options={"steps.stage": stage.value}))
    check_card(card)
    assert card.notes["stage"] == stage.value
    assert card.notes["stage_source"] == "override"


@given(SMALL_BRANDS)
def test_a_section_not_provided_never_gives_a_value(subject: Brand):
    card = score(subject)
    for indicator in all_indicators():
        needs, needs_any = indicator_sections(indicator.key)
        if not all(subject.provided(s) for s in needs) or (
            needs_any and not any(subject.provided(s) for s in needs_any)
        ):
            assert card.indicator(indicator.key).value is None, indicator.key


@given(SMALL_BRANDS, st.data())
# Most small brands drawn have no paid order inside their order window, which the property
# needs; the rejections are expected, not a strategy gone wrong.
@settings(suppress_health_check=[HealthCheck.filter_too_much])
def test_adding_repeat_orders_never_lowers_the_private_domain(subject: Brand, data):
    assume(any(o.paid for o in subject.orders))
    base = data.draw(st.sampled_from([o for o in subject.orders if o.paid]))
    window = brand_facts(subject).order_window
    assume(window is not None and window[0] <= base.placed_at.date() <= window[1])
    extra = data.draw(st.integers(1, 3))
    taken = {o.order_id for o in subject.orders}
    # Ids that sort after the base order's, at its time: the base keeps its place.
    new = tuple(
        Order(
            order_id=_fresh(f"{base.order_id[: MAX_ID_LENGTH - 4]}~{n}", taken),
            buyer_key=base.buyer_key,
            placed_at=base.placed_at,
            amount_fen=base.amount_fen,
        )
        for n in range(extra)
    )
    assume(all(o.order_id > base.order_id for o in new))
    richer = attrs.evolve(subject, orders=subject.orders + new)
    before, after = score(subject), score(richer)
    for key in ("repurchase_rate", "purchase_frequency"):
        rate_before, rate_after = measure(key, subject), measure(key, richer)
        assert rate_before is not None
        assert rate_after is not None
        assert rate_after >= rate_before
    p_before, p_after = pillar(before, "P"), pillar(after, "P")
    assert p_before is not None
    assert p_after is not None
    assert p_after >= p_before - TOLERANCE


def _fresh(base: str, taken: set[str]) -> str:
    name = base
    while name in taken:
        name += "x"
    taken.add(name)
    return name


def _replace_stream(subject: Brand, index: int, new: Stream) -> Brand:
    streams = (*subject.streams[:index], new, *subject.streams[index + 1 :])
    return attrs.evolve(subject, streams=streams)


@given(SMALL_BRANDS, st.data())
def test_more_paid_gmv_never_lowers_public_traffic(subject: Brand, data):
    assume(subject.streams)
    # Without a campaign report the streams' own split measures ROI.
    subject = attrs.evolve(subject, paid_campaigns=())
    index = data.draw(st.integers(0, len(subject.streams) - 1))
    old = subject.streams[index]
    assume(old.gmv_fen < MAX_MONEY_FEN)
    # Make the stream a paid one with a GMV split, so that its ROI is measured.
    paid = attrs.evolve(
        old,
        paid_spend_fen=max(old.paid_spend_fen or 0, 1),
        gmv_by_source=dict(old.gmv_by_source) or {TrafficSource.PAID: 0},
    )
    base = _replace_stream(subject, index, paid)
    added = data.draw(st.integers(1, min(MAX_MONEY_FEN - old.gmv_fen, 10**9)))
    by_source = dict(paid.gmv_by_source)
    by_source[TrafficSource.PAID] = by_source.get(TrafficSource.PAID, 0) + added
    orders = max(old.orders, 1)
    created = None if old.orders_created is None else max(old.orders_created, orders)
    richer = _replace_stream(
        base,
        index,
        attrs.evolve(
            paid,
            gmv_fen=old.gmv_fen + added,
            gmv_by_source=by_source,
            orders=orders,
            orders_created=created,
        ),
    )
    roi_before = measure("paid_roi", base)
    roi_after = measure("paid_roi", richer)
    assert roi_before is not None
    assert roi_after is not None
    assert roi_after > roi_before
    t_before, t_after = pillar(score(base), "T"), pillar(score(richer), "T")
    assert t_before is not None
    assert t_after is not None
    assert t_after >= t_before - TOLERANCE


@given(SMALL_BRANDS, st.data())
def test_more_reservations_never_lower_any_pillar(subject: Brand, data):
    assume(subject.streams)
    index = data.draw(st.integers(0, len(subject.streams) - 1))
    old = subject.streams[index]
    if old.reservations is None:  # recorded, at the least it can be
        old = attrs.evolve(old, reservations=old.reserved_attendees or 0)
        subject = _replace_stream(subject, index, old)
    assert old.reservations is not None
    assume(old.reservations < MAX_COUNT)
    more = data.draw(st.integers(1, min(MAX_COUNT - old.reservations, 10**6)))
    new = attrs.evolve(old, reservations=old.reservations + more)
    before, after = score(subject), score(_replace_stream(subject, index, new))
    for key in PILLARS:
        old_score, new_score = pillar(before, key), pillar(after, key)
        if old_score is not None:
            assert new_score is not None
            assert new_score >= old_score - TOLERANCE


@given(SMALL_BRANDS)
def test_values_are_never_nan_and_missing_is_never_zero(subject: Brand):
    card = score(subject)
    for indicator in card.indicators():
        if indicator.value is None:
            assert any(m.split(":")[0].endswith(f".{indicator.key}") for m in card.missing)


# --------------------------------------------------------------------------- unknown is unknown


def live_sessions_only() -> Brand:
    """What a Kuaishou live-session list (直播明细) gives: six days of streams with their
    counts, paid spend and new followers, no traffic split, nothing else."""
    streams = tuple(
        stream(
            f"s{day}",
            day,
            account_id="a1" if day % 2 == 0 else "a2",
            shares=300,
            new_followers=200,
            fan_group_joins=40,
            paid_spend_fen=400_000,
            comments=900,
            likes=5_000,
        )
        for day in (0, 2, 5)
    )
    return brand(
        accounts=(account("a1"), account("a2")),
        streams=streams,
        coverage=covering(Section.STREAMS, start=START, end=START + timedelta(days=5)),
    )


def test_a_live_session_export_scores_only_what_it_holds():
    subject = live_sessions_only()
    card = score(subject)
    check_card(card)
    for key in ("E", "P", "SS"):
        assert pillar(card, key) is None, key
    assert pillar(card, "S") is not None
    # T rests on the one thing the export holds about paid traffic: its cost per new fan.
    available = {i.key for i in card.component("T").indicators if i.available}
    assert available == {"cost_per_new_fan"}
    # ¥4,000 × 3 streams / (200 × 3) new fans = ¥20 per fan: the floor, a real 0.
    assert card.indicator("cost_per_new_fan").value == pytest.approx(20.0)
    # Shares alone never judge the private domain.
    assert card.indicator("fan_shares_per_100_viewers").value is None
    assert card.confidence < 0.5


def test_a_live_session_export_gives_no_move_about_talents_or_repurchase():
    card = score(live_sessions_only())
    keys_of = {c.key: {i.key for i in c.indicators} for c in COMPONENTS}
    for recommendation in card.recommendations:
        assert recommendation.indicator not in keys_of["E"] | keys_of["P"]
        words = recommendation.text.lower()
        assert "recruit" not in words
        assert "repurchase" not in words
        assert "coupon for their next order" not in words
    requests = {r.component: r.text for r in card.recommendations if r.indicator is None}
    assert set(requests) >= {"E", "P"}
    assert "Elite / talent distribution cannot be judged" in requests["E"]
    assert "without talent collaboration results" in requests["E"]
    assert "would let STEPS judge it" in requests["E"]
    assert "order details or fan-group data" in requests["P"]


def test_a_short_window_says_it_cannot_tell_the_stage():
    card = score(live_sessions_only())
    assert card.notes["stage_source"] == "default"
    assert card.notes["stage"] == "growth"
    reason = card.notes["stage_reason"]
    assert reason.startswith("too short to tell: the data shows 6 days of self-broadcast")
    assert "began" not in reason
    evidence = card.notes["stage_evidence"]
    assert "self-broadcast at least 6 days (the first stream the data holds is on 2022-03-01" in (
        evidence
    )
    assert "talent GMV share not provided" in evidence
    assert "repurchase rate not provided" in evidence
    chinese = score(live_sessions_only(), ScoringContext(language="zh"))
    assert chinese.notes["stage_reason"].startswith("数据太短,无法判断:只看到 6 天的自播")


def test_an_account_opening_date_dates_the_start():
    subject = attrs.evolve(
        live_sessions_only(),
        accounts=(account("a1", opened_on=START - timedelta(days=13)), account("a2")),
    )
    inference = infer_stage(subject)
    assert inference.stage is LifecycleStage.LAUNCH
    assert inference.source == "inferred"
    # 2022-02-16 .. 2022-03-06: 19 days.
    assert inference.reason == (
        "self-broadcast began 3 weeks ago (the earliest account that streams opened on 2022-02-16)"
    )
    assert "self-broadcast 3 weeks (since 2022-02-16)" in inference.evidence


def test_talent_collaborations_provided_and_empty_are_a_real_zero():
    streams = (stream("s1", 0), stream("s2", 1))
    provided = brand(
        accounts=(account(),),
        streams=streams,
        coverage=covering(Section.STREAMS, Section.TALENT_COLLABS),
    )
    card = score(provided)
    assert pillar(card, "E") == 0.0
    assert card.indicator("talent_gmv_share").value == 0.0
    assert card.indicator("talent_count").value == 0.0
    assert card.indicator("distribution_level").value == 0.0
    # Not provided: unknown, never zero.
    silent = brand(accounts=(account(),), streams=streams)
    assert pillar(score(silent), "E") is None
    assert measure("talent_count", silent) is None


def test_a_window_without_streams_measures_zero_cadence_only_when_streams_were_provided():
    window = {"window_start": START, "window_end": START + timedelta(days=13)}
    talent_only = brand(talent_collabs=(collab("c1", 5_000_000),), **window)
    assert measure("streaming_days_per_week", talent_only) is None
    assert measure("talent_gmv_share", talent_only) is None  # self-broadcast GMV unknown
    declared = attrs.evolve(talent_only, coverage=covering(Section.STREAMS, Section.TALENT_COLLABS))
    assert measure("streaming_days_per_week", declared) == 0.0
    assert measure("active_matrix_accounts", declared) == 0.0
    assert measure("talent_gmv_share", declared) == 1.0


# --------------------------------------------------------------------------- small brands


def test_an_empty_brand_scores_zero_with_zero_confidence():
    card = score(brand())
    check_card(card)
    assert card.score in (0.0, None)  # None where a minimum confidence withholds it
    assert card.confidence == 0.0
    assert all(c.score is None for c in card.components)
    assert card.notes["stage"] == "growth"
    assert card.notes["stage_source"] == "default"
    assert card.notes["weakest_pillar"] == "none"
    assert len(card.missing) == len(all_indicators())


def test_a_minimal_brand_scores_with_low_confidence():
    minimal = brand(accounts=(account(),), streams=(stream("s1", 0),))
    card = score(minimal)
    check_card(card)
    assert card.confidence < 0.7
    assert card.missing
    assert measure("repurchase_rate", minimal) is None  # no orders: unknown, not zero
    assert "P.repurchase_rate: needs orders[].buyer_key, orders[].placed_at" in card.missing


def test_weekly_rates_use_the_coverage_dates_within_the_window():
    streams = (stream("s1", 0, hours=2), stream("s2", 7, hours=3), stream("s3", 7, hour=8))
    windowed = brand(
        window_start=START,
        window_end=START + timedelta(days=27),
        accounts=(account(),),
        streams=streams,
    )
    # Four weeks; streams on two distinct days; 2 + 3 + 2 hours.
    assert measure("streaming_days_per_week", windowed) == pytest.approx(2 / 4)
    assert measure("streaming_hours_per_week", windowed) == pytest.approx(7 / 4)
    # The streams export covers only the first two weeks of the window.
    covered = attrs.evolve(
        windowed, coverage=covering(Section.STREAMS, end=START + timedelta(days=13))
    )
    assert measure("streaming_days_per_week", covered) == pytest.approx(2 / 2)
    open_window = attrs.evolve(windowed, window_start=None, window_end=None)
    # Eight days from the first to the last stream: 8 / 7 weeks.
    assert measure("streaming_days_per_week", open_window) == pytest.approx(2 / (8 / 7))
    single = brand(accounts=(account(),), streams=(stream("s1", 0),))
    assert measure("streaming_days_per_week", single) == pytest.approx(1.0)  # at least a week
    assert measure("streaming_days_per_week", brand()) is None


def test_schedule_regularity_counts_streams_in_the_usual_slot():
    hours = [20, 20, 21, 20, 9, 20]  # 21:00 is within an hour of 20:00, 9:00 is not
    streams = tuple(stream(f"s{i}", i, hour=h) for i, h in enumerate(hours))
    subject = brand(accounts=(account(),), streams=streams)
    assert measure("schedule_regularity", subject) == pytest.approx(5 / 6)
    midnight = tuple(stream(f"m{i}", i, hour=h) for i, h in enumerate([23, 0, 23, 0]))
    assert measure("schedule_regularity", brand(accounts=(account(),), streams=midnight)) == 1.0


def test_hero_explanations_count_heroes_absent_from_a_stream_as_zero():
    products = (
        Product("h1", "爆款", "beauty", 9900, role=ProductRole.HERO),
        Product("h2", "主推", "beauty", 5900, role=ProductRole.HERO),
        Product("x", "利润款", "beauty", 19900, role=ProductRole.PROFIT),
    )
    streams = (
        stream(
            "s1",
            0,
            products=(StreamProduct("h1", explain_count=4), StreamProduct("x", explain_count=9)),
        ),
        stream("s2", 1, products=(StreamProduct("h1", explain_count=2),)),
        stream("s3", 2),  # no product records: not counted
    )
    subject = brand(accounts=(account(),), products=products, streams=streams)
    assert measure("hero_explains_per_stream", subject) == pytest.approx((4 + 0 + 2 + 0) / 4)


def test_cold_start_compares_the_later_and_earlier_first_streams_of_a_new_account():
    gmvs = [100, 100, 300, 300]
    streams = tuple(stream(f"s{i}", i, gmv=g * 100) for i, g in enumerate(gmvs))
    new = brand(accounts=(account(opened_on=START),), streams=streams)
    assert measure("cold_start_growth", new) == pytest.approx(3.0)
    old = brand(accounts=(account(opened_on=START - timedelta(days=365)),), streams=streams)
    assert measure("cold_start_growth", old) is None  # its cold start is not in the data


def test_self_broadcast_is_measured_by_capacity_not_as_the_talents_complement():
    # S read as 1 − talent share rewarded the opposite of E; no S indicator reads talents.
    for indicator in COMPONENTS[0].indicators:
        needs, needs_any = indicator_sections(indicator.key)
        assert Section.TALENT_COLLABS not in (*needs, *needs_any), indicator.key
    assert "self_gmv_share" not in {i.key for i in all_indicators()}
    streams = tuple(stream(f"s{i}", i, hour=20) for i in range(0, 14, 2))
    own = brand(
        window_start=START,
        window_end=START + timedelta(days=13),
        accounts=(account(),),
        streams=streams,
        coverage=covering(Section.STREAMS, Section.TALENT_COLLABS),
    )
    with_talents = attrs.evolve(own, talent_collabs=(collab("c1", 900_000_000),))
    assert pillar(score(own), "S") == pillar(score(with_talents), "S")
    assert pillar(score(own), "E") != pillar(score(with_talents), "E")


def test_the_range_is_built_step_by_step():
    def items(*ids: str) -> tuple[StreamProduct, ...]:
        return tuple(StreamProduct(i, orders=1, gmv_fen=100) for i in ids)

    streams = (
        stream("s1", 0, products=items("a", "b")),  # the account's first range: not counted
        stream("s2", 1, products=items("a", "b", "c")),  # one new: a step
        stream("s3", 2, products=items("c", "d", "e", "f")),  # three new: not a step
        stream("s4", 3),  # no product records: not counted
        stream("s5", 4, products=items("a", "f", "g")),  # one new: a step
        stream("x1", 0, account_id="a2", products=items("z")),  # alone on its account
    )
    products = tuple(Product(i, i, "beauty", 100) for i in "abcdefgz")
    subject = brand(accounts=(account("a1"), account("a2")), products=products, streams=streams)
    assert measure("range_step_share", subject) == pytest.approx(2 / 3)
    single = brand(accounts=(account(),), products=products, streams=streams[:1])
    assert measure("range_step_share", single) is None


def test_bundles_share_of_gmv_counts_products_whose_bundle_flag_is_recorded():
    products = (
        Product("set", "爆款套装", "beauty", 29900, bundle=True),
        Product("one", "单品", "beauty", 9900, bundle=False),
        Product("unk", "未知", "beauty", 9900),  # the list does not say: left out
    )
    sold = (
        StreamProduct("set", orders=3, gmv_fen=30_000),
        StreamProduct("one", orders=9, gmv_fen=90_000),
        StreamProduct("unk", orders=5, gmv_fen=50_000),
    )
    subject = brand(
        accounts=(account(),), products=products, streams=(stream("s1", 0, products=sold),)
    )
    assert measure("bundle_gmv_share", subject) == pytest.approx(30_000 / 120_000)
    unknown = attrs.evolve(subject, products=tuple(attrs.evolve(p, bundle=None) for p in products))
    assert measure("bundle_gmv_share", unknown) is None


def test_lower_costs_per_fan_score_higher():
    cheap = brand(
        accounts=(account(),),
        streams=(stream("s1", 0, paid_spend_fen=20_000, new_followers=100),),
    )
    dear = brand(
        accounts=(account(),),
        streams=(stream("s1", 0, paid_spend_fen=200_000, new_followers=100),),
    )
    assert measure("cost_per_new_fan", cheap) == pytest.approx(2.0)
    assert measure("cost_per_new_fan", dear) == pytest.approx(20.0)
    assert score(cheap).indicator("cost_per_new_fan").score == 100.0
    assert score(dear).indicator("cost_per_new_fan").score == 0.0


def test_a_campaign_report_measures_paid_traffic_before_the_streams():
    def campaign(campaign_id: str, spend: int, gmv: int | None, fans: int | None) -> PaidCampaign:
        return PaidCampaign(campaign_id, START, START, spend, gmv_fen=gmv, new_followers=fans)

    streams = (
        stream(
            "s1",
            0,
            paid_spend_fen=100_000,
            new_followers=10,
            gmv_by_source={TrafficSource.PAID: 100_000},
        ),
    )
    campaigns = (
        campaign("c1", 100_000, 400_000, 200),
        campaign("c2", 100_000, None, None),  # records neither: left out of both
    )
    subject = brand(accounts=(account(),), streams=streams, paid_campaigns=campaigns)
    assert measure("paid_roi", subject) == pytest.approx(4.0)
    assert measure("cost_per_new_fan", subject) == pytest.approx(1_000 / 200)
    no_report = attrs.evolve(subject, paid_campaigns=())
    assert measure("paid_roi", no_report) == pytest.approx(1.0)
    assert measure("cost_per_new_fan", no_report) == pytest.approx(1_000 / 10)
    report_only = attrs.evolve(
        subject, streams=(), accounts=(), coverage=covering(Section.PAID_CAMPAIGNS)
    )
    assert measure("paid_roi", report_only) == pytest.approx(4.0)
    assert measure("public_uv_share", report_only) is None


def test_exclusive_items_raise_special_supply():
    products = (
        Product("r", "常规款", "beauty", 10_000),
        Product("x", "快手特供", "beauty", 15_000, channel_exclusive=True),
    )
    streams = (
        stream(
            "s1",
            0,
            gmv=250_000,
            hours=2.0,
            products=(
                StreamProduct("r", orders=10, gmv_fen=100_000),
                StreamProduct("x", orders=10, gmv_fen=150_000),
            ),
        ),
        stream("s2", 1, hours=3.0),  # no product records: its hours are left out
    )
    subject = brand(accounts=(account(),), products=products, streams=streams)
    assert measure("exclusive_sku_share", subject) == 0.5
    assert measure("exclusive_gmv_share", subject) == pytest.approx(0.6)
    assert measure("exclusive_aov_ratio", subject) == pytest.approx(1.5)
    # ¥1,500 of exclusive items over the 2 hours whose items are recorded.
    assert measure("exclusive_gmv_per_hour", subject) == pytest.approx(750.0)
    assert "gmv_per_stream_hour" not in {i.key for i in all_indicators()}


def test_a_live_session_export_never_scores_special_supply_from_gmv_per_hour():
    # The old generic "GMV per stream hour" made SS 100 from a live-session list alone.
    assert all(Section.PRODUCTS in indicator_sections(i.key)[0] for i in COMPONENTS[4].indicators)
    assert pillar(score(live_sessions_only()), "SS") is None


def test_fan_group_measures():
    fans = FanGroup(members=1_000, active_members=400, new_members=100)
    subject = brand(
        window_start=START,
        window_end=START + timedelta(days=13),
        accounts=(account(followers=20_000, fan_group=fans),),
    )
    assert measure("fan_group_size", subject) == pytest.approx(0.05)
    assert measure("fan_group_activity", subject) == pytest.approx(0.4)
    assert measure("fan_group_growth", subject) == pytest.approx(0.1 / 2)
    # Fan groups provided and none held: the brand has no fan group, a real zero.
    none = brand(accounts=(account(followers=20_000),), coverage=covering(Section.FAN_GROUPS))
    assert measure("fan_group_size", none) == 0.0


# --------------------------------------------------------------------------- talents


def test_the_distribution_level_is_the_brands_not_a_count_of_talents():
    # 「站内分发等级达到100w+」: the brand's GMV through all its talents reaching ¥1,000,000.
    talents = brand(
        talent_collabs=(
            collab("c1", 60_000_000, talent="one"),
            collab("c2", 30_000_000, talent="two"),
            collab("c3", 20_000_000, talent="two"),
        )
    )
    assert HUNDRED_W_FEN == 1_000_000 * 100
    # No single talent sold ¥1,000,000, yet the brand's distribution is past 100w+.
    assert measure("distribution_level", talents) == pytest.approx(1.1)
    assert score(talents).indicator("distribution_level").score == 100.0
    assert measure("talent_count", talents) == 2.0
    half = brand(talent_collabs=(collab("c1", 50_000_000),))
    assert score(half).indicator("distribution_level").score == pytest.approx(50.0)
    assert "talents_100w_plus" not in {i.key for i in all_indicators()}


def test_fixed_fees_share_of_talent_costs():
    collabs = (
        collab("c1", 1_000_000, commission_fen=200_000, fixed_fee_fen=300_000),
        collab("c2", 1_000_000, commission_fen=100_000, fixed_fee_fen=0),
        collab("c3", 1_000_000, commission_fen=500_000),  # fee not recorded: left out
    )
    subject = brand(talent_collabs=collabs)
    assert measure("fixed_fee_share", subject) == pytest.approx(300_000 / 600_000)
    unrecorded = brand(talent_collabs=collabs[2:])
    assert measure("fixed_fee_share", unrecorded) is None
    # Lower is better: commission-only deals score 100.
    commission_only = brand(talent_collabs=collabs[1:2])
    assert score(commission_only).indicator("fixed_fee_share").score == 100.0


def test_audience_anchoring_is_the_overlap_of_talent_and_brand_audiences():
    own = AudienceProfile(
        city_tiers={CityTier.TIER1: 0.5, CityTier.TIER3: 0.5},
        age_bands={AgeBand.AGE_24_30: 1.0},
        female_share=0.8,
    )
    near = AudienceProfile(
        city_tiers={CityTier.TIER1: 0.3, CityTier.TIER3: 0.3},  # scaled to 0.5 / 0.5
        age_bands={AgeBand.AGE_24_30: 0.5, AgeBand.AGE_31_40: 0.5},
        female_share=0.6,
    )
    far = AudienceProfile(city_tiers={CityTier.TIER5_AND_BELOW: 1.0})
    # near: cities 1.0, ages 0.5, gender 1 − 0.2 = 0.8 → 2.3 / 3; far: cities 0 (one dimension).
    assert profile_overlap(near, own) == pytest.approx(2.3 / 3)
    assert profile_overlap(far, own) == 0.0
    assert profile_overlap(AudienceProfile(), own) is None
    subject = brand(
        audience=own,
        talent_collabs=(
            collab("c1", 1_000, audience=near),
            collab("c2", 1_000, audience=far),
            collab("c3", 1_000),  # no profile: left out
        ),
    )
    assert measure("audience_overlap", subject) == pytest.approx((2.3 / 3 + 0.0) / 2)
    assert measure("audience_overlap", attrs.evolve(subject, audience=None)) is None


def test_the_talent_led_move_names_the_hits_only_when_talents_were_provided():
    products = (Product("p1", "面霜", "beauty", 9900), Product("p2", "口红", "beauty", 5900))
    streams = (
        stream("s1", 0, gmv=100_000, products=(StreamProduct("p2", orders=1, gmv_fen=100_000),)),
    )
    talented = brand(
        window_start=START,
        window_end=START + timedelta(days=27),
        accounts=(account(opened_on=START - timedelta(days=120)),),
        products=products,
        streams=streams,
        talent_collabs=(collab("c1", 150_000_000, product_ids=("p1",)),),
    )
    card = score(talented)
    # the weakest pillar's move is the scorer's first candidate; the card ranks the
    # candidates by the GMV each puts at stake (steps.scoring.stake)
    move = candidates(talented)[0]
    assert card.notes["weakest_pillar"] == move.component == "S"
    assert move.text.startswith("Talent GMV is 100% of total, and no self-broadcast account")
    assert "hero products found in talent streams (面霜, 口红)" in move.text
    stakes = [r.gmv_at_stake_fen or 0 for r in card.recommendations]
    assert stakes == sorted(stakes, reverse=True)
    alone = attrs.evolve(talented, talent_collabs=())
    text = candidates(alone)[0].text
    assert "talent" not in text.lower()
    assert text.startswith("No self-broadcast account streams more than twice a week")


# --------------------------------------------------------------------------- orders


def repurchase_brand(**fields: object) -> Brand:
    """Order details by hand: buyer A orders twice (the second through a short video), B
    once paid and once refunded in full, C once in the window and once before it, D a free
    gift only, E three times (short video, then private)."""
    orders = (
        order("a1", "A", 0, fan_group_member=True, traffic_source=TrafficSource.PRIVATE),
        order("a2", "A", 3, fan_group_member=False, traffic_source=TrafficSource.SHORT_VIDEO),
        order("b1", "B", 1, fan_group_member=False),
        order("b2", "B", 2, refunded_fen=10_000),
        order("c0", "C", -5),
        order("c1", "C", 4),
        order("d1", "D", 4, amount=0),
        order("e1", "E", 1, traffic_source=TrafficSource.PAID),
        order("e2", "E", 2, traffic_source=TrafficSource.SHORT_VIDEO),
        order("e3", "E", 3, traffic_source=TrafficSource.PRIVATE),
    )
    values: dict[str, object] = {
        "orders": orders,
        "window_start": START,
        "window_end": START + timedelta(days=6),
        "coverage": covering(Section.ORDERS),
    }
    values.update(fields)
    return brand(**values)


def test_repurchase_follows_one_definition_over_distinct_buyers():
    subject = repurchase_brand()
    # Paid orders in the window: A ×2, B ×1, C ×1, E ×3 → buyers A, B, C, E.
    assert measure("repurchase_rate", subject) == pytest.approx(2 / 4)
    assert measure("purchase_frequency", subject) == pytest.approx(7 / 4)
    # Membership recorded for A (a member on one order) and B (not): 1 of 2.
    assert measure("fan_group_buyer_share", subject) == pytest.approx(1 / 2)
    # Repeat orders with a source: a2 (short video), e2 (short video), e3 (private).
    assert measure("short_video_repurchase", subject) == pytest.approx(2 / 3)


def test_the_card_says_how_repurchase_was_counted_and_lowers_confidence_for_few_buyers():
    subject = repurchase_brand()
    card = score(subject)
    check_card(card)
    assert card.notes["repurchase_basis"] == (
        "order details 2022-03-01..2022-03-07: 2 of 4 distinct buyers placed 2+ paid orders "
        "(repurchase rate = buyers with 2+ paid orders ÷ distinct buyers; purchase frequency "
        "= paid orders ÷ distinct buyers); 4 buyers is fewer than 100, so these figures lower "
        "the card's confidence"
    )
    assert CONFIDENT_BUYERS == 100
    # Only P is measured (orders only, stage by default growth: P weighs 0.15 of 1); its
    # order indicators hold 2 + 1.5 + 1 + 0.5 of its 9.5 nominal weight.
    assert card.notes["stage"] == "growth"
    p_weights = sum(i.weight for i in COMPONENTS[3].indicators)
    assert p_weights == 9.5
    share = 0.15 * 5.0 / 9.5
    assert card.confidence == pytest.approx(share - share * (1 - 4 / 100))
    assert {i.key for i in card.component("P").indicators if i.available} == set(ORDER_INDICATORS)


def test_enough_buyers_keep_full_confidence():
    orders = tuple(
        order(f"o{n}-{k}", f"buyer{n}", k) for n in range(CONFIDENT_BUYERS) for k in range(2)
    )
    subject = brand(orders=orders)
    card = score(subject)
    # Membership and traffic source are not recorded: repurchase and frequency only.
    assert card.confidence == pytest.approx(0.15 * 3.5 / 9.5)
    assert "fewer than" not in card.notes["repurchase_basis"]


def test_orders_provided_without_a_paid_order_cannot_measure_repurchase():
    subject = brand(orders=(order("g", "X", 0, amount=0),))
    assert measure("repurchase_rate", subject) is None
    assert "no paid order" in score(subject).notes["repurchase_basis"]


# --------------------------------------------------------------------------- stage


def staged(
    *,
    talent_gmv: int,
    self_gmv: int = 10_000_000,
    weeks: int = 12,
    orders: tuple[Order, ...] = (),
    fan_group: FanGroup | None = None,
) -> Brand:
    """A brand streaming every fourth day of a four-week window, its account opened ``weeks``
    weeks before the window ends."""
    end = START + timedelta(days=27)
    streams = tuple(stream(f"s{d}", d, gmv=self_gmv // 8) for d in range(0, 28, 4))
    opened = end - timedelta(days=weeks * 7 - 1)
    return brand(
        window_start=START,
        window_end=end,
        accounts=(account(opened_on=opened, fan_group=fan_group),),
        streams=streams,
        talent_collabs=(collab("c1", talent_gmv),) if talent_gmv else (),
        orders=orders,
    )


def test_a_talent_led_brand_is_at_launch_until_its_distribution_reaches_100w():
    below = infer_stage(staged(talent_gmv=HUNDRED_W_FEN - 100, self_gmv=1_000_000))
    assert below.stage is LifecycleStage.LAUNCH
    assert below.reason.startswith("talents sell 99% of GMV and the brand's distribution")
    assert "(¥999,999) is below 100w+" in below.reason
    past = infer_stage(staged(talent_gmv=HUNDRED_W_FEN, self_gmv=1_000_000))
    assert past.stage is LifecycleStage.GROWTH
    assert (
        "reached 100w+ (¥1,000,000), the level at which, the article says, early self-broadcast"
        in past.reason
    )
    assert "talent distribution ¥1,000,000 (100w+ reached)" in past.evidence


def test_recent_self_broadcast_is_at_launch_whatever_its_talents():
    recent = infer_stage(staged(talent_gmv=0, weeks=5))
    assert recent.stage is LifecycleStage.LAUNCH
    assert recent.reason.startswith("self-broadcast began 5 weeks ago")


def test_no_self_broadcast_in_the_streams_provided_is_launch_and_unknown_is_not():
    provided = brand(
        talent_collabs=(collab("c1", 5_000_000),),
        coverage=covering(Section.STREAMS, Section.TALENT_COLLABS),
    )
    inference = infer_stage(provided)
    assert inference.stage is LifecycleStage.LAUNCH
    assert inference.reason == "no self-broadcast in the window the streams cover"
    unknown = infer_stage(brand(talent_collabs=(collab("c1", 5_000_000),)))
    assert unknown.source == "default"
    assert unknown.reason.startswith("no live-session list was provided")


def test_a_mature_brand_needs_two_signals_at_the_articles_repurchase_average():
    def buyers(repeat: int, once: int) -> tuple[Order, ...]:
        twice = [order(f"r{n}-{k}", f"r{n}", k) for n in range(repeat) for k in range(2)]
        single = [order(f"s{n}", f"s{n}", 0) for n in range(once)]
        return (*twice, *single)

    fans = FanGroup(members=6_000, active_members=600)
    mature = staged(
        talent_gmv=HUNDRED_W_FEN,
        self_gmv=300_000_000,
        weeks=40,
        orders=buyers(65, 35),
        fan_group=fans,
    )
    inference = infer_stage(mature)
    assert inference.stage is LifecycleStage.MATURE
    assert inference.reason == ("40 weeks of self-broadcast and a strong repurchase and fan group")
    below = attrs.evolve(mature, orders=buyers(64, 36))
    assert infer_stage(below).stage is LifecycleStage.GROWTH


def test_an_invalid_stage_option_is_refused():
    with pytest.raises(ValueError, match=r"steps\.stage must be one of launch, growth, mature"):
        score(brand(), ScoringContext(options={"steps.stage": "teenage"}))


def test_the_stage_option_changes_the_weights_and_keeps_the_evidence():
    sample = steps.generate(brands=3, seed=2021).brands[0]
    inferred = score(sample)
    forced = score(sample, ScoringContext(options={"steps.stage": LifecycleStage.MATURE}))
    assert inferred.notes["stage"] != "mature"
    assert forced.notes["stage"] == "mature"
    assert forced.notes["stage_source"] == "override"
    assert forced.notes["stage_evidence"] == inferred.notes["stage_evidence"]
    weights = {c.key: c.weight for c in forced.components}
    assert weights["P"] > weights["E"]


def test_the_weakest_pillar_is_the_lowest_focus_pillar():
    def result(key: str, value: float | None) -> ComponentResult:
        return ComponentResult(key, key, key, score=value, weight=0.2, contribution=0.0)

    weights = STAGE_WEIGHTS[LifecycleStage.LAUNCH]
    cards = [result("S", 40), result("T", 50), result("E", 70), result("P", 5), result("SS", 0)]
    chosen = weakest_pillar(cards, weights)
    assert chosen is not None
    assert chosen.key == "S"  # P and SS weigh less than FOCUS_WEIGHT at launch
    assert weights["P"] < FOCUS_WEIGHT
    only_p = [result("S", None), result("T", None), result("E", None), result("P", 5)]
    chosen = weakest_pillar(only_p, weights)
    assert chosen is not None
    assert chosen.key == "P"
    assert weakest_pillar([result("S", None)], weights) is None


@pytest.fixture(scope="module")
def lifecycle() -> list[ScoreCard]:
    """The sample generator's lifecycle brands (Kuaishou): a talent-led one, a growing one
    and a mature one."""
    return [score(b) for b in steps.generate(brands=3, seed=2021).brands]


def test_the_sample_stages_are_inferred(lifecycle: list[ScoreCard]):
    assert [c.notes["stage_source"] for c in lifecycle] == ["inferred"] * 3
    assert lifecycle[2].notes["stage"] == "mature"
    for card in lifecycle:
        check_card(card)
        assert card.confidence > 0.75
    # The talent-led brand is at launch below 100w+ and at growth past it.
    talent_led = lifecycle[0]
    past = "100w+ reached" in talent_led.notes["stage_evidence"]
    assert talent_led.notes["stage"] == ("growth" if past else "launch")


def test_the_sample_pillars_follow_the_methodology(lifecycle: list[ScoreCard]):
    first, growth, mature = lifecycle
    scores = {c.key: c.score or 0.0 for c in mature.components}
    top = sorted(scores, key=scores.__getitem__, reverse=True)
    assert "P" in top[:3], scores
    assert mature.notes["weakest_pillar"] != "P"
    # The first brand lives on talents; the mature one on its private domain.
    assert first.indicator("talent_gmv_share").value > 0.8  # type: ignore[operator]
    assert (mature.component("P").score or 0) > (first.component("P").score or 0) + 40
    assert (growth.component("S").score or 0) > (first.component("S").score or 0)


def test_every_move_template_fills_from_the_sample():
    from steps.plugins.steps_brand import _MoveFacts

    catalogue = builtin_catalogue()
    keys = {i.key for i in all_indicators()}
    moves = {k.split(".")[1] for k in catalogue.keys("en") if k.endswith(".situation")}
    moves = {m for m in moves if f"steps.{m}.situation" in catalogue}
    assert moves
    assert moves <= keys
    for subject in steps.generate(brands=3, seed=2021).brands:
        for language in LANGUAGES:
            facts = _MoveFacts(brand_facts(subject), language)
            params = {**facts.params(), "value": "1", "benchmark": "target 1, floor 0"}
            for key in sorted(moves):
                for part in ("situation", "move"):
                    filled = catalogue.text(f"steps.{key}.{part}", language, **params)
                    assert not UNFILLED.search(filled)
                    assert filled


def test_user_benchmarks_override_the_defaults():
    sample = steps.generate(brands=3, seed=2021).brands[2]
    overrides = BenchmarkOverrides(
        {"steps.repurchase_rate": {"kuaishou": LinearBenchmark(0.9, 0.95, "our cohort")}}
    )
    card = score(sample, ScoringContext(benchmarks=overrides))
    result = card.indicator("repurchase_rate")
    assert result.benchmark_source == "our cohort"
    assert result.score == 0.0


def test_a_third_party_component_list_is_not_needed_to_score():
    # The scorer's components are the module's, whatever the subject.
    assert SCORER.components(brand(), CONTEXT) is COMPONENTS
    assert all(isinstance(c, Component) for c in COMPONENTS)


# --------------------------------------------------------------------------- documentation


def _block(name: str, page: Path = DOC) -> str:
    text = page.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", text, re.S)
    assert match, f"{page.name} has no {name} block"
    return match.group(1)


def _generated() -> dict[str, str]:
    return {
        "indicators": indicator_table(),
        "stage-weights": stage_weights_table(),
        "stage-rule": f"{steps_brand.STAGE_RULE}.\n",
        "stage-thresholds": stage_thresholds_table(),
        "article-map": article_map(),
        "example": worked_example(steps.sample_dataset().brands),
    }


def regenerate_docs() -> None:
    """Rewrite the generated blocks of docs/scorers/steps.md (``STEPS_REGENERATE_DOCS=1``)."""
    text = DOC.read_text(encoding="utf-8")
    for name, body in _generated().items():
        start, end = f"<!-- {name}:start -->\n", f"<!-- {name}:end -->"
        head, _, rest = text.partition(start)
        _, _, tail = rest.partition(end)
        text = head + start + body + end + tail
    DOC.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    "name",
    ["indicators", "stage-weights", "stage-rule", "stage-thresholds", "article-map", "example"],
)
def test_the_documentation_is_up_to_date(name: str):
    if os.environ.get("STEPS_REGENERATE_DOCS") == "1":
        regenerate_docs()
    assert _block(name) == _generated()[name], (
        f"docs/scorers/steps.md block {name!r} is stale: run "
        "STEPS_REGENERATE_DOCS=1 pytest tests/plugins/test_steps_brand.py"
    )


def test_the_worked_example_states_the_sample_numbers():
    text = _block("example")
    for card in (score(b) for b in steps.sample_dataset().brands):
        assert f"Score **{card.score:.1f}**" in text
        assert f"Stage: **{card.notes['stage']}**" in text
        assert f"Weakest pillar for the stage: **{card.notes['weakest_pillar']}**" in text
        for component in card.components:
            if component.score is not None:
                assert f"| {component.score:.1f} |" in text
        assert card.recommendations[0].text in text


def test_the_sources_page_quotes_the_articles_figures_exactly():
    text = (DOCS / SOURCES_PAGE).read_text(encoding="utf-8")
    for quote in (
        "2021年,快手年电子商务交易总额(GMV)将达到6800亿元,同比增长78.4%",
        "快手电商GMV从2018年的0.97亿上升到2021年的6800亿",
        "2020年平台平均复购率高达65%,2021年9月复购率快手电商突破70%",
        "快手的用户中,一二线用户占比45%",
    ):
        assert quote in text, quote
    # The 2020 figure is derived, and says so.
    assert re.search(r"381\.2[^\n]*derived", text)
    assert "## STEPS" in text
    nav = (DOCS.parent / "mkdocs.yml").read_text(encoding="utf-8")
    assert f" {SOURCES_PAGE}" in nav


def test_every_article_quote_of_the_scorer_is_on_the_docs_page():
    text = DOC.read_text(encoding="utf-8")
    quotes = {i.provenance.quote for i in all_indicators() if i.provenance is not None}
    quotes |= {t.provenance.quote for t in STAGE_THRESHOLDS}
    for quote in quotes - {None}:
        assert f"「{quote}」" in text, quote
