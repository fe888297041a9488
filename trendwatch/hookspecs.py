"""The hooks a trendwatch plugin can implement.

A plugin is a module (found through the ``trendwatch`` entry-point group) with functions
decorated by :data:`hookimpl` whose names match the specs below. Every hook is documented
in ``docs/plugins.md``; a test fails if one is added without docs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from .contracts import Angle, Notifier, Source
    from .performance.importers import Importer

hookspec = pluggy.HookspecMarker("trendwatch")
hookimpl = pluggy.HookimplMarker("trendwatch")


@hookspec
def register_sources(register: Callable[[type[Source]], None]) -> None:
    """Called once when plugins load. Call ``register(SourceClass)`` for each source type the
    plugin provides; its ``type_name`` is what ``plugin = "..."`` names in ``[[sources]]``."""


@hookspec
def register_notifiers(register: Callable[[type[Notifier]], None]) -> None:
    """Called once when plugins load. Call ``register(NotifierClass)`` for each notifier type;
    its ``type_name`` is what ``plugin = "..."`` names in ``[[notifiers]]``."""


@hookspec
def generate_angles(suggestion: dict[str, Any], theme: dict[str, Any] | None,
                    brand: dict[str, Any]) -> list[Angle] | None:
    """Called for each new suggestion when the daily list is built. Return content angles
    (or ``None`` to pass). ``suggestion`` has ``title``, ``summary``, ``url``, ``source``,
    ``key_phrases``, ``signals``; ``theme`` is the theme's config table (or ``None``);
    ``brand`` the ``[brand]`` table. Angles from all plugins are merged, the first three kept.
    Each implementation is called on its own: one that raises is logged and skipped."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """Called when the CLI starts. Add click commands or groups to ``cli``."""


@hookspec
def register_importers(register: Callable[[type[Importer]], None]) -> None:
    """Called once when plugins load. Call ``register(ImporterClass)`` for each export
    format the plugin reads (post performance); its ``type_name`` is what
    ``trendwatch performance import --importer NAME`` names."""
