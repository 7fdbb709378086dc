"""Plain-text reports: the one-minute read of ``steps demo``, the side-by-side of ``steps
compare`` and the rows of ``steps score``'s table.  Text only, so they read the same in a pipe,
a file and a log; `steps.report.terminal` draws the same on a terminal with colour."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import Literal

import attrs

from steps.domain import metrics
from steps.domain.model import Brand, Dataset
from steps.report.escape import escape_control
from steps.report.summary import brand_summary, platform_name
from steps.scoring.confidence import insufficient_text
from steps.scoring.engine import ScoreResults, ScorerInfo
from steps.scoring.messages import builtin_catalogue, join, text
from steps.scoring.results import ComponentResult, ScoreCard

__all__ = [
    "COMPARE_SCORERS",
    "COMPARISON",
    "DEMO_SCORERS",
    "SIDE_CARDS",
    "BrandScores",
    "ScoreRow",
    "StageOverview",
    "bar",
    "card_for",
    "compare_report",
    "demo_report",
    "display_width",
    "escape_control",
    "generic_scorers",
    "label",
    "pad",
    "part_name",
    "score_header",
    "score_text",
    "scorer_title",
    "source_text",
    "stage_name",
    "stage_overview",
    "stage_source",
    "truncate",
    "withheld_text",
]

BAR_WIDTH = 20

_QUOTE = re.compile(r"「[^」]*」")
_CITATION = re.compile(r"sources\.md#[\w\-]+")
_PEERS = re.compile(r"peers(?: (?P<group>\S+))?: (?P<count>\d+) comparable")


def source_text(source: str, lang: str) -> str:
    """Where a benchmark comes from, in ``lang``.  The built-in scorers write their sources
    in English (``article: 「…」 …``, ``published: … (sources.md#…)``, ``assumption: …``,
    ``peers: 12 comparable``); in another language the source is named by its kind, with the
    article's own words or the docs anchor that cites it.  A source the user wrote (a
    benchmark profile's) is shown as written."""
    if lang == "en":
        return source
    kind, _, note = source.partition(":")
    citation = _CITATION.search(note)
    cited = {"citation": citation.group()} if citation else {}
    if kind == "article":
        quote = _QUOTE.search(note)
        return text("report.source.article", lang, quote=quote.group() if quote else "")
    if kind == "published":
        return text(f"report.source.published{'_cited' if cited else ''}", lang, **cited)
    if kind == "assumption":
        return text(f"report.source.assumption{'_cited' if cited else ''}", lang, **cited)
    peers = _PEERS.fullmatch(source)
    if peers is not None:
        if peers.group("group"):
            return text(
                "report.source.peers_group", lang, group=peers["group"], count=int(peers["count"])
            )
        return text("report.source.peers", lang, count=int(peers["count"]))
    return source


@attrs.frozen
class ScoreRow:
    """One line of ``steps score``'s table: a card, or a scorer's failure on the subject."""

    #: ``brand ID`` or ``stream ID`` on the subject's first line, empty on the next ones.
    subject: str
    scorer: str
    #: ``None`` when the scorer failed (then ``weakest`` names the error) or the score was
    #: withheld (then ``weakest`` says what data to provide).
    score: float | None
    confidence: float | None
    weakest: str
    withheld: bool = False

    @property
    def failed(self) -> bool:
        return self.score is None and not self.withheld

    def cells(self) -> tuple[str, str, str, str]:
        """SCORER, SCORE, CONF, WEAKEST as the plain table prints them."""
        score = "  —" if self.score is None else f"{self.score:5.1f}"
        confidence = "" if self.confidence is None else f"{self.confidence:.2f}"
        return (self.scorer, score, confidence, self.weakest)


#: The columns of ``steps score``'s table, as ``report.score`` message keys.
SCORE_COLUMNS = ("subject", "scorer", "score", "confidence", "weakest")


def score_header(lang: str) -> tuple[str, ...]:
    """The header of ``steps score``'s table (``SUBJECT``, ``SCORER``, ...) in ``lang``."""
    return tuple(text(f"report.score.{column}", lang) for column in SCORE_COLUMNS)


@attrs.frozen
class BrandScores:
    """The block of one brand in ``steps score``'s table: its own rows, then each stream's."""

    title: str
    rows: tuple[ScoreRow, ...]


def display_width(value: str) -> int:
    """The columns ``value`` takes on a terminal: two for a wide (CJK) character, none for a
    combining mark, one for the rest."""
    return sum(
        2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1
        for ch in value
    )


def pad(value: str, width: int, align: Literal["<", ">"] = "<") -> str:
    """``value`` padded with spaces to ``width`` terminal columns (``str.ljust`` counts
    characters, which misaligns Chinese)."""
    fill = " " * max(0, width - display_width(value))
    return value + fill if align == "<" else fill + value


def truncate(value: str, width: int) -> str:
    """The longest start of ``value`` that fits in ``width`` terminal columns."""
    used = 0
    for index, ch in enumerate(value):
        used += display_width(ch)
        if used > width:
            return value[:index]
    return value


def bar(score: float | None, width: int = BAR_WIDTH, lang: str = "en") -> str:
    """A score in [0, 100] as a bar of block characters (``n/a`` when missing)."""
    if score is None:
        return pad(text("report.na", lang), width)
    filled = round(score / 100 * width)
    return "█" * filled + "░" * (width - filled)


def label(component: ComponentResult, lang: str) -> str:
    """The component's name in ``lang`` (``zh``: Chinese; anything else: English)."""
    return component.name_zh if lang == "zh" else component.name


def part_name(component: ComponentResult, lang: str) -> str:
    """How a card's part is named in a one-line summary: a pillar letter (``F``, ``SS``)
    stays the letter, which the card's own rows spell out; any other part by its name in the
    reader's language (a key such as ``buyer_trust`` is a code, not a word), in English in
    lower case as it reads mid-sentence."""
    if component.key.isupper():
        return component.key
    name = label(component, lang)
    if lang == "zh" or name[1:2].isupper():
        return name
    return name[:1].lower() + name[1:]


def stage_name(stage: str | None, lang: str) -> str:
    """A lifecycle stage note (``launch``) as the reader's language names it."""
    if stage is None:
        return text("report.na", lang)
    key = f"steps.stage_name.{stage}"
    return text(key, lang) if key in builtin_catalogue() else stage


def stage_source(source: str | None, lang: str) -> str:
    """Where the stage came from (``inferred``, ``override``) in the reader's language."""
    if source is None:
        return text("report.na", lang)
    key = f"report.stage_source.{source}"
    return text(key, lang) if key in builtin_catalogue() else source


def withheld_text(card: ScoreCard, lang: str) -> str:
    """What an output shows instead of a withheld score: "insufficient data — provide …"
    in ``lang`` (`steps.scoring.confidence.insufficient_text`)."""
    return insufficient_text(card, lang)


def score_text(card: ScoreCard, lang: str) -> str:
    """A card's score as a one-line summary shows it: ``57/100``, or what to provide."""
    if card.score is None:
        return withheld_text(card, lang)
    return f"{card.score:.0f}/100"


def card_for(
    results: ScoreResults, scorer: str, subject_id: str, brand_id: str
) -> ScoreCard | None:
    """The card ``scorer`` gave ``subject_id`` of ``brand_id``, if any."""
    for card in results.cards:
        if card.scorer == scorer and card.subject_id == subject_id and card.brand_id == brand_id:
            return card
    return None


def _component_lines(card: ScoreCard, lang: str) -> list[str]:
    lines = []
    for component in card.components:
        score = (
            pad(text("report.na", lang), 5, ">")
            if component.score is None
            else f"{component.score:5.0f}"
        )
        weight = text("report.steps.weight", lang, weight=component.weight)
        lines.append(
            f"    {component.key:<11} {pad(label(component, lang), 30)} "
            f"{bar(component.score, lang=lang)} {score}   {weight}"
        )
    return lines


def _failures(results: ScoreResults, brand: Brand) -> list[str]:
    return [
        f"  ! {escape_control(str(error))}"
        for error in results.errors
        if error.brand_id == brand.brand_id
    ]


@attrs.frozen
class StageOverview:
    """The STAGE cards of one brand's streams, in brief: the average of the scored ones, the
    best and worst stream, the part most often weakest and the move for the worst stream;
    how many streams have no score (withheld) and what they need."""

    streams: int
    #: ``None`` (and ``best``, ``worst`` too) when no stream has a score.
    average: float | None
    best: ScoreCard | None
    worst: ScoreCard | None
    weakest_part: str | None
    weakest_count: int
    next_move: str | None
    #: Streams whose score was withheld, and what the first of them needs.
    withheld: int = 0
    withheld_text: str | None = None


def stage_overview(
    results: ScoreResults, brand: Brand, lang: str, scorer: str = "stage"
) -> StageOverview | None:
    """The brief of ``brand``'s STAGE cards, or of another stream scorer's (``None`` when it
    has none)."""
    cards = [c for c in results.cards if c.scorer == scorer and c.brand_id == brand.brand_id]
    if not cards:
        return None
    weakest = Counter(
        label(w, lang) for c in cards if (w := c.weakest_component) is not None
    ).most_common(1)
    scored = [(c.score, c) for c in cards if c.score is not None]
    withheld = [c for c in cards if c.score is None]
    worst = min(scored, key=lambda p: (p[0], p[1].subject_id))[1] if scored else None
    return StageOverview(
        streams=len(cards),
        average=sum(score for score, _ in scored) / len(scored) if scored else None,
        best=max(scored, key=lambda p: (p[0], p[1].subject_id))[1] if scored else None,
        worst=worst,
        weakest_part=weakest[0][0] if weakest else None,
        weakest_count=weakest[0][1] if weakest else 0,
        next_move=worst.recommendations[0].text if worst and worst.recommendations else None,
        withheld=len(withheld),
        withheld_text=withheld_text(withheld[0], lang) if withheld else None,
    )


def _stream_lines(
    results: ScoreResults, brand: Brand, lang: str, scorer: str = "stage"
) -> list[str]:
    overview = stage_overview(results, brand, lang, scorer)
    if overview is None:
        return []
    # STAGE has lines of its own; any other stream scorer the same lines under its title.
    group, named = ("report.stage", {}) if scorer == "stage" else ("report.other", {
        "scorer": scorer_title(results, scorer, lang)
    })  # fmt: skip
    best, worst = overview.best, overview.worst
    if overview.average is None or best is None or worst is None:
        lines = [
            "  "
            + text(
                f"{group}.all_withheld",
                lang,
                streams=overview.streams,
                withheld=overview.withheld_text,
                **named,
            )
        ]
    else:
        extremes = text(
            "report.stage.extremes",
            lang,
            best=best.subject_id,
            best_score=f"{best.score:.0f}",
            worst=worst.subject_id,
            worst_score=f"{worst.score:.0f}",
        )
        overview_line = text(
            f"{group}.overview",
            lang,
            streams=overview.streams - overview.withheld,
            average=overview.average,
            extremes=extremes,
            **named,
        )
        lines = [f"  {overview_line}"]
        if overview.withheld:
            lines.append("    " + _stage_withheld(overview, lang))
    if overview.weakest_part is not None:
        count = text(
            "report.stage.weakest_count",
            lang,
            part=overview.weakest_part,
            count=overview.weakest_count,
            streams=overview.streams,
        )
        lines.append(f"    {text('report.stage.weakest', lang)}{count}")
    if overview.next_move is not None:
        lines.append(f"    {text('report.stage.next', lang)}{overview.next_move}")
    return lines


def _stage_withheld(overview: StageOverview, lang: str) -> str:
    return text(
        "report.stage.withheld",
        lang,
        count=overview.withheld,
        streams=overview.streams,
        withheld=overview.withheld_text,
    )


#: The brand cards ``steps demo`` shows in one line each after STEPS, with the message keys
#: of their titles.
SIDE_CARDS: Sequence[tuple[str, str]] = (
    ("trust", "report.card.trust"),
    ("douyin-interest-brand", "report.card.douyin-interest-brand"),
)
#: The scorers ``steps demo`` lays out itself; every other one that ran gets a line (a brand
#: scorer, as the side cards) or a brief of its streams (a stream scorer, as STAGE).
DEMO_SCORERS: frozenset[str] = frozenset({"steps", "stage", *(s for s, _ in SIDE_CARDS)})
#: The scorers ``steps compare`` sets side by side; the others are listed after the verdict.
COMPARE_SCORERS: frozenset[str] = frozenset({"steps", "douyin-interest-brand", "douyin-interest"})


def generic_scorers(results: ScoreResults, laid_out: frozenset[str]) -> list[ScorerInfo]:
    """The scorers that ran and that a report does not lay out itself (a third party's, or
    a built-in it has no place for), in the order they ran."""
    return [info for info in results.scorers if info.name not in laid_out]


def scorer_title(results: ScoreResults, scorer: str, lang: str) -> str:
    """How a report names a scorer it has no layout for: the reports' own title when the
    catalogue has one (``report.card.<name>``), else the title the scorer gives itself with
    its name, the name ``--scorer`` takes."""
    key = f"report.card.{scorer}"
    if key in builtin_catalogue():
        return text(key, lang)
    info = next((i for i in results.scorers if i.name == scorer), None)
    title = info.title.strip() if info is not None else ""
    return escape_control(f"{title} ({scorer})" if title and title != scorer else scorer)


def _side_lines(card: ScoreCard, title: str, lang: str) -> list[str]:
    """A brand card in one line (its score and its parts) and its first next move."""
    parts = join(
        (
            f"{part_name(c, lang)} "
            + (f"{c.score:.0f}" if c.score is not None else text("report.na", lang))
            for c in card.components
        ),
        lang,
    )
    lines = [f"  {title} {score_text(card, lang)} · {parts}"]
    if card.recommendations:
        lines.append(f"    {text('report.card.next', lang)}{card.recommendations[0].text}")
    return lines


def _generic_lines(
    results: ScoreResults, brand: Brand, lang: str, laid_out: frozenset[str]
) -> tuple[list[str], list[str]]:
    """The lines of the scorers a report does not lay out itself: the brand cards', then the
    streams' briefs."""
    from steps.scoring.results import SubjectKind

    cards: list[str] = []
    streams: list[str] = []
    for info in generic_scorers(results, laid_out):
        if info.subject is SubjectKind.STREAM:
            streams.extend(_stream_lines(results, brand, lang, info.name))
            continue
        card = card_for(results, info.name, brand.brand_id, brand.brand_id)
        if card is not None:
            cards.extend(_side_lines(card, scorer_title(results, info.name, lang), lang))
    return cards, streams


def demo_report(dataset: Dataset, results: ScoreResults, *, lang: str = "en") -> str:
    """Per brand: what it sells through whom, the STEPS score by pillar with the stage and the
    weakest pillar, the next moves, trust, the Douyin-interest view and the streams."""
    blocks = []
    for brand in dataset.brands:
        lines = [brand_summary(brand, lang=lang), ""]
        steps_card = card_for(results, "steps", brand.brand_id, brand.brand_id)
        if steps_card is not None:
            notes = steps_card.notes
            headline = text(
                "report.steps.plain" if steps_card.score is not None else "report.steps.withheld",
                lang,
                score=steps_card.score,
                withheld=withheld_text(steps_card, lang),
                confidence=steps_card.confidence,
                stage=stage_name(notes.get("stage"), lang),
                source=stage_source(notes.get("stage_source"), lang),
            )
            lines.append(f"  {headline}")
            if "stage_evidence" in notes:
                lines.append(f"    {text('report.steps.evidence', lang)}{notes['stage_evidence']}")
            lines.extend(_component_lines(steps_card, lang))
            weakest = notes.get("weakest_pillar")
            if weakest and weakest != "none":
                component = steps_card.component(weakest)
                lines.append(
                    f"    {text('report.steps.weakest', lang)}{weakest} {label(component, lang)}"
                )
            if steps_card.recommendations:
                lines.append(f"  {text('report.steps.next_moves_heading', lang)}")
                lines.extend(
                    f"    {n}. {r.text}" for n, r in enumerate(steps_card.recommendations, 1)
                )
        for scorer, title in SIDE_CARDS:
            card = card_for(results, scorer, brand.brand_id, brand.brand_id)
            if card is not None:
                lines.extend(_side_lines(card, text(title, lang), lang))
        other_cards, other_streams = _generic_lines(results, brand, lang, DEMO_SCORERS)
        lines.extend(other_cards)
        lines.extend(_stream_lines(results, brand, lang))
        lines.extend(other_streams)
        lines.extend(_failures(results, brand))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) if blocks else text("report.no_brands", lang)


