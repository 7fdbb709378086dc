"""Benchmark: GMV attribution of a million streams in 1,000 segments, public API vs numpy.

Builds per-stream columns for two periods as numpy arrays (UV, watch seconds, buyers,
orders, GMV in whole fen, and a segment code per stream; no ``Stream`` objects), then times
end to end:

* **ours**: :meth:`steps.gmv.identities.StreamTotals.from_columns` for each period (checks
  the columns, sums them per segment with exact integer GMV) and
  :func:`steps.gmv.attribution.attribute` with the Kuaishou five-factor identity (checks that
  the factors multiply back to GMV, attributes the aggregate and the 1,000 × 5 segment
  matrix with LMDI, allocates whole fen, aligns segments by label);
* **baseline**: the same per-segment sums with ``np.bincount``, the same factors and the
  same additive LMDI-I formulas (aggregate and segments) written inline in plain numpy,
  with no checks, zero handling or whole-fen allocation (the baseline idea of
  ``bench_attribution.py``).

Best of 3 interleaved runs; the ratio is ours / baseline.  The results are compared.

Usage::

    python benchmarks/bench_gmv.py [--rows 1000000] [--segments 1000] [--seed 0]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt

from steps.gmv.attribution import Attribution, attribute
from steps.gmv.identities import KUAISHOU, StreamTotals

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
T = TypeVar("T")
REPEATS = 3


class Period(NamedTuple):
    """Per-stream columns of one period."""

    segment: IntArray
    uv: IntArray
    watch_seconds: IntArray
    buyers: IntArray
    orders: IntArray
    gmv_fen: IntArray


def make_period(rng: np.random.Generator, rows: int, segments: int, lift: float) -> Period:
    """Random consistent streams: buyers <= uv, orders >= buyers, GMV >= 1 fen per order;
    ``lift`` shifts watch time and conversion in period 1."""
    uv = rng.integers(50, 5000, rows)
    watch = (uv * rng.uniform(60, 1200, rows) * lift).astype(np.int64) + 1
    buyers = np.minimum(uv, (uv * rng.uniform(0.005, 0.05, rows) * lift).astype(np.int64) + 1)
    orders = buyers + rng.binomial(buyers, 0.2)
    gmv = (orders * rng.uniform(2_000, 30_000, rows) / lift**0.5).astype(np.int64)
    segment = rng.integers(0, segments, rows)
    segment[:segments] = np.arange(segments)  # every segment has a stream
    return Period(segment, uv, watch, buyers, orders, gmv)


def ours(p0: Period, p1: Period, labels: Sequence[str]) -> Attribution:
    totals = [
        StreamTotals.from_columns(
            {
                "uv": p.uv,
                "watch_seconds": p.watch_seconds,
                "buyers": p.buyers,
                "orders": p.orders,
                "gmv_fen": p.gmv_fen,
            },
            segments=p.segment,
            labels=labels,
        )
        for p in (p0, p1)
    ]
    return attribute(KUAISHOU, totals[0], totals[1], method="lmdi")


def _sums(p: Period, segments: int) -> FloatArray:
    columns = (p.uv, p.watch_seconds, p.buyers, p.orders, p.gmv_fen)
    return np.column_stack([np.bincount(p.segment, weights=c, minlength=segments) for c in columns])


def _factors(sums: FloatArray) -> FloatArray:
    uv, seconds, buyers, orders, gmv = sums.T
    minutes = seconds / 60.0
    return np.column_stack([uv, minutes / uv, buyers / minutes, orders / buyers, gmv / orders])


def _lmdi(f0: FloatArray, f1: FloatArray) -> FloatArray:
    v0, v1 = f0.prod(axis=1), f1.prod(axis=1)
    lm = (v1 - v0) / (np.log(v1) - np.log(v0))
    out: FloatArray = lm[:, None] * np.log(f1 / f0)
    return out


def baseline(p0: Period, p1: Period, segments: int) -> tuple[FloatArray, FloatArray]:
    """Aggregate factor contributions and the segment matrix, inline numpy."""
    s0, s1 = _sums(p0, segments), _sums(p1, segments)
    aggregate = _lmdi(
        _factors(s0.sum(axis=0, keepdims=True)), _factors(s1.sum(axis=0, keepdims=True))
    )
    return aggregate[0], _lmdi(_factors(s0), _factors(s1))


def best_of(
    first: Callable[[], T], second: Callable[[], object], repeats: int = REPEATS
) -> tuple[float, float, T]:
    """Best wall times of two computations, interleaved, after a warm-up of each; the
    first one's result."""
    result = first()
    second()
    best = [float("inf"), float("inf")]
    for _ in range(repeats):
        for slot, func in enumerate((first, second)):
            start = time.perf_counter()
            value = func()
            best[slot] = min(best[slot], time.perf_counter() - start)
            if slot == 0:
                result = value  # type: ignore[assignment]
    return best[0], best[1], result


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000, help="streams per period")
    parser.add_argument("--segments", type=int, default=1000, help="number of segments")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    args = parser.parse_args(argv)
    if args.segments < 1 or args.rows < args.segments:
        parser.error("need 1 <= --segments <= --rows")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    labels = [f"seg{i:04d}" for i in range(args.segments)]
    p0 = make_period(rng, args.rows, args.segments, lift=1.0)
    p1 = make_period(rng, args.rows, args.segments, lift=1.05)

    t_ours, t_base, result = best_of(
        lambda: ours(p0, p1, labels), lambda: baseline(p0, p1, args.segments)
    )
    aggregate, matrix = baseline(p0, p1, args.segments)
    assert result.segments is not None
    if not (
        np.allclose([f.contribution for f in result.factors], aggregate, rtol=1e-9, atol=1e-3)
        and np.allclose(result.segments.contributions, matrix, rtol=1e-9, atol=1e-3)
    ):
        raise SystemExit("results differ between the library and the baseline")
    delta = int(p1.gmv_fen.sum()) - int(p0.gmv_fen.sum())
    assert result.delta_fen == delta
    assert sum(f.contribution_fen for f in result.factors) == delta
    assert int(result.segments.contributions_fen.sum()) == delta

    # where our time goes
    start = time.perf_counter()
    totals = [
        StreamTotals.from_columns(
            {"uv": p.uv, "watch_seconds": p.watch_seconds, "buyers": p.buyers,
             "orders": p.orders, "gmv_fen": p.gmv_fen},
            segments=p.segment, labels=labels,
        )
        for p in (p0, p1)
    ]  # fmt: skip
    t_columns = time.perf_counter() - start
    start = time.perf_counter()
    attribute(KUAISHOU, totals[0], totals[1])
    t_attribute = time.perf_counter() - start

    print(f"rows={args.rows:,} per period, segments={args.segments:,}, seed={args.seed} "
          f"(best of {REPEATS})")  # fmt: skip
    print("end to end: per-segment sums + 5 Kuaishou factors + LMDI (aggregate and segments)")
    print(f"  ours     (StreamTotals.from_columns + attribute): {t_ours * 1e3:9.2f} ms")
    print(f"    of which from_columns x2: {t_columns * 1e3:.2f} ms, attribute: "
          f"{t_attribute * 1e3:.2f} ms (single run)")  # fmt: skip
    print(f"  baseline (plain numpy, inline):                   {t_base * 1e3:9.2f} ms")
    print(f"  ratio (ours / baseline):                          {t_ours / t_base:9.2f}")
    print(result.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
