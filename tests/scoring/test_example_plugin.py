"""The example plugin in examples/steps-plugin-example: the tutorial of docs/plugins.md.

The slow test installs steps and the example for real into a fresh virtual environment and
runs the installed ``steps`` command: no mocking anywhere.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path
from types import ModuleType

import pytest

from steps.domain import Dataset
from steps.io.files import dump
from steps.scoring import ScoreResults, SubjectKind, score
from steps.testing.plugins import isolated_host
from tests.scoring.support import make_brand, make_dataset

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "steps-plugin-example"


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The example plugin module, imported from its source directory."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    return importlib.import_module("steps_plugin_example")


def test_the_example_declares_its_entry_point():
    import tomllib

    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "steps-plugin-example"
    assert project["project"]["entry-points"]["steps"] == {"example": "steps_plugin_example"}


def test_the_example_registers_its_two_scorers(example: ModuleType):
    hold, rhythm = isolated_host(example).scorers()
    assert (rhythm.name, rhythm.subject, rhythm.batch) == ("live-rhythm", SubjectKind.STREAM, True)
    assert (hold.name, hold.subject, hold.table) == ("live-hold", SubjectKind.STREAM, True)
    assert {hold.plugin.name, rhythm.plugin.name} == {"steps_plugin_example"}


def test_the_example_scores_every_stream(example: ModuleType):
    results = score(make_dataset(), host=isolated_host(example))
    assert results.ok, results.errors
    assert not results.warnings  # score_many and score_table returned valid cards: no fallback
    for name in ("live-hold", "live-rhythm"):
        assert [c.subject_id for c in results.for_scorer(name)] == ["s3", "s1", "s2", "t1", "t2"]
    card = results.for_scorer("live-rhythm")[0]
    assert [c.key for c in card.components] == ["cadence", "holding"]
    assert card.indicator("watch_minutes_per_viewer").value == pytest.approx(1.5)
    # 3 streams over the 31 days of May
    assert card.indicator("streams_per_week").value == pytest.approx(3 / (31 / 7))


def test_the_example_batch_agrees_with_single_scoring(example: ModuleType):
    from steps_plugin_example.rhythm import LiveRhythm

    class OneAtATime(LiveRhythm):
        score_many = None  # type: ignore[assignment]

    dataset = Dataset(brands=(make_brand("b", [f"s{i}" for i in range(9)]),))
    batched = score(dataset, ["live-rhythm"], host=isolated_host(example))
    single = score(dataset, host=isolated_host(_plugin(OneAtATime())))
    assert batched.cards == single.cards


def _plugin(scorer: object) -> object:
    from steps.testing.plugins import scorer_plugin

    return scorer_plugin(scorer)


# -- the real thing: a fresh virtual environment -------------------------------------------


def _environment(**extra: str) -> dict[str, str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("STEPS_") and k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    }
    environment["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    environment.update(extra)
    return environment


def _run(command: list[str], cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command,
        cwd=cwd,
        env=_environment(**extra),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return result


@pytest.mark.slow
def test_install_the_example_plugin_for_real(tmp_path: Path):
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False, clear=True).create(environment)
    bin_dir = environment / ("Scripts" if sys.platform == "win32" else "bin")
    python = bin_dir / "python"
    installed = _run(
        [str(python), "-m", "pip", "install", "--quiet", str(REPO), f"{EXAMPLE}[test]"],
        cwd=tmp_path,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    steps_command = str(bin_dir / "steps")

    listed = _run([steps_command, "scorers", "--format", "json"], cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    by_name = {s["name"]: s for s in json.loads(listed.stdout)}
    example = by_name["live-rhythm"]
    assert (example["plugin"], example["subject"]) == ("example", "stream")
    assert (example["distribution"], example["distribution_version"]) == (
        "steps-plugin-example",
        "0.1.0",
    )

    data = tmp_path / "brands.json"
    dump(make_dataset(), data)
    scored = _run([steps_command, "score", str(data), "--format", "json"], cwd=tmp_path)
    assert scored.returncode == 0, scored.stderr
    results = ScoreResults.from_json(scored.stdout)
    for name in ("live-hold", "live-rhythm"):
        cards = results.for_scorer(name)
        assert [c.subject_id for c in cards] == ["s3", "s1", "s2", "t1", "t2"]
        (info,) = [s for s in results.scorers if s.name == name]
        assert info.distribution == "steps-plugin-example"
        assert not [e for e in results.errors if e.scorer == name]
    # The columnar scorer ran through its score_table, with no fallback to one stream at a time.
    assert not [w for w in results.warnings if w.scorer == "live-hold"]

    disabled = {"STEPS_DISABLE_PLUGIN_AUTOLOAD": "1"}
    listed = _run([steps_command, "scorers", "--format", "json"], cwd=tmp_path, **disabled)
    assert listed.returncode == 0, listed.stderr
    assert "live-rhythm" not in {s["name"] for s in json.loads(listed.stdout)}
    scored = _run([steps_command, "score", str(data), "--format", "json"], cwd=tmp_path, **disabled)
    assert scored.returncode == 0, scored.stderr
    assert ScoreResults.from_json(scored.stdout).for_scorer("live-rhythm") == ()

    # The example's own tests, with the steps pytest plugin, against the installed packages
    # (copied out of the source tree, so that they import the installed plugin).
    suite = tmp_path / "example-tests"
    shutil.copytree(
        EXAMPLE / "tests", suite / "tests", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy2(EXAMPLE / name, suite / name)
    tested = _run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=suite,
        HYPOTHESIS_STORAGE_DIRECTORY=str(tmp_path / "hypothesis"),
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
