"""steps.spark on a real local Spark (``local[2]``) against the per-object path.

Skipped when pyspark (or Java) is missing, unless ``STEPS_REQUIRE_SPARK=1``, which turns
the skip into a failure (CI installs the ``spark`` extra and sets it).  The session binds to
127.0.0.1 and runs without its web UI.
"""

from __future__ import annotations

import importlib.util
import math
import os
import shutil
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from steps.columnar import read_jsonl
from steps.domain.enums import Platform
from steps.io.files import dump, load
from steps.sample import write_jsonl
from steps.scoring import ScoreResults, score
from steps.scoring.batch import StreamFacts
from steps.scoring.contract import ScoringContext
from steps.scoring.engine import score_table
from steps.scoring.plugins import PluginHost
from steps.testing.plugins import isolated_host
from tests.scoring.support import FakeScorer, Plugin, raising
from tests.scoring.test_streaming import stage_gaps

pytestmark = pytest.mark.filterwarnings(
    # pyspark 4 warns that it does not yet support pandas 3 (steps.spark does not use pandas)
    "ignore:PySpark does not yet fully support pandas:FutureWarning",
)

STREAM_SCORERS = ["douyin-interest", "stage"]
TOLERANCE = 1e-9
EXAMPLE = Path(__file__).parents[1] / "examples" / "steps-plugin-example"
#: Thresholds that withhold part of the sample's scores (their confidences lie either side).
WITHHOLDING = ScoringContext(
    options={"stage.min_confidence": 0.85, "douyin-interest.min_confidence": 0.95}
)


