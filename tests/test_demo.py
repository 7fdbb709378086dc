"""The demo and the side-by-side comparison, on the bundled sample."""

from __future__ import annotations

import re

import pytest

from steps.cli import main
from steps.report.text import bar


def test_bar_scales_and_marks_missing() -> None:
    assert bar(0, 10) == "░" * 10
    assert bar(100, 10) == "█" * 10
    assert bar(55, 10) == "█" * 6 + "░" * 4
    assert bar(None, 5) == "n/a  "


def test_demo_reads_like_a_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    headers = re.findall(r"^\S.* \((b0\d)\) · ", out, re.MULTILINE)
    assert headers == ["b00", "b01", "b02"]
    for stage in ("launch", "growth", "mature"):
        assert f"stage: {stage} (inferred)" in out
    assert out.count("Next moves:") == 3
    assert out.count("weakest pillar for the stage:") == 3
    assert "STAGE over 13 streams" in out
    assert "Trust " in out
    assert "Douyin interest (FACT)" in out
    assert " ! " not in out  # no scorer failed on the sample


def test_demo_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "品牌自播" in out
    assert "私域运营" in out


def test_compare_shows_both_logics_pillar_by_pillar(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib import resources

    sample = resources.files("steps") / "data" / "sample.json"
    with resources.as_file(sample) as path:
        assert main(["compare", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.count("Kuaishou STEPS") == 3
    assert out.count("Douyin interest (FACT)") == 3
    assert "Field: own stations" in out
    assert "Self-broadcast" in out
    assert out.count("verdict: ") == 3
    mature = out.split("\n\n")[2]
    assert "stronger under trust logic" in mature
