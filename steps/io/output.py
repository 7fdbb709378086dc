"""The one output writer: every file steps writes goes through `open_output`.

What a target path names decides how it is written:

* a regular file (or a path that does not exist yet) is written *atomically*: a temporary
  file beside it (``.NAME.<random>.tmp``) is written, flushed to disk and renamed over it in
  one step, so a reader sees the old file or the complete new one, never part of one;
* a special file (a character or block device such as ``/dev/null``, a named pipe) is never
  renamed over: it is opened and written directly, as a shell's ``>`` would (opening a pipe
  waits for its reader, which then gets the output as it is written);
* a symbolic link is followed: its target is written (atomically when it is a regular
  file), the link stays a link;
* a directory, a socket, a path whose parent is not a folder, and a path that is the same
  file as one of the command's inputs are refused with an `OutputError` before
  anything is written.

`check_output` runs the same checks up front, so that a command can refuse a target
before it does any work.  A failure to write is one `OutputError` whose message names
the target and the reason (``cannot write 'out/scores.json': is a directory``).  When the
final rename itself fails, the complete output is kept in its temporary file, which the
error names: what was computed is not lost.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

__all__ = ["OutputError", "check_output", "open_output"]


class OutputError(OSError):
    """A target that cannot be written; the message is one line naming it and why."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"cannot write {self.path!r}: {reason}")

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self) -> tuple[type[OutputError], tuple[str, str]]:
        return (OutputError, (self.path, self.reason))


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def _special(mode: int) -> bool:
    return stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode)


def _same_file(target: Path, inputs: Iterable[str | os.PathLike[str] | None]) -> str | None:
    """The first input that is the same file as ``target`` (by device and inode, so a hard
    link or another spelling of the path counts), or ``None``."""
    for source in inputs:
        if source is None:
            continue
        try:
            if os.path.samefile(target, source):
                return os.fspath(source)
        except OSError:  # either does not exist (yet): not the same file
            continue
    return None


def _existing_ancestor(path: Path) -> Path:
    for parent in path.parents:
        if parent.exists() or parent.is_symlink():
            return parent
    return Path(".")


def check_output(
    path: str | os.PathLike[str],
    *,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
) -> Path:
    """Refuse, before any work is done, a target `open_output` could not write.

    Returns the path that will be written: ``path`` with its symbolic links resolved.
    Raises `OutputError` for a directory, a socket, a target that is the same file as
    one of ``inputs``, a parent that is not a folder, or a folder the process cannot write
    in (checked with `os.access`, so a read-only file system counts too).
    """
    if not os.fspath(path):
        raise OutputError(path, "no file name given")
    given = Path(path)
    real = Path(os.path.realpath(given))
    same = _same_file(real, inputs)
    if same is not None:
        raise OutputError(given, f"it is also an input ({same!r}); write to another file")
    try:
        mode = real.stat().st_mode
    except FileNotFoundError:
        mode = None
    except NotADirectoryError:
        raise OutputError(given, "a parent of it is a file, not a folder") from None
    except OSError as error:
        raise OutputError(given, _reason(error)) from None
    if mode is not None:
        if stat.S_ISDIR(mode):
            raise OutputError(given, "is a directory")
        if stat.S_ISSOCK(mode):
            raise OutputError(given, "is a socket")
        if _special(mode):
            if not os.access(real, os.W_OK):
                raise OutputError(given, "permission denied")
            return real
    folder = real.parent
    ancestor = folder if folder.exists() else _existing_ancestor(folder)
    if not ancestor.is_dir():
        raise OutputError(given, f"a parent of it is a file, not a folder ({str(ancestor)!r})")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputError(given, f"the folder {str(ancestor)!r} is not writable")
    return real


def _mode_for(target: Path) -> int:
    """The permissions a plain ``open(target, "w")`` would give: the existing file's, or
    0666 less the umask (``mkstemp`` alone would leave the file readable by its owner only)."""
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextmanager
def open_output(
    path: str | os.PathLike[str],
    *,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
) -> Iterator[IO[str]]:
    """Open ``path`` for writing text (UTF-8, ``\\n`` line ends; ``.buffer`` takes bytes) as
    the module documentation describes: atomically, or directly into a special file.

    A regular target is replaced only when the block ends without an exception; on an
    exception (``KeyboardInterrupt`` included) the temporary file is removed and the target
    is untouched.  A special file is written as the block writes.
    """
    target = check_output(path, inputs=inputs)
    given = Path(path)
    try:
        mode = target.stat().st_mode
    except OSError:
        mode = None
    if mode is not None and _special(mode):
        try:
            stream = open(target, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        except OSError as error:
            raise OutputError(given, _reason(error)) from None
        with stream:
            yield stream
            try:
                stream.flush()
            except OSError as error:
                raise OutputError(given, _reason(error)) from None
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
    except OSError as error:
        raise OutputError(given, _reason(error)) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
            _settle(stream, target, given)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    try:
        os.replace(temporary, target)
    except OSError as error:
        # Everything is written: keep it rather than throw the work away.
        raise OutputError(
            given, f"{_reason(error)}; the complete output is kept in {temporary!r}"
        ) from None


def _settle(stream: IO[str], target: Path, given: Path) -> None:
    """Flush ``stream`` to disk with the permissions the target will have."""
    try:
        stream.flush()
        os.fchmod(stream.fileno(), _mode_for(target))
        os.fsync(stream.fileno())
    except OSError as error:
        raise OutputError(given, _reason(error)) from None
