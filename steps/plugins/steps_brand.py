"""STEPS: Kuaishou's brand methodology, five pillars weighted by the brand's lifecycle stage.

The article behind this library describes a brand's path on a platform: talent distribution
(达人分销, **E**) takes a new store from zero to one, self-broadcast (品牌自播, **S**) deepens it,
public-domain traffic (公域流量加持, **T**) boosts it, private-domain operation (私域运营, **P**)
drives repurchase and channel special supply (渠道特供, **SS**) raises AOV and efficiency.

:class:`StepsScorer` measures every pillar from several indicators over the brand's window,
infers the lifecycle stage (:func:`infer_stage`, overridable with the option ``steps.stage``),
weighs the pillars by :data:`STAGE_WEIGHTS`, names the weakest pillar for the stage and builds
the next move from the brand's own data (its products, its cadence, its costs).

Weekly rates use the brand's window (``window_start..window_end``, inclusive) or, without one,
the span of its stream dates (at least one week).  Money is shown in yuan.  Every sentence
(advice, next moves, the stage's evidence and reason) is a ``steps.*`` message of
``steps/data/messages``, written in the context's language.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from functools import cached_property
from typing import ClassVar

import attrs

from steps.domain import metrics
from steps.domain.enums import LifecycleStage, Platform, ProductRole, TrafficSource
from steps.domain.model import Brand, Product, Stream
from steps.scoring.base import ADVICE_THRESHOLD, BrandMethodology
from steps.scoring.contract import Scorer, ScoringContext
from steps.scoring.hookspecs import hookimpl
from steps.scoring.indicators import Component, Evaluation, Indicator, LinearBenchmark, unit_text
from steps.scoring.messages import builtin_catalogue, display_name, join, text
from steps.scoring.results import ComponentResult, IndicatorResult, Recommendation, ScoreCard

__all__ = [
    "COMPONENTS",
    "FOCUS_WEIGHT",
    "HUNDRED_W_FEN",
    "PILLARS",
    "STAGE_RULE",
    "STAGE_WEIGHTS",
    "BrandFacts",
    "StageInference",
    "StepsScorer",
    "all_indicators",
    "brand_facts",
    "indicator_table",
    "infer_stage",
    "stage_name",
    "stage_weights_table",
    "steps_register_scorers",
    "weakest_pillar",
    "worked_example",
]

#: 100w+ (一百万以上): a talent whose distribution GMV for the brand reaches 1,000,000 CNY.
HUNDRED_W_FEN = 100_000_000
#: How many top talent products count as the "hits" found in talent streams.
TALENT_HITS = 3
#: How many of an account's first streams the cold-start trend looks at.
COLD_START_STREAMS = 10
#: An account counts as new (its cold start is in the data) when it opened at most this many
#: days before its first stream in the data.
COLD_START_OPENED_WITHIN_DAYS = 30
#: A stream is "on schedule" when it starts within this many minutes of the account's usual
#: start time.
SCHEDULE_TOLERANCE_MINUTES = 60
#: The cap on a ratio whose baseline is zero (growth "from nothing").
RATIO_CAP = 10.0

_MINUTES_PER_DAY = 24 * 60


# --------------------------------------------------------------------------------------------
# Facts: what the indicators read from a brand, computed once per brand
# --------------------------------------------------------------------------------------------


def _yuan(fen: float) -> float:
    return fen / 100


def _label(product: Product | None, product_id: str) -> str:
    if product is not None and product.name.strip():
        return product.name.strip()
    return product_id


def _share_text(value: float | None, language: str = "en") -> str:
    return text("steps.lifecycle.not_recorded", language) if value is None else f"{value:.0%}"


def _money_text(fen: float) -> str:
    return f"¥{_yuan(fen):,.0f}"


class BrandFacts:
    """The aggregates of one brand the STEPS indicators read.  Every property is computed on
    first use; ``None`` means the inputs are missing (never a silent zero)."""

    def __init__(self, brand: Brand) -> None:
        self.brand = brand

    # ---- GMV split ---------------------------------------------------------------------------

    @cached_property
    def self_gmv_fen(self) -> int:
        return metrics.self_broadcast_gmv_fen(self.brand)

    @cached_property
    def talent_gmv_fen(self) -> int:
        return metrics.talent_gmv_fen(self.brand)

    @cached_property
    def has_activity(self) -> bool:
        """The brand records any selling activity (streams or talent collaborations)."""
        return bool(self.brand.streams or self.brand.talent_collabs)

    @cached_property
    def talent_share(self) -> float | None:
        return metrics.ratio(self.talent_gmv_fen, self.self_gmv_fen + self.talent_gmv_fen)

    @cached_property
    def self_share(self) -> float | None:
        return metrics.ratio(self.self_gmv_fen, self.self_gmv_fen + self.talent_gmv_fen)

    # ---- time --------------------------------------------------------------------------------

    @cached_property
    def streams_by_time(self) -> tuple[Stream, ...]:
        return tuple(sorted(self.brand.streams, key=lambda s: (s.started_at, s.stream_id)))

    @cached_property
    def stream_dates(self) -> tuple[date, ...]:
        return tuple(sorted(s.started_at.date() for s in self.brand.streams))

    @cached_property
    def span(self) -> tuple[date, date] | None:
        """The window: the brand's ``window_start..window_end``, each end falling back to the
        first or last stream date."""
        days = self.stream_dates
        start = self.brand.window_start or (days[0] if days else None)
        end = self.brand.window_end or (days[-1] if days else None)
        if start is None or end is None or end < start:
            return None
        return start, end

    @cached_property
    def weeks(self) -> float | None:
        """Weeks in the window (inclusive days / 7, at least one week)."""
        if self.span is None:
            return None
        start, end = self.span
        return max(1.0, ((end - start).days + 1) / 7)

    @cached_property
    def talent_weeks(self) -> float | None:
        """Weeks for talent rates: the window, else the span of the collaborations."""
        if self.weeks is not None:
            return self.weeks
        collabs = self.brand.talent_collabs
        if not collabs:
            return None
        start = min(c.started_on for c in collabs)
        end = max(c.ended_on for c in collabs)
        return max(1.0, ((end - start).days + 1) / 7)

    @cached_property
    def account_days(self) -> dict[str, set[date]]:
        days: dict[str, set[date]] = defaultdict(set)
        for stream in self.brand.streams:
            days[stream.account_id].add(stream.started_at.date())
        return dict(days)

    @cached_property
    def max_account_days_per_week(self) -> float | None:
        if self.weeks is None:
            return None
        busiest = max((len(d) for d in self.account_days.values()), default=0)
        return busiest / self.weeks

    @cached_property
    def self_broadcast_weeks(self) -> float | None:
        """Weeks since self-broadcast began: from the earlier of the first stream and the
        opening of the earliest account that streams, to the window's end (or last stream)."""
        if not self.brand.streams:
            return None
        streaming = set(self.account_days)
        opened = [
            a.opened_on
            for a in self.brand.accounts
            if a.account_id in streaming and a.opened_on is not None
        ]
        start = min([self.stream_dates[0], *opened])
        end = max(self.brand.window_end or self.stream_dates[-1], self.stream_dates[-1])
        return ((end - start).days + 1) / 7

    # ---- products ----------------------------------------------------------------------------

    @cached_property
    def products(self) -> dict[str, Product]:
        return {p.product_id: p for p in self.brand.products}

    def product_label(self, product_id: str) -> str:
        return _label(self.products.get(product_id), product_id)

    @cached_property
    def self_product_gmv(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for stream in self.brand.streams:
            for item in stream.products:
                totals[item.product_id] += item.gmv_fen
        return dict(totals)

    @cached_property
    def hero_ids(self) -> tuple[str, ...]:
        """Hero products (爆款/主推款): products with the hero role, else the three best sellers
        of self-broadcast."""
        heroes = tuple(p.product_id for p in self.brand.products if p.role is ProductRole.HERO)
        if heroes:
            return heroes
        ranked = sorted(
            ((gmv, pid) for pid, gmv in self.self_product_gmv.items() if gmv > 0),
            key=lambda item: (-item[0], item[1]),
        )
        return tuple(pid for _, pid in ranked[:3])

    @cached_property
    def talent_product_gmv(self) -> dict[str, float]:
        """Talent GMV per product: each collaboration's GMV split equally over its products."""
        totals: dict[str, float] = defaultdict(float)
        for collab in self.brand.talent_collabs:
            if collab.product_ids:
                share = collab.gmv_fen / len(collab.product_ids)
                for pid in collab.product_ids:
                    totals[pid] += share
        return dict(totals)

    @cached_property
    def talent_hits(self) -> tuple[str, ...]:
        """The products that sold best through talents (at most :data:`TALENT_HITS`)."""
        ranked = sorted(
            ((gmv, pid) for pid, gmv in self.talent_product_gmv.items() if gmv > 0),
            key=lambda item: (-item[0], item[1]),
        )
        return tuple(pid for _, pid in ranked[:TALENT_HITS])

    @cached_property
    def talent_first_seen(self) -> dict[str, date]:
        first: dict[str, date] = {}
        for collab in self.brand.talent_collabs:
            for pid in collab.product_ids:
                if pid not in first or collab.started_on < first[pid]:
                    first[pid] = collab.started_on
        return first

    def carried_after(self, product_id: str, since: date) -> bool:
        return any(
            stream.started_at.date() >= since
            and any(item.product_id == product_id for item in stream.products)
            for stream in self.brand.streams
        )

    @cached_property
    def hits_not_carried(self) -> tuple[str, ...]:
        return tuple(
            pid
            for pid in self.talent_hits
            if not self.carried_after(pid, self.talent_first_seen[pid])
        )

    def hero_names(self, limit: int = 3, language: str = "en") -> str:
        """Names of the products to build on: talent hits first, then the brand's heroes."""
        ids = list(dict.fromkeys([*self.talent_hits, *self.hero_ids]))[:limit]
        return join((self.product_label(pid) for pid in ids), language)

    # ---- fan groups --------------------------------------------------------------------------

    @cached_property
    def fan_group_accounts(self) -> tuple[tuple[int | None, int, int, int | None], ...]:
        """(followers, members, active members, new members) of accounts with a fan group
        (followers and new members ``None`` where not recorded)."""
        return tuple(
            (a.followers, a.fan_group.members, a.fan_group.active_members, a.fan_group.new_members)
            for a in self.brand.accounts
            if a.fan_group is not None
        )

    @cached_property
    def fan_members(self) -> int | None:
        if not self.fan_group_accounts:
            return None
        return sum(members for _, members, _, _ in self.fan_group_accounts)

    @cached_property
    def repurchase(self) -> float | None:
        return metrics.repurchase_rate(self.brand.orders)

    @cached_property
    def private_gmv_share(self) -> float | None:
        return metrics.gmv_share_from(self.brand.streams, TrafficSource.PRIVATE)


# A one-entry cache: evaluate() measures every indicator of one brand in a row, and the stage
# inference reads the same facts.  Keyed by identity; a race only means recomputing.
_FACTS_CACHE: dict[int, tuple[Brand, BrandFacts]] = {}


def brand_facts(brand: Brand) -> BrandFacts:
    """The (cached) :class:`BrandFacts` of ``brand``."""
    entry = _FACTS_CACHE.get(id(brand))
    if entry is not None and entry[0] is brand:
        return entry[1]
    facts = BrandFacts(brand)
    _FACTS_CACHE.clear()
    _FACTS_CACHE[id(brand)] = (brand, facts)
    return facts


# --------------------------------------------------------------------------------------------
# Measures
# --------------------------------------------------------------------------------------------

# S: self-broadcast (品牌自播)


def _self_gmv_share(brand: Brand) -> float | None:
    return brand_facts(brand).self_share


def _streaming_days_per_week(brand: Brand) -> float | None:
    facts = brand_facts(brand)
    return None if facts.weeks is None else len(set(facts.stream_dates)) / facts.weeks


def _streaming_hours_per_week(brand: Brand) -> float | None:
    facts = brand_facts(brand)
    if facts.weeks is None:
        return None
    return sum(s.duration_seconds for s in brand.streams) / 3600 / facts.weeks


def _on_schedule(minutes: Sequence[int]) -> int:
    """The most streams that start within the tolerance of one start time (circular day)."""
    ordered = sorted(minutes)
    extended = sorted(
        [m - _MINUTES_PER_DAY for m in ordered] + ordered + [m + _MINUTES_PER_DAY for m in ordered]
    )
    best = 0
    for centre in ordered:
        low = bisect.bisect_left(extended, centre - SCHEDULE_TOLERANCE_MINUTES)
        high = bisect.bisect_right(extended, centre + SCHEDULE_TOLERANCE_MINUTES)
        best = max(best, high - low)
    return best


def _schedule_regularity(brand: Brand) -> float | None:
    starts: dict[str, list[int]] = defaultdict(list)
    for stream in brand.streams:
        local = stream.started_at
        starts[stream.account_id].append(local.hour * 60 + local.minute)
    on_time = total = 0
    for minutes in starts.values():
        if len(minutes) >= 3:
            on_time += _on_schedule(minutes)
            total += len(minutes)
    return metrics.ratio(on_time, total)


def _active_matrix_accounts(brand: Brand) -> float | None:
    facts = brand_facts(brand)
    if facts.weeks is None:
        return None
    weeks = facts.weeks
    return float(sum(1 for days in facts.account_days.values() if len(days) >= weeks))


def _hero_explains_per_stream(brand: Brand) -> float | None:
    heroes = brand_facts(brand).hero_ids
    if not heroes:
        return None
    explains = pairs = 0
    for stream in brand.streams:
        if not stream.products:
            continue
        counts = {item.product_id: item.explain_count for item in stream.products}
        explains += sum(counts.get(h, 0) for h in heroes)
        pairs += len(heroes)
    return metrics.ratio(explains, pairs)


def _top3_gmv_share(brand: Brand) -> float | None:
    gmvs = sorted(brand_facts(brand).self_product_gmv.values(), reverse=True)
    return metrics.ratio(sum(gmvs[:3]), sum(gmvs))


def _cold_start_growth(brand: Brand) -> float | None:
    facts = brand_facts(brand)
    opened = {a.account_id: a.opened_on for a in brand.accounts}
    by_account: dict[str, list[Stream]] = defaultdict(list)
    for stream in facts.streams_by_time:
        by_account[stream.account_id].append(stream)
    early = late = 0.0
    measured = False
    for account_id, streams in by_account.items():
        opened_on = opened.get(account_id)
        first_day = streams[0].started_at.date()
        if opened_on is None or opened_on < first_day - timedelta(
            days=COLD_START_OPENED_WITHIN_DAYS
        ):
            continue
        first = streams[:COLD_START_STREAMS]
        if len(first) < 4:
            continue
        half = len(first) // 2
        early += sum(s.gmv_fen for s in first[:half]) / half
        late += sum(s.gmv_fen for s in first[half:]) / (len(first) - half)
        measured = True
    if not measured:
        return None
    if early == 0:
        return 1.0 if late == 0 else RATIO_CAP
    return min(RATIO_CAP, late / early)


# T: public-domain traffic boost (公域流量加持)


def _paid_roi(brand: Brand) -> float | None:
    return metrics.paid_roi(brand.streams)


def _new_fans_per_paid_viewer(brand: Brand) -> float | None:
    fans = paid = 0
    for stream in brand.streams:
        paid_uv = stream.uv_by_source.get(TrafficSource.PAID, 0)
        if paid_uv > 0 and stream.new_followers is not None:
            fans += stream.new_followers
            paid += paid_uv
    return metrics.ratio(fans, paid)


def _cost_per_fan_fen(streams: Iterable[Stream]) -> float | None:
    spend = fans = 0
    for stream in streams:
        if stream.paid_spend_fen and stream.new_followers is not None:
            spend += stream.paid_spend_fen
            fans += stream.new_followers
    if spend == 0:
        return None
    return spend / max(1, fans)


def _cost_per_new_fan(brand: Brand) -> float | None:
    cost = _cost_per_fan_fen(brand.streams)
    return None if cost is None else _yuan(cost)


def _cost_per_fan_trend(brand: Brand) -> float | None:
    paid = [
        s
        for s in brand_facts(brand).streams_by_time
        if s.paid_spend_fen and s.new_followers is not None
    ]
    if len(paid) < 4:
        return None
    half = len(paid) // 2
    early = _cost_per_fan_fen(paid[:half])
    late = _cost_per_fan_fen(paid[half:])
    if early is None or late is None:
        return None
    return min(RATIO_CAP, late / early)


def _public_uv_share(brand: Brand) -> float | None:
    public = total = 0
    for stream in brand.streams:
        part = metrics.public_uv(stream)
        if part is not None:
            public += part
            total += stream.uv
    return metrics.ratio(public, total)


# E: elite / talent distribution (达人分销)


def _talent_gmv_share(brand: Brand) -> float | None:
    return brand_facts(brand).talent_share


def _talent_count(brand: Brand) -> float | None:
    if not brand_facts(brand).has_activity:
        return None
    return float(len({c.talent_id for c in brand.talent_collabs}))


def _talents_100w(brand: Brand) -> float | None:
    if not brand_facts(brand).has_activity:
        return None
    totals: dict[str, int] = defaultdict(int)
    for collab in brand.talent_collabs:
        totals[collab.talent_id] += collab.gmv_fen
    return float(sum(1 for gmv in totals.values() if gmv >= HUNDRED_W_FEN))


def _talent_hits_carried(brand: Brand) -> float | None:
    facts = brand_facts(brand)
    if not facts.talent_hits:
        return None
    carried = len(facts.talent_hits) - len(facts.hits_not_carried)
    return carried / len(facts.talent_hits)


def _talent_reach_per_week(brand: Brand) -> float | None:
    facts = brand_facts(brand)
    reached = metrics.known_sum(c.audience_reached for c in brand.talent_collabs)
    if reached is None or facts.talent_weeks is None:
        return None
    return reached / facts.talent_weeks


def _gmv_per_commission(brand: Brand) -> float | None:
    return metrics.ratio(
        brand_facts(brand).talent_gmv_fen, sum(c.commission_fen for c in brand.talent_collabs)
    )


# P: private-domain operation (私域运营)


def _repurchase_rate(brand: Brand) -> float | None:
    return brand_facts(brand).repurchase


def _private_gmv_share(brand: Brand) -> float | None:
    return brand_facts(brand).private_gmv_share


def _fan_group_size(brand: Brand) -> float | None:
    groups = [g for g in brand_facts(brand).fan_group_accounts if g[0] is not None]
    return metrics.ratio(sum(g[1] for g in groups), sum(g[0] or 0 for g in groups))


def _fan_group_activity(brand: Brand) -> float | None:
    groups = brand_facts(brand).fan_group_accounts
    return metrics.ratio(sum(g[2] for g in groups), sum(g[1] for g in groups))


def _fan_group_growth(brand: Brand) -> float | None:
    facts = brand_facts(brand)
    groups = [g for g in facts.fan_group_accounts if g[3] is not None]
    if facts.weeks is None:
        return None
    share = metrics.ratio(sum(g[3] or 0 for g in groups), sum(g[1] for g in groups))
    return None if share is None else share / facts.weeks


def _fan_shares_per_100(brand: Brand) -> float | None:
    recorded = [s for s in brand.streams if s.shares is not None]
    shares = metrics.ratio(sum(s.shares or 0 for s in recorded), sum(s.uv for s in recorded))
    return None if shares is None else 100 * shares


# SS: channel special supply (渠道特供)


def _exclusive_sku_share(brand: Brand) -> float | None:
    return metrics.ratio(sum(1 for p in brand.products if p.channel_exclusive), len(brand.products))


def _exclusive_split(brand: Brand) -> tuple[tuple[int, int], tuple[int, int]]:
    """((GMV, orders) of exclusive items, (GMV, orders) of regular items) in self-broadcast."""
    products = brand_facts(brand).products
    ex_gmv = ex_orders = re_gmv = re_orders = 0
    for stream in brand.streams:
        for item in stream.products:
            product = products.get(item.product_id)
            if product is not None and product.channel_exclusive:
                ex_gmv += item.gmv_fen
                ex_orders += item.orders
            else:
                re_gmv += item.gmv_fen
                re_orders += item.orders
    return (ex_gmv, ex_orders), (re_gmv, re_orders)


def _exclusive_gmv_share(brand: Brand) -> float | None:
    (ex_gmv, _), (re_gmv, _) = _exclusive_split(brand)
    return metrics.ratio(ex_gmv, ex_gmv + re_gmv)


def _exclusive_aov_ratio(brand: Brand) -> float | None:
    (ex_gmv, ex_orders), (re_gmv, re_orders) = _exclusive_split(brand)
    return metrics.ratio(metrics.ratio(ex_gmv, ex_orders), metrics.ratio(re_gmv, re_orders))


def _gmv_per_stream_hour(brand: Brand) -> float | None:
    hours = sum(s.duration_seconds for s in brand.streams) / 3600
    per_hour = metrics.ratio(brand_facts(brand).self_gmv_fen, hours)
    return None if per_hour is None else _yuan(per_hour)


# --------------------------------------------------------------------------------------------
# Indicator definitions
# --------------------------------------------------------------------------------------------

_ASSUME = "assumption: "


def _linear(
    floor: float,
    target: float,
    source: str,
    *,
    kuaishou: tuple[float, float, str] | None = None,
    douyin: tuple[float, float, str] | None = None,
) -> dict[str, LinearBenchmark]:
    """Default benchmarks for ``"*"``, ``"kuaishou"`` and ``"douyin"`` (the platform entries
    repeat ``"*"`` unless given)."""
    default = LinearBenchmark(floor, target, source)
    out = {"*": default}
    for platform, given in ((Platform.KUAISHOU, kuaishou), (Platform.DOUYIN, douyin)):
        out[platform.value] = default if given is None else LinearBenchmark(*given)
    return out


def _indicator(
    key: str,
    name: str,
    name_zh: str,
    unit: str,
    *,
    measure: Callable[[Brand], float | None],
    defaults: Mapping[str, LinearBenchmark],
    formula: str,
    inputs: tuple[str, ...],
    weight: float = 1.0,
) -> Indicator[Brand]:
    return Indicator(
        key=key,
        name=name,
        name_zh=name_zh,
        unit=unit,
        measure=measure,
        defaults=defaults,
        weight=weight,
        inputs=inputs,
        formula=formula,
    )


SELF_BROADCAST = Component[Brand](
    key="S",
    name="Self-broadcast",
    name_zh="品牌自播",
    indicators=(
        _indicator(
            "self_gmv_share",
            "Self-broadcast share of GMV",
            "自播GMV占比",
            "share",
            measure=_self_gmv_share,
            defaults=_linear(
                0.10,
                0.60,
                _ASSUME + "a brand selling most of its GMV on its own accounts has a "
                "sustainable self-broadcast base (自播阵地) that does not depend on talents",
            ),
            formula="self-broadcast GMV / (self-broadcast GMV + talent GMV)",
            inputs=("streams[].gmv_fen", "talent_collabs[].gmv_fen"),
            weight=3.0,
        ),
        _indicator(
            "streaming_days_per_week",
            "Streaming days per week",
            "每周开播天数",
            "days/week",
            measure=_streaming_days_per_week,
            defaults=_linear(
                0.0,
                5.0,
                _ASSUME + "stable self-broadcast (稳定的直播, article) means streaming on most "
                "weekdays",
            ),
            formula="distinct self-broadcast stream dates / weeks in the window",
            inputs=("streams[].started_at", "window_start..window_end or stream dates"),
            weight=2.0,
        ),
        _indicator(
            "streaming_hours_per_week",
            "Streaming hours per week",
            "每周直播时长",
            "hours/week",
            measure=_streaming_hours_per_week,
            defaults=_linear(
                0.0,
                20.0,
                _ASSUME + "about four hours on five days a week",
                douyin=(
                    0.0,
                    35.0,
                    _ASSUME + "Douyin store broadcasts (店播) run long daily sessions "
                    "to catch recommendation traffic",
                ),
            ),
            formula="Σ self-broadcast stream duration (hours) / weeks in the window",
            inputs=("streams[].duration_seconds", "window_start..window_end or stream dates"),
            weight=2.0,
        ),
        _indicator(
            "schedule_regularity",
            "Schedule regularity",
            "开播规律性",
            "share",
            measure=_schedule_regularity,
            defaults=_linear(
                0.30,
                0.80,
                _ASSUME + "viewers come back at a time they can predict; 80% of streams in "
                "the usual slot is a fixed schedule",
            ),
            formula=f"share of streams starting within ±{SCHEDULE_TOLERANCE_MINUTES} min of "
            "their account's most common start time (accounts with 3+ streams)",
            inputs=("streams[].started_at (3+ streams on an account)",),
        ),
        _indicator(
            "active_matrix_accounts",
            "Active matrix accounts",
            "活跃矩阵账号数",
            "accounts",
            measure=_active_matrix_accounts,
            defaults=_linear(
                0.0,
                3.0,
                _ASSUME + "the article advises a matrix of accounts (创建矩阵账户); three "
                "weekly-active accounts is the target",
            ),
            formula="accounts streaming on at least one day per week of the window on average",
            inputs=("accounts", "streams[].started_at", "window_start..window_end or stream dates"),
        ),
        _indicator(
            "hero_explains_per_stream",
            "Explanations per hero product per stream",
            "爆款单场讲解次数",
            "explains",
            measure=_hero_explains_per_stream,
            defaults=_linear(
                1.0,
                4.0,
                _ASSUME + "the article advises explaining hero items repeatedly (反复讲解爆款); "
                "Chen, Dou & Xiao 2023 find more time per product drives GMV",
            ),
            formula="Σ explain_count of hero products / (streams with product records × "
            "hero products); heroes: role 'hero', else the 3 best-selling items",
            inputs=("streams[].products[].explain_count", "products[].role"),
        ),
        _indicator(
            "top3_gmv_share",
            "GMV concentration in the top 3 items",
            "前三单品GMV占比",
            "share",
            measure=_top3_gmv_share,
            defaults=_linear(
                0.20,
                0.60,
                _ASSUME + "a hero-product strategy (爆款) concentrates GMV in a few items",
            ),
            formula="GMV of the 3 best-selling items / Σ item GMV in self-broadcast",
            inputs=("streams[].products[].gmv_fen",),
            weight=0.5,
        ),
        _indicator(
            "cold_start_growth",
            "Cold-start trend of GMV per stream",
            "冷启动场均GMV趋势",
            "×",
            measure=_cold_start_growth,
            defaults=_linear(
                1.0,
                2.0,
                _ASSUME + "the article's goal is to pass the cold start fast (快速度过冷启动); "
                "doubling GMV per stream over the first streams is the target",
            ),
            formula=f"mean GMV of the later half of a new account's first {COLD_START_STREAMS} "
            "streams / mean of the earlier half (accounts opened within "
            f"{COLD_START_OPENED_WITHIN_DAYS} days of their first stream, 4+ streams; "
            f"capped at {RATIO_CAP:g})",
            inputs=("accounts[].opened_on", "streams[].gmv_fen (4+ on a new account)"),
        ),
    ),
)

TRAFFIC = Component[Brand](
    key="T",
    name="Public-domain traffic boost",
    name_zh="公域流量加持",
    indicators=(
        _indicator(
            "paid_roi",
            "Paid-traffic ROI",
            "投放ROI",
            "×",
            measure=_paid_roi,
            defaults=_linear(
                1.0,
                3.0,
                _ASSUME + "at ROI 1 paid traffic only returns its spend as GMV; 3 leaves room "
                "for goods cost and commission",
            ),
            formula="GMV from paid traffic / paid spend (streams with spend and a GMV split)",
            inputs=("streams[].paid_spend_fen", "streams[].gmv_by_source.paid"),
            weight=2.0,
        ),
        _indicator(
            "new_fans_per_paid_viewer",
            "New fans per paid viewer",
            "付费流量涨粉率",
            "fans/viewer",
            measure=_new_fans_per_paid_viewer,
            defaults=_linear(
                0.02,
                0.15,
                _ASSUME + "the article's aim for paid traffic is to build the fan base "
                "(建立粉丝群); all new followers count against paid viewers, so 15 per 100 paid "
                "viewers is the target",
            ),
            formula="Σ new followers / Σ paid UV, over streams with paid viewers",
            inputs=("streams[].uv_by_source.paid", "streams[].new_followers"),
        ),
        _indicator(
            "cost_per_new_fan",
            "Cost per new fan",
            "涨粉成本",
            "yuan/fan",
            measure=_cost_per_new_fan,
            defaults=_linear(
                20.0,
                2.0,
                _ASSUME + "the article asks to lower the cost (降低成本); ¥2 per fan is good, "
                "¥20 is too dear (lower is better)",
            ),
            formula="Σ paid spend (yuan) / max(1, Σ new followers), over streams with spend",
            inputs=("streams[].paid_spend_fen", "streams[].new_followers"),
        ),
        _indicator(
            "cost_per_fan_trend",
            "Trend of the cost per new fan",
            "涨粉成本趋势",
            "×",
            measure=_cost_per_fan_trend,
            defaults=_linear(
                1.25,
                0.80,
                _ASSUME + "public and private traffic together should lower the cost over time "
                "(article: 公私域联动 … 降低流量成本); a 20% fall is the target (lower is "
                "better)",
            ),
            formula="cost per new fan in the later half of the streams with spend / the "
            f"earlier half (4+ streams with spend; capped at {RATIO_CAP:g})",
            inputs=("streams[].paid_spend_fen (4+ streams)", "streams[].new_followers"),
        ),
        _indicator(
            "public_uv_share",
            "Public-domain share of viewers",
            "公域流量占比",
            "share",
            measure=_public_uv_share,
            defaults=_linear(
                0.20,
                0.60,
                _ASSUME + "a brand should win a good share of recommendation and search traffic",
                kuaishou=(
                    0.20,
                    0.70,
                    "public domain is about 70% of Kuaishou live traffic (industry press)",
                ),
                douyin=(
                    0.30,
                    0.80,
                    _ASSUME + "Douyin interest e-commerce is led by recommendation traffic",
                ),
            ),
            formula="Σ public UV (recommendation, search, short video) / Σ UV, over streams "
            "with a source split",
            inputs=("streams[].uv_by_source",),
        ),
    ),
)

TALENT = Component[Brand](
    key="E",
    name="Elite / talent distribution",
    name_zh="达人分销",
    indicators=(
        _indicator(
            "talent_gmv_share",
            "Talent distribution strength (talent share of GMV)",
            "达人分销GMV占比",
            "share",
            measure=_talent_gmv_share,
            defaults=_linear(
                0.05,
                0.50,
                _ASSUME + "talents selling half of GMV is a strong distribution channel",
            ),
            formula="talent GMV / (self-broadcast GMV + talent GMV)",
            inputs=("talent_collabs[].gmv_fen", "streams[].gmv_fen"),
            weight=2.0,
        ),
        _indicator(
            "talent_count",
            "Talents distributing",
            "合作达人数",
            "talents",
            measure=_talent_count,
            defaults=_linear(
                0.0,
                20.0,
                _ASSUME + "20 talents; Chen, Dou & Xiao 2023 find an inverted-U effect of the "
                "number of streamers, so more than the target earns nothing extra",
            ),
            formula="distinct talent_id among the talent collaborations",
            inputs=("talent_collabs[].talent_id",),
        ),
        _indicator(
            "talents_100w_plus",
            "100w+ talents",
            "百万级达人数",
            "talents",
            measure=_talents_100w,
            defaults=_linear(
                0.0,
                2.0,
                "article: distribution at 100w+ (≥ 1,000,000 CNY) precedes a stronger start of "
                "self-broadcast; the count of 2 is an assumption",
            ),
            formula="talents whose distribution GMV for the brand is ≥ 100,000,000 fen "
            "(1,000,000 CNY)",
            inputs=("talent_collabs[].gmv_fen",),
        ),
        _indicator(
            "talent_hits_carried",
            "Talent hits carried in self-broadcast",
            "达人爆款自播承接率",
            "share",
            measure=_talent_hits_carried,
            defaults=_linear(
                0.0,
                1.0,
                _ASSUME + "the article uses talent streams to test products fast (快速测试); "
                "every hit found there should be carried in self-broadcast later",
            ),
            formula=f"share of the top {TALENT_HITS} products by talent GMV that appear in a "
            "self-broadcast stream on or after their first talent collaboration",
            inputs=("talent_collabs[].product_ids", "streams[].products"),
        ),
        _indicator(
            "talent_reach_per_week",
            "Audience reached through talents per week",
            "达人触达人数(周)",
            "viewers/week",
            measure=_talent_reach_per_week,
            defaults=_linear(
                0.0,
                200_000.0,
                _ASSUME + "each talent stream accumulates crowd data (人群包数据, article); "
                "200,000 viewers a week is the target",
            ),
            formula="Σ audience reached by talent collaborations / weeks in the window "
            "(else in the collaborations' span)",
            inputs=("talent_collabs[].audience_reached",),
        ),
        _indicator(
            "gmv_per_commission",
            "GMV per unit of commission",
            "佣金产出比",
            "×",
            measure=_gmv_per_commission,
            defaults=_linear(
                2.5,
                6.0,
                _ASSUME + "commission of 40% of GMV is too dear, about 17% is efficient",
            ),
            formula="talent GMV / talent commission",
            inputs=("talent_collabs[].commission_fen",),
        ),
    ),
)

PRIVATE = Component[Brand](
    key="P",
    name="Private-domain operation",
    name_zh="私域运营",
    indicators=(
        _indicator(
            "repurchase_rate",
            "Repurchase rate",
            "复购率",
            "share",
            measure=_repurchase_rate,
            defaults=_linear(
                0.20,
                0.60,
                _ASSUME + "platform averages other than Kuaishou's are not published",
                kuaishou=(
                    0.30,
                    0.70,
                    "Kuaishou e-commerce, Sept 2021 (article): above 70% (65% average in 2020); "
                    "the floor of 0.30 is an assumption",
                ),
                douyin=(
                    0.15,
                    0.45,
                    _ASSUME + "interest e-commerce depends less on repeat buyers than "
                    "Kuaishou's trust e-commerce",
                ),
            ),
            formula="buyers with 2+ orders / buyers",
            inputs=("orders[].buyer_key",),
            weight=2.0,
        ),
        _indicator(
            "private_gmv_share",
            "GMV share from the private domain",
            "私域GMV占比",
            "share",
            measure=_private_gmv_share,
            defaults=_linear(
                0.10,
                0.40,
                _ASSUME + "followers and fan-group members bringing 40% of GMV",
                kuaishou=(
                    0.10,
                    0.50,
                    _ASSUME + "about 80% of Kuaishou repurchases come through the follow page "
                    "and private traffic converts over 4× public traffic (industry press, "
                    "2021)",
                ),
                douyin=(
                    0.05,
                    0.30,
                    _ASSUME + "Douyin sells mostly to recommendation traffic",
                ),
            ),
            formula="Σ GMV from private traffic / Σ GMV, over streams with a GMV split",
            inputs=("streams[].gmv_by_source.private",),
        ),
        _indicator(
            "fan_group_size",
            "Fan-group members per follower",
            "粉丝团渗透率",
            "members/follower",
            measure=_fan_group_size,
            defaults=_linear(
                0.005,
                0.05,
                _ASSUME + "5 fan-group members per 100 followers is a strong fan group",
            ),
            formula="Σ fan-group members / Σ followers, over accounts with a fan group",
            inputs=("accounts[].fan_group.members", "accounts[].followers"),
        ),
        _indicator(
            "fan_group_activity",
            "Active share of fan-group members",
            "粉丝团活跃率",
            "share",
            measure=_fan_group_activity,
            defaults=_linear(
                0.10,
                0.50,
                _ASSUME + "half of the members active in the window",
            ),
            formula="Σ active members / Σ members",
            inputs=("accounts[].fan_group.active_members",),
        ),
        _indicator(
            "fan_group_growth",
            "Fan-group growth per week",
            "粉丝团周增长率",
            "share/week",
            measure=_fan_group_growth,
            defaults=_linear(
                0.0,
                0.03,
                _ASSUME + "3% new members a week",
            ),
            formula="Σ new members / Σ members / weeks in the window",
            inputs=("accounts[].fan_group.new_members", "window_start..window_end or stream dates"),
        ),
        _indicator(
            "fan_shares_per_100_viewers",
            "Shares per 100 viewers (fan referrals)",
            "分享率",
            "shares/100 viewers",
            measure=_fan_shares_per_100,
            defaults=_linear(
                0.2,
                3.0,
                _ASSUME + "shares are the recorded proxy for new viewers brought by fans "
                "(挖掘新流量, article)",
            ),
            formula="100 × Σ shares / Σ UV",
            inputs=("streams[].shares", "streams[].uv"),
        ),
    ),
)

SPECIAL_SUPPLY = Component[Brand](
    key="SS",
    name="Channel special supply",
    name_zh="渠道特供",
    indicators=(
        _indicator(
            "exclusive_sku_share",
            "Channel-exclusive share of SKUs",
            "特供SKU占比",
            "share",
            measure=_exclusive_sku_share,
            defaults=_linear(
                0.0,
                0.30,
                _ASSUME + "the article's channel special supply (渠道特供) is developed for the "
                "channel; 30% of SKUs is the target",
            ),
            formula="channel-exclusive products / products",
            inputs=("products[].channel_exclusive",),
        ),
        _indicator(
            "exclusive_gmv_share",
            "Channel-exclusive share of GMV",
            "特供GMV占比",
            "share",
            measure=_exclusive_gmv_share,
            defaults=_linear(
                0.0,
                0.30,
                _ASSUME + "exclusive items earning 30% of self-broadcast GMV",
            ),
            formula="GMV of channel-exclusive items / Σ item GMV in self-broadcast",
            inputs=("streams[].products[].gmv_fen", "products[].channel_exclusive"),
            weight=1.5,
        ),
        _indicator(
            "exclusive_aov_ratio",
            "AOV of exclusive items against regular items",
            "特供客单价比",
            "×",
            measure=_exclusive_aov_ratio,
            defaults=_linear(
                0.90,
                1.30,
                _ASSUME + "the article expects special supply to raise AOV (提高客户单价); "
                "1.3× regular items is the target",
            ),
            formula="(exclusive GMV / exclusive orders) / (regular GMV / regular orders), "
            "self-broadcast items",
            inputs=("streams[].products[].orders", "products[].channel_exclusive"),
        ),
        _indicator(
            "gmv_per_stream_hour",
            "GMV per stream hour",
            "时均GMV",
            "yuan/hour",
            measure=_gmv_per_stream_hour,
            defaults=_linear(
                2_000.0,
                50_000.0,
                _ASSUME + "operating efficiency (提高渠道运营效率, article); set a category "
                "benchmark of your own",
            ),
            formula="self-broadcast GMV (yuan) / Σ stream hours",
            inputs=("streams[].gmv_fen", "streams[].duration_seconds"),
        ),
    ),
)

#: The five pillars, in the order of the acronym.
COMPONENTS: tuple[Component[Brand], ...] = (
    SELF_BROADCAST,
    TRAFFIC,
    TALENT,
    PRIVATE,
    SPECIAL_SUPPLY,
)
PILLARS: tuple[str, ...] = tuple(c.key for c in COMPONENTS)


def all_indicators() -> tuple[Indicator[Brand], ...]:
    """Every STEPS indicator, pillar by pillar."""
    return tuple(i for c in COMPONENTS for i in c.indicators)


# --------------------------------------------------------------------------------------------
# Lifecycle stage
# --------------------------------------------------------------------------------------------

#: Nominal pillar weights by lifecycle stage.  A launch brand is judged mostly on talent
#: distribution and public traffic, a growing one on self-broadcast and traffic, a mature
#: one on its private domain and channel special supply.
STAGE_WEIGHTS: Mapping[LifecycleStage, Mapping[str, float]] = {
    LifecycleStage.LAUNCH: {"S": 0.20, "T": 0.30, "E": 0.35, "P": 0.10, "SS": 0.05},
    LifecycleStage.GROWTH: {"S": 0.30, "T": 0.30, "E": 0.15, "P": 0.15, "SS": 0.10},
    LifecycleStage.MATURE: {"S": 0.20, "T": 0.15, "E": 0.05, "P": 0.35, "SS": 0.25},
}

#: The pillars a stage weighs at this much or more are its focus: the weakest pillar for the
#: stage is looked for among them.
FOCUS_WEIGHT = 0.15

#: Thresholds of the stage rule (all assumptions; override the stage when you know better).
LAUNCH_TALENT_SHARE = 0.60
LAUNCH_MAX_WEEKS = 8.0
MATURE_MIN_WEEKS = 26.0
MATURE_MAX_TALENT_SHARE = 0.50
MATURE_REPURCHASE = 0.45
MATURE_PRIVATE_SHARE = 0.30
MATURE_FAN_MEMBERS = 5_000

#: The stage rule, as documented.
STAGE_RULE = (
    f"launch if the brand has no self-broadcast, or talents sell ≥ {LAUNCH_TALENT_SHARE:.0%} "
    f"of GMV, or self-broadcast began < {LAUNCH_MAX_WEEKS:g} weeks ago; "
    f"mature if self-broadcast began ≥ {MATURE_MIN_WEEKS:g} weeks ago, talents sell "
    f"≤ {MATURE_MAX_TALENT_SHARE:.0%} of GMV and at least two of: repurchase rate ≥ "
    f"{MATURE_REPURCHASE:.0%}, private-domain GMV share ≥ {MATURE_PRIVATE_SHARE:.0%}, "
    f"fan-group members ≥ {MATURE_FAN_MEMBERS:,}; growth otherwise"
)


@attrs.frozen
class StageInference:
    """A lifecycle stage with the evidence it rests on."""

    stage: LifecycleStage
    source: str  # "inferred" or "override"
    evidence: str
    reason: str


def _weeks_text(weeks: float | None, language: str) -> str:
    return text("steps.lifecycle.no_weeks", language) if weeks is None else f"{weeks:.0f}"


def stage_name(stage: LifecycleStage, language: str = "en") -> str:
    """A lifecycle stage as running text names it (``"launch"``, ``"起步期"``)."""
    return text(f"steps.stage_name.{stage.value}", language)


def infer_stage(brand: Brand, language: str = "en") -> StageInference:
    """Infer the lifecycle stage from the data by :data:`STAGE_RULE`; the evidence and the
    reason are written in ``language``."""
    facts = brand_facts(brand)
    talent = facts.talent_share
    weeks = facts.self_broadcast_weeks
    repurchase = facts.repurchase
    private = facts.private_gmv_share
    members = facts.fan_members
    evidence = text(
        "steps.lifecycle.evidence",
        language,
        talent=_share_text(talent, language),
        weeks=_weeks_text(weeks, language),
        repurchase=_share_text(repurchase, language),
        private=_share_text(private, language),
        members=(
            text("steps.lifecycle.not_recorded", language) if members is None else f"{members:,}"
        ),
    )

    def result(stage: LifecycleStage, reason: str, **params: object) -> StageInference:
        return StageInference(
            stage, "inferred", evidence, text(f"steps.lifecycle.{reason}", language, **params)
        )

    if weeks is None:
        return result(LifecycleStage.LAUNCH, "no_self_broadcast")
    if talent is not None and talent >= LAUNCH_TALENT_SHARE:
        return result(LifecycleStage.LAUNCH, "talent_led", share=talent)
    if weeks < LAUNCH_MAX_WEEKS:
        return result(LifecycleStage.LAUNCH, "recent", weeks=weeks)
    signals = [
        text(f"steps.lifecycle.signal_{name}", language)
        for name, present in (
            ("repurchase", repurchase is not None and repurchase >= MATURE_REPURCHASE),
            ("private", private is not None and private >= MATURE_PRIVATE_SHARE),
            ("fan_group", members is not None and members >= MATURE_FAN_MEMBERS),
        )
        if present
    ]
    if (
        weeks >= MATURE_MIN_WEEKS
        and (talent is None or talent <= MATURE_MAX_TALENT_SHARE)
        and len(signals) >= 2
    ):
        joined = text("steps.lifecycle.signal_and", language).join(signals)
        return result(LifecycleStage.MATURE, "mature", weeks=weeks, signals=joined)
    return result(LifecycleStage.GROWTH, "growth", weeks=weeks, share=_share_text(talent, language))


def _stage_override(value: object) -> LifecycleStage:
    if isinstance(value, LifecycleStage):
        return value
    if isinstance(value, str):
        try:
            return LifecycleStage(value.strip().lower())
        except ValueError:
            pass
    choices = ", ".join(s.value for s in LifecycleStage)
    raise ValueError(f"option steps.stage must be one of {choices}, got {value!r}")


def weakest_pillar(
    components: Sequence[ComponentResult], weights: Mapping[str, float]
) -> ComponentResult | None:
    """The weakest pillar for the stage: the lowest-scoring available pillar among those the
    stage weighs at :data:`FOCUS_WEIGHT` or more (ties: the heavier pillar, then the
    acronym's order); among all available pillars when none of those is available.
    ``None`` when no pillar is available."""
    order = {key: i for i, key in enumerate(PILLARS)}
    scored = [c for c in components if c.score is not None]
    focus = [c for c in scored if weights.get(c.key, 0.0) >= FOCUS_WEIGHT]
    candidates = focus or scored
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda c: (c.score, -weights.get(c.key, 0.0), order.get(c.key, len(order))),
    )


