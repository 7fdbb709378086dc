"""The scoring engine: run the chosen scorers over a dataset, isolating every failure.


    results = steps.score(dataset)                       # every registered scorer
    results = steps.score(dataset, ["steps", "stage"])   # some of them, by name
    for card in results.cards: ...
    for error in results.errors: print(error)            # names the scorer and its plugin

Order is deterministic: brands in dataset order; within a brand, scorers by name; a stream
scorer's cards in the brand's stream order.  Scorers are called directly (hooks are only for
registration).  A scorer with ``score_many`` is called once per brand with all of that
brand's subjects; if the batch raises or returns anything but one valid card per subject, the
engine scores the subjects one at a time, so the failure is pinned on the right subject.

A scorer that raises, returns something that is not a `ScoreCard`, returns a card for
another scorer or subject, or a card whose numbers are out of range (a card built with
``object.__new__`` or patched with ``object.__setattr__`` escapes the card's own checks) yields
a `ScoreError`, and every other card is still produced.  Warnings a scorer emits are
captured into `ScoreResults.warnings` (identical ones counted, not repeated), never
printed.

`score` may be called from several threads at once, with one host or several: each call
gives the results a single-threaded call would.  Capturing warnings changes process-wide
state, so each (brand, scorer) step of a run holds a process-wide lock while it captures;
runs in other threads take turns between steps.  A scorer must therefore not wait for a
`score` running in another thread.

A card whose confidence is below its scorer's minimum has its score withheld here, for every
path (one subject at a time, ``score_many``, ``score_table``), so a third-party scorer's cards
are held to it too: ``score`` becomes ``None`` and ``withheld`` and ``provide`` say why and
what data would produce one (`steps.scoring.confidence`; the option
``<scorer>.min_confidence`` overrides the minimum, and a value that is not a number in [0, 1]
raises `ValueError` before anything is scored).

A time budget (``score(..., time_budget=seconds)``) bounds how long each scorer may spend in
one run, over all its subjects.  The engine measures each call; once a scorer's total passes
the budget, an `OVER_BUDGET` warning names it, its plugin and the time it took, and
its remaining subjects are skipped, each with an `OVER_BUDGET` error.  The budget is
reported, not enforced: Python cannot safely interrupt a running function, so a call that
never returns still blocks the run (run untrusted plugins in a separate process with a
timeout for that).
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import operator
import os
import re
import time
import typing
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from steps.domain.model import Brand, Dataset
from steps.scoring._capture import captured_warnings
from steps.scoring.contract import ScoringContext, StreamSubject
from steps.scoring.results import (
    ComponentResult,
    IndicatorResult,
    Recommendation,
    ScoreCard,
    ScoreError,
    SubjectKind,
)

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    from steps.columnar.table import StreamTable
    from steps.scoring.batch import IndexArray, TableCatalog, TableResults, TableScores
    from steps.scoring.cards import TablePart
    from steps.scoring.plugins import PluginHost, ScorerRecord

__all__ = [
    "BAD_MINIMUM",
    "BATCH_FALLBACK",
    "CARD_COLUMNS",
    "OVER_BUDGET",
    "ROW_COLUMNS",
    "ScoreResults",
    "ScoreWarning",
    "ScorerInfo",
    "score",
    "score_table",
]

#: `ScoreWarning.category` of the engine's note that a ``score_many`` batch failed.
BATCH_FALLBACK: Final = "BatchFallback"
#: `ScoreWarning.category` and `ScoreError.error_type` of a scorer that went over
#: the run's time budget (the warning), and of each subject it then skipped (the errors).
OVER_BUDGET: Final = "OverBudget"
#: The longest exception message kept in a `ScoreError` (the rest is cut).
MAX_MESSAGE: Final = 2_000
#: `ScoreWarning.category` of a scorer whose ``min_confidence`` is not a number in
#: [0, 1] (the default minimum applies instead).
BAD_MINIMUM: Final = "BadMinConfidence"

#: The columns of `ScoreResults.to_rows`, in order.
ROW_COLUMNS: Final = (
    "scorer",
    "scorer_version",
    "subject_kind",
    "subject_id",
    "brand_id",
    "score",
    "confidence",
    "withheld",
    "component",
    "component_score",
    "indicator",
    "value",
    "unit",
    "indicator_score",
    "weight",
    "contribution",
    "benchmark",
    "benchmark_source",
    "explanation",
)
#: How many of `ROW_COLUMNS` describe the card (the rest describe an indicator).
CARD_COLUMNS: Final = ROW_COLUMNS.index("component")


@attrs.frozen
class ScorerInfo:
    """Which scorer ran, at which version, from which plugin and distribution."""

    name: str
    version: str
    subject: SubjectKind
    title: str
    plugin: str
    distribution: str | None = None
    distribution_version: str | None = None
    builtin: bool = False


@attrs.frozen
class ScoreWarning:
    """A warning a scorer emitted while scoring.

    Identical warnings (same scorer, category and message) are reported once, on the first
    subject they came from, with ``count`` saying how many times they were emitted.
    ``subject_id`` is ``None`` for a warning emitted by ``score_many`` for a brand's
    subjects at once.  The engine's own note that a batch failed has the category
    `BATCH_FALLBACK`.
    """

    scorer: str
    plugin: str
    subject_kind: SubjectKind
    subject_id: str | None
    brand_id: str
    category: str
    message: str
    count: int = 1

    def __str__(self) -> str:
        where = (
            f"{self.subject_kind.value} {self.subject_id!r}"
            if self.subject_id is not None
            else f"the {self.subject_kind.value}s of brand {self.brand_id!r}"
        )
        times = f" ({self.count} times)" if self.count > 1 else ""
        return (
            f"{self.scorer} (plugin {self.plugin}) on {where}: "
            f"{self.category}: {self.message}{times}"
        )


@functools.cache
def _converter() -> Any:
    from steps.io import converter

    converter.register_enum(SubjectKind)

    # The fields are sequences (cards built lazily); plain data becomes tuples, with the
    # paths of the converter's own tuple handling in its errors.
    def as_tuple(kind: Any) -> Any:
        return converter._tuple_hook(tuple[typing.get_args(kind)[0], ...])  # type: ignore[misc]

    fields = {Sequence[ScoreCard], Sequence[ScoreError], Sequence[ScoreWarning]}
    converter.CONVERTER.register_structure_hook_factory(fields.__contains__, as_tuple)
    return converter


def _kept(items: Iterable[Any]) -> Sequence[Any]:
    """A run's cards (errors, warnings) as given when built lazily, else as a tuple."""
    from steps.scoring.cards import CardView, LazyFound

    return items if isinstance(items, CardView | LazyFound) else tuple(items)


