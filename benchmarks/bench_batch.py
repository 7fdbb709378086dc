"""Columnar scoring: ``steps.scoring.engine.score_table`` against a hand-written numpy
implementation of the same formulas, and against the per-object engine.

Two comparisons, each measured in this run:

* **(a) batch vs hand-written numpy**: the built-in stream scorers ``stage`` and
  ``douyin-interest`` score N streams (default 1,000,000) through the engine's
  ``score_table`` (indicator columns, per-row benchmarks, the re-weighting of
  :func:`~steps.scoring.batch.evaluate_columns`, the checks of the result), chunk by chunk;
  the baseline computes the same indicator values (the formulas of the STAGE and Douyin
  interest pages: sections not provided are not available, a stream is judged by its
  account's platform), linear benchmark scores, re-weighting, overall score and confidence
  in plain numpy, with none of the library's generality (no peers or overrides, plain
  sums, no checks).  Each side makes **one cold pass** over all the chunks, as one run of
  ``steps score`` does, each in a fresh process: the first call's setup is in the time.
  The run stops if the two disagree by more than 1e-6 on any score or confidence, so the
  baseline cannot drift from the definitions unnoticed.  The
  indicators of the streams' order details (new and returning buyers, repeat purchases)
  need per-buyer histories and are left out: the streams are generated without order
  details, so both sides find them not available.  The streams are generated with
  :func:`steps.sample.write_jsonl` into a temporary file and read back with
  :func:`steps.columnar.read_jsonl` (``--source tiled`` builds them instead by repeating the
  rows of a small generated table, which is quicker).  Target: within 1.3×.
* **(b) batch vs per object**: the same two scorers over a smaller generated dataset
  (default 20,000 streams): ``steps.score`` (one card object per stream) against
  ``score_table`` on the dataset's table.  Target: a speed-up of at least 30×.

Times are the CPU time of this process (``--clock wall`` for wall time): on a shared
machine it is the steadier measure, and the work is single-threaded.

::

    python benchmarks/bench_batch.py                              # 1,000,000 and 20,000
    python benchmarks/bench_batch.py --streams 200000 --objects 5000
    python benchmarks/bench_batch.py --source tiled --skip-objects
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from importlib import import_module
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from steps.columnar import StreamTable, read_jsonl
from steps.columnar.table import ROLE_BITS
from steps.domain.enums import ProductRole, Section
from steps.domain.model import Dataset
from steps.plugins.douyin import STREAM_COMPONENTS
from steps.plugins.stage import COMPONENTS as STAGE_COMPONENTS
from steps.sample import generate, write_jsonl
from steps.scoring import Component, LinearBenchmark, ScoringContext, score
from steps.scoring.batch import TableCatalog
from steps.scoring.engine import score_table
from steps.scoring.plugins import default_host

#: Imported by the engine's first call (withheld scores): imported before the pass too.
CONFIDENCE = "steps.scoring.confidence"

SCORERS = ("douyin-interest", "stage")
Array = npt.NDArray[Any]
Measured = tuple[Array, Array]


# --------------------------------------------------------------------------- the baseline
# The formulas of docs/scorers/stage.md and docs/scorers/douyin-interest.md, written out
# once more in plain numpy.  The baseline reads the brands' context (main platform, each
# account's platform, sections provided, short videos per account and week) from the same
# ``TableCatalog`` as the engine, built before either is timed, and the brands' linked
# short videos from the catalog's brand objects (inside its timed pass, as the engine).


def _ratio(num: Array, den: Array, ok: Array | None = None) -> Measured:
    good = den != 0 if ok is None else ok & (den != 0)
    out = np.zeros(len(good))
    np.divide(num, den, out=out, where=good)
    return out, good


def _where(ok: Array, values: Array) -> Measured:
    return np.where(ok, values, 0.0), ok


_DAY_US = 86_400_000_000
_MINUTE_US = 60_000_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class Rows:
    """What the formulas need beyond the stream columns, per row of one chunk."""

    def __init__(self, table: StreamTable, baseline: Baseline) -> None:
        self.table = table
        brand_ids = table.dictionary("brand_id")
        self.facts = [baseline.catalog.facts(b) for b in brand_ids]
        self.brand = table.column("brand_id")
        self.baseline = baseline
        self.brand_ids = brand_ids
        offset = table.column("started_at_offset_min").astype(np.int64) * _MINUTE_US
        self.local_us = table.column("started_at_us") + offset
        self.offset_us = offset

    def provided(self, section: Section) -> Array:
        per_brand = np.array([section in f.provided for f in self.facts], dtype=bool)
        return per_brand[self.brand]

    def no_orders(self) -> Measured:
        # The benchmark's streams come without order details (see ``check_no_orders``):
        # every indicator of the stream's orders is not available.
        n = len(self.table)
        return np.zeros(n), np.zeros(n, dtype=bool)

    def content_output(self) -> Measured:
        """Short videos per week of the row's account, over the (brand, account) pairs."""
        accounts = self.table.dictionary("account_id")
        key = self.brand.astype(np.int64) * len(accounts) + self.table.column("account_id")
        pairs, inverse = np.unique(key, return_inverse=True)
        output = np.zeros(len(pairs))
        known = np.zeros(len(pairs), dtype=bool)
        for k, pair in enumerate(pairs.tolist()):
            fact = self.facts[pair // len(accounts)]
            if fact.videos is not None and fact.weeks is not None:
                output[k] = fact.videos.get(accounts[pair % len(accounts)], 0) / fact.weeks
                known[k] = True
        return output[inverse], known[inverse]

    def platforms(self) -> tuple[list[str], Array]:
        """The platform each row is judged by (its account's, else its brand's main one),
        as codes into the returned names."""
        accounts = self.table.dictionary("account_id")
        key = self.brand.astype(np.int64) * len(accounts) + self.table.column("account_id")
        pairs, inverse = np.unique(key, return_inverse=True)
        names: list[str] = []
        codes = np.zeros(len(pairs), dtype=np.intp)
        for k, pair in enumerate(pairs.tolist()):
            fact = self.facts[pair // len(accounts)]
            platform = fact.accounts.get(accounts[pair % len(accounts)], fact.platform) or "*"
            if platform not in names:
                names.append(platform)
            codes[k] = names.index(platform)
        return names, codes[inverse]

    def preheat_days(self) -> Measured:
        """Distinct local days with a linked video in the 7 days before each stream."""
        n = len(self.table)
        values = np.zeros(n)
        known = np.zeros(n, dtype=bool)
        provided = self.provided(Section.SHORT_VIDEOS)
        codes = {sid: k for k, sid in enumerate(self.table.dictionary("stream_id"))}
        row_of = np.full(len(codes), -1, dtype=np.intp)
        stream_code = self.table.column("stream_id")
        row_of[stream_code] = np.arange(n)
        days = self.local_us // _DAY_US + _EPOCH_ORDINAL
        started = self.table.column("started_at_us")
        for code, brand_id in enumerate(self.brand_ids):
            rows = self.brand == code
            if not provided[rows].any():
                continue
            stream_ids, posted, start = self.baseline.videos(brand_id)
            if not len(posted):
                continue
            known |= rows if start is None else rows & (days - start >= 7)
            # The videos of streams in this chunk, by stream code (a tiled table repeats a
            # stream on several rows, all with the same start).
            video_codes = np.array([codes.get(s, -1) for s in stream_ids], dtype=np.intp)
            take = video_codes >= 0
            k, t = video_codes[take], posted[take]
            r = row_of[k]
            inside = (t >= started[r] - 7 * _DAY_US) & (t < started[r])
            k, r, t = k[inside], r[inside], t[inside]
            local_day = (t + self.offset_us[r]) // _DAY_US  # days since 1970: below 10^6
            pairs = np.unique(k.astype(np.int64) * 1_000_000 + local_day)
            per_code = np.bincount(pairs // 1_000_000, minlength=len(codes))
            values[rows] = per_code[stream_code[rows]]
        return values * known, known


def douyin_values(c: Callable[[str], Array], rows: Rows) -> dict[str, Measured]:
    uv, gmv = c("uv"), c("gmv_fen")
    pe, pc, oc = c("product_exposure_uv"), c("product_click_uv"), c("orders_created")
    hpe, hpc, hoc = c("has_product_exposure_uv"), c("has_product_click_uv"), c("has_orders_created")
    steps = [
        _ratio(uv, c("exposure"), c("has_exposure")),
        _ratio(pe, uv, hpe),
        _ratio(pc, pe, hpc & hpe),
        _ratio(oc, pc, hoc & hpc),
        _ratio(c("orders"), oc, hoc),
    ]
    conversion_ok = steps[0][1] & steps[1][1] & steps[2][1] & steps[3][1] & steps[4][1]
    conversion = steps[0][0] * steps[1][0] * steps[2][0] * steps[3][0] * steps[4][0]
    gpm = _ratio(gmv * 1000, c("views"), c("has_views"))
    value = _ratio(gmv, uv)
    split = c("has_uv_by_source")
    talk = c("has_comments") & c("has_likes") & c("has_shares")
    content, content_ok = rows.content_output()
    return {
        "efficiency.gpm": (gpm[0] / 100, gpm[1]),
        "efficiency.uv_value": (value[0] / 100, value[1]),
        "reach.entry_rate": steps[0],
        "reach.feed_share": _ratio(c("uv_by_source_public_natural"), uv, split),
        "reach.short_video_share": _ratio(c("uv_by_source_short_video"), uv, split),
        "engagement.avg_watch_minutes": _ratio(c("watch_seconds") / 60, uv),
        "engagement.interaction_rate": _ratio(c("comments") + c("likes") + c("shares"), uv, talk),
        "engagement.content_output": _where(
            content_ok & rows.provided(Section.SHORT_VIDEOS), content
        ),
        "funnel.product_exposure_rate": steps[1],
        "funnel.click_rate": steps[2],
        "funnel.create_rate": steps[3],
        "funnel.pay_rate": steps[4],
        "funnel.funnel_conversion": _where(conversion_ok, conversion),
        "demand.first_time_buyer_share": rows.no_orders(),
        "demand.non_follower_buyer_share": rows.no_orders(),
    }


def stage_values(c: Callable[[str], Array], rows: Rows) -> dict[str, Measured]:
    duration, uv = c("duration_seconds"), c("uv")
    hours = duration / 3600
    plans = rows.provided(Section.PLANS)
    planned = plans & c("has_plan")
    listed = rows.provided(Section.STREAM_PRODUCTS) & (c("products_listed") > 0)
    catalogued = rows.provided(Section.PRODUCTS) & rows.provided(Section.STREAM_PRODUCTS)
    target = c("plan_gmv_target_fen")
    target_ok = planned & c("has_plan_gmv_target_fen") & (target != 0)
    spend = c("paid_spend_fen")
    timed = c("plan_timed_planned_seconds")
    timed_ok = planned & (c("plan_timed_segments") > 0) & (timed != 0)
    deviation = _ratio(c("plan_timing_deviation_seconds"), timed, timed_ok)[0]
    share = _ratio(c("products_explain_seconds"), duration, listed)
    paid = _ratio(c("uv_by_source_paid"), uv, c("has_uv_by_source"))
    gap_ok = paid[1] & planned & c("has_plan_planned_paid_uv_share")
    roles = c("lineup_roles").astype(np.int64)
    tiers = sum(((roles & bit) != 0).astype(np.int64) for bit in ROLE_BITS.values())
    parts = (c("plan_segments") > 0) * 1 + c("has_plan_gmv_target_fen")
    parts = parts + c("has_plan_planned_paid_uv_share")
    talk = c("has_comments") & c("has_likes") & c("has_shares")
    return {
        "script.plan_completeness": _where(plans, parts / 3 * c("has_plan")),
        "script.segment_adherence": _where(timed_ok, np.maximum(1.0 - deviation, 0.0)),
        "script.products_per_hour": _ratio(c("products_explained"), hours, listed),
        "script.explain_share": _where(share[1], np.minimum(share[0], 1.0)),
        "script.hosts": _where(c("has_hosts"), c("hosts")),
        "traffic.target_attainment": _ratio(c("gmv_fen"), target, target_ok),
        "traffic.spend_to_target": _ratio(spend, target, target_ok & (spend != 0)),
        "traffic.paid_roi": _ratio(
            c("gmv_by_source_paid"), spend, c("has_gmv_by_source") & c("has_paid_spend_fen")
        ),
        "traffic.paid_share_gap": _where(gap_ok, np.abs(paid[0] - c("plan_planned_paid_uv_share"))),
        "traffic.spend_pacing": _where(
            c("has_plan_spend_pacing") & planned, c("plan_spend_pacing")
        ),
        "traffic.audience_mix_gap": rows.no_orders(),
        "goods.tier_coverage": _where((roles != 0) & catalogued, tiers / len(ProductRole)),
        "goods.price_spread": _ratio(
            c("lineup_max_price_fen"),
            c("lineup_min_price_fen"),
            (c("lineup_priced") >= 2) & catalogued,
        ),
        "goods.discount_depth": _ratio(
            c("lineup_discount_sum"),
            c("lineup_list_priced"),
            (c("lineup_list_priced") > 0) & catalogued,
        ),
        "goods.hit_concentration": _ratio(
            c("products_top_fifth_gmv_fen"), c("products_gmv_fen"), listed
        ),
        "goods.fan_assortment_split": rows.no_orders(),
        "goods.repeat_product_share": rows.no_orders(),
        "goods.sold_out_share": _ratio(c("products_sold_out"), c("products_stocked"), listed),
        "welfare.coupon_use_rate": _ratio(
            c("coupons_used"), c("coupons_issued"), c("has_coupons_used") & c("has_coupons_issued")
        ),
        "welfare.giveaways_per_hour": _ratio(c("giveaways"), hours, c("has_giveaways")),
        "welfare.avg_watch_minutes": _ratio(c("watch_seconds") / 60, uv),
        "welfare.interaction_rate": _ratio(c("comments") + c("likes") + c("shares"), uv, talk),
        "welfare.heroes_explained": _ratio(
            c("lineup_heroes_explained"), c("lineup_heroes_listed"), catalogued
        ),
        "welfare.conversion_rate": _ratio(c("buyers"), uv),
        "warmup.preheat_videos": _where(c("has_preheat_videos"), c("preheat_videos")),
        "warmup.preheat_rhythm": rows.preheat_days(),
        "warmup.preheat_views_per_viewer": _ratio(
            c("preheat_video_views"), uv, c("has_preheat_video_views")
        ),
        "warmup.reservations_per_viewer": _ratio(c("reservations"), uv, c("has_reservations")),
        "warmup.reserved_attendance": _ratio(
            c("reserved_attendees"), uv, c("has_reserved_attendees")
        ),
        "warmup.first_minutes_share": _ratio(c("first_minutes_uv"), uv, c("has_first_minutes_uv")),
    }


def combine(
    components: Sequence[Component[Any]],
    values: Mapping[str, Measured],
    platforms: tuple[list[str], Array],
) -> tuple[Array, Array]:
    """Scores, re-weighting, contributions: the overall score and confidence per row."""
    names, code = platforms
    n = len(code)
    parts = []
    for component in components:
        total = sum(i.weight for i in component.indicators)
        weighted = np.zeros(n)
        available = np.zeros(n)
        nominal = np.zeros(n)
        for indicator in component.indicators:
            value, ok = values[f"{component.key}.{indicator.key}"]
            benchmarks = [indicator.default_benchmark(p) for p in names]
            assert all(isinstance(b, LinearBenchmark) for b in benchmarks)
            floor = np.array([b.floor for b in benchmarks])[code]  # type: ignore[attr-defined]
            target = np.array([b.target for b in benchmarks])[code]  # type: ignore[attr-defined]
            points = 100 * np.clip((value - floor) / (target - floor), 0, 1)
            weighted += np.where(ok, indicator.weight * points, 0)
            available += ok * indicator.weight
            nominal += ok * (indicator.weight / total)
        has = available > 0
        parts.append((np.divide(weighted, available, out=np.zeros(n), where=has), has, nominal))
    active = sum(has * 1.0 for _, has, _ in parts)
    overall = np.zeros(n)
    confidence = np.zeros(n)
    for component_score, has, nominal in parts:
        overall += np.divide(component_score * has, active, out=np.zeros(n), where=active > 0)
        confidence += nominal / len(parts)
    return overall, confidence


class Baseline:
    """The hand-written numpy scorers."""

    def __init__(self, catalog: TableCatalog, brands: Dataset) -> None:
        self.catalog = catalog
        self.brands = {b.brand_id: b for b in brands.brands}
        self._videos: dict[str, tuple[Array, Array, int | None]] = {}

    def videos(self, brand_id: str) -> tuple[Array, Array, int | None]:
        """The brand's linked short videos (stream ids, posting times in µs) and the first
        day its short videos cover, read once."""
        found = self._videos.get(brand_id)
        if found is None:
            brand = self.brands[brand_id]
            linked = [v for v in brand.short_videos if v.for_stream_id is not None]
            epoch = datetime(1970, 1, 1, tzinfo=UTC)
            posted = np.array(
                [(v.posted_at - epoch) // timedelta(microseconds=1) for v in linked],
                dtype=np.int64,
            )
            start = next(
                (
                    e.start.toordinal()
                    for e in brand.coverage or ()
                    if e.section is Section.SHORT_VIDEOS and e.start is not None
                ),
                None,
            )
            found = np.array([v.for_stream_id for v in linked], dtype=object), posted, start
            self._videos[brand_id] = found
        return found

    def run(self, table: StreamTable) -> dict[str, tuple[Array, Array]]:
        rows = Rows(table, self)
        platforms = rows.platforms()
        c = table.column
        return {
            "douyin-interest": combine(STREAM_COMPONENTS, douyin_values(c, rows), platforms),
            "stage": combine(STAGE_COMPONENTS, stage_values(c, rows), platforms),
        }


def check_no_orders(catalog: TableCatalog, brands: Dataset) -> None:
    """The baseline leaves out the indicators of the streams' order details (new and
    returning buyers, repeat purchases: a per-buyer history, not a column formula); the
    streams are generated without them, so both sides find them not available."""
    for brand in brands.brands:
        if Section.ORDERS in catalog.facts(brand.brand_id).provided:
            raise SystemExit(f"brand {brand.brand_id} provides order details: not benchmarked")


# --------------------------------------------------------------------------- the runs


def line(label: str, seconds: float, n: int) -> None:
    print(f"    {label:<28}: {seconds:8.3f} s  ({seconds / n * 1e6:8.3f} µs per stream)")


#: The clock of the timings: CPU time of this process by default (steadier than wall time
#: on a shared machine; the work is single-threaded numpy), or wall time (``--clock wall``).
CLOCK: list[Callable[[], float]] = [time.process_time]


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    clock = CLOCK[0]
    began = clock()
    result = run()
    return clock() - began, result


def write_streams(args: argparse.Namespace, folder: str) -> str | None:
    """The JSON Lines file of (a), written once for both sides (``None`` for ``tiled``)."""
    if args.source == "tiled":
        return None
    path = os.path.join(folder, "streams.jsonl")
    per_brand = -(-args.streams // args.brands)
    seconds, _ = timed(
        lambda: write_jsonl(path, brands=args.brands, streams_per_brand=per_brand, orders=False)
    )
    print(f"wrote {args.streams:,} streams with steps.sample.write_jsonl in {seconds:.1f} s")
    return path


def load_chunks(args: argparse.Namespace, path: str | None) -> tuple[Dataset, list[StreamTable]]:
    if path is None:
        dataset = generate(brands=args.brands, streams_per_brand=2_000, orders=False)
        small = StreamTable.from_dataset(dataset)
        catalog = Dataset(brands=tuple(attrs.evolve(b, streams=()) for b in dataset.brands))
        chunks = []
        for start in range(0, args.streams, args.chunk_rows):
            rows = np.arange(start, min(start + args.chunk_rows, args.streams)) % len(small)
            chunks.append(small.take(rows))
        return catalog, chunks
    source = read_jsonl(path, chunk_rows=args.chunk_rows)
    chunks = list(source)
    return source.catalog, chunks


def one_side(args: argparse.Namespace) -> None:
    """A child process of (a): load the chunks, then time ONE pass of one side over all of
    them, the first scoring call of the process; save its scores for the parent."""
    dataset, chunks = load_chunks(args, args.file)
    catalog = TableCatalog.over(dataset, chunks)
    check_no_orders(catalog, dataset)
    baseline = Baseline(catalog, dataset)
    context = ScoringContext()
    # The process's plugin host (entry points, the built-in plugins' modules) is built once
    # per run whatever its size, so it is timed apart, before the pass; without compiled
    # modules (PYTHONDONTWRITEBYTECODE) it would put compiling source into the pass.
    host_seconds, _ = timed(lambda: (default_host().scorers(), import_module(CONFIDENCE)))

    def engine() -> list[dict[str, tuple[Array, Array]]]:
        out = []
        for chunk in chunks:
            scores = score_table(chunk, catalog, SCORERS, context).scores
            out.append({n: (scores[n].score, scores[n].confidence) for n in SCORERS})
        return out

    def hand_written() -> list[dict[str, tuple[Array, Array]]]:
        return [baseline.run(chunk) for chunk in chunks]

    run = engine if args.side == "engine" else hand_written
    seconds, results = timed(run)
    # A second, warm pass, for context only: what the first call's setup and fresh memory
    # (page faults of arrays the allocator has not held yet) add to the cold one.
    warm, _ = timed(run)
    np.savez(
        args.save,
        **{
            f"{name}_{part}": np.concatenate([r[name][k] for r in results])
            for name in SCORERS
            for k, part in enumerate(("score", "confidence"))
        },
    )
    print(f"{seconds!r} {warm!r} {host_seconds!r} {sum(map(len, chunks))}")


def batch_vs_numpy(args: argparse.Namespace) -> None:
    import subprocess
    import sys

    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        path = write_streams(args, folder)
        timings: dict[str, float] = {}
        warm: dict[str, float] = {}
        saved: dict[str, Any] = {}
        # Each side in a fresh process, so that both passes are cold: in one process the
        # second pass finds the memory the first has already grown, which flatters it.
        for side in ("engine", "baseline"):
            save = os.path.join(folder, f"{side}.npz")
            command = [
                sys.executable, __file__, "--side", side, "--save", save,
                "--streams", str(args.streams), "--brands", str(args.brands),
                "--chunk-rows", str(args.chunk_rows), "--clock", args.clock,
            ]  # fmt: skip
            if path is not None:
                command += ["--file", path]
            # The command is this script with our own arguments: nothing untrusted.
            run = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
            output = run.stdout
            seconds, again, host, n = output.split()
            timings[side], warm[side] = float(seconds), float(again)
            if side == "engine":
                host_seconds = float(host)
            with np.load(save) as data:
                saved[side] = {key: data[key] for key in data.files}
    ours_total, base_total, n = timings["engine"], timings["baseline"], int(n)
    worst = max(
        float(np.abs(saved["engine"][key] - saved["baseline"][key]).max(initial=0))
        for key in saved["engine"]
    )
    chunks = -(-n // args.chunk_rows)
    print()
    scorers = ", ".join(SCORERS)
    print(f"(a) {n:,} streams × {len(SCORERS)} scorers ({scorers}), one cold pass each")
    print(f"    ({chunks} chunks of up to {args.chunk_rows:,}, each side in a fresh process)")
    line("score_table (engine)", ours_total, n)
    line("hand-written numpy", base_total, n)
    print(f"    {'ratio':<28}: {ours_total / base_total:8.2f} ×  (target ≤ 1.3)")
    print(f"    {'plugin host, before the pass':<28}: {host_seconds:8.3f} s  (once per run)")
    print(
        f"    {'a second, warm pass':<28}: {warm['engine']:.3f} s and {warm['baseline']:.3f} s, "
        f"ratio {warm['engine'] / warm['baseline']:.2f} ×  (context, not the target)"
    )
    print(f"    largest difference of score or confidence from the baseline: {worst:.2e}")
    if worst > 1e-6:
        raise SystemExit("the engine and the baseline disagree: the baseline is out of date")


def batch_vs_objects(args: argparse.Namespace) -> None:
    per_brand = -(-args.objects // args.brands)
    seconds, dataset = timed(
        lambda: generate(brands=args.brands, streams_per_brand=per_brand, orders=False)
    )
    n = sum(len(b.streams) for b in dataset.brands)
    print()
    print(f"generated {n:,} streams as objects in {seconds:.1f} s")
    context = ScoringContext()
    table_seconds, table = timed(lambda: StreamTable.from_dataset(dataset))
    batch_seconds = float("inf")
    for _ in range(args.repeat):
        seconds, batch = timed(lambda: score_table(table, dataset, SCORERS, context))
        batch_seconds = min(batch_seconds, seconds)
    object_seconds, objects = timed(lambda: score(dataset, SCORERS, context))
    assert objects.ok
    assert batch.ok
    sample = np.linspace(0, len(table) - 1, num=min(200, len(table)), dtype=np.intp)
    reference = {(c.scorer, c.brand_id, c.subject_id): c for c in objects.cards}
    worst = 0.0
    for name in SCORERS:
        for card in batch.scores[name].to_cards(sample):
            want = reference[(name, card.brand_id, card.subject_id)]
            worst = max(worst, abs(card.score - want.score))
    print(f"(b) {n:,} streams × {len(SCORERS)} scorers")
    line("steps.score (per object)", object_seconds, n)
    line(f"score_table (best of {args.repeat})", batch_seconds, n)
    line("StreamTable.from_dataset", table_seconds, n)
    speedup = object_seconds / batch_seconds
    print(f"    {'speed-up':<28}: {speedup:8.1f} ×  (target ≥ 30)")
    with_table = object_seconds / (batch_seconds + table_seconds)
    print(f"    {'speed-up incl. the table':<28}: {with_table:8.1f} ×")
    print(f"    largest score difference on {len(sample)} sampled streams: {worst:.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=1_000_000, help="streams for (a)")
    parser.add_argument("--objects", type=int, default=20_000, help="streams for (b)")
    parser.add_argument("--brands", type=int, default=10)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    parser.add_argument("--source", choices=("jsonl", "tiled"), default="jsonl")
    parser.add_argument("--repeat", type=int, default=None, help="(b): default 1 from 1M, else 3")
    # The child processes of (a).
    parser.add_argument("--side", choices=("engine", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--save", help=argparse.SUPPRESS)
    parser.add_argument("--dir", default=None, help="where to write the temporary file")
    parser.add_argument("--skip-objects", action="store_true", help="run (a) only")
    parser.add_argument("--skip-table", action="store_true", help="run (b) only")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    args = parser.parse_args()
    CLOCK[0] = time.process_time if args.clock == "cpu" else time.perf_counter
    if args.side is not None:
        one_side(args)
        return
    print(f"times are {args.clock} seconds")
    if args.repeat is None:
        args.repeat = 1 if args.streams >= 1_000_000 else 3
    if not args.skip_table:
        batch_vs_numpy(args)
    if not args.skip_objects:
        batch_vs_objects(args)


if __name__ == "__main__":
    main()
