"""Coverage-guided fuzzing of the JSON and JSON Lines loaders with atheris (libFuzzer).

Every input is handed to :func:`steps.io.files.loads` and to
:func:`steps.io.files.load_jsonl`; the oracle is the one of
``tests/hardening/test_fuzz_loaders.py``: a loader returns a dataset that survives a round
trip through :func:`~steps.io.files.dumps`, or raises
:class:`~steps.domain.errors.InvalidDataError` whose problems all have a message, and a path
or a line unless they are about the whole file.  Anything else (another exception, a dataset
that does not round-trip) is a crash, and libFuzzer saves the input that caused it.

Not run in CI (atheris does not install everywhere).  Run it by hand::

    pip install atheris
    python fuzz/fuzz_loaders.py --seed-corpus fuzz/corpus      # valid documents to start from
    python fuzz/fuzz_loaders.py fuzz/corpus -max_total_time=600 -timeout=10 -rss_limit_mb=4096

Any libFuzzer flag works (``-jobs=4``, ``-max_len=65536``, ``-dict=...``); a crash is written
to ``crash-<sha1>`` in the current folder and replays with
``python fuzz/fuzz_loaders.py crash-<sha1>``.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import atheris  # type: ignore[import-untyped,unused-ignore]

with atheris.instrument_imports():
    from steps.domain.errors import InvalidDataError
    from steps.io.files import dumps, iter_jsonl, load_jsonl, loads

#: What a problem with neither a path nor a line may say: it is about the whole file.
FILE_LEVEL = re.compile(
    r"^(not valid (JSON|UTF-8)|empty file|the document must be|more than \d+ records)"
)


class OracleError(Exception):
    """A loader broke its contract."""


def check_error(error: InvalidDataError) -> None:
    if not error.problems:
        raise OracleError("an InvalidDataError without problems")
    for problem in error.problems:
        if not problem.message.strip():
            raise OracleError(f"a problem without a message: {problem!r}")
        if not problem.path and problem.line is None and not FILE_LEVEL.match(problem.message):
            raise OracleError(f"a problem with neither path nor line: {problem!r}")
    str(error)


def check_dataset(dataset: object) -> None:
    again = loads(dumps(dataset))  # type: ignore[arg-type]
    if again != dataset:
        raise OracleError("a loaded dataset does not survive a round trip")


def TestOneInput(data: bytes) -> None:  # noqa: N802  # the name atheris expects
    for loader in (loads, lambda raw: load_jsonl(io.BytesIO(raw))):
        try:
            result = loader(data)
        except InvalidDataError as error:
            check_error(error)
        else:
            check_dataset(result)


def seed_corpus(folder: Path) -> None:
    """Write valid documents into ``folder`` (a small synthetic brand with every record kind,
    as JSON and as JSON Lines, and empty datasets): libFuzzer mutates them instead of
    starting from nothing, and small seeds keep each run fast."""
    import json

    from steps.sample import generate

    folder.mkdir(parents=True, exist_ok=True)
    small = generate(brands=1, seed=7, streams_per_brand=1, days=3)
    seeds = {
        "brand.json": json.dumps(
            json.loads(dumps(small)), ensure_ascii=False, separators=(",", ":")
        ),
        "brand.jsonl": "".join(iter_jsonl(small)),
        "empty.json": '{"schema_version": "1.0", "brands": []}',
        "empty.jsonl": '{"record": "header", "schema_version": "1.0"}\n',
    }
    for name, text in seeds.items():
        (folder / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(seeds)} seeds to {folder}")


def main() -> None:
    if sys.argv[1:2] == ["--seed-corpus"]:
        seed_corpus(Path(sys.argv[2] if len(sys.argv) > 2 else "fuzz/corpus"))
        return
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
