"""GMV identities as data: named factors whose product is GMV, and the sums they are read from.

An `Identity` is a named tuple of `Factor` objects.  Each factor is a function
of the *additive* quantities of a set of streams (their UV, watch minutes, buyers, orders,
GMV, exposure, funnel counts, ...), summed by `StreamTotals`.  The product of the
factors must equal the measured GMV: `Identity.factor_values` checks it every time it
computes factors (relative tolerance `RELATIVE_TOLERANCE`) and raises
`IdentityError` naming the identity, the segment and the mismatch otherwise.

Built-in identities (see ``docs/gmv.md`` for the Chinese names and the reasoning):

    traditional       GMV = UV × (B / UV) × (GMV / B)
    kuaishou          GMV = UV × (W / UV) × (B / W) × (O / B) × (GMV / O)     W = watch minutes
    kuaishou-content-views
                      GMV = UV × (V / UV) × (B / V) × (O / B) × (GMV / O)     V = all views
    funnel            GMV = E × (UV / E) × (PE / UV) × (PC / PE) × (OC / PC) × (O / OC) × (GMV / O)
    douyin-fact-plus  GMV = E × (PC / E) × (B / PC) × (GMV / B)

with B buyers, O paid orders, V the content views (the streams' views and the views of the
period's short videos), E exposure (曝光), PE product-exposure UV, PC product-click UV
and OC orders created.  Every built-in is a telescoping chain of ratios, so it multiplies
back to GMV exactly whenever no denominator is zero.

Zero denominators.  A ratio whose denominator is zero is 0 (`safe_ratio`): the
convention of `steps.gmv.decompose`, whose LMDI then treats the factor as zero (a
segment entering or leaving).  If the numerator chain is also zero (UV = 0, so buyers = 0
and so on) the identity still multiplies back (0 = 0); if not (GMV recorded with zero
buyers, buyers with zero watch time) it cannot, and `IdentityError` says which factor
is zero.

Missing inputs.  Optional stream fields (``exposure``, ``views``, ``product_exposure_uv``,
``product_click_uv``, ``orders_created``) are ``None`` when not recorded.  A sum over streams
of which some lack the field would be silently low, so the column is *unavailable* for the
whole set and an identity that needs it is refused, naming the streams that lack it.

Identities are registered through the ``steps_register_identities`` hook (the built-ins by
the plugin module `steps.plugins.identities`); `collect_identities` gathers them.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, TypeAlias

import attrs
import numpy as np
import numpy.typing as npt

from steps.domain import metrics
from steps.domain.model import ShortVideo, Stream, TalentCollab
from steps.gmv.decompose import AttributionError

if TYPE_CHECKING:
    import pluggy

    from steps.scoring.plugins import PluginInfo

__all__ = [
    "BUILTIN_IDENTITIES",
    "COLUMNS",
    "DOUYIN_FACT_PLUS",
    "FUNNEL",
    "IDENTITY_KEY_PATTERN",
    "KUAISHOU",
    "KUAISHOU_CONTENT_VIEWS",
    "OPTIONAL_STREAM_COLUMNS",
    "RELATIVE_TOLERANCE",
    "TRADITIONAL",
    "Factor",
    "Identity",
    "IdentityError",
    "IdentityRecord",
    "StreamTotals",
    "collect_identities",
    "safe_ratio",
]

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
Columns: TypeAlias = Mapping[str, FloatArray]
"""Column name → one float64 value per segment (read-only)."""
Compute: TypeAlias = Callable[[Columns], npt.ArrayLike]
"""How a factor is computed from the columns: one value per segment."""

#: The product of the factors must equal the measured GMV within this relative error.
RELATIVE_TOLERANCE: Final = 1e-9
#: What an identity key (and a factor key) may look like: ``kuaishou``, ``douyin-fact-plus``.
IDENTITY_KEY_PATTERN: Final = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")

#: The additive columns `StreamTotals` sums, and what each one is.  UV and the other
#: viewer counts are summed over streams, so a viewer of two streams counts twice
#: (viewer-sessions), as on the platforms' dashboards when streams are added up.
COLUMNS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "streams": "number of streams (talent collaborations: the talent's stream count)",
        "uv": "viewers (UV, 观看人数), summed over streams; talents: audience_reached",
        "watch_minutes": "total watch time W in minutes (watch_seconds / 60)",
        "duration_minutes": "time on air in minutes (duration_seconds / 60)",
        "buyers": "buyers (成交人数), summed over streams",
        "orders": "paid orders (成交订单数)",
        "gmv_fen": "GMV in fen (成交金额; 100 fen = 1 yuan)",
        "exposure": "exposure (曝光次数) of the live room; optional",
        "views": "views (观看次数, PV); optional",
        "product_exposure_uv": "viewers shown a product (商品曝光人数); optional",
        "product_click_uv": "viewers who clicked a product (商品点击人数); optional",
        "orders_created": "orders created, paid or not (创建订单数); optional",
        "interactions": "comments + likes + shares; optional",
        "new_followers": "new followers (涨粉); optional",
        "paid_spend_fen": "paid-traffic spend in fen (投放消耗); optional",
        "video_views": "views (播放量) of the short videos posted in the period; optional, "
        "only when the short videos are given",
    }
)
#: Stream fields that may be ``None`` (not recorded).
OPTIONAL_STREAM_COLUMNS: Final = (
    "exposure",
    "views",
    "product_exposure_uv",
    "product_click_uv",
    "orders_created",
    "interactions",
    "new_followers",
    "paid_spend_fen",
)
_COLLAB_COLUMNS: Final = ("streams", "uv", "buyers", "orders", "gmv_fen")
_MINUTE_SOURCES: Final = {"watch_seconds": "watch_minutes", "duration_seconds": "duration_minutes"}
_SHOWN_IDS: Final = 5
_NO_VIDEOS: Final = (
    "short videos not given (pass the period's short videos to count their views as content)"
)
_EXACT_FLOAT_INT: Final = 2.0**53
_INT64_LIMIT: Final = 9.2e18


class IdentityError(AttributionError):
    """An identity that cannot be computed or does not multiply back to GMV: a missing input
    (naming the streams that lack it), a factor that is not a finite number >= 0, or a
    product of factors that differs from the measured GMV (naming identity and segment)."""


def safe_ratio(numerator: npt.ArrayLike, denominator: npt.ArrayLike) -> FloatArray:
    """``numerator / denominator`` elementwise, and 0 where the denominator is 0.

    The zero convention of `steps.gmv.decompose`: an undefined ratio is a factor
    that is zero (a segment with UV = 0 has conversion 0, not NaN).
    """
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    out = np.zeros(np.broadcast(num, den).shape)
    np.divide(num, den, out=out, where=den != 0.0)
    return out


def _check_key(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not IDENTITY_KEY_PATTERN.match(value):
        raise ValueError(
            f"{attribute.name} {value!r} must match {IDENTITY_KEY_PATTERN.pattern} "
            "(lower case, digits, '.', '_', '-')"
        )


def _str_tuple(value: Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@attrs.frozen
class Factor:
    """One factor of an identity.

    ``compute`` receives the columns of `StreamTotals` (one float64 array per
    column, one value per segment) and returns one value per segment; ``inputs`` names the
    columns it reads, so that a missing one is reported before ``compute`` runs.  Use
    `of_column` and `of_ratio` for the usual cases.
    """

    key: str = attrs.field(validator=_check_key)
    name: str
    name_zh: str
    unit: str
    formula: str
    compute: Compute = attrs.field(eq=False, repr=False)
    inputs: tuple[str, ...] = attrs.field(converter=_str_tuple)
    #: The column this factor is, when it is a plain column (``Factor.of_column``).
    column: str | None = None

    @classmethod
    def of_column(cls, column: str, *, name: str, name_zh: str, unit: str) -> Factor:
        """A factor that is a column itself, e.g. UV; its key is the column name."""

        def compute(columns: Columns) -> FloatArray:
            return columns[column]

        return cls(column, name, name_zh, unit, column, compute, (column,), column=column)

    @classmethod
    def of_ratio(
        cls,
        key: str,
        numerator: str,
        denominator: str,
        *,
        name: str,
        name_zh: str,
        unit: str,
    ) -> Factor:
        """A factor ``numerator / denominator`` of two columns, 0 where the denominator
        is 0 (`safe_ratio`)."""

        def compute(columns: Columns) -> FloatArray:
            return safe_ratio(columns[numerator], columns[denominator])

        return cls(
            key, name, name_zh, unit, f"{numerator} / {denominator}", compute,
            (numerator, denominator),
        )  # fmt: skip


def _factor_tuple(value: Iterable[Factor]) -> tuple[Factor, ...]:
    return tuple(value)


def _check_factors(instance: Identity, _attribute: object, value: tuple[Factor, ...]) -> None:
    if not value:
        raise ValueError(f"identity {instance.key!r} needs at least one factor")
    seen: set[str] = set()
    for factor in value:
        if not isinstance(factor, Factor):
            raise TypeError(
                f"identity {instance.key!r}: factors must be Factor objects, got {factor!r}"
            )
        if factor.key in seen:
            raise ValueError(f"identity {instance.key!r}: duplicate factor key {factor.key!r}")
        seen.add(factor.key)


@attrs.frozen
class Identity:
    """A GMV identity: factors whose product is the ``target`` column (GMV in fen).

    Users add their own through the ``steps_register_identities`` hook; see
    ``docs/gmv.md``.  Example:

        ORDERS_X_AOV = Identity(
            "orders-aov", "Orders × AOV", "订单数 × 客单价",
            factors=(
                Factor.of_column("orders", name="orders", name_zh="订单数", unit="orders"),
                Factor.of_ratio("aov", "gmv_fen", "orders", name="AOV", name_zh="客单价",
                                unit="fen per order"),
            ),
        )
    """

    key: str = attrs.field(validator=_check_key)
    name: str
    name_zh: str
    factors: tuple[Factor, ...] = attrs.field(converter=_factor_tuple, validator=_check_factors)
    description: str = ""
    #: The column the product of the factors must equal.
    target: str = "gmv_fen"

    @property
    def factor_keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.factors)

    @property
    def inputs(self) -> tuple[str, ...]:
        """Every column the identity reads (its factors' inputs and the target), in order."""
        names: dict[str, None] = {}
        for factor in self.factors:
            names.update(dict.fromkeys(factor.inputs))
        names[self.target] = None
        return tuple(names)

    @property
    def uv_first(self) -> bool:
        """The first factor is UV itself, so UV can be split by traffic source with the
        other factors carried (``attribute(..., by="traffic_source")``)."""
        return self.factors[0].column == "uv"

    def formula(self) -> str:
        """``gmv_fen = uv × (buyers / uv) × (gmv_fen / buyers)``."""
        parts = [f.formula if " " not in f.formula else f"({f.formula})" for f in self.factors]
        return f"{self.target} = " + " × ".join(parts)

    def factor_values(self, totals: StreamTotals) -> FloatArray:
        """The factors of every segment of ``totals``: a ``(segments, factors)`` array.

        Raises:
            IdentityError: an input column is unavailable (naming the streams that lack
                it) or unknown; a factor is not a finite number >= 0 or has the wrong
                shape; or the product of the factors differs from the target by more than
                `RELATIVE_TOLERANCE` (naming identity, segment, product and target).
        """
        unavailable = [
            f"{column}, which is unavailable: {totals.missing[column]}"
            for column in self.inputs
            if column in totals.missing
        ]
        if unavailable:
            raise IdentityError(f"identity {self.key!r} needs " + "; and ".join(unavailable))
        for column in self.inputs:
            if column not in totals.columns:
                known = ", ".join(totals.columns)
                raise IdentityError(
                    f"identity {self.key!r} reads column {column!r}, which the totals do not "
                    f"have (known: {known})"
                )
        k = len(totals)
        values = np.empty((k, len(self.factors)))
        for i, factor in enumerate(self.factors):
            values[:, i] = self._compute(factor, totals, k)
        self._check_product(values, totals)
        return values

    def _compute(self, factor: Factor, totals: StreamTotals, k: int) -> FloatArray:
        where = f"identity {self.key!r}, factor {factor.key!r}"
        try:
            raw = factor.compute(totals.columns)
            column = np.asarray(raw, dtype=np.float64)
        except (IdentityError, KeyboardInterrupt):
            raise
        except BaseException as error:  # SystemExit too: a plugin never ends the run
            raise IdentityError(f"{where} failed: {type(error).__name__}: {error}") from error
        if column.ndim == 0:
            column = np.full(k, float(column))
        if column.shape != (k,):
            raise IdentityError(f"{where} returned shape {column.shape}, expected ({k},)")
        ok = (column >= 0.0) & (column < np.inf)
        if not ok.all():
            j = int(np.argmax(~ok))
            raise IdentityError(
                f"{where} is {float(column[j])!r} in segment {totals.labels[j]!r}; "
                "factor values must be finite and >= 0"
            )
        return column

    def _check_product(self, values: FloatArray, totals: StreamTotals) -> None:
        target = totals.columns[self.target]
        product = values[:, 0].copy()
        for i in range(1, values.shape[1]):
            product *= values[:, i]
        with np.errstate(all="ignore"):
            gap = np.abs(product - target)
            ok = gap <= RELATIVE_TOLERANCE * np.abs(target)
        if ok.all():
            return
        bad = np.flatnonzero(~ok)
        j = int(bad[0])
        p, t = float(product[j]), float(target[j])
        relative = f"relative mismatch {abs(p - t) / abs(t):.3g}" if t else "target is 0"
        zeros = [
            f"{f.key!r} ({f.formula})" for i, f in enumerate(self.factors) if values[j, i] == 0.0
        ]
        hint = (
            f"; zero factors: {', '.join(zeros)} (a ratio with a zero denominator is 0, so "
            "the data have a count of zero where a later count is positive)"
            if zeros
            else ""
        )
        more = f" (and {len(bad) - 1} more segments)" if len(bad) > 1 else ""
        raise IdentityError(
            f"identity {self.key!r} does not multiply back to {self.target} in segment "
            f"{totals.labels[j]!r}{more}: the product of its factors is {p!r}, the measured "
            f"value {t!r} ({relative} > {RELATIVE_TOLERANCE:g}){hint}"
        )

    def verify(self) -> None:
        """Check on arbitrary positive probe data that the factors multiply back to the
        target (every true identity, a telescoping chain of ratios, does); done when an
        identity is registered, so a wrong one is rejected before any data is seen.

        Raises:
            IdentityError: the factors do not multiply back, or fail to compute.
        """
        rng = np.random.default_rng(20210801)
        names = dict.fromkeys((*self.inputs, *COLUMNS))
        columns = {name: rng.uniform(1.0, 1000.0, 4) for name in names}
        probe = StreamTotals(
            labels=tuple(f"probe {i}" for i in range(4)),
            columns=columns,
            gmv_fen_exact=np.zeros(4, dtype=np.int64),
        )
        try:
            self.factor_values(probe)
        except IdentityError as error:
            raise IdentityError(f"{error} (on positive probe data)") from None


# ------------------------------------------------------------------------------ totals


def _frozen_columns(value: Mapping[str, npt.ArrayLike]) -> Mapping[str, FloatArray]:
    out: dict[str, FloatArray] = {}
    for name, column in value.items():
        array = np.array(column, dtype=np.float64)  # a private copy
        array.flags.writeable = False
        out[name] = array
    return MappingProxyType(out)


def _frozen_ints(value: npt.ArrayLike) -> IntArray:
    array = np.array(value, dtype=np.int64)
    array.flags.writeable = False
    return array


def _frozen_map(value: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(value))


def _lacking(field: str, ids: Sequence[str], count: int, total: int, what: str = "stream") -> str:
    """``"3 of 120 streams lack exposure: s1, s2, s3"``; ``ids`` may be the first few."""
    if count == total:
        return f"no {what} records {field} ({total} {what}s)"
    shown = ", ".join(ids[:_SHOWN_IDS])
    more = f" and {count - _SHOWN_IDS} more" if count > _SHOWN_IDS else ""
    return f"{count} of {total} {what}s lack {field}: {shown}{more}"


def _group(codes: IntArray | None, k: int, values: npt.NDArray[Any]) -> FloatArray:
    """Sums per segment (float64; integer columns are summed as floats)."""
    if codes is None:
        return np.array([values.sum(dtype=np.float64)], dtype=np.float64)
    return np.bincount(codes, weights=values, minlength=k).astype(np.float64, copy=False)


def _check_column(name: str, array: npt.NDArray[Any]) -> npt.NDArray[np.intp] | None:
    """Refuse negative or infinite values; return the rows that are NaN (missing), if any.

    Integer columns need one pass (their minimum); float columns two, plus a third only
    when NaN is present."""
    if len(array) == 0:
        return None
    if np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_:
        if array.min() < 0:
            i = int(np.argmin(array))
            raise IdentityError(
                f"column {name!r} holds {int(array[i])} at row {i}; values must be >= 0"
            )
        return None
    low, high = array.min(), array.max()
    nan = None
    if np.isnan(low):
        mask = np.isnan(array)
        nan = np.flatnonzero(mask)
        rest = array[~mask]
        low, high = (rest.min(), rest.max()) if len(rest) else (0.0, 0.0)
    if not (low >= 0.0 and high < np.inf):
        bad = ~((array >= 0.0) & (array < np.inf)) & ~np.isnan(array)
        i = int(np.argmax(bad))
        raise IdentityError(
            f"column {name!r} holds {float(array[i])!r} at row {i}; values must be finite and >= 0"
        )
    return nan


def _group_exact(codes: IntArray | None, k: int, values: IntArray) -> IntArray:
    """Exact integer sums per segment (fen): float sums are exact below 2**53."""
    approx = _group(codes, k, values.astype(np.float64))
    top = float(approx.max(initial=0.0))
    if top < _EXACT_FLOAT_INT:
        return approx.astype(np.int64)
    if top >= _INT64_LIMIT:
        raise IdentityError(f"GMV sums to about {top:.3g} fen, beyond 64-bit integers")
    out = np.zeros(k, dtype=np.int64)
    np.add.at(out, codes if codes is not None else np.zeros(len(values), np.int64), values)
    return out


def _codes(keys: Sequence[str]) -> tuple[tuple[str, ...], IntArray]:
    """Sorted distinct labels and each item's index into them."""
    if not keys:
        return (), np.zeros(0, dtype=np.int64)
    labels, inverse = np.unique(np.asarray(keys, dtype=object).astype(str), return_inverse=True)
    return tuple(str(x) for x in labels.tolist()), inverse.astype(np.int64).reshape(-1)


@attrs.frozen(eq=False)
class StreamTotals:
    """Additive sums over sets of streams: one row per segment (``labels``), one float64
    array per column of `COLUMNS`, the exact integer GMV of each row, and the
    columns that are unavailable with the reason (which streams lack them).

    Build it with `from_streams`, `from_collabs` or, for large data held as
    arrays, `from_columns` (vectorised: a million streams aggregate in tens of
    milliseconds).  Arrays are read-only.
    """

    labels: tuple[str, ...] = attrs.field(converter=_str_tuple)
    columns: Mapping[str, FloatArray] = attrs.field(converter=_frozen_columns)
    #: GMV of each row in integer fen, exact (the float column ``gmv_fen`` may round).
    gmv_fen_exact: IntArray = attrs.field(converter=_frozen_ints)
    #: Unavailable column → why (e.g. which streams lack it).
    missing: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_map)

    def __attrs_post_init__(self) -> None:
        k = len(self.labels)
        for name, column in self.columns.items():
            if column.shape != (k,):
                raise IdentityError(f"column {name!r} has shape {column.shape}, expected ({k},)")
        if self.gmv_fen_exact.shape != (k,):
            raise IdentityError(
                f"gmv_fen_exact has shape {self.gmv_fen_exact.shape}, expected ({k},)"
            )
        if len(set(self.labels)) != k:
            raise IdentityError("segment labels must be distinct")

    def __len__(self) -> int:
        return len(self.labels)

    # -- constructors ---------------------------------------------------------------------

    @classmethod
    def from_streams(
        cls,
        streams: Iterable[Stream],
        *,
        by: Callable[[Stream], str] | None = None,
        short_videos: Iterable[ShortVideo] | None = None,
        video_by: Callable[[ShortVideo], str] | None = None,
    ) -> StreamTotals:
        """Sum ``streams``, into one row labelled ``"all"`` or one row per ``by(stream)``
        (labels sorted).  The per-stream values are put into numpy arrays once.

        ``short_videos`` (the videos posted in the same period) give the column
        ``video_views``; with ``by``, each video goes to the row ``video_by(video)`` (a label
        that no stream has gets a row of its own), and without ``video_by`` the column is
        unavailable.  A video without a view count makes the column unavailable, naming it.
        """
        items = tuple(streams)
        n = len(items)

        def ints(get: Callable[[Stream], int]) -> IntArray:
            return np.fromiter((get(s) for s in items), dtype=np.int64, count=n)

        per_stream: dict[str, npt.NDArray[Any]] = {
            "streams": np.ones(n, dtype=np.int64),
            "uv": ints(lambda s: s.uv),
            "watch_minutes": ints(lambda s: s.watch_seconds),  # seconds, divided once summed
            "duration_minutes": ints(lambda s: s.duration_seconds),
            "buyers": ints(lambda s: s.buyers),
            "orders": ints(lambda s: s.orders),
        }
        gmv = ints(lambda s: s.gmv_fen)
        missing: dict[str, str] = {}
        for field in OPTIONAL_STREAM_COLUMNS:
            raw = [
                metrics.interactions(s) if field == "interactions" else getattr(s, field)
                for s in items
            ]
            lacking = [items[i].stream_id for i, v in enumerate(raw) if v is None]
            if lacking:
                missing[field] = _lacking(field, lacking, len(lacking), n)
            else:
                per_stream[field] = np.asarray(raw, dtype=np.float64).reshape(n)
        videos = None if short_videos is None else tuple(short_videos)
        video_keys: list[str] | None = None
        if videos is None:
            missing["video_views"] = _NO_VIDEOS
        elif by is not None and video_by is None:
            missing["video_views"] = "short-video views are not split by this dimension"
        else:
            lacking = [v.video_id for v in videos if v.views is None]
            if lacking:
                missing["video_views"] = _lacking(
                    "views", lacking, len(lacking), len(videos), "short video"
                )
            elif by is not None and video_by is not None:
                video_keys = [video_by(v) for v in videos]
        if by is None:
            labels: tuple[str, ...] = ("all",)
            codes: IntArray | None = None
        else:
            labels, codes = _codes([*(by(s) for s in items), *(video_keys or ())])
        if "video_views" not in missing:
            assert videos is not None  # noqa: S101  # checked above
            views = np.fromiter((v.views or 0 for v in videos), dtype=np.float64)
            video_codes = None if codes is None else codes[n:]
            codes = None if codes is None else codes[:n]
            totals = cls._grouped(labels, codes, per_stream, gmv, missing)
            columns = dict(totals.columns)
            columns["video_views"] = _group(video_codes, len(labels), views)
            return cls(totals.labels, columns, totals.gmv_fen_exact, totals.missing)
        return cls._grouped(labels, codes, per_stream, gmv, missing)

    @classmethod
    def from_collabs(
        cls, collabs: Iterable[TalentCollab], *, by: Callable[[TalentCollab], str] | None = None
    ) -> StreamTotals:
        """Sum talent collaborations (达人分销): ``uv`` is ``audience_reached``, ``streams``
        the talent's stream count; buyers, orders and GMV as recorded.  Talents record no
        watch time, exposure or funnel, so those columns are unavailable."""
        items = tuple(collabs)
        n = len(items)

        def floats(get: Callable[[TalentCollab], int]) -> FloatArray:
            return np.fromiter((get(c) for c in items), dtype=np.float64, count=n)

        per_item = {
            "streams": floats(lambda c: c.streams),
            "buyers": floats(lambda c: c.buyers),
            "orders": floats(lambda c: c.orders),
        }
        reached = [c.audience_reached for c in items]
        if all(r is not None for r in reached):
            per_item["uv"] = np.asarray(reached, dtype=np.float64).reshape(n)
        gmv = np.fromiter((c.gmv_fen for c in items), dtype=np.int64, count=n)
        missing = {
            name: "talent collaborations do not record it (they carry streams, uv = "
            "audience_reached, buyers, orders and gmv_fen)"
            for name in COLUMNS
            if name not in _COLLAB_COLUMNS
        }
        if "uv" not in per_item:
            lacking = [c.collab_id for c in items if c.audience_reached is None]
            missing["uv"] = _lacking(
                "audience_reached", lacking, len(lacking), n, "talent collaboration"
            )
        if by is None:
            labels: tuple[str, ...] = ("all",)
            codes: IntArray | None = None
        else:
            labels, codes = _codes([by(c) for c in items])
        return cls._grouped(labels, codes, per_item, gmv, missing)

    @classmethod
    def from_columns(
        cls,
        columns: Mapping[str, npt.ArrayLike],
        *,
        segments: npt.ArrayLike | None = None,
        labels: Sequence[str] | None = None,
        ids: Sequence[str] | None = None,
    ) -> StreamTotals:
        """Sum per-stream columns (one array element per stream), vectorised.

        Args:
            columns: arrays named after `COLUMNS` (``watch_seconds`` and
                ``duration_seconds`` are accepted and converted to minutes); ``gmv_fen``
                is required and must hold whole fen.  NaN in an optional column marks a
                stream that lacks the value.  Columns not given are unavailable.
            segments: for each stream, an integer code into ``labels``; ``None`` sums
                everything into one row ``"all"``.
            labels: the segment labels (required with ``segments``).
            ids: stream ids, for messages about missing values (default: row numbers).

        Raises:
            IdentityError: unknown column names, arrays of different lengths, negative or
                infinite values, fractional fen, or segment codes out of range.
        """
        per_stream: dict[str, npt.NDArray[Any]] = {}
        n: int | None = None
        missing: dict[str, str] = {}
        for name, raw in columns.items():
            target = _MINUTE_SOURCES.get(name, name)
            if target not in COLUMNS:
                known = ", ".join([*COLUMNS, *_MINUTE_SOURCES])
                raise IdentityError(f"unknown column {name!r} (known: {known})")
            array = np.asarray(raw)
            if not (np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_):
                array = np.asarray(array, dtype=np.float64)
            if array.ndim != 1:
                raise IdentityError(f"column {name!r} must be 1-D, got shape {array.shape}")
            if n is None:
                n = len(array)
            elif len(array) != n:
                raise IdentityError(f"column {name!r} has {len(array)} values, expected {n}")
            lacking = _check_column(name, array)
            if lacking is not None:
                shown = [ids[i] if ids is not None else f"row {i}" for i in lacking[:_SHOWN_IDS]]
                missing[target] = _lacking(target, shown, len(lacking), n)
                continue
            if target == name and target in _MINUTE_SOURCES.values():
                array = array * 60.0  # minutes given: back to seconds, divided once summed
            per_stream[target] = array
        if "gmv_fen" in missing:
            raise IdentityError(f"gmv_fen is required for every stream: {missing['gmv_fen']}")
        if "gmv_fen" not in per_stream or n is None:
            raise IdentityError("columns must include gmv_fen")
        gmv_raw = per_stream.pop("gmv_fen")
        if np.issubdtype(gmv_raw.dtype, np.integer):
            gmv = gmv_raw.astype(np.int64, copy=False)
        else:
            gmv = gmv_raw.astype(np.int64)
            if not np.array_equal(gmv, gmv_raw):
                i = int(np.argmax(gmv != gmv_raw))
                raise IdentityError(
                    f"gmv_fen must be whole fen, got {float(gmv_raw[i])!r} at row {i}"
                )
        for name in COLUMNS:
            if name not in per_stream and name != "gmv_fen":
                missing.setdefault(name, "not given")
        if segments is None:
            return cls._grouped(("all",), None, per_stream, gmv, missing)
        if labels is None:
            raise IdentityError("segments need labels")
        codes = np.asarray(segments)
        if codes.shape != (n,) or not np.issubdtype(codes.dtype, np.integer):
            raise IdentityError(
                f"segments must be {n} integer codes, got {codes.dtype} {codes.shape}"
            )
        if n and (int(codes.min()) < 0 or int(codes.max()) >= len(labels)):
            raise IdentityError(f"segment codes must lie in [0, {len(labels)})")
        return cls._grouped(
            tuple(labels), codes.astype(np.int64, copy=False), per_stream, gmv, missing
        )

    @classmethod
    def _grouped(
        cls,
        labels: tuple[str, ...],
        codes: IntArray | None,
        per_stream: Mapping[str, npt.NDArray[Any]],
        gmv: IntArray,
        missing: Mapping[str, str],
    ) -> StreamTotals:
        """Sum per-stream arrays per segment; ``watch_minutes`` and ``duration_minutes``
        arrive in seconds and are divided by 60 once summed."""
        k = len(labels)
        sums = {
            name: _group(codes, k, values)
            for name, values in per_stream.items()
            if name != "gmv_fen"
        }
        for name in _MINUTE_SOURCES.values():  # grouped as seconds
            if name in sums:
                sums[name] /= 60.0
        exact = _group_exact(codes, k, gmv)
        sums["gmv_fen"] = exact.astype(np.float64)
        return cls(labels=labels, columns=sums, gmv_fen_exact=exact, missing=missing)

    # -- derived tables -------------------------------------------------------------------

    def total(self, label: str = "all") -> StreamTotals:
        """All rows summed into one."""
        exact = self.gmv_fen_exact.sum(dtype=np.int64, keepdims=True)
        if float(self.gmv_fen_exact.sum(dtype=np.float64)) >= _INT64_LIMIT:
            raise IdentityError("GMV sums beyond 64-bit integers")
        columns = {name: np.array([column.sum()]) for name, column in self.columns.items()}
        columns["gmv_fen"] = exact.astype(np.float64)
        return StreamTotals((label,), columns, exact, self.missing)

    def reindex(self, labels: Sequence[str]) -> StreamTotals:
        """The rows for ``labels`` in that order; a label without a row gets zeros."""
        labels = tuple(labels)
        if labels == self.labels:
            return self
        position = {label: i for i, label in enumerate(self.labels)}
        index = np.array([position.get(label, -1) for label in labels], dtype=np.int64)
        present = index >= 0
        take = np.where(present, index, 0)

        def pick(column: npt.NDArray[Any]) -> npt.NDArray[Any]:
            if len(column) == 0:
                return np.zeros(len(labels), dtype=column.dtype)
            return np.where(present, column[take], 0)

        columns = {name: pick(column) for name, column in self.columns.items()}
        return StreamTotals(labels, columns, pick(self.gmv_fen_exact), self.missing)

    def with_columns(self, labels: Sequence[str], **columns: npt.ArrayLike) -> StreamTotals:
        """A table of ``len(labels)`` rows repeating this one-row table, with some columns
        replaced (e.g. product rows carrying the streams' UV and their own orders and GMV).
        ``gmv_fen`` must be given as whole fen when it is replaced."""
        if len(self) != 1:
            raise IdentityError("with_columns needs a one-row table")
        k = len(labels)
        new = {name: np.full(k, column[0]) for name, column in self.columns.items()}
        for name, column in columns.items():
            new[name] = np.asarray(column, dtype=np.float64)
        exact = (
            np.asarray(columns["gmv_fen"], dtype=np.int64)
            if "gmv_fen" in columns
            else np.full(k, self.gmv_fen_exact[0])
        )
        new["gmv_fen"] = exact.astype(np.float64)
        return StreamTotals(tuple(labels), new, exact, self.missing)


