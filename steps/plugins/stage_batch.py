"""STAGE over a :class:`~steps.columnar.StreamTable`: :mod:`steps.plugins.stage`'s indicators
computed from columns with numpy, then :func:`~steps.scoring.batch.evaluate_columns`.

Every indicator is the same formula as its ``measure`` in :mod:`steps.plugins.stage`, on the
table's columns and the per-stream aggregates of products and plan (``products_explained``,
``plan_timing_deviation_seconds``...).  Four indicators need more than
:data:`steps.columnar.SCHEMA` holds: spend pacing (each segment's planned and actual spend)
and the assortment's tiers, price spread and discount depth (the roles and prices of the
line-up's products, from the brand's catalogue).  They come from the optional columns
:data:`EXTRA_COLUMNS` (:data:`steps.columnar.table.EXTRA_SCHEMA`), which
:func:`steps.columnar.read_jsonl`, ``steps score --stream`` and ``StreamTable.from_dataset``
build, and which ``from_columns``, ``from_arrow``, ``read_parquet`` and the frame readers
take when given; :func:`stage_aggregates` is their reference definition for one stream.
A table without them (a frame or Parquet file that does not carry them) is bridged from the
catalog's stream objects when the catalog holds the streams; otherwise those four
indicators are not available there and a warning says why.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from steps.columnar.table import EXTRA_SCHEMA, LINEUP_COLUMNS, PACING_COLUMNS, ROLE_BITS
from steps.domain.enums import ProductRole
from steps.domain.model import Dataset, Product, Stream
from steps.plugins.stage import COMPONENTS, spend_pacing
from steps.scoring.batch import (
    BoolArray,
    FloatArray,
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
    from steps.plugins.stage import StageScorer

__all__ = [
    "EXTRA_COLUMNS",
    "LINEUP_COLUMNS",
    "PACING_COLUMNS",
    "ROLE_BITS",
    "score_table",
    "stage_aggregates",
    "stage_notes",
    "stage_values",
]

#: Per-stream aggregates STAGE needs beyond :data:`steps.columnar.SCHEMA`, with their dtype
#: and meaning: the columns of :data:`steps.columnar.table.EXTRA_SCHEMA`
#: (:func:`stage_aggregates` is the reference definition).  The *line-up* of a stream is its
#: products with ``explain_count > 0``, or all its listed products when none was explained,
#: looked up in the brand's products (:attr:`Brand.products`; an id the brand does not list
#: is left out).  ``lineup_roles`` is a bit mask of :data:`ROLE_BITS`.
EXTRA_COLUMNS: Final = {c.name: (c.dtype, c.description) for c in EXTRA_SCHEMA}


def stage_aggregates(stream: Stream, products: Mapping[str, Product]) -> dict[str, Any]:
    """The :data:`EXTRA_COLUMNS` of one stream; ``products`` are its brand's products by id."""
    pacing = None if stream.plan is None else spend_pacing(stream.plan.segments)
    listed = stream.products
    explained = [p for p in listed if p.explain_count > 0] or listed
    lineup = [products[p.product_id] for p in explained if p.product_id in products]
    roles = 0
    for product in lineup:
        if product.role is not None:
            roles |= ROLE_BITS[product.role]
    prices = [p.price_fen for p in lineup if p.price_fen > 0]
    depths = [1 - p.price_fen / p.list_price_fen for p in lineup if p.list_price_fen]
    return {
        "plan_spend_pacing": 0.0 if pacing is None else pacing,
        "has_plan_spend_pacing": pacing is not None,
        "lineup_roles": roles,
        "lineup_priced": len(prices),
        "lineup_min_price_fen": min(prices, default=0),
        "lineup_max_price_fen": max(prices, default=0),
        "lineup_list_priced": len(depths),
        "lineup_discount_sum": math.fsum(depths),
    }


