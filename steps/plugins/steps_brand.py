"""STEPS: Kuaishou's brand methodology, five pillars weighted by the brand's lifecycle stage.

The article behind this library names five elements of a brand's operation on Kuaishou:
self-broadcast (品牌自播, **S**), public-domain traffic boost (公域流量加持, **T**), talent
distribution (达人分销, **E**), private-domain operation (私域运营, **P**) and channel special
supply (渠道特供, **SS**).  It says talents take a brand from zero to one early on, that
brands then usually turn to self-broadcast to deepen the operation, and that early
self-broadcast does better once the brand's distribution through talents reaches 100w+; it
places the private domain and channel supply at no point of a brand's life (STEPS runs through
all of it) and names no stages, weights or thresholds: those are this module's own, and say
so (`STAGE_THRESHOLDS`, `STAGE_NAMES_PROVENANCE`, `STAGE_WEIGHTS_PROVENANCE`).

`StepsScorer` measures every pillar from several indicators over the brand's window;
every indicator carries its `Provenance` (the article's
words it implements, a published source cited on ``docs/sources.md``, or an assumption of
ours).  It infers the lifecycle stage (`infer_stage`, overridable with the option
``steps.stage``), weighs the pillars by `STAGE_WEIGHTS`, names the weakest pillar for
the stage and builds the next move from the brand's own data.

**Unknown is unknown.**  An indicator reads only the sections of data the brand provided
(`Brand.provided`) and the fields recorded in them
(``None`` is unknown): an indicator whose inputs were not provided is not available, never 0
or 100, and a pillar with no available indicator is not available.  A section provided and
empty is a real zero (no talent collaborations provided: E is unknown; provided and empty: the
brand sells nothing through talents).  Next moves come only from available indicators; a pillar
that cannot be judged gets a request for the export that would let it be judged.

Weekly rates use the dates the streams cover (their `SectionCoverage` within the brand's window,
each end falling back to the
window's, then to the first or last stream; at least one week).  Money is shown in yuan.  Every
sentence (advice, next moves, the stage's evidence and reason, the repurchase note) is a
``steps.*`` message of ``steps/data/messages``, written in the context's language.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from functools import cached_property
from typing import Any, ClassVar

import attrs

from steps.domain import metrics
from steps.domain.enums import LifecycleStage, Platform, ProductRole, Section, TrafficSource
from steps.domain.model import AudienceProfile, Brand, Order, Product, SectionCoverage, Stream
from steps.plugins._support import (
    ASSUME,
    SOURCES_PAGE,
    article,
    assumed,
    assumption,
    linear,
    yuan,
)
from steps.scoring.base import ADVICE_THRESHOLD, BrandMethodology, benchmark_phrase, move_text
from steps.scoring.contract import Scorer, ScoringContext
from steps.scoring.hookspecs import hookimpl
from steps.scoring.indicators import (
    Benchmark,
    Component,
    Evaluation,
    Indicator,
    LinearBenchmark,
    Origin,
    Provenance,
    unit_text,
)
from steps.scoring.messages import builtin_catalogue, display_name, join, text
from steps.scoring.results import ComponentResult, IndicatorResult, Recommendation, ScoreCard

__all__ = [
    "COMPONENTS",
    "CONFIDENT_BUYERS",
    "FOCUS_WEIGHT",
    "HUNDRED_W_FEN",
    "INDICATOR_WEIGHTS_PROVENANCE",
    "ORDER_INDICATORS",
    "PILLARS",
    "SOURCES_PAGE",
    "STAGE_NAMES_PROVENANCE",
    "STAGE_RULE",
    "STAGE_THRESHOLDS",
    "STAGE_WEIGHTS",
    "STAGE_WEIGHTS_PROVENANCE",
    "BrandFacts",
    "SelfBroadcastHistory",
    "StageInference",
    "StageThreshold",
    "StepsScorer",
    "all_indicators",
    "article_map",
    "brand_facts",
    "indicator_sections",
    "indicator_table",
    "infer_stage",
    "provenance_text",
    "stage_name",
    "stage_thresholds_table",
    "stage_weights_table",
    "steps_register_scorers",
    "weakest_pillar",
    "worked_example",
]

#: 100w+ (一百万以上): the brand's distribution level through talents, its GMV through all
#: its talents reaching 1,000,000 CNY; the article's milestone after which self-broadcast takes
#: over.  A level of the brand, not of any one talent.
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
#: A stream builds the range step by step when it adds at most this many products its
#: account had not carried before.
RANGE_STEP_NEW_PRODUCTS = 2
#: From this many distinct buyers on, the order-detail indicators count at full confidence;
#: below it their share of the card's confidence shrinks in proportion.
CONFIDENT_BUYERS = 100
#: The cap on a ratio whose baseline is zero (growth "from nothing").
RATIO_CAP = 10.0
#: The indicators computed from order details, whose confidence depends on the buyer count.
ORDER_INDICATORS = (
    "repurchase_rate",
    "purchase_frequency",
    "fan_group_buyer_share",
    "short_video_repurchase",
)

_MINUTES_PER_DAY = 24 * 60


# --------------------------------------------------------------------------------------------
# Provenance
# --------------------------------------------------------------------------------------------


# Benchmark sources say where their numbers come from in the same three words (an assumption
# is `ASSUME` or `assumed`).
def _from_article(quote: str, rest: str) -> str:
    return f"article: 「{quote}」{rest}"


def _from_published(statement: str, anchor: str) -> str:
    return f"published: {statement} (see {SOURCES_PAGE}#{anchor})"


#: The weights of the indicators within each pillar.
INDICATOR_WEIGHTS_PROVENANCE = assumption(
    "the weights of the indicators within a pillar are the library's own: the article ranks "
    "none of its practices above another"
)


# --------------------------------------------------------------------------------------------
# Facts: what the indicators read from a brand, computed once per brand
# --------------------------------------------------------------------------------------------


def _label(product: Product | None, product_id: str) -> str:
    if product is not None and product.name.strip():
        return product.name.strip()
    return product_id


def _money_text(fen: float) -> str:
    return f"¥{yuan(fen):,.0f}"


def _declared(brand: Brand, section: Section) -> SectionCoverage | None:
    for entry in brand.covered():
        if entry.section is section:
            return entry
    return None


def _span(brand: Brand, section: Section, days: Sequence[date]) -> tuple[date, date] | None:
    """The dates a section speaks for: its coverage dates within the brand's window, each end
    falling back to the window's, then to the first or last of ``days`` (sorted)."""
    entry = _declared(brand, section)
    starts = [d for d in (entry.start if entry else None, brand.window_start) if d is not None]
    ends = [d for d in (entry.end if entry else None, brand.window_end) if d is not None]
    start = max(starts) if starts else (days[0] if days else None)
    end = min(ends) if ends else (days[-1] if days else None)
    if start is None or end is None or end < start:
        return None
    return start, end


def _weeks(span: tuple[date, date] | None) -> float | None:
    """Weeks in ``span`` (inclusive days / 7, at least one week)."""
    if span is None:
        return None
    start, end = span
    return max(1.0, ((end - start).days + 1) / 7)


@attrs.frozen
class SelfBroadcastHistory:
    """How long the brand has self-broadcast, as far as the data can tell.

    ``known``: ``start`` is when self-broadcast began (the opening date of an account that
    streams).  Otherwise ``start`` is only the first stream the data holds, and the brand has
    self-broadcast for *at least* `weeks`."""

    start: date
    end: date
    known: bool

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def weeks(self) -> float:
        return self.days / 7


