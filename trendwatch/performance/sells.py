"""The "sells" factor: what worked before moves tomorrow's list.

:func:`load_sells` is called once per list build (``suggest.build_daily_list``); the
returned :class:`Sells` then

- **adjusts** each candidate's score: with ``w`` the ``[ranking.weights] sells`` weight,
  ``W`` the sum of the other five weights and ``s = lift / (1 + lift)`` (0.5 at the brand
  median, 0.67 at twice it, 0.33 at half)::

      score' = (W · score + w · s) / (W + w)

  where ``lift`` is the **shrunk** lift (see :mod:`.analysis`) of the best
  platform × format on the suggestion's theme that has at least ``[performance]
  min_group`` posts, else of the theme as a whole, else 1 (``s = 0.5``). The signal is
  stored as ``signals.sells``.
- **prefers** angles on the platform and format that worked for the theme (stable sort by
  that lift), and
- **explains** it in ``why``: "Instagram carousels on this theme get 2.1× your median
  engagement (n = 9)".

Until ``[performance] min_posts`` posts have numbers (or with weight 0) nothing happens at
all: scores, angles and ``why`` are exactly what they were. Once active, every candidate
gets the factor (0.5 without evidence), so the order among suggestions without evidence is
kept and pure noise (shrunk to 1×) moves nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .analysis import Group, analyse_store
from .model import format_of, platform_of

if TYPE_CHECKING:
    from ..config import Config, RankingWeights
    from ..db.store import Store

log = logging.getLogger(__name__)

#: A lift this far from 1 (either way) is worth a sentence in ``why``.
NOTE_RATIO = 1.15
PLURAL = {"carousel": "carousels", "reel": "Reels", "short": "Shorts", "story": "stories",
          "photo": "photos", "video": "videos", "text": "text posts", "live": "live streams",
          "other": "posts"}
#: How a canonical format is written in an angle.
FORMAT_NAMES = {"carousel": "carousel", "reel": "Reels", "short": "Shorts", "story": "story",
                "photo": "foto", "video": "video", "text": "post teks", "live": "live",
                "other": "post"}
PLATFORM_NAMES = {"instagram": "Instagram", "tiktok": "TikTok", "youtube": "YouTube",
                  "facebook": "Facebook", "linkedin": "LinkedIn", "x": "X",
                  "threads": "Threads"}


@dataclass
class Sells:
    """The factor for one list build (see the module docstring)."""

    active: bool = False
    weight: float = 0.0
    n_posts: int = 0
    #: theme -> {(platform, format): group}, only groups with enough posts
    combos: dict[str, dict[tuple[str, str], Group]] = field(default_factory=dict)
    #: theme -> its group, only with enough posts
    themes: dict[str, Group] = field(default_factory=dict)

    def best(self, theme: str | None) -> Group | None:
        """The group that speaks for ``theme``: its best platform × format, else itself."""
        if not theme:
            return None
        combos = self.combos.get(theme)
        if combos:
            return max(combos.values(), key=lambda g: (g.shrunk_lift, g.n))
        return self.themes.get(theme)

    def signal(self, theme: str | None) -> float:
        """0.5 is neutral; above it the theme's best platform × format sold better than the
        brand's median. A group whose interval still holds 1× is no evidence: neutral, so
        pure noise never reorders the list (two items tied on score stay as they were)."""
        group = self.best(theme)
        if group is None or group.low <= 1.0 <= group.high:
            return 0.5
        lift = group.shrunk_lift
        return round(lift / (1.0 + lift), 4)

    def adjust(self, score: float, theme: str | None, signals: dict[str, Any],
               weights: RankingWeights) -> float:
        """The score with the factor (unchanged when inactive); sets ``signals["sells"]``."""
        if not self.active:
            return score
        w = weights.model_dump()
        others = sum(v for k, v in w.items() if k != "sells")
        s = self.signal(theme)
        signals["sells"] = s
        if others + self.weight <= 0:
            return score
        return round((others * score + self.weight * s) / (others + self.weight), 4)

    def prefer(self, theme: str | None, angles: Sequence[Mapping[str, Any]],
               more: Callable[[], Sequence[Mapping[str, Any]]] | None = None
               ) -> list[dict[str, Any]]:
        """Angles on the platform/format that worked for ``theme`` first (stable sort by
        its lift). When none of ``angles`` is on a format that clearly sold (shrunk lift of
        at least :data:`NOTE_RATIO`), one from ``more()`` (e.g. all the theme's templates)
        that is takes the first place, so the idea to post leads with what worked."""
        combos = self.combos.get(theme or "") if self.active else None
        out = [dict(a) for a in angles]
        if not combos:
            return out

        def lift(a: Mapping[str, Any]) -> float:
            # only a clear difference reorders: 1.04x against 0.97x is noise, and so is
            # any group whose interval still holds 1x (five noisy posts can read 0.85x)
            platform = platform_of(str(a.get("platform") or ""))
            group = combos.get((platform, format_of(str(a.get("format") or ""), platform)))
            if group is None or 1 / NOTE_RATIO < group.shrunk_lift < NOTE_RATIO \
                    or group.low <= 1.0 <= group.high:
                return 1.0
            return group.shrunk_lift

        if more is not None and (not out or max(lift(a) for a in out) < NOTE_RATIO):
            extra = [dict(a) for a in more() if lift(a) >= NOTE_RATIO]
            if extra:
                best = max(extra, key=lift)
            elif out:
                # no template on that format: the first idea, told on the format that sold
                (platform, fmt), group = max(combos.items(), key=lambda kv: kv[1].shrunk_lift)
                best = {**out[0], "platform": PLATFORM_NAMES.get(platform, platform),
                        "format": FORMAT_NAMES.get(fmt, fmt), "generator": "sells"}
                if group.shrunk_lift < NOTE_RATIO:
                    best = {}
            else:
                best = {}
            if best:
                rest = [a for a in out if a.get("hook") != best.get("hook")]
                out = [best, *rest[:max(len(out) - 1, 0)]]  # as many angles as before
        return sorted(out, key=lambda a: -lift(a))

    def explain(self, theme: str | None) -> str | None:
        """One sentence for ``why``, or None when the evidence says nothing notable."""
        if not self.active:
            return None
        group = self.best(theme)
        if group is None or not (group.shrunk_lift >= NOTE_RATIO
                                 or group.shrunk_lift <= 1 / NOTE_RATIO):
            return None
        if len(group.key) == 3:
            _, platform, fmt = group.key
            what = f"{PLATFORM_NAMES.get(platform, platform)} {PLURAL.get(fmt, fmt + 's')}"
        else:
            what = "posts"
        return (f"{what} on this theme get {group.shrunk_lift:.1f}× your median "
                f"engagement, n = {group.n}")


def load_sells(store: Store, config: Config, *, now: datetime | None = None) -> Sells:
    """The factor from the posts in the database (inactive when there are too few, the
    weight is 0, or anything goes wrong: a broken analysis must never stop the list)."""
    perf = config.performance
    weight = config.ranking.weights.sells
    if weight <= 0:
        return Sells()
    try:
        analysis = analyse_store(store, config.brand.tz, prior_posts=perf.prior_posts,
                                 now=now)
    except Exception as err:  # the list matters more than this factor
        log.error("sells factor skipped: %s", err)
        return Sells()
    if analysis.n_rated < perf.min_posts:
        return Sells(n_posts=analysis.n_rated)
    combos: dict[str, dict[tuple[str, str], Group]] = {}
    for g in analysis.groups.get("theme_format", []):
        theme, platform, fmt = g.key
        if theme != "(unlinked)" and g.n >= perf.min_group:
            combos.setdefault(theme, {})[(platform, fmt)] = g
    themes = {g.key[0]: g for g in analysis.groups.get("theme", [])
              if g.key[0] != "(unlinked)" and g.n >= perf.min_group}
    return Sells(active=True, weight=weight, n_posts=analysis.n_rated, combos=combos,
                 themes=themes)
