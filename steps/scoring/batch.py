"""Columnar scoring: every stream of a `StreamTable` at once, with numpy.

A stream scorer may offer, besides ``score``, the optional method:

    def score_table(
        self, table: StreamTable, catalog: Dataset | TableCatalog, context: ScoringContext
    ) -> TableScores: ...

which scores every row of ``table`` without building one object per stream
(`TableScorer`).  `steps.scoring.engine.score_table` calls it when a scorer has
it and scores the others one subject at a time, so third-party scorers keep working
unchanged.  ``catalog`` holds the brands (accounts, products, short videos...): the
``.catalog`` of `steps.columnar.read_jsonl`, or the dataset a table was built from.

`evaluate_columns` is `evaluate` over columns: the same
formulas, in the same order, on arrays of ``n`` rows:

* an indicator is available where its value is (and is finite); its score is the value
  normalised by its benchmark and clamped to [0, 100], as ``evaluate`` does;
* an unavailable indicator's weight goes to the available indicators of its component; a
  component without an available indicator (or with a weight of 0) is not available and
  its weight goes to the other components;
* contributions are ``component weight × indicator weight × indicator score``, each clamped,
  and add up to the overall score; confidence is the share of the nominal weight whose
  inputs were available.

The weight sums that ``evaluate`` takes with `math.fsum` (the available weights of a
component, the weights of the active components) are exactly ``math.fsum`` here too: they
depend only on which indicators are available, so they are computed once per pattern of
availability.  The sums of scores (a component's score, its contribution, the card's
score) are taken in indicator order, which agrees with ``math.fsum`` to within a few units
in the last place (far below the 1e-9 the parity tests ask).

`LinearBenchmark` and `PeerBenchmark` normalise whole columns (the peers
through `numpy.searchsorted`, with the rule of `PeerBenchmark` and the same
arithmetic as `bisect.bisect_left` / `bisect.bisect_right`); any other benchmark
is called value by value.  Benchmarks are resolved per brand (user overrides, peers, the default of
the brand's main platform), as `MethodologyScorer` does per
stream.

`TableScores` holds the result as arrays (``NaN``-free, with ``available`` masks);
`TableScores.to_cards` turns chosen rows into the `ScoreCard` objects the
per-object path returns, and `TableScores.to_columns` gives long-format columns for
a data frame.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from types import MappingProxyType
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Final,
    Protocol,
    TypeAlias,
    TypeVar,
    runtime_checkable,
)

import attrs
import numpy as np
import numpy.typing as npt

from steps.domain import metrics
from steps.domain.enums import Platform, Section
from steps.domain.model import Brand, Dataset, RunOfShow, Stream
from steps.scoring._capture import captured_warnings
from steps.scoring.base import StreamMethodology
from steps.scoring.contract import ScoringContext, StreamScorer, StreamSubject
from steps.scoring.indicators import (
    Benchmark,
    Component,
    Direction,
    Evaluation,
    Indicator,
    LinearBenchmark,
    PeerBenchmark,
    describe_benchmark,
    explanation_text,
    missing_note,
    unavailable_text,
)
from steps.scoring.messages import Language
from steps.scoring.results import (
    ComponentResult,
    IndicatorResult,
    Recommendation,
    ScoreCard,
    ScoreError,
    SubjectKind,
)

if TYPE_CHECKING:
    from steps.columnar.table import StreamTable
    from steps.scoring.base import MethodologyScorer
    from steps.scoring.engine import ScoreResults, ScorerInfo, ScoreWarning
    from steps.scoring.plugins import PluginHost, ScorerRecord

__all__ = [
    "ALL_BRANDS",
    "BRAND_AGGREGATES",
    "TABLE_MATERIALISED",
    "BenchmarkColumn",
    "BrandFacts",
    "ColumnEvaluation",
    "ColumnStreamMethodology",
    "ComponentColumns",
    "IndicatorColumns",
    "Measured",
    "StreamColumns",
    "StreamFacts",
    "TableBrands",
    "TableCatalog",
    "TableResults",
    "TableScorer",
    "TableScores",
    "brand_aggregate",
    "evaluate_columns",
    "interaction_rate",
    "materialise",
    "normalise_column",
    "ratio",
    "score_methodology_table",
    "stream_days",
    "subjects_table",
]

FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
IntArray: TypeAlias = npt.NDArray[np.int64]
IndexArray: TypeAlias = npt.NDArray[np.intp]
#: A measured column: the values (0.0 where not available) and where they are available.
Measured: TypeAlias = tuple[FloatArray, BoolArray]

#: The ``brand_id`` of a warning or a note about a whole table (every brand in it).
ALL_BRANDS: Final = "*"
#: `category` of the engine's note that a scorer
#: without ``score_table`` scored streams rebuilt from the table's columns.
TABLE_MATERIALISED: Final = "TableMaterialised"

_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
_DAY_US: Final = 86_400_000_000
_MINUTE_US: Final = 60_000_000
#: Availability patterns of at most this many masks are enumerated with a lookup table.
_LUT_BITS: Final = 16
#: ... and every pattern of at most this many masks is tabulated, present or not.
_ALL_PATTERNS: Final = 6


# --------------------------------------------------------------------------- columns


T = TypeVar("T")
_MISSING: Final = object()

#: Integers from here on are not all exact as float64.
_EXACT: Final = 2**53


def ratio(
    numerator: npt.ArrayLike, denominator: npt.ArrayLike, available: npt.ArrayLike | None = None
) -> Measured:
    """`steps.domain.metrics.ratio` over columns: ``numerator / denominator`` where
    the denominator is not 0 (and ``available``), else not available (value 0.0).

    Integer columns are divided as numpy does (each converted to float64, then one
    division), which equals Python's ``int / int`` for integers below 2**53; the rows with
    a larger integer (``gmv_fen × 1000`` can reach 10^18) are divided by Python, which
    rounds the exact quotient once, as the per-object path does."""
    num = np.asarray(numerator)
    den = np.asarray(denominator)
    if num.dtype.kind in "iu" and den.dtype.kind in "iu":
        num, den = np.broadcast_arrays(num, den)
        # Two reductions are cheaper than building a mask when, as usual, nothing is wide.
        wide = (
            np.flatnonzero((np.abs(num) >= _EXACT) | (np.abs(den) >= _EXACT))
            if num.size and max(-num.min(), num.max(), -den.min(), den.max()) >= _EXACT
            else np.empty(0, dtype=np.intp)
        )
        if len(wide):
            exact, usable = ratio(num.astype(np.float64), den.astype(np.float64), available)
            pairs = zip(wide.tolist(), num[wide].tolist(), den[wide].tolist(), strict=True)
            for k, n, d in pairs:
                if usable[k]:
                    exact[k] = n / d
            return exact, usable
    if num.dtype != den.dtype or num.dtype.kind not in "iuf":
        # Mixed types go through numpy's slow casting loops: convert once, up front.
        num = num.astype(np.float64)
        den = den.astype(np.float64)
    zero = den == 0
    ok = ~zero
    if available is not None:
        ok &= np.asarray(available, dtype=np.bool_)
    # Dividing everywhere by a denominator made safe, then zeroing, is several times
    # faster than ``np.divide(..., where=ok)``; the quotients where ``ok`` are the same.
    out: FloatArray = np.true_divide(num, den + zero.astype(den.dtype))
    out *= ok.astype(np.float64)
    return out, ok


def _max0(values: FloatArray) -> FloatArray:
    """Python's ``max(0.0, x)`` elementwise: ``x`` if ``x > 0.0`` else ``0.0`` (NaN → 0)."""
    return np.where(values > 0.0, values, 0.0)


def _min_of(limit: float, values: FloatArray) -> FloatArray:
    """Python's ``min(limit, x)`` elementwise: ``x`` if ``x < limit`` else ``limit``."""
    return np.where(values < limit, values, limit)


def _confidence(nominal: FloatArray) -> FloatArray:
    """``min(1.0, max(0.0, x))`` of finite sums (``+ 0.0`` turns a ``-0.0`` into ``0.0``)."""
    np.clip(nominal, 0.0, 1.0, out=nominal)
    nominal += 0.0
    return nominal


def _cap(values: FloatArray, limit: float = 100.0) -> FloatArray:
    """``min(limit, max(0.0, x))`` for values known to be non-negative and not NaN (sums
    of contributions): in place."""
    np.minimum(values, limit, out=values)
    return values


def _clamp_scores(values: FloatArray) -> FloatArray:
    """``indicators._clamp_score`` elementwise: ``min(100.0, max(0.0, x))``."""
    return _min_of(100.0, _max0(values))


def _linear(
    values: FloatArray,
    floor: float | FloatArray,
    span: float | FloatArray,
    out: FloatArray | None = None,
) -> FloatArray:
    """``100.0 * min(1.0, max(0.0, (value - floor) / span))`` elementwise (no NaN can
    arise from finite values; overflow gives ±inf, which clamps as in Python)."""
    with np.errstate(over="ignore", invalid="ignore"):
        position = np.subtract(values, floor, out=out)
        position /= span
    np.clip(position, 0.0, 1.0, out=position)
    position += 0.0  # -0.0 (a value at the floor of a falling benchmark) becomes 0.0
    position *= 100.0
    return position


def normalise_column(benchmark: Benchmark, values: FloatArray) -> FloatArray:
    """``_clamp_score(benchmark.normalise(v))`` for every value, vectorised for
    `LinearBenchmark` and `PeerBenchmark` (exactly those classes: a subclass
    may normalise differently, so it is called value by value like any other benchmark)."""
    values = np.asarray(values, dtype=np.float64)
    if type(benchmark) is LinearBenchmark:
        return _linear(values, benchmark.floor, benchmark.target - benchmark.floor)
    if type(benchmark) is PeerBenchmark:
        peers = np.asarray(benchmark.values, dtype=np.float64)
        count = len(peers)
        below = np.searchsorted(peers, values, side="left")
        at_or_below = np.searchsorted(peers, values, side="right")
        if benchmark.direction is Direction.LOWER_IS_BETTER:
            worse, better = count - at_or_below, below
        else:
            worse, better = below, count - at_or_below
        # The same sums as PeerBenchmark.normalise, in the same order.
        share = 100.0 * (worse + (at_or_below - below) / 2) / count
        share = np.where(better == 0, 100.0, np.where(worse == 0, 0.0, share))
        return share
    return _clamp_scores(
        np.fromiter(
            (benchmark.normalise(value) for value in values.tolist()),
            dtype=np.float64,
            count=len(values),
        )
    )


