"""ScoreResults: lookups, rows, JSON round trip through the project's converter."""

from __future__ import annotations

import enum
import json
from typing import Any

import attrs
import pytest

from steps.domain import Dataset, InvalidDataError
from steps.io import converter
from steps.scoring import ROW_COLUMNS, ScoreResults, SubjectKind, score
from steps.testing.plugins import isolated_host
from tests.scoring.support import (
    FakeScorer,
    Plugin,
    indicator_card,
    make_brand,
    make_dataset,
    raising,
    warns,
)


@pytest.fixture
def results() -> ScoreResults:
    host = isolated_host(
        Plugin(
            "p",
            FakeScorer("detailed", answer=indicator_card),
            FakeScorer("plain", subject=SubjectKind.BRAND),
            FakeScorer("raises", answer=raising),
            FakeScorer("warns", answer=warns),
        )
    )
    return score(make_dataset(), host=host)


def test_for_scorer_and_card(results: ScoreResults):
    assert [c.subject_id for c in results.for_scorer("detailed")] == ["s3", "s1", "s2", "t1", "t2"]
    assert results.for_scorer("raises") == ()
    card = results.card("detailed", "s1")
    assert (card.scorer, card.subject_id, card.brand_id) == ("detailed", "s1", "b2")
    assert results.card("plain", "b1").subject_kind is SubjectKind.BRAND
    with pytest.raises(KeyError, match="no card of 'raises'"):
        results.card("raises", "s1")
    assert not results.ok


def test_card_asks_for_the_brand_when_a_stream_id_is_ambiguous():
    dataset = Dataset(brands=(make_brand("a", ["s1"]), make_brand("b", ["s1"])))
    results = score(dataset, host=isolated_host(Plugin("p", FakeScorer("x"))))
    with pytest.raises(KeyError, match="several brands"):
        results.card("x", "s1")
    assert results.card("x", "s1", brand_id="b").brand_id == "b"


def test_rows_have_the_documented_columns(results: ScoreResults):
    rows = results.to_rows()
    assert all(tuple(row) == ROW_COLUMNS for row in rows)
    detailed = [r for r in rows if r["scorer"] == "detailed" and r["subject_id"] == "s1"]
    # one row per indicator, plus one for the component without indicators
    assert len(detailed) == 2
    first = detailed[0]
    assert first == {
        "scorer": "detailed",
        "scorer_version": "1.0",
        "subject_kind": "stream",
        "subject_id": "s1",
        "brand_id": "b2",
        "score": 80.0,
        "confidence": 1.0,
        "withheld": None,
        "component": "reach",
        "component_score": 80.0,
        "indicator": "uv",
        "value": 100.0,
        "unit": "people",
        "indicator_score": 80.0,
        "weight": 1.0,
        "contribution": 80.0,
        "benchmark": "target 100, floor 0",
        "benchmark_source": "assumption",
        "explanation": "Viewers: 100 people against target 100 → 80/100",
    }
    assert detailed[1]["component"] == "empty"
    assert detailed[1]["indicator"] is None
    plain = [r for r in rows if r["scorer"] == "plain"]
    assert len(plain) == 2  # one row per card without components
    assert plain[0]["component"] is None
    assert plain[0]["subject_kind"] == "brand"


def test_rows_are_json_serialisable(results: ScoreResults):
    json.dumps(results.to_rows(), allow_nan=False)


def test_json_round_trip(results: ScoreResults):
    text = results.to_json()
    again = ScoreResults.from_json(text)
    assert again == results
    assert again.to_json() == text
    document = json.loads(text)
    assert sorted(document) == ["cards", "errors", "scorers", "warnings"]
    assert document["cards"][0]["subject_kind"] == "stream"
    assert document["errors"][0]["plugin"] == "p"
    assert document["warnings"][0]["count"] == 5


def test_serialisation_is_deterministic(results: ScoreResults):
    again = score(
        make_dataset(), host=isolated_host(Plugin("p", FakeScorer("warns", answer=warns)))
    )
    assert (
        again.to_json()
        == score(
            make_dataset(), host=isolated_host(Plugin("p", FakeScorer("warns", answer=warns)))
        ).to_json()
    )
    card = results.for_scorer("plain")[0]
    one = attrs.evolve(card, notes={"b": "2", "a": "1"})
    two = attrs.evolve(card, notes={"a": "1", "b": "2"})
    assert ScoreResults(cards=(one,)).to_json() == ScoreResults(cards=(two,)).to_json()


def test_empty_results_keep_every_key():
    assert ScoreResults().to_dict() == {"scorers": [], "cards": [], "errors": [], "warnings": []}
    assert ScoreResults.from_dict(ScoreResults().to_dict()) == ScoreResults()


def _document(results: ScoreResults) -> dict[str, Any]:
    return json.loads(results.to_json())  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("edit", "path", "message"),
    [
        (lambda d: d["cards"][0].update(score=120), "cards[0].score", "must lie in [0, 100]"),
        (lambda d: d["cards"][0].update(confidence=-1), "cards[0].confidence", "[0, 1]"),
        (
            lambda d: d["cards"][0].update(subject_kind="shop"),
            "cards[0].subject_kind",
            "must be one of 'brand', 'stream'",
        ),
        (
            lambda d: d["cards"][0]["components"][0]["indicators"][0].update(weight=2),
            "cards[0].components[0].indicators[0].weight",
            "must lie in [0, 1]",
        ),
        (lambda d: d["cards"][0].update(extra=1), "cards[0].extra", "unknown field"),
        (lambda d: d["errors"][0].pop("plugin"), "errors[0].plugin", "is required"),
        (
            lambda d: d["cards"][0].update(recommendations=[{"text": "x", "priority": 7}]),
            "cards[0].recommendations[0].priority",
            "must be in (1, 2, 3)",
        ),
    ],
)
def test_invalid_json_results_report_every_problem_with_its_path(
    results: ScoreResults, edit: Any, path: str, message: str
):
    document = _document(results)
    edit(document)
    with pytest.raises(InvalidDataError) as caught:
        ScoreResults.from_dict(document)
    problems = {(p.path, p.message) for p in caught.value.problems}
    assert any(p == path and message in m for p, m in problems), problems


def test_not_json_is_invalid_data():
    with pytest.raises(InvalidDataError, match="not valid JSON"):
        ScoreResults.from_json("{")


def test_register_enum_structures_and_unstructures_by_value():
    class Colour(enum.StrEnum):
        RED = "red"

    converter.register_enum(Colour)
    assert converter.structure("red", Colour) is Colour.RED
    assert converter.unstructure(Colour.RED) == "red"
    with pytest.raises(InvalidDataError, match="must be one of 'red'"):
        converter.structure("blue", Colour)


def test_a_plain_validator_error_becomes_a_problem_at_its_field():
    @attrs.frozen
    class Thing:
        size: int = attrs.field(validator=attrs.validators.gt(0))

    with pytest.raises(InvalidDataError) as caught:
        converter.structure({"size": 0}, Thing)
    (problem,) = caught.value.problems
    assert problem.path == "size"
    assert "must be > 0" in problem.message

    @attrs.frozen
    class Other:
        size: int

        def __attrs_post_init__(self) -> None:
            raise TypeError("does not fit")

    with pytest.raises(InvalidDataError) as caught:
        converter.structure({"size": 1}, Other)
    assert [(p.path, p.message) for p in caught.value.problems] == [("", "does not fit")]
