"""The bundles of exports, mutated: every import ends in a valid dataset or a checked error.

Cells of the six exports of each platform are replaced by hostile ones (negative, huge,
unreadable, empty, other ids), columns dropped and rows repeated; the bundle is imported in
one call.  Whatever the edits, the answer is a dataset that survives a round trip (with its
reports rendering) or an :class:`InvalidDataError` whose every problem has a path or a line:
never another exception, never a dangling reference in a dataset.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steps.domain import InvalidDataError
from steps.io.exports import import_exports
from tests.hardening.test_fuzz_loaders import SCALE, check_dataset, check_error
from tests.io.exports_fixtures import (
    DOUYIN_CAMPAIGNS,
    DOUYIN_CSV,
    DOUYIN_PRODUCTS,
    DOUYIN_SESSIONS,
    HAS_EXCEL,
    KUAISHOU_CAMPAIGNS,
    KUAISHOU_CSV,
    KUAISHOU_TALENTS,
    workbook,
)

CELLS = (
    "", "-", "--", "0", "-1", "1e5", "9" * 30, "1.2万", "3.5亿", "¥", "100%", "150%",
    "02:30:00", "3小时", "2021-02-30", "2021-09-01", "2021-09-01 20:00:00", "2021/09/01 20:00",
    "2021-09-01~2021-08-01", "是", "否", "maybe", "退款成功", "部分退款", "待付款", "已完成",
    "ks-210901", "ks-999999", "p1001", "p9999", "ks_qh01", "dy_sc01", "13800138000",
    "a@b.cn", "\x00", "x" * 300,
)  # fmt: skip


def _csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""))]


def _bundles() -> dict[str, dict[str, tuple[str, list[list[Any]]]]]:
    kuaishou: dict[str, tuple[str, list[list[Any]]]] = {
        name: ("csv", _csv_rows(path)) for name, path in KUAISHOU_CSV.items()
    }
    kuaishou["talents"] = ("xlsx", KUAISHOU_TALENTS)
    kuaishou["paid_campaigns"] = ("xlsx", KUAISHOU_CAMPAIGNS)
    douyin: dict[str, tuple[str, list[list[Any]]]] = {
        name: ("csv", _csv_rows(path)) for name, path in DOUYIN_CSV.items()
    }
    douyin["live_sessions"] = ("xlsx", DOUYIN_SESSIONS)
    douyin["products"] = ("xlsx", DOUYIN_PRODUCTS)
    douyin["paid_campaigns"] = ("xlsx", DOUYIN_CAMPAIGNS)
    return {"kuaishou": kuaishou, "douyin": douyin}


BUNDLES = _bundles()
EDIT = st.tuples(
    st.sampled_from(["cell", "drop-column", "repeat-row", "drop-file"]),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.sampled_from(CELLS),
)


def _edited(
    files: dict[str, tuple[str, list[list[Any]]]], edits: list[tuple[str, int, int, str]]
) -> dict[str, tuple[str, list[list[Any]]]]:
    out = {name: (kind, [list(r) for r in rows]) for name, (kind, rows) in files.items()}
    for op, which, where, cell in edits:
        names = sorted(out)
        if not names:
            break
        name = names[which % len(names)]
        kind, rows = out[name]
        if op == "drop-file" and len(out) > 1:
            del out[name]
        elif op == "drop-column":
            column = where % len(rows[0])
            out[name] = (kind, [[c for i, c in enumerate(r) if i != column] for r in rows])
        elif op == "repeat-row" and len(rows) > 1:
            rows.append(list(rows[1 + where % (len(rows) - 1)]))
        elif op == "cell" and len(rows) > 1:
            row = rows[1 + where % (len(rows) - 1)]
            row[which % len(row)] = cell
    return out


def _write(folder: Path, files: dict[str, tuple[str, list[list[Any]]]]) -> list[Path]:
    """The exports as files: one workbook (Excel is fuzzed on its own elsewhere, and is slow
    to write), the others as GB18030 CSV, Excel's typed cells as their text."""
    paths = []
    for number, (name, (kind, rows)) in enumerate(sorted(files.items())):
        if kind == "xlsx" and number == 0 and HAS_EXCEL:
            path = folder / f"{name}.xlsx"
            path.write_bytes(workbook(rows))
        else:
            path = folder / f"{name}.csv"
            buffer = io.StringIO(newline="")
            csv.writer(buffer).writerows([[str(c) for c in r] for r in rows])
            path.write_bytes(buffer.getvalue().encode("gb18030", "replace"))
        paths.append(path)
    return paths


@settings(
    max_examples=max(1, round(100 * SCALE)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    platform=st.sampled_from(sorted(BUNDLES)),
    edits=st.lists(EDIT, min_size=1, max_size=6),
    strict=st.booleans(),
)
def test_mutated_bundles_give_a_valid_dataset_or_a_checked_error(
    tmp_path_factory: Any, platform: str, edits: list[tuple[str, int, int, str]], strict: bool
) -> None:
    folder = tmp_path_factory.mktemp("bundle")
    paths = _write(folder, _edited(BUNDLES[platform], edits))
    try:
        result = import_exports(paths, brand_id="b", brand_name="n", category="c", strict=strict)
    except InvalidDataError as error:
        check_error(error)
        return
    check_dataset(result.dataset)
    for _, report in result.files:
        assert report.lines()
        if strict:
            assert not report.warnings
