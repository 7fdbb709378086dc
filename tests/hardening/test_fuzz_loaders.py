"""Bad input at volume: every loader, thousands of malformed documents, one oracle.

Each property takes a *valid* document (a trimmed copy of the bundled sample, datasets drawn
from :mod:`steps.testing.strategies`, the bundled mapping profiles, a benchmark profile, a peers
file) and breaks it: structural edits on the parsed tree (keys deleted or added, values
replaced by hostile ones, types swapped, numbers made huge, negative, NaN or infinite, strings
emptied, lengthened or made into phone numbers, deep nesting), then byte edits on the text
(bit flips, deletions, insertions of invalid UTF-8, ``NaN`` literals, over-long digit strings,
truncation).  Generation is cheap on purpose: a document is a few kilobytes and the edits are
drawn as small integers, so a slow two-core machine runs the whole module in about a minute.

The oracle (:func:`attempt`): the loader returns a valid result or raises
:class:`InvalidDataError` whose problems all have a message, and a path or a line unless the
problem is about the file as a whole; any other exception fails the test, so does an input
that takes longer than :data:`TIME_LIMIT` seconds (a ``SIGALRM`` guard, not a thread: the
loader is interrupted where it stands).  A result must be complete: a dataset survives a
round trip through :func:`dumps`, and a document cut short never loads.

:data:`TRIED` counts the inputs, and :data:`MALFORMED` those that differ from the valid
document they came from.  Each property checks, when it has run, that it tried its share of
:data:`MINIMUM_MALFORMED` malformed documents (``pytest -s`` prints the counts), so the whole
module tries at least that many.

The second half checks the documented limits: file size, line length, record count, id and
text lengths, the money cap and nesting depth.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import functools
import io
import json
import math
import os
import re
import signal
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from types import FrameType
from typing import Any, Final, TypeVar, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steps.domain import fields
from steps.domain.errors import InvalidDataError
from steps.domain.model import Dataset
from steps.io import exports, files
from steps.io.exports import MappingProfile, builtin_profiles, load_profile, read_export
from steps.io.files import dumps, load, load_jsonl, loads
from steps.scoring import benchmarks
from steps.scoring.benchmarks import load_benchmarks
from steps.scoring.indicators import BenchmarkOverrides, LinearBenchmark
from steps.scoring.peers import PeerBenchmarks, load_peers
from steps.testing.strategies import datasets

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., None])

#: Seconds one input may take before the test fails as a hang.
TIME_LIMIT: Final = 10.0
#: Malformed inputs the whole module must try (the issue asks for at least 10,000).
MINIMUM_MALFORMED: Final = 10_000
#: Inputs tried, and malformed inputs tried, per loader.
TRIED: Counter[str] = Counter()
MALFORMED: Counter[str] = Counter()
#: Number of examples of each property (see ``test_zz_inputs_tried``).
EXAMPLES: Final = {
    "loads": 3000,
    "loads-generated": 300,
    "loads-truncated": 400,
    "load_jsonl": 2400,
    "load_jsonl-truncated": 400,
    "read_export": 1500,
    "load_profile": 1000,
    "load_benchmarks-toml": 600,
    "load_benchmarks-json": 600,
    "load_peers": 800,
}

#: ``STEPS_FUZZ_SCALE=10`` runs ten times as many examples (a longer local fuzzing session).
SCALE: Final = float(os.environ.get("STEPS_FUZZ_SCALE", "1"))


def malformed_share(name: str) -> int:
    """The malformed inputs property ``name`` must try: its share of :data:`MINIMUM_MALFORMED`
    (in proportion to its examples, and to :data:`SCALE`)."""
    return math.ceil(MINIMUM_MALFORMED * SCALE * EXAMPLES[name] / sum(EXAMPLES.values()))


def fuzz(name: str) -> Callable[[F], F]:
    """Settings for one property: its share of the examples, no deadline (the SIGALRM guard
    catches hangs; a deadline would only be flaky on a loaded machine).  Once the property
    has run, it checks that it tried its :func:`malformed_share` of malformed inputs, counted
    from its own run: so the module as a whole tries at least :data:`MINIMUM_MALFORMED`,
    whichever of its tests run and in whatever order."""
    chosen = settings(
        max_examples=max(1, round(EXAMPLES[name] * SCALE)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )
    share = malformed_share(name)

    def decorate(test: F) -> F:
        tested = chosen(test)

        @functools.wraps(tested)
        def run(*args: Any, **kwargs: Any) -> None:
            tried, malformed = sum(TRIED.values()), sum(MALFORMED.values())
            tested(*args, **kwargs)
            tried, malformed = sum(TRIED.values()) - tried, sum(MALFORMED.values()) - malformed
            print(f"\nfuzzed {name}: {malformed} malformed of {tried} inputs")
            assert malformed >= share, (
                f"{name}: only {malformed} malformed inputs of {tried} (at least {share})"
            )

        run.fuzz_name = name  # type: ignore[attr-defined]
        return cast(F, run)

    return decorate


# -- the oracle -------------------------------------------------------------------------------


class Hang(BaseException):  # BaseException: a loader's `except Exception` must not eat it
    """An input took longer than :data:`TIME_LIMIT`."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def _alarm(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"no answer after {seconds} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


#: What a problem that is about the whole file (no path, no line) may say.
FILE_LEVEL: Final = re.compile(
    r"^(not valid (JSON|UTF-8|TOML|CSV)|not UTF-8|empty (file|sheet)|cannot read|"
    r"file is \d+ bytes|the document must be|must be a (JSON object|table of scorers)|"
    r"more than \d+ (rows|records)|nested too deeply|unknown file type|unsupported file type|"
    r"holds a lone surrogate|"
    r"not a valid Excel file|the workbook has no sheet)"
)


def check_error(error: InvalidDataError) -> None:
    assert error.problems, "an InvalidDataError without problems"
    for problem in error.problems:
        assert isinstance(problem.message, str)
        assert problem.message.strip(), f"a problem without a message: {problem!r}"
        assert isinstance(problem.path, str)
        assert problem.line is None or (isinstance(problem.line, int) and problem.line >= 1)
        if not problem.path and problem.line is None:
            assert FILE_LEVEL.match(problem.message), (
                f"a problem with neither path nor line that is not about the file: {problem}"
            )
    assert str(error)  # the report itself renders


