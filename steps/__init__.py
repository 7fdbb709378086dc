"""steps: typed models and plugin scorers for live-stream e-commerce (直播电商).

The public API:

```python
import steps

dataset = steps.load("brands.json")      # or .jsonl
steps.dump(dataset, "copy.jsonl")
results = steps.score(dataset)           # every installed scorer, failures isolated
```

Every model class and enumeration is here too (`steps.Brand`, `steps.Stream`,
`steps.Platform`, ...).  Names are imported on first use, so `import steps` (and
`steps --help`) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from steps._version import __version__

if TYPE_CHECKING:
    from steps.domain import (
        Account,
        AgeBand,
        AudienceProfile,
        Brand,
        CityTier,
        Dataset,
        FanGroup,
        InvalidDataError,
        LifecycleStage,
        Order,
        PaidCampaign,
        Platform,
        Problem,
        Product,
        ProductRole,
        RunOfShow,
        Section,
        SectionCoverage,
        ShortVideo,
        ShowSegment,
        Stream,
        StreamProduct,
        TalentCollab,
        TrafficSource,
        TrustSignal,
        TrustSignalKind,
    )
    from steps.io.files import SCHEMA_VERSION, dump, load
    from steps.sample import generate, sample_dataset
    from steps.scoring.contract import ScoringContext
    from steps.scoring.engine import ScoreResults, score
    from steps.scoring.hookspecs import hookimpl
    from steps.scoring.results import ScoreCard

_MODULES: dict[str, tuple[str, ...]] = {
    "steps.domain": (
        "Account",
        "AgeBand",
        "AudienceProfile",
        "Brand",
        "CityTier",
        "Dataset",
        "FanGroup",
        "InvalidDataError",
        "LifecycleStage",
        "Order",
        "PaidCampaign",
        "Platform",
        "Problem",
        "Product",
        "ProductRole",
        "RunOfShow",
        "Section",
        "SectionCoverage",
        "ShortVideo",
        "ShowSegment",
        "Stream",
        "StreamProduct",
        "TalentCollab",
        "TrafficSource",
        "TrustSignal",
        "TrustSignalKind",
    ),
    "steps.io.files": ("SCHEMA_VERSION", "dump", "load"),
    "steps.sample": ("generate", "sample_dataset"),
    "steps.scoring.contract": ("ScoringContext",),
    "steps.scoring.engine": ("ScoreResults", "score"),
    "steps.scoring.hookspecs": ("hookimpl",),
    "steps.scoring.results": ("ScoreCard",),
}
#: The module each lazily imported name comes from.
_LAZY = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "SCHEMA_VERSION",
    "Account",
    "AgeBand",
    "AudienceProfile",
    "Brand",
    "CityTier",
    "Dataset",
    "FanGroup",
    "InvalidDataError",
    "LifecycleStage",
    "Order",
    "PaidCampaign",
    "Platform",
    "Problem",
    "Product",
    "ProductRole",
    "RunOfShow",
    "ScoreCard",
    "ScoreResults",
    "ScoringContext",
    "Section",
    "SectionCoverage",
    "ShortVideo",
    "ShowSegment",
    "Stream",
    "StreamProduct",
    "TalentCollab",
    "TrafficSource",
    "TrustSignal",
    "TrustSignalKind",
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