# ------------------------------------------------------------------------------ built-ins

_UV = Factor.of_column("uv", name="viewers (UV)", name_zh="观看人数", unit="viewers")
_EXPOSURE = Factor.of_column("exposure", name="exposure", name_zh="曝光次数", unit="exposures")
_ORDERS_PER_BUYER = Factor.of_ratio(
    "orders_per_buyer", "orders", "buyers", name="orders per buyer", name_zh="购买频次（复购）",
    unit="orders per buyer",
)  # fmt: skip
_AOV = Factor.of_ratio(
    "aov", "gmv_fen", "orders", name="AOV per order", name_zh="客单价", unit="fen per order"
)

TRADITIONAL: Final = Identity(
    "traditional",
    "Traditional e-commerce: UV × conversion × AOV per buyer",
    "传统电商公式：流量 × 转化率 × 客单价",
    factors=(
        _UV,
        Factor.of_ratio(
            "cvr", "buyers", "uv", name="conversion (buyers / UV)", name_zh="转化率",
            unit="buyers per viewer",
        ),
        Factor.of_ratio(
            "aov_per_buyer", "gmv_fen", "buyers", name="AOV per buyer",
            name_zh="客单价（每买家）", unit="fen per buyer",
        ),
    ),
    description="GMV = UV × (B / UV) × (GMV / B): AOV is taken per buyer (GMV / orders × "
    "orders / buyers) so that the product is GMV exactly.",
)  # fmt: skip

