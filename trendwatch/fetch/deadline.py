"""The whole-request deadline: one watchdog thread that cuts off a request at its time.

A server that trickles a byte a second, in the headers or the body, never trips a socket
timeout; the watchdog shuts the request's socket down instead, which unblocks whatever
read is waiting. The deadline covers the whole request, redirects included.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType

#: The socket holder of the request running on this thread (see :class:`Cutoff`).
_local = threading.local()


class Watchdog:
    """One thread that runs callbacks at deadlines (a ``threading.Timer`` per request
    would start a thread per request: 220 of them in a round of 220 sources)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._cancelled: set[int] = set()
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def schedule(self, delay: float, callback: Callable[[], None]) -> int:
        with self._cond:
            token = next(self._ids)
            heapq.heappush(self._heap, (time.monotonic() + delay, token, callback))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="fetch-watchdog",
                                                daemon=True)
                self._thread.start()
            self._cond.notify()
            return token

    def cancel(self, token: int) -> None:
        with self._cond:
            if any(t == token for _, t, _ in self._heap):
                self._cancelled.add(token)

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    while self._heap and self._heap[0][1] in self._cancelled:
                        self._cancelled.discard(heapq.heappop(self._heap)[1])
                    if not self._heap:
                        if not self._cond.wait(timeout=30):
                            self._thread = None  # idle: let the thread end
                            return
                        continue
                    wait = self._heap[0][0] - time.monotonic()
                    if wait <= 0:
                        _, _, callback = heapq.heappop(self._heap)
                        break
                    self._cond.wait(timeout=wait)
            try:
                callback()
            except Exception:  # a failing cut must not stop the other deadlines
                pass


WATCHDOG = Watchdog()


def watch(sock: socket.socket) -> None:
    """Tell the current request's watchdog which socket to shut down at the deadline."""
    holder = getattr(_local, "holder", None)
    if holder is not None:
        holder["sock"] = sock


class Cutoff:
    """One exchange under the watchdog: at the deadline its socket is shut down and
    ``expired`` is set. Leaving the block ends the exchange; a cut that comes later does
    nothing (the socket may be back in the pool by then)."""

    def __init__(self, remaining: float) -> None:
        self.remaining = remaining
        self.expired = threading.Event()
        self._holder: dict[str, socket.socket] = {}
        self._finished = threading.Lock()  # held by whoever ends the exchange first
        self._token: int | None = None

    def _cut(self) -> None:  # the deadline passed: unblock whatever read is waiting
        if not self._finished.acquire(blocking=False):
            return  # the exchange is over: its socket may be back in the pool
        self.expired.set()
        sock = self._holder.get("sock")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> Cutoff:
        _local.holder = self._holder
        try:
            self._token = WATCHDOG.schedule(self.remaining, self._cut)
        except BaseException:  # no thread for the watchdog: leave nothing behind
            _local.holder = None
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._finished.acquire(blocking=False)  # from here on a late cut does nothing
        if self._token is not None:
            WATCHDOG.cancel(self._token)
        _local.holder = None
