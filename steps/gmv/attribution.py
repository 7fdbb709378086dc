"""What drove a GMV change: exact attribution by factor, and by segment and factor at once.

`attribute` compares two periods (or any two sets of streams) through an
`Identity`:

* **by factor**: the identity's factors are computed on the sums of each period and the
  change ``ΔGMV = GMV1 − GMV0`` is split among them with the additive LMDI-I
  (``method="lmdi"``), the multiplicative LMDI-I (``"multiplicative"``: the indices
  ``D_i`` with ``Π D_i = GMV1 / GMV0``, plus their additive equivalents) or the exact
  Shapley value (``"shapley"``).  The contributions sum to ΔGMV (floats within rounding,
  and `FactorChange.contribution_fen` in whole fen that sum to ΔGMV exactly);
* **by segment and factor** (``by=``): ``GMV = Σ_k Π_i x_ik`` over segments ``k``, giving a
  segment × factor matrix whose rows sum to each segment's change, whose columns sum to
  each factor's segment-level effect, and whose total is ΔGMV.

Segments (``by``):

``"account"``, ``"stream"`` or a function ``stream → label``
    the streams grouped by the label, each group through the identity on its own sums.
``"product"``
    one row per product (`StreamProduct`), whose own orders and
    GMV replace the streams' totals while every other column (UV, watch time, buyers,
    funnel) is carried from all the period's streams; GMV not itemised per product forms
    the row `NOT_ITEMISED`, which carries the total orders.  The rows add up to GMV.
``"traffic_source"``
    only for identities whose first factor is UV (``traditional``, ``kuaishou``): UV is
    split by source (``uv_by_source``; UV no source claims is `UNATTRIBUTED`) and the
    other factors are the period's aggregate values, so source ``s`` contributes
    ``UV_s × x_2 × … × x_n = GMV × UV_s / UV``.
``"talent"``
    talent collaborations (pass `TalentCollab` objects for both
    periods), one row per ``talent_id``, with ``uv = audience_reached``.  Talents record no
    watch time, exposure or funnel, so only identities reading ``uv``, ``buyers``,
    ``orders``, ``gmv_fen`` and ``streams`` apply (``traditional`` among the built-ins).

Segments present in one period only are zero rows in the other period, and follow the
zero convention of `steps.gmv.decompose`: the factors that are zero share the
segment's whole GMV (entry) or its loss (exit).  For product and traffic-source rows only
the segment's own columns are zero, so entry falls on the factors that read them.  The
factor table of `Attribution` is always the unsegmented attribution; the matrix's
column totals differ from it by the mix between segments.

`uv_by_source_change` compares UV by traffic source, and
`UVBySourceChange.sentence` says it in words: "private-domain viewers fell 12.0%".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, Literal, TypeAlias

import attrs
import numpy as np
import numpy.typing as npt

from steps.domain.enums import TrafficSource
from steps.domain.model import ShortVideo, Stream, TalentCollab
from steps.gmv.decompose import (
    AttributionError,
    allocate_exact,
    lmdi_additive,
    lmdi_additive_segments,
    lmdi_multiplicative,
    lmdi_multiplicative_segments,
    shapley,
    shapley_segments,
)
from steps.gmv.identities import Identity, IdentityError, StreamTotals

__all__ = [
    "DIMENSIONS",
    "METHODS",
    "NOT_ITEMISED",
    "SOURCES",
    "UNATTRIBUTED",
    "Attribution",
    "FactorChange",
    "SegmentChange",
    "SegmentMatrix",
    "SourceChange",
    "UVBySourceChange",
    "attribute",
    "format_yuan",
    "uv_by_source",
    "uv_by_source_change",
]

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
Method: TypeAlias = Literal["lmdi", "shapley", "multiplicative"]
Inputs: TypeAlias = Iterable[Stream] | Iterable[TalentCollab] | StreamTotals
By: TypeAlias = str | Callable[[Any], str] | None

METHODS: Final = ("lmdi", "shapley", "multiplicative")
DIMENSIONS: Final = ("account", "traffic_source", "talent", "product", "stream")
#: The segment of UV that no traffic source claims (``uv − Σ uv_by_source``).
UNATTRIBUTED: Final = "unattributed"
#: The product segment of GMV that the streams' ``products`` do not itemise.
NOT_ITEMISED: Final = "(not itemised)"
#: Traffic sources in display order, then `UNATTRIBUTED`: key → (English, Chinese).
SOURCES: Final[Mapping[str, tuple[str, str]]] = {
    TrafficSource.PRIVATE.value: ("private-domain viewers", "私域"),
    TrafficSource.PUBLIC_NATURAL.value: ("public natural viewers", "公域自然流量"),
    TrafficSource.SHORT_VIDEO.value: ("short-video viewers", "短视频引流"),
    TrafficSource.PAID.value: ("paid viewers", "商业化投放"),
    TrafficSource.TALENT.value: ("talent-referred viewers", "达人引流"),
    UNATTRIBUTED: ("unattributed viewers", "未归因"),
}
_ALLOCATION_SLACK: Final = 1e-6


# ------------------------------------------------------------------------------ results


@attrs.frozen
class FactorChange:
    """One factor of the identity across the two periods and its share of ΔGMV.

    Money is in fen: ``contribution`` (float) and ``contribution_fen`` (whole fen; the
    factors' ``contribution_fen`` sum to ΔGMV exactly).  ``index`` is the multiplicative
    LMDI index ``D_i`` (``method="multiplicative"`` only).
    """

    key: str
    name: str
    name_zh: str
    unit: str
    formula: str
    before: float
    after: float
    contribution: float
    contribution_fen: int
    #: ``contribution / ΔGMV``; ``None`` when GMV did not change.
    share: float | None
    index: float | None = None

    @property
    def change(self) -> float | None:
        """Relative change ``after / before − 1``; ``None`` when ``before`` is 0."""
        return self.after / self.before - 1.0 if self.before else None


@attrs.frozen
class SegmentChange:
    """One segment's change and its split among the factors (money in fen)."""

    label: str
    factor_keys: tuple[str, ...]
    gmv_before: float
    gmv_after: float
    delta_fen: int
    contributions: tuple[float, ...]
    contributions_fen: tuple[int, ...]
    #: This segment's change as a share of ΔGMV; ``None`` when GMV did not change.
    share: float | None

    @property
    def delta(self) -> float:
        return math.fsum(self.contributions)

    @property
    def driver(self) -> str | None:
        """The factor with the largest absolute contribution (``None`` if none moved)."""
        sizes = [abs(c) for c in self.contributions]
        if not any(sizes):
            return None
        return self.factor_keys[sizes.index(max(sizes))]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "gmv_before_fen": self.gmv_before,
            "gmv_after_fen": self.gmv_after,
            "delta_fen": self.delta_fen,
            "share": self.share,
            "driver": self.driver,
            "contributions_fen": dict(zip(self.factor_keys, self.contributions_fen, strict=True)),
        }


