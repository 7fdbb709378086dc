"""One formatter for the values people read: shares, money, multiples, rates and durations.

Every display string of a value goes through `quantity` (an indicator's value in its
unit) or `money_fen` / `money_yuan` (an amount): explanations, benchmark
descriptions, next moves and the outputs that show them, in English and Chinese alike.

* a **share** (``"share"``, ``"share of GMV"`` …) reads as a percentage: ``0.254`` →
  ``25.4%``;
* **money** reads in yuan with the ¥ sign: thousands separators in English (``¥12,345``),
  万 and 亿 in Chinese (``¥1.2万``, ``¥3.45亿``); below ¥100 with fen (``¥18.96``);
* a **multiple** (``"×"``) reads ``1.62×``;
* **rates** and **durations** read in words from the catalogue (``3.2 per hour``,
  ``1.2 per 100 viewers``, ``42 min``, ``每小时 3.2 次``);
* a yes/no indicator (``"enrolled (1) or not (0)"``) reads ``enrolled`` / ``not enrolled``.

The words around a number come from the message catalogue (``display."<unit>"``, see
``steps/data/messages/*.toml``), so that Chinese output holds no English unit.  A unit the
table does not know (a plugin's) shows as the number and the unit as written.
"""

from __future__ import annotations

import functools
import math
from typing import Final

from steps.scoring.messages import builtin_catalogue, text

__all__ = [
    "ValueKind",
    "bound",
    "known",
    "lower_is_better",
    "money_fen",
    "money_yuan",
    "number",
    "percent",
    "quantity",
    "value_kind",
]

#: How a unit's number is written.
ValueKind = str

_SHARE: Final = "share"
_MULTIPLE: Final = "multiple"
_MONEY: Final = "money"
_MONEY_MILLION: Final = "money_million"
_FLAG: Final = "flag"
_NUMBER: Final = "number"
_POINTS: Final = "points"
_PERCENT_POINTS: Final = "percent_points"
_SHARE_RATE: Final = "share_rate"
_PER_HUNDRED: Final = "per_hundred"

#: The units of the built-in indicators whose number is not a plain number.
_KINDS: Final[dict[str, ValueKind]] = {
    "share": _SHARE,
    "share of GMV": _SHARE,
    "share of list price": _SHARE,
    "share of orders": _SHARE,
    "share of reviews": _SHARE,
    "share of viewers": _SHARE,
    "share of buyers": _SHARE,
    "share points": _PERCENT_POINTS,
    "share/week": _SHARE_RATE,
    "×": _MULTIPLE,
    "× (max / min price)": _MULTIPLE,
    "× 100w": _MONEY_MILLION,
    "yuan/fan": _MONEY,
    "yuan/hour": _MONEY,
    "CNY per viewer": _MONEY,
    "CNY per 1,000 views": _MONEY,
    "CNY per 1,000 exposures": _MONEY,
    "CNY per 1,000 reached": _MONEY,
    "yuan": _MONEY,
    "fen": _MONEY,
    "enrolled (1) or not (0)": _FLAG,
    "points (0–100)": _POINTS,
    "fans/viewer": _PER_HUNDRED,
    "members/follower": _PER_HUNDRED,
}


def value_kind(unit: str) -> ValueKind:
    """How ``unit``'s number is written: ``share``, ``multiple``, ``money``, ... or
    ``number`` for a unit read as a plain number."""
    return _KINDS.get(unit, _NUMBER)


@functools.lru_cache(maxsize=512)
def known(unit: str) -> bool:
    """Whether the formatter knows ``unit`` (a built-in indicator's unit: one it reads as a
    share, money, a multiple ..., or one the catalogue has display words for)."""
    return unit in _KINDS or builtin_catalogue().template(f"display.{unit}", "en") is not None


def bound(value: float, unit: str | None, language: str = "en") -> str:
    """A benchmark's target or floor: `quantity` in a unit the formatter knows, else
    the plain number (``2000``), as a plugin's benchmarks read before units were
    formatted.  ``+ 0.0`` shows -0.0 as 0."""
    if unit is None or not known(unit):
        return f"{value + 0.0:.4g}"
    return quantity(value + 0.0, unit, language)


def lower_is_better(floor: float, target: float) -> bool:
    """Whether a linear benchmark rewards lower values (its target lies below its floor)."""
    return target < floor


def _trim(digits: str) -> str:
    if "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    return "0" if digits == "-0" or not digits else digits


