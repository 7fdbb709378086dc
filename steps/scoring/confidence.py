"""Minimum confidence: a card built mostly on data that was not provided has no score.

A card's ``confidence`` is the share of its nominal weight whose inputs were available
(`steps.scoring.indicators.evaluate`).  Below its scorer's minimum the engine withholds
the score: ``score`` becomes ``None``, ``withheld`` says why (the confidence and the minimum)
and ``provide`` lists what data would produce a score (the sections its unavailable
indicators need, and the stream fields they need when the section is the streams).  The
components and indicators that were measured stay on the card, as measured.

The minimum of a scorer is, first to last:

1. the option ``<scorer>.min_confidence`` of the scoring context (``steps score --option
   stage.min_confidence=0.3``), a number in [0, 1]; ``0`` never withholds;
2. the scorer's own ``min_confidence`` attribute (a number in [0, 1]; ``None`` or absent:
   not declared);
3. for a built-in scorer (its class is defined in `steps.plugins`), its entry in
   `BUILTIN_MIN_CONFIDENCE`;
4. `DEFAULT_MIN_CONFIDENCE`.

The engine applies it in one place for every path (`steps.score`,
`steps.scoring.engine.score_table`, streaming, Spark), so a third-party scorer gets it
too.  docs/concepts.md ("Unknown is unknown") has the table of the built-in minimums and the
confidences they were chosen from.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

import attrs

from steps.domain.enums import Section
from steps.domain.model import Stream
from steps.scoring.messages import builtin_catalogue, join, text
from steps.scoring.results import ScoreCard, SubjectKind

__all__ = [
    "BUILTIN_MIN_CONFIDENCE",
    "DEFAULT_MIN_CONFIDENCE",
    "OPTION",
    "BuiltinMinimum",
    "declared_minimum",
    "insufficient_text",
    "min_confidence",
    "option_minimum",
    "provide_for",
    "provide_from",
    "provide_text",
    "section_of",
    "withheld_reason",
    "withhold",
]

#: The minimum of a scorer that declares none: at least half of the card's nominal weight
#: must rest on data that was provided.
DEFAULT_MIN_CONFIDENCE: Final = 0.5
#: The option that overrides a scorer's minimum: ``"<scorer>.min_confidence"``.
OPTION: Final = "min_confidence"


@attrs.frozen
class BuiltinMinimum:
    """A built-in scorer's minimum confidence and why it is that."""

    value: float
    why: str


#: The minimums of the built-in scorers (a scorer's own ``min_confidence`` attribute, when it
#: declares one, comes first).  The confidences quoted are those the scorers reach on the
#: bundled sample and on the same brands with a live-session list only (docs/concepts.md).
BUILTIN_MIN_CONFIDENCE: Final[Mapping[str, BuiltinMinimum]] = MappingProxyType(
    {
        "steps": BuiltinMinimum(
            0.5,
            "Five pillars weighted by the lifecycle stage; a live-session list alone measures "
            "little more than self-broadcast (confidence 0.19 for a six-day export, 0.30-0.33 "
            "for two months of streams): the pillar scores stand, the brand's STEPS score would "
            "be a verdict on the export. The bundled sample reaches 0.83-0.92.",
        ),
        "stage": BuiltinMinimum(
            0.5,
            "A live-session list carries none of the run-of-show plan, line-up or pre-heat "
            "data (confidence 0.10-0.18); the bundled sample's streams reach 0.79-1.00.",
        ),
        "douyin-interest": BuiltinMinimum(
            0.5,
            "A live-session list measures efficiency, entry and engagement (confidence "
            "0.54-0.71): scored. Without the funnel and the traffic sources most of the logic "
            "is unknown.",
        ),
        "douyin-interest-brand": BuiltinMinimum(
            0.5,
            "The four channels need talent, campaign and KOL data; a live-session list "
            "measures the brand's own field alone (confidence 0.49 or less).",
        ),
        "trust": BuiltinMinimum(
            0.5,
            "Trust is the trust signals a back office exports; a live-session list measures "
            "only the refund rate of the streams (confidence 0.08).",
        ),
    }
)


