"""Output targets: what ``-o`` names is written as what it is, or refused up front.

* A special file is never renamed over: ``-o`` onto a character device (a node the test
  makes with :func:`os.mknod` in its own folder, as root), onto a named pipe (read by a
  thread) or onto a symbolic link to ``/dev/null`` leaves it what it was, for every command
  that writes a file; the pipe's reader gets the whole output.
* A symbolic link to a regular file is followed: the file gets the output, the link stays.
* A directory, a parent that is a file, a folder that cannot be written, a socket and an
  input of the command are refused before any work, with one line on stderr and exit 1,
  and the target is left as it was.
* When the final rename fails, the complete output stays in its temporary file, which the
  error names.
* Standard output that cannot be written (``/dev/full``) is one line and exit 1.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from steps.cli import main
from steps.io import output
from steps.io.files import atomic_writer, dump, load
from steps.io.output import OutputError, check_output, open_output
from steps.sample import generate

REPO = Path(__file__).resolve().parents[2]
EXPORT = REPO / "tests" / "fixtures" / "kuaishou_sessions.csv"
ROOT = os.geteuid() == 0


@pytest.fixture(autouse=True)
def _builtins_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEPS_DISABLE_PLUGIN_AUTOLOAD", "1")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A small dataset file: one brand, three streams."""
    path = tmp_path / "in" / "brands.json"
    path.parent.mkdir()
    dump(generate(1, 0, streams_per_brand=3), path)
    return path


def _commands(data: Path, target: Path) -> dict[str, list[str]]:
    """Every command that writes a file, writing ``target``."""
    out = str(target)
    return {
        "score-json": ["score", str(data), "--format", "json", "-o", out],
        "score-csv": ["score", str(data), "--format", "csv", "-o", out],
        "score-table": ["score", str(data), "-o", out],
        "score-chunked": [
            "score",
            str(data.with_suffix(".jsonl")),
            "--format",
            "parquet",
            "-o",
            out,
        ],
        "report": ["report", str(data), "-o", out],
        "peers": ["peers", str(data), "-o", out],
        "import": ["import", str(EXPORT), "--profile", "kuaishou-live-sessions", "-o", out],
        "sample": ["sample", "--brands", "1", "--streams-per-brand", "2", "-o", out],
    }


COMMANDS = sorted(_commands(Path("x"), Path("y")))