@attrs.frozen
class ScoreResults:
    """Everything a run produced: the cards, the failures and the captured warnings.

    ``scorers`` records which scorers ran (version, plugin, distribution).  Equal results
    serialise to the same JSON text.

    A run keeps a table scorer's scores as columns: ``cards`` is then a sequence whose
    cards (explanations, recommendations) are built each time they are read, a slice at a
    time, and ``errors`` and ``warnings`` include what building them found
    (`steps.scoring.cards`).  The results of a file (``score(path)``) keep no columns: each
    chunk is read from the file and scored again when its cards are read
    (`steps.scoring.streaming.ChunkedRun`).  Results made from plain cards hold tuples.
    """

    cards: Sequence[ScoreCard] = attrs.field(default=(), converter=_kept)
    errors: Sequence[ScoreError] = attrs.field(default=(), converter=_kept)
    warnings: Sequence[ScoreWarning] = attrs.field(default=(), converter=_kept)
    scorers: tuple[ScorerInfo, ...] = ()

    @property
    def ok(self) -> bool:
        """No scorer failed on any subject."""
        return not self.errors

    def for_scorer(self, name: str) -> tuple[ScoreCard, ...]:
        """The cards of one scorer, in run order."""
        return tuple(card for card in self.cards if card.scorer == name)

    def card(self, scorer: str, subject_id: str, *, brand_id: str | None = None) -> ScoreCard:
        """The card of ``scorer`` for the subject ``subject_id`` (a brand id or a stream id).

        Stream ids are unique within a brand only: pass ``brand_id`` when two brands share
        one.  ``KeyError`` when there is no such card (look in `errors`).
        """
        found = [
            card
            for card in self.cards
            if card.scorer == scorer
            and card.subject_id == subject_id
            and (brand_id is None or card.brand_id == brand_id)
        ]
        if len(found) == 1:
            return found[0]
        if not found:
            raise KeyError(f"no card of {scorer!r} for {subject_id!r}")
        brands = ", ".join(sorted({card.brand_id for card in found}))
        raise KeyError(f"{subject_id!r} is in several brands ({brands}): pass brand_id")

    def to_rows(self) -> list[dict[str, Any]]:
        """One flat dict per card × indicator, for a data frame or a CSV file.

        The keys are `ROW_COLUMNS`: the card's ``scorer``, ``scorer_version``,
        ``subject_kind`` (``"brand"`` or ``"stream"``), ``subject_id``, ``brand_id``,
        ``score`` (``None`` when it was withheld), ``confidence`` and ``withheld`` (why the
        score was withheld and what to provide, else ``None``), repeated on each of its
        rows; then the indicator's
        ``component`` key and that component's ``component_score``, the ``indicator`` key,
        its measured ``value`` and ``unit``, its normalised ``indicator_score`` (0–100),
        its ``weight`` within the component (0–1), its ``contribution`` (points of the
        card's score), the ``benchmark`` it was judged by and that benchmark's
        ``benchmark_source``, and the one-line ``explanation``.  A card (or a component)
        without indicators still has one row, with the indicator columns ``None``.
        Errors and warnings are not rows.
        """
        from steps.scoring.cards import iter_rows

        return list(iter_rows(self.cards))

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-shaped) through the project's converter; fields of a card that
        are at their default are omitted, the four top-level keys are always present."""
        convert = _converter()
        return {
            "scorers": convert.unstructure(list(self.scorers)),
            "cards": convert.unstructure(list(self.cards)),
            "errors": convert.unstructure(list(self.errors)),
            "warnings": convert.unstructure(list(self.warnings)),
        }

    @classmethod
    def from_dict(cls, data: object) -> ScoreResults:
        """The inverse of `to_dict`.  Raises
        `InvalidDataError` listing every problem with its path."""
        result: ScoreResults = _converter().structure(data, cls)
        return result

    def to_json(self, *, indent: int | None = 1) -> str:
        """Deterministic JSON: keys sorted, no NaN (the engine never lets one through).
        `steps.scoring.cards.write_json` writes the same text (at the default indent) to a
        file, a card at a time."""
        if indent == 1:
            import io

            from steps.scoring.cards import write_json

            buffer = io.StringIO()
            write_json(self, buffer)
            return buffer.getvalue()
        return (
            json.dumps(
                self.to_dict(), ensure_ascii=False, indent=indent, sort_keys=True, allow_nan=False
            )
            + "\n"
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> ScoreResults:
        from steps.domain.errors import InvalidDataError, Problem

        try:
            data = json.loads(text)
        except ValueError as error:
            raise InvalidDataError([Problem("", f"not valid JSON: {error}")]) from None
        return cls.from_dict(data)

    def to_pandas(self) -> pd.DataFrame:
        """`to_rows` as a ``pandas.DataFrame`` (columns `ROW_COLUMNS`; a missing
        number is NaN).  Needs the ``pandas`` extra; see `steps.frames`."""
        from steps.frames import results_to_frame

        return results_to_frame(self, "pandas")

    def to_polars(self) -> pl.DataFrame:
        """`to_rows` as a ``polars.DataFrame`` (columns `ROW_COLUMNS`, nulls for
        missing values).  Needs the ``polars`` extra; see `steps.frames`."""
        from steps.frames import results_to_frame

        return results_to_frame(self, "polars")

    def to_arrow(self) -> pa.Table:
        """`to_rows` as a ``pyarrow.Table`` (columns `ROW_COLUMNS`, nulls for
        missing values).  Needs the ``arrow`` extra; see `steps.frames`."""
        from steps.frames import results_to_frame

        return results_to_frame(self, "arrow")

    def _repr_html_(self) -> str:
        from steps.frames import results_html

        return results_html(self)


# -- checking what a scorer returned -----------------------------------------------------


def _out_of_range(value: object, low: float, high: float, *, optional: bool = False) -> bool:
    if value is None:
        return not optional
    if isinstance(value, bool) or not isinstance(value, int | float):
        return True
    return not low <= value <= high  # False for NaN as well


def _not_finite(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, bool) or not isinstance(value, int | float):
        return True
    return not math.isfinite(value)


#: What no text of a card may hold: a lone surrogate, which no UTF-8 encoder writes (one would
#: make ``--format json`` fail for every scorer's results).  Control characters are allowed:
#: JSON and CSV carry them escaped, and the terminal output escapes them (see
#: `steps.report.text.escape_control`).
_BAD_TEXT: Final = re.compile("[\ud800-\udfff]")


def _bad_string(value: object, where: str) -> str | None:
    if not isinstance(value, str):
        return f"{where} must be a str, got {type(value).__name__}"
    found = _BAD_TEXT.search(value)
    if found is None:
        return None
    return f"{where} holds a lone surrogate (U+{ord(found.group()):04X}) at {found.start()}"


_COMPONENT_TEXTS: Final = ("key", "name", "name_zh")
_INDICATOR_TEXTS: Final = (
    "key",
    "name",
    "name_zh",
    "component",
    "unit",
    "benchmark",
    "benchmark_source",
    "explanation",
)
_component_texts = operator.attrgetter(*_COMPONENT_TEXTS)
_indicator_texts = operator.attrgetter(*_INDICATOR_TEXTS)


def _text_values(card: ScoreCard) -> list[Any]:
    """Every text of ``card``, fast: no record of where each came from."""
    values: list[Any] = [card.scorer_version]
    notes = card.notes
    values.extend(notes.keys())
    values.extend(notes.values())
    values.extend(card.missing)
    if card.withheld is not None:
        values.append(card.withheld)
    values.extend(card.provide)
    for recommendation in card.recommendations:
        values.append(recommendation.text)
        if recommendation.component is not None:
            values.append(recommendation.component)
        if recommendation.indicator is not None:
            values.append(recommendation.indicator)
    for component in card.components:
        values.extend(_component_texts(component))
        for indicator in component.indicators:
            values.extend(_indicator_texts(indicator))
            values.extend(indicator.missing)
    return values


def _located_texts(card: ScoreCard) -> Iterator[tuple[str, object]]:
    """Every text of ``card`` with where it is (the slow path, for the message)."""
    yield "scorer_version", card.scorer_version
    notes: object = card.notes
    if not isinstance(notes, Mapping):
        yield "notes", notes
        return
    for key, value in notes.items():
        yield "a key of notes", key
        yield f"notes[{key!r:.40}]", value
    yield from (("missing", item) for item in card.missing)
    if card.withheld is not None:
        yield "withheld", card.withheld
    yield from (("provide", item) for item in card.provide)
    for recommendation in card.recommendations:
        yield "a recommendation's text", recommendation.text
        for name in ("component", "indicator"):
            value = getattr(recommendation, name)
            if value is not None:
                yield f"a recommendation's {name}", value
    for component in card.components:
        for name in _COMPONENT_TEXTS:
            yield f"component {component.key!r:.40}: {name}", getattr(component, name)
        for indicator in component.indicators:
            where = f"indicator {indicator.key!r:.40}"
            for name in _INDICATOR_TEXTS:
                yield f"{where}: {name}", getattr(indicator, name)
            yield from ((f"{where}: missing", item) for item in indicator.missing)


def _text_problem(card: ScoreCard) -> str | None:
    """The first text of ``card`` that is not a valid string (``None``: all are)."""
    try:
        # One pass over everything, in C: encoding fails on a lone surrogate (and is skipped
        # for ASCII).  Cheap on the valid cards that are nearly all of them.
        joined = "\t".join(_text_values(card))
        if joined.isascii() or joined.encode("utf-8"):
            return None
    except (TypeError, UnicodeEncodeError):  # not a str, or a lone surrogate: find it
        pass
    for where, value in _located_texts(card):
        problem = _bad_string(value, where)
        if problem is not None:
            return problem
    for name in ("missing", "provide"):
        items: object = getattr(card, name)
        if not isinstance(items, tuple):
            return f"{name} must be a tuple of str, got {type(items).__name__}"
    return "holds a text that is not a str"


def table_text_problem(scores: Any) -> str | None:
    """The first text of a `TableScores` that is not a valid
    string (``None``: all are): the texts its cards will carry, checked once per table."""
    texts: list[tuple[str, object]] = [("version", scores.version)]
    texts.extend(("a key of notes", key) for key in scores.notes)
    for component in scores.components:
        definition = component.definition
        texts.extend(
            (f"component {definition.key!r:.40}: {name}", getattr(definition, name))
            for name in ("key", "name", "name_zh")
        )
        for indicator in component.indicators:
            definition = indicator.definition
            where = f"indicator {definition.key!r:.40}"
            texts.append((f"{where}: component", indicator.component))
            texts.extend(
                (f"{where}: {name}", getattr(definition, name))
                for name in ("key", "name", "name_zh", "unit")
            )
            texts.extend((f"{where}: inputs", item) for item in definition.inputs)
            texts.extend(
                (f"{where}: benchmark source", getattr(benchmark, "source", ""))
                for benchmark in indicator.benchmark.choices
            )
    for where, value in texts:
        problem = _bad_string(value, where)
        if problem is not None:
            return problem
    return None


def _card_problem(card: object, record: ScorerRecord, subject_id: str, brand_id: str) -> str | None:
    """Why ``card`` is not an acceptable answer for this subject (``None``: it is)."""
    if not isinstance(card, ScoreCard):
        return f"returned {type(card).__name__}, not a ScoreCard"
    if card.scorer != record.name:
        return f"returned a card of scorer {card.scorer!r}, expected {record.name!r}"
    if card.subject_kind is not record.subject:
        return f"returned a card for a {card.subject_kind}, expected a {record.subject.value}"
    if card.subject_id != subject_id or card.brand_id != brand_id:
        return (
            f"returned a card for {card.subject_id!r} of brand {card.brand_id!r}, expected "
            f"{subject_id!r} of brand {brand_id!r}"
        )
    if card.score is None:
        withheld: object = card.withheld
        if not isinstance(withheld, str) or not withheld:
            return "a card without a score must say why in withheld"
    elif _out_of_range(card.score, 0.0, 100.0):
        return f"score must be a finite number in [0, 100], got {card.score!r}"
    elif card.withheld is not None or card.provide:
        return "a card with a score has no withheld reason and nothing to provide"
    if _out_of_range(card.confidence, 0.0, 1.0):
        return f"confidence must be a finite number in [0, 1], got {card.confidence!r}"
    for name in ("components", "recommendations"):
        if not isinstance(getattr(card, name), tuple):
            return f"{name} must be a tuple, got {type(getattr(card, name)).__name__}"
    for item in card.components:
        component: object = item
        if not isinstance(component, ComponentResult):
            return f"components must hold ComponentResult, got {type(component).__name__}"
        indicators: object = component.indicators
        if not isinstance(indicators, tuple):
            return f"component {component.key!r:.40}: indicators must be a tuple"
        if (
            _out_of_range(component.score, 0.0, 100.0, optional=True)
            or _out_of_range(component.weight, 0.0, 1.0)
            or _out_of_range(component.contribution, 0.0, 100.0)
        ):
            return f"component {component.key!r} has a number out of range or not finite"
        for entry in component.indicators:
            indicator: object = entry
            if not isinstance(indicator, IndicatorResult):
                return f"indicators must hold IndicatorResult, got {type(indicator).__name__}"
            if (
                _not_finite(indicator.value)
                or _out_of_range(indicator.score, 0.0, 100.0, optional=True)
                or _out_of_range(indicator.weight, 0.0, 1.0)
                or _out_of_range(indicator.contribution, 0.0, 100.0)
            ):
                return f"indicator {indicator.key!r} has a number out of range or not finite"
    for advice in card.recommendations:
        recommendation: object = advice
        if not isinstance(recommendation, Recommendation):
            return f"recommendations must hold Recommendation, got {type(recommendation).__name__}"
        if type(recommendation.priority) is not int or recommendation.priority not in (1, 2, 3):
            return f"a recommendation's priority must be 1, 2 or 3, got {recommendation.priority!r}"
    return _text_problem(card)


def _checked(card: object, record: ScorerRecord, subject_id: str, brand_id: str) -> str | None:
    try:
        # The common case, cheaply: an exact ScoreCard for this subject, float numbers in
        # range, nothing nested to look at.  Anything else takes the thorough path.
        if (
            type(card) is ScoreCard
            and not card.components
            and not card.recommendations
            and not card.missing
            and not card.notes
            and card.subject_id == subject_id
            and card.brand_id == brand_id
            and card.scorer == record.name
            and card.subject_kind is record.subject
            and type(card.score) is float
            and 0.0 <= card.score <= 100.0
            and type(card.confidence) is float
            and 0.0 <= card.confidence <= 1.0
            and type(card.scorer_version) is str
            and _BAD_TEXT.search(card.scorer_version) is None
        ):
            return None
        return _card_problem(card, record, subject_id, brand_id)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # a card missing its attributes (object.__new__), a
        # mapping or a number whose methods raise: the plugin's code, running here
        return f"returned a broken ScoreCard ({type(error).__name__}: {_text(error)})"


def _text(error: BaseException) -> str:
    """The message of ``error``, cut to `MAX_MESSAGE` and made writable: a lone
    surrogate in it becomes a ``\\udXXX`` escape."""
    try:
        text = str(error)
    except KeyboardInterrupt:
        raise
    except BaseException as failure:  # an exception whose __str__ itself raises
        text = f"(unprintable {type(error).__name__}: str() raised {type(failure).__name__})"
    text = text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"
    return _writable(text)


def _writable(text: str) -> str:
    """``text`` with each lone surrogate (which no UTF-8 encoder writes) as a ``\\udXXX``
    escape: for messages the engine keeps from a plugin (its exceptions, its warnings)."""
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


# -- the run -------------------------------------------------------------------------------


class _Run:
    def __init__(
        self,
        context: ScoringContext,
        time_budget: float | None = None,
        records: Iterable[ScorerRecord] = (),
    ) -> None:
        self.context = context
        #: Cards, and parts of tables whose cards are built when read.
        self.cards: list[ScoreCard | TablePart] = []
        self.errors: list[ScoreError] = []
        self._warnings: dict[tuple[str, str, str], list[Any]] = {}
        self.time_budget = time_budget
        #: Seconds each scorer has spent so far (measured only under a time budget).
        self.spent: dict[str, float] = {}
        #: Each scorer's minimum confidence (`steps.scoring.confidence`).
        self.minimums: dict[str, float] = {}
        for record in records:
            self.minimums[record.name] = self._minimum(record)

    def _minimum(self, record: ScorerRecord) -> float:
        """``record``'s minimum confidence: the option (a bad value raises
        `ValueError`), else what the scorer declares (a bad declaration is warned
        about and the default applies)."""
        from steps.scoring.confidence import declared_minimum, option_minimum

        chosen = option_minimum(self.context.options, record.name)
        if chosen is not None:
            return chosen
        chosen, problem = declared_minimum(record.scorer, record.name)
        if problem is not None:
            self.warn(record, None, "*", BAD_MINIMUM, f"{problem}; {chosen:g} applies")
        return chosen

    def withheld(self, record: ScorerRecord, cards: Iterable[ScoreCard]) -> list[ScoreCard]:
        """``cards`` (each checked), with the score of each whose confidence is below
        ``record``'s minimum withheld."""
        from steps.scoring.confidence import withhold

        minimum = self.minimums.get(record.name)
        if minimum is None:
            minimum = self.minimums[record.name] = self._minimum(record)
        language = self.context.language
        return [
            withhold(card, minimum, language)
            if card.score is not None and card.confidence < minimum
            else card
            for card in cards
        ]

    def over_budget(self, record: ScorerRecord, subject_id: str, brand_id: str) -> bool:
        """Whether ``record`` has used up its time budget; if so, the subject is skipped
        with an `OVER_BUDGET` error."""
        spent = self.spent.get(record.name, 0.0)
        if self.time_budget is None or spent <= self.time_budget:
            return False
        self.error(
            record,
            subject_id,
            brand_id,
            OVER_BUDGET,
            f"skipped: the scorer had used {spent:.3f} s of its time budget of "
            f"{self.time_budget:g} s",
        )
        return True

    def spend(
        self, record: ScorerRecord, subject_id: str | None, brand_id: str, seconds: float
    ) -> None:
        """Add ``seconds`` to the time ``record`` has spent; warn once when it passes the
        budget."""
        before = self.spent.get(record.name, 0.0)
        total = self.spent[record.name] = before + seconds
        if self.time_budget is not None and before <= self.time_budget < total:
            self.warn(
                record,
                subject_id,
                brand_id,
                OVER_BUDGET,
                f"took {total:.3f} s, over its time budget of {self.time_budget:g} s (the last "
                f"call took {seconds:.3f} s); its remaining subjects are skipped",
            )

    def error(
        self, record: ScorerRecord, subject_id: str, brand_id: str, kind: str, message: str
    ) -> None:
        self.errors.append(
            ScoreError(
                scorer=record.name,
                plugin=record.plugin.name,
                subject_kind=record.subject,
                subject_id=subject_id,
                brand_id=brand_id,
                error_type=kind,
                message=message,
            )
        )

    def warn(
        self,
        record: ScorerRecord,
        subject_id: str | None,
        brand_id: str,
        category: str,
        message: str,
    ) -> None:
        key = (record.name, category, message)
        seen = self._warnings.get(key)
        if seen is not None:
            seen[1] += 1
            return
        first = ScoreWarning(
            scorer=record.name,
            plugin=record.plugin.name,
            subject_kind=record.subject,
            subject_id=subject_id,
            brand_id=brand_id,
            category=category,
            message=message,
        )
        self._warnings[key] = [first, 1]

    def captured(
        self,
        record: ScorerRecord,
        subject_id: str | None,
        brand_id: str,
        log: list[warnings.WarningMessage],
        start: int,
    ) -> None:
        for caught in log[start:]:
            self.warn(
                record,
                subject_id,
                brand_id,
                _writable(caught.category.__name__),
                _text(caught.message)
                if isinstance(caught.message, BaseException)
                else _writable(str(caught.message)),
            )

    def score_group(
        self,
        record: ScorerRecord,
        brand: Brand,
        subjects: Sequence[Brand] | Sequence[StreamSubject],
        ids: Sequence[str],
        table: Callable[[], tuple[StreamTable, TableCatalog]] | None = None,
    ) -> None:
        """Score one brand's subjects with one scorer: as a table (``table`` gives the
        brand's streams as one) when the scorer has ``score_table``, else with
        ``score_many`` when it has it, else one subject at a time; a batch that fails is
        scored again one subject at a time."""
        brand_id = brand.brand_id
        budget = self.time_budget
        if budget is not None and self.spent.get(record.name, 0.0) > budget:
            for subject_id in ids:  # skipped, one error each
                self.over_budget(record, subject_id, brand_id)
            return
        with captured_warnings() as log:
            if record.batch or (record.table and table is not None):
                started = time.perf_counter()
                if record.table and table is not None:
                    reason = self._table(record, table, subjects, ids, brand_id)
                else:
                    reason = self._batch(record, subjects, ids, brand_id)
                if budget is not None:
                    self.spend(record, None, brand_id, time.perf_counter() - started)
                if reason is None:
                    self.captured(record, None, brand_id, log, 0)
                    return
                # The subjects are scored again one by one: their warnings come again.
                del log[:]
                self.warn(
                    record,
                    None,
                    brand_id,
                    BATCH_FALLBACK,
                    f"{reason}; scored one subject at a time instead",
                )
            score, context = record.scorer.score, self.context
            minimum = self.minimums.get(record.name)

            def keep(card: ScoreCard) -> None:
                if minimum is None or (card.score is not None and card.confidence < minimum):
                    self.cards.extend(self.withheld(record, (card,)))
                else:
                    self.cards.append(card)

            for subject, subject_id in zip(subjects, ids, strict=True):
                if budget is not None:
                    if self.over_budget(record, subject_id, brand_id):
                        continue
                    started = time.perf_counter()
                mark = len(log)
                try:
                    card = score(subject, context)  # type: ignore[arg-type]
                except KeyboardInterrupt:
                    raise
                except BaseException as error:  # SystemExit too: no plugin ends the run
                    self.error(record, subject_id, brand_id, type(error).__name__, _text(error))
                else:
                    problem = _checked(card, record, subject_id, brand_id)
                    if problem is None:
                        keep(card)
                    else:
                        kind = "TypeError" if not isinstance(card, ScoreCard) else "ValueError"
                        self.error(record, subject_id, brand_id, kind, problem)
                if budget is not None:
                    self.spend(record, subject_id, brand_id, time.perf_counter() - started)
                if len(log) > mark:
                    self.captured(record, subject_id, brand_id, log, mark)

    def _batch(
        self,
        record: ScorerRecord,
        subjects: Sequence[Brand] | Sequence[StreamSubject],
        ids: Sequence[str],
        brand_id: str,
    ) -> str | None:
        """Score a brand's subjects with ``score_many``; the reason it failed, or ``None``
        when every card was valid (and has been kept)."""
        try:
            returned = record.scorer.score_many(subjects, self.context)  # type: ignore[union-attr]
            # One card more than asked for is enough to refuse: an endless iterator ends here.
            cards = list(itertools.islice(returned, len(subjects) + 1))
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # SystemExit too: no plugin ends the run
            return f"score_many raised {type(error).__name__}: {_text(error)}"
        if len(cards) != len(subjects):
            count = f"more than {len(subjects)}" if len(cards) > len(subjects) else len(cards)
            return f"score_many returned {count} cards for {len(subjects)} subjects"
        return self._keep(record, cards, ids, brand_id, "score_many")

    def _keep(
        self,
        record: ScorerRecord,
        cards: Sequence[object],
        ids: Sequence[str],
        brand_id: str,
        method: str,
    ) -> str | None:
        """Keep ``cards`` (one per subject) if every one is valid; else why not."""
        for card, subject_id in zip(cards, ids, strict=True):
            problem = _checked(card, record, subject_id, brand_id)
            if problem is not None:
                return f"{method} on {subject_id!r}: {problem}"
        self.cards.extend(self.withheld(record, cards))  # type: ignore[arg-type]  # checked
        return None

    def _table(
        self,
        record: ScorerRecord,
        table: Callable[[], tuple[StreamTable, TableCatalog]],
        subjects: Sequence[Brand] | Sequence[StreamSubject],
        ids: Sequence[str],
        brand_id: str,
    ) -> str | None:
        """Score a brand's streams with ``score_table`` over the brand's table; the reason
        it failed, or ``None`` when every card was valid (and has been kept)."""
        from steps.scoring.batch import check_table_scores

        streams, catalog = table()
        try:
            scores = record.scorer.score_table(  # type: ignore[union-attr]
                streams, catalog, self.context
            )
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # SystemExit too: no plugin ends the run
            return f"score_table raised {type(error).__name__}: {_text(error)}"
        problem = check_table_scores(scores, record.name, streams)
        if problem is not None:
            return f"score_table {problem}"
        self.keep_table(record, scores, subjects)  # type: ignore[arg-type]  # streams
        return None

    def keep_table(
        self,
        record: ScorerRecord,
        scores: TableScores,
        subjects: Sequence[StreamSubject] | None = None,
        rows: IndexArray | None = None,
    ) -> None:
        """Keep checked scores as cards built when read (`steps.scoring.cards`), their
        scores withheld below ``record``'s minimum."""
        import numpy as np

        from steps.scoring.cards import TablePart

        if record.name not in self.minimums:
            self.minimums[record.name] = self._minimum(record)
        withheld = attrs.evolve(scores, min_confidence=self.minimums[record.name])
        index = np.arange(len(scores), dtype=np.intp) if rows is None else rows
        self.cards.append(TablePart(withheld, index, record, subjects))

    def results(self, records: Iterable[ScorerRecord]) -> ScoreResults:
        from steps.scoring.cards import CardView, LazyFound, TablePart

        warned = tuple(attrs.evolve(first, count=count) for first, count in self._warnings.values())
        parts: list[tuple[ScoreCard, ...] | TablePart] = []
        made: list[ScoreCard] = []
        for item in self.cards:
            if isinstance(item, TablePart):
                parts += [tuple(made), item]
                made = []
            else:
                made.append(item)
        parts.append(tuple(made))
        view = CardView(parts)
        return ScoreResults(
            cards=view if view.lazy else tuple(made),
            errors=LazyFound(self.errors, view) if view.lazy else tuple(self.errors),
            warnings=LazyFound(warned, view, warnings=True) if view.lazy else warned,
            scorers=scorer_infos(records),
        )


