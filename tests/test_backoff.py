from __future__ import annotations

import random

from trendwatch.fetch.backoff import next_delay


def rng() -> random.Random:
    return random.Random(7)


def test_success_uses_interval_with_jitter():
    delays = [next_delay(1800, rng=random.Random(i)) for i in range(50)]
    assert all(1710 <= d <= 1890 for d in delays)
    assert len({round(d) for d in delays}) > 10  # spread, not one second


def test_failures_back_off_exponentially_and_are_capped_but_retried():
    d = [next_delay(600, failures=n, jitter=0) for n in range(1, 10)]
    assert d[:4] == [600, 1200, 2400, 4800]
    assert max(d) == 6 * 3600  # capped at max_backoff: still retried, slowly
    assert next_delay(86400, failures=5, jitter=0) == 86400  # never below the interval


def test_retry_after_is_never_undercut_by_jitter():
    for i in range(100):
        assert next_delay(60, retry_after=900, rng=random.Random(i)) >= 900


def test_huge_retry_after_is_capped():
    assert next_delay(1800, retry_after=31_536_000, jitter=0) == 6 * 3600


def test_max_age_stretches_but_only_so_far():
    assert next_delay(600, max_age=1200, jitter=0) == 1200
    assert next_delay(600, max_age=86400, jitter=0) == 2400
