"""Hook specifications: how a plugin hands its scorers to steps.

A plugin is a module (or any object) with functions marked ``@steps.hookimpl``::

    import steps

    @steps.hookimpl
    def steps_register_scorers(register):
        register(MyScorer())

Hooks are for registration only; scoring calls the registered objects directly.  Hooks
evolve only by adding arguments (a plugin may accept any subset of a hook's arguments).
"""

from __future__ import annotations

from collections.abc import Callable

import pluggy

from steps.scoring.contract import Scorer

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec", "steps_register_scorers"]

#: The pluggy project name, and the entry-point group third-party plugins declare.
PROJECT_NAME = "steps"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def steps_register_scorers(register: Callable[[Scorer], None]) -> None:
    """Register scorers by calling ``register(scorer)`` once for each.

    ``scorer`` must satisfy :class:`steps.scoring.contract.BrandScorer` or
    :class:`steps.scoring.contract.StreamScorer`.

    .. versionadded:: 0.1
    """
