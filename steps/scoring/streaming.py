"""Chunked scoring: a file of streams of any size scored chunk by chunk, in bounded memory.


    from steps.scoring.streaming import ChunkedRun

    run = ChunkedRun("streams.jsonl", ["stage"], chunk_rows=50_000, advice=False)
    for cards in run.slices():
        ...
    print(run.streams, run.chunks, len(run.errors))

`ChunkedRun` is the engine behind ``steps score FILE`` and ``steps.score(path)`` for a file of
streams: its cards come in `steps.score`'s order and are built when read.  The streams are
read as `StreamTable` chunks (`steps.columnar.read_jsonl` for JSON
Lines, batches of a Parquet file for ``.parquet``), each chunk is scored with
`steps.scoring.engine.score_table`, and its cards are read before the next chunk
is, so memory is bounded by one chunk (plus the catalog: brands, accounts, products,
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

**Brand contexts.**  A stream's score depends on its brand's main platform (decided by its
streams per account when its accounts are on several platforms) and on its analysis window
(the first and last stream when the brand leaves its window open).  When some brand needs
them, a quick first pass reads only the stream's brand, account and start time
(`StreamFacts`), so every chunk is scored with the contexts of
whole brands, as `steps.score` scores them.

**Brand scorers** need whole brands (every stream as an object, with its orders, products,
talent collaborations, fan groups and coverage): before the streams, they score the brands of
a JSON Lines file one at a time, read by `steps.io.brands.iter_brands` and scored with
`steps.scoring.engine.score`, so memory holds one brand, never the file.  A Parquet file of
stream columns holds no whole brands: there they are skipped and `ChunkedRun.notes`
says so.

Failures are isolated as `steps.score` isolates them (`ChunkedRun.errors`); warnings are
merged over chunks (identical ones counted).  Invalid data raises
`InvalidDataError` at the first chunk with a problem (an output written through
`steps.io.output` is then left untouched).
"""

from __future__ import annotations

import functools
import itertools
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

import attrs
import numpy as np

from steps.domain.enums import Section
from steps.domain.model import Dataset
from steps.scoring.batch import StreamFacts, TableCatalog, TableResults, TableScores
from steps.scoring.cards import Part, TablePart
from steps.scoring.contract import ScoringContext
from steps.scoring.engine import ScoreResults, ScorerInfo, ScoreWarning
from steps.scoring.results import ScoreCard, ScoreError, SubjectKind

if TYPE_CHECKING:
    from steps.columnar.table import StreamTable
    from steps.scoring.batch import IndexArray
    from steps.scoring.contract import StreamSubject
    from steps.scoring.plugins import PluginHost

__all__ = [
    "ADVICE_MAX_BYTES",
    "CHUNK_ROWS",
    "BrandScoring",
    "ChunkedRun",
    "StreamsInput",
    "needs_stream_facts",
    "open_streams",
    "score_brands",
]

#: Default streams per chunk of `ChunkedRun` (``steps score --chunk-rows``).
CHUNK_ROWS: Final = 25_000
#: Files up to this size are loaded whole so that the stream cards' recommendations quote the
#: stream objects (their line-ups, run-of-show, brand GMV); larger ones use streams rebuilt
#: from the columns.
ADVICE_MAX_BYTES: Final = 64 * 1024**2
_STREAM_PREFIX: Final = b'{"record":"stream"'

Progress = Callable[[int, int], object]


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


def _merge(into: dict[tuple[str, str, str], list[Any]], warnings: Iterable[ScoreWarning]) -> None:
    for warning in warnings:
        key = (warning.scorer, warning.category, warning.message)
        seen = into.get(key)
        if seen is None:
            into[key] = [warning, warning.count]
        else:
            seen[1] += warning.count


# --------------------------------------------------------------------------- brand scorers


