"""Reading a dataset one brand at a time (``steps.io.brands.iter_brands``) against ``load``.

Every brand must equal the loaded one, whatever the order of the records (grouped as steps
writes them, interleaved, or written by another JSON writer); a file's problems must be the
ones ``load`` reports, with the same paths and lines; and the reader must hold one brand at a
time.  Brand scorers on a file of any size (the chunked engine, `ChunkedRun`, behind
``steps score FILE`` and ``steps.score(path)``) read through it: their rows must be those of
``steps.score`` on the whole loaded file.
"""

from __future__ import annotations

import itertools
import json
import random
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import steps.io.files
from steps.domain.errors import MAX_PROBLEMS, InvalidDataError
from steps.io.brands import iter_brands
from steps.io.files import dump, load
from steps.sample import sample_dataset, write_jsonl
from steps.scoring import ScoreCard, ScoringContext, SubjectKind, score
from steps.scoring.cards import iter_rows
from steps.scoring.engine import BAD_MINIMUM
from steps.scoring.streaming import ChunkedRun
from steps.testing import isolated_host, scorer_plugin

BRAND_SCORERS = ["douyin-interest-brand", "steps", "trust"]


@pytest.fixture(scope="module")
def grouped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample as JSON Lines, as `steps.dump` writes it (each brand's records
    together)."""
    path = tmp_path_factory.mktemp("brands") / "sample.jsonl"
    dump(sample_dataset(), path)
    return path


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three generated brands of a few streams, for the problem cases."""
    path = tmp_path_factory.mktemp("brands") / "small.jsonl"
    write_jsonl(path, brands=3, seed=5, streams_per_brand=6)
    return path


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def interleave(source: Path, target: Path, seed: int = 7) -> Path:
    """``source`` with its records (not its header) shuffled: every brand's records are
    spread over the whole file, some before the brand's own record."""
    header, *records = lines_of(source)
    random.Random(seed).shuffle(records)
    target.write_text(header + "".join(records), encoding="utf-8")
    return target


def brand_of(line: str) -> str:
    return str(json.loads(line)["brand_id"])


def test_the_bundled_sample_reads_brand_by_brand_as_load_reads_it(grouped: Path) -> None:
    loaded = load(grouped)
    assert len(loaded.brands) == 3
    assert list(iter_brands(grouped)) == list(loaded.brands)


def test_a_generated_file_reads_as_load_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "generated.jsonl"
    write_jsonl(path, brands=4, seed=11, streams_per_brand=40)
    assert list(iter_brands(path)) == list(load(path).brands)


def test_interleaved_records_are_read_by_brand(grouped: Path, tmp_path: Path) -> None:
    path = interleave(grouped, tmp_path / "shuffled.jsonl")
    records = lines_of(path)[1:]
    # Interleaved indeed: the brand changes from one line to the next again and again.
    assert sum(brand_of(a) != brand_of(b) for a, b in itertools.pairwise(records)) > 100
    assert list(iter_brands(path)) == list(load(path).brands)


def test_lines_written_by_another_writer_are_parsed_for_their_brand(
    grouped: Path, tmp_path: Path
) -> None:
    """Spaces after separators, the brand id last, non-ASCII ids raw or escaped, blank lines:
    the head of the line is not the one steps writes, so the first pass parses it."""
    path = tmp_path / "other.jsonl"
    header, *records = lines_of(grouped)
    out = [header, "\n"]
    for index, line in enumerate(records):
        record = json.loads(line)
        brand_id = record.pop("brand_id")
        record["brand_id"] = "品牌-" + brand_id
        out.append(json.dumps(record, ensure_ascii=index % 2 == 0) + "\n")
        if index % 50 == 0:
            out.append("  \n")
    path.write_text("".join(interleave_lines(out, seed=3)), encoding="utf-8")
    loaded = load(path)
    assert {b.brand_id for b in loaded.brands} == {"品牌-b00", "品牌-b01", "品牌-b02"}
    assert list(iter_brands(path)) == list(loaded.brands)


def interleave_lines(lines: list[str], seed: int) -> list[str]:
    header, *rest = lines
    random.Random(seed).shuffle(rest)
    return [header, *rest]


def test_a_json_document_is_read_whole_and_yields_its_brands(tmp_path: Path) -> None:
    path = tmp_path / "sample.json"
    dump(sample_dataset(), path)
    assert list(iter_brands(path)) == list(sample_dataset().brands)


# -- one brand at a time ----------------------------------------------------------------------


