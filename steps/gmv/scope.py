"""What a brand-level GMV identity covers: a brand's self-broadcast streams on one platform,
under that platform's identity, with buyers counted once over the period where the order
details allow.

Scope.  The identities read streams, so they cover **self-broadcast** GMV (自播: the streams
of the brand's own accounts).  Talent distribution (达人分销) records totals per
collaboration, with no viewers' watch time or funnel, so it is shown beside the attribution
for context and never attributed.

Platforms.  Each platform has its own identity (`PLATFORM_IDENTITIES`): Kuaishou's
five factors for Kuaishou streams, Douyin's FACT+ for Douyin streams, the traditional
``UV × conversion × AOV`` for the rest.  A brand's streams are split by the platform of their
account (`streams_by_platform`) and never pooled under one platform's identity.  When
the streams lack an input of their platform's identity (FACT+ needs exposure and product
clicks), `choose_identity` falls back to ``traditional`` and says why.

Buyers.  Summing per-stream buyers counts a viewer who buys in two streams twice, which
understates repurchase.  When the order details (``Brand.orders``) itemise every order of the
period's streams, `buyer_basis` counts distinct buyers over the period instead
(`steps.domain.metrics.distinct_buyers`: buyer keys with a paid order, one not fully
refunded); otherwise it keeps the per-stream totals, and says so.  The identity still
multiplies back either way: buyers cancel out of its product.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from types import MappingProxyType
from typing import Final, Literal

import attrs

from steps.domain import metrics
from steps.domain.enums import Platform, Section
from steps.domain.metrics import main_platform
from steps.domain.model import Brand, Order, ShortVideo, Stream
from steps.gmv.identities import (
    BUILTIN_IDENTITIES,
    DOUYIN_FACT_PLUS,
    KUAISHOU,
    TRADITIONAL,
    Identity,
    StreamTotals,
)

__all__ = [
    "FALLBACK_IDENTITY",
    "PLATFORM_IDENTITIES",
    "BuyerBasis",
    "IdentityChoice",
    "buyer_basis",
    "choose_identity",
    "period_totals",
    "period_videos",
    "platform_streams",
    "streams_by_platform",
]

#: Each platform's identity; platforms not listed use `FALLBACK_IDENTITY`.
PLATFORM_IDENTITIES: Final[Mapping[Platform, Identity]] = MappingProxyType(
    {Platform.KUAISHOU: KUAISHOU, Platform.DOUYIN: DOUYIN_FACT_PLUS}
)
#: The identity every set of streams can be read by (UV, buyers, GMV).
FALLBACK_IDENTITY: Final = TRADITIONAL
_BY_KEY: Final = {identity.key: identity for identity in BUILTIN_IDENTITIES}


def streams_by_platform(brand: Brand) -> dict[Platform, tuple[Stream, ...]]:
    """The brand's streams by the platform of their account, in `Platform` order;
    platforms without streams are left out."""
    platform_of = {a.account_id: a.platform for a in brand.accounts}
    groups: dict[Platform, list[Stream]] = {}
    for stream in brand.streams:
        groups.setdefault(platform_of[stream.account_id], []).append(stream)
    return {p: tuple(groups[p]) for p in Platform if p in groups}


def platform_streams(
    brand: Brand, platform: Platform | str | None = None
) -> tuple[Platform | None, tuple[Stream, ...]]:
    """The platform a brand-level series or plan follows, and its streams: ``platform``
    when given; else the only platform the brand streams on (its main platform when it has
    no streams).

    Raises:
        ValueError: the brand streams on several platforms and ``platform`` is ``None``
            (each has its own identity, so they are never pooled silently).
    """
    groups = streams_by_platform(brand)
    if platform is not None:
        chosen = Platform(platform)
        return chosen, groups.get(chosen, ())
    if len(groups) > 1:
        names = ", ".join(p.value for p in groups)
        raise ValueError(
            f"brand {brand.brand_id!r} streams on several platforms ({names}), each under its "
            "own identity: pass platform= to choose one"
        )
    if groups:
        ((only, streams),) = groups.items()
        return only, streams
    return main_platform(brand), ()


@attrs.frozen
class IdentityChoice:
    """The identity a platform's streams are read by, and why when it is not the
    platform's own."""

    identity: Identity
    platform: Platform | None
    #: The platform's own identity when it could not be used, else ``None``.
    wanted: Identity | None = None
    #: Why the platform's identity could not be used (which streams lack which input).
    reason: str | None = None
    #: The inputs of ``wanted`` the streams lack (column names, e.g. ``exposure``).
    missing: tuple[str, ...] = ()


