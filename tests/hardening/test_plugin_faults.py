"""Plugins that misbehave: every fault is that scorer's error, and nobody else's problem.

Each test registers one hand-written faulty scorer (plugin ``faulty-plugin``, scorer names
starting ``aa-`` so that they run first) beside the built-in scorers and a *witness* scorer
(``zz-witness``, plugin ``witness-plugin``, run last) that fingerprints every subject it is
given.  :func:`run_with_fault` then checks what must hold whatever the fault:

* the faulty scorer's failures are :class:`ScoreError` s naming it and its plugin;
* every other scorer's cards are exactly those of a run without the faulty scorer, and no
  other scorer has an error;
* the dataset is unchanged (its JSON text before and after, and equality with a copy
  loaded from that text), and the witness, run after the fault, saw the original data.

The faults: raising (ordinary exceptions, ``RecursionError``, ``MemoryError``, an exception
whose ``__str__`` raises, a megabyte-long message), returning the wrong thing, smuggling NaN
and out-of-range numbers past a card's validators with ``object.__setattr__``, trying to
mutate the frozen model or a read-only mapping, taking far too long (the engine's time
budget), emitting warnings (repeated ones, odd categories, a scorer that turns warnings into
errors), batches that fail, and plugins that fail at registration.  :data:`FAULTS` counts
the faults injected (calls into faulty code); ``test_faults_injected`` injects every fault
once more and checks the count of its own calls.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest

from steps.columnar import StreamTable
from steps.domain.model import Dataset
from steps.io.converter import unstructure
from steps.io.files import dump, dumps, loads
from steps.scoring import (
    Recommendation,
    ScoreCard,
    ScoringContext,
    StreamSubject,
    SubjectKind,
    hookimpl,
    score,
)
from steps.scoring.engine import (
    BATCH_FALLBACK,
    MAX_MESSAGE,
    OVER_BUDGET,
    ScoreResults,
    score_table,
)
from steps.scoring.plugins import StepsPluginWarning
from steps.testing.plugins import isolated_host
from tests.scoring.support import (
    FakeScorer,
    Plugin,
    card_for,
    ids_of,
    indicator_card,
    install_fake_distribution,
    make_dataset,
    unique,
)

REPO = Path(__file__).resolve().parents[2]
FAULTY_PLUGIN = "faulty-plugin"
WITNESS = "zz-witness"
#: Fault kind (the faulty scorer's name) → times the fault was injected.
FAULTS: Counter[str] = Counter()


# -- scorers ----------------------------------------------------------------------------------


@attrs.define(eq=False)
class Faulty:
    """A scorer whose every answer is ``fault(scorer, subject, context)``."""

    name: str
    fault: Callable[[Faulty, Any, ScoringContext], Any]
    subject: SubjectKind = SubjectKind.STREAM
    version: str = "1.0"
    title: str = "Faulty"
    description: str = "Misbehaves on purpose."

    def score(self, subject: Any, context: ScoringContext) -> Any:
        FAULTS[self.name] += 1
        return self.fault(self, subject, context)

    def card(self, subject: Any, value: float = 50.0) -> ScoreCard:
        subject_id, brand_id = ids_of(subject)
        return card_for(self.name, self.subject, subject_id, brand_id, value)


@attrs.define(eq=False)
class FaultyBatch(Faulty):
    """A scorer whose ``score_many`` answer is ``batch(scorer, subjects)``; ``score`` works."""

    batch: Callable[[FaultyBatch, Sequence[Any]], Any] = attrs.field(kw_only=True)

    def score_many(self, subjects: Sequence[Any], context: ScoringContext) -> Any:
        FAULTS[self.name] += 1
        return self.batch(self, subjects)


def _fine(scorer: Faulty, subject: Any, context: ScoringContext) -> ScoreCard:
    return scorer.card(subject)


def _fingerprint(subject: Any) -> str:
    """The data a scorer sees, as text: the stream (with its brand) or the brand."""
    if isinstance(subject, StreamSubject):
        return dumps(Dataset(brands=(subject.brand,))) + repr(unstructure(subject.stream))
    return dumps(Dataset(brands=(subject,)))


@attrs.define(eq=False)
class Witness:
    """Runs after every other scorer and remembers what each subject looked like."""

    subject: SubjectKind
    name: str = WITNESS
    version: str = "1.0"
    title: str = "Witness"
    description: str = "Fingerprints what it is given."
    seen: list[str] = attrs.field(factory=list)

    def score(self, subject: Any, context: ScoringContext) -> ScoreCard:
        self.seen.append(_fingerprint(subject))
        subject_id, brand_id = ids_of(subject)
        return card_for(self.name, self.subject, subject_id, brand_id, 1.0)


def _expected_fingerprints(dataset: Dataset, kind: SubjectKind) -> list[str]:
    out = []
    for brand in dataset.brands:
        if kind is SubjectKind.BRAND:
            out.append(_fingerprint(brand))
            continue
        accounts = {a.account_id: a for a in brand.accounts}
        for stream in brand.streams:
            out.append(_fingerprint(StreamSubject(stream, brand, accounts.get(stream.account_id))))
    return out


def _subjects(dataset: Dataset, kind: SubjectKind) -> list[tuple[str, str]]:
    """(subject id, brand id) of every subject of ``kind``, in run order."""
    if kind is SubjectKind.BRAND:
        return [(b.brand_id, b.brand_id) for b in dataset.brands]
    return [(s.stream_id, b.brand_id) for b in dataset.brands for s in b.streams]


# -- the harness ------------------------------------------------------------------------------


def run_with_fault(bad: Faulty, *, time_budget: float | None = None) -> ScoreResults:
    """Score the test dataset with ``bad`` among the built-in scorers and the witnesses, and
    check that the fault stayed with ``bad``; return the results."""
    dataset = make_dataset()
    before = dumps(dataset)
    witnesses = [Witness(SubjectKind.BRAND), Witness(SubjectKind.STREAM, name=WITNESS + "-s")]
    host = isolated_host(
        Plugin(FAULTY_PLUGIN, bad), Plugin("witness-plugin", *witnesses), builtins=True
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing a scorer emits escapes the engine
        results = score(dataset, host=host, time_budget=time_budget)

    # The data is unchanged, and the scorers that ran after the fault saw it unchanged.
    assert dumps(dataset) == before
    pristine = loads(before)
    assert dataset == pristine
    for witness in witnesses:
        assert witness.seen == _expected_fingerprints(pristine, witness.subject)

    # Every other scorer's output is what it is without the faulty scorer.
    others = [r.name for r in host.scorers() if r.name != bad.name]
    clean_host = isolated_host(
        Plugin(
            "witness-plugin",
            Witness(SubjectKind.BRAND),
            Witness(SubjectKind.STREAM, name=WITNESS + "-s"),
        ),
        builtins=True,
    )
    baseline = score(pristine, others, host=clean_host)
    assert [c for c in results.cards if c.scorer != bad.name] == list(baseline.cards)
    assert [e for e in results.errors if e.scorer != bad.name] == []
    assert [w for w in results.warnings if w.scorer != bad.name] == list(baseline.warnings)

    # The faulty scorer's failures name it and its plugin.
    for error in results.errors:
        assert error.plugin == FAULTY_PLUGIN
        assert f"{bad.name} (plugin {FAULTY_PLUGIN})" in str(error)
        assert error.error_type  # the message may be empty: MemoryError() has none
        assert len(error.message) <= MAX_MESSAGE
    for warning in results.warnings:
        if warning.scorer == bad.name:
            assert warning.plugin == FAULTY_PLUGIN
            assert f"{bad.name} (plugin {FAULTY_PLUGIN})" in str(warning)
    return results


def assert_failed_everywhere(results: ScoreResults, bad: Faulty, error_type: str) -> None:
    """``bad`` has no card and one error of ``error_type`` per subject, in run order."""
    assert results.for_scorer(bad.name) == ()
    expected = _subjects(make_dataset(), bad.subject)
    errors = [e for e in results.errors if e.scorer == bad.name]
    assert [(e.subject_id, e.brand_id) for e in errors] == expected
    assert {e.error_type for e in errors} == {error_type}


# -- raising ----------------------------------------------------------------------------------


class Unprintable(Exception):  # noqa: N818  # named for what it is
    def __str__(self) -> str:
        raise RuntimeError("even the message is broken")


def _recurse(depth: int = 0) -> int:
    return _recurse(depth + 1) + 1


def _raise(error: BaseException) -> Callable[[Faulty, Any, ScoringContext], Any]:
    def fault(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
        raise error

    return fault


def _recursion(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
    return _recurse()


def _divide(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
    return 1 / 0


Fault = Callable[[Faulty, Any, ScoringContext], Any]


class Escape(BaseException):  # a BaseException of a plugin's own
    """Not an Exception: an ``except Exception`` would let it end the run."""


RAISING: dict[str, tuple[Fault, str]] = {
    "system-exit-0": (_raise(SystemExit(0)), "SystemExit"),
    "system-exit-1": (_raise(SystemExit(1)), "SystemExit"),
    "generator-exit": (_raise(GeneratorExit()), "GeneratorExit"),
    "own-base-exception": (_raise(Escape("out")), "Escape"),
    "surrogate-message": (_raise(ValueError("bad \ud800 text")), "ValueError"),
    "runtime": (_raise(RuntimeError("boom")), "RuntimeError"),
    "key": (_raise(KeyError("uv")), "KeyError"),
    "zero-division": (_divide, "ZeroDivisionError"),
    "recursion": (_recursion, "RecursionError"),
    "memory": (_raise(MemoryError()), "MemoryError"),
    "unprintable": (_raise(Unprintable()), "Unprintable"),
    "huge-message": (_raise(ValueError("x" * 1_000_000)), "ValueError"),
}


@pytest.mark.parametrize("case", sorted(RAISING))
@pytest.mark.parametrize("kind", [SubjectKind.STREAM, SubjectKind.BRAND])
def test_a_scorer_that_raises(case: str, kind: SubjectKind) -> None:
    fault, error_type = RAISING[case]
    bad = Faulty(f"aa-raises-{case}-{kind.value}", fault, subject=kind)
    results = run_with_fault(bad)
    assert_failed_everywhere(results, bad, error_type)
    if case == "unprintable":
        assert "unprintable Unprintable" in results.errors[0].message
    if case == "huge-message":
        assert results.errors[0].message.endswith("…")
    if case == "surrogate-message":
        assert results.errors[0].message == "bad \\ud800 text"
    results.to_json().encode("utf-8")  # every result is still written


def test_keyboard_interrupt_still_stops_the_run() -> None:
    bad = Faulty("aa-interrupted", _raise(KeyboardInterrupt()))
    host = isolated_host(Plugin(FAULTY_PLUGIN, bad), builtins=True)
    with pytest.raises(KeyboardInterrupt):
        score(make_dataset(), host=host)


# -- returning the wrong thing ----------------------------------------------------------------


def _other_scorer(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
    subject_id, brand_id = ids_of(subject)
    return card_for("steps", scorer.subject, subject_id, brand_id)


def _other_subject(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
    return card_for(scorer.name, scorer.subject, "someone-else", "b1")


def _other_kind(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
    subject_id, brand_id = ids_of(subject)
    return card_for(scorer.name, SubjectKind.BRAND, subject_id, brand_id)


def _hollow(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
    return object.__new__(ScoreCard)  # a card with none of its attributes


WRONG: dict[str, tuple[Fault, str]] = {
    "none": (lambda s, subject, c: None, "TypeError"),
    "float": (lambda s, subject, c: 42.0, "TypeError"),
    "dict": (lambda s, subject, c: {"score": 50}, "TypeError"),
    "the-subject": (lambda s, subject, c: subject, "TypeError"),
    "another-scorer": (_other_scorer, "ValueError"),
    "another-subject": (_other_subject, "ValueError"),
    "another-kind": (_other_kind, "ValueError"),
    "hollow-card": (_hollow, "ValueError"),
}


@pytest.mark.parametrize("case", sorted(WRONG))
def test_a_scorer_that_returns_the_wrong_thing(case: str) -> None:
    fault, error_type = WRONG[case]
    bad = Faulty(f"aa-returns-{case}", fault)
    results = run_with_fault(bad)
    assert_failed_everywhere(results, bad, error_type)


# -- NaN and out-of-range numbers smuggled past the validators --------------------------------


def _smuggle(where: str, value: object) -> Callable[[Faulty, Any, ScoringContext], Any]:
    def fault(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
        card = indicator_card(scorer, subject)
        if where == "card":
            target: object = card
            name = "score"
        elif where == "confidence":
            target, name = card, "confidence"
        elif where == "component":
            target, name = card.components[0], "score"
        else:
            target, name = card.components[0].indicators[0], where
        object.__setattr__(target, name, value)
        return card

    return fault


SMUGGLED: dict[str, Fault] = {
    "score-nan": _smuggle("card", math.nan),
    "score-inf": _smuggle("card", math.inf),
    "score-101": _smuggle("card", 101.0),
    "score-text": _smuggle("card", "50"),
    "confidence-nan": _smuggle("confidence", math.nan),
    "component-nan": _smuggle("component", math.nan),
    "indicator-value-inf": _smuggle("value", math.inf),
    "indicator-weight-nan": _smuggle("weight", math.nan),
    "indicator-contribution-negative": _smuggle("contribution", -1.0),
}


@pytest.mark.parametrize("case", sorted(SMUGGLED))
def test_a_scorer_that_smuggles_bad_numbers(case: str) -> None:
    bad = Faulty(f"aa-smuggles-{case}", SMUGGLED[case])
    results = run_with_fault(bad)
    assert_failed_everywhere(results, bad, "ValueError")
    assert "finite" in results.errors[0].message or "range" in results.errors[0].message


def _noted(notes: dict[Any, Any]) -> Fault:
    """A card built with ``notes`` (the card's converter takes any mapping)."""

    def fault(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
        return attrs.evolve(indicator_card(scorer, subject), notes=notes)

    return fault


def _patched(where: str, value: object) -> Fault:
    """A card with one text replaced by ``value`` behind the validators' back."""

    def fault(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
        card = indicator_card(scorer, subject)
        if where == "recommendations":
            object.__setattr__(card, "recommendations", (Recommendation(text="x"),))
            object.__setattr__(card.recommendations[0], "text", value)
        elif where in ("scorer_version", "missing", "notes"):
            object.__setattr__(card, where, value)
        else:
            object.__setattr__(card.components[0].indicators[0], where, value)
        return card

    return fault


class Unreadable(Mapping[str, str]):
    """Notes whose every access raises a BaseException."""

    def __getitem__(self, key: str) -> str:
        raise SystemExit(2)

    def __iter__(self) -> Iterator[str]:
        raise SystemExit(2)

    def __len__(self) -> int:
        raise SystemExit(2)


TEXTS: dict[str, Fault] = {
    "note-nan": _noted({"stage": math.nan}),
    "note-object": _noted({"stage": object()}),
    "note-none": _noted({"stage": None}),
    "note-surrogate": _noted({"stage": "launch\udc80"}),
    "note-key-int": _noted({1: "launch"}),
    "note-key-surrogate": _noted({"\ud800": "launch"}),
    "notes-unreadable": _patched("notes", Unreadable()),
    "notes-a-list": _patched("notes", ["stage"]),
    "explanation-surrogate": _patched("explanation", "\udfff"),
    "explanation-bytes": _patched("explanation", b"bytes"),
    "unit-none": _patched("unit", None),
    "benchmark-source-number": _patched("benchmark_source", 3.0),
    "missing-not-str": _patched("missing", (1,)),
    "version-surrogate": _patched("scorer_version", "1\ud800"),
    "recommendation-int": _patched("recommendations", 42),
}


@pytest.mark.parametrize("case", sorted(TEXTS))
def test_a_scorer_that_returns_bad_texts(case: str) -> None:
    bad = Faulty(f"aa-texts-{case}", TEXTS[case])
    results = run_with_fault(bad)
    assert_failed_everywhere(results, bad, "ValueError")
    text = results.to_json()  # the other scorers' results are all written
    assert ScoreResults.from_json(text.encode("utf-8")) == results


def test_control_characters_in_texts_are_kept_and_written_escaped() -> None:
    def fault(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
        card = indicator_card(scorer, subject)
        return attrs.evolve(card, notes={"stage": "\x1b[2Jlaunch\tnow"})

    bad = Faulty("aa-texts-control", fault)
    results = run_with_fault(bad)
    assert results.for_scorer(bad.name)
    assert "\\u001b[2Jlaunch\\tnow" in results.to_json()


def test_a_warning_with_a_lone_surrogate_is_kept_writable() -> None:
    def fault(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
        warnings.warn("odd \udcff text", UserWarning, stacklevel=1)
        return scorer.card(subject)

    bad = Faulty("aa-warns-surrogate", fault)
    results = run_with_fault(bad)
    [warning] = [w for w in results.warnings if w.scorer == bad.name]
    assert warning.message == "odd \\udcff text"
    results.to_json().encode("utf-8")
    results.to_json()  # nothing non-finite reached the results (to_json refuses NaN)


# -- trying to change the data ----------------------------------------------------------------


def _set_uv(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
    subject.stream.uv = 0
    return scorer.card(subject)


def _rename_account(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
    subject.brand.accounts[0].name = "hijacked"
    return scorer.card(subject)


def _delete_field(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
    del subject.stream.gmv_fen
    return scorer.card(subject)


def _write_mapping(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
    subject.stream.uv_by_source["paid"] = 10**9  # a MappingProxyType
    return scorer.card(subject)


def _write_options(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
    context.options["steps.stage"] = "hijacked"  # type: ignore[index]  # a MappingProxyType
    return scorer.card(subject)


def _append_stream(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
    subject.brand.streams.append(subject.stream)  # a tuple
    return scorer.card(subject)


def _replace_brand(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
    subject.brand = None  # the StreamSubject itself is frozen
    return scorer.card(subject)


MUTATING: dict[str, tuple[Fault, str]] = {
    "set-attribute": (_set_uv, "FrozenInstanceError"),
    "set-nested-attribute": (_rename_account, "FrozenInstanceError"),
    "delete-attribute": (_delete_field, "FrozenInstanceError"),
    "write-mapping": (_write_mapping, "TypeError"),
    "write-context-options": (_write_options, "TypeError"),
    "append-to-tuple": (_append_stream, "AttributeError"),
    "replace-subject-part": (_replace_brand, "FrozenInstanceError"),
}


@pytest.mark.parametrize("case", sorted(MUTATING))
def test_a_scorer_that_tries_to_change_the_data(case: str) -> None:
    fault, error_type = MUTATING[case]
    bad = Faulty(f"aa-mutates-{case}", fault)
    # run_with_fault checks that the dataset, and what the witness saw, are unchanged.
    results = run_with_fault(bad)
    assert_failed_everywhere(results, bad, error_type)


# -- taking far too long ----------------------------------------------------------------------

SLOW = 0.3
BUDGET = 0.15


def _sleep(seconds: float) -> Callable[[Faulty, Any, ScoringContext], Any]:
    def fault(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
        time.sleep(seconds)
        return scorer.card(subject)

    return fault


def _over_budget_warning(results: ScoreResults, bad: Faulty) -> str:
    [warning] = [w for w in results.warnings if w.category == OVER_BUDGET]
    assert (warning.scorer, warning.plugin) == (bad.name, FAULTY_PLUGIN)
    assert f"{bad.name} (plugin {FAULTY_PLUGIN})" in str(warning)
    return warning.message


def test_a_scorer_over_its_time_budget_is_reported_and_then_skipped() -> None:
    bad = Faulty("aa-slow", _sleep(SLOW))
    results = run_with_fault(bad, time_budget=BUDGET)
    # The first call took the budget and more: it was not interrupted (its card is kept),
    # and the remaining subjects were skipped, each with an error, without a call.
    assert FAULTS[bad.name] == 1
    subjects = _subjects(make_dataset(), SubjectKind.STREAM)
    assert [c.subject_id for c in results.for_scorer(bad.name)] == [subjects[0][0]]
    skipped = [e for e in results.errors if e.scorer == bad.name]
    assert [(e.subject_id, e.brand_id) for e in skipped] == subjects[1:]
    assert {e.error_type for e in skipped} == {OVER_BUDGET}
    assert all("time budget of 0.15 s" in e.message for e in skipped)
    message = _over_budget_warning(results, bad)
    spent = float(message.split(" s,")[0].removeprefix("took "))
    assert spent >= SLOW
    assert "over its time budget of 0.15 s" in message


def test_a_batch_over_its_time_budget_keeps_its_cards_and_skips_the_next_brand() -> None:
    def slow_batch(scorer: FaultyBatch, subjects: Sequence[Any]) -> Any:
        time.sleep(SLOW)
        return [scorer.card(s) for s in subjects]

    bad = FaultyBatch("aa-slow-batch", _fine, batch=slow_batch)
    results = run_with_fault(bad, time_budget=BUDGET)
    dataset = make_dataset()
    first, second = dataset.brands
    assert [c.subject_id for c in results.for_scorer(bad.name)] == [
        s.stream_id for s in first.streams
    ]
    assert [e.subject_id for e in results.errors] == [s.stream_id for s in second.streams]
    assert {e.error_type for e in results.errors} == {OVER_BUDGET}
    _over_budget_warning(results, bad)


def test_within_the_budget_nothing_changes() -> None:
    bad = Faulty("aa-quick", _fine)
    timed = run_with_fault(bad, time_budget=60)
    assert timed == run_with_fault(bad)
    assert timed.ok
    assert not timed.warnings


@pytest.mark.parametrize("budget", [0, -1, math.nan, math.inf, "1", True])
def test_a_time_budget_must_be_a_positive_number(budget: Any) -> None:
    with pytest.raises(ValueError, match="time_budget"):
        score(make_dataset(), host=isolated_host(), time_budget=budget)


# -- warnings ---------------------------------------------------------------------------------


class OddWarning(Warning):
    """A warning category of the plugin's own."""


def _warn(
    category: type[Warning], message: str = "thin data", times: int = 1
) -> Callable[[Faulty, Any, ScoringContext], Any]:
    def fault(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
        for _ in range(times):
            warnings.warn(message, category, stacklevel=1)
        return scorer.card(subject)

    return fault


WARNING_CASES = {
    "user": (UserWarning, 1),
    "deprecation": (DeprecationWarning, 1),
    "runtime": (RuntimeWarning, 1),
    "own-category": (OddWarning, 1),
    "repeated": (UserWarning, 50),
}


@pytest.mark.parametrize("case", sorted(WARNING_CASES))
def test_a_scorer_that_warns(case: str) -> None:
    category, times = WARNING_CASES[case]
    bad = Faulty(f"aa-warns-{case}", _warn(category, times=times))
    results = run_with_fault(bad)  # warnings are errors there: none may escape
    subjects = _subjects(make_dataset(), SubjectKind.STREAM)
    assert len(results.for_scorer(bad.name)) == len(subjects)  # a warning is not a failure
    [warning] = [w for w in results.warnings if w.scorer == bad.name]
    assert (warning.category, warning.message) == (category.__name__, "thin data")
    assert warning.count == times * len(subjects)
    assert (warning.subject_id, warning.brand_id) == subjects[0]


def test_a_scorer_that_turns_warnings_into_errors_only_fails_itself() -> None:
    def strict(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
        warnings.simplefilter("error")
        warnings.warn("now an exception", UserWarning, stacklevel=1)
        return scorer.card(subject)

    bad = Faulty("aa-warnings-as-errors", strict)
    results = run_with_fault(bad)
    assert_failed_everywhere(results, bad, "UserWarning")


def test_a_warning_that_cannot_be_printed() -> None:
    class Unreadable(UserWarning):
        def __str__(self) -> str:
            raise RuntimeError("unreadable")

    def fault(scorer: Faulty, subject: Any, context: ScoringContext) -> Any:
        warnings.warn(Unreadable(), stacklevel=1)
        return scorer.card(subject)

    bad = Faulty("aa-warns-unreadable", fault)
    results = run_with_fault(bad)
    assert_failed_everywhere(results, bad, "RuntimeError")


# -- batches that fail ------------------------------------------------------------------------


def _endless(scorer: FaultyBatch, subjects: Sequence[Any]) -> Iterator[ScoreCard]:
    while True:
        yield scorer.card(subjects[0])


def _exits(scorer: FaultyBatch, subjects: Sequence[Any]) -> Any:
    raise SystemExit(0)


def _exits_midway(scorer: FaultyBatch, subjects: Sequence[Any]) -> Iterator[ScoreCard]:
    yield scorer.card(subjects[0])
    raise Escape("half way")


BATCHES: dict[str, Callable[[FaultyBatch, Sequence[Any]], Any]] = {
    "exits": _exits,
    "exits-midway": _exits_midway,
    "raises": lambda scorer, subjects: 1 / 0,
    "none": lambda scorer, subjects: None,
    "too-few": lambda scorer, subjects: [scorer.card(subjects[0])],
    "endless": _endless,
    "nan": lambda scorer, subjects: [scorer.card(s, math.nan) for s in subjects],
}


@pytest.mark.parametrize("case", sorted(BATCHES))
def test_a_batch_that_fails_falls_back_to_one_subject_at_a_time(case: str) -> None:
    bad = FaultyBatch(f"aa-batch-{case}", _fine, batch=BATCHES[case])
    results = run_with_fault(bad)
    subjects = _subjects(make_dataset(), SubjectKind.STREAM)
    assert [c.subject_id for c in results.for_scorer(bad.name)] == [s for s, _ in subjects]
    fallbacks = [w for w in results.warnings if w.category == BATCH_FALLBACK]
    # One fallback per brand (identical notes are counted, not repeated).
    assert sum(w.count for w in fallbacks) == len(make_dataset().brands)
    assert fallbacks[0].brand_id == subjects[0][1]
    assert all(w.scorer == bad.name and w.plugin == FAULTY_PLUGIN for w in fallbacks)
    if case == "endless":
        assert "returned more than 3 cards for 3 subjects" in fallbacks[0].message


# -- plugins that fail when they register -----------------------------------------------------


class BrokenHook:
    __name__ = "broken-hook-plugin"

    @hookimpl
    def steps_register_scorers(self, register: Callable[[Any], None]) -> None:
        FAULTS["registration-raises"] += 1
        raise RuntimeError("cannot register")


class ExitingHook:
    __name__ = "exiting-hook-plugin"

    @hookimpl
    def steps_register_scorers(self, register: Callable[[Any], None]) -> None:
        FAULTS["registration-exits"] += 1
        raise SystemExit(0)


class NotAScorer:
    name = "aa-not-a-scorer"


class ExitingName:
    """A scorer whose ``name`` ends the process when read."""

    @property
    def name(self) -> str:
        raise SystemExit(0)


REGISTRATION: dict[str, object] = {
    "hook-exits": ExitingHook(),
    "name-exits": Plugin("name-exits-plugin", ExitingName()),
    "hook-raises": BrokenHook(),
    "not-a-scorer": Plugin("not-a-scorer-plugin", NotAScorer()),
    "bad-name": Plugin("bad-name-plugin", Faulty("Not A Valid Name!", _fine)),
}


@pytest.mark.parametrize("case", sorted(REGISTRATION))
def test_a_plugin_that_fails_to_register_is_skipped_by_name(case: str) -> None:
    FAULTS[f"registration-{case}"] += 1
    plugin = REGISTRATION[case]
    host = isolated_host(plugin, Plugin("witness-plugin", Witness(SubjectKind.BRAND)), strict=False)
    with pytest.warns(StepsPluginWarning) as caught:
        names = [r.name for r in host.scorers()]
    assert names == [WITNESS]
    plugin_name = getattr(plugin, "__name__", "")
    assert any(plugin_name in str(w.message) for w in caught)
    results = score(make_dataset(), host=host)
    assert results.ok
    assert [c.subject_id for c in results.cards] == ["b2", "b1"]


# -- the count --------------------------------------------------------------------------------


def _every_fault() -> list[tuple[Faulty, str]]:
    """Every fault of the tables above, as a faulty scorer and how it must show: ``error``
    (one error per subject), ``warning`` (captured, a card per subject) or ``fallback`` (a
    failing batch, then each subject on its own)."""
    faults: list[tuple[Faulty, str]] = []
    for case, (fault, _) in sorted(RAISING.items()):
        for kind in (SubjectKind.STREAM, SubjectKind.BRAND):
            faults.append((Faulty(f"aa-raises-{case}-{kind.value}", fault, subject=kind), "error"))
    for table, prefix in ((WRONG, "returns"), (MUTATING, "mutates")):
        for case, (fault, _) in sorted(table.items()):
            faults.append((Faulty(f"aa-{prefix}-{case}", fault), "error"))
    for case, smuggle in sorted(SMUGGLED.items()):
        faults.append((Faulty(f"aa-smuggles-{case}", smuggle), "error"))
    for case, (category, times) in sorted(WARNING_CASES.items()):
        faults.append((Faulty(f"aa-warns-{case}", _warn(category, times=times)), "warning"))
    for case, batch in sorted(BATCHES.items()):
        faults.append((FaultyBatch(f"aa-batch-{case}", _fine, batch=batch), "fallback"))
    return faults


def test_faults_injected() -> None:
    """Every fault reaches the faulty code exactly as often as the engine must call it (once
    per subject; a batch once per brand, then each subject once) and shows in the results.
    Counted from what this test runs, whatever ran before it; ``pytest -s`` prints the total.
    """
    dataset = make_dataset()
    brands = len(dataset.brands)
    injected = 0
    for bad, shows in _every_fault():
        subjects = len(_subjects(dataset, bad.subject))
        before = FAULTS[bad.name]
        results = score(dataset, host=isolated_host(Plugin(FAULTY_PLUGIN, bad)))
        calls = FAULTS[bad.name] - before
        errors = [e for e in results.errors if e.scorer == bad.name]
        if shows == "error":
            assert calls == subjects, bad.name
            assert len(errors) == subjects, bad.name
            assert results.for_scorer(bad.name) == ()
        elif shows == "warning":
            assert calls == subjects, bad.name
            assert not errors
            assert len(results.for_scorer(bad.name)) == subjects
            assert sum(w.count for w in results.warnings) >= subjects, bad.name
        else:
            assert calls == brands + subjects, bad.name
            assert not errors
            assert len(results.for_scorer(bad.name)) == subjects
            fallbacks = [w for w in results.warnings if w.category == BATCH_FALLBACK]
            assert sum(w.count for w in fallbacks) == brands, bad.name
        injected += calls

    before = FAULTS["registration-raises"]
    with pytest.warns(StepsPluginWarning, match="cannot register"):
        assert isolated_host(BrokenHook(), strict=False).scorers() == ()
    assert FAULTS["registration-raises"] - before == 1
    injected += 1

    kinds = len(_every_fault()) + 1
    print(f"\nplugin faults injected: {injected} calls, {kinds} kinds of fault")


# -- score_table ------------------------------------------------------------------------------


@attrs.define
class ExitingTable(FakeScorer):
    """A scorer whose ``score_table`` ends the process; ``score`` works."""

    def score_table(self, table: StreamTable, catalog: Any, context: Any) -> Any:
        FAULTS["score-table-exits"] += 1
        raise SystemExit(0)


def test_a_score_table_that_exits_falls_back_to_one_subject_at_a_time() -> None:
    dataset = make_dataset()
    host = isolated_host(Plugin(FAULTY_PLUGIN, ExitingTable("aa-table-exits")))
    results = score_table(StreamTable.from_dataset(dataset), dataset, host=host)
    assert results.ok
    assert results.cards == score(dataset, host=host).cards
    [warning] = results.warnings
    assert warning.category == BATCH_FALLBACK
    assert "raised SystemExit: 0" in warning.message


# -- plugins that print or exit while the command line runs -----------------------------------

PRINTING_PLUGIN = """
import sys
import steps
from steps.scoring import ScoreCard, SubjectKind

print("imported: hello from the plugin")


class Scorer:
    name = {scorer!r}
    version = "1.0"
    subject = SubjectKind.STREAM
    title = "Printing"
    description = "Prints while it scores."

    def score(self, subject, context):
        print("scoring", subject.stream.stream_id)
        sys.stdout.write("and writing to sys.stdout\\n")
        return ScoreCard(
            scorer=self.name, scorer_version=self.version, subject_kind=SubjectKind.STREAM,
            subject_id=subject.stream.stream_id, brand_id=subject.brand.brand_id,
            score=50.0, confidence=1.0,
        )


@steps.hookimpl
def steps_register_scorers(register):
    print("registering")
    register(Scorer())
"""

EXITING_PLUGIN = """
raise SystemExit(0)
"""


@pytest.fixture(scope="module")
def printing_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A site with a plugin that prints at import, registration and scoring, and one that
    exits at import; and a small dataset (as JSON Lines) to score."""
    site = tmp_path_factory.mktemp("site")
    printing, exiting = unique("printing_plugin"), unique("exiting_plugin")
    install_fake_distribution(
        site, "printing", {"printing": printing}, {printing: PRINTING_PLUGIN.format(scorer="pr")}
    )
    install_fake_distribution(site, "exiting", {"exiting": exiting}, {exiting: EXITING_PLUGIN})
    data = site / "brands.jsonl"
    dump(make_dataset(), data)
    return site, data


def _cli(site: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("STEPS_")}
    environment["PYTHONPATH"] = os.pathsep.join([str(REPO), str(site)])
    return subprocess.run(
        [sys.executable, "-m", "steps.cli", *argv],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPO,
        check=False,
        timeout=300,
    )


@pytest.mark.parametrize("form", ["json", "csv", "scorers", "scorers-table", "score-table"])
def test_a_plugins_output_never_reaches_standard_output(
    printing_site: tuple[Path, Path], form: str
) -> None:
    site, data = printing_site
    argv = {
        "json": ["score", str(data), "--format", "json"],
        "csv": ["score", str(data), "--format", "csv"],
        "scorers": ["scorers", "--format", "json"],
        "scorers-table": ["scorers"],
        "score-table": ["score", str(data)],
    }[form]
    result = _cli(site, *argv)
    assert result.returncode == 0, result.stderr
    assert "hello from the plugin" not in result.stdout
    assert "scoring s" not in result.stdout
    assert "and writing to sys.stdout" not in result.stdout
    assert "imported: hello from the plugin" in result.stderr  # shown, on stderr
    # The plugin that exits at import is skipped, by name; the run goes on.
    assert "plugin 'exiting'" in result.stderr
    assert "SystemExit" in result.stderr
    if form == "json":
        document = json.loads(result.stdout)
        assert {card["scorer"] for card in document["cards"]} >= {"pr", "stage"}
    elif form == "csv":
        rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
        assert rows[0][0] == "scorer"
        assert {row[0] for row in rows[1:]} >= {"pr", "stage"}
    elif form == "scorers":
        assert "pr" in {s["name"] for s in json.loads(result.stdout)}
    if form in ("json", "score-table"):
        assert "scoring s3" in result.stderr
