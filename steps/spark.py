"""Scoring streams on Apache Spark: the columnar scorers over a Spark DataFrame, in parallel.


    from steps.spark import local_session, read_jsonl_catalog, read_jsonl_streams, score_spark

    spark = local_session("local[2]")                  # or your cluster's session
    streams = read_jsonl_streams(spark, "streams.jsonl")
    catalog = read_jsonl_catalog(spark, "streams.jsonl")
    scores = score_spark(streams, catalog, ["stage", "douyin-interest"])
    scores.write.parquet("scores.parquet")

**Input.**  A DataFrame with one row per stream and the columns of
`steps.columnar.SCHEMA`, as `StreamTable.to_arrow` lays them out with the strings plain
(`streams_schema` is the Spark schema): ``brand_id``, ``stream_id``, ``account_id``
(strings) and ``campaign`` (a string, null where none); ``started_at_us`` (``long``,
microseconds since the Unix epoch, UTC) and ``started_at_offset_min`` (``int``, the UTC
offset it was recorded in); every count and money field (``long``, 0 where not recorded,
with its ``has_*`` boolean for an optional field); the traffic splits
``uv_by_source_<source>`` and ``gmv_by_source_<source>`` with ``has_uv_by_source`` and
``has_gmv_by_source``; the aggregates of products and plan (``products_*``, ``plan_*``,
``has_plan*``; ``products_max_gmv_share`` and ``plan_planned_paid_uv_share`` are doubles),
and STAGE's line-up and spend-pacing columns (`steps.columnar.table.EXTRA_SCHEMA`:
``lineup_*``, ``plan_spend_pacing`` with ``has_plan_spend_pacing``; without them those four
STAGE indicators are not available).  Columns may be left out or null where
`steps.columnar.from_columns` allows it.
`read_jsonl_streams` makes such a DataFrame from a steps JSON Lines file (on any file
system Spark reads), and a Parquet file written from ``StreamTable.to_arrow()`` reads as
one with ``spark.read.parquet``.

**Scoring.**  `score_spark` runs `steps.scoring.engine.score_table` on every
Arrow batch of the DataFrame (``mapInArrow``: batch → `steps.columnar.from_arrow`,
with the model's checks → ``score_table`` → Arrow arrays made from the score columns).
The driver broadcasts each brand's context and the per-brand aggregates registered with
`steps.scoring.batch.brand_aggregate`, computed once, not the brands' records (those go
whole only for a scorer that is not a `ColumnStreamMethodology`, or with
``whole_brands``).  A brand's context (main platform, analysis window) comes from all its
streams, as `steps.score` computes it: when some brand needs them
(`steps.scoring.streaming.needs_stream_facts`), `stream_facts` gathers them with one
aggregation before scoring.  `score_parquet` scores Parquet files the same way, each
executor reading its row groups with pyarrow instead of Spark reading the stream columns.

**Output.**  One row per stream × scorer (`scores_schema`): ``scorer``,
``scorer_version``, ``brand_id``, ``subject_id`` (the stream id), ``score`` (null where it
was withheld: the confidence is below the scorer's minimum), ``confidence``, ``withheld``
(why, and what data to provide, else null), ``components`` (a map from component key to its
score, null where the component was not available) and ``error`` (null, or the error of a
scorer that failed on that stream, whose ``score`` and ``confidence`` are then null).  Only
stream scorers run on Spark: brand scorers need whole brands (use `steps.score` per brand).

Every executor needs ``steps-commerce`` (and any scorer plugin, found through its entry
point: the driver broadcasts scorer names) installed in the Python that ``PYSPARK_PYTHON``
names, with ``pyarrow``; ``pip install 'steps-commerce[spark]'``.  pyspark is imported
only inside these functions: ``import steps`` never needs it.
"""

from __future__ import annotations

import copyreg
import importlib
import io
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, TypeVar

import attrs
import numpy as np

from steps.columnar.table import EXTRA_SCHEMA, SCHEMA
from steps.domain.enums import Section
from steps.domain.model import Dataset
from steps.io.files import RECORD_FIELDS
from steps.scoring.batch import (
    BRAND_AGGREGATES,
    BrandFacts,
    ColumnStreamMethodology,
    StreamFacts,
    TableCatalog,
    TableScores,
)
from steps.scoring.contract import ScoringContext
from steps.scoring.results import SubjectKind

