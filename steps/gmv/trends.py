"""GMV over time, week by week or month by month: the factors of the platform's identity,
the STEPS pillars, and each period's change attributed exactly to the factors.


    from steps.gmv.trends import trend

    series = trend(dataset, "b00", by="week")
    for p in series.periods:
        print(p.label, p.gmv_fen, p.factors, [(x.key, x.score) for x in p.pillars])
        if p.previous is not None:              # 环比: against the period before
            print(p.previous.delta_fen, p.previous.contributions_fen)
        if p.year_ago is not None:              # 同比: against the same period a year back
            print(p.year_ago.change)

The series runs over every week (ISO, Monday to Sunday) or calendar month that the brand's
data covers (`steps.gmv.periods.coverage`: its window, else its stream dates); a
period only partly inside that span is marked incomplete.  Each period holds

* GMV, UV and the factors of the platform's identity over the period's self-broadcast
  streams (`steps.gmv.scope`: Kuaishou's five factors for Kuaishou, FACT+ for Douyin;
  buyers counted once over the period where the order details itemise every order);
* the talent GMV credited to the period, for context;
* the STEPS score and each pillar's score with the brand restricted to the period
  (`steps.gmv.periods.restrict`), through the public `steps.score` with the
  ``steps`` scorer only, the lifecycle stage held at the one inferred over all the data so
  that the periods are weighed alike.  A pillar the data cannot score is ``None``, never 0;
* the change from the period before (环比) and, where the series reaches a year back, from
  the same period a year earlier (同比), each attributed to the factors with the additive
  LMDI (`steps.gmv.attribution.attribute`): the contributions, in whole fen, add up
  to the change exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias

import attrs

from steps.domain.enums import Platform
from steps.domain.model import Brand, Dataset, Stream
from steps.gmv.attribution import attribute
from steps.gmv.identities import Identity, StreamTotals
from steps.gmv.periods import (
    CalendarPeriod,
    coverage,
    in_period,
    periods_between,
    restrict,
    talent_gmv_fen,
)
from steps.gmv.scope import (
    BuyerBasis,
    IdentityChoice,
    buyer_basis,
    choose_identity,
    period_totals,
    period_videos,
    platform_streams,
)

if TYPE_CHECKING:
    from steps.scoring.plugins import PluginHost

__all__ = ["PILLAR_SCORER", "Change", "Pillar", "Trend", "TrendPeriod", "trend"]

Language: TypeAlias = Literal["en", "zh"]

#: The scorer whose pillars a trend follows.
PILLAR_SCORER: Final = "steps"


@attrs.frozen
class Pillar:
    """One STEPS pillar's score in a period; ``score`` is ``None`` when the period's data
    cannot score it."""

    key: str
    name: str
    name_zh: str
    score: float | None


@attrs.frozen
class Change:
    """GMV from a base period to a period, attributed to the identity's factors.

    ``contributions_fen`` (whole fen, one per factor) add up to `delta_fen` exactly;
    ``contributions`` are the unrounded LMDI values.
    """

    base: str
    gmv_before_fen: int
    gmv_after_fen: int
    uv_before: int
    uv_after: int
    contributions_fen: tuple[int, ...]
    contributions: tuple[float, ...]

    @property
    def delta_fen(self) -> int:
        return self.gmv_after_fen - self.gmv_before_fen

    @property
    def change(self) -> float | None:
        """Relative change of GMV; ``None`` when the base had none."""
        return self.delta_fen / self.gmv_before_fen if self.gmv_before_fen else None

    @property
    def uv_change(self) -> float | None:
        return (self.uv_after - self.uv_before) / self.uv_before if self.uv_before else None

    def to_dict(self, factor_keys: Sequence[str]) -> dict[str, Any]:
        return {
            "base": self.base,
            "gmv_before_fen": self.gmv_before_fen,
            "gmv_after_fen": self.gmv_after_fen,
            "delta_fen": self.delta_fen,
            "change": self.change,
            "uv_before": self.uv_before,
            "uv_after": self.uv_after,
            "uv_change": self.uv_change,
            "contributions_fen": dict(zip(factor_keys, self.contributions_fen, strict=True)),
        }


@attrs.frozen
class TrendPeriod:
    """One period of a `Trend`."""

    period: CalendarPeriod
    #: The period lies wholly within the span the data covers.
    complete: bool
    streams: int
    gmv_fen: int
    uv: int
    #: Buyers as the identity counts them (see `Trend.buyers`).
    buyers: int
    #: The identity's factors, in its order (`Trend.identity`).
    factors: tuple[float, ...]
    talent_gmv_fen: int
    steps_score: float | None
    pillars: tuple[Pillar, ...]
    #: Why the pillars are unavailable (the scorer is missing or failed), or why the STEPS
    #: score was withheld (the period's data is too thin: ``steps_score`` is ``None`` and
    #: the pillars measured are kept), else ``None``.
    pillars_note: str | None
    #: The change from the period before (环比); ``None`` for the first period.
    previous: Change | None
    #: The change from the same period a year earlier (同比), when the series reaches it.
    year_ago: Change | None

    @property
    def label(self) -> str:
        return self.period.label

    def pillar(self, key: str) -> Pillar | None:
        return next((p for p in self.pillars if p.key == key), None)


@attrs.frozen
class Trend:
    """A brand's self-broadcast GMV on one platform, period by period."""

    brand_id: str
    brand_name: str
    platform: Platform | None
    by: Literal["week", "month"]
    choice: IdentityChoice
    buyers: BuyerBasis
    #: The lifecycle stage the STEPS scores of every period are weighed by.
    stage: str | None
    periods: tuple[TrendPeriod, ...]

    @property
    def identity(self) -> Identity:
        return self.choice.identity

    @property
    def pillar_keys(self) -> tuple[str, ...]:
        """The pillars that appear in any period, in the scorer's order."""
        keys: dict[str, None] = {}
        for period in self.periods:
            keys.update(dict.fromkeys(p.key for p in period.pillars))
        return tuple(keys)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (money in fen)."""
        keys = self.identity.factor_keys
        return {
            "brand_id": self.brand_id,
            "brand_name": self.brand_name,
            "platform": self.platform.value if self.platform is not None else None,
            "by": self.by,
            "scope": "self_broadcast",
            "identity": {
                "key": self.identity.key,
                "name": self.identity.name,
                "name_zh": self.identity.name_zh,
                "formula": self.identity.formula(),
                "factors": list(keys),
            },
            "identity_fallback": (
                {
                    "wanted": self.choice.wanted.key,
                    "missing": list(self.choice.missing),
                    "reason": self.choice.reason,
                }
                if self.choice.wanted is not None
                else None
            ),
            "buyers": self.buyers.definition,
            "stage": self.stage,
            "periods": [
                {
                    "period": p.label,
                    "start": p.period.start.isoformat(),
                    "end": p.period.end.isoformat(),
                    "complete": p.complete,
                    "streams": p.streams,
                    "gmv_fen": p.gmv_fen,
                    "uv": p.uv,
                    "buyers": p.buyers,
                    "factors": dict(zip(keys, p.factors, strict=True)),
                    "talent_gmv_fen": p.talent_gmv_fen,
                    "steps_score": p.steps_score,
                    "pillars": {x.key: x.score for x in p.pillars},
                    "pillars_note": p.pillars_note,
                    "previous": p.previous.to_dict(keys) if p.previous is not None else None,
                    "year_ago": p.year_ago.to_dict(keys) if p.year_ago is not None else None,
                }
                for p in self.periods
            ],
        }


def _change(identity: Identity, base: tuple[str, StreamTotals], now: StreamTotals) -> Change:
    label, before = base
    result = attribute(identity, before, now)
    return Change(
        base=label,
        gmv_before_fen=result.gmv_before_fen,
        gmv_after_fen=result.gmv_after_fen,
        uv_before=round(float(before.columns["uv"][0])),
        uv_after=round(float(now.columns["uv"][0])),
        contributions_fen=tuple(f.contribution_fen for f in result.factors),
        contributions=tuple(f.contribution for f in result.factors),
    )


@attrs.frozen
class _Scores:
    score: float | None
    pillars: tuple[Pillar, ...]
    note: str | None


def _scores(brand: Brand, stage: str | None, lang: Language, host: PluginHost | None) -> _Scores:
    """The STEPS card of ``brand`` through the public API; never raises."""
    import steps

    options = {f"{PILLAR_SCORER}.stage": stage} if stage else {}
    try:
        results = steps.score(
            Dataset(brands=(brand,)),
            [PILLAR_SCORER],
            steps.ScoringContext(language=lang, options=options),
            host=host,
        )
    except Exception as error:  # a missing or broken scorer: the trend stands without it
        return _Scores(None, (), f"{type(error).__name__}: {error}")
    for card in results.cards:
        if card.scorer == PILLAR_SCORER and card.subject_id == brand.brand_id:
            score: float | None = card.score
            pillars = tuple(Pillar(c.key, c.name, c.name_zh, c.score) for c in card.components)
            return _Scores(score, pillars, card.withheld)
    errors = [e for e in results.errors if e.scorer == PILLAR_SCORER]
    note = f"{errors[0].error_type}: {errors[0].message}" if errors else "no card"
    return _Scores(None, (), note)


def _stage(brand: Brand, lang: Language, host: PluginHost | None) -> str | None:
    """The lifecycle stage the scorer infers over all the brand's data."""
    import steps

    try:
        results = steps.score(
            Dataset(brands=(brand,)),
            [PILLAR_SCORER],
            steps.ScoringContext(language=lang),
            host=host,
        )
    except Exception:  # no scorer: no stage to hold
        return None
    for card in results.cards:
        if card.scorer == PILLAR_SCORER:
            return card.notes.get("stage") or None
    return None