KUAISHOU: Final = Identity(
    "kuaishou",
    "Kuaishou content form, five factors",
    "快手内容电商五因子",
    factors=(
        _UV,
        Factor.of_ratio(
            "minutes_per_viewer", "watch_minutes", "uv", name="minutes per viewer",
            name_zh="人均观看时长", unit="minutes per viewer",
        ),
        Factor.of_ratio(
            "buyers_per_minute", "buyers", "watch_minutes", name="buyers per watch-minute",
            name_zh="单位时长成交转化", unit="buyers per minute",
        ),
        _ORDERS_PER_BUYER,
        _AOV,
    ),
    description="GMV = UV × (W / UV) × (B / W) × (O / B) × (GMV / O), W = watch minutes: "
    "viewers × content consumption time × order conversion per unit time × repurchase "
    "frequency × average order value, with content time the live streams' watch time only "
    "(`kuaishou-content-views` adds short videos, counted in views).",
)  # fmt: skip


def _content_views(columns: Columns) -> FloatArray:
    return columns["views"] + columns["video_views"]


def _views_per_viewer(columns: Columns) -> FloatArray:
    return safe_ratio(_content_views(columns), columns["uv"])


def _buyers_per_view(columns: Columns) -> FloatArray:
    return safe_ratio(columns["buyers"], _content_views(columns))


