"""Enumeration fields take a member or its value; anything else is refused by name.

``Product(..., role="hero")`` builds the same product as ``role=ProductRole.HERO``.  A value
that is not one of the enumeration's is reported with the enumeration's name, its accepted
values and what was given, never with a message that lists the refused value as accepted.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

import attrs
import pytest

import steps
from steps.domain import fields, model
from steps.domain.enums import Platform, ProductRole, Section, TrustSignalKind
from steps.domain.errors import InvalidDataError

MODEL_CLASSES = [getattr(model, name) for name in model.__all__]
ENUM_FIELDS = [
    (cls, attribute)
    for cls in MODEL_CLASSES
    for attribute in attrs.fields(cls)
    if (kind := fields.kind_of(attribute)) is not None and kind.name == "enum"
]


def _build(cls: type, field: str, value: object) -> Any:
    """A valid ``cls`` object with ``field`` set to ``value``."""
    base: dict[type, dict[str, Any]] = {
        model.Account: {"account_id": "a", "platform": Platform.KUAISHOU, "name": "店"},
        model.Product: {"product_id": "p", "name": "面霜", "category": "beauty", "price_fen": 1},
        model.TalentCollab: {
            "collab_id": "c",
            "talent_id": "t",
            "talent_name": "达人",
            "platform": Platform.DOUYIN,
            "talent_followers": 10,
            "started_on": date(2024, 5, 1),
            "ended_on": date(2024, 5, 2),
            "streams": 1,
            "gmv_fen": 0,
            "commission_fen": 0,
            "orders": 0,
            "buyers": 0,
        },
        model.TrustSignal: {"kind": TrustSignalKind.TRUST_BUY, "value": 1},
        model.Order: {
            "order_id": "o",
            "buyer_key": "u_1",
            "placed_at": datetime(2024, 5, 1, 20, tzinfo=UTC),
            "amount_fen": 100,
        },
        model.SectionCoverage: {"section": Section.ORDERS},
    }
    if cls not in base:
        raise AssertionError(f"{cls.__name__}.{field}: add a valid object to _build")
    return cls(**{**base[cls], field: value})


def test_the_model_has_enumeration_fields() -> None:
    names = {f"{cls.__name__}.{attribute.name}" for cls, attribute in ENUM_FIELDS}
    assert {"Account.platform", "Product.role", "TalentCollab.platform"} <= names
    assert "TrustSignal.kind" in names


@pytest.mark.parametrize(
    ("cls", "attribute"), ENUM_FIELDS, ids=[f"{c.__name__}.{a.name}" for c, a in ENUM_FIELDS]
)
def test_every_enumeration_field_takes_each_value_for_its_member(
    cls: type, attribute: attrs.Attribute[Any]
) -> None:
    enum_type = fields.kind_of(attribute).item  # type: ignore[union-attr]
    assert attribute.converter is not None, f"{cls.__name__}.{attribute.name} has no converter"
    for member in enum_type:
        if cls is model.TrustSignal and not member.is_flag:
            continue  # the other kinds need another value; the conversion is the same
        built = _build(cls, attribute.name, member.value)
        assert getattr(built, attribute.name) is member
        assert built == _build(cls, attribute.name, member)


def test_the_public_constructors_take_values() -> None:
    product = steps.Product(
        product_id="p1", name="面霜", category="beauty", price_fen=9_900, role="hero"
    )
    assert product.role is steps.ProductRole.HERO
    account = steps.Account(account_id="a1", platform="kuaishou", name="青禾官方旗舰店")
    assert account.platform is steps.Platform.KUAISHOU
    assert steps.Product(product_id="p2", name="x", category="c", price_fen=1).role is None
    signal = steps.TrustSignal(kind="refund_rate", value=0.02)
    assert signal.kind is steps.TrustSignalKind.REFUND_RATE


def _problem(build: Any) -> str:
    with pytest.raises(InvalidDataError) as caught:
        build()
    [problem] = caught.value.problems
    return f"{problem.path}: {problem.message}"


@pytest.mark.parametrize("value", ["star", "Hero", "HERO", " hero", ""])
def test_a_wrong_value_names_the_type_and_the_accepted_values(value: str) -> None:
    message = _problem(
        lambda: steps.Product(product_id="p", name="x", category="c", price_fen=1, role=value)
    )
    assert message == (
        "role: must be a ProductRole or one of its values ('traffic', 'hero', 'profit'), "
        f"got {value!r}"
    )
    accepted = message.split("(")[1].split(")")[0]
    assert repr(value) not in accepted.split(", ")  # the refused value is not listed


@pytest.mark.parametrize("value", [3, 1.5, b"kuaishou", ["kuaishou"], ProductRole.HERO])
def test_a_value_of_another_type_is_refused_with_its_type(value: object) -> None:
    message = _problem(lambda: steps.Account(account_id="a", platform=value, name="n"))
    assert message.startswith("platform: must be a Platform or one of its values ('kuaishou'")
    assert message.endswith(f"got {value!r}")


def test_a_member_of_another_enumeration_is_not_taken_for_its_value() -> None:
    class Lookalike(enum.StrEnum):
        KUAISHOU = "kuaishou"

    message = _problem(lambda: steps.Account(account_id="a", platform=Lookalike.KUAISHOU, name=""))
    assert message.startswith("platform: must be a Platform")


def test_member_converts_only_plain_strings_that_are_values() -> None:
    assert fields.member(Platform, "douyin") is Platform.DOUYIN
    assert fields.member(Platform, Platform.DOUYIN) is Platform.DOUYIN
    assert fields.member(Platform, "Douyin") == "Douyin"
    assert fields.member(Platform, None) is None
    assert fields.to_product_role(None) is None


def test_a_string_key_of_a_mapping_is_named_as_the_member_it_should_be() -> None:
    def stream(**sources: int) -> Any:
        return steps.Stream(
            stream_id="s",
            account_id="a",
            started_at=datetime(2024, 5, 1, 20, tzinfo=UTC),
            duration_seconds=3600,
            uv=100,
            watch_seconds=100,
            orders=0,
            buyers=0,
            gmv_fen=0,
            uv_by_source=sources,
        )

    assert _problem(lambda: stream(paid=10)) == (
        "uv_by_source: key 'paid' must be the member TrafficSource.PAID, not its value"
    )
    assert _problem(lambda: stream(ads=10)) == (
        "uv_by_source: unknown key 'ads': keys are TrafficSource members ('private', "
        "'public_natural', 'short_video', 'paid', 'talent')"
    )
