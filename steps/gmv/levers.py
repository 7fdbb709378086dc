"""Which indicators move which factor of a GMV identity: the levers a plan
(`steps.gmv.plans`) names for each factor target.

Each indicator declares the factors it moves, once, on itself (`Indicator.moves`, read here from
the installed scorers); the
same declaration gives a next move's GMV at stake (`steps.scoring.stake`).  A lever is
an indicator key ``scorer.indicator`` (``steps.repurchase_rate``,
``stage.avg_watch_minutes``).  An indicator may name a factor of a finer identity than the
one a plan uses: `PARTS` says which factors a coarser factor is the product of
(the traditional identity's conversion is minutes per viewer × buyers per watch-minute),
so the indicator serves the coarser factor too.

Why each lever is where it is (the article's reasoning, and the identity's arithmetic):

* **UV** grows with time on air and accounts (cadence, matrix), public and paid traffic
  (公域流量加持, ROI of 磁力金牛 / 巨量千川), warm-up (预热: preheat videos, reservations)
  and viewers that fans bring;
* **minutes per viewer** (内容消费时间) with retention: welfare (福利: giveaways), interaction,
  a run-of-show kept to;
* **buyers per watch-minute** (单位时间订单转化率) with selling on air: explaining the hero
  products, coupons used, the viewer → buyer conversion;
* **orders per buyer** (回购频率) with the private domain (私域): repurchase, fan-group size and
  activity, and the trust that brings buyers back (信任购 lifted repurchase by about 20%);
* **AOV** (客单价) with channel-exclusive supply (渠道特供) and the assortment's tiers and
  price bands.

Douyin's FACT+ reads exposure (content width: own accounts' exposure, short videos, the
recommendation feed), the seeding rate (entry, product exposure, clicks), conversion
(order creation and payment) and AOV per buyer.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from steps.scoring.plugins import PluginHost

__all__ = ["PARTS", "lever_table", "levers_for"]

#: identity key → factor key → the factors (of finer identities) it is the product of, or,
#: for the content-views identity, the live factors whose levers serve it (a viewer's content
#: views grow with the minutes a stream holds them; buyers per content view with buyers per
#: watch-minute).
PARTS: Final[Mapping[str, Mapping[str, tuple[str, ...]]]] = MappingProxyType(
    {
        "kuaishou-content-views": MappingProxyType(
            {
                "content_views_per_viewer": ("minutes_per_viewer",),
                "buyers_per_content_view": ("buyers_per_minute",),
            }
        ),
        "traditional": MappingProxyType(
            {
                "cvr": ("buyers_per_minute", "minutes_per_viewer"),
                "aov_per_buyer": ("aov", "orders_per_buyer"),
            }
        ),
        "douyin-fact-plus": MappingProxyType(
            {
                "seeding_rate": ("entry_rate", "product_exposure_rate", "click_rate"),
                "conversion": ("order_rate", "paid_rate"),
                "aov_per_buyer": ("aov",),
            }
        ),
    }
)


def _declared(host: PluginHost | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``(scorer.indicator, moves)`` of every installed scorer's indicators that move a
    factor, by scorer name then declaration order."""
    from steps.scoring.benchmarks import indicator_catalogue
    from steps.scoring.plugins import default_host

    out: list[tuple[str, tuple[str, ...]]] = []
    for record in sorted((host or default_host()).scorers(), key=lambda r: r.name):
        catalogue = indicator_catalogue(record.scorer)
        for _, indicator in catalogue or ():
            if indicator.moves:
                out.append((f"{record.name}.{indicator.key}", indicator.moves))
    return tuple(out)


@functools.lru_cache(maxsize=1)
def _default_declared() -> tuple[tuple[str, tuple[str, ...]], ...]:
    return _declared(None)


def lever_table(
    factors: Sequence[str], identity_key: str, host: PluginHost | None = None
) -> Mapping[str, tuple[str, ...]]:
    """Factor key → the indicator keys that move it, for the identity ``identity_key`` of
    factors ``factors`` (its factor keys, in order): the indicators declaring the factor
    itself, then those declaring one of its `PARTS`; an indicator declaring more than
    one factor serves each."""
    declared = _default_declared() if host is None else _declared(host)
    parts = PARTS.get(identity_key, {})
    table: dict[str, tuple[str, ...]] = {}
    for factor in factors:
        wanted = (factor, *parts.get(factor, ()))
        keys: dict[str, None] = {}
        for name in wanted:
            keys.update((key, None) for key, moves in declared if name in moves)
        table[factor] = tuple(keys)
    return MappingProxyType(table)


def levers_for(
    identity_key: str, factor_key: str, host: PluginHost | None = None
) -> tuple[str, ...]:
    """The indicator keys that move ``factor_key`` of the identity ``identity_key`` (empty
    when no installed indicator declares it)."""
    return lever_table((factor_key,), identity_key, host)[factor_key]