# The article's content (内容消费时间) is short video and live alike.  Short videos record
# views (播放量), not watch time, and views cannot be added to minutes, so this form counts
# content consumption in views on both sides; ``kuaishou`` keeps time, live only.
KUAISHOU_CONTENT_VIEWS: Final = Identity(
    "kuaishou-content-views",
    "Kuaishou five factors, content as views of live and short video",
    "快手内容电商五因子（内容消费：直播与短视频观看次数）",
    factors=(
        _UV,
        Factor(
            "content_views_per_viewer", "content views per viewer (live + short video)",
            "人均内容观看次数（直播+短视频）", "views per viewer",
            "(views + video_views) / uv", _views_per_viewer, ("views", "video_views", "uv"),
        ),
        Factor(
            "buyers_per_content_view", "buyers per content view", "单位内容观看成交转化",
            "buyers per view", "buyers / (views + video_views)", _buyers_per_view,
            ("buyers", "views", "video_views"),
        ),
        _ORDERS_PER_BUYER,
        _AOV,
    ),
    description="GMV = UV × (V / UV) × (B / V) × (O / B) × (GMV / O), V = the streams' views "
    "(观看次数) + the views of the period's short videos (播放量): the five factors with "
    "content consumption counted in views of live and short video alike. Short videos record "
    "views, not watch time, so content is counted in views; the `kuaishou` identity counts "
    "live watch time only.",
)  # fmt: skip

