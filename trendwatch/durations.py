"""Human durations used in the config: ``30s``, ``15m``, ``2h``, ``1d``, ``1h30m``."""

from __future__ import annotations

import re

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_WHOLE = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*[smhdw]\s*)+$")


#: The longest duration any setting takes (a year). ``every = "99999999d"`` or ``1e308``
#: used to pass and then overflow every date computed from it: each fetch rolled back.
MAX_SECONDS = 366 * 86400.0


class DurationError(ValueError):
    pass


def parse_duration(value: str | int | float) -> float:
    """Return the duration in seconds. Plain numbers are seconds.

    >>> parse_duration("1h30m")
    5400.0
    """
    if isinstance(value, bool):
        raise DurationError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
        if not value > 0:  # NaN too
            raise DurationError(f"{value!r} is not a duration (must be positive)")
        return _bounded(float(value), value)
    text = str(value).strip().lower()
    if not _WHOLE.match(text):
        raise DurationError(f'"{value}" is not a duration (use e.g. 30s, 15m, 2h, 1d)')
    seconds = sum(float(n) * _UNITS[u] for n, u in _PART.findall(text))
    if seconds <= 0:
        raise DurationError(f'"{value}" is not a duration (must be positive)')
    return _bounded(seconds, value)


def _bounded(seconds: float, value: object) -> float:
    if seconds > MAX_SECONDS:
        shown = f'"{value}"' if isinstance(value, str) else f"{value!r} seconds"
        raise DurationError(f"{shown} is too long: at most {format_duration(MAX_SECONDS)} "
                            f"({MAX_SECONDS:.0f} seconds)")
    return seconds


def format_duration(seconds: float) -> str:
    """The inverse of :func:`parse_duration`, for display (``5400`` -> ``1h30m``)."""
    seconds = round(seconds)
    if seconds <= 0:
        return "0s"
    out = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        n, seconds = divmod(seconds, size)
        if n:
            out.append(f"{n}{unit}")
    return "".join(out)
