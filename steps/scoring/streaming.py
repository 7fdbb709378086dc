"""Streaming scoring: a file of any size scored chunk by chunk, in bounded memory.


    from steps.scoring.streaming import score_file

    run = score_file("streams.jsonl", "scores.jsonl", chunk_rows=50_000)
    print(run.streams, run.chunks, run.rows, run.error_count)

This is what ``steps score FILE --stream`` runs.  The streams are read as
`StreamTable` chunks (`steps.columnar.read_jsonl` for JSON
Lines, batches of a Parquet file for ``.parquet``), each chunk is scored with
`steps.scoring.engine.score_table`, and its rows are written before the next chunk
is read, so memory is bounded by one chunk (plus the catalog: brands, accounts, products,
talent collaborations, short videos, which every stream's context needs; it is read as model
objects made record by record, never the parsed records of the whole file at once).

**STAGE's line-up and spend pacing.**  Each JSON Lines chunk carries the optional columns
of `steps.columnar.table.EXTRA_SCHEMA` (each stream's spend pacing, and its line-up's
roles, prices and discounts looked up in its brand's products), so STAGE scores every
indicator as `steps.score` does.  Product records may come anywhere in the file,
before or after the streams that list them: the reader's first pass reads every product
before the first chunk.  A Parquet file carries them when it was written with them
(`StreamTable.to_arrow` of a table read from
JSON Lines); without them, those four indicators are not available and a warning says so.

**Output.**  One row per subject × scorer (`SUMMARY_COLUMNS`: the scorer and its
version, the subject, ``score`` (``None`` where it was withheld), ``confidence``, ``withheld``
(the reason, else ``None``) and ``components``, each component's score by key, ``None`` where
a component was not available); or, with ``rows=True``, the full
indicator rows of `ScoreResults.to_rows`
(`ROW_COLUMNS`).  Rows come chunk by chunk, in file order,
scorer by scorer (by name) within a chunk.  A path ending in ``.parquet`` is written as
Parquet (``pyarrow``, the ``arrow`` extra), any other path as JSON Lines; either way to a
temporary file beside it that replaces it only once every row is written (an interrupted
or failed run leaves no partial file and an older file untouched).

**Brand contexts.**  A stream's score depends on its brand's main platform (decided by its
streams per account when its accounts are on several platforms) and on its analysis window
(the first and last stream when the brand leaves its window open).  When some brand needs
them, a quick first pass reads only the stream's brand, account and start time
(`StreamFacts`), so every chunk is scored with the contexts of
whole brands, as `steps.score` scores them.

**Brand scorers** need whole brands (every stream as an object, with its orders, products,
talent collaborations, fan groups and coverage): after the streams, they score the brands of
a JSON Lines file one at a time, read by `steps.io.brands.iter_brands` and scored with
`steps.scoring.engine.score`, so memory holds one brand, never the file.  A Parquet file of
stream columns holds no whole brands: there they are skipped and `StreamingRun.notes`
says so.

Failures are isolated as `steps.score` isolates them: `StreamingRun.errors`
keeps the first `MAX_KEPT_ERRORS` errors and `StreamingRun.error_count` counts
them all; warnings are merged over chunks (identical ones counted).  Invalid data raises
`InvalidDataError` at the first chunk with a problem (the
output is then not written).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, Protocol, TextIO, cast

import attrs
import numpy as np

from steps.domain.enums import Section
from steps.domain.model import Dataset
from steps.scoring.batch import StreamFacts, TableCatalog, TableResults, TableScores
from steps.scoring.contract import ScoringContext
from steps.scoring.engine import CARD_COLUMNS, ROW_COLUMNS, ScoreResults, ScorerInfo, ScoreWarning
from steps.scoring.indicators import describe_benchmark, explanation_text, unavailable_text
from steps.scoring.results import ScoreCard, ScoreError, SubjectKind

if TYPE_CHECKING:
    import numpy.typing as npt

    from steps.columnar.table import StreamTable
    from steps.scoring.plugins import PluginHost

__all__ = [
    "CHUNK_ROWS",
    "MAX_KEPT_ERRORS",
    "SUMMARY_COLUMNS",
    "ProgressBar",
    "StreamingRun",
    "StreamsInput",
    "default_progress",
    "indicator_rows",
    "needs_stream_facts",
    "open_streams",
    "score_file",
    "summary_rows",
]

#: Default rows per chunk of `score_file` (``steps score --stream``).
CHUNK_ROWS: Final = 25_000
#: Errors kept in `StreamingRun.errors` (all are counted).
MAX_KEPT_ERRORS: Final = 1_000
#: The keys of a summary row (`summary_rows`), in order.
SUMMARY_COLUMNS: Final = (
    "scorer",
    "scorer_version",
    "subject_kind",
    "subject_id",
    "brand_id",
    "score",
    "confidence",
    "withheld",
    "components",
)
#: Rows handed to the writer at once (bounds the Python objects of a chunk's output).
_SLICE: Final = 8_192
_STREAM_PREFIX: Final = b'{"record":"stream"'
_FLOAT_ROW_COLUMNS: Final = frozenset(
    (
        "score",
        "confidence",
        "component_score",
        "value",
        "indicator_score",
        "weight",
        "contribution",
    )
)

Progress = Callable[[int, int], None]


# --------------------------------------------------------------------------- rows


def _card_summary(card: ScoreCard) -> dict[str, Any]:
    return {
        "scorer": card.scorer,
        "scorer_version": card.scorer_version,
        "subject_kind": card.subject_kind.value,
        "subject_id": card.subject_id,
        "brand_id": card.brand_id,
        "score": card.score,
        "confidence": card.confidence,
        "withheld": card.withheld,
        "components": {c.key: c.score for c in card.components},
    }


def _scores(scores: TableScores, rows: npt.NDArray[np.intp]) -> tuple[list[Any], list[Any]]:
    """The card score of each row (``None`` where withheld) and the withheld reason."""
    score: list[Any] = scores.score[rows].tolist()
    reasons = scores.withheld_reasons(rows)
    withheld: list[Any] = [None] * len(reasons)
    for k, found in enumerate(reasons):
        if found is not None:
            score[k] = None
            withheld[k] = found[0]
    return score, withheld


def _table_summary(scores: TableScores, start: int, stop: int) -> list[dict[str, Any]]:
    rows = np.arange(start, stop, dtype=np.intp)
    subject_ids = scores.subject_ids(rows)
    brand_ids = scores.brand_ids(rows)
    score, withheld = _scores(scores, rows)
    confidence = scores.confidence[start:stop].tolist()
    components = [
        (c.key, c.score[start:stop].tolist(), c.available[start:stop].tolist())
        for c in scores.components
    ]
    name, version, kind = scores.scorer, scores.version, SubjectKind.STREAM.value
    return [
        {
            "scorer": name,
            "scorer_version": version,
            "subject_kind": kind,
            "subject_id": subject_ids[k],
            "brand_id": brand_ids[k],
            "score": score[k],
            "confidence": confidence[k],
            "withheld": withheld[k],
            "components": {key: s[k] if ok[k] else None for key, s, ok in components},
        }
        for k in range(stop - start)
    ]


def _table_indicator_rows(scores: TableScores, start: int, stop: int) -> list[dict[str, Any]]:
    """`TableScores.to_rows` of rows ``start:stop``, built from the columns (the same
    dicts, without making the cards)."""
    n = stop - start
    index = np.arange(start, stop, dtype=np.intp)
    subject_ids = scores.subject_ids(index)
    brand_ids = scores.brand_ids(index)
    score, withheld = _scores(scores, index)
    confidence = scores.confidence[start:stop].tolist()
    empty = dict.fromkeys(ROW_COLUMNS[CARD_COLUMNS:])
    parts: list[tuple[str, list[float], list[bool], list[Any]]] = []
    for component in scores.components:
        indicators: list[Any] = []
        for ind in component.indicators:
            codes = ind.benchmark.codes
            definition = ind.definition
            indicators.append(
                (
                    definition,
                    ind.available[start:stop].tolist(),
                    ind.value[start:stop].tolist(),
                    ind.score[start:stop].tolist(),
                    ind.weight_at(index).tolist(),
                    ind.contribution_at(index).tolist(),
                    [0] * n if codes is None else codes[start:stop].tolist(),
                    [
                        describe_benchmark(b, scores.language, definition.unit)
                        for b in ind.benchmark.choices
                    ],
                    [b.source for b in ind.benchmark.choices],
                    unavailable_text(definition, scores.language),
                )
            )
        parts.append(
            (
                component.key,
                component.score[start:stop].tolist(),
                component.available[start:stop].tolist(),
                indicators,
            )
        )
    out: list[dict[str, Any]] = []
    for k in range(n):
        head = {
            "scorer": scores.scorer,
            "scorer_version": scores.version,
            "subject_kind": SubjectKind.STREAM.value,
            "subject_id": subject_ids[k],
            "brand_id": brand_ids[k],
            "score": score[k],
            "confidence": confidence[k],
            "withheld": withheld[k],
        }
        if not parts:
            out.append({**head, **empty})
        for key, component_score, component_ok, indicators in parts:
            part = {
                **empty,
                "component": key,
                "component_score": component_score[k] if component_ok[k] else None,
            }
            if not indicators:
                out.append({**head, **part})
            for (
                definition,
                ok,
                value,
                ind_score,
                weight,
                contribution,
                choice,
                describe,
                sources,
                unavailable,
            ) in indicators:
                available = ok[k]
                benchmark = describe[choice[k]]
                out.append(
                    {
                        **head,
                        **part,
                        "indicator": definition.key,
                        "value": value[k] if available else None,
                        "unit": definition.unit,
                        "indicator_score": ind_score[k] if available else None,
                        "weight": weight[k],
                        "contribution": contribution[k],
                        "benchmark": benchmark,
                        "benchmark_source": sources[choice[k]],
                        "explanation": (
                            explanation_text(
                                definition, value[k], ind_score[k], benchmark, scores.language
                            )
                            if available
                            else unavailable
                        ),
                    }
                )
    return out


def _slices(size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, size, _SLICE):
        yield start, min(size, start + _SLICE)


def _card_slices(cards: Sequence[ScoreCard], *, rows: bool) -> Iterator[list[dict[str, Any]]]:
    for start, stop in _slices(len(cards)):
        part = cards[start:stop]
        if rows:
            yield ScoreResults(cards=tuple(part)).to_rows()
        else:
            yield [_card_summary(card) for card in part]


def _result_slices(results: TableResults, *, rows: bool) -> Iterator[list[dict[str, Any]]]:
    """The output rows of one chunk's results, a slice at a time: scorer by scorer (in the
    results' order), each scorer's rows in table order."""
    for info in results.scorers:
        scores = results.scores.get(info.name)
        if scores is not None:
            make = _table_indicator_rows if rows else _table_summary
            for start, stop in _slices(len(scores)):
                yield make(scores, start, stop)
        else:
            cards = [card for card in results.cards if card.scorer == info.name]
            yield from _card_slices(cards, rows=rows)


def summary_rows(results: TableResults | ScoreResults) -> list[dict[str, Any]]:
    """One dict per card (`SUMMARY_COLUMNS`): the scorer, its version, the subject,
    ``score``, ``confidence`` and ``components`` (each component's score by key, ``None``
    where it was not available).  From a `TableResults` the
    rows are made from the columns, without building cards."""
    if isinstance(results, ScoreResults):
        return [_card_summary(card) for card in results.cards]
    return [row for part in _result_slices(results, rows=False) for row in part]


def indicator_rows(results: TableResults) -> list[dict[str, Any]]:
    """The rows `TableResults.to_rows`
    gives (one per card × indicator, keys `ROW_COLUMNS`), made
    from the columns without building cards."""
    return [row for part in _result_slices(results, rows=True) for row in part]


# --------------------------------------------------------------------------- inputs


def needs_stream_facts(catalog: Dataset) -> bool:
    """Whether some brand's context depends on streams the catalog does not hold: a brand
    without streams in ``catalog`` whose analysis window is left open (its first or last
    stream may bound it), whose coverage is not declared (its streams say which stream
    sections were provided) or whose accounts are on more than one platform (its streams
    per account decide its main platform)."""
    for brand in catalog.brands:
        if brand.streams:
            continue
        if brand.window_start is None or brand.window_end is None or brand.coverage is None:
            return True
        if len({account.platform for account in brand.accounts}) > 1:
            return True
    return False


class StreamsInput(Protocol):
    """Streams to score in chunks, with the catalog of their brands."""

    #: How many streams the input holds (for progress).
    total: int

    @property
    def catalog(self) -> Dataset: ...

    def chunks(self) -> Iterator[StreamTable]: ...

    def stream_facts(self) -> StreamFacts: ...


class _JsonlInput:
    def __init__(self, path: Path, chunk_rows: int) -> None:
        from steps.columnar.readers import read_jsonl

        self.path = path
        self._source = read_jsonl(path, chunk_rows=chunk_rows)
        self.total = self._source.stream_records

    @property
    def catalog(self) -> Dataset:
        return self._source.catalog

    def chunks(self) -> Iterator[StreamTable]:
        return self._source.chunks()

    def stream_facts(self) -> StreamFacts:
        """Streams per account, first and last local start date and the stream sections held
        (plans, products) per brand, from a light pass that parses only the stream records
        and reads five of their keys (a line that does not parse or misses one is left to
        the chunks, which report it)."""
        loads = _json_loads()
        accounts: dict[str, Counter[str]] = {}
        days: dict[str, tuple[int, int]] = {}
        ordinals: dict[str, int] = {}
        sections: dict[str, set[Section]] = {}
        with self.path.open("rb") as lines:
            for line in lines:
                if not line.startswith(_STREAM_PREFIX) and b'"stream"' not in line:
                    continue
                try:
                    record = loads(line)
                except ValueError:
                    continue
                if not isinstance(record, dict) or record.get("record") != "stream":
                    continue
                brand, account, started = (
                    record.get("brand_id"),
                    record.get("account_id"),
                    record.get("started_at"),
                )
                if not (isinstance(brand, str) and isinstance(account, str)):
                    continue
                if not isinstance(started, str):
                    continue
                day = ordinals.get(started)
                if day is None:
                    day = _local_ordinal(started)
                    if day is None:
                        continue
                    if len(ordinals) < 100_000:
                        ordinals[started] = day
                counts = accounts.get(brand)
                if counts is None:
                    counts = accounts[brand] = Counter()
                counts[account] += 1
                span = days.get(brand)
                if span is None:
                    days[brand] = (day, day)
                elif day < span[0] or day > span[1]:
                    days[brand] = (min(span[0], day), max(span[1], day))
                held = sections.get(brand)
                if held is None:
                    held = sections[brand] = {Section.STREAMS}
                if record.get("plan") is not None:
                    held.add(Section.PLANS)
                if record.get("products"):
                    held.add(Section.STREAM_PRODUCTS)
        return StreamFacts(
            {b: dict(c) for b, c in accounts.items()},
            days,
            {b: frozenset(s) for b, s in sections.items()},
        )


def _local_ordinal(text: str) -> int | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.date().toordinal()


def _json_loads() -> Callable[[bytes], Any]:
    try:
        import orjson
    except ImportError:  # pragma: no cover - orjson is optional
        return json.loads
    loads: Callable[[bytes], Any] = orjson.loads
    return loads


class _ParquetInput:
    def __init__(self, path: Path, chunk_rows: int, catalog: Dataset) -> None:
        from steps.columnar.readers import _import

        self._pq = _import("pyarrow.parquet", "arrow", "reading Parquet streams")
        self._pa = _import("pyarrow", "arrow", "reading Parquet streams")
        self.path = path
        self.chunk_rows = chunk_rows
        self._catalog = catalog
        self.total = int(self._pq.ParquetFile(os.fspath(path)).metadata.num_rows)

    @property
    def catalog(self) -> Dataset:
        return self._catalog

    def chunks(self) -> Iterator[StreamTable]:
        from steps.columnar.readers import from_arrow

        parquet = self._pq.ParquetFile(os.fspath(self.path))
        for batch in parquet.iter_batches(batch_size=self.chunk_rows):
            yield from_arrow(self._pa.Table.from_batches([batch]), catalog=self._catalog)

    def stream_facts(self) -> StreamFacts:
        """The facts from four columns (brand, account, start time and its offset), and the
        stream sections held from two more (``has_plan``, ``products_listed``) when the
        file has them."""
        from steps.scoring.batch import _DAY_US, _EPOCH_ORDINAL, _MINUTE_US

        parquet = self._pq.ParquetFile(os.fspath(self.path))
        names = ["brand_id", "account_id", "started_at_us", "started_at_offset_min"]
        held = [n for n in ("has_plan", "products_listed") if n in parquet.schema_arrow.names]
        facts = StreamFacts()
        for batch in parquet.iter_batches(batch_size=1_000_000, columns=names + held):
            brand = batch.column(0).cast(self._pa.string()).to_pylist()
            account = batch.column(1).cast(self._pa.string()).to_pylist()
            micros = batch.column(2).to_numpy(zero_copy_only=False).astype(np.int64)
            offsets = batch.column(3).to_numpy(zero_copy_only=False).astype(np.int64)
            ordinal = ((micros + offsets * _MINUTE_US) // _DAY_US + _EPOCH_ORDINAL).tolist()
            flags = {
                name: batch.column(4 + k).to_numpy(zero_copy_only=False).astype(np.int64).tolist()
                for k, name in enumerate(held)
            }
            plans = flags.get("has_plan", [0] * len(brand))
            products = flags.get("products_listed", [0] * len(brand))
            accounts: dict[str, Counter[str]] = {}
            days: dict[str, tuple[int, int]] = {}
            sections: dict[str, set[Section]] = {}
            for b, a, day, plan, listed in zip(
                brand, account, ordinal, plans, products, strict=True
            ):
                if b is None or a is None:
                    continue
                accounts.setdefault(b, Counter())[a] += 1
                low, high = days.get(b, (day, day))
                days[b] = (min(low, day), max(high, day))
                found = sections.setdefault(b, {Section.STREAMS})
                if plan:
                    found.add(Section.PLANS)
                if listed:
                    found.add(Section.STREAM_PRODUCTS)
            facts = facts.merge(
                StreamFacts(
                    {b: dict(c) for b, c in accounts.items()},
                    days,
                    {b: frozenset(f) for b, f in sections.items()},
                )
            )
        return facts


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() == ".parquet"


def open_streams(
    path: str | os.PathLike[str],
    *,
    chunk_rows: int = CHUNK_ROWS,
    catalog: Dataset | None = None,
) -> StreamsInput:
    """The streams of a JSON Lines file (its own catalog), or of a Parquet file with the
    columns of `StreamTable.to_arrow` (then
    ``catalog``, the brands the streams belong to, is required), to read in chunks of at
    most ``chunk_rows`` streams."""
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    file = Path(path)
    if _is_parquet(file):
        if catalog is None:
            raise ValueError(
                "a Parquet file of streams holds no brands: give the catalog "
                "(steps score --catalog FILE)"
            )
        return _ParquetInput(file, chunk_rows, catalog)
    if file.suffix.lower() not in (".jsonl", ".ndjson"):
        raise ValueError(f"streaming reads .jsonl, .ndjson or .parquet files, not {file.name!r}")
    if catalog is not None:
        raise ValueError("a JSON Lines file holds its own catalog: do not give one")
    return _JsonlInput(file, chunk_rows)


# --------------------------------------------------------------------------- writers


class _Writer(Protocol):
    def write(self, rows: list[dict[str, Any]]) -> None: ...

    def close(self) -> None: ...


class _JsonlWriter:
    def __init__(self, sink: IO[bytes] | IO[str]) -> None:
        self._sink: Any = sink
        self._binary = not hasattr(sink, "encoding")
        try:
            import orjson
        except ImportError:  # pragma: no cover - orjson is optional
            self._dumps: Callable[[Any], bytes] = _std_dumps
        else:
            self._dumps = orjson.dumps

    def write(self, rows: list[dict[str, Any]]) -> None:
        dumps = self._dumps
        data = b"".join([dumps(row) + b"\n" for row in rows])
        if self._binary:
            self._sink.write(data)
        else:
            self._sink.write(data.decode("utf-8"))

    def close(self) -> None:
        self._sink.flush()


def _std_dumps(row: Any) -> bytes:
    return json.dumps(row, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


class _ParquetWriter:
    def __init__(self, sink: IO[bytes], *, rows: bool) -> None:
        from steps.columnar.readers import _import

        pa = _import("pyarrow", "arrow", "writing Parquet scores")
        parquet = _import("pyarrow.parquet", "arrow", "writing Parquet scores")
        self._pa = pa
        self._schema = pa.schema(_parquet_fields(pa, rows=rows))
        self._writer = parquet.ParquetWriter(sink, self._schema)

    def write(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self._writer.write_table(self._pa.Table.from_pylist(rows, schema=self._schema))

    def close(self) -> None:
        self._writer.close()


def _parquet_fields(pa: Any, *, rows: bool) -> list[Any]:
    if rows:
        return [
            pa.field(name, pa.float64() if name in _FLOAT_ROW_COLUMNS else pa.string())
            for name in ROW_COLUMNS
        ]
    return [
        pa.field(name, pa.float64() if name in ("score", "confidence") else pa.string())
        for name in SUMMARY_COLUMNS[:-1]
    ] + [pa.field("components", pa.map_(pa.string(), pa.float64()))]


# --------------------------------------------------------------------------- progress


class ProgressBar:
    """A one-line progress display: ``\\r``-updated ``streams done/total (%) · rate · time``
    on ``stream`` (stderr), at most every ``interval`` seconds; `close` ends the
    line.  Call it as ``bar(done, total)``."""

    def __init__(
        self,
        stream: IO[str],
        *,
        interval: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
        label: str = "streams",
    ) -> None:
        self.stream = stream
        self.interval = interval
        self.clock = clock
        self.label = label
        self._start = clock()
        self._last = -math.inf
        self._width = 0
        self._shown = False
        self._done = 0
        self._total = 0

    def status(self, text: str) -> None:
        """Show ``text`` on the bar's line (e.g. what is being read before the streams)."""
        self._show(text)

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if done == 0:
            self._start = now  # the rate counts from the first stream, not the catalog
        self._done, self._total = done, total
        if done < total and now - self._last < self.interval:
            return
        self._last = now
        self._show(self.text(done, total, now - self._start))

    @staticmethod
    def text(done: int, total: int, seconds: float) -> str:
        share = f" ({100 * done / total:.0f}%)" if total else ""
        rate = done / seconds if seconds > 0 else 0.0
        minutes, rest = divmod(int(seconds), 60)
        return f"streams {done:,}/{total:,}{share} · {rate:,.0f}/s · {minutes}:{rest:02d}"

    def _show(self, text: str) -> None:
        pad = " " * max(0, self._width - len(text))
        self.stream.write(f"\r{text}{pad}")
        self.stream.flush()
        self._width = len(text)
        self._shown = True

    def close(self) -> None:
        if self._shown:
            if self._total:
                self._show(self.text(self._done, self._total, self.clock() - self._start))
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False


