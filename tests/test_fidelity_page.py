"""docs/fidelity.md maps the article to the code: every built-in indicator is named on it,
every key it names exists, and every pillar, STAGE part, trust mechanism and figure of the
article has its place."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from steps.gmv.identities import BUILTIN_IDENTITIES
from steps.sample import sample_dataset
from steps.scoring.contract import ScoringContext, StreamSubject
from steps.scoring.indicators import Component
from steps.scoring.plugins import PluginHost, ScorerRecord
from steps.scoring.results import SubjectKind

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "fidelity.md"
GMV_PAGE = ROOT / "docs" / "gmv.md"

#: A key as the page writes it: `scorer.component.indicator`.
KEY = re.compile(r"`([a-z][a-z0-9-]*)\.([A-Za-z][A-Za-z0-9_]*)\.([a-z0-9_]+)`")

#: The article's figures, in its own words: each has a row of the figures table.
FIGURES = (
    "全文共3598字,阅读需要7分钟",
    "6800亿元,同比增长78.4%",
    "从2018年的0.97亿上升到2021年的6800亿",
    "2020年平台平均复购率高达65%",
    "2021年9月复购率快手电商突破70%",
    "重构10亿人的消费决策",
    "一二线用户占比45%",
    "站内分发等级达到100w+",
    "二手手机180天质保",
)


def page_text() -> str:
    return PAGE.read_text(encoding="utf-8")


def _subjects(record: ScorerRecord) -> Iterator[Any]:
    for brand in sample_dataset().brands:
        if record.subject is SubjectKind.BRAND:
            yield brand
            continue
        accounts = {a.account_id: a for a in brand.accounts}
        for stream in brand.streams:
            yield StreamSubject(stream, brand, accounts.get(stream.account_id))


def _module_components(module_name: str) -> Iterator[Component[Any]]:
    """The components a plugin module defines, including those a scorer drops for some
    subjects (trust's category-specific promises)."""
    for value in vars(sys.modules[module_name]).values():
        if isinstance(value, Component):
            yield value
        elif isinstance(value, tuple):
            yield from (v for v in value if isinstance(v, Component))


def builtin_keys() -> dict[str, set[str]]:
    """Scorer name → its indicators' `component.indicator` keys, for every built-in scorer
    the plugin host registers."""
    context = ScoringContext()
    out: dict[str, set[str]] = {}
    for record in PluginHost().scorers():
        if not record.plugin.builtin:
            continue
        components: dict[str, set[str]] = {}
        for subject in _subjects(record):
            for component in record.scorer.components(subject, context):  # type: ignore[attr-defined]
                keys = components.setdefault(component.key, set())
                keys.update(i.key for i in component.indicators)
        for component in _module_components(record.plugin.name):
            if component.key in components:
                components[component.key].update(i.key for i in component.indicators)
        out[record.name] = {f"{c}.{i}" for c, keys in components.items() for i in keys}
    return out


def named_keys(text: str, scorers: Iterable[str]) -> set[str]:
    """The `scorer.component.indicator` keys ``text`` names, for the given scorers."""
    wanted = set(scorers)
    return {".".join(m.groups()) for m in KEY.finditer(text) if m.group(1) in wanted}


def all_keys(keys: dict[str, set[str]]) -> set[str]:
    return {f"{scorer}.{key}" for scorer, inner in keys.items() for key in inner}


@pytest.fixture(scope="module")
def keys() -> dict[str, set[str]]:
    return builtin_keys()


def test_the_builtin_scorers_are_all_enumerated(keys: dict[str, set[str]]) -> None:
    assert set(keys) == {"douyin-interest", "douyin-interest-brand", "stage", "steps", "trust"}
    # trust's category-specific promises are dropped for the sample's categories: the module
    # scan still finds them
    assert {"promises.jewellery_appraisal", "promises.phone_warranty_180d"} <= keys["trust"]


def test_every_builtin_indicator_is_named_on_the_page(keys: dict[str, set[str]]) -> None:
    missing = all_keys(keys) - named_keys(page_text(), keys)
    assert not missing, f"indicators not named on docs/fidelity.md: {sorted(missing)}"


def test_every_key_the_page_names_exists(keys: dict[str, set[str]]) -> None:
    unknown = named_keys(page_text(), keys) - all_keys(keys)
    assert not unknown, f"docs/fidelity.md names keys that do not exist: {sorted(unknown)}"


def test_the_checks_catch_a_missing_and_an_unknown_key(keys: dict[str, set[str]]) -> None:
    text = page_text().replace("`steps.P.purchase_frequency`", "`steps.P.purchase_frequencies`")
    assert all_keys(keys) - named_keys(text, keys) == {"steps.P.purchase_frequency"}
    assert named_keys(text, keys) - all_keys(keys) == {"steps.P.purchase_frequencies"}


def _headings(text: str) -> list[str]:
    return re.findall(r"^### (.+)$", text, re.M)


def test_every_pillar_and_stage_part_has_a_section() -> None:
    host = PluginHost()
    headings = _headings(page_text())
    brand = sample_dataset().brands[0]
    steps_components = host.scorer("steps").scorer.components(brand, ScoringContext())  # type: ignore[attr-defined]
    assert [c.key for c in steps_components] == ["S", "T", "E", "P", "SS"]
    for component in steps_components:
        assert any(h.startswith(f"{component.key} {component.name_zh}") for h in headings), (
            component.key
        )
    stage = host.scorer("stage")
    subject = next(iter(_subjects(stage)))
    stage_components = stage.scorer.components(subject, ScoringContext())  # type: ignore[attr-defined]
    assert len(stage_components) == 5
    for component in stage_components:
        assert any(h.startswith(f"{component.key}:") for h in headings), component.key


def test_every_trust_mechanism_is_listed() -> None:
    text = page_text()
    for words in ("“信任卡”", "信任三角", "知识产权保护规则", "超过预期的售后服务措施"):
        assert words in text, words
    layers = re.search(r"### The three layers of trust-buy.*?\n\n(.*?)\n\n", text, re.S)
    assert layers is not None
    rows = [r for r in layers.group(1).splitlines() if re.match(r"\| [123]\. ", r)]
    assert len(rows) == 3
    assert "围绕交易建立基础信任" in rows[0]
    assert "真宝仓库" in rows[1]
    assert "二手手机180天质保" in rows[1]
    assert "退款不退货" in rows[2]
    assert "粉丝团运营" in rows[2]
    priority = text.split("### Priority recommendation (优先推荐)", 1)[1].split("\n## ", 1)[0]
    assert "**Not modelled**" in priority
    assert "优先推荐" in priority


def test_every_figure_is_quoted_and_derived_ones_are_marked() -> None:
    table = page_text().split("## The article's figures", 1)[1].split("\n## ", 1)[0]
    rows = [r for r in table.splitlines() if r.startswith("| ")]
    for figure in FIGURES:
        assert any(figure in row for row in rows), figure
    derived = [r for r in rows if "3812亿" in r]
    assert len(derived) == 1
    assert "**derived**" in derived[0]
    assert "(not stated)" in derived[0]


def test_the_gmv_page_marks_the_2020_figure_as_derived() -> None:
    text = GMV_PAGE.read_text(encoding="utf-8")
    at = text.index("381.2 billion")
    sentence = text[max(0, at - 200) : at + 300]
    assert "derived" in sentence
    assert "DOMAIN.md" not in text


def test_the_identities_the_page_names_exist() -> None:
    text = page_text()
    named = set(re.findall(r"identity `([a-z0-9-]+)`", text))
    assert {"traditional", "kuaishou", "kuaishou-content-views"} <= named
    assert named <= {identity.key for identity in BUILTIN_IDENTITIES}


def test_every_quote_is_a_quote_of_chinese_words() -> None:
    # a quote kept on one line: a line break inside Chinese renders as a stray space
    for line in page_text().splitlines():
        assert line.count("「") == line.count("」"), line
    quotes = re.findall(r"「(.*?)」", page_text())
    assert len(quotes) > 60
    assert all(re.search(r"[\u4e00-\u9fff]", q) for q in quotes)
