"""Property tests of the shared scoring arithmetic, :func:`steps.scoring.indicators.evaluate`.

Subjects are plain dicts (indicator key → value or ``None``), so the properties exercise the
arithmetic alone: random components, indicator weights, benchmarks in both directions, peer
benchmarks and component weights (some zero).
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from steps.scoring.indicators import (
    Benchmark,
    Component,
    Direction,
    Evaluation,
    Indicator,
    LinearBenchmark,
    PeerBenchmark,
    evaluate,
)

Subject = dict[str, float | None]

TOLERANCE = 1e-9

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
values = st.one_of(st.none(), finite)
_ENDS = st.floats(-1e3, 1e3)
_SPANS = st.floats(1e-3, 1e3)
_PEER_VALUES = st.lists(_ENDS, min_size=1, max_size=20)
_DIRECTIONS = st.sampled_from(Direction)


@st.composite
def linear_benchmarks(draw: st.DrawFn, direction: Direction | None = None) -> LinearBenchmark:
    low = draw(st.floats(-1e3, 1e3))
    span = draw(st.floats(1e-3, 1e3))
    higher = draw(st.booleans()) if direction is None else direction is Direction.HIGHER_IS_BETTER
    floor, target = (low, low + span) if higher else (low + span, low)
    assume(floor != target)
    return LinearBenchmark(floor, target, "test")


@st.composite
def peer_benchmarks(draw: st.DrawFn, direction: Direction | None = None) -> PeerBenchmark:
    peers = draw(_PEER_VALUES)
    return PeerBenchmark(
        tuple(peers),
        direction=direction if direction is not None else draw(_DIRECTIONS),
    )


_BENCHMARKS: dict[Direction | None, st.SearchStrategy[Benchmark]] = {
    direction: st.one_of(linear_benchmarks(direction), peer_benchmarks(direction))
    for direction in (None, *Direction)
}
_INDICATOR_WEIGHTS = st.floats(0.01, 10)
_COMPONENT_WEIGHTS = st.one_of(st.just(0.0), st.floats(0.01, 10))
_SIZES = st.integers(1, 4)


def benchmarks(direction: Direction | None = None) -> st.SearchStrategy[Benchmark]:
    return _BENCHMARKS[direction]


def _measure(key: str) -> Any:
    return lambda subject: subject.get(key)


@st.composite
def setups(
    draw: st.DrawFn, direction: Direction | None = None
) -> tuple[list[Component[Subject]], dict[str, Benchmark], dict[str, float], Subject]:
    """Components, the benchmark of each indicator, component weights and a subject."""
    components: list[Component[Subject]] = []
    chosen: dict[str, Benchmark] = {}
    subject: Subject = {}
    for c in range(draw(_SIZES)):
        indicators = []
        for i in range(draw(_SIZES)):
            key = f"c{c}i{i}"
            chosen[key] = draw(benchmarks(direction))
            subject[key] = draw(values)
            indicators.append(
                Indicator[Subject](
                    key=key,
                    name=key,
                    name_zh=key,
                    unit="u",
                    measure=_measure(key),
                    defaults={"*": chosen[key]},
                    weight=draw(_INDICATOR_WEIGHTS),
                    inputs=(f"input of {key}",),
                )
            )
        components.append(Component(f"c{c}", f"c{c}", f"c{c}", tuple(indicators)))
    weights = {c.key: draw(st.one_of(st.just(0.0), st.floats(0.01, 10))) for c in components}
    if not any(weights.values()):
        weights[components[0].key] = 1.0
    return components, chosen, weights, subject


def run(
    components: list[Component[Subject]],
    chosen: dict[str, Benchmark],
    weights: dict[str, float],
    subject: Subject,
) -> Evaluation:
    return evaluate(subject, components, lambda i: chosen[i.key], component_weights=weights)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=0, abs_tol=TOLERANCE)


@given(setups())
def test_every_score_lies_in_0_100(setup: Any) -> None:
    result = run(*setup)
    assert 0.0 <= result.score <= 100.0
    assert 0.0 <= result.confidence <= 1.0
    for component in result.components:
        assert component.score is None or 0.0 <= component.score <= 100.0
        assert 0.0 <= component.contribution <= 100.0
        for indicator in component.indicators:
            assert indicator.score is None or 0.0 <= indicator.score <= 100.0
            assert 0.0 <= indicator.contribution <= 100.0


@given(setups())
def test_contributions_add_up_to_the_score(setup: Any) -> None:
    result = run(*setup)
    assert close(math.fsum(c.contribution for c in result.components), result.score)
    for component in result.components:
        parts = math.fsum(i.contribution for i in component.indicators)
        assert close(parts, component.contribution)
    everything = math.fsum(i.contribution for c in result.components for i in c.indicators)
    assert close(everything, result.score)


@given(setups())
def test_contribution_is_component_weight_times_indicator_weight_times_score(
    setup: Any,
) -> None:
    result = run(*setup)
    for component in result.components:
        for indicator in component.indicators:
            expected = component.weight * indicator.weight * (indicator.score or 0.0)
            assert close(indicator.contribution, expected)


@given(setups())
def test_component_score_is_the_weighted_mean_of_its_available_indicators(setup: Any) -> None:
    components, _, weights, _ = setup
    result = run(*setup)
    definitions = {i.key: i for c in components for i in c.indicators}
    for component in result.components:
        available = [i for i in component.indicators if i.score is not None]
        if not available or weights[component.key] == 0:
            continue
        nominal = math.fsum(definitions[i.key].weight for i in available)
        mean = math.fsum(definitions[i.key].weight * (i.score or 0.0) for i in available)
        assert component.score is not None
        assert close(component.score, mean / nominal)
        assert close(math.fsum(i.weight for i in available), 1.0)


@given(setups())
def test_a_component_with_nothing_available_gets_weight_zero(setup: Any) -> None:
    components, chosen, weights, subject = setup
    emptied = components[0]
    for indicator in emptied.indicators:
        subject[indicator.key] = None
    result = run(components, chosen, weights, subject)
    first = result.components[0]
    assert first.score is None
    assert first.weight == 0.0
    assert first.contribution == 0.0
    assert all(i.weight == 0.0 and i.contribution == 0.0 for i in first.indicators)
    for indicator in emptied.indicators:
        assert any(m.startswith(f"{emptied.key}.{indicator.key}:") for m in result.missing)
    active = [c for c in result.components if c.score is not None and weights[c.key] > 0]
    if active:
        assert close(math.fsum(c.weight for c in result.components), 1.0)
    else:
        assert result.score == 0.0
        assert result.confidence == 0.0


@given(setups(), st.data())
def test_confidence_drops_when_an_input_goes_missing(setup: Any, data: st.DataObject) -> None:
    components, chosen, weights, subject = setup
    full = {key: (0.0 if value is None else value) for key, value in subject.items()}
    complete = run(components, chosen, weights, full)
    assert close(complete.confidence, 1.0)
    assert complete.missing == ()
    counted = [c for c in components if weights[c.key] > 0]
    component = data.draw(st.sampled_from(counted))
    indicator = data.draw(st.sampled_from(component.indicators))
    partial = dict(full, **{indicator.key: None})
    result = run(components, chosen, weights, partial)
    assert result.confidence < complete.confidence
    (missing,) = (
        i
        for i in result.components[components.index(component)].indicators
        if i.key == indicator.key
    )
    assert missing.score is None
    assert missing.missing == indicator.inputs


@given(setups(), st.sampled_from([math.nan, math.inf, -math.inf]))
def test_a_non_finite_value_counts_as_missing(setup: Any, bad: float) -> None:
    components, chosen, weights, subject = setup
    key = components[0].indicators[0].key
    subject[key] = bad
    result = run(components, chosen, weights, subject)
    indicator = result.components[0].indicators[0]
    assert indicator.value is None
    assert indicator.score is None
    assert math.isfinite(result.score)


@given(setups(direction=Direction.HIGHER_IS_BETTER), st.data())
def test_raising_a_higher_is_better_value_never_lowers_its_component(
    setup: Any, data: st.DataObject
) -> None:
    components, chosen, weights, subject = setup
    counted = [i for i, c in enumerate(components) if weights[c.key] > 0]
    component_index = data.draw(st.sampled_from(counted))
    indicator = data.draw(st.sampled_from(components[component_index].indicators))
    before = subject.get(indicator.key)
    if before is None:
        before = subject[indicator.key] = data.draw(finite)
    raised = dict(subject, **{indicator.key: before + data.draw(st.floats(0, 1e6))})
    old = run(components, chosen, weights, subject).components[component_index]
    new = run(components, chosen, weights, raised).components[component_index]
    assert old.score is not None
    assert new.score is not None
    assert new.score >= old.score - TOLERANCE


@given(setups(direction=Direction.LOWER_IS_BETTER), st.data())
def test_raising_a_lower_is_better_value_never_raises_its_component(
    setup: Any, data: st.DataObject
) -> None:
    components, chosen, weights, subject = setup
    counted = [i for i, c in enumerate(components) if weights[c.key] > 0]
    component_index = data.draw(st.sampled_from(counted))
    indicator = data.draw(st.sampled_from(components[component_index].indicators))
    before = subject.get(indicator.key)
    if before is None:
        before = subject[indicator.key] = data.draw(finite)
    raised = dict(subject, **{indicator.key: before + data.draw(st.floats(0, 1e6))})
    old = run(components, chosen, weights, subject).components[component_index]
    new = run(components, chosen, weights, raised).components[component_index]
    assert old.score is not None
    assert new.score is not None
    assert new.score <= old.score + TOLERANCE


@given(setups())
def test_equal_default_weights_when_none_are_given(setup: Any) -> None:
    components, chosen, _, subject = setup
    result = evaluate(subject, components, lambda i: chosen[i.key])
    active = [c for c in result.components if c.score is not None]
    for component in active:
        assert close(component.weight, 1 / len(active))


def test_invalid_component_weights_are_refused() -> None:
    indicator = Indicator[Subject](
        key="x",
        name="x",
        name_zh="x",
        unit="u",
        measure=_measure("x"),
        defaults={"*": LinearBenchmark(0, 1)},
    )
    component = Component[Subject]("c", "c", "c", (indicator,))
    subject: Subject = {"x": 1.0}
    for bad in ({"c": 0.0}, {"c": -1.0}, {"c": math.nan}):
        with pytest.raises(ValueError, match="component weights"):
            evaluate(subject, [component], lambda i: i.defaults["*"], component_weights=bad)


@given(linear_benchmarks(), finite)
def test_linear_benchmark_pins_floor_and_target(benchmark: LinearBenchmark, value: float) -> None:
    assert benchmark.normalise(benchmark.floor) == 0.0
    assert benchmark.normalise(benchmark.target) == 100.0
    assert 0.0 <= benchmark.normalise(value) <= 100.0


def test_linear_benchmark_refuses_equal_or_non_finite_ends() -> None:
    with pytest.raises(ValueError, match="differ"):
        LinearBenchmark(1.0, 1.0)
    with pytest.raises(ValueError, match="finite"):
        LinearBenchmark(math.nan, 1.0)


@given(peer_benchmarks(), finite, st.floats(0, 1e3))
def test_peer_benchmark_is_monotone_in_its_direction(
    benchmark: PeerBenchmark, value: float, step: float
) -> None:
    low, high = benchmark.normalise(value), benchmark.normalise(value + step)
    assert 0.0 <= low <= 100.0
    if benchmark.direction is Direction.HIGHER_IS_BETTER:
        assert high >= low
    else:
        assert high <= low


@given(setups())
def test_a_component_weighted_zero_adds_nothing(setup: Any) -> None:
    components, chosen, weights, subject = setup
    result = run(components, chosen, weights, subject)
    for component in result.components:
        if weights[component.key] == 0:
            assert component.weight == 0.0
            assert component.contribution == 0.0
