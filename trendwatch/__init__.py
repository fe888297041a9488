"""trendwatch: watches trend sources, ranks them against a brand's themes, suggests posts."""

__version__ = "0.1.0"
