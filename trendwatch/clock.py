"""A fake wall clock for tests of whole trendwatch processes.

time-machine moves the clock of the process it runs in, not of a child process: a test that
starts ``trendwatch run`` or ``python -m trendwatch suggestions`` would see the real date and
pass or fail depending on the day. ``TRENDWATCH_FAKE_TIME`` (an ISO 8601 instant with an
offset) makes any trendwatch process started through :func:`trendwatch.cli.main` start its
clock at that instant and let it tick at normal speed. The test suite's ``--clock`` option
(see ``tests/conftest.py``) sets it for every child process, so the whole suite, children
included, can be run as if it were another day without libfaketime.

It is a testing aid: it needs time-machine (a test dependency) and says so otherwise. Light
on purpose: the CLI entry point imports this module on every command.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from typing import Any

from .errors import ConfigError

log = logging.getLogger(__name__)

FAKE_TIME_ENV = "TRENDWATCH_FAKE_TIME"

#: The traveller started for this process by :func:`install_process_clock`, if any.
_process_traveller: Any | None = None


def install_fake_clock(*, announce: bool = True) -> Any | None:
    """When ``$TRENDWATCH_FAKE_TIME`` holds an ISO 8601 instant (with offset), start this
    process's clock there and let it tick. Returns the traveller (the caller stops it), or
    None when the variable is unset. ``announce=False`` logs nothing (before logging is
    configured a record would reach stderr as a stray plain-text line)."""
    value = os.environ.get(FAKE_TIME_ENV)
    if not value:
        return None
    try:
        start = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{FAKE_TIME_ENV}: {value!r} is not an ISO 8601 time") from None
    if start.tzinfo is None:
        raise ConfigError(f"{FAKE_TIME_ENV}: {value!r} needs a UTC offset (e.g. +07:00)")
    try:
        import time_machine
    except ImportError:
        raise ConfigError(f"{FAKE_TIME_ENV} is a testing aid and needs time-machine "
                          "(pip install time-machine)") from None
    traveller = time_machine.travel(start, tick=True)
    traveller.start()
    if announce:
        announce_fake_clock()
    return traveller


def announce_fake_clock() -> None:
    """Log that the clock is fake (the daemon does, once its log is set up)."""
    value = os.environ.get(FAKE_TIME_ENV)
    if value:
        log.warning("clock set to %s by %s (testing aid)", value, FAKE_TIME_ENV)


def install_process_clock() -> bool:
    """The fake clock for the whole life of this process (the CLI entry point calls this
    once). Returns whether a fake clock is running; a second call changes nothing."""
    global _process_traveller
    if _process_traveller is None:
        _process_traveller = install_fake_clock(announce=False)
    return _process_traveller is not None


def process_clock_installed() -> bool:
    """Whether :func:`install_process_clock` already moved this process's clock."""
    return _process_traveller is not None
