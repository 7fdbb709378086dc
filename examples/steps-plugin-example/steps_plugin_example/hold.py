"""``live-hold``: does the stream hold the viewers it gets? A scorer over columns.

Every indicator is a function of a :class:`~steps.scoring.batch.StreamColumns` view: the
columns of a table of streams (``columns("uv")``) and where each value was recorded
(``columns("has_first_minutes_uv")``).  The same function scores a million streams read from
a JSON Lines file and one stream handed to ``score`` (a table of one row): there is no second,
per-stream copy of any formula.

Two components, equally weighted:

* ``holding`` (留人): average watch minutes per viewer, and the share of viewers who were there
  in the opening minutes;
* ``engagement`` (互动): interactions (comments, likes, shares) per viewer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from steps.scoring import Component, Indicator, LinearBenchmark, StreamSubject
from steps.scoring.batch import (
    ColumnStreamMethodology,
    Measured,
    StreamColumns,
    interaction_rate,
    ratio,
)

__all__ = ["COMPONENTS", "LiveHold"]


def _watch_minutes(columns: StreamColumns) -> Measured:
    return ratio(columns("watch_seconds") / 60, columns("uv"))


def _opening_share(columns: StreamColumns) -> Measured:
    # first_minutes_uv is optional: where it was not recorded, the share is not available.
    return ratio(columns("first_minutes_uv"), columns("uv"), columns("has_first_minutes_uv"))


WATCH_MINUTES: Indicator[StreamSubject] = Indicator(
    key="watch_minutes_per_viewer",
    name="Watch minutes per viewer",
    name_zh="人均观看时长",
    unit="min",
    columns=_watch_minutes,
    defaults={
        "*": LinearBenchmark(floor=0.5, target=3.0, source="assumption: 3 min"),
        "douyin": LinearBenchmark(floor=0.5, target=2.0, source="assumption: 2 min on Douyin"),
    },
    inputs=("watch_seconds", "uv"),
    formula="watch_seconds / 60 / uv",
    advice="Hold viewers: a reason to stay every few minutes (a draw, a price reveal).",
)
OPENING_SHARE: Indicator[StreamSubject] = Indicator(
    key="opening_share",
    name="Viewers in the opening minutes",
    name_zh="开播前段进入占比",
    unit="share",
    columns=_opening_share,
    defaults={"*": LinearBenchmark(floor=0.05, target=0.3, source="assumption: 30% early")},
    inputs=("first_minutes_uv", "uv"),
    formula="first_minutes_uv / uv",
    advice="Warm up before going live, so that viewers are waiting when the stream starts.",
)
INTERACTIONS: Indicator[StreamSubject] = Indicator(
    key="interactions_per_viewer",
    name="Interactions per viewer",
    name_zh="人均互动",
    unit="per viewer",
    columns=interaction_rate,
    defaults={"*": LinearBenchmark(floor=0.1, target=2.0, source="assumption: 2 a viewer")},
    inputs=("comments", "likes", "shares", "uv"),
    formula="(comments + likes + shares) / uv",
    advice="Ask questions the viewers can answer in the comments.",
)
COMPONENTS: tuple[Component[StreamSubject], ...] = (
    Component("holding", "Holding viewers", "留人", (WATCH_MINUTES, OPENING_SHARE)),
    Component("engagement", "Engagement", "互动", (INTERACTIONS,)),
)


class LiveHold(ColumnStreamMethodology):
    """The ``live-hold`` stream scorer: indicators over columns, scored a table at a time."""

    name: ClassVar[str] = "live-hold"
    version: ClassVar[str] = "0.1.0"
    title: ClassVar[str] = "Live hold"
    description: ClassVar[str] = (
        "How well a stream holds its viewers: watch time, early arrivals, interaction."
    )
    COMPONENTS: ClassVar[tuple[Component[StreamSubject], ...]] = COMPONENTS

    def table_notes(self, columns: StreamColumns) -> Mapping[str, Measured]:
        # Shown beside the score, as f"{value:.4f}" where available.
        return {"views_per_viewer": ratio(columns("views"), columns("uv"), columns("has_views"))}
