"""`steps score` with user benchmarks, peers and scorer options; `steps peers`."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from steps.cli import main

SAMPLE = resources.files("steps") / "data" / "sample.json"


def _score_json(capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, object]:
    with resources.as_file(SAMPLE) as path:
        assert main(["score", str(path), "--format", "json", *extra]) == 0
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


def _card(results: dict[str, object], scorer: str, subject: str) -> dict[str, object]:
    cards = results["cards"]
    assert isinstance(cards, list)
    return next(c for c in cards if c["scorer"] == scorer and c["subject_id"] == subject)


def test_option_overrides_the_inferred_stage(capsys: pytest.CaptureFixture[str]) -> None:
    inferred = _card(_score_json(capsys, "--scorer", "steps"), "steps", "b00")
    forced = _card(
        _score_json(capsys, "--scorer", "steps", "--option", "steps.stage=mature"), "steps", "b00"
    )
    assert inferred["notes"]["stage"] != "mature"  # type: ignore[index]
    assert forced["notes"]["stage"] == "mature"  # type: ignore[index]
    assert forced["notes"]["stage_source"] != "inferred"  # type: ignore[index]


def test_user_benchmark_file_changes_the_indicator_score(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "bench.toml"
    profile.write_text(
        '[steps.repurchase_rate]\n"*" = { floor = 0.0, target = 0.1, source = "our cohort" }\n',
        encoding="utf-8",
    )
    card = _card(
        _score_json(capsys, "--scorer", "steps", "--benchmarks", str(profile)), "steps", "b00"
    )
    indicators = [i for c in card["components"] for i in c["indicators"]]  # type: ignore[attr-defined]
    repurchase = next(i for i in indicators if i["key"] == "repurchase_rate")
    assert repurchase["benchmark_source"] == "our cohort"
    assert repurchase["score"] == pytest.approx(100.0)


def test_bad_option_and_bad_benchmark_file_exit_1_with_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with resources.as_file(SAMPLE) as path:
        assert main(["score", str(path), "--option", "stage-launch"]) == 1
        assert "--option[0]: expected SCORER.NAME=VALUE" in capsys.readouterr().err
        bad = tmp_path / "bad.toml"
        bad.write_text('[steps.no_such_indicator]\n"*" = { floor = 1, target = 1 }\n')
        assert main(["score", str(path), "--benchmarks", str(bad)]) == 1
        err = capsys.readouterr().err
        assert "steps.no_such_indicator" in err
        assert "Traceback" not in err


def test_peers_file_scores_by_percentile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    peers = tmp_path / "peers.json"
    with resources.as_file(SAMPLE) as path:
        assert main(["peers", str(path), "-o", str(peers), "--scorer", "stage"]) == 0
    assert "wrote" in capsys.readouterr().out
    card = _card(
        _score_json(capsys, "--scorer", "stage", "--peers", str(peers)), "stage", "b00-s000001"
    )
    sources = {i["benchmark_source"] for c in card["components"] for i in c["indicators"]}  # type: ignore[attr-defined]
    assert any(s.startswith("peers") for s in sources)
