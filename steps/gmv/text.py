"""The words and numbers of GMV attributions, trends and plans, in English or Chinese.

Every sentence comes from the message catalogues (``steps/data/messages/{en,zh}.toml``,
keys ``gmv.*``, ``trend.*`` and ``plan.*``); factor and identity names come from the
identities' ``name`` and ``name_zh``.  No raw key reaches a reader: a factor is named by
`factor_name`, a unit by `unit_text`, a method by `method_name`.

Money is in fen throughout the library and shown in yuan: exactly, to the fen, in tables
(`yuan`, the column header says the unit), and in sentences with the unit, in 万 and
亿 for Chinese (`money`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Protocol

if TYPE_CHECKING:
    from steps.domain.enums import Platform
    from steps.gmv.attribution import Attribution, FactorChange, UVBySourceChange
    from steps.gmv.identities import Identity
    from steps.gmv.scope import BuyerBasis, IdentityChoice

__all__ = [
    "PERCENT_UNITS",
    "buyers_text",
    "factor_name",
    "fallback_text",
    "formula_text",
    "identity_name",
    "message",
    "method_name",
    "money",
    "percent",
    "platform_name",
    "segment_label",
    "source_name",
    "summary",
    "unit_text",
    "uv_sentence",
    "value_text",
    "yuan",
]

#: Factor units that are shares of something: shown as percentages.
PERCENT_UNITS: Final = frozenset(
    {
        "buyers per viewer",
        "viewers per exposure",
        "share of viewers",
        "share of product-exposed viewers",
        "paid orders per created order",
        "clicking viewers per exposure",
        "buyers per clicking viewer",
    }
)
_COUNT_UNITS: Final = frozenset({"viewers", "exposures", "orders", "buyers"})
_WAN: Final = 10_000 * 100
_YI: Final = 100_000_000 * 100


def message(key: str, lang: str, /, **params: Any) -> str:
    """The catalogue's message ``key`` in ``lang``."""
    from steps.scoring.messages import text

    return text(key, lang, **params)


class Named(Protocol):
    """Anything with an English and a Chinese name: a factor, a factor's change or target."""

    @property
    def name(self) -> str: ...
    @property
    def name_zh(self) -> str: ...


def factor_name(factor: Named, lang: str) -> str:
    """A factor's display name in ``lang`` (its English name when it has no Chinese one)."""
    if lang == "zh" and factor.name_zh.strip():
        return factor.name_zh
    return factor.name


def identity_name(identity: Identity, lang: str) -> str:
    if lang == "zh" and identity.name_zh.strip():
        return identity.name_zh
    return identity.name


def method_name(method: str, lang: str) -> str:
    return message(f"gmv.method.{method}", lang)


def platform_name(platform: Platform | str | None, lang: str) -> str:
    """A platform as the reports name it (``report.platform.*``: 快手, 抖音)."""
    from steps.scoring.messages import builtin_catalogue

    if platform is None:
        return message("gmv.none", lang)
    value = str(getattr(platform, "value", platform))
    shown = builtin_catalogue().template(f"report.platform.{value}", lang)
    return shown if shown is not None else value


def unit_text(unit: str, lang: str) -> str:
    """A factor's unit in ``lang`` (fen shown as yuan); a unit the catalogue does not know
    (a plugin's identity) as it is."""
    from steps.scoring.messages import builtin_catalogue

    shown = builtin_catalogue().template(f"gmv.unit.{unit}", lang)
    return shown if shown is not None else unit


def yuan(fen: int | float, *, signed: bool = False) -> str:
    """Fen as yuan with thousands separators, exact for whole fen: ``123456 → 1,234.56``
    (``+1,234.56`` with ``signed``)."""
    if isinstance(fen, float):
        fen = round(fen)
    sign = "-" if fen < 0 else "+" if signed else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def money(fen: int | float, lang: str, *, signed: bool = False) -> str:
    """An amount in a sentence: ``12,000.00 yuan``; in Chinese ``1.20万元``, ``3.40亿元``
    or ``3,307.35 元`` below 1万."""
    if isinstance(fen, float):
        fen = round(fen)
    if lang == "zh" and abs(fen) >= _WAN:
        sign = "-" if fen < 0 else "+" if signed else ""
        if abs(fen) >= _YI:
            return f"{sign}{abs(fen) / _YI:,.2f}亿元"
        return f"{sign}{abs(fen) / _WAN:,.2f}万元"
    return message("gmv.yuan", lang, amount=yuan(fen, signed=signed))


def percent(value: float | None, lang: str, *, signed: bool = False, digits: int = 1) -> str:
    """``0.703 → 70.3%`` (``+70.3%`` with ``signed``); ``None`` → the catalogue's n/a."""
    if value is None:
        return message("gmv.none", lang)
    return f"{value:+.{digits}%}" if signed else f"{value:.{digits}%}"


def value_text(value: float, unit: str, lang: str) -> str:
    """A factor value as a reader sees it: yuan for fen, percentages for shares, whole
    numbers for counts, two decimals (or four significant digits below 1) otherwise."""
    del lang  # the digits are the same in both languages; the unit column names the unit
    if "fen" in unit:
        return f"{value / 100:,.2f}"
    if unit in PERCENT_UNITS:
        return f"{value:.2%}"
    if unit in _COUNT_UNITS:
        return f"{value:,.0f}"
    if abs(value) >= 1 or value == 0:
        return f"{value:,.2f}"
    return f"{value:.4g}"


def formula_text(identity: Identity, lang: str) -> str:
    """``GMV = viewers (UV) × minutes per viewer × …`` in ``lang``."""
    factors = " × ".join(factor_name(f, lang) for f in identity.factors)
    return message("gmv.formula", lang, factors=factors)


