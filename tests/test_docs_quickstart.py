"""docs/quickstart.md and the package index page (docs/pypi.md) run as written.

Every ``python`` code block of a page runs, in order, in one namespace, in an empty folder;
what the page says a block prints is checked against what it printed.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(page: Path) -> list[str]:
    return BLOCK.findall(page.read_text(encoding="utf-8"))


def run_page(
    page: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Any], str]:
    """Run every python block of ``page`` in ``folder``; the namespace and what was printed."""
    monkeypatch.chdir(folder)
    namespace: dict[str, Any] = {"__name__": "__quickstart__"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for number, block in enumerate(python_blocks(page), 1):
            code = compile(block, f"{page.name}, python block {number}", "exec")
            exec(code, namespace)  # noqa: S102  # the documentation's own examples
    return namespace, printed.getvalue()


def test_the_quickstart_has_the_steps_of_an_embedding() -> None:
    text = (DOCS / "quickstart.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, re.M)
    for heading in ("Installing", "A dataset", "Scoring", "Reading a card", "JSON and rows"):
        assert heading in headings
    assert "Data frames" in headings
    assert len(python_blocks(DOCS / "quickstart.md")) >= 8


def test_the_quickstart_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pandas")
    namespace, printed = run_page(DOCS / "quickstart.md", tmp_path, monkeypatch)
    lines = printed.splitlines()
    assert lines[0] == "['b00', 'b01', 'b02']"
    assert "started_at - must be timezone-aware (e.g. 2021-09-01T20:00:00+08:00)" in lines
    assert "gmv_fen - must be >= 0" in lines
    assert "True 221 0" in lines
    assert "True" in lines  # steps.score(path) gives the loaded dataset's results
    assert (tmp_path / "scores.json").read_text(encoding="utf-8") == namespace[
        "from_file"
    ].to_json()
    assert (
        "0.31 S.schedule_regularity: needs streams[].started_at (3+ streams on an account)" in lines
    )
    # The objects built in code are what the page says they are.
    brand = namespace["mine"].brands[0]
    assert brand.accounts[0].platform is namespace["steps"].Platform.KUAISHOU
    assert brand.products[0].role is namespace["steps"].ProductRole.HERO
    assert (tmp_path / "qinghe.json").is_file()
    assert namespace["results"].ok
    assert namespace["card"].scorer == "steps"
    assert {c.scorer for c in namespace["some"].cards} == {"steps", "stage"}
    assert namespace["in_chinese"].cards[0].recommendations[0].text.isascii() is False
    assert len(namespace["answers"]) == 3


def test_the_package_index_page_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    namespace, printed = run_page(DOCS / "pypi.md", tmp_path, monkeypatch)
    assert namespace["results"].ok
    assert printed.startswith(f"{namespace['card'].score} growth P\n")