def attempt(loader: str, call: Callable[[], T], *, malformed: bool = True) -> T | InvalidDataError:
    """Run one input through a loader under the oracle: a result, or a checked error."""
    TRIED[loader] += 1
    if malformed:
        MALFORMED[loader] += 1
    try:
        with time_limit(TIME_LIMIT):
            return call()
    except InvalidDataError as error:
        check_error(error)
        return error


def check_dataset(dataset: object) -> None:
    """A dataset a loader returned is complete and valid: it survives a round trip."""
    assert isinstance(dataset, Dataset)
    assert loads(dumps(dataset)) == dataset


# -- hostile values and edits -----------------------------------------------------------------


class Raw:
    """Text spliced verbatim into a serialised document (deep nesting, bare literals)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Raw({self.text[:40]!r})"


JSON_RAW: Final = (
    Raw("[" * 64 + "]" * 64),
    Raw("[" * 3_000 + "]" * 3_000),
    Raw("[" * 200_000 + "]" * 200_000),
    Raw('{"a":' * 5_000 + "1" + "}" * 5_000),
    Raw("1" * 5_000),  # beyond Python's 4300-digit int parsing limit
    Raw("1" + "0" * 400),  # an integer no float can hold
    Raw("1e400"),
    Raw("-1e400"),
    Raw("NaN"),
    Raw("Infinity"),
    Raw("-Infinity"),
    Raw("1.0e-400"),
)
TOML_RAW: Final = (
    Raw("[" * 64 + "]" * 64),
    Raw("[" * 3_000 + "]" * 3_000),
    Raw("{a = " * 3_000 + "1" + "}" * 3_000),
    Raw("1979-05-27T07:32:00Z"),
    Raw("1979-05-27"),
    Raw("07:32:00"),
    Raw("9" * 400),
    Raw("0x7fffffff"),
    Raw("nan"),
    Raw("-inf"),
    Raw('"""multi\nline"""'),
    Raw("'literal'"),
)
HOSTILE: Final[tuple[object, ...]] = (
    None,
    True,
    False,
    0,
    -1,
    -(2**63),
    2**64,
    fields.MAX_MONEY_FEN + 1,
    10**40,
    1.5,
    -0.0,
    1e308,
    5e-324,
    math.nan,
    math.inf,
    -math.inf,
    "",
    " ",
    "x" * (fields.MAX_ID_LENGTH + 1),
    "长" * (fields.MAX_TEXT_LENGTH + 1),
    "\ud800",
    "\x00",
    "NaN",
    "1e999",
    "13800138000",
    "+86 138-0013-8000",
    "buyer@example.com",
    "2021-02-30",
    "2021-08-01T20:00:00",
    "9999-12-31T23:59:59+14:00",
    "<script>alert(1)</script>",
    "=cmd|' /C calc'!A0",
    "header",
    "brand",
    "steps-peers",
    "douyin",
    "*",
    "category:",
    [],
    {},
    [None],
    {"": None},
    {"floor": 1, "target": 1},
    [1, "2", None],
)
#: Keys an insertion uses: real field and record names, so inserted keys land where they hurt.
KEYS: Final = (
    "schema_version",
    "brands",
    "record",
    "brand_id",
    "streams",
    "orders",
    "gmv_fen",
    "uv",
    "buyer_key",
    "unknown_field",
    "",
    "format",
    "version",
    "indicators",
    "groups",
    "direction",
    "floor",
    "target",
    "source",
    "profile",
    "columns",
    "field",
    "type",
    "timezone",
)
TREE_OPS: Final = ("delete", "insert", "replace", "swap", "number", "string", "deep", "empty")
BYTE_OPS: Final = ("flip", "delete", "insert", "truncate", "duplicate")
PAYLOADS: Final[tuple[bytes, ...]] = (
    b"\xff",
    b"\xc3",
    b"\xed\xa0\x80",  # a UTF-8-encoded surrogate
    b"\xef\xbb\xbf",  # a byte-order mark
    b"\x00",
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"1" * 5_000,
    b"[" * 50_000,
    b"{",
    b"}",
    b"]",
    b'"',
    b"\\",
    b",",
    b":",
    b"=",
    b"\n",
    b"\r\n",
    b"\t",
    "，万亿¥".encode(),
    b'{"a":',
)
_INDEX = st.integers(0, 2**20)
TREE_EDITS: Final = st.lists(
    st.tuples(st.sampled_from(TREE_OPS), _INDEX, _INDEX), min_size=1, max_size=3
)
BYTE_EDITS: Final = st.lists(st.tuples(st.sampled_from(BYTE_OPS), _INDEX, _INDEX), max_size=2)
Edit = tuple[str, int, int]
#: Either structure or bytes or both, never nothing.
EDITS: Final[st.SearchStrategy[tuple[list[Edit], list[Edit]]]] = st.one_of(
    st.tuples(TREE_EDITS, BYTE_EDITS),
    st.tuples(
        st.just(list[Edit]()),
        st.lists(st.tuples(st.sampled_from(BYTE_OPS), _INDEX, _INDEX), min_size=1, max_size=3),
    ),
)


def _slots(tree: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) of ``tree`` in a fixed order."""
    out: list[tuple[Any, Any]] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        for key, value in items:
            out.append((node, key))
            if isinstance(value, dict | list) and value:
                stack.append(value)
    return out


def _hostile(what: int, raw: tuple[Raw, ...]) -> object:
    pool = len(HOSTILE) + len(raw)
    index = what % pool
    # A copy: later edits change containers in place, and HOSTILE must stay as it is.
    return copy.deepcopy(HOSTILE[index]) if index < len(HOSTILE) else raw[index - len(HOSTILE)]


