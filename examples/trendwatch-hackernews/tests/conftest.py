"""trendwatch ships the test helpers: a local HTTP server and a way to run one source."""

pytest_plugins = ["trendwatch.testing"]