@attrs.frozen(eq=False)
class SegmentMatrix:
    """The segment × factor matrix of contributions (fen).

    ``contributions[k, i]``: factor ``i`` in segment ``k``.  Rows sum to each segment's
    change, columns to `column_totals`, everything to ΔGMV;
    ``contributions_fen`` is the same in whole fen with exact row sums and exact total.
    ``gmv_before``/``gmv_after`` are each segment's GMV (whole fen except for traffic
    sources, whose GMV is a UV share).  ``indices`` are the multiplicative indices of the
    segmented identity (``method="multiplicative"`` only).
    """

    dimension: str
    labels: tuple[str, ...]
    factor_keys: tuple[str, ...]
    values_before: FloatArray
    values_after: FloatArray
    gmv_before: FloatArray
    gmv_after: FloatArray
    contributions: FloatArray
    #: ``int64``; Python ints (``object``) if a cell exceeds 64-bit sums (extreme Shapley).
    contributions_fen: npt.NDArray[Any]
    total_delta_fen: int
    indices: FloatArray | None = None

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def delta_fen(self) -> npt.NDArray[Any]:
        """Each segment's change in whole fen (row sums of ``contributions_fen``)."""
        out: npt.NDArray[Any] = self.contributions_fen.sum(axis=1)
        return out

    @property
    def column_totals(self) -> FloatArray:
        """Each factor's effect summed over segments (column sums), fen."""
        out: FloatArray = self.contributions.sum(axis=0)
        return out

    @property
    def column_totals_fen(self) -> npt.NDArray[Any]:
        out: npt.NDArray[Any] = self.contributions_fen.sum(axis=0)
        return out

    def segment(self, k: int) -> SegmentChange:
        delta = int(self.delta_fen[k])
        return SegmentChange(
            label=self.labels[k],
            factor_keys=self.factor_keys,
            gmv_before=float(self.gmv_before[k]),
            gmv_after=float(self.gmv_after[k]),
            delta_fen=delta,
            contributions=tuple(float(c) for c in self.contributions[k]),
            contributions_fen=tuple(int(c) for c in self.contributions_fen[k]),
            share=delta / self.total_delta_fen if self.total_delta_fen else None,
        )

    def top(self, n: int = 10) -> tuple[SegmentChange, ...]:
        """The ``n`` segments with the largest absolute change in whole fen (ties: by
        label)."""
        if n <= 0 or not self.labels:
            return ()
        exact = self.delta_fen  # whole fen: equal changes tie exactly
        size = np.abs(exact.astype(np.float64))
        if n < len(size):
            # preselect on floats (monotone in the exact values), then order the few
            # exactly: size descending, label ascending
            cut = np.partition(size, len(size) - n)[len(size) - n]
            candidates = np.flatnonzero(size >= cut)
        else:
            candidates = np.arange(len(size))
        ranked = sorted(candidates.tolist(), key=lambda k: (-abs(int(exact[k])), self.labels[k]))
        return tuple(self.segment(k) for k in ranked[:n])


