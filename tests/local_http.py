"""A threading HTTP server for tests that keeps the test log clean.

Several tests make the client hang up on purpose (a body over the size cap, a gzip bomb, a
deadline): the server's write then fails with a broken pipe, sometimes inside
``BaseHTTPRequestHandler.handle`` after ``do_GET`` returned, where no handler code can catch
it. ``socketserver`` would print that traceback to stderr from its thread, in the middle of
pytest's dots. Here a hang-up by the client is expected and dropped; any other error is kept
in :attr:`LocalHTTPServer.errors` so the fixture that owns the server can fail on it.
"""

from __future__ import annotations

import ssl
import sys
from http.server import ThreadingHTTPServer

#: The client going away mid-answer: what these tests cause on purpose.
HANG_UPS = (ConnectionError, TimeoutError, ssl.SSLError)


class LocalHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.errors: list[BaseException] = []

    def handle_error(self, request: object, client_address: object) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, HANG_UPS):
            return
        if error is not None:
            self.errors.append(error)
