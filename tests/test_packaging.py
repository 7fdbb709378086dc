"""What is published: the metadata, the long description, the wheel and the sdist.

The fast tests read ``pyproject.toml`` and the pages it names.  The slow ones build both
distributions with ``python -m build``, compare their file lists with the files git tracks,
install the wheel into a fresh virtual environment and run the installed ``steps demo`` there,
type-check the package against that environment (which has no pandas, polars, pyarrow or
plotly), then install the sdist into the same environment and run a part of the test suite
from the unpacked sdist: ``tests/domain``, ``tests/io`` and ``tests/test_demo.py`` (the model,
the files and the command line end to end; the whole suite would double the time CI takes).
Nothing is mocked; pip reaches the package index (or its cache) as it does for the example
plugin's test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

import steps

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
REPOSITORY = "https://github.com/steps-commerce/steps"
#: Files hatch puts in every sdist whatever the include patterns say.
SDIST_ALWAYS = frozenset({"PKG-INFO", ".gitignore"})


# -- metadata ---------------------------------------------------------------------------------


def test_the_metadata_is_complete() -> None:
    assert PROJECT["license"] == "MIT"
    assert PROJECT["license-files"] == ["LICENSE"]
    assert "Development Status :: 3 - Alpha" in PROJECT["classifiers"]
    mkdocs = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert f"repo_url: {REPOSITORY}\n" in mkdocs
    urls = PROJECT["urls"]
    assert set(urls) == {"Documentation", "Source", "Changelog", "Issues"}
    assert all(url.startswith(REPOSITORY) for url in urls.values())
    assert urls["Changelog"] == f"{REPOSITORY}/blob/main/CHANGELOG.md"


def test_the_licence_is_mit_for_the_authors() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) 2026 The steps-commerce authors\n")
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text


def test_the_changelog_keeps_an_unreleased_section_and_the_current_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, re.M)
    assert versions[0] == ("Unreleased", "")
    released = dict(versions[1:])
    assert steps.__version__ in released
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) for day in released.values())
    sections = re.findall(r"^### (\w+)$", text, re.M)
    assert set(sections) <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


# -- the long description ---------------------------------------------------------------------

LINK = re.compile(r"\]\(([^)\s]+)[^)]*\)|^\[[^\]]+\]:\s*(\S+)|(?:href|src)=\"([^\"]+)\"", re.M)


def links(markdown: str) -> list[str]:
    """The targets of every link and image of a Markdown text (inline, reference, HTML)."""
    outside_code = re.sub(r"^```.*?^```", "", markdown, flags=re.S | re.M)
    return [
        next(group for group in match.groups() if group) for match in LINK.finditer(outside_code)
    ]


def test_the_package_index_shows_the_user_page_with_absolute_links() -> None:
    assert PROJECT["readme"] == "docs/pypi.md"
    page = (ROOT / "docs" / "pypi.md").read_text(encoding="utf-8")
    targets = links(page)
    assert len(targets) >= 10
    relative = [t for t in targets if not t.startswith("https://")]
    assert not relative, f"docs/pypi.md has relative links: {relative}"
    assert "pip install steps-commerce" in page
    assert "./scripts" not in page  # not shipped in the wheel: nothing a user can run


def test_the_link_finder_finds_every_kind_of_link() -> None:
    text = '[a](docs/a.md) ![b](https://x/b.png "t")\n[c]: ../c.md\n<a href="d.html">d</a>\n'
    assert links(text + "```\n[e](e.md)\n```\n") == [
        "docs/a.md",
        "https://x/b.png",
        "../c.md",
        "d.html",
    ]


def test_the_pages_the_user_page_links_to_exist() -> None:
    prefixes = (f"{REPOSITORY}/blob/main/", f"{REPOSITORY}/tree/main/")
    for target in links((ROOT / "docs" / "pypi.md").read_text(encoding="utf-8")):
        if target.startswith(prefixes):
            path = target.split("/main/", 1)[1].split("#")[0]
            assert (ROOT / path).exists(), target


def test_the_repository_readme_keeps_its_two_set_up_commands_first() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# steps\n\n```bash\n")  # the title, then the commands
    first = re.search(r"^```bash\n(.*?)^```", readme, re.S | re.M)
    assert first is not None
    commands = [line.split()[0] for line in first.group(1).splitlines()]
    assert commands == ["./scripts/demo", "./scripts/check"]


def test_the_sdist_patterns_are_anchored() -> None:
    include = PYPROJECT["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
    assert all(pattern.startswith("/") for pattern in include), include
    assert PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["steps"]
    assert "build>=1" in PROJECT["optional-dependencies"]["dev"]


# -- building and installing ------------------------------------------------------------------


def _environment(**extra: str) -> dict[str, str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("STEPS_") and k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    }
    environment["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    environment.update(extra)
    return environment


def _run(command: list[str], cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=cwd,
        env=_environment(**extra),
        capture_output=True,
        text=True,
        timeout=1_200,
        check=False,
    )


def _tracked(*tops: str) -> set[str]:
    """The files git tracks under ``tops`` (folders or files of the repository's root)."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the tracked files are unknown")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", *tops],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    return {name for name in listed.stdout.decode("utf-8").split("\0") if name}


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The wheel and the sdist that ``python -m build`` makes of the repository."""
    out = tmp_path_factory.mktemp("dist")
    built = _run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], cwd=out)
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = out.glob("*.whl")
    [sdist] = out.glob("*.tar.gz")
    return wheel, sdist


@pytest.mark.slow
def test_the_wheel_holds_the_package_and_its_data_only(dists: tuple[Path, Path]) -> None:
    wheel, _ = dists
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(f"steps_commerce-{steps.__version__}.dist-info/METADATA")
    info = {name for name in names if ".dist-info/" in name}
    assert names - info == _tracked("steps")
    assert {"steps/py.typed", "steps/data/sample.json"} <= names
    assert f"steps_commerce-{steps.__version__}.dist-info/licenses/LICENSE" in info
    description = metadata.decode("utf-8").split("\n\n", 1)[1]
    assert description.startswith("# steps: live-stream e-commerce analysis")
    assert "Classifier: Development Status :: 3 - Alpha" in metadata.decode("utf-8")


@pytest.mark.slow
def test_the_sdist_holds_what_building_testing_and_documenting_need(
    dists: tuple[Path, Path],
) -> None:
    _, sdist = dists
    top = f"steps_commerce-{steps.__version__}/"
    with tarfile.open(sdist) as archive:
        names = {
            member.name.removeprefix(top) for member in archive.getmembers() if member.isfile()
        }
    include = PYPROJECT["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
    expected = _tracked(*(pattern.lstrip("/") for pattern in include))
    assert names - SDIST_ALWAYS == expected
    # What went missing before the patterns were anchored: the example plugin's package,
    # the site's configuration and the benchmarks the performance page documents.
    assert "examples/steps-plugin-example/steps_plugin_example/rhythm.py" in names
    assert {"mkdocs.yml", "CHANGELOG.md", "LICENSE", "benchmarks/bench_engine.py"} <= names
    assert not [name for name in names if name.startswith((".ci/", ".venv/", "site/"))]


@pytest.mark.slow
def test_the_wheel_installs_and_the_sdist_passes_its_tests(
    dists: tuple[Path, Path], tmp_path: Path
) -> None:
    wheel, sdist = dists
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(environment)
    bin_dir = environment / ("Scripts" if sys.platform == "win32" else "bin")
    python = str(bin_dir / "python")

    # The wheel, into a clean environment, with what the tests need.
    installed = _run([python, "-m", "pip", "install", "--quiet", f"{wheel}[test]"], cwd=tmp_path)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    where = _run([python, "-c", "import steps; print(steps.__file__)"], cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(environment)
    demo = _run([str(bin_dir / "steps"), "demo"], cwd=tmp_path)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert re.findall(r"^\S.* \((b0\d)\) · ", demo.stdout, re.M) == ["b00", "b01", "b02"]
    assert demo.stdout.count("Next moves:") == 3

    # The types check with the core dependencies alone (no pandas, polars, pyarrow, plotly).
    missing = _run(
        [
            python,
            "-c",
            "import importlib.util as u; print([m for m in "
            "('pandas', 'polars', 'pyarrow', 'plotly') if u.find_spec(m)])",
        ],
        cwd=tmp_path,
    )
    assert missing.stdout.strip() == "[]", missing.stdout + missing.stderr
    typed = _run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--python-executable",
            python,
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
        ],
        cwd=ROOT,
    )
    assert typed.returncode == 0, typed.stdout + typed.stderr

    # The sdist builds and installs, and its own tests pass from the unpacked archive.
    reinstalled = _run(
        [python, "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps", str(sdist)],
        cwd=tmp_path,
    )
    assert reinstalled.returncode == 0, reinstalled.stdout + reinstalled.stderr
    with tarfile.open(sdist) as archive:
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # 3.11.4+
        archive.extractall(tmp_path / "unpacked", **safe)  # type: ignore[arg-type]  # noqa: S202
    [source] = (tmp_path / "unpacked").iterdir()
    tested = _run(
        [
            python,
            "-m",
            "pytest",
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            "tests/domain",
            "tests/io",
            "tests/test_demo.py",
        ],
        cwd=source,
        HYPOTHESIS_STORAGE_DIRECTORY=str(tmp_path / "hypothesis"),
    )
    assert tested.returncode == 0, tested.stdout[-5_000:] + tested.stderr[-5_000:]
    assert re.search(r"\b\d{3,} passed\b", tested.stdout), tested.stdout[-2_000:]