@attrs.frozen(eq=False)
class Attribution:
    """The attribution of ``ΔGMV = gmv_after_fen − gmv_before_fen`` (fen) to the factors
    of ``identity`` and, with ``by=``, to segments × factors."""

    identity: Identity
    method: str
    gmv_before_fen: int
    gmv_after_fen: int
    factors: tuple[FactorChange, ...]
    segments: SegmentMatrix | None = None

    @property
    def delta_fen(self) -> int:
        return self.gmv_after_fen - self.gmv_before_fen

    @property
    def change(self) -> float | None:
        """Relative change of GMV; ``None`` when the earlier GMV is 0."""
        if not self.gmv_before_fen:
            return None
        return self.delta_fen / self.gmv_before_fen

    def top_segments(self, n: int = 10) -> tuple[SegmentChange, ...]:
        """The ``n`` segments with the largest absolute change; empty without ``by=``."""
        return self.segments.top(n) if self.segments is not None else ()

    def driver(self) -> FactorChange | None:
        """The factor with the largest absolute contribution, up or down (``None`` if
        nothing moved); `largest_driver` and `largest_drag` tell them apart."""
        if not any(f.contribution for f in self.factors):
            return None
        return max(self.factors, key=lambda f: abs(f.contribution))

    def largest_driver(self) -> FactorChange | None:
        """The factor that added most to GMV (the largest positive contribution), ``None``
        when no factor added anything."""
        up = [f for f in self.factors if f.contribution > 0]
        return max(up, key=lambda f: f.contribution) if up else None

    def largest_drag(self) -> FactorChange | None:
        """The factor that took most off GMV (the most negative contribution), ``None``
        when no factor took anything off.  Never called the largest contribution."""
        down = [f for f in self.factors if f.contribution < 0]
        return min(down, key=lambda f: f.contribution) if down else None

    def summary(self, lang: str = "en") -> str:
        """One sentence in ``lang`` (``"en"`` or ``"zh"``): how GMV moved, its largest
        positive driver and its largest drag, named apart."""
        from steps.gmv.text import summary

        return summary(self, lang)

    def to_dict(self, *, top: int | None = 10, lang: str = "en") -> dict[str, Any]:
        """A JSON-ready dict (money in fen); ``top`` segments (all with ``None``); the
        summary in ``lang``."""
        driver, drag = self.largest_driver(), self.largest_drag()
        out: dict[str, Any] = {
            "identity": {
                "key": self.identity.key,
                "name": self.identity.name,
                "name_zh": self.identity.name_zh,
                "formula": self.identity.formula(),
            },
            "method": self.method,
            "gmv_before_fen": self.gmv_before_fen,
            "gmv_after_fen": self.gmv_after_fen,
            "delta_fen": self.delta_fen,
            "change": self.change,
            "summary": self.summary(lang),
            "largest_driver": driver.key if driver is not None else None,
            "largest_drag": drag.key if drag is not None else None,
            "factors": [
                {
                    "key": f.key,
                    "name": f.name,
                    "name_zh": f.name_zh,
                    "unit": f.unit,
                    "formula": f.formula,
                    "before": f.before,
                    "after": f.after,
                    "change": f.change,
                    "contribution_fen": f.contribution_fen,
                    "contribution": f.contribution,
                    "share": f.share,
                    "index": f.index,
                }
                for f in self.factors
            ],
            "segments": None,
        }
        matrix = self.segments
        if matrix is not None:
            count = len(matrix) if top is None else top
            out["segments"] = {
                "dimension": matrix.dimension,
                "count": len(matrix),
                "column_totals_fen": dict(
                    zip(matrix.factor_keys, matrix.column_totals_fen.tolist(), strict=True)
                ),
                "indices": (
                    dict(zip(matrix.factor_keys, matrix.indices.tolist(), strict=True))
                    if matrix.indices is not None
                    else None
                ),
                "top": [s.to_dict() for s in matrix.top(count)],
            }
        return out