# --------------------------------------------------------------------------------------------
# Next moves built from the data
# --------------------------------------------------------------------------------------------

#: The platforms' paid-traffic tools, by their own (Chinese) names in every language.
_PAID_TOOL = {Platform.KUAISHOU: "磁力金牛", Platform.DOUYIN: "巨量千川"}


def _paid_tool(brand: Brand, language: str) -> str:
    platform = metrics.main_platform(brand)
    tool = _PAID_TOOL.get(platform) if platform else None
    return tool or text("steps.fallback.tool", language)


def _value_text(value: float, unit: str, language: str) -> str:
    """A value as a phrase (the catalogue's ``steps.value``): ``0.46 share`` reads ``46%``,
    ``0.126 fans/viewer`` reads ``12.6 new fans per 100 paid viewers``."""
    key = f"steps.value.{unit}"
    if key not in builtin_catalogue():
        return text("steps.value.other", language, value=value, unit=unit_text(unit, language))
    return text(key, language, value=value, hundred=100 * value)


class _MoveFacts:
    """The data a next move quotes, computed on demand from :class:`BrandFacts`, as text in
    ``language``."""

    def __init__(self, facts: BrandFacts, language: str) -> None:
        self.facts = facts
        self.brand = facts.brand
        self.language = language

    def _names(self, items: Iterable[str], fallback: str) -> str:
        listed = list(items)
        if listed:
            return join(listed, self.language)
        return text(f"steps.fallback.{fallback}", self.language)

    @cached_property
    def heroes(self) -> str:
        names = self.facts.hero_names(language=self.language)
        return names or text("steps.fallback.heroes", self.language)

    @cached_property
    def hero(self) -> str:
        names = self.facts.hero_names(limit=1, language=self.language)
        return names or text("steps.fallback.hero", self.language)

    @cached_property
    def tool(self) -> str:
        return _paid_tool(self.brand, self.language)

    @cached_property
    def talent_gmv(self) -> dict[str, tuple[str, int, int]]:
        """talent id → (name, GMV fen, commission fen)."""
        out: dict[str, tuple[str, int, int]] = {}
        for collab in self.brand.talent_collabs:
            name, gmv, commission = out.get(
                collab.talent_id, (collab.talent_name.strip() or collab.talent_id, 0, 0)
            )
            out[collab.talent_id] = (name, gmv + collab.gmv_fen, commission + collab.commission_fen)
        return out

    @cached_property
    def near_100w(self) -> str:
        below = sorted(
            (v for v in self.talent_gmv.values() if v[1] < HUNDRED_W_FEN),
            key=lambda v: (-v[1], v[0]),
        )
        return self._names(
            (
                text("steps.next_move.talent_gmv", self.language, talent=n, gmv=_money_text(g))
                for n, g, _ in below[:3]
            ),
            "near_100w",
        )

    @cached_property
    def low_yield(self) -> str:
        rated = sorted((g / c, n) for n, g, c in self.talent_gmv.values() if c > 0 and g > 0)
        return self._names(
            (
                text("steps.next_move.talent_yield", self.language, talent=n, ratio=r)
                for r, n in rated[:3]
            ),
            "low_yield",
        )

    @cached_property
    def talents(self) -> int:
        return len(self.talent_gmv)

    @cached_property
    def not_carried(self) -> str:
        return self._names(
            (self.facts.product_label(p) for p in self.facts.hits_not_carried), "not_carried"
        )

    @cached_property
    def regular_aov(self) -> str:
        (_, _), (gmv, orders) = _exclusive_split(self.brand)
        aov = metrics.ratio(gmv, orders)
        if aov is None:
            return text("steps.fallback.regular_aov", self.language)
        return _money_text(aov)

    @cached_property
    def new_accounts(self) -> str:
        opened = {a.account_id: a for a in self.brand.accounts}
        names = [
            opened[a].name.strip() or a
            for a in sorted(self.facts.account_days)
            if a in opened and opened[a].opened_on is not None
        ]
        return self._names(names[:3], "new_accounts")

    @cached_property
    def exclusive(self) -> str:
        count = sum(1 for p in self.brand.products if p.channel_exclusive)
        return text(
            "steps.next_move.exclusive_count",
            self.language,
            count=count,
            total=len(self.brand.products),
        )

    def params(self) -> dict[str, object]:
        """Every fact a next move may quote (the templates pick theirs)."""
        return {name: getattr(self, name) for name in _MOVE_FACTS}


