"""What a brand's records say about each of its streams (private to the built-in stream
scorers): the buyers of the stream's paid orders in the order details, and the warm-up
videos linked to it.

Both are computed once per brand (`TableCatalog.memo`: a run reads each brand's orders once,
whatever the
number of chunks and scorers) and laid out per row once per table (`TableBrands.memo`), so STAGE
and the Douyin scorer share them.

*Returning* and *new* are relative to the order details provided: a buyer is returning in a
stream when the details hold a paid order of theirs with the brand placed before their
first order in that stream.  A buyer who bought before the details begin looks new, so a
stream's buyers are split only where the details reach at least `LOOKBACK_DAYS`
before the stream (the start of the orders' declared coverage, else the earliest order).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

import attrs
import numpy as np
import numpy.typing as npt

from steps.domain.enums import Section, TrafficSource
from steps.domain.model import Brand, Order
from steps.scoring.batch import BoolArray, IntArray, StreamColumns, brand_aggregate, stream_days

__all__ = [
    "FATIGUE_DAYS",
    "LOOKBACK_DAYS",
    "PREHEAT_DAYS",
    "BrandOrders",
    "BrandVideos",
    "StreamOrders",
    "brand_orders",
    "brand_videos",
    "order_columns",
    "preheat_days",
]

#: Days of order history a stream needs before it for its buyers to be split into new and
#: returning (an assumption: a month of history catches most repeat buyers of a brand that
#: streams weekly).
LOOKBACK_DAYS: Final = 30
#: A paid order of a product the same buyer bought within this many days before counts as
#: a repeat of the same item (purchase fatigue, 购买疲劳; an assumption).
FATIGUE_DAYS: Final = 7
#: Warm-up videos count when posted within this many days before the stream (an assumption:
#: the week before a stream is its warm-up).
PREHEAT_DAYS: Final = 7

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_US: Final = 86_400_000_000
_MINUTE_US: Final = 60_000_000


@attrs.frozen
class StreamOrders:
    """What a stream's paid orders (``Order.paid``, naming the stream) say about its
    buyers."""

    #: Distinct buyers.
    buyers: int
    #: Of those, buyers without a paid order with the brand before their first one here.
    new_buyers: int
    #: Σ amount_fen of the paid orders.
    gmv_fen: int
    #: Σ amount_fen of the paid orders of the returning buyers.
    returning_gmv_fen: int
    #: The products (``product_id`` recorded) new buyers bought, and returning buyers.
    new_products: frozenset[str]
    returning_products: frozenset[str]
    #: Paid orders naming a product, and of those, orders of a product the same buyer had
    #: bought from the brand within `FATIGUE_DAYS` before.
    product_orders: int
    repeat_product_orders: int
    #: Distinct buyers with a paid order recording its traffic source, and of those, buyers
    #: none of whose recorded sources is the private domain (followers, fan group).
    sourced_buyers: int
    public_buyers: int


@attrs.frozen
class BrandOrders:
    """A brand's order details, by stream."""

    #: The first day the order details cover (a proleptic ordinal): the start of the orders'
    #: declared coverage, else the date of the earliest order; ``None`` without orders.
    history_start: int | None
    streams: Mapping[str, StreamOrders]


def _history_start(brand: Brand, section: Section, days: Sequence[int]) -> int | None:
    """The first day (an ordinal) ``section``'s declared coverage gives, else the earliest
    of ``days``."""
    for entry in brand.coverage or ():
        if entry.section is section and entry.start is not None:
            return entry.start.toordinal()
    return min(days) if days else None


@brand_aggregate("history.orders")
def brand_orders(brand: Brand) -> BrandOrders:
    """The brand's paid orders by stream (`StreamOrders`), from its order details."""
    start = _history_start(
        brand, Section.ORDERS, [o.placed_at.date().toordinal() for o in brand.orders]
    )
    paid = sorted((o for o in brand.orders if o.paid), key=lambda o: (o.placed_at, o.order_id))
    first_seen: dict[str, datetime] = {}
    last_bought: dict[tuple[str, str], datetime] = {}
    by_stream: dict[str, list[tuple[Order, bool]]] = defaultdict(list)
    window = timedelta(days=FATIGUE_DAYS)
    for order in paid:
        buyer = order.buyer_key
        first_seen.setdefault(buyer, order.placed_at)
        repeat = False
        if order.product_id is not None:
            key = (buyer, order.product_id)
            before = last_bought.get(key)
            repeat = before is not None and order.placed_at - before <= window
            last_bought[key] = order.placed_at
        if order.stream_id is not None:
            by_stream[order.stream_id].append((order, repeat))
    return BrandOrders(
        start, {sid: _stream_orders(items, first_seen) for sid, items in by_stream.items()}
    )


