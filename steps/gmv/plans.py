"""From a GMV target to factor targets, along the platform's identity.


    from steps.gmv.plans import plan

    p = plan(dataset, "b00", target_fen=500_000_000, period="month", hold=("uv",))
    for f in p.factors:
        print(f.key, f.current, f.target, f.change, [lever.key for lever in f.levers])
    assert abs(p.product() / p.target_gmv_fen - 1) < 1e-9

The plan starts from the **base period**: the latest complete week or month of the brand's
data (`steps.gmv.periods.coverage`), or the one given.  Its self-broadcast streams
give the identity's factors ``x_i`` and GMV ``G0 = Π x_i`` (`steps.gmv.scope`: the
platform's identity; buyers counted once over the period where the order details allow).
The target ``T`` is for the period after it, of the same length.

**Allocation rule: proportional in log space.**  The total log ratio ``R = ln(T / G0)`` is
shared among the factors that are not held, in proportion to their weights (equal unless
given):

    x_i' = x_i · exp(R · w_i / Σ_free w)        for a free factor
    x_i' = x_i                                  for a held one (``hold=("uv",)``)

so the targets multiply back to ``G0 · exp(R) = T`` exactly (up to floating point, well
within a relative 1e-9).  With equal weights and ``k`` free factors, each grows by the same
ratio ``(T / G0)^(1/k)``.  Each factor carries its **levers** (`steps.gmv.levers`): the
indicators of the built-in scorers that move it, with their scores on the base period's data
(the brand restricted to the period, scored through the public `steps.score`; weakest
first) and the scorer's advice where it gives one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias

import attrs

from steps.domain.enums import Platform
from steps.domain.model import Brand, Dataset
from steps.gmv.decompose import AttributionError
from steps.gmv.identities import Identity
from steps.gmv.levers import lever_table
from steps.gmv.periods import (
    CalendarPeriod,
    coverage,
    in_period,
    periods_between,
    restrict,
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
    from steps.scoring.engine import ScoreResults
    from steps.scoring.plugins import PluginHost

__all__ = ["RULE", "FactorTarget", "Lever", "Plan", "PlanError", "parse_amount_fen", "plan"]

Language: TypeAlias = Literal["en", "zh"]
#: The allocation rule's name in the results.
RULE: Final = "log-proportional"


class PlanError(AttributionError):
    """A target that cannot be spread over the factors: no GMV in the base period, a target
    that is not positive, every factor held, an unknown factor or weight."""


def parse_amount_fen(text: str) -> int:
    """An amount in yuan as people write it, to fen: ``500万``, ``1.2亿``, ``¥3,000,000``,
    ``80万元``, ``12345.6`` (the back-office export reader's rules).

    Raises:
        ValueError: not an amount, or not positive.
    """
    from steps.io.exports import _money_fen

    fen = _money_fen(text)
    if fen <= 0:
        raise ValueError(f"must be a positive amount, got {text!r}")
    return fen


@attrs.frozen
class Lever:
    """An indicator that moves a factor, and how it stands in the base period.

    ``score`` is the brand scorer's score, or the mean over the period's streams for a
    stream scorer (``streams`` says over how many); ``None`` when the data cannot score it
    or its scorer is not installed (``name`` is then ``None`` too).
    """

    key: str
    name: str | None
    name_zh: str | None
    score: float | None
    streams: int | None = None
    advice: str | None = None

    @property
    def scorer(self) -> str:
        return self.key.rsplit(".", 1)[0]

    @property
    def indicator(self) -> str:
        return self.key.rsplit(".", 1)[1]


@attrs.frozen
class FactorTarget:
    """One factor: its value in the base period, its target, and the levers that move it."""

    key: str
    name: str
    name_zh: str
    unit: str
    current: float
    target: float
    held: bool
    #: The factor's share of the total log ratio ``ln(T / G0)`` (0 when held).
    share: float
    levers: tuple[Lever, ...] = ()

    @property
    def gap(self) -> float:
        """``target − current``, in the factor's unit."""
        return self.target - self.current

    @property
    def change(self) -> float | None:
        """``target / current − 1``."""
        return self.target / self.current - 1.0 if self.current else None


@attrs.frozen
class Plan:
    """A GMV target decomposed into factor targets (see the module)."""

    brand_id: str
    brand_name: str
    platform: Platform | None
    choice: IdentityChoice
    buyers: BuyerBasis
    base: CalendarPeriod
    target_period: CalendarPeriod
    current_gmv_fen: int
    target_gmv_fen: int
    weights: Mapping[str, float]
    factors: tuple[FactorTarget, ...]
    #: Why the base period was chosen ("latest complete" or "given").
    base_rule: Literal["latest_complete", "given"] = "latest_complete"
    rule: str = RULE

    @property
    def identity(self) -> Identity:
        return self.choice.identity

    @property
    def log_ratio(self) -> float:
        """``ln(T / G0)``."""
        return math.log(self.target_gmv_fen / self.current_gmv_fen)

    @property
    def change(self) -> float:
        return self.target_gmv_fen / self.current_gmv_fen - 1.0

    def product(self) -> float:
        """The product of the factor targets: the target GMV in fen, up to rounding."""
        return math.prod(f.target for f in self.factors)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (money in fen)."""
        return {
            "brand_id": self.brand_id,
            "brand_name": self.brand_name,
            "platform": self.platform.value if self.platform is not None else None,
            "scope": "self_broadcast",
            "identity": {
                "key": self.identity.key,
                "name": self.identity.name,
                "name_zh": self.identity.name_zh,
                "formula": self.identity.formula(),
            },
            "identity_fallback": (
                {"wanted": self.choice.wanted.key, "missing": list(self.choice.missing)}
                if self.choice.wanted is not None
                else None
            ),
            "buyers": self.buyers.definition,
            "base": {
                "period": self.base.label,
                "start": self.base.start.isoformat(),
                "end": self.base.end.isoformat(),
                "rule": self.base_rule,
            },
            "target_period": {
                "period": self.target_period.label,
                "start": self.target_period.start.isoformat(),
                "end": self.target_period.end.isoformat(),
            },
            "current_gmv_fen": self.current_gmv_fen,
            "target_gmv_fen": self.target_gmv_fen,
            "change": self.change,
            "rule": self.rule,
            "log_ratio": self.log_ratio,
            "weights": dict(self.weights),
            "product_fen": self.product(),
            "factors": [
                {
                    "key": f.key,
                    "name": f.name,
                    "name_zh": f.name_zh,
                    "unit": f.unit,
                    "current": f.current,
                    "target": f.target,
                    "gap": f.gap,
                    "change": f.change,
                    "held": f.held,
                    "share": f.share,
                    "levers": [
                        {
                            "key": lever.key,
                            "name": lever.name,
                            "name_zh": lever.name_zh,
                            "score": lever.score,
                            "streams": lever.streams,
                            "advice": lever.advice,
                        }
                        for lever in f.levers
                    ],
                }
                for f in self.factors
            ],
        }


# ------------------------------------------------------------------------------ levers


def _score_base(
    brand: Brand, scorers: Sequence[str], lang: Language, host: PluginHost | None
) -> list[ScoreResults]:
    """The base period's cards of ``scorers`` through the public API, each scorer on its
    own so that a missing or failing one leaves the others."""
    import steps

    out = []
    for name in scorers:
        try:
            out.append(
                steps.score(
                    Dataset(brands=(brand,)), [name], steps.ScoringContext(language=lang), host=host
                )
            )
        except Exception:  # noqa: S112  # a scorer that is not installed: its levers go unscored
            continue
    return out


def _levers(
    keys: Iterable[str], results: Sequence[ScoreResults], brand_id: str
) -> tuple[Lever, ...]:
    found: dict[str, Lever] = {}
    order = {key: i for i, key in enumerate(keys)}
    per_stream: dict[str, list[float]] = {}
    names: dict[str, tuple[str, str]] = {}
    advice: dict[str, str] = {}
    brand_scores: dict[str, float | None] = {}
    from steps.scoring.results import SubjectKind

    for result in results:
        for card in result.cards:
            for component in card.components:
                for indicator in component.indicators:
                    key = f"{card.scorer}.{indicator.key}"
                    if key not in order:
                        continue
                    names.setdefault(key, (indicator.name, indicator.name_zh))
                    if card.subject_kind is SubjectKind.BRAND and card.subject_id == brand_id:
                        brand_scores[key] = indicator.score
                    elif indicator.score is not None:
                        per_stream.setdefault(key, []).append(indicator.score)
            if card.subject_kind is SubjectKind.BRAND:
                for move in card.recommendations:
                    key = f"{card.scorer}.{move.indicator}"
                    if key in order:
                        advice.setdefault(key, move.text)
    for key in order:
        name = names.get(key)
        if key in brand_scores:
            found[key] = Lever(key, name[0] if name else None, name[1] if name else None,
                               brand_scores[key], advice=advice.get(key))  # fmt: skip
        elif key in per_stream:
            scores = per_stream[key]
            found[key] = Lever(key, name[0] if name else None, name[1] if name else None,
                               sum(scores) / len(scores), streams=len(scores))  # fmt: skip
        else:
            found[key] = Lever(key, name[0] if name else None, name[1] if name else None, None)

    def rank(lever: Lever) -> tuple[int, float, int]:
        missing = lever.score is None
        return (int(missing), lever.score if lever.score is not None else 0.0, order[lever.key])

    return tuple(sorted(found.values(), key=rank))


# ------------------------------------------------------------------------------ plan


def _base_period(brand: Brand, kind: Literal["week", "month"]) -> CalendarPeriod:
    """The latest week or month wholly inside the span the brand's data covers."""
    span = coverage(brand)
    if span is None:
        raise PlanError(f"brand {brand.brand_id!r} has neither a window nor streams")
    complete = [p for p in periods_between(span[0], span[1], kind)
                if span[0] <= p.start and p.end <= span[1]]  # fmt: skip
    if not complete:
        raise PlanError(
            f"the data of brand {brand.brand_id!r} ({span[0]}..{span[1]}) covers no whole "
            f"{kind}: give the base period"
        )
    return complete[-1]


def plan(
    dataset: Dataset | Brand,
    brand_id: str | None = None,
    *,
    target_fen: int,
    period: Literal["week", "month"] = "month",
    hold: Iterable[str] = (),
    weights: Mapping[str, float] | None = None,
    base: CalendarPeriod | tuple[date, date] | None = None,
    platform: Platform | str | None = None,
    identity: Identity | str | None = None,
    levers: bool = True,
    lang: Language = "en",
    host: PluginHost | None = None,
) -> Plan:
    """Decompose ``target_fen`` (GMV for the period after the base) into factor targets.

    Args:
        dataset: the dataset holding the brand (or the brand, with ``brand_id`` left out).
        brand_id: the brand's id.
        target_fen: the GMV target, in fen (`parse_amount_fen` reads ``500万``).
        period: ``"month"`` or ``"week"``: the base is the latest complete one.
        hold: factor keys pinned at their current value (``"uv"``).
        weights: factor key → weight (>= 0) for sharing the log ratio; equal by default;
            factors not named weigh 1.
        base: the base period instead of the latest complete one.
        platform: the platform whose streams to plan for, when the brand has several.
        identity: an identity (or built-in key) instead of the platform's own.
        levers: score the base period to rank each factor's levers (``False`` lists them
            unscored).
        lang: the language of the scorers' advice.
        host: the plugin host to score with (default: the process-wide one).

    Raises:
        KeyError: no brand ``brand_id``.
        PlanError: no GMV in the base period, a target that is not positive, every factor
            held with a target other than the current GMV, an unknown factor in ``hold``
            or ``weights``, a negative weight, no whole period in the data.
        ValueError: a brand on several platforms without ``platform``.
    """
    brand = dataset if isinstance(dataset, Brand) else dataset.brand(str(brand_id))
    if period not in ("week", "month"):
        raise PlanError(f"period must be 'week' or 'month', got {period!r}")
    if isinstance(target_fen, bool) or not isinstance(target_fen, int) or target_fen <= 0:
        raise PlanError(f"the target must be a positive whole number of fen, got {target_fen!r}")
    chosen_platform, streams = platform_streams(brand, platform)
    if base is None:
        base_period = _base_period(brand, period)
        base_rule: Literal["latest_complete", "given"] = "latest_complete"
    else:
        base_period = base if isinstance(base, CalendarPeriod) else CalendarPeriod(*base)
        base_rule = "given"
    chosen = [s for s in streams if in_period(s, base_period)]
    choice = choose_identity(chosen_platform, [chosen], identity=identity)
    basis = buyer_basis(brand.orders, [chosen])
    totals = period_totals(
        chosen,
        basis.buyers[0] if basis.distinct else None,
        period_videos(brand, chosen_platform, base_period.start, base_period.end),
    )
    x = [float(v) for v in choice.identity.factor_values(totals)[0]]
    current = int(totals.gmv_fen_exact[0])
    if current <= 0:
        raise PlanError(
            f"brand {brand.brand_id!r} has no self-broadcast GMV in {base_period.label}: "
            "a target cannot be spread over factors that are zero"
        )
    keys = choice.identity.factor_keys
    held = set(hold)
    chosen_weights = dict.fromkeys(keys, 1.0) | dict(weights or {})
    unknown = sorted((held | set(chosen_weights)) - set(keys))
    if unknown:
        raise PlanError(
            f"unknown factor(s) {', '.join(unknown)} of identity {choice.identity.key!r} "
            f"(known: {', '.join(keys)})"
        )
    if any(not (w >= 0 and math.isfinite(w)) for w in chosen_weights.values()):
        raise PlanError(f"weights must be finite and >= 0, got {chosen_weights}")
    free = [k for k in keys if k not in held and chosen_weights[k] > 0]
    ratio = math.log(target_fen / current)
    if not free and ratio != 0:
        raise PlanError("every factor is held (or weighs 0): nothing can move GMV to the target")
    total_weight = sum(chosen_weights[k] for k in free)
    shares = {k: (chosen_weights[k] / total_weight if k in free else 0.0) for k in keys}
    table = lever_table(choice.identity.factor_keys, choice.identity.key, host)
    scored = (
        _score_base(restrict(brand, base_period), _scorers(table), lang, host) if levers else []
    )
    factors = []
    for factor, value in zip(choice.identity.factors, x, strict=True):
        target = value * math.exp(ratio * shares[factor.key])
        factors.append(
            FactorTarget(
                key=factor.key,
                name=factor.name,
                name_zh=factor.name_zh,
                unit=factor.unit,
                current=value,
                target=target,
                held=factor.key in held,
                share=shares[factor.key],
                levers=_levers(table[factor.key], scored, brand.brand_id),
            )
        )
    return Plan(
        brand_id=brand.brand_id,
        brand_name=brand.name,
        platform=chosen_platform,
        choice=choice,
        buyers=basis,
        base=base_period,
        target_period=base_period.next(),
        current_gmv_fen=current,
        target_gmv_fen=target_fen,
        weights={k: chosen_weights[k] for k in keys},
        factors=tuple(factors),
        base_rule=base_rule,
    )


def _scorers(table: Mapping[str, tuple[str, ...]]) -> list[str]:
    names: dict[str, None] = {}
    for keys in table.values():
        names.update(dict.fromkeys(key.rsplit(".", 1)[0] for key in keys))
    return list(names)
