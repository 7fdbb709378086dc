"""Load a steps JSON Lines file into StreamTable chunks: time against a bare
``orjson.loads`` per line over the same file, and peak memory against the column bytes.

    python benchmarks/bench_load.py                      # 1,000,000 generated streams
    python benchmarks/bench_load.py --streams 100000     # best of 3 below a million
    python benchmarks/bench_load.py --file big.jsonl     # an existing file

Targets (issue "Scale", part 1): loading within 2x the bare parse; the peak memory of the
whole table within 1.5x the bytes of its columns.  The file is generated with
:func:`steps.sample.write_jsonl` (simple valid records if that is not available).
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from steps.columnar import StreamTable, read_jsonl
from steps.columnar.readers import CHUNK_ROWS


def _loads() -> tuple[str, Callable[[bytes], Any]]:
    try:
        import orjson
    except ImportError:
        return "json", json.loads
    return "orjson", orjson.loads


def generate(path: Path, streams: int, brands: int, seed: int) -> None:
    try:
        from steps.sample import write_jsonl
    except ImportError:
        _write_simple(path, streams, brands)
        return
    per_brand = -(-streams // brands)
    write_jsonl(path, brands=brands, seed=seed, streams_per_brand=per_brand, orders=False)


def _write_simple(path: Path, streams: int, brands: int) -> None:
    """Valid records without the sample generator: one account and product a brand."""
    with path.open("w", encoding="utf-8") as out:
        out.write('{"record":"header","schema_version":"1.0"}\n')
        per_brand = -(-streams // brands)
        for b in range(brands):
            brand = f"b{b:02d}"
            out.write(
                json.dumps(
                    {"record": "brand", "brand_id": brand, "name": brand, "category": "food"}
                )
                + "\n"
            )
            out.write(
                json.dumps(
                    {
                        "record": "account",
                        "brand_id": brand,
                        "account_id": "a1",
                        "platform": "kuaishou",
                        "name": "shop",
                    }
                )
                + "\n"
            )
            out.write(
                json.dumps(
                    {
                        "record": "product",
                        "brand_id": brand,
                        "product_id": "p1",
                        "name": "p",
                        "category": "food",
                        "price_fen": 990,
                    }
                )
                + "\n"
            )
            for i in range(per_brand):
                uv = 100 + i % 900
                record = {
                    "record": "stream", "brand_id": brand, "stream_id": f"s{i:07d}",
                    "account_id": "a1",
                    "started_at": f"2021-{1 + i % 12:02d}-{1 + i % 28:02d}T20:00:00+08:00",
                    "duration_seconds": 7200, "uv": uv, "watch_seconds": uv * 300,
                    "orders": 10, "buyers": 8, "gmv_fen": 99_000, "exposure": uv * 5,
                    "uv_by_source": {"private": uv // 3, "paid": uv // 4},
                    "products": [{"product_id": "p1", "explain_count": 3, "gmv_fen": 99_000}],
                }  # fmt: skip
                out.write(json.dumps(record) + "\n")


def bare_parse(path: Path, loads: Callable[[bytes], Any]) -> int:
    lines = 0
    with path.open("rb") as stream:
        for line in stream:
            loads(line)
            lines += 1
    return lines


def load_chunks(path: Path, chunk_rows: int) -> int:
    rows = 0
    for chunk in read_jsonl(path, chunk_rows=chunk_rows).chunks():
        rows += len(chunk)
    return rows


def _timed(function: Callable[[], int]) -> tuple[float, float, int]:
    """Wall time, CPU time of this process, and the function's result."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def _dictionary_bytes(table: StreamTable) -> int:
    total = 0
    for name in ("brand_id", "stream_id", "account_id", "campaign"):
        values = table.dictionary(name)
        total += sys.getsizeof(values) + sum(sys.getsizeof(v) for v in values)
    return total


def _mb(size: float) -> str:
    return f"{size / 1024**2:,.1f} MB"


def measure_streaming(path: Path, chunk_rows: int) -> None:
    """Peak traced memory while iterating the chunks (each dropped before the next)."""
    tracemalloc.start()
    largest = 0
    for chunk in read_jsonl(path, chunk_rows=chunk_rows).chunks():
        largest = max(largest, chunk.nbytes)
        del chunk
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"streaming chunks: peak {_mb(peak)} for chunks of at most "
        f"{_mb(largest)} of columns ({peak / max(largest, 1):.2f}x)"
    )


def measure_whole(path: Path, chunk_rows: int) -> None:
    """Peak traced memory while loading every stream into one table."""
    gc.collect()
    tracemalloc.start()
    whole = read_jsonl(path, chunk_rows=chunk_rows).table()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    columns = max(whole.nbytes, 1)
    strings = _dictionary_bytes(whole)
    print(
        f"whole table: {len(whole):,} rows, columns {_mb(columns)} "
        f"+ dictionary strings {_mb(strings)}; held after loading {_mb(current)}"
    )
    print(
        f"peak while loading: {_mb(peak)} = {peak / columns:.2f}x the column bytes, "
        f"{peak / (columns + strings):.2f}x columns and strings (target: within 1.5x)"
    )
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"process max RSS over the whole run: {_mb(maxrss)}")


