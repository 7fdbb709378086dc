"""The five factors with content consumption counted in views of live streams and short
videos alike (``kuaishou-content-views``), beside the live-only ``kuaishou``."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest

import steps
from steps.cli import main
from steps.gmv.attribution import METHODS, attribute
from steps.gmv.identities import KUAISHOU, KUAISHOU_CONTENT_VIEWS, IdentityError, StreamTotals
from tests.gmv.support import make_stream, make_video


def test_factors_by_hand() -> None:
    # 1,000 viewers, 1,500 live views, 500 short-video views: 2,000 content views
    totals = StreamTotals.from_streams(
        [make_stream("s1", views=1_500)], short_videos=[make_video("v1", views=500)]
    )
    values = KUAISHOU_CONTENT_VIEWS.factor_values(totals)[0]
    # UV, views per viewer, buyers per view, orders per buyer, AOV (fen)
    np.testing.assert_allclose(values, [1_000, 2.0, 100 / 2_000, 1.1, 10_000], rtol=1e-15)
    assert math.prod(values) == pytest.approx(1_100_000, rel=1e-12)
    assert KUAISHOU_CONTENT_VIEWS.formula() == (
        "gmv_fen = uv × ((views + video_views) / uv) × (buyers / (views + video_views)) × "
        "(orders / buyers) × (gmv_fen / orders)"
    )


def test_without_short_videos_the_identity_is_refused_not_zeroed() -> None:
    totals = StreamTotals.from_streams([make_stream("s1", views=1_500)])
    with pytest.raises(IdentityError, match=r"video_views.*short videos not given"):
        KUAISHOU_CONTENT_VIEWS.factor_values(totals)
    # the live-only identity does not read them
    assert KUAISHOU.factor_values(totals).shape == (1, 5)


def test_a_video_without_views_is_named() -> None:
    totals = StreamTotals.from_streams(
        [make_stream("s1", views=1_500)],
        short_videos=[make_video("v1"), make_video("v-none", views=None)],
    )
    with pytest.raises(IdentityError, match=r"1 of 2 short videos lack views: v-none"):
        KUAISHOU_CONTENT_VIEWS.factor_values(totals)


def test_streams_without_views_are_named() -> None:
    streams = [make_stream("s1", views=1_500), make_stream("s2")]
    totals = StreamTotals.from_streams(streams, short_videos=[make_video("v1")])
    with pytest.raises(IdentityError, match=r"needs views.*1 of 2 streams lack views: s2"):
        KUAISHOU_CONTENT_VIEWS.factor_values(totals)


def _periods() -> tuple[list[object], list[object], tuple[list[object], list[object]]]:
    before = [make_stream("s1", account="a1", views=1_500)]
    after = [
        make_stream("s2", account="a1", uv=1_200, watch_minutes=7_200, buyers=180, orders=216,
                    gmv_yuan=19_440, views=1_800, day=date(2021, 9, 1)),
    ]  # fmt: skip
    videos = (
        [make_video("v1", "a1", 500)],
        [make_video("v2", "a1", 1_000), make_video("v3", "a2", 600, day=date(2021, 9, 2))],
    )
    return before, after, videos  # type: ignore[return-value]


@pytest.mark.parametrize("method", METHODS)
def test_attribution_sums_exactly(method: str) -> None:
    before, after, videos = _periods()
    result = attribute(
        KUAISHOU_CONTENT_VIEWS,
        before,
        after,
        method=method,
        short_videos=videos,  # type: ignore[arg-type]
    )
    assert result.delta_fen == 1_944_000 - 1_100_000
    assert sum(f.contribution_fen for f in result.factors) == result.delta_fen
    by_key = {f.key: f for f in result.factors}
    assert by_key["content_views_per_viewer"].before == pytest.approx(2.0)
    assert by_key["content_views_per_viewer"].after == pytest.approx((1_800 + 1_600) / 1_200)


def test_segments_by_account_carry_their_videos() -> None:
    before, after, videos = _periods()
    result = attribute(
        KUAISHOU_CONTENT_VIEWS,
        before,
        after,
        by="account",
        short_videos=videos,  # type: ignore[arg-type]
    )
    assert result.segments is not None
    # a2 posted a video and streamed nothing: a row of its own, with no GMV to move
    assert result.segments.labels == ("a1", "a2")
    fen = np.asarray(result.segments.contributions_fen)
    assert int(fen.sum()) == result.delta_fen
    assert int(fen[1].sum()) == 0


def test_more_video_views_with_the_same_gmv_move_only_the_two_content_factors() -> None:
    stream = make_stream("s1", views=1_500)
    later = make_stream("s2", views=1_500, day=date(2021, 9, 1))
    videos = ([make_video("v1", views=500)], [make_video("v2", views=2_500)])
    result = attribute(KUAISHOU_CONTENT_VIEWS, [stream], [later], short_videos=videos)
    by_key = {f.key: f.contribution for f in result.factors}
    # content views double (2,000 → 4,000), buyers per view halve: ± GMV × ln 2
    assert by_key["content_views_per_viewer"] == pytest.approx(1_100_000 * math.log(2))
    assert by_key["buyers_per_content_view"] == pytest.approx(-1_100_000 * math.log(2))
    assert by_key["uv"] == by_key["orders_per_buyer"] == by_key["aov"] == 0.0
    # the live-only identity sees no change at all
    live = attribute(KUAISHOU, [stream], [later], short_videos=videos)
    assert all(f.contribution == 0.0 for f in live.factors)


def test_by_stream_is_refused_since_videos_belong_to_accounts() -> None:
    before, after, videos = _periods()
    with pytest.raises(IdentityError, match="not split by this dimension"):
        attribute(
            KUAISHOU_CONTENT_VIEWS,
            before,
            after,
            by="stream",
            short_videos=videos,  # type: ignore[arg-type]
        )


def test_the_command_counts_the_periods_videos(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sample.json"
    dataset = steps.sample_dataset()
    steps.dump(dataset, path)
    code = main(
        ["gmv", str(path), "--from", "2021-08-01..2021-08-31", "--to", "2021-09-01..2021-09-30",
         "--brand", "b00", "--identity", "kuaishou-content-views", "--format", "json"]
    )  # fmt: skip
    assert code == 0
    document = json.loads(capsys.readouterr().out)
    section = document["sections"][0]
    assert section["identity"]["key"] == "kuaishou-content-views"
    brand = dataset.brand("b00")
    streams = [s for s in brand.streams if s.started_at.date() >= date(2021, 9, 1)]
    videos = [
        v for v in brand.short_videos
        if date(2021, 9, 1) <= v.posted_at.date() <= date(2021, 9, 30)
    ]  # fmt: skip
    assert streams
    assert videos
    views = sum(s.views or 0 for s in streams) + sum(v.views or 0 for v in videos)
    uv = sum(s.uv for s in streams)
    factor = next(
        f for f in section["attribution"]["factors"] if f["key"] == "content_views_per_viewer"
    )
    assert factor["after"] == pytest.approx(views / uv)


def test_the_gmv_page_describes_the_identity_as_the_code_has_it() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "gmv.md").read_text(encoding="utf-8")
    section = text.split("**`kuaishou-content-views`**", 1)[1].split("**`funnel`**", 1)[0]
    rows = [r for r in section.splitlines() if r.startswith("| `")]
    assert len(rows) == len(KUAISHOU_CONTENT_VIEWS.factors)
    for row, factor in zip(rows, KUAISHOU_CONTENT_VIEWS.factors, strict=True):
        assert row == f"| `{factor.key}` | {factor.name} | {factor.name_zh} | `{factor.formula}` |"
    assert KUAISHOU_CONTENT_VIEWS.name_zh in text


def test_trends_and_plans_take_each_periods_videos() -> None:
    from steps.gmv.plans import parse_amount_fen, plan
    from steps.gmv.trends import trend

    dataset = steps.sample_dataset()
    brand = dataset.brand("b00")
    series = trend(dataset, "b00", by="month", identity="kuaishou-content-views", scores=False)
    september = next(p for p in series.periods if p.period.start == date(2021, 9, 1))
    streams = [s for s in brand.streams if s.started_at.date() >= date(2021, 9, 1)]
    videos = [v for v in brand.short_videos if v.posted_at.date() >= date(2021, 9, 1)]
    views = sum(s.views or 0 for s in streams) + sum(v.views or 0 for v in videos)
    assert september.factors[1] == pytest.approx(views / sum(s.uv for s in streams))
    result = plan(
        dataset, "b00", target_fen=parse_amount_fen("5万"), identity="kuaishou-content-views"
    )
    keys = [f.key for f in result.factors]
    assert keys == list(KUAISHOU_CONTENT_VIEWS.factor_keys)
    # the factor targets multiply back to the target, as for every identity
    assert math.prod(f.target for f in result.factors) == pytest.approx(5 * 10_000 * 100)


def test_a_brand_without_short_videos_provided_cannot_use_the_identity() -> None:
    import attrs

    from steps.domain.enums import Section
    from steps.gmv.scope import period_videos

    brand = steps.sample_dataset().brand("b00")
    assert brand.coverage is not None
    bare = attrs.evolve(
        brand,
        short_videos=(),
        coverage=tuple(c for c in brand.coverage if c.section is not Section.SHORT_VIDEOS),
    )
    assert period_videos(bare, None, date(2021, 9, 1), date(2021, 9, 30)) is None
    assert period_videos(brand, None, date(2021, 9, 1), date(2021, 9, 30))