def _swapped(value: object, what: int) -> object:
    """``value`` as another JSON type."""
    if isinstance(value, bool):
        return ("true", 1, None)[what % 3]
    if isinstance(value, int | float):
        return (str(value), [value], {"value": value}, bool(value))[what % 4]
    if isinstance(value, str):
        return ([value], {value: value}, len(value), None)[what % 4]
    if isinstance(value, list):
        return ({str(i): v for i, v in enumerate(value)}, len(value), value[0] if value else "")[
            what % 3
        ]
    if isinstance(value, dict):
        return (list(value.values()), list(value), json.dumps(value, default=repr))[what % 3]
    return ("null", 0, [])[what % 3]


def _number_edit(value: float, what: int) -> object:
    try:
        half = value + 0.5
    except OverflowError:  # an earlier edit made it an integer beyond any float
        half = -value
    return (
        -value - 1,
        value * 10**16,
        half,
        2**63,
        10**400,
        math.nan,
        math.inf,
        -math.inf,
        -1,
        fields.MAX_COUNT + 1,
    )[what % 10]


def _string_edit(value: str, what: int) -> object:
    return (
        "",
        "   ",
        (value * 200)[:2_000] or "x" * 2_000,
        value + "\ud800",
        value.upper(),
        value + "\x00",
        "13800138000",
        "buyer@example.com",
        value[: len(value) // 2],
        "２０２１-０８-０１",
    )[what % 10]


def mutate_tree(tree: Any, edits: list[tuple[str, int, int]], raw: tuple[Raw, ...]) -> Any:
    """Apply structural edits to a parsed document (in place where possible); the result."""
    for op, where, what in edits:
        slots = _slots(tree) if isinstance(tree, dict | list) else []
        if not slots or where % (len(slots) + 1) == len(slots):
            tree = _hostile(what, raw) if op != "swap" else _swapped(tree, what)
            continue
        parent, key = slots[where % len(slots)]
        value = parent[key]
        if op == "delete":
            del parent[key]
        elif op == "insert":
            if isinstance(parent, dict):
                parent[KEYS[what % len(KEYS)]] = _hostile(what // len(KEYS), raw)
            elif what % 2:  # a copy of the element: duplicate ids, duplicate records
                parent.insert(key, json.loads(json.dumps(value, default=repr)))
            else:
                parent.insert(key, _hostile(what, raw))
        elif op == "swap":
            parent[key] = _swapped(value, what)
        elif op == "number" and isinstance(value, int | float) and not isinstance(value, bool):
            parent[key] = _number_edit(value, what)
        elif op == "string" and isinstance(value, str):
            parent[key] = _string_edit(value, what)
        elif op == "deep":
            parent[key] = raw[what % len(raw)]
        elif op == "empty" and isinstance(value, dict | list):
            parent[key] = type(value)()
        else:
            parent[key] = _hostile(what, raw)
    return tree


def to_json(tree: Any, *, ascii_only: bool = False) -> bytes:
    """JSON text for a mutated tree: NaN and Infinity as bare literals, :class:`Raw` spliced
    in, a lone surrogate as an escape (``ascii_only``) or as invalid UTF-8 bytes."""
    spliced: list[str] = []

    def default(value: object) -> object:
        if isinstance(value, Raw):
            spliced.append(value.text)
            return f"\x00raw{len(spliced) - 1}\x00"
        return repr(value)

    text = json.dumps(tree, ensure_ascii=ascii_only, allow_nan=True, default=default)
    for index, piece in enumerate(spliced):
        text = text.replace(f'"\\u0000raw{index}\\u0000"', piece, 1)
    return text.encode("utf-8", "surrogatepass")


def _toml_key(key: object) -> str:
    return json.dumps(str(key))


def _toml_value(value: object) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value if v is not None) + "]"
    if isinstance(value, dict):
        pairs = (f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items() if v is not None)
        return "{" + ", ".join(pairs) + "}"
    return json.dumps(str(value))  # TOML basic strings take JSON's escapes


def to_toml(tree: Any) -> bytes:
    """TOML text for a mutated tree (``None`` has no TOML form: the key is left out)."""
    if not isinstance(tree, dict):
        return f"value = {_toml_value(tree)}\n".encode("utf-8", "surrogatepass")
    lines: list[str] = []
    tables: list[tuple[str, dict[str, Any]]] = []
    for key, value in tree.items():
        if isinstance(value, dict):
            tables.append((key, value))
        elif value is not None:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, table in tables:
        lines.append(f"[{_toml_key(key)}]")
        lines.extend(
            f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items() if v is not None
        )
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


def mutate_bytes(data: bytes, edits: list[tuple[str, int, int]]) -> bytes:
    buffer = bytearray(data)
    for op, where, what in edits:
        at = where % (len(buffer) + 1)
        if op == "flip" and buffer:
            at = min(at, len(buffer) - 1)
            buffer[at] ^= 1 << (what % 8)
        elif op == "delete":
            del buffer[at : at + 1 + what % 64]
        elif op == "insert":
            buffer[at:at] = PAYLOADS[what % len(PAYLOADS)]
        elif op == "truncate":
            del buffer[at:]
        elif op == "duplicate":
            start = what % (len(buffer) + 1)
            buffer[at:at] = buffer[start : start + 200]
    return bytes(buffer)


# -- the valid documents the edits start from -------------------------------------------------


def _trimmed_sample() -> dict[str, Any]:
    """Two brands of the bundled sample, each cut to a few records of every kind, with every
    reference still resolving: a small document that exercises every record type."""
    text = (resources.files("steps") / "data" / "sample.json").read_text(encoding="utf-8")
    document = json.loads(text)
    brands = []
    for brand in document["brands"][:2]:
        streams = brand["streams"][:2]
        kept_streams = {s["stream_id"] for s in streams}
        collabs = brand["talent_collabs"][:1]
        kept_collabs = {c["collab_id"] for c in collabs}
        orders = [
            o
            for o in brand["orders"]
            if o.get("stream_id") in (None, *kept_streams)
            and o.get("collab_id") in (None, *kept_collabs)
        ][:3]
        brands.append(
            {
                **brand,
                "products": brand["products"],
                "streams": streams,
                "talent_collabs": collabs,
                "orders": orders,
                "trust_signals": brand["trust_signals"][:2],
                "short_videos": brand["short_videos"][:2],
                "paid_campaigns": [
                    c
                    for c in brand.get("paid_campaigns", [])
                    if c.get("stream_id") in (None, *kept_streams)
                ][:2],
            }
        )
    return {"schema_version": files.SCHEMA_VERSION, "brands": brands}


SAMPLE: Final = _trimmed_sample()
JSON_BASES: Final = (
    to_json(SAMPLE),
    dumps(loads(to_json(SAMPLE))).encode("utf-8"),  # as steps writes it (indented)
    b'{"schema_version": "1.0", "brands": []}',
    to_json(
        {
            "schema_version": "1.0",
            "brands": [{"brand_id": "b", "name": "品牌", "category": "tea", "accounts": []}],
        }
    ),
)
JSONL_BASE: Final = "".join(files.iter_jsonl(loads(to_json(SAMPLE)))).encode("utf-8")

KUAISHOU_CSV: Final = (
    Path(__file__).resolve().parents[1] / "fixtures" / "kuaishou_sessions.csv"
).read_text(encoding="utf-8")
DOUYIN_CSV: Final = (
    "场次ID,抖音号,账号昵称,开播时间,直播时长,累计观看人数,人均观看时长,成交金额,成交订单数,"
    "成交人数,退款金额,千川消耗\n"
    'dy-1,dy_brand,品牌官方,2021/09/01 20:00,3小时,2.1万,1分30秒,"¥88,000.00",900,800,'
    "1200.5,3000\n"
    'dy-2,dy_brand,品牌官方,2021/09/02 20:00,02:30:00,1.8万,95,"66,000",700,650,--,-\n'
)
MAPPINGS: Final = {
    path.name: path.read_bytes()
    for path in sorted(Path(str(resources.files("steps") / "data" / "mappings")).glob("*.toml"))
}
#: A legal profile that reads cells as odd types (a stream id from a number, money into a
#: count): the export's cells meet readers they were not written for.
ODD_MAPPING: Final = """
[profile]
name = "odd"
platform = "other"
timezone = "-03:30"

[columns]
"直播ID" = { field = "stream_id", type = "text" }
"快手号" = { field = "account_name", type = "text" }
"直播开始时间" = { field = "started_at", type = "datetime" }
"直播时长" = { field = "duration_seconds", type = "duration", unit = "minutes" }
"观看人数" = { field = "uv", type = "money" }
"人均观看时长" = { field = "watch_seconds", type = "per_viewer_duration", unit = "minutes" }
"成交金额" = { field = "gmv_fen", type = "money" }
"成交订单数" = { field = "orders", type = "count" }
"成交人数" = { field = "buyers", type = "count" }
"评论次数" = { field = "comments", type = "duration" }
"直播间标签" = { field = "campaign", type = "text" }
""".encode()

BENCHMARKS_TOML: Final = b"""
[steps.repurchase_rate]
"*" = {floor = 0.3, target = 0.7, source = "our 2024 cohort"}
douyin = {floor = 0.15, target = 0.45}
"category:beauty" = {floor = 0.35, target = 0.75}
"douyin/category:beauty" = {floor = 0.2, target = 0.5}

[steps.cost_per_new_fan]
"*" = {floor = 20, target = 2}

[douyin.gpm]
"kuaishou/category:food/drink" = {floor = 100, target = 900}
"""
BENCHMARKS: Final = tomllib.loads(BENCHMARKS_TOML.decode("utf-8"))
KNOWN: Final = {
    "steps": frozenset({"repurchase_rate", "cost_per_new_fan"}),
    "douyin": frozenset({"gpm"}),
}
PEERS: Final = {
    "format": "steps-peers",
    "version": 1,
    "group_by": ["category", "tier"],
    "min_group_size": 2,
    "indicators": {
        "steps.repurchase_rate": {
            "direction": "higher",
            "groups": {"*": [0.1, 0.2, 0.3], "category:beauty": [0.1, 0.3]},
        },
        "douyin.gpm": {"direction": "lower", "groups": {"*": [1, 2.5, 300]}},
    },
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _fresh(document: Any) -> Any:
    """A deep copy of a plain document (the C JSON parser is the cheapest deep copy)."""
    return json.loads(json.dumps(document))


def test_the_valid_documents_load(folder: Path) -> None:
    for base in JSON_BASES:
        check_dataset(loads(base))
    check_dataset(load_jsonl(io.BytesIO(JSONL_BASE)))
    for text, profile in EXPORTS:
        (folder / "valid.csv").write_text(text, encoding="utf-8")
        result = read_export(
            folder / "valid.csv", profile, brand_id="b", brand_name="品牌", category="c"
        )
        check_dataset(result.dataset)
    (folder / "odd.toml").write_bytes(ODD_MAPPING)
    load_profile(folder / "odd.toml")
    (folder / "b.toml").write_bytes(BENCHMARKS_TOML)
    load_benchmarks(folder / "b.toml", known=KNOWN)
    (folder / "p.json").write_text(json.dumps(PEERS), encoding="utf-8")
    load_peers(folder / "p.json")


# -- JSON -------------------------------------------------------------------------------------


@fuzz("loads")
@given(which=st.integers(0, len(JSON_BASES) - 1), edits=EDITS, ascii_only=st.booleans())
def test_json_loads(
    which: int,
    edits: tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]],
    ascii_only: bool,
) -> None:
    tree_edits, byte_edits = edits
    base = JSON_BASES[which]
    document = mutate_tree(json.loads(base), tree_edits, JSON_RAW) if tree_edits else None
    data = to_json(document, ascii_only=ascii_only) if tree_edits else base
    data = mutate_bytes(data, byte_edits)
    given_input: str | bytes = data
    if ascii_only:  # sometimes the str form, as a caller holding text would pass it
        with contextlib.suppress(UnicodeDecodeError):
            given_input = data.decode("utf-8")
    result = attempt(
        "loads", lambda: loads(given_input, source="fuzz.json"), malformed=data != base
    )
    if not isinstance(result, InvalidDataError):
        check_dataset(result)


