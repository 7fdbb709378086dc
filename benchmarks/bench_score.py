"""Score a JSON Lines file of generated streams end to end: ``steps score FILE`` and
``steps.score(path)`` against a bare pass that reads the same file and does nothing.

    python benchmarks/bench_score.py                      # 1,000,000 generated streams
    python benchmarks/bench_score.py --streams 100000
    python benchmarks/bench_score.py --file big.jsonl     # an existing file (kept)

Each side runs once, cold, in a fresh process; its CPU time and peak memory (maximum
resident set) come from ``os.wait4`` on that process.  The sides:

* ``read``: `steps.columnar.read_jsonl` chunks of the file, each dropped (the baseline);
* ``cli csv``: ``steps score FILE --format csv -o OUT --quiet`` (every card, built as it
  is written);
* ``cli json`` (``--json``; slow: every card's recommendations are made):
  ``steps score FILE --format json -o OUT --quiet``;
* ``python``: ``steps.score(path)`` (the scores as columns, no card built);
* ``python csv``: ``steps.score(path)`` then every card to CSV
  (`steps.scoring.cards.write_csv`), as the command does.

Targets (issue "one engine"): ``steps score`` of a million streams under 500 MB peak;
``steps.score`` from Python under 1 GB peak and within 1.5x the command's time.  Ratios are
printed from the same run.  The file is made with `steps.sample.write_jsonl` (no orders, 100
brands) in a temporary directory unless ``--file`` names one (made there if missing).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

READ = """
from steps.columnar import read_jsonl
rows = 0
for chunk in read_jsonl(PATH, chunk_rows=CHUNK).chunks():
    rows += len(chunk)
print(rows)
"""

CLI = """
import sys
from steps.cli import main
sys.exit(main(["score", PATH, "--format", FORMAT, "-o", OUT, "--quiet", "--chunk-rows",
               str(CHUNK)]))
"""

PYTHON = """
import steps
results = steps.score(PATH)
print(len(results.cards.parts))
"""

PYTHON_CSV = """
import steps
from steps.scoring.cards import write_csv
results = steps.score(PATH)
with open(OUT, "w", encoding="utf-8", newline="") as sink:
    print(write_csv(results.cards, sink))
"""


def measure(name: str, code: str, **values: Any) -> dict[str, Any]:
    """Run ``code`` (its upper-case names bound to ``values``) in a fresh interpreter; its
    CPU seconds and peak RSS from ``os.wait4``."""
    prelude = "".join(f"{key} = {value!r}\n" for key, value in values.items())
    process = subprocess.Popen(  # noqa: S603  # this script's own code
        [sys.executable, "-c", prelude + code],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    error = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"{name} failed ({process.returncode}):\n{error}")
    cpu = usage.ru_utime + usage.ru_stime
    peak = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)  # Linux: KiB
    return {"side": name, "cpu_s": round(cpu, 2), "peak_mb": round(peak / 1024**2, 1)}


def generate(path: Path, streams: int, brands: int, seed: int) -> None:
    from steps.sample import write_jsonl

    per_brand = -(-streams // brands)
    write_jsonl(path, brands=brands, seed=seed, streams_per_brand=per_brand, orders=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=1_000_000)
    parser.add_argument("--brands", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk-rows", type=int, default=25_000)
    parser.add_argument("--file", type=Path, help="score this file (made there if missing)")
    parser.add_argument("--json", action="store_true", help="also time --format json")
    parser.add_argument("--out", type=Path, help="write the measurements as JSON here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-score-") as tmp:
        path = args.file if args.file is not None else Path(tmp) / "streams.jsonl"
        if not path.exists():
            generate(path, args.streams, args.brands, args.seed)
        size = path.stat().st_size
        common = {"PATH": str(path), "CHUNK": args.chunk_rows}
        out = str(Path(tmp) / "scores")
        sides = [
            measure("read", READ, **common),
            measure("cli csv", CLI, FORMAT="csv", OUT=out + ".csv", **common),
            measure("python", PYTHON, **common),
            measure("python csv", PYTHON_CSV, OUT=out + ".py.csv", **common),
        ]
        if args.json:
            sides.append(measure("cli json", CLI, FORMAT="json", OUT=out + ".json", **common))
    base, cli = sides[0], sides[1]
    print(f"{path.name}: {size / 1024**2:,.0f} MB, chunks of {args.chunk_rows:,} streams")
    print(f"{'side':<12}{'CPU s':>10}{'× read':>9}{'× cli':>8}{'peak MB':>10}")
    for side in sides:
        side["x_read"] = round(side["cpu_s"] / base["cpu_s"], 2)
        side["x_cli"] = round(side["cpu_s"] / cli["cpu_s"], 2)
        print(
            f"{side['side']:<12}{side['cpu_s']:>10.1f}{side['x_read']:>9.2f}"
            f"{side['x_cli']:>8.2f}{side['peak_mb']:>10,.0f}"
        )
    if args.out is not None:
        args.out.write_text(json.dumps(sides, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