def _stream_orders(
    items: Sequence[tuple[Order, bool]], first_seen: Mapping[str, datetime]
) -> StreamOrders:
    first_here: dict[str, datetime] = {}
    sources: dict[str, set[TrafficSource]] = defaultdict(set)
    for order, _ in items:
        first_here.setdefault(order.buyer_key, order.placed_at)  # items are in time order
        if order.traffic_source is not None:
            sources[order.buyer_key].add(order.traffic_source)
    returning = {b for b, at in first_here.items() if first_seen[b] < at}
    new_products = {o.product_id for o, _ in items if o.product_id and o.buyer_key not in returning}
    returning_products = {
        o.product_id for o, _ in items if o.product_id and o.buyer_key in returning
    }
    return StreamOrders(
        buyers=len(first_here),
        new_buyers=len(first_here) - len(returning),
        gmv_fen=sum(o.amount_fen for o, _ in items),
        returning_gmv_fen=sum(o.amount_fen for o, _ in items if o.buyer_key in returning),
        new_products=frozenset(new_products),
        returning_products=frozenset(returning_products),
        product_orders=sum(1 for o, _ in items if o.product_id is not None),
        repeat_product_orders=sum(1 for o, repeat in items if repeat),
        sourced_buyers=len(sources),
        public_buyers=sum(1 for s in sources.values() if TrafficSource.PRIVATE not in s),
    )


#: The per-row columns of `order_columns`.
ORDER_COLUMNS: Final = (
    "buyers",
    "new_buyers",
    "gmv_fen",
    "returning_gmv_fen",
    "new_products",
    "returning_products",
    "split_products",
    "bought_products",
    "product_orders",
    "repeat_product_orders",
    "sourced_buyers",
    "public_buyers",
)


def _linked_rows(
    c: StreamColumns, rows: npt.NDArray[np.intp], stream_ids: Iterable[str]
) -> list[int]:
    """The ``rows`` (of one brand) whose stream id is one of ``stream_ids``: only the
    streams a brand's records name are looked at, not every row."""
    codes = c.brands.memo(
        "history.stream_codes",
        lambda: {sid: k for k, sid in enumerate(c.table.dictionary("stream_id"))},
    )
    wanted = np.array([codes.get(sid, -1) for sid in stream_ids], dtype=np.int64)
    picked: list[int] = rows[np.isin(c("stream_id")[rows], wanted)].tolist()
    return picked


def _by_brand(c: StreamColumns) -> list[tuple[int, npt.NDArray[np.intp]]]:
    """The rows of each brand code the table uses, as (code, rows)."""
    codes = c("brand_id")
    order = np.argsort(codes, kind="stable")
    used, starts = np.unique(codes[order], return_index=True)
    bounds = [*starts.tolist(), len(order)]
    return [(int(code), order[bounds[k] : bounds[k + 1]]) for k, code in enumerate(used.tolist())]


