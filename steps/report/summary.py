"""A plain-text summary of a dataset: what each brand sells through whom."""

from __future__ import annotations

from steps.domain import metrics
from steps.domain.enums import TrafficSource
from steps.domain.model import Brand, Dataset
from steps.scoring.messages import builtin_catalogue, join, text

__all__ = ["brand_summary", "brand_summary_lines", "dataset_summary", "platform_name", "yuan"]


def yuan(fen: float) -> str:
    """Format an amount in fen as yuan with a 万 (10,000) unit when large."""
    amount = fen / 100
    if abs(amount) >= 10_000:
        return f"¥{amount / 10_000:,.1f}万"
    return f"¥{amount:,.0f}"


def _percent(value: float | None, lang: str) -> str:
    return text("report.na", lang) if value is None else f"{value:.0%}"


def _count(n: int, what: str, lang: str) -> str:
    # Chinese has no plural: its catalogue gives the same template for both forms.
    return text(f"report.count.{'one' if n == 1 else 'other'}.{what}", lang, n=n)


def platform_name(value: str, lang: str) -> str:
    """A platform as a reader names it (``快手`` in Chinese); a value the catalogue does
    not know is shown as it is."""
    key = f"report.platform.{value}"
    return text(key, lang) if key in builtin_catalogue() else value


def brand_summary(brand: Brand, *, lang: str = "en") -> str:
    return "\n".join(brand_summary_lines(brand, lang=lang))


def brand_summary_lines(brand: Brand, *, lang: str = "en") -> list[str]:
    """The lines of :func:`brand_summary`: a headline, then indented details."""
    own = metrics.self_broadcast_gmv_fen(brand)
    talent = metrics.talent_gmv_fen(brand)
    platforms = sorted(
        {a.platform.value for a in brand.accounts}
        | {c.platform.value for c in brand.talent_collabs}
    )
    window = (
        f"{brand.window_start}..{brand.window_end}"
        if brand.window_start
        else text("report.summary.no_window", lang)
    )
    where = join((platform_name(p, lang) for p in platforms), lang) or text(
        "report.summary.no_platform", lang
    )
    gmv = text(
        "report.summary.gmv",
        lang,
        total=yuan(own + talent),
        own=yuan(own),
        own_share=_percent(metrics.ratio(own, own + talent), lang),
        talent=yuan(talent),
        collaborations=len(brand.talent_collabs),
    )
    counts = join(
        (
            _count(n, what, lang)
            for n, what in (
                (len(brand.accounts), "account"),
                (len(brand.streams), "stream"),
                (len(brand.products), "product"),
                (len(brand.orders), "order"),
            )
        ),
        lang,
    )
    shares = text(
        "report.summary.metrics",
        lang,
        repurchase=_percent(metrics.repurchase_rate(brand.orders), lang),
        private_share=_percent(metrics.gmv_share_from(brand.streams, TrafficSource.PRIVATE), lang),
        paid_roi=metrics.paid_roi(brand.streams) or 0,
    )
    return [
        f"{brand.name} ({brand.brand_id}) · {brand.category} · {where} · {window}",
        f"  {gmv}",
        f"  {counts}",
        f"  {shares}",
    ]


def dataset_summary(dataset: Dataset, *, lang: str = "en") -> str:
    if not dataset.brands:
        return text("report.no_brands", lang)
    return "\n\n".join(brand_summary(b, lang=lang) for b in dataset.brands)
