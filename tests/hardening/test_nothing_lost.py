"""Nothing lost: atomic writes, inputs never modified, deterministic output.

* A writer killed with ``SIGKILL`` at a random moment (a child process dumping a dataset of
  several megabytes again and again) leaves the target file either exactly as it was or
  exactly the complete new file, never part of one; :func:`test_killed_writers` checks that
  most of the kills did land mid-write (a temporary file was left behind).
* A write that fails normally (an exception while serialising, or in the caller's block, or
  ``KeyboardInterrupt``) leaves the target untouched and no temporary file behind.
* No command modifies its input: ``validate``, ``score``, ``compare``, ``gmv``, ``peers``,
  ``report`` and ``import`` are run over a dataset (JSON and JSON Lines), an export, a
  mapping profile, a benchmark profile and a peers file whose bytes, modification times and
  folders are compared before and after.
* ``steps score --format json`` (and ``csv``) prints byte-identical output for the same
  input, twice in one process and in processes with different ``PYTHONHASHSEED``.
"""

from __future__ import annotations

import hashlib
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import attrs
import pytest

from steps.cli import main
from steps.domain.model import Dataset
from steps.io.files import atomic_writer, dump, dumps, iter_jsonl, loads
from steps.scoring.peers import PeerBenchmarks, save_peers

REPO = Path(__file__).resolve().parents[2]
SAMPLE = Path(str(resources.files("steps") / "data" / "sample.json"))
EXPORT = REPO / "tests" / "fixtures" / "kuaishou_sessions.csv"
#: Copies of the sample's brands in the large dataset a killed child writes (≈ 5 MB).
COPIES = 10
KILLS = 6


def _environment(**extra: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("STEPS_")}
    environment["PYTHONPATH"] = str(REPO)
    environment["STEPS_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # the built-in scorers only
    environment.update(extra)
    return environment


# -- writers killed mid-write -----------------------------------------------------------------


def large_dataset() -> Dataset:
    """The sample's brands, :data:`COPIES` times over (brand ids made unique)."""
    sample = loads(SAMPLE.read_bytes())
    return Dataset(
        brands=tuple(
            attrs.evolve(brand, brand_id=f"{brand.brand_id}-{copy}")
            for copy in range(COPIES)
            for brand in sample.brands
        )
    )


def write_forever(target: str) -> None:
    """The child: build the large dataset, say so, then dump it to ``target`` until killed."""
    dataset = large_dataset()
    print("ready", flush=True)
    while True:
        dump(dataset, target)


CHILD = (
    "import sys; from tests.hardening.test_nothing_lost import write_forever; "
    "write_forever(sys.argv[1])"
)


def _new_text(suffix: str) -> bytes:
    dataset = large_dataset()
    if suffix == ".jsonl":
        return "".join(iter_jsonl(dataset)).encode("utf-8")
    return dumps(dataset).encode("utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_killed_writers(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"brands{suffix}"
    old = dumps(loads(b'{"schema_version": "1.0", "brands": []}')).encode("utf-8")
    new = _new_text(suffix)
    rng = random.Random(20_240_501)
    left_behind = 0
    for _ in range(KILLS):
        target.write_bytes(old)
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(target)],
            cwd=REPO,
            env=_environment(),
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.0, 1.0))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
            if child.stdout is not None:
                child.stdout.close()
        content = target.read_bytes()
        assert content in (old, new), (
            f"after SIGKILL the target holds {len(content)} bytes: neither the old file "
            f"({len(old)} bytes) nor the new one ({len(new)} bytes)"
        )
        strays = [p for p in tmp_path.iterdir() if p != target]
        assert all(p.name.startswith(f".{target.name}.") and p.suffix == ".tmp" for p in strays)
        left_behind += bool(strays)
        for stray in strays:  # a killed process cannot clean up: that is expected
            stray.unlink()
    # The kills landed while a temporary file was open, i.e. mid-write, most of the time.
    assert left_behind >= KILLS // 2


# -- writes that fail normally ----------------------------------------------------------------


def _unserialisable(dataset: Dataset) -> Dataset:
    """``dataset`` with a NaN smuggled into its last brand's audience (JSON refuses it)."""
    brand = dataset.brands[-1]
    assert brand.audience is not None
    object.__setattr__(brand.audience, "female_share", math.nan)
    return dataset


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "out"
    target.mkdir()
    return target


def _listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_a_dump_that_fails_while_serialising_leaves_nothing_behind(
    folder: Path, suffix: str
) -> None:
    target = folder / f"brands{suffix}"
    dump(loads(SAMPLE.read_bytes()), target)
    before = _listing(folder)
    broken = _unserialisable(loads(SAMPLE.read_bytes()))
    with pytest.raises(ValueError, match="JSON compliant"):
        dump(broken, target)  # JSON Lines has written every other brand's lines by then
    assert _listing(folder) == before


@pytest.mark.parametrize("error", [RuntimeError("the caller failed"), KeyboardInterrupt()])
def test_a_failure_inside_the_writer_leaves_nothing_behind(
    folder: Path, error: BaseException
) -> None:
    target = folder / "report.html"
    target.write_text("old", encoding="utf-8")

    def write_half() -> None:
        with atomic_writer(target) as stream:
            stream.write("half of a new file " * 10_000)
            raise error

    with pytest.raises(type(error)):
        write_half()
    assert _listing(folder) == {"report.html": b"old"}


