"""Douyin interest e-commerce over a :class:`~steps.columnar.StreamTable`:
:mod:`steps.plugins.douyin`'s stream indicators computed from columns with numpy, then
:func:`~steps.scoring.batch.evaluate_columns`.

Every indicator is the same formula as its ``measure`` in :mod:`steps.plugins.douyin`.
Content output (short videos per week of the stream's account) is per brand and account:
each distinct (brand, account) pair of the table is looked up once in the brand's short
videos (:meth:`~steps.scoring.batch.TableBrands.content_output`) and spread to its rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from steps.domain.model import Dataset
from steps.plugins.douyin import STREAM_COMPONENTS
from steps.scoring.batch import (
    Measured,
    TableBrands,
    TableCatalog,
    TableScores,
    ratio,
    score_methodology_table,
)
from steps.scoring.contract import ScoringContext

if TYPE_CHECKING:
    from steps.columnar.table import StreamTable
    from steps.plugins.douyin import DouyinStreamScorer

__all__ = ["funnel_rates", "score_table", "stream_values"]


def funnel_rates(table: StreamTable) -> dict[str, Measured]:
    """The five step rates of :func:`steps.plugins.douyin.stream_funnel`, by step key."""
    c = table.column
    uv = c("uv")
    exposure_uv, clicks, created = (
        c("product_exposure_uv"),
        c("product_click_uv"),
        c("orders_created"),
    )
    has_exposure_uv, has_clicks, has_created = (
        c("has_product_exposure_uv"),
        c("has_product_click_uv"),
        c("has_orders_created"),
    )
    return {
        "entry": ratio(uv, c("exposure"), c("has_exposure")),
        "product_exposure": ratio(exposure_uv, uv, has_exposure_uv),
        "click": ratio(clicks, exposure_uv, has_clicks & has_exposure_uv),
        "create": ratio(created, clicks, has_created & has_clicks),
        "pay": ratio(c("orders"), created, has_created),
    }


def stream_values(
    table: StreamTable, brands: TableBrands, rates: Mapping[str, Measured] | None = None
) -> dict[str, Measured]:
    """Every ``douyin-interest`` indicator of every row, keyed ``component.indicator``
    (``rates``: the :func:`funnel_rates` of ``table``, when computed already)."""
    c = table.column
    uv = c("uv")
    gmv = c("gmv_fen")
    if rates is None:
        rates = funnel_rates(table)
    conversion = np.ones(len(table), dtype=np.float64)
    conversion_ok = np.ones(len(table), dtype=np.bool_)
    for value, available in rates.values():
        conversion = conversion * value
        conversion_ok &= available
    gpm, gpm_ok = ratio(gmv * 1000, c("views"), c("has_views"))
    uv_value, uv_value_ok = ratio(gmv, uv)
    split = c("has_uv_by_source")
    return {
        "efficiency.gpm": (gpm / 100, gpm_ok),
        "efficiency.uv_value": (uv_value / 100, uv_value_ok),
        "reach.entry_rate": rates["entry"],
        "reach.feed_share": ratio(c("uv_by_source_public_natural"), uv, split),
        "reach.short_video_share": ratio(c("uv_by_source_short_video"), uv, split),
        "engagement.avg_watch_minutes": ratio(c("watch_seconds") / 60, uv),
        "engagement.interaction_rate": ratio(c("comments") + c("likes") + c("shares"), uv),
        "engagement.content_output": brands.content_output(),
        "funnel.product_exposure_rate": rates["product_exposure"],
        "funnel.click_rate": rates["click"],
        "funnel.create_rate": rates["create"],
        "funnel.pay_rate": rates["pay"],
        "funnel.funnel_conversion": (conversion * conversion_ok, conversion_ok),
    }


def score_table(
    scorer: DouyinStreamScorer,
    table: StreamTable,
    catalog: Dataset | TableCatalog,
    context: ScoringContext,
    components: Sequence[Any] = STREAM_COMPONENTS,
) -> TableScores:
    """Every row of ``table`` scored by ``scorer`` (see
    :meth:`DouyinStreamScorer.score_table`)."""
    rates = funnel_rates(table)
    return score_methodology_table(
        scorer,
        table,
        catalog,
        context,
        components=components,
        values=lambda brands: stream_values(table, brands, rates),
        notes={f"funnel.{key}": rate for key, rate in rates.items()},
    )
