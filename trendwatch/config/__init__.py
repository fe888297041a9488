"""Loading and validating ``trendwatch.toml``.

Where the file comes from: ``--config PATH``, else ``$TRENDWATCH_CONFIG``, else
``./trendwatch.toml``, else ``trendwatch.toml`` in the user config dir, else the embedded
starter config (the same text ``trendwatch init`` writes).

Every problem is reported as ``key.path: message`` (``sources[3].every: "5 minutez" is not
a duration``); unknown keys are errors, so a typo never silently does nothing.
"""

from .files import (
    CONFIG_NAME,
    find_config,
    format_validation_error,
    lenient_config,
    load_config,
    parse_config,
    starter_text,
    user_config_path,
)
from .schema import (
    DAYS,
    DEFAULT_MAX_AGE,
    AngleTemplate,
    BrandConfig,
    Config,
    DigestConfig,
    Duration,
    FetchConfig,
    FreshnessConfig,
    PerformanceConfig,
    PlanConfig,
    PluginTable,
    RankingConfig,
    RankingWeights,
    SafetyConfig,
    Slug,
    SourceTable,
    StorageConfig,
    ThemeConfig,
    WebConfig,
)

__all__ = [
    "CONFIG_NAME",
    "DAYS",
    "DEFAULT_MAX_AGE",
    "AngleTemplate",
    "BrandConfig",
    "Config",
    "DigestConfig",
    "Duration",
    "FetchConfig",
    "FreshnessConfig",
    "PerformanceConfig",
    "PlanConfig",
    "PluginTable",
    "RankingConfig",
    "RankingWeights",
    "SafetyConfig",
    "Slug",
    "SourceTable",
    "StorageConfig",
    "ThemeConfig",
    "WebConfig",
    "find_config",
    "format_validation_error",
    "lenient_config",
    "load_config",
    "parse_config",
    "starter_text",
    "user_config_path",
]
