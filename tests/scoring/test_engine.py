"""The engine: order, failure isolation, batches, warnings."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import attrs
import pytest

import steps
from steps.domain import Dataset
from steps.plugins.stage import StageScorer
from steps.scoring import (
    ScoreCard,
    ScoreError,
    ScoringContext,
    StreamSubject,
    SubjectKind,
    UnknownScorerError,
    score,
)
from steps.scoring.engine import BATCH_FALLBACK
from steps.testing.plugins import isolated_host
from tests.scoring.support import (
    BatchScorer,
    FakeScorer,
    Plugin,
    card_for,
    ids_of,
    make_brand,
    make_dataset,
    raising,
    returns_float,
    smuggles_nan,
    warns,
)


def subjects_of(cards: Sequence[ScoreCard]) -> list[tuple[str, str, str]]:
    return [(c.brand_id, c.scorer, c.subject_id) for c in cards]


def test_order_is_brands_then_scorers_by_name_then_streams():
    host = isolated_host(
        Plugin("p2", FakeScorer("zz-stream")),
        Plugin("p1", FakeScorer("aa-brand", subject=SubjectKind.BRAND), FakeScorer("mm-stream")),
    )
    results = score(make_dataset(), host=host)
    assert results.ok
    assert subjects_of(results.cards) == [
        ("b2", "aa-brand", "b2"),
        ("b2", "mm-stream", "s3"),
        ("b2", "mm-stream", "s1"),
        ("b2", "mm-stream", "s2"),
        ("b2", "zz-stream", "s3"),
        ("b2", "zz-stream", "s1"),
        ("b2", "zz-stream", "s2"),
        ("b1", "aa-brand", "b1"),
        ("b1", "mm-stream", "t1"),
        ("b1", "mm-stream", "t2"),
        ("b1", "zz-stream", "t1"),
        ("b1", "zz-stream", "t2"),
    ]
    assert [s.name for s in results.scorers] == ["aa-brand", "mm-stream", "zz-stream"]
    assert results.scorers[0].plugin == "p1"


def test_stream_subjects_carry_their_brand_and_account():
    seen: list[StreamSubject] = []

    def capture(scorer: FakeScorer, subject: StreamSubject) -> ScoreCard:
        seen.append(subject)
        return card_for(scorer.name, scorer.subject, *ids_of(subject))

    dataset = make_dataset()
    score(dataset, host=isolated_host(Plugin("p", FakeScorer("s", answer=capture))))
    first = seen[0]
    assert first.stream is dataset.brands[0].streams[0]
    assert first.brand is dataset.brands[0]
    assert first.account is dataset.brands[0].accounts[0]
    assert first.subject_id == "s3"


def test_the_context_reaches_the_scorer():
    contexts: list[ScoringContext] = []

    class Spy(FakeScorer):
        def score(self, subject: Any, context: ScoringContext) -> Any:
            contexts.append(context)
            return super().score(subject, context)

    context = ScoringContext(options={"spy.x": 1})
    score(make_dataset(), context=context, host=isolated_host(Plugin("p", Spy("spy"))))
    assert contexts
    assert all(c is context for c in contexts)


def test_choosing_scorers_by_name():
    host = isolated_host(Plugin("p", FakeScorer("a"), FakeScorer("b"), FakeScorer("c")))
    results = score(make_dataset(), ["c", "a"], host=host)
    assert {card.scorer for card in results.cards} == {"a", "c"}
    assert [s.name for s in results.scorers] == ["a", "c"]
    assert {card.scorer for card in score(make_dataset(), "b", host=host).cards} == {"b"}


def test_an_unknown_scorer_name_lists_the_known_ones():
    host = isolated_host(Plugin("p", FakeScorer("a"), FakeScorer("b")))
    with pytest.raises(UnknownScorerError, match=r"'nope' \(known: a, b\)"):
        score(make_dataset(), ["a", "nope"], host=host)


def test_a_deliberately_broken_plugin_cannot_hurt_the_others():
    broken = Plugin(
        "broken-plugin",
        FakeScorer("raises", answer=raising),
        FakeScorer("float", answer=returns_float),
        FakeScorer("nan", answer=smuggles_nan),
    )
    good = Plugin(
        "good-plugin",
        FakeScorer("good-brand", subject=SubjectKind.BRAND),
        FakeScorer("good-stream"),
    )
    dataset = make_dataset()
    results = score(dataset, host=isolated_host(broken, good))
    alone = score(dataset, host=isolated_host(good))
    assert results.cards == alone.cards  # every good score intact, in the same order
    streams = sum(len(b.streams) for b in dataset.brands)
    assert len(results.errors) == 3 * streams
    assert {e.plugin for e in results.errors} == {"broken-plugin"}
    by_scorer = {e.scorer: e for e in results.errors if e.subject_id == "s1"}
    assert by_scorer["raises"] == ScoreError(
        scorer="raises",
        plugin="broken-plugin",
        subject_kind=SubjectKind.STREAM,
        subject_id="s1",
        brand_id="b2",
        error_type="RuntimeError",
        message="boom on s1",
    )
    assert by_scorer["float"].error_type == "TypeError"
    assert "returned float, not a ScoreCard" in by_scorer["float"].message
    assert by_scorer["nan"].error_type == "ValueError"
    assert "score must be a finite number in [0, 100], got nan" in by_scorer["nan"].message
    assert "(plugin broken-plugin) failed on stream 's1'" in str(by_scorer["raises"])


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"scorer": "other"}, "card of scorer 'other'"),
        ({"subject_id": "s9"}, "card for 's9'"),
        ({"brand_id": "zz"}, "of brand 'zz'"),
        ({"subject_kind": SubjectKind.BRAND}, "expected a stream"),
        ({"confidence": 1.5}, "confidence must be"),
        ({"score": 101.0}, "score must be"),
        ({"score": True}, "score must be"),
    ],
)
def test_a_card_for_the_wrong_subject_or_out_of_range_is_an_error(
    change: dict[str, Any], problem: str
):
    def wrong(scorer: FakeScorer, subject: Any) -> ScoreCard:
        card = card_for(scorer.name, scorer.subject, *ids_of(subject))
        for name, value in change.items():
            object.__setattr__(card, name, value)
        return card

    results = score(make_dataset(), host=isolated_host(Plugin("p", FakeScorer("w", answer=wrong))))
    assert not results.cards
    assert all(problem in e.message for e in results.errors), results.errors[0]


def test_nested_numbers_are_checked_too():
    def nested_nan(scorer: FakeScorer, subject: Any) -> ScoreCard:
        from tests.scoring.support import indicator_card

        card = indicator_card(scorer, subject)
        object.__setattr__(card.components[0].indicators[0], "value", float("inf"))
        return card

    results = score(
        make_dataset(), host=isolated_host(Plugin("p", FakeScorer("n", answer=nested_nan)))
    )
    assert "indicator 'uv'" in results.errors[0].message


def test_a_card_built_without_init_is_an_error_not_a_crash():
    def hollow(_: FakeScorer, __: Any) -> ScoreCard:
        return object.__new__(ScoreCard)

    results = score(make_dataset(), host=isolated_host(Plugin("p", FakeScorer("h", answer=hollow))))
    assert not results.cards
    assert "broken ScoreCard (AttributeError" in results.errors[0].message


def test_keyboard_interrupt_is_not_swallowed():
    def interrupt(_: FakeScorer, __: Any) -> Any:
        raise KeyboardInterrupt

    host = isolated_host(Plugin("p", FakeScorer("k", answer=interrupt)))
    with pytest.raises(KeyboardInterrupt):
        score(make_dataset(), host=host)


# -- batches ------------------------------------------------------------------------------


def test_score_many_is_called_once_per_brand_with_its_subjects():
    scorer = BatchScorer("batch")
    brand_scorer = BatchScorer("brand-batch", subject=SubjectKind.BRAND)
    results = score(make_dataset(), host=isolated_host(Plugin("p", scorer, brand_scorer)))
    assert results.ok
    assert scorer.batches == [["s3", "s1", "s2"], ["t1", "t2"]]
    assert brand_scorer.batches == [["b2"], ["b1"]]
    assert scorer.calls == []
    assert {c.score for c in results.cards} == {99.0}
    assert not results.warnings


def _wrong_length(scorer: BatchScorer, subjects: Sequence[Any]) -> Any:
    return [card_for(scorer.name, scorer.subject, *ids_of(subjects[0]))]


def _one_bad_card(scorer: BatchScorer, subjects: Sequence[Any]) -> Any:
    cards: list[Any] = [card_for(scorer.name, scorer.subject, *ids_of(s)) for s in subjects]
    cards[-1] = 3.0
    return cards


def _batch_raises(_: BatchScorer, __: Sequence[Any]) -> Any:
    raise ValueError("batch broke")


def _generator(scorer: BatchScorer, subjects: Sequence[Any]) -> Any:
    return (card_for(scorer.name, scorer.subject, *ids_of(s), 99.0) for s in subjects)


@pytest.mark.parametrize(
    ("batch", "reason"),
    [
        (_wrong_length, "returned 1 cards for 3 subjects"),
        (_one_bad_card, "on 's2': returned float"),
        (_batch_raises, "raised ValueError: batch broke"),
    ],
)
def test_a_misbehaving_batch_falls_back_to_one_subject_at_a_time(batch: Any, reason: str):
    scorer = BatchScorer("batch", batch_answer=batch)
    results = score(make_dataset(), host=isolated_host(Plugin("p", scorer)))
    assert results.ok
    assert scorer.calls == ["s3", "s1", "s2", "t1", "t2"]
    assert [c.subject_id for c in results.cards] == ["s3", "s1", "s2", "t1", "t2"]
    fallback = [w for w in results.warnings if w.category == BATCH_FALLBACK]
    assert fallback
    assert reason in fallback[0].message
    assert fallback[0].subject_id is None
    assert "the streams of brand 'b2'" in str(fallback[0])


def test_fallback_pins_the_failure_on_the_right_subject():
    def fails_on_s1(scorer: FakeScorer, subject: Any) -> Any:
        if ids_of(subject)[0] == "s1":
            raise RuntimeError("bad stream")
        return card_for(scorer.name, scorer.subject, *ids_of(subject))

    scorer = BatchScorer("batch", answer=fails_on_s1, batch_answer=_batch_raises)
    results = score(make_dataset(), host=isolated_host(Plugin("p", scorer)))
    assert [(e.subject_id, e.message) for e in results.errors] == [("s1", "bad stream")]
    assert len(results.cards) == 4


def test_any_iterable_of_cards_is_a_valid_batch():
    scorer = BatchScorer("batch", batch_answer=_generator)
    results = score(make_dataset(), host=isolated_host(Plugin("p", scorer)))
    assert results.ok
    assert not results.warnings
    assert scorer.calls == []


# -- warnings -----------------------------------------------------------------------------


def test_warnings_are_captured_counted_and_never_printed(recwarn: pytest.WarningsRecorder):
    results = score(make_dataset(), host=isolated_host(Plugin("p", FakeScorer("w", answer=warns))))
    assert results.ok
    assert len(recwarn) == 0
    (warning,) = results.warnings
    assert (warning.scorer, warning.plugin, warning.category) == ("w", "p", "UserWarning")
    assert (warning.subject_id, warning.brand_id, warning.count) == ("s3", "b2", 5)
    assert str(warning) == "w (plugin p) on stream 's3': UserWarning: thin data (5 times)"


def test_warnings_do_not_escape_even_when_warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results = score(
            make_dataset(), host=isolated_host(Plugin("p", FakeScorer("w", answer=warns)))
        )
    assert results.ok
    assert results.warnings[0].count == 5


def test_a_warning_in_a_batch_is_reported_for_the_brand():
    def warning_batch(scorer: BatchScorer, subjects: Sequence[Any]) -> Any:
        warnings.warn("batch note", RuntimeWarning, stacklevel=1)
        return [card_for(scorer.name, scorer.subject, *ids_of(s)) for s in subjects]

    results = score(
        make_dataset(),
        host=isolated_host(Plugin("p", BatchScorer("b", batch_answer=warning_batch))),
    )
    (warning,) = results.warnings
    assert (warning.subject_id, warning.brand_id, warning.count) == (None, "b2", 2)


# -- the public API -----------------------------------------------------------------------


def test_steps_score_uses_the_default_host(monkeypatch: pytest.MonkeyPatch):
    from steps.scoring import plugins

    host = isolated_host(Plugin("p", FakeScorer("a")))
    monkeypatch.setattr(plugins, "default_host", lambda: host)
    results = steps.score(make_dataset())
    assert len(results.cards) == 5
    assert isinstance(results, steps.ScoreResults)


def test_an_empty_dataset_and_a_brand_without_streams():
    host = isolated_host(Plugin("p", FakeScorer("s"), FakeScorer("b", subject=SubjectKind.BRAND)))
    assert score(Dataset(), host=host).cards == ()
    results = score(Dataset(brands=(make_brand("b", []),)), host=host)
    assert subjects_of(results.cards) == [("b", "b", "b")]


def test_results_are_frozen():
    results = score(make_dataset(), host=isolated_host(Plugin("p", FakeScorer("a"))))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        results.cards = ()  # type: ignore[misc]


def test_progress_counts_every_subject_of_every_scorer() -> None:
    dataset = make_dataset()
    host = isolated_host(
        Plugin(
            "p",
            FakeScorer("brandwise", subject=SubjectKind.BRAND),
            FakeScorer("streamwise", answer=raising),
            FakeScorer("streamwise-too"),
        )
    )
    seen: list[tuple[int, int]] = []
    results = score(dataset, host=host, progress=lambda done, total: seen.append((done, total)))
    streams = sum(len(b.streams) for b in dataset.brands)
    total = len(dataset.brands) + 2 * streams
    assert seen[0] == (0, total)
    assert seen[-1] == (total, total)
    assert all(t == total for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert len(seen) == 1 + 3 * len(dataset.brands)  # after each brand and scorer
    assert len(results.cards) + len(results.errors) == total


def test_a_failing_progress_callback_is_the_callers_error() -> None:
    def broken(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score(make_dataset(), host=isolated_host(Plugin("p", FakeScorer("s"))), progress=broken)


# -- tables -------------------------------------------------------------------------------


class _TableScorer(StageScorer):
    """STAGE under another name, whose ``score_table`` can be made to misbehave."""

    name = "tabled"

    def __init__(self, broken: Any = None) -> None:
        self.broken = broken
        self.tables: list[int] = []

    def score_table(self, table: Any, catalog: Any, context: Any) -> Any:
        self.tables.append(len(table))
        scores = super().score_table(table, catalog, context)
        # Broken on a brand's whole table only: one stream (a table of one) still scores.
        return scores if self.broken is None or len(table) == 1 else self.broken(scores)


def _subjects(brand: Any) -> list[StreamSubject]:
    accounts = {a.account_id: a for a in brand.accounts}
    return [StreamSubject(s, brand, accounts.get(s.account_id)) for s in brand.streams]


def _sample() -> Any:
    from steps.sample import generate

    return generate(2, seed=5, streams_per_brand=4)


def test_a_table_scorer_scores_each_brands_streams_as_one_table():
    dataset = _sample()
    scorer = _TableScorer()
    results = score(dataset, host=isolated_host(Plugin("p", scorer)))
    assert results.ok
    assert not results.warnings
    assert scorer.tables == [len(b.streams) for b in dataset.brands]
    # The same cards as scoring each stream on its own (a table of one).
    direct = [scorer.score(s, ScoringContext()) for b in dataset.brands for s in _subjects(b)]
    assert list(results.cards) == direct


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        (lambda scores: None, "score_table returned NoneType, not TableScores"),
        (lambda scores: attrs.evolve(scores, scorer="other"), "scores of scorer 'other'"),
        (lambda scores: 1 / 0, "score_table raised ZeroDivisionError"),
    ],
)
def test_a_misbehaving_table_falls_back_to_one_subject_at_a_time(broken: Any, reason: str):
    dataset = _sample()
    results = score(dataset, host=isolated_host(Plugin("p", _TableScorer(broken))))
    assert results.ok
    assert len(results.cards) == sum(len(b.streams) for b in dataset.brands)
    fallback = [w for w in results.warnings if w.category == BATCH_FALLBACK]
    assert fallback
    assert reason in fallback[0].message
