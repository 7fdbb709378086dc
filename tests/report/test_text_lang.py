"""The report frame in Chinese: steps demo, compare and the score table read as Chinese around
the scorers' own text, on a terminal and in a pipe, with bars and columns lined up by display
width; English keeps the frame it had."""

from __future__ import annotations

import re
import sys
from functools import cache

import attrs
import pytest

from steps.cli import main
from steps.domain import Dataset, Section
from steps.report.summary import brand_summary_lines, category_name, platform_name
from steps.report.terminal import console_for, print_score_tables
from steps.report.text import (
    BrandScores,
    ScoreRow,
    bar,
    display_width,
    pad,
    score_header,
    stage_name,
    stage_source,
    truncate,
)
from steps.sample import sample_dataset
from tests.report.test_terminal import FakeTerminal, plain
from tests.scoring.test_messages import REPORT_NAMES, data_names, english_words

# The sample file the CLI reads, the same data as the bundled sample.
SAMPLE = "steps/data/sample.json"


@cache
def sample() -> Dataset:
    return sample_dataset()


def allowed_names() -> frozenset[str]:
    """What a Chinese report may show in Latin letters: names from the data (brands,
    products, talents, categories), the ids and the scorers' names."""
    dataset = sample()
    names = set(data_names(dataset)) | REPORT_NAMES
    for brand in dataset.brands:
        names.update((brand.name, brand.brand_id, brand.category))
    return frozenset(names)


def english_left(output: str) -> list[str]:
    allowed = allowed_names()
    return [word for line in output.splitlines() for word in english_words(line, allowed)]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 0
    return capsys.readouterr().out


