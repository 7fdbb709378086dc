"""User benchmark profiles: replace the shipped defaults with your own, from a TOML or JSON file.

A profile names, for a scorer's indicator, the benchmark to use in each *scope*:

    # benchmarks.toml
    [steps.repurchase_rate]
    "*" = {floor = 0.3, target = 0.7, source = "our 2024 cohort"}
    douyin = {floor = 0.15, target = 0.45}
    "category:beauty" = {floor = 0.35, target = 0.75}
    "douyin/category:beauty" = {floor = 0.2, target = 0.5}

    [steps.cost_per_new_fan]          # lower is better: the target lies below the floor
    "*" = {floor = 20, target = 2}

The same structure in JSON is ``{"steps": {"repurchase_rate": {"*": {"floor": 0.3, ...}}}}``.
A scope is ``"*"``, a platform (``"douyin"``), a category (``"category:beauty"``) or both
(``"douyin/category:beauty"``); the most specific scope matching the brand wins
(`BenchmarkOverrides`).  ``floor`` scores 0, ``target``
scores 100; ``source`` says where the numbers come from (default: the file's name).

`load_benchmarks` reports *every* problem with its path in one
`InvalidDataError`: unknown keys, missing or non-numeric floor or
target, non-finite numbers, ``floor == target``, malformed scopes and unknown platforms, and,
when the known scorers are passed in, unknown scorer and indicator names.
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import attrs

from steps.domain.enums import Platform
from steps.domain.errors import InvalidDataError, Problem
from steps.domain.model import Brand, Stream
from steps.scoring.contract import Scorer, ScoringContext, StreamSubject
from steps.scoring.indicators import (
    Benchmark,
    BenchmarkOverrides,
    Indicator,
    LinearBenchmark,
)
from steps.scoring.results import SubjectKind

__all__ = [
    "BENCHMARK_KEYS",
    "DefaultBenchmark",
    "default_profile_markdown",
    "default_profile_table",
    "default_profile_toml",
    "indicator_catalogue",
    "known_indicators",
    "load_benchmarks",
    "parse_benchmarks",
    "scope_problem",
]

#: The keys a benchmark table may hold.
BENCHMARK_KEYS: Final = ("floor", "target", "source")
#: The largest benchmark profile read: a profile is kilobytes of TOML or JSON.
MAX_BENCHMARK_BYTES: Final = 16 * 1024**2
#: The longest ``source`` a benchmark may give.
MAX_SOURCE_LENGTH: Final = 1_000
_CATEGORY: Final = "category:"


def _quote(key: str) -> str:
    return json.dumps(key, ensure_ascii=False)


def scope_problem(scope: str) -> str | None:
    """Why ``scope`` is not a valid scope, or ``None`` when it is.  A category name may hold
    any character (``"category:food/drink"`` is the category ``food/drink``)."""
    platforms = {p.value for p in Platform}
    if scope == "*" or scope in platforms:
        return None
    if not scope.startswith(_CATEGORY):
        platform, slash, rest = scope.partition("/")
        if not slash:
            return (
                "must be '*', a platform ("
                + ", ".join(sorted(platforms))
                + "), 'category:<name>' or '<platform>/category:<name>'"
            )
        if platform not in platforms:
            return f"unknown platform {platform!r} (known: {', '.join(sorted(platforms))})"
        if not rest.startswith(_CATEGORY):
            return "after the platform comes 'category:<name>', e.g. 'douyin/category:beauty'"
        scope = rest
    if not scope[len(_CATEGORY) :].strip():
        return "the category name is empty"
    return None


def _number(value: object, path: str) -> Iterator[Problem]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        yield Problem(path, f"must be a number, got {type(value).__name__} {value!r:.60}")
    elif not _finite(value):
        yield Problem(path, f"must be finite, got {value!r:.40}")


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # a JSON integer no float can hold
        return False


def _benchmark_problems(entry: object, path: str) -> Iterator[Problem]:
    if not isinstance(entry, Mapping):
        yield Problem(path, "must be a table {floor = …, target = …, source = …}")
        return
    for key in sorted(set(entry) - set(BENCHMARK_KEYS)):
        yield Problem(f"{path}.{key}", f"unknown key (known: {', '.join(BENCHMARK_KEYS)})")
    numbers_ok = True
    for key in ("floor", "target"):
        if key not in entry:
            yield Problem(f"{path}.{key}", "is required")
            numbers_ok = False
            continue
        problems = list(_number(entry[key], f"{path}.{key}"))
        numbers_ok = numbers_ok and not problems
        yield from problems
    if numbers_ok and entry["floor"] == entry["target"]:
        yield Problem(
            f"{path}.target", f"must differ from floor (both are {entry['floor']}): nothing scores"
        )
    source = entry.get("source")
    if source is not None:
        reason = _source_problem(source)
        if reason is not None:
            yield Problem(f"{path}.source", reason)


#: What a benchmark's ``source`` may not hold: control characters (it is printed beside
#: every score judged by the benchmark) and lone surrogates (no UTF-8 writer writes them).
_BAD_SOURCE: Final = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _source_problem(source: object) -> str | None:
    if not isinstance(source, str) or not source.strip():
        return f"must be a non-empty string, got {source!r:.60}"
    if len(source) > MAX_SOURCE_LENGTH:
        return f"must be at most {MAX_SOURCE_LENGTH} characters, got {len(source)}"
    bad = _BAD_SOURCE.search(source)
    if bad is not None:
        kind = "a lone surrogate" if bad.group() >= "\ud800" else "a control character"
        return f"must be plain text, got {kind} (U+{ord(bad.group()):04X}) at {bad.start()}"
    return None


def _check_profile(data: object, known: Mapping[str, Collection[str]] | None) -> Iterator[Problem]:
    if not isinstance(data, Mapping):
        yield Problem("", f"must be a table of scorers, got {type(data).__name__}")
        return
    for scorer, indicators in data.items():
        scorer_path = str(scorer) or '""'  # an empty name still gets a path
        if known is not None and scorer not in known:
            names = ", ".join(sorted(known)) or "none"
            yield Problem(scorer_path, f"unknown scorer (known: {names})")
        if not isinstance(indicators, Mapping):
            yield Problem(scorer_path, "must be a table of indicators")
            continue
        for indicator, scopes in indicators.items():
            indicator_path = f"{scorer_path}.{indicator}"
            if known is not None and scorer in known and indicator not in known[scorer]:
                yield Problem(indicator_path, f"unknown indicator of scorer {scorer!r}")
            if not isinstance(scopes, Mapping):
                yield Problem(
                    indicator_path, 'must be a table of scopes, e.g. "*" = {floor = …, target = …}'
                )
                continue
            if not scopes:
                yield Problem(indicator_path, "names no scope")
            for scope, entry in scopes.items():
                scope_path = f"{indicator_path}[{_quote(str(scope))}]"
                reason = scope_problem(str(scope))
                if reason is not None:
                    yield Problem(scope_path, f"invalid scope: {reason}")
                yield from _benchmark_problems(entry, scope_path)


def parse_benchmarks(
    data: object,
    *,
    source: str = "user benchmarks",
    known: Mapping[str, Collection[str]] | None = None,
) -> BenchmarkOverrides:
    """Build overrides from an already-parsed profile (a dict like the TOML/JSON file).

    ``source`` labels benchmarks whose entry gives none; ``known`` (scorer name → indicator
    keys, see `known_indicators`) enables the unknown-name checks.
    """
    problems = list(_check_profile(data, known))
    if problems:
        raise InvalidDataError(problems, source)
    assert isinstance(data, Mapping)  # noqa: S101  # checked above
    entries: dict[str, dict[str, Benchmark]] = {}
    for scorer, indicators in data.items():
        for indicator, scopes in indicators.items():
            entries[f"{scorer}.{indicator}"] = {
                str(scope): LinearBenchmark(
                    floor=float(entry["floor"]),
                    target=float(entry["target"]),
                    source=str(entry.get("source") or source),
                )
                for scope, entry in scopes.items()
            }
    return BenchmarkOverrides(entries)


def load_benchmarks(
    path: str | os.PathLike[str],
    *,
    known: Mapping[str, Collection[str]] | None = None,
) -> BenchmarkOverrides:
    """Load a benchmark profile from a ``.toml`` or ``.json`` file.

    Raises `InvalidDataError` listing every problem with its path
    (``steps.repurchase_rate["douyin"].floor: must be finite, got inf``).
    """
    file = Path(path)
    label = str(path)
    suffix = file.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise InvalidDataError(
            [Problem("", f"unsupported file type {suffix or '(none)'!r}: use .toml or .json")],
            label,
        )
    from steps.io.files import parse_json_file, read_capped

    try:
        raw = read_capped(file, MAX_BENCHMARK_BYTES)
    except OSError as error:
        raise InvalidDataError(
            [Problem("", f"cannot read: {error.strerror or error}")], label
        ) from None
    if suffix == ".json":
        data: Any = parse_json_file(raw, label)
    else:
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            raise InvalidDataError(
                [Problem("", f"not UTF-8 text (at byte {error.start})")], label
            ) from None
        except ValueError as error:  # TOMLDecodeError, or an integer of over 4300 digits
            raise InvalidDataError([Problem("", f"not valid TOML: {error}")], label) from None
        except RecursionError:
            raise InvalidDataError(
                [Problem("", "not valid TOML: nested too deeply")], label
            ) from None
    # The file's name labels its benchmarks: as plain text (a name need not be valid UTF-8).
    name = _BAD_SOURCE.sub(lambda m: f"\\x{ord(m.group()) & 0xFF:02x}", file.name)
    return parse_benchmarks(data, source=f"user benchmarks: {name}", known=known)


# --------------------------------------------------------------------------------------------
# The shipped defaults
# --------------------------------------------------------------------------------------------


def _probe_subject(kind: SubjectKind) -> object:
    from datetime import UTC, datetime

    brand = Brand(brand_id="probe", name="probe", category="probe")
    if kind is SubjectKind.BRAND:
        return brand
    stream = Stream(
        stream_id="probe",
        account_id="probe",
        started_at=datetime(2021, 1, 1, tzinfo=UTC),
        duration_seconds=0,
        uv=0,
        watch_seconds=0,
        orders=0,
        buyers=0,
        gmv_fen=0,
    )
    return StreamSubject(stream, brand, None)


def indicator_catalogue(scorer: Scorer) -> tuple[tuple[str, Indicator[Any]], ...] | None:
    """``(component key, indicator)`` of a methodology scorer (one with ``components()``),
    read from an empty probe subject; ``None`` for a scorer that does not declare them."""
    components = getattr(scorer, "components", None)
    if not callable(components):
        return None
    try:
        declared = components(_probe_subject(scorer.subject), ScoringContext())
        return tuple((c.key, i) for c in declared for i in c.indicators)
    except KeyboardInterrupt:
        raise
    except BaseException:  # a scorer whose components need real data: not declared statically
        return None


def known_indicators(scorers: Iterable[Scorer]) -> dict[str, frozenset[str]]:
    """Scorer name → indicator keys, for `load_benchmarks`'s ``known`` checks.  A
    scorer whose indicators cannot be listed is left out (its name is then unknown too)."""
    known: dict[str, frozenset[str]] = {}
    for scorer in scorers:
        catalogue = indicator_catalogue(scorer)
        if catalogue is not None:
            known[scorer.name] = frozenset(i.key for _, i in catalogue)
    return known


@attrs.frozen
class DefaultBenchmark:
    """One row of the default profile: an indicator's default benchmark on one platform."""

    scorer: str
    component: str
    indicator: str
    name: str
    name_zh: str
    unit: str
    formula: str
    scope: str
    floor: float | None
    target: float | None
    description: str
    source: str


