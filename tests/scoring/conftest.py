from __future__ import annotations

from collections.abc import Iterator

import pytest

from steps.scoring import plugins

STEPS_ENVIRONMENT = (
    plugins.ENV_ALLOW,
    plugins.ENV_BLOCK,
    plugins.ENV_DISABLE_AUTOLOAD,
    plugins.ENV_STRICT,
)


@pytest.fixture(autouse=True)
def _clean_plugin_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No STEPS_* controls from the outside, and a fresh default host for each test."""
    for name in STEPS_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    clear = plugins.default_host.cache_clear
    clear()
    yield
    clear()
