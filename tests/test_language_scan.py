"""One voice per language: every command's Chinese output on the bundled sample holds no
English word but the codes the article writes in Latin letters, ids, machine keys and names
from the data; its English output holds no Chinese text but names from the data.

Each command runs once per language (module-scoped), and the scan reads what a person reads:
terminal text, the display strings of JSON (explanations, advice, benchmarks, what is
missing), CSV cells and display headers, and the HTML report's text, tooltips and chart
labels (not its scripts, styles or the chart payload's keys).
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

import steps
from steps.cli import main
from steps.domain import model
from steps.io.files import dump
from steps.sample import generate, sample_dataset
from steps.scoring.plugins import default_host

SAMPLE = str(Path(steps.__file__).parent / "data" / "sample.json")
#: One back-office export's worth of the sample (live sessions only): the requests for data
#: and the cards withheld for want of it speak too.
PARTIAL = generate(3, 2021, shape="kuaishou-live-export")
GMV_PERIODS = ["--from", "2021-08-01..2021-08-31", "--to", "2021-09-01..2021-09-30"]

#: Codes a Chinese text writes in Latin letters, as the article and the platforms do.
CODES = frozenset(
    {
        "GMV", "ROI", "UV", "GPM", "AOV", "SKU", "KOL", "STEPS", "STAGE", "FACT", "SS",
        "CSV", "JSON", "HTML", "DOU", "TikTok", "Shop", "LMDI", "MB",
    }
)  # fmt: skip
#: Ids and machine keys: field paths (``orders[].stream_id``), dotted names (plugin modules,
#: ``sample.json``), keys with an underscore or a hyphen (``douyin-interest``), ISO weeks.
IDENTIFIER = re.compile(
    r"[A-Za-z_][\w.\-]*(?:\[[\w=]*\][\w.\-]*)+"  # a field path with [] or [kind=x]
    r"|[A-Za-z][\w\-]*(?:[._]\w[\w\-]*)+"  # dotted or snake_case keys, file names
    r"|[A-Za-z]\w*(?:-[A-Za-z0-9]\w*)+"  # hyphenated ids (douyin-interest-brand, b00-s000001)
    r"|\b\d{4}-W\d\d\b"  # ISO weeks
    r"|(?:/[\w.\-]+)+",  # file paths
    re.ASCII,
)
#: The data model's field names (``uv``, ``exposure``, ``orders``): what an indicator needs,
#: named as the data file names it.
FIELD_NAMES = frozenset(
    f.name for cls in (getattr(model, name) for name in model.__all__) for f in attrs.fields(cls)
)
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
QUOTATION = re.compile(r"「[^」]*」")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")


def data_names() -> frozenset[str]:
    """Every name the bundled sample (file and generator) holds: brands, accounts, products,
    talents, segments, and the ids of its brands, accounts, products and talents; they come
    from the data, in whatever language it has.  (Stream and order ids, ``b00-s000001``,
    are many and read as ids by :data:`IDENTIFIER`.)"""
    names: set[str] = set()
    ids = {"brand_id", "account_id", "product_id", "talent_id"}

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and (
            key in {"name", "title"} or key in ids or key.endswith("_name")
        ):
            names.add(value)

    walk(json.loads(Path(SAMPLE).read_text(encoding="utf-8")))
    # The scorers' names are ids too (``--scorer douyin-interest``), and so are the plugins'.
    for record in default_host().scorers():
        names.update((record.name, record.plugin.name))
    for brand in (*sample_dataset().brands, *PARTIAL.brands):
        names.update((brand.brand_id, brand.name))
        names.update(p.name for p in brand.products)
        names.update(a.name for a in brand.accounts)
        names.update(c.talent_name for c in brand.talent_collabs)
    return frozenset(n for n in names if n)


NAMES = data_names()


def _name_pattern(name: str) -> str:
    # A name that starts or ends in a Latin letter or digit is a whole word: ``stage`` (a
    # scorer's name) is not taken out of ``stages``.
    head = r"(?<![A-Za-z0-9_])" if name[0].isascii() and name[0].isalnum() else ""
    tail = r"(?![A-Za-z0-9_])" if name[-1].isascii() and name[-1].isalnum() else ""
    return f"{head}{re.escape(name)}{tail}"


# Longest first, so that a product name is removed before the brand name it starts with.
_NAMES = [(n, re.compile(_name_pattern(n))) for n in sorted(NAMES, key=len, reverse=True)]


def without_names(text: str) -> str:
    for name, pattern in _NAMES:
        if name in text:  # cheap: most lines hold few names
            text = pattern.sub(" ", text)
    return text


def english_words(text: str) -> list[str]:
    """The English words of a Chinese ``text``: Latin words of two letters or more outside
    names from the data, ids, machine keys and :data:`CODES`."""
    text = without_names(IDENTIFIER.sub(" ", text))
    return [w for w in LATIN_WORD.findall(text) if w not in CODES and w not in FIELD_NAMES]


def chinese_runs(text: str) -> list[str]:
    """The Chinese characters (and full-width punctuation) of an English ``text`` outside
    names from the data and quotations of the article in its own words (「…」)."""
    return CJK.findall(without_names(QUOTATION.sub(" ", text)))


# -- reading each output as a person does -------------------------------------------------

#: JSON keys whose string values a person reads.  The rest are keys, ids, numbers and what a
#: scorer or identity declares once in English beside its Chinese (``name`` / ``name_zh``,
#: ``unit``, ``benchmark_source``, ``title``, ``notes``): documented as data, not display.
JSON_DISPLAY_KEYS = frozenset(
    {
        "explanation", "text", "benchmark", "withheld", "summary", "display_name",
        "display_formula", "scope_text", "method_name",
    }
)  # fmt: skip
#: Keys of a chart's payload whose strings show on the chart (labels, hover text, titles).
CHART_TEXT_KEYS = frozenset(
    {"name", "text", "hovertext", "theta", "x", "y", "ticktext", "hovertemplate"}
)


def json_display_strings(value: Any, key: str = "", shown: bool = False) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            # A card's ``missing`` says what to provide (an indicator's lists its inputs' keys).
            card_missing = k == "missing" and "scorer" in value
            yield from json_display_strings(v, k, shown or k in JSON_DISPLAY_KEYS or card_missing)
    elif isinstance(value, list):
        for v in value:
            yield from json_display_strings(v, key, shown)
    elif isinstance(value, str) and shown:
        yield value


def chart_strings(value: Any, key: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "template":  # plotly's theme: colours and trace defaults, never shown
                continue
            if k == "title" and isinstance(v, dict):
                yield from (s for s in [v.get("text")] if isinstance(s, str))
                continue
            yield from chart_strings(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from chart_strings(v, key)
    elif isinstance(value, str) and key in CHART_TEXT_KEYS:
        yield value


def html_text(page: str) -> str:
    """What the report shows: element text, tooltips and labels, and the charts' labels."""
    figures = re.search(
        r'<script type="application/json" id="steps-figures">(.*?)</script>', page, re.S
    )
    assert figures is not None
    charts = list(chart_strings(json.loads(figures.group(1))))
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    attributes = re.findall(r'\s(?:title|aria-label|alt|placeholder)="([^"]*)"', page)
    body = re.sub(r"<[^>]+>", "\n", page)
    lines = [html.unescape(s) for s in [*body.splitlines(), *attributes]]
    return "\n".join([*lines, *(c.replace("<br>", "") for c in charts)])


