"""``angles``: the built-in content-angle generator (templates, no network).

Implements the ``generate_angles`` hook with the per-theme templates of the config (or the
defaults in :mod:`trendwatch.ranking.angles`). A plugin with a smarter generator (an LLM,
say) implements the same hook; its angles are listed before these ones.
"""

from __future__ import annotations

from typing import Any

from trendwatch.api import (
    Angle,
    hookimpl,
    template_angles,
)


@hookimpl
def generate_angles(suggestion: dict[str, Any], theme: dict[str, Any] | None,
                    brand: dict[str, Any]) -> list[Angle] | None:
    return template_angles(suggestion, theme, brand)
