"""Reading and writing dataset files: JSON (one document) and JSON Lines (one record a line).

JSON::

    {"schema_version": "1.0", "brands": [{...brand...}, ...]}

JSON Lines: a header line, then records.  Each record names its kind; every record but a
brand names its brand, so a large file streams in any order of brands::

    {"record": "header", "schema_version": "1.0"}
    {"record": "brand", "brand_id": "b1", "name": "...", "category": "..."}
    {"record": "account", "brand_id": "b1", "account_id": "a1", ...}
    {"record": "stream", "brand_id": "b1", "stream_id": "s1", ...}

Writes go through :func:`steps.io.output.open_output`: atomic for a regular file (a
temporary file beside the target, then a rename, so a reader or an interrupted run sees the
old file or the new one, never half of one), direct into a special file such as a pipe.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Final

from steps.domain.errors import InvalidDataError, Problem
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
    "loads",
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
}


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
    """Parse one JSON document into a :class:`Dataset`."""
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
        raise InvalidDataError(error.problems, source) from None


def _read_lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    number = 0
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            raise InvalidDataError(
                [Problem("", f"line longer than {MAX_LINE_BYTES} bytes", number)]
            )
        yield number, line


def load_jsonl(stream: IO[bytes], *, source: str | None = None) -> Dataset:
    """Parse a JSON Lines dataset (header line, then records) into a :class:`Dataset`."""
    problems: list[Problem] = []
    brands: dict[str, dict[str, Any]] = {}
    brand_lines: dict[str, int] = {}
    # For each (brand, collection, index): the line it came from, to point problems at it.
    origin: dict[tuple[str, str, int], int] = {}
    saw_header = False
    records = 0
    try:
        for number, raw in _read_lines(stream):
            if not raw.strip():
                continue
            records += 1
            if records > MAX_RECORDS:
                problems.append(Problem("", f"more than {MAX_RECORDS} records", number))
                break
            try:
                record = _parse_json(raw.decode("utf-8"))
            except UnicodeDecodeError as error:
                problems.append(Problem("", f"not valid UTF-8 at byte {error.start}", number))
                continue
            except (ValueError, RecursionError) as error:
                problems.append(Problem("", _syntax_problem(error), number))
                continue
            if not saw_header:
                saw_header = True
                header = _check_version(record, "the header line")
                if header:
                    problems.extend(p.at_line(number) for p in header)
                    break
                if record.get("record") != "header":
                    problems.append(
                        Problem(
                            "record",
                            'the first line must be the header ("record": "header")',
                            number,
                        )
                    )
                    break
                continue
            problems.extend(_add_record(record, number, brands, brand_lines, origin))
    except InvalidDataError as error:
        problems.extend(error.problems)
    if not saw_header:
        problems.append(Problem("", "empty file: expected a header line with schema_version"))
    if problems:
        raise InvalidDataError(problems, source)
    return _structure_brands(brands, brand_lines, origin, source)


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
    orphans = [
        Problem("brand_id", f"records name brand {brand_id!r}, which has no brand record")
        for brand_id in brands
        if brand_id not in brand_lines
    ]
    if orphans:
        raise InvalidDataError(orphans, source)
    order = sorted(brand_lines, key=brand_lines.__getitem__)
    try:
        return structure({"brands": [brands[b] for b in order]}, Dataset)
    except InvalidDataError as error:
        located = [_locate(p, order, brand_lines, origin) for p in error.problems]
        raise InvalidDataError(located, source) from None


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

    Raises :class:`~steps.domain.errors.InvalidDataError` listing every problem, each with
    its path (and line, for JSON Lines); never a bare parsing or type error.
    """
    file = Path(path)
    kind = _format_of(file)
    try:
        size = file.stat().st_size
        # A JSON document is parsed whole, so its size is capped; JSON Lines is read a
        # bounded line at a time.
        if kind == "json" and size > MAX_FILE_BYTES:
            raise InvalidDataError(
                [Problem("", f"file is {size} bytes; the limit is {MAX_FILE_BYTES}")], str(file)
            )
        with file.open("rb") as stream:
            if kind == "jsonl":
                return load_jsonl(stream, source=str(file))
            return loads(stream.read(), source=str(file))
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
    """Open ``path`` for writing through :func:`steps.io.output.open_output`: a regular file
    is replaced atomically (on failure it is untouched), a special file is written directly,
    a symbolic link is followed; :class:`~steps.io.output.OutputError` for a target that
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
