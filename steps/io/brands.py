"""Reading a dataset file one brand at a time, in memory bounded by its largest brand.

    from steps.io.brands import iter_brands

    for brand in iter_brands("big.jsonl"):
        print(brand.brand_id, len(brand.streams))

`iter_brands` yields each `Brand` of a JSON Lines file with every one of its records
(accounts, products, streams, talent collaborations, orders, trust signals, short videos,
paid campaigns, its coverage), in the order `steps.load` gives them, each validated by the
same converter with the same problems: a bad field is reported by its path in the whole file
(``brands[2].streams[3].gmv_fen``) and its line, as `InvalidDataError`.

**Two passes.**  A brand is complete only when no later line names it, which only the end of
the file tells, so a first pass reads each line's brand and kind from its head
(``{"record":"stream","brand_id":"b1",...`` as `steps.dump` and `steps.sample.write_jsonl`
write it; a line written otherwise is parsed) and records, for each brand, the runs of
consecutive lines that are its: one run a brand in a file written by steps, one run a line at
worst when brands are interleaved.  Each brand is then read by seeking to its runs: a file
whose brands are grouped is read front to back, an interleaved one brand by brand; memory
holds one brand's records and objects, never two.

**Problems** the first pass can see (the header, a line that is not JSON, a record with no
brand, records naming a brand that has no brand record, more than `MAX_RECORDS`) are raised
before any brand is yielded, as `steps.load` raises them.  A problem inside a brand (a bad
field, an unknown record kind, a second record of the brand) is raised when that brand is
read, after the brands before it were yielded: where `steps.load` lists the problems of
every brand at once, the reader stops at the first brand that has any.

A JSON document (``.json``) is one value that no standard parser reads a part of: it is loaded
whole (`steps.load`) and its brands yielded from memory.  Write large datasets as JSON Lines.
"""

from __future__ import annotations

import itertools
import os
import re
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Final

from steps.domain.errors import MAX_PROBLEMS, InvalidDataError, Problem
from steps.domain.model import Brand
from steps.io.converter import structure
from steps.io.files import (
    MAX_LINE_BYTES,
    MAX_RECORDS,
    _add_record,
    _format_of,
    _header_problems,
    _locate,
    _parse_json,
    _read_lines,
    _syntax_problem,
    load,
)

__all__ = ["iter_brands"]

# The head of a record line as steps writes it: the kind, then the brand, first and unescaped.
# Being the object's first two keys, they cannot belong to a nested object; a later duplicate
# ``brand_id`` is refused when the line is parsed.
_HEAD: Final = re.compile(rb'\{"record":"(\w+)","brand_id":"([^"\\]*)"[,}]')


def iter_brands(path: str | os.PathLike[str]) -> Iterator[Brand]:
    """The brands of the dataset file ``path`` (``.jsonl``, ``.ndjson`` or ``.json``), one at
    a time, each with all its records, in the order of `steps.load`.

    JSON Lines is read twice (an index of each brand's lines, then each brand's lines) and
    memory holds one brand at a time; JSON is loaded whole.  Raises `InvalidDataError`
    with the problems and paths `steps.load` gives (see the module's documentation for when).
    The file is first read when the first brand is asked for.
    """
    file = Path(path)
    if _format_of(file) == "json":
        yield from load(file).brands
        return
    source = str(file)
    try:
        with file.open("rb") as stream:
            order, runs = _index(stream, source)
            for position, brand_id in enumerate(order):
                yield _read_brand(stream, source, order, position, runs.pop(brand_id))
    except OSError as error:
        raise InvalidDataError(
            [Problem("", f"cannot read: {error.strerror or error}")], source
        ) from None


