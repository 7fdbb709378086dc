"""Nobody let in: no code from data, escaped HTML, neutralised CSV, plugins under control, PII.

* A static scan (the AST of every module in ``steps/``) for ``eval``, ``exec``,
  ``compile``, ``__import__``, ``pickle``/``marshal``/``shelve``, ``yaml.load``,
  ``subprocess`` or ``os.system``/``os.popen`` with a shell, ``tempfile.mktemp`` and
  ``allow_pickle=True``; every ``importlib.import_module`` call site is reviewed (a table
  below) so a new one cannot slip in unnoticed.  ``steps.spark`` pickles its own broadcast
  payload: the one reviewed exception (see docs/security.md).
* The HTML report and the notebook views escape user strings: a brand, account, product,
  talent, campaign or id named ``<script>alert(1)</script>`` or
  ``"><img src=x onerror=alert(1)>`` appears only escaped (tests/report checks a browser).
* ``steps score --format csv`` neutralises cells a spreadsheet would run as a formula.
* Plugin autoload can be turned off and plugins allow- or block-listed: a plugin whose
  import leaves a mark on disk is installed as a real distribution, and its code never runs
  unless it is allowed.
* Buyer identities stay pseudonymous: the model refuses phone- and e-mail-shaped buyer keys,
  and the JSON, CSV and HTML outputs and ``dumps`` hold only the dataset's pseudonymous keys.
"""

from __future__ import annotations

import ast
import csv
import html
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import attrs
import pytest

from steps.cli import main
from steps.domain.errors import InvalidDataError
from steps.domain.model import Dataset, Order
from steps.frames import write_csv
from steps.io.files import dump, dumps, load_jsonl, loads
from steps.scoring import score
from steps.testing.plugins import isolated_host
from tests.scoring.support import PLUGIN_MODULE, install_fake_distribution, unique

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "steps"
SAMPLE = Path(str(resources.files("steps") / "data" / "sample.json"))

# -- the static scan -------------------------------------------------------------------------

FORBIDDEN_CALLS = frozenset({"eval", "exec", "compile", "__import__", "breakpoint"})
FORBIDDEN_MODULES = frozenset({"pickle", "marshal", "shelve", "dill", "cloudpickle", "cPickle"})
FORBIDDEN_ATTRIBUTES = {
    ("yaml", "load"),
    ("yaml", "load_all"),
    ("yaml", "unsafe_load"),
    ("yaml", "unsafe_load_all"),
    ("yaml", "full_load"),
    ("os", "system"),
    ("os", "popen"),
    ("tempfile", "mktemp"),
    ("builtins", "eval"),
    ("builtins", "exec"),
    ("importlib", "__import__"),
}
#: Reviewed exceptions: (module path, what) → why it is safe.
ALLOWED = {
    ("steps/spark.py", "import pickle"): (
        "pickles the catalog it broadcasts to its own Spark workers; never reads a file"
    ),
}
#: Every ``importlib.import_module`` call: (module path, enclosing function) → where the
#: name comes from.  None of them takes a name from a data file.
IMPORT_SITES = {
    ("steps/__init__.py", "__getattr__"): "the _LAZY table of public names",
    ("steps/cli/__init__.py", "build_parser"): "the COMMANDS table",
    ("steps/scoring/plugins.py", "_load_builtins"): "steps.plugins.BUILTIN_PLUGINS",
    ("steps/frames.py", "_import"): "the _MODULES table, after checking the backend name",
    ("steps/columnar/readers.py", "_import"): "literal module names of optional extras",
    ("steps/spark.py", "_module"): "literal module names (pyspark, pyarrow)",
}


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(REPO).as_posix()
        yield relative, ast.parse(path.read_text(encoding="utf-8"), filename=relative)


def _dotted(node: ast.AST) -> tuple[str, ...]:
    if isinstance(node, ast.Name):
        return (node.id,)
    if isinstance(node, ast.Attribute):
        return (*_dotted(node.value), node.attr)
    return ()


