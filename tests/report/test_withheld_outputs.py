"""Every output shows "insufficient data — provide …" where a score was withheld, in both
languages, and says what the data covers."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from steps.cli import main
from steps.domain import Dataset
from steps.io.exports import builtin_profiles, read_export
from steps.io.files import dump
from steps.report.summary import coverage_lines
from steps.report.terminal import console_for, print_demo, print_score_tables
from steps.report.text import compare_report, demo_report
from steps.scoring.engine import ScoreResults, score

FIXTURES = Path(__file__).parent.parent / "fixtures"

#: What the trust card asks for on a live-session list alone.
TRUST_ASKS = "provide order details, fan-group members, trust signals"


@pytest.fixture(scope="module")
def live_sessions() -> Dataset:
    """One Douyin live-session export (直播列表) imported on its own."""
    imported = read_export(
        FIXTURES / "douyin_sessions.csv",
        builtin_profiles()["douyin-live-sessions"],
        brand_id="d1",
        brand_name="抖音品牌",
        category="apparel",
    )
    return imported.dataset


@pytest.fixture(scope="module")
def results(live_sessions: Dataset) -> ScoreResults:
    return score(live_sessions)


@pytest.fixture
def data_file(tmp_path: Path, live_sessions: Dataset) -> Path:
    path = tmp_path / "live.json"
    dump(live_sessions, path)
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 0
    return capsys.readouterr().out


# --------------------------------------------------------------------------- steps score


def test_the_score_table_says_what_to_provide(
    data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(["score", str(data_file), "--color", "never"], capsys)
    trust = next(line for line in out.splitlines() if line.startswith("  ") and " trust " in line)
    assert re.search(r"trust\s+—\s+0\.06\s+insufficient data — " + TRUST_ASKS + "$", trust)
    zh = run(["score", str(data_file), "--color", "never", "--lang", "zh"], capsys)
    assert "数据不足 — 请提供订单明细、粉丝团成员、信任指标" in zh


def test_the_rich_table_says_what_to_provide(results: ScoreResults) -> None:
    from steps.cli.score import score_blocks, score_headline

    stream = io.StringIO()
    console = console_for(stream, "always")
    assert console is not None
    console.width = 200
    blocks = score_blocks(_live(results), results)
    print_score_tables(console, score_headline(results), blocks)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", stream.getvalue())
    assert f"insufficient data — {TRUST_ASKS}" in " ".join(plain.split())


def _live(results: ScoreResults) -> Dataset:
    # The dataset the results were scored from (the module fixture, rebuilt from the export).
    return read_export(
        FIXTURES / "douyin_sessions.csv",
        builtin_profiles()["douyin-live-sessions"],
        brand_id="d1",
        brand_name="抖音品牌",
        category="apparel",
    ).dataset


def test_csv_has_an_empty_score_and_a_reason_column(
    data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(["score", str(data_file), "--format", "csv", "--scorer", "trust"], capsys)
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert rows
    assert {row["score"] for row in rows} == {""}
    assert {row["withheld"] for row in rows} == {
        "insufficient data: confidence 6% is below the minimum of 50% for trust; "
        "provide order details, fan-group members, trust signals"
    }


def test_json_has_score_null_and_the_reason(
    data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(run(["score", str(data_file), "--format", "json"], capsys))
    trust = next(c for c in data["cards"] if c["scorer"] == "trust")
    assert trust["score"] is None
    assert trust["provide"] == ["orders", "fan_groups", "trust_signals"]
    assert "provide order details, fan-group members, trust signals" in trust["withheld"]


def test_an_option_lowers_the_minimum(data_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["score", str(data_file), "--format", "json", "--scorer", "trust"]
    data = json.loads(run([*argv, "--option", "trust.min_confidence=0.05"], capsys))
    assert data["cards"][0]["score"] is not None
    assert main([*argv, "--option", "trust.min_confidence=lots"]) == 1
    err = capsys.readouterr().err
    assert "--option[0]: option trust.min_confidence must be a number in [0, 1], got 'lots'" in err


def test_parquet_rows_of_a_chunked_run_have_a_null_score(
    tmp_path: Path, live_sessions: Dataset, capsys: pytest.CaptureFixture[str]
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    path, out = tmp_path / "live.jsonl", tmp_path / "rows.parquet"
    dump(live_sessions, path)
    argv = ["score", str(path), "--scorer", "stage", "--format", "parquet", "-o", str(out)]
    run([*argv, "--quiet"], capsys)
    rows = pq.read_table(out).to_pylist()
    assert len({r["subject_id"] for r in rows}) == 3
    assert {r["score"] for r in rows} == {None}
    assert all(r["withheld"].startswith("insufficient data: confidence") for r in rows)


# --------------------------------------------------------------------------- demo and compare


def test_the_demo_report_says_what_to_provide(
    live_sessions: Dataset, results: ScoreResults
) -> None:
    text = demo_report(live_sessions, results)
    assert f"  Trust insufficient data — {TRUST_ASKS} · " in text
    assert re.search(r"  STAGE over 3 streams: insufficient data — provide run-of-show plans", text)
    assert "  data provided: live sessions 3 over 2021-09-02..2021-09-07" in text
    assert "  not provided: run-of-show plans, products per stream, order details" in text
    assert "repurchase rate n/a" in text
    # The talents' GMV is unknown, not ¥0.
    assert "self-broadcast GMV ¥217,370; talent collaborations not provided" in text
    zh = demo_report(live_sessions, score(live_sessions, context=_zh()), lang="zh")
    assert "数据不足 — 请提供订单明细、粉丝团成员、信任指标" in zh
    assert "已提供数据:直播明细 3 条(2021-09-02..2021-09-07)" in zh


def _zh():  # type: ignore[no-untyped-def]
    from steps.scoring import ScoringContext

    return ScoringContext(language="zh")


def test_the_rich_demo_says_what_to_provide(live_sessions: Dataset, results: ScoreResults) -> None:
    stream = io.StringIO()
    console = console_for(stream, "always")
    assert console is not None
    console.width = 200
    print_demo(console, live_sessions, results, lang="en")
    plain = " ".join(re.sub(r"\x1b\[[0-9;]*m", "", stream.getvalue()).split())
    assert f"Trust insufficient data — {TRUST_ASKS}" in plain
    assert "STAGE over 3 streams: insufficient data — provide run-of-show plans" in plain
    assert "data provided: live sessions 3" in plain


def test_compare_gives_no_verdict_without_both_scores(
    live_sessions: Dataset,
) -> None:
    results = score(live_sessions, ["steps", "douyin-interest-brand", "douyin-interest"])
    fact = results.card("douyin-interest-brand", "d1")
    assert fact.score is None
    text = compare_report(live_sessions, results)
    assert "Douyin interest (FACT) has no score: insufficient data — provide talent" in text
    assert "verdict: no verdict: a score was withheld for want of data" in text
    assert re.search(r"Douyin interest \(FACT\)\s+—", text)


def test_the_sample_header_counts_stream_orders_beside_order_details() -> None:
    from steps.sample import sample_dataset

    brand = sample_dataset().brands[0]
    lines = coverage_lines(brand)
    assert lines[0].startswith("data provided: live sessions 13 over 2021-08-01..2021-09-30, ")
    assert "order details 862 over 2021-08-01..2021-09-30" in lines[0]
    assert sum(s.orders for s in brand.streams) == 58


# --------------------------------------------------------------------------- the HTML report


def test_the_report_shows_the_message_not_a_zero_radar(
    live_sessions: Dataset, results: ScoreResults
) -> None:
    pytest.importorskip("plotly")
    from steps.report.html import build_report

    page = build_report(live_sessions, results=results, lang="en")
    assert page.count("insufficient data — provide talent collaborations") >= 2  # KPI, panel
    assert "insufficient data — provide order details, fan-group members, trust signals" in page
    # Withheld: no FACT radar (its panel has the notice and the parts' table instead).
    douyin = page.split("Douyin interest (FACT matrix)", 1)[1].split('<div class="panel">', 1)[0]
    assert 'class="chart"' not in douyin
    assert 'class="notice warning withheld"' in douyin
    # STEPS too: the pillars it measured are listed, no radar.
    steps_panel = page.split("STEPS (brand pillars)</h3>", 1)[1].split("</div>", 1)[0]
    assert 'class="chart"' not in steps_panel
    assert re.search(r"<td>S · Self-broadcast</td><td class=\"num\">\d+</td>", steps_panel)
    assert '<td>E · Elite / talent distribution</td><td class="num">—</td>' in steps_panel
    # The scored sample draws its radars.
    from steps.sample import sample_dataset

    sample = build_report(sample_dataset(), lang="en", brands=["b00"])
    scored_panel = sample.split("STEPS (brand pillars)</h3>", 1)[1].split("</div>", 1)[0]
    assert 'class="chart"' in scored_panel
    assert "<li>data provided: live sessions 3 over 2021-09-02..2021-09-07</li>" in page
    zh = build_report(live_sessions, results=score(live_sessions, context=_zh()), lang="zh")
    assert "数据不足 — 请提供订单明细、粉丝团成员、信任指标" in zh
    assert "没有得分的直播（3 场）" in zh