def number(value: float, language: str = "en") -> str:
    """A plain number for reading: whole and grouped from 100 up (``31,220``; in Chinese
    ``3.12万`` from 10,000 up), one decimal from 10, two below, two significant digits
    under 0.01."""
    if not math.isfinite(value):
        return str(value)
    magnitude = abs(value)
    if language == "zh" and magnitude >= 1e4:
        return _wan(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return _trim(f"{value:.1f}")
    if magnitude >= 0.01 or magnitude == 0:
        return _trim(f"{value:.2f}")
    return f"{value:.2g}"


def _wan(value: float) -> str:
    """A large number with 万 (10⁴) or 亿 (10⁸), three significant digits."""
    if abs(value) >= 1e8:
        return _trim(f"{value / 1e8:.3g}" if abs(value) < 1e11 else f"{value / 1e8:.0f}") + "亿"
    scaled = value / 1e4
    return _trim(f"{scaled:.3g}" if abs(scaled) < 1000 else f"{scaled:.0f}") + "万"


def percent(share: float) -> str:
    """A share as a percentage: ``0.254`` → ``25.4%``, ``0.0004`` → ``0.04%``."""
    hundred = 100 * share
    if hundred == 0 or abs(hundred) >= 10:
        return f"{_trim(f'{hundred:.1f}')}%"
    if abs(hundred) >= 0.1:
        return f"{_trim(f'{hundred:.2f}')}%"
    return f"{hundred:.1g}%"


def money_yuan(yuan: float, language: str = "en") -> str:
    """An amount in yuan: ``¥18.96``, ``¥1,097``, ``¥12,345`` in English, ``¥1.23万`` and
    ``¥3.45亿`` in Chinese from ¥10,000 up."""
    sign = "-" if yuan < 0 else ""
    amount = abs(yuan)
    if language == "zh" and amount >= 1e4:
        body = _wan(amount)
    elif amount >= 100:
        body = f"{amount:,.0f}"
    elif amount == int(amount):
        body = f"{amount:.0f}"
    else:
        body = f"{amount:.2f}"
    return f"{sign}¥{body}"


def money_fen(fen: int, language: str = "en") -> str:
    """An amount in fen, shown in yuan (`money_yuan`)."""
    return money_yuan(fen / 100, language)


def _number_of(value: float, kind: ValueKind, language: str) -> str:
    if kind == _SHARE:
        return percent(value)
    if kind == _PERCENT_POINTS:
        return _trim(f"{100 * value:.1f}")
    if kind == _SHARE_RATE:
        return percent(value)
    if kind == _MULTIPLE:
        return f"{number(value, language)}×"
    if kind == _MONEY:
        return money_yuan(value, language)
    if kind == _MONEY_MILLION:
        return money_yuan(value * 1_000_000, language)
    if kind == _PER_HUNDRED:
        return number(100 * value, language)
    if kind == _POINTS:
        return f"{value:.0f}"
    return number(value, language)


def quantity(value: float, unit: str, language: str = "en") -> str:
    """``value`` in ``unit`` as a person reads it, in ``language``: ``25.4%``, ``1.62×``,
    ``¥18.96 per fan``, ``3.2 per hour``, ``42 min``, ``enrolled``."""
    kind, before, after = _spec(unit, language)
    if kind == _FLAG:
        return before if value >= 0.5 else after
    return before + _number_of(value, kind, language) + after


@functools.lru_cache(maxsize=512)
def _spec(unit: str, language: str) -> tuple[ValueKind, str, str]:
    """How ``unit`` reads in ``language``: its kind and the words before and after the
    number (the catalogue's ``display."<unit>"``, ``{value}`` the number); for a yes/no
    unit, the words for yes and for no.  Looked up once: every explanation of every stream
    shows a value."""
    kind = _KINDS.get(unit, _NUMBER)
    if kind == _FLAG:
        return kind, text("display.enrolled", language), text("display.not_enrolled", language)
    catalogue = builtin_catalogue()
    template = catalogue.template(f"display.{unit}", language)
    if template is None and language != "en":
        template = catalogue.template(f"display.{unit}", "en")
    if template is None or "{value}" not in template:
        bare = kind in (_SHARE, _MULTIPLE, _MONEY, _MONEY_MILLION)
        return kind, "", "" if bare else f" {unit}"
    before, _, after = template.partition("{value}")
    return kind, before, after
