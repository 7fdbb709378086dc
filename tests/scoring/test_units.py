"""One formatter for units: shares, money, multiples, rates and durations, in both languages."""

from __future__ import annotations

import re

import pytest

import steps
from steps.plugins import douyin, stage, steps_brand, trust
from steps.sample import sample_dataset
from steps.scoring.indicators import LinearBenchmark, describe_benchmark
from steps.scoring.messages import builtin_catalogue
from steps.scoring.units import money_fen, money_yuan, number, percent, quantity

UNITS = sorted(
    {
        indicator.unit
        for components in (
            steps_brand.COMPONENTS,
            stage.COMPONENTS,
            douyin.STREAM_COMPONENTS,
            douyin.BRAND_COMPONENTS,
            trust.COMPONENTS,
        )
        for component in components
        for indicator in component.indicators
    }
)


@pytest.mark.parametrize(
    ("value", "unit", "en", "zh"),
    [
        (0.254, "share", "25.4%", "25.4%"),
        (0.1, "share of buyers", "10% of buyers", "占买家 10%"),
        (0.0004, "share", "0.04%", "0.04%"),
        (1.622, "×", "1.62×", "1.62×"),
        (63.8, "yuan/fan", "¥63.80 per new fan", "每个新粉 ¥63.80"),
        (2.0, "yuan/fan", "¥2 per new fan", "每个新粉 ¥2"),
        (15000.0, "yuan/hour", "¥15,000 per hour", "每小时 ¥1.5万"),
        (0.095, "× 100w", "¥95,000", "¥9.5万"),
        (31_220.6, "viewers per week", "31,221 viewers a week", "每周 3.12万 人"),
        (
            0.126,
            "fans/viewer",
            "12.6 new fans per 100 paid viewers",
            "每百名付费观看人带来 12.6 个新粉",
        ),
        (1.25, "shares/100 viewers", "1.25 shares per 100 viewers", "每百名观众分享 1.25 次"),
        (3.2, "per hour", "3.2 per hour", "每小时 3.2 次"),
        (42.3, "minutes", "42.3 min", "42.3 分钟"),
        (0.0, "enrolled (1) or not (0)", "not enrolled", "未开通"),
        (1.0, "enrolled (1) or not (0)", "enrolled", "已开通"),
        (3.0, "widgets", "3 widgets", "3 widgets"),
    ],
)
def test_values_read_in_their_unit(value: float, unit: str, en: str, zh: str) -> None:
    assert quantity(value, unit, "en") == en
    assert quantity(value, unit, "zh") == zh


def test_money_groups_thousands_in_english_and_counts_wan_and_yi_in_chinese() -> None:
    assert money_yuan(18.96) == "¥18.96"
    assert money_yuan(1097.4) == "¥1,097"
    assert money_yuan(12_345.0) == "¥12,345"
    assert money_yuan(12_345.0, "zh") == "¥1.23万"
    assert money_yuan(345_000_000.0, "zh") == "¥3.45亿"
    assert money_yuan(-250.0) == "-¥250"
    assert money_fen(1_234_500, "zh") == "¥1.23万"
    assert money_fen(185_358) == "¥1,854"
    assert number(31_220.0) == "31,220"
    assert number(31_220.0, "zh") == "3.12万"
    assert number(0.0012) == "0.0012"
    assert number(39.84) == "39.8"
    assert percent(0.5) == "50%"
    assert percent(0.0735) == "7.35%"


@pytest.mark.parametrize("unit", UNITS)
def test_every_built_in_unit_reads_in_chinese_without_english(unit: str) -> None:
    """Each unit of a built-in indicator has its Chinese display words in the catalogue, so
    Chinese output never falls back to the English unit."""
    flag = unit == "enrolled (1) or not (0)"  # read as 已开通 / 未开通
    key = "display.enrolled" if flag else f"display.{unit}"
    assert builtin_catalogue().template(key, "zh") is not None, unit
    shown = quantity(0.5, unit, "zh")
    assert [w for w in re.findall(r"[A-Za-z]{2,}", shown) if w not in {"GMV"}] == [], shown


def test_benchmarks_say_lower_is_better_and_use_the_unit() -> None:
    cost = LinearBenchmark(floor=20.0, target=2.0)
    assert describe_benchmark(cost, "en", "yuan/fan") == (
        "target ¥2 per new fan, floor ¥20 per new fan, lower is better"
    )
    assert describe_benchmark(cost, "zh", "yuan/fan").endswith("越低越好")
    share = LinearBenchmark(floor=0.1, target=0.5)
    assert describe_benchmark(share, "en", "share") == "target 50%, floor 10%"
    # without a unit (a plugin's call) the numbers stay plain
    assert describe_benchmark(share, "en") == "target 0.5, floor 0.1"


def test_explanations_show_shares_as_percentages_and_multiples_with_x() -> None:
    sample = sample_dataset()
    results = steps.score(sample, ["steps"])
    card = results.card("steps", sample.brands[0].brand_id)
    for indicator in card.indicators():
        if indicator.value is None:
            continue
        if indicator.unit == "share":
            assert "%" in indicator.explanation
            assert f"{indicator.value:.4g} share" not in indicator.explanation
        if indicator.unit == "×":
            assert re.search(r"\d×", indicator.explanation), indicator.explanation