def _findings(relative: str, tree: ast.Module) -> Iterator[tuple[str, str, int]]:
    """(what, enclosing function, line) for every risky construct in one module."""
    functions: dict[ast.AST, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                functions.setdefault(inner, node.name)
    for node in ast.walk(tree):
        where = functions.get(node, "<module>")
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in FORBIDDEN_MODULES:
                    yield f"import {alias.name}", where, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in FORBIDDEN_MODULES:
                yield f"from {node.module} import", where, node.lineno
            for alias in node.names:
                if (node.module, alias.name) in FORBIDDEN_ATTRIBUTES:
                    yield f"from {node.module} import {alias.name}", where, node.lineno
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            if len(name) == 1 and name[0] in FORBIDDEN_CALLS:
                yield f"{name[0]}()", where, node.lineno
            if len(name) >= 2 and (name[-2], name[-1]) in FORBIDDEN_ATTRIBUTES:
                yield f"{'.'.join(name)}()", where, node.lineno
            if name[-1:] == ("import_module",):
                yield "importlib.import_module()", where, node.lineno
            for keyword in node.keywords:
                constant = isinstance(keyword.value, ast.Constant) and keyword.value.value
                if keyword.arg == "shell" and constant is not False:
                    yield "a call with shell=", where, node.lineno
                if keyword.arg == "allow_pickle" and constant is not False:
                    yield "a call with allow_pickle=", where, node.lineno
            if name[:1] == ("subprocess",) or name[:2] == ("os", "exec"):
                yield f"{'.'.join(name)}()", where, node.lineno


def test_no_module_runs_code_from_data() -> None:
    unexpected = []
    import_sites = set()
    for relative, tree in _modules():
        for what, where, line in _findings(relative, tree):
            if what == "importlib.import_module()":
                import_sites.add((relative, where))
            elif (relative, what) not in ALLOWED:
                unexpected.append(f"{relative}:{line} ({where}): {what}")
    assert unexpected == [], "review these (docs/security.md):\n" + "\n".join(unexpected)
    assert import_sites == set(IMPORT_SITES), (
        "a new or moved importlib.import_module call: review where its name comes from and "
        "list it in IMPORT_SITES"
    )


def test_the_scan_finds_what_it_looks_for() -> None:
    """The scanner itself works: each forbidden construct in a sample is reported."""
    source = """
import pickle, yaml, subprocess, os
from marshal import loads
def f(text):
    eval(text)
    exec(text)
    __import__(text)
    yaml.load(text)
    yaml.unsafe_load(text)
    subprocess.run(text, shell=True)
    os.system(text)
    numpy.load(text, allow_pickle=True)
"""
    found = {what for what, _, _ in _findings("sample.py", ast.parse(source))}
    assert found >= {
        "import pickle",
        "from marshal import",
        "eval()",
        "exec()",
        "__import__()",
        "yaml.load()",
        "yaml.unsafe_load()",
        "a call with shell=",
        "os.system()",
        "a call with allow_pickle=",
        "subprocess.run()",
    }


def test_the_one_pickle_reads_only_its_own_broadcast() -> None:
    tree = ast.parse((PACKAGE / "spark.py").read_text(encoding="utf-8"))
    loads_calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _dotted(node.func)[:1] == ("pickle",)
    ]
    names = sorted(".".join(_dotted(c.func)) for c in loads_calls)
    assert names == ["pickle.Pickler", "pickle.loads"]  # no pickle.load of a file


# -- HTML escaping -----------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'


def hostile_dataset() -> Dataset:
    """The sample's first brand, its names, ids, campaign and talent named like an attack."""
    brand = loads(SAMPLE.read_bytes()).brands[0]
    return Dataset(
        brands=(
            attrs.evolve(
                brand,
                brand_id=SCRIPT,
                name=ATTRIBUTE,
                category=SCRIPT,
                tier=ATTRIBUTE,
                accounts=tuple(attrs.evolve(a, name=SCRIPT) for a in brand.accounts),
                products=tuple(attrs.evolve(p, name=ATTRIBUTE) for p in brand.products),
                streams=tuple(
                    attrs.evolve(s, campaign=ATTRIBUTE, stream_id=f"{SCRIPT}{i}")
                    for i, s in enumerate(brand.streams)
                ),
                orders=tuple(attrs.evolve(o, stream_id=None) for o in brand.orders),
                paid_campaigns=tuple(attrs.evolve(c, stream_id=None) for c in brand.paid_campaigns),
                talent_collabs=tuple(
                    attrs.evolve(c, talent_name=SCRIPT) for c in brand.talent_collabs
                ),
            ),
        )
    )


def assert_only_escaped(text: str) -> None:
    for attack in (SCRIPT, ATTRIBUTE):
        assert attack not in text
    assert "<img" not in text
    assert "alert(1)</script>" not in text
    assert html.escape(SCRIPT) in text or "\\u003cscript\\u003e" in text  # it is there