# --------------------------------------------------------------------------- the run


@attrs.frozen
class StreamingRun:
    """What `score_file` did."""

    #: Streams read and scored, and the chunks they came in.
    streams: int
    chunks: int
    #: The most streams one chunk held.
    max_chunk_rows: int
    #: Rows written, and the cards (subject × scorer) they hold.
    rows: int
    cards: int
    scorers: tuple[ScorerInfo, ...] = ()
    #: The first `MAX_KEPT_ERRORS` errors, and how many there were (by scorer and
    #: plugin in `error_counts`).
    errors: tuple[ScoreError, ...] = ()
    error_count: int = 0
    error_counts: Mapping[tuple[str, str], int] = attrs.field(factory=dict)
    warnings: tuple[ScoreWarning, ...] = ()
    #: Brand scorers that were not run, and why (in `notes`).
    skipped: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    #: Whether the stream facts pass ran (some brand's context needed its streams).
    facts_pass: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error_count == 0


class _Tally:
    def __init__(self) -> None:
        self.errors: list[ScoreError] = []
        self.error_count = 0
        self.error_counts: Counter[tuple[str, str]] = Counter()
        self._warnings: dict[tuple[str, str, str], list[Any]] = {}
        self.cards = 0
        self.rows = 0

    def add(self, errors: Iterable[ScoreError], warnings: Iterable[ScoreWarning]) -> None:
        for error in errors:
            self.error_count += 1
            self.error_counts[(error.scorer, error.plugin)] += 1
            if len(self.errors) < MAX_KEPT_ERRORS:
                self.errors.append(error)
        for warning in warnings:
            key = (warning.scorer, warning.category, warning.message)
            seen = self._warnings.get(key)
            if seen is None:
                self._warnings[key] = [warning, warning.count]
            else:
                seen[1] += warning.count

    def warnings(self) -> tuple[ScoreWarning, ...]:
        return tuple(attrs.evolve(first, count=count) for first, count in self._warnings.values())