@fuzz("loads-generated")
@given(dataset=datasets(max_brands=2, max_streams=2), edits=TREE_EDITS, data=BYTE_EDITS)
def test_json_loads_from_generated_datasets(
    dataset: Dataset, edits: list[tuple[str, int, int]], data: list[tuple[str, int, int]]
) -> None:
    base = dumps(dataset).encode("utf-8")
    text = mutate_bytes(to_json(mutate_tree(json.loads(base), edits, JSON_RAW)), data)
    result = attempt("loads", lambda: loads(text), malformed=text != base)
    if not isinstance(result, InvalidDataError):
        check_dataset(result)


@fuzz("loads-truncated")
@given(which=st.integers(0, len(JSON_BASES) - 1), cut=st.integers(0, 2**20))
def test_json_cut_short_never_loads(which: int, cut: int) -> None:
    """No partial result: a document missing its end is always refused."""
    body = JSON_BASES[which].rstrip()
    data = body[: cut % len(body)]
    result = attempt("loads", lambda: loads(data))
    assert isinstance(result, InvalidDataError), f"a document cut at byte {len(data)} loaded"


# -- JSON Lines -------------------------------------------------------------------------------


def _jsonl_records() -> list[Any]:
    return [json.loads(line) for line in JSONL_BASE.splitlines()]