def run_on_terminal(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("NO_COLOR", raising=False)
    stream = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", stream)
    assert main(argv) == 0
    return plain(stream.getvalue())


# -- no English frame in Chinese --------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [["demo", "--lang", "zh"], ["compare", SAMPLE, "--lang", "zh"]],
    ids=["demo", "compare"],
)
def test_chinese_reports_in_a_pipe_have_no_english_labels(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(argv, capsys)
    assert re.search(r"[\u4e00-\u9fff]", out)
    assert english_left(out) == []


@pytest.mark.parametrize("argv", [["demo", "--lang", "zh", "--color", "always"]], ids=["demo-rich"])
def test_the_chinese_demo_on_a_terminal_has_no_english_labels(
    argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = run_on_terminal(argv, monkeypatch)
    assert "下一步行动" in out
    assert english_left(out) == []


def test_the_english_check_catches_an_english_label() -> None:
    # The checks above could pass on an empty report; this one shows they read labels.
    assert english_left("  Next moves:\n  STEPS 50/100 · 起步期") == ["Next", "moves"]


def test_the_chinese_demo_names_stage_source_counts_and_platform(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = run(["demo", "--lang", "zh"], capsys)
    assert "阶段:起步期(推断)" in out
    assert "阶段:成长期(推断)" in out
    assert "阶段:成熟期(推断)" in out
    assert "1 个账号、13 场直播、直播成交 58 笔订单" in out
    assert "订单明细 862 条(2021-08-01..2021-09-30)" in out
    assert "青禾美妆 (b00) · 美妆 · 快手 ·" in out
    assert "复购率 12%(基于 862 条订单明细),私域GMV占比 30%,投放ROI 1.62" in out
    assert out.count("下一步行动:") == 3
    # Trust's parts by their Chinese names, FACT's by the article's letters.
    assert re.search(r"信任电商 \d+/100 · 服务承诺 \d+、", out)
    assert re.search(r"抖音兴趣电商\(FACT\) \d+/100 · F \d+、A \d+", out)


def test_a_forced_stage_is_named_as_set_by_hand() -> None:
    assert stage_name("mature", "zh") == "成熟期"
    assert stage_source("override", "zh") == "手动指定"
    assert stage_name("mature", "en") == "mature"
    assert stage_source("override", "en") == "override"
    assert stage_source("default", "zh") == "默认:数据不足以判断"
    assert stage_name(None, "zh") == "无数据"
    assert stage_name("someday", "zh") == "someday"  # a stage the catalogue does not know


def test_summary_lines_in_both_languages() -> None:
    full = sample().brands[0]
    # As a merchant's exports would leave it: no fan-group or paid-campaign export.
    missing = {Section.FAN_GROUPS, Section.PAID_CAMPAIGNS}
    brand = attrs.evolve(
        full,
        coverage=tuple(c for c in full.coverage or () if c.section not in missing),
        accounts=tuple(attrs.evolve(a, fan_group=None) for a in full.accounts),
        paid_campaigns=(),
    )
    english = brand_summary_lines(brand)
    # The orders the streams sold, not the order details (talents' orders too) beside them.
    assert english[0] == "青禾美妆 (b00) · beauty · kuaishou · 2021-08-01..2021-09-30"
    assert english[1].startswith("  GMV ¥102,616: self-broadcast ¥7,538 (7%)")  # no 万
    assert english[2] == "  1 account, 13 streams, 58 orders in streams"
    assert "order details 862 over 2021-08-01..2021-09-30" in english[3]
    assert english[4] == "  not provided: fan-group members, paid-campaign reports"
    assert english[5].startswith("  repurchase rate 12% over 862 order details, ")
    chinese = brand_summary_lines(brand, lang="zh")
    assert chinese[0] == "青禾美妆 (b00) · 美妆 · 快手 · 2021-08-01..2021-09-30"
    assert chinese[1].startswith("  GMV ¥10.3万:自播 ¥7,538(7%)")
    assert "次合作" in chinese[1]
    assert category_name("beauty", "zh") == "美妆"
    assert category_name("pet supplies", "zh") == "pet supplies"  # the data's own word
    assert platform_name("wechat_channels", "zh") == "微信视频号"
    assert platform_name("someplace", "zh") == "someplace"


def test_the_score_table_header_on_a_terminal_is_chinese(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "120")
    stream = FakeTerminal()
    console = console_for(stream, "always")
    assert console is not None
    block = BrandScores("青禾美妆 (b00)", (ScoreRow("b00", "steps", None, None, "失败"),))
    print_score_tables(console, "1", [block, BrandScores("空", ())], lang="zh")
    out = plain(stream.getvalue())
    assert re.search(r"对象\s+评分器\s+得分\s+置信度\s+最弱项", out)
    assert "(无评分)" in out
    assert english_left(out.replace("steps", "")) == []  # the scorer's name is data
    assert score_header("en") == ("SUBJECT", "SCORER", "SCORE", "CONF", "WEAKEST")


def test_the_chinese_score_table_keeps_its_scores_and_bars(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = run_on_terminal(["score", SAMPLE, "--lang", "zh", "--color", "always"], monkeypatch)
    assert re.search(r"\d+\.\d [█░]{8}", out)


# -- alignment by display width ----------------------------------------------------------------


def test_display_width_counts_wide_characters_twice() -> None:
    assert display_width("STEPS") == 5
    assert display_width("品牌自播") == 8
    assert display_width("¥16.3万") == 7
    assert pad("品牌自播", 10) == "品牌自播  "
    assert pad("47", 5, ">") == "   47"
    assert pad("无数据", 5, ">") == "无数据"  # already wider than the room: left as it is
    assert truncate("公域流量加持", 5) == "公域"
    assert truncate("Self-broadcast", 30) == "Self-broadcast"
    assert bar(None, 8, "zh") == "无数据  "


def bar_columns(output: str) -> set[int]:
    """The display column where each pillar row's bar starts."""
    rows = [line for line in output.splitlines() if re.match(r"\s+(S|T|E|P|SS)\s+\S.*[█░]", line)]
    assert len(rows) == 15  # five pillars, three brands
    return {display_width(re.split("[█░]", row, maxsplit=1)[0]) for row in rows}


def test_the_bars_line_up_in_the_chinese_demo(capsys: pytest.CaptureFixture[str]) -> None:
    chinese = run(["demo", "--lang", "zh"], capsys)
    english = run(["demo"], capsys)
    assert bar_columns(chinese) == bar_columns(english) == {47}
    weights = {
        display_width(line.split("权重")[0]) for line in chinese.splitlines() if "权重" in line
    }
    assert len(weights) == 1


def starts(row: str) -> set[int]:
    """The display columns where a run of text starts after two spaces or more."""
    found, column, gap = set(), 0, 0
    for ch in row:
        if ch != " " and gap >= 2:
            found.add(column)
        gap = gap + 1 if ch == " " else 0
        column += display_width(ch)
    return found


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_sides_line_up_in_compare(lang: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(["compare", SAMPLE, "--lang", lang], capsys)
    rows = [line for line in out.splitlines() if re.match(r"  (S |E |T |P |SS)", line)]
    assert len(rows) == 18
    # Every row has text starting at the FACT side (column 49) and at the theme (column 95),
    # the columns of the header's two scores' labels and of the English layout.
    for row in rows:
        assert {49, 95} <= starts(row), row
    headers = [line for line in out.splitlines() if line.endswith(tuple("0123456789"))]
    assert all(49 in starts(line) for line in headers if "STEPS" in line)


# -- the docs quote the real output --------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "argv"),
    [("steps demo | cat", ["demo"]), ("steps demo --lang zh | cat", ["demo", "--lang", "zh"])],
)
def test_docs_cli_quotes_the_demo_as_it_prints(
    command: str, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from pathlib import Path

    page = (Path(__file__).parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    quoted = page.split(f"$ {command}\n", 1)[1].split("\n...\n", 1)[0].splitlines()
    assert len(quoted) > 10
    assert run(argv, capsys).splitlines()[: len(quoted)] == quoted