class BrandFacts:
    """The aggregates of one brand the STEPS indicators read.  Every property is computed on
    first use; ``None`` means the inputs were not provided or not recorded (never a silent
    zero)."""

    def __init__(self, brand: Brand) -> None:
        self.brand = brand

    @cached_property
    def _provided(self) -> dict[Section, bool]:
        return {section: self.brand.provided(section) for section in Section}

    def provided(self, *sections: Section) -> bool:
        """Whether every one of ``sections`` was provided."""
        return all(self._provided[section] for section in sections)

    # ---- GMV split ---------------------------------------------------------------------------

    @cached_property
    def self_gmv_fen(self) -> int | None:
        """Self-broadcast GMV, ``None`` when the streams were not provided."""
        if not self.provided(Section.STREAMS):
            return None
        return metrics.self_broadcast_gmv_fen(self.brand)

    @cached_property
    def talent_gmv_fen(self) -> int | None:
        """GMV through talents over the collaborations provided, ``None`` when they were not:
        the brand's distribution level (100w+ is `HUNDRED_W_FEN`)."""
        if not self.provided(Section.TALENT_COLLABS):
            return None
        return metrics.talent_gmv_fen(self.brand)

    @cached_property
    def talent_share(self) -> float | None:
        if self.self_gmv_fen is None or self.talent_gmv_fen is None:
            return None
        return metrics.ratio(self.talent_gmv_fen, self.self_gmv_fen + self.talent_gmv_fen)

    # ---- time --------------------------------------------------------------------------------

    @cached_property
    def streams_by_time(self) -> tuple[Stream, ...]:
        return tuple(sorted(self.brand.streams, key=lambda s: (s.started_at, s.stream_id)))

    @cached_property
    def stream_dates(self) -> tuple[date, ...]:
        return tuple(sorted(s.started_at.date() for s in self.brand.streams))

    @cached_property
    def span(self) -> tuple[date, date] | None:
        """The dates the streams speak for (see the module's note), ``None`` when the streams
        were not provided or nothing dates them."""
        if not self.provided(Section.STREAMS):
            return None
        return _span(self.brand, Section.STREAMS, self.stream_dates)

    @cached_property
    def weeks(self) -> float | None:
        """Weeks of `span` (at least one)."""
        return _weeks(self.span)

    @cached_property
    def talent_weeks(self) -> float | None:
        """Weeks the talent collaborations speak for: their coverage within the window, else
        the span of the collaborations."""
        if not self.provided(Section.TALENT_COLLABS):
            return None
        days = sorted(d for c in self.brand.talent_collabs for d in (c.started_on, c.ended_on))
        return _weeks(_span(self.brand, Section.TALENT_COLLABS, days))

    @cached_property
    def fan_group_weeks(self) -> float | None:
        """Weeks the fan-group figures speak for: their coverage within the window, else the
        streams' weeks."""
        own = _span(self.brand, Section.FAN_GROUPS, ())
        return _weeks(own) if own is not None else self.weeks

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
    def self_broadcast(self) -> SelfBroadcastHistory | None:
        """How long the brand has self-broadcast: from the opening of the earliest account that
        streams (known), else from the first stream the data holds (a lower bound), to the end
        of the streams' span.  ``None`` without a stream."""
        if not self.brand.streams:
            return None
        streaming = set(self.account_days)
        opened = [
            a.opened_on
            for a in self.brand.accounts
            if a.account_id in streaming and a.opened_on is not None
        ]
        first, last = self.stream_dates[0], self.stream_dates[-1]
        end = max(self.span[1], last) if self.span is not None else last
        if opened:
            return SelfBroadcastHistory(min([first, *opened]), end, known=True)
        return SelfBroadcastHistory(first, end, known=False)

    # ---- orders ------------------------------------------------------------------------------

    @cached_property
    def order_window(self) -> tuple[date, date] | None:
        """The dates the order details speak for, ``None`` when they were not provided."""
        if not self.provided(Section.ORDERS):
            return None
        days = sorted(o.placed_at.date() for o in self.brand.orders)
        return _span(self.brand, Section.ORDERS, days)

    @cached_property
    def buyer_orders(self) -> dict[str, tuple[Order, ...]]:
        """Each distinct buyer's paid orders in `order_window`, in time order."""
        if not self.provided(Section.ORDERS):
            return {}
        grouped: dict[str, list[Order]] = defaultdict(list)
        for order in metrics.paid_orders(self.brand.orders, self.order_window):
            grouped[order.buyer_key].append(order)
        return {
            buyer: tuple(sorted(orders, key=lambda o: (o.placed_at, o.order_id)))
            for buyer, orders in grouped.items()
        }

    @cached_property
    def buyers(self) -> int:
        """Distinct buyers with a paid order in the window."""
        return len(self.buyer_orders)

    @cached_property
    def repeat_buyers(self) -> int:
        return sum(1 for orders in self.buyer_orders.values() if len(orders) >= 2)

    @cached_property
    def repurchase(self) -> float | None:
        """Distinct buyers with 2+ paid orders ÷ distinct buyers (the article's 复购率)."""
        if not self.provided(Section.ORDERS):
            return None
        return metrics.paid_repurchase_rate(self.brand.orders, self.order_window)

    @cached_property
    def frequency(self) -> float | None:
        """Paid orders ÷ distinct buyers (how often buyers come back, 更频繁的回购)."""
        if not self.provided(Section.ORDERS):
            return None
        return metrics.purchase_frequency(self.brand.orders, self.order_window)

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
        """The products that sold best through talents (at most `TALENT_HITS`)."""
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
        """(followers, members, active members, new members) of the accounts with a fan
        group (followers and new members ``None`` where not recorded); empty when fan groups
        were not provided.  Provided, with no account holding a group: the brand has none,
        every account counts with zero members."""
        if not self.provided(Section.FAN_GROUPS):
            return ()
        groups = tuple(
            (a.followers, a.fan_group.members, a.fan_group.active_members, a.fan_group.new_members)
            for a in self.brand.accounts
            if a.fan_group is not None
        )
        return groups or tuple((a.followers, 0, 0, 0) for a in self.brand.accounts)

    @cached_property
    def fan_members(self) -> int | None:
        if not self.provided(Section.FAN_GROUPS):
            return None
        return sum(members for _, members, _, _ in self.fan_group_accounts)

    @cached_property
    def private_gmv_share(self) -> float | None:
        if not self.provided(Section.STREAMS):
            return None
        return metrics.gmv_share_from(self.brand.streams, TrafficSource.PRIVATE)


# A one-entry cache: evaluate() measures every indicator of one brand in a row, and the stage
# inference reads the same facts.  Keyed by identity; a race only means recomputing.
_FACTS_CACHE: dict[int, tuple[Brand, BrandFacts]] = {}


def brand_facts(brand: Brand) -> BrandFacts:
    """The (cached) `BrandFacts` of ``brand``."""
    entry = _FACTS_CACHE.get(id(brand))
    if entry is not None and entry[0] is brand:
        return entry[1]
    facts = BrandFacts(brand)
    _FACTS_CACHE.clear()
    _FACTS_CACHE[id(brand)] = (brand, facts)
    return facts


# --------------------------------------------------------------------------------------------
# Measures.  Each reads only what its indicator's sections hold; the sections themselves are
# checked once, by the indicator (see _indicator).
# --------------------------------------------------------------------------------------------

# S: self-broadcast (品牌自播): capacity and stability of the brand's own streaming


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


def _range_step_share(brand: Brand) -> float | None:
    by_account: dict[str, list[Stream]] = defaultdict(list)
    for stream in brand_facts(brand).streams_by_time:
        if stream.products:
            by_account[stream.account_id].append(stream)
    stepwise = later = 0
    for streams in by_account.values():
        seen = {item.product_id for item in streams[0].products}
        for stream in streams[1:]:
            carried = {item.product_id for item in stream.products}
            later += 1
            stepwise += len(carried - seen) <= RANGE_STEP_NEW_PRODUCTS
            seen |= carried
    return metrics.ratio(stepwise, later)


def _bundle_gmv_share(brand: Brand) -> float | None:
    facts = brand_facts(brand)
    bundles = known = 0
    for product_id, gmv in facts.self_product_gmv.items():
        product = facts.products.get(product_id)
        if product is None or product.bundle is None:
            continue
        known += gmv
        if product.bundle:
            bundles += gmv
    return metrics.ratio(bundles, known)


# T: public-domain traffic boost (公域流量加持)


def _paid_roi(brand: Brand) -> float | None:
    facts = brand_facts(brand)
    # The campaign report is the platform's own attribution: read it first when given.
    if facts.provided(Section.PAID_CAMPAIGNS):
        reported = [c for c in brand.paid_campaigns if c.gmv_fen is not None]
        roi = metrics.ratio(
            sum(c.gmv_fen or 0 for c in reported), sum(c.spend_fen for c in reported)
        )
        if roi is not None:
            return roi
    if facts.provided(Section.STREAMS):
        return metrics.paid_roi(brand.streams)
    return None


def _new_fans_per_paid_viewer(brand: Brand) -> float | None:
    fans = paid = 0
    for stream in brand.streams:
        paid_uv = stream.uv_by_source.get(TrafficSource.PAID, 0)
        if paid_uv > 0 and stream.new_followers is not None:
            fans += stream.new_followers
            paid += paid_uv
    return metrics.ratio(fans, paid)


def _paid_fan_units(brand: Brand) -> list[tuple[int, int]]:
    """(spend, new fans) in time order: the campaigns of the campaign report that record the
    followers they brought, when given; else the streams with spend and recorded new
    followers (all their new followers, paid or not)."""
    facts = brand_facts(brand)
    if facts.provided(Section.PAID_CAMPAIGNS):
        campaigns = sorted(
            (c for c in brand.paid_campaigns if c.spend_fen > 0 and c.new_followers is not None),
            key=lambda c: (c.started_on, c.campaign_id),
        )
        if campaigns:
            return [(c.spend_fen, c.new_followers or 0) for c in campaigns]
    if facts.provided(Section.STREAMS):
        return [
            (s.paid_spend_fen, s.new_followers)
            for s in facts.streams_by_time
            if s.paid_spend_fen and s.new_followers is not None
        ]
    return []


def _cost_per_fan_fen(units: Sequence[tuple[int, int]]) -> float | None:
    spend = sum(s for s, _ in units)
    if spend == 0:
        return None
    return spend / max(1, sum(f for _, f in units))


def _cost_per_new_fan(brand: Brand) -> float | None:
    cost = _cost_per_fan_fen(_paid_fan_units(brand))
    return None if cost is None else yuan(cost)


def _cost_per_fan_trend(brand: Brand) -> float | None:
    units = _paid_fan_units(brand)
    if len(units) < 4:
        return None
    half = len(units) // 2
    early = _cost_per_fan_fen(units[:half])
    late = _cost_per_fan_fen(units[half:])
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
    return float(len({c.talent_id for c in brand.talent_collabs}))


def _distribution_level(brand: Brand) -> float | None:
    gmv = brand_facts(brand).talent_gmv_fen
    return None if gmv is None else gmv / HUNDRED_W_FEN


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
        metrics.talent_gmv_fen(brand), sum(c.commission_fen for c in brand.talent_collabs)
    )


def _fixed_fee_share(brand: Brand) -> float | None:
    recorded = [c for c in brand.talent_collabs if c.fixed_fee_fen is not None]
    fees = sum(c.fixed_fee_fen or 0 for c in recorded)
    return metrics.ratio(fees, fees + sum(c.commission_fen for c in recorded))


def _shares_overlap(a: Mapping[Any, float], b: Mapping[Any, float]) -> float | None:
    """Σ min(a, b) over the two distributions, each scaled to add up to 1 (1: the same mix,
    0: nothing in common); ``None`` when either records nothing."""
    total_a, total_b = math.fsum(a.values()), math.fsum(b.values())
    if total_a <= 0 or total_b <= 0:
        return None
    return math.fsum(min(a.get(k, 0.0) / total_a, b.get(k, 0.0) / total_b) for k in {*a, *b})


