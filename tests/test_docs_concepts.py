"""Keep the model documentation true to the code.

docs/concepts.md must describe every field of every model class (its type, default and unit),
every enumeration value and the fields every relation check touches; docs/metrics.md every
metric, with examples that run; docs/data-format.md examples that load and reports that match.
"""

from __future__ import annotations

import doctest
import enum
import inspect
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from steps.domain import enums, fields, metrics, model
from steps.domain.errors import InvalidDataError
from steps.io import files

DOCS = Path(__file__).resolve().parent.parent / "docs"
OWN_PAGES = ("index.md", "concepts.md", "data-format.md", "metrics.md")

MODEL_CLASSES = [getattr(model, name) for name in model.__all__]
ENUMS = [
    member
    for member in vars(enums).values()
    if isinstance(member, type)
    and issubclass(member, enum.Enum)
    and member.__module__ == enums.__name__
]
METRICS = [
    name
    for name in metrics.__all__
    if inspect.isfunction(getattr(metrics, name))
    and getattr(metrics, name).__module__ == metrics.__name__
]
# Every field name of every model class: the literals of the relation checks that name fields.
ALL_FIELD_NAMES = {field.name for cls in MODEL_CLASSES for field in attrs.fields(cls)}


def read(page: str) -> str:
    return (DOCS / page).read_text(encoding="utf-8")


# --- Markdown helpers ------------------------------------------------------------------------


def headings(text: str) -> Iterator[tuple[int, int, str]]:
    """(line index, level, title) of every heading outside fenced code."""
    in_fence = False
    for index, line in enumerate(text.splitlines()):
        if line.startswith("```"):
            in_fence = not in_fence
            continue
        match = re.match(r"^(#{1,6})\s+(.*?)\s*$", line)
        if match and not in_fence:
            yield index, len(match.group(1)), match.group(2)


def section(text: str, name: str) -> str:
    """The text under the heading whose first code span is ``name``, up to the next heading of
    the same or a higher level."""
    lines = text.splitlines()
    found = list(headings(text))
    for position, (index, level, title) in enumerate(found):
        first_code = re.search(r"`([^`]+)`", title)
        if first_code and first_code.group(1) == name:
            end = next(
                (i for i, lvl, _ in found[position + 1 :] if lvl <= level),
                len(lines),
            )
            return "\n".join(lines[index + 1 : end])
    pytest.fail(f"no heading for `{name}`")


def subsection(text: str, title: str) -> str | None:
    lines = text.splitlines()
    found = list(headings(text))
    for position, (index, level, heading) in enumerate(found):
        if heading == title:
            end = next((i for i, lvl, _ in found[position + 1 :] if lvl <= level), len(lines))
            return "\n".join(lines[index + 1 : end])
    return None


def table_rows(text: str) -> Iterator[list[str]]:
    """Cells of every table row, with ``\\|`` (a pipe inside a cell) unescaped."""
    for line in text.splitlines():
        if not line.startswith("|") or re.match(r"^\|[\s|:-]+\|$", line):
            continue
        cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
        yield [cell.strip().replace("\\|", "|") for cell in cells]


def code_spans(text: str) -> set[str]:
    return set(re.findall(r"`([^`\n]+)`", text))


def examples(text: str) -> dict[str, tuple[str, str]]:
    """Fenced blocks preceded by ``<!-- example: NAME -->``: name -> (language, body)."""
    pattern = re.compile(r"<!-- example: ([\w-]+) -->\n```(\w*)\n(.*?)\n```", re.DOTALL)
    found: dict[str, tuple[str, str]] = {}
    for name, language, body in pattern.findall(text):
        assert name not in found, f"two examples named {name!r}"
        found[name] = (language, body)
    return found


# --- concepts.md -----------------------------------------------------------------------------


def documented_fields(cls: type) -> dict[str, list[str]]:
    rows = {}
    for cells in table_rows(section(read("concepts.md"), cls.__name__)):
        match = re.fullmatch(r"`(\w+)`", cells[0])
        if match:
            rows[match.group(1)] = cells
    return rows


def expected_default(field: attrs.Attribute[Any]) -> str:
    default: Any = field.default
    if default is attrs.NOTHING:
        return "required"
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        return f"`{default.factory()!r}`"
    return f"`{default!r}`"