# ------------------------------------------------------------------------------ inputs


@attrs.frozen
class _Side:
    kind: str  # "streams", "collabs", "totals" or "empty"
    streams: tuple[Stream, ...] = ()
    collabs: tuple[TalentCollab, ...] = ()
    totals: StreamTotals | None = None
    #: The period's short videos, when given (``None``: not given).
    videos: tuple[ShortVideo, ...] | None = None


def _side(items: Inputs, which: str) -> _Side:
    if isinstance(items, StreamTotals):
        return _Side("totals", totals=items)
    materialised: tuple[object, ...] = tuple(items)
    if not materialised:
        return _Side("empty")
    if all(isinstance(x, Stream) for x in materialised):
        return _Side("streams", streams=materialised)  # type: ignore[arg-type]
    if all(isinstance(x, TalentCollab) for x in materialised):
        return _Side("collabs", collabs=materialised)  # type: ignore[arg-type]
    kinds = sorted({type(x).__name__ for x in materialised})
    raise TypeError(
        f"{which}: expected only Stream or only TalentCollab objects, got {', '.join(kinds)}"
    )


def _kind(side0: _Side, side1: _Side, by: By) -> str:
    kinds = {side0.kind, side1.kind} - {"empty"}
    if len(kinds) > 1:
        raise TypeError(
            f"the two periods hold different kinds of input ({' and '.join(sorted(kinds))})"
        )
    if kinds:
        return kinds.pop()
    return "collabs" if by == "talent" else "streams"


def _aggregate(side: _Side, kind: str) -> StreamTotals:
    if kind == "totals":
        assert side.totals is not None  # noqa: S101  # _kind checked both sides
        return side.totals.total()
    if kind == "collabs":
        return StreamTotals.from_collabs(side.collabs)
    return StreamTotals.from_streams(side.streams, short_videos=side.videos)


# ------------------------------------------------------------------------------ attribute


