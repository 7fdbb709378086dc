"""``steps peers`` scores through the engine's isolation, exactly as ``steps score`` does.

A scorer that raises (a built-in one on valid data dated in year 1, a plugin's that raises
``SystemExit``) or returns something that is not a card is reported on stderr with its
plugin, its subjects are left out of the peers, every other scorer's values are measured,
and the command exits 0 (1 with ``--strict``).  Bad arguments are usage errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest

from steps.cli import main
from steps.domain.model import Dataset
from steps.io.files import dump
from steps.sample import generate
from steps.scoring import SubjectKind
from steps.scoring.peers import PeerBenchmarks, load_peers, measure_peers
from steps.scoring.plugins import PluginHost
from steps.testing.plugins import isolated_host
from tests.scoring.support import FakeScorer, Plugin, card_for, ids_of


def year_one() -> Dataset:
    """A valid dataset whose streams ran in January of year 1: date arithmetic on it
    overflows inside the STEPS scorer."""
    brand = generate(1, 0, streams_per_brand=3, orders=False).brands[0]
    streams = tuple(
        attrs.evolve(s, started_at=s.started_at.replace(year=1, month=1, day=1 + i))
        for i, s in enumerate(brand.streams)
    )
    return Dataset(
        brands=(
            attrs.evolve(
                brand,
                streams=streams,
                window_start=None,
                window_end=None,
                coverage=None,
                short_videos=(),
                trust_signals=(),
            ),
        )
    )


def _returns_a_dict(scorer: FakeScorer, subject: Any) -> Any:
    return {"score": 50}


def _exits(scorer: FakeScorer, subject: Any) -> Any:
    raise SystemExit(0)


def _fine(scorer: FakeScorer, subject: Any) -> Any:
    subject_id, brand_id = ids_of(subject)
    return card_for(scorer.name, scorer.subject, subject_id, brand_id)


FAULTY = [
    FakeScorer("aa-returns-dict", SubjectKind.BRAND, answer=_returns_a_dict),
    FakeScorer("aa-exits", SubjectKind.STREAM, answer=_exits),
]


@pytest.fixture
def host(monkeypatch: pytest.MonkeyPatch) -> PluginHost:
    made = isolated_host(Plugin("faulty-plugin", *FAULTY), builtins=True, strict=False)
    monkeypatch.setattr("steps.cli.scorers.command_host", lambda: made)
    return made


@pytest.mark.usefixtures("host")
@pytest.mark.parametrize("strict", [False, True])
def test_failing_scorers_are_reported_and_left_out(
    tmp_path: Path, strict: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "year-one.json"
    dump(year_one(), data)
    output = tmp_path / "peers.json"
    argv = ["peers", str(data), "-o", str(output), *(["--strict"] if strict else [])]
    assert main(argv) == (1 if strict else 0)
    out, err = capsys.readouterr()
    errors = [line for line in err.splitlines() if line.startswith("steps peers: error: ")]
    assert any("steps (plugin steps.plugins.steps_brand) failed" in e for e in errors)
    assert any("OverflowError" in e for e in errors)
    assert any("aa-returns-dict (plugin faulty-plugin)" in e and "TypeError" in e for e in errors)
    assert sum("aa-exits (plugin faulty-plugin)" in e and "SystemExit" in e for e in errors) == 3
    peers = load_peers(output)
    scorers = {key.split(".")[0] for key in peers.indicators()}
    assert "stage" in scorers  # the others were measured
    assert not scorers & {"aa-returns-dict", "aa-exits"}
    assert out.startswith(f"wrote {output}: ")
    assert "scorer failures: left out of the peers" in out


def test_measure_peers_returns_the_failures() -> None:
    scorers = [*FAULTY, FakeScorer("zz-fine", SubjectKind.STREAM, answer=_fine)]
    measured = measure_peers(generate(2, 1, streams_per_brand=2), scorers)
    assert {e.scorer for e in measured.errors} == {"aa-returns-dict", "aa-exits"}
    assert {e.error_type for e in measured.errors} == {"TypeError", "SystemExit"}
    assert [s.name for s in measured.scorers] == ["aa-exits", "aa-returns-dict", "zz-fine"]
    peers = PeerBenchmarks.from_dataset(generate(2, 1, streams_per_brand=2), scorers)
    assert peers.indicators() == measured.peers.indicators()


@pytest.mark.parametrize(
    ("argument", "message"),
    [("0", "must be at least 1, got 0"), ("-3", "must be at least 1"), ("x", "whole number")],
)
def test_min_group_size_must_be_at_least_one(
    tmp_path: Path, argument: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "brands.json"
    dump(generate(1, 0, streams_per_brand=1), data)
    with pytest.raises(SystemExit) as caught:
        main(["peers", str(data), "-o", str(tmp_path / "p.json"), "--min-group-size", argument])
    assert caught.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "p.json").exists()


def test_an_unknown_scorer_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STEPS_DISABLE_PLUGIN_AUTOLOAD", "1")
    data = tmp_path / "brands.json"
    dump(generate(1, 0, streams_per_brand=1), data)
    assert main(["peers", str(data), "-o", str(tmp_path / "p.json"), "--scorer", "nope"]) == 2
    assert "unknown scorer 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "p.json").exists()


def test_peers_hold_every_value_the_cards_of_a_whole_run_hold() -> None:
    from steps.scoring import score

    dataset = generate(3, 4, streams_per_brand=3)
    peers = measure_peers(dataset, names=["stage", "steps"]).peers
    expected: dict[str, list[float]] = {}
    for card in score(dataset, ["stage", "steps"]).cards:
        for indicator in card.indicators():
            if indicator.value is not None:
                expected.setdefault(f"{card.scorer}.{indicator.key}", []).append(indicator.value)
    assert set(peers.indicators()) >= set(expected)
    for key, values in expected.items():
        assert list(peers.values[key]["*"]) == sorted(values)
