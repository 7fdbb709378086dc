"""Derived metrics: the one place where the domain's ratios are defined.

Every function is pure.  A ratio whose denominator is zero (or whose input was not recorded)
is ``None``: never NaN, never an exception.  Money-valued results are in fen (float, since
they are averages of exact amounts).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from steps.domain.enums import PUBLIC_SOURCES, Platform, TrafficSource
from steps.domain.model import Brand, Order, Stream

__all__ = [
    "aov_fen",
    "avg_watch_minutes",
    "buyer_order_counts",
    "conversion_rate",
    "distinct_buyers",
    "entry_rate",
    "gmv_share_from",
    "gpm_fen",
    "interaction_rate",
    "interactions",
    "known_sum",
    "main_platform",
    "orders_per_buyer",
    "paid_orders",
    "paid_repurchase_rate",
    "paid_roi",
    "public_uv",
    "purchase_frequency",
    "ratio",
    "repurchase_rate",
    "reservation_attendance_rate",
    "self_broadcast_gmv_fen",
    "talent_gmv_fen",
    "uv_share",
    "uv_value_fen",
    "watch_minutes",
]


def known_sum(values: Iterable[int | None]) -> int | None:
    """The sum of the recorded values; ``None`` when none was recorded (unknown is not 0)."""
    total: int | None = None
    for value in values:
        if value is not None:
            total = value if total is None else total + value
    return total


def interactions(stream: Stream) -> int | None:
    """Comments + likes + shares (互动), or ``None`` unless all three were recorded."""
    if stream.comments is None or stream.likes is None or stream.shares is None:
        return None
    return stream.comments + stream.likes + stream.shares


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``, or ``None`` when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def watch_minutes(stream: Stream) -> float:
    """Total watch time W in minutes: ``watch_seconds / 60``."""
    return stream.watch_seconds / 60


def conversion_rate(stream: Stream) -> float | None:
    """Viewer → buyer conversion (转化率): ``buyers / uv``."""
    return ratio(stream.buyers, stream.uv)


def aov_fen(stream: Stream) -> float | None:
    """Average order value (客单价, per order): ``gmv_fen / orders``."""
    return ratio(stream.gmv_fen, stream.orders)


def orders_per_buyer(stream: Stream) -> float | None:
    """Orders per buyer (repurchase frequency within a stream): ``orders / buyers``."""
    return ratio(stream.orders, stream.buyers)


def avg_watch_minutes(stream: Stream) -> float | None:
    """Average watch time per viewer (人均观看时长), minutes: ``watch_seconds / 60 / uv``."""
    return ratio(watch_minutes(stream), stream.uv)


def gpm_fen(stream: Stream) -> float | None:
    """GPM, GMV per thousand views (千次观看成交金额), fen: ``gmv_fen × 1000 / views``.

    Not "gifts per minute".  ``None`` when views (观看次数) were not recorded.
    """
    if stream.views is None:
        return None
    return ratio(stream.gmv_fen * 1000, stream.views)


def uv_value_fen(stream: Stream) -> float | None:
    """Value per viewer (UV价值), fen: ``gmv_fen / uv``."""
    return ratio(stream.gmv_fen, stream.uv)


def entry_rate(stream: Stream) -> float | None:
    """Exposure → entry rate (曝光进入率): ``uv / exposure``."""
    return ratio(stream.uv, stream.exposure)


def interaction_rate(stream: Stream) -> float | None:
    """Interactions per viewer (互动率): ``(comments + likes + shares) / uv``.

    Likes can be many per viewer, so this is a rate per viewer, not a share; it may exceed 1.
    ``None`` unless comments, likes and shares were all recorded.
    """
    return ratio(interactions(stream), stream.uv)


def uv_share(stream: Stream, *sources: TrafficSource) -> float | None:
    """Share of UV from the given sources: ``Σ uv_by_source[s] / uv``.

    ``None`` when the stream records no source split at all (unknown is not zero).
    """
    if not stream.uv_by_source:
        return None
    return ratio(sum(stream.uv_by_source.get(s, 0) for s in sources), stream.uv)


def public_uv(stream: Stream) -> int | None:
    """Public-domain UV (公域): public natural plus short video.  ``None`` without a split."""
    if not stream.uv_by_source:
        return None
    return sum(stream.uv_by_source.get(s, 0) for s in PUBLIC_SOURCES)


def gmv_share_from(streams: Iterable[Stream], *sources: TrafficSource) -> float | None:
    """Share of GMV from the given sources over streams that record a GMV split."""
    part = total = 0
    for stream in streams:
        if stream.gmv_by_source:
            part += sum(stream.gmv_by_source.get(s, 0) for s in sources)
            total += stream.gmv_fen
    return ratio(part, total)


def paid_roi(streams: Iterable[Stream]) -> float | None:
    """Paid-traffic ROI (投产比): GMV from paid traffic / paid spend, over streams with spend
    and a GMV split.  ``None`` when nothing was spent."""
    gmv = spend = 0
    for stream in streams:
        if stream.paid_spend_fen and stream.gmv_by_source:
            gmv += stream.gmv_by_source.get(TrafficSource.PAID, 0)
            spend += stream.paid_spend_fen
    return ratio(gmv, spend)


def reservation_attendance_rate(stream: Stream) -> float | None:
    """Reservation → attendance (预约到场率): ``reserved_attendees / reservations``."""
    return ratio(stream.reserved_attendees, stream.reservations)


def self_broadcast_gmv_fen(brand: Brand) -> int:
    """GMV of the brand's own streams (自播), fen."""
    return sum(s.gmv_fen for s in brand.streams)