@attrs.frozen
class BrandScoring:
    """What `score_brands` gives a `ChunkedRun`."""

    #: The brand scorers' results (``None``: none were run).
    results: ScoreResults | None = None
    #: The whole file, when it was loaded: its stream objects then give the stream
    #: scorers' recommendations (else streams rebuilt from the columns do).
    dataset: Dataset | None = None
    #: Brand scorers that were not run, and why.
    skipped: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def score_brands(
    path: Path,
    names: Sequence[str],
    context: ScoringContext,
    host: PluginHost,
    *,
    whole_max_bytes: int | None = None,
    status: Callable[[str], object] | None = None,
) -> BrandScoring:
    """Score the brands of ``path`` with the brand scorers ``names``, one brand at a time
    (`_brand_results`), their results together; a Parquet file of stream columns holds no
    whole brands: they are skipped, with a note.  With ``whole_max_bytes``, a JSON Lines
    file of at most that size is also loaded whole, for the stream scorers'
    recommendations."""
    whole: Dataset | None = None
    small = whole_max_bytes is not None and path.stat().st_size <= whole_max_bytes
    if small and not _is_parquet(path):
        from steps.io.files import load

        whole = load(path)
    if not names:
        return BrandScoring(dataset=whole)
    if _is_parquet(path):
        return BrandScoring(
            skipped=tuple(names),
            notes=(
                f"brand scorers {', '.join(names)} skipped: they need whole brands (every "
                "stream with its products), which a Parquet file of stream columns does not "
                "hold",
            ),
        )
    if status is not None:
        status(f"scoring brands ({', '.join(names)})…")
    cards: list[ScoreCard] = []
    errors: list[ScoreError] = []
    warned: dict[tuple[str, str, str], list[Any]] = {}
    scorers: tuple[ScorerInfo, ...] = ()
    for results in _brand_results(path, list(names), context, host):
        cards += results.cards
        errors += results.errors
        _merge(warned, results.warnings)
        scorers = results.scorers
    together = ScoreResults(
        cards=tuple(cards),
        errors=tuple(errors),
        warnings=tuple(attrs.evolve(first, count=n) for first, n in warned.values()),
        scorers=scorers,
    )
    return BrandScoring(together, whole)


# --------------------------------------------------------------------------- the run


