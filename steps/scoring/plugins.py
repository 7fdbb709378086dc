"""Loading plugins, and the typed facade every other part of steps goes through.

`make_plugin_manager` builds a `pluggy.PluginManager` with the steps hookspecs,
the built-in plugins (the modules `steps.plugins.BUILTIN_PLUGINS` names, registered
under their module names exactly like third-party plugins) and the third-party plugins of the
``steps`` entry-point group.  Nothing is built at import time: an embedding tool builds its
own manager, the command line and `steps.score` share `default_host`.

`PluginHost` is the only code that calls hooks.  It hands each plugin's
``steps_register_scorers`` a ``register`` callback, checks what comes back, rejects duplicate
names and returns `ScorerRecord` objects sorted by name, so output never depends on
the order plugins were installed or registered in.

Strictness.  A plugin that fails to import, whose hook implementation raises, or that
registers an object of the wrong shape is *skipped* with a `StepsPluginWarning` naming
the plugin and its distribution, and every other plugin still works; with ``strict=True``
(or ``STEPS_STRICT_PLUGINS=1``) the same problems raise `PluginError`.  Two scorers
with one name are always a `PluginError` (naming both plugins): steps cannot guess
which one was meant, and the fix is to block one of the two plugins.

Environment controls, in the pytest/tox tradition (keyword arguments override them):

``STEPS_DISABLE_PLUGIN_AUTOLOAD=1``
    load no entry-point plugins (built-ins still load);
``STEPS_PLUGINS=a,b``
    load only these entry-point plugins (built-ins are always allowed unless blocked); a
    value that names no plugin (blank, ``,``) is the same as unset;
``STEPS_BLOCK_PLUGINS=x,y``
    never load these plugins: entry-point names or built-in module names;
``STEPS_STRICT_PLUGINS=1``
    raise `PluginError` instead of warning and skipping.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
import threading
import warnings
from collections.abc import Collection, Iterable, Mapping, Sequence
from importlib import metadata
from typing import TYPE_CHECKING, Any, Final, NoReturn, cast

import attrs
import pluggy

from steps.scoring import hookspecs
from steps.scoring.contract import Scorer
from steps.scoring.results import SubjectKind

if TYPE_CHECKING:
    from steps.gmv.identities import IdentityRecord

__all__ = [
    "ENTRY_POINT_GROUP",
    "ENV_ALLOW",
    "ENV_BLOCK",
    "ENV_DISABLE_AUTOLOAD",
    "ENV_STRICT",
    "SCORER_NAME_PATTERN",
    "PluginError",
    "PluginHost",
    "PluginInfo",
    "PluginSettings",
    "ScorerRecord",
    "StepsPluginManager",
    "StepsPluginWarning",
    "UnknownScorerError",
    "default_host",
    "discover_entry_points",
    "make_plugin_manager",
]

#: The entry-point group third-party plugins declare (``[project.entry-points.steps]``).
ENTRY_POINT_GROUP: Final = hookspecs.PROJECT_NAME
ENV_DISABLE_AUTOLOAD: Final = "STEPS_DISABLE_PLUGIN_AUTOLOAD"
ENV_ALLOW: Final = "STEPS_PLUGINS"
ENV_BLOCK: Final = "STEPS_BLOCK_PLUGINS"
ENV_STRICT: Final = "STEPS_STRICT_PLUGINS"
#: What a scorer name may look like: ``steps.brand``, ``live-rhythm``, ``douyin_interest``.
SCORER_NAME_PATTERN: Final = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")

_FALSE_WORDS: Final = frozenset({"", "0", "false", "no", "off"})


class PluginError(Exception):
    """A plugin that cannot be used (strict mode), or two scorers that share a name."""

    def __init__(self, message: str, *, plugins: Sequence[str] = ()) -> None:
        super().__init__(message)
        #: The names of the plugins involved.
        self.plugins = tuple(plugins)


class StepsPluginWarning(UserWarning):
    """A plugin was skipped (it failed to import, its hook raised, it registered something
    that is not a scorer); the message names the plugin and its distribution."""


class UnknownScorerError(LookupError):
    """Scorer names that no registered plugin provides."""

    def __init__(self, unknown: Sequence[str], known: Sequence[str]) -> None:
        self.unknown = tuple(unknown)
        self.known = tuple(known)
        names = ", ".join(repr(n) for n in self.unknown)
        available = ", ".join(self.known) or "none"
        plural = "s" if len(self.unknown) != 1 else ""
        super().__init__(f"unknown scorer{plural} {names} (known: {available})")

    def __str__(self) -> str:
        return str(self.args[0])


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() not in _FALSE_WORDS


def _names(value: str | None) -> frozenset[str] | None:
    """``"a, b,,c"`` → ``{"a", "b", "c"}``; unset, or a value that names nothing (blank,
    ``","``) → ``None``, as if unset: an empty allow-list would silently load no plugin
    (``STEPS_DISABLE_PLUGIN_AUTOLOAD=1`` says that)."""
    if value is None:
        return None
    names = frozenset(part.strip() for part in value.split(",") if part.strip())
    return names or None


@attrs.frozen
class PluginSettings:
    """The loading controls in effect, from keyword arguments over the environment."""

    #: Load third-party plugins from the ``steps`` entry-point group.
    autoload: bool = True
    #: Entry-point names to load; ``None`` loads all of them.
    allow: frozenset[str] | None = None
    #: Plugin names (entry-point names or built-in module names) never to load.
    block: frozenset[str] = frozenset()
    #: Raise `PluginError` instead of warning and skipping a broken plugin.
    strict: bool = False

    @classmethod
    def resolve(
        cls,
        *,
        load_entrypoints: bool | None = None,
        allow: Collection[str] | None = None,
        block: Collection[str] | None = None,
        strict: bool | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> PluginSettings:
        env = os.environ if environ is None else environ
        return cls(
            autoload=(
                load_entrypoints
                if load_entrypoints is not None
                else not _truthy(env.get(ENV_DISABLE_AUTOLOAD))
            ),
            allow=frozenset(allow) if allow is not None else _names(env.get(ENV_ALLOW)),
            block=(
                frozenset(block) if block is not None else _names(env.get(ENV_BLOCK)) or frozenset()
            ),
            strict=strict if strict is not None else _truthy(env.get(ENV_STRICT)),
        )


@attrs.frozen
class PluginInfo:
    """Where a registered plugin came from."""

    name: str
    builtin: bool = False
    #: The distribution that declared the entry point (``None`` for built-ins and for
    #: plugins registered directly with `PluginHost.register`).
    distribution: str | None = None
    distribution_version: str | None = None
    #: The entry point's target, e.g. ``"steps_plugin_example"``.
    entry_point: str | None = None

    @property
    def source(self) -> str:
        """``"built-in"``, ``"steps-plugin-example 0.1.0"`` or ``"registered directly"``."""
        if self.builtin:
            return "built-in"
        if self.distribution is not None:
            version = f" {self.distribution_version}" if self.distribution_version else ""
            return f"{self.distribution}{version}"
        if self.entry_point is not None:
            return f"entry point {self.entry_point}"
        return "registered directly"

    def describe(self) -> str:
        """``plugin 'example' (steps-plugin-example 0.1.0)``, for messages."""
        return f"plugin {self.name!r} ({self.source})"


class StepsPluginManager(pluggy.PluginManager):
    """A `pluggy.PluginManager` with the steps hookspecs that remembers where each
    plugin came from and which controls it was built with."""

    def __init__(self, settings: PluginSettings | None = None) -> None:
        super().__init__(hookspecs.PROJECT_NAME)
        self.add_hookspecs(hookspecs)
        self.settings = settings if settings is not None else PluginSettings()
        #: What was skipped while loading (the text of each `StepsPluginWarning`).
        self.problems: list[str] = []
        self._info: dict[str, PluginInfo] = {}
        for name in sorted(self.settings.block):
            self.set_blocked(name)

    @property
    def strict(self) -> bool:
        return self.settings.strict

    def plugin_info(self, name: str) -> PluginInfo:
        """Where the plugin registered as ``name`` came from."""
        return self._info.get(name) or PluginInfo(name)

    def register_plugin(self, plugin: object, info: PluginInfo) -> bool:
        """Register ``plugin`` under ``info.name``; ``False`` when that name is blocked.

        A plugin that pluggy rejects (an implementation with arguments the hook does not
        have, a name already taken) is removed again and the error propagates.
        """
        try:
            registered = self.register(plugin, name=info.name)
        except Exception:
            if self.get_plugin(info.name) is plugin:
                self.unregister(name=info.name)
            raise
        if registered is None:
            return False
        self._info[info.name] = info
        return True

    def unregister(self, plugin: object | None = None, name: str | None = None) -> Any:
        if name is None and plugin is not None:
            name = self.get_name(plugin)
        removed = super().unregister(plugin, name)
        if name is not None:
            self._info.pop(name, None)
        return removed


def _problem(message: str, *, strict: bool, log: list[str], plugins: Sequence[str] = ()) -> None:
    """Report a plugin problem: a warning (the plugin is skipped, the message is kept in
    ``log``), or in strict mode an error.  Called from an ``except`` block, the error chains
    the original exception."""
    if strict:
        raise PluginError(message, plugins=plugins)
    log.append(message)
    warnings.warn(message, StepsPluginWarning, stacklevel=3)


def _exception_text(error: BaseException) -> str:
    from steps.scoring.engine import _text

    text = _text(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _load_builtins(pm: StepsPluginManager) -> None:
    from steps.plugins import BUILTIN_PLUGINS

    for module_name in BUILTIN_PLUGINS:
        if pm.is_blocked(module_name):
            continue
        info = PluginInfo(module_name, builtin=True)
        try:
            module = importlib.import_module(module_name)
            pm.register_plugin(module, info)
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # SystemExit too: a plugin never ends the run
            _problem(
                f"{info.describe()} failed to load and was skipped: {_exception_text(error)}",
                strict=pm.strict,
                log=pm.problems,
                plugins=[module_name],
            )


def discover_entry_points() -> tuple[metadata.EntryPoint, ...]:
    """The installed entry points of the ``steps`` group, sorted by name (then by
    distribution), so loading order never depends on the installation order."""
    found = metadata.entry_points(group=ENTRY_POINT_GROUP)
    return tuple(sorted(found, key=lambda ep: (ep.name, _distribution(ep)[0] or "", ep.value)))


def _distribution(entry_point: metadata.EntryPoint) -> tuple[str | None, str | None]:
    dist = getattr(entry_point, "dist", None)
    if dist is None:
        return None, None
    try:
        return dist.name, dist.version
    except Exception:  # a distribution with broken metadata: still say what we can
        return None, None


def _entry_point_info(entry_point: metadata.EntryPoint) -> PluginInfo:
    distribution, version = _distribution(entry_point)
    return PluginInfo(
        entry_point.name,
        distribution=distribution,
        distribution_version=version,
        entry_point=entry_point.value,
    )


def _load_entry_points(pm: StepsPluginManager) -> None:
    allow = pm.settings.allow
    entry_points = discover_entry_points()
    for entry_point in entry_points:
        info = _entry_point_info(entry_point)
        if pm.is_blocked(info.name) or (allow is not None and info.name not in allow):
            continue
        if pm.has_plugin(info.name):
            other = pm.plugin_info(info.name)
            _problem(
                f"{info.describe()} was skipped: the name {info.name!r} is already taken by "
                f"{other.describe()}",
                strict=pm.strict,
                log=pm.problems,
                plugins=[info.name],
            )
            continue
        # One entry point at a time: a plugin that fails to import is skipped and
        # every other plugin still loads.
        try:
            plugin = entry_point.load()
            pm.register_plugin(plugin, info)
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # SystemExit too: a plugin never ends the run
            _problem(
                f"{info.describe()} failed to load and was skipped: {_exception_text(error)}",
                strict=pm.strict,
                log=pm.problems,
                plugins=[info.name],
            )
    if allow is not None:
        names = {ep.name for ep in entry_points}
        missing = sorted(allow - names)
        if missing:
            installed = ", ".join(sorted(names)) or "none"
            _problem(
                f"{ENV_ALLOW} (or allow=) names plugins that are not installed: "
                f"{', '.join(missing)} (installed: {installed})",
                strict=pm.strict,
                log=pm.problems,
                plugins=missing,
            )


def make_plugin_manager(
    *,
    load_entrypoints: bool | None = None,
    allow: Collection[str] | None = None,
    block: Collection[str] | None = None,
    strict: bool | None = None,
    builtins: bool = True,
    environ: Mapping[str, str] | None = None,
) -> StepsPluginManager:
    """Build a plugin manager: hookspecs, built-in plugins, then entry-point plugins.

    Each control left at ``None`` is read from the environment (``environ``, by default
    `os.environ`): ``load_entrypoints`` from ``STEPS_DISABLE_PLUGIN_AUTOLOAD``,
    ``allow`` from ``STEPS_PLUGINS``, ``block`` from ``STEPS_BLOCK_PLUGINS``, ``strict``
    from ``STEPS_STRICT_PLUGINS``.  ``allow`` names entry points (built-ins are always
    allowed); ``block`` names entry points or built-in modules, which are then not even
    imported.  ``builtins=False`` leaves the built-in scorers out (an isolated host).

    Broken plugins are skipped with a `StepsPluginWarning`, or raise
    `PluginError` when strict.
    """
    settings = PluginSettings.resolve(
        load_entrypoints=load_entrypoints,
        allow=allow,
        block=block,
        strict=strict,
        environ=environ,
    )
    pm = StepsPluginManager(settings)
    if builtins:
        _load_builtins(pm)
    if settings.autoload:
        _load_entry_points(pm)
    return pm


@attrs.frozen
class ScorerRecord:
    """A registered scorer, with the plugin (and distribution) that registered it.

    The descriptive attributes are read once, when the scorer is registered and checked.
    """

    name: str
    version: str
    subject: SubjectKind
    title: str
    description: str
    scorer: Scorer = attrs.field(eq=False, repr=False)
    plugin: PluginInfo
    #: The scorer offers ``score_many`` (the engine scores a brand's subjects at once).
    batch: bool = False
    #: A stream scorer that offers ``score_table`` (the engine scores a brand's streams as
    #: a table, built once per brand and shared by every such scorer).
    table: bool = False

    @property
    def plugin_name(self) -> str:
        return self.plugin.name

    @property
    def distribution(self) -> str | None:
        return self.plugin.distribution

    @property
    def distribution_version(self) -> str | None:
        return self.plugin.distribution_version


def _shape_problems(obj: object) -> list[str]:
    """What keeps ``obj`` from being a BrandScorer or a StreamScorer (empty: nothing)."""
    problems: list[str] = []
    for attribute in ("name", "version", "title", "description"):
        try:
            value = getattr(obj, attribute)
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # SystemExit too: a plugin never ends the run
            problems.append(f"{attribute} is missing ({_exception_text(error)})")
            continue
        if not isinstance(value, str):
            problems.append(f"{attribute} must be a str, got {type(value).__name__}")
        elif attribute == "name" and not SCORER_NAME_PATTERN.match(value):
            problems.append(
                f"name {value!r} must match {SCORER_NAME_PATTERN.pattern} "
                "(lower case, digits, '.', '_', '-')"
            )
    try:
        subject = getattr(obj, "subject")  # noqa: B009  # a property of a foreign object
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # SystemExit too: a plugin never ends the run
        problems.append(f"subject is missing ({_exception_text(error)})")
    else:
        if not isinstance(subject, SubjectKind):
            problems.append(
                f"subject must be SubjectKind.BRAND or SubjectKind.STREAM, got {subject!r}"
            )
    try:
        if not callable(getattr(obj, "score", None)):
            problems.append("score(subject, context) is missing or not callable")
        score_many = getattr(obj, "score_many", None)
        if score_many is not None and not callable(score_many):
            problems.append("score_many is not callable")
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # a property of a foreign object that raises
        problems.append(f"score is unreadable ({_exception_text(error)})")
    return problems


def _label(obj: object) -> str:
    try:
        name = getattr(obj, "name", None)
        if isinstance(name, str):
            return repr(name)
        text = repr(obj)
    except KeyboardInterrupt:
        raise
    except BaseException:  # a foreign object whose repr raises
        return f"a {type(obj).__name__} object"
    return text if len(text) <= 60 else text[:57] + "..."


class PluginHost:
    """The typed facade over a plugin manager: the only code in steps that calls a hook.

    ``PluginHost()`` builds a manager with `make_plugin_manager` (environment
    controls apply); pass one to control loading yourself.  ``strict`` defaults to the
    manager's setting.  The scorer records are collected once and cached; registering a
    plugin through `register` clears the cache.
    """

    def __init__(self, pm: pluggy.PluginManager | None = None, *, strict: bool | None = None):
        if pm is None:
            pm = make_plugin_manager()
        if pm.project_name != hookspecs.PROJECT_NAME:
            raise ValueError(
                f"a steps plugin host needs a {hookspecs.PROJECT_NAME!r} plugin manager, "
                f"got {pm.project_name!r}"
            )
        caller = getattr(pm.hook, "steps_register_scorers", None)
        if caller is None or not caller.has_spec():
            pm.add_hookspecs(hookspecs)
        self._pm = pm
        self._strict = strict if strict is not None else bool(getattr(pm, "strict", False))
        self._records: tuple[ScorerRecord, ...] | None = None
        self._problems: list[str] = []
        self._lock = threading.RLock()

    @property
    def plugin_manager(self) -> pluggy.PluginManager:
        return self._pm

    @property
    def strict(self) -> bool:
        return self._strict

    @property
    def problems(self) -> tuple[str, ...]:
        """Every plugin problem so far, loading and collecting scorers: the messages of the
        `StepsPluginWarning` s (in strict mode a problem raises instead)."""
        loading = self._pm.problems if isinstance(self._pm, StepsPluginManager) else []
        return (*loading, *self._problems)

    def plugin_info(self, name: str) -> PluginInfo:
        if isinstance(self._pm, StepsPluginManager):
            return self._pm.plugin_info(name)
        return PluginInfo(name)

    def plugins(self) -> tuple[PluginInfo, ...]:
        """The registered plugins (blocked names excluded), sorted by name."""
        names = sorted(name for name, plugin in self._pm.list_name_plugin() if plugin is not None)
        return tuple(self.plugin_info(name) for name in names)

    def register(self, plugin: object, name: str | None = None) -> str:
        """Register a plugin object (a module, a class or an instance with hook
        implementations) and return its name; clears the cached scorers."""
        with self._lock:
            chosen = name or self._free_name(_plugin_name(plugin))
            if isinstance(self._pm, StepsPluginManager):
                if not self._pm.register_plugin(plugin, PluginInfo(chosen)):
                    raise PluginError(f"plugin {chosen!r} is blocked", plugins=[chosen])
            elif self._pm.register(plugin, name=chosen) is None:
                raise PluginError(f"plugin {chosen!r} is blocked", plugins=[chosen])
            self._records = None
        return chosen

    def _free_name(self, base: str) -> str:
        chosen, number = base, 1
        while self._pm.has_plugin(chosen):
            number += 1
            chosen = f"{base}-{number}"
        return chosen

    def scorers(self) -> tuple[ScorerRecord, ...]:
        """Every registered scorer, sorted by name.

        Raises `PluginError` when two scorers share a name (naming both plugins), and
        in strict mode for any broken plugin; otherwise a broken plugin is skipped with a
        `StepsPluginWarning`.
        """
        with self._lock:
            if self._records is None:
                self._records = self._collect()
            return self._records

    def scorer(self, name: str) -> ScorerRecord:
        """The scorer registered as ``name``; `UnknownScorerError` lists the known."""
        return self.select([name])[0]

    def select(self, names: Iterable[str] | None = None) -> tuple[ScorerRecord, ...]:
        """The records for ``names`` (all of them for ``None``), sorted by name; unknown
        names raise `UnknownScorerError` listing the known ones."""
        records = self.scorers()
        if names is None:
            return records
        wanted = set(names)
        by_name = {r.name: r for r in records}
        unknown = sorted(wanted - by_name.keys())
        if unknown:
            raise UnknownScorerError(unknown, sorted(by_name))
        return tuple(r for r in records if r.name in wanted)

    def identities(self) -> tuple[IdentityRecord, ...]:
        """Every registered GMV identity (``steps_register_identities``), sorted by key.

        Collected like the scorers (see `steps.gmv.identities.collect_identities`):
        two identities with one key raise `PluginError` naming both plugins; a broken
        plugin is skipped with a `StepsPluginWarning`, or raises when strict.
        """
        from steps.gmv.identities import collect_identities

        with self._lock:
            return collect_identities(self._pm, strict=self._strict, plugin_info=self.plugin_info)

    # -- collection ---------------------------------------------------------------------

    def _collect(self) -> tuple[ScorerRecord, ...]:
        self._problems.clear()
        self._check_unknown_hooks()
        caller = self._pm.hook.steps_register_scorers
        chosen: dict[str, ScorerRecord] = {}
        # pluggy lists implementations in registration order; sort by plugin name so that
        # what is collected (and which duplicate is reported first) never depends on it.
        implementations = sorted(caller.get_hookimpls(), key=lambda impl: impl.plugin_name)
        for impl in implementations:
            info = self.plugin_info(impl.plugin_name)
            for record in self._call(impl, info):
                earlier = chosen.get(record.name)
                if earlier is not None:
                    self._duplicate(earlier, record)
                chosen[record.name] = record
        return tuple(chosen[name] for name in sorted(chosen))

    def _call(self, impl: pluggy.HookImpl, info: PluginInfo) -> list[ScorerRecord]:
        """Call one plugin's ``steps_register_scorers`` on its own, so that a plugin that
        raises loses its own scorers and nobody else's."""
        if impl.wrapper or impl.hookwrapper:
            _problem(
                f"{info.describe()}: steps_register_scorers cannot be a wrapper; ignored",
                strict=self._strict,
                log=self._problems,
                plugins=[info.name],
            )
            return []
        registered: list[object] = []

        def register(scorer: Scorer) -> None:
            registered.append(scorer)

        arguments: dict[str, object] = {"register": register}
        try:
            impl.function(*(arguments[name] for name in impl.argnames))
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # SystemExit too: a plugin never ends the run
            _problem(
                f"{info.describe()}: steps_register_scorers raised {_exception_text(error)}; "
                "its scorers were skipped",
                strict=self._strict,
                log=self._problems,
                plugins=[info.name],
            )
            return []
        records: list[ScorerRecord] = []
        for obj in registered:
            problems = _shape_problems(obj)
            if problems:
                _problem(
                    f"{info.describe()} registered {_label(obj)}, which is not a scorer "
                    f"({'; '.join(problems)}); it was skipped",
                    strict=self._strict,
                    log=self._problems,
                    plugins=[info.name],
                )
                continue
            scorer = cast(Scorer, obj)
            records.append(
                ScorerRecord(
                    name=scorer.name,
                    version=scorer.version,
                    subject=scorer.subject,
                    title=scorer.title,
                    description=scorer.description,
                    scorer=scorer,
                    plugin=info,
                    batch=callable(getattr(obj, "score_many", None)),
                    table=scorer.subject is SubjectKind.STREAM
                    and callable(getattr(obj, "score_table", None)),
                )
            )
        return records

    @staticmethod
    def _duplicate(first: ScorerRecord, second: ScorerRecord) -> NoReturn:
        if first.plugin.name == second.plugin.name:
            message = f"scorer name {first.name!r} is registered twice by {first.plugin.describe()}"
        else:
            message = (
                f"scorer name {first.name!r} is registered by two plugins: "
                f"{first.plugin.describe()} and {second.plugin.describe()}; "
                f"block one with {ENV_BLOCK}={second.plugin.name}"
            )
        raise PluginError(message, plugins=sorted({first.plugin.name, second.plugin.name}))

    def _check_unknown_hooks(self) -> None:
        """Warn about ``@steps.hookimpl`` functions that match no hook (a typo such as
        ``steps_register_scorer`` would otherwise do nothing, silently)."""
        for name, caller in sorted(vars(self._pm.hook).items()):
            if not isinstance(caller, pluggy.HookCaller) or caller.has_spec():
                continue
            for impl in caller.get_hookimpls():
                if impl.optionalhook:
                    continue
                info = self.plugin_info(impl.plugin_name)
                _problem(
                    f"{info.describe()} implements {name!r}, which is not a steps hook "
                    "(see docs/hooks.md); it is never called",
                    strict=self._strict,
                    log=self._problems,
                    plugins=[info.name],
                )


def _plugin_name(plugin: object) -> str:
    name = getattr(plugin, "__name__", None)
    if isinstance(name, str):
        return name
    return f"{type(plugin).__module__}.{type(plugin).__qualname__}"


@functools.cache
def _default_host() -> PluginHost:
    return PluginHost(make_plugin_manager())


# Threads that ask for the default host together get one host, its plugins loaded once.
_DEFAULT_HOST_LOCK = threading.RLock()


def default_host() -> PluginHost:
    """The process-wide host the command line and `steps.score` use, built on first
    use from the environment controls (once, even when several threads ask at the same
    time).  Embedders build their own `PluginHost`."""
    with _DEFAULT_HOST_LOCK:
        return _default_host()


# What functools.cache gave default_host before it took the lock; tests use them.
default_host.cache_clear = _default_host.cache_clear  # type: ignore[attr-defined]
default_host.cache_info = _default_host.cache_info  # type: ignore[attr-defined]
