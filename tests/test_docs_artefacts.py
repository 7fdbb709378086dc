"""The built documentation shows no raw Sphinx markup: no ``:class:``-style roles, no ``::``.

The API pages render docstrings with mkdocstrings, which reads Markdown: a Sphinx role such as
``:class:`Brand``` shows as ":class:" before the name, and a ``Example::`` line before an
indented block shows its ``::``.  :func:`artefacts` finds both in a page's text outside code.

Every page must be free of them, the API pages of every public module included: docstrings
are written in Markdown (inline code in backticks, plain indented examples).
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: A Sphinx cross-reference role, as it shows when Markdown leaves it alone.
ROLE = re.compile(r":(?:py:)?(?:class|func|mod|meth|attr|data|exc|obj|const):")
#: ``::`` on its own or ending a word or sentence: a reStructuredText literal-block marker.
STRAY = re.compile(r"(?:^|(?<=[\s\w.)]))::(?=\s|$)")


class _Prose(HTMLParser):
    """The text of a page outside code, with block elements on lines of their own."""

    CODE = frozenset({"pre", "code", "script", "style", "textarea"})
    BLOCKS = frozenset(
        {"p", "li", "td", "th", "div", "dd", "dt", "br", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_code = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.CODE:
            self.in_code += 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.CODE and self.in_code:
            self.in_code -= 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.in_code:
            self.parts.append(data)


def artefacts(html: str) -> list[str]:
    """Every raw Sphinx role and stray ``::`` in the prose of an HTML page, in page order,
    each as ``"<marker> in '<the text around it>'"``."""
    parser = _Prose()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    found = sorted([*ROLE.finditer(text), *STRAY.finditer(text)], key=lambda m: m.start())
    return [
        f"{m.group(0)} in {' '.join(text[max(0, m.start() - 30) : m.end() + 20].split())!r}"
        for m in found
    ]


def test_artefacts_are_found_in_prose_and_not_in_code() -> None:
    html = (
        "<p>Raises :class:<code>InvalidDataError</code> naming it.</p>"
        "<p>See :func:<code>steps.load</code> and :py:meth:<code>x</code>.</p>"
        "<p>Example::</p><p>::</p>"
        "<pre><code>a[::2]  # :class:`kept`</code></pre>"
        "<p>Write <code>std::vector</code> or <code>:class:</code> in code; 10:30:00 is a time.</p>"
    )
    found = artefacts(html)
    assert [f.split(" in ")[0] for f in found] == [":class:", ":func:", ":py:meth:", "::", "::"]
    assert found[0].startswith(":class: in 'Raises :class: naming it.")
    assert artefacts("<p>Plain text: nothing to see.</p><pre>a::b</pre>") == []


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("mkdocs") is None:
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]')")
    folder = tmp_path_factory.mktemp("site")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return folder


@pytest.mark.slow
def test_no_page_shows_sphinx_markup(site: Path) -> None:
    pages = {p.relative_to(site).as_posix(): p for p in sorted(site.rglob("*.html"))}
    assert "quickstart/index.html" in pages
    assert {"api/domain-model/index.html", "api/scoring-engine/index.html"} <= set(pages)
    found = {name: artefacts(page.read_text(encoding="utf-8")) for name, page in pages.items()}
    dirty = {name: hits[:3] for name, hits in found.items() if hits}
    assert not dirty, dirty
    assert found["quickstart/index.html"] == []
    assert found["api/index.html"] == []