def _vectorised(benchmark: Benchmark) -> bool:
    return type(benchmark) is LinearBenchmark or type(benchmark) is PeerBenchmark


@attrs.frozen(eq=False)
class BenchmarkColumn:
    """The benchmark each row is judged by: ``choices[codes[row]]`` (``choices[0]`` for
    every row when ``codes`` is ``None``)."""

    choices: tuple[Benchmark, ...]
    codes: IndexArray | None = None

    def __attrs_post_init__(self) -> None:
        if not self.choices:
            raise ValueError("a benchmark column needs at least one benchmark")

    @classmethod
    def single(cls, benchmark: Benchmark) -> BenchmarkColumn:
        return cls((benchmark,))

    def at(self, row: int) -> Benchmark:
        """The benchmark of ``row``."""
        return self.choices[0 if self.codes is None else int(self.codes[row])]

    def scores(
        self, values: FloatArray, available: BoolArray, out: FloatArray | None = None
    ) -> FloatArray:
        """Each available value's score in [0, 100] (0.0 where not available), into
        ``out`` when given.  Only the available values are given to a benchmark that is
        neither linear nor peers."""
        codes, choices = self.codes, self.choices
        if out is None:
            out = np.empty(len(values), dtype=np.float64)
        if codes is None or len(choices) == 1:
            benchmark = choices[0]
            if type(benchmark) is LinearBenchmark:
                _linear(values, benchmark.floor, benchmark.target - benchmark.floor, out)
            elif type(benchmark) is PeerBenchmark:
                out[...] = normalise_column(benchmark, values)
            else:
                out[...] = 0.0
                out[available] = normalise_column(benchmark, values[available])
                return out
            out *= available
            return out
        if all(type(b) is LinearBenchmark for b in choices):
            floors = np.array([b.floor for b in choices])  # type: ignore[attr-defined]
            spans = np.array([b.target - b.floor for b in choices])  # type: ignore[attr-defined]
            _linear(values, floors[codes], spans[codes], out)
            out *= available
            return out
        out[...] = 0.0
        for index, benchmark in enumerate(choices):
            rows = available & (codes == index)
            if rows.any():
                out[rows] = normalise_column(benchmark, values[rows])
        return out


# --------------------------------------------------------------------------- evaluation


@attrs.frozen(eq=False)
class IndicatorColumns:
    """One indicator over every row: the columns of `IndicatorResult`.

    ``value`` and ``score`` are 0.0 where ``available`` is false (the per-object result
    then has ``value`` and ``score`` ``None``).  An indicator's weight depends only on which
    indicators of its component are available: ``pattern`` holds that per row (bit ``i``
    for the component's ``i``-th indicator) and ``shares`` the weight for each pattern, so
    `weight` and `contribution` (``component weight × weight × score``) are
    computed when asked for rather than stored."""

    definition: Indicator[Any]
    component: str
    value: FloatArray
    available: BoolArray
    score: FloatArray
    benchmark: BenchmarkColumn
    pattern: IndexArray
    shares: FloatArray
    component_weight: FloatArray

    @property
    def key(self) -> str:
        return self.definition.key

    @property
    def path(self) -> str:
        """``component.indicator``: the key of the indicator's values."""
        return f"{self.component}.{self.definition.key}"

    @property
    def weight(self) -> FloatArray:
        """The indicator's share of its component, per row (0.0 where not available)."""
        return self.weight_at(None)

    @property
    def contribution(self) -> FloatArray:
        """The indicator's points in the overall score, per row."""
        return self.contribution_at(None)

    def weight_at(self, rows: IndexArray | None) -> FloatArray:
        """`weight` of the chosen rows (all for ``None``)."""
        pattern = self.pattern if rows is None else self.pattern[rows]
        weight: FloatArray = np.take(self.shares, pattern)
        return weight

    def contribution_at(self, rows: IndexArray | None) -> FloatArray:
        """`contribution` of the chosen rows (all for ``None``)."""
        weights = self.component_weight if rows is None else self.component_weight[rows]
        contribution = weights * self.weight_at(rows)
        contribution *= self.score if rows is None else self.score[rows]
        return contribution


@attrs.frozen(eq=False)
class ComponentColumns:
    """One component over every row: the columns of `ComponentResult` (``score``
    is 0.0 where ``available`` is false; the per-object result then has ``None``)."""

    definition: Component[Any]
    score: FloatArray
    available: BoolArray
    weight: FloatArray
    contribution: FloatArray
    indicators: tuple[IndicatorColumns, ...]

    @property
    def key(self) -> str:
        return self.definition.key


@attrs.frozen(eq=False)
class ColumnEvaluation:
    """What `evaluate_columns` computes: the overall score and confidence per row and
    the components with their indicators."""

    score: FloatArray
    confidence: FloatArray
    components: tuple[ComponentColumns, ...]

    def __len__(self) -> int:
        return len(self.score)


@attrs.frozen(eq=False)
class _Patterns:
    """Which of several masks hold on each row, as a pattern code (bit ``i``: mask ``i``),
    with the patterns that occur; per-pattern quantities become one lookup per row."""

    code: IndexArray
    present: tuple[int, ...]
    width: int

    @classmethod
    def of(cls, masks: Sequence[BoolArray], size: int) -> _Patterns:
        if len(masks) > _LUT_BITS:
            raise ValueError(f"at most {_LUT_BITS} indicators a component, got {len(masks)}")
        small: npt.NDArray[np.unsignedinteger[Any]] = np.zeros(
            size, dtype=np.uint8 if len(masks) <= 8 else np.uint16
        )
        for bit, mask in enumerate(masks):
            small |= mask.astype(small.dtype) << bit
        code = small.astype(np.intp)
        if len(masks) <= _ALL_PATTERNS:  # cheaper to tabulate every pattern than to look
            return cls(code, tuple(range(1 << len(masks))), len(masks))
        counts = np.bincount(code, minlength=1 << len(masks))
        return cls(code, tuple(np.flatnonzero(counts).tolist()), len(masks))

    def any(self) -> BoolArray:
        result: BoolArray = self.code != 0
        return result

    def table(self, per_pattern: Callable[[int], float]) -> FloatArray:
        """``per_pattern(code)`` for every code (0.0 for codes absent from the rows)."""
        table = np.zeros(1 << self.width, dtype=np.float64)
        for pattern in self.present:
            table[pattern] = per_pattern(pattern)
        return table


def _fsum_of(weights: Sequence[float], pattern: int) -> float:
    """``math.fsum`` of the weights whose bit is set in ``pattern``."""
    return math.fsum(w for bit, w in enumerate(weights) if pattern >> bit & 1)


class _Sum:
    """A running sum of columns, in the order of the terms; with ``exact``, compensated
    (Ogita, Rump and Oishi's Sum2: each addition's rounding error is kept with Knuth's
    TwoSum and added back at the end), which for the non-negative terms of a card gives
    ``math.fsum``'s correctly rounded result unless the exact sum lies within about
    ``n × 2**-106`` of a rounding boundary."""

    def __init__(self, size: int, *, exact: bool = False) -> None:
        self._sum = np.zeros(size, dtype=np.float64)
        self._exact = exact
        self._error = self._sum
        if exact:
            self._error = np.zeros(size, dtype=np.float64)
            self._next = np.empty(size, dtype=np.float64)
            self._b = np.empty(size, dtype=np.float64)
            self._a = np.empty(size, dtype=np.float64)

    def add(self, term: FloatArray) -> None:
        if not self._exact:
            self._sum += term
            return
        total, new, b, a = self._sum, self._next, self._b, self._a
        np.add(total, term, out=new)
        np.subtract(new, total, out=b)  # the part of ``term`` that went in
        np.subtract(new, b, out=a)  # the part of ``total`` that stayed
        np.subtract(total, a, out=a)
        np.subtract(term, b, out=b)
        self._error += a
        self._error += b
        self._sum, self._next = new, total

    def reset(self) -> None:
        """Start again from 0."""
        self._sum[...] = 0.0
        self._error[...] = 0.0

    def total(self) -> FloatArray:
        if not self._exact:
            return self._sum
        result: FloatArray = self._sum + self._error
        return result


def _clean(values: FloatArray, available: BoolArray) -> tuple[FloatArray, BoolArray]:
    """The values and the mask of an indicator as a result holds them: available only where
    finite, 0.0 where not available.  The arrays given are used as they are when they
    already are so (the usual case: no copy)."""
    finite = np.isfinite(values)
    if not finite.all():
        available = available & finite
        return np.where(available, values, 0.0), available
    nonzero = values != 0
    if np.count_nonzero(nonzero) == np.count_nonzero(nonzero & available):
        return values, available
    return values * available, available


def _as_benchmark_column(benchmark: Benchmark | BenchmarkColumn) -> BenchmarkColumn:
    if isinstance(benchmark, BenchmarkColumn):
        return benchmark
    return BenchmarkColumn.single(benchmark)