def test_the_html_report_escapes_user_strings(tmp_path: Path) -> None:
    from steps.report.html import build_report

    dataset = hostile_dataset()
    text = build_report(dataset, host=isolated_host(builtins=True), source=SCRIPT)
    assert_only_escaped(text)
    assert html.escape(ATTRIBUTE) in text
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", text, flags=re.S)
    assert scripts  # the charts' JSON: user strings there are \\u escaped
    assert all(SCRIPT not in s and "<img" not in s for s in scripts)


def test_the_notebook_views_escape_user_strings() -> None:
    results = score(hostile_dataset(), host=isolated_host(builtins=True))
    assert results.cards
    assert_only_escaped(results._repr_html_())
    for card in results.cards:
        view = card._repr_html_()
        for attack in (SCRIPT, ATTRIBUTE):
            assert attack not in view
        assert "<img" not in view


# -- CSV formula injection ---------------------------------------------------------------------

#: Formulas a data value can carry into ``steps score --format csv`` (ids refuse the tab and
#: carriage return starters, see below).
FORMULAS = ("=1+2", "+SUM(A1:A9)", "-2+3", "@SUM(A1)", '=HYPERLINK("x")')
#: Starters only a text cell can carry.
TEXT_FORMULAS = ("\tcmd", "\rcmd")