def order_columns(c: StreamColumns) -> tuple[dict[str, IntArray], BoolArray, BoolArray]:
    """Per row, from the stream's paid orders (`StreamOrders`): the counts of
    `ORDER_COLUMNS` (``new_products`` and ``returning_products`` are how many distinct
    products new and returning buyers bought, ``split_products`` how many only one of the
    two groups bought, ``bought_products`` how many either bought), where the brand's
    order details were provided, and where they reach `LOOKBACK_DAYS` before the
    stream (new and returning buyers are told apart only there)."""

    def compute() -> tuple[dict[str, IntArray], BoolArray, BoolArray]:
        n = len(c)
        out = {name: np.zeros(n, dtype=np.int64) for name in ORDER_COLUMNS}
        provided = c.provided(Section.ORDERS)
        history = np.zeros(n, dtype=np.bool_)
        brand_ids = c.table.dictionary("brand_id")
        stream_ids = c.table.dictionary("stream_id")
        stream_codes = c("stream_id")
        days = stream_days(c.table)
        catalog = c.brands.catalog
        for code, rows in _by_brand(c):
            if not provided[rows[0]]:
                continue
            orders = catalog.memo("history.orders", brand_ids[code], brand_orders)
            if orders.history_start is not None:
                history[rows] = days[rows] - orders.history_start >= LOOKBACK_DAYS
            if not orders.streams:
                continue
            for row in _linked_rows(c, rows, orders.streams):
                facts = orders.streams[stream_ids[stream_codes[row]]]
                union = facts.new_products | facts.returning_products
                split = facts.new_products ^ facts.returning_products
                for name, value in (
                    ("buyers", facts.buyers),
                    ("new_buyers", facts.new_buyers),
                    ("gmv_fen", facts.gmv_fen),
                    ("returning_gmv_fen", facts.returning_gmv_fen),
                    ("new_products", len(facts.new_products)),
                    ("returning_products", len(facts.returning_products)),
                    ("split_products", len(split)),
                    ("bought_products", len(union)),
                    ("product_orders", facts.product_orders),
                    ("repeat_product_orders", facts.repeat_product_orders),
                    ("sourced_buyers", facts.sourced_buyers),
                    ("public_buyers", facts.public_buyers),
                ):
                    out[name][row] = value
        return out, provided, history & provided

    return c.brands.memo("history.order_columns", compute)


@attrs.frozen
class BrandVideos:
    """A brand's short videos linked to its streams (``ShortVideo.for_stream_id``)."""

    #: Whether the brand links any video to a stream: without links, a stream's warm-up
    #: videos are unknown, not absent.
    linked: bool
    #: Per stream id, when its linked videos were posted (microseconds since the epoch).
    posted: Mapping[str, tuple[int, ...]]
    #: The first day the short videos cover when their coverage gives it (an ordinal).
    history_start: int | None


@brand_aggregate("history.videos")
def brand_videos(brand: Brand) -> BrandVideos:
    """The brand's warm-up videos by stream."""
    posted: dict[str, list[int]] = defaultdict(list)
    for video in brand.short_videos:
        if video.for_stream_id is not None:
            posted[video.for_stream_id].append(
                (video.posted_at - _EPOCH) // timedelta(microseconds=1)
            )
    start = _history_start(brand, Section.SHORT_VIDEOS, ())
    return BrandVideos(bool(posted), {k: tuple(v) for k, v in posted.items()}, start)


def preheat_days(c: StreamColumns) -> tuple[npt.NDArray[np.float64], BoolArray]:
    """Per row, on how many distinct days (in the stream's own UTC offset) videos linked to
    the stream were posted in the `PREHEAT_DAYS` days before it started; available
    where the brand provided short videos and links videos to streams, and the videos'
    declared coverage (when dated) starts early enough."""

    def compute() -> tuple[npt.NDArray[np.float64], BoolArray]:
        n = len(c)
        values = np.zeros(n, dtype=np.float64)
        known = np.zeros(n, dtype=np.bool_)
        provided = c.provided(Section.SHORT_VIDEOS)
        brand_ids = c.table.dictionary("brand_id")
        stream_ids = c.table.dictionary("stream_id")
        stream_codes = c("stream_id")
        started = c("started_at_us")
        offsets = c("started_at_offset_min").astype(np.int64) * _MINUTE_US
        days = stream_days(c.table)
        span = PREHEAT_DAYS * _DAY_US
        for code, rows in _by_brand(c):
            if not provided[rows[0]]:
                continue
            videos = c.brands.catalog.memo("history.videos", brand_ids[code], brand_videos)
            if not videos.linked:
                continue
            ok = np.ones(len(rows), dtype=np.bool_)
            if videos.history_start is not None:
                ok = days[rows] - videos.history_start >= PREHEAT_DAYS
            known[rows] = ok
            for row in _linked_rows(c, rows[ok], videos.posted):
                times = videos.posted[stream_ids[stream_codes[row]]]
                start, offset = int(started[row]), int(offsets[row])
                local = {(t + offset) // _DAY_US for t in times if start - span <= t < start}
                values[row] = len(local)
        return values, known

    return c.brands.memo("history.preheat_days", compute)