def attribute(
    identity: Identity,
    before: Inputs,
    after: Inputs,
    *,
    method: Method = "lmdi",
    by: By = None,
    buyers: tuple[int, int] | None = None,
    short_videos: tuple[Iterable[ShortVideo], Iterable[ShortVideo]] | None = None,
) -> Attribution:
    """Attribute the GMV change from ``before`` to ``after`` to the factors of ``identity``.

    Args:
        identity: e.g. `steps.gmv.identities.KUAISHOU`.
        before: the base period: streams, talent collaborations, or a
            `StreamTotals` (possibly one row per segment,
            from `StreamTotals.from_columns` for large data held as arrays).
        after: the comparison period, of the same kind.
        method: ``"lmdi"`` (additive LMDI-I), ``"multiplicative"`` (LMDI-I indices, with
            the additive contributions alongside) or ``"shapley"``.
        by: a dimension of `DIMENSIONS` or a function of a stream (or talent
            collaboration) returning its segment label.  Segmented ``StreamTotals`` are
            attributed by their rows, with ``by=None``.
        buyers: the buyers of each period counted once over the period (distinct buyers,
            `steps.gmv.scope.buyer_basis`), replacing the streams' summed buyers in
            the factor table; segments keep their own summed buyers.
        short_videos: the short videos posted in each period, for identities that read
            their views (``video_views``, e.g. ``kuaishou-content-views``).  Segments by
            account take each video's account; by stream or a function, the column is
            unavailable (a video belongs to an account, not to a stream).

    Raises:
        IdentityError: an input the identity needs is missing (the message names the
            streams that lack it), or the factors do not multiply back to GMV.
        AttributionError: negative values, or a zero GMV total with
            ``method="multiplicative"`` (from `steps.gmv.decompose`).
        ValueError: an unknown method or dimension, or a dimension that does not fit the
            input or the identity.
        TypeError: inputs that are not streams, collaborations or totals.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r} (known: {', '.join(METHODS)})")
    if isinstance(by, str) and by not in DIMENSIONS:
        raise ValueError(f"unknown dimension {by!r} (known: {', '.join(DIMENSIONS)})")
    side0, side1 = _side(before, "before"), _side(after, "after")
    if short_videos is not None:
        side0 = attrs.evolve(side0, videos=tuple(short_videos[0]))
        side1 = attrs.evolve(side1, videos=tuple(short_videos[1]))
    kind = _kind(side0, side1, by)
    _check_dimension(identity, kind, by)
    agg0, agg1 = _aggregate(side0, kind), _aggregate(side1, kind)
    if buyers is not None:
        agg0 = agg0.with_columns(agg0.labels, buyers=[buyers[0]])
        agg1 = agg1.with_columns(agg1.labels, buyers=[buyers[1]])
    x0 = identity.factor_values(agg0)[0]
    x1 = identity.factor_values(agg1)[0]
    gmv0, gmv1 = int(agg0.gmv_fen_exact[0]), int(agg1.gmv_fen_exact[0])
    delta = gmv1 - gmv0
    names = identity.factor_keys
    contributions = np.asarray(
        shapley(x0, x1, factor_names=names)
        if method == "shapley"
        else lmdi_additive(x0, x1, factor_names=names)
    )
    indices = (
        lmdi_multiplicative(x0, x1, factor_names=names) if method == "multiplicative" else None
    )
    fen = _allocate(contributions, delta)
    factors = tuple(
        FactorChange(
            key=f.key,
            name=f.name,
            name_zh=f.name_zh,
            unit=f.unit,
            formula=f.formula,
            before=float(x0[i]),
            after=float(x1[i]),
            contribution=float(contributions[i]),
            contribution_fen=fen[i],
            share=float(contributions[i]) / delta if delta else None,
            index=indices[i] if indices is not None else None,
        )
        for i, f in enumerate(identity.factors)
    )
    segments = _segments(
        identity, method=method, kind=kind, sides=(side0, side1), aggregates=(agg0, agg1),
        by=by, delta=delta,
    )  # fmt: skip
    return Attribution(identity, method, gmv0, gmv1, factors, segments)


def _check_dimension(identity: Identity, kind: str, by: By) -> None:
    if by is None:
        return
    if kind == "totals":
        raise ValueError(
            "StreamTotals are attributed by their own rows; build them per segment "
            "(StreamTotals.from_columns(..., segments=...)) and pass by=None"
        )
    if kind == "collabs" and isinstance(by, str) and by != "talent":
        raise ValueError(
            f"talent collaborations can be segmented by 'talent' or by a function, not {by!r}"
        )
    if kind == "streams" and by == "talent":
        raise ValueError(
            "by='talent' segments talent collaborations: pass TalentCollab objects "
            "(brand.talent_collabs) for both periods"
        )
    if by == "traffic_source" and not identity.uv_first:
        raise ValueError(
            f"by='traffic_source' splits UV by source and carries the other factors, so it "
            f"needs an identity whose first factor is UV; {identity.key!r} starts with "
            f"{identity.factors[0].key!r}"
        )


def _segments(
    identity: Identity,
    *,
    method: str,
    kind: str,
    sides: tuple[_Side, _Side],
    aggregates: tuple[StreamTotals, StreamTotals],
    by: By,
    delta: int,
) -> SegmentMatrix | None:
    side0, side1 = sides
    agg0, agg1 = aggregates
    dimension = by if isinstance(by, str) else "segment"
    if kind == "totals":
        assert side0.totals is not None  # noqa: S101  # _kind checked both sides
        assert side1.totals is not None  # noqa: S101
        if len(side0.totals) == 1 and len(side1.totals) == 1:
            return None
        t0, t1 = _aligned(side0.totals, side1.totals)
        return _matrix(identity, method=method, dimension=dimension, tables=(t0, t1), delta=delta)
    if by is None:
        return None
    if by == "traffic_source":
        return _traffic_source_matrix(
            identity, method=method, sides=(side0, side1), aggregates=(agg0, agg1), delta=delta
        )
    if by == "product":
        t0, t1 = _product_tables(side0.streams, side1.streams, agg0, agg1)
        return _matrix(identity, method=method, dimension=dimension, tables=(t0, t1), delta=delta)
    if kind == "collabs":
        key: Callable[[Any], str] = (
            (lambda c: c.talent_id) if by == "talent" else by  # type: ignore[assignment]
        )
        t0 = StreamTotals.from_collabs(side0.collabs, by=key)
        t1 = StreamTotals.from_collabs(side1.collabs, by=key)
    else:
        video_key: Callable[[ShortVideo], str] | None = None
        if by == "account":
            key = _account_id
            video_key = _video_account_id
        elif by == "stream":
            key = _stream_id
        else:
            assert callable(by)  # noqa: S101  # strings were all handled above
            key = by
        t0, t1 = (
            StreamTotals.from_streams(
                side.streams, by=key, short_videos=side.videos, video_by=video_key
            )
            for side in (side0, side1)
        )
    t0, t1 = _aligned(t0, t1)
    return _matrix(identity, method=method, dimension=dimension, tables=(t0, t1), delta=delta)


def _account_id(stream: Stream) -> str:
    return stream.account_id


def _stream_id(stream: Stream) -> str:
    return stream.stream_id


def _video_account_id(video: ShortVideo) -> str:
    return video.account_id


def _aligned(t0: StreamTotals, t1: StreamTotals) -> tuple[StreamTotals, StreamTotals]:
    if t0.labels == t1.labels:
        return t0, t1
    labels = sorted(set(t0.labels) | set(t1.labels))
    return t0.reindex(labels), t1.reindex(labels)


def _product_tables(
    streams0: Sequence[Stream],
    streams1: Sequence[Stream],
    agg0: StreamTotals,
    agg1: StreamTotals,
) -> tuple[StreamTotals, StreamTotals]:
    sums: list[dict[str, list[int]]] = []
    for streams in (streams0, streams1):
        per: dict[str, list[int]] = {}
        for stream in streams:
            for item in stream.products:
                entry = per.setdefault(item.product_id, [0, 0])
                entry[0] += item.orders
                entry[1] += item.gmv_fen
        sums.append(per)
    products = sorted(set(sums[0]) | set(sums[1]))
    labels = [*products, NOT_ITEMISED]
    tables = []
    for per, agg in zip(sums, (agg0, agg1), strict=True):
        orders = [per.get(p, [0, 0])[0] for p in products]
        gmv = [per.get(p, [0, 0])[1] for p in products]
        rest = int(agg.gmv_fen_exact[0]) - sum(gmv)
        tables.append(
            agg.with_columns(
                labels,
                orders=[*orders, float(agg.columns["orders"][0])],
                gmv_fen=[*gmv, rest],
            )
        )
    return tables[0], tables[1]


def _traffic_source_matrix(
    identity: Identity,
    *,
    method: str,
    sides: tuple[_Side, _Side],
    aggregates: tuple[StreamTotals, StreamTotals],
    delta: int,
) -> SegmentMatrix:
    side0, side1 = sides
    agg0, agg1 = aggregates
    uv0, uv1 = uv_by_source(side0.streams), uv_by_source(side1.streams)
    labels = [s for s in SOURCES if uv0[s] or uv1[s]]
    x0 = identity.factor_values(agg0)[0]
    x1 = identity.factor_values(agg1)[0]
    values = []
    for x, uv in ((x0, uv0), (x1, uv1)):
        rows = np.tile(x, (len(labels), 1))
        rows[:, 0] = [uv[s] for s in labels]
        values.append(rows)
    gmv0 = _row_products(values[0])
    gmv1 = _row_products(values[1])
    row_totals = np.asarray(_allocate(gmv1 - gmv0, delta), dtype=np.int64)
    return _decomposed(
        identity,
        method=method,
        dimension="traffic_source",
        labels=tuple(labels),
        values=(values[0], values[1]),
        gmv=(gmv0, gmv1),
        row_totals=row_totals,
        delta=delta,
    )


def _row_products(x: FloatArray) -> FloatArray:
    out = x[:, 0].copy()
    for i in range(1, x.shape[1]):
        out *= x[:, i]
    return out


def _matrix(
    identity: Identity,
    *,
    method: str,
    dimension: str,
    tables: tuple[StreamTotals, StreamTotals],
    delta: int,
) -> SegmentMatrix:
    t0, t1 = tables
    x0 = identity.factor_values(t0)
    x1 = identity.factor_values(t1)
    row_totals = t1.gmv_fen_exact - t0.gmv_fen_exact
    if int(row_totals.sum()) != delta:  # pragma: no cover  # rows always add up to the total
        raise IdentityError(f"segments add up to {int(row_totals.sum())} fen, not {delta}")
    return _decomposed(
        identity,
        method=method,
        dimension=dimension,
        labels=t0.labels,
        values=(x0, x1),
        gmv=(t0.gmv_fen_exact.astype(np.float64), t1.gmv_fen_exact.astype(np.float64)),
        row_totals=row_totals,
        delta=delta,
    )


def _decomposed(
    identity: Identity,
    *,
    method: str,
    dimension: str,
    labels: tuple[str, ...],
    values: tuple[FloatArray, FloatArray],
    gmv: tuple[FloatArray, FloatArray],
    row_totals: IntArray,
    delta: int,
) -> SegmentMatrix:
    x0, x1 = values
    gmv0, gmv1 = gmv
    names = identity.factor_keys
    if method == "shapley":
        matrix = shapley_segments(x0, x1, factor_names=names)
    else:
        matrix = lmdi_additive_segments(x0, x1, factor_names=names)
    indices = (
        lmdi_multiplicative_segments(x0, x1, factor_names=names)
        if method == "multiplicative"
        else None
    )
    return SegmentMatrix(
        dimension=dimension,
        labels=labels,
        factor_keys=names,
        values_before=x0,
        values_after=x1,
        gmv_before=gmv0,
        gmv_after=gmv1,
        contributions=matrix,
        contributions_fen=_allocate_rows(matrix, row_totals),
        total_delta_fen=delta,
        indices=indices,
    )


# ------------------------------------------------------------------------------ whole fen


def _allocate(contributions: npt.ArrayLike, total: int) -> list[int]:
    """Whole-fen contributions summing to ``total`` exactly: `allocate_exact`, and
    for amounts so large that float rounding exceeds a fen, round and then spread the
    remaining fen in proportion to the contributions' sizes."""
    c = np.asarray(contributions, dtype=np.float64)
    try:
        return allocate_exact(c, total)
    except AttributionError:
        pass
    size = float(np.abs(c).sum())
    gap = total - math.fsum(c.tolist())
    if not abs(gap) <= _ALLOCATION_SLACK * size + 1.0:
        raise AttributionError(
            f"contributions sum to {math.fsum(c.tolist())!r} fen, not {total}: too far apart"
        )
    ints = [round(v) for v in c.tolist()]
    rest = total - sum(ints)
    if rest:
        weights = np.abs(c) / size if size else np.full(len(c), 1.0 / len(c))
        for i, extra in enumerate(allocate_exact(weights * rest, rest)):
            ints[i] += extra
    return ints


