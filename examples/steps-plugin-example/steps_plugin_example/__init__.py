"""steps-plugin-example: the ``live-rhythm`` and ``live-hold`` stream scorers, as a steps plugin.

This module is what the entry point names, so steps imports it whenever it loads plugins
(``steps --help`` does not).  Keep it light: the scorer module, and anything heavy it needs,
is imported inside the hook.
"""

from __future__ import annotations

from collections.abc import Callable

import steps
from steps.scoring import Scorer

__version__ = "0.1.0"


@steps.hookimpl
def steps_register_scorers(register: Callable[[Scorer], None]) -> None:
    """Hand steps the scorers of this plugin."""
    from steps_plugin_example.hold import LiveHold
    from steps_plugin_example.rhythm import LiveRhythm

    register(LiveHold())
    register(LiveRhythm())
