"""Peer benchmarks: judge a value by its percentile among comparable brands or streams.

The platforms' merchant dashboards compare a merchant with peers of the same category and
tier (同行同层) rather than with fixed cut-offs.  `PeerBenchmarks` does the same from a
population of your own: it measures every indicator of the given scorers over every brand
(brand scorers) or every stream (stream scorers) of a dataset, groups the values by the
brand's category, tier and lifecycle stage, and answers `PeerBenchmarks.lookup` with a
`PeerBenchmark`, so that a score of 80 reads "better than
80% of comparable subjects" (ties: see `PeerBenchmark`).

A brand's lifecycle stage is what one of its brand cards notes as ``stage`` (the STEPS card
does, from its inferred or overridden stage): it joins the groups only when a scorer that
notes it was measured.  A card whose score was withheld (too little data) gives no peer
values.  At lookup, a scorer gives the stage when it knows it
(`peer_stage`); the others are judged by
category and tier.

A group is used only when it holds at least ``min_group_size`` values; otherwise the lookup
falls back to a wider group (the last field of ``group_by`` dropped, then the next: with the
default, category and tier, then the category alone), then to the whole population
(``"*"``), then to the scorer's own default benchmark.  A field the subject's brand does not
have (no tier, no stage) is left out of its groups.  The direction (is lower better?) comes
from the indicator's default benchmark: a `LinearBenchmark`
whose target lies below its floor.

Peers are saved as plain JSON (`save_peers`, `load_peers`):

    {"format": "steps-peers", "version": 1, "group_by": ["category", "tier", "stage"],
     "min_group_size": 5,
     "indicators": {"steps.repurchase_rate": {"direction": "higher",
                                              "groups": {"*": [0.12, 0.4, ...],
                                                         "category:beauty": [...],
                                                         "category:beauty/tier:L1": [...],
                                                         "category:beauty/tier:L1/stage:growth":
                                                             [...]}}}}
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, TypeAlias

import attrs

from steps.domain.enums import LifecycleStage
from steps.domain.errors import InvalidDataError, Problem
from steps.domain.model import Brand, Dataset
from steps.scoring.contract import Scorer, ScoringContext, StreamSubject
from steps.scoring.hookspecs import hookimpl
from steps.scoring.indicators import Direction, LinearBenchmark, PeerBenchmark
from steps.scoring.messages import join, text
from steps.scoring.results import ScoreCard, ScoreError, SubjectKind

if TYPE_CHECKING:
    from steps.scoring.engine import ScorerInfo, ScoreWarning
    from steps.scoring.plugins import PluginHost

__all__ = [
    "DEFAULT_GROUP_BY",
    "DEFAULT_MIN_GROUP_SIZE",
    "GROUP_FIELDS",
    "PEERS_FORMAT",
    "PEERS_VERSION",
    "PeerBenchmarks",
    "PeersMeasured",
    "Sample",
    "build_peers",
    "card_stage",
    "describe_peers",
    "group_key",
    "load_peers",
    "measure_peers",
    "peers_command",
    "peers_run",
    "save_peers",
]

PEERS_FORMAT: Final = "steps-peers"
PEERS_VERSION: Final = 1
#: The brand fields peers may be grouped by, in the order of a group key (``stage``: the
#: brand's lifecycle stage, as its STEPS card notes it).
GROUP_FIELDS: Final = ("category", "tier", "stage")
DEFAULT_GROUP_BY: Final = ("category", "tier", "stage")
#: A group smaller than this is not used; the lookup falls back to a wider group.
DEFAULT_MIN_GROUP_SIZE: Final = 5
#: The key of the whole population.
ALL: Final = "*"
#: A measured value: ``(scorer, indicator, category, tier, value)``, or with the brand's
#: lifecycle stage after the value.
Sample: TypeAlias = (
    tuple[str, str, str | None, str | None, float]
    | tuple[str, str, str | None, str | None, float, str | None]
)


def group_key(**fields: str | None) -> str:
    """The key of a group: ``group_key(category="beauty", tier="L1") ==
    "category:beauty/tier:L1"``; no fields is the whole population, ``"*"``."""
    parts = [f"{name}:{fields[name]}" for name in GROUP_FIELDS if fields.get(name) is not None]
    return "/".join(parts) if parts else ALL


def _levels(group_by: Sequence[str], values: Mapping[str, str | None]) -> list[str]:
    """Group keys from the most specific to the whole population: the fields of
    ``group_by``, dropped from the last, each level without the fields ``values`` lacks."""
    keys: list[str] = []
    for depth in range(len(group_by), 0, -1):
        known = {f: values.get(f) for f in group_by[:depth] if values.get(f) is not None}
        key = group_key(**known)
        if key != ALL and key not in keys:
            keys.append(key)
    keys.append(ALL)
    return keys


def card_stage(cards: Iterable[ScoreCard]) -> str | None:
    """A brand's lifecycle stage as its cards note it (a brand card's ``stage`` note that
    names a `LifecycleStage`), else ``None``."""
    for card in cards:
        if card.subject_kind is SubjectKind.BRAND:
            stage = card.notes.get("stage")
            if stage in _STAGES:
                return stage
    return None


_STAGES: Final = frozenset(s.value for s in LifecycleStage)


def _check_group_by(group_by: Sequence[str]) -> tuple[str, ...]:
    fields = tuple(group_by)
    unknown = [f for f in fields if f not in GROUP_FIELDS]
    if unknown or len(set(fields)) != len(fields):
        raise ValueError(
            f"group_by must be distinct fields among {', '.join(GROUP_FIELDS)}, got {fields}"
        )
    return fields


def _frozen_values(
    values: Mapping[str, Mapping[str, Iterable[float]]],
) -> Mapping[str, Mapping[str, tuple[float, ...]]]:
    return MappingProxyType(
        {
            key: MappingProxyType(
                {group: tuple(sorted(v for v in vs if math.isfinite(v))) for group, vs in g.items()}
            )
            for key, g in values.items()
        }
    )


def _frozen_directions(directions: Mapping[str, Direction]) -> Mapping[str, Direction]:
    return MappingProxyType(dict(directions))


def direction_of(benchmark: object) -> Direction:
    """The direction a default benchmark implies: lower is better when it is a
    `LinearBenchmark` with its target below its floor (or declares a ``direction``)."""
    if isinstance(benchmark, LinearBenchmark):
        return (
            Direction.LOWER_IS_BETTER
            if benchmark.target < benchmark.floor
            else (Direction.HIGHER_IS_BETTER)
        )
    declared = getattr(benchmark, "direction", None)
    return declared if isinstance(declared, Direction) else Direction.HIGHER_IS_BETTER


_DESCRIBED = re.compile(r"^target (?P<target>\S+), floor (?P<floor>\S+)$")


def _direction_from_text(description: str) -> Direction:
    """The direction a card's benchmark description implies (``target 2, floor 10``)."""
    match = _DESCRIBED.match(description)
    if match:
        try:
            if float(match["target"]) < float(match["floor"]):
                return Direction.LOWER_IS_BETTER
        except ValueError:
            pass
    return Direction.HIGHER_IS_BETTER