def talent_gmv_fen(brand: Brand) -> int:
    """GMV through talent distribution (达人分销), fen."""
    return sum(c.gmv_fen for c in brand.talent_collabs)


def buyer_order_counts(orders: Iterable[Order]) -> Counter[str]:
    """Orders per pseudonymous buyer key."""
    return Counter(o.buyer_key for o in orders)


def repurchase_rate(orders: Iterable[Order]) -> float | None:
    """Repurchase rate (复购率): buyers with two or more orders / buyers."""
    counts = buyer_order_counts(orders)
    return ratio(sum(1 for n in counts.values() if n >= 2), len(counts))


def paid_orders(
    orders: Iterable[Order], window: tuple[date, date] | None = None
) -> tuple[Order, ...]:
    """The orders that count as paid (``Order.paid``: not fully refunded,
    ``refunded_fen < amount_fen``), placed within ``window`` (inclusive
    dates, each order's date in its own UTC offset) when one is given.

    A partly refunded order is still a purchase; one refunded in full is not; one whose
    refunds were not exported counts as paid.  An order of 0 fen (a free gift) is never paid.
    """
    start, end = window if window is not None else (None, None)
    return tuple(
        o
        for o in orders
        if o.paid
        and (start is None or start <= o.placed_at.date())
        and (end is None or o.placed_at.date() <= end)
    )


def distinct_buyers(orders: Iterable[Order], window: tuple[date, date] | None = None) -> int:
    """Distinct buyers: the number of buyer keys with at least one paid order
    (`paid_orders`) in ``window``."""
    return len({o.buyer_key for o in paid_orders(orders, window)})


def paid_repurchase_rate(
    orders: Iterable[Order], window: tuple[date, date] | None = None
) -> float | None:
    """Repurchase rate (复购率) over a window: distinct buyers with two or more paid orders
    (`paid_orders`) in ``window`` ÷ distinct buyers.  The article quotes the platform's rate
    without defining it; this definition is the library's.  ``None`` without a paid order."""
    counts = Counter(o.buyer_key for o in paid_orders(orders, window))
    return ratio(sum(1 for n in counts.values() if n >= 2), len(counts))


def purchase_frequency(
    orders: Iterable[Order], window: tuple[date, date] | None = None
) -> float | None:
    """Purchase frequency (购买频次): paid orders (`paid_orders`) in ``window`` ÷
    distinct buyers; at least 1 when defined.  ``None`` without a paid order."""
    paid = paid_orders(orders, window)
    return ratio(len(paid), len({o.buyer_key for o in paid}))


def main_platform(brand: Brand) -> Platform | None:
    """The platform most of the brand's streams (else accounts, else talents) are on."""
    by_account = {a.account_id: a.platform for a in brand.accounts}
    votes = Counter(by_account[s.account_id] for s in brand.streams if s.account_id in by_account)
    if not votes:
        votes = Counter(a.platform for a in brand.accounts)
    if not votes:
        votes = Counter(c.platform for c in brand.talent_collabs)
    if not votes:
        return None
    # Most votes first; the enum's order breaks ties, so the answer never depends on input order.
    order = {p: i for i, p in enumerate(Platform)}
    return min(votes, key=lambda p: (-votes[p], order[p]))
