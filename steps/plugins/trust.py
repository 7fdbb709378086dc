"""Trust e-commerce (信任电商), as a per-brand scorer plugin.

Kuaishou builds trust between platform, merchant and buyer, as the source article describes
it (see ``docs/scorers/trust.md``).  This scorer reads the brand's trust signals
(`TrustSignal`), its fan groups and its own streams and orders:

* ``promises``: service promises (服务承诺): trust-buy (信任购) enrolment, IP protection, and,
  where the category calls for them, official jewellery appraisal (真宝仓) and the 180-day
  warranty for second-hand phones (the industry solutions of trust-buy's second layer);
* ``buyer_trust``: trust between buyers and sellers (买卖双方信任), trust-buy's third layer:
  refund without return (退款不退货) and fan-group operation (粉丝团运营), with the share of
  buyers holding the trust card (信任卡), the benefit the platform gives honest consumers;
* ``experience``: store experience score (店铺体验分) and on-time shipping (及时发货率);
* ``after_sales``: complaint, negative-review and reported refund rates, and the refund rate
  measured from the brand's orders (else streams): lower is better.

Each indicator reads only a section the brand provided (trust signals, fan groups, orders,
streams): a signal, a section or a field that is not recorded makes its indicator *not
available*, which lowers the card's confidence and never counts as zero or as full marks.
An enrolment recorded as 0 is a measured "not enrolled".  The appraisal and warranty
promises appear on the card only for categories they apply to (or when the brand records
them).  The priority recommendation (优先推荐) the platform gives trust-buy merchants is not
modelled: no merchant export separates the exposure it brings.  Advice is the ``trust.*``
messages of ``steps/data/messages``, in the context's language.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from types import MappingProxyType
from typing import Any, ClassVar

from steps.domain.enums import Section, TrustSignalKind
from steps.domain.model import Brand, Order, TrustSignal
from steps.plugins._support import (
    ASSUME,
    Detail,
    PerComponentAdvice,
    article,
    assumed,
    assumption,
    linear,
)
from steps.scoring.base import BrandMethodology
from steps.scoring.contract import Scorer, ScoringContext
from steps.scoring.hookspecs import hookimpl
from steps.scoring.indicators import Component, Evaluation, Indicator, Provenance
from steps.scoring.messages import text

__all__ = [
    "COMPONENTS",
    "WEIGHTS",
    "TrustScorer",
    "applies",
    "fan_group_activity",
    "measured_refund_rate",
    "signal_value",
    "steps_register_scorers",
    "trust_card_buyer_share",
]

Ind = Indicator[Brand]
K = TrustSignalKind

_ENROLLED = ASSUME + "enrolled (1) is the target; the article names the measure, not a level"
#: The article's words on the two sides of stable consumer trust; the second covers the
#: after-sales record.
_AFTER_SALES = "超过预期的售后服务措施"
_BASIC = "围绕交易建立基础信任"

#: Category words that make a promise applicable (case-insensitive substrings).
CATEGORY_WORDS: Mapping[TrustSignalKind, tuple[str, ...]] = {
    K.JEWELLERY_APPRAISAL: (
        "jewel",
        "jade",
        "gold",
        "diamond",
        "gemstone",
        "珠宝",
        "翡翠",
        "玉石",
        "和田玉",
        "黄金",
        "钻石",
        "文玩",
        "首饰",
    ),
    K.PHONE_WARRANTY_180D: ("second-hand", "secondhand", "refurbished", "used phone", "二手"),
}


def _in_window(brand: Brand, signal: TrustSignal) -> bool:
    day = signal.observed_on
    return day is None or brand.window_end is None or day <= brand.window_end


def signal_value(brand: Brand, kind: TrustSignalKind) -> float | None:
    """The brand's latest recorded value of a signal: the one with the latest
    ``observed_on`` (undated signals count as older than dated ones; signals observed after
    the window's end are ignored); several on that date are averaged.  ``None`` when none is
    recorded, or the brand did not provide trust signals."""
    if not brand.provided(Section.TRUST_SIGNALS):
        return None
    signals = [s for s in brand.trust_signals if s.kind is kind and _in_window(brand, s)]
    if not signals:
        return None
    dated = [s for s in signals if s.observed_on is not None]
    if dated:
        latest = max(s.observed_on for s in dated if s.observed_on is not None)
        signals = [s for s in dated if s.observed_on == latest]
    return math.fsum(s.value for s in signals) / len(signals)


def applies(brand: Brand, kind: TrustSignalKind) -> bool:
    """Whether a category-specific promise applies: the brand's category names it (see
    `CATEGORY_WORDS`) or the brand records the signal.  Other kinds always apply."""
    words = CATEGORY_WORDS.get(kind)
    if words is None:
        return True
    category = brand.category.casefold()
    if any(word in category for word in words):
        return True
    return any(s.kind is kind for s in brand.trust_signals)


def _orders_in_window(brand: Brand) -> list[Order]:
    start, end = brand.window_start, brand.window_end
    return [
        o
        for o in brand.orders
        if (start is None or o.placed_at.date() >= start)
        and (end is None or o.placed_at.date() <= end)
    ]


def measured_refund_rate(brand: Brand) -> tuple[float, str] | None:
    """Refunded share of GMV and where it was measured: ``Σ refunded_fen / Σ amount_fen``
    over the brand's orders in the window that record their refunds, else ``Σ refund_fen /
    Σ gmv_fen`` over its streams that record theirs.  ``None`` when neither has any GMV
    (or neither section was provided)."""
    orders = (
        [o for o in _orders_in_window(brand) if o.refunded_fen is not None]
        if brand.provided(Section.ORDERS)
        else []
    )
    amount = sum(o.amount_fen for o in orders)
    if amount > 0:
        return sum(o.refunded_fen or 0 for o in orders) / amount, "orders"
    if not brand.provided(Section.STREAMS):
        return None
    streams = [s for s in brand.streams if s.refund_fen is not None]
    gmv = sum(s.gmv_fen for s in streams)
    if gmv > 0:
        return sum(s.refund_fen or 0 for s in streams) / gmv, "streams"
    return None


def trust_card_buyer_share(brand: Brand) -> float | None:
    """The share of the brand's buyers who held the trust card (信任卡) when they ordered:
    distinct buyers with a paid order in the window placed with the card / distinct buyers
    with a paid order in the window recording whether they held it.  ``None`` when no order
    records it (or order details were not provided)."""
    if not brand.provided(Section.ORDERS):
        return None
    recorded: set[str] = set()
    holders: set[str] = set()
    for order in _orders_in_window(brand):
        if order.trust_card is None or not order.paid:
            continue
        recorded.add(order.buyer_key)
        if order.trust_card:
            holders.add(order.buyer_key)
    return len(holders) / len(recorded) if recorded else None


def fan_group_activity(brand: Brand) -> float | None:
    """Active members of the brand's fan groups (粉丝团) over their members, over the
    accounts that record a fan group; ``None`` without members (or fan groups not
    provided)."""
    if not brand.provided(Section.FAN_GROUPS):
        return None
    groups = [a.fan_group for a in brand.accounts if a.fan_group is not None]
    members = sum(g.members for g in groups)
    return sum(g.active_members for g in groups) / members if members else None


def _signal(kind: TrustSignalKind) -> Callable[[Brand], float | None]:
    def measure(brand: Brand) -> float | None:
        return signal_value(brand, kind)

    measure.__name__ = f"signal_{kind.value}"
    return measure


def _measured_refund(brand: Brand) -> float | None:
    measured = measured_refund_rate(brand)
    return None if measured is None else measured[0]


def _signal_indicator(
    kind: TrustSignalKind,
    name: str,
    name_zh: str,
    *,
    unit: str,
    floor: float,
    target: float,
    source: str,
    provenance: Provenance,
    weight: float = 1.0,
    kuaishou: str | None = None,
    douyin: str | None = None,
    moves: tuple[str, ...] = (),
) -> Ind:
    """The indicator of a trust signal's latest value; ``kuaishou`` and ``douyin`` are the
    sources of a platform's own benchmark (same floor and target)."""
    better = " (lower is better)" if target < floor else ""
    return Ind(
        key=kind.value,
        name=name,
        name_zh=name_zh,
        unit=unit,
        measure=_signal(kind),
        defaults=linear(
            floor,
            target,
            source,
            kuaishou=(floor, target, kuaishou) if kuaishou else None,
            douyin=(floor, target, douyin) if douyin else None,
        ),
        weight=weight,
        inputs=(f"trust_signals[kind={kind.value}]",),
        formula=f"latest trust_signals[kind={kind.value}].value{better}",
        provenance=provenance,
        moves=moves,
    )


