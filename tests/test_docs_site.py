"""Keep the documentation site buildable and docs/cli.md true to the real argument parsers.

docs/cli.md is written by hand from ``steps COMMAND --help``; these tests read the parsers that
``steps.cli.build_parser()`` builds (one module of ``steps.cli.COMMANDS`` each) and check that
every command has its section and every option string of its parser appears in that section,
so a new or renamed option cannot go undocumented.  docs/performance.md has a section for every
script in benchmarks/.  The site itself (mkdocs.yml, MkDocs
Material, the mkdocstrings API pages) must build with ``mkdocs build --strict``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from steps.cli import COMMANDS, build_parser

ROOT = Path(__file__).resolve().parent.parent
CLI_PAGE = ROOT / "docs" / "cli.md"
PERFORMANCE_PAGE = ROOT / "docs" / "performance.md"
SECTION = re.compile(r"^## `steps ([a-z][a-z-]*)`[ \t]*$", re.MULTILINE)
OPTION = re.compile(r"(?<![\w`-])`?(--?[a-zA-Z][\w-]*)")


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def _sections() -> dict[str, str]:
    """The text of each ``## `steps NAME` `` section of docs/cli.md, by command name."""
    text = CLI_PAGE.read_text(encoding="utf-8")
    matches = list(SECTION.finditer(text))
    sections = {}
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following is not None else len(text)
        sections[match.group(1)] = text[match.end() : end]
    return sections


def _documents(section: str, option: str) -> bool:
    """``option`` appears as itself (not as the prefix of a longer option) in ``section``."""
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", section) is not None


SUBCOMMANDS = _subcommands()


def test_every_command_module_registers_one_subcommand():
    # import_export registers ``import``; every other module registers its own name.
    expected = {"import" if name == "import_export" else name for name in COMMANDS}
    assert set(SUBCOMMANDS) == expected


def test_every_subcommand_has_a_section_and_no_section_is_stale():
    sections = _sections()
    assert set(sections) == set(SUBCOMMANDS), (
        f"docs/cli.md sections {sorted(sections)} != commands {sorted(SUBCOMMANDS)}"
    )


@pytest.mark.parametrize("command", sorted(SUBCOMMANDS))
def test_every_option_of_the_parser_is_documented(command):
    section = _sections()[command]
    missing = [
        option
        for action in SUBCOMMANDS[command]._actions
        for option in action.option_strings
        if not _documents(section, option)
    ]
    assert not missing, f"docs/cli.md, `steps {command}`: undocumented options {missing}"


@pytest.mark.parametrize("command", sorted(SUBCOMMANDS))
def test_every_positional_argument_and_choice_is_documented(command):
    section = _sections()[command]
    missing = []
    for action in SUBCOMMANDS[command]._actions:
        if not action.option_strings and f"`{action.dest}`" not in section:
            missing.append(action.dest)
        for choice in action.choices or ():
            if not _documents(section, str(choice)):
                missing.append(f"{'/'.join(action.option_strings)} {choice}")
    assert not missing, f"docs/cli.md, `steps {command}`: undocumented {missing}"


@pytest.mark.parametrize("command", sorted(SUBCOMMANDS))
def test_no_documented_option_is_unknown_to_the_parser(command):
    known = {option for action in SUBCOMMANDS[command]._actions for option in action.option_strings}
    mentioned = set(OPTION.findall(_sections()[command]))
    assert mentioned <= known, (
        f"docs/cli.md, `steps {command}`: no such options {mentioned - known}"
    )


def test_the_global_options_are_documented():
    text = CLI_PAGE.read_text(encoding="utf-8")
    head = text[: SECTION.search(text).start()]
    parser = build_parser()
    options = [option for action in parser._actions for option in action.option_strings]
    assert options
    assert all(_documents(head, option) for option in options)


def test_every_benchmark_script_has_a_section_in_the_performance_page():
    scripts = sorted(path.name for path in (ROOT / "benchmarks").glob("bench_*.py"))
    text = PERFORMANCE_PAGE.read_text(encoding="utf-8")
    documented = set(re.findall(r"^### `(bench_[\w]+\.py)`", text, re.MULTILINE))
    assert scripts
    assert documented == set(scripts), f"benchmarks/ has {scripts}, performance.md {documented}"


@pytest.mark.slow
def test_the_site_builds_in_strict_mode(tmp_path):
    if importlib.util.find_spec("mkdocs") is None:
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]')")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(ROOT / "mkdocs.yml"),
            "--site-dir",
            str(tmp_path / "site"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "cli" / "index.html").is_file()
    assert (tmp_path / "site" / "api" / "index.html").is_file()
