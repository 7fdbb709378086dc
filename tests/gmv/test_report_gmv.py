"""The report's GMV waterfalls and trends: one per platform, scope in the title, Chinese."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from typing import Any

import attrs
import pytest

pytest.importorskip("plotly")

from steps.domain.model import Dataset
from steps.gmv.trends import trend
from steps.report.html import build_report
from tests.gmv.support import douyin_brand, english_words, kuaishou_brand

WINDOW = {"window_start": date(2021, 8, 1), "window_end": date(2021, 9, 30)}
DATASET = Dataset(
    brands=(attrs.evolve(kuaishou_brand(), **WINDOW), attrs.evolve(douyin_brand(), **WINDOW))
)


def figures(page: str) -> list[dict[str, Any]]:
    body = re.search(r'<script type="application/json" id="steps-figures">(.*?)</script>', page)
    assert body is not None
    return [f["figure"] for f in json.loads(body.group(1))]


def panel(page: str, title: str) -> list[str]:
    """The visible text of every panel headed ``title``."""
    out = []
    for match in re.finditer(rf"<h3>{re.escape(title)}</h3>(.*?)(?=<div class=\"panel|</section>)",
                             page, re.DOTALL):  # fmt: skip
        text = re.sub(r"<[^>]+>", " ", match.group(1))
        out.append(html.unescape(text))
    return out


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return {lang: build_report(DATASET, lang=lang) for lang in ("en", "zh")}  # type: ignore[misc]


def test_each_platform_under_its_identity_with_its_scope(pages: dict[str, str]) -> None:
    waterfalls = [f for f in figures(pages["en"]) if f["data"][0]["type"] == "waterfall"]
    titles = [f["layout"]["title"]["text"] for f in waterfalls]
    assert titles == [
        "GMV attribution, self-broadcast streams: Kuaishou content form, five factors",
        "GMV attribution, self-broadcast streams: Douyin FACT+: content width × conversion depth",
    ]
    # FACT+ has four factors: before, four bars, after
    assert len(waterfalls[1]["data"][0]["x"]) == 6
    for figure in waterfalls:
        y = figure["data"][0]["y"]
        assert y[0] + sum(y[1:-1]) == pytest.approx(y[-1], abs=0.005)
    (text, *_) = panel(pages["en"], "GMV attribution")
    assert "Scope: self-broadcast streams" in text
    assert "largest positive driver" in text or "largest drag" in text
    assert "largest contribution" not in text


def test_the_trend_chart_and_table(pages: dict[str, str]) -> None:
    bars = [f for f in figures(pages["en"]) if f["data"][0]["type"] == "bar"]
    assert len(bars) == 2
    for figure, brand in zip(bars, DATASET.brands, strict=True):
        series = trend(DATASET, brand.brand_id, by="week", scores=False)
        assert figure["data"][0]["x"] == [p.label for p in series.periods]
        assert figure["data"][0]["y"] == [p.gmv_fen / 100 for p in series.periods]
    tables = panel(pages["en"], "GMV trend by week, self-broadcast streams")
    assert len(tables) == 2
    assert "STEPS" in tables[0]
    assert "2021-W39" in tables[0]


def test_chinese_sections_are_chinese(pages: dict[str, str]) -> None:
    page = pages["zh"]
    texts = panel(page, "GMV 归因") + panel(page, "品牌自播 GMV 趋势（按周）")
    assert len(texts) == 4
    for text in texts:
        assert english_words(text, DATASET) == [], text
    for figure in figures(page):
        if figure["data"][0]["type"] not in ("waterfall", "bar"):
            continue
        title = figure["layout"].get("title", {}).get("text")
        shown = [title]
        for trace in figure["data"]:
            shown += [trace.get("x"), trace.get("name"), trace.get("hovertext")]
        labels = json.dumps([x for x in shown if x is not None], ensure_ascii=False)
        assert english_words(html.unescape(labels.replace("<br>", "")), DATASET) == []
