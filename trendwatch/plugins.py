"""Finding and loading plugins.

Built-in plugins (``trendwatch_plugins.*``) and third-party ones are found the same way:
the ``trendwatch`` entry-point group. Each is imported on its own, so one that fails to
import is recorded (and shown by ``trendwatch plugins``) while the rest still load.
``TRENDWATCH_LOAD_PLUGINS=a,b`` limits loading to the named entry points.
"""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pluggy

from . import hookspecs
from .contracts import Notifier, Source
from .errors import TrendwatchError
from .performance.importers import Importer

log = logging.getLogger(__name__)

GROUP = "trendwatch"


@dataclass
class PluginFailure:
    name: str
    error: str
    detail: str = ""


@dataclass
class PluginHost:
    """The loaded plugins and what they registered."""

    pm: pluggy.PluginManager
    sources: dict[str, type[Source]] = field(default_factory=dict)
    notifiers: dict[str, type[Notifier]] = field(default_factory=dict)
    #: post-performance export formats (hook register_importers)
    importers: dict[str, type[Importer]] = field(default_factory=dict)
    #: source/notifier type_name -> plugin name that registered it
    provided_by: dict[str, str] = field(default_factory=dict)
    failures: list[PluginFailure] = field(default_factory=list)
    dists: dict[str, metadata.Distribution | None] = field(default_factory=dict)

    def call_each(self, hook_name: str, **kwargs: Any) -> Iterator[tuple[str, Any]]:
        """Call every implementation of a hook on its own, yielding ``(plugin, result)``.

        pluggy stops a hook call at the first exception, losing other plugins' results;
        this records the failure and goes on with the next plugin.
        """
        hook = getattr(self.pm.hook, hook_name)
        for impl in reversed(hook.get_hookimpls()):
            try:
                yield impl.plugin_name, impl.function(**kwargs)
            except Exception as err:  # a plugin's bug must not break the others
                msg = f"plugin {impl.plugin_name!r} failed in {hook_name}: {err!r}"
                log.error(msg)
                self.failures.append(PluginFailure(impl.plugin_name, msg,
                                                   traceback.format_exc()))

    def plugin_info(self) -> list[dict[str, Any]]:
        """What ``trendwatch plugins --json`` prints."""
        out = []
        for name, plugin in sorted(self.pm.list_name_plugin(), key=lambda p: p[0]):
            dist = self.dists.get(name)
            out.append({
                "name": name,
                "package": dist.metadata["Name"] if dist else None,
                "version": dist.version if dist else None,
                "hooks": sorted(h.name for h in self.pm.get_hookcallers(plugin) or []),
                "sources": sorted(t for t, p in self.provided_by.items()
                                  if p == name and t in self.sources),
                "notifiers": sorted(t for t, p in self.provided_by.items()
                                    if p == name and t in self.notifiers),
                "importers": sorted(t.split(":", 1)[1] for t, p in self.provided_by.items()
                                    if p == name and t.startswith("importer:")),
            })
        return out


def _allowed() -> set[str] | None:
    raw = os.environ.get("TRENDWATCH_LOAD_PLUGINS")
    if raw is None:
        return None
    return {p.strip() for p in raw.split(",") if p.strip()}


def _register(host: PluginHost, plugin_name: str, kind: str,
              table: dict[str, Any], base: type) -> Callable[[type], None]:
    def register(cls: type) -> None:
        if not (isinstance(cls, type) and issubclass(cls, base)):
            raise TrendwatchError(
                f"plugin {plugin_name!r} registered {cls!r}, not a {base.__name__}")
        type_name = getattr(cls, "type_name", None)
        if not type_name:
            raise TrendwatchError(f"plugin {plugin_name!r}: {cls.__name__} has no type_name")
        # importers share names with sources ("youtube"): their own key in provided_by
        key = f"importer:{type_name}" if kind == "importer" else type_name
        if type_name in table:
            other = host.provided_by.get(key)
            host.failures.append(PluginFailure(
                plugin_name, f"{kind} type {type_name!r} is already provided by {other!r}; "
                f"the one from {plugin_name!r} is ignored"))
            return
        table[type_name] = cls
        host.provided_by[key] = plugin_name

    return register


def load_plugins(extra: list[Any] | None = None) -> PluginHost:
    """Load every plugin in the entry-point group (plus ``extra`` plugin objects, for tests)."""
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    host = PluginHost(pm)
    allowed = _allowed()
    for ep in sorted(metadata.entry_points(group=GROUP), key=lambda e: e.name):
        if allowed is not None and ep.name not in allowed:
            continue
        if pm.has_plugin(ep.name):
            continue
        try:
            module = ep.load()
            pm.register(module, name=ep.name)
        except Exception as err:
            msg = f"could not load plugin {ep.name!r} ({ep.value}): {type(err).__name__}: {err}"
            log.error(msg)
            host.failures.append(PluginFailure(ep.name, msg, traceback.format_exc()))
            continue
        host.dists[ep.name] = ep.dist
    for plugin in extra or []:
        pm.register(plugin)
    for kind, hook, table, base in (("source", "register_sources", host.sources, Source),
                                    ("notifier", "register_notifiers", host.notifiers, Notifier),
                                    ("importer", "register_importers", host.importers,
                                     Importer)):
        # Registration order (entry points sorted by name), so when two plugins claim the
        # same type_name the one whose name sorts first keeps it: predictable, documented.
        for impl in getattr(pm.hook, hook).get_hookimpls():
            try:
                impl.function(register=_register(host, impl.plugin_name, kind, table, base))
            except Exception as err:
                msg = f"plugin {impl.plugin_name!r} failed in {hook}: {type(err).__name__}: {err}"
                log.error(msg)
                host.failures.append(PluginFailure(impl.plugin_name, msg, traceback.format_exc()))
    return host
