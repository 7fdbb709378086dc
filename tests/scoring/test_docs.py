"""Keep the plugin documentation true to the code.

Every hook is documented in docs/hooks.md (its arguments and ``versionadded``) and exercised by
a test; every code block of docs/plugins.md taken from the example plugin is still in it; the
rows columns and the environment controls are documented.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from pathlib import Path

import pytest

from steps.scoring import ROW_COLUMNS, hookspecs, plugins

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

HOOKSPECS = sorted(
    name
    for name, value in vars(hookspecs).items()
    if callable(value) and hasattr(value, f"{hookspecs.PROJECT_NAME}_spec")
)


def _section(text: str, heading: str) -> str:
    """The body of the ``## heading`` section of a markdown page."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"no section '## {heading}'"
    return match.group(1)


def test_there_are_hookspecs():
    assert "steps_register_scorers" in HOOKSPECS


@pytest.mark.parametrize("name", HOOKSPECS)
def test_every_hook_is_documented(name: str):
    section = _section((DOCS / "hooks.md").read_text(encoding="utf-8"), f"`{name}`")
    for argument in inspect.signature(getattr(hookspecs, name)).parameters:
        assert f"`{argument}`" in section, f"{name}: argument {argument} is not documented"
    assert "Added in version" in section


@pytest.mark.parametrize("name", HOOKSPECS)
def test_every_hook_is_exercised_by_a_test(name: str):
    tests = [p for p in (ROOT / "tests").rglob("test_*.py") if p.name != "test_docs.py"]
    assert any(name in p.read_text(encoding="utf-8") for p in tests)


def test_the_hooks_page_documents_only_real_hooks():
    documented = re.findall(r"^## `(\w+)`", (DOCS / "hooks.md").read_text(encoding="utf-8"), re.M)
    assert sorted(documented) == HOOKSPECS


_FROM_BLOCK = re.compile(r"<!-- from (\S+) -->\n```\w*\n(.*?)```", re.S)


def test_the_plugin_tutorial_quotes_the_example_exactly():
    text = (DOCS / "plugins.md").read_text(encoding="utf-8")
    blocks = _FROM_BLOCK.findall(text)
    assert len(blocks) >= 10
    for path, block in blocks:
        source = (ROOT / path).read_text(encoding="utf-8")
        assert textwrap.dedent(block) in textwrap.dedent(source) or block in source, (
            f"docs/plugins.md quotes {path}, which no longer contains:\n{block}"
        )


def test_the_plugin_guide_documents_every_control():
    text = (DOCS / "plugins.md").read_text(encoding="utf-8")
    for variable in (
        plugins.ENV_ALLOW,
        plugins.ENV_BLOCK,
        plugins.ENV_DISABLE_AUTOLOAD,
        plugins.ENV_STRICT,
    ):
        assert f"`{variable}" in text
    for keyword in ("load_entrypoints", "allow", "block", "strict", "environ"):
        assert keyword in inspect.signature(plugins.make_plugin_manager).parameters
        assert f"`{keyword}" in text


def test_the_results_page_documents_every_row_column_in_order():
    section = _section((DOCS / "results.md").read_text(encoding="utf-8"), "Rows")
    documented = re.findall(r"^\| `(\w+)` \|", section, re.M)
    assert tuple(documented) == ROW_COLUMNS