def _unit(value: object) -> float | None:
    """``value`` as a number in [0, 1], or ``None`` when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value):
        return None
    number = float(value)
    return number if 0.0 <= number <= 1.0 else None


def option_minimum(options: Mapping[str, object], scorer: str) -> float | None:
    """The option ``<scorer>.min_confidence`` of ``options`` (``None``: not set).  A value
    that is not a number in [0, 1] raises `ValueError` naming the option."""
    key = f"{scorer}.{OPTION}"
    if key not in options:
        return None
    found = _unit(options[key])
    if found is None:
        raise ValueError(f"option {key} must be a number in [0, 1], got {options[key]!r:.60}")
    return found


def _builtin(scorer: object) -> bool:
    """Whether ``scorer`` is one of the built-in scorers (its class is defined in
    `steps.plugins`), on whichever host it was registered."""
    return type(scorer).__module__.startswith("steps.plugins.")


def declared_minimum(scorer: object, name: str) -> tuple[float, str | None]:
    """The minimum ``scorer`` declares (its ``min_confidence``), else, for a built-in
    scorer, its entry in `BUILTIN_MIN_CONFIDENCE`, else
    `DEFAULT_MIN_CONFIDENCE`; and what was wrong with a declared value that is not a
    number in [0, 1] (``None``: nothing), which is then ignored."""
    problem: str | None = None
    try:
        declared = getattr(scorer, OPTION, None)
    except Exception as error:  # a plugin's property: its failure is reported
        declared, problem = None, f"reading min_confidence raised {type(error).__name__}"
    if declared is not None:
        found = _unit(declared) if not isinstance(declared, str) else None
        if found is not None:
            return found, None
        problem = f"min_confidence must be a number in [0, 1], got {declared!r:.60}"
    if name in BUILTIN_MIN_CONFIDENCE and _builtin(scorer):
        return BUILTIN_MIN_CONFIDENCE[name].value, problem
    return DEFAULT_MIN_CONFIDENCE, problem


def min_confidence(scorer: object, name: str, options: Mapping[str, object]) -> float:
    """The minimum confidence of ``scorer`` (named ``name``) under ``options``: the option
    first, then what the scorer declares (see the module documentation)."""
    chosen = option_minimum(options, name)
    if chosen is not None:
        return chosen
    return declared_minimum(scorer, name)[0]


# -- what data would produce a score ---------------------------------------------------------

#: Top-level lists of a brand that are sections of their own.
_BRAND_SECTIONS: Final = MappingProxyType(
    {
        "orders": Section.ORDERS,
        "products": Section.PRODUCTS,
        "talent_collabs": Section.TALENT_COLLABS,
        "trust_signals": Section.TRUST_SIGNALS,
        "short_videos": Section.SHORT_VIDEOS,
        "paid_campaigns": Section.PAID_CAMPAIGNS,
        "audience": Section.AUDIENCE,
        "streams": Section.STREAMS,
    }
)
#: Parts of a stream that are sections of their own.
_STREAM_SECTIONS: Final = MappingProxyType(
    {"plan": Section.PLANS, "products": Section.STREAM_PRODUCTS}
)
#: Parts of an account that are sections of their own.
_ACCOUNT_SECTIONS: Final = MappingProxyType(
    {"fan_group": Section.FAN_GROUPS, "audience": Section.AUDIENCE}
)
_SECTION_VALUES: Final = frozenset(s.value for s in Section)
_PATH: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


@functools.cache
def _fields(model: type) -> frozenset[str]:
    return frozenset(attrs.fields_dict(model))


@functools.cache
def _required(model: type) -> frozenset[str]:
    return frozenset(
        name for name, field in attrs.fields_dict(model).items() if field.default is attrs.NOTHING
    )


def _segments(path: str) -> list[str]:
    return [part.split("[", 1)[0] for part in path.split(".")]


def section_of(item: str, kind: SubjectKind) -> Section | str | None:
    """What an indicator input names: the `Section` that holds it when
    that is not the streams (``"talent_collabs[].gmv_fen"`` → talent collaborations), the
    stream field as ``"streams[].<field>"`` (a stream scorer's ``"comments"``, a brand
    scorer's ``"streams[].comments"``), or ``None`` for an input that is not a path of the
    data format (``"a brand window or dated records"``)."""
    found = _PATH.match(item)
    if found is None:
        return None
    path = _segments(found.group())
    if kind is SubjectKind.STREAM and path[0] == "brand" and len(path) > 1:
        kind = SubjectKind.BRAND  # a stream scorer's input from its brand's data
    if kind is SubjectKind.BRAND:
        if path[0] == "brand" and len(path) > 1:
            path = path[1:]
        if path[0] == "accounts" and len(path) > 1:
            return _ACCOUNT_SECTIONS.get(path[1])
        if path[0] == "streams" and len(path) > 1:
            path = path[1:]
        elif path[0] in _BRAND_SECTIONS:
            return _BRAND_SECTIONS[path[0]]
        elif path[0] in _ACCOUNT_SECTIONS:
            return _ACCOUNT_SECTIONS[path[0]]
        else:
            return None
    if path[0] in _STREAM_SECTIONS:
        return _STREAM_SECTIONS[path[0]]
    if path[0] not in _fields(Stream):
        return None
    if path[0] in _required(Stream):
        return Section.STREAMS  # every stream has it: providing the streams provides it
    return item if item.startswith("streams[].") else f"streams[].{item}"


def provide_from(inputs: Iterable[Iterable[str]], kind: SubjectKind) -> tuple[str, ...]:
    """What data would produce a score, from the inputs of each unavailable indicator: the
    sections (their values, in `Section` order), then the stream
    fields and any other input they name, as written, in order."""
    sections: set[Section] = set()
    others: dict[str, None] = {}
    for items in inputs:
        for item in items:
            found = section_of(item, kind)
            if isinstance(found, Section):
                sections.add(found)
            else:
                others.setdefault(item if found is None else found, None)
    if Section.STREAMS in sections and (len(sections) > 1 or others):
        # A stream field every stream has (an indicator's uv, beside the field it lacks):
        # the streams need naming only when nothing else is missing.
        sections.discard(Section.STREAMS)
    return (*(s.value for s in Section if s in sections), *others)


def provide_for(card: ScoreCard) -> tuple[str, ...]:
    """What data would produce ``card``'s score (`provide_from` of its unavailable
    indicators' inputs)."""
    return provide_from(
        (i.missing for i in card.indicators() if i.score is None), card.subject_kind
    )


def _item_text(item: str, language: str) -> str:
    catalogue = builtin_catalogue()
    if item in _SECTION_VALUES:
        return catalogue.text(f"section.{item}", language)
    return catalogue.optional(f"input.{item}", language) or item


def provide_text(items: Iterable[str], language: str = "en") -> str:
    """``provide`` as a phrase: sections by their names, other inputs as written."""
    return join((_item_text(item, language) for item in items), language)


def insufficient_text(card: ScoreCard, language: str = "en") -> str:
    """What an output shows instead of a withheld score, in brief: "insufficient data —
    provide talent collaborations, fan-group members" (the sections to provide; the other
    inputs are counted, ``withheld`` lists them)."""
    sections = [item for item in card.provide if item in _SECTION_VALUES]
    others = len(card.provide) - len(sections)
    if not card.provide:
        return text("core.withheld.bare", language)
    if not sections:
        items = text("core.withheld.inputs", language, count=others)
    else:
        items = join((_item_text(item, language) for item in sections), language)
        if others:
            items = text("core.withheld.more", language, items=items, count=others)
    return text("core.withheld.short", language, items=items)


def withheld_reason(
    scorer: str, confidence: float, minimum: float, provide: Iterable[str], language: str = "en"
) -> str:
    """The reason a card's score is withheld, in ``language``: its confidence, the minimum
    and what to provide."""
    reason = text(
        "core.withheld.reason", language, scorer=scorer, confidence=confidence, minimum=minimum
    )
    items = tuple(provide)
    if items:
        reason = text(
            "core.withheld.provide", language, reason=reason, items=provide_text(items, language)
        )
    return reason


def withhold(card: ScoreCard, minimum: float, language: str = "en") -> ScoreCard:
    """``card`` without its score when its confidence is below ``minimum`` (``card`` itself
    otherwise, and for a card already without a score)."""
    if card.score is None or not card.confidence < minimum:
        return card
    provide = provide_for(card)
    reason = withheld_reason(card.scorer, card.confidence, minimum, provide, language)
    return attrs.evolve(card, score=None, withheld=reason, provide=provide)