def evaluate_columns(
    components: Sequence[Component[Any]],
    values: Mapping[str, tuple[npt.ArrayLike, npt.ArrayLike]],
    benchmarks: Mapping[str, Benchmark | BenchmarkColumn],
    weights: Mapping[str, float] | None = None,
    *,
    size: int | None = None,
    exact: bool = False,
) -> ColumnEvaluation:
    """`evaluate` over ``n`` rows at once.

    ``values`` and ``benchmarks`` are keyed ``"component.indicator"``: each value is a pair
    ``(values, available)`` of arrays of length ``n`` (a value is used only where
    ``available`` is true and it is finite); each benchmark is one `Benchmark` for
    every row or a `BenchmarkColumn`.  ``weights`` are the nominal component weights
    (default: equal), the same for every row.  ``size`` gives ``n`` when there is no
    indicator to tell it.  The value and mask arrays given are kept as they are when they
    are already finite and 0.0 where not available (no copy).

    Values, scores and weights are exactly ``evaluate``'s (the weights' ``math.fsum`` of
    available weights included: it depends only on which indicators are available, so it is
    computed once per pattern).  The sums (a component's score and contribution, the
    overall score, the confidence) agree with ``evaluate``'s to a few units in the last
    place: a component's contribution is its weight times its score sum, and each sum is
    taken in order.  ``exact=True`` follows ``evaluate`` term by term, with compensated
    sums, which in practice gives its results bit for bit (about twice the time).
    """
    nominal = {c.key: (weights or {}).get(c.key, 1.0) for c in components}
    if any(not math.isfinite(w) or w < 0 for w in nominal.values()) or not any(nominal.values()):
        raise ValueError(f"component weights must be finite, >= 0 and not all 0: {nominal}")
    total_weight = math.fsum(nominal.values())
    n = size
    for first in values.values():
        n = len(np.asarray(first[0]))
        break
    if n is None:
        raise ValueError("evaluate_columns needs size= when there are no values")

    # The scores of all indicators are the rows of one block, and the component columns
    # of another: a few large arrays rather than many (fresh memory costs most here).
    k = sum(len(c.indicators) for c in components)
    score_block = np.empty((k, n), dtype=np.float64)
    component_block = np.empty((3, len(components), n), dtype=np.float64)
    scratch = np.empty(n, dtype=np.float64)
    weight = np.empty(n, dtype=np.float64)

    parts: list[list[tuple[Indicator[Any], FloatArray, BoolArray, FloatArray, BenchmarkColumn]]]
    parts = []
    row = 0
    for component in components:
        rows = []
        for indicator in component.indicators:
            path = f"{component.key}.{indicator.key}"
            try:
                raw_values, raw_available = values[path]
                benchmark = _as_benchmark_column(benchmarks[path])
            except KeyError:
                raise KeyError(f"no values or no benchmark for indicator {path!r}") from None
            given = np.asarray(raw_values, dtype=np.float64)
            if given.shape != (n,) or np.shape(raw_available) != (n,):
                raise ValueError(f"indicator {path!r}: values and mask must have shape ({n},)")
            value, available = _clean(given, np.asarray(raw_available, dtype=np.bool_))
            score = benchmark.scores(value, available, out=score_block[row])
            rows.append((indicator, value, available, score, benchmark))
            row += 1
        parts.append(rows)

    patterns = [_Patterns.of([r[2] for r in rows], n) for rows in parts]
    active_masks = [
        p.any() & (nominal[c.key] > 0) for p, c in zip(patterns, components, strict=True)
    ]
    active = _Patterns.of(active_masks, n)
    component_nominal = [nominal[c.key] for c in components]
    confidence = _confidence_sum(components, parts, patterns, nominal, total_weight, exact=exact)

    results: list[ComponentColumns] = []
    total = _Sum(n, exact=exact)
    component_sum = _Sum(n, exact=exact)
    contribution_sum = _Sum(n, exact=exact)
    contribution = np.empty(n, dtype=np.float64) if exact else scratch
    for position, (component, rows, pattern) in enumerate(
        zip(components, parts, patterns, strict=True)
    ):

        def component_share(code: int, position: int = position) -> float:
            total = _fsum_of(component_nominal, code)
            if not code >> position & 1 or total == 0:  # (a pattern no row has)
                return 0.0
            return component_nominal[position] / total

        # Exactly evaluate's ``active[c] / active_total`` and ``weight / available_weight``
        # (both fsums), tabulated once per pattern of availability.
        component_score, component_weight, component_contribution = component_block[:, position]
        np.take(active.table(component_share), active.code, out=component_weight)
        indicator_weights = [r[0].weight for r in rows]
        component_sum.reset()
        contribution_sum.reset()
        indicators: list[IndicatorColumns] = []
        for bit, (indicator, value, available, score, benchmark) in enumerate(rows):

            def indicator_share(
                code: int, bit: int = bit, weights: list[float] = indicator_weights
            ) -> float:
                if not code >> bit & 1:
                    return 0.0
                return weights[bit] / _fsum_of(weights, code)

            shares = pattern.table(indicator_share)
            np.take(shares, pattern.code, out=weight)
            component_sum.add(np.multiply(weight, score, out=scratch))
            if exact:
                # ``component weight × weight × score``, each in [0, 100] by construction
                # (both weights are shares of sums that include them): no clamp needed.
                np.multiply(component_weight, weight, out=contribution)
                contribution *= score
                contribution_sum.add(contribution)
            indicators.append(
                IndicatorColumns(
                    definition=indicator,
                    component=component.key,
                    value=value,
                    available=available,
                    score=score,
                    benchmark=benchmark,
                    pattern=pattern.code,
                    shares=shares,
                    component_weight=component_weight,
                )
            )
        component_score[...] = _cap(component_sum.total())
        if exact:
            component_contribution[...] = _cap(contribution_sum.total())
        else:
            np.multiply(component_weight, component_score, out=component_contribution)
        component_score *= active_masks[position]
        total.add(component_contribution)
        results.append(
            ComponentColumns(
                definition=component,
                score=component_score,
                available=active_masks[position],
                weight=component_weight,
                contribution=component_contribution,
                indicators=tuple(indicators),
            )
        )
    return ColumnEvaluation(
        score=_cap(total.total()),
        confidence=confidence,
        components=tuple(results),
    )


def _confidence_sum(
    components: Sequence[Component[Any]],
    parts: Sequence[Sequence[tuple[Indicator[Any], FloatArray, BoolArray, FloatArray, Any]]],
    patterns: Sequence[_Patterns],
    nominal: Mapping[str, float],
    total_weight: float,
    *,
    exact: bool,
) -> FloatArray:
    """The share of the nominal weight whose inputs were available, per row:
    ``evaluate``'s running sum, term by term with ``exact``, else one tabulated partial sum
    per component."""
    size = len(patterns[0].code) if patterns else 0
    result = np.zeros(size, dtype=np.float64)
    for component, rows, pattern in zip(components, parts, patterns, strict=True):
        indicator_total = math.fsum(i.weight for i in component.indicators)
        shares = [
            nominal[component.key] / total_weight * r[0].weight / indicator_total for r in rows
        ]
        if exact:
            # Adding 0.0 where an indicator is not available leaves the sum as it is.
            for share, r in zip(shares, rows, strict=True):
                result += r[2] * share
        else:

            def partial(code: int, shares: list[float] = shares) -> float:
                return sum(share for bit, share in enumerate(shares) if code >> bit & 1)

            result += np.take(pattern.table(partial), pattern.code)
    return _confidence(result)


# --------------------------------------------------------------------------- brands


def stream_days(table: StreamTable) -> IntArray:
    """Each stream's local start date (``started_at.date()``) as a proleptic Gregorian
    ordinal (`datetime.date.toordinal`)."""
    local = table.column("started_at_us") + table.column("started_at_offset_min").astype(
        np.int64
    ) * np.int64(_MINUTE_US)
    days: IntArray = local // _DAY_US + _EPOCH_ORDINAL
    return days


def _pairs(
    brand: npt.NDArray[Any], other: npt.NDArray[Any], others: int
) -> tuple[IndexArray, IntArray, IntArray, IntArray]:
    """The distinct (brand code, other code) pairs of the rows: each row's pair index, then
    per pair its brand code, other code and row count."""
    key = brand.astype(np.int64) * max(others, 1) + other.astype(np.int64)
    if len(key) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros(0, dtype=np.intp), empty, empty, empty
    span = int(key.max()) + 1
    if span <= max(4 * len(key), 1 << 16):
        counts = np.bincount(key, minlength=span)
        present = np.flatnonzero(counts)
        position = np.zeros(span, dtype=np.intp)
        position[present] = np.arange(len(present), dtype=np.intp)
        index: IndexArray = position[key]
        unique = present.astype(np.int64)
        pair_counts = counts[present].astype(np.int64)
    else:
        unique, inverse, pair_counts = np.unique(key, return_inverse=True, return_counts=True)
        index = inverse.reshape(-1).astype(np.intp)
    return index, unique // max(others, 1), unique % max(others, 1), pair_counts


@attrs.frozen
class StreamFacts:
    """What a brand's context needs from its streams, when the catalog does not hold them
    (a `read_jsonl` catalog): per brand id, the number of streams per
    account id and the earliest and latest local start date (ordinals).

    Built from the tables (or chunks) of a whole run with `over`, so that the main
    platform and the analysis window of a brand whose window is left open come out as
    they do for the whole brand, whichever chunk is scored."""

    accounts: Mapping[str, Mapping[str, int]] = attrs.field(factory=dict)
    days: Mapping[str, tuple[int, int]] = attrs.field(factory=dict)
    #: Per brand id, the stream sections its rows hold: streams, plans, stream products.
    sections: Mapping[str, frozenset[Section]] = attrs.field(factory=dict)

    @classmethod
    def of(cls, table: StreamTable) -> StreamFacts:
        brand_ids = table.dictionary("brand_id")
        account_ids = table.dictionary("account_id")
        brand = table.column("brand_id")
        _, pair_brand, pair_account, pair_count = _pairs(
            brand, table.column("account_id"), len(account_ids)
        )
        accounts: dict[str, dict[str, int]] = {}
        for b, a, count in zip(
            pair_brand.tolist(), pair_account.tolist(), pair_count.tolist(), strict=True
        ):
            accounts.setdefault(brand_ids[b], {})[account_ids[a]] = count
        days: dict[str, tuple[int, int]] = {}
        if len(table):
            ordinal = stream_days(table)
            first = np.full(len(brand_ids), np.iinfo(np.int64).max, dtype=np.int64)
            last = np.full(len(brand_ids), np.iinfo(np.int64).min, dtype=np.int64)
            np.minimum.at(first, brand, ordinal)
            np.maximum.at(last, brand, ordinal)
            for code in np.flatnonzero(np.bincount(brand, minlength=len(brand_ids))).tolist():
                days[brand_ids[code]] = (int(first[code]), int(last[code]))
        sections: dict[str, frozenset[Section]] = {}
        if len(table):
            held = {
                Section.PLANS: table.column("has_plan"),
                Section.STREAM_PRODUCTS: table.column("products_listed") > 0,
            }
            counts = {
                s: np.bincount(brand, weights=m, minlength=len(brand_ids)) for s, m in held.items()
            }
            for code in np.flatnonzero(np.bincount(brand, minlength=len(brand_ids))).tolist():
                sections[brand_ids[code]] = frozenset(
                    {Section.STREAMS} | {s for s, c in counts.items() if c[code] > 0}
                )
        return cls(accounts, days, sections)

    def merge(self, other: StreamFacts) -> StreamFacts:
        accounts = {b: dict(counts) for b, counts in self.accounts.items()}
        for brand_id, counts in other.accounts.items():
            mine = accounts.setdefault(brand_id, {})
            for account_id, count in counts.items():
                mine[account_id] = mine.get(account_id, 0) + count
        days = dict(self.days)
        for brand_id, (first, last) in other.days.items():
            if brand_id in days:
                low, high = days[brand_id]
                days[brand_id] = (min(low, first), max(high, last))
            else:
                days[brand_id] = (first, last)
        sections = dict(self.sections)
        for brand_id, held in other.sections.items():
            sections[brand_id] = sections.get(brand_id, frozenset()) | held
        return StreamFacts(accounts, days, sections)

    @classmethod
    def over(cls, tables: Iterable[StreamTable]) -> StreamFacts:
        facts = cls()
        for table in tables:
            facts = facts.merge(cls.of(table))
        return facts