#: An enrolment: 1 enrolled, 0 not.
_flag = partial(_signal_indicator, unit="enrolled (1) or not (0)", floor=0.0, target=1.0)


PROMISES: Component[Brand] = Component(
    key="promises",
    name="Service promises",
    name_zh="服务承诺",
    indicators=(
        _flag(
            K.TRUST_BUY,
            "Trust-buy enrolment",
            "信任购",
            weight=2.0,
            source="published: stores with trust benefits saw repurchase rise 20% (Kuaishou, "
            "November 2021, sources.md#trust-kuaishou-trust-buy-2021); enrolled (1) is the target",
            douyin=ASSUME + "Douyin's counterpart guarantee (安心购) plays the same role; "
            "enrolled (1) is the target",
            provenance=article(
                "并推出信任生态服务品牌“信任购买”",
                "Enrolment in trust-buy (信任购), the platform's trust service brand.",
            ),
            moves=("orders_per_buyer",),
        ),
        _flag(
            K.IP_PROTECTION,
            "IP-protection compliance",
            "知识产权保护",
            weight=0.5,
            source=_ENROLLED,
            provenance=article(
                "制定入驻品牌商、商户等知识产权保护规则",
                "Compliance with the platform's IP-protection rules for brands and merchants.",
            ),
        ),
        _flag(
            K.JEWELLERY_APPRAISAL,
            "Official jewellery appraisal",
            "真宝仓鉴定",
            weight=1.0,
            source=_ENROLLED + " (jewellery categories)",
            provenance=article(
                "珠宝玉石官方鉴定“真宝仓库”",
                "Trust-buy's second layer, the industry solution for jewellery and jade.",
            ),
        ),
        _flag(
            K.PHONE_WARRANTY_180D,
            "180-day warranty (second-hand phones)",
            "二手手机180天质保",
            weight=1.0,
            source=_ENROLLED + " (second-hand phones)",
            provenance=article(
                "二手手机180天质保",
                "Trust-buy's second layer, the industry solution for second-hand phones.",
            ),
        ),
    ),
)