FUNNEL: Final = Identity(
    "funnel",
    "Stream funnel: exposure → entry → product exposure → click → order → paid",
    "直播间转化漏斗",
    factors=(
        _EXPOSURE,
        Factor.of_ratio(
            "entry_rate", "uv", "exposure", name="entry rate (UV / exposure)",
            name_zh="曝光进入率", unit="viewers per exposure",
        ),
        Factor.of_ratio(
            "product_exposure_rate", "product_exposure_uv", "uv",
            name="product exposure rate", name_zh="商品曝光率", unit="share of viewers",
        ),
        Factor.of_ratio(
            "click_rate", "product_click_uv", "product_exposure_uv", name="product click rate",
            name_zh="商品点击率", unit="share of product-exposed viewers",
        ),
        Factor.of_ratio(
            "order_rate", "orders_created", "product_click_uv",
            name="orders created per clicking viewer", name_zh="创单转化率",
            unit="orders per clicking viewer",
        ),
        Factor.of_ratio(
            "paid_rate", "orders", "orders_created", name="paid rate (paid / created)",
            name_zh="支付率", unit="paid orders per created order",
        ),
        _AOV,
    ),
    description="GMV = E × (UV / E) × (PE / UV) × (PC / PE) × (OC / PC) × (O / OC) × "
    "(GMV / O). Created orders are counted per clicking viewer, so order_rate may exceed 1.",
)  # fmt: skip