#: The facts of :class:`_MoveFacts` the ``steps.<indicator>.situation`` and ``.move``
#: messages may quote, besides the indicator's ``{value}`` and ``{benchmark}``.
_MOVE_FACTS = (
    "heroes",
    "hero",
    "tool",
    "near_100w",
    "low_yield",
    "talents",
    "not_carried",
    "regular_aov",
    "new_accounts",
    "exclusive",
)


def _labelled(component: ComponentResult, language: str) -> str:
    """A pillar named in a next move: English with the Chinese term beside it, Chinese
    alone."""
    if language == "zh":
        return display_name(component.name, component.name_zh, language)
    return f"{component.name} ({component.name_zh})"


def _self_broadcast_move(facts: BrandFacts, moves: _MoveFacts, language: str) -> str | None:
    """The cadence move (the methodology's step after talent distribution), or ``None``
    when self-broadcast runs more than twice a week on some account."""
    talent = facts.talent_share
    talent_text = (
        text("steps.next_move.talent_share", language, share=talent) if talent is not None else ""
    )
    joiner = text("steps.next_move.situation_and", language)
    if not facts.brand.streams:
        no_streams = text("steps.next_move.no_self_broadcast", language)
        situation = joiner.join(filter(None, [talent_text, no_streams]))
        return text(
            "steps.next_move.open_account", language, situation=situation, heroes=moves.heroes
        )
    busiest = facts.max_account_days_per_week
    if busiest is not None and busiest <= 2:
        cadence = text("steps.next_move.rare_streams", language)
        situation = joiner.join(filter(None, [talent_text, cadence]))
        return text(
            "steps.next_move.start_schedule", language, situation=situation, heroes=moves.heroes
        )
    return None


