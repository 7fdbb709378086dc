"""Shared test configuration: Hypothesis profiles.

``ci`` (the default) runs about a hundred examples per property with no deadline, since
shared CI machines stall unpredictably; ``dev`` runs fewer for a quick edit-test loop::

    HYPOTHESIS_PROFILE=dev python -m pytest
"""

from __future__ import annotations

import contextlib
import os
import warnings

from hypothesis import HealthCheck, settings

# When a property fails, Hypothesis's pytest plugin imports its patch writer, which imports
# libcst, which (with a recent mypy_extensions) emits a DeprecationWarning at import time; the
# project turns warnings into errors, so the failure would surface as a pytest INTERNALERROR
# instead of a falsifying example.  Importing it once here, outside any test, avoids that.
with warnings.catch_warnings(), contextlib.suppress(Exception):  # libcst may be missing
    warnings.simplefilter("ignore", DeprecationWarning)
    import hypothesis.extra._patching  # noqa: F401

settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