def test_a_new_file_that_fails_is_not_created(folder: Path) -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        dump(_unserialisable(loads(SAMPLE.read_bytes())), folder / "new.json")
    assert _listing(folder) == {}


def test_saving_peers_that_fail_leaves_nothing_behind(folder: Path) -> None:
    target = folder / "peers.json"
    peers = PeerBenchmarks({"steps.x": {"*": [1.0, 2.0]}})
    save_peers(peers, target)
    before = _listing(folder)
    object.__setattr__(peers, "min_group_size", math.nan)  # JSON refuses it
    with pytest.raises(ValueError, match="JSON compliant"):
        save_peers(peers, target)
    assert _listing(folder) == before


# -- inputs never modified --------------------------------------------------------------------


def _state(paths: list[Path]) -> dict[str, tuple[str, int, tuple[str, ...]]]:
    """Hash, modification time and the folder's listing of each path."""
    return {
        str(p): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
            tuple(sorted(q.name for q in p.parent.iterdir())),
        )
        for p in paths
    }


MAPPING = """
[profile]
name = "mine"
platform = "kuaishou"
timezone = "+08:00"

[columns]
"直播ID" = { field = "stream_id", type = "text" }
"快手号" = { field = "account_id", type = "text" }
"直播开始时间" = { field = "started_at", type = "datetime", format = "%Y-%m-%d %H:%M:%S" }
"直播时长" = { field = "duration_seconds", type = "duration" }
"观看人数" = { field = "uv", type = "count" }
"人均观看时长" = { field = "watch_seconds", type = "per_viewer_duration" }
"成交金额" = { field = "gmv_fen", type = "money" }
"成交订单数" = { field = "orders", type = "count" }
"成交人数" = { field = "buyers", type = "count" }
"""

BENCHMARKS = """
[steps.repurchase_rate]
"*" = {floor = 0.3, target = 0.7, source = "our 2024 cohort"}
"""


@pytest.mark.parametrize("form", ["json", "jsonl"])
def test_no_command_modifies_its_input(
    tmp_path: Path, form: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STEPS_DISABLE_PLUGIN_AUTOLOAD", "1")
    inputs = tmp_path / "inputs"
    outputs = tmp_path / "outputs"
    inputs.mkdir()
    outputs.mkdir()
    data = inputs / f"brands.{form}"
    dump(loads(SAMPLE.read_bytes()), data)
    export = inputs / "sessions.csv"
    shutil.copyfile(EXPORT, export)
    mapping = inputs / "mapping.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    benchmarks = inputs / "benchmarks.toml"
    benchmarks.write_text(BENCHMARKS, encoding="utf-8")
    peers = inputs / "peers.json"
    assert main(["peers", str(data), "-o", str(peers)]) == 0
    everything = [data, export, mapping, benchmarks, peers]
    for path in everything:  # an old mtime: a rewrite of the same bytes would still show
        os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = _state(everything)

    out = str(outputs)
    periods = ["--from", "2021-08-01..2021-08-31", "--to", "2021-09-01..2021-09-30"]
    commands = [
        ["validate", str(data)],
        ["score", str(data)],
        ["score", str(data), "--format", "json", "-o", f"{out}/scores.json"],
        ["score", str(data), "--format", "csv", "-o", f"{out}/scores.csv"],
        ["score", str(data), "--benchmarks", str(benchmarks), "--peers", str(peers)],
        ["compare", str(data)],
        ["gmv", str(data), *periods],
        ["gmv", str(data), *periods, "--by", "account", "--format", "json"],
        ["peers", str(data), "-o", f"{out}/peers.json"],
        ["report", str(data), "-o", f"{out}/report.html"],
        ["import", str(export), "--profile", "kuaishou-live-sessions", "-o", f"{out}/a.json"],
        ["import", str(export), "--mapping", str(mapping), "-o", f"{out}/b.jsonl"],
    ]
    for command in commands:
        assert main(command) == 0, (command, capsys.readouterr().err)
        assert _state(everything) == before, f"steps {' '.join(command)} changed an input"
    capsys.readouterr()
    assert sorted(p.name for p in outputs.iterdir()) == sorted(
        ["scores.json", "scores.csv", "peers.json", "report.html", "a.json", "b.jsonl"]
    )


# -- determinism ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_scores_are_byte_identical_in_one_process(
    fmt: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STEPS_DISABLE_PLUGIN_AUTOLOAD", "1")
    outputs = []
    for _ in range(2):
        assert main(["score", str(SAMPLE), "--format", fmt]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) > 10_000


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_scores_are_byte_identical_across_hash_seeds(tmp_path: Path, fmt: str) -> None:
    jsonl = tmp_path / "sample.jsonl"
    dump(loads(SAMPLE.read_bytes()), jsonl)
    outputs = set()
    for seed in ("0", "1", "4242"):
        for data in (SAMPLE, jsonl):
            result = subprocess.run(
                [sys.executable, "-m", "steps.cli", "score", str(data), "--format", fmt],
                capture_output=True,
                env=_environment(PYTHONHASHSEED=seed),
                cwd=REPO,
                check=False,
                timeout=300,
            )
            assert result.returncode == 0, result.stderr.decode()
            outputs.add(result.stdout)
    assert len(outputs) == 1  # one text: every seed, JSON or JSON Lines input