def _pillar_move(
    facts: BrandFacts, component: ComponentResult, language: str = "en"
) -> tuple[str, str | None]:
    """The next move for a weak pillar, built from the data, and the indicator it targets."""
    moves = _MoveFacts(facts, language)
    weakest = _weakest_indicator(component)
    if weakest is None or weakest.value is None:
        name = _labelled(component, language)
        return text("steps.next_move.weak_pillar", language, name=name), None
    catalogue = builtin_catalogue()
    if f"steps.{weakest.key}.situation" not in catalogue:
        if component.key == "S":
            cadence = _self_broadcast_move(facts, moves, language)
            if cadence is not None:
                return cadence, weakest.key
            return (
                text(
                    "steps.next_move.more_streaming",
                    language,
                    share=_share_text(facts.self_share, language),
                    days=facts.max_account_days_per_week or 0.0,
                    heroes=moves.heroes,
                ),
                weakest.key,
            )
        explanation = weakest.explanation + text("core.full_stop", language)
        return explanation, weakest.key
    params = {
        **moves.params(),
        "value": _value_text(weakest.value, weakest.unit, language),
        "benchmark": weakest.benchmark,
    }
    situation = text(f"steps.{weakest.key}.situation", language, **params)
    move = text(f"steps.{weakest.key}.move", language, **params)
    return (
        text(
            "steps.next_move.move",
            language,
            situation=situation,
            benchmark=weakest.benchmark,
            move=move,
        ),
        weakest.key,
    )