def csv_cells(text: str) -> Iterator[str]:
    for row in csv.reader(io.StringIO(text)):
        yield from row


def score_csv_display(text: str) -> Iterator[str]:
    """The cells of ``steps score --format csv`` a person reads: the header is machine keys
    (documented columns), the ``component`` and ``indicator`` cells are keys."""
    rows = csv.DictReader(io.StringIO(text))
    for row in rows:
        for column in ("unit", "benchmark", "benchmark_source", "explanation", "withheld"):
            if row.get(column):
                yield row[column]


# -- running the commands ------------------------------------------------------------------


def run(argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(argv)
    assert code == 0, argv
    return out.getvalue()


def outputs(lang: str, tmp: Path) -> dict[str, list[str]]:
    """Every command's output in ``lang``, as the lines a person reads, by command."""
    got: dict[str, list[str]] = {}
    lang_args = ["--lang", lang]
    got["demo"] = [run(["demo", *lang_args, "--color", "never"])]
    got["score"] = [run(["score", SAMPLE, *lang_args, "--color", "never", "--quiet"])]
    scored = json.loads(run(["score", SAMPLE, *lang_args, "--format", "json", "--quiet"]))
    assert scored["cards"]
    got["score --format json"] = list(json_display_strings(scored))
    got["score --format csv"] = list(
        score_csv_display(run(["score", SAMPLE, *lang_args, "--format", "csv", "--quiet"]))
    )
    partial_file = tmp / "live-export.json"
    dump(PARTIAL, partial_file)
    partial = json.loads(
        run(["score", str(partial_file), *lang_args, "--format", "json", "--quiet"])
    )
    assert any(card.get("withheld") for card in partial["cards"])  # it asks for data
    got["score --format json (one export)"] = list(json_display_strings(partial))
    got["compare"] = [run(["compare", SAMPLE, *lang_args])]
    got["gmv"] = [run(["gmv", SAMPLE, *GMV_PERIODS, *lang_args])]
    got["gmv --by product"] = [run(["gmv", SAMPLE, *GMV_PERIODS, "--by", "product", *lang_args])]
    got["gmv --format json"] = list(
        json_display_strings(
            json.loads(run(["gmv", SAMPLE, *GMV_PERIODS, *lang_args, "--format", "json"]))
        )
    )
    got["trend"] = [run(["trend", SAMPLE, "--by", "month", *lang_args])]
    got["trend --format csv"] = list(
        csv_cells(run(["trend", SAMPLE, *lang_args, "--format", "csv"]))
    )
    got["plan"] = [run(["plan", SAMPLE, "--brand", "b01", "--target-gmv", "50万", *lang_args])]
    got["peers"] = [run(["peers", SAMPLE, "-o", str(tmp / f"peers-{lang}.json"), *lang_args])]
    got["scorers"] = [run(["scorers", *lang_args])]
    report = tmp / f"report-{lang}.html"
    got["report (summary)"] = [run(["report", SAMPLE, "-o", str(report), *lang_args])]
    got["report"] = [html_text(report.read_text(encoding="utf-8"))]
    return got


@pytest.fixture(scope="module")
def chinese(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    return outputs("zh", tmp_path_factory.mktemp("zh"))


@pytest.fixture(scope="module")
def english(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    return outputs("en", tmp_path_factory.mktemp("en"))


def leaks(texts: Iterable[str], find: Any) -> dict[str, str]:
    """Each leaked word, with the line it was found in (the first one)."""
    found: dict[str, str] = {}
    lines = dict.fromkeys(line for text in texts for line in text.splitlines())
    for line in lines:
        for word in find(line):
            found.setdefault(word, line.strip()[:200])
    return found


COMMANDS = [
    "demo",
    "score",
    "score --format json",
    "score --format csv",
    "score --format json (one export)",
    "compare",
    "gmv",
    "gmv --by product",
    "gmv --format json",
    "trend",
    "trend --format csv",
    "plan",
    "peers",
    "scorers",
    "report (summary)",
    "report",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_chinese_output_has_no_english(chinese: dict[str, list[str]], command: str) -> None:
    texts = chinese[command]
    assert any(CJK.search(t) for t in texts), command  # it was Chinese to begin with
    assert leaks(texts, english_words) == {}


@pytest.mark.parametrize("command", COMMANDS)
def test_english_output_has_no_chinese(english: dict[str, list[str]], command: str) -> None:
    texts = english[command]
    assert any(LATIN_WORD.search(t) for t in texts), command
    assert leaks(texts, chinese_runs) == {}


# -- the scan itself -------------------------------------------------------------------------


def test_the_scan_finds_english_in_chinese_and_chinese_in_english() -> None:
    # The leaks the scan was built for; without these the tests above could pass on nothing.
    assert english_words("品类: beauty · 平台: kuaishou") == ["beauty", "kuaishou"]
    assert english_words("售后与口碑 85、after_sales 85、CNY per viewer") == [
        "CNY",
        "per",
        "viewer",
    ]
    assert english_words("GMV ¥10.3万 · STEPS 49/100 · b00-s000001 · orders[].stream_id") == []
    # A scorer's name is an id, but only as a whole word.
    assert english_words("stage 0.1 · 三个 stages") == ["stages"]
    assert chinese_runs("GMV ¥10.3万: self-broadcast") == ["万"]
    assert chinese_runs("Book a big talent (头部达人)") == ["头部达人"]


def test_names_from_the_data_pass_in_either_language() -> None:
    brand = sample_dataset().brands[0]
    product = brand.products[0].name
    assert chinese_runs(f"{brand.name} ({brand.brand_id}) · {product}") == []
    assert english_words(f"{brand.name} ({brand.brand_id}) · 品类") == []


def test_the_html_reader_keeps_tooltips_and_chart_labels_and_drops_scripts() -> None:
    page = (
        '<p title="Script and rhythm">预热</p><script>var englishWords = 1;</script>'
        '<style>.a{color:red}</style><script type="application/json" id="steps-figures">'
        '[{"figure":{"data":[{"name":"Pillar score","x":["S"],"type":"bar"}],'
        '"layout":{"template":{"layout":{"font":{"color":"white"}}},"title":{"text":"Title"}}}}]'
        "</script>"
    )
    text = html_text(page)
    assert "Script and rhythm" in text
    assert "Pillar score" in text
    assert "Title" in text
    for hidden in ("englishWords", "color", "white", "bar"):
        assert hidden not in text