def unit_words(kind: fields.Kind) -> list[str]:
    """Words the "Unit and constraint" cell must contain for a field of this kind."""
    if kind.name == "number":
        return [f"[{kind.minimum:g}, {kind.maximum:g}]"]
    if kind.name == "many" and kind.item is str:
        return []
    item = getattr(kind.item, "__name__", "")
    by_kind = {
        "money": ["fen"],
        "rate": ["[0, 1]"],
        "aware_datetime": ["timezone-aware"],
        "identifier": ["identifier"],
        "text": ["text"],
        "count": ["count"],
        "date": ["date"],
        "bool": ["bool"],
        "share_map": ["[0, 1]", item],
        "count_map": [item],
        "enum": [item],
        "nested": [item],
        "many": [item],
    }
    return by_kind[kind.name]


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda c: c.__name__)
def test_every_field_is_documented_under_its_class(cls):
    documented = documented_fields(cls)
    actual = [field.name for field in attrs.fields(cls)]
    missing = [name for name in actual if name not in documented]
    stale = [name for name in documented if name not in actual]
    assert not missing, f"{cls.__name__}: fields missing from docs/concepts.md: {missing}"
    assert not stale, f"{cls.__name__}: documented fields that do not exist: {stale}"
    assert list(documented) == actual, f"{cls.__name__}: document the fields in model order"


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda c: c.__name__)
def test_field_type_default_and_unit_match_the_model(cls):
    documented = documented_fields(cls)
    for field in attrs.fields(cls):
        _, type_cell, default_cell, unit_cell, meaning = documented[field.name][:5]
        where = f"{cls.__name__}.{field.name}"
        # The annotation as written in the source: ``field.type`` is the same string until
        # something calls ``attrs.resolve_types`` on the class.
        assert type_cell == f"`{cls.__annotations__[field.name]}`", f"{where}: type"
        assert default_cell == expected_default(field), f"{where}: default"
        kind = fields.kind_of(field)
        assert kind is not None, f"{where}: no field kind"
        for word in unit_words(kind):
            assert word in unit_cell, f"{where}: unit cell should mention {word!r}"
        assert meaning, f"{where}: no meaning given"


def relation_fields(cls: type) -> set[str]:
    """Field names quoted in the class's own relation checks."""
    if "_relations" not in vars(cls):
        return set()
    source = inspect.getsource(vars(cls)["_relations"])
    return {name for name in re.findall(r'"(\w+)"', source) if name in ALL_FIELD_NAMES}


@pytest.mark.parametrize(
    "cls", [c for c in MODEL_CLASSES if relation_fields(c)], ids=lambda c: c.__name__
)
def test_relations_are_documented(cls):
    relations = subsection(section(read("concepts.md"), cls.__name__), "Checked relations")
    assert relations is not None, f"{cls.__name__}: no 'Checked relations' heading"
    missing = relation_fields(cls) - code_spans(relations)
    assert not missing, f"{cls.__name__}: relation checks on {sorted(missing)} not documented"


@pytest.mark.parametrize("enum_type", ENUMS, ids=lambda e: e.__name__)
def test_every_enum_value_is_documented(enum_type):
    text = section(read("concepts.md"), enum_type.__name__)
    spans = code_spans(text)
    missing = [m.value for m in enum_type if m.value not in spans]
    assert not missing, f"{enum_type.__name__}: values missing from docs/concepts.md: {missing}"
    documented = {cells[1].strip("`") for cells in table_rows(text) if cells[0].startswith("`")}
    stale = documented - {m.value for m in enum_type}
    assert not stale, f"{enum_type.__name__}: documented values that do not exist: {stale}"


def test_every_enum_is_found():
    assert {e.__name__ for e in ENUMS} >= {"Platform", "TrafficSource", "TrustSignalKind"}


# --- metrics.md ------------------------------------------------------------------------------


def signature_text(name: str) -> str:
    parameters = []
    for parameter in inspect.signature(getattr(metrics, name)).parameters.values():
        prefix = "*" if parameter.kind is inspect.Parameter.VAR_POSITIONAL else ""
        parameters.append(prefix + parameter.name)
    return f"{name}({', '.join(parameters)})"


@pytest.mark.parametrize("name", METRICS)
def test_every_metric_has_a_section_and_a_summary_row(name):
    text = read("metrics.md")
    titles = [title for _, _, title in headings(text)]
    assert f"`{signature_text(name)}`" in titles, f"no heading `{signature_text(name)}`"
    summary = subsection(text, "Summary")
    assert summary is not None
    assert any(cells[0] == f"`{signature_text(name)}`" for cells in table_rows(summary)), (
        f"{name}: no row in the summary table"
    )


