"""Mapping profiles for every section: the section they fill, checked strictly when they load.

A profile says which section of the model its export fills (``section``); every column names
a field of that section and reads it from cells of a type that suits the field.  Choice and
yes/no columns translate their cells through a ``values`` table.  Every mistake is a problem
with its key, and a user's own profile works without code, for any section.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from steps.domain import InvalidDataError, Section, TrafficSource
from steps.io.exports import (
    IMPORTABLE_SECTIONS,
    builtin_profiles,
    load_profile,
    read_export,
    section_fields,
)

HEAD = '[profile]\nname = "mine"\nplatform = "kuaishou"\ntimezone = "+08:00"\n'


def _problems(folder: Path, text: str) -> dict[str, str]:
    path = folder / "mine.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidDataError) as caught:
        load_profile(path)
    return {p.path: p.message for p in caught.value.problems}


def test_every_section_an_export_fills_has_a_bundled_profile_on_each_platform() -> None:
    profiles = builtin_profiles()
    for platform in ("kuaishou", "douyin"):
        sections = {p.section for p in profiles.values() if p.platform.value == platform}
        assert sections == set(IMPORTABLE_SECTIONS), platform
    for profile in profiles.values():
        assert profile.description
        assert profile.timezone.utcoffset(None).total_seconds() == 8 * 3600


def test_a_profile_without_a_section_fills_streams(tmp_path: Path) -> None:
    path = tmp_path / "old.toml"
    path.write_text(HEAD + '[columns]\n"观看人数" = { field = "uv", type = "count" }\n', "utf-8")
    assert load_profile(path).section is Section.STREAMS


def test_an_unknown_section_is_a_problem(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path, HEAD + 'section = "audience"\n[columns]\n"x" = { field = "uv", type = "count" }\n'
    )
    assert problems["profile.section"] == (
        "must be one of 'streams', 'products', 'talent_collabs', 'orders', 'fan_groups', "
        "'paid_campaigns'"
    )


@pytest.mark.parametrize(
    ("section", "column", "path", "message"),
    [
        (
            "orders",
            '{ field = "uv", type = "count" }',
            "columns.x.field",
            "unknown order field 'uv'",
        ),
        (
            "orders",
            '{ field = "traffic_source", type = "choice" }',
            "columns.x.values",
            "a choice column needs a values table",
        ),
        (
            "orders",
            '{ field = "traffic_source", type = "choice", values = { "关注" = "fans" } }',
            "columns.x.values.关注",
            "must be one of 'private', 'public_natural', 'short_video', 'paid', 'talent' or '' "
            "(unknown)",
        ),
        (
            "orders",
            '{ field = "fan_group_member", type = "boolean", values = { "是" = "yes" } }',
            "columns.x.values.是",
            "must be true, false or '' (unknown)",
        ),
        (
            "orders",
            '{ field = "amount_fen", type = "money", values = { "a" = "b" } }',
            "columns.x.values",
            "applies to choice and boolean columns only",
        ),
        (
            "orders",
            '{ field = "fan_group_member", type = "text" }',
            "columns.x.type",
            "fan_group_member is yes or no: use type 'boolean'",
        ),
        (
            "talent_collabs",
            '{ field = "started_on", type = "count" }',
            "columns.x.type",
            "started_on is a date: use type 'date' or 'datetime'",
        ),
        (
            "talent_collabs",
            '{ field = "product_ids", type = "text" }',
            "columns.x.type",
            "product_ids is a list of ids: use type 'list'",
        ),
        (
            "talent_collabs",
            '{ field = "talent_id", type = "text", format = "%Y" }',
            "columns.x.format",
            "applies to datetime and date columns only",
        ),
        (
            "fan_groups",
            '{ field = "period", type = "text" }',
            "columns.x.type",
            "period is a period of two dates: use type 'period'",
        ),
        (
            "streams",
            '{ field = "gpm_fen", type = "rate" }',
            "columns.x.type",
            "gpm_fen is derived and checked as money: use type 'money'",
        ),
        (
            "streams",
            '{ field = "views", type = "per_viewer_duration" }',
            "columns.x.type",
            "per_viewer_duration fills watch_seconds only",
        ),
        (
            "paid_campaigns",
            '{ field = "roi", type = "rate" }',
            "columns.x.type",
            "roi is derived and checked as number: use type 'number'",
        ),
    ],
)
def test_a_column_must_suit_its_sections_field(
    tmp_path: Path, section: str, column: str, path: str, message: str
) -> None:
    problems = _problems(tmp_path, HEAD + f'section = "{section}"\n[columns]\n"x" = {column}\n')
    assert problems[path] == message


def test_a_prefer_table_names_fields_of_the_profiles_section(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        HEAD + 'section = "orders"\n[columns]\n"订单号" = { field = "order_id", type = "text" }\n'
        '[prefer]\nuv = ["订单号"]\n',
    )
    assert problems == {"prefer.uv": "unknown order field 'uv'"}


def test_the_types_a_section_reads_are_listed(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path, HEAD + 'section = "products"\n[columns]\n"x" = { field = "name", type = "int" }\n'
    )
    assert problems["columns.x.type"] == "must be one of boolean, choice, count, duration, " + (
        "money, rate, text"
    )


def test_every_field_of_a_section_has_a_kind_its_types_can_fill() -> None:
    for section in IMPORTABLE_SECTIONS:
        for field, spec in section_fields(section).items():
            assert spec.kind in {
                "text", "datetime", "date", "number", "boolean", "choice", "list", "period", "check"
            }, (section, field)  # fmt: skip
            if spec.kind == "check":
                assert spec.parts is not None
                assert all(part in section_fields(section) for part in spec.parts)


ORDERS_PROFILE = """
[profile]
name = "my-shop-orders"
platform = "wechat_channels"
section = "orders"
timezone = "+08:00"