def _weakest_indicator(component: ComponentResult) -> IndicatorResult | None:
    scored = [i for i in component.indicators if i.score is not None]
    if not scored:
        return None
    return min(scored, key=lambda i: (i.score, -i.weight, i.key))


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------------------------
# The scorer
# --------------------------------------------------------------------------------------------


class StepsScorer(BrandMethodology):
    """STEPS (Kuaishou): self-broadcast, public traffic, talent distribution, private domain
    and channel special supply, weighted by the brand's lifecycle stage."""

    name: ClassVar[str] = "steps"
    version: ClassVar[str] = "1.0"
    title: ClassVar[str] = "STEPS brand methodology (品牌经营方法论)"
    description: ClassVar[str] = (
        "Kuaishou's five brand pillars over the brand's window: self-broadcast (S), "
        "public-domain traffic (T), talent distribution (E), private domain (P) and channel "
        "special supply (SS), weighted by the inferred lifecycle stage."
    )
    max_recommendations: ClassVar[int] = 4

    def components(self, subject: Brand, context: ScoringContext) -> Sequence[Component[Brand]]:
        return COMPONENTS

    def stage(self, brand: Brand, context: ScoringContext) -> StageInference:
        """The inferred stage, or the ``steps.stage`` option's (the evidence is kept)."""
        language = context.language
        inferred = infer_stage(brand, language)
        override = context.option(self.name, "stage")
        if override is None:
            return inferred
        stage = _stage_override(override)
        reason = text("steps.lifecycle.override", language, stage=stage_name(stage, language))
        return StageInference(stage, "override", inferred.evidence, reason)

    def component_weights(self, subject: Brand, context: ScoringContext) -> Mapping[str, float]:
        return STAGE_WEIGHTS[self.stage(subject, context).stage]

    def notes(self, subject: Brand, context: ScoringContext) -> Mapping[str, str]:
        stage = self.stage(subject, context)
        weights = STAGE_WEIGHTS[stage.stage]
        return {
            "stage": stage.stage.value,
            "stage_source": stage.source,
            "stage_evidence": stage.evidence,
            "stage_reason": stage.reason,
            "stage_weights": ", ".join(f"{k} {weights[k]:.2f}" for k in PILLARS),
        }

    def score(self, subject: Brand, context: ScoringContext) -> ScoreCard:
        card = super().score(subject, context)
        weakest = weakest_pillar(card.components, self.component_weights(subject, context))
        notes = dict(card.notes)
        notes["weakest_pillar"] = weakest.key if weakest is not None else "none"
        return attrs.evolve(card, notes=notes)

    def recommendations(
        self, subject: Brand, evaluation: Evaluation, context: ScoringContext
    ) -> list[Recommendation]:
        """The weakest pillar's next move first, built from the brand's data; then pillars
        that cannot be measured but weigh in this stage; then the base class's weakest
        indicators."""
        facts = brand_facts(subject)
        language = context.language
        out: list[Recommendation] = []
        weights = STAGE_WEIGHTS[self.stage(subject, context).stage]
        weakest = weakest_pillar(evaluation.components, weights)
        if weakest is not None and weakest.score is not None and weakest.score < 100.0:
            move, indicator = _pillar_move(facts, weakest, language)
            out.append(
                Recommendation(
                    text=_capitalise(move),
                    component=weakest.key,
                    indicator=indicator,
                    priority=1 if weakest.score < ADVICE_THRESHOLD else 2,
                )
            )
        for component in evaluation.components:
            if component.score is None and weights.get(component.key, 0.0) >= 0.2:
                needs = sorted({m for i in component.indicators for m in i.missing})
                out.append(
                    Recommendation(
                        text=text(
                            "steps.next_move.unmeasured",
                            language,
                            name=_labelled(component, language),
                            weight=weights[component.key],
                            needs=join(needs[:4], language),
                        ),
                        component=component.key,
                        priority=3,
                    )
                )
        taken = {(r.component, r.indicator) for r in out}
        for recommendation in super().recommendations(subject, evaluation, context):
            if (recommendation.component, recommendation.indicator) not in taken:
                out.append(recommendation)
        return out[: self.max_recommendations]


