"""Engine overhead per subject: ``steps.score`` against calling the scorer in a plain loop.

A trivial stream scorer (it returns a card built beforehand for each stream, so its own cost
is one dict lookup) is run over N streams two ways:

* **direct**: ``for subject in subjects: scorer.score(subject, context)`` over prebuilt
  ``StreamSubject`` objects, the least any caller could do;
* **engine**: ``steps.score(dataset, host=...)``, which builds the subjects, captures warnings,
  checks every card (type, scorer, subject ids, every number in range) and assembles the
  results.

A third loop also builds each ``StreamSubject`` (as the engine must), to show how much of
the overhead is the subjects themselves.  All are timed best of ``--repeat`` runs in the
same process; the ratio is engine / direct::

    python benchmarks/bench_engine.py                    # 100,000 streams in 4 brands
    python benchmarks/bench_engine.py --streams 20000 --brands 2 --repeat 5
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from steps.domain import Account, Brand, Dataset, Platform, Stream
from steps.scoring import ScoreCard, ScoringContext, StreamSubject, SubjectKind, score
from steps.testing.plugins import isolated_host, scorer_plugin


class PrebuiltScorer:
    """Returns the card prepared for each stream: the scorer itself costs almost nothing."""

    name = "prebuilt"
    version = "1.0"
    subject = SubjectKind.STREAM
    title = "Prebuilt"
    description = "Returns a card built beforehand."

    def __init__(self, cards: dict[tuple[str, str], ScoreCard]) -> None:
        self.cards = cards

    def score(self, subject: StreamSubject, context: ScoringContext) -> ScoreCard:
        return self.cards[subject.brand.brand_id, subject.stream.stream_id]


def build_dataset(streams: int, brands: int) -> Dataset:
    start = datetime(2024, 5, 1, 20, tzinfo=UTC)
    per_brand = -(-streams // brands)
    result = []
    made = 0
    for b in range(brands):
        count = min(per_brand, streams - made)
        made += count
        result.append(
            Brand(
                brand_id=f"b{b}",
                name=f"Brand {b}",
                category="beauty",
                accounts=(Account(account_id="acc", platform=Platform.KUAISHOU, name="Acc"),),
                streams=tuple(
                    Stream(
                        stream_id=f"s{i}",
                        account_id="acc",
                        started_at=start + timedelta(minutes=i),
                        duration_seconds=3600,
                        uv=100 + i % 50,
                        watch_seconds=6000,
                        orders=3,
                        buyers=2,
                        gmv_fen=30_000,
                    )
                    for i in range(count)
                ),
            )
        )
    return Dataset(brands=tuple(result))


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=100_000)
    parser.add_argument("--brands", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    began = time.perf_counter()
    dataset = build_dataset(args.streams, args.brands)
    print(
        f"built {args.streams:,} streams in {args.brands} brands in "
        f"{time.perf_counter() - began:.1f} s"
    )

    cards = {
        (brand.brand_id, stream.stream_id): ScoreCard(
            scorer=PrebuiltScorer.name,
            scorer_version=PrebuiltScorer.version,
            subject_kind=SubjectKind.STREAM,
            subject_id=stream.stream_id,
            brand_id=brand.brand_id,
            score=50.0,
            confidence=1.0,
        )
        for brand in dataset.brands
        for stream in brand.streams
    }
    scorer = PrebuiltScorer(cards)
    host = isolated_host(scorer_plugin(scorer))
    context = ScoringContext()
    subjects = [
        StreamSubject(stream, brand, brand.accounts[0])
        for brand in dataset.brands
        for stream in brand.streams
    ]

    def direct() -> object:
        return [scorer.score(subject, context) for subject in subjects]

    def direct_with_subjects() -> object:
        return [
            scorer.score(StreamSubject(stream, brand, brand.accounts[0]), context)
            for brand in dataset.brands
            for stream in brand.streams
        ]

    def engine() -> object:
        results = score(dataset, context=context, host=host)
        assert results.ok
        assert len(results.cards) == args.streams
        return results

    direct_time = best_of(args.repeat, direct)
    building_time = best_of(args.repeat, direct_with_subjects)
    engine_time = best_of(args.repeat, engine)
    n = args.streams
    for label, seconds in (
        ("direct loop", direct_time),
        ("direct + StreamSubject", building_time),
        ("steps.score", engine_time),
    ):
        print(f"{label:<23}: {seconds:7.3f} s  ({seconds / n * 1e6:5.2f} µs per stream)")
    print(f"engine overhead        : {(engine_time - direct_time) / n * 1e6:5.2f} µs per stream")
    print(
        f"ratio                  : {engine_time / direct_time:5.2f} × "
        f"(steps.score / direct loop, best of {args.repeat})"
    )
    print(
        f"ratio                  : {engine_time / building_time:5.2f} × "
        "(steps.score / direct loop that also builds the subjects)"
    )


if __name__ == "__main__":
    main()