@attrs.frozen(eq=False)
class PeerBenchmarks:
    """Peer values of every indicator, by group, implementing
    `PeerLookup`.

    ``values`` maps ``"scorer.indicator"`` to group keys (`group_key`) to the values of
    the subjects in that group; ``directions`` maps the same keys to the indicator's direction
    (higher is better when absent).
    """

    values: Mapping[str, Mapping[str, tuple[float, ...]]] = attrs.field(converter=_frozen_values)
    directions: Mapping[str, Direction] = attrs.field(factory=dict, converter=_frozen_directions)
    group_by: tuple[str, ...] = attrs.field(default=DEFAULT_GROUP_BY, converter=_check_group_by)
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    _cache: dict[tuple[str, str], PeerBenchmark] = attrs.field(factory=dict, init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if isinstance(self.min_group_size, bool) or self.min_group_size < 1:
            raise ValueError(f"min_group_size must be >= 1, got {self.min_group_size}")

    # ---- the PeerLookup protocol -------------------------------------------------------------

    def lookup(
        self,
        scorer: str,
        indicator: str,
        *,
        category: str | None,
        tier: str | None,
        stage: str | None = None,
    ) -> PeerBenchmark | None:
        """The peer benchmark of the most specific group with enough values, else ``None``
        (``stage``: the brand's lifecycle stage, when the scorer knows it)."""
        key = f"{scorer}.{indicator}"
        groups = self.values.get(key)
        if not groups:
            return None
        levels = _levels(self.group_by, {"category": category, "tier": tier, "stage": stage})
        for group in levels:
            values = groups.get(group, ())
            if len(values) >= self.min_group_size:
                return self._benchmark(key, group, values)
        return None

    def _benchmark(self, key: str, group: str, values: tuple[float, ...]) -> PeerBenchmark:
        cached = self._cache.get((key, group))
        if cached is None:
            label = "peers" if group == ALL else f"peers {group}"
            cached = PeerBenchmark(
                values,
                direction=self.directions.get(key, Direction.HIGHER_IS_BETTER),
                label=label,
            )
            self._cache[(key, group)] = cached
        return cached

    # ---- building ----------------------------------------------------------------------------

    @classmethod
    def from_values(
        cls,
        samples: Iterable[Sample],
        *,
        directions: Mapping[str, Direction] | None = None,
        group_by: Sequence[str] = DEFAULT_GROUP_BY,
        min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    ) -> PeerBenchmarks:
        """Peers from ``(scorer, indicator, category, tier, value)`` samples, or
        ``(scorer, indicator, category, tier, value, stage)``: each value joins its group at
        every level (``category/tier/stage``, ``category/tier``, ``category``, ``*``).
        Non-finite values are dropped."""
        fields = _check_group_by(group_by)
        values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        for sample in samples:
            scorer, indicator, category, tier, value = sample[:5]
            stage = sample[5] if len(sample) > 5 else None
            if not math.isfinite(value):
                continue
            known = {"category": category, "tier": tier, "stage": stage}
            for group in _levels(fields, known):
                values[f"{scorer}.{indicator}"][group].append(float(value))
        declared = directions or {}
        return cls(
            values,
            directions={key: declared[key] for key in values if key in declared},
            group_by=fields,
            min_group_size=min_group_size,
        )

    @classmethod
    def from_dataset(
        cls,
        dataset: Dataset | Iterable[Brand],
        scorers: Iterable[Scorer],
        *,
        group_by: Sequence[str] = DEFAULT_GROUP_BY,
        min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
        context: ScoringContext | None = None,
    ) -> PeerBenchmarks:
        """Measure every indicator of ``scorers`` over a population: each brand for a brand
        scorer, each stream (as a `StreamSubject`) for a stream scorer.

        Values are read from the scorers' own cards, scored by the engine exactly as
        `steps.score` scores them (``score_many`` when a scorer offers it, every
        failure isolated), so any scorer whose cards list indicators works, not only
        methodology scorers.  A scorer that fails on a subject contributes nothing for it;
        `measure_peers` also returns those failures.  The direction of an indicator
        comes from its default benchmark (``components()`` of a methodology scorer), else
        from the benchmark the card reports.
        """
        return measure_peers(
            dataset, scorers, group_by=group_by, min_group_size=min_group_size, context=context
        ).peers

    @classmethod
    def from_results(
        cls,
        brands: Iterable[tuple[Brand, Iterable[ScoreCard]]],
        *,
        directions: Mapping[str, Direction] | None = None,
        group_by: Sequence[str] = DEFAULT_GROUP_BY,
        min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    ) -> PeerBenchmarks:
        """Peers from scored cards, each with the brand it belongs to: every available
        indicator value of a card with a score joins its brand's groups (a card whose score
        was withheld gives none), the brand's stage being what its cards note
        (`card_stage`).  An indicator's direction is taken from ``directions``, else
        from the benchmark its first card reports."""
        samples: list[Sample] = []
        found: dict[str, Direction] = {}
        for brand, given in brands:
            cards = tuple(given)
            stage = card_stage(cards)
            for card in cards:
                if card.score is None:
                    continue
                for result in card.indicators():
                    key = f"{card.scorer}.{result.key}"
                    if key not in found:
                        found[key] = _direction_from_text(result.benchmark)
                    if result.value is not None:
                        samples.append(
                            (
                                card.scorer,
                                result.key,
                                brand.category,
                                brand.tier,
                                result.value,
                                stage,
                            )
                        )
        found.update(directions or {})
        return cls.from_values(
            samples, directions=found, group_by=group_by, min_group_size=min_group_size
        )

    # ---- inspection and persistence ----------------------------------------------------------

    def indicators(self) -> tuple[str, ...]:
        """The ``"scorer.indicator"`` keys held, sorted."""
        return tuple(sorted(self.values))

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready dict (see the module documentation)."""
        return {
            "format": PEERS_FORMAT,
            "version": PEERS_VERSION,
            "group_by": list(self.group_by),
            "min_group_size": self.min_group_size,
            "indicators": {
                key: {
                    "direction": self.directions.get(key, Direction.HIGHER_IS_BETTER).value,
                    "groups": {
                        group: list(values) for group, values in sorted(self.values[key].items())
                    },
                }
                for key in self.indicators()
            },
        }

    @classmethod
    def from_dict(cls, data: object, *, source: str | None = None) -> PeerBenchmarks:
        """Rebuild peers from `to_dict`'s output; every problem is reported with its
        path in one `InvalidDataError`."""
        problems = list(_check_peers_dict(data))
        if problems:
            raise InvalidDataError(problems, source)
        assert isinstance(data, Mapping)  # noqa: S101  # checked above
        values: dict[str, dict[str, list[float]]] = {}
        directions: dict[str, Direction] = {}
        for key, entry in data["indicators"].items():
            directions[key] = Direction(entry.get("direction", Direction.HIGHER_IS_BETTER.value))
            values[key] = {group: [float(v) for v in vs] for group, vs in entry["groups"].items()}
        return cls(
            values,
            directions=directions,
            group_by=tuple(data.get("group_by", DEFAULT_GROUP_BY)),
            min_group_size=int(data.get("min_group_size", DEFAULT_MIN_GROUP_SIZE)),
        )


@attrs.frozen
class PeersMeasured:
    """What `measure_peers` found: the peers, and the scorers' failures and warnings
    (one `ScoreError` per subject a scorer failed on, as
    ``steps score`` reports them)."""

    peers: PeerBenchmarks
    errors: tuple[ScoreError, ...] = ()
    warnings: tuple[ScoreWarning, ...] = ()
    scorers: tuple[ScorerInfo, ...] = ()
    #: Cards whose score was withheld (too little data): they gave no peer values.
    withheld: int = 0


def measure_peers(
    dataset: Dataset | Iterable[Brand],
    scorers: Iterable[Scorer] | None = None,
    *,
    host: PluginHost | None = None,
    names: Sequence[str] | None = None,
    group_by: Sequence[str] = DEFAULT_GROUP_BY,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    context: ScoringContext | None = None,
) -> PeersMeasured:
    """Measure a population with the engine, brand by brand (so that only one brand's cards
    are held at a time), every scorer failure isolated as in `steps.score`.

    The scorers are either ``scorers`` (objects, registered on a host of their own; one
    that is not a valid scorer raises `PluginError`) or the
    scorers ``names`` of ``host`` (every scorer of the process-wide host by default; an
    unknown name raises `UnknownScorerError`)."""
    from steps.scoring.engine import score

    if scorers is not None:
        if host is not None or names is not None:
            raise ValueError("give scorers, or a host (and names), not both")
        host, names = _host_of(scorers)
    elif host is None:
        from steps.scoring.plugins import default_host

        host = default_host()
    records = host.select(names)
    chosen = [r.name for r in records]
    brands = tuple(dataset.brands if isinstance(dataset, Dataset) else dataset)
    context = context if context is not None else ScoringContext()
    errors: list[ScoreError] = []
    warned: dict[tuple[str, str, str], ScoreWarning] = {}
    withheld = 0

    def scored() -> Iterator[tuple[Brand, tuple[ScoreCard, ...]]]:
        nonlocal withheld
        for brand in brands:
            results = score(Dataset(brands=(brand,)), chosen, context, host=host)
            cards = tuple(results.cards)  # built once (then its errors are known)
            withheld += sum(1 for card in cards if card.score is None)
            errors.extend(results.errors)
            for warning in results.warnings:
                key = (warning.scorer, warning.category, warning.message)
                first = warned.get(key)
                warned[key] = (
                    warning
                    if first is None
                    else attrs.evolve(first, count=first.count + warning.count)
                )
            yield brand, cards

    directions: dict[str, Direction] = {}
    for record in records:
        directions.update(_declared_directions(record.scorer, brands, context))
    peers = PeerBenchmarks.from_results(
        scored(), directions=directions, group_by=group_by, min_group_size=min_group_size
    )
    infos = score(Dataset(), chosen, context, host=host).scorers
    return PeersMeasured(peers, tuple(errors), tuple(warned.values()), infos, withheld)


class _GivenScorers:
    """A plugin registering the scorer objects `measure_peers` was given."""

    __name__ = "peers-scorers"

    def __init__(self, scorers: tuple[Scorer, ...]) -> None:
        self.scorers = scorers

    @hookimpl
    def steps_register_scorers(self, register: Callable[[Scorer], None]) -> None:
        for scorer in self.scorers:
            register(scorer)


def _host_of(scorers: Iterable[Scorer]) -> tuple[PluginHost, list[str]]:
    from steps.scoring.plugins import PluginHost, make_plugin_manager

    given = tuple(scorers)
    pm = make_plugin_manager(
        load_entrypoints=False, allow=None, block=(), strict=True, builtins=False, environ={}
    )
    host = PluginHost(pm)
    host.register(_GivenScorers(given))
    return host, [record.name for record in host.scorers()]


def _declared_directions(
    scorer: Scorer, brands: Sequence[Brand], context: ScoringContext
) -> dict[str, Direction]:
    """Directions from a methodology scorer's indicator definitions (their ``"*"`` default)."""
    components = getattr(scorer, "components", None)
    if not callable(components) or not brands:
        return {}
    subject: object = brands[0]
    if scorer.subject is SubjectKind.STREAM:
        brand = next((b for b in brands if b.streams), None)
        if brand is None:
            return {}
        accounts = {a.account_id: a for a in brand.accounts}
        stream = brand.streams[0]
        subject = StreamSubject(stream, brand, accounts.get(stream.account_id))
    out: dict[str, Direction] = {}
    try:
        for component in components(subject, context):
            for indicator in component.indicators:
                key = f"{scorer.name}.{indicator.key}"
                out[key] = direction_of(indicator.default_benchmark(None))
    except KeyboardInterrupt:
        raise
    except BaseException:  # a plugin's code: its cards' benchmarks give the direction instead
        return {}
    return out


def _check_peers_dict(data: object) -> Iterator[Problem]:
    if not isinstance(data, Mapping):
        yield Problem("", f"must be a JSON object, got {type(data).__name__}")
        return
    known = {"format", "version", "group_by", "min_group_size", "indicators"}
    for extra in sorted(set(data) - known):
        yield Problem(str(extra) or '""', "unknown key")  # an empty key still gets a path
    if data.get("format") != PEERS_FORMAT:
        yield Problem("format", f"must be {PEERS_FORMAT!r}, got {data.get('format')!r}")
    if data.get("version") != PEERS_VERSION:
        yield Problem("version", f"must be {PEERS_VERSION}, got {data.get('version')!r}")
    group_by = data.get("group_by", list(DEFAULT_GROUP_BY))
    if not (
        isinstance(group_by, list)
        and all(isinstance(f, str) and f in GROUP_FIELDS for f in group_by)
        and len(set(group_by)) == len(group_by)
    ):
        yield Problem("group_by", f"must be a list of distinct fields among {GROUP_FIELDS}")
    size = data.get("min_group_size", DEFAULT_MIN_GROUP_SIZE)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        yield Problem("min_group_size", f"must be an integer >= 1, got {size!r}")
    indicators = data.get("indicators")
    if not isinstance(indicators, Mapping):
        yield Problem("indicators", "must be an object of indicators")
        return
    for key, entry in indicators.items():
        path = f"indicators[{json.dumps(key, ensure_ascii=False)}]"
        if not isinstance(key, str) or "." not in key:
            yield Problem(path, "must be named 'scorer.indicator'")
        if not isinstance(entry, Mapping):
            yield Problem(path, "must be an object with 'direction' and 'groups'")
            continue
        for extra in sorted(set(entry) - {"direction", "groups"}):
            yield Problem(f"{path}.{extra}", "unknown key")
        direction = entry.get("direction", Direction.HIGHER_IS_BETTER.value)
        if not isinstance(direction, str) or direction not in {d.value for d in Direction}:
            yield Problem(
                f"{path}.direction", f"must be 'higher' or 'lower', got {direction!r:.60}"
            )
        groups = entry.get("groups")
        if not isinstance(groups, Mapping):
            yield Problem(f"{path}.groups", "must be an object of group → values")
            continue
        for group, values in groups.items():
            group_path = f"{path}.groups[{json.dumps(group, ensure_ascii=False)}]"
            if not isinstance(values, list):
                yield Problem(group_path, "must be a list of numbers")
                continue
            for index, value in enumerate(values):
                if isinstance(value, bool) or not isinstance(value, int | float):
                    yield Problem(f"{group_path}[{index}]", f"must be a number, got {value!r:.60}")
                elif not _finite(value):
                    yield Problem(f"{group_path}[{index}]", f"must be finite, got {value!r:.40}")


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # a JSON integer no float can hold
        return False


# --------------------------------------------------------------------------------------------
# Files and the command-line helper
# --------------------------------------------------------------------------------------------


def save_peers(
    peers: PeerBenchmarks,
    path: str | os.PathLike[str],
    *,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
) -> None:
    """Write ``peers`` as JSON through `steps.io.output.open_output` (atomically for a
    regular file; `OutputError` for a target that cannot be written
    or is the same file as one of ``inputs``)."""
    from steps.io.output import open_output

    text = json.dumps(peers.to_dict(), ensure_ascii=False, indent=1, allow_nan=False) + "\n"
    with open_output(path, inputs=inputs) as stream:
        stream.write(text)


def load_peers(path: str | os.PathLike[str]) -> PeerBenchmarks:
    """Read a peers file written by `save_peers`.  A file that does not parse or does
    not hold valid peers raises `InvalidDataError`."""
    from steps.io.files import MAX_FILE_BYTES, parse_json_file, read_capped

    source = str(path)
    try:
        raw = read_capped(path, MAX_FILE_BYTES)
    except OSError as error:
        raise InvalidDataError(
            [Problem("", f"cannot read: {error.strerror or error}")], source
        ) from None
    data = parse_json_file(raw, source)
    return PeerBenchmarks.from_dict(data, source=source)


def build_peers(
    dataset: Dataset | Iterable[Brand],
    scorers: Iterable[Scorer],
    *,
    group_by: Sequence[str] = DEFAULT_GROUP_BY,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> PeerBenchmarks:
    """Shorthand for `PeerBenchmarks.from_dataset`."""
    return PeerBenchmarks.from_dataset(
        dataset, scorers, group_by=group_by, min_group_size=min_group_size
    )


def describe_peers(peers: PeerBenchmarks, language: str = "en") -> list[str]:
    """One line per indicator: how many groups are large enough to be used, and the size of
    the whole population (in ``language``)."""
    lines = []
    for key in peers.indicators():
        groups = peers.values[key]
        usable = sum(1 for values in groups.values() if len(values) >= peers.min_group_size)
        total = len(groups.get(ALL, ()))
        lines.append(
            text(
                "peers.indicator",
                language,
                key=key,
                total=total,
                usable=usable,
                groups=len(groups),
                min_size=peers.min_group_size,
            )
        )
    return lines


def peers_command(
    data: str | os.PathLike[str],
    output: str | os.PathLike[str],
    scorers: Iterable[Scorer] | None = None,
    *,
    host: PluginHost | None = None,
    names: Sequence[str] | None = None,
    group_by: Sequence[str] = DEFAULT_GROUP_BY,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    language: str = "en",
) -> str:
    """What ``steps peers DATA -o OUTPUT`` does: refuse an output it cannot write, load a
    dataset, measure the scorers' indicators over it (`measure_peers`), save the peers
    file and return a short report (its last line counts the scorers' failures, if any)."""
    report, _ = peers_run(
        data,
        output,
        scorers,
        host=host,
        names=names,
        group_by=group_by,
        min_group_size=min_group_size,
        language=language,
    )
    return report


def peers_run(
    data: str | os.PathLike[str],
    output: str | os.PathLike[str],
    scorers: Iterable[Scorer] | None = None,
    *,
    host: PluginHost | None = None,
    names: Sequence[str] | None = None,
    group_by: Sequence[str] = DEFAULT_GROUP_BY,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    language: str = "en",
) -> tuple[str, PeersMeasured]:
    """`peers_command`, also returning what was measured (with every failure); the
    report is in ``language``."""
    from steps.io.files import load
    from steps.io.output import check_output

    check_output(output, inputs=[data])
    dataset = load(data)
    measured = measure_peers(
        dataset,
        scorers,
        host=host,
        names=names,
        group_by=group_by,
        min_group_size=min_group_size,
    )
    peers = measured.peers
    save_peers(peers, output, inputs=[data])
    grouping = (
        join((text(f"peers.group.{key}", language) for key in peers.group_by), language)
        if peers.group_by
        else text("peers.group.nothing", language)
    )
    head = text(
        "peers.wrote",
        language,
        path=os.fspath(output),
        indicators=len(peers.indicators()),
        brands=len(dataset.brands),
        grouping=grouping,
        min_size=peers.min_group_size,
    )
    lines = [head, *describe_peers(peers, language)]
    if measured.withheld:
        count = measured.withheld
        form = "one" if count == 1 else "other"
        lines.append(text(f"peers.withheld.{form}", language, count=count))
    if measured.errors:
        count = len(measured.errors)
        form = "one" if count == 1 else "other"
        lines.append(text(f"peers.failed.{form}", language, count=count))
    return "\n".join(lines), measured