def test_score_csv_neutralises_formulas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STEPS_DISABLE_PLUGIN_AUTOLOAD", "1")
    brand = loads(SAMPLE.read_bytes()).brands[0]
    streams = tuple(
        attrs.evolve(s, stream_id=formula)
        for s, formula in zip(brand.streams, FORMULAS[1:], strict=False)
    )
    dataset = Dataset(
        brands=(
            attrs.evolve(
                brand,
                brand_id=FORMULAS[0],
                streams=streams,
                orders=tuple(attrs.evolve(o, stream_id=None) for o in brand.orders),
                paid_campaigns=tuple(attrs.evolve(c, stream_id=None) for c in brand.paid_campaigns),
            ),
        )
    )
    data = tmp_path / "formulas.json"
    dump(dataset, data)
    assert main(["score", str(data), "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out, newline="")))
    cells = [cell for row in rows for cell in row]
    for formula in FORMULAS:
        assert "'" + formula in cells, f"{formula!r} is not in the output, neutralised"
    for cell in cells:
        if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
            float(cell)  # only a number may start like a formula


def test_csv_neutralises_tab_and_carriage_return_formulas() -> None:
    buffer = io.StringIO(newline="")
    write_csv([{"explanation": formula} for formula in TEXT_FORMULAS], buffer)
    cells = [row[-1] for row in csv.reader(io.StringIO(buffer.getvalue(), newline=""))][1:]
    assert cells == ["'" + formula for formula in TEXT_FORMULAS]


@pytest.mark.parametrize("formula", TEXT_FORMULAS)
def test_an_id_cannot_start_a_formula_with_a_control_character(formula: str) -> None:
    stream = loads(SAMPLE.read_bytes()).brands[0].streams[0]
    with pytest.raises(InvalidDataError, match="must not hold control characters"):
        attrs.evolve(stream, stream_id=formula)


# -- plugin trust -----------------------------------------------------------------------------

MARKING_PLUGIN = (
    """
import pathlib
pathlib.Path({marker!r}).write_text("imported", encoding="utf-8")
"""
    + PLUGIN_MODULE
)


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    """A folder with two installed distributions, ``marked-a`` and ``marked-b``, whose
    plugins (entry points ``a`` and ``b``) each leave a file behind when imported."""
    site = tmp_path / "site"
    site.mkdir()
    markers = {}
    for name in ("a", "b"):
        module = unique(f"marked_plugin_{name}")
        markers[name] = tmp_path / f"imported-{name}"
        install_fake_distribution(
            site,
            f"marked-{name}",
            {name: module},
            {module: MARKING_PLUGIN.format(marker=str(markers[name]), scorer=f"marked-{name}")},
        )
    return site, markers


def _scorers(site: Path, **env: str) -> list[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("STEPS_")}
    environment["PYTHONPATH"] = os.pathsep.join([str(REPO), str(site)])
    environment.update(env)
    result = subprocess.run(
        [sys.executable, "-m", "steps.cli", "scorers", "--format", "json"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPO,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return sorted(s["name"] for s in json.loads(result.stdout) if s["name"].startswith("marked"))


@pytest.mark.parametrize(
    ("env", "loaded"),
    [
        ({}, ["a", "b"]),
        ({"STEPS_DISABLE_PLUGIN_AUTOLOAD": "1"}, []),
        ({"STEPS_PLUGINS": "b"}, ["b"]),
        # A value that names no plugin is the same as none at all (blank = unset).
        ({"STEPS_PLUGINS": ""}, ["a", "b"]),
        ({"STEPS_PLUGINS": ","}, ["a", "b"]),
        ({"STEPS_PLUGINS": " , "}, ["a", "b"]),
        ({"STEPS_BLOCK_PLUGINS": ","}, ["a", "b"]),
        ({"STEPS_PLUGINS": "a,b", "STEPS_BLOCK_PLUGINS": "a"}, ["b"]),
        ({"STEPS_DISABLE_PLUGIN_AUTOLOAD": "1", "STEPS_PLUGINS": "a"}, []),
    ],
)
def test_plugin_code_runs_only_when_allowed(
    site: tuple[Path, dict[str, Path]], env: dict[str, str], loaded: list[str]
) -> None:
    folder, markers = site
    assert _scorers(folder, **env) == [f"marked-{name}" for name in loaded]
    imported = sorted(name for name, marker in markers.items() if marker.exists())
    assert imported == loaded  # a plugin that is not allowed is not even imported


# -- PII -------------------------------------------------------------------------------------------

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE = re.compile(r"(?<![\w.])\+?(?:86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?![\w.])")


@pytest.mark.parametrize(
    "key", ["13800138000", "+86 138 0013 8000", "138-0013-8000", "buyer@example.com", "a@b"]
)
def test_the_model_refuses_buyer_keys_shaped_like_contact_details(key: str) -> None:
    placed = datetime(2021, 8, 8, 20, tzinfo=UTC)
    with pytest.raises(InvalidDataError) as caught:
        Order(order_id="o1", buyer_key=key, placed_at=placed, amount_fen=100)
    [problem] = caught.value.problems
    assert problem.path == "buyer_key"
    assert "pseudonymous" in problem.message
    record = {
        "record": "order",
        "brand_id": "b",
        "order_id": "o1",
        "buyer_key": key,
        "placed_at": placed.isoformat(),
        "amount_fen": 100,
    }
    lines = [
        {"record": "header", "schema_version": "1.0"},
        {"record": "brand", "brand_id": "b", "name": "B", "category": "c"},
        record,
    ]
    text = "".join(json.dumps(line) + "\n" for line in lines).encode()
    with pytest.raises(InvalidDataError) as caught:
        load_jsonl(io.BytesIO(text))
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == ("brands[0].orders[0].buyer_key", 3)
    assert key not in str(caught.value)  # the report does not repeat the contact detail


def test_outputs_hold_only_pseudonymous_buyer_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from steps.report.html import _plotly_bundle, build_report

    monkeypatch.setenv("STEPS_DISABLE_PLUGIN_AUTOLOAD", "1")
    dataset = loads(SAMPLE.read_bytes())
    keys = {o.buyer_key for b in dataset.brands for o in b.orders}
    assert keys
    data = tmp_path / "sample.json"
    dump(dataset, data)
    outputs = {"dumps": dumps(dataset)}
    for fmt in ("json", "csv"):
        assert main(["score", str(data), "--format", fmt]) == 0
        outputs[f"score {fmt}"] = capsys.readouterr().out
    report = build_report(dataset, host=isolated_host(builtins=True))
    bundle = _plotly_bundle()  # the chart library's own text (it names npm packages)
    assert bundle in report
    outputs["report"] = report.replace(bundle, "")
    key_shape = re.compile(r"\bu_[0-9a-f]{12}\b")
    for name, text in outputs.items():
        assert not EMAIL.search(text), f"{name}: {EMAIL.search(text)}"
        assert not PHONE.search(text), f"{name}: {PHONE.search(text)}"
        if name != "dumps":  # scores and the report carry no buyer key at all
            assert not (keys & set(key_shape.findall(text))), name
            assert not any(key in text for key in keys), name
    assert set(key_shape.findall(outputs["dumps"])) == keys  # dumps: exactly the given keys


def test_a_changed_order_is_checked_again() -> None:
    order = loads(SAMPLE.read_bytes()).brands[0].orders[0]
    with pytest.raises(InvalidDataError, match="pseudonymous"):
        attrs.evolve(order, buyer_key="13800138000")