DOUYIN_FACT_PLUS: Final = Identity(
    "douyin-fact-plus",
    "Douyin FACT+: content width × conversion depth",
    "抖音 FACT+：内容宽度 × 转化深度",
    factors=(
        Factor.of_column(
            "exposure", name="content width (exposure)", name_zh="内容宽度（曝光）",
            unit="exposures",
        ),
        Factor.of_ratio(
            "seeding_rate", "product_click_uv", "exposure",
            name="seeding rate (product-click viewers / exposure)", name_zh="种草率",
            unit="clicking viewers per exposure",
        ),
        Factor.of_ratio(
            "conversion", "buyers", "product_click_uv", name="conversion (buyers / clickers)",
            name_zh="转化率", unit="buyers per clicking viewer",
        ),
        Factor.of_ratio(
            "aov_per_buyer", "gmv_fen", "buyers", name="AOV per buyer",
            name_zh="客单价（每买家）", unit="fen per buyer",
        ),
    ),
    description="GMV = E × (PC / E) × (B / PC) × (GMV / B): content width is exposure; "
    "conversion depth GMV / E is seeding (a viewer clicks a product: interest planted) × "
    "conversion (a clicker buys) × AOV per buyer.",
)  # fmt: skip

#: The identities the built-in plugin `steps.plugins.identities` registers.
BUILTIN_IDENTITIES: Final = (
    TRADITIONAL,
    KUAISHOU,
    KUAISHOU_CONTENT_VIEWS,
    FUNNEL,
    DOUYIN_FACT_PLUS,
)