if TYPE_CHECKING:
    from steps.columnar.table import StreamTable
    from steps.domain.model import Brand, Stream
    from steps.scoring.plugins import PluginHost, ScorerRecord

__all__ = [
    "SCORES_COLUMNS",
    "broadcast_payload",
    "local_session",
    "read_jsonl_catalog",
    "read_jsonl_streams",
    "score_batches",
    "score_parquet",
    "score_spark",
    "scores_schema",
    "stream_facts",
    "streams_schema",
]

#: The columns of `score_spark`'s result, in order.
SCORES_COLUMNS: Final = (
    "scorer",
    "scorer_version",
    "brand_id",
    "subject_id",
    "score",
    "confidence",
    "withheld",
    "components",
    "error",
)
#: Record kinds `read_jsonl_catalog` gathers: all but the streams (orders stay: the
#: indicators of first-time and returning buyers read them).
_CATALOG_KINDS: Final = ("brand", *(k for k in RECORD_FIELDS if k != "stream"))
#: Record kinds the stream parser needs besides the streams (to check their relations).
_STREAM_CHECK_KINDS: Final = ("brand", "account", "product")
_DAY_US: Final = 86_400_000_000
_MINUTE_US: Final = 60_000_000
_EPOCH_ORDINAL: Final = 719_163  # date(1970, 1, 1).toordinal()
#: Brand records executors do without: `score_spark` ships aggregates of them instead.
_DRIVER_ONLY: Final = (
    "streams",
    "talent_collabs",
    "orders",
    "trust_signals",
    "short_videos",
    "paid_campaigns",
)
T = TypeVar("T")
_SPARK_TYPES: Final = {"int64": "long", "int32": "int", "bool": "boolean", "float64": "double"}


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        raise ImportError(
            f"steps.spark needs {name.split('.', maxsplit=1)[0]}: install it with "
            "pip install 'steps-commerce[spark]'"
        ) from None


# --------------------------------------------------------------------------- schemas


def _schema_ddl() -> list[tuple[str, str, bool]]:
    """(name, Spark type, nullable) of every column of a streams DataFrame: the table's
    columns, then STAGE's line-up and spend-pacing columns (`EXTRA_SCHEMA`)."""
    out = []
    for column in (*SCHEMA, *EXTRA_SCHEMA):
        if column.dictionary:
            out.append((column.name, "string", column.name == "campaign"))
        else:
            out.append((column.name, _SPARK_TYPES[column.dtype], False))
    return out


def streams_schema() -> Any:
    """The Spark schema (``pyspark.sql.types.StructType``) of a DataFrame of streams: one
    field per column of `steps.columnar.SCHEMA` and of
    `steps.columnar.table.EXTRA_SCHEMA`, strings for the dictionary columns
    (``campaign`` nullable), ``long``/``int``/``boolean``/``double`` for the others."""
    arrow = _module("pyspark.sql.pandas.types")
    return arrow.from_arrow_schema(_arrow_streams_schema(_module("pyarrow")))


def scores_schema() -> Any:
    """The Spark schema of `score_spark`'s result (`SCORES_COLUMNS`): the Arrow schema
    of its batches, as Spark types."""
    arrow = _module("pyspark.sql.pandas.types")
    return arrow.from_arrow_schema(_arrow_scores_schema(_module("pyarrow")))


def _arrow_scores_schema(pa: Any) -> Any:
    return pa.schema(
        [
            pa.field("scorer", pa.string(), False),
            pa.field("scorer_version", pa.string()),
            pa.field("brand_id", pa.string(), False),
            pa.field("subject_id", pa.string(), False),
            pa.field("score", pa.float64()),
            pa.field("confidence", pa.float64()),
            pa.field("withheld", pa.string()),
            pa.field("components", pa.map_(pa.string(), pa.float64())),
            pa.field("error", pa.string()),
        ]
    )


def _arrow_streams_schema(pa: Any) -> Any:
    kinds = {
        "string": pa.string(),
        "long": pa.int64(),
        "int": pa.int32(),
        "boolean": pa.bool_(),
        "double": pa.float64(),
    }
    return pa.schema(
        [pa.field(name, kinds[kind], nullable) for name, kind, nullable in _schema_ddl()]
    )


# --------------------------------------------------------------------------- sessions