@attrs.frozen
class BrandFacts:
    """The per-brand context of a stream scorer: the brand's main platform, category and
    tier, its window in weeks, its short videos in the window by account (``None`` when
    the brand records no short video) and the platform of each of its accounts."""

    platform: str | None
    category: str
    tier: str | None
    weeks: float | None
    videos: Mapping[str, int] | None
    #: Each account's platform, by account id: a stream is judged by its account's platform.
    accounts: Mapping[str, str] = attrs.field(factory=dict)
    #: The sections of the brand's data that were provided (`Brand.provided
    #: <steps.domain.model.Brand.provided>`; for a brand whose streams are table rows, the
    #: stream sections are inferred from the rows).
    provided: frozenset[Section] = frozenset()

    def platform_of(self, account_id: str) -> str | None:
        """The platform a stream of ``account_id`` is judged by: its account's, else the
        brand's main platform (an account the brand does not list)."""
        return self.accounts.get(account_id, self.platform)


def _main_platform(brand: Brand, votes: Mapping[str, int]) -> Platform | None:
    """`steps.domain.metrics.main_platform` with the stream counts per account given
    (the brand's streams are not in the catalog)."""
    by_account = {a.account_id: a.platform for a in brand.accounts}
    counted: Counter[Platform] = Counter()
    for account_id, count in votes.items():
        if account_id in by_account and count > 0:
            counted[by_account[account_id]] += count
    if not counted:
        counted = Counter(a.platform for a in brand.accounts)
    if not counted:
        counted = Counter(c.platform for c in brand.talent_collabs)
    if not counted:
        return None
    order = {p: i for i, p in enumerate(Platform)}
    return min(counted, key=lambda p: (-counted[p], order[p]))


def _window(brand: Brand, days: tuple[int, int] | None) -> tuple[date, date] | None:
    """`steps.plugins._support.window_dates` with the first and last stream date
    given (the brand's streams are not in the catalog)."""
    start, end = brand.window_start, brand.window_end
    if start is not None and end is not None:
        return start, end
    dated = [v.posted_at.date() for v in brand.short_videos]
    for collab in brand.talent_collabs:
        dated += [collab.started_on, collab.ended_on]
    if days is not None:
        dated += [date.fromordinal(days[0]), date.fromordinal(days[1])]
    if start is not None:
        dated.append(start)
    if end is not None:
        dated.append(end)
    if not dated:
        return None
    return (start or min(dated)), (end or max(dated))


def brand_facts(brand: Brand, streams: StreamFacts | None = None) -> BrandFacts:
    """The context of ``brand``: from its own streams when the catalog holds them, else
    from ``streams`` (the brand's entry there; none: no streams)."""
    if brand.streams:
        main = metrics.main_platform(brand)
        dates = [s.started_at.date().toordinal() for s in brand.streams]
        window = _window(brand, (min(dates), max(dates)))
    else:
        votes = streams.accounts.get(brand.brand_id, {}) if streams is not None else {}
        days = streams.days.get(brand.brand_id) if streams is not None else None
        main = _main_platform(brand, votes)
        window = _window(brand, days)
    weeks = None
    videos: dict[str, int] | None = None
    if window is not None:
        start, end = window
        weeks = max((end - start).days + 1, 7) / 7
        if brand.short_videos:
            videos = dict(
                Counter(
                    v.account_id for v in brand.short_videos if start <= v.posted_at.date() <= end
                )
            )
    return BrandFacts(
        platform=main.value if main is not None else None,
        category=brand.category,
        tier=brand.tier,
        weeks=weeks,
        videos=videos,
        accounts={a.account_id: a.platform.value for a in brand.accounts},
        provided=_provided(brand, streams),
    )


def _provided(brand: Brand, streams: StreamFacts | None) -> frozenset[Section]:
    """`Brand.provided` of every section; a
    brand whose streams the catalog does not hold and that declares no coverage has its
    stream sections inferred from ``streams``."""
    # Brand.provided of each section, with the records counted once, not once a section.
    if brand.coverage is not None:
        provided = frozenset(c.section for c in brand.coverage)
    else:
        provided = frozenset(s for s, held in brand.held().items() if held)
    if brand.coverage is None and not brand.streams and streams is not None:
        provided |= streams.sections.get(brand.brand_id, frozenset())
    return provided


#: Per-brand aggregates that columnar indicators read through `TableCatalog.memo`, by
#: key (`brand_aggregate`): what `steps.spark` computes once on the driver and ships.
BRAND_AGGREGATES: dict[str, Callable[[Brand], Any]] = {}


def brand_aggregate(key: str) -> Callable[[Callable[[Brand], T]], Callable[[Brand], T]]:
    """Register ``compute(brand)`` as the aggregate ``key`` of `TableCatalog.memo`."""

    def register(compute: Callable[[Brand], T]) -> Callable[[Brand], T]:
        BRAND_AGGREGATES[key] = compute
        return compute

    return register


class TableCatalog:
    """The brands a table's streams belong to, with the lookups columnar scorers share.

    ``dataset`` holds the brands (accounts, products, short videos...); when it also holds
    a brand's streams (a table built with `StreamTable.from_dataset`), the brand's context comes
    from them, as on
    the per-object path.  Otherwise (the ``.catalog`` of a JSON Lines source, which has no
    streams) it comes from ``streams``, or, without it, from the rows of the table being
    scored: pass ``streams=StreamFacts.over(chunks)`` (or use `over`) when a brand's
    streams are spread over several chunks and its window is open or its platform is
    decided by its streams.  Build one per run: it caches per-brand work across tables
    and scorers.
    """

    def __init__(self, dataset: Dataset, streams: StreamFacts | None = None) -> None:
        self.dataset = dataset
        self.streams = streams
        self._brands = {brand.brand_id: brand for brand in dataset.brands}
        self._facts: dict[str, BrandFacts] = {}
        self._objects: dict[str, dict[str, Stream]] = {}
        self._last: tuple[StreamTable, TableBrands] | None = None
        self._memo: dict[tuple[str, str], Any] = {}

    @classmethod
    def of(cls, catalog: Dataset | TableCatalog) -> TableCatalog:
        return catalog if isinstance(catalog, TableCatalog) else cls(catalog)

    @classmethod
    def over(cls, dataset: Dataset, tables: Iterable[StreamTable]) -> TableCatalog:
        """A catalog whose brand contexts come from the streams of all ``tables``."""
        return cls(dataset, StreamFacts.over(tables))

    def require(self, brand_ids: Iterable[str]) -> None:
        """`ValueError`, before any scoring, for a brand id the catalog does not hold."""
        for brand_id in brand_ids:
            self.brand(brand_id)

    def brand(self, brand_id: str) -> Brand:
        try:
            return self._brands[brand_id]
        except KeyError:
            raise ValueError(f"brand {brand_id!r} of the table is not in the catalog") from None

    def stream_objects(self, brand_id: str) -> Mapping[str, Stream]:
        """The catalog's streams of ``brand_id`` by stream id (empty when it holds none)."""
        found = self._objects.get(brand_id)
        if found is None:
            streams = self.brand(brand_id).streams
            found = self._objects[brand_id] = {s.stream_id: s for s in streams}
        return found

    def memo(self, key: str, brand_id: str, compute: Callable[[Brand], T]) -> T:
        """``compute(brand)`` of the brand ``brand_id``, computed once per catalog: per-brand
        work that columnar indicators share across the tables (chunks) and scorers of a
        run, such as an index of the brand's orders by stream.  Register ``compute`` under
        ``key`` with `brand_aggregate` so that `steps.spark` can ship its result to
        executors instead of the brand's records."""
        cached = self._memo.get((key, brand_id), _MISSING)
        if cached is _MISSING:
            cached = self._memo[key, brand_id] = compute(self.brand(brand_id))
        found: T = cached
        return found

    def facts(self, brand_id: str, table: StreamTable | None = None) -> BrandFacts:
        """The context of ``brand_id``; when neither the catalog nor `streams` knows
        its streams, from the rows of ``table``."""
        brand = self.brand(brand_id)
        if brand.streams or self.streams is not None or table is None:
            cached = self._facts.get(brand_id)
            if cached is None:
                cached = self._facts[brand_id] = brand_facts(brand, self.streams)
            return cached
        return brand_facts(brand, StreamFacts.of(table))

    def brands(self, table: StreamTable) -> TableBrands:
        """The per-brand lookups of ``table``'s rows (cached for the last table)."""
        if self._last is not None and self._last[0] is table:
            return self._last[1]
        brands = TableBrands.build(self, table)
        self._last = (table, brands)
        return brands