# ------------------------------------------------------------------------------ plugins


@attrs.frozen
class IdentityRecord:
    """A registered identity and the plugin that registered it."""

    key: str
    identity: Identity
    plugin: PluginInfo


def collect_identities(
    pm: pluggy.PluginManager,
    *,
    strict: bool | None = None,
    plugin_info: Callable[[str], PluginInfo] | None = None,
) -> tuple[IdentityRecord, ...]:
    """Every identity the plugins of ``pm`` register through ``steps_register_identities``,
    sorted by key; `steps.scoring.plugins.PluginHost.identities` calls this.

    Each identity is `verify`-ed.  A plugin whose hook raises, or that
    registers something that is not an `Identity` or an identity that does not
    multiply back, is skipped with a `StepsPluginWarning`
    (`PluginError` when ``strict``).  Two identities with one
    key are always a `PluginError` naming both plugins.
    """
    from steps.scoring.plugins import (
        ENV_BLOCK,
        PluginError,
        PluginInfo,
        StepsPluginManager,
        StepsPluginWarning,
    )

    if strict is None:
        strict = bool(getattr(pm, "strict", False))
    if plugin_info is None:

        def plugin_info(name: str) -> PluginInfo:
            if isinstance(pm, StepsPluginManager):
                return pm.plugin_info(name)
            return PluginInfo(name)

    def problem(message: str, plugin: str) -> None:
        if strict:
            raise PluginError(message, plugins=[plugin])
        warnings.warn(message, StepsPluginWarning, stacklevel=3)

    caller = getattr(pm.hook, "steps_register_identities", None)
    if caller is None or not caller.has_spec():
        from steps.scoring import hookspecs

        # Only this hook: the manager may already hold the other steps hookspecs.
        spec = type(
            "IdentitySpec",
            (),
            {"steps_register_identities": staticmethod(hookspecs.steps_register_identities)},
        )
        pm.add_hookspecs(spec)
        caller = pm.hook.steps_register_identities
    chosen: dict[str, IdentityRecord] = {}
    for impl in sorted(caller.get_hookimpls(), key=lambda impl: impl.plugin_name):
        info = plugin_info(impl.plugin_name)
        if impl.wrapper or impl.hookwrapper:
            problem(
                f"{info.describe()}: steps_register_identities cannot be a wrapper; ignored",
                info.name,
            )
            continue
        registered: list[object] = []
        arguments: dict[str, object] = {"register": registered.append}
        try:
            impl.function(*(arguments[name] for name in impl.argnames))
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # SystemExit too: a plugin never ends the run
            problem(
                f"{info.describe()}: steps_register_identities raised "
                f"{type(error).__name__}: {error}; its identities were skipped",
                info.name,
            )
            continue
        for obj in registered:
            if not isinstance(obj, Identity):
                problem(
                    f"{info.describe()} registered {obj!r:.60}, which is not a "
                    "steps.gmv.identities.Identity; it was skipped",
                    info.name,
                )
                continue
            try:
                obj.verify()
            except IdentityError as error:
                problem(f"{info.describe()} registered a broken identity: {error}", info.name)
                continue
            record = IdentityRecord(obj.key, obj, info)
            earlier = chosen.get(obj.key)
            if earlier is not None:
                if earlier.plugin.name == info.name:
                    message = f"identity {obj.key!r} is registered twice by {info.describe()}"
                else:
                    message = (
                        f"identity {obj.key!r} is registered by two plugins: "
                        f"{earlier.plugin.describe()} and {info.describe()}; "
                        f"block one with {ENV_BLOCK}={info.name}"
                    )
                raise PluginError(message, plugins=sorted({earlier.plugin.name, info.name}))
            chosen[obj.key] = record
    return tuple(chosen[key] for key in sorted(chosen))
