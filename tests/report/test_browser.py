"""The HTML report in a real browser: headless Chromium loads it from file:// with the
network unreachable, draws every chart without an error, and shows a hostile brand name as
text.

Needs ``/usr/bin/chromium`` (``bash scripts/install-browser`` installs it with the Noto CJK
fonts).  Without it the test is skipped, unless ``STEPS_REQUIRE_BROWSER`` is set (as CI
does), in which case it fails.  The screenshot is copied to
``tests/report/_artifacts/report.png`` (a directory git ignores) and its path printed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"
EVIL_BRAND = "<script>alert(1)</script>"
URL_ATTRIBUTES = frozenset({"src", "href", "xlink:href", "action", "srcset", "poster", "data"})
#: Chromium's own noise on a machine without D-Bus, GPU or a desktop: not the page's errors.
CONSOLE = re.compile(r":CONSOLE[^\]]*\]|console", re.IGNORECASE)
PAGE_PROBLEMS = re.compile(
    r"Uncaught|Refused to|Content Security Policy|net::ERR_|Failed to load resource",
    re.IGNORECASE,
)


class Rendered(NamedTuple):
    dom: str  # the DOM after the scripts ran (--dump-dom)
    stderr: str  # Chromium's log, console messages included
    screenshot: Path
    charts: int  # the charts the report holds
    page: Path  # the report file


def chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("STEPS_REQUIRE_BROWSER"):
        pytest.fail(
            f"STEPS_REQUIRE_BROWSER is set but {CHROMIUM} is missing: run scripts/install-browser"
        )
    pytest.skip(f"{CHROMIUM} is not installed (scripts/install-browser installs it)")


class Dom(HTMLParser):
    """The <body> attributes, the script elements, the chart SVGs and the visible text of a
    dumped DOM."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.body: dict[str, str | None] = {}
        self.scripts = 0
        self.main_svgs = 0
        self.classes: set[str] = set()
        self.errors_box: dict[str, str | None] | None = None
        self.text: list[str] = []
        self.links: list[str] = []  # every src / href / xlink:href of an element
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.links += [
            value for name, value in attrs if name in URL_ATTRIBUTES and value is not None
        ]
        if tag == "body":
            self.body = attributes
        if tag == "script":
            self.scripts += 1
            self._in_script = True
        if attributes.get("id") == "steps-errors":
            self.errors_box = attributes
        for name in (attributes.get("class") or "").split():
            self.classes.add(name)
            if name == "main-svg":
                self.main_svgs += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if not self._in_script:
            self.text.append(data)