def profile_overlap(a: AudienceProfile, b: AudienceProfile) -> float | None:
    """How alike two audiences are: the mean, over the dimensions both record, of the overlap
    of their city-tier mix, their age-band mix and (1 − the gap of) their female shares."""
    parts = [
        x
        for x in (
            _shares_overlap(a.city_tiers, b.city_tiers),
            _shares_overlap(a.age_bands, b.age_bands),
        )
        if x is not None
    ]
    if a.female_share is not None and b.female_share is not None:
        parts.append(1.0 - abs(a.female_share - b.female_share))
    return math.fsum(parts) / len(parts) if parts else None


def _audience_overlap(brand: Brand) -> float | None:
    own = brand.audience
    if own is None:
        return None
    overlaps = [
        x
        for x in (profile_overlap(c.audience, own) for c in brand.talent_collabs if c.audience)
        if x is not None
    ]
    return math.fsum(overlaps) / len(overlaps) if overlaps else None


# P: private-domain operation (私域运营)


def _repurchase_rate(brand: Brand) -> float | None:
    return brand_facts(brand).repurchase


def _purchase_frequency(brand: Brand) -> float | None:
    return brand_facts(brand).frequency


def _fan_group_buyer_share(brand: Brand) -> float | None:
    members = recorded = 0
    for orders in brand_facts(brand).buyer_orders.values():
        known = [o.fan_group_member for o in orders if o.fan_group_member is not None]
        if known:
            recorded += 1
            members += any(known)
    return metrics.ratio(members, recorded)


def _short_video_repurchase(brand: Brand) -> float | None:
    repeat = [
        o
        for orders in brand_facts(brand).buyer_orders.values()
        for o in orders[1:]
        if o.traffic_source is not None
    ]
    by_video = sum(1 for o in repeat if o.traffic_source is TrafficSource.SHORT_VIDEO)
    return metrics.ratio(by_video, len(repeat))


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
    if facts.fan_group_weeks is None:
        return None
    share = metrics.ratio(sum(g[3] or 0 for g in groups), sum(g[1] for g in groups))
    return None if share is None else share / facts.fan_group_weeks


def _fan_shares_per_100(brand: Brand) -> float | None:
    # Every viewer shares, not only fans: the rate supports the private-domain indicators
    # and never judges the pillar alone.
    if not any(
        i.measure is not None and i.measure(brand) is not None
        for i in PRIVATE.indicators
        if i.key != "fan_shares_per_100_viewers"
    ):
        return None
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


def _exclusive_gmv_per_hour(brand: Brand) -> float | None:
    # Hours of the streams whose items are recorded: the others' exclusive sales are unknown.
    hours = sum(s.duration_seconds for s in brand.streams if s.products) / 3600
    (ex_gmv, _), _ = _exclusive_split(brand)
    per_hour = metrics.ratio(ex_gmv, hours)
    return None if per_hour is None else yuan(per_hour)


# --------------------------------------------------------------------------------------------
# Indicator definitions
# --------------------------------------------------------------------------------------------


#: indicator key → (sections it needs, sections of which it needs one).
_SECTIONS: dict[str, tuple[tuple[Section, ...], tuple[Section, ...]]] = {}


def indicator_sections(key: str) -> tuple[tuple[Section, ...], tuple[Section, ...]]:
    """The sections of data an indicator reads: those it needs all of, and those it needs
    one of (either may be empty)."""
    return _SECTIONS[key]


def _gated(
    measure: Callable[[Brand], float | None],
    needs: tuple[Section, ...],
    needs_any: tuple[Section, ...],
) -> Callable[[Brand], float | None]:
    def gated(brand: Brand) -> float | None:
        facts = brand_facts(brand)
        if not facts.provided(*needs):
            return None
        if needs_any and not any(facts.provided(s) for s in needs_any):
            return None
        return measure(brand)

    gated.__name__ = gated.__qualname__ = measure.__name__
    gated.__doc__ = measure.__doc__
    return gated


def _indicator(
    key: str,
    name: str,
    name_zh: str,
    unit: str,
    *,
    measure: Callable[[Brand], float | None],
    defaults: Mapping[str, Benchmark],
    formula: str,
    inputs: tuple[str, ...],
    provenance: Provenance,
    needs: tuple[Section, ...] = (),
    needs_any: tuple[Section, ...] = (),
    weight: float = 1.0,
    moves: tuple[str, ...] = (),
) -> Indicator[Brand]:
    _SECTIONS[key] = (needs, needs_any)
    return Indicator(
        key=key,
        name=name,
        name_zh=name_zh,
        unit=unit,
        measure=_gated(measure, needs, needs_any),
        defaults=defaults,
        weight=weight,
        inputs=inputs,
        formula=formula,
        provenance=provenance,
        moves=moves,
    )


_STABLE = "进行稳定的直播,形成可持续的出货渠道"

