"""A story on the web page in real headless chromium against `trendwatch serve` (see
test_browser.py): three feeds carry one event, the daily list shows it as one card whose
story block says "covered by 3 sources" and links every source's item, and "Not the same
story" on one of them takes it out in one click.

The database is filled through the real ingest path and the real ranking (the same corpus
as test_story_views.py: a background of ordinary news plus the event and two others), for a
list date far from the real clock; the server runs as a subprocess."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from test_browser import Server, browser, keep_screenshot  # noqa: F401 (fixture)
from test_stories import PLACES, SUBJECTS
from test_story_views import EVENT, NOW, OTHER

from trendwatch import stories
from trendwatch.api import Item
from trendwatch.config import parse_config, starter_text
from trendwatch.daily.build import build_daily_list
from trendwatch.db.store import Store
from trendwatch.items.ingest import save_items

LIST = "?date=2026-03-10&status=all"


def _background_item(batch: int, k: int) -> Item:
    """Item ``k`` of background batch ``batch`` (as test_story_views.py makes them)."""
    return Item(SUBJECTS[(batch + k) % len(SUBJECTS)].format(
        p=PLACES[(batch * 7 + k) % len(PLACES)], n=10 + k),
        url=f"https://berita{batch}.example.id/{k}")


def _seed_stories(path: Path) -> dict[str, object]:
    """The story corpus and the daily list of 10 March 2026 (09:00 WIB)."""
    stories.forget_indexes()
    with Store(path) as store:
        for batch in range(12):
            items = [_background_item(batch, k) for k in range(50)]
            with store.write() as db:
                save_items(db, f"feed-{batch}", items, NOW - timedelta(hours=20 - batch))
        for hours, (source, item) in enumerate(EVENT + OTHER):
            with store.write() as db:
                save_items(db, source, [item], NOW - timedelta(hours=3 - hours * 0.5))
        build_daily_list(store, parse_config(starter_text()), None, now=NOW)
    stories.forget_indexes()
    return {}


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser):  # noqa: F811
    srv = Server(tmp_path_factory.mktemp("storyweb"), starter_text(), seed_db=_seed_stories)
    yield srv
    srv.stop()


def _event_cards(page) -> list:
    """The cards whose own headline or story links name the event."""
    return [c for c in page.locator("article").all() if "Pabrik Gula" in c.inner_text()]


def test_a_story_of_three_sources_is_one_card_with_every_link(
        server, browser, tmp_path) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(server.url + LIST)
        cards = _event_cards(page)
        assert len(cards) == 1, "the event is one card, not one per outlet"
        card = cards[0]
        block = card.locator("details.story")
        assert block.count() == 1
        assert block.locator("summary").inner_text().startswith("covered by 3 sources")
        assert page.get_by_text("covered by 3 sources").count() == 1
        block.locator("summary").click()  # open the story: every source and its link
        links = block.locator("ul.links li")
        assert links.count() == 3
        assert block.locator("ul.links li a").evaluate_all("els => els.map(e => e.href)") \
            == [item.url for _, item in EVENT]
        assert [t.split(":")[0] for t in links.all_inner_texts()] == [s for s, _ in EVENT]
        assert all(link.is_visible() for link in block.locator("ul.links li a").all())
        shot = tmp_path / "story-card.png"
        card.screenshot(path=str(shot))
        keep_screenshot(shot)

        # "Not the same story" on an item other than the card's own: one click, it sticks
        (own,) = server.query(
            "select i.source from suggestions s join items i on i.id = s.item_id "
            "where s.list_date = '2026-03-10' and i.source in (?, ?, ?)",
            *[source for source, _ in EVENT])
        k, source = next((k, s) for k, (s, _) in enumerate(EVENT) if s != own["source"])
        item = server.query("select id from items where source = ?", source)[0]["id"]
        with page.expect_navigation():
            links.nth(k).get_by_role("button", name="Not the same story").click()
        assert server.query("select story_id from items where id = ?", item) == [
            {"story_id": item}]
        assert server.query("select split_from is not null as split from stories "
                            "where id = ?", item) == [{"split": 1}]
        page.goto(server.url + LIST)
        assert page.get_by_text("covered by 3 sources").count() == 0
        (card,) = [c for c in _event_cards(page) if c.locator("details.story").count()]
        assert card.locator("details.story summary").inner_text().startswith(
            "covered by 2 sources")
        assert card.locator("details.story ul.links li").count() == 2
    finally:
        context.close()
