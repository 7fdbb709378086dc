"""Hook specifications: how a plugin hands its scorers and GMV identities to steps.

A plugin is a module (or any object) with functions marked ``@steps.hookimpl``:

    import steps

    @steps.hookimpl
    def steps_register_scorers(register):
        register(MyScorer())

Hooks are for registration only; scoring calls the registered objects directly.  Hooks
evolve only by adding arguments (a plugin may accept any subset of a hook's arguments).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

from steps.scoring.contract import Scorer

if TYPE_CHECKING:
    from steps.gmv.identities import Identity

__all__ = [
    "PROJECT_NAME",
    "hookimpl",
    "hookspec",
    "steps_register_identities",
    "steps_register_scorers",
]

#: The pluggy project name, and the entry-point group third-party plugins declare.
PROJECT_NAME = "steps"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def steps_register_scorers(register: Callable[[Scorer], None]) -> None:
    """Register scorers by calling ``register(scorer)`` once for each.

    ``scorer`` must satisfy `steps.scoring.contract.BrandScorer` or
    `steps.scoring.contract.StreamScorer`.

    Added in version 0.1.
    """


@hookspec
def steps_register_identities(register: Callable[[Identity], None]) -> None:
    """Register GMV identities by calling ``register(identity)`` once for each.

    ``identity`` must be a `steps.gmv.identities.Identity`: named factors whose
    product is GMV.  Each one is checked on probe data when collected (an identity whose
    factors do not multiply back is skipped with a warning, or refused in strict mode), and
    two identities with the same key are an error naming both plugins.  They are collected
    by `steps.scoring.plugins.PluginHost.identities` and used by ``steps gmv
    --identity KEY`` and `steps.gmv.attribution.attribute`:

        from steps.gmv.identities import Factor, Identity

        @steps.hookimpl
        def steps_register_identities(register):
            register(Identity("orders-aov", "Orders × AOV", "订单数 × 客单价", factors=(
                Factor.of_column("orders", name="orders", name_zh="订单数", unit="orders"),
                Factor.of_ratio("aov", "gmv_fen", "orders", name="AOV", name_zh="客单价",
                                unit="fen per order"),
            )))

    Added in version 0.1.
    """
