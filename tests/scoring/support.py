"""Scorers, plugins and datasets for the scoring tests, built with the model classes."""

from __future__ import annotations

import math
import textwrap
import uuid
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs

from steps.domain import Account, Brand, Dataset, Platform, Stream
from steps.scoring import (
    ComponentResult,
    IndicatorResult,
    ScoreCard,
    ScoringContext,
    StreamSubject,
    SubjectKind,
    hookimpl,
)

# -- data -------------------------------------------------------------------------------


def make_stream(stream_id: str, account_id: str = "acc", *, day: int = 0, uv: int = 100) -> Stream:
    return Stream(
        stream_id=stream_id,
        account_id=account_id,
        started_at=datetime(2024, 5, 1, 20, tzinfo=UTC) + timedelta(days=day),
        duration_seconds=3600,
        uv=uv,
        watch_seconds=uv * 90,
        orders=3,
        buyers=2,
        gmv_fen=30_000,
    )


def make_brand(brand_id: str, stream_ids: Sequence[str]) -> Brand:
    return Brand(
        brand_id=brand_id,
        name=f"Brand {brand_id}",
        category="beauty",
        window_start=date(2024, 5, 1),
        window_end=date(2024, 5, 31),
        accounts=(Account(account_id="acc", platform=Platform.DOUYIN, name="Acc"),),
        streams=tuple(make_stream(s, day=i % 28) for i, s in enumerate(stream_ids)),
    )


def make_dataset() -> Dataset:
    """Two brands; stream ids in a non-sorted order to check the engine keeps it."""
    return Dataset(
        brands=(
            make_brand("b2", ["s3", "s1", "s2"]),
            make_brand("b1", ["t1", "t2"]),
        )
    )


# -- scorers ------------------------------------------------------------------------------


def card_for(
    name: str,
    kind: SubjectKind,
    subject_id: str,
    brand_id: str,
    score: float = 50.0,
    *,
    components: tuple[ComponentResult, ...] = (),
) -> ScoreCard:
    return ScoreCard(
        scorer=name,
        scorer_version="1.0",
        subject_kind=kind,
        subject_id=subject_id,
        brand_id=brand_id,
        score=score,
        confidence=1.0,
        components=components,
    )


def ids_of(subject: Any) -> tuple[str, str]:
    if isinstance(subject, StreamSubject):
        return subject.stream.stream_id, subject.brand.brand_id
    return subject.brand_id, subject.brand_id


@attrs.define
class FakeScorer:
    """A scorer whose answer is a function of (scorer, subject): by default a valid card."""

    name: str
    subject: SubjectKind = SubjectKind.STREAM
    version: str = "1.0"
    title: str = "Fake"
    description: str = "A scorer for tests."
    answer: Callable[[FakeScorer, Any], Any] | None = None
    calls: list[str] = attrs.field(factory=list)

    def score(self, subject: Any, context: ScoringContext) -> Any:
        subject_id, brand_id = ids_of(subject)
        self.calls.append(subject_id)
        if self.answer is not None:
            return self.answer(self, subject)
        return card_for(self.name, self.subject, subject_id, brand_id, score=float(len(subject_id)))


@attrs.define
class BatchScorer(FakeScorer):
    """A scorer with ``score_many``; ``batch_answer`` can make the batch misbehave."""

    batch_answer: Callable[[BatchScorer, Sequence[Any]], Any] | None = None
    batches: list[list[str]] = attrs.field(factory=list)

    def score_many(self, subjects: Sequence[Any], context: ScoringContext) -> Any:
        self.batches.append([ids_of(s)[0] for s in subjects])
        if self.batch_answer is not None:
            return self.batch_answer(self, subjects)
        cards = []
        for subject in subjects:
            subject_id, brand_id = ids_of(subject)
            cards.append(card_for(self.name, self.subject, subject_id, brand_id, score=99.0))
        return cards


def raising(_: Any, subject: Any) -> Any:
    raise RuntimeError(f"boom on {ids_of(subject)[0]}")


def returns_float(_: Any, __: Any) -> Any:
    return 42.0


def smuggles_nan(scorer: FakeScorer, subject: Any) -> Any:
    subject_id, brand_id = ids_of(subject)
    card = card_for(scorer.name, scorer.subject, subject_id, brand_id)
    object.__setattr__(card, "score", math.nan)
    return card


def warns(scorer: FakeScorer, subject: Any) -> Any:
    subject_id, brand_id = ids_of(subject)
    warnings.warn("thin data", UserWarning, stacklevel=1)
    return card_for(scorer.name, scorer.subject, subject_id, brand_id)


def indicator_card(scorer: FakeScorer, subject: Any) -> ScoreCard:
    subject_id, brand_id = ids_of(subject)
    indicator = IndicatorResult(
        key="uv",
        name="Viewers",
        name_zh="观看人数",
        component="reach",
        value=100.0,
        unit="people",
        score=80.0,
        weight=1.0,
        contribution=80.0,
        benchmark="target 100, floor 0",
        benchmark_source="assumption",
        explanation="Viewers: 100 people against target 100 → 80/100",
    )
    component = ComponentResult(
        key="reach",
        name="Reach",
        name_zh="覆盖",
        score=80.0,
        weight=1.0,
        contribution=80.0,
        indicators=(indicator,),
    )
    empty = ComponentResult(
        key="empty", name="Empty", name_zh="空", score=None, weight=0.0, contribution=0.0
    )
    return card_for(
        scorer.name, scorer.subject, subject_id, brand_id, 80.0, components=(component, empty)
    )


class Plugin:
    """A plugin object registering the given scorers (named explicitly)."""

    def __init__(self, name: str, *scorers: object) -> None:
        self.__name__ = name
        self.scorers = scorers

    @hookimpl
    def steps_register_scorers(self, register: Callable[[Any], None]) -> None:
        for scorer in self.scorers:
            register(scorer)


class RaisingPlugin:
    __name__ = "raising-plugin"

    @hookimpl
    def steps_register_scorers(self, register: Callable[[Any], None]) -> None:
        register(FakeScorer("never-kept"))
        raise RuntimeError("the plugin is broken")


# -- fake installed distributions ---------------------------------------------------------


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


PLUGIN_MODULE = """
import steps
from steps.scoring import ScoreCard, SubjectKind

class Scorer:
    name = {scorer!r}
    version = "2.0"
    subject = SubjectKind.BRAND
    title = "Installed"
    description = "From a fake distribution."

    def score(self, brand, context):
        return ScoreCard(
            scorer=self.name, scorer_version=self.version, subject_kind=SubjectKind.BRAND,
            subject_id=brand.brand_id, brand_id=brand.brand_id, score=70.0, confidence=1.0,
        )

@steps.hookimpl
def steps_register_scorers(register):
    register(Scorer())
"""


def install_fake_distribution(
    root: Path,
    distribution: str,
    entry_points: dict[str, str],
    modules: dict[str, str],
    version: str = "1.2.3",
) -> None:
    """Write modules and a ``.dist-info`` declaring ``steps`` entry points into ``root``
    (which the caller puts on ``sys.path``): importlib.metadata finds it like an install."""
    for module, source in modules.items():
        (root / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = root / f"{distribution.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\n", encoding="utf-8"
    )
    lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[steps]\n{lines}", encoding="utf-8")