def test_no_metric_is_documented_that_does_not_exist():
    documented = {
        match.group(1)
        for _, _, title in headings(read("metrics.md"))
        if (match := re.fullmatch(r"`(\w+)\(.*\)`", title))
    }
    assert documented <= set(METRICS), f"not in steps.domain.metrics: {documented - set(METRICS)}"


@pytest.fixture(scope="module")
def example_dataset():
    _, body = examples(read("data-format.md"))["dataset"]
    return files.loads(body)


def test_metrics_examples_run(example_dataset):
    blocks = re.findall(r"```pycon\n(.*?)```", read("metrics.md"), re.DOTALL)
    assert blocks, "docs/metrics.md has no examples"
    test = doctest.DocTestParser().get_doctest(
        "\n".join(blocks), {"dataset": example_dataset}, "docs/metrics.md", "metrics.md", 0
    )
    report = io.StringIO()
    result = doctest.DocTestRunner().run(test, out=report.write)
    assert result.failed == 0, report.getvalue()
    assert result.attempted >= len(METRICS)


# --- data-format.md --------------------------------------------------------------------------


def test_example_json_and_jsonl_load_to_the_same_dataset(example_dataset):
    found = examples(read("data-format.md"))
    language, jsonl = found["dataset-jsonl"]
    assert found["dataset"][0] == "json"
    assert language == "jsonl"
    from_jsonl = files.load_jsonl(io.BytesIO(jsonl.encode("utf-8")))
    assert from_jsonl == example_dataset
    brand = example_dataset.brands[0]
    assert brand.streams, "the example should show a stream"
    assert all(getattr(brand, f) for f in files.RECORD_FIELDS.values()), (
        "the example should show every JSON Lines record kind"
    )


def test_example_jsonl_is_what_dump_writes(example_dataset):
    _, jsonl = examples(read("data-format.md"))["dataset-jsonl"]
    assert "".join(files.iter_jsonl(example_dataset)) == jsonl + "\n"


def load_text(text: str, form: str, source: str):
    if form == "json":
        return files.loads(text, source=source)
    return files.load_jsonl(io.BytesIO(text.encode("utf-8")), source=source)


@pytest.mark.parametrize("form", ["json", "jsonl"])
def test_documented_error_reports_match(form):
    found = examples(read("data-format.md"))
    _, document = found[f"invalid-{form}"]
    _, expected = found[f"invalid-{form}-output"]
    with pytest.raises(InvalidDataError) as caught:
        load_text(document, form, source=f"bad.{form}")
    # What `steps validate` prints on standard error.
    assert f"steps validate: {caught.value}" == expected


def test_documented_limits_match_the_code():
    text = read("data-format.md")
    table = text.split("<!-- limits -->", 1)[1]
    rows = {}
    for cells in table_rows(table.split("\n\n", 1)[0]):
        match = re.fullmatch(r"`steps\.([\w.]+)\.(\w+)`", cells[0])
        if match:
            rows[(match.group(1), match.group(2))] = cells[1].strip("`")
    modules = {"io.files": files, "domain.fields": fields}
    expected_names = {
        ("io.files", "MAX_FILE_BYTES"),
        ("io.files", "MAX_LINE_BYTES"),
        ("io.files", "MAX_RECORDS"),
        ("domain.fields", "MAX_ID_LENGTH"),
        ("domain.fields", "MAX_TEXT_LENGTH"),
        ("domain.fields", "MAX_MONEY_FEN"),
        ("domain.fields", "MAX_COUNT"),
    }
    assert expected_names <= set(rows), f"limits not documented: {expected_names - set(rows)}"
    for (module, name), value in rows.items():
        actual = getattr(modules[module], name)
        assert type(actual)(value) == actual, f"{name}: documented {value}, code says {actual}"


def test_documented_schema_version_matches():
    text = read("data-format.md")
    assert f'"schema_version": "{files.SCHEMA_VERSION}"' in text
    for version in files.SUPPORTED_VERSIONS:
        assert f"`{version}`" in text


# --- links -----------------------------------------------------------------------------------


def slug(title: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", title.lower().replace("`", ""))
    return text.replace(" ", "-")


@pytest.mark.parametrize("page", OWN_PAGES)
def test_anchors_resolve(page):
    text = read(page)
    for target, anchor in re.findall(r"\]\(([\w./-]*?\.md)?#([\w-]+)\)", text):
        linked = DOCS / target if target else DOCS / page
        if not linked.exists():
            continue  # a page being written elsewhere; its anchors are its own business
        anchors = {slug(title) for _, _, title in headings(linked.read_text(encoding="utf-8"))}
        assert anchor in anchors, f"{page}: link to {target or page}#{anchor} has no heading"
