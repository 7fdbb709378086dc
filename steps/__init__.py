"""steps: typed models and plugin scorers for live-stream e-commerce (直播电商).

The public API::

    import steps

    dataset = steps.load("brands.json")      # or .jsonl
    steps.dump(dataset, "copy.jsonl")
    results = steps.score(dataset)           # every installed scorer, failures isolated

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
    from steps.scoring.contract import ScoringContext
    from steps.scoring.engine import ScoreResults, score
    from steps.scoring.hookspecs import hookimpl
    from steps.scoring.results import ScoreCard

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
    "ScoringContext": "steps.scoring.contract",
    "ScoreResults": "steps.scoring.engine",
    "score": "steps.scoring.engine",
    "hookimpl": "steps.scoring.hookspecs",
    "ScoreCard": "steps.scoring.results",
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
    "ScoreCard",
    "ScoreResults",
    "ScoringContext",
    "Stream",
    "TalentCollab",
    "TrustSignal",
    "__version__",
    "dump",
    "generate",
    "hookimpl",
    "load",
    "sample_dataset",
    "score",
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
