"""Every installed scorer in every output: a third party's scorers, registered through the
plugin manager like any installed plugin, appear in ``steps score`` (table, JSON, CSV),
``steps demo`` (plain and drawn), ``steps compare``, ``steps peers`` and ``steps report``;
a plugin that raises is named, and every other section is still there."""

from __future__ import annotations

import csv
import importlib
import io
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest

from steps.cli import main
from steps.domain import Dataset
from steps.io.files import dump
from steps.scoring import PluginHost, Recommendation, ScoreCard, SubjectKind, plugins, score
from steps.testing.plugins import isolated_host
from tests.report.test_terminal import FakeTerminal, plain
from tests.scoring.support import FakeScorer, Plugin, indicator_card, raising

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "steps-plugin-example"

#: A title with markup: every output must show it as text.
HOSTILE_TITLE = "Acme <script>alert(1)</script>"
ADVICE = "Open with a <b>flash</b> deal & keep it"


def acme_card(scorer: FakeScorer, subject: Any) -> ScoreCard:
    card = indicator_card(scorer, subject)
    return attrs.evolve(card, recommendations=(Recommendation(ADVICE, component="reach"),))


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The example plugin of the plugin guide (``live-hold``, columnar; ``live-rhythm``)."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    return importlib.import_module("steps_plugin_example")


@pytest.fixture
def host(monkeypatch: pytest.MonkeyPatch, example: ModuleType) -> PluginHost:
    """The built-in scorers, the example plugin, a brand scorer of a third party and a
    plugin whose stream scorer raises on every stream; the commands' host."""
    chosen = isolated_host(
        example,
        Plugin(
            "acme-plugin",
            FakeScorer(
                "acme-brand", subject=SubjectKind.BRAND, answer=acme_card, title=HOSTILE_TITLE
            ),
        ),
        Plugin("broken-plugin", FakeScorer("raises", answer=raising)),
        builtins=True,
    )
    monkeypatch.setattr(plugins, "default_host", lambda: chosen)
    return chosen


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    from steps.sample import sample_dataset

    sample = sample_dataset()
    path = tmp_path / "brands.json"
    dump(Dataset(brands=sample.brands[:2]), path)
    return path