def scorer_infos(records: Iterable[ScorerRecord]) -> tuple[ScorerInfo, ...]:
    """Which scorers ran, for `ScoreResults.scorers`."""
    return tuple(
        ScorerInfo(
            name=r.name,
            version=r.version,
            subject=r.subject,
            title=r.title,
            plugin=r.plugin.name,
            distribution=r.plugin.distribution,
            distribution_version=r.plugin.distribution_version,
            builtin=r.plugin.builtin,
        )
        for r in records
    )


def _brand_table(
    brand: Brand, subjects: Sequence[StreamSubject]
) -> Callable[[], tuple[StreamTable, TableCatalog]]:
    """The brand's streams as a table, built when a scorer first asks and then shared."""
    built: list[tuple[StreamTable, TableCatalog]] = []

    def table() -> tuple[StreamTable, TableCatalog]:
        if not built:
            from steps.columnar.table import StreamTable
            from steps.scoring.batch import TableCatalog

            streams = StreamTable.from_streams([brand], [(0, s.stream) for s in subjects])
            built.append((streams, TableCatalog(Dataset(brands=(brand,)))))
        return built[0]

    return table


def _stream_subjects(brand: Brand) -> tuple[list[StreamSubject], list[str]]:
    accounts = {account.account_id: account for account in brand.accounts}
    subjects = [
        StreamSubject(stream, brand, accounts.get(stream.account_id)) for stream in brand.streams
    ]
    return subjects, [stream.stream_id for stream in brand.streams]


