"""The config file changing under a running daemon, and commands reading a broken one.

The daemon checks the file's modification stamp every few seconds. An edit that is
valid (TOML, every key, every source bound to a loaded plugin) is applied: sources,
schedules and limits follow it without a restart. An invalid edit is refused: the daemon
keeps the config it runs with, says so once in the log, and records an ``error`` event of
kind ``config`` that ``status`` and the web page show until a valid file is loaded again.

Read-only commands (``status``, ``suggestions``, ``serve``) must still work while the file
is broken, or nobody can see what the daemon is doing: :func:`lenient_config` keeps every
section that is valid on its own and warns about the rest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..binding import ConfiguredSource, bind_notifiers, bind_sources
from ..config import Config, load_config
from ..errors import ConfigError

if TYPE_CHECKING:
    from ..plugins import PluginHost

log = logging.getLogger(__name__)

@dataclass
class Reloaded:
    config: Config
    sources: list[ConfiguredSource]


class ConfigWatch:
    """Notices edits of the config file the daemon runs with (``config.path``)."""

    def __init__(self, config: Config, host: PluginHost) -> None:
        self.host = host
        self.path = Path(config.path) if Path(config.path).is_file() else None
        self.stamp = self._stamp()
        #: Why the file on disk is not the config in use (None when they agree).
        self.problem: str | None = None

    def _stamp(self) -> tuple[int, int, int] | None:
        if self.path is None:
            return None
        try:
            st = self.path.stat()
        except OSError:
            return (0, 0, 0)  # gone: that is a change too (and an invalid one)
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def check(self) -> Reloaded | None:
        """The new config and sources when the file changed and is valid; None when it
        did not change, or changed into something invalid (then ``problem`` says why)."""
        stamp = self._stamp()
        if stamp == self.stamp:
            return None
        self.stamp = stamp
        try:
            config = load_config(self.path)
            sources = bind_sources(config, self.host)
            bind_notifiers(config, self.host)
        except ConfigError as err:
            self.problem = str(err)
            return None
        self.problem = None
        return Reloaded(config, sources)