def to_jsonl(records: Any, ascii_only: bool) -> bytes:
    if not isinstance(records, list):
        return to_json(records, ascii_only=ascii_only) + b"\n"
    return b"".join(to_json(r, ascii_only=ascii_only) + b"\n" for r in records)


@fuzz("load_jsonl")
@given(edits=EDITS, ascii_only=st.booleans())
def test_json_lines(
    edits: tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]], ascii_only: bool
) -> None:
    tree_edits, byte_edits = edits
    records = mutate_tree(_jsonl_records(), tree_edits, JSON_RAW)
    data = mutate_bytes(to_jsonl(records, ascii_only) if tree_edits else JSONL_BASE, byte_edits)
    result = attempt(
        "load_jsonl",
        lambda: load_jsonl(io.BytesIO(data), source="fuzz.jsonl"),
        malformed=data != JSONL_BASE,
    )
    if not isinstance(result, InvalidDataError):
        check_dataset(result)


@fuzz("load_jsonl-truncated")
@given(line=st.integers(0, 2**20), cut=st.integers(0, 2**20))
def test_json_lines_cut_inside_a_record_never_load(line: int, cut: int) -> None:
    """No partial result: a file whose last record was cut short is refused (a file cut at a
    line's end is a shorter valid file, which no reader can tell apart)."""
    lines = JSONL_BASE.splitlines(keepends=True)
    index = line % len(lines)
    record = lines[index].rstrip(b"\n")
    kept = record[: cut % len(record)]  # never the whole record: at least its "}" is lost
    data = b"".join(lines[:index]) + kept
    result = attempt("load_jsonl", lambda: load_jsonl(io.BytesIO(data)))
    if kept.strip():
        assert isinstance(result, InvalidDataError), f"line {index + 1} cut short loaded"


# -- CSV exports ------------------------------------------------------------------------------


CELLS: Final = (
    "",
    "-",
    "--",
    "0",
    "-1",
    "1e5",
    "1" * 40,
    "9" * 5_000,
    "１２３",
    "1.2万",
    "3.5亿",
    "1.2万亿",
    "¥",
    "¥-5",
    "NaN",
    "Infinity",
    "100%",
    "150%",
    "%",
    "99:99:99",
    "1:2:3:4",
    "99999999999999999999:00:00",
    "3小时",
    "1.5小时90分",
    "9" * 40 + "小时",
    "小时",
    "2021-02-30 20:00:00",
    "2021-09-01 20:00:00",
    "2021/09/01 20:00",
    "2021-09-01T20:00:00+25:00",
    "=1+2",
    "@SUM(A1)",
    "\x00",
    '"',
    "x" * 140_000,  # beyond the csv module's field size limit
    "<script>alert(1)</script>",
    "13800138000",
)


def _exports() -> tuple[tuple[str, MappingProfile], ...]:
    """Each sample export with a profile that reads it."""
    bundled = builtin_profiles()
    odd = exports._parse_profile(tomllib.loads(ODD_MAPPING.decode()), "odd.toml")
    return (
        (KUAISHOU_CSV, bundled["kuaishou-live-sessions"]),
        (KUAISHOU_CSV, odd),
        (DOUYIN_CSV, bundled["douyin-live-sessions"]),
    )


EXPORTS: Final = _exports()


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def to_csv(rows: Any) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    for row in rows if isinstance(rows, list) else [[rows]]:
        writer.writerow([_cell_text(c) for c in row] if isinstance(row, list) else [row])
    return out.getvalue()


def _cell_text(cell: object) -> str:
    if isinstance(cell, str):
        return cell
    if isinstance(cell, Raw):
        return cell.text
    return json.dumps(cell, default=repr)


CSV_RAW: Final = tuple(Raw(cell) for cell in CELLS)


@fuzz("read_export")
@given(
    which=st.integers(0, len(EXPORTS) - 1),
    edits=EDITS,
    drop=st.none() | st.integers(0, 30),
    encoding=st.sampled_from(("utf-8", "utf-8-sig", "gb18030")),
)
def test_csv_exports(
    folder: Path,
    which: int,
    edits: tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]],
    drop: int | None,
    encoding: str,
) -> None:
    tree_edits, byte_edits = edits
    text, profile = EXPORTS[which]
    rows = _rows(text)
    if drop is not None:  # a column missing from every row
        rows = [[c for i, c in enumerate(row) if i != drop % len(rows[0])] for row in rows]
    rows = mutate_tree(rows, tree_edits, CSV_RAW)
    encoded = to_csv(rows).encode(encoding, "surrogatepass" if "utf" in encoding else "replace")
    data = mutate_bytes(encoded, byte_edits)
    path = folder / "export.csv"
    path.write_bytes(data)
    result = attempt(
        "read_export",
        lambda: read_export(path, profile, brand_id="b1", brand_name="品牌", category="beauty"),
        malformed=data != text.encode(encoding),
    )
    if not isinstance(result, InvalidDataError):
        check_dataset(result.dataset)
        assert result.report.rows == len(result.dataset.brands[0].streams)