BUYER_TRUST: Component[Brand] = Component(
    key="buyer_trust",
    name="Trust between buyers and sellers",
    name_zh="买卖双方信任",
    indicators=(
        _flag(
            K.REFUND_WITHOUT_RETURN,
            "Refund without return",
            "退款不退货",
            weight=1.0,
            source="published: refund without return lifted consumers' willingness to order "
            "by over 20% (Kuaishou, November 2021, sources.md#trust-kuaishou-trust-buy-2021); "
            "enrolled (1) is the target",
            provenance=article(
                "通过“退款不退货”和粉丝团运营等方式",
                "Trust-buy's third layer: private-domain trust between hosts and fans, built "
                "through refund without return and fan-group operation.",
            ),
            moves=("buyers_per_minute",),
        ),
        Ind(
            key="fan_group_activity",
            name="Fan-group members active",
            name_zh="粉丝团活跃度",
            unit="share",
            measure=fan_group_activity,
            defaults=assumed(
                0.1,
                0.5,
                "half of the fan-group members active in the window is a fan group "
                "that is operated; one in ten, a list",
            ),
            inputs=("accounts[].fan_group.members", "accounts[].fan_group.active_members"),
            formula="Σ fan_group.active_members / Σ fan_group.members over the accounts",
            provenance=article(
                "通过“退款不退货”和粉丝团运营等方式",
                "Fan-group operation, the other half of trust-buy's third layer, read as the "
                "share of members the operation keeps active.",
            ),
            moves=("orders_per_buyer",),
        ),
        Ind(
            key="trust_card_buyers",
            name="Buyers holding the trust card",
            name_zh="信任卡用户占比",
            unit="share of buyers",
            measure=trust_card_buyer_share,
            defaults=assumed(
                0.05,
                0.3,
                "a third of buyers holding the card; no published penetration "
                "exists, so prefer peer benchmarks",
            ),
            weight=0.5,
            inputs=("orders[].trust_card",),
            formula=(
                "buyers with a paid order placed holding the trust card / buyers with a paid "
                "order recording it, in the window"
            ),
            provenance=article(
                "为诚信消费者推出“信任卡”等权益",
                "The trust card is a benefit the platform gives honest consumers, not a "
                "merchant enrolment: the share of the brand's buyers who hold it.",
            ),
            moves=("buyers_per_minute",),
        ),
    ),
)

EXPERIENCE: Component[Brand] = Component(
    key="experience",
    name="Store experience",
    name_zh="店铺体验",
    indicators=(
        _signal_indicator(
            K.STORE_EXPERIENCE_SCORE,
            "Store experience score",
            "店铺体验分",
            unit="points (0–100)",
            floor=70.0,
            target=95.0,
            source=ASSUME + "on the 5-point dashboard scale (×20), 4.75 is excellent and 3.5 "
            "puts traffic at risk",
            weight=2.0,
            provenance=article(
                _BASIC,
                "Basic trust built around the transaction, as the platform's store "
                "experience score (店铺体验分) sums it up.",
            ),
            moves=("orders_per_buyer",),
        ),
        _signal_indicator(
            K.ON_TIME_SHIPPING_RATE,
            "On-time shipping",
            "及时发货率",
            unit="share",
            floor=0.9,
            target=0.99,
            source=ASSUME + "platform rules expect shipping within 48 hours for nearly every order",
            provenance=article(
                _BASIC, "Basic trust around the transaction: orders shipped on time."
            ),
            moves=("orders_per_buyer",),
        ),
    ),
)