def _allocate_rows(matrix: FloatArray, totals: IntArray) -> npt.NDArray[Any]:
    """`allocate_exact` of every row (largest remainder, ties to the lower index),
    vectorised; rows it cannot take go through `_allocate`.  ``int64``, or Python
    ints (``object``) if a cell is too large for 64-bit sums (Shapley on extreme data)."""
    k, n = matrix.shape
    limit = float(2**62 // max(n, 1))
    huge: npt.NDArray[np.bool_] = np.asarray(~np.all(np.abs(matrix) < limit, axis=1))
    safe = np.where(huge[:, None], 0.0, matrix)
    floors = np.floor(safe)
    ints: npt.NDArray[Any] = floors.astype(np.int64)
    missing = totals - ints.sum(axis=1)
    fits = (missing >= 0) & (missing <= n) & ~huge
    order = np.argsort(-(safe - floors), axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(n), (k, n)), axis=1)
    ints += (rank < missing[:, None]) & fits[:, None]
    if huge.any():
        ints = ints.astype(object)
    for row in np.flatnonzero(~fits).tolist():
        ints[row] = _allocate(matrix[row], int(totals[row]))
    return ints


# ------------------------------------------------------------------------------ UV by source


def uv_by_source(streams: Iterable[Stream]) -> dict[str, int]:
    """UV summed over ``streams`` per traffic source, in `SOURCES` order; UV that no
    source claims (including streams without a split) is `UNATTRIBUTED`."""
    totals = dict.fromkeys(SOURCES, 0)
    for stream in streams:
        claimed = 0
        for source, uv in stream.uv_by_source.items():
            totals[TrafficSource(source).value] += uv
            claimed += uv
        totals[UNATTRIBUTED] += stream.uv - claimed
    return totals


