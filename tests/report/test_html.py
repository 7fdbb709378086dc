"""The HTML report without a browser: self-contained, escaped, localised, robust.

The page must open offline (no URL in any ``src``/``href``, the chart library inlined once,
a Content Security Policy that forbids the network), show every user-supplied string as
text (a brand named ``<script>alert(1)</script>`` included), label charts in Chinese with
``--lang zh``, and name a failed scorer instead of crashing.
"""

from __future__ import annotations

import html
import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("plotly")

from steps.cli import main
from steps.domain.model import Dataset
from steps.io.files import dump
from steps.report.html import (
    FONT_FAMILY,
    build_report,
    default_periods,
    json_for_script,
    write_report,
)
from steps.sample import sample_dataset
from steps.scoring.engine import score
from steps.scoring.messages import text as message
from steps.scoring.results import ScoreError, SubjectKind

EVIL_BRAND = "<script>alert(1)</script>"
EVIL_ACCOUNT = '<img src=x onerror="alert(2)">'
EVIL_PRODUCT = "</script><script>alert(3)</script>\u2028<!--"
AMP_BRAND = 'Tom & Jerry "<b>bold</b>"'

#: Attributes that would make the browser fetch or navigate.
URL_ATTRIBUTES = frozenset(
    {"src", "href", "action", "formaction", "data", "poster", "srcset", "xlink:href", "background"}
)
EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


