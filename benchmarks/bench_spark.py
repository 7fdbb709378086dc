"""Spark against local batch: the same streams scored three ways, one cold pass each, one run.

A synthetic dataset (:func:`steps.sample.write_jsonl`, without orders) is converted once to
a Parquet file of stream columns (:meth:`StreamTable.to_arrow
<steps.columnar.StreamTable.to_arrow>`, a row group per ``--batch-rows`` streams).  Then,
each timed once from cold:

* **local batch**: in this process, every row group → :func:`steps.columnar.from_arrow`
  (with the model's checks) → :func:`steps.scoring.engine.score_table` → the Arrow score
  batches ``score_spark`` returns (:func:`steps.spark.score_batches`, the executors' own
  code, without Spark);
* **Spark, row groups**: a fresh ``local[N]`` session (its start-up not counted) runs
  :func:`steps.spark.score_parquet` (a task per row group, read by the Python workers with
  pyarrow) → ``.write.format("noop")`` (every row computed, nothing stored): the first job
  of the process, so the JVM warms up, Python workers start and import steps inside the time,
  and the broadcast is made inside it too;
* **Spark, DataFrame**: the session is stopped and a new one started (a fresh Spark context
  and Python workers, in the JVM the first path warmed) to run ``spark.read.parquet(streams)``
  → :func:`steps.spark.score_spark` → the ``noop`` sink.

Each Spark job is then run again on its warm session, for the share of start-up.  The
report gives streams per second for each, the ratio ``time(Spark) / time(local batch)`` of
each Spark path (the target is at most 2 on ``local[2]``) and the size of the broadcast (each
brand's context and registered aggregates), beside the pickled catalog that was broadcast
before::

    python benchmarks/bench_spark.py                                  # 100,000 streams
    python benchmarks/bench_spark.py --brands 100 --streams-per-brand 10000   # 1,000,000

Needs the ``spark`` extra (pyspark, pyarrow) and Java 17+.  The session binds to
127.0.0.1 (see :func:`steps.spark.local_session`).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from steps.columnar import read_jsonl
from steps.domain.model import Dataset
from steps.sample import write_jsonl

SCORERS = ["douyin-interest", "stage"]


def to_parquet(source: Path, target: Path, chunk_rows: int) -> tuple[Dataset, int]:
    """The streams of ``source`` as a Parquet file, a row group per ``chunk_rows`` streams;
    returns the catalog and the count."""
    import pyarrow.parquet as pq

    streams = read_jsonl(source, chunk_rows=chunk_rows)
    writer = None
    count = 0
    for chunk in streams:
        table = chunk.to_arrow()  # dictionary columns: one type whatever the dictionary
        if writer is None:
            writer = pq.ParquetWriter(target, table.schema)
        writer.write_table(table, row_group_size=chunk_rows)
        count += len(chunk)
    if writer is not None:
        writer.close()
    return streams.catalog, count


def local_batch(streams: Path, catalog: Dataset) -> tuple[float, int]:
    """Seconds to score every row group in this process, and the score rows made."""
    import pyarrow.parquet as pq

    from steps.spark import broadcast_payload, score_batches

    started = time.perf_counter()
    parquet = pq.ParquetFile(streams)
    groups = (parquet.read_row_group(g) for g in range(parquet.num_row_groups))
    batches = (b for group in groups for b in group.to_batches())
    rows = sum(b.num_rows for b in score_batches(batches, broadcast_payload(catalog, SCORERS)))
    return time.perf_counter() - started, rows


def spark_job(spark: Any, streams: Path, catalog: Dataset, groups: bool) -> tuple[float, int]:
    """Seconds the job took, and the partitions (tasks) it ran in: `score_parquet` with
    ``groups``, else `score_spark` over ``spark.read.parquet``."""
    from steps.spark import score_parquet, score_spark

    started = time.perf_counter()
    if groups:
        scores = score_parquet(spark, streams, catalog, SCORERS)
    else:
        scores = score_spark(spark.read.parquet(str(streams)), catalog, SCORERS)
    scores.write.format("noop").mode("overwrite").save()
    return time.perf_counter() - started, scores.rdd.getNumPartitions()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--brands", type=int, default=4)
    parser.add_argument("--streams-per-brand", type=int, default=25_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--partitions", type=int, default=8, help="partitions of the job")
    parser.add_argument(
        "--batch-rows", type=int, default=10_000, help="Arrow batch rows (score_table calls)"
    )
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()

    from steps.spark import _dumps, broadcast_payload, local_session

    with tempfile.TemporaryDirectory(prefix="bench-spark-") as folder:
        jsonl, parquet = Path(folder) / "streams.jsonl", Path(folder) / "streams.parquet"
        write_jsonl(
            jsonl, args.brands, args.seed, streams_per_brand=args.streams_per_brand, orders=False
        )
        catalog, count = to_parquet(jsonl, parquet, args.batch_rows)
        jsonl.unlink()
        size = os.path.getsize(parquet)
        print(f"{count:,} streams, {len(catalog.brands)} brands, Parquet {size / 1e6:,.1f} MB")
        shipped = len(broadcast_payload(catalog, SCORERS))
        pickled = len(_dumps(catalog))
        print(f"broadcast: {shipped:,} bytes (the catalog pickled whole: {pickled:,} bytes)")

        local, rows = local_batch(parquet, catalog)
        print(f"local batch: {local:6.1f} s ({count / local:,.0f} streams/s; {rows:,} rows)")

        conf = {
            "spark.sql.files.maxPartitionBytes": str(max(1 << 20, size // args.partitions)),
            "spark.sql.execution.arrow.maxRecordsPerBatch": str(args.batch_rows),
        }
        for name, groups in (("score_parquet", True), ("score_spark", False)):
            spark = local_session(args.master, shuffle_partitions=args.partitions, conf=conf)
            spark.sparkContext.setLogLevel("ERROR")
            seconds, partitions = spark_job(spark, parquet, catalog, groups)
            again, _ = spark_job(spark, parquet, catalog, groups)
            spark.stop()
            print(
                f"{args.master} {name}: {seconds:6.1f} s ({count / seconds:,.0f} streams/s; "
                f"{partitions} partitions; the same job again, warm: {again:.1f} s)"
            )
            print(
                f"ratio {args.master} {name} / local batch: {seconds / local:.2f}x "
                f"(warm {again / local:.2f}x; target <= 2)"
            )
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"{os.cpu_count()} CPUs; load average {load} (other work competes for the cores)")


if __name__ == "__main__":
    main()
