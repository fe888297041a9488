"""Binding the config's ``[[sources]]`` and ``[[notifiers]]`` tables to the loaded plugins.

The config knows nothing of plugins (it is read before they load, and by commands that load
none); this is where a table meets the class its ``plugin`` key names and its options are
validated by that class. Every problem of every table is collected into one ConfigError.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from .config import Config, PluginTable, SourceTable, format_validation_error
from .contracts import Notifier, NotifierOptions, Source, SourceOptions
from .durations import parse_duration
from .errors import ConfigError

if TYPE_CHECKING:
    from .plugins import PluginHost


def bind_sources(config: Config, host: PluginHost) -> list[ConfiguredSource]:
    """Validate every ``[[sources]]`` table against its plugin; raise one ConfigError
    listing all problems."""
    return _bind_all(config, config.sources, "sources", host.sources, host)


def bind_notifiers(config: Config, host: PluginHost) -> list[ConfiguredNotifier]:
    """The same for every ``[[notifiers]]`` table."""
    return _bind_all(config, config.notifiers, "notifiers", host.notifiers, host)


def _bind_all(config: Config, tables: list[Any], kind: str, types: dict[str, type],
              host: PluginHost) -> list[Any]:
    out, problems = [], []
    for i, table in enumerate(tables):
        try:
            out.append(bind_table(table, i, kind, types, host))
        except ConfigError as err:
            problems.extend(err.problems)
    if problems:
        raise ConfigError(problems, config.path)
    return out


@dataclass
class ConfiguredSource:
    table: SourceTable
    source: Source

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def every(self) -> float:
        return self.table.every or parse_duration(type(self.source).default_every)


@dataclass
class ConfiguredNotifier:
    table: PluginTable
    notifier: Notifier

    @property
    def name(self) -> str:
        return self.table.name


def bind_table(table: PluginTable, index: int, kind: str, types: dict[str, type],
          host: PluginHost) -> Any:
    prefix = f"{kind}[{index}]"
    cls = types.get(table.plugin)
    if cls is None:
        known = ", ".join(sorted(types)) or "none"
        hint = ""
        broken = [f.name for f in host.failures]
        if broken:
            hint = f" (plugins that failed to load: {', '.join(sorted(set(broken)))})"
        raise ConfigError([f'{prefix}.plugin: unknown plugin "{table.plugin}" '
                           f"(available: {known}){hint}"])
    try:
        options: SourceOptions | NotifierOptions = cls.Options(**table.options)
        obj = cls(table.name, options)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, prefix)) from None
    except Exception as err:  # a plugin's validator or constructor: its bug, our one line
        raise ConfigError([f'{prefix}: plugin "{table.plugin}" rejected its options: '
                           f"{type(err).__name__}: {err}"]) from None
    if kind == "sources":
        return ConfiguredSource(table, obj)  # type: ignore[arg-type]
    return ConfiguredNotifier(table, obj)
