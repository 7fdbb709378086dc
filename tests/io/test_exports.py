"""Importing merchant back-office exports through mapping profiles."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from steps.cli import main
from steps.domain import InvalidDataError, Platform
from steps.io.exports import builtin_profiles, load_profile, read_export
from steps.io.files import load

FIXTURES = Path(__file__).parent.parent / "fixtures"
KUAISHOU_CSV = FIXTURES / "kuaishou_sessions.csv"
CST = timezone(timedelta(hours=8))


def _import(path: Path = KUAISHOU_CSV, profile: str = "kuaishou-live-sessions"):
    return read_export(
        path, builtin_profiles()[profile], brand_id="b1", brand_name="品牌", category="beauty"
    )


def test_bundled_profiles_load() -> None:
    profiles = builtin_profiles()
    assert profiles["kuaishou-live-sessions"].platform is Platform.KUAISHOU
    assert profiles["douyin-live-sessions"].platform is Platform.DOUYIN


def test_kuaishou_export_maps_units_money_durations_and_times() -> None:
    result = _import()
    brand = result.dataset.brands[0]
    assert [a.account_id for a in brand.accounts] == ["ks_brand01", "ks_brand02"]
    assert brand.accounts[0].name == "品牌旗舰店"
    first = brand.streams[0]
    assert first.stream_id == "ks-210901"
    assert first.started_at == datetime(2021, 9, 1, 20, 0, tzinfo=CST)
    assert first.started_at.utcoffset() == timedelta(hours=8)
    assert first.duration_seconds == 3 * 3600
    assert first.exposure == 125_000
    assert first.uv == 32_000
    assert first.watch_seconds == 32_000 * 150  # 2分30秒 per viewer
    assert first.gmv_fen == 18_234_560  # ¥182,345.60 exactly
    assert first.refund_fen == 812_000
    assert first.paid_spend_fen == 2_000_000
    assert first.likes == 31_000
    third = brand.streams[2]
    assert third.duration_seconds == 7200  # 02:00:00
    assert third.paid_spend_fen is None  # "--" is an empty cell: not recorded, not 0


def test_report_lists_unmapped_columns() -> None:
    report = _import().report
    assert report.unknown_columns == ("直播间标签",)
    assert report.mapped["观看人数"] == "uv"
    assert report.rows == 3
    assert not report.generated_ids


def test_unreadable_cells_are_all_reported_with_row_and_line(tmp_path: Path) -> None:
    text = KUAISHOU_CSV.read_text(encoding="utf-8")
    broken = text.replace("3.2万", "很多").replace("¥146,020.00", "-5")
    path = tmp_path / "broken.csv"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(InvalidDataError) as caught:
        _import(path)
    rendered = [str(p) for p in caught.value.problems]
    assert any(r.startswith("line 2: rows[0].观看人数: must be a number") for r in rendered)
    assert any(r.startswith("line 3: rows[1].成交金额: must be >= 0") for r in rendered)


def test_gb18030_encoded_export_is_read(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes(KUAISHOU_CSV.read_text(encoding="utf-8").encode("gb18030"))
    assert _import(path).dataset == _import().dataset


def test_missing_required_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "thin.csv"
    path.write_text("直播ID,观看人数\nx,1\n", encoding="utf-8")
    with pytest.raises(InvalidDataError) as caught:
        _import(path)
    fields = {p.path for p in caught.value.problems}
    assert {"started_at", "gmv_fen", "account_id"} <= fields


def test_user_mapping_without_code(tmp_path: Path) -> None:
    mapping = tmp_path / "mine.toml"
    mapping.write_text(
        """
[profile]
name = "mine"
platform = "douyin"
timezone = "+08:00"

[columns]
"开播" = { field = "started_at", type = "datetime", format = "%Y/%m/%d %H:%M" }
"时长(分钟)" = { field = "duration_seconds", type = "duration", unit = "minutes" }
"账号" = { field = "account_id", type = "text" }
"UV" = { field = "uv", type = "count" }
"总观看秒" = { field = "watch_seconds", type = "count" }
"订单" = { field = "orders", type = "count" }
"买家" = { field = "buyers", type = "count" }
"GMV(元)" = { field = "gmv_fen", type = "money" }
""",
        encoding="utf-8",
    )
    export = tmp_path / "export.csv"
    export.write_text(
        "开播,时长(分钟),账号,UV,总观看秒,订单,买家,GMV(元)\n"
        "2022/05/01 20:00,90,dy1,1000,60000,30,25,1234.5\n",
        encoding="utf-8",
    )
    result = read_export(
        export, load_profile(mapping), brand_id="b", brand_name="B", category="food"
    )
    stream = result.dataset.brands[0].streams[0]
    assert stream.duration_seconds == 5400
    assert stream.gmv_fen == 123_450
    assert stream.stream_id == "dy1-202205012000"
    assert result.report.generated_ids


def test_bad_mapping_profile_reports_every_problem(tmp_path: Path) -> None:
    mapping = tmp_path / "bad.toml"
    mapping.write_text(
        '[profile]\nname = "x"\nplatform = "myspace"\ntimezone = "CST"\n'
        "[columns]\n"
        '"a" = { field = "nope", type = "count" }\n'
        '"b" = { field = "uv", type = "int" }\n',
        encoding="utf-8",
    )
    with pytest.raises(InvalidDataError) as caught:
        load_profile(mapping)
    paths = {p.path for p in caught.value.problems}
    assert paths == {"profile.platform", "profile.timezone", "columns.a.field", "columns.b.type"}


def test_cli_import_then_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "imported.json"
    code = main(
        ["import", str(KUAISHOU_CSV), "--profile", "kuaishou-live-sessions", "-o", str(out)]
    )
    assert code == 0
    assert "直播间标签" in capsys.readouterr().err
    assert len(load(out).brands[0].streams) == 3


def test_cli_lists_profiles_without_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "--list-profiles"]) == 0
    listed = capsys.readouterr().out
    assert "kuaishou-live-sessions\tkuaishou" in listed
    assert "douyin-live-sessions\tdouyin" in listed


def test_imported_export_scores_with_every_builtin_scorer() -> None:
    from steps.scoring import score

    results = score(_import().dataset)
    assert not results.errors
    scorers = {card.scorer for card in results.cards}
    assert {"stage", "douyin-interest", "trust"} <= scorers
    stage_cards = [c for c in results.cards if c.scorer == "stage"]
    assert len(stage_cards) == 3
    assert all(c.score is None or 0 <= c.score <= 100 for c in results.cards)