def score(
    dataset: Dataset | str | os.PathLike[str],
    scorers: Sequence[str] | None = None,
    context: ScoringContext | None = None,
    *,
    host: PluginHost | None = None,
    time_budget: float | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> ScoreResults:
    """Run ``scorers`` (names; all registered scorers for ``None``) over ``dataset``.

    Brand scorers score every brand; stream scorers every stream, as a
    `StreamSubject`.  ``host`` defaults to the process-wide
    `default_host`.  Unknown names raise
    `UnknownScorerError` listing the known ones; a failing
    scorer never raises, it yields a `ScoreError` in the results.

    ``time_budget`` (seconds, per scorer, over the whole run): a scorer that goes over it
    gets an `OVER_BUDGET` warning (naming it, its plugin and its time) and its
    remaining subjects are skipped, one `OVER_BUDGET` error each.  The budget is
    reported, not enforced: a call already running is never interrupted.

    ``progress(done, total)`` is called once before scoring (``done == 0``) and after each
    brand's subjects for one scorer, counting (subject, scorer) pairs: a progress bar's
    feed.  An exception it raises propagates (it is the caller's code, not a plugin's).

    ``dataset`` may be the path of a file instead.  A JSON Lines (``.jsonl``) file is
    scored by the chunked engine (`steps.scoring.streaming.ChunkedRun`), in bounded memory,
    and the results keep the stream scorers' scores as columns, their cards built when read
    (progress then counts streams); a ``.json`` file (one document) is loaded whole, as it
    is with a time budget.  Either way the results are those of the loaded dataset.
    """
    from steps.scoring.plugins import default_host

    if isinstance(dataset, str | os.PathLike):
        return _score_path(
            dataset, scorers, context, host=host, time_budget=time_budget, progress=progress
        )

    if time_budget is not None and (
        isinstance(time_budget, bool)
        or not isinstance(time_budget, int | float)
        or not (math.isfinite(time_budget) and time_budget > 0)
    ):
        raise ValueError(f"time_budget must be a positive number of seconds, got {time_budget!r}")
    if host is None:
        host = default_host()
    names = [scorers] if isinstance(scorers, str) else scorers
    records = host.select(names)
    run = _Run(context if context is not None else ScoringContext(), time_budget, records)
    done = total = 0
    if progress is not None:
        per_brand = sum(r.subject is SubjectKind.BRAND for r in records)
        per_stream = len(records) - per_brand
        total = sum(per_brand + per_stream * len(b.streams) for b in dataset.brands)
        progress(0, total)
    for brand in dataset.brands:
        streams: tuple[list[StreamSubject], list[str]] | None = None
        for record in records:
            if record.subject is SubjectKind.BRAND:
                run.score_group(record, brand, [brand], [brand.brand_id])
                done += 1
            else:
                if streams is None:
                    streams = _stream_subjects(brand)
                    table = _brand_table(brand, streams[0])
                run.score_group(record, brand, *streams, table=table)
                done += len(streams[1])
            if progress is not None:
                progress(done, total)
    return run.results(records)


def _score_path(
    path: str | os.PathLike[str],
    scorers: Sequence[str] | None,
    context: ScoringContext | None,
    *,
    host: PluginHost | None,
    time_budget: float | None,
    progress: Callable[[int, int], object] | None,
) -> ScoreResults:
    from pathlib import Path

    if time_budget is not None or Path(path).suffix.lower() not in (".jsonl", ".ndjson"):
        from steps.io.files import load

        return score(
            load(path), scorers, context, host=host, time_budget=time_budget, progress=progress
        )
    from steps.scoring.streaming import ChunkedRun

    names = [scorers] if isinstance(scorers, str) else scorers
    return ChunkedRun(path, names, context, host=host, progress=progress).results()


def score_table(
    table: StreamTable,
    catalog: Dataset | TableCatalog,
    scorers: Sequence[str] | None = None,
    context: ScoringContext | None = None,
    *,
    host: PluginHost | None = None,
) -> TableResults:
    """Run the stream scorers ``scorers`` (names; every registered stream scorer for
    ``None``) over every row of a `StreamTable`.

    ``catalog`` holds the brands of the table's streams (a `Dataset`, e.g. the
    ``.catalog`` of `steps.columnar.read_jsonl` or the dataset the table was built
    from, or a `TableCatalog` shared over chunks).  A scorer
    with ``score_table`` scores the whole table at once with numpy; if that raises or
    returns scores that are not valid, a `BATCH_FALLBACK` warning says so and the
    scorer scores one subject at a time, like a scorer without ``score_table``: on the
    catalog's stream objects, or on streams rebuilt from the table's columns when the
    catalog does not hold them (see `steps.scoring.batch.materialise`).  Brand
    scorers are not run here (naming one raises `ValueError`): use `score`.
    Returns a `TableResults`.
    """
    from steps.scoring.batch import run_table

    return run_table(table, catalog, scorers, context, host=host)