SELF_BROADCAST = Component[Brand](
    key="S",
    name="Self-broadcast",
    name_zh="品牌自播",
    indicators=(
        _indicator(
            "streaming_days_per_week",
            "Streaming days per week",
            "每周开播天数",
            "days/week",
            measure=_streaming_days_per_week,
            defaults=assumed(
                0.0,
                5.0,
                "stable self-broadcast means streaming on most weekdays; five days a "
                "week is the target",
            ),
            formula="distinct self-broadcast stream dates / weeks the streams cover",
            inputs=("streams[].started_at", "window_start..window_end or stream dates"),
            provenance=article(_STABLE, "capacity: how often the brand streams on its own"),
            needs=(Section.STREAMS,),
            weight=2.0,
            moves=("uv",),
        ),
        _indicator(
            "streaming_hours_per_week",
            "Streaming hours per week",
            "每周直播时长",
            "hours/week",
            measure=_streaming_hours_per_week,
            defaults=assumed(
                0.0,
                20.0,
                "about four hours on five days a week",
                douyin=(
                    0.0,
                    35.0,
                    "Douyin store broadcasts (店播) run long daily sessions "
                    "to catch recommendation traffic",
                ),
            ),
            formula="Σ self-broadcast stream duration (hours) / weeks the streams cover",
            inputs=("streams[].duration_seconds", "window_start..window_end or stream dates"),
            provenance=article(_STABLE, "capacity: how many hours the brand streams"),
            needs=(Section.STREAMS,),
            weight=2.0,
            moves=("uv",),
        ),
        _indicator(
            "schedule_regularity",
            "Schedule regularity",
            "开播规律性",
            "share",
            measure=_schedule_regularity,
            defaults=assumed(
                0.30,
                0.80,
                "viewers come back at a time they can predict; 80% of streams in "
                "the usual slot is a fixed schedule",
            ),
            formula=f"share of streams starting within ±{SCHEDULE_TOLERANCE_MINUTES} min of "
            "their account's most common start time (accounts with 3+ streams)",
            inputs=("streams[].started_at (3+ streams on an account)",),
            provenance=article("进行稳定的直播", "stability: streams at times viewers can expect"),
            needs=(Section.STREAMS,),
            weight=2.0,
            moves=("uv",),
        ),
        _indicator(
            "active_matrix_accounts",
            "Active matrix accounts",
            "活跃矩阵账号数",
            "accounts",
            measure=_active_matrix_accounts,
            defaults=assumed(0.0, 3.0, "three weekly-active accounts make a matrix"),
            formula="accounts streaming on at least one day per week of the streams' span on "
            "average",
            inputs=("accounts", "streams[].started_at", "window_start..window_end or stream dates"),
            provenance=article("创建矩阵账户", "one of the article's ways through the cold start"),
            needs=(Section.STREAMS,),
            moves=("uv",),
        ),
        _indicator(
            "hero_explains_per_stream",
            "Explanations per hero product per stream",
            "爆款单场讲解次数",
            "explains",
            measure=_hero_explains_per_stream,
            defaults=assumed(
                1.0,
                4.0,
                "four explanations of each hero a stream, about one an hour; the "
                "direction is published (Chen, Dou & Xiao 2023: more time per product drives "
                f"GMV; see {SOURCES_PAGE}#chen-dou-xiao-2023)",
            ),
            formula="Σ explain_count of hero products / (streams with product records × "
            "hero products); heroes: role 'hero', else the 3 best-selling items",
            inputs=("streams[].products[].explain_count", "products[].role"),
            provenance=article("反复讲解爆款风格套装", "explaining the hero items again and again"),
            needs=(Section.STREAM_PRODUCTS,),
            moves=("buyers_per_minute",),
        ),
        _indicator(
            "top3_gmv_share",
            "GMV concentration in the top 3 items",
            "前三单品GMV占比",
            "share",
            measure=_top3_gmv_share,
            defaults=assumed(0.20, 0.60, "a hero-product strategy concentrates GMV in a few items"),
            formula="GMV of the 3 best-selling items / Σ item GMV in self-broadcast",
            inputs=("streams[].products[].gmv_fen",),
            provenance=assumption(
                "the article builds self-broadcast on hero items (爆款); measuring that by the "
                "top three items' share of GMV is ours"
            ),
            needs=(Section.STREAM_PRODUCTS,),
            weight=0.5,
            moves=("buyers_per_minute",),
        ),
        _indicator(
            "cold_start_growth",
            "Cold-start trend of GMV per stream",
            "冷启动场均GMV趋势",
            "×",
            measure=_cold_start_growth,
            defaults=assumed(
                1.0,
                2.0,
                "doubling GMV per stream over the first streams passes the cold start fast",
            ),
            formula=f"mean GMV of the later half of a new account's first {COLD_START_STREAMS} "
            "streams / mean of the earlier half (accounts opened within "
            f"{COLD_START_OPENED_WITHIN_DAYS} days of their first stream, 4+ streams; "
            f"capped at {RATIO_CAP:g})",
            inputs=("accounts[].opened_on", "streams[].gmv_fen (4+ on a new account)"),
            provenance=article(
                "快速度过冷启动阶段", "how fast a new account passes its cold start"
            ),
            needs=(Section.STREAMS,),
            moves=("uv",),
        ),
        _indicator(
            "range_step_share",
            "Range built step by step",
            "分步组货",
            "share",
            measure=_range_step_share,
            defaults=assumed(
                0.50,
                0.90,
                f"nine streams in ten add at most {RANGE_STEP_NEW_PRODUCTS} new products",
            ),
            formula="share of an account's streams (after its first with product records) that "
            f"add at most {RANGE_STEP_NEW_PRODUCTS} products the account had not carried before",
            inputs=("streams[].products[].product_id (2+ streams on an account)",),
            provenance=article(
                "分步组合选择", "choosing the product combination step by step, not all at once"
            ),
            needs=(Section.STREAM_PRODUCTS,),
            weight=0.5,
            moves=("buyers_per_minute",),
        ),
        _indicator(
            "bundle_gmv_share",
            "Bundles' share of self-broadcast GMV",
            "套装GMV占比",
            "share",
            measure=_bundle_gmv_share,
            defaults=assumed(0.0, 0.30, "hero bundles earning 30% of self-broadcast GMV"),
            formula="GMV of products that are sets (bundle) / Σ item GMV of products whose "
            "bundle flag is recorded, in self-broadcast",
            inputs=("products[].bundle", "streams[].products[].gmv_fen"),
            provenance=article("推出单店防爆套装", "the hero sets (爆款套装) a store launches"),
            needs=(Section.STREAM_PRODUCTS, Section.PRODUCTS),
            weight=0.5,
            moves=("aov",),
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
            defaults=assumed(
                1.0,
                3.0,
                "at ROI 1 paid traffic only returns its spend as GMV; 3 leaves room "
                "for goods cost and commission",
            ),
            formula="GMV / spend of the campaign report (campaigns that record GMV), else GMV "
            "from paid traffic / paid spend over streams with spend and a GMV split",
            inputs=(
                "paid_campaigns[].gmv_fen",
                "streams[].paid_spend_fen",
                "streams[].gmv_by_source.paid",
            ),
            provenance=article(
                "引导订单转化和支付",
                "what the article's paid traffic is for: guiding orders and payment",
            ),
            needs_any=(Section.PAID_CAMPAIGNS, Section.STREAMS),
            weight=2.0,
            moves=("uv",),
        ),
        _indicator(
            "new_fans_per_paid_viewer",
            "New fans per paid viewer",
            "付费流量涨粉率",
            "fans/viewer",
            measure=_new_fans_per_paid_viewer,
            defaults=assumed(
                0.02,
                0.15,
                "all new followers count against paid viewers, so 15 per 100 paid "
                "viewers is the target",
            ),
            formula="Σ new followers / Σ paid UV, over streams with paid viewers",
            inputs=("streams[].uv_by_source.paid", "streams[].new_followers"),
            provenance=article(
                "建立粉丝群", "the second of T's three values: building the fan base"
            ),
            needs=(Section.STREAMS,),
            moves=("uv",),
        ),
        _indicator(
            "cost_per_new_fan",
            "Cost per new fan",
            "涨粉成本",
            "yuan/fan",
            measure=_cost_per_new_fan,
            defaults=assumed(20.0, 2.0, "¥2 per fan is good, ¥20 is too dear (lower is better)"),
            formula="Σ spend (yuan) / max(1, Σ new followers): campaigns of the campaign report "
            "that record the followers they brought, else streams with spend",
            inputs=(
                "paid_campaigns[].new_followers",
                "streams[].paid_spend_fen",
                "streams[].new_followers",
            ),
            provenance=article(
                "降低铸造成本",
                "the third of T's three values, lowering the cost (the article glosses it as "
                "大大降低流量成本)",
            ),
            needs_any=(Section.PAID_CAMPAIGNS, Section.STREAMS),
            moves=("uv",),
        ),
        _indicator(
            "cost_per_fan_trend",
            "Trend of the cost per new fan",
            "涨粉成本趋势",
            "×",
            measure=_cost_per_fan_trend,
            defaults=assumed(1.25, 0.80, "a 20% fall is the target (lower is better)"),
            formula="cost per new fan in the later half of the campaigns (else streams) with "
            f"spend / the earlier half (4+ of them; capped at {RATIO_CAP:g})",
            inputs=(
                "paid_campaigns[].new_followers (4+ campaigns)",
                "streams[].paid_spend_fen (4+ streams)",
                "streams[].new_followers",
            ),
            provenance=article(
                "大大降低流量成本", "public and private traffic together lower the cost over time"
            ),
            needs_any=(Section.PAID_CAMPAIGNS, Section.STREAMS),
            moves=("uv",),
        ),
        _indicator(
            "public_uv_share",
            "Public-domain share of viewers",
            "公域流量占比",
            "share",
            measure=_public_uv_share,
            defaults=linear(
                0.20,
                0.60,
                ASSUME + "a brand should win a good share of recommendation and search traffic",
                kuaishou=(
                    0.20,
                    0.70,
                    _from_published(
                        "public domain is about 70% of Kuaishou live traffic (industry press); "
                        "the floor is an assumption",
                        "public-domain-share",
                    ),
                ),
                douyin=(
                    0.30,
                    0.80,
                    ASSUME + "Douyin interest e-commerce is led by recommendation traffic",
                ),
            ),
            formula="Σ public UV (recommendation, search, short video) / Σ UV, over streams "
            "with a source split",
            inputs=("streams[].uv_by_source",),
            provenance=article("高效获取流量", "the first of T's three values: winning traffic"),
            needs=(Section.STREAMS,),
            moves=("uv",),
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
            defaults=assumed(
                0.05, 0.50, "talents selling half of GMV is a strong distribution channel"
            ),
            formula="talent GMV / (self-broadcast GMV + talent GMV)",
            inputs=("talent_collabs[].gmv_fen", "streams[].gmv_fen"),
            provenance=article("快速传播意识并增加销量", "talents spread awareness and sell fast"),
            needs=(Section.STREAMS, Section.TALENT_COLLABS),
            weight=2.0,
            moves=("uv",),
        ),
        _indicator(
            "talent_count",
            "Talents distributing",
            "合作达人数",
            "talents",
            measure=_talent_count,
            defaults=assumed(
                0.0,
                20.0,
                "20 talents; the score stops rising there since the number of "
                "streamers has an inverted-U effect on sales (published: Chen, Dou & Xiao "
                f"2023; see {SOURCES_PAGE}#chen-dou-xiao-2023)",
            ),
            formula="distinct talent_id among the talent collaborations",
            inputs=("talent_collabs[].talent_id",),
            provenance=article("与不同的人才合作", "working with different talents"),
            needs=(Section.TALENT_COLLABS,),
            moves=("uv",),
        ),
        _indicator(
            "distribution_level",
            "Distribution level through talents (100w+)",
            "站内分发等级",
            "× 100w",
            measure=_distribution_level,
            defaults=linear(
                0.0,
                1.0,
                _from_article(
                    "站内分发等级达到100w+",
                    ": the brand's GMV through talents reaching 1,000,000 CNY scores 100; the "
                    "floor (0) is an assumption",
                ),
            ),
            formula="Σ talent GMV over the collaborations provided / 1,000,000 CNY (100w)",
            inputs=("talent_collabs[].gmv_fen",),
            provenance=article(
                "站内分发等级达到100w+时,品牌自播初期表现较好",
                "the brand's distribution level through talents, at which, the article says, "
                "early self-broadcast does better (a level of the brand, not a count of "
                "talents); the article does not say over what period, so it is counted over "
                "the window",
            ),
            needs=(Section.TALENT_COLLABS,),
            weight=2.0,
            moves=("uv",),
        ),
        _indicator(
            "talent_hits_carried",
            "Talent hits carried in self-broadcast",
            "达人爆款自播承接率",
            "share",
            measure=_talent_hits_carried,
            defaults=assumed(
                0.0,
                1.0,
                "every hit found in talent streams should be carried in self-broadcast later",
            ),
            formula=f"share of the top {TALENT_HITS} products by talent GMV that appear in a "
            "self-broadcast stream on or after their first talent collaboration",
            inputs=("talent_collabs[].product_ids", "streams[].products"),
            provenance=article(
                "识别热门机型,为后续自播群托和目标人群打下基础",
                "fast testing: the hits talents find carry self-broadcast later",
            ),
            needs=(Section.TALENT_COLLABS, Section.STREAM_PRODUCTS),
            moves=("buyers_per_minute",),
        ),
        _indicator(
            "talent_reach_per_week",
            "Audience reached through talents per week",
            "达人触达人数(周)",
            "viewers/week",
            measure=_talent_reach_per_week,
            defaults=assumed(0.0, 200_000.0, "200,000 viewers a week is the target"),
            formula="Σ audience reached by talent collaborations / weeks the collaborations cover",
            inputs=("talent_collabs[].audience_reached",),
            provenance=article(
                "在每个直播间积累人群包数据", "data accumulation: the crowds reached"
            ),
            needs=(Section.TALENT_COLLABS,),
            moves=("uv",),
        ),
        _indicator(
            "gmv_per_commission",
            "GMV per unit of commission",
            "佣金产出比",
            "×",
            measure=_gmv_per_commission,
            defaults=assumed(
                2.5, 6.0, "commission of 40% of GMV is too dear, about 17% is efficient"
            ),
            formula="talent GMV / talent commission",
            inputs=("talent_collabs[].commission_fen",),
            provenance=article(
                "品牌可以低成本尝试新渠道", "low cost: what each unit of commission returns"
            ),
            needs=(Section.TALENT_COLLABS,),
        ),
        _indicator(
            "fixed_fee_share",
            "Fixed fees' share of talent costs",
            "坑位费占比",
            "share",
            measure=_fixed_fee_share,
            defaults=assumed(
                0.50,
                0.10,
                "a brand trying talents pays mostly commission; half its talent costs "
                "in slot fees is too much (lower is better)",
            ),
            formula="Σ fixed fees / (Σ fixed fees + Σ commission), over collaborations that "
            "record their fixed fee",
            inputs=("talent_collabs[].fixed_fee_fen",),
            provenance=article(
                "初期投资固定成本低",
                "low fixed cost: slot fees (坑位费) are paid whatever sells, commission only on "
                "sales",
            ),
            needs=(Section.TALENT_COLLABS,),
        ),
        _indicator(
            "audience_overlap",
            "Talent audiences matching the brand's",
            "达人受众匹配度",
            "share",
            measure=_audience_overlap,
            defaults=assumed(
                0.50,
                0.85,
                "audiences of one platform share much by default; 85% overlap is a "
                "well-anchored talent",
            ),
            formula="mean over collaborations with an audience profile of its overlap with the "
            "brand's audience: the mean, over the dimensions both record, of Σ min(share) of "
            "the city-tier and age-band mixes and 1 − |female share gap|",
            inputs=("talent_collabs[].audience", "audience"),
            provenance=article("目标受众锚定", "anchoring the target audience through talents"),
            needs=(Section.TALENT_COLLABS, Section.AUDIENCE),
            moves=("uv",),
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
            defaults=linear(
                0.20,
                0.60,
                ASSUME + "platform averages other than Kuaishou's are not published",
                kuaishou=(
                    0.30,
                    0.70,
                    _from_article(
                        "2021年9月复购率快手电商突破70%",
                        " (the platform's average was 65% in 2020): above 70% scores 100; the "
                        "floor (0.30) is an assumption",
                    ),
                ),
                douyin=(
                    0.15,
                    0.45,
                    ASSUME + "interest e-commerce depends less on repeat buyers than "
                    "Kuaishou's trust e-commerce",
                ),
            ),
            formula="distinct buyers with 2+ paid orders in the window / distinct buyers with a "
            "paid order (order details)",
            inputs=("orders[].buyer_key", "orders[].placed_at"),
            provenance=article("提高复购率", "the second of P's three values"),
            needs=(Section.ORDERS,),
            weight=2.0,
            moves=("orders_per_buyer",),
        ),
        _indicator(
            "purchase_frequency",
            "Purchase frequency",
            "购买频次",
            "orders/buyer",
            measure=_purchase_frequency,
            defaults=assumed(
                1.0,
                2.0,
                "two paid orders per buyer in the window; consistent with the "
                "repurchase target (70% of buyers ordering twice or more is at least 1.7)",
            ),
            formula="paid orders in the window / distinct buyers with a paid order",
            inputs=("orders[].buyer_key", "orders[].placed_at"),
            provenance=article("带动更频繁的回购", "how often buyers come back"),
            needs=(Section.ORDERS,),
            weight=1.5,
            moves=("orders_per_buyer",),
        ),
        _indicator(
            "fan_group_buyer_share",
            "Fan-group share of buyers",
            "粉丝团买家占比",
            "share",
            measure=_fan_group_buyer_share,
            defaults=assumed(0.05, 0.40, "two buyers in five in the fan group"),
            formula="distinct buyers who ordered as fan-group members / distinct buyers whose "
            "membership the orders record",
            inputs=("orders[].fan_group_member",),
            provenance=article(
                "粉丝团运营", "operating the fan group, beside refund without return"
            ),
            needs=(Section.ORDERS,),
            moves=("orders_per_buyer",),
        ),
        _indicator(
            "short_video_repurchase",
            "Repeat orders through short videos",
            "短视频复购占比",
            "share",
            measure=_short_video_repurchase,
            defaults=assumed(0.0, 0.20, "one repeat order in five through short videos"),
            formula="a buyer's second and later paid orders in the window that came through "
            "short video / those whose traffic source is recorded",
            inputs=("orders[].traffic_source",),
            provenance=article(
                "在短视频、直播场景进行回购操作", "repurchase in short-video as well as live scenes"
            ),
            needs=(Section.ORDERS,),
            weight=0.5,
            moves=("orders_per_buyer",),
        ),
        _indicator(
            "private_gmv_share",
            "GMV share from the private domain",
            "私域GMV占比",
            "share",
            measure=_private_gmv_share,
            defaults=assumed(
                0.10,
                0.40,
                "followers and fan-group members bringing 40% of GMV",
                kuaishou=(
                    0.10,
                    0.50,
                    "half of GMV; published figures point the same way (about 80% of "
                    "Kuaishou repurchases come through the follow page; industry press, 2021; "
                    f"see {SOURCES_PAGE}#follow-page-repurchases)",
                ),
                douyin=(0.05, 0.30, "Douyin sells mostly to recommendation traffic"),
            ),
            formula="Σ GMV from private traffic / Σ GMV, over streams with a GMV split",
            inputs=("streams[].gmv_by_source.private",),
            provenance=article("沉淀私域流量", "private-domain traffic settling around the brand"),
            needs=(Section.STREAMS,),
            moves=("orders_per_buyer",),
        ),
        _indicator(
            "fan_group_size",
            "Fan-group members per follower",
            "粉丝团渗透率",
            "members/follower",
            measure=_fan_group_size,
            defaults=assumed(
                0.005, 0.05, "5 fan-group members per 100 followers is a strong fan group"
            ),
            formula="Σ fan-group members / Σ followers, over accounts with a fan group",
            inputs=("accounts[].fan_group.members", "accounts[].followers"),
            provenance=article("与用户紧密联系", "close ties with users"),
            needs=(Section.FAN_GROUPS,),
            moves=("orders_per_buyer",),
        ),
        _indicator(
            "fan_group_activity",
            "Active share of fan-group members",
            "粉丝团活跃率",
            "share",
            measure=_fan_group_activity,
            defaults=assumed(0.10, 0.50, "half of the members active in the window"),
            formula="Σ active members / Σ members",
            inputs=("accounts[].fan_group.active_members",),
            provenance=article("激活现有粉丝", "activating existing fans"),
            needs=(Section.FAN_GROUPS,),
            moves=("orders_per_buyer",),
        ),
        _indicator(
            "fan_group_growth",
            "Fan-group growth per week",
            "粉丝团周增长率",
            "share/week",
            measure=_fan_group_growth,
            defaults=assumed(0.0, 0.03, "3% new members a week"),
            formula="Σ new members / Σ members / weeks the fan-group figures cover",
            inputs=("accounts[].fan_group.new_members", "window_start..window_end or stream dates"),
            provenance=article("沉淀私域流量", "private-domain traffic growing"),
            needs=(Section.FAN_GROUPS,),
            moves=("orders_per_buyer",),
        ),
        _indicator(
            "fan_shares_per_100_viewers",
            "Shares per 100 viewers (fan referrals)",
            "分享率",
            "shares/100 viewers",
            measure=_fan_shares_per_100,
            defaults=assumed(
                0.2, 3.0, "shares are the recorded proxy for new viewers brought by fans"
            ),
            formula="100 × Σ shares / Σ UV; measured only beside another private-domain "
            "indicator (every viewer shares, not only fans)",
            inputs=("streams[].shares", "streams[].uv"),
            provenance=article("挖掘新流量", "the third of P's values: new traffic through fans"),
            needs=(Section.STREAMS,),
            weight=0.5,
            moves=("uv",),
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
            "特供款占比",
            "share",
            measure=_exclusive_sku_share,
            defaults=assumed(0.0, 0.30, "30% of SKUs developed for the channel is the target"),
            formula="channel-exclusive products / products",
            inputs=("products[].channel_exclusive",),
            provenance=article("为快手渠道开发特殊供应产品", "products developed for the channel"),
            needs=(Section.PRODUCTS,),
            moves=("aov",),
        ),
        _indicator(
            "exclusive_gmv_share",
            "Channel-exclusive share of GMV",
            "特供GMV占比",
            "share",
            measure=_exclusive_gmv_share,
            defaults=assumed(0.0, 0.30, "exclusive items earning 30% of self-broadcast GMV"),
            formula="GMV of channel-exclusive items / Σ item GMV in self-broadcast",
            inputs=("streams[].products[].gmv_fen", "products[].channel_exclusive"),
            provenance=article(
                "打造特色产品", "the first of SS's three values: distinctive products"
            ),
            needs=(Section.STREAM_PRODUCTS, Section.PRODUCTS),
            weight=1.5,
            moves=("aov",),
        ),
        _indicator(
            "exclusive_aov_ratio",
            "AOV of exclusive items against regular items",
            "特供客单价比",
            "×",
            measure=_exclusive_aov_ratio,
            defaults=assumed(0.90, 1.30, "1.3× the regular items' order value is the target"),
            formula="(exclusive GMV / exclusive orders) / (regular GMV / regular orders), "
            "self-broadcast items",
            inputs=("streams[].products[].orders", "products[].channel_exclusive"),
            provenance=article("提高客户单价", "the second of SS's three values: higher AOV"),
            needs=(Section.STREAM_PRODUCTS, Section.PRODUCTS),
            moves=("aov",),
        ),
        _indicator(
            "exclusive_gmv_per_hour",
            "Exclusive items' GMV per stream hour",
            "特供时均GMV",
            "yuan/hour",
            measure=_exclusive_gmv_per_hour,
            defaults=assumed(
                0.0,
                15_000.0,
                "exclusive items earning ¥15,000 an hour; set a category benchmark of your own",
            ),
            formula="GMV of channel-exclusive items (yuan) / Σ hours of the streams whose items "
            "are recorded",
            inputs=(
                "streams[].products[].gmv_fen",
                "products[].channel_exclusive",
                "streams[].duration_seconds",
            ),
            provenance=article(
                "提高渠道运营效率",
                "the third of SS's three values: operating efficiency, of the exclusive items",
            ),
            needs=(Section.STREAMS, Section.STREAM_PRODUCTS, Section.PRODUCTS),
            moves=("aov",),
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

#: The stage names.
STAGE_NAMES_PROVENANCE = assumption(
    "launch, growth and mature are the library's names: the article names no stages. It says "
    "talents take a brand from zero to one early on (从零到一), that brands then usually turn "
    "to self-broadcast to deepen the operation (自播来深化运营), and that early self-broadcast "
    "does better once the brand's distribution through talents reaches 100w+; it places the "
    "private domain and channel special supply at no point of a brand's life"
)

#: Nominal pillar weights by lifecycle stage.  A launch brand is judged mostly on talent
#: distribution and public traffic, a growing one on self-broadcast and traffic, a mature
#: one on its private domain and channel special supply.
STAGE_WEIGHTS: Mapping[LifecycleStage, Mapping[str, float]] = {
    LifecycleStage.LAUNCH: {"S": 0.20, "T": 0.30, "E": 0.35, "P": 0.10, "SS": 0.05},
    LifecycleStage.GROWTH: {"S": 0.30, "T": 0.30, "E": 0.15, "P": 0.15, "SS": 0.10},
    LifecycleStage.MATURE: {"S": 0.20, "T": 0.15, "E": 0.05, "P": 0.35, "SS": 0.25},
}
STAGE_WEIGHTS_PROVENANCE = assumption(
    "the weights are the library's own and the article gives none: talents first, then "
    "self-broadcast follows what the article says; weighing the private domain and channel "
    "supply most at maturity is the library's reading"
)

#: The pillars a stage weighs at this much or more are its focus: the weakest pillar for the
#: stage is looked for among them.
FOCUS_WEIGHT = 0.15

#: Thresholds of the stage rule (override the stage with ``steps.stage`` when you know better).
LAUNCH_TALENT_SHARE = 0.60
LAUNCH_MAX_WEEKS = 8.0
MATURE_MIN_WEEKS = 26.0
MATURE_MAX_TALENT_SHARE = 0.50
MATURE_REPURCHASE = 0.65
MATURE_PRIVATE_SHARE = 0.30
MATURE_FAN_MEMBERS = 5_000


@attrs.frozen
class StageThreshold:
    """A number the stage rule (or the card around it) uses, with where it comes from."""

    key: str
    value: float
    shown: str
    use: str
    provenance: Provenance


#: Every threshold of the stage rule and of the card, each with its provenance.
STAGE_THRESHOLDS: tuple[StageThreshold, ...] = (
    StageThreshold(
        "HUNDRED_W_FEN",
        HUNDRED_W_FEN,
        "100w+ (¥1,000,000 through talents)",
        "a talent-led brand below it is at launch; past it, at growth",
        article(
            "站内分发等级达到100w+时,品牌自播初期表现较好",
            "the brand's distribution level through talents, at which, the article says, early "
            "self-broadcast does better. Counting it over the window, and using it as the line "
            "between launch and growth, are ours",
        ),
    ),
    StageThreshold(
        "LAUNCH_TALENT_SHARE",
        LAUNCH_TALENT_SHARE,
        f"{LAUNCH_TALENT_SHARE:.0%}",
        "talents selling this share of GMV or more make a brand talent-led",
        assumption("talents selling most of the GMV"),
    ),
    StageThreshold(
        "LAUNCH_MAX_WEEKS",
        LAUNCH_MAX_WEEKS,
        f"{LAUNCH_MAX_WEEKS:g} weeks",
        "self-broadcast younger than this is at launch",
        assumption(
            "about two months for a new account's cold start (the article names the cold "
            "start, 冷启动, not its length)"
        ),
    ),
    StageThreshold(
        "MATURE_MIN_WEEKS",
        MATURE_MIN_WEEKS,
        f"{MATURE_MIN_WEEKS:g} weeks",
        "a mature brand has self-broadcast this long at least",
        assumption("half a year of self-broadcast"),
    ),
    StageThreshold(
        "MATURE_MAX_TALENT_SHARE",
        MATURE_MAX_TALENT_SHARE,
        f"{MATURE_MAX_TALENT_SHARE:.0%}",
        "a mature brand's talents sell at most this share of GMV",
        assumption("self-broadcast has taken over: talents sell half or less"),
    ),
    StageThreshold(
        "MATURE_REPURCHASE",
        MATURE_REPURCHASE,
        f"{MATURE_REPURCHASE:.0%}",
        "mature signal: repurchase rate (the scoring definition) at least this",
        article(
            "2020年平台平均复购率高达65%",
            "the platform's average repurchase rate in 2020; using it as the mature line is "
            "ours. The article does not say over what period it counts repurchase: a window "
            "of weeks sees fewer repeat orders than a year, so brands cross it later than the "
            "platform's figure suggests",
        ),
    ),
    StageThreshold(
        "MATURE_PRIVATE_SHARE",
        MATURE_PRIVATE_SHARE,
        f"{MATURE_PRIVATE_SHARE:.0%}",
        "mature signal: private-domain GMV share at least this",
        assumption("followers and fan-group members bringing close to a third of GMV"),
    ),
    StageThreshold(
        "MATURE_FAN_MEMBERS",
        MATURE_FAN_MEMBERS,
        f"{MATURE_FAN_MEMBERS:,}",
        "mature signal: fan-group members at least this",
        assumption("a fan group large enough to carry repurchase"),
    ),
    StageThreshold(
        "FOCUS_WEIGHT",
        FOCUS_WEIGHT,
        f"{FOCUS_WEIGHT:.2f}",
        "pillars a stage weighs at this or more are its focus (the weakest pillar is one of them)",
        assumption("the pillars that matter at the stage"),
    ),
    StageThreshold(
        "CONFIDENT_BUYERS",
        CONFIDENT_BUYERS,
        f"{CONFIDENT_BUYERS:,} buyers",
        "below it, the order-detail indicators' share of the card's confidence shrinks in "
        "proportion",
        assumption("a repurchase rate from fewer buyers moves a lot with a few orders"),
    ),
)

#: The stage rule, as documented.
STAGE_RULE = (
    "launch if the streams were provided and the window holds none, or self-broadcast began "
    f"less than {LAUNCH_MAX_WEEKS:g} weeks ago (known from the opening date of an account "
    f"that streams), or talents sell ≥ {LAUNCH_TALENT_SHARE:.0%} of GMV while the brand's "
    "distribution through talents is below 100w+ (¥1,000,000); mature if at least "
    f"{MATURE_MIN_WEEKS:g} weeks of self-broadcast, talents sell ≤ "
    f"{MATURE_MAX_TALENT_SHARE:.0%} of GMV (when known) and at least two of: repurchase rate "
    f"≥ {MATURE_REPURCHASE:.0%}, private-domain GMV share ≥ {MATURE_PRIVATE_SHARE:.0%}, "
    f"fan-group members ≥ {MATURE_FAN_MEMBERS:,}; growth otherwise, a talent-led brand past "
    "100w+ included (past it, the article says, early self-broadcast does better). When the "
    "data cannot tell (no "
    f"streams provided, or fewer than {LAUNCH_MAX_WEEKS:g} weeks of self-broadcast seen and "
    "no account's opening date), the stage is not inferred: it is weighed as growth, with "
    "the source `default`, until the data says more or the option `steps.stage` sets it"
)


@attrs.frozen
class StageInference:
    """A lifecycle stage with the evidence it rests on.  ``source`` is ``"inferred"``,
    ``"override"`` (the option ``steps.stage``) or ``"default"`` (the data cannot tell)."""

    stage: LifecycleStage
    source: str
    evidence: str
    reason: str


def stage_name(stage: LifecycleStage, language: str = "en") -> str:
    """A lifecycle stage as running text names it (``"launch"``, ``"起步期"``)."""
    return text(f"steps.stage_name.{stage.value}", language)


def _share_text(value: float | None, provided: bool, language: str) -> str:
    if not provided:
        return text("steps.lifecycle.not_provided", language)
    if value is None:
        return text("steps.lifecycle.not_recorded", language)
    return f"{value:.0%}"


def _weeks_text(history: SelfBroadcastHistory, language: str) -> str:
    """``11 weeks`` or ``at least 3 weeks``, for a reason."""
    key = "weeks_n" if history.known else "weeks_n_at_least"
    return text(f"steps.lifecycle.{key}", language, weeks=history.weeks)


def _evidence(facts: BrandFacts, language: str) -> str:
    def part(name: str, value: str) -> str:
        return text(f"steps.lifecycle.evidence_{name}", language, value=value)

    not_provided = text("steps.lifecycle.not_provided", language)
    talent = _share_text(
        facts.talent_share, facts.provided(Section.STREAMS, Section.TALENT_COLLABS), language
    )
    level = facts.talent_gmv_fen
    if level is None:
        distribution = not_provided
    else:
        status = "distribution_reached" if level >= HUNDRED_W_FEN else "distribution_below"
        distribution = text(
            "steps.lifecycle.distribution_value",
            language,
            gmv=_money_text(level),
            status=text(f"steps.lifecycle.{status}", language),
        )
    history = facts.self_broadcast
    if not facts.provided(Section.STREAMS):
        weeks = not_provided
    elif history is None:
        weeks = text("steps.lifecycle.no_weeks", language)
    elif history.known:
        weeks = text(
            "steps.lifecycle.weeks_known",
            language,
            weeks=history.weeks,
            start=history.start.isoformat(),
        )
    else:
        weeks = text(
            "steps.lifecycle.weeks_at_least",
            language,
            days=history.days,
            start=history.start.isoformat(),
        )
    if not facts.provided(Section.ORDERS):
        repurchase = not_provided
    elif facts.repurchase is None:
        repurchase = text("steps.lifecycle.not_recorded", language)
    else:
        repurchase = text(
            "steps.lifecycle.repurchase_value",
            language,
            rate=facts.repurchase,
            buyers=facts.buyers,
        )
    private = _share_text(facts.private_gmv_share, facts.provided(Section.STREAMS), language)
    members = not_provided if facts.fan_members is None else f"{facts.fan_members:,}"
    parts = [
        part("talent", talent),
        part("distribution", distribution),
        part("weeks", weeks),
        part("repurchase", repurchase),
        part("private", private),
        part("members", members),
    ]
    return text("steps.lifecycle.evidence_separator", language).join(parts)


def infer_stage(brand: Brand, language: str = "en") -> StageInference:
    """Infer the lifecycle stage from the data by `STAGE_RULE`; the evidence and the
    reason are written in ``language``."""
    facts = brand_facts(brand)
    evidence = _evidence(facts, language)

    def result(
        stage: LifecycleStage, reason: str, source: str = "inferred", **params: object
    ) -> StageInference:
        return StageInference(
            stage, source, evidence, text(f"steps.lifecycle.{reason}", language, **params)
        )

    if not facts.provided(Section.STREAMS):
        return result(LifecycleStage.GROWTH, "undetermined_no_streams", "default")
    history = facts.self_broadcast
    if history is None:
        return result(LifecycleStage.LAUNCH, "no_self_broadcast")
    talent = facts.talent_share
    level = facts.talent_gmv_fen
    talent_led = talent is not None and talent >= LAUNCH_TALENT_SHARE
    if talent_led and level is not None and level < HUNDRED_W_FEN:
        return result(LifecycleStage.LAUNCH, "talent_led", share=talent, gmv=_money_text(level))
    if history.weeks < LAUNCH_MAX_WEEKS:
        if history.known:
            return result(
                LifecycleStage.LAUNCH,
                "recent",
                weeks=history.weeks,
                start=history.start.isoformat(),
            )
        return result(
            LifecycleStage.GROWTH,
            "undetermined_short",
            "default",
            days=history.days,
            launch=LAUNCH_MAX_WEEKS,
        )
    repurchase = facts.repurchase
    private = facts.private_gmv_share
    members = facts.fan_members
    signals = [
        text(f"steps.lifecycle.signal_{name}", language)
        for name, present in (
            ("repurchase", repurchase is not None and repurchase >= MATURE_REPURCHASE),
            ("private", private is not None and private >= MATURE_PRIVATE_SHARE),
            ("fan_group", members is not None and members >= MATURE_FAN_MEMBERS),
        )
        if present
    ]
    weeks = _weeks_text(history, language)
    if (
        history.weeks >= MATURE_MIN_WEEKS
        and (talent is None or talent <= MATURE_MAX_TALENT_SHARE)
        and len(signals) >= 2
    ):
        joined = text("steps.lifecycle.signal_and", language).join(signals)
        return result(LifecycleStage.MATURE, "mature", weeks=weeks, signals=joined)
    if talent_led and level is not None:
        return result(LifecycleStage.GROWTH, "past_milestone", share=talent, gmv=_money_text(level))
    share = _share_text(talent, facts.provided(Section.TALENT_COLLABS), language)
    return result(LifecycleStage.GROWTH, "growth", weeks=weeks, share=share)


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
    stage weighs at `FOCUS_WEIGHT` or more (ties: the heavier pillar, then the
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

#: The platforms with a paid-traffic tool of their own (named in the catalogue,
#: ``steps.tool.<platform>``: 磁力金牛 / Magnetic Jinniu, 巨量千川 / Qianchuan).
_PAID_TOOL_PLATFORMS = frozenset({Platform.KUAISHOU, Platform.DOUYIN})


def _paid_tool(brand: Brand, language: str) -> str:
    platform = metrics.main_platform(brand)
    if platform in _PAID_TOOL_PLATFORMS:
        return text(f"steps.tool.{platform.value}", language)
    return text("steps.fallback.tool", language)


def _value_text(value: float, unit: str, language: str) -> str:
    """A value as a phrase (the catalogue's ``steps.value``): ``0.46 share`` reads ``46%``,
    ``0.126 fans/viewer`` reads ``12.6 new fans per 100 paid viewers``."""
    key = f"steps.value.{unit}"
    if key not in builtin_catalogue():
        return text("steps.value.other", language, value=value, unit=unit_text(unit, language))
    return text(key, language, value=value, hundred=100 * value)


class _MoveFacts:
    """The data a next move quotes, computed on demand from `BrandFacts`, as text in
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
    def top_talents(self) -> str:
        ranked = sorted(self.talent_gmv.values(), key=lambda v: (-v[1], v[0]))
        return self._names(
            (
                text("steps.next_move.talent_gmv", self.language, talent=n, gmv=_money_text(g))
                for n, g, _ in ranked[:3]
                if g > 0
            ),
            "top_talents",
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

    @cached_property
    def exclusive_names(self) -> str:
        gmv = self.facts.self_product_gmv
        ranked = sorted(
            (p for p in self.brand.products if p.channel_exclusive),
            key=lambda p: (-gmv.get(p.product_id, 0), p.product_id),
        )
        return self._names((_label(p, p.product_id) for p in ranked[:3]), "exclusive_names")

    def params(self) -> dict[str, object]:
        """Every fact a next move may quote (the templates pick theirs)."""
        return {name: getattr(self, name) for name in _MOVE_FACTS}


#: The facts of `_MoveFacts` the ``steps.<indicator>.situation`` and ``.move``
#: messages may quote, besides the indicator's ``{value}`` and ``{benchmark}``.
_MOVE_FACTS = (
    "heroes",
    "hero",
    "tool",
    "top_talents",
    "low_yield",
    "talents",
    "not_carried",
    "regular_aov",
    "new_accounts",
    "exclusive",
    "exclusive_names",
)


def _labelled(component: ComponentResult, language: str) -> str:
    """A pillar named in a next move, in the language of the move (one voice: no Chinese
    term glossed beside the English)."""
    return display_name(component.name, component.name_zh, language)


def _self_broadcast_move(facts: BrandFacts, moves: _MoveFacts, language: str) -> str | None:
    """The cadence move (the methodology's step after talent distribution), or ``None``
    when self-broadcast runs more than twice a week on some account.  It speaks of talents
    only when their data was provided."""
    parts = []
    if facts.talent_share is not None:
        parts.append(text("steps.next_move.talent_share", language, share=facts.talent_share))
    from_talents = "_from_talents" if facts.talent_hits else ""
    busiest = facts.max_account_days_per_week
    if not facts.brand.streams:
        situation, move = "no_self_broadcast", "open_account"
    elif busiest is not None and busiest <= 2:
        situation, move = "rare_streams", "start_schedule"
    else:
        return None
    parts.append(text(f"steps.next_move.{situation}", language))
    situations = text("steps.next_move.situation_and", language).join(parts)
    return text(
        f"steps.next_move.{move}{from_talents}", language, situation=situations, heroes=moves.heroes
    )


def _pillar_move(
    facts: BrandFacts,
    component: ComponentResult,
    language: str,
    benchmark_of: Callable[[str], Benchmark],
) -> tuple[str, str | None]:
    """The next move for a weak pillar, built from the data behind its weakest available
    indicator (``benchmark_of`` gives an indicator's benchmark by key), and that
    indicator."""
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
                    days=facts.max_account_days_per_week or 0.0,
                    heroes=moves.heroes,
                ),
                weakest.key,
            )
        advice = catalogue.optional(f"steps.{weakest.key}.advice", language) or ""
        move = move_text(weakest, benchmark_of(weakest.key), advice, catalogue, language)
        return move, weakest.key
    benchmark = benchmark_phrase(benchmark_of(weakest.key), weakest.unit, catalogue, language)
    params = {
        **moves.params(),
        "value": _value_text(weakest.value, weakest.unit, language),
        "benchmark": benchmark,
    }
    situation = text(f"steps.{weakest.key}.situation", language, **params)
    move = text(f"steps.{weakest.key}.move", language, **params)
    return (
        text(
            "steps.next_move.move",
            language,
            situation=situation,
            benchmark=benchmark,
            move=move,
        ),
        weakest.key,
    )


def _weakest_indicator(component: ComponentResult) -> IndicatorResult | None:
    scored = [i for i in component.indicators if i.score is not None]
    if not scored:
        return None
    return min(scored, key=lambda i: (i.score, -i.weight, i.key))


def _missing_sections(facts: BrandFacts, component: ComponentResult) -> list[Section]:
    """The fewest sections not provided that would make one of the pillar's indicators
    measurable (every such set of that size, merged), in the order of `Section`;
    empty when every section the pillar reads was provided."""
    wanted: list[set[Section]] = []
    for result in component.indicators:
        needs, needs_any = _SECTIONS.get(result.key, ((), ()))
        missing = {s for s in needs if not facts.provided(s)}
        if needs_any and not any(facts.provided(s) for s in needs_any):
            missing.add(needs_any[0])
        if missing:
            wanted.append(missing)
    if not wanted:
        return []
    fewest = min(len(m) for m in wanted)
    merged = set().union(*(m for m in wanted if len(m) == fewest))
    return [s for s in Section if s in merged]


def _data_request(
    facts: BrandFacts, component: ComponentResult, weight: float, language: str
) -> str:
    """What would let STEPS judge a pillar it cannot: the exports not provided, else the
    fields to record."""
    name = _labelled(component, language)
    sections = _missing_sections(facts, component)
    if sections:
        either = text("steps.next_move.either", language)
        exports = either.join(text(f"steps.section.{s.value}", language) for s in sections)
        return text("steps.next_move.provide", language, name=name, exports=exports, weight=weight)
    needs = sorted({m for i in component.indicators for m in i.missing})
    return text(
        "steps.next_move.unmeasured",
        language,
        name=name,
        weight=weight,
        needs=join(needs[:4], language),
    )


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _repurchase_basis(facts: BrandFacts, language: str) -> str | None:
    """The card's note on repurchase: the definition, the dates and how many buyers it rests
    on (fewer than `CONFIDENT_BUYERS`: said to lower the confidence)."""
    window = facts.order_window
    if not facts.provided(Section.ORDERS):
        return None
    dates = (
        text("steps.notes.no_dates", language)
        if window is None
        else f"{window[0].isoformat()}..{window[1].isoformat()}"
    )
    if facts.buyers == 0:
        return text("steps.notes.no_paid_orders", language, dates=dates)
    basis = text(
        "steps.notes.repurchase_basis",
        language,
        dates=dates,
        repeat=facts.repeat_buyers,
        buyers=facts.buyers,
    )
    if facts.buyers < CONFIDENT_BUYERS:
        basis += text(
            "steps.notes.few_buyers", language, buyers=facts.buyers, confident=CONFIDENT_BUYERS
        )
    return basis


def _order_confidence(card: ScoreCard, facts: BrandFacts, weights: Mapping[str, float]) -> float:
    """The card's confidence, with the nominal share of the available order-detail indicators
    scaled by ``buyers / CONFIDENT_BUYERS`` (at most 1)."""
    shortfall = 1.0 - min(1.0, facts.buyers / CONFIDENT_BUYERS)
    if shortfall == 0.0:
        return card.confidence
    total = math.fsum(weights.get(c.key, 0.0) for c in COMPONENTS)
    lost = 0.0
    for component in COMPONENTS:
        nominal = math.fsum(i.weight for i in component.indicators)
        for indicator in component.indicators:
            if indicator.key in ORDER_INDICATORS and card.indicator(indicator.key).available:
                lost += weights.get(component.key, 0.0) / total * indicator.weight / nominal
    return min(1.0, max(0.0, card.confidence - lost * shortfall))


# --------------------------------------------------------------------------------------------
# The scorer
# --------------------------------------------------------------------------------------------


class StepsScorer(BrandMethodology):
    """STEPS (Kuaishou): self-broadcast, public traffic, talent distribution, private domain
    and channel special supply, weighted by the brand's lifecycle stage."""

    name: ClassVar[str] = "steps"
    version: ClassVar[str] = "2.0"
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
        notes = {
            "stage": stage.stage.value,
            "stage_source": stage.source,
            "stage_evidence": stage.evidence,
            "stage_reason": stage.reason,
            "stage_weights": ", ".join(f"{k} {weights[k]:.2f}" for k in PILLARS),
        }
        basis = _repurchase_basis(brand_facts(subject), context.language)
        if basis is not None:
            notes["repurchase_basis"] = basis
        return notes

    def score(self, subject: Brand, context: ScoringContext) -> ScoreCard:
        card = super().score(subject, context)
        weights = self.component_weights(subject, context)
        weakest = weakest_pillar(card.components, weights)
        notes = dict(card.notes)
        notes["weakest_pillar"] = weakest.key if weakest is not None else "none"
        confidence = _order_confidence(card, brand_facts(subject), weights)
        return attrs.evolve(card, notes=notes, confidence=confidence)

    def recommendations(
        self, subject: Brand, evaluation: Evaluation, context: ScoringContext
    ) -> list[Recommendation]:
        """The weakest pillar's next move first, built from the brand's data; then, for the
        focus pillars that cannot be judged, the exports (or fields) that would let STEPS
        judge them; then the base class's weakest indicators.  Only available indicators
        give moves."""
        facts = brand_facts(subject)
        language = context.language
        out: list[Recommendation] = []
        weights = STAGE_WEIGHTS[self.stage(subject, context).stage]
        weakest = weakest_pillar(evaluation.components, weights)
        if weakest is not None and weakest.score is not None and weakest.score < 100.0:
            definitions = {i.key: i for c in COMPONENTS for i in c.indicators}
            move, indicator = _pillar_move(
                facts,
                weakest,
                language,
                lambda key: self._resolve(subject, definitions[key], context),
            )
            out.append(
                Recommendation(
                    text=_capitalise(move),
                    component=weakest.key,
                    indicator=indicator,
                    priority=1 if weakest.score < ADVICE_THRESHOLD else 2,
                )
            )
        for component in evaluation.components:
            weight = weights.get(component.key, 0.0)
            if component.score is None and weight >= FOCUS_WEIGHT:
                out.append(
                    Recommendation(
                        text=_capitalise(_data_request(facts, component, weight, language)),
                        component=component.key,
                        priority=3,
                    )
                )
        taken = {(r.component, r.indicator) for r in out}
        for recommendation in super().recommendations(subject, evaluation, context):
            if (recommendation.component, recommendation.indicator) not in taken:
                out.append(recommendation)
        return out


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


def provenance_text(provenance: Provenance, link_prefix: str = "../") -> str:
    """Markdown for a provenance: ``article: 「…」 (note)``, ``published: note`` with a link
    to the citing docs page (``link_prefix`` leads from the page to the docs root), or
    ``assumption: note``."""
    if provenance.origin is Origin.ARTICLE:
        return f"article: 「{provenance.quote}」 ({provenance.note})"
    if provenance.origin is Origin.PUBLISHED:
        return f"published: {provenance.note} ([source]({link_prefix}{provenance.citation}))"
    return f"assumption: {provenance.note}"


def _source_md(source: str) -> str:
    """A benchmark source with its ``sources.md#anchor`` turned into a link."""
    marker = f"see {SOURCES_PAGE}#"
    if marker not in source:
        return _md(source)
    head, _, tail = source.partition(marker)
    anchor, _, rest = tail.partition(")")
    return _md(f"{head}see [sources](../{SOURCES_PAGE}#{anchor})){rest}")


def _needs_md(key: str, inputs: Sequence[str]) -> str:
    needs, needs_any = _SECTIONS[key]
    parts = []
    if needs:
        parts.append(" + ".join(f"`{s.value}`" for s in needs))
    if needs_any:
        parts.append(" or ".join(f"`{s.value}`" for s in needs_any))
    return f"{' + '.join(parts)}: {_md(', '.join(inputs))}"


def indicator_table() -> str:
    """Markdown: every indicator, pillar by pillar, with its formula, unit, weight, the
    sections and fields it needs and its provenance; then its default benchmark on each
    platform with the source."""
    lines: list[str] = []
    for component in COMPONENTS:
        lines += [
            f"### {component.key}: {component.name} ({component.name_zh})",
            "",
            "| Indicator | Formula | Unit | Weight | Needs (sections: fields) | Moves (GMV factor) "
            "| Provenance |",
            "| --- | --- | --- | ---: | --- | --- | --- |",
        ]
        for i in component.indicators:
            assert i.provenance is not None  # noqa: S101  # every built-in indicator says
            lines.append(
                f"| `{i.key}` {_md(i.name)} ({_md(i.name_zh)}) | {_md(i.formula)} | "
                f"{_md(i.unit)} | {i.weight:g} | {_needs_md(i.key, i.inputs)} | "
                f"{', '.join(f'`{m}`' for m in i.moves) or '—'} | "
                f"{_md(provenance_text(i.provenance))} |"
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
                    f"{_num(benchmark.target)} | {_source_md(benchmark.source)} |"
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


def stage_thresholds_table() -> str:
    """Markdown: the stage names, the stage weights, the indicator weights and every threshold
    of the stage rule and the card, each with its provenance."""
    lines = [
        "| Constant | Value | Used for | Provenance |",
        "| --- | --- | --- | --- |",
        f"| stage names | launch, growth, mature | the lifecycle stages | "
        f"{_md(provenance_text(STAGE_NAMES_PROVENANCE))} |",
        f"| `STAGE_WEIGHTS` | the table above | the pillars' weights by stage | "
        f"{_md(provenance_text(STAGE_WEIGHTS_PROVENANCE))} |",
        f"| indicator weights | the Weight column below | the indicators' weights in a pillar "
        f"| {_md(provenance_text(INDICATOR_WEIGHTS_PROVENANCE))} |",
    ]
    for threshold in STAGE_THRESHOLDS:
        lines.append(
            f"| `{threshold.key}` | {_md(threshold.shown)} | {_md(threshold.use)} | "
            f"{_md(provenance_text(threshold.provenance))} |"
        )
    return "\n".join(lines) + "\n"


def article_map() -> str:
    """Markdown: for each pillar, the article's words and the indicators that implement them
    (indicators of our own making listed as such)."""
    lines = ["| Pillar | The article's words | Indicators |", "| --- | --- | --- |"]
    for component in COMPONENTS:
        quoted: dict[str, list[str]] = {}
        ours: list[str] = []
        for i in component.indicators:
            assert i.provenance is not None  # noqa: S101  # every built-in indicator says
            if i.provenance.origin is Origin.ARTICLE and i.provenance.quote:
                quoted.setdefault(i.provenance.quote, []).append(f"`{i.key}`")
            else:
                ours.append(f"`{i.key}`")
        pillar = f"{component.key} {component.name_zh}"
        for quote, keys in quoted.items():
            lines.append(f"| {pillar} | 「{_md(quote)}」 | {', '.join(keys)} |")
        if ours:
            lines.append(f"| {pillar} | (ours, not the article's) | {', '.join(ours)} |")
    return "\n".join(lines) + "\n"


def _score_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def worked_example(brands: Iterable[Brand], context: ScoringContext | None = None) -> str:
    """Markdown: each brand's stage (with its evidence), pillar scores, overall score,
    weakest pillar and next move, as `StepsScorer` computes them."""
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
        ]
        if "repurchase_basis" in notes:
            lines.append(f"- Repurchase: {notes['repurchase_basis']}.")
        lines += [
            f"- Score **{_score_text(card.score)}**, confidence {card.confidence:.2f}.",
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
