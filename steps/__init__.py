"""steps: typed models and plugin scorers for live-stream e-commerce (直播电商).

The public API::

    import steps

    dataset = steps.load("brands.json")      # or .jsonl
    steps.dump(dataset, "copy.jsonl")

Names are imported on first use, so ``import steps`` (and ``steps --help``) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from steps._version import __version__

if TYPE_CHECKING:
    from steps.domain import (
        Account,
        AudienceProfile,
        Brand,
        Dataset,
        FanGroup,
        InvalidDataError,
        Order,
        Problem,
        Product,
        Stream,
        TalentCollab,
        TrustSignal,
    )
    from steps.io.files import SCHEMA_VERSION, dump, load
    from steps.sample import generate, sample_dataset

_LAZY = {
    "Account": "steps.domain",
    "AudienceProfile": "steps.domain",
    "Brand": "steps.domain",
    "Dataset": "steps.domain",
    "FanGroup": "steps.domain",
    "InvalidDataError": "steps.domain",
    "Order": "steps.domain",
    "Problem": "steps.domain",
    "Product": "steps.domain",
    "Stream": "steps.domain",
    "TalentCollab": "steps.domain",
    "TrustSignal": "steps.domain",
    "SCHEMA_VERSION": "steps.io.files",
    "dump": "steps.io.files",
    "load": "steps.io.files",
    "generate": "steps.sample",
    "sample_dataset": "steps.sample",
}

__all__ = [
    "SCHEMA_VERSION",
    "Account",
    "AudienceProfile",
    "Brand",
    "Dataset",
    "FanGroup",
    "InvalidDataError",
    "Order",
    "Problem",
    "Product",
    "Stream",
    "TalentCollab",
    "TrustSignal",
    "__version__",
    "dump",
    "generate",
    "load",
    "sample_dataset",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'steps' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
