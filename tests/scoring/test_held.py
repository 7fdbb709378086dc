"""What a run leaves behind: nothing of the brands it scored, one time zone per offset."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import steps
from steps.domain import Dataset
from steps.io.files import load
from steps.scoring.engine import score

SAMPLE = Path(steps.__file__).parent / "data" / "sample.json"


def test_a_scored_brand_is_not_kept_after_its_run() -> None:
    # The brand scorers cache a brand's aggregates while its indicators are measured; the
    # chunked engine scores brand after brand, so a cache that kept the last brand would
    # hold its every stream through the rest of the run.
    brand = load(SAMPLE).brands[0]
    results = score(Dataset(brands=(brand,)))
    assert any(card.subject_kind.value == "brand" for card in results.cards)
    gone = weakref.ref(brand)
    stream = weakref.ref(brand.streams[0])
    del brand, results
    gc.collect()
    assert gone() is None
    assert stream() is None


def test_the_brand_facts_are_still_shared_while_a_brand_is_scored() -> None:
    from steps.plugins.steps_brand import brand_facts

    brand = load(SAMPLE).brands[0]
    facts = brand_facts(brand)
    assert brand_facts(brand) is facts
    assert facts.brand is brand


def test_parsed_times_share_one_zone_per_offset() -> None:
    dataset = load(SAMPLE)
    starts = [s.started_at for b in dataset.brands for s in b.streams]
    zones = {id(moment.tzinfo) for moment in starts}
    offsets = {moment.utcoffset() for moment in starts}
    assert len(starts) > 50
    assert len(zones) == len(offsets)
