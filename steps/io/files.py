"""Reading and writing dataset files: JSON (one document) and JSON Lines (one record a line).

JSON:

    {"schema_version": "1.0", "brands": [{...brand...}, ...]}

JSON Lines: a header line, then records.  Each record names its kind; every record but a
brand names its brand, so a large file streams in any order of brands:

    {"record": "header", "schema_version": "1.0"}
    {"record": "brand", "brand_id": "b1", "name": "...", "category": "..."}
    {"record": "account", "brand_id": "b1", "account_id": "a1", ...}
    {"record": "stream", "brand_id": "b1", "stream_id": "s1", ...}

Writes go through `steps.io.output.open_output`: atomic for a regular file (a
temporary file beside the target, then a rename, so a reader or an interrupted run sees the
old file or the new one, never half of one), direct into a special file such as a pipe.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Final

from steps.domain.errors import MAX_PROBLEMS, InvalidDataError, Problem
from steps.domain.model import Dataset
from steps.io.converter import structure, unstructure
from steps.io.output import open_output

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_LINE_BYTES",
    "MAX_RECORDS",
    "SCHEMA_VERSION",
    "atomic_writer",
    "dump",
    "dumps",
    "load",
    "load_jsonl",
    "loads",
    "parse_json_file",
    "read_capped",
]

#: The version of the data format written by this library; files carry it.
SCHEMA_VERSION: Final = "1.0"
SUPPORTED_VERSIONS: Final = frozenset({"1.0"})
#: Documented limits, so that a hostile file cannot exhaust memory.
MAX_FILE_BYTES: Final = 2 * 1024**3
MAX_LINE_BYTES: Final = 64 * 1024**2
#: The most records (non-blank lines) a JSON Lines file may hold: each becomes an object in
#: memory, so a file of many tiny lines is capped like a large JSON document is.
MAX_RECORDS: Final = 10_000_000

# JSON Lines record kinds and the brand field each one fills.
RECORD_FIELDS: Final = {
    "account": "accounts",
    "product": "products",
    "stream": "streams",
    "talent_collab": "talent_collabs",
    "order": "orders",
    "trust_signal": "trust_signals",
    "short_video": "short_videos",
    "paid_campaign": "paid_campaigns",
}


def read_capped(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of ``path``, refused with `InvalidDataError` when there are more than
    ``limit``.  The cap counts the bytes actually read, never trusting the size the file
    system reports (a device such as ``/dev/zero``, a ``/proc`` file or a named pipe reports
    0): at most ``limit + 1`` bytes are ever read.  A regular file whose reported size is
    over the cap is refused before it is read.  ``OSError`` when it cannot be opened."""
    source = os.fspath(path)
    with open(path, "rb") as stream:
        try:
            size = os.fstat(stream.fileno()).st_size
        except OSError:
            size = 0
        if size > limit:
            raise InvalidDataError(
                [Problem("", f"file is {size} bytes; the limit is {limit}")], source
            )
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise InvalidDataError(
            [Problem("", f"file is {limit + 1} bytes or more; the limit is {limit}")], source
        )
    return data


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _parse_json(text: str) -> Any:
    return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)


def _syntax_problem(error: Exception) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
    if isinstance(error, RecursionError):
        return "not valid JSON: nested too deeply"
    return f"not valid JSON: {error}"


