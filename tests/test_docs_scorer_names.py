"""Every scorer an example names exists: in docstrings, the docs pages and the READMEs.

An example such as ``steps.score(dataset, ["steps.brand"])`` would raise
``UnknownScorerError`` when copied; this test finds the scorer names in ``score(...)`` calls,
``for_scorer(...)``, ``card(...)`` and ``--scorer`` options and checks each one against the
scorers the built-ins and the example plugin register.
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from steps.testing.plugins import isolated_host

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "steps-plugin-example"
#: A scorer the reader writes, named so in the plugin test helpers' docstrings.
PLACEHOLDERS = frozenset({"my-scorer"})

SCORE_CALL = re.compile(r"\bscore\((?:[^()\[\]]|\([^()]*\))*?\[(?P<names>[^\]]*)\]")
NAMED = re.compile(r"""\b(?:for_scorer|card)\(\s*["'](?P<name>[^"']+)["']""")
OPTION = re.compile(r"--scorer[ =](?P<name>[a-z][\w.-]*)")
QUOTED = re.compile(r"""["']([^"']+)["']""")


def _docstrings(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            text = ast.get_docstring(node)
            if text:
                yield text


def _texts() -> Iterator[tuple[str, str]]:
    for path in sorted((ROOT / "steps").rglob("*.py")):
        for text in _docstrings(path):
            yield path.relative_to(ROOT).as_posix(), text
    pages = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md", EXAMPLE / "README.md"]
    for page in pages:
        yield page.relative_to(ROOT).as_posix(), page.read_text(encoding="utf-8")


def named_scorers(text: str) -> list[str]:
    """The scorer names an example in ``text`` uses."""
    names = [name for call in SCORE_CALL.finditer(text) for name in QUOTED.findall(call["names"])]
    names += [match["name"] for match in NAMED.finditer(text)]
    names += [match["name"] for match in OPTION.finditer(text)]
    return names


@pytest.fixture(scope="module")
def known(monkeypatch_module: pytest.MonkeyPatch) -> set[str]:
    monkeypatch_module.syspath_prepend(str(EXAMPLE))
    example = importlib.import_module("steps_plugin_example")
    return {record.name for record in isolated_host(example, builtins=True).scorers()}


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch
    sys.modules.pop("steps_plugin_example", None)
    sys.modules.pop("steps_plugin_example.rhythm", None)


def test_the_names_are_found() -> None:
    text = 'steps.score(steps.load("a.json"), ["steps", "stage"]); results.card("trust", "b1")'
    assert named_scorers(text) == ["steps", "stage", "trust"]
    assert named_scorers("steps score brands.json --scorer live-rhythm") == ["live-rhythm"]
    assert named_scorers('score(dataset, ["steps.brand"])') == ["steps.brand"]


def test_every_scorer_an_example_names_exists(known: set[str]) -> None:
    assert {"steps", "stage", "douyin-interest", "trust", "live-rhythm"} <= known
    found = [(where, name) for where, text in _texts() for name in named_scorers(text)]
    wrong = [(where, name) for where, name in found if name not in known | PLACEHOLDERS]
    assert not wrong, f"examples name scorers that do not exist: {wrong}"
    places = {where for where, _ in found}
    assert "steps/scoring/engine.py" in places
    assert "docs/quickstart.md" in places
    assert len(found) >= 15
