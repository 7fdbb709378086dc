"""A pytest plugin for plugin authors.  Enable it in your ``conftest.py``:

    pytest_plugins = ["steps.testing.pytest_plugin"]

and use the ``steps_host`` fixture, a factory of isolated plugin hosts:

    import steps
    import my_plugin

    def test_scores(steps_host, dataset):
        results = steps.score(dataset, host=steps_host(my_plugin))
        assert results.ok
"""

from __future__ import annotations

from typing import Protocol

import pytest

from steps.scoring.plugins import PluginHost
from steps.testing.plugins import isolated_host

__all__ = ["HostFactory", "steps_host"]


class HostFactory(Protocol):
    """``steps_host(*plugins, builtins=False, strict=True) -> PluginHost``."""

    def __call__(
        self, *plugins: object, builtins: bool = False, strict: bool = True
    ) -> PluginHost: ...


@pytest.fixture
def steps_host() -> HostFactory:
    """Build a plugin host with exactly the given plugins: no entry points, no built-ins
    (unless ``builtins=True``), no environment controls, strict by default.  See
    `steps.testing.plugins.isolated_host`."""

    def factory(*plugins: object, builtins: bool = False, strict: bool = True) -> PluginHost:
        return isolated_host(*plugins, builtins=builtins, strict=strict)

    return factory
