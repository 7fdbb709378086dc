"""Test helpers for ``steps`` and for third-party plugin authors.

:mod:`steps.testing.strategies` holds Hypothesis strategies that generate valid model
objects (every relation check of :mod:`steps.domain.model` holds by construction), so a
scorer can be property-tested against arbitrary brands::

    from hypothesis import given
    from steps.testing import brands

    @given(brands())
    def test_my_scorer_never_crashes(brand): ...

:mod:`steps.testing.plugins` builds plugin hosts isolated from whatever else is installed
(:func:`isolated_host`, :func:`scorer_plugin`), and :mod:`steps.testing.pytest_plugin` offers
them as the ``steps_host`` fixture (``pytest_plugins = ["steps.testing.pytest_plugin"]``).

Requires ``hypothesis`` (the ``test`` extra).
"""

from steps.testing.plugins import isolated_host, scorer_plugin
from steps.testing.strategies import (
    UTC_OFFSETS,
    accounts,
    audience_profiles,
    aware_datetimes,
    brands,
    buyer_keys,
    counts,
    datasets,
    fan_groups,
    identifiers,
    money,
    orders,
    products,
    short_videos,
    streams,
    talent_collabs,
    texts,
    trust_signals,
)

__all__ = [
    "UTC_OFFSETS",
    "accounts",
    "audience_profiles",
    "aware_datetimes",
    "brands",
    "buyer_keys",
    "counts",
    "datasets",
    "fan_groups",
    "identifiers",
    "isolated_host",
    "money",
    "orders",
    "products",
    "scorer_plugin",
    "short_videos",
    "streams",
    "talent_collabs",
    "texts",
    "trust_signals",
]