@hookimpl
def steps_register_scorers(register: Callable[[Scorer], None]) -> None:
    """Register the STEPS scorer."""
    register(StepsScorer())


# --------------------------------------------------------------------------------------------
# Documentation: the tables and the worked example of docs/scorers/steps.md
# --------------------------------------------------------------------------------------------


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _num(value: float) -> str:
    return f"{value:,.6g}"


def indicator_table() -> str:
    """Markdown: every indicator, pillar by pillar, with its formula, unit, weight and inputs,
    then its default benchmark on each platform with the source."""
    lines: list[str] = []
    for component in COMPONENTS:
        lines += [
            f"### {component.key}: {component.name} ({component.name_zh})",
            "",
            "| Indicator | Formula | Unit | Weight | Needs |",
            "| --- | --- | --- | ---: | --- |",
        ]
        for i in component.indicators:
            lines.append(
                f"| `{i.key}` {_md(i.name)} ({_md(i.name_zh)}) | {_md(i.formula)} | "
                f"{_md(i.unit)} | {i.weight:g} | {_md(', '.join(i.inputs))} |"
            )
        lines += [
            "",
            "| Indicator | Platform | Floor (scores 0) | Target (scores 100) | Source |",
            "| --- | --- | ---: | ---: | --- |",
        ]
        for i in component.indicators:
            # Platforms sharing one benchmark share a row ("kuaishou, douyin, *").
            shared: dict[LinearBenchmark, list[str]] = {}
            for platform in sorted(i.defaults, key=lambda p: (p == "*", p != "kuaishou", p)):
                benchmark = i.defaults[platform]
                assert isinstance(benchmark, LinearBenchmark)  # noqa: S101  # all are linear
                shared.setdefault(benchmark, []).append(platform)
            for benchmark, platforms in shared.items():
                lines.append(
                    f"| `{i.key}` | {', '.join(platforms)} | {_num(benchmark.floor)} | "
                    f"{_num(benchmark.target)} | {_md(benchmark.source)} |"
                )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def stage_weights_table() -> str:
    """Markdown: the pillar weights of each lifecycle stage (focus pillars in bold)."""
    lines = [
        "| Stage | " + " | ".join(PILLARS) + " |",
        "| --- | " + " | ".join("---:" for _ in PILLARS) + " |",
    ]
    for stage, weights in STAGE_WEIGHTS.items():
        cells = [
            f"**{weights[k]:.2f}**" if weights[k] >= FOCUS_WEIGHT else f"{weights[k]:.2f}"
            for k in PILLARS
        ]
        lines.append(f"| {stage.value} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _score_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def worked_example(brands: Iterable[Brand], context: ScoringContext | None = None) -> str:
    """Markdown: each brand's stage (with its evidence), pillar scores, overall score,
    weakest pillar and next move, as :class:`StepsScorer` computes them."""
    scorer = StepsScorer()
    context = context if context is not None else ScoringContext()
    lines: list[str] = []
    for brand in brands:
        card = scorer.score(brand, context)
        notes = card.notes
        platform = metrics.main_platform(brand)
        lines += [
            f"#### `{brand.brand_id}` {brand.name} ({brand.category}, "
            f"{platform.value if platform else 'no platform'})",
            "",
            f"- Stage: **{notes['stage']}** ({notes['stage_source']}: {notes['stage_reason']}).",
            f"- Evidence: {notes['stage_evidence']}.",
            f"- Score **{card.score:.1f}**, confidence {card.confidence:.2f}.",
            "",
            "| Pillar | Score | Stage weight | Points |",
            "| --- | ---: | ---: | ---: |",
        ]
        weights = STAGE_WEIGHTS[LifecycleStage(notes["stage"])]
        for component in card.components:
            lines.append(
                f"| {component.key} {component.name} ({component.name_zh}) | "
                f"{_score_text(component.score)} | {weights[component.key]:.2f} | "
                f"{component.contribution:.1f} |"
            )
        move = card.recommendations[0].text if card.recommendations else "(none)"
        lines += [
            "",
            f"- Weakest pillar for the stage: **{notes['weakest_pillar']}**.",
            f"- Next move: {move}",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"