def source_name(source: str, lang: str) -> str:
    """A traffic source's display name (``private`` → private-domain viewers / 私域)."""
    from steps.gmv.attribution import SOURCES

    names = SOURCES.get(source)
    if names is None:
        return source
    return names[1] if lang == "zh" else names[0]


def segment_label(label: str, dimension: str | None, names: Mapping[str, str], lang: str) -> str:
    """A segment as a reader sees it: a traffic source by name, the not-itemised product
    row in words, an account or product id with its name."""
    from steps.gmv.attribution import NOT_ITEMISED

    if dimension == "traffic_source":
        return source_name(label, lang)
    if dimension == "product" and label == NOT_ITEMISED:
        return message("gmv.not_itemised", lang)
    name = names.get(label)
    return f"{label} {name}" if name else label


def _factor_part(
    key: str, factor: FactorChange, delta_fen: int, lang: str, *, aligned: bool
) -> str:
    amount = money(factor.contribution_fen, lang, signed=True)
    name = factor_name(factor, lang)
    if aligned and factor.share is not None and delta_fen:
        share = percent(factor.share, lang)
        return message(f"gmv.{key}", lang, factor=name, amount=amount, share=share)
    return message(f"gmv.{key}_plain", lang, factor=name, amount=amount)


def summary(result: Attribution, lang: str) -> str:
    """How GMV moved, then the largest positive driver and the largest drag, named apart
    (the one that moved GMV the way it went comes first, with its share of the change)."""
    before = money(result.gmv_before_fen, lang)
    after = money(result.gmv_after_fen, lang)
    change = result.change
    if result.delta_fen == 0:
        head = message("gmv.unchanged", lang, after=after)
    elif change is None:
        head = message("gmv.moved", lang, before=before, after=after)
    else:
        key = "gmv.rose" if result.delta_fen > 0 else "gmv.fell"
        head = message(key, lang, change=percent(abs(change), lang), before=before, after=after)
    up, down = result.largest_driver(), result.largest_drag()
    parts: list[str] = []
    order: Sequence[tuple[str, FactorChange | None, bool]] = (
        [("driver", up, result.delta_fen > 0), ("drag", down, False)]
        if result.delta_fen >= 0
        else [("drag", down, True), ("driver", up, False)]
    )
    for key, factor, aligned in order:
        if factor is not None:
            parts.append(_factor_part(key, factor, result.delta_fen, lang, aligned=aligned))
    if not parts:
        return message("gmv.sentence_plain", lang, head=head)
    details = message("gmv.detail_separator", lang).join(parts)
    return message("gmv.sentence", lang, head=head, details=details)


def uv_sentence(change: UVBySourceChange, lang: str) -> str:
    """UV by traffic source in words, largest moves first: "Viewers rose 20.0% (1,000 →
    1,200): paid viewers rose 30.0% (200 → 260), …"."""
    from steps.gmv.attribution import SOURCES, UNATTRIBUTED

    if not change.uv_before and not change.uv_after:
        return message("gmv.uv.none", lang)
    b, a = f"{change.uv_before:,}", f"{change.uv_after:,}"
    delta = change.uv_after - change.uv_before
    if delta == 0:
        head = message("gmv.uv.unchanged", lang, after=a)
    elif change.uv_before == 0:
        head = message("gmv.uv.from_zero", lang, after=a)
    else:
        key = "gmv.uv.rose" if delta > 0 else "gmv.uv.fell"
        rate = percent(abs(delta) / change.uv_before, lang)
        head = message(key, lang, change=rate, before=b, after=a)
    order = {s: i for i, s in enumerate(SOURCES)}
    ranked = sorted(change.sources, key=lambda s: (-abs(s.delta), order[s.source]))
    if not ranked or [s.source for s in ranked] == [UNATTRIBUTED]:
        return message("gmv.uv.no_split", lang, head=head)
    parts = []
    for s in ranked:
        name = source_name(s.source, lang)
        sb, sa = f"{s.uv_before:,}", f"{s.uv_after:,}"
        if s.delta == 0:
            parts.append(message("gmv.uv.source_unchanged", lang, name=name, after=sa))
        elif s.uv_before == 0:
            parts.append(message("gmv.uv.source_appeared", lang, name=name, after=sa))
        elif s.uv_after == 0:
            parts.append(message("gmv.uv.source_vanished", lang, name=name, before=sb))
        else:
            key = "gmv.uv.source_rose" if s.delta > 0 else "gmv.uv.source_fell"
            rate = percent(abs(s.delta) / s.uv_before, lang)
            parts.append(message(key, lang, name=name, change=rate, before=sb, after=sa))
    separator = message("core.list_separator", lang)
    return message("gmv.uv.detail", lang, head=head, parts=separator.join(parts))


def buyers_text(basis: BuyerBasis, lang: str) -> str:
    """How buyers are counted, in a sentence: distinct over each period from the order
    details, or the streams' counts summed (saying how many orders the details itemise)."""
    if basis.distinct:
        key = "gmv.buyers_distinct"
    elif basis.itemised == 0:
        key = "gmv.buyers_no_details"
    else:
        key = "gmv.buyers_per_stream"
    return message(key, lang, itemised=basis.itemised, orders=basis.orders)


def fallback_text(choice: IdentityChoice, lang: str) -> str | None:
    """Why a platform's own identity could not be used, in a sentence; ``None`` when it
    was."""
    if choice.wanted is None:
        return None
    inputs = message("core.list_separator", lang).join(
        message(f"gmv.input.{c}", lang) for c in choice.missing
    )
    return message(
        "gmv.fallback", lang, wanted=identity_name(choice.wanted, lang),
        identity=identity_name(choice.identity, lang), inputs=inputs,
    )  # fmt: skip
