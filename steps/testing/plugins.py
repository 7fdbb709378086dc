"""Helpers for testing plugins: a plugin host isolated from whatever else is installed.


    import steps
    from steps.testing.plugins import isolated_host

    import my_plugin

    def test_my_scorer_runs(dataset):
        host = isolated_host(my_plugin)              # no entry points, no built-ins
        results = steps.score(dataset, host=host)
        assert results.ok
        assert results.for_scorer("my-scorer")

`scorer_plugin` wraps scorer objects in a plugin, to register a scorer written inside a
test.  The pytest fixture ``steps_host`` (``pytest_plugins = ["steps.testing.pytest_plugin"]``)
is `isolated_host` as a fixture.
"""

from __future__ import annotations

from collections.abc import Callable

from steps.scoring.contract import Scorer
from steps.scoring.hookspecs import hookimpl
from steps.scoring.plugins import PluginHost, make_plugin_manager

__all__ = ["ScorerPlugin", "isolated_host", "scorer_plugin"]


def isolated_host(*plugins: object, builtins: bool = False, strict: bool = True) -> PluginHost:
    """A `PluginHost` with exactly ``plugins`` registered.

    No entry point is loaded and the ``STEPS_*`` environment variables are ignored.
    ``builtins=True`` adds the built-in scorers.  ``strict`` (the default here, unlike in
    production) turns a broken plugin into a `PluginError`
    instead of a warning, so a test fails loudly; pass ``strict=False`` to test what
    users see.  Each plugin is a module, a class or an instance with ``@steps.hookimpl``
    functions, registered under its ``__name__`` (a module's dotted name).
    """
    pm = make_plugin_manager(
        load_entrypoints=False,
        allow=None,
        block=(),
        strict=strict,
        builtins=builtins,
        environ={},
    )
    host = PluginHost(pm)
    for plugin in plugins:
        host.register(plugin)
    return host


class ScorerPlugin:
    """A plugin that registers the scorer objects it was given."""

    def __init__(self, scorers: tuple[object, ...], name: str) -> None:
        self.scorers = scorers
        self.__name__ = name

    @hookimpl
    def steps_register_scorers(self, register: Callable[[Scorer], None]) -> None:
        for scorer in self.scorers:
            register(scorer)  # type: ignore[arg-type]  # checked by the host, like any plugin

    def __repr__(self) -> str:
        return f"ScorerPlugin({self.__name__!r})"


def scorer_plugin(*scorers: object, name: str | None = None) -> ScorerPlugin:
    """A plugin registering ``scorers`` (named ``name``, by default after the scorers)."""
    if name is None:
        labels = [str(getattr(s, "name", type(s).__name__)) for s in scorers]
        name = "scorers:" + ",".join(labels)
    return ScorerPlugin(scorers, name)
