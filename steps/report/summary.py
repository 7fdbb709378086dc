"""A plain-text summary of a dataset: what each brand sells through whom."""

from __future__ import annotations

from steps.domain import metrics
from steps.domain.enums import TrafficSource
from steps.domain.model import Brand, Dataset

__all__ = ["brand_summary", "dataset_summary", "yuan"]


def yuan(fen: float) -> str:
    """Format an amount in fen as yuan with a 万 (10,000) unit when large."""
    amount = fen / 100
    if abs(amount) >= 10_000:
        return f"¥{amount / 10_000:,.1f}万"
    return f"¥{amount:,.0f}"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def brand_summary(brand: Brand) -> str:
    own = metrics.self_broadcast_gmv_fen(brand)
    talent = metrics.talent_gmv_fen(brand)
    platforms = sorted(
        {a.platform.value for a in brand.accounts}
        | {c.platform.value for c in brand.talent_collabs}
    )
    window = f"{brand.window_start}..{brand.window_end}" if brand.window_start else "no window"
    where = ", ".join(platforms) or "no platform"
    lines = [
        f"{brand.name} ({brand.brand_id}) · {brand.category} · {where} · {window}",
        f"  GMV {yuan(own + talent)}: self-broadcast {yuan(own)} "
        f"({_percent(metrics.ratio(own, own + talent))}), talents {yuan(talent)} "
        f"({len(brand.talent_collabs)} collaborations)",
        "  "
        + ", ".join(
            _count(n, what)
            for n, what in (
                (len(brand.accounts), "account"),
                (len(brand.streams), "stream"),
                (len(brand.products), "product"),
                (len(brand.orders), "order"),
            )
        ),
        f"  repurchase rate {_percent(metrics.repurchase_rate(brand.orders))}, "
        f"private-domain GMV share "
        f"{_percent(metrics.gmv_share_from(brand.streams, TrafficSource.PRIVATE))}, "
        f"paid ROI {metrics.paid_roi(brand.streams) or 0:.2f}",
    ]
    return "\n".join(lines)


def dataset_summary(dataset: Dataset) -> str:
    if not dataset.brands:
        return "no brands"
    return "\n\n".join(brand_summary(b) for b in dataset.brands)
