"""Trust e-commerce (信任电商), as a per-brand scorer plugin.

Kuaishou builds trust between platform, merchant and buyer (DOMAIN.md section 1).  This scorer
reads the brand's trust signals (:class:`~steps.domain.model.TrustSignal`) and its own
streams and orders:

* ``promises``: service promises (服务承诺): trust-buy (信任购) enrolment, refund without
  return (退款不退货), trust card (信任卡), IP protection, and, where the category calls for
  them, official jewellery appraisal (真宝仓) and the 180-day warranty for second-hand phones;
* ``experience``: store experience score (店铺体验分) and on-time shipping (及时发货率);
* ``after_sales``: complaint, negative-review and reported refund rates, and the refund rate
  measured from the brand's orders (else streams): lower is better.

A signal that is not recorded is *not available*: it lowers the card's confidence and never
counts as zero.  An enrolment recorded as 0 is a measured "not enrolled".  The appraisal and
warranty promises appear on the card only for categories they apply to (or when the brand
records them).  Advice is the ``trust.*`` messages of ``steps/data/messages``, in the context's
language.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar

from steps.domain.enums import TrustSignalKind
from steps.domain.model import Brand, Order, TrustSignal
from steps.plugins._support import Detail, PerComponentAdvice, linear
from steps.scoring.base import BrandMethodology
from steps.scoring.contract import Scorer, ScoringContext
from steps.scoring.hookspecs import hookimpl
from steps.scoring.indicators import Component, Evaluation, Indicator
from steps.scoring.messages import text

__all__ = [
    "COMPONENTS",
    "TrustScorer",
    "applies",
    "measured_refund_rate",
    "signal_value",
    "steps_register_scorers",
]

Ind = Indicator[Brand]
K = TrustSignalKind

_ASSUME = "assumption: "
_ARTICLE = (
    "assumption: one of the platform's trust measures the article lists (DOMAIN.md §1); "
    "enrolled (1) is the target"
)

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
    recorded."""
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
    :data:`CATEGORY_WORDS`) or the brand records the signal.  Other kinds always apply."""
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
    over the brand's orders in the window, else ``Σ refund_fen / Σ gmv_fen`` over its
    streams.  ``None`` when neither has any GMV."""
    orders = _orders_in_window(brand)
    amount = sum(o.amount_fen for o in orders)
    if amount > 0:
        return sum(o.refunded_fen for o in orders) / amount, "orders"
    gmv = sum(s.gmv_fen for s in brand.streams)
    if gmv > 0:
        return sum(s.refund_fen for s in brand.streams) / gmv, "streams"
    return None


def _signal(kind: TrustSignalKind) -> Callable[[Brand], float | None]:
    def measure(brand: Brand) -> float | None:
        return signal_value(brand, kind)

    measure.__name__ = f"signal_{kind.value}"
    return measure


def _measured_refund(brand: Brand) -> float | None:
    measured = measured_refund_rate(brand)
    return None if measured is None else measured[0]


def _flag(
    kind: TrustSignalKind,
    name: str,
    name_zh: str,
    *,
    weight: float,
    source: str,
    kuaishou: str | None = None,
    douyin: str | None = None,
) -> Ind:
    return Ind(
        key=kind.value,
        name=name,
        name_zh=name_zh,
        unit="enrolled (1) or not (0)",
        measure=_signal(kind),
        defaults=linear(
            0.0,
            1.0,
            source,
            kuaishou=(0.0, 1.0, kuaishou) if kuaishou else None,
            douyin=(0.0, 1.0, douyin) if douyin else None,
        ),
        weight=weight,
        inputs=(f"trust_signals[kind={kind.value}]",),
        formula=f"latest trust_signals[kind={kind.value}].value",
    )


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
            source="DOMAIN.md §6: stores with trust benefits saw repurchase +20% (信任购, "
            "launched November 2021); enrolled (1) is the target",
            douyin=_ASSUME + "Douyin's counterpart guarantee (安心购) plays the same role; "
            "enrolled (1) is the target",
        ),
        _flag(
            K.REFUND_WITHOUT_RETURN,
            "Refund without return",
            "退款不退货",
            weight=1.0,
            source="DOMAIN.md §6: refund-without-return lifted willingness to order by over "
            "20%; enrolled (1) is the target",
        ),
        _flag(
            K.TRUST_CARD,
            "Trust card benefits",
            "信任卡",
            weight=0.5,
            source=_ARTICLE,
        ),
        _flag(
            K.IP_PROTECTION,
            "IP-protection compliance",
            "知识产权保护",
            weight=0.5,
            source=_ARTICLE,
        ),
        _flag(
            K.JEWELLERY_APPRAISAL,
            "Official jewellery appraisal",
            "真宝仓鉴定",
            weight=1.0,
            source=_ARTICLE + " (jewellery categories)",
        ),
        _flag(
            K.PHONE_WARRANTY_180D,
            "180-day warranty (second-hand phones)",
            "二手手机180天质保",
            weight=1.0,
            source=_ARTICLE + " (second-hand phones)",
        ),
    ),
)

