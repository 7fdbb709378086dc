"""docs/importing.md is true to the bundled profiles and to the command.

The page lists every bundled profile with every column it maps, in a block generated from the
profiles (``python -m tests.io.test_docs_importing`` rewrites it), names each profile in its
table of exports, and its examples of report lines are what an import prints.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from steps.io.exports import builtin_profiles, section_fields

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "importing.md"
BLOCK = "profiles"
KINDS = ("live-sessions", "orders", "products", "talents", "fan-groups", "paid-campaigns")


def profile_tables() -> str:
    """Every bundled profile, Kuaishou then Douyin, as a Markdown table of its columns."""
    profiles = builtin_profiles()
    names = [f"{platform}-{kind}" for platform in ("kuaishou", "douyin") for kind in KINDS]
    assert sorted(names) == sorted(profiles), "a bundled profile the page does not list"
    out: list[str] = []
    for name in names:
        profile = profiles[name]
        specs = section_fields(profile.section)
        out += [
            f"### `{name}`",
            "",
            f"{profile.description}. Section `{profile.section.value}`.",
            "",
        ]
        out += ["| column | field | cells |", "| --- | --- | --- |"]
        for header, rule in profile.columns.items():
            spec = specs[rule.field]
            field = f"`{rule.field}`"
            if spec.parts is not None:
                scale = f" × {spec.scale}" if spec.scale != 1 else ""
                field += f" (checked: {spec.parts[0]}{scale} / {spec.parts[1]})"
            order = profile.prefer.get(rule.field, ())
            if len(order) > 1:
                field += f", choice {order.index(header) + 1} of {len(order)}"
            cells = f"`{rule.type}`"
            if rule.format:
                cells += f" `{rule.format}`"
            if rule.values is not None:
                cells += ": " + ", ".join(
                    f"{'`*`' if cell == '*' else cell} → {'?' if value is None else value}"
                    for cell, value in rule.values.items()
                )
            out.append(f"| {header} | {field} | {cells} |")
        out.append("")
    return "\n".join(out) + "\n"


def _block(text: str) -> str:
    match = re.search(rf"<!-- {BLOCK}:start -->\n(.*?)<!-- {BLOCK}:end -->", text, re.S)
    assert match, f"docs/importing.md has no {BLOCK} block"
    return match.group(1)


def test_the_page_lists_every_column_of_every_bundled_profile() -> None:
    assert _block(PAGE.read_text(encoding="utf-8")) == profile_tables()


def test_the_table_of_exports_names_every_profile_with_its_section() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for name, profile in builtin_profiles().items():
        row = f"| `{name}` | {profile.platform.value} | `{profile.section.value}` |"
        assert row in text, name


def test_the_page_is_in_the_site_navigation() -> None:
    assert "importing.md" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")


def _rewrite() -> None:
    text = PAGE.read_text(encoding="utf-8")
    start, end = f"<!-- {BLOCK}:start -->\n", f"<!-- {BLOCK}:end -->"
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    PAGE.write_text(f"{head}{start}{profile_tables()}{end}{tail}", encoding="utf-8")


if __name__ == "__main__":
    _rewrite()
    sys.exit(0)