def _cards_of(results: TableResults) -> int:
    return sum(len(s) for s in results.scores.values()) + len(results.cards)


def score_file(
    path: str | os.PathLike[str],
    output: str | os.PathLike[str] | IO[str] | IO[bytes],
    *,
    scorers: Sequence[str] | None = None,
    context: ScoringContext | None = None,
    host: PluginHost | None = None,
    chunk_rows: int = CHUNK_ROWS,
    rows: bool = False,
    catalog: Dataset | None = None,
    progress: Progress | None = None,
) -> StreamingRun:
    """Score the streams of ``path`` chunk by chunk and write their rows to ``output``.

    ``path`` is a steps JSON Lines file, or a Parquet file of stream columns with its
    ``catalog`` (see `open_streams`).  ``output`` is a path (``.parquet``: Parquet,
    else JSON Lines; written atomically) or an open file to write JSON Lines to.
    ``scorers`` names the scorers (all registered ones for ``None``); stream scorers score
    every stream with `score_table`, brand scorers every brand, one brand at a time
    (see the module's documentation).  ``progress`` is
    called as ``progress(streams_done, streams_total)`` after each chunk (and once with 0
    before the first).  Unknown scorer names raise
    `UnknownScorerError` before anything is read."""
    from steps.scoring.plugins import default_host

    began = time.perf_counter()
    if host is None:
        host = default_host()
    records = host.select(scorers)
    stream_names = [r.name for r in records if r.subject is SubjectKind.STREAM]
    brand_names = [r.name for r in records if r.subject is SubjectKind.BRAND]
    context = context if context is not None else ScoringContext()
    source = open_streams(path, chunk_rows=chunk_rows, catalog=catalog)
    file = Path(path)
    notes: list[str] = []
    skipped: tuple[str, ...] = ()
    run_brands = bool(brand_names)
    if brand_names and _is_parquet(file):
        run_brands = False
        skipped = tuple(brand_names)
        notes.append(
            f"brand scorers {', '.join(brand_names)} skipped: they need whole brands "
            "(every stream with its products), which a Parquet file of stream columns "
            "does not hold"
        )

    tally = _Tally()
    infos: dict[str, ScorerInfo] = {}
    streams = chunks = biggest = 0
    facts_pass = False
    status = getattr(progress, "status", None)
    shared: TableCatalog | None = None
    if stream_names:
        if callable(status):
            status("reading the catalog (brands, accounts, products, short videos)…")
        dataset = source.catalog
        facts_pass = needs_stream_facts(dataset)
        if facts_pass and callable(status):
            status("reading each stream's brand, account and date (brand contexts)…")
        facts = source.stream_facts() if facts_pass else StreamFacts()
        shared = TableCatalog(dataset, facts)
    if progress is not None:
        progress(0, source.total)

    def body(writer: _Writer) -> None:
        nonlocal streams, chunks, biggest
        if shared is not None:
            from steps.scoring.engine import score_table

            for chunk in source.chunks():
                results = score_table(chunk, shared, stream_names, context, host=host)
                for info in results.scorers:
                    infos.setdefault(info.name, info)
                for part in _result_slices(results, rows=rows):
                    writer.write(part)
                    tally.rows += len(part)
                tally.cards += _cards_of(results)
                tally.add(results.errors, results.warnings)
                streams += len(chunk)
                chunks += 1
                biggest = max(biggest, len(chunk))
                del results
                if progress is not None:
                    progress(streams, source.total)
        if run_brands:
            if callable(status):
                status(f"scoring brands ({', '.join(brand_names)})…")
            for brand_results in _brand_results(file, brand_names, context, host):
                for info in brand_results.scorers:
                    infos.setdefault(info.name, info)
                for part in _card_slices(brand_results.cards, rows=rows):
                    writer.write(part)
                    tally.rows += len(part)
                tally.cards += len(brand_results.cards)
                tally.add(brand_results.errors, brand_results.warnings)

    _write(output, body, rows=rows)
    return StreamingRun(
        streams=streams,
        chunks=chunks,
        max_chunk_rows=biggest,
        rows=tally.rows,
        cards=tally.cards,
        scorers=tuple(infos[name] for name in sorted(infos)),
        errors=tuple(tally.errors),
        error_count=tally.error_count,
        error_counts=dict(tally.error_counts),
        warnings=tally.warnings(),
        skipped=skipped,
        notes=tuple(notes),
        facts_pass=facts_pass,
        seconds=time.perf_counter() - began,
    )