def _unavailable(reason: str) -> None:
    if os.environ.get("STEPS_REQUIRE_SPARK") == "1":
        pytest.fail(f"STEPS_REQUIRE_SPARK=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    if importlib.util.find_spec("pyspark") is None:
        _unavailable("pyspark is not installed (pip install 'steps-commerce[spark]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _unavailable("Spark needs Java (17 or later) on the PATH or in JAVA_HOME")
    from steps.spark import local_session

    saved = {name: os.environ.get(name) for name in ("PYSPARK_PYTHON", "SPARK_LOCAL_IP")}
    os.environ["PYSPARK_PYTHON"] = sys.executable  # workers run this Python, with steps
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    session = local_session(
        "local[2]",
        app_name="steps-tests",
        shuffle_partitions=2,
        # small Arrow batches: every partition is scored in several score_table calls
        conf={"spark.sql.execution.arrow.maxRecordsPerBatch": "64"},
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spark") / "streams.jsonl"
    write_jsonl(path, brands=2, seed=0, streams_per_brand=150)
    return path


def compare(rows: list[dict[str, Any]], want: ScoreResults) -> list[str]:
    """How Spark's score rows differ from the per-object cards."""
    got = {(r["scorer"], r["brand_id"], r["subject_id"]): r for r in rows}
    problems = [f"{len(rows) - len(got)} repeated rows"] if len(got) != len(rows) else []
    gaps = stage_gaps()  # STAGE components the columns cannot match yet
    for card in want.cards:
        row = got.pop((card.scorer, card.brand_id, card.subject_id), None)
        if row is None:
            problems.append(f"no row for {card.scorer} {card.subject_id}")
            continue
        partial = card.scorer == "stage" and bool(gaps)
        if row["error"] is not None or row["scorer_version"] != card.scorer_version:
            problems.append(f"{card.subject_id}: {row['error']} {row['scorer_version']}")
        if not partial and not (
            math.isclose(row["score"], card.score, abs_tol=TOLERANCE)
            and math.isclose(row["confidence"], card.confidence, abs_tol=TOLERANCE)
        ):
            problems.append(f"{card.scorer} {card.subject_id}: {row['score']} != {card.score}")
        components = {c.key: c.score for c in card.components}
        if set(row["components"]) != set(components):
            problems.append(f"{card.subject_id}: components {sorted(row['components'])}")
            continue
        for key, value in components.items():
            mine = row["components"][key]
            if partial and key in gaps:
                continue
            if (mine is None) != (value is None) or (
                value is not None and not math.isclose(mine, value, abs_tol=TOLERANCE)
            ):
                problems.append(f"{card.scorer} {card.subject_id} {key}: {mine} != {value}")
    problems.extend(f"row without a card: {key}" for key in got)
    return problems


def collect(frame: Any) -> list[dict[str, Any]]:
    return [row.asDict(recursive=True) for row in frame.collect()]


def local_batch(
    path: Path, names: list[str], context: ScoringContext | None = None, **kwargs: Any
) -> dict[tuple[str, str], dict[str, Any]]:
    """The score rows of local batch scoring (the cards of `score_table` of the whole
    file), keyed."""
    source = read_jsonl(path)
    results = score_table(source.table(), source.catalog, names, context, **kwargs)
    return {
        (c.scorer, c.subject_id): {
            "scorer": c.scorer,
            "scorer_version": c.scorer_version,
            "brand_id": c.brand_id,
            "subject_id": c.subject_id,
            "score": c.score,
            "confidence": c.confidence,
            "withheld": c.withheld,
            "components": {part.key: part.score for part in c.components},
            "error": None,
        }
        for c in results.to_results().cards
    }


def keyed(rows: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for row in rows:
        components = row["components"]
        out[row["scorer"], row["subject_id"]] = {**row, "components": dict(components or {})}
    return out


def plugin_zip(folder: Path) -> Path:
    """The example plugin as a third party ships it to executors: its package and a
    dist-info declaring its entry point, in one zip for ``SparkContext.addPyFile``."""
    path = folder / "steps_plugin_example.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for module in sorted((EXAMPLE / "steps_plugin_example").glob("*.py")):
            archive.write(module, f"steps_plugin_example/{module.name}")
        info = "steps_plugin_example-0.1.0.dist-info"
        archive.writestr(
            f"{info}/METADATA",
            "Metadata-Version: 2.1\nName: steps-plugin-example\nVersion: 0.1.0\n",
        )
        archive.writestr(f"{info}/entry_points.txt", "[steps]\nexample = steps_plugin_example\n")
    return path


# -- on Spark -------------------------------------------------------------------------------


@pytest.mark.slow
def test_spark_scores_equal_the_per_object_scores(spark: Any, sample: Path) -> None:
    from steps.spark import (
        SCORES_COLUMNS,
        read_jsonl_catalog,
        read_jsonl_streams,
        score_spark,
        scores_schema,
        streams_schema,
    )

    streams = read_jsonl_streams(spark, sample)
    assert streams.schema == streams_schema()
    assert streams.count() == 300
    catalog = read_jsonl_catalog(spark, sample)
    assert catalog == read_jsonl(sample).catalog
    scores = score_spark(streams.repartition(3), catalog)  # every stream scorer
    assert scores.schema == scores_schema()
    assert tuple(scores.columns) == SCORES_COLUMNS
    rows = collect(scores)
    assert len(rows) == 300 * 2
    assert {r["scorer"] for r in rows} == set(STREAM_SCORERS)
    assert compare(rows, score(load(sample), STREAM_SCORERS)) == []


@pytest.mark.slow
def test_brand_contexts_from_all_the_streams(spark: Any, tmp_path: Path) -> None:
    """Open windows and accounts on two platforms: the brand's context comes from the
    streams of every partition (one aggregation), not from each batch's rows."""
    from steps.spark import read_jsonl_catalog, read_jsonl_streams, score_spark, stream_facts

    generated = tmp_path / "generated.jsonl"
    write_jsonl(generated, brands=2, seed=5, streams_per_brand=90, orders=False)
    dataset = load(generated)
    brands = []
    for brand in dataset.brands:
        accounts = tuple(
            attrs.evolve(a, platform=Platform.DOUYIN if i % 2 else Platform.KUAISHOU)
            for i, a in enumerate(brand.accounts)
        )
        brands.append(attrs.evolve(brand, window_start=None, window_end=None, accounts=accounts))
    path = tmp_path / "open.jsonl"
    dump(attrs.evolve(dataset, brands=tuple(brands)), path)

    streams = read_jsonl_streams(spark, path).repartition(4)
    assert stream_facts(streams) == StreamFacts.over(read_jsonl(path, chunk_rows=50))
    rows = collect(score_spark(streams, read_jsonl_catalog(spark, path), STREAM_SCORERS))
    want = score(load(path), STREAM_SCORERS)
    assert compare(rows, want) == []

    pq = pytest.importorskip("pyarrow.parquet")
    from steps.spark import score_parquet

    source = read_jsonl(path)
    pq.write_table(source.table().to_arrow(), tmp_path / "open.parquet", row_group_size=40)
    from_files = score_parquet(spark, tmp_path / "open.parquet", source.catalog, STREAM_SCORERS)
    assert compare(collect(from_files), want) == []


@pytest.mark.slow
def test_parquet_written_from_a_stream_table(spark: Any, sample: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")

    from steps.spark import read_jsonl_streams, score_spark

    source = read_jsonl(sample)
    pq.write_table(source.table().to_arrow(), tmp_path / "streams.parquet")
    from_parquet = spark.read.parquet(str(tmp_path / "streams.parquet"))
    from_jsonl = read_jsonl_streams(spark, sample)

    def rows(frame: Any) -> list[tuple[Any, ...]]:
        # An unknown double (the planned returning share without a plan) is NaN in both, and
        # NaN is not equal to itself.
        return sorted(
            tuple(None if isinstance(v, float) and math.isnan(v) else v for v in row)
            for row in frame.collect()
        )

    assert rows(from_parquet) == rows(from_jsonl)

    def keyed(frame: Any) -> dict[tuple[str, str], dict[str, Any]]:
        return {(r["scorer"], r["subject_id"]): r for r in collect(frame)}

    catalog = source.catalog
    assert keyed(score_spark(from_parquet, catalog, ["stage"])) == keyed(
        score_spark(from_jsonl, catalog, ["stage"])
    )


@pytest.mark.slow
def test_spark_scores_equal_local_batch_exactly(spark: Any, sample: Path) -> None:
    """Every field of every row, withheld scores and their reasons included, is what
    local batch scoring gives: the same floats, not merely close ones."""
    from steps.spark import read_jsonl_catalog, read_jsonl_streams, score_spark

    streams = read_jsonl_streams(spark, sample).repartition(3)
    catalog = read_jsonl_catalog(spark, sample)
    got = keyed(collect(score_spark(streams, catalog, STREAM_SCORERS, WITHHOLDING)))
    want = local_batch(sample, STREAM_SCORERS, WITHHOLDING)
    assert got == want
    withheld = [r for r in got.values() if r["withheld"] is not None]
    assert 0 < len(withheld) < len(got)
    assert all(r["score"] is None for r in withheld)


@pytest.mark.slow
def test_score_parquet_reads_row_groups_on_executors(
    spark: Any, sample: Path, tmp_path: Path
) -> None:
    """Row groups of two files in a folder, read by the executors with pyarrow, give every
    row `score_spark` and local batch scoring give, withheld scores included."""
    pq = pytest.importorskip("pyarrow.parquet")
    from steps.spark import score_parquet, score_spark, scores_schema

    source = read_jsonl(sample)
    table = source.table().to_arrow()
    folder = tmp_path / "streams"
    folder.mkdir()
    pq.write_table(table.slice(0, 170), folder / "part-0.parquet", row_group_size=50)
    pq.write_table(table.slice(170), folder / "part-1.parquet", row_group_size=50)
    (folder / "_SUCCESS").touch()  # what Spark leaves beside its files: not Parquet, skipped

    scores = score_parquet(spark, folder, source.catalog, STREAM_SCORERS, WITHHOLDING)
    assert scores.schema == scores_schema()
    assert scores.rdd.getNumPartitions() == 7  # a task per row group: 4 + 3
    got = keyed(collect(scores))
    assert got == local_batch(sample, STREAM_SCORERS, WITHHOLDING)
    frame = spark.read.parquet(str(folder))
    assert got == keyed(collect(score_spark(frame, source.catalog, STREAM_SCORERS, WITHHOLDING)))
    assert 0 < sum(r["withheld"] is not None for r in got.values()) < len(got)


@pytest.mark.slow
def test_score_parquet_names_a_path_it_cannot_read(
    spark: Any, sample: Path, tmp_path: Path
) -> None:
    from steps.spark import score_parquet

    catalog = read_jsonl(sample).catalog
    missing = tmp_path / "missing.parquet"
    with pytest.raises(FileNotFoundError, match=r"missing\.parquet: no such Parquet file"):
        score_parquet(spark, [missing], catalog, ["stage"])
    with pytest.raises(ValueError, match=r"streams\.jsonl: not Parquet that pyarrow reads"):
        score_parquet(spark, sample, catalog, ["stage"])


@pytest.mark.slow
def test_a_plugin_shipped_with_add_py_file_scores_on_executors(
    spark: Any, sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A third-party scorer reaches executors the way the Spark page says: its package and
    entry point in a zip given to ``addPyFile``; the driver chooses it by name and the
    executors find it through their own entry points."""
    from steps.spark import read_jsonl_streams, score_spark

    archive = plugin_zip(tmp_path)
    monkeypatch.syspath_prepend(str(archive))  # the driver has the plugin installed
    host = PluginHost()
    names = ["live-hold", "stage"]  # live-rhythm reads the brand's other streams: see the page
    assert {r.name for r in host.select(names)} == set(names)
    spark.sparkContext.addPyFile(str(archive))
    streams = read_jsonl_streams(spark, sample).repartition(2)
    catalog = read_jsonl(sample).catalog
    got = keyed(collect(score_spark(streams, catalog, names, host=host)))
    want = local_batch(sample, names, host=host)
    assert got == want
    assert {scorer for scorer, _ in got} == set(names)
    assert all(r["error"] is None and r["score"] is not None for r in got.values())


@pytest.mark.slow
def test_brand_scorers_are_refused(spark: Any, sample: Path) -> None:
    from steps.spark import read_jsonl_streams, score_spark

    with pytest.raises(ValueError, match="brand scorers"):
        score_spark(read_jsonl_streams(spark, sample), read_jsonl(sample).catalog, ["steps"])


# -- the batch function, without Spark ------------------------------------------------------


def test_score_batches_reports_failures_as_rows(sample: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    from steps.spark import SCORES_COLUMNS, broadcast_payload, score_batches

    source = read_jsonl(sample)
    table = source.table().slice(0, 10).to_arrow()
    host = isolated_host(
        Plugin("fine", FakeScorer("fine-stream")),
        Plugin("broken", FakeScorer("broken-stream", answer=raising)),
    )
    payload = broadcast_payload(
        source.catalog, ["broken-stream", "fine-stream"], whole_brands=True, host=host
    )
    empty = table.slice(0, 0).to_batches()
    assert list(score_batches(iter(empty), payload, host=host)) == []
    batches = list(score_batches(iter([*empty, *table.to_batches()]), payload, host=host))
    rows = pa.Table.from_batches(batches).to_pylist()
    assert tuple(rows[0]) == SCORES_COLUMNS
    fine = [r for r in rows if r["scorer"] == "fine-stream"]
    broken = [r for r in rows if r["scorer"] == "broken-stream"]
    assert len(fine) == len(broken) == 10
    assert all(r["error"] is None and r["score"] is not None for r in fine)
    assert all(r["score"] is None and r["error"].startswith("RuntimeError") for r in broken)
    assert {r["subject_id"] for r in broken} == set(table.column("stream_id").to_pylist())


def test_executors_get_aggregates_not_brand_records(sample: Path) -> None:
    """The broadcast holds each brand's context and registered aggregates: a fraction of
    the pickled brands, scoring exactly as they do; a brand object is refused with a
    message saying how to ship one, never handed over without its records."""
    pa = pytest.importorskip("pyarrow")
    from steps.spark import _unpickled, broadcast_payload, score_batches

    source = read_jsonl(sample)
    shipped = broadcast_payload(source.catalog, STREAM_SCORERS, WITHHOLDING)
    whole = broadcast_payload(source.catalog, STREAM_SCORERS, WITHHOLDING, whole_brands=True)
    assert len(shipped) * 10 < len(whole)
    catalog, context, names = _unpickled(shipped)
    assert names == STREAM_SCORERS
    assert context == WITHHOLDING
    with pytest.raises(LookupError, match="whole_brands=True"):
        catalog.brand("b00")
    with pytest.raises(ValueError, match="not in the catalog"):
        catalog.require(["nobody"])
    batches = source.table().to_arrow().to_batches(max_chunksize=100)
    for data in (shipped, whole):
        rows = pa.Table.from_batches(list(score_batches(iter(batches), data))).to_pylist()
        assert keyed(rows) == local_batch(sample, STREAM_SCORERS, WITHHOLDING)


def test_schemas_follow_the_table_columns() -> None:
    from steps.columnar import SCHEMA
    from steps.columnar.table import EXTRA_SCHEMA
    from steps.spark import _schema_ddl

    ddl = _schema_ddl()
    assert [name for name, _, _ in ddl] == [c.name for c in (*SCHEMA, *EXTRA_SCHEMA)]
    assert {kind for _, kind, _ in ddl} <= {"string", "long", "int", "boolean", "double"}
    assert [name for name, _, nullable in ddl if nullable] == ["campaign"]
