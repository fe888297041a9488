"""When to fetch a source next, from its interval, what the server said, and its failures."""

from __future__ import annotations

import random

#: A server's max-age can stretch the interval, but never beyond this many intervals.
MAX_AGE_STRETCH = 4


def next_delay(every: float, *, failures: int = 0, retry_after: float | None = None,
               max_age: float | None = None, max_backoff: float = 6 * 3600.0,
               jitter: float = 0.05, rng: random.Random | None = None) -> float:
    """Seconds until the next fetch.

    * success: ``every``, stretched to the server's ``max-age`` (capped at 4× ``every``);
    * failure n (n ≥ 1): ``every × 2^(n-1)``, capped at ``max_backoff`` but never below
      ``every``, so a broken source is still retried, slowly, forever;
    * ``Retry-After`` / 429: never earlier than the server asked, but never later than
      ``max_backoff`` either (a ``Retry-After`` of a year must not silence a source);
    * ±``jitter`` so fifty sources on one interval don't fire in the same second; only
      upwards when the server's ``Retry-After`` decided the delay.
    """
    cap = max(max_backoff, every)
    if failures > 0:
        delay = min(every * (2 ** min(failures - 1, 20)), cap)
    else:
        delay = every
        if max_age:
            delay = max(delay, min(max_age, every * MAX_AGE_STRETCH))
    r = rng or random
    if retry_after and min(retry_after, cap) >= delay:
        return min(retry_after, cap) * (1 + r.uniform(0, jitter))
    return delay * (1 + r.uniform(-jitter, jitter))
