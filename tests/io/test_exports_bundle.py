"""Every export a merchant has, imported in one command into one dataset.

The bundles (``tests/io/exports_fixtures.py``) are the six exports of one merchant on each
platform, in the encodings and header styles their back offices use.  They import into a
dataset that validates, declares its coverage and scores with every STEPS pillar available;
the report says, per file, the profile, the columns used and ignored, the rows read, and what
the dataset covers.  Figures are checked against independent counts of the fixture files.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

import steps
from steps.cli import main
from steps.domain import InvalidDataError, ProductRole, Section, TrafficSource
from steps.domain.metrics import paid_repurchase_rate, purchase_frequency
from steps.io.exports import (
    DETECTION_MARGIN,
    ExportFile,
    builtin_profiles,
    detect_profile,
    import_exports,
    read_export,
)
from steps.io.files import load
from tests.io.exports_fixtures import (
    DOUYIN_CSV,
    DOUYIN_SESSIONS,
    KUAISHOU_CSV,
    douyin_bundle,
    kuaishou_bundle,
    workbook,
)

CST = timezone(timedelta(hours=8))
BUNDLES = {"kuaishou": kuaishou_bundle, "douyin": douyin_bundle}
PROFILES = {
    "live_sessions": "live-sessions",
    "orders": "orders",
    "products": "products",
    "talents": "talents",
    "fan_groups": "fan-groups",
    "paid_campaigns": "paid-campaigns",
}
SECTIONS = {
    "live_sessions": Section.STREAMS,
    "orders": Section.ORDERS,
    "products": Section.PRODUCTS,
    "talents": Section.TALENT_COLLABS,
    "fan_groups": Section.FAN_GROUPS,
    "paid_campaigns": Section.PAID_CAMPAIGNS,
}


def _import(files: list[Path] | dict[str, Path], **options: object) -> steps.Dataset:
    listed = list(files.values()) if isinstance(files, dict) else files
    result = import_exports(listed, brand_id="b01", brand_name="品牌", category="beauty", **options)  # type: ignore[arg-type]
    return result.dataset


def _table(path: Path, encoding: str) -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as stream:
        return list(csv.DictReader(stream))


# -- one command ---------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["kuaishou", "douyin"])
def test_a_bundle_imports_in_one_command_validates_and_scores_every_pillar(
    tmp_path: Path, platform: str, capsys: pytest.CaptureFixture[str]
) -> None:
    files = BUNDLES[platform](tmp_path)
    out = tmp_path / "dataset.json"
    argv = ["import", *map(str, files.values()), "--brand-id", "b01", "--category", "beauty"]
    assert main([*argv, "-o", str(out)]) == 0
    err = capsys.readouterr().err
    dataset = load(out)  # validates
    [brand] = dataset.brands
    covered = {entry.section for entry in brand.covered()}
    assert covered == set(SECTIONS.values())
    held = brand.held()
    assert all(held[section] > 0 for section in SECTIONS.values())
    # The report lists what each file supplied: the profile (detected), its section, the rows.
    for kind, path in files.items():
        head = next(line for line in err.splitlines() if line.startswith(f"{path}: "))
        assert f"profile {platform}-{PROFILES[kind]} ({SECTIONS[kind].value}, detected" in head
        assert " rows" in head
    assert "dataset: provided streams" in err
    assert "not provided: plans, stream_products, trust_signals, short_videos, audience" in err
    # Every STEPS pillar has an available indicator.
    results = steps.score(dataset)
    assert not results.errors
    [card] = [c for c in results.cards if c.scorer == "steps"]
    for pillar in ("S", "T", "E", "P", "SS"):
        assert card.component(pillar).score is not None, pillar


@pytest.mark.parametrize("platform", ["kuaishou", "douyin"])
def test_each_export_is_detected_as_its_own_profile(tmp_path: Path, platform: str) -> None:
    files = BUNDLES[platform](tmp_path)
    result = import_exports(list(files.values()), brand_id="b", brand_name="n", category="c")
    used = {Path(name).name: report for name, report in result.files}
    for kind, path in files.items():
        report = used[path.name]
        assert report.profile == f"{platform}-{PROFILES[kind]}"
        assert report.section is SECTIONS[kind]
        assert report.detected is not None
        assert report.detected.profile == report.profile


def test_the_report_names_columns_used_ignored_and_checked(tmp_path: Path) -> None:
    result = import_exports(
        list(douyin_bundle(tmp_path).values()), brand_id="b", brand_name="n", category="c"
    )
    by_name = {Path(name).name: report for name, report in result.files}
    sessions = by_name["douyin_live_sessions.xlsx"]
    assert sessions.mapped["累计观看时长"] == "watch_seconds"
    assert sessions.unknown_columns == ("平均在线人数",)
    assert sessions.checked == {
        "千次观看成交金额": "直播间成交金额 × 1000 / 直播间观看次数",
        "商品曝光-点击率": "直播间商品点击人数 / 直播间商品曝光人数",
        "客单价": "直播间成交金额 / 直播间成交人数",
        "人均观看时长": "累计观看时长 / 直播间观看人数",
    }
    assert not sessions.warnings
    orders = by_name["douyin_orders.csv"]
    assert set(orders.unknown_columns) == {
        "选购商品", "订单提交时间", "收件人", "收件人手机号", "省", "市"
    }  # fmt: skip
    assert "收件人手机号" not in orders.mapped
    assert (orders.rows, orders.records) == (10, 8)  # sub-orders, orders
    assert orders.skipped == {"订单状态 says not paid": 1}
    lines = orders.lines()
    assert (
        lines[0] == "profile douyin-orders (orders, detected: 13 of 14 fields): 10 rows (8 orders)"
    )
    assert "skipped: 1 row (订单状态 says not paid)" in lines


# -- what each section holds ---------------------------------------------------------------------


def test_kuaishou_live_sessions_in_the_current_header_style(tmp_path: Path) -> None:
    brand = _import(kuaishou_bundle(tmp_path)).brands[0]
    first = brand.streams[0]
    assert first.stream_id == "ks-210901"
    assert first.started_at == datetime(2021, 9, 1, 20, 0, tzinfo=CST)
    assert (first.exposure, first.uv, first.views) == (126_000, 32_500, 41_800)
    assert first.watch_seconds == 32_500 * 156  # 2分36秒 a viewer
    assert first.gmv_fen == 18_642_050
    assert (first.orders, first.buyers) == (2_240, 1_975)
    assert first.paid_spend_fen == 2_100_000
    assert brand.streams[2].paid_spend_fen is None  # "--": not recorded, not 0
    assert [(a.account_id, a.name) for a in brand.accounts] == [
        ("ks_qh01", "青禾美妆旗舰店"),
        ("ks_qh02", "青禾福利社"),
    ]


def test_douyin_sessions_read_the_total_watch_time_and_check_the_average(tmp_path: Path) -> None:
    brand = _import(douyin_bundle(tmp_path)).brands[0]
    first = brand.streams[0]
    assert first.stream_id == "7012345000101"  # typed as a number in the workbook
    assert first.watch_seconds == 7808 * 3600 + 53 * 60  # 累计观看时长, not 112 s × 25.1万
    assert first.duration_seconds == 4 * 3600
    assert first.views == 314_000


def test_fan_groups_fill_the_accounts_the_live_sessions_name(tmp_path: Path) -> None:
    brand = _import(kuaishou_bundle(tmp_path)).brands[0]
    main_account = brand.accounts[0]
    assert main_account.followers == 865_000
    assert main_account.fan_group is not None
    assert main_account.fan_group.members == 12_840
    assert main_account.fan_group.active_members == 4_215
    assert main_account.fan_group.new_members == 1_625
    assert main_account.fan_group.member_gmv_fen == 41_230_000
    assert main_account.fan_group.member_repeat_buyers == 1_046


def test_products_read_prices_exclusivity_and_roles(tmp_path: Path) -> None:
    brand = _import(kuaishou_bundle(tmp_path)).brands[0]
    products = {p.product_id: p for p in brand.products}
    assert products["p1001"].price_fen == 12_900
    assert products["p1001"].list_price_fen == 16_900
    assert products["p1003"].list_price_fen is None  # "-"
    assert [p.product_id for p in brand.products if p.channel_exclusive] == ["p1004", "p1005"]
    assert [p.product_id for p in brand.products if p.bundle] == ["p1004"]  # 是否套装
    assert products["p1002"].role is ProductRole.TRAFFIC
    douyin = {p.product_id: p for p in _import(douyin_bundle(tmp_path)).brands[0].products}
    assert douyin["3304"].channel_exclusive
    assert douyin["3304"].price_fen == 29_900


def test_talent_results_become_collaborations(tmp_path: Path) -> None:
    brand = _import(douyin_bundle(tmp_path)).brands[0]
    collabs = {c.collab_id: c for c in brand.talent_collabs}
    # Two rows of one talent over one period: numbered in the order of the file.
    assert sorted(collabs) == [
        "dy_tal_01-20211001", "dy_tal_02-20211001", "dy_tal_02-20211001-2", "dy_tal_03-20211001"
    ]  # fmt: skip
    first = collabs["dy_tal_01-20211001"]
    assert (first.started_on, first.ended_on) == (date(2021, 10, 1), date(2021, 10, 10))
    assert first.talent_followers == 3_562_000
    assert first.gmv_fen == 126_840_000
    assert first.commission_fen == 25_368_000
    assert first.product_ids == ("3301", "3304")
    assert first.audience_reached == 4_125_000
    assert first.fixed_fee_fen == 2_000_000  # 坑位费
    assert all(c.platform.value == "douyin" for c in brand.talent_collabs)


def test_paid_campaigns_add_their_days_up(tmp_path: Path) -> None:
    brand = _import(douyin_bundle(tmp_path)).brands[0]
    campaigns = {c.campaign_id: c for c in brand.paid_campaigns}
    big = campaigns["qc-8801"]
    assert (big.started_on, big.ended_on) == (date(2021, 10, 1), date(2021, 10, 9))
    assert big.spend_fen == (18_500 + 20_000 + 19_200) * 100
    assert big.gmv_fen == (74_000 + 84_000 + 78_720) * 100
    assert big.impressions == 1_520_000 + 1_680_000 + 1_610_000
    assert big.account_id == "dy_sc01"
    kuaishou = {
        c.campaign_id: c for c in _import(kuaishou_bundle(tmp_path)).brands[0].paid_campaigns
    }
    assert kuaishou["jn-5001"].stream_id == "ks-210901"
    assert kuaishou["jn-5003"].stream_id is None  # over two streams


def test_orders_and_repurchase_equal_an_independent_count(tmp_path: Path) -> None:
    brand = _import(kuaishou_bundle(tmp_path)).brands[0]
    rows = _table(KUAISHOU_CSV["orders"], "gb18030")
    paid: Counter[str] = Counter()
    for row in rows:
        amount = float(row["实付金额"])
        refunded = float(row["退款金额"] or 0)
        if row["订单状态"] in ("待付款", "已关闭") or amount == 0 or refunded >= amount:
            continue
        paid[row["买家ID"]] += 1
    assert len(paid) == 6
    expected = sum(1 for n in paid.values() if n >= 2) / len(paid)
    assert paid_repurchase_rate(brand.orders) == pytest.approx(expected)
    assert purchase_frequency(brand.orders) == pytest.approx(sum(paid.values()) / len(paid))
    orders = {o.order_id: o for o in brand.orders}
    assert len(orders) == len(rows) - 2  # the unpaid and the closed orders are skipped
    assert orders["2109030003"].refunded_fen == orders["2109030003"].amount_fen
    assert not orders["2109030003"].paid
    assert orders["2109050001"].refunded_fen == 6_000
    assert orders["2109010001"].traffic_source is TrafficSource.PRIVATE
    assert orders["2109010001"].fan_group_member is True
    assert orders["2109090001"].traffic_source is None  # "直播间": not a source the profile maps


def test_sub_orders_of_one_checkout_are_one_order(tmp_path: Path) -> None:
    brand = _import(douyin_bundle(tmp_path)).brands[0]
    orders = {o.order_id: o for o in brand.orders}
    checkout = orders["4909001"]
    assert checkout.amount_fen == 13_900 + 29_900
    assert checkout.quantity == 2
    assert checkout.product_id is None  # two products
    assert checkout.stream_id == "7012345000341"
    # 售后状态 退款成功 without a refund column: refunded in full.
    assert orders["4901002"].refunded_fen == orders["4901002"].amount_fen
    assert orders["4905001"].refunded_fen is None  # 部分退款 of an unknown amount
    buyers = Counter(o.buyer_key for o in brand.orders if o.paid)
    assert buyers == Counter(
        {"dy_u_7c01": 2, "dy_u_7c03": 2, "dy_u_7c02": 1, "dy_u_7c04": 1, "dy_u_7c05": 1}
    )
    assert paid_repurchase_rate(brand.orders) == pytest.approx(2 / 5)


# -- references across files ---------------------------------------------------------------------


def test_references_resolve_within_the_bundle_and_the_rest_are_reported(tmp_path: Path) -> None:
    files = kuaishou_bundle(tmp_path)
    result = import_exports(list(files.values()), brand_id="b", brand_name="n", category="c")
    brand = result.dataset.brands[0]
    orders = {o.order_id: o for o in brand.orders}
    assert orders["2109010001"].stream_id == "ks-210901"
    assert orders["2109010001"].product_id == "p1001"
    # Named a stream the live-session list does not hold: kept, without the stream.
    assert orders["2109090001"].stream_id is None
    # A talent's order: its collaboration, not the talent's live room.
    assert orders["2109060001"].collab_id == "ks_tal_01-20210901"
    assert orders["2109060001"].stream_id is None
    assert orders["2109100001"].product_id is None  # p1099 is not in the product list
    reports = {Path(name).name: report for name, report in result.files}
    warnings = [str(w) for w in reports["kuaishou_orders.csv"].warnings]
    assert warnings == [
        "直播ID: 1 order names streams no imported export holds (ks-210907): left out of those "
        "records (first at line 12)",
        "商品ID: 1 order names products no imported export holds (p1099): left out of those "
        "records (first at line 13)",
    ]
    talents = reports["kuaishou_talents.xlsx"]
    assert [w.path for w in talents.warnings] == ["商品ID"]
    collab = next(c for c in brand.talent_collabs if c.talent_id == "ks_tal_03")
    assert collab.product_ids == ("p1003",)


def test_orders_alone_leave_their_references_out_and_say_so(tmp_path: Path) -> None:
    result = import_exports([DOUYIN_CSV["orders"]], brand_id="b", brand_name="n", category="c")
    brand = result.dataset.brands[0]
    assert all(o.stream_id is None and o.product_id is None for o in brand.orders)
    [(_, report)] = result.files
    assert not report.warnings  # nothing that should be there is missing
    assert any(
        n.startswith(
            "直播间ID: 8 orders name streams, left out of those records: no streams export"
        )
        for n in report.notes
    )
    assert [c.section for c in brand.covered()] == [Section.ORDERS]


def test_strict_makes_warnings_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = kuaishou_bundle(tmp_path)
    with pytest.raises(InvalidDataError) as caught:
        import_exports(
            list(files.values()), brand_id="b", brand_name="n", category="c", strict=True
        )
    assert {p.path.split(": ")[-1] for p in caught.value.problems} == {"直播ID", "商品ID"}
    out = tmp_path / "strict.json"
    argv = ["import", *map(str, files.values()), "--strict", "-o", str(out)]
    assert main(argv) == 1
    assert "names streams no imported export holds (ks-210907)" in capsys.readouterr().err
    assert not out.exists()


# -- coverage ------------------------------------------------------------------------------------


def test_a_live_session_export_alone_covers_streams_only(tmp_path: Path) -> None:
    result = read_export(
        KUAISHOU_CSV["live_sessions"],
        builtin_profiles()["kuaishou-live-sessions"],
        brand_id="b",
        brand_name="n",
        category="c",
    )
    [brand] = result.dataset.brands
    assert brand.coverage is not None
    assert [(c.section, c.start, c.end) for c in brand.coverage] == [
        (Section.STREAMS, date(2021, 9, 1), date(2021, 9, 12))
    ]
    for section in Section:
        assert brand.provided(section) is (section is Section.STREAMS), section
    # The pillars computed from exports not given are unavailable, never 0.
    card = next(c for c in steps.score(result.dataset).cards if c.scorer == "steps")
    assert card.component("S").score is not None
    for pillar in ("E", "P", "SS"):
        assert card.component(pillar).score is None, pillar


def test_an_export_without_rows_makes_its_section_provided_and_empty(tmp_path: Path) -> None:
    header = next(csv.reader(io.StringIO(KUAISHOU_CSV["products"].read_text(encoding="utf-8"))))
    empty = tmp_path / "products.csv"
    empty.write_text(",".join(header) + "\n", encoding="utf-8")
    dataset = _import(
        [KUAISHOU_CSV["live_sessions"], ExportFile(empty, builtin_profiles()["kuaishou-products"])]  # type: ignore[list-item]
    )
    [brand] = dataset.brands
    assert brand.provided(Section.PRODUCTS)
    assert brand.products == ()
    assert [c.section for c in brand.covered()] == [Section.STREAMS, Section.PRODUCTS]


def test_a_period_given_for_a_file_is_its_coverage_and_bounds_its_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.json"
    sessions = str(KUAISHOU_CSV["live_sessions"])
    argv = ["import", sessions, "--period", f"{sessions}=2021-09-01..2021-09-30", "-o", str(out)]
    assert main(argv) == 0
    assert "dates: 2021-09-01..2021-09-30" in capsys.readouterr().err
    [entry] = load(out).brands[0].covered()
    assert (entry.start, entry.end) == (date(2021, 9, 1), date(2021, 9, 30))
    argv = ["import", sessions, "--period", "2021-09-01..2021-09-07", "-o", str(out)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert (
        "line 5: rows[3].开播时间: 2021-09-08 lies outside the period given for this export "
        "(2021-09-01..2021-09-07)" in err
    )


def test_a_period_dates_rows_that_carry_no_dates(tmp_path: Path) -> None:
    rows = [
        list(r)
        for r in csv.reader(io.StringIO(DOUYIN_CSV["talents"].read_text(encoding="utf-8-sig")))
    ]
    column = rows[0].index("统计周期")
    undated = tmp_path / "talents.csv"
    undated.write_text(
        "\n".join(",".join(f'"{c}"' for i, c in enumerate(r) if i != column) for r in rows),
        encoding="utf-8",
    )
    with pytest.raises(InvalidDataError) as caught:
        import_exports([undated], brand_id="b", brand_name="n", category="c")
    assert "no profile finds every column it needs" in str(caught.value)
    result = import_exports(
        [ExportFile(undated, period=(date(2021, 10, 1), date(2021, 10, 31)))],
        brand_id="b",
        brand_name="n",
        category="c",
    )
    collabs = result.dataset.brands[0].talent_collabs
    assert {(c.started_on, c.ended_on) for c in collabs} == {
        (date(2021, 10, 1), date(2021, 10, 31))
    }


# -- derived columns -----------------------------------------------------------------------------


def _sessions_with(folder: Path, row: int, column: str, value: object) -> Path:
    rows = [list(r) for r in DOUYIN_SESSIONS]
    rows[row][rows[0].index(column)] = value
    path = folder / "sessions.xlsx"
    path.write_bytes(workbook(rows))
    return path


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (
            "千次观看成交金额",
            412.0,
            "412.00 does not match 直播间成交金额 × 1000 / 直播间观看次数 (317.97 to 318.98, "
            "allowing for the rounding of each cell)",
        ),
        (
            "人均观看时长",
            "2分30秒",
            "150.0 s does not match 累计观看时长 / 直播间观看人数 (111.8 s to 112.2 s, allowing "
            "for the rounding of each cell)",
        ),
        (
            "商品曝光-点击率",
            "25.00%",
            "25.00% does not match 直播间商品点击人数 / 直播间商品曝光人数 (20.81% to 22.05%, "
            "allowing for the rounding of each cell)",
        ),
    ],
)
def test_a_derived_column_that_does_not_match_its_parts_is_a_warning(
    tmp_path: Path, column: str, value: object, message: str
) -> None:
    path = _sessions_with(tmp_path, 1, column, value)
    result = read_export(
        path, builtin_profiles()["douyin-live-sessions"], brand_id="b", brand_name="n", category="c"
    )
    [warning] = result.report.warnings
    assert (warning.path, warning.line, warning.message) == (f"rows[0].{column}", 2, message)
    assert f"warning: line 2: rows[0].{column}: {message}" in result.report.lines()
    assert len(result.dataset.brands[0].streams) == 5  # a warning: the rows are read


def test_rounding_alone_is_no_mismatch(tmp_path: Path) -> None:
    # 6.08% of 3.25万 viewers: 1,975 buyers lie within the rounding of both cells.
    result = read_export(
        KUAISHOU_CSV["live_sessions"],
        builtin_profiles()["kuaishou-live-sessions"],
        brand_id="b",
        brand_name="n",
        category="c",
    )
    assert result.report.warnings == ()
    assert set(result.report.checked) == {"千次观看成交金额", "观看-成交转化率", "客单价"}


def test_a_derived_column_without_its_parts_is_not_checked(tmp_path: Path) -> None:
    rows = [
        [c for i, c in enumerate(r) if i != DOUYIN_SESSIONS[0].index("直播间观看次数")]
        for r in DOUYIN_SESSIONS
    ]
    path = tmp_path / "sessions.xlsx"
    path.write_bytes(workbook(rows))
    result = read_export(
        path, builtin_profiles()["douyin-live-sessions"], brand_id="b", brand_name="n", category="c"
    )
    assert result.report.unchecked == {"千次观看成交金额": "needs a column for views"}
    assert (
        "not checked (ignored): 千次观看成交金额 (needs a column for views)"
        in result.report.lines()
    )


def test_an_unreadable_derived_cell_is_a_problem(tmp_path: Path) -> None:
    path = _sessions_with(tmp_path, 2, "客单价", "很高")
    with pytest.raises(InvalidDataError) as caught:
        read_export(
            path,
            builtin_profiles()["douyin-live-sessions"],
            brand_id="b",
            brand_name="n",
            category="c",
        )
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == ("rows[1].客单价", 3)


def test_a_refund_status_the_refund_amount_contradicts_is_a_warning(tmp_path: Path) -> None:
    rows = _table(KUAISHOU_CSV["orders"], "gb18030")
    text = KUAISHOU_CSV["orders"].read_bytes().decode("gb18030")
    text = text.replace("部分退款,60.00", "无售后,60.00")
    path = tmp_path / "orders.csv"
    path.write_bytes(text.encode("gb18030"))
    result = read_export(
        path, builtin_profiles()["kuaishou-orders"], brand_id="b", brand_name="n", category="c"
    )
    line = 2 + [r["订单编号"] for r in rows].index("2109050001")
    [warning] = [w for w in result.report.warnings if w.path.startswith("rows[")]
    assert (warning.path, warning.line) == (f"rows[{line - 2}].售后状态", line)
    assert warning.message == "says none refund, but 退款金额 is 60.00 of 259.00"


# -- detection and profiles named per file -------------------------------------------------------


def test_an_export_both_platforms_profiles_fit_takes_the_bundles_platform(tmp_path: Path) -> None:
    products = KUAISHOU_CSV["products"]
    with pytest.raises(InvalidDataError) as caught:
        import_exports([products], brand_id="b", brand_name="n", category="c")
    message = caught.value.problems[0].message
    assert "douyin-products (8 of 8 fields), kuaishou-products (8 of 8 fields)" in message
    assert "--profile FILE=NAME" in message
    result = import_exports(
        [products, KUAISHOU_CSV["orders"]], brand_id="b", brand_name="n", category="c"
    )
    report = result.files[0][1]
    assert report.profile == "kuaishou-products"
    assert report.detected is not None
    assert report.detected.by_platform
    assert "and the platform of the other exports" in report.lines()[0]


def test_detection_needs_a_lead_of_the_margin() -> None:
    header = ["订单编号", "买家ID", "支付时间", "实付金额"]  # columns both platforms' exports have
    with pytest.raises(InvalidDataError) as caught:
        detect_profile(header, builtin_profiles().values())
    assert "douyin-orders" in str(caught.value)
    assert "kuaishou-orders" in str(caught.value)
    rows = _table(DOUYIN_CSV["orders"], "gb18030")
    profile, detection = detect_profile(list(rows[0]), builtin_profiles().values())
    assert profile.name == "douyin-orders"
    rival = builtin_profiles()["kuaishou-orders"]
    found = {rule.field for header, rule in rival.columns.items() if header in rows[0]}
    assert detection.share - len(found) / len(rival.fields) >= DETECTION_MARGIN


def test_an_export_no_profile_reads_names_what_the_best_ones_lack(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("商品ID,商品名称\n1,x\n", encoding="utf-8")
    with pytest.raises(InvalidDataError) as caught:
        import_exports([path], brand_id="b", brand_name="n", category="c")
    message = caught.value.problems[0].message
    assert message.startswith("no profile finds every column it needs: ")
    assert "lacks category, price_fen" in message


def test_profiles_are_named_per_file_or_for_every_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    products, orders = str(KUAISHOU_CSV["products"]), str(KUAISHOU_CSV["orders"])
    out = tmp_path / "out.json"
    assert (
        main(["import", products, "--profile", f"{products}=douyin-products", "-o", str(out)]) == 0
    )
    assert f"{products}: profile douyin-products (products):" in capsys.readouterr().err
    assert load(out).brands[0].accounts == ()
    # Without FILE=, a profile reads every file not named otherwise.
    argv = ["import", products, orders, "--profile", "kuaishou-orders", "-o", str(out)]
    argv += ["--profile", f"{products}=kuaishou-products"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert f"{orders}: profile kuaishou-orders (orders):" in err
    # A profile that cannot read a file it is given is an error of that file.
    argv = ["import", products, "--profile", "kuaishou-orders", "-o", str(out)]
    assert main(argv) == 1
    assert "order_id: no column maps to this required field" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--profile", "nope"], "unknown profile 'nope'"),
        (["--profile", "missing.csv=kuaishou-orders"], "'missing.csv' is not one of the files"),
        (["--profile", "kuaishou-orders", "--profile", "douyin-orders"], "given twice"),
        (["--period", "2021-09-30..2021-09-01"], "must be START..END"),
        (["--mapping", "x.toml", "--profile", "kuaishou-orders"], "both given"),
    ],
)
def test_option_mistakes_are_named(
    tmp_path: Path, extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["import", str(KUAISHOU_CSV["orders"]), *extra, "-o", str(tmp_path / "o.json")]
    assert main(argv) == 1
    assert message in capsys.readouterr().err


# -- encodings and formats -----------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_every_encoding_of_an_export_reads_the_same(tmp_path: Path, encoding: str) -> None:
    text = KUAISHOU_CSV["fan_groups"].read_bytes().decode("gb18030")
    path = tmp_path / "fan_groups.csv"
    path.write_bytes(text.encode(encoding))
    profile = builtin_profiles()["kuaishou-fan-groups"]
    ours = read_export(path, profile, brand_id="b", brand_name="n", category="c")
    theirs = read_export(
        KUAISHOU_CSV["fan_groups"], profile, brand_id="b", brand_name="n", category="c"
    )
    assert ours.dataset == theirs.dataset


def test_a_workbook_of_a_csv_export_reads_the_same(tmp_path: Path) -> None:
    rows = _table(DOUYIN_CSV["orders"], "gb18030")
    header = list(rows[0])
    path = tmp_path / "orders.xlsx"
    path.write_bytes(workbook([header, *([r[h] for h in header] for r in rows)]))
    profile = builtin_profiles()["douyin-orders"]
    ours = read_export(path, profile, brand_id="b", brand_name="n", category="c")
    theirs = read_export(DOUYIN_CSV["orders"], profile, brand_id="b", brand_name="n", category="c")
    assert ours.dataset == theirs.dataset


def test_a_phone_shaped_buyer_is_refused_with_its_row(tmp_path: Path) -> None:
    text = KUAISHOU_CSV["orders"].read_bytes().decode("gb18030").replace("u_7a3e6b", "13800138000")
    path = tmp_path / "orders.csv"
    path.write_bytes(text.encode("gb18030"))
    with pytest.raises(InvalidDataError) as caught:
        read_export(
            path, builtin_profiles()["kuaishou-orders"], brand_id="b", brand_name="n", category="c"
        )
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == ("rows[9].buyer_key", 11)
    assert "not a phone number" in problem.message


def test_problems_of_several_files_name_each_file(tmp_path: Path) -> None:
    bad_orders = tmp_path / "orders.csv"
    bad_orders.write_bytes(
        KUAISHOU_CSV["orders"]
        .read_bytes()
        .decode("gb18030")
        .replace("129.00", "很多")
        .encode("gb18030")
    )
    bad_fans = tmp_path / "fans.csv"
    bad_fans.write_bytes(
        KUAISHOU_CSV["fan_groups"]
        .read_bytes()
        .decode("gb18030")
        .replace("12,840", "-")
        .encode("gb18030")
    )
    with pytest.raises(InvalidDataError) as caught:
        import_exports([bad_orders, bad_fans], brand_id="b", brand_name="n", category="c")
    assert caught.value.source == "2 exports"
    paths = {p.path for p in caught.value.problems}
    assert f"{bad_orders}: rows[0].实付金额" in paths
    assert f"{bad_fans}: rows[0].粉丝团人数" in paths


def test_exports_of_overlapping_dates_read_a_record_once(tmp_path: Path) -> None:
    copy = tmp_path / "直播明细-2.csv"
    copy.write_bytes(KUAISHOU_CSV["live_sessions"].read_bytes())
    result = import_exports(
        [KUAISHOU_CSV["live_sessions"], copy], brand_id="b", brand_name="n", category="c"
    )
    assert len(result.dataset.brands[0].streams) == 6
    second = result.files[1][1]
    assert (second.rows, second.records) == (6, 0)
    assert second.notes == ("6 of the streams are also in an earlier export, the same: read once",)
    text = copy.read_text(encoding="utf-8-sig").replace("¥186,420.50", "¥186,420.60")
    copy.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidDataError) as caught:
        import_exports(
            [KUAISHOU_CSV["live_sessions"], copy], brand_id="b", brand_name="n", category="c"
        )
    [problem] = caught.value.problems
    assert problem.path == f"{copy}: rows[0].直播ID"
    assert problem.message.startswith("stream 'ks-210901' is also in ")
    assert problem.message.endswith("line 2, with other values")


def test_an_account_on_two_platforms_is_a_problem(tmp_path: Path) -> None:
    fans = tmp_path / "fans.csv"
    fans.write_text(
        "抖音号,账号昵称,账号粉丝数,粉丝团人数,活跃团员数\nks_qh01,x,10万,1000,300\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidDataError) as caught:
        import_exports(
            [KUAISHOU_CSV["live_sessions"], fans], brand_id="b", brand_name="n", category="c"
        )
    [problem] = caught.value.problems
    assert problem.message.startswith("account 'ks_qh01' is on douyin here and on kuaishou in ")
