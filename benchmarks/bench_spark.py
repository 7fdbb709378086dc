"""Spark scaling: the same scoring job on ``local[1]`` and ``local[2]``, in one run.

A synthetic dataset (:func:`steps.sample.write_jsonl`) is converted once to a Parquet file
of stream columns (:meth:`StreamTable.to_arrow <steps.columnar.StreamTable.to_arrow>`),
then, for each master, a fresh local session runs the job::

    spark.read.parquet(streams)  →  steps.spark.score_spark(...)
        →  .write.format("noop")       (every row computed, nothing stored)

with the catalog broadcast.  The Parquet file has ``--partitions`` row groups and
``spark.sql.files.maxPartitionBytes`` is set so that Spark reads it as that many
partitions, without a shuffle.  Each master gets one warm-up run (Python workers start and
import steps) and is then timed best of ``--repeat``.  The report gives streams per second
for each and the scaling ratio ``time(local[1]) / time(local[2])`` (2.0 would be perfect
on two cores)::

    python benchmarks/bench_spark.py                          # 100,000 streams
    python benchmarks/bench_spark.py --streams-per-brand 5000 --brands 4 --repeat 1

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
        writer.write_table(table)
        count += len(chunk)
    if writer is not None:
        writer.close()
    return streams.catalog, count


def run_job(spark: Any, streams: Path, catalog: Dataset) -> tuple[float, int]:
    """Seconds the job took, and the partitions it ran in."""
    from steps.spark import score_spark

    started = time.perf_counter()
    frame = spark.read.parquet(str(streams))
    score_spark(frame, catalog).write.format("noop").mode("overwrite").save()
    return time.perf_counter() - started, frame.rdd.getNumPartitions()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--brands", type=int, default=4)
    parser.add_argument("--streams-per-brand", type=int, default=25_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--partitions", type=int, default=8, help="partitions of the job")
    parser.add_argument(
        "--batch-rows", type=int, default=10_000, help="Arrow batch rows (score_table calls)"
    )
    parser.add_argument("--repeat", type=int, default=2, help="timed runs per master")
    parser.add_argument("--masters", nargs="+", default=["local[1]", "local[2]"])
    args = parser.parse_args()

    from steps.spark import local_session

    with tempfile.TemporaryDirectory(prefix="bench-spark-") as folder:
        jsonl, parquet = Path(folder) / "streams.jsonl", Path(folder) / "streams.parquet"
        write_jsonl(jsonl, args.brands, args.seed, streams_per_brand=args.streams_per_brand)
        total = args.brands * args.streams_per_brand
        catalog, count = to_parquet(jsonl, parquet, -(-total // args.partitions))
        size = os.path.getsize(parquet)
        print(f"{count:,} streams, {len(catalog.brands)} brands, Parquet {size / 1e6:,.1f} MB")
        conf = {
            "spark.sql.files.maxPartitionBytes": str(max(1 << 20, size // args.partitions)),
            "spark.sql.execution.arrow.maxRecordsPerBatch": str(args.batch_rows),
        }
        times: dict[str, float] = {}
        for master in args.masters:
            spark = local_session(master, shuffle_partitions=args.partitions, conf=conf)
            spark.sparkContext.setLogLevel("ERROR")
            warm, partitions = run_job(spark, parquet, catalog)
            runs = [run_job(spark, parquet, catalog)[0] for _ in range(args.repeat)]
            spark.stop()
            times[master] = min(runs)
            shown = ", ".join(f"{t:.1f}" for t in runs)
            print(
                f"{master:>9}: best {times[master]:6.1f} s ({count / times[master]:,.0f} "
                f"streams/s; {partitions} partitions; runs {shown}; warm-up {warm:.1f} s)"
            )
        if "local[1]" in times and "local[2]" in times:
            ratio = times["local[1]"] / times["local[2]"]
            print(f"scaling local[2] / local[1]: {ratio:.2f}x (time local[1] / time local[2])")
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"{os.cpu_count()} CPUs; load average {load} (other work competes for the cores)")


if __name__ == "__main__":
    main()