def _arrow_type(pa: Any, info: Any) -> Any:
    """The Arrow type of a msgspec type (the reader's compiled record, so that every
    candidate decodes the same shape)."""
    import msgspec.inspect as mi

    if isinstance(info, mi.UnionType):
        (inner,) = [t for t in info.types if not isinstance(t, mi.NoneType)]
        return _arrow_type(pa, inner)
    if isinstance(info, mi.IntType):
        return pa.int64()
    if isinstance(info, mi.FloatType):
        return pa.float64()
    if isinstance(info, mi.StrType | mi.LiteralType):
        return pa.string()
    if isinstance(info, mi.ListType):
        return pa.list_(_arrow_type(pa, info.item_type))
    return pa.struct([(f.name, _arrow_type(pa, f.type)) for f in info.fields])


def measure_candidates(path: Path) -> None:
    """Decoders that could read the stream lines, each timed on the same lines (one cold
    pass each, CPU seconds) against a bare ``orjson.loads`` of them: what decides the
    reader (docs/performance.md, "Why this reader")."""
    import msgspec.inspect

    from steps.columnar import readers

    with path.open("rb") as stream:
        lines = [x for x in stream.read().split(b"\n") if x.startswith(readers._STREAM_PREFIX)]
    candidates: dict[str, Callable[[], object]] = {}
    _, loads = _loads()
    decode = readers._DECODE
    group = readers._GROUP

    def bare() -> None:
        for line in lines:
            loads(line)

    def compiled() -> None:
        for start in range(0, len(lines), group):
            list(map(decode, lines[start : start + group]))

    candidates["bare loads per line (dicts, unchecked)"] = bare
    candidates["msgspec, typed and checked, per line"] = compiled
    try:
        import pyarrow as pa
        import pyarrow.json as pj
    except ImportError:
        pa = None
    if pa is not None:
        info = msgspec.inspect.type_info(readers._STREAM_RECORD)
        schema = pa.schema([(f.name, _arrow_type(pa, f.type)) for f in info.fields])
        data = b"\n".join(lines)
        for threads in (False, True):
            options = pj.ReadOptions(use_threads=threads, block_size=1 << 20)
            parse = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error")
            candidates[f"pyarrow.json, explicit schema, threads {threads}"] = (
                lambda options=options, parse=parse: pj.read_json(
                    pa.BufferReader(data), read_options=options, parse_options=parse
                )
            )
        try:
            import polars as pl
        except ImportError:
            pl = None
        if pl is not None:
            frame_schema = pl.from_arrow(schema.empty_table()).schema
            candidates["polars.read_ndjson, explicit schema"] = lambda: pl.read_ndjson(
                io.BytesIO(data), schema=frame_schema
            )
    candidates["read_jsonl (the reader: columns, every check)"] = lambda: load_chunks(
        path, CHUNK_ROWS
    )
    baseline = None
    for name, run in candidates.items():
        gc.collect()
        cpu = time.process_time()
        run()
        took = time.process_time() - cpu
        baseline = baseline or took
        print(f"{name:48s} {took:7.2f}s CPU  {took / baseline:5.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--file", type=Path, help="an existing steps JSON Lines file")
    parser.add_argument("--streams", type=int, default=1_000_000)
    parser.add_argument("--brands", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, help="best of (default: 3, or 1 from 1M streams)")
    parser.add_argument("--keep", type=Path, help="write the generated file here and keep it")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory passes")
    parser.add_argument("--memory-only", action="store_true", help="skip the timing passes")
    parser.add_argument(
        "--whole-only", action="store_true", help="measure memory of the whole table only"
    )
    parser.add_argument("--catalog", action="store_true", help="also time reading the catalog")
    parser.add_argument(
        "--candidates", action="store_true", help="also time the candidate decoders"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        path = args.file
        if path is None:
            path = args.keep or Path(scratch) / "streams.jsonl"
            start = time.perf_counter()
            generate(path, args.streams, args.brands, args.seed)
            took = time.perf_counter() - start
            print(f"generated {path} in {took:.1f}s")
        size = path.stat().st_size
        name, loads = _loads()
        source = read_jsonl(path)
        streams = source.stream_records
        repeat = args.repeat or (1 if streams >= 1_000_000 else 3)
        print(f"file: {_mb(size)}, {streams:,} streams; parser {name}; best of {repeat}")

        bare = table = bare_cpu = table_cpu = float("inf")
        lines = rows = 0
        for _ in range(0 if args.memory_only else repeat):
            took, cpu, lines = _timed(lambda: bare_parse(path, loads))
            bare, bare_cpu = min(bare, took), min(bare_cpu, cpu)
            took, cpu, rows = _timed(lambda: load_chunks(path, args.chunk_rows))
            table, table_cpu = min(table, took), min(table_cpu, cpu)
        if not args.memory_only:
            assert rows == streams
            print(
                f"bare {name}.loads per line: {bare:7.2f}s wall {bare_cpu:7.2f}s CPU "
                f"({lines / bare_cpu:,.0f} lines per CPU second)"
            )
            print(
                f"StreamTable chunks:         {table:7.2f}s wall {table_cpu:7.2f}s CPU "
                f"({rows / table_cpu:,.0f} streams per CPU second)"
            )
            print(
                f"ratio: {table / bare:.2f}x wall, {table_cpu / bare_cpu:.2f}x CPU "
                "(target: within 2x)"
            )
        if args.catalog:
            took, cpu, _ = _timed(lambda: len(read_jsonl(path).catalog.brands))
            print(
                f"catalog (every record but streams, as model objects): {took:.2f}s wall "
                f"{cpu:.2f}s CPU"
            )

        if args.candidates:
            measure_candidates(path)
        if not args.no_memory:
            if not args.whole_only:
                measure_streaming(path, args.chunk_rows)
            measure_whole(path, args.chunk_rows)
        if args.keep is None and args.file is None:
            os.remove(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
