"""Calendar periods (weeks, months) and a brand restricted to one of them.

A `CalendarPeriod` is an inclusive date range: an ISO week (Monday to Sunday, labelled
``2021-W32``), a calendar month (``2021-08``) or any range (``2021-08-01..2021-08-15``).  A
record belongs to a period by its own date: a stream by the date of ``started_at`` and an
order by the date of ``placed_at``, each in its own UTC offset, a short video by
``posted_at``.

`restrict` gives the brand as it was within one period, for scoring a period on its
own: the streams, orders and short videos dated in it, and each talent collaboration's
counts spread evenly over its dates (a collaboration records totals over
``started_on..ended_on``, nothing per day, so an even spread is the only reading the data
allows; `collab_share`).  Accounts, products, fan groups and trust signals are
snapshots, kept as they are (trust signals observed after the period are left out).

`coverage` is the span the brand's data covers: its window, else the dates of its
streams.  A period is *complete* when it lies within that span.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, timedelta
from fractions import Fraction
from typing import Final, Literal, TypeAlias

import attrs

from steps.domain.model import Brand, Stream, TalentCollab

__all__ = [
    "KINDS",
    "CalendarPeriod",
    "Kind",
    "collab_share",
    "coverage",
    "in_period",
    "overlap",
    "period_of",
    "periods_between",
    "restrict",
    "talent_gmv_fen",
]

Kind: TypeAlias = Literal["week", "month", "range"]
#: The period kinds a trend or a plan can be cut by.
KINDS: Final = ("week", "month")


def _check_range(instance: CalendarPeriod, _attribute: object, end: date) -> None:
    if end < instance.start:
        raise ValueError(f"a period cannot end ({end}) before it starts ({instance.start})")


@attrs.frozen(order=True)
class CalendarPeriod:
    """An inclusive date range of a kind: ``week`` (ISO, Monday to Sunday), ``month`` or
    ``range`` (any)."""

    start: date
    end: date = attrs.field(validator=_check_range)
    kind: Kind = attrs.field(default="range", order=False)

    @property
    def label(self) -> str:
        """``2021-W32``, ``2021-08`` or ``2021-08-01..2021-08-15``."""
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def next(self) -> CalendarPeriod:
        """The period of the same kind right after this one (a range: the same length)."""
        if self.kind == "range":
            return CalendarPeriod(self.end + timedelta(1), self.end + timedelta(self.days))
        return period_of(self.end + timedelta(1), self.kind)

    def previous(self) -> CalendarPeriod:
        """The period of the same kind right before this one (a range: the same length)."""
        if self.kind == "range":
            return CalendarPeriod(self.start - timedelta(self.days), self.start - timedelta(1))
        return period_of(self.start - timedelta(1), self.kind)

    def year_ago(self) -> CalendarPeriod | None:
        """The same period a year earlier (同比): the same month, or the ISO week with the
        same number; ``None`` for week 53 of a year whose predecessor has 52, and for
        ranges (a range has no calendar twin)."""
        if self.kind == "month":
            return period_of(self.start.replace(year=self.start.year - 1), "month")
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            try:
                monday = date.fromisocalendar(year - 1, week, 1)
            except ValueError:
                return None
            return period_of(monday, "week")
        return None


def period_of(day: date, kind: Kind) -> CalendarPeriod:
    """The week or month that contains ``day``."""
    if kind == "week":
        monday = day - timedelta(days=day.weekday())
        return CalendarPeriod(monday, monday + timedelta(6), "week")
    if kind == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return CalendarPeriod(day.replace(day=1), day.replace(day=last), "month")
    raise ValueError(f"unknown period kind {kind!r} (known: {', '.join(KINDS)})")


def periods_between(start: date, end: date, kind: Kind) -> tuple[CalendarPeriod, ...]:
    """Every week or month that overlaps ``start..end``, in order."""
    if end < start:
        return ()
    out = [period_of(start, kind)]
    while out[-1].end < end:
        out.append(out[-1].next())
    return tuple(out)


def overlap(a: tuple[date, date], b: tuple[date, date]) -> tuple[date, date] | None:
    """The days two inclusive ranges share, or ``None``."""
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return (start, end) if start <= end else None


def coverage(brand: Brand) -> tuple[date, date] | None:
    """The span of dates the brand's data covers: ``window_start..window_end``, each end
    falling back to the first or last stream date; ``None`` without a window or streams."""
    days = sorted(s.started_at.date() for s in brand.streams)
    start = brand.window_start or (days[0] if days else None)
    end = brand.window_end or (days[-1] if days else None)
    if start is None or end is None or end < start:
        return None
    return start, end


def in_period(stream: Stream, period: CalendarPeriod | tuple[date, date]) -> bool:
    """Whether the stream started within the period (its own date)."""
    start, end = (period.start, period.end) if isinstance(period, CalendarPeriod) else period
    return start <= stream.started_at.date() <= end


def collab_share(collab: TalentCollab, period: CalendarPeriod) -> Fraction:
    """The share of a collaboration's days (``started_on..ended_on``) that fall in the
    period: the part of its results the period is credited with."""
    shared = overlap((collab.started_on, collab.ended_on), (period.start, period.end))
    if shared is None:
        return Fraction(0)
    days = (collab.ended_on - collab.started_on).days + 1
    return Fraction((shared[1] - shared[0]).days + 1, days)


def _scaled(value: int, share: Fraction) -> int:
    return round(value * share)


def talent_gmv_fen(collabs: Iterable[TalentCollab], period: CalendarPeriod) -> int:
    """Talent GMV credited to the period: each collaboration's GMV times its
    `collab_share`, rounded to the fen per collaboration."""
    return sum(_scaled(c.gmv_fen, collab_share(c, period)) for c in collabs)


def _restricted_collab(collab: TalentCollab, period: CalendarPeriod) -> TalentCollab | None:
    share = collab_share(collab, period)
    if share == 0:
        return None
    if share == 1:
        return collab
    orders = _scaled(collab.orders, share)
    if orders == 0:  # a sliver too small to hold a whole order
        return None
    gmv = _scaled(collab.gmv_fen, share)
    shared = overlap((collab.started_on, collab.ended_on), (period.start, period.end))
    assert shared is not None  # noqa: S101  # share > 0
    return attrs.evolve(
        collab,
        started_on=shared[0],
        ended_on=shared[1],
        streams=_scaled(collab.streams, share),
        gmv_fen=gmv,
        commission_fen=min(_scaled(collab.commission_fen, share), gmv),
        orders=orders,
        buyers=min(_scaled(collab.buyers, share), orders),
        audience_reached=None
        if collab.audience_reached is None
        else _scaled(collab.audience_reached, share),
        new_followers_for_brand=None
        if collab.new_followers_for_brand is None
        else _scaled(collab.new_followers_for_brand, share),
    )


def restrict(brand: Brand, period: CalendarPeriod) -> Brand:
    """The brand within ``period``: its window set to the period; streams, orders and short
    videos dated in it (a stream's orders with their stream), paid campaigns of its streams
    or days; talent collaborations cut to the period with their counts spread
    evenly over their days (rounded; a sliver too small to hold an order is dropped);
    trust signals observed after the period left out; accounts and products as they are."""
    streams = tuple(s for s in brand.streams if in_period(s, period))
    kept = {s.stream_id for s in streams}
    collabs = tuple(
        c for c in (_restricted_collab(c, period) for c in brand.talent_collabs) if c is not None
    )
    collab_ids = {c.collab_id for c in collabs}
    # A stream's orders go with it, those placed after midnight included.
    orders = tuple(
        o
        for o in brand.orders
        if (o.stream_id in kept if o.stream_id is not None else period.contains(o.placed_at.date()))
        and (o.collab_id is None or o.collab_id in collab_ids)
    )
    campaigns = tuple(
        c
        for c in brand.paid_campaigns
        if (
            c.stream_id in kept
            if c.stream_id is not None
            else overlap((c.started_on, c.ended_on), (period.start, period.end)) is not None
        )
    )
    return attrs.evolve(
        brand,
        window_start=period.start,
        window_end=period.end,
        streams=streams,
        talent_collabs=collabs,
        orders=orders,
        paid_campaigns=campaigns,
        short_videos=tuple(v for v in brand.short_videos if period.contains(v.posted_at.date())),
        trust_signals=tuple(
            t for t in brand.trust_signals if t.observed_on is None or t.observed_on <= period.end
        ),
    )
