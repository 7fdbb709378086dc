"""GMV at stake: what closing an indicator's gap to target is worth, in fen.

Every built-in GMV identity is a product of factors (``GMV = UV × minutes per viewer ×
buyers per watch-minute × orders per buyer × AOV`` on Kuaishou, FACT+ on Douyin).  An
indicator declares the factors it moves (`Indicator.moves`); a next move on it is worth,
with the other factors held,

    GMV at stake = base GMV × (m − 1) × s,   m = 1 + (CAP − 1) × (1 − value / target)

(``1 − target / value`` when lower is better).  **The assumption**: the factor grows with
the indicator's relative shortfall from its target, by up to ``CAP`` (+50%, for an
indicator at zero: one gap never promises more), in proportion ``s`` to the indicator's
weight among the card's measured indicators that move the same factor (several indicators
read one factor; each carries its part of it).  A peer benchmark's median stands for the
target.  The base GMV is

* for a brand card, the next 30 days at the run rate of the brand's self-broadcast GMV
  over its window (`monthly_gmv_fen`);
* for a stream card, the next stream like this one (the stream's own GMV).

It is an estimate, to rank moves by, not a forecast.  A move that cannot be estimated (it
asks for data, its indicator moves no factor we can name, its benchmark has no target,
there is no GMV to scale) says why, and ranks after those that can
(`rank_moves`).  Only the moves a card carries are estimated: the per-stream scoring
path computes nothing more.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Final

import attrs

from steps.domain.model import Brand
from steps.scoring.indicators import Benchmark, Direction, LinearBenchmark, PeerBenchmark
from steps.scoring.messages import Catalogue, builtin_catalogue
from steps.scoring.results import Recommendation
from steps.scoring.units import money_fen, number, percent

__all__ = [
    "CAP",
    "PERIOD_DAYS",
    "Stake",
    "factor_ratio",
    "factor_shares",
    "factor_text",
    "monthly_gmv_fen",
    "rank_moves",
]

#: The most a factor is assumed to grow by closing one indicator's gap (×1.5: +50%).
CAP: Final = 1.5
_CAP_TEXT: Final = f"{CAP:g}"
#: The period a brand move's GMV at stake covers, in days.
PERIOD_DAYS: Final = 30


@attrs.frozen
class Stake:
    """A move's estimate: ``fen`` (``None``: not estimated), the ``factor`` it moves and
    the ``basis`` (the period and the assumption, or why there is no estimate)."""

    fen: int | None
    factor: str | None
    basis: str


def factor_ratio(value: float, benchmark: Benchmark) -> float | None:
    """How much the factor grows when the indicator closes its gap to target:
    ``1 + (CAP − 1) × (1 − value / target)`` (``1 − target / value`` when lower is better),
    so 1 at the target, ``CAP`` for a value at zero (or past any ratio, a lower-is-better
    target at zero), and in between in proportion to the relative shortfall.  ``None`` when
    the benchmark has no target (not linear, not peers) or the ratio means nothing (a
    higher-is-better target at or below zero)."""
    if isinstance(benchmark, LinearBenchmark):
        target, lower = benchmark.target, benchmark.target < benchmark.floor
    elif isinstance(benchmark, PeerBenchmark):
        target, lower = benchmark.median, benchmark.direction is Direction.LOWER_IS_BETTER
    else:
        return None
    if not math.isfinite(value):
        return None
    if lower:
        if value <= target:
            return 1.0
        shortfall = 1.0 if target <= 0 else 1.0 - target / value
    else:
        if value >= target:
            return 1.0
        if target <= 0:
            return None
        shortfall = 1.0 if value <= 0 else 1.0 - value / target
    return 1.0 + (CAP - 1.0) * min(1.0, max(0.0, shortfall))


def _window(brand: Brand) -> tuple[date, date] | None:
    days = [s.started_at.date() for s in brand.streams]
    start = brand.window_start or (min(days) if days else None)
    end = brand.window_end or (max(days) if days else None)
    if start is None or end is None or end < start:
        return None
    return start, end


def monthly_gmv_fen(brand: Brand) -> int | None:
    """The brand's self-broadcast GMV over `PERIOD_DAYS` at its window's run rate
    (the streams' GMV ÷ the window's days × 30); ``None`` with no stream or no GMV."""
    window = _window(brand)
    if window is None:
        return None
    start, end = window
    total = sum(s.gmv_fen for s in brand.streams if start <= s.started_at.date() <= end)
    if total <= 0:
        return None
    days = (end - start).days + 1
    return (total * PERIOD_DAYS + days // 2) // days


def factor_text(factor: str, language: str, catalogue: Catalogue | None = None) -> str:
    """A factor key in words (the catalogue's ``factor.<key>`` in ``language``, else in
    English, else the key)."""
    catalogue = catalogue or builtin_catalogue()
    key = f"factor.{factor}"
    return catalogue.template(key, language) or catalogue.template(key, "en") or factor


def estimate(
    *,
    value: float | None,
    benchmark: Benchmark | None,
    moves: Sequence[str],
    base_fen: int | None,
    stream: bool,
    language: str,
    catalogue: Catalogue,
    share: float = 1.0,
) -> Stake:
    """The GMV at stake of one move (see the module's docstring for the rule); ``share`` is
    the indicator's share of the factor (`factor_shares`)."""
    factor = moves[0] if moves else None
    if factor is None:
        return Stake(None, None, catalogue.text("stake.no_factor", language))
    if value is None or benchmark is None:
        return Stake(None, factor, catalogue.text("stake.no_target", language))
    ratio = factor_ratio(value, benchmark)
    if ratio is None:
        return Stake(None, factor, catalogue.text("stake.no_target", language))
    if not base_fen:
        return Stake(None, factor, catalogue.text("stake.no_gmv", language))
    basis = catalogue.text(
        "stake.basis_stream" if stream else "stake.basis_brand",
        language,
        base=money_fen(base_fen, language),
        factor=factor_text(factor, language, catalogue),
        ratio=number(ratio, language),
        cap=_CAP_TEXT,
        share=percent(share),
    )
    return Stake(round(base_fen * (ratio - 1.0) * share), factor, basis)


def factor_shares(
    weights: Iterable[tuple[str, float]],
) -> dict[str, float]:
    """Factor → the total weight of the card's measured indicators that move it, from
    ``(first declared factor, the indicator's weight in the card)`` pairs; an indicator's
    share of its factor is its weight over that total."""
    totals: dict[str, float] = {}
    for factor, weight in weights:
        totals[factor] = totals.get(factor, 0.0) + weight
    return totals


def staked(
    move: Recommendation, stake: Stake, language: str, catalogue: Catalogue
) -> Recommendation:
    """``move`` carrying ``stake``, its text ending with the amount (or why there is none)."""
    if stake.fen is not None:
        text = catalogue.text(
            "stake.at_stake", language, text=move.text, amount=money_fen(stake.fen, language)
        )
    else:
        text = catalogue.text("stake.not_estimated", language, text=move.text, reason=stake.basis)
    return Recommendation(
        text=text,
        component=move.component,
        indicator=move.indicator,
        priority=move.priority,
        gmv_at_stake_fen=stake.fen,
        factor=stake.factor,
        stake_basis=stake.basis,
    )


def rank_moves(
    moves: Sequence[Recommendation],
    actions: Sequence[str | None] | None = None,
    limit: int | None = None,
) -> list[Recommendation]:
    """Moves ranked by GMV at stake, largest first; those without an estimate after, each
    group in the order given.  No two moves on the same indicator, nor two recommending the
    same action (``actions[i]``: move ``i``'s advice, ``None``: its text), the first in rank
    order kept; at most ``limit``."""
    order = sorted(
        range(len(moves)),
        key=lambda i: (
            moves[i].gmv_at_stake_fen is None,
            -(moves[i].gmv_at_stake_fen or 0),
            i,
        ),
    )
    out: list[Recommendation] = []
    seen: set[tuple[str | None, str | None, str]] = set()
    for i in order:
        move = moves[i]
        action = (actions[i] if actions is not None else None) or move.text
        keys: set[tuple[str, str | None, str]] = {("action", None, action)}
        if move.indicator is not None:
            keys.add(("indicator", move.component, move.indicator))
        if keys & seen:
            continue
        seen |= keys
        out.append(move)
    return out if limit is None else out[:limit]