AFTER_SALES: Component[Brand] = Component(
    key="after_sales",
    name="After-sales and reviews",
    name_zh="售后与口碑",
    indicators=(
        _signal_indicator(
            K.COMPLAINT_RATE,
            "Complaint rate",
            "投诉率",
            unit="share of orders",
            floor=0.02,
            target=0.002,
            source=ASSUME + "2 complaints per 1,000 orders is good",
            provenance=article(_AFTER_SALES, "After-sales service, as complaints per order."),
            moves=("orders_per_buyer",),
        ),
        _signal_indicator(
            K.NEGATIVE_REVIEW_RATE,
            "Negative-review rate",
            "差评率",
            unit="share of reviews",
            floor=0.05,
            target=0.01,
            source=ASSUME + "1% negative reviews is good",
            provenance=article(_AFTER_SALES, "After-sales service, as buyers' negative reviews."),
            moves=("orders_per_buyer",),
        ),
        _signal_indicator(
            K.REFUND_RATE,
            "Refund rate (reported)",
            "退款率",
            unit="share",
            floor=0.4,
            target=0.1,
            source=ASSUME + "live-commerce refund rates run high (apparel often 30–50%); "
            "10% is good",
            provenance=article(_AFTER_SALES, "After-sales service, as the reported refund rate."),
        ),
        Ind(
            key="measured_refund_rate",
            name="Refund rate (measured)",
            name_zh="实测退款率",
            unit="share of GMV",
            measure=_measured_refund,
            defaults=assumed(0.4, 0.1, "as the reported refund rate: 10% of GMV refunded is good"),
            inputs=("orders[].refunded_fen or streams[].refund_fen",),
            formula="Σ orders.refunded_fen / Σ orders.amount_fen (else Σ streams.refund_fen "
            "/ Σ streams.gmv_fen)",
            provenance=article(
                _AFTER_SALES, "After-sales service, as the refunds measured in the brand's data."
            ),
        ),
    ),
)

#: All trust components with every indicator (the card drops the promises that do not apply).
COMPONENTS: tuple[Component[Brand], ...] = (PROMISES, BUYER_TRUST, EXPERIENCE, AFTER_SALES)

#: Where the weights come from: the article gives none.
WEIGHTS = assumption(
    "The article gives no weights: the components weigh equally; trust-buy and the "
    "store experience score weigh 2 as the platform's own summaries, supporting measures "
    "0.5, the rest 1.",
)

_CATEGORY_SPECIFIC = frozenset(CATEGORY_WORDS)


def _detail_refund(brand: Brand, evaluation: Evaluation, language: str) -> str | None:
    measured = measured_refund_rate(brand)
    if measured is None:
        return None
    rate, where = measured
    return text(f"trust.measured_refund_rate.detail_{where}", language, rate=rate)


class TrustScorer(PerComponentAdvice[Brand], BrandMethodology):
    """Trust, per brand: service promises, trust between buyers and sellers, store
    experience, after-sales (equal weights)."""

    name: ClassVar[str] = "trust"
    version: ClassVar[str] = "0.1"
    title: ClassVar[str] = "Trust e-commerce (信任电商)"
    description: ClassVar[str] = (
        "Trust signals of a brand: trust-buy (信任购) and other promises, refund without "
        "return and fan-group operation, buyers holding the trust card, store experience and "
        "on-time shipping, complaint, negative-review and refund rates. What is not recorded "
        "lowers the confidence, never the score."
    )
    #: Where the weights of its components and indicators come from.
    weights_provenance: ClassVar[Provenance] = WEIGHTS
    max_recommendations: ClassVar[int] = len(COMPONENTS)
    details: ClassVar[Mapping[str, Detail[Any]]] = MappingProxyType(
        {"measured_refund_rate": _detail_refund}
    )

    def components(self, subject: Brand, context: ScoringContext) -> Sequence[Component[Brand]]:
        dropped = {k.value for k in _CATEGORY_SPECIFIC if not applies(subject, k)}
        if not dropped:
            return COMPONENTS
        promises = Component(
            key=PROMISES.key,
            name=PROMISES.name,
            name_zh=PROMISES.name_zh,
            indicators=tuple(i for i in PROMISES.indicators if i.key not in dropped),
        )
        return (promises, BUYER_TRUST, EXPERIENCE, AFTER_SALES)

    def notes(self, subject: Brand, context: ScoringContext) -> Mapping[str, str]:
        notes = {"signals_recorded": str(len(subject.trust_signals))}
        measured = measured_refund_rate(subject)
        if measured is not None:
            notes["measured_refund_from"] = measured[1]
        return notes


@hookimpl
def steps_register_scorers(register: Callable[[Scorer], None]) -> None:
    """Register the trust scorer."""
    register(TrustScorer())
