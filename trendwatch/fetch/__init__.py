"""Fetching: one round of every due source (``round``), the shared HTTP client (``http``),
when to fetch next (``backoff``), and how the sources are doing (``health``)."""
