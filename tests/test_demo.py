"""The demo and the side-by-side comparison, on the bundled sample."""

from __future__ import annotations

import re
import sys

import pytest

from steps.cli import main
from steps.report.text import bar
from tests.report.test_terminal import FakeTerminal, plain


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
    stages = re.findall(r"stage: (launch|growth|mature) \(inferred\)", out)
    assert len(stages) == 3
    assert "mature" in stages
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


# -- on a terminal ------------------------------------------------------------------------


def on_terminal(monkeypatch: pytest.MonkeyPatch) -> FakeTerminal:
    """Make stdout a colour terminal 100 columns wide.  Called in the test itself: capture
    puts its own stdout back between a fixture's setup and the test."""
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("NO_COLOR", raising=False)
    stream = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", stream)
    return stream


def test_demo_is_drawn_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = on_terminal(monkeypatch)
    assert main(["demo"]) == 0
    drawn = terminal.getvalue()
    text = plain(drawn)
    headers = re.findall(r"^\S.* \((b0\d)\) · ", text, re.MULTILINE)
    assert headers == ["b00", "b01", "b02"]
    stages = re.findall(r"stage: (launch|growth|mature) \(inferred\)", text)
    assert len(stages) == 3
    assert "mature" in stages
    assert text.count("Next moves") == 3
    assert text.count("weakest pillar for the stage:") == 3
    assert re.search(r"STEPS \d+/100 █+░*", text)
    assert all(colour in drawn for colour in ("\x1b[31m", "\x1b[32m", "\x1b[33m"))


def test_demo_in_chinese_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = on_terminal(monkeypatch)
    assert main(["demo", "--lang", "zh"]) == 0
    text = plain(terminal.getvalue())
    assert "品牌自播" in text
    assert "私域运营" in text


def test_demo_piped_is_plain_and_never_is_the_same(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    captured = sys.stdout
    terminal = on_terminal(monkeypatch)
    assert main(["demo", "--color", "never"]) == 0
    never = terminal.getvalue()
    monkeypatch.setattr(sys, "stdout", captured)
    assert main(["demo"]) == 0
    piped = capsys.readouterr().out
    assert never == piped
    assert "\x1b" not in piped
    assert "  Next moves:\n" in piped
