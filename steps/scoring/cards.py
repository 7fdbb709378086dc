"""Cards built when they are read, and writers that write them a slice at a time.

A stream scorer that scores a table (`TableScores`) leaves its scores as columns: the engine
keeps them as a `TablePart` of `CardView` (the ``cards`` of `ScoreResults`), and the
`ScoreCard` objects, with their explanation texts and recommendations, are made only when
they are read: by iterating ``results.cards``, `ScoreResults.for_scorer`,
`ScoreResults.card`, `ScoreResults.to_rows` or a writer.  Results of at most `KEEP_CARDS`
cards keep them once built; larger ones keep nothing: a million cards are made again, slice
by slice, each time they are read, and never all exist at once.

**Failures while building.**  The scorer's advisor (its recommendations) runs when a card
is built.  If it raises, or the card it leads to is not valid (the checks of
`steps.scoring.engine`), that subject gets a `ScoreError` instead of a card, exactly as
if the scorer had failed on it while scoring; a writer carries on with the other cards and
writes the error among the results' errors.  Which cards fail is therefore known only
once they have been built: ``len(results.cards)``, ``results.errors`` and
``results.warnings`` build the cards of a part whose advisor has not run yet (and forget
them), so that they count the same whether or not the cards were read before.  Warnings
the advisor emits are captured as the scorer's other warnings are.

**Writers.**  `write_json` writes the very text `ScoreResults.to_json` makes (same keys,
same order, same indentation) card by card; `write_csv` the CSV of
`steps.cli.score.render_csv`; `iter_rows` the rows of `ScoreResults.to_rows`, a card at a
time (for JSON Lines or a data frame built in pieces).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, Final, overload

import attrs

from steps.scoring.results import ScoreCard, ScoreError, SubjectKind

if TYPE_CHECKING:
    from steps.scoring.batch import IndexArray, TableScores
    from steps.scoring.contract import StreamSubject
    from steps.scoring.engine import ScoreResults, ScoreWarning
    from steps.scoring.plugins import ScorerRecord
    from steps.scoring.streaming import ChunkedRun

__all__ = ["CardView", "TablePart", "card_rows", "iter_rows", "write_csv", "write_json"]

#: Cards built at once: bounds the objects alive while a part is read.
SLICE: Final = 4_096
#: Results of at most this many cards keep them once built (a report reads them many times);
#: larger ones build them again at each reading, so that they never all exist at once.
KEEP_CARDS: Final = 10_000


class TablePart:
    """One scorer's cards over chosen rows of a `TableScores`, built when read.

    ``subjects`` (one per row, or a function giving those of chosen rows) go to the scorer's
    advisor; without them the cards carry no recommendations.  With ``load``, the part
    keeps no scores: ``load()`` gives them again each time a slice is built (a chunked run
    reads its chunk from the file again), ``scores`` only tells whether building can fail.
    Built slices are not kept; the failures found in them are (see the module's
    documentation)."""

    def __init__(
        self,
        scores: TableScores,
        rows: IndexArray,
        record: ScorerRecord,
        subjects: Sequence[StreamSubject]
        | Callable[[IndexArray], Sequence[StreamSubject]]
        | None = None,
        *,
        load: Callable[[], TableScores] | None = None,
    ) -> None:
        self._scores: TableScores | Callable[[], TableScores] = scores if load is None else load
        self.rows = rows
        self.record = record
        self._subjects = subjects
        # An advisor is the only plugin code run while building: without one, nothing fails.
        self._can_fail = scores.advisor is not None and subjects is not None
        self._errors: dict[int, list[ScoreError]] = {}
        self._warnings: dict[int, list[ScoreWarning]] = {}
        #: Built slices, by first row, when they are kept (`KEEP_CARDS`).
        self.kept: dict[int, list[ScoreCard]] | None = None

    @property
    def scores(self) -> TableScores:
        return self._scores() if callable(self._scores) else self._scores

    def __len__(self) -> int:
        """The rows: the cards once built, with the failures (`count`)."""
        return len(self.rows)

    @property
    def checked(self) -> bool:
        return not self._can_fail or len(self._errors) == len(range(0, len(self), SLICE))

    def check(self) -> None:
        """Build every slice not yet built once, to know which fail."""
        if not self.checked:
            for start in range(0, len(self), SLICE):
                if start not in self._errors:
                    self.build(start)

    def count(self) -> int:
        self.check()
        return len(self) - sum(len(e) for e in self._errors.values())

    def errors(self) -> list[ScoreError]:
        self.check()
        return [e for start in sorted(self._errors) for e in self._errors[start]]

    def warnings(self) -> list[ScoreWarning]:
        self.check()
        return [w for start in sorted(self._warnings) for w in self._warnings[start]]

    def slices(self) -> Iterator[list[ScoreCard]]:
        for start in range(0, len(self), SLICE):
            yield self.build(start)

    def build(self, start: int) -> list[ScoreCard]:
        """The cards of the slice starting at row ``start`` (its failures noted)."""
        if self.kept is not None:
            found = self.kept.get(start)
            if found is None:
                found = self.kept[start] = self._build(start)
            return found
        return self._build(start)

    def _build(self, start: int) -> list[ScoreCard]:
        from steps.scoring._capture import captured_warnings
        from steps.scoring.engine import _checked, _text

        rows = self.rows[start : start + SLICE]
        subjects: Sequence[StreamSubject] | None = None
        if callable(self._subjects):
            subjects = self._subjects(rows)
        elif self._subjects is not None:
            subjects = self._subjects[start : start + len(rows)]
        if not self._can_fail:
            return self.scores.to_cards(rows, subjects=subjects)
        record, scores = self.record, self.scores
        ids = scores.subject_ids(rows)
        brands = scores.brand_ids(rows)
        errors: list[ScoreError] = []

        def fail(k: int, kind: str, message: str) -> None:
            errors.append(
                ScoreError(
                    scorer=record.name,
                    plugin=record.plugin.name,
                    subject_kind=SubjectKind.STREAM,
                    subject_id=ids[k],
                    brand_id=brands[k],
                    error_type=kind,
                    message=message,
                )
            )

        with captured_warnings() as log:
            try:
                made: list[ScoreCard | None] = list(scores.to_cards(rows, subjects=subjects))
            except KeyboardInterrupt:
                raise
            except BaseException:  # the advisor: find the subjects it fails on
                del log[:]  # they are advised again, one by one: their warnings come again
                made = []
                for k in range(len(rows)):
                    try:
                        made += scores.to_cards(rows[k : k + 1], subjects=subjects[k : k + 1])  # type: ignore[index]
                    except KeyboardInterrupt:
                        raise
                    except BaseException as error:  # SystemExit too: no plugin ends the run
                        fail(k, type(error).__name__, _text(error))
                        made.append(None)
        cards: list[ScoreCard] = []
        for k, card in enumerate(made):
            if card is None:
                continue
            problem = _checked(card, record, ids[k], brands[k])
            if problem is None:
                cards.append(card)
            else:
                fail(k, "ValueError", problem)
        self._errors[start] = errors
        self._warnings[start] = _warnings_of(record, brands[0] if brands else "*", log)
        return cards


def _warnings_of(record: ScorerRecord, brand_id: str, log: Sequence[Any]) -> list[ScoreWarning]:
    """The warnings ``log`` caught while cards were built, identical ones counted."""
    from steps.scoring.engine import ScoreWarning, _text, _writable

    counted: dict[tuple[str, str], int] = {}
    for caught in log:
        message = caught.message
        text = _text(message) if isinstance(message, BaseException) else _writable(str(message))
        key = (_writable(caught.category.__name__), text)
        counted[key] = counted.get(key, 0) + 1
    return [
        ScoreWarning(
            scorer=record.name,
            plugin=record.plugin.name,
            subject_kind=SubjectKind.STREAM,
            subject_id=None,
            brand_id=brand_id,
            category=category,
            message=message,
            count=count,
        )
        for (category, message), count in counted.items()
    ]


Part = tuple[ScoreCard, ...] | TablePart


class CardView(Sequence[ScoreCard]):
    """The cards of a run, in run order: cards already made and `TablePart` s, built when
    read (see the module's documentation).  A `Sequence`: equal to a tuple of the same
    cards."""

    __slots__ = ("_cache", "parts")

    def __init__(self, parts: Iterable[Part]) -> None:
        self.parts: tuple[Part, ...] = tuple(p for p in parts if len(p))
        self._cache: tuple[int, int, list[ScoreCard]] | None = None
        if sum(len(p) for p in self.parts) <= KEEP_CARDS:
            for part in self.parts:
                if isinstance(part, TablePart) and part.kept is None:
                    part.kept = {}

    def slices(self) -> Iterator[list[ScoreCard]]:
        """The cards a slice at a time, each slice built when it is reached."""
        for part in self.parts:
            if isinstance(part, TablePart):
                yield from part.slices()
            else:
                for start in range(0, len(part), SLICE):
                    yield list(part[start : start + SLICE])

    def __iter__(self) -> Iterator[ScoreCard]:
        for cards in self.slices():
            yield from cards

    def __len__(self) -> int:
        return sum(p.count() if isinstance(p, TablePart) else len(p) for p in self.parts)

    @property
    def lazy(self) -> bool:
        """Whether some cards are built when read."""
        return any(isinstance(p, TablePart) for p in self.parts)

    def errors(self) -> list[ScoreError]:
        """The subjects whose cards failed to build."""
        return [e for p in self.parts if isinstance(p, TablePart) for e in p.errors()]

    def warnings(self) -> list[ScoreWarning]:
        return [w for p in self.parts if isinstance(p, TablePart) for w in p.warnings()]

    @overload
    def __getitem__(self, index: int) -> ScoreCard: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[ScoreCard, ...]: ...

    def __getitem__(self, index: int | slice) -> ScoreCard | tuple[ScoreCard, ...]:
        if isinstance(index, slice):
            return tuple(self)[index]
        size = len(self)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("card index out of range")
        for number, part in enumerate(self.parts):
            if not isinstance(part, TablePart):
                if index < len(part):
                    return part[index]
                index -= len(part)
                continue
            for start in range(0, len(part), SLICE):
                cached = self._cache
                if cached is not None and cached[:2] == (number, start):
                    cards = cached[2]
                else:
                    failed = part._errors.get(start)
                    width = min(SLICE, len(part) - start) - (len(failed) if failed else 0)
                    if index >= width:
                        index -= width
                        continue
                    cards = part.build(start)
                    self._cache = (number, start, cards)
                if index < len(cards):
                    return cards[index]
                index -= len(cards)
        raise IndexError("card index out of range")  # pragma: no cover - len() counted them

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"CardView({len(self.parts)} parts)"


class LazyFound(Sequence[Any]):
    """The errors (or warnings) of a run: those found while scoring, then those found
    while building the cards of a `CardView`."""

    __slots__ = ("_known", "_view", "_warnings")

    def __init__(self, known: Iterable[Any], view: CardView, *, warnings: bool = False) -> None:
        self._known = tuple(known)
        self._view = view
        self._warnings = warnings

    def _all(self) -> tuple[Any, ...]:
        if not self._warnings:
            return self._known + tuple(self._view.errors())
        # Identical warnings are one, counted (as the engine counts them).
        merged: dict[tuple[str, str, str], list[Any]] = {}
        for warning in (*self._known, *self._view.warnings()):
            key = (warning.scorer, warning.category, warning.message)
            seen = merged.get(key)
            if seen is None:
                merged[key] = [warning, warning.count]
            else:
                seen[1] += warning.count
        return tuple(
            first if count == first.count else attrs.evolve(first, count=count)
            for first, count in merged.values()
        )

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._all())

    def __getitem__(self, index: Any) -> Any:
        return self._all()[index]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return self._all() == tuple(other)

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())


# --------------------------------------------------------------------------- rows


def card_head(card: ScoreCard) -> dict[str, Any]:
    """What every row of a card starts with: the card's own columns."""
    return {
        "scorer": card.scorer,
        "scorer_version": card.scorer_version,
        "subject_kind": card.subject_kind.value,
        "subject_id": card.subject_id,
        "brand_id": card.brand_id,
        "score": card.score,
        "confidence": card.confidence,
        "withheld": card.withheld,
    }


def card_rows(card: ScoreCard) -> list[dict[str, Any]]:
    """The rows of one card (see `ScoreResults.to_rows`)."""
    from steps.scoring.engine import CARD_COLUMNS, ROW_COLUMNS

    head = card_head(card)
    empty = dict.fromkeys(ROW_COLUMNS[CARD_COLUMNS:])
    if not card.components:
        return [{**head, **empty}]
    rows: list[dict[str, Any]] = []
    for component in card.components:
        part = {**empty, "component": component.key, "component_score": component.score}
        if not component.indicators:
            rows.append({**head, **part})
        for indicator in component.indicators:
            rows.append(
                {
                    **head,
                    **part,
                    "indicator": indicator.key,
                    "value": indicator.value,
                    "unit": indicator.unit,
                    "indicator_score": indicator.score,
                    "weight": indicator.weight,
                    "contribution": indicator.contribution,
                    "benchmark": indicator.benchmark,
                    "benchmark_source": indicator.benchmark_source,
                    "explanation": indicator.explanation,
                }
            )
    return rows


def iter_rows(cards: Iterable[ScoreCard], lang: str = "en") -> Iterator[dict[str, Any]]:
    """The rows of ``cards``, a card at a time; in a language other than English the
    ``unit`` and ``benchmark_source`` cells are shown in it (as `write_csv` writes
    them)."""
    if lang == "en":
        for card in cards:
            yield from card_rows(card)
        return
    from steps.report.text import source_text
    from steps.scoring.indicators import unit_text

    for card in cards:
        for row in card_rows(card):
            if row["unit"] is not None:
                row["unit"] = unit_text(row["unit"], lang)
            if row["benchmark_source"] is not None:
                row["benchmark_source"] = source_text(row["benchmark_source"], lang)
            yield row


def write_csv(cards: Iterable[ScoreCard], sink: IO[str], lang: str = "en") -> int:
    """The rows of ``cards`` as CSV (`steps.frames.write_csv`), a card at a time; returns
    the rows written."""
    from steps.frames import write_csv as write

    return write(iter_rows(cards, lang), sink)


def _dumps(value: Any, indent: int) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True, allow_nan=False)
    # JSON strings hold no raw line break: every one is the layout's, to be indented.
    return text.replace("\n", "\n" + " " * indent)


def write_json(results: ScoreResults | ChunkedRun, sink: IO[str]) -> int:
    """The text of ``results.to_json()`` written to ``sink`` card by card (the errors and
    warnings, which come after the cards, include those found while building them);
    returns the number of cards written.  ``results`` may be a `ChunkedRun`, read once."""
    from steps.scoring.engine import _converter

    unstructure = _converter().unstructure
    sink.write('{\n "cards": [')
    count = 0
    slices: Iterable[Sequence[ScoreCard]]
    if hasattr(results, "slices"):  # a run read once (steps.scoring.streaming.ChunkedRun)
        slices = results.slices()
    elif isinstance(results.cards, CardView):
        slices = results.cards.slices()
    else:
        slices = [results.cards]
    for cards in slices:
        if not cards:
            continue
        parts = [_dumps(unstructure(card), 2) for card in cards]
        sink.write(("\n  " if not count else ",\n  ") + ",\n  ".join(parts))
        count += len(parts)
    sink.write("\n ]" if count else "]")
    for key, items in (
        ("errors", results.errors),
        ("scorers", results.scorers),
        ("warnings", results.warnings),
    ):
        sink.write(f',\n "{key}": ' + _dumps(unstructure(list(items)), 1))
    sink.write("\n}\n")
    return count