@attrs.frozen(eq=False)
class TableBrands:
    """The brand context of every row of a table: per brand code (the table's
    ``brand_id`` dictionary) its `BrandFacts` (``None`` for codes no row uses)."""

    table: StreamTable
    catalog: TableCatalog
    facts: tuple[BrandFacts | None, ...]
    _cache: dict[str, Any] = attrs.field(factory=dict, init=False, repr=False)
    _scope_cache: list[tuple[IndexArray, list[tuple[str | None, str, str | None]]]] = attrs.field(
        factory=list, init=False, repr=False
    )

    @classmethod
    def build(cls, catalog: TableCatalog, table: StreamTable) -> TableBrands:
        brand_ids = table.dictionary("brand_id")
        used = np.bincount(table.column("brand_id"), minlength=len(brand_ids)) > 0
        own: StreamFacts | None = None
        facts: list[BrandFacts | None] = []
        for code, brand_id in enumerate(brand_ids):
            if not used[code]:
                facts.append(None)
                continue
            if catalog.streams is not None or catalog.stream_objects(brand_id):
                facts.append(catalog.facts(brand_id))
            else:
                if own is None:
                    own = StreamFacts.of(table)
                facts.append(brand_facts(catalog.brand(brand_id), own))
        return cls(table, catalog, tuple(facts))

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()``, computed once for this table whichever scorer asks first (the
        catalog keeps the lookups of the last table it was asked about)."""
        if key not in self._cache:
            self._cache[key] = compute()
        found: T = self._cache[key]
        return found

    def _per_brand(self, choose: Callable[[BrandFacts], object]) -> list[object]:
        return [None if f is None else choose(f) for f in self.facts]

    def _scopes(self) -> tuple[IndexArray, list[tuple[str | None, str, str | None]]]:
        """Each row's benchmark scope and the distinct scopes ``(platform, category,
        tier)``: the platform of the row's account (`BrandFacts.platform_of`), the
        category and tier of its brand."""
        cached = self._scope_cache
        if cached:
            return cached[0]
        account_ids = self.table.dictionary("account_id")
        index, pair_brand, pair_account, _ = _pairs(
            self.table.column("brand_id"), self.table.column("account_id"), len(account_ids)
        )
        scopes: dict[tuple[str | None, str, str | None], int] = {}
        of_pair = np.zeros(len(pair_brand), dtype=np.intp)
        for pair, (b, a) in enumerate(zip(pair_brand.tolist(), pair_account.tolist(), strict=True)):
            facts = self.facts[b]
            if facts is None:
                continue
            scope = (facts.platform_of(account_ids[a]), facts.category, facts.tier)
            of_pair[pair] = scopes.setdefault(scope, len(scopes))
        found = (of_pair[index], list(scopes))
        cached.append(found)
        return found

    def benchmarks(
        self, scorer: str, indicator: Indicator[Any], context: ScoringContext
    ) -> BenchmarkColumn:
        """The benchmark of ``indicator`` for each row: ``context.benchmark_for`` with the
        platform of the row's account (the brand's main platform for an account the brand
        does not list) and the category and tier of the row's brand, as
        `resolve_benchmark` picks it for one
        stream."""
        rows, scopes = self._scopes()
        choices: list[Benchmark] = []
        of_scope = np.zeros(max(len(scopes), 1), dtype=np.intp)
        for code, (platform, category, tier) in enumerate(scopes):
            chosen = context.benchmark_for(
                scorer, indicator, platform=platform, category=category, tier=tier
            )
            for index, known in enumerate(choices):
                if known is chosen:
                    of_scope[code] = index
                    break
            else:
                of_scope[code] = len(choices)
                choices.append(chosen)
        if not choices:
            return BenchmarkColumn.single(indicator.default_benchmark(None))
        if len(choices) == 1:
            return BenchmarkColumn.single(choices[0])
        return BenchmarkColumn(tuple(choices), of_scope[rows])

    def content_output(self) -> Measured:
        """Short videos per week of each row's account in its brand's window
        (posted in the window / the window's weeks); not available where the brand
        records no short video."""
        cached: Measured | None = self._cache.get("content_output")
        if cached is not None:
            return cached
        account_ids = self.table.dictionary("account_id")
        index, pair_brand, pair_account, _ = _pairs(
            self.table.column("brand_id"), self.table.column("account_id"), len(account_ids)
        )
        per_pair = np.zeros(len(pair_brand), dtype=np.float64)
        known = np.zeros(len(pair_brand), dtype=np.bool_)
        for pair, (b, a) in enumerate(zip(pair_brand.tolist(), pair_account.tolist(), strict=True)):
            facts = self.facts[b]
            if facts is None or facts.videos is None or facts.weeks is None:
                continue
            per_pair[pair] = facts.videos.get(account_ids[a], 0) / facts.weeks
            known[pair] = True
        result = (per_pair[index], known[index])
        self._cache["content_output"] = result
        return result


# --------------------------------------------------------------------------- results


Advisor: TypeAlias = Callable[[StreamSubject, Evaluation], Sequence[Recommendation]]


@attrs.frozen(eq=False)
class _Picked:
    """One indicator's columns at chosen rows, as Python lists (for building results)."""

    columns: IndicatorColumns
    ok: list[bool]
    value: list[float]
    score: list[float]
    weight: list[float]
    contribution: list[float]
    choice: list[int]
    describe: list[str]
    sources: list[str]
    unavailable: str
    missing_note: str
    language: str

    @classmethod
    def of(cls, ind: IndicatorColumns, index: IndexArray, language: str = "en") -> _Picked:
        codes = ind.benchmark.codes
        return cls(
            columns=ind,
            ok=ind.available[index].tolist(),
            value=ind.value[index].tolist(),
            score=ind.score[index].tolist(),
            weight=ind.weight_at(index).tolist(),
            contribution=ind.contribution_at(index).tolist(),
            choice=[0] * len(index) if codes is None else codes[index].tolist(),
            describe=[
                describe_benchmark(b, language, ind.definition.unit) for b in ind.benchmark.choices
            ],
            sources=[b.source for b in ind.benchmark.choices],
            unavailable=unavailable_text(ind.definition, language),
            missing_note=missing_note(ind.path, ind.definition, language),
            language=language,
        )

    def result(self, k: int, missing: list[str]) -> IndicatorResult:
        """The `IndicatorResult` of the ``k``-th chosen row (noting it in
        ``missing`` when it is not available)."""
        definition = self.columns.definition
        ok = self.ok[k]
        if ok:
            text = explanation_text(
                definition,
                self.value[k],
                self.score[k],
                self.describe[self.choice[k]],
                self.language,
            )
        else:
            text = self.unavailable
            missing.append(self.missing_note)
        return IndicatorResult(
            key=definition.key,
            name=definition.name,
            name_zh=definition.name_zh,
            component=self.columns.component,
            value=self.value[k] if ok else None,
            unit=definition.unit,
            score=self.score[k] if ok else None,
            weight=self.weight[k],
            contribution=self.contribution[k],
            benchmark=self.describe[self.choice[k]],
            benchmark_source=self.sources[self.choice[k]],
            explanation=text,
            missing=() if ok else definition.inputs,
        )


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


def _strings(values: tuple[str, ...], codes: npt.NDArray[Any]) -> list[str]:
    lookup = np.empty(len(values), dtype=object)
    lookup[:] = values
    decoded: list[str] = lookup[codes].tolist()
    return decoded


@attrs.frozen(eq=False)
class TableScores:
    """One scorer's scores of every row of ``table``, as columns.

    ``score`` and ``confidence`` are per row; `components` hold the per-component and
    per-indicator columns (`ComponentColumns`, `IndicatorColumns`).  ``notes``
    are the card's notes as measured columns (a note is shown as ``f"{value:.4f}"`` where
    available).  ``advisor`` gives a row's recommendations from its subject and
    `Evaluation` (they need the stream's nested details, so `to_cards` makes
    them only when given the subjects).  ``language`` is the language of the explanations,
    benchmark descriptions and missing-data notes (the scoring context's).

    ``score`` holds every row's computed score; where the row's confidence is below
    ``min_confidence`` (`withheld`) the score is withheld: its card has ``score``
    ``None`` (`steps.scoring.confidence.withhold`), its rows ``None``, and
    `to_columns` masks it.  The engine sets ``min_confidence`` to the scorer's
    minimum (`steps.scoring.confidence`); a scorer leaves it at 0.
    """

    scorer: str
    version: str
    table: StreamTable
    score: FloatArray
    confidence: FloatArray
    components: tuple[ComponentColumns, ...]
    notes: Mapping[str, Measured] = attrs.field(factory=dict, converter=_frozen)
    advisor: Advisor | None = None
    language: Language = "en"
    min_confidence: float = 0.0

    @property
    def withheld(self) -> BoolArray:
        """Per row: the score is withheld (the confidence is below `min_confidence`)."""
        withheld: BoolArray = self.confidence < self.min_confidence
        return withheld

    def __len__(self) -> int:
        return len(self.score)

    @classmethod
    def of(
        cls,
        scorer: str,
        version: str,
        table: StreamTable,
        evaluation: ColumnEvaluation,
        *,
        notes: Mapping[str, Measured] | None = None,
        advisor: Advisor | None = None,
        language: Language = "en",
    ) -> TableScores:
        return cls(
            scorer=scorer,
            version=version,
            table=table,
            score=evaluation.score,
            confidence=evaluation.confidence,
            components=evaluation.components,
            notes=dict(notes or {}),
            advisor=advisor,
            language=language,
        )

    def component(self, key: str) -> ComponentColumns:
        for component in self.components:
            if component.key == key:
                return component
        raise KeyError(f"{self.scorer} has no component {key!r}")

    def withheld_reasons(
        self, rows: npt.ArrayLike | None = None
    ) -> list[tuple[str, tuple[str, ...]] | None]:
        """Per chosen row (all rows by default): ``None`` where the score stands, else the
        card's ``withheld`` reason and ``provide`` (as `to_cards` gives them, made
        from the columns: once per pattern of unavailable indicators)."""
        from steps.scoring.confidence import provide_from, withheld_reason

        index = self._rows(rows)
        out: list[tuple[str, tuple[str, ...]] | None] = [None] * len(index)
        chosen = np.flatnonzero(self.withheld[index])
        if not len(chosen):
            return out
        indicators = list(self.indicators())
        inputs = [i.definition.inputs for i in indicators]
        available = [i.available[index[chosen]] for i in indicators]
        confidence = self.confidence[index[chosen]].tolist()
        known: dict[tuple[bool, ...], tuple[str, ...]] = {}
        for position, k in enumerate(chosen.tolist()):
            pattern = tuple(bool(a[position]) for a in available)
            provide = known.get(pattern)
            if provide is None:
                provide = known[pattern] = provide_from(
                    (needs for needs, ok in zip(inputs, pattern, strict=True) if not ok),
                    SubjectKind.STREAM,
                )
            reason = withheld_reason(
                self.scorer, confidence[position], self.min_confidence, provide, self.language
            )
            out[k] = (reason, provide)
        return out

    def indicators(self) -> Iterator[IndicatorColumns]:
        for component in self.components:
            yield from component.indicators

    def indicator(self, key: str) -> IndicatorColumns:
        """An indicator by key, or by ``"component.indicator"``."""
        for indicator in self.indicators():
            if key in (indicator.key, indicator.path):
                return indicator
        raise KeyError(f"{self.scorer} has no indicator {key!r}")

    def missing(self) -> BoolArray:
        """Rows × indicators (in card order): where an indicator was not available."""
        columns = [~i.available for i in self.indicators()]
        if not columns:
            return np.zeros((len(self), 0), dtype=np.bool_)
        return np.stack(columns, axis=1)

    def subject_ids(self, rows: npt.ArrayLike | None = None) -> list[str]:
        """The stream id of each chosen row (all rows by default)."""
        codes = self.table.column("stream_id")[self._rows(rows)]
        return _strings(self.table.dictionary("stream_id"), codes)

    def brand_ids(self, rows: npt.ArrayLike | None = None) -> list[str]:
        """The brand id of each chosen row (all rows by default)."""
        codes = self.table.column("brand_id")[self._rows(rows)]
        return _strings(self.table.dictionary("brand_id"), codes)

    # -- cards ------------------------------------------------------------------------------

    def _rows(self, rows: npt.ArrayLike | None) -> IndexArray:
        if rows is None:
            return np.arange(len(self), dtype=np.intp)
        index = np.asarray(rows)
        if index.dtype == np.bool_:
            return np.flatnonzero(index)
        return index.astype(np.intp).reshape(-1)

    def evaluations(self, rows: npt.ArrayLike | None = None) -> list[Evaluation]:
        """The `Evaluation` of each chosen row, as
        `evaluate` returns it (explanations included)."""
        index = self._rows(rows)
        picked = [
            (component, [_Picked.of(ind, index, self.language) for ind in component.indicators])
            for component in self.components
        ]
        components = [
            (
                component.available[index].tolist(),
                component.score[index].tolist(),
                component.weight[index].tolist(),
                component.contribution[index].tolist(),
            )
            for component in self.components
        ]
        scores = self.score[index].tolist()
        confidences = self.confidence[index].tolist()
        out = []
        for k in range(len(index)):
            results = []
            missing: list[str] = []
            for (component, indicators), (ok, score, weight, contribution) in zip(
                picked, components, strict=True
            ):
                results.append(
                    ComponentResult(
                        key=component.key,
                        name=component.definition.name,
                        name_zh=component.definition.name_zh,
                        score=score[k] if ok[k] else None,
                        weight=weight[k],
                        contribution=contribution[k],
                        indicators=tuple(p.result(k, missing) for p in indicators),
                    )
                )
            out.append(
                Evaluation(
                    score=scores[k],
                    confidence=confidences[k],
                    components=tuple(results),
                    missing=tuple(missing),
                )
            )
        return out

    def to_cards(
        self,
        rows: npt.ArrayLike | None = None,
        *,
        subjects: Sequence[StreamSubject] | None = None,
    ) -> list[ScoreCard]:
        """The `ScoreCard` of each chosen row (all rows by default; indices or a
        boolean mask), as the per-object path makes it.

        Recommendations need the stream's nested details (segment names, products): they
        are made when ``subjects`` (one per chosen row) are given and the scorer supplied
        an `advisor`, else the cards carry none."""
        index = self._rows(rows)
        if subjects is not None and len(subjects) != len(index):
            raise ValueError(f"{len(subjects)} subjects for {len(index)} rows")
        evaluations = self.evaluations(index)
        stream_ids = self.subject_ids(index)
        brand_ids = self.brand_ids(index)
        notes = [
            (key, values[index].tolist(), available[index].tolist())
            for key, (values, available) in self.notes.items()
        ]
        from steps.scoring.confidence import withhold

        minimum, language = self.min_confidence, self.language
        cards = []
        for k, evaluation in enumerate(evaluations):
            advice: Sequence[Recommendation] = ()
            if subjects is not None and self.advisor is not None:
                advice = self.advisor(subjects[k], evaluation)
            card = ScoreCard(
                scorer=self.scorer,
                scorer_version=self.version,
                subject_kind=SubjectKind.STREAM,
                subject_id=stream_ids[k],
                brand_id=brand_ids[k],
                score=evaluation.score,
                confidence=evaluation.confidence,
                components=evaluation.components,
                missing=evaluation.missing,
                recommendations=tuple(advice),
                notes={key: f"{v[k]:.4f}" for key, v, ok in notes if ok[k]},
            )
            cards.append(withhold(card, minimum, language) if card.confidence < minimum else card)
        return cards

    def to_rows(self, rows: npt.ArrayLike | None = None) -> list[dict[str, Any]]:
        """The rows `ScoreResults.to_rows`
        gives for these cards (one dict per card × indicator, keys
        `ROW_COLUMNS`)."""
        from steps.scoring.engine import ScoreResults

        return ScoreResults(cards=tuple(self.to_cards(rows))).to_rows()

    def to_columns(self) -> dict[str, npt.NDArray[Any]]:
        """Long-format columns, one row per stream × indicator in card order, for a data
        frame (``pandas.DataFrame(scores.to_columns())``): the columns of
        `to_rows` but ``explanation``, with ``NaN`` where a value or an indicator's or
        component's score is not available, plus ``available``.  ``score`` is a masked
        array, masked where the score is withheld (null in polars, NaN in pandas), and
        ``withheld`` is a flag there (`to_rows` gives the reason)."""
        indicators = list(self.indicators())
        k = len(indicators)
        n = len(self)

        def stack(arrays: Sequence[npt.NDArray[Any]]) -> npt.NDArray[Any]:
            if not arrays:
                return np.zeros(0, dtype=np.float64)
            return np.stack(arrays, axis=1).reshape(-1)

        def per_indicator(values: Sequence[object]) -> npt.NDArray[Any]:
            column = np.empty(k, dtype=object)
            column[:] = list(values)
            return np.tile(column, n)

        def nan_where_missing(arrays: Sequence[FloatArray]) -> FloatArray:
            return np.where(stack([i.available for i in indicators]), stack(list(arrays)), np.nan)

        def benchmark_text(describe: bool) -> npt.NDArray[Any]:
            columns = []
            for ind in indicators:
                texts = np.empty(len(ind.benchmark.choices), dtype=object)
                texts[:] = [
                    describe_benchmark(b, self.language, ind.definition.unit)
                    if describe
                    else b.source
                    for b in ind.benchmark.choices
                ]
                codes = ind.benchmark.codes
                columns.append(texts[np.zeros(n, dtype=np.intp) if codes is None else codes])
            return stack(columns)

        components = {c.key: c for c in self.components}
        withheld = self.withheld
        subject_ids = np.empty(n, dtype=object)
        subject_ids[:] = self.subject_ids()
        brand_ids = np.empty(n, dtype=object)
        brand_ids[:] = self.brand_ids()
        return {
            "scorer": np.full(n * k, self.scorer, dtype=object),
            "scorer_version": np.full(n * k, self.version, dtype=object),
            "subject_kind": np.full(n * k, SubjectKind.STREAM.value, dtype=object),
            "subject_id": np.repeat(subject_ids, k),
            "brand_id": np.repeat(brand_ids, k),
            "score": np.ma.masked_array(np.repeat(self.score, k), mask=np.repeat(withheld, k)),
            "confidence": np.repeat(self.confidence, k),
            "withheld": np.repeat(withheld, k),
            "component": per_indicator([i.component for i in indicators]),
            "component_score": stack(
                [
                    np.where(
                        components[i.component].available, components[i.component].score, np.nan
                    )
                    for i in indicators
                ]
            ),
            "indicator": per_indicator([i.key for i in indicators]),
            "value": nan_where_missing([i.value for i in indicators]),
            "unit": per_indicator([i.definition.unit for i in indicators]),
            "indicator_score": nan_where_missing([i.score for i in indicators]),
            "weight": stack([i.weight for i in indicators]),
            "contribution": stack([i.contribution for i in indicators]),
            "benchmark": benchmark_text(True),
            "benchmark_source": benchmark_text(False),
            "available": stack([i.available for i in indicators]),
        }

    # -- checking ---------------------------------------------------------------------------

    def problem(self, size: int) -> str | None:
        """Why these scores are not an acceptable answer for a table of ``size`` rows
        (``None``: they are): shapes, and every number finite and in range.  An indicator's
        weight and contribution are products of its ``shares``, ``component_weight`` and
        ``score``, so those are what is checked."""
        checked: set[int] = set()

        def bad(array: object, low: float, high: float, where: BoolArray | None = None) -> bool:
            if not isinstance(array, np.ndarray) or array.shape != (size,):
                return True
            if array.dtype.kind not in "fiub":
                return True
            if id(array) in checked:  # shared by the indicators of a component
                return False
            if not size or (low <= array.min() and array.max() <= high):  # False for NaN
                checked.add(id(array))
                return False
            if where is None:
                return True
            inside = (array >= low) & (array <= high)
            return not bool(np.all(inside | ~where))

        def not_finite(array: object, where: BoolArray) -> bool:
            if not isinstance(array, np.ndarray) or array.shape != (size,):
                return True
            if array.dtype.kind not in "fiub":
                return True
            finite = np.isfinite(array)
            return not bool(finite.all() or (finite | ~where).all())

        def mask(array: object) -> BoolArray | None:
            if not isinstance(array, np.ndarray) or array.shape != (size,):
                return None
            return array.astype(np.bool_, copy=False)

        if bad(self.score, 0.0, 100.0):
            return f"score must be {size} finite numbers in [0, 100]"
        if bad(self.confidence, 0.0, 1.0):
            return f"confidence must be {size} finite numbers in [0, 1]"
        for component in self.components:
            available = mask(component.available)
            if available is None:
                return f"component {component.key!r}: available must be {size} booleans"
            if (
                bad(component.score, 0.0, 100.0, available)
                or bad(component.weight, 0.0, 1.0)
                or bad(component.contribution, 0.0, 100.0)
            ):
                return f"component {component.key!r} has a number out of range or not finite"
            for ind in component.indicators:
                ok = mask(ind.available)
                if ok is None:
                    return f"indicator {ind.key!r}: available must be {size} booleans"
                shares = ind.shares
                if (
                    not_finite(ind.value, ok)
                    or bad(ind.score, 0.0, 100.0)
                    or bad(ind.component_weight, 0.0, 1.0)
                    or not isinstance(shares, np.ndarray)
                    or shares.ndim != 1
                    or not bool(np.all((shares >= 0.0) & (shares <= 1.0)))
                    or ind.pattern.dtype.kind not in "iu"
                    or bad(ind.pattern, 0, len(shares) - 1)
                ):
                    return f"indicator {ind.key!r} has a number out of range or not finite"
                codes = ind.benchmark.codes
                if codes is not None and (
                    codes.shape != (size,)
                    or (size and (codes.min() < 0 or codes.max() >= len(ind.benchmark.choices)))
                ):
                    return f"indicator {ind.key!r}: benchmark codes out of range"
        return None


# --------------------------------------------------------------------------- scorers


class StreamColumns:
    """What an indicator defined over columns reads (`Indicator.columns`): the columns of a table
    (``columns("uv")``), the brand context of its rows (`brands`) and values derived
    once per table and shared by the indicators that need them (`memo`)."""

    __slots__ = ("_memo", "brands", "table")

    def __init__(self, table: StreamTable, brands: TableBrands) -> None:
        self.table = table
        self.brands = brands
        self._memo: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self.table)

    def __call__(self, name: str) -> npt.NDArray[Any]:
        """The column ``name`` of the table (see `steps.columnar.SCHEMA`)."""
        return self.table.column(name)

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()``, computed once for this table whichever indicator asks first."""
        if key not in self._memo:
            self._memo[key] = compute()
        found: T = self._memo[key]
        return found

    @property
    def everywhere(self) -> BoolArray:
        """Every row available."""
        return self.memo("everywhere", lambda: np.ones(len(self.table), dtype=np.bool_))

    def provided(self, section: Section) -> BoolArray:
        """Where the row's brand provided ``section`` (`Brand.provided`): an indicator whose inputs
        come from a section not provided is not available there, never 0."""

        def compute() -> BoolArray:
            per_brand = np.array(
                [f is not None and section in f.provided for f in self.brands.facts],
                dtype=np.bool_,
            )
            if not len(per_brand):
                return np.zeros(len(self.table), dtype=np.bool_)
            rows: BoolArray = per_brand[self.table.column("brand_id")]
            return rows

        return self.memo(f"provided.{section.value}", compute)

    def where(self, condition: npt.ArrayLike, values: npt.ArrayLike) -> Measured:
        """``values`` (finite) where ``condition`` holds, else not available."""
        ok = np.asarray(condition, dtype=np.bool_)
        return np.asarray(values, dtype=np.float64) * ok, ok


def interaction_rate(c: StreamColumns) -> Measured:
    """`steps.domain.metrics.interaction_rate` over columns: ``(comments + likes +
    shares) / uv``, available where all three were recorded and ``uv`` is not 0."""
    known = c("has_comments") & c("has_likes") & c("has_shares")
    return ratio(c("comments") + c("likes") + c("shares"), c("uv"), known)


@runtime_checkable
class TableScorer(StreamScorer, Protocol):
    """A stream scorer that also scores a whole `StreamTable`."""

    def score_table(
        self, table: StreamTable, catalog: Dataset | TableCatalog, context: ScoringContext
    ) -> TableScores: ...


def score_methodology_table(
    scorer: MethodologyScorer[StreamSubject],
    table: StreamTable,
    catalog: Dataset | TableCatalog,
    context: ScoringContext,
    *,
    components: Sequence[Component[StreamSubject]],
    values: Mapping[str, Measured] | Callable[[TableBrands], Mapping[str, Measured]],
    notes: Mapping[str, Measured] | None = None,
    weights: Mapping[str, float] | None = None,
) -> TableScores:
    """Score ``table`` as ``scorer`` (a `StreamMethodology`)
    would score each stream, from its indicator ``values`` (keyed ``component.indicator``,
    or a function of the rows' `TableBrands` that returns them): benchmarks are
    resolved per brand through ``scorer.resolve_benchmark``'s rule (``context``'s
    overrides, then peers, then the default for the brand's main platform), and the
    recommendations come from ``scorer.next_moves``."""
    brands = TableCatalog.of(catalog).brands(table)
    measured = values(brands) if callable(values) else values
    benchmarks = {
        f"{c.key}.{i.key}": brands.benchmarks(scorer.name, i, context)
        for c in components
        for i in c.indicators
    }
    evaluation = evaluate_columns(components, measured, benchmarks, weights, size=len(table))

    def advise(subject: StreamSubject, evaluation: Evaluation) -> Sequence[Recommendation]:
        return scorer.next_moves(subject, evaluation, context)

    return TableScores.of(
        scorer.name,
        scorer.version,
        table,
        evaluation,
        notes=notes,
        advisor=advise,
        language=context.language,
    )


def _consistent_batches(subjects: Sequence[StreamSubject]) -> Iterator[list[StreamSubject]]:
    """``subjects`` in order, cut where a brand id would stand for two different brand
    objects in one table (a catalog holds one brand per id)."""
    batch: list[StreamSubject] = []
    seen: dict[str, Brand] = {}
    for subject in subjects:
        brand = subject.brand
        known = seen.setdefault(brand.brand_id, brand)
        if known is not brand:
            yield batch
            batch, seen = [], {brand.brand_id: brand}
        batch.append(subject)
    if batch:
        yield batch


def subjects_table(subjects: Sequence[StreamSubject]) -> tuple[StreamTable, TableCatalog]:
    """The streams of ``subjects`` as a table, one row each in order, with the catalog of
    their brands (a brand id must name one brand object throughout)."""
    from steps.columnar.table import StreamTable

    brands: list[Brand] = []
    position: dict[str, int] = {}
    rows: list[tuple[int, Stream]] = []
    for subject in subjects:
        brand = subject.brand
        index = position.get(brand.brand_id)
        if index is None:
            index = position[brand.brand_id] = len(brands)
            brands.append(brand)
        elif brands[index] is not brand:
            raise ValueError(f"two different brands with id {brand.brand_id!r} in one table")
        rows.append((index, subject.stream))
    table = StreamTable.from_streams(brands, rows)
    return table, TableCatalog(Dataset(brands=tuple(brands)))


class ColumnStreamMethodology(StreamMethodology):
    """A stream methodology whose indicators are defined over columns
    (`Indicator.columns`), once.

    `score_table` scores every row of a table at once; `score` and
    `score_many` are the same computation over a table of the subjects' streams, so
    one subject, a batch and a million-row table give the same card.  Subclasses set
    `COMPONENTS` and may give `table_notes` and recommendations
    (`recommendations`, from the subject and
    its evaluation)."""

    #: The scorer's components, the same for every stream.
    COMPONENTS: ClassVar[tuple[Component[StreamSubject], ...]] = ()

    def components(
        self, subject: StreamSubject, context: ScoringContext
    ) -> Sequence[Component[StreamSubject]]:
        return self.COMPONENTS

    def table_notes(self, columns: StreamColumns) -> Mapping[str, Measured]:
        """The card's notes as measured columns (shown as ``f"{value:.4f}"`` where
        available); none by default."""
        return {}

    def score(self, subject: StreamSubject, context: ScoringContext) -> ScoreCard:
        return self.score_many((subject,), context)[0]

    def score_many(
        self, subjects: Sequence[StreamSubject], context: ScoringContext
    ) -> list[ScoreCard]:
        """One card per subject, in order: `score_table` of their streams."""
        cards: list[ScoreCard] = []
        for batch in _consistent_batches(subjects):
            table, catalog = subjects_table(batch)
            cards += self.score_table(table, catalog, context).to_cards(subjects=batch)
        return cards

    def score_table(
        self, table: StreamTable, catalog: Dataset | TableCatalog, context: ScoringContext
    ) -> TableScores:
        """Every row of ``table`` at once.  Recommendations are made by
        `TableScores.to_cards` for the rows whose subjects it is given."""
        cat = TableCatalog.of(catalog)
        columns = StreamColumns(table, cat.brands(table))
        measured: dict[str, Measured] = {}
        for component in self.COMPONENTS:
            for indicator in component.indicators:
                if indicator.columns is None:
                    raise TypeError(
                        f"{self.name}: indicator {indicator.key} has no columns definition"
                    )
                measured[f"{component.key}.{indicator.key}"] = indicator.columns(columns)
        return score_methodology_table(
            self,
            table,
            cat,
            context,
            components=self.COMPONENTS,
            values=measured,
            notes=self.table_notes(columns),
        )


# --------------------------------------------------------------------------- materialising


def _row_streams(table: StreamTable, rows: Sequence[int]) -> list[Stream]:
    """Streams rebuilt from the table's columns: every scalar field, the traffic splits,
    the campaign and the plan's target and paid share; not the products nor the plan's
    segments (a StreamTable holds only their aggregates)."""
    from steps.columnar.table import INT_FIELDS, SOURCES

    index = np.asarray(rows, dtype=np.intp)
    column = table.column

    def values(name: str) -> list[Any]:
        picked: list[Any] = column(name)[index].tolist()
        return picked

    stream_ids = _strings(table.dictionary("stream_id"), column("stream_id")[index])
    account_ids = _strings(table.dictionary("account_id"), column("account_id")[index])
    campaigns = table.dictionary("campaign")
    campaign_codes = values("campaign")
    started = values("started_at_us")
    offsets = values("started_at_offset_min")
    ints = {f.name: values(f.name) for f in INT_FIELDS}
    present = {f.name: values(f"has_{f.name}") for f in INT_FIELDS if f.mode == "optional"}
    splits = {
        split: (values(f"has_{split}"), [values(f"{split}_{s.value}") for s in SOURCES])
        for split in ("uv_by_source", "gmv_by_source")
    }
    plan = {
        name: values(name)
        for name in (
            "has_plan",
            "plan_gmv_target_fen",
            "has_plan_gmv_target_fen",
            "plan_planned_paid_uv_share",
            "has_plan_planned_paid_uv_share",
            "plan_planned_returning_share",
            "has_plan_planned_returning_share",
        )
    }
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    out = []
    for k in range(len(index)):
        fields: dict[str, Any] = {}
        for name, column_values in ints.items():
            if name in present and not present[name][k]:
                continue
            fields[name] = column_values[k]
        for split, (has, by_source) in splits.items():
            if has[k]:
                mapping = {s: v[k] for s, v in zip(SOURCES, by_source, strict=True) if v[k]}
                fields[split] = mapping or dict.fromkeys(SOURCES, 0)
        zone = timezone(timedelta(minutes=offsets[k]))
        moment = (epoch + timedelta(microseconds=started[k])).astimezone(zone)
        run: RunOfShow | None = None
        if plan["has_plan"][k]:
            run = RunOfShow(
                gmv_target_fen=(
                    plan["plan_gmv_target_fen"][k] if plan["has_plan_gmv_target_fen"][k] else None
                ),
                planned_paid_uv_share=(
                    plan["plan_planned_paid_uv_share"][k]
                    if plan["has_plan_planned_paid_uv_share"][k]
                    else None
                ),
                planned_returning_share=(
                    plan["plan_planned_returning_share"][k]
                    if plan["has_plan_planned_returning_share"][k]
                    else None
                ),
            )
        code = campaign_codes[k]
        out.append(
            Stream(
                stream_id=stream_ids[k],
                account_id=account_ids[k],
                started_at=moment,
                campaign=campaigns[code] if code >= 0 else None,
                plan=run,
                **fields,
            )
        )
    return out


@attrs.frozen
class _Group:
    brand: Brand
    rows: tuple[int, ...]
    subjects: tuple[StreamSubject, ...]
    rebuilt: bool


def materialise(
    table: StreamTable, catalog: Dataset | TableCatalog
) -> list[tuple[Brand, list[StreamSubject], list[int]]]:
    """The table's rows as `StreamSubject` objects, grouped by brand (brands in
    order of their first row, rows in table order within a brand): ``(brand, subjects,
    rows)``.

    A stream the catalog holds is taken from it, as it is.  Otherwise it is rebuilt from
    the table's columns (without products or plan segments, which a table holds only as
    aggregates) and its brand is the catalog's brand with the rebuilt streams of this
    table."""
    return [(g.brand, list(g.subjects), list(g.rows)) for g in _groups(table, catalog)]


def _groups(table: StreamTable, catalog: Dataset | TableCatalog) -> list[_Group]:
    cat = TableCatalog.of(catalog)
    brand_codes = table.column("brand_id")
    if not len(brand_codes):
        return []
    brand_ids = table.dictionary("brand_id")
    stream_ids = table.strings("stream_id")
    order = np.argsort(brand_codes, kind="stable")
    codes, first = np.unique(brand_codes, return_index=True)
    bounds = np.searchsorted(brand_codes[order], codes, side="left").tolist()
    bounds.append(len(order))
    groups = []
    for slot in np.argsort(first, kind="stable").tolist():
        rows = order[bounds[slot] : bounds[slot + 1]].tolist()
        brand = cat.brand(brand_ids[int(codes[slot])])
        known = cat.stream_objects(brand.brand_id)
        streams: list[Stream | None] = [known.get(stream_ids[r]) for r in rows]
        missing = [r for r, s in zip(rows, streams, strict=True) if s is None]
        rebuilt = bool(missing)
        if rebuilt:
            made = iter(_row_streams(table, missing))
            full = [s if s is not None else next(made) for s in streams]
            if not known:
                brand = _with_streams(brand, full)
            else:
                brand = attrs.evolve(brand, streams=(*brand.streams, *_only(full, known)))
        else:
            full = [s for s in streams if s is not None]
        accounts = {a.account_id: a for a in brand.accounts}
        subjects = tuple(StreamSubject(s, brand, accounts.get(s.account_id)) for s in full)
        groups.append(_Group(brand, tuple(rows), subjects, rebuilt))
    return groups


def _with_streams(brand: Brand, streams: Sequence[Stream]) -> Brand:
    """The catalog's brand (which holds no streams) with ``streams``: the orders and paid
    campaigns naming its other streams are left out and the short videos naming them are
    unlinked, so that every reference resolves."""
    ids = {s.stream_id for s in streams}

    def ours(stream_id: str | None) -> bool:
        return stream_id is None or stream_id in ids

    return attrs.evolve(
        brand,
        streams=tuple(streams),
        orders=tuple(o for o in brand.orders if ours(o.stream_id)),
        paid_campaigns=tuple(c for c in brand.paid_campaigns if ours(c.stream_id)),
        short_videos=tuple(
            v if ours(v.for_stream_id) else attrs.evolve(v, for_stream_id=None)
            for v in brand.short_videos
        ),
    )


def _only(streams: Sequence[Stream], known: Mapping[str, Stream]) -> list[Stream]:
    return [s for s in streams if known.get(s.stream_id) is not s]


# --------------------------------------------------------------------------- the run


@attrs.frozen(eq=False)
class TableResults:
    """What `steps.scoring.engine.score_table` produced.

    ``scores`` holds, by scorer name, the columns of each scorer that scored the table
    with ``score_table``; ``cards`` the cards of the scorers scored one subject at a time
    (no ``score_table``, or it failed), brand by brand in table order.  ``errors`` and
    ``warnings`` are those of `ScoreResults` (a warning about
    a whole ``score_table`` call has ``subject_id`` ``None`` and ``brand_id``
    `ALL_BRANDS`)."""

    table: StreamTable
    scores: Mapping[str, TableScores] = attrs.field(factory=dict, converter=_frozen)
    cards: tuple[ScoreCard, ...] = ()
    errors: tuple[ScoreError, ...] = ()
    warnings: tuple[ScoreWarning, ...] = ()
    scorers: tuple[ScorerInfo, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_results(self, rows: npt.ArrayLike | None = None) -> ScoreResults:
        """Every card as `ScoreResults` (scorer by scorer in
        name order), for the chosen rows only when ``rows`` is given.  Cards made from
        columns carry no recommendations (see `TableScores.to_cards`)."""
        from steps.scoring.engine import ScoreResults

        wanted: set[tuple[str, str]] | None = None
        if rows is not None:
            index = np.asarray(rows)
            index = np.flatnonzero(index) if index.dtype == np.bool_ else index
            brand_ids = _strings(
                self.table.dictionary("brand_id"), self.table.column("brand_id")[index]
            )
            stream_ids = _strings(
                self.table.dictionary("stream_id"), self.table.column("stream_id")[index]
            )
            wanted = set(zip(brand_ids, stream_ids, strict=True))
        cards: list[ScoreCard] = []
        for info in self.scorers:
            if info.name in self.scores:
                cards.extend(self.scores[info.name].to_cards(rows))
            else:
                cards.extend(
                    card
                    for card in self.cards
                    if card.scorer == info.name
                    and (wanted is None or (card.brand_id, card.subject_id) in wanted)
                )
        return ScoreResults(
            cards=tuple(cards), errors=self.errors, warnings=self.warnings, scorers=self.scorers
        )

    def to_rows(self) -> list[dict[str, Any]]:
        """`ScoreResults.to_rows` of
        `to_results`."""
        return self.to_results().to_rows()


def run_table(
    table: StreamTable,
    catalog: Dataset | TableCatalog,
    scorers: Sequence[str] | str | None = None,
    context: ScoringContext | None = None,
    *,
    host: PluginHost | None = None,
) -> TableResults:
    """The body of `steps.scoring.engine.score_table` (see there)."""
    from steps.scoring.engine import BATCH_FALLBACK, _Run
    from steps.scoring.plugins import default_host

    if host is None:
        host = default_host()
    names = [scorers] if isinstance(scorers, str) else scorers
    records = host.select(names)
    if names is None:
        records = tuple(r for r in records if r.subject is SubjectKind.STREAM)
    else:
        brand_level = [r.name for r in records if r.subject is not SubjectKind.STREAM]
        if brand_level:
            raise ValueError(
                f"score_table scores streams; brand scorers {brand_level} need steps.score"
            )
    cat = TableCatalog.of(catalog)
    cat.require(table.brand_ids)
    run = _Run(context if context is not None else ScoringContext(), records=records)
    scores: dict[str, TableScores] = {}
    groups: list[_Group] | None = None
    for record in records:
        method = getattr(record.scorer, "score_table", None)
        if callable(method):
            with captured_warnings() as log:
                problem = _call_table(method, record, table, cat, context=run.context, into=scores)
                if problem is None:
                    run.captured(record, None, ALL_BRANDS, log, 0)
                    # Withheld where the confidence is below the minimum, as the engine
                    # withholds cards (TableScores.withheld).
                    scores[record.name] = attrs.evolve(
                        scores[record.name], min_confidence=run.minimums[record.name]
                    )
                    continue
            run.warn(
                record,
                None,
                ALL_BRANDS,
                BATCH_FALLBACK,
                f"score_table {problem}; scored one subject at a time instead",
            )
        if groups is None:
            groups = _groups(table, cat)
        rebuilt = [g.brand.brand_id for g in groups if g.rebuilt]
        if rebuilt:
            run.warn(
                record,
                None,
                ALL_BRANDS,
                TABLE_MATERIALISED,
                f"scored streams rebuilt from the table's columns, without products or plan "
                f"segments (the catalog does not hold the streams of "
                f"{len(rebuilt)} brand(s), e.g. {rebuilt[0]!r})",
            )
        for group in groups:
            run.score_group(
                record, group.brand, list(group.subjects), [s.subject_id for s in group.subjects]
            )
    base = run.results(records)
    return TableResults(
        table=table,
        scores=scores,
        cards=tuple(base.cards),
        errors=tuple(base.errors),
        warnings=tuple(base.warnings),
        scorers=base.scorers,
    )


def _call_table(
    method: Callable[..., object],
    record: ScorerRecord,
    table: StreamTable,
    catalog: TableCatalog,
    *,
    context: ScoringContext,
    into: dict[str, TableScores],
) -> str | None:
    from steps.scoring.engine import _text

    try:
        result = method(table, catalog, context)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # SystemExit too: nothing a plugin raises escapes
        return f"raised {type(error).__name__}: {_text(error)}"
    problem = check_table_scores(result, record.name, table)
    if problem is not None:
        return problem
    into[record.name] = result  # type: ignore[assignment]  # checked above
    return None


def check_table_scores(result: object, scorer: str, table: StreamTable) -> str | None:
    """What is wrong with ``result`` as the `TableScores` of ``scorer`` over
    ``table`` (``None``: nothing)."""
    from steps.scoring.engine import _text, table_text_problem

    if not isinstance(result, TableScores):
        return f"returned {type(result).__name__}, not TableScores"
    if result.scorer != scorer:
        return f"returned scores of scorer {result.scorer!r}, expected {scorer!r}"
    if result.table is not table:
        return "returned scores of another table"
    try:
        problem = result.problem(len(table)) or table_text_problem(result)
    except KeyboardInterrupt:
        raise
    except BaseException as error:
        problem = f"broken TableScores ({type(error).__name__}: {_text(error)})"
    return None if problem is None else f"returned {problem}"