def _platform_order(scope: str) -> tuple[int, str]:
    return (1, "") if scope == "*" else (0, scope)


def default_profile_table(scorers: Iterable[Scorer]) -> list[DefaultBenchmark]:
    """Every default benchmark of the given methodology scorers, by scorer (sorted by name),
    component and indicator, then platform (``"*"`` last)."""
    rows: list[DefaultBenchmark] = []
    for scorer in sorted(scorers, key=lambda s: s.name):
        for component, indicator in indicator_catalogue(scorer) or ():
            for scope in sorted(indicator.defaults, key=_platform_order):
                benchmark = indicator.defaults[scope]
                linear = benchmark if isinstance(benchmark, LinearBenchmark) else None
                rows.append(
                    DefaultBenchmark(
                        scorer=scorer.name,
                        component=component,
                        indicator=indicator.key,
                        name=indicator.name,
                        name_zh=indicator.name_zh,
                        unit=indicator.unit,
                        formula=indicator.formula,
                        scope=scope,
                        floor=linear.floor if linear else None,
                        target=linear.target if linear else None,
                        description=benchmark.describe(),
                        source=benchmark.source,
                    )
                )
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def default_profile_markdown(rows: Sequence[DefaultBenchmark]) -> str:
    """The rows as a Markdown table (scorer, indicator, platform, floor, target, source)."""
    lines = [
        "| scorer | indicator | unit | platform | floor | target | source |",
        "| --- | --- | --- | --- | ---: | ---: | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {row.scorer} | `{row.indicator}` | {_cell(row.unit)} | {row.scope} | "
            f"{_num(row.floor)} | {_num(row.target)} | {_cell(row.source)} |"
        )
    return "\n".join(lines) + "\n"


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


_BARE_KEY: Final = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _toml_string(key)


def default_profile_toml(rows: Sequence[DefaultBenchmark]) -> str:
    """The rows as a benchmark profile file that `load_benchmarks` reads back: a
    starting point to edit.  Benchmarks that are not floor/target are left out."""
    out: list[str] = []
    current: tuple[str, str] | None = None
    for row in rows:
        if row.floor is None or row.target is None:
            continue
        if (row.scorer, row.indicator) != current:
            current = (row.scorer, row.indicator)
            if out:
                out.append("")
            out.append(f"# {row.name} ({row.name_zh}), {row.unit}: {row.formula}")
            out.append(f"[{_toml_key(row.scorer)}.{_toml_key(row.indicator)}]")
        out.append(
            f"{_toml_string(row.scope)} = {{floor = {row.floor!r}, target = {row.target!r}, "
            f"source = {_toml_string(row.source)}}}"
        )
    return "\n".join(out) + "\n"
