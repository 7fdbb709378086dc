"""``steps scorers`` and ``steps score``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from steps.cli import COMMANDS, main
from steps.io.files import dump
from steps.scoring import PluginHost, ScoreResults, SubjectKind, plugins, score
from steps.testing.plugins import isolated_host
from tests.report.test_terminal import COLOUR, FakeTerminal, plain
from tests.scoring.support import (
    PLUGIN_MODULE,
    FakeScorer,
    Plugin,
    install_fake_distribution,
    make_dataset,
    raising,
    unique,
    warns,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def dataset_file(tmp_path: Path) -> Path:
    path = tmp_path / "brands.json"
    dump(make_dataset(), path)
    return path


def use_host(monkeypatch: pytest.MonkeyPatch, host: PluginHost) -> PluginHost:
    monkeypatch.setattr(plugins, "default_host", lambda: host)
    return host


@pytest.fixture
def good_host(monkeypatch: pytest.MonkeyPatch) -> PluginHost:
    return use_host(
        monkeypatch,
        isolated_host(
            Plugin(
                "good-plugin",
                FakeScorer("good-brand", subject=SubjectKind.BRAND, version="2.1"),
                FakeScorer("good-stream"),
            )
        ),
    )


@pytest.fixture
def mixed_host(monkeypatch: pytest.MonkeyPatch) -> PluginHost:
    return use_host(
        monkeypatch,
        isolated_host(
            Plugin("good-plugin", FakeScorer("good-stream")),
            Plugin("broken-plugin", FakeScorer("raises", answer=raising)),
        ),
    )


def test_the_commands_are_registered():
    assert {"scorers", "score"} <= set(COMMANDS)


# -- steps scorers ------------------------------------------------------------------------


def test_scorers_table(good_host: PluginHost, capsys: pytest.CaptureFixture[str]):
    assert main(["scorers"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "VERSION", "SUBJECT", "PLUGIN", "SOURCE"]
    assert lines[1].split() == [
        "good-brand",
        "2.1",
        "brand",
        "good-plugin",
        "registered",
        "directly",
    ]
    assert lines[2].split()[:4] == ["good-stream", "1.0", "stream", "good-plugin"]


def test_scorers_json(good_host: PluginHost, capsys: pytest.CaptureFixture[str]):
    assert main(["scorers", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in listed] == ["good-brand", "good-stream"]
    assert listed[0] == {
        "name": "good-brand",
        "version": "2.1",
        "subject": "brand",
        "title": "Fake",
        "description": "A scorer for tests.",
        "plugin": "good-plugin",
        "builtin": False,
        "distribution": None,
        "distribution_version": None,
        "source": "registered directly",
        "batch": False,
    }


def test_scorers_reports_a_skipped_plugin_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    use_host(monkeypatch, isolated_host(Plugin("shapes", object()), strict=False))
    assert main(["scorers"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "no scorers installed\n"
    assert captured.err.startswith("steps scorers: warning: plugin 'shapes'")


def test_scorers_with_a_duplicate_name_fails_clearly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    use_host(
        monkeypatch, isolated_host(Plugin("p1", FakeScorer("x")), Plugin("p2", FakeScorer("x")))
    )
    assert main(["scorers"]) == 1
    assert "plugin error: scorer name 'x' is registered by two plugins" in capsys.readouterr().err


# -- steps score --------------------------------------------------------------------------


def test_score_table(good_host: PluginHost, dataset_file: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["score", str(dataset_file)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    out = captured.out
    assert out.startswith("7 cards, 0 errors · good-brand 2.1, good-stream 1.0\n")
    assert "Brand b2 (b2) · beauty" in out
    lines = out.splitlines()
    assert any(line.split()[:4] == ["brand", "b2", "good-brand", "2.0"] for line in lines)
    assert any(line.split()[:4] == ["stream", "s3", "good-stream", "2.0"] for line in lines)
    # subjects in dataset order: b2 before b1, s3 before s1
    assert out.index("Brand b2") < out.index("Brand b1")
    assert out.index("stream s3") < out.index("stream s1")
    assert "\x1b" not in out  # not a terminal: plain text, no escape codes
    assert "█" not in out


def test_score_errors_go_to_stderr_with_the_plugin_and_exit_0(
    mixed_host: PluginHost, dataset_file: Path, capsys: pytest.CaptureFixture[str]
):
    assert main(["score", str(dataset_file)]) == 0
    captured = capsys.readouterr()
    errors = captured.err.splitlines()
    assert len(errors) == 5
    assert errors[0] == (
        "steps score: error: raises (plugin broken-plugin) failed on stream 's3': "
        "RuntimeError: boom on s3"
    )
    assert "failed: RuntimeError (see stderr)" in captured.out


def test_score_strict_exits_1_when_a_scorer_failed(
    mixed_host: PluginHost, dataset_file: Path, capsys: pytest.CaptureFixture[str]
):
    assert main(["score", str(dataset_file), "--strict"]) == 1
    assert "boom on s3" in capsys.readouterr().err
    assert main(["score", str(dataset_file), "--strict", "--scorer", "good-stream"]) == 0


def test_score_strict_exits_1_when_a_plugin_was_skipped(
    monkeypatch: pytest.MonkeyPatch, dataset_file: Path, capsys: pytest.CaptureFixture[str]
):
    use_host(
        monkeypatch,
        isolated_host(Plugin("shapes", object(), FakeScorer("fine")), strict=False),
    )
    assert main(["score", str(dataset_file)]) == 0
    assert main(["score", str(dataset_file), "--strict"]) == 1
    assert "warning: plugin 'shapes'" in capsys.readouterr().err


def test_score_json_is_the_full_results(
    mixed_host: PluginHost, dataset_file: Path, capsys: pytest.CaptureFixture[str]
):
    assert main(["score", str(dataset_file), "--format", "json"]) == 0
    printed = ScoreResults.from_json(capsys.readouterr().out)
    assert printed == score(make_dataset(), host=mixed_host)
    assert len(printed.errors) == 5


def test_score_output_file(
    good_host: PluginHost, dataset_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "out" / "results.json"
    assert main(["score", str(dataset_file), "--format", "json", "-o", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out} (7 cards, 0 errors)\n"
    assert len(ScoreResults.from_json(out.read_text(encoding="utf-8")).cards) == 7
    assert sorted(p.name for p in out.parent.iterdir()) == ["results.json"]  # no temp file
    table = tmp_path / "table.txt"
    assert main(["score", str(dataset_file), "--output", str(table)]) == 0
    assert table.read_text(encoding="utf-8").startswith("7 cards, 0 errors")


def test_score_warnings_are_reported(
    monkeypatch: pytest.MonkeyPatch, dataset_file: Path, capsys: pytest.CaptureFixture[str]
):
    use_host(monkeypatch, isolated_host(Plugin("p", FakeScorer("w", answer=warns))))
    assert main(["score", str(dataset_file)]) == 0
    assert (
        "steps score: warning: w (plugin p) on stream 's3': UserWarning: thin data (5 times)"
        in (capsys.readouterr().err)
    )


def test_score_many_errors_are_summarised(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    from steps.domain import Dataset
    from tests.scoring.support import make_brand

    path = tmp_path / "many.json"
    dump(Dataset(brands=(make_brand("b", [f"s{i}" for i in range(30)]),)), path)
    use_host(monkeypatch, isolated_host(Plugin("bad", FakeScorer("raises", answer=raising))))
    assert main(["score", str(path)]) == 0
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 21
    assert "… and 10 more of raises (plugin bad)" in errors[-1]


def test_score_unknown_scorer_exits_2(
    good_host: PluginHost, dataset_file: Path, capsys: pytest.CaptureFixture[str]
):
    assert main(["score", str(dataset_file), "--scorer", "nope"]) == 2
    assert "unknown scorer 'nope' (known: good-brand, good-stream)" in capsys.readouterr().err


def test_score_invalid_file_exits_1(
    good_host: PluginHost, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    path = tmp_path / "bad.json"
    path.write_text('{"schema_version": "1.0", "brands": [{}]}', encoding="utf-8")
    assert main(["score", str(path)]) == 1
    assert "brands[0].brand_id: is required" in capsys.readouterr().err


# -- on a terminal -----------------------------------------------------------------------


def on_terminal(monkeypatch: pytest.MonkeyPatch) -> FakeTerminal:
    """Make stdout a colour terminal 120 columns wide.  Called in the test itself: capture
    puts its own stdout back between a fixture's setup and the test."""
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("NO_COLOR", raising=False)
    stream = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", stream)
    return stream