class ChunkedRun:
    """The chunked engine: the streams of a file scored chunk by chunk with each stream
    scorer's ``score_table``, the brand scorers through `score_brands`, and the cards made
    from the score columns when they are read (`steps.scoring.cards`).

    `parts` (or `slices`, the cards a slice at a time) may be read once: they run the
    scoring.  The cards come in the order `steps.score` gives them: brand by brand in the
    file's order of streams, within a brand scorer by scorer (by name), a stream scorer's
    cards in stream order.  A brand whose streams are not contiguous in the file comes once
    per run of its streams; a brand without streams comes last.  Memory is bounded by one
    chunk and the score columns of the brand being written (a brand spread over several
    chunks holds their columns until its last stream).

    A part keeps its chunk's table and score columns only until the run has moved past
    its brand: a part kept and read later (`results`, what ``steps.score(path)`` returns)
    reads its chunk from the file again and scores it again, one chunk held at a time, so
    that a finished run holds its parts' rows, not their columns.  Reading every card then
    costs one more read of the file (a small part of building the cards); the file must
    not change meanwhile (``RuntimeError``).

    ``advice``: recommendations are made (the advisor runs) for the cards read; without it
    (outputs that do not show them: tables, CSV, rows), cards carry none and are quicker
    to make.  With it, a JSON Lines file of at most ``whole_max_bytes`` is also loaded
    whole, so that the recommendations quote the stream objects (line-ups, run-of-show, the
    brand's GMV); over that they are made from streams rebuilt from the columns.  `errors`
    and `warnings` are complete once the parts have been read.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        scorers: Sequence[str] | None = None,
        context: ScoringContext | None = None,
        *,
        host: PluginHost | None = None,
        chunk_rows: int = CHUNK_ROWS,
        catalog: Dataset | None = None,
        progress: Progress | None = None,
        advice: bool = True,
        whole_max_bytes: int = ADVICE_MAX_BYTES,
    ) -> None:
        from steps.scoring.engine import scorer_infos
        from steps.scoring.plugins import default_host

        self.path = Path(path)
        self.host = host if host is not None else default_host()
        self.records = self.host.select(scorers)
        self.scorers = scorer_infos(self.records)
        self.context = context if context is not None else ScoringContext()
        self.source = open_streams(self.path, chunk_rows=chunk_rows, catalog=catalog)
        self.progress = progress
        self.whole_max_bytes = whole_max_bytes
        self.advice = advice
        self.errors: list[ScoreError] = []
        self._warnings: dict[tuple[str, str, str], list[Any]] = {}
        self.streams = self.chunks = self.max_chunk_rows = self.cards = 0
        self.skipped: tuple[str, ...] = ()
        self.notes: tuple[str, ...] = ()
        self.facts_pass = False
        self.catalog: Dataset = Dataset(brands=())
        self._shared = TableCatalog(self.catalog)
        self._stream_names: list[str] = []
        self._stat = (0, 0)
        # The chunk last read again, and the pass that read it (`_again`).
        self._again_kept: tuple[int, StreamTable, TableResults] | None = None
        self._again_chunks: Iterator[StreamTable] | None = None
        self._again_next = 0

    @property
    def warnings(self) -> tuple[ScoreWarning, ...]:
        return tuple(attrs.evolve(first, count=n) for first, n in self._warnings.values())

    def slices(self) -> Iterator[list[ScoreCard]]:
        """The cards, a slice at a time (their build failures added to `errors`)."""
        for part in self.parts():
            if isinstance(part, TablePart):
                for cards in part.slices():
                    self.cards += len(cards)
                    yield cards
                self.errors += part.errors()
                _merge(self._warnings, part.warnings())
            elif part:
                self.cards += len(part)
                yield list(part)

    def results(self) -> ScoreResults:
        """The run as `ScoreResults` (what ``steps.score(path)`` returns): every part read
        now, the cards built when read (each chunk read from the file and scored again)."""
        from steps.scoring.cards import CardView, LazyFound

        view = CardView(self.parts())
        return ScoreResults(
            cards=view,
            errors=LazyFound(self.errors, view),
            warnings=LazyFound(self.warnings, view, warnings=True),
            scorers=self.scorers,
        )

    def parts(self) -> Iterator[Part]:
        """The cards in order, as cards already made and table parts (see the class)."""
        records = self.records
        stream_names = [r.name for r in records if r.subject is SubjectKind.STREAM]
        brand_names = [r.name for r in records if r.subject is SubjectKind.BRAND]
        status = getattr(self.progress, "status", None)
        brands = BrandScoring()
        if brand_names or (self.advice and stream_names):
            brands = score_brands(
                self.path,
                brand_names,
                self.context,
                self.host,
                whole_max_bytes=self.whole_max_bytes if self.advice and stream_names else None,
                status=status if callable(status) else None,
            )
        self.skipped, self.notes = brands.skipped, brands.notes
        by_brand: dict[tuple[str, str], list[Any]] = {}
        if brands.results is not None:
            for card in brands.results.cards:
                by_brand.setdefault((card.brand_id, card.scorer), [[], []])[0].append(card)
            for error in brands.results.errors:
                by_brand.setdefault((error.brand_id, error.scorer), [[], []])[1].append(error)
            _merge(self._warnings, brands.results.warnings)
        if callable(status):
            status("reading the catalog (brands, accounts, products, short videos)…")
        self.catalog = self.source.catalog
        if brands.dataset is not None:
            shared = TableCatalog(brands.dataset)
        else:
            self.facts_pass = stream_names != [] and needs_stream_facts(self.catalog)
            if self.facts_pass and callable(status):
                status("reading each stream's brand, account and date (brand contexts)…")
            facts = self.source.stream_facts() if self.facts_pass else StreamFacts()
            shared = TableCatalog(self.catalog, facts)
        if self.progress is not None:
            self.progress(0, self.source.total)
        # The runs of the brand being written: (its chunk, first row, stop, its first run in
        # the chunk).
        pending: list[tuple[_Chunk, int, int, bool]] = []
        current: str | None = None
        self._shared, self._stream_names = shared, stream_names
        self._stat = _stat(self.path)

        def flush(brand_id: str, now: _Chunk | None) -> Iterator[Part]:
            for record in records:
                if record.subject is SubjectKind.BRAND:
                    cards, errors = by_brand.pop((brand_id, record.name), ([], []))
                    self.errors += errors
                    yield tuple(cards)
                    continue
                for chunk, start, stop, first in pending:
                    results = chunk.held()[1]  # the run's: a chunk goes once its runs are out
                    scores = results.scores.get(record.name)
                    if scores is not None:
                        yield TablePart(
                            scores,
                            np.arange(start, stop, dtype=np.intp),
                            record,
                            chunk.subjects if self.advice else None,
                            load=functools.partial(chunk.scores, record.name),
                        )
                    elif first:
                        yield tuple(
                            c
                            for c in results.cards
                            if c.scorer == record.name and c.brand_id == brand_id
                        )
                    if first:
                        self.errors += [
                            e
                            for e in results.errors
                            if e.scorer == record.name and e.brand_id == brand_id
                        ]
            # Their cards are made (or the parts kept): the earlier chunks are let go.
            for chunk, *_ in pending:
                if chunk is not now:
                    chunk.release()

        if stream_names:
            for number, table in enumerate(self.source.chunks()):
                results = self._score(table)
                _merge(self._warnings, results.warnings)
                chunk = _Chunk(self, number, table, results)
                codes = table.column("brand_id")
                names = table.dictionary("brand_id")
                cuts = [0, *(np.flatnonzero(codes[1:] != codes[:-1]) + 1).tolist(), len(table)]
                seen: set[str] = set()
                for start, stop in itertools.pairwise(cuts):
                    if start == stop:
                        continue
                    brand_id = names[int(codes[start])]
                    if brand_id != current:
                        if current is not None:
                            yield from flush(current, chunk)
                        pending, current = [], brand_id
                    pending.append((chunk, start, stop, brand_id not in seen))
                    seen.add(brand_id)
                self.streams += len(table)
                self.chunks += 1
                self.max_chunk_rows = max(self.max_chunk_rows, len(table))
                del table, results
                if self.progress is not None:
                    self.progress(self.streams, self.source.total)
            if current is not None:
                yield from flush(current, None)
        pending = []
        left = {brand_id for brand_id, _ in by_brand}
        for brand in (brands.dataset or self.catalog).brands:
            if brand.brand_id in left:
                yield from flush(brand.brand_id, None)
        for brand_id in sorted({b for b, _ in by_brand}):  # not in the catalog: never expected
            yield from flush(brand_id, None)

    def _score(self, table: StreamTable) -> TableResults:
        from steps.scoring.engine import score_table

        return score_table(table, self._shared, self._stream_names, self.context, host=self.host)

    def _again(self, number: int) -> tuple[StreamTable, TableResults]:
        """Chunk ``number`` read from the file and scored again, for cards read after the
        run: chunks are read forward from the last one read again (from the file's start
        for an earlier one), and only that one is kept."""
        found = self._again_kept
        if found is not None and found[0] == number:
            return found[1], found[2]
        self._again_kept = None
        if _stat(self.path) != self._stat:
            raise RuntimeError(f"{self.path} changed since it was scored: score it again")
        if self._again_next > number or self._again_chunks is None:
            self._again_chunks, self._again_next = self.source.chunks(), 0
        for table in self._again_chunks:
            self._again_next += 1
            if self._again_next > number:
                self._again_kept = (number, table, self._score(table))
                return table, self._again_kept[2]
        raise RuntimeError(f"{self.path} has no chunk {number}")  # pragma: no cover - stat


def _stat(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_size, status.st_mtime_ns


class _Chunk:
    """One chunk of a run: its table and scores while the run reads it (and while a brand
    of it waits for its last stream), then let go; its cards read after that read it from
    the file and score it again (`ChunkedRun._again`)."""

    __slots__ = ("number", "results", "run", "table")

    def __init__(
        self, run: ChunkedRun, number: int, table: StreamTable, results: TableResults
    ) -> None:
        self.run, self.number = run, number
        self.table: StreamTable | None = table
        self.results: TableResults | None = results

    def release(self) -> None:
        self.table = self.results = None

    def held(self) -> tuple[StreamTable, TableResults]:
        if self.table is not None and self.results is not None:
            return self.table, self.results
        return self.run._again(self.number)

    def scores(self, name: str) -> TableScores:
        return self.held()[1].scores[name]

    def subjects(self, rows: IndexArray) -> list[StreamSubject]:
        """The subjects of chosen rows (one brand's), for their recommendations: the
        catalog's stream objects where it holds them, else streams rebuilt from the
        columns."""
        from steps.scoring.batch import materialise

        table = self.held()[0].take(rows)
        return [s for _, group, _ in materialise(table, self.run._shared) for s in group]


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