def _run(command: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(command)
    return code, capsys.readouterr().err


def _prepare(data: Path, name: str) -> None:
    if name == "score-chunked":
        dump(load(data), data.with_suffix(".jsonl"))


def _suffixed(folder: Path, name: str, stem: str) -> Path:
    """A target path whose suffix the command accepts."""
    suffix = {"import": ".json", "sample": ".jsonl"}.get(name, "")
    return folder / f"{stem}{suffix}"


# -- special files ------------------------------------------------------------------------------


@pytest.mark.skipif(not ROOT, reason="making a device node needs root (CI runs as root)")
@pytest.mark.parametrize("name", COMMANDS)
def test_a_device_node_stays_a_device(
    tmp_path: Path, data: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _prepare(data, name)
    node = _suffixed(tmp_path, name, "null")
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # the null device, in our folder
    code, err = _run(_commands(data, node)[name], capsys)
    assert code == 0, err
    assert stat.S_ISCHR(node.lstat().st_mode), f"steps {name} -o replaced the device node"
    assert (os.major(node.lstat().st_rdev), os.minor(node.lstat().st_rdev)) == (1, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["in", node.name])


@pytest.mark.parametrize("name", COMMANDS)
def test_a_link_to_dev_null_stays_a_link(
    tmp_path: Path, data: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _prepare(data, name)
    link = _suffixed(tmp_path, name, "sink")
    link.symlink_to("/dev/null")
    code, err = _run(_commands(data, link)[name], capsys)
    assert code == 0, err
    assert link.is_symlink()
    assert os.readlink(link) == "/dev/null"
    assert stat.S_ISCHR(Path("/dev/null").stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["in", link.name])


@contextlib.contextmanager
def _reader(fifo: Path) -> Iterator[bytearray]:
    """A thread reading ``fifo`` to its end into the yielded buffer."""
    received = bytearray()

    def read() -> None:
        with open(fifo, "rb") as stream:
            received.extend(stream.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    try:
        yield received
    finally:
        if thread.is_alive():  # nobody wrote: open the other end so that the reader ends
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(timeout=60)
        assert not thread.is_alive()


def test_a_named_pipe_gets_the_whole_output_and_stays_a_pipe(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "scores.fifo"
    os.mkfifo(fifo)
    with _reader(fifo) as received:
        code, err = _run(["score", str(data), "--format", "json", "-o", str(fifo)], capsys)
    assert code == 0, err
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    document = json.loads(received.decode("utf-8"))
    assert document["cards"]
    assert not document["errors"]
    assert main(["score", str(data), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == document


def test_a_named_pipe_gets_the_rows_of_a_chunked_run(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jsonl = data.with_suffix(".jsonl")
    dump(load(data), jsonl)
    for form in ("csv", "parquet"):
        fifo = tmp_path / f"rows-{form}.fifo"
        os.mkfifo(fifo)
        argv = ["score", str(jsonl), "--format", form, "--chunk-rows", "2"]
        with _reader(fifo) as received:
            code, err = _run([*argv, "-o", str(fifo)], capsys)
        assert code == 0, err
        assert stat.S_ISFIFO(fifo.lstat().st_mode)
        regular = tmp_path / f"rows.{form}"
        assert main([*argv, "-o", str(regular)]) == 0
        assert bytes(received) == regular.read_bytes()
        assert len(regular.read_bytes()) > 1_000


def test_a_link_to_a_regular_file_is_followed(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(real.name)
    code, err = _run(["score", str(data), "--format", "json", "-o", str(link)], capsys)
    assert code == 0, err
    assert link.is_symlink()
    assert os.readlink(link) == "real.json"
    assert json.loads(real.read_text(encoding="utf-8"))["cards"]
    assert stat.S_IMODE(real.stat().st_mode) == 0o640  # the file keeps its permissions
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "link.json", "real.json"]


# -- refused targets ----------------------------------------------------------------------------


def _refusals(tmp_path: Path, data: Path) -> dict[str, Callable[[str], Path]]:
    """Ways to name a target that cannot be written, by the reason the error gives."""

    def directory(name: str) -> Path:
        target = _suffixed(tmp_path, name, "folder")
        target.mkdir()
        (target / "keep").write_text("kept", encoding="utf-8")
        return target

    def under_a_file(name: str) -> Path:
        parent = tmp_path / "a-file"
        parent.write_text("a file, not a folder", encoding="utf-8")
        return _suffixed(parent, name, "out")

    def a_socket(name: str) -> Path:
        target = _suffixed(tmp_path, name, "s")
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(target))
        server.close()
        return target

    return {"is a directory": directory, "not a folder": under_a_file, "is a socket": a_socket}


def _snapshot(folder: Path) -> dict[str, tuple[int, bytes | None]]:
    return {
        str(p.relative_to(folder)): (
            stat.S_IFMT(p.lstat().st_mode),
            p.read_bytes() if p.is_file() and not p.is_symlink() else None,
        )
        for p in sorted(folder.rglob("*"))
    }


@pytest.mark.parametrize("reason", ["is a directory", "not a folder", "is a socket"])
@pytest.mark.parametrize("name", COMMANDS)
def test_a_target_that_cannot_be_written_is_one_line_and_exit_1(
    tmp_path: Path, data: Path, name: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _prepare(data, name)
    target = _refusals(tmp_path, data)[reason](name)
    before = _snapshot(tmp_path)
    code, err = _run(_commands(data, target)[name], capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"steps {name.split('-', maxsplit=1)[0]}: cannot write ")
    assert reason in lines[0]
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("name", ["score-json", "score-chunked", "report", "peers"])
def test_an_input_is_never_its_own_output(
    tmp_path: Path, data: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _prepare(data, name)
    source = data.with_suffix(".jsonl") if name == "score-chunked" else data
    link = tmp_path / "another-name"
    link.symlink_to(source)
    hard = tmp_path / "hard-link"
    os.link(source, hard)
    before = source.read_bytes()
    for target in (source, link, hard):
        code, err = _run(_commands(data, target)[name], capsys)
        assert code == 1
        assert "it is also an input" in err
        assert len(err.strip().splitlines()) == 1, err
        assert source.read_bytes() == before


def test_score_refuses_to_write_over_its_benchmarks_or_peers(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    peers = tmp_path / "peers.json"
    assert main(["peers", str(data), "-o", str(peers)]) == 0
    before = peers.read_bytes()
    code, err = _run(["score", str(data), "--peers", str(peers), "-o", str(peers)], capsys)
    assert (code, "it is also an input" in err) == (1, True)
    assert peers.read_bytes() == before


def test_import_refuses_to_write_over_its_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "sessions.json"  # an export with a dataset's suffix, named as -o
    export.write_bytes(EXPORT.read_bytes())
    code, err = _run(
        ["import", str(export), "--profile", "kuaishou-live-sessions", "-o", str(export)], capsys
    )
    assert (code, "it is also an input" in err) == (1, True)
    assert export.read_bytes() == EXPORT.read_bytes()


def _as_nobody(call: Callable[[], int]) -> tuple[int, str]:
    """Run ``call`` in a forked child as user ``nobody``; its exit code and stderr.  (Root
    may write into any folder: only another user meets a folder it cannot write in.  A fork
    rather than a new interpreter, which ``nobody`` may not be allowed to read.)"""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 99
        try:
            os.close(read)
            sys.stderr = os.fdopen(write, "w", encoding="utf-8")
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            code = call()
        finally:
            sys.stderr.flush()
            os._exit(code)
    os.close(write)
    with os.fdopen(read, encoding="utf-8") as stream:
        err = stream.read()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), err


@pytest.mark.skipif(not ROOT, reason="switching to another user needs root (CI runs as root)")
def test_a_folder_that_cannot_be_written_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    shared = Path(tempfile.mkdtemp())
    try:
        shared.chmod(0o755)
        data = shared / "brands.json"
        dump(generate(1, 0, streams_per_brand=2), data)
        data.chmod(0o644)
        locked = shared / "locked"
        locked.mkdir(mode=0o555)
        target = locked / "s.txt"
        # Every module the command needs is imported before the switch.
        assert main(["score", str(data), "-o", str(shared / "warm-up.txt")]) == 0
        capsys.readouterr()
        code, err = _as_nobody(lambda: main(["score", str(data), "-o", str(target)]))
        assert code == 1, err
        assert err.strip().splitlines() == [
            f"steps score: cannot write {str(target)!r}: the folder {str(locked)!r} is not writable"
        ]
        assert list(locked.iterdir()) == []
    finally:
        shutil.rmtree(shared)


def test_a_chunked_run_is_refused_before_any_work(
    tmp_path: Path, data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    jsonl = data.with_suffix(".jsonl")
    dump(load(data), jsonl)
    target = tmp_path / "rows.parquet"
    target.mkdir()

    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("the run started although its output cannot be written")

    monkeypatch.setattr("steps.scoring.streaming.ChunkedRun", no_work)
    code, err = _run(["score", str(jsonl), "--format", "parquet", "-o", str(target)], capsys)
    assert code == 1
    assert "is a directory" in err


def test_when_the_final_rename_fails_the_output_is_kept(
    tmp_path: Path, data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    jsonl = data.with_suffix(".jsonl")
    dump(load(data), jsonl)
    target = tmp_path / "rows.parquet"

    def refuse(source: str, destination: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(output.os, "replace", refuse)
    argv = ["score", str(jsonl), "--format", "parquet", "-o", str(target)]
    code, err = _run(argv, capsys)
    assert code == 1
    assert "the complete output is kept in" in err
    assert len(err.strip().splitlines()) == 1
    kept = [p for p in tmp_path.iterdir() if p.name.startswith(".rows.parquet.")]
    assert len(kept) == 1
    assert kept[0].name in err
    assert not target.exists()
    monkeypatch.undo()
    monkeypatch.setenv("STEPS_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert main(argv) == 0
    assert kept[0].read_bytes() == target.read_bytes()  # the whole run, kept


# -- the writer itself --------------------------------------------------------------------------


def test_check_output_returns_the_path_written(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    assert check_output(link) == real  # a dangling link: its target is created
    assert check_output(tmp_path / "new" / "deeper" / "x.txt") == tmp_path / "new/deeper/x.txt"
    with pytest.raises(OutputError, match="no file name"):
        check_output("")


def test_a_dangling_link_is_written_through(tmp_path: Path) -> None:
    link = tmp_path / "link.txt"
    link.symlink_to("made.txt")
    with atomic_writer(link) as stream:
        stream.write("through")
    assert link.is_symlink()
    assert (tmp_path / "made.txt").read_text(encoding="utf-8") == "through"


def test_writing_into_a_special_file_streams(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with _reader(fifo) as received, open_output(fifo) as stream:
        stream.buffer.write(b"bytes ")
        stream.write("and text\n")
    assert bytes(received) == b"bytes and text\n"


def test_an_output_error_is_an_os_error_with_one_line(tmp_path: Path) -> None:
    error = OutputError(tmp_path / "x", "is a directory")
    assert isinstance(error, OSError)
    assert str(error) == f"cannot write {str(tmp_path / 'x')!r}: is a directory"
    assert "\n" not in str(error)


@pytest.mark.parametrize(
    "command",
    [
        ["demo"],
        ["schema"],
        ["gmv", "{data}", "--from", "2021-08-01..2021-08-31", "--to", "2021-09-01..2021-09-30"],
        ["score", "{data}", "--format", "json"],
        ["validate", "{data}"],
    ],
)
def test_a_full_standard_output_is_one_line_and_exit_1(data: Path, command: list[str]) -> None:
    argv = [part.format(data=data) for part in command]
    with open("/dev/full", "w", encoding="utf-8") as full:
        result = subprocess.run(
            [sys.executable, "-m", "steps.cli", *argv],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO), "STEPS_DISABLE_PLUGIN_AUTOLOAD": "1"},
            cwd=REPO,
            check=False,
            timeout=300,
        )
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"steps {argv[0]}: cannot write to standard output: No space left on device"
    ]
