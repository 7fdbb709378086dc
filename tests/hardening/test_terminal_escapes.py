"""Text for people never carries the data's control characters to the terminal.

A dataset whose brand, category, account and product names hold escape sequences (clear
the screen, set the window title, a C1 control, a carriage return, a bidirectional
override), an export whose headers and cells do, file names that do, and a plugin whose
error message does: every command that prints them (``validate``, ``score`` as plain text
and as a rich table, ``compare``, ``gmv``, ``peers``, ``import`` and every error report)
shows them as visible escapes (``\\x1b[2J``) and sends none of them raw.  Identifiers refuse
control characters outright.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import attrs
import pytest

from steps.cli import main
from steps.domain.errors import InvalidDataError
from steps.domain.model import Dataset
from steps.io.files import dump
from steps.report.escape import escape_control
from steps.sample import generate
from steps.testing.plugins import isolated_host
from tests.scoring.support import FakeScorer, Plugin

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CLEAR, TITLE, CSI, BIDI = "\x1b[2J", "\x1b]0;owned\x07", "\x9b31m", "\u202e"
HOSTILE = f"{CLEAR}{TITLE}name{CSI}\rX{BIDI}"
#: What may reach the terminal: newline and tab; every other control is escaped.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def hostile_dataset() -> Dataset:
    dataset = generate(1, 0, streams_per_brand=4)
    brand = dataset.brands[0]
    return Dataset(
        brands=(
            attrs.evolve(
                brand,
                name=f"brand {HOSTILE}",
                category=f"beauty{CLEAR}",
                accounts=tuple(attrs.evolve(a, name=f"acct {HOSTILE}") for a in brand.accounts),
                products=tuple(attrs.evolve(p, name=f"prod {HOSTILE}") for p in brand.products),
            ),
        )
    )


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STEPS_DISABLE_PLUGIN_AUTOLOAD", "1")
    path = tmp_path / "brands.json"
    dump(hostile_dataset(), path)
    return path


def _clean(text: str) -> None:
    found = RAW.search(text)
    where = text[max(0, found.start() - 40) : found.start() + 40] if found else ""
    assert found is None, f"a raw control character: {where!r}"


# Both periods hold streams of the hostile dataset (15 and 22 August; 8 and 9 September).
PERIODS = ["--from", "2021-08-01..2021-08-31", "--to", "2021-09-01..2021-09-30"]


@pytest.mark.parametrize(
    "command",
    [
        ["validate", "{data}"],
        ["score", "{data}"],
        ["score", "{data}", "--color", "never", "--lang", "zh"],
        ["compare", "{data}"],
        ["gmv", "{data}", *PERIODS, "--by", "account"],
        ["gmv", "{data}", *PERIODS, "--by", "product"],
        ["peers", "{data}", "-o", "{folder}/peers\x1b[2J.json"],
        ["report", "{data}", "-o", "{folder}/report\x1b[2J.html"],
    ],
)
def test_commands_escape_what_they_print(
    data: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [part.format(data=data, folder=data.parent) for part in command]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    _clean(out)
    _clean(err)
    if argv[0] in ("score", "compare"):
        assert "\\x1b[2J" in out  # shown, as an escape
    if argv[0] == "gmv":
        assert "\\x1b]0;owned\\x07" in out


def test_a_rich_table_escapes_the_data(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(data), "--color", "always"]) == 0
    out = capsys.readouterr().out
    # Rich colours the table with its own escape codes; the data's never pass.
    assert CLEAR not in out
    assert TITLE not in out
    assert BIDI not in out
    assert "\r" not in out
    assert "\\x1b[2J" in out


def test_validate_escapes_a_file_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / f"brands{CLEAR}.json"
    dump(generate(1, 0, streams_per_brand=1), path)
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    _clean(out)
    assert "brands\\x1b[2J.json: valid" in out


def test_problems_are_one_line_each_and_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        '{"schema_version": "1.0", "brands": [{"brand_id": "b", "name": "n", '
        '"category": "c", "\\u001b[2J\\nline 9: forged": 1, "tier\\r": "x"}]}',
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    _clean(err)
    lines = err.splitlines()
    assert lines[0] == f"steps validate: 2 problems in {path}:"
    assert lines[1:] == [
        "  brands[0].\\x1b[2J\\x0aline 9: forged: unknown field",
        "  brands[0].tier\\x0d: unknown field",
    ]


def test_the_import_report_escapes_headers_and_cells(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (FIXTURES / "kuaishou_sessions.csv").read_text(encoding="utf-8")
    header, *rows = text.splitlines()
    header = header.replace("直播间标签", f'"标签{CLEAR}\n第二行"')
    export = tmp_path / "sessions.csv"
    export.write_text("\n".join([header, *rows]), encoding="utf-8")
    out = tmp_path / "imported.json"
    argv = ["import", str(export), "--profile", "kuaishou-live-sessions", "-o", str(out)]
    assert main(argv) == 0
    err = capsys.readouterr().err
    _clean(err)
    assert "not mapped (ignored): 标签\\x1b[2J\\x0a第二行" in err
    broken = tmp_path / "broken.csv"
    broken.write_text(
        "\n".join([header, rows[0].replace("3.2万", f"3.2万{CLEAR}")]), encoding="utf-8"
    )
    argv[1] = str(broken)
    assert main(argv) == 1
    err = capsys.readouterr().err
    _clean(err)
    assert "got '3.2万\\x1b[2J'" in err


def test_a_plugins_error_message_is_escaped(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def explode(scorer: FakeScorer, subject: Any) -> Any:
        raise RuntimeError(f"boom {CLEAR}\nsteps score: forged line")

    host = isolated_host(Plugin("loud-plugin", FakeScorer("loud", answer=explode)))
    monkeypatch.setattr("steps.cli.scorers.command_host", lambda: host)
    assert main(["score", str(data)]) == 0
    err = capsys.readouterr().err
    _clean(err)
    forged = [line for line in err.splitlines() if line.startswith("steps score: forged")]
    assert forged == []
    assert "boom \\x1b[2J\\x0asteps score: forged line" in err


@pytest.mark.parametrize("value", ["a\x1bb", "tab\there", "line\nbreak", "del\x7f", "c1\x85"])
def test_identifiers_refuse_control_characters(value: str) -> None:
    brand = generate(1, 0, streams_per_brand=1).brands[0]
    with pytest.raises(InvalidDataError, match="must not hold control characters"):
        attrs.evolve(brand, brand_id=value)


def test_escape_control() -> None:
    assert escape_control("plain 中文 text") == "plain 中文 text"
    assert escape_control(HOSTILE) == ("\\x1b[2J\\x1b]0;owned\\x07name\\x9b31m\\x0dX\\u202e")
    assert escape_control("a\nb\tc\x1b", keep="\n\t") == "a\nb\tc\\x1b"
    assert escape_control("lone \udcff") == "lone \\udcff"
