"""Benchmark: segment GMV attribution with ``lmdi_additive_segments`` vs plain numpy.

Builds random positive per-stream data for two periods (UV, watch minutes, buyers,
orders, GMV; each stream assigned to a segment), aggregates it per segment with
``np.bincount``, forms the five GMV factors per segment::

    GMV = UV x minutes/viewer x buyers/minute x orders/buyer x AOV

and attributes the change with :func:`steps.gmv.decompose.lmdi_additive_segments`.
The baseline, timed in the same run, is a hand-written numpy computation of the
same per-segment sums and the same additive LMDI-I formula inline (no zero
handling, no checks).  Both timings are end to end (aggregation + factors +
attribution), best of 3 runs; the ratio is ours / baseline.  A second comparison
times the attribution kernel alone on the stream-level matrix (one row per
stream), where the vectorisation of the library matters most.

Usage::

    python benchmarks/bench_attribution.py [--rows 1000000] [--segments 1000] [--seed 0]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt

from steps.gmv.decompose import lmdi_additive_segments

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
T = TypeVar("T")

COLUMNS = ("uv", "watch_minutes", "buyers", "orders", "gmv")
FACTORS = ("UV", "minutes/viewer", "buyers/minute", "orders/buyer", "AOV")
REPEATS = 3


class Period(NamedTuple):
    """Per-stream data of one period: segment id and the five stream totals."""

    segment: IntArray  # (rows,)
    values: FloatArray  # (rows, 5) in COLUMNS order


def make_period(rng: np.random.Generator, rows: int, segments: int, lift: float) -> Period:
    """Random positive stream totals; ``lift`` shifts the rates of period 1."""
    uv = rng.uniform(50.0, 5000.0, rows)
    minutes = uv * rng.uniform(1.0, 20.0, rows) * lift
    buyers = minutes * rng.uniform(0.005, 0.05, rows)
    orders = buyers * rng.uniform(1.0, 1.5, rows) * lift
    gmv = orders * rng.uniform(20.0, 300.0, rows) / lift
    segment = rng.integers(0, segments, rows)
    segment[:segments] = np.arange(segments)  # every segment has a stream
    return Period(segment, np.column_stack([uv, minutes, buyers, orders, gmv]))


def segment_factors(period: Period, segments: int) -> FloatArray:
    """Per-segment sums (np.bincount), then the five factors, shape (segments, 5)."""
    sums = np.column_stack(
        [
            np.bincount(period.segment, weights=period.values[:, j], minlength=segments)
            for j in range(len(COLUMNS))
        ]
    )
    return stream_factors(sums.astype(np.float64, copy=False))


def stream_factors(totals: FloatArray) -> FloatArray:
    """The five GMV factors from (uv, minutes, buyers, orders, gmv) totals."""
    uv, minutes, buyers, orders, gmv = totals.T
    return np.column_stack([uv, minutes / uv, buyers / minutes, orders / buyers, gmv / orders])


def ours(p0: Period, p1: Period, segments: int) -> FloatArray:
    """Aggregate, form factors, attribute with the library."""
    return lmdi_additive_segments(segment_factors(p0, segments), segment_factors(p1, segments))


def baseline(p0: Period, p1: Period, segments: int) -> FloatArray:
    """The same computation written inline in plain numpy, without any checks."""
    s0, s1 = p0.segment, p1.segment
    v0, v1 = p0.values, p1.values
    uv0 = np.bincount(s0, weights=v0[:, 0], minlength=segments)
    mi0 = np.bincount(s0, weights=v0[:, 1], minlength=segments)
    bu0 = np.bincount(s0, weights=v0[:, 2], minlength=segments)
    or0 = np.bincount(s0, weights=v0[:, 3], minlength=segments)
    gm0 = np.bincount(s0, weights=v0[:, 4], minlength=segments)
    uv1 = np.bincount(s1, weights=v1[:, 0], minlength=segments)
    mi1 = np.bincount(s1, weights=v1[:, 1], minlength=segments)
    bu1 = np.bincount(s1, weights=v1[:, 2], minlength=segments)
    or1 = np.bincount(s1, weights=v1[:, 3], minlength=segments)
    gm1 = np.bincount(s1, weights=v1[:, 4], minlength=segments)
    f0 = np.column_stack([uv0, mi0 / uv0, bu0 / mi0, or0 / bu0, gm0 / or0])
    f1 = np.column_stack([uv1, mi1 / uv1, bu1 / mi1, or1 / bu1, gm1 / or1])
    return inline_lmdi(f0, f1)


def inline_lmdi(f0: FloatArray, f1: FloatArray) -> FloatArray:
    """Textbook additive LMDI-I: C[k, i] = L(V_k1, V_k0) * ln(x_ik1 / x_ik0)."""
    big_v0 = f0.prod(axis=1)
    big_v1 = f1.prod(axis=1)
    lm = (big_v1 - big_v0) / (np.log(big_v1) - np.log(big_v0))
    contributions: FloatArray = lm[:, None] * np.log(f1 / f0)
    return contributions


def best_of(
    first: Callable[[], T], second: Callable[[], T], repeats: int = REPEATS
) -> tuple[float, float, T, T]:
    """Best wall times (time.perf_counter) of two computations over ``repeats``
    runs, interleaved so that background load affects both alike, and their
    results (after a warm-up run of each)."""
    results = [first(), second()]
    best = [float("inf"), float("inf")]
    for _ in range(repeats):
        for slot, func in enumerate((first, second)):
            start = time.perf_counter()
            results[slot] = func()
            best[slot] = min(best[slot], time.perf_counter() - start)
    return best[0], best[1], results[0], results[1]


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
    p0 = make_period(rng, args.rows, args.segments, lift=1.0)
    p1 = make_period(rng, args.rows, args.segments, lift=1.05)

    t_ours, t_base, c_ours, c_base = best_of(
        lambda: ours(p0, p1, args.segments), lambda: baseline(p0, p1, args.segments)
    )
    if not np.allclose(c_ours, c_base, rtol=1e-9, atol=1e-6):
        raise SystemExit("results differ between the library and the baseline")
    total = float(c_ours.sum())

    print(f"rows={args.rows:,} segments={args.segments:,} seed={args.seed} (best of {REPEATS})")
    print("end to end: per-segment sums (np.bincount) + 5 factors + additive LMDI")
    print(f"  ours     (lmdi_additive_segments): {t_ours * 1e3:9.2f} ms")
    print(f"  baseline (plain numpy, inline):    {t_base * 1e3:9.2f} ms")
    print(f"  ratio (ours / baseline):           {t_ours / t_base:9.2f}")

    f0 = stream_factors(p0.values)
    f1 = stream_factors(p1.values)
    k_ours, k_base, kc_ours, kc_base = best_of(
        lambda: lmdi_additive_segments(f0, f1), lambda: inline_lmdi(f0, f1)
    )
    # The textbook formula loses digits when V1 is within ~1e-6 of V0 (its
    # ln V1 - ln V0 cancels); compare on the well-conditioned rows only.
    conditioned = np.abs(np.log(f1.prod(axis=1) / f0.prod(axis=1))) > 1e-6
    if not np.allclose(kc_ours[conditioned], kc_base[conditioned], rtol=1e-6, atol=1e-6):
        raise SystemExit("stream-level results differ between the library and the baseline")
    print(f"kernel only: attribution of the stream-level ({args.rows:,} x 5) factor matrix")
    print(f"  ours     (lmdi_additive_segments): {k_ours * 1e3:9.2f} ms")
    print(f"  baseline (plain numpy, inline):    {k_base * 1e3:9.2f} ms")
    print(f"  ratio (ours / baseline):           {k_ours / k_base:9.2f}")

    by_factor = c_ours.sum(axis=0)
    print(
        f"dGMV = {total:,.2f}: "
        + ", ".join(f"{n} {v:+,.2f}" for n, v in zip(FACTORS, by_factor, strict=True))
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
