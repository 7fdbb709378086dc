"""Plain-text reports: the one-minute read of ``steps demo`` and the side-by-side of
``steps compare``.  Text only, so they read the same on a terminal, in a pipe and in a log."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from steps.domain import metrics
from steps.domain.model import Brand, Dataset
from steps.report.summary import brand_summary
from steps.scoring.engine import ScoreResults
from steps.scoring.results import ComponentResult, ScoreCard

__all__ = ["COMPARISON", "bar", "compare_report", "demo_report"]

BAR_WIDTH = 20


def bar(score: float | None, width: int = BAR_WIDTH) -> str:
    """A score in [0, 100] as a bar of block characters (``n/a`` when missing)."""
    if score is None:
        return "n/a".ljust(width)
    filled = round(score / 100 * width)
    return "█" * filled + "░" * (width - filled)


def _label(component: ComponentResult, lang: str) -> str:
    return component.name_zh if lang == "zh" else component.name


def _card(results: ScoreResults, scorer: str, subject_id: str, brand_id: str) -> ScoreCard | None:
    for card in results.cards:
        if card.scorer == scorer and card.subject_id == subject_id and card.brand_id == brand_id:
            return card
    return None


def _component_lines(card: ScoreCard, lang: str) -> list[str]:
    lines = []
    for component in card.components:
        score = "  n/a" if component.score is None else f"{component.score:5.0f}"
        lines.append(
            f"    {component.key:<11} {_label(component, lang):<30} {bar(component.score)} "
            f"{score}   weight {component.weight:.0%}"
        )
    return lines


def _failures(results: ScoreResults, brand: Brand) -> list[str]:
    return [f"  ! {error}" for error in results.errors if error.brand_id == brand.brand_id]


def _stream_lines(results: ScoreResults, brand: Brand, lang: str) -> list[str]:
    cards = [c for c in results.cards if c.scorer == "stage" and c.brand_id == brand.brand_id]
    if not cards:
        return []
    average = sum(c.score for c in cards) / len(cards)
    weakest = Counter(
        _label(w, lang) for c in cards if (w := c.weakest_component) is not None
    ).most_common(1)
    best = max(cards, key=lambda c: (c.score, c.subject_id))
    worst = min(cards, key=lambda c: (c.score, c.subject_id))
    lines = [
        f"  STAGE over {len(cards)} streams: average {average:.0f}/100, "
        f"best {best.subject_id} ({best.score:.0f}), worst {worst.subject_id} ({worst.score:.0f})"
    ]
    if weakest:
        part, count = weakest[0]
        lines.append(f"    most often the weakest part: {part} ({count} of {len(cards)} streams)")
    if worst.recommendations:
        lines.append(f"    for the next stream: {worst.recommendations[0].text}")
    return lines


def demo_report(dataset: Dataset, results: ScoreResults, *, lang: str = "en") -> str:
    """Per brand: what it sells through whom, the STEPS score by pillar with the stage and the
    weakest pillar, the next moves, trust, the Douyin-interest view and the streams."""
    blocks = []
    for brand in dataset.brands:
        lines = [brand_summary(brand), ""]
        steps_card = _card(results, "steps", brand.brand_id, brand.brand_id)
        if steps_card is not None:
            notes = steps_card.notes
            lines.append(
                f"  STEPS {steps_card.score:.0f}/100 (confidence {steps_card.confidence:.0%}) · "
                f"stage: {notes.get('stage', 'n/a')} ({notes.get('stage_source', 'n/a')})"
            )
            if "stage_evidence" in notes:
                lines.append(f"    evidence: {notes['stage_evidence']}")
            lines.extend(_component_lines(steps_card, lang))
            weakest = notes.get("weakest_pillar")
            if weakest and weakest != "none":
                component = steps_card.component(weakest)
                lines.append(
                    f"    weakest pillar for the stage: {weakest} {_label(component, lang)}"
                )
            if steps_card.recommendations:
                lines.append("  Next moves:")
                lines.extend(
                    f"    {n}. {r.text}" for n, r in enumerate(steps_card.recommendations, 1)
                )
        for scorer, title in (
            ("trust", "Trust"),
            ("douyin-interest-brand", "Douyin interest (FACT)"),
        ):
            card = _card(results, scorer, brand.brand_id, brand.brand_id)
            if card is None:
                continue
            parts = ", ".join(
                f"{c.key} {c.score:.0f}" if c.score is not None else f"{c.key} n/a"
                for c in card.components
            )
            lines.append(f"  {title} {card.score:.0f}/100 · {parts}")
            if card.recommendations:
                lines.append(f"    next: {card.recommendations[0].text}")
        lines.extend(_stream_lines(results, brand, lang))
        lines.extend(_failures(results, brand))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) if blocks else "no brands"


#: The article's contrast, pillar by pillar: where Kuaishou's STEPS and Douyin's FACT look at
#: the same lever, and where only one of them does.
COMPARISON: Sequence[tuple[str | None, str | None, str]] = (
    ("S", "F", "own accounts: self-broadcast / Field"),
    ("E", "A", "talents: elite distribution / Alliance"),
    ("E", "T", "big talents: 100w+ talents / Top-KOL"),
    ("T", "C", "public traffic: paid boost / platform campaigns"),
    ("P", None, "private domain: repurchase and fans (trust e-commerce only)"),
    ("SS", None, "channel-exclusive supply (STEPS only)"),
)


def compare_report(dataset: Dataset, results: ScoreResults, *, lang: str = "en") -> str:
    """One brand judged by Kuaishou's STEPS and by Douyin's interest logic, side by side."""
    blocks = []
    for brand in dataset.brands:
        steps_card = _card(results, "steps", brand.brand_id, brand.brand_id)
        fact_card = _card(results, "douyin-interest-brand", brand.brand_id, brand.brand_id)
        platform = metrics.main_platform(brand)
        head = f"{brand.name} ({brand.brand_id}) · {platform.value if platform else 'no platform'}"
        if steps_card is None or fact_card is None:
            missing = [
                n
                for n, c in (("steps", steps_card), ("douyin-interest-brand", fact_card))
                if c is None
            ]
            blocks.append(f"{head}\n  not compared: no card from {', '.join(missing)}")
            continue
        lines = [
            head,
            f"  {'Kuaishou STEPS':<38} {steps_card.score:5.0f}   "
            f"{'Douyin interest (FACT)':<38} {fact_card.score:5.0f}",
        ]
        for left, right, theme in COMPARISON:
            left_text = _side(steps_card, left, lang)
            right_text = _side(fact_card, right, lang)
            lines.append(f"  {left_text:<44}   {right_text:<44}  {theme}")
        stream_scores = [
            c.score
            for c in results.cards
            if c.scorer == "douyin-interest" and c.brand_id == brand.brand_id
        ]
        if stream_scores:
            average = sum(stream_scores) / len(stream_scores)
            lines.append(
                f"  per stream, Douyin interest averages {average:.0f} "
                f"over {len(stream_scores)} streams"
            )
        lines.append(f"  verdict: {_verdict(steps_card, fact_card, lang)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) if blocks else "no brands"


def _side(card: ScoreCard, key: str | None, lang: str) -> str:
    if key is None:
        return "—"
    try:
        component = card.component(key)
    except KeyError:
        return "—"
    score = "n/a" if component.score is None else f"{component.score:.0f}"
    return f"{key:<3}{_label(component, lang)[:30]:<31}{score:>5}"


def _verdict(steps_card: ScoreCard, fact_card: ScoreCard, lang: str) -> str:
    gap = steps_card.score - fact_card.score
    strongest = max(
        (c for c in steps_card.components if c.score is not None),
        key=lambda c: (c.score, c.key),
        default=None,
    )
    weakest = fact_card.weakest_component
    if abs(gap) < 5 or strongest is None or weakest is None:
        return "about as strong under both logics"
    if gap > 0:
        return (
            f"stronger under trust logic by {gap:.0f} points: STEPS rates "
            f"{_label(strongest, lang)} highest, interest logic marks it down on "
            f"{_label(weakest, lang)}"
        )
    return (
        f"stronger under interest logic by {-gap:.0f} points: it rates "
        f"{_label(max(fact_card.components, key=lambda c: (c.score or 0, c.key)), lang)} "
        f"highest, STEPS marks it down on "
        f"{_label(steps_card.weakest_component or strongest, lang)}"
    )
