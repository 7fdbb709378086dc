"""docs/results.md's tables of minimum confidences are the code's, and the confidences it
quotes are those the built-in scorers reach.

Regenerate both tables after changing a scorer or a minimum:
``python -m tests.scoring.test_confidence_docs`` from the repository root.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import attrs

import steps
from steps._shapes import SHAPES
from steps.domain import Dataset, Platform, Section, SectionCoverage, Stream
from steps.scoring.base import SubjectKind
from steps.scoring.confidence import BUILTIN_MIN_CONFIDENCE, min_confidence
from steps.scoring.plugins import default_host

PAGE = Path(__file__).resolve().parents[2] / "docs" / "results.md"
#: A stream's required fields, which every live-session list has.
_REQUIRED = frozenset(f.name for f in attrs.fields(Stream) if f.default is attrs.NOTHING)
#: What a live-session list carries of a stream, per platform: the columns of Kuaishou's
#: 直播明细 and Douyin's 直播列表, as the sample's export shapes (and the bundled profiles)
#: hold them.
LIVE_SESSION_FIELDS = {
    shape.platform: _REQUIRED | shape.fields["stream"] for shape in SHAPES.values()
}


def live_sessions_only(dataset: Dataset) -> Dataset:
    """Each brand reduced to what its live-session lists say: the streams with the columns
    of :data:`LIVE_SESSION_FIELDS` for their account's platform, coverage declaring the
    streams alone."""
    brands = []
    for brand in dataset.brands:
        platforms = {a.account_id: a.platform for a in brand.accounts}
        streams = []
        for stream in brand.streams:
            fields = LIVE_SESSION_FIELDS[platforms[stream.account_id]]
            kept: dict[str, Any] = {}
            for field in attrs.fields(type(stream)):
                if field.name in fields:
                    kept[field.name] = getattr(stream, field.name)
            streams.append(type(stream)(**kept))
        days = sorted(s.started_at.date() for s in streams)
        accounts = tuple(attrs.evolve(a, fan_group=None, audience=None) for a in brand.accounts)
        brands.append(
            attrs.evolve(
                brand,
                accounts=accounts,
                streams=tuple(streams),
                orders=(),
                products=(),
                talent_collabs=(),
                trust_signals=(),
                short_videos=(),
                paid_campaigns=(),
                audience=None,
                coverage=(SectionCoverage(Section.STREAMS, days[0], days[-1]),),
            )
        )
    return attrs.evolve(dataset, brands=tuple(brands))


def _range(values: list[float]) -> str:
    low, high = f"{min(values):.2f}", f"{max(values):.2f}"
    return low if low == high else f"{low}–{high}"


def minimum_table() -> str:
    host = default_host()
    lines = ["| scorer | minimum | why |", "| --- | --- | --- |"]
    for record in host.scorers():
        if record.name in BUILTIN_MIN_CONFIDENCE:
            minimum = min_confidence(record.scorer, record.name, {})
            why = BUILTIN_MIN_CONFIDENCE[record.name].why
            lines.append(f"| `{record.name}` | {minimum:.2f} | {why} |")
    return "\n".join(lines)


def measured_table() -> str:
    sample = steps.sample_dataset()
    full = steps.score(sample)
    live = steps.score(live_sessions_only(sample))
    lines = ["| scorer | bundled sample | live-session list only |", "| --- | --- | --- |"]
    for info in full.scorers:
        if info.name not in BUILTIN_MIN_CONFIDENCE:
            continue
        mine = [c for c in live.cards if c.scorer == info.name]
        withheld = sum(1 for c in mine if c.score is None)
        verdict = (
            "scored"
            if not withheld
            else "withheld"
            if withheld == len(mine)
            else f"{withheld} of {len(mine)} withheld"
        )
        sampled = _range([c.confidence for c in full.cards if c.scorer == info.name])
        lines.append(
            f"| `{info.name}` | {sampled} | {_range([c.confidence for c in mine])}: {verdict} |"
        )
    return "\n".join(lines)


def _block(text: str, name: str) -> str:
    found = re.search(rf"<!-- {name}:start -->\n(.*?)\n<!-- {name}:end -->", text, re.S)
    assert found is not None, f"docs/results.md has no {name} block"
    return found.group(1)


def test_the_minimums_table_is_the_codes() -> None:
    assert _block(PAGE.read_text(encoding="utf-8"), "min-confidence") == minimum_table()


def test_the_measured_confidences_are_what_the_scorers_reach() -> None:
    assert _block(PAGE.read_text(encoding="utf-8"), "confidence-measured") == measured_table()


def on_douyin(dataset: Dataset) -> Dataset:
    """The same brands with every account on Douyin, whose live-session lists (罗盘) carry the
    product funnel that Kuaishou's do not."""
    return attrs.evolve(
        dataset,
        brands=tuple(
            attrs.evolve(
                brand,
                accounts=tuple(attrs.evolve(a, platform=Platform.DOUYIN) for a in brand.accounts),
            )
            for brand in dataset.brands
        ),
    )


def test_a_live_session_list_alone_withholds_what_it_cannot_support() -> None:
    sample = steps.sample_dataset()
    live = steps.score(live_sessions_only(sample))
    # A Kuaishou list: no product funnel and no buyers, so not even Douyin interest per stream.
    assert all(c.score is None for c in live.cards)
    # A Douyin list carries the funnel: Douyin interest per stream stands on most streams (the
    # buyers it cannot see keep its confidence near the minimum), the brand scorers do not.
    douyin = steps.score(live_sessions_only(on_douyin(sample)))
    interest = [c for c in douyin.cards if c.scorer == "douyin-interest"]
    assert sum(c.score is not None for c in interest) > len(interest) / 2
    assert all(c.score is None for c in douyin.cards if c.subject_kind is SubjectKind.BRAND)


def _regenerate() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for name, table in (
        ("min-confidence", minimum_table()),
        ("confidence-measured", measured_table()),
    ):
        text = re.sub(
            rf"(<!-- {name}:start -->\n).*?(\n<!-- {name}:end -->)",
            lambda m, table=table: m.group(1) + table + m.group(2),
            text,
            flags=re.S,
        )
    PAGE.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    _regenerate()
