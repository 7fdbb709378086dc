"""Tests for user benchmark profiles (steps.scoring.benchmarks)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import steps
from steps.domain.enums import Platform
from steps.domain.errors import InvalidDataError
from steps.plugins.steps_brand import StepsScorer, all_indicators
from steps.scoring.benchmarks import (
    default_profile_markdown,
    default_profile_table,
    default_profile_toml,
    indicator_catalogue,
    known_indicators,
    load_benchmarks,
    parse_benchmarks,
    scope_problem,
)
from steps.scoring.contract import ScoringContext
from steps.scoring.indicators import LinearBenchmark

STEPS = StepsScorer()
KNOWN = known_indicators([STEPS])

PROFILE_TOML = """
[steps.repurchase_rate]
"*" = {floor = 0.3, target = 0.7, source = "our 2024 cohort"}
douyin = {floor = 0.15, target = 0.45}
"category:beauty" = {floor = 0.35, target = 0.75, source = "beauty cohort"}
"douyin/category:beauty" = {floor = 0.2, target = 0.5, source = "douyin beauty"}

[steps.cost_per_new_fan]
"*" = {floor = 20, target = 2}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(error: pytest.ExceptionInfo[InvalidDataError]) -> dict[str, str]:
    return {p.path: p.message for p in error.value.problems}


def test_a_toml_profile_loads_every_scope(tmp_path: Path):
    overrides = load_benchmarks(write(tmp_path, "mine.toml", PROFILE_TOML), known=KNOWN)

    def chosen(platform: str | None, category: str | None) -> LinearBenchmark:
        found = overrides.lookup("steps", "repurchase_rate", platform=platform, category=category)
        assert isinstance(found, LinearBenchmark)
        return found

    assert chosen("kuaishou", "food") == LinearBenchmark(0.3, 0.7, "our 2024 cohort")
    assert chosen("douyin", "food") == LinearBenchmark(0.15, 0.45, "user benchmarks: mine.toml")
    assert chosen("kuaishou", "beauty").source == "beauty cohort"
    assert chosen("douyin", "beauty").source == "douyin beauty"
    assert chosen(None, None).source == "our 2024 cohort"
    cost = overrides.lookup("steps", "cost_per_new_fan", platform=None, category=None)
    assert cost == LinearBenchmark(20.0, 2.0, "user benchmarks: mine.toml")
    assert overrides.lookup("steps", "paid_roi", platform=None, category=None) is None


def test_the_same_profile_in_json_gives_the_same_overrides(tmp_path: Path):
    import tomllib

    data = tomllib.loads(PROFILE_TOML)
    from_toml = load_benchmarks(write(tmp_path, "p.toml", PROFILE_TOML))
    from_json = load_benchmarks(write(tmp_path, "p.json", json.dumps(data)))
    for key, scopes in from_toml.entries.items():
        for scope, benchmark in scopes.items():
            other = from_json.entries[key][scope]
            assert isinstance(benchmark, LinearBenchmark)
            assert isinstance(other, LinearBenchmark)
            assert (benchmark.floor, benchmark.target) == (other.floor, other.target)
    assert set(from_toml.entries) == set(from_json.entries)