def choose_identity(
    platform: Platform | None,
    stream_sets: Sequence[Sequence[Stream]],
    *,
    identity: Identity | str | None = None,
) -> IdentityChoice:
    """The platform's identity (`PLATFORM_IDENTITIES`) for ``stream_sets`` (one per
    period), or `FALLBACK_IDENTITY` with the reason when a set lacks one of its
    inputs.  ``identity`` (an `Identity` or a built-in key) overrides the choice
    and is used as it is."""
    if identity is not None:
        chosen = _BY_KEY[identity] if isinstance(identity, str) else identity
        return IdentityChoice(chosen, platform)
    if platform is None:
        return IdentityChoice(FALLBACK_IDENTITY, platform)
    wanted = PLATFORM_IDENTITIES.get(platform, FALLBACK_IDENTITY)
    for streams in stream_sets:
        if not streams:
            continue
        missing = StreamTotals.from_streams(streams).missing
        lacking = [c for c in wanted.inputs if c in missing]
        if lacking:
            reason = "; ".join(missing[c] for c in lacking)
            return IdentityChoice(FALLBACK_IDENTITY, platform, wanted, reason, tuple(lacking))
    return IdentityChoice(wanted, platform)


@attrs.frozen
class BuyerBasis:
    """How buyers are counted in a brand-level identity over some periods.

    ``definition`` is ``"distinct"`` (distinct buyers over each period, from the order
    details) or ``"per_stream"`` (the streams' buyer counts summed).  ``buyers`` holds the
    count used for each period; ``itemised`` and ``orders`` say how many of the streams'
    orders the order details itemise (the test for ``"distinct"``: every stream's orders).
    """

    definition: Literal["distinct", "per_stream"]
    buyers: tuple[int, ...]
    itemised: int
    orders: int

    @property
    def distinct(self) -> bool:
        return self.definition == "distinct"


def _stream_orders(orders: Sequence[Order], streams: Sequence[Stream]) -> list[Order]:
    ids = {s.stream_id for s in streams}
    return [o for o in orders if o.stream_id in ids]


def buyer_basis(orders: Sequence[Order], stream_sets: Sequence[Sequence[Stream]]) -> BuyerBasis:
    """Distinct buyers per set of streams when ``orders`` (order details) itemise every
    order of every stream (as many details carry the stream's id as it has orders) and
    every set with orders has a distinct buyer; otherwise the per-stream buyer sums.  One
    definition for all the sets, so that periods compare like with like."""
    per_stream: dict[str, int] = {}
    for order in orders:
        if order.stream_id is not None:
            per_stream[order.stream_id] = per_stream.get(order.stream_id, 0) + 1
    streams = [s for group in stream_sets for s in group]
    total = sum(s.orders for s in streams)
    itemised = sum(min(per_stream.get(s.stream_id, 0), s.orders) for s in streams)
    summed = tuple(sum(s.buyers for s in group) for group in stream_sets)
    complete = bool(streams) and all(per_stream.get(s.stream_id, 0) == s.orders for s in streams)
    if complete:
        distinct = tuple(
            metrics.distinct_buyers(_stream_orders(orders, group)) for group in stream_sets
        )
        usable = all(
            b > 0 or not any(s.orders for s in group)
            for b, group in zip(distinct, stream_sets, strict=True)
        )
        if usable:
            return BuyerBasis("distinct", distinct, itemised, total)
    return BuyerBasis("per_stream", summed, itemised, total)


def period_totals(
    streams: Sequence[Stream],
    buyers: int | None = None,
    short_videos: Sequence[ShortVideo] | None = None,
) -> StreamTotals:
    """The streams summed into one row, with ``buyers`` (distinct buyers over the period)
    replacing the summed per-stream buyers when given, and the views of ``short_videos``
    (the period's videos, `period_videos`) when given."""
    totals = StreamTotals.from_streams(streams, short_videos=short_videos)
    if buyers is None:
        return totals
    return totals.with_columns(totals.labels, buyers=[buyers])


def period_videos(
    brand: Brand, platform: Platform | None, start: date, end: date
) -> tuple[ShortVideo, ...] | None:
    """The brand's short videos on ``platform`` (any platform when ``None``) posted from
    ``start`` to ``end`` inclusive (their own date), or ``None`` when the brand did not
    provide its short videos: then their views are unknown, not zero."""
    if not brand.provided(Section.SHORT_VIDEOS):
        return None
    on = {a.account_id for a in brand.accounts if platform is None or a.platform == platform}
    return tuple(
        v for v in brand.short_videos if v.account_id in on and start <= v.posted_at.date() <= end
    )
