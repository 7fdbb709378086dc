"""The built-in GMV identities (traditional, kuaishou, funnel, douyin-fact-plus) as a plugin.

Registered like any third-party plugin, so ``STEPS_BLOCK_PLUGINS=steps.plugins.identities``
removes them.  The identities themselves live in `steps.gmv.identities`.
"""

from __future__ import annotations

from collections.abc import Callable

from steps.gmv.identities import BUILTIN_IDENTITIES, Identity
from steps.scoring.hookspecs import hookimpl

__all__ = ["steps_register_identities"]


@hookimpl
def steps_register_identities(register: Callable[[Identity], None]) -> None:
    """Register the built-in identities."""
    for identity in BUILTIN_IDENTITIES:
        register(identity)