# -- TOML mapping profiles --------------------------------------------------------------------


@fuzz("load_profile")
@given(which=st.integers(0, len(MAPPINGS)), edits=EDITS)
def test_mapping_profiles(
    folder: Path, which: int, edits: tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]
) -> None:
    tree_edits, byte_edits = edits
    base = (*MAPPINGS.values(), ODD_MAPPING)[which]
    data = base
    if tree_edits:
        data = to_toml(mutate_tree(tomllib.loads(base.decode("utf-8")), tree_edits, TOML_RAW))
    data = mutate_bytes(data, byte_edits)
    path = folder / "mapping.toml"
    path.write_bytes(data)
    result = attempt("load_profile", lambda: load_profile(path), malformed=data != base)
    if not isinstance(result, InvalidDataError):
        assert isinstance(result, MappingProfile)
        assert result.name
        for rule in result.columns.values():
            assert rule.field in exports.IMPORTABLE_FIELDS
            assert rule.type in exports.CELL_TYPES


# -- benchmark profiles -----------------------------------------------------------------------


def check_overrides(result: object) -> None:
    assert isinstance(result, BenchmarkOverrides)
    for scopes in result.entries.values():
        for benchmark in scopes.values():
            assert isinstance(benchmark, LinearBenchmark)
            assert math.isfinite(benchmark.floor)
            assert math.isfinite(benchmark.target)
            assert benchmark.floor != benchmark.target
            assert benchmark.source.strip()


@fuzz("load_benchmarks-toml")
@given(edits=EDITS, known=st.booleans())
def test_benchmark_profiles_toml(
    folder: Path,
    edits: tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]],
    known: bool,
) -> None:
    tree_edits, byte_edits = edits
    data = (
        to_toml(mutate_tree(_fresh(BENCHMARKS), tree_edits, TOML_RAW))
        if tree_edits
        else (BENCHMARKS_TOML)
    )
    data = mutate_bytes(data, byte_edits)
    path = folder / "benchmarks.toml"
    path.write_bytes(data)
    result = attempt(
        "load_benchmarks",
        lambda: load_benchmarks(path, known=KNOWN if known else None),
        malformed=data != BENCHMARKS_TOML,
    )
    if not isinstance(result, InvalidDataError):
        check_overrides(result)


@fuzz("load_benchmarks-json")
@given(edits=EDITS, known=st.booleans(), ascii_only=st.booleans())
def test_benchmark_profiles_json(
    folder: Path,
    edits: tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]],
    known: bool,
    ascii_only: bool,
) -> None:
    tree_edits, byte_edits = edits
    base = to_json(BENCHMARKS)
    tree = mutate_tree(_fresh(BENCHMARKS), tree_edits, JSON_RAW) if tree_edits else BENCHMARKS
    data = mutate_bytes(to_json(tree, ascii_only=ascii_only), byte_edits)
    path = folder / "benchmarks.json"
    path.write_bytes(data)
    result = attempt(
        "load_benchmarks",
        lambda: load_benchmarks(path, known=KNOWN if known else None),
        malformed=data != base,
    )
    if not isinstance(result, InvalidDataError):
        check_overrides(result)


# -- peers files ------------------------------------------------------------------------------


@fuzz("load_peers")
@given(edits=EDITS, ascii_only=st.booleans())
def test_peers_files(
    folder: Path,
    edits: tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]],
    ascii_only: bool,
) -> None:
    tree_edits, byte_edits = edits
    base = to_json(PEERS)
    tree = mutate_tree(_fresh(PEERS), tree_edits, JSON_RAW) if tree_edits else PEERS
    data = mutate_bytes(to_json(tree, ascii_only=ascii_only), byte_edits)
    path = folder / "peers.json"
    path.write_bytes(data)
    result = attempt("load_peers", lambda: load_peers(path), malformed=data != base)
    if not isinstance(result, InvalidDataError):
        assert isinstance(result, PeerBenchmarks)
        again = PeerBenchmarks.from_dict(result.to_dict())
        assert again.to_dict() == result.to_dict()
        for groups in result.values.values():
            assert all(math.isfinite(v) for values in groups.values() for v in values)


# -- the count --------------------------------------------------------------------------------


def test_inputs_tried() -> None:
    """Every property runs under :func:`fuzz`, each with its own share of the examples, and
    the shares add up to :data:`MINIMUM_MALFORMED` malformed inputs: each property checks
    its own share when it has run."""
    properties = {name: value for name, value in globals().items() if hasattr(value, "hypothesis")}
    names = [getattr(value, "fuzz_name", None) for value in properties.values()]
    assert None not in names, f"properties without @fuzz: {sorted(properties)}"
    assert sorted(names) == sorted(EXAMPLES)  # one property per entry, none shared
    assert sum(malformed_share(name) for name in EXAMPLES) >= MINIMUM_MALFORMED * SCALE
    for name in EXAMPLES:
        assert malformed_share(name) <= round(EXAMPLES[name] * SCALE), name


# -- the documented limits ------------------------------------------------------------------