def test_score_table_json_and_csv(
    host: PluginHost, data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", str(data_file)]) == 0
    table = capsys.readouterr()
    for name in ("acme-brand", "live-hold", "live-rhythm", "raises"):
        assert name in table.out
    assert "RuntimeError" in table.err  # the failure, with its plugin, on stderr

    assert main(["score", str(data_file), "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    scorers = {card["scorer"] for card in printed["cards"]}
    assert {"acme-brand", "live-hold", "live-rhythm", "steps", "stage"} <= scorers
    assert {error["scorer"] for error in printed["errors"]} == {"raises"}

    assert main(["score", str(data_file), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {"acme-brand", "live-hold", "live-rhythm"} <= {row["scorer"] for row in rows}
    acme = [row for row in rows if row["scorer"] == "acme-brand" and row["indicator"] == "uv"]
    assert acme
    assert acme[0]["indicator_score"] == "80.0"


def test_demo_plain_and_drawn(
    host: PluginHost, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--color", "never"]) == 0
    out = capsys.readouterr().out
    # A brand scorer as the side cards: title (name), score, parts; its first next move.
    assert f"{HOSTILE_TITLE} (acme-brand) 80/100 · reach 80, empty n/a" in out
    assert f"next: {ADVICE}" in out
    # A stream scorer as STAGE's brief, under its title.
    assert "Live hold (live-hold) over 13 streams: average" in out
    assert "Live rhythm (live-rhythm) over" in out
    assert "RuntimeError: boom on" in out

    terminal = FakeTerminal()
    monkeypatch.setattr("steps.cli._output.stdout", lambda: terminal)
    assert main(["demo", "--color", "always"]) == 0
    drawn = plain(terminal.getvalue())
    assert f"{HOSTILE_TITLE} (acme-brand) 80/100" in drawn
    assert "Live hold (live-hold) over 13 streams, average" in drawn


def test_demo_in_chinese_names_a_third_party_scorer_by_its_title(
    host: PluginHost, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--lang", "zh", "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "Live hold (live-hold) 共 13 场直播:平均" in out
    assert f"{HOSTILE_TITLE} (acme-brand) 80/100" in out


def test_compare_lists_every_other_scorer_after_the_verdict(
    host: PluginHost, data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", str(data_file)]) == 0
    captured = capsys.readouterr()
    block = captured.out.split("\n\n")[0]
    verdict = block.index("verdict: ")
    for line in (
        f"{HOSTILE_TITLE} (acme-brand) 80/100",
        "Trust ",
        "Live hold (live-hold) over",
        "STAGE over",
    ):
        assert block.index(line) > verdict, line
    assert "steps compare: " in captured.err
    assert "RuntimeError" in captured.err


def test_peers_measure_a_third_party_scorer(
    host: PluginHost, data_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "peers.json"
    assert main(["peers", str(data_file), "-o", str(target)]) == 0
    out = capsys.readouterr().out
    assert "acme-brand.uv: 2 values" in out
    assert any(line.startswith("live-hold.") for line in out.splitlines())
    saved = json.loads(target.read_text(encoding="utf-8"))
    assert "acme-brand.uv" in json.dumps(saved)


pytest.importorskip("plotly")


def test_report_has_a_generic_section_per_other_scorer(
    host: PluginHost, data_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "report.html"
    assert main(["report", str(data_file), "-o", str(target)]) == 0
    captured = capsys.readouterr()
    assert "scorer errors" in captured.err
    page = target.read_text(encoding="utf-8")
    brands = page.split('<section class="brand"')[1:]
    assert len(brands) == 2
    for section in brands:
        # The built-in sections are all still there.
        for built_in in ('class="trust"', 'class="stage"', "FACT"):
            assert built_in in section
        for name in ("acme-brand", "live-hold", "live-rhythm", "raises"):
            assert f'data-scorer="{name}"' in section
        acme = section.split('data-scorer="acme-brand"')[1].split('<div class="panel')[0]
        assert '<span class="big">80</span>' in acme
        assert "Viewers" in acme
        assert "target 100, floor 0" in acme
        assert "Acme &lt;script&gt;alert(1)&lt;/script&gt; (acme-brand)" in acme
        assert "Open with a &lt;b&gt;flash&lt;/b&gt; deal &amp; keep it" in acme
        hold = section.split('data-scorer="live-hold"')[1].split('<div class="panel')[0]
        assert "Holding viewers" in hold  # a column per part of the scorer's cards
        stage = section.split('<table class="stage">')[1].split("</table>")[0]
        assert hold.count("<tr><td>") == stage.count("<tr><td>") > 0  # a row per stream
        broken = section.split('data-scorer="raises"')[1].split('<div class="panel')[0]
        failed = stage.count("<tr><td>")
        assert f"raises failed on {failed} of the brand" in broken
        assert "RuntimeError" in broken
    assert "<script>alert(1)" not in page


def test_report_shows_a_withheld_and_a_failed_brand_card(example: ModuleType) -> None:
    from steps.report.html import build_report
    from steps.sample import sample_dataset

    def withheld(scorer: FakeScorer, subject: Any) -> ScoreCard:
        card = indicator_card(scorer, subject)
        return attrs.evolve(
            card, score=None, confidence=0.1, withheld="too little data", provide=("orders",)
        )

    dataset = Dataset(brands=sample_dataset().brands[:1])
    chosen = isolated_host(
        Plugin(
            "p",
            FakeScorer("thin", subject=SubjectKind.BRAND, answer=withheld),
            FakeScorer("breaks", subject=SubjectKind.BRAND, answer=raising),
        ),
        builtins=True,
    )
    results = score(dataset, host=chosen)
    page = build_report(dataset, results=results, host=chosen)
    thin = page.split('data-scorer="thin"')[1].split('<div class="panel')[0]
    assert 'class="notice warning withheld"' in thin
    assert "confidence 0.10" in thin
    assert '<span class="big">' not in thin
    breaks = page.split('data-scorer="breaks"')[1].split('<div class="panel')[0]
    assert "breaks failed for this brand: RuntimeError: boom on b00" in breaks
    assert 'class="stage"' in page  # the rest of the report is there