@attrs.frozen
class SourceChange:
    """UV from one traffic source in both periods."""

    source: str
    name: str
    name_zh: str
    uv_before: int
    uv_after: int
    share_before: float | None
    share_after: float | None

    @property
    def delta(self) -> int:
        return self.uv_after - self.uv_before

    @property
    def change(self) -> float | None:
        """Relative change; ``None`` when the source had no viewers before."""
        return self.delta / self.uv_before if self.uv_before else None

    def phrase(self) -> str:
        """``"paid viewers rose 30.0% (200 → 260)"``."""
        b, a = f"{self.uv_before:,}", f"{self.uv_after:,}"
        if self.delta == 0:
            return f"{self.name} were unchanged ({a})"
        if self.uv_before == 0:
            return f"{self.name} appeared (0 → {a})"
        if self.uv_after == 0:
            return f"{self.name} vanished ({b} → 0)"
        verb = "rose" if self.delta > 0 else "fell"
        return f"{self.name} {verb} {abs(self.delta) / self.uv_before:.1%} ({b} → {a})"


@attrs.frozen
class UVBySourceChange:
    """UV by traffic source in two periods (sources with viewers in either period)."""

    uv_before: int
    uv_after: int
    sources: tuple[SourceChange, ...]

    @property
    def change(self) -> float | None:
        delta = self.uv_after - self.uv_before
        return delta / self.uv_before if self.uv_before else None

    def sentence(self, lang: str = "en") -> str:
        """The change in words, largest moves first: "Viewers rose 20.0% (1,000 →
        1,200): paid viewers rose 30.0% (200 → 260), private-domain viewers fell 12.0%
        (500 → 440)."; in Chinese with ``lang="zh"``."""
        if lang != "en":
            from steps.gmv.text import uv_sentence

            return uv_sentence(self, lang)
        if not self.uv_before and not self.uv_after:
            return "No viewers in either period."
        b, a = f"{self.uv_before:,}", f"{self.uv_after:,}"
        delta = self.uv_after - self.uv_before
        if delta == 0:
            head = f"Viewers were unchanged ({a})"
        elif self.uv_before == 0:
            head = f"Viewers rose from 0 to {a}"
        else:
            verb = "rose" if delta > 0 else "fell"
            head = f"Viewers {verb} {abs(delta) / self.uv_before:.1%} ({b} → {a})"
        order = {s: i for i, s in enumerate(SOURCES)}
        ranked = sorted(self.sources, key=lambda s: (-abs(s.delta), order[s.source]))
        parts = [s.phrase() for s in ranked]
        if parts == [] or [s.source for s in ranked] == [UNATTRIBUTED]:
            return head + "; no stream splits UV by source."
        return head + ": " + ", ".join(parts) + "."

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "uv_before": self.uv_before,
            "uv_after": self.uv_after,
            "change": self.change,
            "sentence": self.sentence(lang),
            "sources": [
                {
                    "source": s.source,
                    "name": s.name,
                    "name_zh": s.name_zh,
                    "uv_before": s.uv_before,
                    "uv_after": s.uv_after,
                    "change": s.change,
                    "share_before": s.share_before,
                    "share_after": s.share_after,
                }
                for s in self.sources
            ],
        }


def uv_by_source_change(
    streams_before: Iterable[Stream], streams_after: Iterable[Stream]
) -> UVBySourceChange:
    """UV per traffic source (private, public natural, short video, paid, talent,
    unattributed) in both periods, with changes and shares of UV; sources without viewers
    in either period are left out.  `UVBySourceChange.sentence` says it in words."""
    uv0, uv1 = uv_by_source(streams_before), uv_by_source(streams_after)
    total0, total1 = sum(uv0.values()), sum(uv1.values())
    sources = tuple(
        SourceChange(
            source=s,
            name=SOURCES[s][0],
            name_zh=SOURCES[s][1],
            uv_before=uv0[s],
            uv_after=uv1[s],
            share_before=uv0[s] / total0 if total0 else None,
            share_after=uv1[s] / total1 if total1 else None,
        )
        for s in SOURCES
        if uv0[s] or uv1[s]
    )
    return UVBySourceChange(total0, total1, sources)


# ------------------------------------------------------------------------------ formatting


def format_yuan(fen: int, *, signed: bool = False) -> str:
    """Whole fen as yuan with separators, exactly: ``123456 → "1,234.56"`` (``"+1,234.56"``
    with ``signed``)."""
    sign = "-" if fen < 0 else "+" if signed else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"