def test_score_table_on_a_terminal(
    good_host: PluginHost,
    dataset_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    terminal = on_terminal(monkeypatch)
    assert main(["score", str(dataset_file)]) == 0
    drawn = terminal.getvalue()
    text = plain(drawn)
    assert text.startswith("7 cards, 0 errors · good-brand 2.1, good-stream 1.0\n")
    lines = text.splitlines()
    for brand in make_dataset().brands:
        assert f"{brand.name} ({brand.brand_id}) · {brand.category}" in text
        assert any(line.split()[:3] == ["brand", brand.brand_id, "good-brand"] for line in lines)
        for stream in brand.streams:
            row = next(line for line in lines if line.split()[:2] == ["stream", stream.stream_id])
            # score, then its bar: 2/100 fills none of the 8 cells
            assert row.split()[2:6] == ["good-stream", "2.0", "░" * 8, "1.00"]
    assert "SUBJECT" in text
    assert "WEAKEST" in text
    assert "\x1b[31m" in drawn  # 2.0 is in the red band
    assert capsys.readouterr().err == ""


def test_score_failures_on_a_terminal(
    mixed_host: PluginHost,
    dataset_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    terminal = on_terminal(monkeypatch)
    assert main(["score", str(dataset_file)]) == 0
    drawn = terminal.getvalue()
    assert "\x1b[31mfailed: RuntimeError (see stderr)" in drawn
    assert len(capsys.readouterr().err.splitlines()) == 5


@pytest.mark.parametrize("color", ["auto", "always", "never"])
@pytest.mark.parametrize("form", ["json", "csv"])
def test_score_json_and_csv_never_hold_escapes(
    mixed_host: PluginHost,
    dataset_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    color: str,
    form: str,
):
    from steps.cli.score import render_csv

    terminal = on_terminal(monkeypatch)
    assert main(["score", str(dataset_file), "--format", form, "--color", color]) == 0
    drawn = terminal.getvalue()
    results = score(make_dataset(), host=mixed_host)
    assert drawn == (results.to_json() if form == "json" else render_csv(results))
    assert "\x1b" not in drawn


def test_score_color_never_prints_the_plain_table_on_a_terminal(
    good_host: PluginHost,
    dataset_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    captured = sys.stdout
    terminal = on_terminal(monkeypatch)
    assert main(["score", str(dataset_file), "--color", "never"]) == 0
    drawn = terminal.getvalue()
    monkeypatch.setattr(sys, "stdout", captured)
    assert main(["score", str(dataset_file)]) == 0
    assert drawn == capsys.readouterr().out
    assert drawn.startswith("7 cards, 0 errors")


def test_score_honours_no_color(
    good_host: PluginHost,
    dataset_file: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    terminal = on_terminal(monkeypatch)
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["score", str(dataset_file)]) == 0
    drawn = terminal.getvalue()
    assert "░" * 8 in drawn  # still drawn, bars and all
    assert not COLOUR.search(drawn)


def test_score_color_always_draws_into_a_pipe(
    good_host: PluginHost,
    dataset_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["score", str(dataset_file), "--color", "always"]) == 0
    out = capsys.readouterr().out
    assert COLOUR.search(out)
    assert "░" * 8 in out
    table = tmp_path / "table.txt"
    assert main(["score", str(dataset_file), "--color", "always", "-o", str(table)]) == 0
    written = table.read_text(encoding="utf-8")
    assert written.startswith("7 cards, 0 errors")
    assert "\x1b" not in written  # a file is always plain text


def test_score_quiet_without_stream(
    mixed_host: PluginHost,
    dataset_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
):
    assert main(["score", str(dataset_file)]) == 0
    loud = capsys.readouterr()
    assert main(["score", str(dataset_file), "--quiet"]) == 0
    quiet = capsys.readouterr()
    assert quiet.out == loud.out  # the results themselves are unchanged
    assert quiet.err == loud.err  # and so are the errors on stderr
    assert len(quiet.err.splitlines()) == 5
    out = tmp_path / "results.json"
    assert main(["score", str(dataset_file), "--format", "json", "-o", str(out), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""  # no "wrote ..." line
    assert len(ScoreResults.from_json(out.read_text(encoding="utf-8")).errors) == 5


@pytest.mark.parametrize("quiet", [False, True])
def test_score_progress_on_a_terminal_stderr(
    good_host: PluginHost,
    dataset_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    quiet: bool,
):
    monkeypatch.setenv("TERM", "xterm-256color")
    stderr = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", stderr)
    argv = ["score", str(dataset_file), "--format", "json"]
    assert main(argv + ["--quiet"] * quiet) == 0
    shown = plain(stderr.getvalue())
    if quiet:
        assert shown == ""
    else:
        assert f"loading {dataset_file.name}" in shown
        assert "scoring 2 brands and 5 streams" in shown
        assert "7/7" in shown  # 2 brands and 5 streams, one scorer each, all done
        assert "0/" not in shown  # loading has no count to show
    out = capsys.readouterr().out
    assert ScoreResults.from_json(out) == score(make_dataset(), host=good_host)


# -- in a subprocess, as a user runs it ---------------------------------------------------


def _run(
    *args: str, extra_path: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("STEPS_")}
    paths = [str(REPO)] + ([str(extra_path)] if extra_path else [])
    environment["PYTHONPATH"] = os.pathsep.join(paths)
    environment.update(env)
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPO,
        check=False,
    )


def test_help_imports_no_plugin():
    result = _run("-X", "importtime", "-m", "steps.cli", "--help")
    assert result.returncode == 0, result.stderr
    assert "scorers" in result.stdout
    assert "score" in result.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert not {m for m in imported if m.startswith("steps.plugins")}
    assert not {"steps.scoring", "steps.scoring.plugins", "pluggy"} & imported


def test_installed_plugin_end_to_end(tmp_path: Path, dataset_file: Path):
    module = unique("installed_cli_plugin")
    site = tmp_path / "site"
    site.mkdir()
    install_fake_distribution(
        site,
        "steps-cli-plugin",
        {"cli-plugin": module},
        {module: PLUGIN_MODULE.format(scorer="installed-cli")},
    )
    listed = _run("-m", "steps.cli", "scorers", "--format", "json", extra_path=site)
    assert listed.returncode == 0, listed.stderr
    mine = [s for s in json.loads(listed.stdout) if s["name"] == "installed-cli"]
    assert mine == [
        {
            "name": "installed-cli",
            "version": "2.0",
            "subject": "brand",
            "title": "Installed",
            "description": "From a fake distribution.",
            "plugin": "cli-plugin",
            "builtin": False,
            "distribution": "steps-cli-plugin",
            "distribution_version": "1.2.3",
            "source": "steps-cli-plugin 1.2.3",
            "batch": False,
        }
    ]
    scored = _run(
        "-m", "steps.cli", "score", str(dataset_file), "--scorer", "installed-cli",
        "--format", "json", extra_path=site,
    )  # fmt: skip
    assert scored.returncode == 0, scored.stderr
    cards = ScoreResults.from_json(scored.stdout).cards
    assert [(c.scorer, c.subject_id, c.score) for c in cards] == [
        ("installed-cli", "b2", 70.0),
        ("installed-cli", "b1", 70.0),
    ]
    blocked = _run(
        "-m", "steps.cli", "scorers", "--format", "json", extra_path=site,
        STEPS_BLOCK_PLUGINS="cli-plugin",
    )  # fmt: skip
    assert "installed-cli" not in {s["name"] for s in json.loads(blocked.stdout)}
    strict_unknown = _run(
        "-m", "steps.cli", "score", str(dataset_file), "--scorer", "installed-cli",
        extra_path=site, STEPS_DISABLE_PLUGIN_AUTOLOAD="1",
    )  # fmt: skip
    assert strict_unknown.returncode == 2
    assert "unknown scorer 'installed-cli'" in strict_unknown.stderr


def test_a_broken_installed_plugin_does_not_break_the_command(tmp_path: Path):
    module = unique("broken_cli_plugin")
    install_fake_distribution(
        tmp_path, "steps-broken-cli", {"broken": module}, {module: "raise RuntimeError('x')"}
    )
    result = _run("-m", "steps.cli", "scorers", extra_path=tmp_path)
    assert result.returncode == 0
    assert (
        "steps scorers: warning: plugin 'broken' (steps-broken-cli 1.2.3) failed to load "
        "and was skipped: RuntimeError: x"
    ) in result.stderr
    strict = _run("-m", "steps.cli", "scorers", extra_path=tmp_path, STEPS_STRICT_PLUGINS="1")
    assert strict.returncode == 1
    assert "plugin error: plugin 'broken'" in strict.stderr


def test_score_time_budget_reports_the_slow_scorer_and_skips_the_rest(
    monkeypatch: pytest.MonkeyPatch, dataset_file: Path, capsys: pytest.CaptureFixture[str]
):
    import time

    def slow(scorer: FakeScorer, subject: object) -> object:
        time.sleep(0.05)
        return FakeScorer(scorer.name).score(subject, None)  # type: ignore[arg-type]

    slow_scorer = FakeScorer("slow", answer=slow)
    use_host(monkeypatch, isolated_host(Plugin("sluggish", slow_scorer, FakeScorer("quick"))))
    code = main(["score", str(dataset_file), "--format", "json", "--time-budget", "0.01"])
    captured = capsys.readouterr()
    assert code == 0
    results = ScoreResults.from_json(captured.out)
    assert len(slow_scorer.calls) == 1  # the first call spent the budget; the rest skipped
    skipped = [e for e in results.errors if e.scorer == "slow"]
    assert skipped
    assert all(e.error_type == "OverBudget" for e in skipped)
    assert {e.plugin for e in skipped} == {"sluggish"}
    by_scorer = Counter(c.scorer for c in results.cards)
    assert by_scorer["slow"] == 1
    assert by_scorer["quick"] == len(skipped) + 1  # the quick scorer scored every stream
    assert "warning:" in captured.err
    assert "time budget" in captured.err
    assert main(["score", str(dataset_file), "--time-budget", "60", "--strict"]) == 0


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_score_time_budget_must_be_positive_seconds(
    good_host: PluginHost, dataset_file: Path, value: str, capsys: pytest.CaptureFixture[str]
):
    with pytest.raises(SystemExit) as exit_:
        main(["score", str(dataset_file), "--time-budget", value])
    assert exit_.value.code == 2
    assert "--time-budget" in capsys.readouterr().err


def test_score_time_budget_is_not_for_parquet(
    good_host: PluginHost, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    # A time budget needs the per-subject path, which reads whole brands: not Parquet columns.
    path = tmp_path / "x.parquet"
    argv = ["score", str(path), "--catalog", str(tmp_path / "c.json"), "--time-budget", "5"]
    assert main(argv) == 2
    assert "--time-budget applies to .json and .jsonl files" in capsys.readouterr().err


def test_scorers_json_lists_every_builtin_indicator_with_its_provenance(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from steps.scoring.indicators import Origin

    assert main(["scorers", "--format", "json"]) == 0
    listed = {s["name"]: s for s in json.loads(capsys.readouterr().out)}
    assert {"steps", "stage", "douyin-interest", "douyin-interest-brand", "trust"} <= set(listed)
    origins = {o.value for o in Origin}
    for name in ("steps", "stage", "douyin-interest", "douyin-interest-brand", "trust"):
        indicators = listed[name]["indicators"]
        assert indicators, name
        for indicator in indicators:
            provenance = indicator["provenance"]
            assert provenance is not None, (name, indicator["key"])
            assert provenance["origin"] in origins
            assert provenance["note"].strip()
            if provenance["origin"] == "article":
                assert provenance["quote"], (name, indicator["key"])
    steps_keys = {i["key"] for i in listed["steps"]["indicators"]}
    assert {"repurchase_rate", "distribution_level"} <= steps_keys
    repurchase = next(i for i in listed["steps"]["indicators"] if i["key"] == "repurchase_rate")
    assert repurchase["component"] == "P"
    assert repurchase["moves"]


def test_scorers_json_lists_a_scorer_whose_components_are_not_indicators(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Odd:
        key = "odd"
        indicators = (object(),)

    class OddScorer(FakeScorer):
        def components(self, subject: object, context: object) -> tuple[Odd, ...]:
            return (Odd(),)

    use_host(
        monkeypatch,
        isolated_host(Plugin("odd-plugin", OddScorer("odd-brand", subject=SubjectKind.BRAND))),
    )
    assert main(["scorers", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in listed] == ["odd-brand"]
    assert "indicators" not in listed[0]