def local_session(
    master: str = "local[2]",
    *,
    app_name: str = "steps",
    shuffle_partitions: int = 4,
    conf: Mapping[str, str] | None = None,
) -> Any:
    """A Spark session on this machine for trying things out, tests and benchmarks: Arrow
    on, no web UI, few shuffle partitions, driver bound to 127.0.0.1 (no other network is
    touched), workers running this Python (``PYSPARK_PYTHON``, unless set).  ``conf`` adds
    or overrides settings.  On a cluster, build the session as the cluster wants it."""
    sql = _module("pyspark.sql")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    settings = {
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        **(conf or {}),
    }
    builder = sql.SparkSession.builder.master(master).appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


# --------------------------------------------------------------------------- pickling


def _mapping_proxy(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(mapping)


def _reduce_proxy(mapping: MappingProxyType[Any, Any]) -> tuple[Any, ...]:
    return (_mapping_proxy, (dict(mapping),))


def _dumps(value: object) -> bytes:
    """``pickle.dumps`` that also pickles the read-only mappings of the model (frozen
    attrs classes hold `types.MappingProxyType`, which pickle refuses)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    table = copyreg.dispatch_table.copy()
    table[MappingProxyType] = _reduce_proxy
    pickler.dispatch_table = table
    pickler.dump(value)
    return buffer.getvalue()


# --------------------------------------------------------------------------- reading


def _record_kind() -> Any:
    functions = _module("pyspark.sql.functions")
    return functions.get_json_object(functions.col("value"), "$.record")


def _lines(spark: Any, path: str | os.PathLike[str]) -> Any:
    return spark.read.text(os.fspath(path))


def _collect_lines(text: Any, kinds: Sequence[str]) -> list[str]:
    rows = text.where(_record_kind().isin(*kinds)).collect()
    return [row[0] for row in rows]


def _header(text: Any) -> str:
    rows = text.where(_record_kind() == "header").limit(1).collect()
    if not rows:
        raise ValueError("no header line: a steps JSON Lines file starts with its header")
    line: str = rows[0][0]
    return line


def read_jsonl_catalog(spark: Any, path: str | os.PathLike[str]) -> Dataset:
    """The brands of a steps JSON Lines file without their streams (accounts, products,
    talent collaborations, trust signals, short videos): the ``.catalog`` of
    `steps.columnar.read_jsonl`, with the lines gathered by Spark (so ``path`` may
    be on any file system Spark reads), orders included."""
    from steps.columnar.readers import read_jsonl

    text = _lines(spark, path)
    lines = [_header(text), *_collect_lines(text, _CATALOG_KINDS)]
    with tempfile.TemporaryDirectory(prefix="steps-catalog-") as folder:
        local = Path(folder) / "catalog.jsonl"
        local.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        return read_jsonl(local).catalog


def _parse_streams(context_lines: Any) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The ``mapInArrow`` function turning batches of stream lines into stream columns."""

    def parse(batches: Iterator[Any]) -> Iterator[Any]:
        from steps.columnar.readers import read_jsonl

        pa = _module("pyarrow")
        head: list[str] = context_lines.value
        schema = _arrow_streams_schema(pa)
        with tempfile.TemporaryDirectory(prefix="steps-streams-") as folder:
            local = Path(folder) / "streams.jsonl"
            for batch in batches:
                if batch.num_rows == 0:
                    continue
                lines = batch.column(0).to_pylist()
                with local.open("w", encoding="utf-8") as out:
                    out.writelines(line + "\n" for line in head)
                    out.writelines(line + "\n" for line in lines)
                table = read_jsonl(local, chunk_rows=max(1, len(lines))).table().to_arrow()
                arrays = [
                    table.column(field.name).cast(field.type).combine_chunks() for field in schema
                ]
                yield from pa.Table.from_arrays(arrays, schema=schema).to_batches()

    return parse


def read_jsonl_streams(spark: Any, path: str | os.PathLike[str]) -> Any:
    """The streams of a steps JSON Lines file as a Spark DataFrame (`streams_schema`).

    Lines are read by Spark (any file system it reads) and parsed in parallel, a batch at a
    time, by `steps.columnar.read_jsonl` with the model's checks against the file's
    brands, accounts and products (broadcast).  A problem fails the job with the message
    of `InvalidDataError`; its line numbers count within the
    batch, so run ``steps validate FILE`` for the file's own.  Lines that are not records
    are skipped here, and a stream id repeated in two batches is not caught: validate the
    file first when it comes from elsewhere."""
    text = _lines(spark, path)
    head = [_header(text), *_collect_lines(text, _STREAM_CHECK_KINDS)]
    shared = spark.sparkContext.broadcast(head)
    streams = text.where(_record_kind() == "stream")
    return streams.mapInArrow(_parse_streams(shared), streams_schema())


# --------------------------------------------------------------------------- scoring


def stream_facts(df: Any) -> StreamFacts:
    """Each brand's streams per account, first and last local start date and the stream
    sections its rows hold, over the whole DataFrame (one aggregation, a row per brand and
    account comes back)."""
    functions = _module("pyspark.sql.functions")
    local = functions.col("started_at_us") + functions.col("started_at_offset_min").cast(
        "long"
    ) * functions.lit(_MINUTE_US)
    day = (local - functions.pmod(local, functions.lit(_DAY_US))) / functions.lit(_DAY_US)
    rows = (
        df.groupBy("brand_id", "account_id")
        .agg(
            functions.count(functions.lit(1)).alias("streams"),
            functions.min(day.cast("long")).alias("first"),
            functions.max(day.cast("long")).alias("last"),
            functions.max(functions.col("has_plan").cast("int")).alias("plans"),
            functions.max((functions.col("products_listed") > 0).cast("int")).alias("listed"),
        )
        .collect()
    )
    accounts: dict[str, dict[str, int]] = {}
    days: dict[str, tuple[int, int]] = {}
    sections: dict[str, frozenset[Section]] = {}
    for row in rows:
        brand, account = row["brand_id"], row["account_id"]
        accounts.setdefault(brand, {})[account] = int(row["streams"])
        first, last = int(row["first"]) + _EPOCH_ORDINAL, int(row["last"]) + _EPOCH_ORDINAL
        low, high = days.get(brand, (first, last))
        days[brand] = (min(low, first), max(high, last))
        held = {Section.STREAMS}
        if row["plans"]:
            held.add(Section.PLANS)
        if row["listed"]:
            held.add(Section.STREAM_PRODUCTS)
        sections[brand] = sections.get(brand, frozenset()) | held
    return StreamFacts(accounts, days, sections)


def _stream_scorers(
    scorers: Sequence[str] | str | None, host: PluginHost | None
) -> list[ScorerRecord]:
    from steps.scoring.plugins import default_host

    chosen = (host or default_host()).select([scorers] if isinstance(scorers, str) else scorers)
    if scorers is None:
        return [r for r in chosen if r.subject is SubjectKind.STREAM]
    brand_level = [r.name for r in chosen if r.subject is not SubjectKind.STREAM]
    if brand_level:
        raise ValueError(
            f"score_spark scores streams; brand scorers {brand_level} need whole brands "
            "(steps.score)"
        )
    return list(chosen)


def _error_row(error: Any) -> dict[str, Any]:
    return dict.fromkeys(SCORES_COLUMNS) | {
        "scorer": error.scorer,
        "brand_id": error.brand_id,
        "subject_id": error.subject_id,
        "error": f"{error.error_type}: {error.message}",
    }


def _card_row(card: Any) -> dict[str, Any]:
    return dict.fromkeys(SCORES_COLUMNS) | {
        "scorer": card.scorer,
        "scorer_version": card.scorer_version,
        "brand_id": card.brand_id,
        "subject_id": card.subject_id,
        "score": card.score,
        "confidence": card.confidence,
        "withheld": card.withheld,
        "components": {c.key: c.score for c in card.components},
    }


def _score_columns(pa: Any, scores: TableScores) -> Any:
    """One scorer's rows as an Arrow batch, straight from its columns: no row objects, no
    explanation texts (the withheld reasons are made once per pattern, where withheld)."""
    n, table = len(scores), scores.table

    def ids(name: str) -> Any:
        return pa.array(table.dictionary(name), pa.string()).take(table.column(name))

    withheld = scores.withheld
    reasons = pa.nulls(n, pa.string())
    if withheld.any():
        found = scores.withheld_reasons()
        reasons = pa.array([None if r is None else r[0] for r in found], pa.string())
    keys = [c.key for c in scores.components]
    k = len(keys)
    values = np.zeros((n, k), dtype=np.float64)
    known = np.zeros((n, k), dtype=np.bool_)
    for j, component in enumerate(scores.components):
        values[:, j], known[:, j] = component.score, component.available
    components = pa.MapArray.from_arrays(
        pa.array(np.arange(0, n * k + 1, max(k, 1), dtype=np.int32)[: n + 1]),
        pa.array(keys, pa.string()).take(np.tile(np.arange(k, dtype=np.int32), n)),
        pa.array(values.reshape(-1), mask=~known.reshape(-1)),
    )
    return pa.RecordBatch.from_arrays(
        [
            pa.repeat(pa.scalar(scores.scorer, pa.string()), n),
            pa.repeat(pa.scalar(scores.version, pa.string()), n),
            ids("brand_id"),
            ids("stream_id"),
            pa.array(scores.score, mask=withheld),
            pa.array(scores.confidence),
            reasons,
            components,
            pa.nulls(n, pa.string()),
        ],
        schema=_arrow_scores_schema(pa),
    )


class _ShippedCatalog(TableCatalog):
    """The catalog executors score with: each brand's context and the aggregates
    registered with `brand_aggregate`, computed on the driver, over brands that keep
    only what the table's checks read (accounts, products, window, coverage).  The brands'
    other records stay on the driver: asking for a brand object is an error that says so,
    never a brand silently missing its short videos."""

    def __init__(
        self,
        brands: Dataset,
        streams: StreamFacts,
        contexts: Mapping[str, BrandFacts],
        aggregates: Mapping[tuple[str, str], Any],
    ) -> None:
        super().__init__(brands, streams)
        self._facts.update(contexts)
        self._aggregates = aggregates

    def require(self, brand_ids: Iterable[str]) -> None:
        for brand_id in brand_ids:
            if brand_id not in self._facts:
                super().brand(brand_id)

    def brand(self, brand_id: str) -> Brand:
        super().brand(brand_id)  # ValueError for a brand it does not hold
        raise LookupError(
            f"brand {brand_id!r}: score_spark ships each brand's context and the aggregates "
            "registered with steps.scoring.batch.brand_aggregate, not the brand's records; "
            "register what the scorer reads, or pass whole_brands=True"
        )

    def stream_objects(self, brand_id: str) -> Mapping[str, Stream]:
        return {}

    def facts(self, brand_id: str, table: StreamTable | None = None) -> BrandFacts:
        found = self._facts.get(brand_id)
        return found if found is not None else super().facts(brand_id, table)

    def memo(self, key: str, brand_id: str, compute: Callable[[Brand], T]) -> T:
        if (key, brand_id) in self._aggregates:
            found: T = self._aggregates[key, brand_id]
            return found
        return compute(self.brand(brand_id))


def _shipped(catalog: Dataset, facts: StreamFacts, whole_brands: bool) -> tuple[Any, ...]:
    """What executors get of the catalog: ``(brands, facts, contexts, aggregates)``, the
    brands cut to what the checks read, with every brand's context and registered
    aggregate; or ``(catalog, facts, None, None)`` with ``whole_brands``."""
    if whole_brands:
        return catalog, facts, None, None
    full = TableCatalog(catalog, facts)
    ids = [brand.brand_id for brand in catalog.brands]
    contexts = {brand_id: full.facts(brand_id) for brand_id in ids}
    aggregates = {
        (key, brand_id): full.memo(key, brand_id, compute)
        for key, compute in BRAND_AGGREGATES.items()
        for brand_id in ids
    }
    cut: dict[str, Any] = dict.fromkeys(_DRIVER_ONLY, ())
    brands = Dataset(brands=tuple(attrs.evolve(b, audience=None, **cut) for b in catalog.brands))
    return brands, facts, contexts, aggregates


#: The last payload a Python worker unpickled, with its catalog: a reused worker scores
#: many partitions with one broadcast (bytes objects hash once, compare by identity).
_LAST_PAYLOAD: dict[bytes, tuple[TableCatalog, ScoringContext, list[str]]] = {}


def _unpickled(payload: bytes) -> tuple[TableCatalog, ScoringContext, list[str]]:
    found = _LAST_PAYLOAD.get(payload)
    if found is None:
        (brands, facts, contexts, aggregates), context, names = pickle.loads(payload)  # noqa: S301 - our broadcast
        catalog = (
            TableCatalog(brands, facts)
            if contexts is None
            else _ShippedCatalog(brands, facts, contexts, aggregates)
        )
        found = (catalog, context or ScoringContext(), names)
        _LAST_PAYLOAD.clear()
        _LAST_PAYLOAD[payload] = found
    return found


def score_batches(
    batches: Iterator[Any],
    payload: bytes,
    *,
    host: PluginHost | None = None,
) -> Iterator[Any]:
    """Score Arrow record batches of streams (the body of `score_spark`'s
    ``mapInArrow``, usable without Spark): ``payload`` is what `broadcast_payload` returns;
    ``host`` defaults to the process's `default_host`.  Yields, per non-empty input
    batch, record batches of `SCORES_COLUMNS`: a row per stream × scorer, and one with
    ``error`` set for each stream a scorer failed on."""
    from steps.columnar.readers import from_arrow
    from steps.scoring.engine import score_table
    from steps.scoring.plugins import default_host

    pa = _module("pyarrow")
    catalog, context, names = _unpickled(payload)
    if host is None:
        host = default_host()
        if not {r.name for r in host.scorers()}.issuperset(names):
            # A reused worker loaded its plugins before SparkContext.addPyFile shipped one.
            default_host.cache_clear()  # type: ignore[attr-defined]
            host = default_host()
    schema = _arrow_scores_schema(pa)
    for batch in batches:
        if batch.num_rows == 0:
            continue
        table = from_arrow(pa.Table.from_batches([batch]), catalog=catalog.dataset)
        results = score_table(table, catalog, names, context, host=host)
        for info in results.scorers:
            scores = results.scores.get(info.name)
            if scores is not None:
                yield _score_columns(pa, scores)
                continue
            rows = [_card_row(card) for card in results.cards if card.scorer == info.name]
            if rows:
                yield pa.RecordBatch.from_pylist(rows, schema=schema)
        if results.errors:
            yield pa.RecordBatch.from_pylist([_error_row(e) for e in results.errors], schema=schema)


def broadcast_payload(
    catalog: Dataset,
    names: Sequence[str],
    context: ScoringContext | None = None,
    *,
    facts: StreamFacts | None = None,
    whole_brands: bool = False,
    host: PluginHost | None = None,
) -> bytes:
    """The bytes `score_spark` broadcasts: the scorer names, the context and, unless
    ``whole_brands``, each brand's context and registered aggregates instead of its records
    (see `score_spark`).  The scorers are looked up in ``host`` (by default the default
    host) first, which imports their modules and so registers their aggregates."""
    from steps.scoring.plugins import default_host

    (host or default_host()).select(names)
    shipped = _shipped(catalog, facts or StreamFacts(), whole_brands)
    return _dumps((shipped, context, list(names)))


def _broadcast(  # noqa: PLR0917 - the arguments of score_spark, passed on
    spark: Any,
    frame: Callable[[], Any],
    catalog: Dataset,
    scorers: Sequence[str] | str | None,
    context: ScoringContext | None,
    facts: StreamFacts | None,
    host: PluginHost | None,
    whole_brands: bool | None,
) -> Any:
    """The broadcast `score_spark` and `score_parquet` score with; ``frame()`` is the
    streams DataFrame, asked for only when the facts must be gathered from it."""
    from steps.scoring.streaming import needs_stream_facts

    records = _stream_scorers(scorers, host)
    if whole_brands is None:
        whole_brands = not all(isinstance(r.scorer, ColumnStreamMethodology) for r in records)
    if facts is None:
        facts = stream_facts(frame()) if needs_stream_facts(catalog) else StreamFacts()
    data = broadcast_payload(
        catalog,
        [r.name for r in records],
        context,
        facts=facts,
        whole_brands=whole_brands,
        host=host,
    )
    return spark.sparkContext.broadcast(data)


def score_spark(
    df: Any,
    catalog: Dataset,
    scorers: Sequence[str] | str | None = None,
    context: ScoringContext | None = None,
    *,
    facts: StreamFacts | None = None,
    host: PluginHost | None = None,
    whole_brands: bool | None = None,
) -> Any:
    """Score every stream of the Spark DataFrame ``df`` (`streams_schema`) with the
    stream scorers ``scorers`` (names; every registered stream scorer for ``None``),
    ``catalog`` holding the streams' brands.  Returns a DataFrame of `scores_schema`, one
    row per stream × scorer, computed lazily (an action such as ``.write`` or
    ``.collect()`` runs it).

    ``facts`` are the brands' stream facts (`stream_facts`); by default they are
    gathered with one aggregation over ``df`` when some brand's context needs them.
    ``host`` chooses the scorers on the driver; executors look the same names up in their
    own default host, so the scorers must be installed there.

    Executors get each brand's context and the aggregates registered with
    `steps.scoring.batch.brand_aggregate`, computed here once, not the brands' records;
    with ``whole_brands`` they get the records too (pickled).  By default the records go
    only when a chosen scorer is not a `ColumnStreamMethodology`, which may read anything
    of a brand."""
    spark, frame = df.sparkSession, lambda: df
    shared = _broadcast(spark, frame, catalog, scorers, context, facts, host, whole_brands)

    def score(batches: Iterator[Any]) -> Iterator[Any]:
        return score_batches(batches, shared.value)

    return df.mapInArrow(score, scores_schema())


def _row_groups(locations: Sequence[str]) -> list[tuple[str, str, int]]:
    """``(location, path in its file system, row group)`` of every row group of the
    Parquet files at ``locations`` (files or folders, as pyarrow.dataset lists them)."""
    pa, ds = _module("pyarrow"), _module("pyarrow.dataset")
    groups: list[tuple[str, str, int]] = []
    for location in locations:
        try:
            fragments = ds.dataset(location, format="parquet").get_fragments()
            groups += [
                (location, fragment.path, group)
                for fragment in fragments
                for group in range(fragment.metadata.num_row_groups)
            ]
        except FileNotFoundError:
            raise FileNotFoundError(f"{location}: no such Parquet file or folder") from None
        except pa.ArrowInvalid as error:
            raise ValueError(f"{location}: not Parquet that pyarrow reads ({error})") from None
    return groups


def score_parquet(
    spark: Any,
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    catalog: Dataset,
    scorers: Sequence[str] | str | None = None,
    context: ScoringContext | None = None,
    *,
    facts: StreamFacts | None = None,
    host: PluginHost | None = None,
    whole_brands: bool | None = None,
) -> Any:
    """`score_spark` over Parquet files of stream columns (`streams_schema`, e.g. written
    from ``StreamTable.to_arrow()``) that executors read themselves, with pyarrow: one
    task per row group, which opens its file, scores it in batches of
    ``spark.sql.execution.arrow.maxRecordsPerBatch`` streams and hands Spark only the
    score columns.  Same result and arguments as `score_spark`.

    ``paths`` are files or folders, local paths or URIs of a file system pyarrow reads
    (``s3://``, ``hdfs://``, ``gs://``...), readable by pyarrow on the driver (which lists
    the row groups) and on every executor.  ``FileNotFoundError`` or ``ValueError`` name a
    path that is missing or not Parquet.  The facts, when some brand needs them, are
    gathered with ``spark.read.parquet`` (so Spark must read the paths too)."""
    many = [paths] if isinstance(paths, str | os.PathLike) else paths
    named = [os.fspath(path) for path in many]
    locations = [p if "://" in p else os.path.abspath(p) for p in named]
    groups = _row_groups(locations)
    frame = lambda: spark.read.parquet(*locations)  # noqa: E731 - read only for the facts
    shared = _broadcast(spark, frame, catalog, scorers, context, facts, host, whole_brands)
    rows = int(spark.conf.get("spark.sql.execution.arrow.maxRecordsPerBatch", "10000"))

    def read(tasks: Iterator[Any]) -> Iterator[Any]:
        fs, pq = _module("pyarrow.fs"), _module("pyarrow.parquet")
        for index in (i for task in tasks for i in task.column(0).to_pylist()):
            location, path, group = groups[index]
            with fs.FileSystem.from_uri(location)[0].open_input_file(path) as source:
                yield from pq.ParquetFile(source).iter_batches(rows, row_groups=[group])

    def score(tasks: Iterator[Any]) -> Iterator[Any]:
        return score_batches(read(tasks), shared.value)

    tasks = spark.range(0, len(groups), 1, max(len(groups), 1))
    return tasks.mapInArrow(score, scores_schema())
