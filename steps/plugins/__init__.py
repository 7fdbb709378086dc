"""The built-in scorers, each a plugin module registered exactly like a third-party plugin.

`steps.scoring.plugins.make_plugin_manager` imports each module named here lazily (never
at ``import steps``) and registers it under its module name, so a built-in can be blocked like
any other plugin (``STEPS_BLOCK_PLUGINS=steps.plugins.trust``).  To add a built-in, write a
module with a ``@steps.hookimpl def steps_register_scorers(register)`` and append its name.
"""

from __future__ import annotations

__all__ = ["BUILTIN_PLUGINS"]

#: Module names of the built-in plugins, e.g. ``"steps.plugins.steps_brand"``.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "steps.plugins.steps_brand",
    "steps.plugins.stage",
    "steps.plugins.douyin",
    "steps.plugins.trust",
    "steps.plugins.identities",
)
