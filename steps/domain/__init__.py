"""The typed domain model of live-stream e-commerce.  Imports nothing else of ``steps``."""

from steps.domain import metrics
from steps.domain.enums import (
    PUBLIC_SOURCES,
    AgeBand,
    CityTier,
    LifecycleStage,
    Platform,
    ProductRole,
    TrafficSource,
    TrustSignalKind,
)
from steps.domain.errors import InvalidDataError, Problem
from steps.domain.model import (
    Account,
    AudienceProfile,
    Brand,
    Dataset,
    FanGroup,
    Order,
    Product,
    RunOfShow,
    ShortVideo,
    ShowSegment,
    Stream,
    StreamProduct,
    TalentCollab,
    TrustSignal,
)

__all__ = [
    "PUBLIC_SOURCES",
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
    "Platform",
    "Problem",
    "Product",
    "ProductRole",
    "RunOfShow",
    "ShortVideo",
    "ShowSegment",
    "Stream",
    "StreamProduct",
    "TalentCollab",
    "TrafficSource",
    "TrustSignal",
    "TrustSignalKind",
    "metrics",
]