def _extra_columns(
    table: StreamTable, catalog: TableCatalog
) -> tuple[dict[str, npt.NDArray[Any]], dict[str, BoolArray]]:
    """The :data:`EXTRA_COLUMNS` of every row and, per column, where it is known: from the
    table for each group (:data:`PACING_COLUMNS`, :data:`LINEUP_COLUMNS`) it holds, else
    from the catalog's stream objects (for the brands whose streams the catalog holds; the
    other rows are not known, and a warning says so)."""
    n = len(table)
    names = set(table.column_names)
    columns: dict[str, npt.NDArray[Any]] = {}
    known: dict[str, BoolArray] = {}
    everywhere = np.ones(n, dtype=np.bool_)
    missing: list[str] = []
    for group in (PACING_COLUMNS, LINEUP_COLUMNS):
        if names.issuperset(group):
            columns.update({name: table.column(name) for name in group})
            known.update(dict.fromkeys(group, everywhere))
        else:
            missing += group
    if not missing:
        return columns, known
    bridged = np.zeros(n, dtype=np.bool_)
    for name in missing:
        columns[name] = np.zeros(n, dtype=EXTRA_COLUMNS[name][0])
        known[name] = bridged
    brand_codes = table.column("brand_id")
    brand_ids = table.dictionary("brand_id")
    used = np.flatnonzero(np.bincount(brand_codes, minlength=len(brand_ids))).tolist()
    held = [code for code in used if catalog.stream_objects(brand_ids[code])]
    unknown = {brand_ids[code] for code in used if code not in held}
    if held:
        rows = np.flatnonzero(np.isin(brand_codes, held))
        stream_ids = table.dictionary("stream_id")
        lookups: dict[int, tuple[Mapping[str, Stream], Mapping[str, Product]]] = {}
        for code in held:
            brand = catalog.brand(brand_ids[code])
            products = {p.product_id: p for p in brand.products}
            lookups[code] = (catalog.stream_objects(brand.brand_id), products)
        values: dict[str, list[Any]] = {name: [] for name in missing}
        found_rows = []
        pairs = zip(
            brand_codes[rows].tolist(), table.column("stream_id")[rows].tolist(), strict=True
        )
        for row, (brand_code, stream_code) in zip(rows.tolist(), pairs, strict=True):
            streams, catalogue = lookups[brand_code]
            stream = streams.get(stream_ids[stream_code])
            if stream is None:
                unknown.add(brand_ids[brand_code])
                continue
            found_rows.append(row)
            found = stage_aggregates(stream, catalogue)
            for name in missing:
                values[name].append(found[name])
        index = np.array(found_rows, dtype=np.intp)
        bridged[index] = True
        for name in missing:
            columns[name][index] = values[name]
    if unknown:
        lost = ", ".join(
            key
            for key, group in (
                ("spend_pacing", PACING_COLUMNS),
                ("tier_coverage, price_spread, discount_depth", LINEUP_COLUMNS),
            )
            if group[0] in missing
        )
        warnings.warn(
            f"the table has no column {', '.join(missing)} (read_jsonl and "
            "StreamTable.from_dataset build them; give them as columns to from_columns, "
            "from_arrow or read_parquet) and the catalog does not hold the streams of "
            f"{len(unknown)} brand(s) (e.g. {min(unknown)!r}): {lost} not available there",
            stacklevel=2,
        )
    return columns, known


def _where(condition: npt.ArrayLike, values: FloatArray) -> Measured:
    """``values`` where ``condition`` holds, else not available (``values`` are finite)."""
    ok = np.asarray(condition, dtype=np.bool_)
    return values * ok, ok