[columns]
"单号" = { field = "order_id", type = "text" }
"顾客" = { field = "buyer_key", type = "text" }
"付款日" = { field = "placed_at", type = "datetime", format = "%d.%m.%Y %H:%M" }
"金额" = { field = "amount_fen", type = "money" }

[columns."会员"]
field = "fan_group_member"
type = "boolean"
values = { "会员" = true, "非会员" = false }

[columns."来源"]
field = "traffic_source"
type = "choice"
values = { "直播" = "public_natural", "*" = "" }
"""


def test_a_users_profile_for_orders_works_without_code(tmp_path: Path) -> None:
    mapping = tmp_path / "orders.toml"
    mapping.write_text(ORDERS_PROFILE, encoding="utf-8")
    export = tmp_path / "orders.csv"
    export.write_text(
        "单号,顾客,付款日,金额,会员,来源\n"
        "A1,c-1,02.09.2021 20:15,99.00,会员,直播\n"
        "A2,c-1,05.09.2021 21:00,49.50,非会员,朋友圈\n",
        encoding="utf-8",
    )
    result = read_export(export, load_profile(mapping), brand_id="b", brand_name="n", category="c")
    [brand] = result.dataset.brands
    first, second = brand.orders
    assert first.placed_at.date() == date(2021, 9, 2)
    assert first.amount_fen == 9_900
    assert first.fan_group_member is True
    assert first.traffic_source is TrafficSource.PUBLIC_NATURAL
    assert second.fan_group_member is False
    assert second.traffic_source is None
    assert result.report.notes == ("1 row read 来源 '朋友圈' as unknown (the profile's '*' entry)",)
    assert [c.section for c in brand.covered()] == [Section.ORDERS]
    assert (brand.covered()[0].start, brand.covered()[0].end) == (
        date(2021, 9, 2),
        date(2021, 9, 5),
    )


def test_a_choice_the_profile_does_not_know_is_a_problem_of_its_cell(tmp_path: Path) -> None:
    mapping = tmp_path / "orders.toml"
    mapping.write_text(ORDERS_PROFILE.replace(', "*" = ""', ""), encoding="utf-8")
    export = tmp_path / "orders.csv"
    export.write_text(
        "单号,顾客,付款日,金额,会员,来源\nA1,c-1,02.09.2021 20:15,99.00,会员,朋友圈\n", "utf-8"
    )
    with pytest.raises(InvalidDataError) as caught:
        read_export(export, load_profile(mapping), brand_id="b", brand_name="n", category="c")
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == ("rows[0].来源", 2)
    assert problem.message == "is not a value the profile knows (直播), got '朋友圈'"


@pytest.mark.parametrize(
    "cell", ["2021-09-01~2021-09-30", "2021/09/01 至 2021/09/30", "20210901-20210930"]
)
def test_periods_are_read_as_exports_write_them(tmp_path: Path, cell: str) -> None:
    export = tmp_path / "fans.csv"
    export.write_text(f"快手号,粉丝团人数,活跃成员数,统计周期\nks1,100,40,{cell}\n", "utf-8")
    result = read_export(
        export,
        builtin_profiles()["kuaishou-fan-groups"],
        brand_id="b",
        brand_name="n",
        category="c",
    )
    assert (result.report.start, result.report.end) == (date(2021, 9, 1), date(2021, 9, 30))
    [entry] = result.dataset.brands[0].covered()
    assert (entry.section, entry.start, entry.end) == (
        Section.FAN_GROUPS,
        date(2021, 9, 1),
        date(2021, 9, 30),
    )


@pytest.mark.parametrize("cell", ["2021-09-30~2021-09-01", "九月", "2021-09-01"])
def test_a_period_that_is_not_one_is_a_problem(tmp_path: Path, cell: str) -> None:
    export = tmp_path / "fans.csv"
    export.write_text(f"快手号,粉丝团人数,活跃成员数,统计周期\nks1,100,40,{cell}\n", "utf-8")
    with pytest.raises(InvalidDataError) as caught:
        read_export(
            export,
            builtin_profiles()["kuaishou-fan-groups"],
            brand_id="b",
            brand_name="n",
            category="c",
        )
    [problem] = caught.value.problems
    assert problem.path == "rows[0].统计周期"