#: Kuaishou's STEPS against Douyin's FACT, pillar by pillar: where the two look at the same
#: lever, and where only one of them does (the theme as a ``report.compare.theme`` message
#: key).  The pairing is the library's: the article contrasts trust with interest, and FACT
#: is Douyin's own framework, which the article does not name.
COMPARISON: Sequence[tuple[str | None, str | None, str]] = (
    ("S", "F", "own_accounts"),
    ("E", "A", "talents"),
    ("E", "T", "big_talents"),
    ("T", "C", "public_traffic"),
    ("P", None, "private_domain"),
    ("SS", None, "exclusive_supply"),
)


def compare_report(dataset: Dataset, results: ScoreResults, *, lang: str = "en") -> str:
    """One brand judged by Kuaishou's STEPS and by Douyin's interest logic, side by side."""
    blocks = []
    for brand in dataset.brands:
        steps_card = card_for(results, "steps", brand.brand_id, brand.brand_id)
        fact_card = card_for(results, "douyin-interest-brand", brand.brand_id, brand.brand_id)
        platform = metrics.main_platform(brand)
        where = (
            platform_name(platform.value, lang)
            if platform
            else text("report.summary.no_platform", lang)
        )
        head = escape_control(f"{brand.name} ({brand.brand_id}) · {where}")
        if steps_card is None or fact_card is None:
            missing = [
                n
                for n, c in (("steps", steps_card), ("douyin-interest-brand", fact_card))
                if c is None
            ]
            not_compared = text("report.compare.not_compared", lang, missing=join(missing, lang))
            blocks.append(
                "\n".join([head, f"  {not_compared}", *_compare_others(results, brand, lang)])
            )
            continue
        lines = [
            head,
            f"  {pad(text('report.compare.steps', lang), 38)} {_compare_score(steps_card)}   "
            f"{pad(text('report.compare.fact', lang), 38)} {_compare_score(fact_card)}",
        ]
        lines.extend(
            "  "
            + text("report.compare.withheld", lang, scorer=name, withheld=withheld_text(c, lang))
            for name, c in (
                (text("report.compare.steps", lang), steps_card),
                (text("report.compare.fact", lang), fact_card),
            )
            if c.score is None
        )
        for left, right, theme in COMPARISON:
            left_text = _side(steps_card, left, lang)
            right_text = _side(fact_card, right, lang)
            lines.append(
                f"  {pad(left_text, 44)}   {pad(right_text, 44)}  "
                f"{text(f'report.compare.theme.{theme}', lang)}"
            )
        stream_cards = [
            c
            for c in results.cards
            if c.scorer == "douyin-interest" and c.brand_id == brand.brand_id
        ]
        stream_scores = [c.score for c in stream_cards if c.score is not None]
        if stream_scores:
            average = sum(stream_scores) / len(stream_scores)
            per_stream = text(
                "report.compare.per_stream", lang, average=average, streams=len(stream_scores)
            )
            lines.append(f"  {per_stream}")
        unscored = [c for c in stream_cards if c.score is None]
        if unscored:
            per_stream = text(
                "report.compare.streams_withheld",
                lang,
                count=len(unscored),
                streams=len(stream_cards),
                withheld=withheld_text(unscored[0], lang),
            )
            lines.append(f"  {per_stream}")
        lines.append(
            f"  {text('report.compare.verdict', lang)}{_verdict(steps_card, fact_card, lang)}"
        )
        lines.extend(_compare_others(results, brand, lang))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) if blocks else text("report.no_brands", lang)