def stage_values(table: StreamTable, brands: TableBrands) -> dict[str, Measured]:
    """Every STAGE indicator of every row, keyed ``component.indicator``."""
    c = table.column
    n = len(table)
    everywhere = np.ones(n, dtype=np.bool_)
    has_plan = c("has_plan")
    duration = c("duration_seconds")
    uv = c("uv")
    listed = c("products_listed") > 0
    hours = duration / 3600
    timed_planned = c("plan_timed_planned_seconds")
    adherence_ok = has_plan & (c("plan_timed_segments") > 0) & (timed_planned != 0)
    deviation, _ = ratio(c("plan_timing_deviation_seconds"), timed_planned, adherence_ok)
    adherence = 1.0 - deviation
    completeness = (
        (c("plan_segments") > 0).astype(np.int64)
        + c("has_plan_gmv_target_fen")
        + c("has_plan_planned_paid_uv_share")
    ) / 3
    completeness *= has_plan
    explain_raw, explain_ok = ratio(c("products_explain_seconds"), duration, listed)
    target = c("plan_gmv_target_fen")
    target_ok = has_plan & c("has_plan_gmv_target_fen") & (target != 0)
    spend = c("paid_spend_fen")
    paid_share, paid_share_ok = ratio(c("uv_by_source_paid"), uv, c("has_uv_by_source"))
    gap_ok = has_plan & c("has_plan_planned_paid_uv_share") & paid_share_ok
    gap = np.abs(paid_share - c("plan_planned_paid_uv_share"))

    extra, known_of = _extra_columns(table, brands.catalog)
    known = known_of["lineup_roles"]
    roles = extra["lineup_roles"].astype(np.int64)
    role_count = sum(((roles & bit) != 0).astype(np.int64) for bit in ROLE_BITS.values())
    priced = extra["lineup_priced"]
    list_priced = extra["lineup_list_priced"]

    return {
        "script.plan_completeness": (completeness, everywhere),
        "script.segment_adherence": _where(adherence_ok, np.maximum(adherence, 0.0)),
        "script.products_per_hour": ratio(c("products_explained"), hours, listed),
        "script.explain_share": _where(explain_ok, np.minimum(explain_raw, 1.0)),
        "script.hosts": _where(c("has_hosts"), c("hosts").astype(np.float64)),
        "traffic.target_attainment": ratio(c("gmv_fen"), target, target_ok),
        "traffic.spend_to_target": ratio(spend, target, target_ok & (spend != 0)),
        "traffic.paid_roi": ratio(c("gmv_by_source_paid"), spend, c("has_gmv_by_source")),
        "traffic.paid_share_gap": _where(gap_ok, gap),
        "traffic.spend_pacing": _where(
            known_of["plan_spend_pacing"] & extra["has_plan_spend_pacing"],
            extra["plan_spend_pacing"],
        ),
        "goods.tier_coverage": _where(known & (roles != 0), role_count / len(ProductRole)),
        "goods.price_spread": ratio(
            extra["lineup_max_price_fen"], extra["lineup_min_price_fen"], known & (priced >= 2)
        ),
        "goods.discount_depth": ratio(
            extra["lineup_discount_sum"], list_priced, known & (list_priced > 0)
        ),
        "goods.hit_concentration": ratio(c("products_top_fifth_gmv_fen"), c("products_gmv_fen")),
        "welfare.coupon_use_rate": ratio(c("coupons_used"), c("coupons_issued")),
        "welfare.giveaways_per_hour": ratio(c("giveaways"), hours),
        "welfare.avg_watch_minutes": ratio(c("watch_seconds") / 60, uv),
        "welfare.interaction_rate": ratio(c("comments") + c("likes") + c("shares"), uv),
        "welfare.conversion_rate": ratio(c("buyers"), uv),
        "warmup.preheat_videos": (c("preheat_videos").astype(np.float64), everywhere),
        "warmup.preheat_views_per_viewer": ratio(c("preheat_video_views"), uv),
        "warmup.reservations_per_viewer": ratio(c("reservations"), uv),
        "warmup.reserved_attendance": ratio(
            c("reserved_attendees"), uv, c("has_reserved_attendees")
        ),
        "warmup.first_minutes_share": ratio(c("first_minutes_uv"), uv, c("has_first_minutes_uv")),
    }


def stage_notes(table: StreamTable) -> dict[str, Measured]:
    """The card notes of :meth:`StageScorer.notes`, as columns."""
    c = table.column
    return {
        "reservation_attendance_rate": ratio(
            c("reserved_attendees"), c("reservations"), c("has_reserved_attendees")
        ),
        "paid_uv_share": ratio(c("uv_by_source_paid"), c("uv"), c("has_uv_by_source")),
    }


def score_table(
    scorer: StageScorer,
    table: StreamTable,
    catalog: Dataset | TableCatalog,
    context: ScoringContext,
    components: Sequence[Any] = COMPONENTS,
) -> TableScores:
    """Every row of ``table`` scored by ``scorer`` (see :meth:`StageScorer.score_table`)."""
    return score_methodology_table(
        scorer,
        table,
        catalog,
        context,
        components=components,
        values=lambda brands: stage_values(table, brands),
        notes=stage_notes(table),
    )