EXPERIENCE: Component[Brand] = Component(
    key="experience",
    name="Store experience",
    name_zh="店铺体验",
    indicators=(
        Ind(
            key="store_experience_score",
            name="Store experience score",
            name_zh="店铺体验分",
            unit="points (0–100)",
            measure=_signal(K.STORE_EXPERIENCE_SCORE),
            defaults=linear(
                70.0,
                95.0,
                _ASSUME + "on the 5-point dashboard scale (×20), 4.75 is excellent and 3.5 "
                "puts traffic at risk",
            ),
            weight=2.0,
            inputs=("trust_signals[kind=store_experience_score]",),
            formula="latest trust_signals[kind=store_experience_score].value",
        ),
        Ind(
            key="on_time_shipping_rate",
            name="On-time shipping",
            name_zh="及时发货率",
            unit="share",
            measure=_signal(K.ON_TIME_SHIPPING_RATE),
            defaults=linear(
                0.9,
                0.99,
                _ASSUME + "platform rules expect shipping within 48 hours for nearly every order",
            ),
            inputs=("trust_signals[kind=on_time_shipping_rate]",),
            formula="latest trust_signals[kind=on_time_shipping_rate].value",
        ),
    ),
)

AFTER_SALES: Component[Brand] = Component(
    key="after_sales",
    name="After-sales and reviews",
    name_zh="售后与口碑",
    indicators=(
        Ind(
            key="complaint_rate",
            name="Complaint rate",
            name_zh="投诉率",
            unit="share of orders",
            measure=_signal(K.COMPLAINT_RATE),
            defaults=linear(0.02, 0.002, _ASSUME + "2 complaints per 1,000 orders is good"),
            inputs=("trust_signals[kind=complaint_rate]",),
            formula="latest trust_signals[kind=complaint_rate].value (lower is better)",
        ),
        Ind(
            key="negative_review_rate",
            name="Negative-review rate",
            name_zh="差评率",
            unit="share of reviews",
            measure=_signal(K.NEGATIVE_REVIEW_RATE),
            defaults=linear(0.05, 0.01, _ASSUME + "1% negative reviews is good"),
            inputs=("trust_signals[kind=negative_review_rate]",),
            formula="latest trust_signals[kind=negative_review_rate].value (lower is better)",
        ),
        Ind(
            key="refund_rate",
            name="Refund rate (reported)",
            name_zh="退款率",
            unit="share",
            measure=_signal(K.REFUND_RATE),
            defaults=linear(
                0.4,
                0.1,
                _ASSUME + "live-commerce refund rates run high (apparel often 30–50%); 10% is good",
            ),
            inputs=("trust_signals[kind=refund_rate]",),
            formula="latest trust_signals[kind=refund_rate].value (lower is better)",
        ),
        Ind(
            key="measured_refund_rate",
            name="Refund rate (measured)",
            name_zh="实测退款率",
            unit="share of GMV",
            measure=_measured_refund,
            defaults=linear(
                0.4,
                0.1,
                _ASSUME + "as the reported refund rate: 10% of GMV refunded is good",
            ),
            inputs=("orders[].amount_fen or streams[].gmv_fen",),
            formula="Σ orders.refunded_fen / Σ orders.amount_fen (else Σ streams.refund_fen "
            "/ Σ streams.gmv_fen)",
        ),
    ),
)

#: All trust components with every indicator (the card drops the promises that do not apply).
COMPONENTS: tuple[Component[Brand], ...] = (PROMISES, EXPERIENCE, AFTER_SALES)

_CATEGORY_SPECIFIC = frozenset(CATEGORY_WORDS)


def _detail_refund(brand: Brand, evaluation: Evaluation, language: str) -> str | None:
    measured = measured_refund_rate(brand)
    if measured is None:
        return None
    rate, where = measured
    return text(f"trust.measured_refund_rate.detail_{where}", language, rate=rate)


class TrustScorer(PerComponentAdvice[Brand], BrandMethodology):
    """Trust, per brand: service promises, store experience, after-sales (equal weights)."""

    name: ClassVar[str] = "trust"
    version: ClassVar[str] = "0.1"
    title: ClassVar[str] = "Trust e-commerce (信任电商)"
    description: ClassVar[str] = (
        "Trust signals of a brand: trust-buy (信任购), refund without return and other "
        "promises, store experience and on-time shipping, complaint, negative-review and "
        "refund rates. Signals not recorded lower the confidence, never the score."
    )
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
        return (promises, EXPERIENCE, AFTER_SALES)

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
