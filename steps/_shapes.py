"""The partial shapes of `steps.sample` (kept apart from its numpy code, so that the
command line lists them without importing it)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import attrs

from steps.domain.enums import Platform, Section

__all__ = ["SHAPES", "Shape"]


def _read_only(value: Mapping[str, frozenset[str]]) -> Mapping[str, frozenset[str]]:
    return MappingProxyType(dict(value))


@attrs.frozen
class Shape:
    """A partial dataset shaped like one back-office export: the sections it holds and,
    for the records it keeps, the optional fields its columns fill (the others stay unknown,
    ``None``).  ``platform`` makes every brand a brand of that platform."""

    name: str
    description: str
    sections: frozenset[Section]
    platform: Platform | None = None
    #: Optional fields kept, by record kind (``"brand"``, ``"account"``, ``"stream"``); a
    #: kind not listed keeps every field.
    fields: Mapping[str, frozenset[str]] = attrs.field(factory=dict, converter=_read_only)


_LIVE_EXPORT_COMMON: Final = frozenset(
    {
        "exposure",
        "views",
        "peak_concurrent",
        "comments",
        "likes",
        "new_followers",
        "fan_group_joins",
        "refund_fen",
        "paid_spend_fen",
        "reservations",
    }
)
# What a live-session list says of the brand and its accounts: names, not profiles.
_LIVE_EXPORT_OWNERS: Final = {
    "brand": frozenset({"window_start", "window_end"}),
    "account": frozenset(),
}

#: The named partial shapes.  Each live-session list holds the streams of the export's days
#: with the columns that export has (the import profiles ``kuaishou-live-sessions`` and
#: ``douyin-live-sessions`` read the same columns): no traffic split by source, run-of-show,
#: explained products, campaign label, first-minutes viewers, preheat videos, coupons,
#: giveaways or hosts; accounts without followers or opening date; no orders, products,
#: talents, fan groups, trust signals, short videos, paid campaigns or audience.
SHAPES: Final[Mapping[str, Shape]] = MappingProxyType(
    {
        "kuaishou-live-export": Shape(
            "kuaishou-live-export",
            "a Kuaishou live-session list (快手小店 直播明细)",
            frozenset({Section.STREAMS}),
            Platform.KUAISHOU,
            {**_LIVE_EXPORT_OWNERS, "stream": _LIVE_EXPORT_COMMON | {"shares"}},
        ),
        "douyin-live-export": Shape(
            "douyin-live-export",
            "a Douyin live-session list (抖店 直播列表)",
            frozenset({Section.STREAMS}),
            Platform.DOUYIN,
            {
                **_LIVE_EXPORT_OWNERS,
                "stream": _LIVE_EXPORT_COMMON
                | {"product_exposure_uv", "product_click_uv", "orders_created"},
            },
        ),
    }
)
