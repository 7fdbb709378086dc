"""The console examples of the GMV, trend and plan pages run on the bundled sample and print
what the pages quote (up to a ``...`` line)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

import steps
from steps.cli import main

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ("gmv.md", "trends.md", "plans.md", "cli.md")
COMMANDS = ("gmv", "trend", "plan")


def examples() -> list[tuple[str, str, list[str]]]:
    """(page, command line, quoted output lines) of every ``$ steps gmv|trend|plan``."""
    found = []
    for page in PAGES:
        text = (DOCS / page).read_text(encoding="utf-8")
        for block in re.findall(r"```console\n(.*?)```", text, re.DOTALL):
            lines = block.splitlines()
            i = 0
            while i < len(lines):
                line = lines[i]
                i += 1
                if not line.startswith("$ steps "):
                    continue
                command = line[2:]
                while command.endswith("\\"):
                    command = command[:-1] + lines[i].strip()
                    i += 1
                output = []
                while i < len(lines) and not lines[i].startswith("$ ") and lines[i] != "...":
                    output.append(lines[i])
                    i += 1
                if command.split()[1] in COMMANDS:
                    found.append((page, command, output))
    return found


EXAMPLES = examples()


def test_the_pages_have_examples() -> None:
    pages = {page for page, _, _ in EXAMPLES}
    assert pages == set(PAGES)
    assert {command.split()[1] for _, command, _ in EXAMPLES} == set(COMMANDS)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("docs") / "sample.json"
    steps.dump(steps.sample_dataset(), path)
    return path


@pytest.mark.parametrize(("page", "command", "output"), EXAMPLES)
def test_the_example_prints_what_the_page_quotes(
    page: str,
    command: str,
    output: list[str],
    sample: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = shlex.split(command.split(">", 1)[0])[1:]
    argv = [str(sample) if a == "sample.json" else a for a in argv]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, (page, command, err)
    assert out.splitlines()[: len(output)] == output, (page, command)