def _index(stream: IO[bytes], source: str) -> tuple[list[str], dict[str, array[int]]]:
    """The brands in the order of their brand records, and for each brand its runs of lines
    as ``start, end, first line number`` triples.  Raises the problems `steps.load`
    finds outside any brand."""
    problems: list[Problem] = []
    runs: dict[str, array[int]] = {}
    brand_lines: dict[str, int] = {}
    current: array[int] | None = None
    offset = records = 0
    stopped = saw_header = False
    try:
        for number, raw in _read_lines(stream):
            start, offset = offset, offset + len(raw)
            if not raw.strip():
                continue
            records += 1
            if records > MAX_RECORDS:
                problems.append(Problem("", f"more than {MAX_RECORDS} records", number))
                break
            if len(problems) >= MAX_PROBLEMS:
                stopped = True
                break
            if not saw_header:
                header = _record_or_problem(raw, number)
                if isinstance(header, Problem):
                    problems.append(header)
                else:
                    problems.extend(_header_problems(header, number))
                    saw_header = not problems
                if not saw_header:
                    break  # without a header, no line after it can be read
                continue
            head = _HEAD.match(raw)
            if head is not None:
                kind: object = head.group(1).decode()
                brand_id = head.group(2).decode("utf-8", "surrogateescape")
            else:
                record = _record_or_problem(raw, number)
                if isinstance(record, Problem):
                    problems.append(record)
                    continue
                if not isinstance(record, dict):
                    problems.append(Problem("", "a record must be a JSON object", number))
                    continue
                brand_id = record.get("brand_id")
                if not isinstance(brand_id, str):
                    problems.append(
                        Problem("brand_id", "is required (a string) on every record", number)
                    )
                    continue
                kind = record.get("record")
            if kind == "brand":
                brand_lines.setdefault(brand_id, number)
            if current is not None and runs.get(brand_id) is current:
                current[-2] = offset  # the run goes on: blank lines within it are read again
            else:
                current = runs.setdefault(brand_id, array("q"))
                current.extend((start, offset, number))
    except InvalidDataError as error:
        problems.extend(error.problems)
    if records == 0 and not problems:
        problems.append(Problem("", "empty file: expected a header line with schema_version"))
    if problems:
        raise InvalidDataError(problems, source, stopped=stopped)
    orphans = (
        Problem("brand_id", f"records name brand {brand_id!r}, which has no brand record")
        for brand_id in runs
        if brand_id not in brand_lines
    )
    first = list(itertools.islice(orphans, MAX_PROBLEMS))
    if first:
        raise InvalidDataError(first, source, omitted=sum(1 for _ in orphans))
    return sorted(brand_lines, key=brand_lines.__getitem__), runs


def _record_or_problem(raw: bytes, number: int) -> Any:
    try:
        return _parse_json(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        return Problem("", f"not valid UTF-8 at byte {error.start}", number)
    except (ValueError, RecursionError) as error:
        return Problem("", _syntax_problem(error), number)


def _brand_lines(stream: IO[bytes], runs: array[int]) -> Iterator[tuple[int, bytes]]:
    """The lines of a brand's runs (``start, end, first line number`` triples), numbered."""
    for start, end, first in zip(runs[::3], runs[1::3], runs[2::3], strict=True):
        stream.seek(start)
        at, number = start, first
        while at < end:
            raw = stream.readline(MAX_LINE_BYTES + 1)
            if not raw:  # cut short since it was indexed
                raise InvalidDataError([Problem("", "the file changed while it was read", number)])
            at += len(raw)
            yield number, raw
            number += 1


def _read_brand(
    stream: IO[bytes], source: str, order: list[str], position: int, runs: array[int]
) -> Brand:
    """The brand ``order[position]`` from its runs of lines, checked as `steps.load`
    checks it, its problems placed at ``brands[position]`` and their lines."""
    brand_id = order[position]
    brands: dict[str, dict[str, Any]] = {}
    brand_lines: dict[str, int] = {}
    origin: dict[tuple[str, str, int], int] = {}
    problems: list[Problem] = []
    stopped = False
    try:
        for number, raw in _brand_lines(stream, runs):
            if not raw.strip():
                continue
            if len(problems) >= MAX_PROBLEMS:
                stopped = True
                break
            record = _record_or_problem(raw, number)
            if isinstance(record, Problem):
                problems.append(record)
            else:
                problems.extend(_add_record(record, number, brands, brand_lines, origin))
    except InvalidDataError as error:
        problems.extend(error.problems)
    if not problems and set(brands) != {brand_id}:
        problems.append(Problem("", "the file changed while it was read"))
    if problems:
        raise InvalidDataError(problems, source, stopped=stopped)
    try:
        return structure(brands[brand_id], Brand)
    except InvalidDataError as error:
        located = [
            _locate(p.under(f"brands[{position}]"), order, brand_lines, origin)
            for p in error.problems
        ]
        raise InvalidDataError(
            located, source, omitted=error.omitted, stopped=error.stopped
        ) from None
