"""Test helpers for `steps` and for third-party plugin authors.

`steps.testing.plugins` builds plugin hosts isolated from whatever else is installed
(`isolated_host`, `scorer_plugin`), and `steps.testing.pytest_plugin` offers them as the
`steps_host` fixture (`pytest_plugins = ["steps.testing.pytest_plugin"]`).  Neither needs
anything beyond steps itself (and pytest for the fixture).

`steps.testing.strategies` holds Hypothesis strategies that generate valid model objects
(every relation check of `steps.domain.model` holds by construction), so a scorer can be
property-tested against arbitrary brands.  They need Hypothesis: depend on
`steps-commerce[test]`.  They are importable from here too, on first use:

```python
from hypothesis import given
from steps.testing import brands

@given(brands())
def test_my_scorer_never_crashes(brand): ...
```

Without Hypothesis, `import steps.testing` and `isolated_host` work, and asking for a
strategy raises an `ImportError` that names the `test` extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from steps.testing.plugins import isolated_host, scorer_plugin

if TYPE_CHECKING:
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

#: The names that come from `steps.testing.strategies` (and so need Hypothesis).
_STRATEGIES = frozenset(
    {
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
        "money",
        "orders",
        "products",
        "short_videos",
        "streams",
        "talent_collabs",
        "texts",
        "trust_signals",
    }
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


def __getattr__(name: str) -> Any:
    if name not in _STRATEGIES:
        raise AttributeError(f"module 'steps.testing' has no attribute {name!r}")
    # Imported here, not at the top: the plugin hosts must work without Hypothesis.
    from steps.testing import strategies

    value = getattr(strategies, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