def test_every_problem_is_reported_with_its_path(tmp_path: Path):
    text = """
[steps.repurchase_rate]
"*" = {floor = 0.5, target = 0.5}
douyin = {floor = nan, target = inf}
kuaishou = {floor = "0.3", target = true, weight = 2}
"category:" = {floor = 0, target = 1}
"weibo" = {floor = 0, target = 1}
"taobao/category:x" = {floor = 0, target = 1}
"douyin/beauty" = {floor = 0, target = 1}
"category:food/drink" = {floor = 0, target = 1}
"douyin/category: " = {floor = 0, target = 1}
wechat_channels = {target = 1, source = ""}

[steps.no_such_indicator]
"*" = {floor = 0, target = 1}

[steps.paid_roi]
"*" = 3

[stage_typo.x]
"*" = {floor = 0, target = 1}

[steps.talent_count]
"""
    with pytest.raises(InvalidDataError) as caught:
        load_benchmarks(write(tmp_path, "bad.toml", text), known=KNOWN)
    found = problems_of(caught)
    root = "steps.repurchase_rate"
    assert "must differ from floor" in found[f'{root}["*"].target']
    assert found[f'{root}["douyin"].floor'] == "must be finite, got nan"
    assert found[f'{root}["douyin"].target'] == "must be finite, got inf"
    assert found[f'{root}["kuaishou"].floor'].startswith("must be a number, got str")
    assert found[f'{root}["kuaishou"].target'].startswith("must be a number, got bool")
    assert found[f'{root}["kuaishou"].weight'].startswith("unknown key")
    assert "category name is empty" in found[f'{root}["category:"]']
    assert "must be '*', a platform" in found[f'{root}["weibo"]']
    assert "unknown platform 'taobao'" in found[f'{root}["taobao/category:x"]']
    assert "after the platform comes" in found[f'{root}["douyin/beauty"]']
    assert f'{root}["category:food/drink"]' not in found  # a category may hold a slash
    assert "category name is empty" in found[f'{root}["douyin/category: "]']
    assert found[f'{root}["wechat_channels"].floor'] == "is required"
    assert "non-empty string" in found[f'{root}["wechat_channels"].source']
    assert found["steps.no_such_indicator"] == "unknown indicator of scorer 'steps'"
    assert "must be a table" in found['steps.paid_roi["*"]']
    assert found["stage_typo"].startswith("unknown scorer (known: steps)")
    assert found["steps.talent_count"] == "names no scope"
    assert caught.value.source == "user benchmarks: bad.toml"
    assert len(caught.value.problems) == len(found)  # one problem per path here


def test_names_are_not_checked_without_a_registry(tmp_path: Path):
    text = '[anything.at_all]\n"*" = {floor = 0, target = 1}\n'
    overrides = load_benchmarks(write(tmp_path, "p.toml", text))
    assert "anything.at_all" in overrides.entries


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("p.yaml", "a: 1", "unsupported file type '.yaml'"),
        ("p.toml", "[steps\n", "not valid TOML"),
        ("p.json", "{", "not valid JSON"),
        ("p.json", '{"steps": {"x": {"*": {"floor": NaN, "target": 1}}}}', "not valid JSON"),
        ("p.json", "[1, 2]", "must be a table of scorers"),
        ("p.json", '{"steps": 1}', "must be a table of indicators"),
    ],
)
def test_files_that_do_not_parse_are_refused(tmp_path: Path, name: str, text: str, message: str):
    with pytest.raises(InvalidDataError, match=message):
        load_benchmarks(write(tmp_path, name, text))


def test_a_missing_file_is_an_invalid_data_error(tmp_path: Path):
    with pytest.raises(InvalidDataError, match="cannot read"):
        load_benchmarks(tmp_path / "absent.toml")


def test_a_non_utf8_file_is_refused(tmp_path: Path):
    path = tmp_path / "p.toml"
    path.write_bytes(b"\xff\xfe[steps]")
    with pytest.raises(InvalidDataError, match="not UTF-8"):
        load_benchmarks(path)


scopes = st.one_of(
    st.just("*"),
    st.sampled_from([p.value for p in Platform]),
    st.text("abcdefg美妆", min_size=1, max_size=6).map(lambda c: f"category:{c}"),
    st.tuples(
        st.sampled_from([p.value for p in Platform]), st.text("abc服饰", min_size=1, max_size=5)
    ).map(lambda pc: f"{pc[0]}/category:{pc[1]}"),
)
ends = st.floats(-1e9, 1e9, allow_nan=False)


@given(
    st.dictionaries(
        st.sampled_from([i.key for i in all_indicators()]),
        st.dictionaries(scopes, st.tuples(ends, ends), min_size=1, max_size=4),
        min_size=1,
        max_size=5,
    )
)
def test_valid_profiles_load_exactly(profile: dict[str, dict[str, tuple[float, float]]]):
    data = {
        "steps": {
            key: {scope: {"floor": f, "target": t} for scope, (f, t) in by_scope.items()}
            for key, by_scope in profile.items()
        }
    }
    equal = any(f == t for by_scope in profile.values() for f, t in by_scope.values())
    if equal:
        with pytest.raises(InvalidDataError, match="must differ from floor"):
            parse_benchmarks(data, known=KNOWN)
        return
    overrides = parse_benchmarks(data, known=KNOWN, source="test")
    for key, by_scope in profile.items():
        for scope, (floor, target) in by_scope.items():
            assert overrides.entries[f"steps.{key}"][scope] == LinearBenchmark(
                floor, target, "test"
            )