def _sparse(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no disk space (a hole): caps are checked before
    anything is read."""
    with path.open("wb") as stream:
        stream.truncate(size)
    return path


def _only_problem(error: pytest.ExceptionInfo[InvalidDataError]) -> Any:
    [problem] = error.value.problems
    check_error(error.value)
    return problem


def test_a_json_file_over_the_size_cap_is_refused_unread(tmp_path: Path) -> None:
    big = _sparse(tmp_path / "big.json", files.MAX_FILE_BYTES + 1)
    with pytest.raises(InvalidDataError) as caught:
        load(big)
    problem = _only_problem(caught)
    assert problem.message == f"file is {files.MAX_FILE_BYTES + 1} bytes; the limit is 2147483648"
    assert caught.value.source == str(big)


@pytest.mark.parametrize(
    ("name", "reader", "limit"),
    [
        ("export.csv", "export", exports.MAX_EXPORT_BYTES),
        ("mapping.toml", "profile", exports.MAX_PROFILE_BYTES),
        ("benchmarks.toml", "benchmarks", benchmarks.MAX_BENCHMARK_BYTES),
        ("benchmarks.json", "benchmarks", benchmarks.MAX_BENCHMARK_BYTES),
        ("peers.json", "peers", files.MAX_FILE_BYTES),
    ],
)
def test_other_files_over_their_size_cap_are_refused_unread(
    tmp_path: Path, name: str, reader: str, limit: int
) -> None:
    path = _sparse(tmp_path / name, limit + 1)
    readers: dict[str, Callable[[], object]] = {
        "export": lambda: read_export(
            path, EXPORTS[0][1], brand_id="b", brand_name="n", category="c"
        ),
        "profile": lambda: load_profile(path),
        "benchmarks": lambda: load_benchmarks(path),
        "peers": lambda: load_peers(path),
    }
    with pytest.raises(InvalidDataError) as caught:
        readers[reader]()
    assert _only_problem(caught).message == f"file is {limit + 1} bytes; the limit is {limit}"


def _jsonl(*records: dict[str, Any], pad: int = 0) -> bytes:
    lines = [json.dumps(r, ensure_ascii=False) + " " * pad for r in records]
    return "".join(line + "\n" for line in lines).encode("utf-8")


HEADER: Final = {"record": "header", "schema_version": "1.0"}
BRAND: Final = {"record": "brand", "brand_id": "b", "name": "品牌", "category": "tea"}
ACCOUNT: Final = {
    "record": "account",
    "brand_id": "b",
    "account_id": "a",
    "platform": "douyin",
    "name": "官方",
}


def test_a_json_lines_line_over_the_cap_is_refused(tmp_path: Path) -> None:
    """The real cap (64 MiB): the second line is a hole of that many zero bytes, plus one."""
    path = tmp_path / "long.jsonl"
    header = _jsonl(HEADER)
    _sparse(path, len(header) + files.MAX_LINE_BYTES + 1)
    with path.open("r+b") as stream:
        stream.write(header)
    with pytest.raises(InvalidDataError) as caught:
        load(path)
    problem = _only_problem(caught)
    assert (problem.line, problem.message) == (2, "line longer than 67108864 bytes")


def test_the_line_cap_counts_the_bytes_before_the_newline(monkeypatch: pytest.MonkeyPatch) -> None:
    longest = len(_jsonl(BRAND)) - 1
    monkeypatch.setattr(files, "MAX_LINE_BYTES", longest)
    assert load_jsonl(io.BytesIO(_jsonl(HEADER, BRAND))).brands[0].brand_id == "b"
    with pytest.raises(InvalidDataError) as caught:
        load_jsonl(io.BytesIO(_jsonl(HEADER) + _jsonl(BRAND, pad=1)))
    assert _only_problem(caught).line == 2


def test_the_number_of_json_lines_records_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    assert files.MAX_RECORDS == 10_000_000
    monkeypatch.setattr(files, "MAX_RECORDS", 3)
    blank = b"\n\n"  # blank lines are not records
    assert load_jsonl(io.BytesIO(_jsonl(HEADER) + blank + _jsonl(BRAND, ACCOUNT))).brands
    with pytest.raises(InvalidDataError) as caught:
        load_jsonl(io.BytesIO(_jsonl(HEADER, BRAND, ACCOUNT, {**ACCOUNT, "account_id": "x"})))
    problem = _only_problem(caught)
    assert (problem.line, problem.message) == (4, "more than 3 records")


def _document(**stream: object) -> bytes:
    base: dict[str, Any] = {
        "stream_id": "s",
        "account_id": "a",
        "started_at": "2021-09-01T20:00:00+08:00",
        "duration_seconds": 3600,
        "uv": 100,
        "watch_seconds": 9000,
        "orders": 3,
        "buyers": 2,
        "gmv_fen": 30_000,
    }
    brand = {
        "brand_id": "b",
        "name": "品牌",
        "category": "tea",
        "accounts": [{"account_id": "a", "platform": "douyin", "name": "官方"}],
        "streams": [{**base, **stream}],
    }
    return json.dumps({"schema_version": "1.0", "brands": [brand]}).encode()


@pytest.mark.parametrize(
    ("field", "fine", "too_much", "message"),
    [
        ("stream_id", "s" * 128, "s" * 129, "must be at most 128 characters, got 129"),
        ("campaign", "长" * 1000, "长" * 1001, "must be at most 1000 characters, got 1001"),
        ("gmv_fen", 10**15, 10**15 + 1, "must be <= 1000000000000000"),
        ("refund_fen", 0, -1, "must be >= 0"),
        ("likes", 10**15, 10**15 + 1, "must be <= 1000000000000000"),
        ("uv", 100, 10**400, "must be <= 1000000000000000"),
    ],
)
def test_lengths_and_amounts_are_capped(
    field: str, fine: object, too_much: object, message: str
) -> None:
    assert fields.MAX_ID_LENGTH == 128
    assert fields.MAX_TEXT_LENGTH == 1000
    assert fields.MAX_MONEY_FEN == fields.MAX_COUNT == 10**15
    check_dataset(loads(_document(**{field: fine})))
    with pytest.raises(InvalidDataError) as caught:
        loads(_document(**{field: too_much}))
    problems = caught.value.problems
    check_error(caught.value)
    assert any(
        p.path == f"brands[0].streams[0].{field}" and p.message == message for p in problems
    ), problems


DEEP_JSON: Final = "[" * 100_000 + "]" * 100_000
DEEP_TOML: Final = "a = " + "[" * 5_000 + "]" * 5_000 + "\n"


@pytest.mark.parametrize(
    ("name", "text", "reader", "message"),
    [
        ("deep.json", f'{{"schema_version": "1.0", "brands": {DEEP_JSON}}}', "load", "JSON"),
        ("deep.toml", DEEP_TOML, "profile", "TOML"),
        ("deep-benchmarks.toml", f"[steps]\n{DEEP_TOML}", "benchmarks", "TOML"),
        ("deep-benchmarks.json", f'{{"steps": {DEEP_JSON}}}', "benchmarks", "JSON"),
        ("deep-peers.json", f'{{"indicators": {DEEP_JSON}}}', "peers", "JSON"),
    ],
)
def test_nesting_is_capped(tmp_path: Path, name: str, text: str, reader: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    readers: dict[str, Callable[[], object]] = {
        "load": lambda: load(path),
        "profile": lambda: load_profile(path),
        "benchmarks": lambda: load_benchmarks(path),
        "peers": lambda: load_peers(path),
    }
    with pytest.raises(InvalidDataError) as caught, time_limit(TIME_LIMIT):
        readers[reader]()
    assert _only_problem(caught).message == f"not valid {message}: nested too deeply"


def test_nesting_on_a_json_lines_line_is_reported_with_its_line() -> None:
    data = _jsonl(HEADER, BRAND) + DEEP_JSON.encode() + b"\n"
    with pytest.raises(InvalidDataError) as caught:
        load_jsonl(io.BytesIO(data))
    problem = _only_problem(caught)
    assert (problem.line, problem.message) == (3, "not valid JSON: nested too deeply")


def test_export_rows_and_cells_are_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text, profile = EXPORTS[0]
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    rows = len(_rows(text)) - 1
    monkeypatch.setattr(exports, "MAX_ROWS", rows)
    assert read_export(path, profile, brand_id="b", brand_name="n", category="c").report.rows
    monkeypatch.setattr(exports, "MAX_ROWS", rows - 1)
    with pytest.raises(InvalidDataError) as caught:
        read_export(path, profile, brand_id="b", brand_name="n", category="c")
    problem = _only_problem(caught)
    assert (problem.line, problem.message) == (rows + 1, f"more than {rows - 1} rows")
    # One cell longer than the csv module's field size limit (128 KiB).
    path.write_text(text + "x" * 140_000 + "\n", encoding="utf-8")
    monkeypatch.setattr(exports, "MAX_ROWS", 1_000_000)
    with pytest.raises(InvalidDataError) as caught:
        read_export(path, profile, brand_id="b", brand_name="n", category="c")
    problem = _only_problem(caught)
    assert problem.line == rows + 2
    assert problem.message.startswith("not valid CSV: field larger than field limit")


def test_an_export_cell_too_large_to_round_is_a_problem_of_its_cell(tmp_path: Path) -> None:
    text, profile = EXPORTS[0]
    rows = _rows(text)
    column = rows[0].index("观看人数")
    rows[1][column] = "9" * 40
    path = tmp_path / "export.csv"
    path.write_text(to_csv(rows), encoding="utf-8")
    with pytest.raises(InvalidDataError) as caught:
        read_export(path, profile, brand_id="b", brand_name="n", category="c")
    problem = _only_problem(caught)
    assert (problem.path, problem.line) == ("rows[0].观看人数", 2)
    assert problem.message.startswith("is too large")


def test_an_empty_required_cell_is_a_problem_of_its_cell(tmp_path: Path) -> None:
    text, profile = EXPORTS[0]
    rows = _rows(text)
    rows[2][rows[0].index("直播开始时间")] = "--"
    rows[3][rows[0].index("直播ID")] = ""
    path = tmp_path / "export.csv"
    path.write_text(to_csv(rows), encoding="utf-8")
    with pytest.raises(InvalidDataError) as caught:
        read_export(path, profile, brand_id="b", brand_name="n", category="c")
    check_error(caught.value)
    assert [(p.path, p.line, p.message) for p in caught.value.problems] == [
        ("rows[1].直播开始时间", 3, "is empty: started_at is required"),
        ("rows[2].直播ID", 4, "is empty: stream_id is required"),
    ]


def test_a_mapping_must_read_each_field_from_a_suitable_cell_type(tmp_path: Path) -> None:
    path = tmp_path / "mapping.toml"
    path.write_text(
        '[profile]\nname = "m"\nplatform = "douyin"\n[columns]\n'
        'a = { field = "uv", type = "text" }\n'
        'b = { field = "started_at", type = "count" }\n'
        'c = { field = "stream_id", type = "money" }\n'
        'd = { field = ["uv"], type = {} }\n',
        encoding="utf-8",
    )
    with pytest.raises(InvalidDataError) as caught:
        load_profile(path)
    check_error(caught.value)
    assert sorted((p.path, p.message) for p in caught.value.problems) == [
        (
            "columns.a.type",
            "uv is a number: use count, money, duration, per_viewer_duration or rate",
        ),
        ("columns.b.type", "started_at is a date-time: use type 'datetime'"),
        ("columns.c.type", "stream_id is read from text: use type 'text'"),
        ("columns.d.field", "unknown stream field ['uv']"),
        (
            "columns.d.type",
            "must be one of count, datetime, duration, money, per_viewer_duration, rate, text",
        ),
    ]


def test_odd_keys_in_a_mapping_profile_are_quoted_in_the_path(tmp_path: Path) -> None:
    path = tmp_path / "odd.toml"
    path.write_text(
        '"" = 1\n[profile]\nname = "x"\nplatform = "kuaishou"\n"a.b" = 2\n'
        '[columns]\n"场次 ID" = { field = "stream_id", type = "text", "" = 3 }\n',
        encoding="utf-8",
    )
    with pytest.raises(InvalidDataError) as caught:
        load_profile(path)
    paths = [p.path for p in caught.value.problems]
    assert paths[:3] == ['""', 'profile."a.b"', 'columns."场次 ID".""']


@pytest.mark.parametrize("offset", ["+24:00", "-38:30", "+08:60", "8:00", "+0800"])
def test_a_mapping_profile_timezone_out_of_range_is_a_problem(tmp_path: Path, offset: str) -> None:
    path = tmp_path / "zone.toml"
    path.write_text(
        f'[profile]\nname = "x"\nplatform = "kuaishou"\ntimezone = "{offset}"\n'
        '[columns]\n"场次ID" = { field = "stream_id", type = "text" }\n',
        encoding="utf-8",
    )
    with pytest.raises(InvalidDataError) as caught:
        load_profile(path)
    assert [p.path for p in caught.value.problems] == ["profile.timezone"]