def run_chromium(
    browser: Path, page: Path, profile: Path, *, screenshot: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Load ``page`` from file:// in headless Chromium with the network unreachable; the
    dumped DOM is on stdout, Chromium's log (console messages included) on stderr."""
    command = [
        str(browser),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        # Any request the page made would fail to resolve (and be logged as an error).
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--enable-logging=stderr",
        "--v=0",
        # Let the page run its scripts (chart drawing settles in promises) before dumping.
        "--virtual-time-budget=20000",
        "--window-size=1400,3000",
        "--hide-scrollbars",
        *([f"--screenshot={screenshot}"] if screenshot is not None else []),
        "--dump-dom",
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """Render the Chinese report of the sample, brand b01 renamed to a script tag."""
    browser = chromium()
    pytest.importorskip("plotly")
    import attrs

    from steps.domain.model import Dataset
    from steps.report.html import write_report
    from steps.sample import sample_dataset

    sample = sample_dataset()
    first, second, *rest = sample.brands
    dataset = Dataset(brands=(first, attrs.evolve(second, name=EVIL_BRAND), *rest))
    work = tmp_path_factory.mktemp("browser")
    page = work / "report.html"
    summary = write_report(page, dataset, lang="zh", source="sample.json")
    screenshot = work / "report.png"
    done = run_chromium(browser, page, work / "profile", screenshot=screenshot)
    assert done.returncode == 0, done.stderr[-4000:]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n", encoding="utf-8")
    if screenshot.exists():
        shutil.copyfile(screenshot, ARTIFACTS / "report.png")
        shutil.copyfile(page, ARTIFACTS / "report.html")
        print(f"screenshot: {ARTIFACTS / 'report.png'} (page: {ARTIFACTS / 'report.html'})")
    return Rendered(done.stdout, done.stderr, screenshot, summary.charts, page)


def parse(dom: str) -> Dom:
    parsed = Dom()
    parsed.feed(dom)
    parsed.close()
    return parsed


def test_every_chart_is_drawn_without_errors(rendered: Rendered) -> None:
    dom, expected = rendered.dom, rendered.charts
    parsed = parse(dom)
    assert expected == 12  # three brands: STEPS radar, FACT radar, GMV waterfall, GMV trend
    assert parsed.body.get("data-charts-expected") == str(expected)
    assert parsed.body.get("data-charts-rendered") == str(expected), parsed.body
    assert parsed.body.get("data-errors") == "0", "".join(parsed.text)[-2000:]
    assert parsed.errors_box is not None
    assert "hidden" in parsed.errors_box
    # Plotly drew SVG charts: at least one main-svg per chart, radars and waterfalls.
    assert parsed.main_svgs >= expected
    assert "polarlayer" in parsed.classes  # the radars
    assert "waterfalllayer" in parsed.classes  # the GMV waterfalls


def test_no_console_errors_and_no_network(rendered: Rendered) -> None:
    dom, stderr = rendered.dom, rendered.stderr
    parsed = parse(dom)
    assert parsed.body.get("data-external-requests") == "0"
    problems = [line for line in stderr.splitlines() if PAGE_PROBLEMS.search(line)]
    assert not problems, "\n".join(problems[:20])
    console = [line for line in stderr.splitlines() if CONSOLE.search(line)]
    assert not console, "\n".join(console[:20])
    # And nothing in the live DOM (after Plotly drew its SVG) points outside the page.
    outside = [link for link in parsed.links if re.match(r"\s*(?:[a-z][a-z0-9+.-]*:|//)", link)]
    assert not outside, outside


def test_script_brand_name_is_text(rendered: Rendered) -> None:
    dom = rendered.dom
    parsed = parse(dom)
    assert EVIL_BRAND in "".join(parsed.text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert EVIL_BRAND not in dom
    # The hook, the chart data, plotly.js and the renderer: nothing was injected.
    assert parsed.scripts == 4


def test_chinese_labels_and_screenshot(rendered: Rendered) -> None:
    dom, screenshot = rendered.dom, rendered.screenshot
    for label in ("直播电商经营报告", "品牌自播", "观看人数", "信任卡"):
        assert label in dom
    assert screenshot.exists()
    data = screenshot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 50_000  # a drawn page, not a blank one
    assert (ARTIFACTS / "report.png").exists()


def test_the_checks_see_a_request_and_an_injected_script(
    rendered: Rendered, tmp_path: Path
) -> None:
    """A control: the same page with a remote image and an injected inline script is
    caught (the policy blocks both, the page counts the errors, Chromium logs them)."""
    browser = chromium()
    text = rendered.page.read_text(encoding="utf-8")
    injected = '<img src="https://example.com/x.png"><script>document.title = "owned"</script>'
    page = tmp_path / "bad.html"
    page.write_text(text.replace('<pre id="steps-errors"', injected + '<pre id="steps-errors"', 1))
    done = run_chromium(browser, page, tmp_path / "profile")
    assert done.returncode == 0, done.stderr[-4000:]
    parsed = parse(done.stdout)
    assert parsed.body.get("data-errors") not in (None, "0")
    assert "owned" not in done.stdout.split("</title>", 1)[0]
    assert any(PAGE_PROBLEMS.search(line) for line in done.stderr.splitlines())
