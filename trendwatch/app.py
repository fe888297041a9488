"""What every command shares: the config, the plugins, the database, opened lazily."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .binding import bind_notifiers, bind_sources

if TYPE_CHECKING:  # imported lazily: `trendwatch --help` must not pay for pydantic/sqlite-utils
    from .binding import ConfiguredNotifier, ConfiguredSource
    from .config import Config
    from .db.store import Store
    from .plugins import PluginHost


class App:
    def __init__(self, config_path: str | None = None, db_path: str | None = None):
        self.config_path = config_path
        self.db_path_option = db_path
        self._store: Store | None = None

    #: Set by commands that only read (status, suggestions, serve): an invalid config
    #: file then gives a warning and its valid sections instead of an error, so what the
    #: daemon (still running with its old config) does can be seen.
    read_only = False

    @cached_property
    def config(self) -> Config:
        from .config import load_config

        if not self.read_only:
            return load_config(self.config_path)
        from .config import lenient_config

        config, problem = lenient_config(self.config_path)
        if problem:
            click.echo(f"Warning: {problem}. Showing the database with the valid parts of "
                       "the file; a running daemon keeps the config it loaded. Fix the file "
                       "(`trendwatch config` checks it).", err=True)
        return config

    def reading(self) -> App:
        """Mark this invocation as read-only (see :attr:`read_only`)."""
        self.read_only = True
        return self

    @cached_property
    def host(self) -> PluginHost:
        from .plugins import load_plugins

        return load_plugins()

    @cached_property
    def sources(self) -> list[ConfiguredSource]:
        """The configured sources, validated against the loaded plugins."""
        return bind_sources(self.config, self.host)

    @cached_property
    def notifiers(self) -> list[ConfiguredNotifier]:
        return bind_notifiers(self.config, self.host)

    @property
    def db_path(self) -> Path:
        from .db.store import resolve_db_path

        return resolve_db_path(self.db_path_option, self.config.storage.db)

    @property
    def store(self) -> Store:
        if self._store is None:
            from .db.store import Store

            self._store = Store(self.db_path)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


pass_app = click.make_pass_decorator(App)