def _brand_results(
    file: Path, names: list[str], context: ScoringContext, host: PluginHost
) -> Iterator[ScoreResults]:
    """The results of the brand scorers ``names`` on each brand of ``file`` in turn (read by
    `iter_brands`, one brand in memory at a time): together, the cards, errors and warnings
    of `score` on the whole file."""
    from steps.io.brands import iter_brands
    from steps.scoring.engine import score

    first = True
    for brand in iter_brands(file):
        results = score(Dataset(brands=(brand,)), names, context, host=host)
        del brand
        if not first:
            # A warning about the run rather than a brand (a scorer's bad minimum confidence,
            # brand "*") comes with every brand's run: it is kept once, as for the whole file.
            kept = tuple(w for w in results.warnings if w.brand_id != "*")
            results = attrs.evolve(results, warnings=kept)
        first = False
        yield results
    if first:  # no brand: the scorers are still listed, with their run's warnings
        yield score(Dataset(), names, context, host=host)


def _write(
    output: str | os.PathLike[str] | IO[str] | IO[bytes],
    body: Callable[[_Writer], None],
    *,
    rows: bool,
) -> None:
    """Run ``body`` with a writer to ``output``: an open file (JSON Lines), or a path
    written through a temporary file that replaces it once ``body`` has returned."""
    if not isinstance(output, str | os.PathLike):
        writer = _JsonlWriter(output)
        body(writer)
        writer.close()
        return
    from steps.io.files import atomic_writer

    target = Path(output)
    with atomic_writer(target) as text:
        sink: IO[bytes] = cast(TextIO, text).buffer
        made: _Writer = (
            _ParquetWriter(sink, rows=rows) if _is_parquet(target) else _JsonlWriter(sink)
        )
        try:
            body(made)
        except BaseException:
            with contextlib.suppress(Exception):
                made.close()  # before the temporary file goes (a Parquet writer holds it)
            raise
        made.close()


def default_progress(*, quiet: bool = False, stream: IO[str] | None = None) -> ProgressBar | None:
    """A `ProgressBar` on stderr when it is a terminal and not ``quiet``, else
    ``None``."""
    target = stream if stream is not None else sys.stderr
    if quiet or not target.isatty():
        return None
    return ProgressBar(target)