def _trimmed(
    periods: Sequence[CalendarPeriod], span: tuple[date, date], streams: Sequence[Stream]
) -> tuple[CalendarPeriod, ...]:
    """``periods`` without the partly covered ones at either end that hold no stream: a
    window that starts on a Sunday does not open the series with an empty week."""
    first, last = 0, len(periods)

    def idle(period: CalendarPeriod) -> bool:
        partial = period.start < span[0] or period.end > span[1]
        return partial and not any(in_period(s, period) for s in streams)

    while first < last - 1 and idle(periods[first]):
        first += 1
    while last - 1 > first and idle(periods[last - 1]):
        last -= 1
    return tuple(periods[first:last])


def trend(
    dataset: Dataset | Brand,
    brand_id: str | None = None,
    *,
    by: Literal["week", "month"] = "week",
    platform: Platform | str | None = None,
    identity: Identity | str | None = None,
    scores: bool = True,
    lang: Language = "en",
    host: PluginHost | None = None,
) -> Trend:
    """The brand's self-broadcast GMV period by period (see the module).

    Args:
        dataset: the dataset holding the brand (or the brand itself, with ``brand_id``
            left out).
        brand_id: the brand's id.
        by: ``"week"`` (ISO weeks) or ``"month"``.
        platform: the platform whose streams to follow; needed only when the brand
            streams on several (each platform has its own identity).
        identity: an identity (or built-in key) to use instead of the platform's own.
        scores: score the STEPS pillars per period (``False`` skips the scorer).
        lang: the language of the scorer's notes (the pillar names carry both).
        host: the plugin host to score with (default: the process-wide one).

    Raises:
        KeyError: no brand ``brand_id`` in the dataset.
        ValueError: an unknown ``by``; a brand on several platforms without ``platform``;
            a brand with neither a window nor streams.
        IdentityError: the streams' counts are inconsistent with the identity.
    """
    brand = dataset if isinstance(dataset, Brand) else dataset.brand(str(brand_id))
    if by not in ("week", "month"):
        raise ValueError(f"by must be 'week' or 'month', got {by!r}")
    chosen_platform, streams = platform_streams(brand, platform)
    span = coverage(brand)
    if span is None:
        raise ValueError(f"brand {brand.brand_id!r} has neither a window nor streams")
    periods = _trimmed(periods_between(span[0], span[1], by), span, streams)
    groups = [[s for s in streams if in_period(s, p)] for p in periods]
    choice = choose_identity(chosen_platform, groups, identity=identity)
    basis = buyer_basis(brand.orders, groups)
    totals = [
        period_totals(
            group,
            basis.buyers[i] if basis.distinct else None,
            period_videos(brand, chosen_platform, periods[i].start, periods[i].end),
        )
        for i, group in enumerate(groups)
    ]
    values = [choice.identity.factor_values(t)[0] for t in totals]
    collabs = [
        c for c in brand.talent_collabs if chosen_platform is None or c.platform == chosen_platform
    ]
    stage = _stage(brand, lang, host) if scores else None
    position = {p.label: i for i, p in enumerate(periods)}
    out = []
    for i, (period, group) in enumerate(zip(periods, groups, strict=True)):
        here = totals[i]
        previous = (
            _change(choice.identity, (periods[i - 1].label, totals[i - 1]), here) if i else None
        )
        back = period.year_ago()
        j = position.get(back.label) if back is not None else None
        year_ago = (
            _change(choice.identity, (periods[j].label, totals[j]), here) if j is not None else None
        )
        scored = (
            _scores(restrict(brand, period), stage, lang, host)
            if scores
            else _Scores(None, (), None)
        )
        out.append(
            TrendPeriod(
                period=period,
                complete=span[0] <= period.start and period.end <= span[1],
                streams=len(group),
                gmv_fen=int(here.gmv_fen_exact[0]),
                uv=sum(s.uv for s in group),
                buyers=basis.buyers[i],
                factors=tuple(float(x) for x in values[i]),
                talent_gmv_fen=talent_gmv_fen(collabs, period),
                steps_score=scored.score,
                pillars=scored.pillars,
                pillars_note=scored.note,
                previous=previous,
                year_ago=year_ago,
            )
        )
    return Trend(
        brand_id=brand.brand_id,
        brand_name=brand.name,
        platform=chosen_platform,
        by=by,
        choice=choice,
        buyers=basis,
        stage=stage,
        periods=tuple(out),
    )
