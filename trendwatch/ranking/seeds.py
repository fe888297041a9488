"""Seed texts shipped with trendwatch, read from ``models/seeds.toml`` (installed as the
package ``trendwatch_models``; the model card is ``models/README.md``).

* :data:`THEME_SEEDS` — extra seed phrases for the starter config's theme ids, used only
  when a configured theme has that id.
* :data:`OFFBRAND_TOPICS` — generic news that serves no creative brand, per topic
  (politics, sport, economy...), giving the off-brand class real examples before any
  review; :data:`OFFBRAND_SEEDS` is all of them in one list.

The data file explains what each list is for and how the evaluation is kept honest.
"""

from __future__ import annotations

import tomllib
from importlib import resources


def _load() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    text = resources.files("trendwatch_models").joinpath("seeds.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return ({k: list(v) for k, v in data.get("theme_seeds", {}).items()},
            {k: list(v) for k, v in data.get("offbrand", {}).items()})


THEME_SEEDS, OFFBRAND_TOPICS = _load()
OFFBRAND_SEEDS = [s for seeds in OFFBRAND_TOPICS.values() for s in seeds]
