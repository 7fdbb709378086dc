"""Checks and builders shared by the tests of the built-in STAGE, Douyin and trust scorers."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import attrs
from hypothesis import strategies as st

from steps.domain.enums import Platform
from steps.domain.model import Account, Brand, Stream
from steps.scoring.batch import StreamColumns, subjects_table
from steps.scoring.contract import StreamSubject
from steps.scoring.indicators import Component, Origin, Provenance
from steps.scoring.messages import LANGUAGES, builtin_catalogue
from steps.scoring.results import ScoreCard
from steps.testing import strategies

DOCS = Path(__file__).resolve().parents[2] / "docs" / "scorers"


def check_card(card: ScoreCard, components: Sequence[Component[Any]]) -> None:
    """Every invariant a card of a built-in methodology scorer keeps."""
    assert math.isfinite(card.score)
    assert 0.0 <= card.score <= 100.0
    assert 0.0 <= card.confidence <= 1.0
    assert [c.key for c in card.components] == [c.key for c in components]
    total = math.fsum(c.contribution for c in card.components)
    assert math.isclose(total, card.score, rel_tol=0, abs_tol=1e-9), (total, card.score)
    definitions = {c.key: c for c in components}
    available_weight = 0.0
    for component in card.components:
        definition = definitions[component.key]
        assert [i.key for i in component.indicators] == [i.key for i in definition.indicators]
        parts = math.fsum(i.contribution for i in component.indicators)
        assert math.isclose(parts, component.contribution, rel_tol=0, abs_tol=1e-9)
        if component.score is None:
            assert component.weight == 0.0
            assert component.contribution == 0.0
        else:
            assert 0.0 <= component.score <= 100.0
            available_weight += component.weight
            assert math.isclose(
                component.contribution, component.weight * component.score, abs_tol=1e-9
            )
        for indicator in component.indicators:
            if indicator.value is None:
                assert indicator.score is None
                assert indicator.missing, indicator.key
                assert indicator.contribution == 0.0
            else:
                assert math.isfinite(indicator.value)
                assert indicator.score is not None
                assert 0.0 <= indicator.score <= 100.0
    if any(c.score is not None for c in card.components):
        assert math.isclose(available_weight, 1.0, abs_tol=1e-9)
    else:
        assert card.score == 0.0
        assert card.confidence == 0.0
    keys = {c.key for c in card.components}
    for recommendation in card.recommendations:
        assert recommendation.component in keys
        assert recommendation.text
    # One recommendation per part at most.
    targets = [r.component for r in card.recommendations]
    assert len(targets) == len(set(targets))


def check_definitions(components: Sequence[Component[Any]], scorer: str) -> None:
    """Every indicator has names, unit, formula, inputs, advice in English and Chinese in the
    message catalogue (none inline), and a default benchmark for Kuaishou, Douyin and any
    platform, each marked an assumption or citing a published source on the sources page."""
    catalogue = builtin_catalogue()
    keys = [i.key for c in components for i in c.indicators]
    assert len(keys) == len(set(keys)), keys
    for component in components:
        assert component.name
        assert component.name_zh
        for indicator in component.indicators:
            for text in (indicator.name, indicator.name_zh, indicator.unit, indicator.formula):
                assert text.strip(), indicator.key
            assert indicator.inputs, indicator.key
            assert not indicator.advice, f"{indicator.key}: advice belongs in the catalogue"
            for language in LANGUAGES:
                advice = catalogue.template(f"{scorer}.{indicator.key}.advice", language)
                assert advice is not None, (scorer, indicator.key, language)
                assert advice.strip().endswith((".", "。")), (scorer, indicator.key, language)
            assert set(indicator.defaults) == {"kuaishou", "douyin", "*"}, indicator.key
            for benchmark in indicator.defaults.values():
                assert benchmark.source.startswith(("published: ", "assumption: ")), (
                    indicator.key,
                    benchmark.source,
                )
                if benchmark.source.startswith("published: "):
                    assert "sources.md#" in benchmark.source, (indicator.key, benchmark.source)
                for anchor in re.findall(r"sources\.md#([a-z0-9-]+)", benchmark.source):
                    assert anchor in sources_anchors(), (indicator.key, anchor)


SOURCES = DOCS.parent / "sources.md"


def sources_anchors() -> set[str]:
    """The explicit anchors (``{#anchor}``) and heading anchors of docs/sources.md."""
    text = SOURCES.read_text(encoding="utf-8")
    anchors = set(re.findall(r"\{#([a-z0-9-]+)\}", text))
    for heading in re.findall(r"^#{2,3} ([^{\n]+?)\s*$", text, re.M):
        anchors.add(re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-"))
    return anchors


def check_provenance(components: Sequence[Component[Any]], page: str) -> None:
    """Every indicator says where it comes from: an article provenance quotes words that stand
    in the article passage its scorer page quotes (between ``<!-- article:start -->`` and
    ``<!-- article:end -->``), a published one cites an anchor of docs/sources.md, an
    assumption says why; every note is a sentence."""
    passage = doc_block(page, "article")
    for component in components:
        for indicator in component.indicators:
            provenance = indicator.provenance
            assert isinstance(provenance, Provenance), f"{indicator.key} has no provenance"
            assert provenance.note.strip().endswith("."), (indicator.key, provenance.note)
            if provenance.origin is Origin.ARTICLE:
                assert provenance.quote, indicator.key
                assert provenance.quote in passage, (indicator.key, provenance.quote)
            elif provenance.origin is Origin.PUBLISHED:
                assert provenance.citation, indicator.key
                page_name, _, anchor = provenance.citation.partition("#")
                assert page_name == "sources.md", provenance.citation
                assert anchor in sources_anchors(), (indicator.key, anchor)
            else:
                assert provenance.quote is None, indicator.key


def check_measures(subject: Any, components: Sequence[Component[Any]]) -> None:
    """Each indicator gives ``None`` or a finite float for ``subject``, never NaN or
    infinity: its ``measure``, or its ``columns`` over a table of the one stream."""
    columns = None
    for component in components:
        for indicator in component.indicators:
            if indicator.columns is not None:
                if columns is None:
                    table, catalog = subjects_table([subject])
                    columns = StreamColumns(table, catalog.brands(table))
                values, available = indicator.columns(columns)
                assert values.shape == available.shape == (1,), indicator.key
                value = float(values[0]) if available[0] else None
                assert values[0] == 0.0 or available[0], (indicator.key, values[0])
            else:
                assert indicator.measure is not None, indicator.key
                value = indicator.measure(subject)
            assert value is None or (isinstance(value, float | int) and math.isfinite(value)), (
                indicator.key,
                value,
            )


@st.composite
def brand_with_stream(draw: st.DrawFn) -> tuple[Brand, Stream]:
    """A brand with one account, a few products and exactly one stream (from
    :mod:`steps.testing.strategies`), so that per-stream properties never filter."""
    product_ids = draw(st.lists(strategies.identifiers(), unique=True, max_size=4))
    platform = draw(st.sampled_from(Platform))
    stream = draw(strategies.streams(["acc"], product_ids))
    brand = Brand(
        brand_id="b",
        name="Brand",
        category=draw(strategies.texts()),
        accounts=(Account(account_id="acc", platform=platform, name="Acc"),),
        products=tuple(draw(strategies.products(product_id=p)) for p in product_ids),
        streams=(stream,),
    )
    return brand, stream


def with_stream(brand: Brand, stream: Stream) -> StreamSubject:
    """The subject of ``stream`` in ``brand`` with its first stream replaced by it."""
    rebuilt = attrs.evolve(brand, streams=(stream, *brand.streams[1:]))
    return subjects_of(rebuilt)[0]


def subjects_of(brand: Brand) -> list[StreamSubject]:
    accounts = {a.account_id: a for a in brand.accounts}
    return [StreamSubject(s, brand, accounts.get(s.account_id)) for s in brand.streams]


def minimal_brand(stream: Stream | None = None, *, platform: Platform = Platform.KUAISHOU) -> Brand:
    """A brand with one account and (optionally) one stream and nothing else."""
    return Brand(
        brand_id="b",
        name="Brand",
        category="beauty",
        accounts=(Account(account_id="acc", platform=platform, name="Acc"),),
        streams=() if stream is None else (stream,),
    )


def empty_stream(stream_id: str = "s0") -> Stream:
    """A stream with nothing recorded beyond its required fields, all zero."""
    return Stream(
        stream_id=stream_id,
        account_id="acc",
        started_at=datetime(2022, 3, 1, 20, tzinfo=UTC),
        duration_seconds=0,
        uv=0,
        watch_seconds=0,
        orders=0,
        buyers=0,
        gmv_fen=0,
    )


def doc_block(page: str, name: str) -> str:
    """The text of ``page`` between ``<!-- name:start -->`` and ``<!-- name:end -->``."""
    text = (DOCS / page).read_text(encoding="utf-8")
    match = re.search(
        rf"<!-- {re.escape(name)}:start -->\n(.*?)<!-- {re.escape(name)}:end -->", text, re.S
    )
    assert match, f"{page} has no {name} block"
    return match.group(1)


DAY = date(2022, 3, 1)


def _value(value: float | None) -> str:
    if value is None:
        return "not available"
    return f"{value:,.4f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:,.0f}"


def _points(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def example_block(card: ScoreCard, brand: Brand, subject_id: str) -> str:
    """The Markdown of a worked example: every indicator's value, score and contribution,
    the component totals and the recommendations of ``card``.  The scorer pages embed it
    between ``<!-- example:start -->`` and ``<!-- example:end -->``; the tests regenerate it
    from the bundled sample, so the numbers on the page are the numbers the code gives."""
    where = f"sample brand `{brand.brand_id}` ({brand.name}, category `{brand.category}`)"
    if card.subject_kind.value == "stream":
        where = f"stream `{subject_id}` of {where}"
    lines = [
        f"`{card.scorer}` on {where}: **score {card.score:.2f}**, "
        f"confidence {card.confidence:.2f}.",
        "",
        "| Part | Indicator | Value | Unit | Score | Weight in part | Points |",
        "|---|---|---|---|---|---|---|",
    ]
    for component in card.components:
        for indicator in component.indicators:
            lines.append(
                f"| `{component.key}` | `{indicator.key}` | {_value(indicator.value)} "
                f"| {indicator.unit} | {_points(indicator.score)} | {indicator.weight:.3f} "
                f"| {indicator.contribution:.2f} |"
            )
        lines.append(
            f"| `{component.key}` | **part total** | | | {_points(component.score)} "
            f"| part weight {component.weight:.3f} | **{component.contribution:.2f}** |"
        )
    lines += ["", "Recommendations:", ""]
    lines += [f"{n}. {r.text}" for n, r in enumerate(card.recommendations, 1)] or ["(none)"]
    if card.missing:
        lines += ["", "Not available:", ""]
        lines += [f"- {m}" for m in card.missing]
    return "\n".join(lines) + "\n"


def _blocks() -> dict[str, dict[str, str]]:
    """Every generated block of the scorer pages, computed from the code and the sample."""
    from steps.plugins._support import indicator_table
    from steps.plugins.douyin import (
        BRAND_COMPONENTS,
        STREAM_COMPONENTS,
        DouyinBrandScorer,
        DouyinStreamScorer,
    )
    from steps.plugins.stage import COMPONENTS as STAGE_COMPONENTS
    from steps.plugins.stage import StageScorer
    from steps.plugins.trust import COMPONENTS as TRUST_COMPONENTS
    from steps.plugins.trust import TrustScorer
    from steps.sample import sample_dataset
    from steps.scoring.contract import ScoringContext

    context = ScoringContext()
    brand = sample_dataset().brands[0]
    subject = subjects_of(brand)[0]
    stream_id = subject.stream.stream_id
    return {
        "stage.md": {
            "indicators": indicator_table(STAGE_COMPONENTS),
            "example": example_block(StageScorer().score(subject, context), brand, stream_id),
        },
        "douyin-interest.md": {
            "stream-indicators": indicator_table(STREAM_COMPONENTS),
            "brand-indicators": indicator_table(BRAND_COMPONENTS),
            "stream-example": example_block(
                DouyinStreamScorer().score(subject, context), brand, stream_id
            ),
            "brand-example": example_block(
                DouyinBrandScorer().score(brand, context), brand, brand.brand_id
            ),
        },
        "trust.md": {
            "indicators": indicator_table(TRUST_COMPONENTS),
            "example": example_block(TrustScorer().score(brand, context), brand, brand.brand_id),
        },
    }


def _keep_markers(body: str) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        return match.group(1) + body + match.group(2)

    return replace


def regenerate_docs() -> None:
    """Rewrite the generated blocks of docs/scorers/{stage,douyin-interest,trust}.md:
    ``python -m tests.plugins.support`` after changing an indicator or the sample."""
    for page, blocks in _blocks().items():
        path = DOCS / page
        text = path.read_text(encoding="utf-8")
        for name, body in blocks.items():
            pattern = rf"(<!-- {re.escape(name)}:start -->\n).*?(<!-- {re.escape(name)}:end -->)"
            text, count = re.subn(pattern, _keep_markers(body), text, flags=re.S)
            assert count == 1, f"{page}: block {name} found {count} times"
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    regenerate_docs()
