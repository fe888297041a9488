"""What one source's fetch may cost: entries parsed, rows read, CPU seconds.

The fetcher already caps the bytes of a response (``[fetch] max_bytes``). Bytes are not
the cost, though: an 11.6 MB RSS document of 200,000 tiny items used to cost ~330 MB and
16 s of CPU, because every entry was built before ``max_items`` cut the list. A budget
makes the cost bounded *by construction*: the parsers stop as soon as they have what the
source may keep, or when the source has used its CPU time.

The budget of the running fetch lives in a thread-local, set by the pipeline around a
source's ``fetch`` (every fetch runs in its own thread), so a plugin needs no new argument
and a parser deep down can check it. CPU time is the thread's own (``time.thread_time``):
other sources running in parallel don't count against this one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

#: Without a configured budget (a plugin used on its own, a test): generous but finite.
DEFAULT_CPU_SECONDS = 10.0
DEFAULT_MAX_ITEMS = 10_000


class BudgetExceeded(Exception):
    """A parser stopped because the budget ran out. ``partial`` is what it had built so
    far (the parser's handler, for feeds); ``reason`` says which limit, for the warning."""

    def __init__(self, reason: str, partial: object = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.partial = partial


@dataclass
class Budget:
    """Limits of one source's fetch. ``max_items`` caps what any parser builds;
    ``cpu_seconds`` the CPU the fetching thread may spend from :meth:`start` on."""

    max_items: int = DEFAULT_MAX_ITEMS
    cpu_seconds: float = DEFAULT_CPU_SECONDS
    started: float = field(default_factory=time.thread_time)

    def used(self) -> float:
        """CPU seconds this thread spent since the budget started."""
        return time.thread_time() - self.started

    def over_time(self) -> bool:
        return self.used() > self.cpu_seconds

_local = threading.local()

#: Bytes of documents being parsed at once, across every fetch thread of the process.
#: Parsing costs a few times the document in memory (decoded copies, entries, text):
#: eight 13.8 MB full-text feeds parsed side by side took the fetching process to 489 MB.
#: One document always gets in, however big (max_bytes bounds it); others wait their
#: turn, which costs time (parsing is CPU-bound: the GIL ran them one at a time anyway),
#: not memory.
PARSE_BYTES_AT_ONCE = 16_000_000

#: Longest wait for the allowance (seconds).
MAX_PARSE_WAIT = 60.0

_gate = threading.Condition()
_parsing = 0


@contextmanager
def parse_slot(size: int) -> Iterator[None]:
    """Hold ``size`` bytes of the process's parse allowance while parsing a document."""
    global _parsing
    # never wait forever: a parse stuck in a thread the pipeline abandoned keeps its
    # allowance, and the others must go on (at the cost of memory, not of every source)
    deadline = time.monotonic() + MAX_PARSE_WAIT
    with _gate:
        while _parsing and _parsing + size > PARSE_BYTES_AT_ONCE:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            _gate.wait(left)
        _parsing += size
    try:
        yield
    finally:
        with _gate:
            _parsing -= size
            _gate.notify_all()


def current() -> Budget:
    """The budget of the fetch running in this thread (a default one outside a fetch)."""
    budget = getattr(_local, "budget", None)
    # outside a fetch every call gets a fresh one: a long-lived thread's CPU must not add up
    return budget if budget is not None else Budget()


@contextmanager
def limits(max_items: int = DEFAULT_MAX_ITEMS,
           cpu_seconds: float = DEFAULT_CPU_SECONDS) -> Iterator[Budget]:
    """Run a block (one source's fetch) under a fresh budget, in this thread only."""
    before = getattr(_local, "budget", None)
    _local.budget = Budget(max_items=max_items, cpu_seconds=cpu_seconds)
    try:
        yield _local.budget
    finally:
        _local.budget = before