def _compare_others(results: ScoreResults, brand: Brand, lang: str) -> list[str]:
    """After the comparison, every other scorer that ran, as ``steps demo`` shows it."""
    cards, streams = _generic_lines(results, brand, lang, COMPARE_SCORERS)
    return cards + streams


def _compare_score(card: ScoreCard) -> str:
    return "    —" if card.score is None else f"{card.score:5.0f}"


def _side(card: ScoreCard, key: str | None, lang: str) -> str:
    if key is None:
        return "—"
    try:
        component = card.component(key)
    except KeyError:
        return "—"
    score = text("report.na", lang) if component.score is None else f"{component.score:.0f}"
    return f"{key:<3}{pad(truncate(label(component, lang), 30), 31)}{pad(score, 5, '>')}"


def _verdict(steps_card: ScoreCard, fact_card: ScoreCard, lang: str) -> str:
    if steps_card.score is None or fact_card.score is None:
        return text("report.compare.no_verdict", lang)
    gap = steps_card.score - fact_card.score
    strongest = max(
        (c for c in steps_card.components if c.score is not None),
        key=lambda c: (c.score, c.key),
        default=None,
    )
    weakest = fact_card.weakest_component
    if abs(gap) < 5 or strongest is None or weakest is None:
        return text("report.compare.even", lang)
    if gap > 0:
        return text(
            "report.compare.trust_ahead",
            lang,
            gap=gap,
            strongest=label(strongest, lang),
            weakest=label(weakest, lang),
        )
    return text(
        "report.compare.interest_ahead",
        lang,
        gap=-gap,
        strongest=label(max(fact_card.components, key=lambda c: (c.score or 0, c.key)), lang),
        weakest=label(steps_card.weakest_component or strongest, lang),
    )
