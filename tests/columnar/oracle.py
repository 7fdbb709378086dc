"""Hand-written per-stream definitions of the optional line-up and spend-pacing columns,
written independently of the library's vectorised code so the tests can check it."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from steps.columnar.table import ROLE_BITS
from steps.domain.enums import ProductRole
from steps.domain.model import Product, ShowSegment, Stream


def spend_pacing(segments: Sequence[ShowSegment]) -> float | None:
    """``1 − ½ Σ |a_i/A − p_i/P|`` over segments with both planned and actual spend, floored
    at 0; ``None`` unless both totals are positive."""
    paced = [
        (g.planned_spend_fen, g.actual_spend_fen)
        for g in segments
        if g.planned_spend_fen is not None and g.actual_spend_fen is not None
    ]
    planned = sum(p for p, _ in paced)
    actual = sum(a for _, a in paced)
    if planned == 0 or actual == 0:
        return None
    distance = math.fsum(abs(a / actual - p / planned) for p, a in paced) / 2
    return max(0.0, 1.0 - distance)


def stage_aggregates(stream: Stream, products: Mapping[str, Product]) -> dict[str, Any]:
    """The optional columns of one stream; ``products`` are its brand's products by id."""
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
    heroes = [
        p
        for p in listed
        if p.product_id in products and products[p.product_id].role is ProductRole.HERO
    ]
    return {
        "plan_spend_pacing": 0.0 if pacing is None else pacing,
        "has_plan_spend_pacing": pacing is not None,
        "lineup_roles": roles,
        "lineup_priced": len(prices),
        "lineup_min_price_fen": min(prices, default=0),
        "lineup_max_price_fen": max(prices, default=0),
        "lineup_list_priced": len(depths),
        "lineup_discount_sum": math.fsum(depths),
        "lineup_heroes_listed": len(heroes),
        "lineup_heroes_explained": sum(1 for p in heroes if p.explain_count > 0),
    }
