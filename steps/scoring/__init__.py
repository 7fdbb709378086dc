"""Scoring: the scorer contract, explained score cards, plugins and the engine.

Plugin authors need `hookimpl`, the protocols (`BrandScorer`,
`StreamScorer`), `ScoreCard` and the indicator toolkit (`Indicator`,
`Component`, `LinearBenchmark`, `PeerBenchmark`, `evaluate`).
Users need `score` and `ScoreResults`; embedders build their own
`PluginHost` from `make_plugin_manager`.  Importing this package imports no
plugin: plugins load on the first call that needs them.
"""

from steps.scoring.contract import (
    BrandScorer,
    PeerLookup,
    Scorer,
    ScoringContext,
    StreamScorer,
    StreamSubject,
)
from steps.scoring.engine import ROW_COLUMNS, ScoreResults, ScorerInfo, ScoreWarning, score
from steps.scoring.hookspecs import hookimpl
from steps.scoring.indicators import (
    Benchmark,
    BenchmarkOverrides,
    Component,
    Direction,
    Evaluation,
    Indicator,
    LinearBenchmark,
    PeerBenchmark,
    evaluate,
)
from steps.scoring.plugins import (
    PluginError,
    PluginHost,
    PluginInfo,
    ScorerRecord,
    StepsPluginWarning,
    UnknownScorerError,
    default_host,
    make_plugin_manager,
)
from steps.scoring.results import (
    ComponentResult,
    IndicatorResult,
    Recommendation,
    ScoreCard,
    ScoreError,
    SubjectKind,
)

__all__ = [
    "ROW_COLUMNS",
    "Benchmark",
    "BenchmarkOverrides",
    "BrandScorer",
    "Component",
    "ComponentResult",
    "Direction",
    "Evaluation",
    "Indicator",
    "IndicatorResult",
    "LinearBenchmark",
    "PeerBenchmark",
    "PeerLookup",
    "PluginError",
    "PluginHost",
    "PluginInfo",
    "Recommendation",
    "ScoreCard",
    "ScoreError",
    "ScoreResults",
    "ScoreWarning",
    "Scorer",
    "ScorerInfo",
    "ScorerRecord",
    "ScoringContext",
    "StepsPluginWarning",
    "StreamScorer",
    "StreamSubject",
    "SubjectKind",
    "UnknownScorerError",
    "default_host",
    "evaluate",
    "hookimpl",
    "make_plugin_manager",
    "score",
]