class Page(HTMLParser):
    """Tags, attributes, script bodies and visible text of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.text: list[str] = []
        self._script: dict[str, str | None] | None = None
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "script":
            self._script, self._buffer = attributes, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._buffer)))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._buffer.append(data)
        else:
            self.text.append(data)


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def evil_dataset() -> Dataset:
    """The bundled sample with hostile names on brand 0 and brand 1."""
    sample = sample_dataset()
    first, second, *rest = sample.brands
    accounts = (attrs.evolve(first.accounts[0], name=EVIL_ACCOUNT), *first.accounts[1:])
    products = (attrs.evolve(first.products[0], name=EVIL_PRODUCT), *first.products[1:])
    first = attrs.evolve(first, name=EVIL_BRAND, accounts=accounts, products=products)
    second = attrs.evolve(second, name=AMP_BRAND)
    return Dataset(brands=(first, second, *rest))


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return evil_dataset()


@pytest.fixture(scope="module")
def results(dataset: Dataset) -> Any:
    return score(dataset, ["steps", "douyin-interest-brand", "trust", "stage", "douyin-interest"])


@pytest.fixture(scope="module")
def report_en(dataset: Dataset, results: Any) -> str:
    return build_report(dataset, results=results, lang="en", source="<evil>.json")


@pytest.fixture(scope="module")
def report_zh(dataset: Dataset, results: Any) -> str:
    return build_report(dataset, results=results, lang="zh")


def figures(text: str) -> list[dict[str, Any]]:
    page = parse(text)
    (body,) = [s for a, s in page.scripts if a.get("id") == "steps-figures"]
    loaded: list[dict[str, Any]] = json.loads(body)
    return loaded


# -- self-contained ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_url_in_any_fetching_attribute(lang: str, report_en: str, report_zh: str) -> None:
    page = parse(report_en if lang == "en" else report_zh)
    for tag, attributes in page.tags:
        for name, value in attributes.items():
            if name in URL_ATTRIBUTES and value is not None:
                assert value.startswith("#"), f"<{tag} {name}={value!r}> would leave the page"
                assert not EXTERNAL.match(value)
    assert not {tag for tag, _ in page.tags} & {"link", "iframe", "img", "object", "embed", "base"}
    # No stylesheet fetches either.
    styles = "".join(t for t in page.text if "url(" in t)
    assert "http" not in styles


def test_policy_forbids_the_network(report_en: str) -> None:
    page = parse(report_en)
    (policy,) = [
        a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") is not None
    ]
    assert policy is not None
    assert "default-src 'none'" in policy
    assert "connect-src" not in policy  # falls back to default-src 'none'
    # Scripts run by hash only: one hash per executable script of the page.
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    executable = [s for a, s in page.scripts if a.get("type") is None]
    assert policy.count("'sha256-") == len(executable) == 3


def test_plotly_bundle_is_inlined_once(report_en: str) -> None:
    import plotly.offline

    bundle = plotly.offline.get_plotlyjs()
    assert report_en.count(bundle[:2000]) == 1
    assert report_en.count(bundle[-2000:]) == 1
    header = re.findall(r"plotly\.js v\d+\.\d+\.\d+", report_en)
    assert len(header) == 1
    page = parse(report_en)
    assert len(page.scripts) == 4  # the error hook, the chart data, plotly.js, the renderer
    assert [a.get("type") for a, _ in page.scripts] == [None, "application/json", None, None]
    assert not any(a.get("src") for a, _ in page.scripts)


# -- escaping ---------------------------------------------------------------------------------


def test_script_brand_appears_only_escaped(report_en: str, report_zh: str) -> None:
    for text in (report_en, report_zh):
        assert EVIL_BRAND not in text
        assert "alert(1)" in text
        # Every occurrence of the payload is the escaped one.
        assert text.count("alert(1)") == text.count("&lt;script&gt;alert(1)&lt;/script&gt;")
        page = parse(text)
        assert EVIL_BRAND in "".join(page.text)  # shown as text
        assert len(page.scripts) == 4  # nothing injected


def test_other_hostile_names_are_escaped(report_en: str) -> None:
    markup = re.sub(r"(?s)<script>.*?</script>", "", report_en)  # plotly.js aside
    assert EVIL_ACCOUNT not in markup
    assert "<img" not in markup
    assert "alert(3)" not in report_en.replace("&lt;/script&gt;&lt;script&gt;alert(3)", "")
    page = parse(report_en)
    visible = "".join(page.text)
    assert EVIL_ACCOUNT in visible  # the account column of the STAGE table
    assert AMP_BRAND in visible
    assert "Tom &amp; Jerry &quot;&lt;b&gt;bold&lt;/b&gt;&quot;" in report_en
    assert "&lt;evil&gt;.json" in report_en  # the source name in the header
    assert not any(tag == "b" and "bold" in str(a) for tag, a in page.tags)


def test_chart_data_is_safe_inside_script(report_en: str) -> None:
    page = parse(report_en)
    (body,) = [s for a, s in page.scripts if a.get("id") == "steps-figures"]
    for bad in ("</", "<!--", "\u2028", "\u2029", "<"):
        assert bad not in body
    assert len(json.loads(body)) == 12


@given(st.text())
def test_json_for_script_round_trips(text: str) -> None:
    encoded = json_for_script(json.dumps({"k": text, "tag": "</script><!--\u2028\u2029&"}))
    assert json.loads(encoded) == {"k": text, "tag": "</script><!--\u2028\u2029&"}
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in encoded


def test_chart_labels_are_escaped_for_plotly() -> None:
    from steps.report.html import _wrap_label

    assert _wrap_label("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert "<a" not in _wrap_label("<a href='http://x'>link</a>")
    assert _wrap_label("购买频次（复购）") == "购买频次<br>（复购）"
    assert _wrap_label("minutes per viewer") == "minutes per<br>viewer"


# -- content ----------------------------------------------------------------------------------


def test_every_brand_has_its_charts(report_en: str, dataset: Dataset) -> None:
    figs = figures(report_en)
    kinds = [f["figure"]["data"][0]["type"] for f in figs]
    assert kinds.count("scatterpolar") == 2 * len(dataset.brands)  # STEPS and FACT radars
    assert kinds.count("waterfall") == len(dataset.brands)
    assert kinds.count("bar") == len(dataset.brands)  # the GMV trends
    assert f'data-charts-expected="{len(figs)}"' in report_en
    for fig in figs:
        assert fig["figure"]["layout"]["font"]["family"] == FONT_FAMILY
        assert f'id="{fig["id"]}"' in report_en
    # The STEPS radar: the scores and the stage's emphasis (heaviest pillar at 100).
    steps_radar = figs[0]["figure"]["data"]
    assert len(steps_radar) == 2
    assert max(steps_radar[0]["r"]) == pytest.approx(100.0)
    assert steps_radar[0]["theta"][0] == steps_radar[0]["theta"][-1]  # closed polygon


def test_waterfall_adds_up_exactly(report_en: str) -> None:
    for fig in figures(report_en):
        trace = fig["figure"]["data"][0]
        if trace["type"] != "waterfall":
            continue
        y = trace["y"]
        assert trace["measure"] == ["absolute"] + ["relative"] * 5 + ["total"]
        assert y[0] + sum(y[1:-1]) == pytest.approx(y[-1], abs=0.005)


def test_stage_table_highlights_the_weakest_part(report_en: str, results: Any) -> None:
    stage_cards = list(results.for_scorer("stage"))
    assert report_en.count('class="num weakest"') == sum(
        1 for c in stage_cards if c.weakest_component is not None
    )


def test_english_labels(report_en: str) -> None:
    assert '<html lang="en">' in report_en
    for label in ("Self-broadcast", "Trust card", "GMV attribution", "Streams (STAGE)"):
        assert label in report_en
    assert message("report.html.title", "zh") not in report_en


def test_chinese_labels(report_zh: str) -> None:
    assert '<html lang="zh-CN">' in report_zh
    page = parse(report_zh)
    visible = "".join(page.text)
    for label in ("直播电商经营报告", "信任卡", "GMV 归因", "单场直播（STAGE）", "品牌自播"):
        assert label in visible
    labels = json.dumps(figures(report_zh), ensure_ascii=False)
    for label in ("品牌自播", "私域运营", "达人矩阵", "观看人数", "客单价", "成长期"):
        assert label in labels
    assert "Self-broadcast" not in labels


def test_default_periods_split_the_window() -> None:
    brand = sample_dataset().brands[0]
    assert brand.window_start == date(2021, 8, 1)
    assert brand.window_end == date(2021, 9, 30)
    assert default_periods(brand) == (
        (date(2021, 8, 1), date(2021, 8, 30)),
        (date(2021, 8, 31), date(2021, 9, 30)),
    )
    assert default_periods(attrs.evolve(brand, streams=(), orders=(), window_start=None)) is None


# -- robustness -------------------------------------------------------------------------------


def test_a_failed_scorer_is_named_not_fatal(dataset: Dataset, results: Any) -> None:
    brand = dataset.brands[0]
    failure = ScoreError(
        scorer="steps",
        plugin="steps.plugins.steps_brand",
        subject_kind=SubjectKind.BRAND,
        subject_id=brand.brand_id,
        brand_id=brand.brand_id,
        error_type="ZeroDivisionError",
        message="<b>division</b> by zero",
    )
    stream_failure = attrs.evolve(
        failure,
        scorer="stage",
        plugin="steps.plugins.stage",
        subject_kind=SubjectKind.STREAM,
        subject_id=brand.streams[0].stream_id,
    )
    broken = attrs.evolve(
        results,
        cards=tuple(
            c
            for c in results.cards
            if not (c.brand_id == brand.brand_id and c.scorer == "steps")
            and not (c.scorer == "stage" and c.subject_id == brand.streams[0].stream_id)
        ),
        errors=(failure, stream_failure),
    )
    text = build_report(dataset, results=broken, lang="en")
    assert (
        "STEPS failed for this brand: ZeroDivisionError: &lt;b&gt;division&lt;/b&gt; by zero"
        in text
    )
    assert "STAGE failed on 1 of the brand&#x27;s streams" in text
    assert "<b>division" not in text
    figs = figures(text)
    assert len(figs) == 11  # one radar fewer, everything else still drawn
    zh = build_report(dataset, results=broken, lang="zh")
    assert "STEPS 评分失败：ZeroDivisionError" in zh


def test_missing_scorers_and_empty_brands(dataset: Dataset) -> None:
    from steps.scoring.engine import ScoreResults

    empty = attrs.evolve(
        dataset.brands[2], streams=(), orders=(), talent_collabs=(), window_start=None,
        window_end=None,
    )  # fmt: skip
    text = build_report(Dataset(brands=(empty,)), results=ScoreResults(), lang="en")
    assert "The brand has no streams." in text
    assert "No streams in either period" in text
    assert 'data-charts-expected="0"' in text


def test_periods_without_streams(dataset: Dataset, results: Any) -> None:
    periods = ((date(2020, 1, 1), date(2020, 1, 31)), (date(2020, 2, 1), date(2020, 2, 28)))
    text = build_report(dataset, results=results, periods=periods, brands=["b01"])
    assert "No streams in either period" in text
    assert "2020-01-01..2020-01-31" in text
    assert len(figures(text)) == 3  # the radars and the trend


def test_unknown_language() -> None:
    with pytest.raises(ValueError, match="unknown language"):
        build_report(Dataset(), lang="fr")  # type: ignore[arg-type]


# -- files and the command line ---------------------------------------------------------------


def test_write_report_is_atomic(tmp_path: Path, dataset: Dataset, results: Any) -> None:
    out = tmp_path / "sub" / "report.html"
    summary = write_report(out, dataset, results=results, lang="zh", brands=["b02"])
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert summary.brands == 1
    assert summary.charts == 4
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]  # no temporary left


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "brands.json"
    dump(evil_dataset(), path)
    return path


def test_cli_writes_the_report(
    data_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    assert main(["report", str(data_file), "-o", str(out), "--lang", "zh"]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert text.rstrip().endswith("</html>")
    assert "直播电商经营报告" in text
    assert EVIL_BRAND not in text
    assert "已写入" in capsys.readouterr().out


def test_cli_periods_and_brand(data_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code = main(
        [
            "report", str(data_file), "-o", str(out), "--brand", "b02",
            "--from", "2021-08-01..2021-08-31", "--to", "2021-09-01..2021-09-30",
        ]
    )  # fmt: skip
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert "2021-08-01..2021-08-31 → 2021-09-01..2021-09-30" in text
    assert text.count('class="brand"') == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--from", "2021-08-01..2021-08-31"], "go together"),
        (["--from", "2021-08-31..2021-08-01", "--to", "2021-09-01"], "before it starts"),
        (["--from", "August", "--to", "2021-09-01"], "not a period"),
        (["--brand", "nope"], "no brand 'nope'"),
    ],
)
def test_cli_usage_errors(
    data_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    out = tmp_path / "report.html"
    assert main(["report", str(data_file), "-o", str(out), *extra]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_cli_invalid_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert main(["report", str(bad), "-o", str(tmp_path / "r.html")]) == 1
    assert "not valid JSON" in capsys.readouterr().err


def test_stage_emphasis_reads_the_stage_weights(results: Any) -> None:
    from steps.report.html import _stage_weights

    card = results.for_scorer("steps")[0]
    weights = _stage_weights(card)
    assert weights == {c.key: pytest.approx(c.weight) for c in card.components}
    assert _stage_weights(attrs.evolve(card, notes={"stage_weights": "junk"})) == {
        c.key: c.weight for c in card.components
    }


def test_the_benchmark_column_says_where_each_benchmark_comes_from(
    report_en: str, report_zh: str, results: Any
) -> None:
    trust = next(c for c in results.cards if c.scorer == "trust")
    sources = {i.benchmark_source for i in trust.indicators()}
    kinds = {source.partition(":")[0] for source in sources}
    assert "assumption" in kinds or "published" in kinds or "article" in kinds
    for source in sources:
        assert f'<div class="source">{html.escape(source, quote=True)}</div>' in report_en
    # In Chinese the kind of source is named in Chinese, the article's words kept.
    zh_sources = re.findall(r'<div class="source">(.*?)</div>', report_zh)
    assert zh_sources
    assert not any(s.startswith(("assumption", "published", "article")) for s in zh_sources)
