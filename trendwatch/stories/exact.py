"""The exact-key rule: items with the same canonical URL, or the same normalised title, are
one story, whatever their words say. Ingest applies it as items are stored and
:func:`~trendwatch.stories.recluster` when it rebuilds a period; both ask this one class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Titles shorter than this (after normalising) are too generic to link stories by.
MIN_TITLE_KEY = 12


def title_keyed(tkey: str) -> bool:
    """Whether a normalised title is specific enough to link items by."""
    return len(tkey) >= MIN_TITLE_KEY


@dataclass
class ExactKeys:
    """The story each canonical URL and title key stands for, first come first kept."""

    by_url: dict[str, int] = field(default_factory=dict)
    by_title: dict[str, int] = field(default_factory=dict)

    def find(self, canonical: str | None, tkey: str) -> int | None:
        """The story an item with these keys belongs to, or None: the URL decides first."""
        return (self.by_url.get(canonical) if canonical else None) or (
            self.by_title.get(tkey) if title_keyed(tkey) else None)

    def remember(self, canonical: str | None, tkey: str, story: int) -> None:
        """Record that these keys now stand for ``story`` (unless they already stand for one)."""
        if canonical:
            self.by_url.setdefault(canonical, story)
        if title_keyed(tkey):
            self.by_title.setdefault(tkey, story)
