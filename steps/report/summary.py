"""A plain-text summary of a dataset: what each brand sells through whom, and what its data
covers (each provided section with its records and dates, and the sections not provided)."""

from __future__ import annotations

from datetime import date

from steps.domain import metrics
from steps.domain.enums import Section, TrafficSource
from steps.domain.model import Brand, Dataset
from steps.scoring.messages import builtin_catalogue, join, text

__all__ = [
    "brand_summary",
    "brand_summary_lines",
    "category_name",
    "coverage_lines",
    "dataset_summary",
    "platform_name",
    "section_dates",
    "yuan",
]


def yuan(fen: float, lang: str = "zh") -> str:
    """Format an amount in fen as yuan: in Chinese with a 万 (10,000) unit when large, in
    English in full with thousands separated (``¥103,274``)."""
    amount = fen / 100
    if lang == "zh" and abs(amount) >= 10_000:
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


def category_name(value: str, lang: str) -> str:
    """A category as a reader names it (``美妆`` in Chinese); a category the catalogue does
    not know is the data's own word, shown as it is."""
    key = f"report.category.{value}"
    return text(key, lang) if key in builtin_catalogue() else value


def brand_summary(brand: Brand, *, lang: str = "en") -> str:
    return "\n".join(brand_summary_lines(brand, lang=lang))


def section_dates(brand: Brand, section: Section) -> tuple[date, date] | None:
    """The dates ``section`` covers: those its coverage declares, else (for the sections
    whose records are dated: streams, order details, short videos) the first and last
    record's; ``None`` when unknown."""
    for entry in brand.covered():
        if entry.section is section and entry.start is not None and entry.end is not None:
            return entry.start, entry.end
    days: list[date]
    if section is Section.STREAMS:
        days = [s.started_at.date() for s in brand.streams]
    elif section is Section.ORDERS:
        days = [o.placed_at.date() for o in brand.orders]
    elif section is Section.SHORT_VIDEOS:
        days = [v.posted_at.date() for v in brand.short_videos]
    else:
        return None
    return (min(days), max(days)) if days else None


def _section_name(section: Section, lang: str) -> str:
    return text(f"section.{section.value}", lang)


def coverage_lines(brand: Brand, *, lang: str = "en") -> list[str]:
    """What the brand's data covers: the provided sections, each with its records and the
    dates it covers (``order details 24 over 2021-08-03..2021-09-28``), then the sections
    not provided."""
    held = brand.held()
    provided = []
    for entry in brand.covered():
        name = _section_name(entry.section, lang)
        dates = section_dates(brand, entry.section)
        count = held[entry.section]
        if dates is None:
            provided.append(text("report.summary.section", lang, name=name, count=count))
        else:
            provided.append(
                text(
                    "report.summary.section_dates",
                    lang,
                    name=name,
                    count=count,
                    start=dates[0].isoformat(),
                    end=dates[1].isoformat(),
                )
            )
    missing = [_section_name(s, lang) for s in Section if not brand.provided(s)]
    nothing = text("report.summary.nothing", lang)
    lines = [text("report.summary.provided", lang, sections=join(provided, lang) or nothing)]
    if missing:
        lines.append(text("report.summary.not_provided", lang, sections=join(missing, lang)))
    return lines


def brand_summary_lines(brand: Brand, *, lang: str = "en") -> list[str]:
    """The lines of `brand_summary`: a headline, then indented details: GMV by who
    sold it, the accounts, streams and the orders the streams count, what the data covers,
    and the brand's repurchase, private-domain and paid-traffic figures."""
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
    category = category_name(brand.category, lang)
    where = join((platform_name(p, lang) for p in platforms), lang) or text(
        "report.summary.no_platform", lang
    )
    if brand.provided(Section.TALENT_COLLABS):
        gmv = text(
            "report.summary.gmv",
            lang,
            total=yuan(own + talent, lang),
            own=yuan(own, lang),
            own_share=_percent(metrics.ratio(own, own + talent), lang),
            talent=yuan(talent, lang),
            collaborations=len(brand.talent_collabs),
        )
    else:  # the talents' GMV is unknown, not ¥0: no total, no share
        gmv = text("report.summary.gmv_own", lang, own=yuan(own, lang))
    # The orders the streams count, not the order details: a sample of 24 order details
    # beside 1,115 orders sold on air is not "24 orders".
    counts = join(
        (
            _count(n, what, lang)
            for n, what in (
                (len(brand.accounts), "account"),
                (len(brand.streams), "stream"),
                (sum(s.orders for s in brand.streams), "stream_order"),
            )
        ),
        lang,
    )
    repurchase = metrics.paid_repurchase_rate(brand.orders)
    roi = metrics.paid_roi(brand.streams)
    shares = text(
        "report.summary.metrics",
        lang,
        repurchase=(
            text(
                "report.summary.repurchase",
                lang,
                rate=_percent(repurchase, lang),
                orders=len(brand.orders),
            )
            if repurchase is not None
            else text("report.na", lang)
        ),
        private_share=_percent(metrics.gmv_share_from(brand.streams, TrafficSource.PRIVATE), lang),
        paid_roi=text("report.na", lang) if roi is None else f"{roi:.2f}",
    )
    return [
        f"{brand.name} ({brand.brand_id}) · {category} · {where} · {window}",
        f"  {gmv}",
        f"  {counts}",
        *(f"  {line}" for line in coverage_lines(brand, lang=lang)),
        f"  {shares}",
    ]


def dataset_summary(dataset: Dataset, *, lang: str = "en") -> str:
    if not dataset.brands:
        return text("report.no_brands", lang)
    return "\n\n".join(brand_summary(b, lang=lang) for b in dataset.brands)