def counting_parser(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the lines the reader parses."""
    parsed = [0]
    real: Callable[[str], Any] = steps.io.files._parse_json  # what the reader imports

    def parse(text: str) -> Any:
        parsed[0] += 1
        return real(text)

    monkeypatch.setattr("steps.io.brands._parse_json", parse)
    return parsed


@pytest.mark.parametrize("shuffled", [False, True], ids=["grouped", "interleaved"])
def test_the_reader_parses_one_brand_before_yielding_it(
    grouped: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shuffled: bool
) -> None:
    path = interleave(grouped, tmp_path / "shuffled.jsonl") if shuffled else grouped
    records = lines_of(path)[1:]
    first_id = load(path).brands[0].brand_id
    mine = sum(brand_of(line) == first_id for line in records)
    parsed = counting_parser(monkeypatch)
    reader = iter_brands(path)
    assert parsed[0] == 0  # nothing is read before the first brand is asked for
    first = next(reader)
    assert first.brand_id == first_id
    # The header and the first brand's lines, none of another brand's (there are many).
    assert parsed[0] == 1 + mine
    assert len(records) - mine > 10_000
    second = next(reader)
    theirs = sum(brand_of(line) == second.brand_id for line in records)
    assert parsed[0] == 1 + mine + theirs


# -- problems ---------------------------------------------------------------------------------


def problems_of(path: Path, read: Callable[[Path], object]) -> list[str]:
    with pytest.raises(InvalidDataError) as caught:
        read(path)
    return [str(p) for p in caught.value.problems]


def read_all(path: Path) -> list[object]:
    return list(iter_brands(path))


def edit(source: Path, target: Path, change: Callable[[list[str]], None]) -> Path:
    lines = lines_of(source)
    change(lines)
    target.write_text("".join(lines), encoding="utf-8")
    return target


def set_field(lines: list[str], kind: str, brand: int, index: int, **fields: object) -> None:
    """Set ``fields`` on the ``index``-th ``kind`` record of the ``brand``-th brand."""
    brand_ids = [json.loads(x)["brand_id"] for x in lines if '"record":"brand"' in x]
    seen = 0
    for number, line in enumerate(lines):
        record = json.loads(line)
        if record.get("record") == kind and record["brand_id"] == brand_ids[brand]:
            if seen == index:
                record.update(fields)
                lines[number] = json.dumps(record, ensure_ascii=False) + "\n"
                return
            seen += 1
    raise AssertionError(f"no {kind} {index} in brand {brand}")


@pytest.mark.parametrize("shuffled", [False, True], ids=["grouped", "interleaved"])
def test_a_bad_field_names_its_brand_record_and_line_as_load_does(
    small: Path, tmp_path: Path, shuffled: bool
) -> None:
    source = interleave(small, tmp_path / "shuffled.jsonl") if shuffled else small

    def change(lines: list[str]) -> None:
        set_field(lines, "stream", 1, 3, gmv_fen=-5)
        set_field(lines, "order", 1, 10, paid_fen="12")

    path = edit(source, tmp_path / "bad.jsonl", change)
    expected = problems_of(path, load)
    assert any(".streams[3].gmv_fen" in p for p in expected)
    assert all("brands[1]." in p and p.startswith("line ") for p in expected)
    assert problems_of(path, read_all) == expected
    # The brand before it was yielded whole, before the bad one raised.
    reader = iter_brands(path)
    assert next(reader) == load(source).brands[0]
    with pytest.raises(InvalidDataError):
        next(reader)


def append(*records: dict[str, Any]) -> Callable[[list[str]], None]:
    def change(lines: list[str]) -> None:
        lines.extend(json.dumps(r, ensure_ascii=False) + "\n" for r in records)

    return change


@pytest.mark.parametrize(
    "change",
    [
        append({"record": "stream", "brand_id": "nobody", "stream_id": "x"}),
        lambda lines: lines.insert(2, '{"record":"account","brand_id":"nobody"}\n'),
        append({"record": "stream", "stream_id": "x"}),
        append({"record": "stream", "brand_id": 7}),
        append({"record": "livestream", "brand_id": "b01"}),
        append({"record": "brand", "brand_id": "b02", "name": "again", "category": "beauty"}),
        append({"record": "brand", "brand_id": "b09", "name": "n", "streams": []}),
        lambda lines: lines.append("[1, 2]\n"),
        lambda lines: lines.append('{"record": "stream", "brand_id": "b00",\n'),
        lambda lines: lines.insert(3, '{"record":"stream","brand_id":"b00","x":1,"x":2}\n'),
        lambda lines: lines.pop(0),
        lambda lines: lines.__setitem__(0, '{"record":"header","schema_version":"9"}\n'),
        lambda lines: lines.clear(),
    ],
    ids=[
        "unknown-brand",
        "unknown-brand-as-steps-writes",
        "no-brand",
        "brand-not-a-string",
        "unknown-kind",
        "duplicate-brand",
        "inline-collection",
        "not-an-object",
        "not-json",
        "duplicate-key",
        "no-header",
        "bad-version",
        "empty",
    ],
)
def test_records_outside_any_brand_raise_what_load_raises(
    small: Path, tmp_path: Path, change: Callable[[list[str]], None]
) -> None:
    path = edit(small, tmp_path / "bad.jsonl", change)
    expected = problems_of(path, load)
    assert expected
    assert problems_of(path, read_all) == expected


def test_an_unreadable_file_is_invalid_data(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    assert problems_of(missing, read_all) == problems_of(missing, load)
    assert problems_of(tmp_path / "x.csv", read_all) == problems_of(tmp_path / "x.csv", load)


# -- brand scorers on a file of any size ------------------------------------------------------


def chunked(path: Path, scorers: list[str] | None = None, **options: Any) -> Any:
    """A run of the chunked engine as ``steps score`` makes it for a table or CSV, and the
    rows of its cards (one per card and indicator), read once."""
    run = ChunkedRun(path, scorers, advice=False, **options)
    return run, list(iter_rows(card for cards in run.slices() for card in cards))


def in_order(rows: list[dict[str, Any]], by_brand: bool) -> list[dict[str, Any]]:
    """``rows`` as written, or brand by brand (keeping each brand's own order)."""
    return sorted(rows, key=lambda row: row["brand_id"]) if by_brand else rows


@pytest.mark.parametrize("shuffled", [False, True], ids=["grouped", "interleaved"])
def test_chunked_runs_score_brands_as_steps_score_does(
    grouped: Path, tmp_path: Path, shuffled: bool
) -> None:
    path = interleave(grouped, tmp_path / "shuffled.jsonl") if shuffled else grouped
    run, rows = chunked(path, [*BRAND_SCORERS, "stage"], chunk_rows=50)
    whole = score(load(path), BRAND_SCORERS)
    assert run.errors == []
    assert (run.skipped, run.notes) == ((), ())
    mine = [r for r in rows if r["scorer"] in BRAND_SCORERS]
    assert len({(r["scorer"], r["subject_id"]) for r in mine}) == len(whole.cards) == 3 * 3
    # Brands come in the file's order of streams (`ChunkedRun`), which is load's order of
    # brand records only when each brand's records are together; every indicator row is
    # the whole file's.
    assert in_order(mine, shuffled) == in_order(whole.to_rows(), shuffled)
    assert {r["scorer"] for r in rows} == {*BRAND_SCORERS, "stage"}
    assert [i.name for i in run.scorers] == sorted([*BRAND_SCORERS, "stage"])
    # Alone, with the default chunks.
    run, rows = chunked(path, BRAND_SCORERS)
    assert in_order(rows, shuffled) == in_order(whole.to_rows(), shuffled)
    assert run.cards == len(whole.cards)


class _Picky:
    """A brand scorer that fails on one brand, warns on every one, and declares a minimum
    confidence that is no number: one error, warnings counted, the bad minimum once."""

    name = "picky"
    version = "1"
    subject = SubjectKind.BRAND
    title = "Picky"
    description = "Fails on b01."
    min_confidence = "high"

    def score(self, subject: Any, context: ScoringContext) -> ScoreCard:
        warnings.warn("looked closely", UserWarning, stacklevel=1)
        if subject.brand_id == "b01":
            raise RuntimeError("not this one")
        return ScoreCard(
            scorer=self.name,
            scorer_version=self.version,
            subject_kind=SubjectKind.BRAND,
            subject_id=subject.brand_id,
            brand_id=subject.brand_id,
            score=60.0,
            confidence=0.9,
        )


def test_errors_and_warnings_of_brand_scorers_equal_the_whole_file_run(grouped: Path) -> None:
    host = isolated_host(scorer_plugin(_Picky()))
    whole = score(load(grouped), host=host)
    run, rows = chunked(grouped, host=host)
    assert [e.subject_id for e in run.errors] == ["b01"]
    assert tuple(run.errors) == whole.errors
    assert {w.category: w.count for w in run.warnings} == {BAD_MINIMUM: 1, "UserWarning": 3}
    assert run.warnings == whole.warnings
    assert rows == whole.to_rows()


def test_a_file_without_brands_still_lists_its_brand_scorers(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text('{"record":"header","schema_version":"1.0"}\n', encoding="utf-8")
    run, rows = chunked(path, ["steps"])
    assert [i.name for i in run.scorers] == ["steps"]
    assert (rows, run.cards) == ([], 0)


def test_a_brand_of_many_bad_records_stops_where_load_stops(small: Path, tmp_path: Path) -> None:
    bad = [{"record": "livestream", "brand_id": "b01", "n": n} for n in range(MAX_PROBLEMS + 50)]
    path = edit(small, tmp_path / "bad.jsonl", append(*bad))
    with pytest.raises(InvalidDataError) as loaded:
        load(path)
    with pytest.raises(InvalidDataError) as read:
        read_all(path)
    assert loaded.value.stopped
    assert read.value.stopped
    assert read.value.problems == loaded.value.problems
    assert len(read.value.problems) == MAX_PROBLEMS


def test_a_file_cut_short_after_its_index_is_invalid(small: Path, tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl"
    path.write_bytes(small.read_bytes())
    reader = iter_brands(path)
    next(reader)
    lines = path.read_bytes().splitlines(keepends=True)
    with path.open("r+b") as stream:  # at a line's end: what is left parses
        stream.truncate(sum(len(line) for line in lines[: len(lines) // 2]))
    assert problems_of(path, lambda _: list(reader))[0].endswith(
        "the file changed while it was read"
    )