def parse_json_file(raw: bytes, source: str) -> Any:
    """The JSON document in ``raw`` (a whole file's bytes), for the loaders of small JSON
    files (benchmark profiles, peers files): UTF-8, no ``NaN``, no key given twice in one
    object, no string holding a lone surrogate; anything else raises
    `InvalidDataError` with one problem."""
    try:
        document = _parse_json(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise InvalidDataError(
            [Problem("", f"not valid UTF-8 at byte {error.start}")], source
        ) from None
    except (ValueError, RecursionError) as error:
        raise InvalidDataError([Problem("", _syntax_problem(error))], source) from None
    try:
        lone = next(_lone_surrogates(document, ""), None)
    except RecursionError:
        raise InvalidDataError([Problem("", "not valid JSON: nested too deeply")], source) from None
    if lone is not None:
        raise InvalidDataError([lone], source)
    return document


_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def _lone_surrogates(tree: object, path: str) -> Iterator[Problem]:
    """A problem for each string of ``tree`` (a key or a value) holding a lone surrogate,
    which ``\\ud800`` in JSON makes and no UTF-8 writer can write back."""
    if isinstance(tree, str):
        if not tree.isascii() and _SURROGATE.search(tree):
            yield Problem(path, "holds a lone surrogate (not valid Unicode text)")
    elif isinstance(tree, dict):
        for key, value in tree.items():
            where = f"{path}[{json.dumps(key)}]"
            yield from _lone_surrogates(key, where)
            yield from _lone_surrogates(value, where)
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from _lone_surrogates(value, f"{path}[{index}]")


def _check_version(document: object, where: str) -> list[Problem]:
    if not isinstance(document, dict):
        return [Problem("", f"{where} must be a JSON object")]
    version = document.get("schema_version")
    if version is None:
        return [Problem("schema_version", "is required")]
    if not isinstance(version, str) or version not in SUPPORTED_VERSIONS:
        supported = ", ".join(sorted(SUPPORTED_VERSIONS))
        return [
            Problem("schema_version", f"unsupported version {version!r} (supported: {supported})")
        ]
    return []


def loads(text: str | bytes, *, source: str | None = None) -> Dataset:
    """Parse one JSON document into a `Dataset`."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        document = _parse_json(text)
    except UnicodeDecodeError as error:
        raise InvalidDataError(
            [Problem("", f"not valid UTF-8 at byte {error.start}")], source
        ) from None
    except (ValueError, RecursionError) as error:
        raise InvalidDataError([Problem("", _syntax_problem(error))], source) from None
    problems = _check_version(document, "the document")
    if problems:
        raise InvalidDataError(problems, source)
    body = {k: v for k, v in document.items() if k != "schema_version"}
    try:
        return structure(body, Dataset)
    except InvalidDataError as error:
        raise InvalidDataError(
            error.problems, source, omitted=error.omitted, stopped=error.stopped
        ) from None


def _read_lines(stream: IO[bytes] | IO[str]) -> Iterator[tuple[int, bytes]]:
    number = 0
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        if isinstance(line, str):  # a text stream: its lines are read the same way
            line = line.encode("utf-8", "surrogatepass")
        number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            raise InvalidDataError(
                [Problem("", f"line longer than {MAX_LINE_BYTES} bytes", number)]
            )
        yield number, line


#: The keys of the header line of a JSON Lines file.
HEADER_KEYS: Final = frozenset({"record", "schema_version"})


def load_jsonl(stream: IO[bytes] | IO[str], *, source: str | None = None) -> Dataset:
    """Parse a JSON Lines dataset (header line, then records) into a `Dataset`.

    ``stream`` is a binary stream (a file opened with ``"rb"``) or a text one.  Problems
    beyond `MAX_PROBLEMS` stop the reading.
    """
    if not callable(getattr(stream, "readline", None)):
        raise TypeError(
            f"load_jsonl reads an open file (binary or text), got {type(stream).__name__}; "
            "use steps.load(path) for a path"
        )
    problems: list[Problem] = []
    brands: dict[str, dict[str, Any]] = {}
    brand_lines: dict[str, int] = {}
    # For each (brand, collection, index): the line it came from, to point problems at it.
    origin: dict[tuple[str, str, int], int] = {}
    saw_header = False
    stopped = False
    records = 0
    try:
        for number, raw in _read_lines(stream):
            if not raw.strip():
                continue
            records += 1
            if records > MAX_RECORDS:
                problems.append(Problem("", f"more than {MAX_RECORDS} records", number))
                break
            if len(problems) >= MAX_PROBLEMS:
                stopped = True
                break
            try:
                record = _parse_json(raw.decode("utf-8"))
            except UnicodeDecodeError as error:
                problems.append(Problem("", f"not valid UTF-8 at byte {error.start}", number))
            except (ValueError, RecursionError) as error:
                problems.append(Problem("", _syntax_problem(error), number))
            else:
                if saw_header:
                    problems.extend(_add_record(record, number, brands, brand_lines, origin))
                    continue
                header = _header_problems(record, number)
                if not header:
                    saw_header = True
                    continue
                problems.extend(header)
            if not saw_header:
                break  # without a header, no line after it can be read
    except InvalidDataError as error:
        problems.extend(error.problems)
    if records == 0 and not problems:
        problems.append(Problem("", "empty file: expected a header line with schema_version"))
    if problems:
        raise InvalidDataError(problems, source, stopped=stopped)
    return _structure_brands(brands, brand_lines, origin, source)


def _header_problems(record: object, number: int) -> list[Problem]:
    header = _check_version(record, "the header line")
    if header:
        return [p.at_line(number) for p in header]
    assert isinstance(record, dict)  # noqa: S101  # _check_version refuses anything else
    if record.get("record") != "header":
        return [Problem("record", 'the first line must be the header ("record": "header")', number)]
    return [
        Problem(str(key) or '""', "unknown key in the header line", number)
        for key in sorted(set(record) - HEADER_KEYS)
    ]


def _add_record(
    record: object,
    number: int,
    brands: dict[str, dict[str, Any]],
    brand_lines: dict[str, int],
    origin: dict[tuple[str, str, int], int],
) -> list[Problem]:
    if not isinstance(record, dict):
        return [Problem("", "a record must be a JSON object", number)]
    kind = record.get("record")
    brand_id = record.get("brand_id")
    if not isinstance(brand_id, str):
        return [Problem("brand_id", "is required (a string) on every record", number)]
    body = {k: v for k, v in record.items() if k != "record"}
    if kind == "brand":
        if brand_id in brand_lines:
            return [
                Problem(
                    "brand_id",
                    f"duplicate brand {brand_id!r} (first on line {brand_lines[brand_id]})",
                    number,
                )
            ]
        inline = [
            Problem(key, f"give {key} as separate records, one a line", number)
            for key in body
            if key in RECORD_FIELDS.values()
        ]
        if inline:
            return inline
        brands.setdefault(brand_id, {}).update(body)
        brand_lines[brand_id] = number
        return []
    field = RECORD_FIELDS.get(kind) if isinstance(kind, str) else None
    if field is None:
        known = ", ".join(["brand", *RECORD_FIELDS])
        return [Problem("record", f"unknown record kind {kind!r} (known: {known})", number)]
    del body["brand_id"]
    items = brands.setdefault(brand_id, {}).setdefault(field, [])
    if not isinstance(items, list):
        return [Problem(field, "must be an array", number)]
    origin[(brand_id, field, len(items))] = number
    items.append(body)
    return []


def _structure_brands(
    brands: dict[str, dict[str, Any]],
    brand_lines: dict[str, int],
    origin: dict[tuple[str, str, int], int],
    source: str | None,
) -> Dataset:
    orphans = (
        Problem("brand_id", f"records name brand {brand_id!r}, which has no brand record")
        for brand_id in brands
        if brand_id not in brand_lines
    )
    first = list(itertools.islice(orphans, MAX_PROBLEMS))
    if first:
        raise InvalidDataError(first, source, omitted=sum(1 for _ in orphans))
    order = sorted(brand_lines, key=brand_lines.__getitem__)
    try:
        return structure({"brands": [brands[b] for b in order]}, Dataset)
    except InvalidDataError as error:
        located = [_locate(p, order, brand_lines, origin) for p in error.problems]
        raise InvalidDataError(
            located, source, omitted=error.omitted, stopped=error.stopped
        ) from None


_BRAND_ITEM = re.compile(r"^brands\[(\d+)\](?:\.(\w+)\[(\d+)\])?")


def _locate(
    problem: Problem,
    order: list[str],
    brand_lines: dict[str, int],
    origin: dict[tuple[str, str, int], int],
) -> Problem:
    """Point a problem at the line its record came from."""
    match = _BRAND_ITEM.match(problem.path)
    if not match or problem.line is not None:
        return problem
    brand_id = order[int(match.group(1))]
    line = brand_lines[brand_id]
    if match.group(2) is not None:
        line = origin.get((brand_id, match.group(2), int(match.group(3))), line)
    return problem.at_line(line)


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "json"
    raise InvalidDataError(
        [Problem("", f"unknown file type {suffix or '(none)'!r}: use .json, .jsonl or .ndjson")],
        str(path),
    )


def load(path: str | os.PathLike[str]) -> Dataset:
    """Load a dataset from a ``.json`` or ``.jsonl`` file.

    Raises `InvalidDataError` listing every problem, each with
    its path (and line, for JSON Lines); never a bare parsing or type error.
    """
    file = Path(path)
    kind = _format_of(file)
    try:
        # A JSON document is parsed whole, so its size is capped (on the bytes read); JSON
        # Lines is read a bounded line at a time.
        if kind == "json":
            return loads(read_capped(file, MAX_FILE_BYTES), source=str(file))
        with file.open("rb") as stream:
            return load_jsonl(stream, source=str(file))
    except OSError as error:
        raise InvalidDataError(
            [Problem("", f"cannot read: {error.strerror or error}")], str(file)
        ) from None


def dumps(dataset: Dataset) -> str:
    """The JSON document for ``dataset`` (deterministic: the same dataset, the same text)."""
    document = {"schema_version": SCHEMA_VERSION, **unstructure(dataset)}
    return json.dumps(document, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def iter_jsonl(dataset: Dataset) -> Iterator[str]:
    """The lines of the JSON Lines form of ``dataset``, header first."""
    yield _line({"record": "header", "schema_version": SCHEMA_VERSION})
    for brand in dataset.brands:
        plain = unstructure(brand)
        collections = {f: plain.pop(f, []) for f in RECORD_FIELDS.values()}
        yield _line({"record": "brand", **plain})
        for kind, field in RECORD_FIELDS.items():
            for item in collections[field]:
                yield _line({"record": kind, "brand_id": brand.brand_id, **item})


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"


@contextmanager
def atomic_writer(
    path: str | os.PathLike[str], *, inputs: Iterable[str | os.PathLike[str] | None] = ()
) -> Iterator[IO[str]]:
    """Open ``path`` for writing through `steps.io.output.open_output`: a regular file
    is replaced atomically (on failure it is untouched), a special file is written directly,
    a symbolic link is followed; `OutputError` for a target that
    cannot be written or is the same file as one of ``inputs``."""
    with open_output(path, inputs=inputs) as stream:
        yield stream


def dump(dataset: Dataset, path: str | os.PathLike[str]) -> None:
    """Write ``dataset`` to ``path`` (``.json`` or ``.jsonl``), atomically."""
    file = Path(path)
    writer: Callable[[IO[str]], None]
    if _format_of(file) == "jsonl":

        def writer(stream: IO[str]) -> None:
            stream.writelines(iter_jsonl(dataset))
    else:

        def writer(stream: IO[str]) -> None:
            stream.write(dumps(dataset))

    with atomic_writer(file) as stream:
        writer(stream)