@given(scopes)
def test_generated_scopes_are_valid(scope: str):
    assert scope_problem(scope) is None


# --------------------------------------------------------------------------- defaults


def test_the_catalogue_lists_every_steps_indicator():
    catalogue = indicator_catalogue(STEPS)
    assert catalogue is not None
    assert [i.key for _, i in catalogue] == [i.key for i in all_indicators()]
    assert {"steps": frozenset(i.key for i in all_indicators())} == KNOWN
    assert indicator_catalogue(object()) is None  # type: ignore[arg-type]


def test_the_default_profile_table_has_a_row_per_platform_default():
    rows = default_profile_table([STEPS])
    assert len(rows) == 3 * len(all_indicators())
    assert {r.scope for r in rows} == {"kuaishou", "douyin", "*"}
    assert all(r.source for r in rows)
    markdown = default_profile_markdown(rows)
    assert markdown.count("\n") == len(rows) + 2
    assert "| steps | `repurchase_rate` | share | kuaishou | 0.3 | 0.7 |" in markdown


def test_the_default_profile_loads_back_as_the_defaults(tmp_path: Path):
    text = default_profile_toml(default_profile_table([STEPS]))
    overrides = load_benchmarks(write(tmp_path, "defaults.toml", text), known=KNOWN)
    for indicator in all_indicators():
        for scope, benchmark in indicator.defaults.items():
            assert overrides.entries[f"steps.{indicator.key}"][scope] == benchmark


def test_overrides_from_a_file_change_a_sample_card(tmp_path: Path):
    brand = steps.sample_dataset().brands[0]
    text = f"""
[steps.repurchase_rate]
"kuaishou/category:{brand.category}" = {{floor = 0.0, target = 0.2, source = "lenient"}}
"""
    overrides = load_benchmarks(write(tmp_path, "p.toml", text), known=KNOWN)
    default = STEPS.score(brand, ScoringContext()).indicator("repurchase_rate")
    mine = STEPS.score(brand, ScoringContext(benchmarks=overrides)).indicator("repurchase_rate")
    assert mine.benchmark_source == "lenient"
    assert mine.value == default.value
    assert default.score is not None
    assert mine.score is not None
    assert mine.score > default.score
    assert math.isclose(mine.score, min(100.0, 100 * (mine.value or 0) / 0.2))


# --------------------------------------------------------------------------- documentation

DOC = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"


def _fenced(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_documented_profile_loads(tmp_path: Path):
    (toml_text,) = _fenced("toml")
    overrides = load_benchmarks(write(tmp_path, "benchmarks.toml", toml_text))
    found = overrides.lookup("steps", "repurchase_rate", platform="douyin", category="beauty")
    assert found == LinearBenchmark(0.2, 0.5, "beauty on Douyin, 2024")
    steps_only = {k: v for k, v in overrides.entries.items() if k.startswith("steps.")}
    assert set(steps_only) == {"steps.repurchase_rate", "steps.cost_per_new_fan"}
    (json_text, _peers) = _fenced("json")
    from_json = load_benchmarks(write(tmp_path, "benchmarks.json", json_text), known=KNOWN)
    assert from_json.entries["steps.repurchase_rate"]["*"] == LinearBenchmark(
        0.3, 0.7, "our 2024 cohort"
    )


def test_the_documented_error_report_is_what_the_code_says(tmp_path: Path):
    text = """
[steps.repurchase_rate]
"*" = {floor = 0.5, target = 0.5}
douyin = {floor = nan, target = 0.45}

[steps.repurchse_rate]
"*" = {floor = 0.3, target = 0.7}
"""
    with pytest.raises(InvalidDataError) as caught:
        load_benchmarks(write(tmp_path, "benchmarks.toml", text), known=KNOWN)
    (report,) = (block for block in _fenced("text") if "problems in user benchmarks" in block)
    assert str(caught.value) + "\n" == report
