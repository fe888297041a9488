"""The Plan page in real headless chromium against `trendwatch serve` (see test_browser.py):
the week grid on a desktop, the day list at 390 px, editing an item through its form, and
a screenshot (kept in docs/img/ when TRENDWATCH_SCREENSHOT_DIR is set).

Plan items are put on a fixed week far from any real date (7-13 Jan 2030), so the server's
real clock never changes what the grid shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser import (  # noqa: F401 (fixture)
    PHONE,
    Server,
    browser,
    decode_png,
    keep_screenshot,
)
from websample import WEB_CONFIG

from trendwatch.config import parse_config
from trendwatch.db.store import Store
from trendwatch.plan import items
from trendwatch.review.verdicts import record_verdict

WEEK = "2030-01-07"
PLAN = """
[plan]
team = ["Ayu", "Bima", "Sari"]
slots = { TikTok = "19:00", Instagram = "12:00", YouTube = "17:00" }
"""
#: (suggestion id, date, time, platform, stage, owner)
PLANNED = [
    (1, "2030-01-07", "19:00", "TikTok", "edit", "Ayu"),
    (2, "2030-01-08", "12:00", "Instagram", "script", "Bima"),
    (3, "2030-01-08", "19:00", "TikTok", "idea", None),
    (4, "2030-01-09", "17:00", "YouTube", "shoot", "Sari"),
    (5, "2030-01-10", "12:00", "Instagram", "scheduled", "Ayu"),
    (6, "2030-01-10", "19:00", "TikTok", "idea", "Bima"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser):  # noqa: F811
    root = tmp_path_factory.mktemp("planweb")
    (root / "plan.toml").write_text(WEB_CONFIG + PLAN, encoding="utf-8")
    srv = _PlanServer(root)
    yield srv
    srv.stop()


class _PlanServer(Server):
    """The test_browser server with a [plan] config and a week of plan items."""

    def __init__(self, root: Path):
        config = parse_config(WEB_CONFIG + PLAN)
        super().__init__(root, WEB_CONFIG + PLAN)
        with Store(self.db) as store:
            for sid, day, hhmm, platform, stage, owner in PLANNED:
                done = record_verdict(store, sid, "accept", tz=config.brand.tz)
                item, _ = items.after_verdict(store, config, done, who="test")
                changes = {"planned_date": day, "planned_time": hhmm, "platform": platform,
                           "stage": stage}
                if owner:
                    changes["owner"] = owner
                if sid == 1:  # the seeded hostile title is for other tests, not the docs
                    changes["title"] = "Film horor lokal tembus dua juta penonton"
                items.update(store, config, item["id"], changes, who="test")


def _visible(page, selector: str) -> bool:
    return page.locator(selector).first.is_visible()


def test_week_grid_on_a_desktop(server, browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(server.url + f"plan?week={WEEK}")
        assert _visible(page, "table.week") and not _visible(page, ".daylist")
        heads = page.locator("table.week thead th").all_inner_texts()[1:]
        assert heads == ["Mon 07", "Tue 08", "Wed 09", "Thu 10", "Fri 11", "Sat 12", "Sun 13"]
        rows = page.locator("table.week tbody th").all_inner_texts()
        assert rows == ["TikTok", "Instagram", "YouTube"]
        # Tuesday (3rd column incl. the row header) of the TikTok row holds item 3
        cell = page.locator("table.week tbody tr").nth(0).locator("td").nth(1)
        assert cell.locator("a.slot .time").inner_text().startswith("19:00")
        # the grid fits the window: no sideways scroll
        assert page.evaluate("document.documentElement.scrollWidth - "
                             "document.documentElement.clientWidth") <= 0
        # click an item, change its owner and stage through the form
        with page.expect_navigation():
            cell.locator("a.slot").click()
        assert "/plan/3" in page.url
        page.fill('input[name="owner"]', "Sari")
        page.select_option('select[name="stage"]', "script")
        page.fill('input[name="who"]', "Ayu")
        with page.expect_navigation():
            page.get_by_role("button", name="Save", exact=True).click()
        assert "Saved" in page.locator(".flash").first.inner_text()
        assert server.query("select owner, stage from plan_items where id = 3") == [
            {"owner": "Sari", "stage": "script"}]
        assert server.query("select who, field, old, new from plan_history where "
                            "plan_item_id = 3 and who = 'Ayu' order by id") == [
            {"who": "Ayu", "field": "stage", "old": "idea", "new": "script"},
            {"who": "Ayu", "field": "owner", "old": None, "new": "Sari"}]
        assert "script" in page.locator("table.history").inner_text()
    finally:
        context.close()


def test_day_list_at_390px(server, browser):  # noqa: F811
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    try:
        for path in (f"plan?week={WEEK}", "backlog", "plan/1", "search?q=film"):
            page.goto(server.url + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - "
                                     "document.documentElement.clientWidth")
            assert overflow <= 0, f"/{path} scrolls sideways by {overflow}px on a phone"
        page.goto(server.url + f"plan?week={WEEK}")
        assert _visible(page, ".daylist") and not _visible(page, "table.week")
        days = page.locator(".daylist h2.day").all_inner_texts()
        assert days[0].startswith("Mon 07 Jan 2030") and len(days) == 7
        cards = page.locator(".daylist article.plan-card")
        assert cards.count() == len(PLANNED)
        box = cards.first.locator("h2 a").bounding_box()
        assert box and box["x"] + box["width"] <= PHONE["width"]
        # on the backlog, each quick form's Save button is a finger-sized target
        page.goto(server.url + "backlog")
        card = page.locator("article.plan-card").first
        save = card.get_by_role("button", name="Save", exact=True)
        sbox = save.bounding_box()
        assert sbox and sbox["height"] >= 44 and sbox["x"] + sbox["width"] <= PHONE["width"]
    finally:
        context.close()


def test_plan_screenshots_are_real_renders(server, browser, tmp_path):  # noqa: F811
    shots = {}
    for label, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.goto(server.url + f"plan?week={WEEK}")
        shots[label] = tmp_path / f"plan-week-{label}.png"
        page.screenshot(path=str(shots[label]), full_page=False)
        context.close()
    for label, path in shots.items():
        data = path.read_bytes()
        keep_screenshot(path)
        width, height, pixels = decode_png(data)
        assert (width, height) == ((1280, 900) if label == "desktop" else (390, 844))
        colours = set(pixels[::7])
        assert len(colours) > 50, f"{label} screenshot has only {len(colours)} colours"
        # the accent green of the platform chips / slot edges is on screen
        assert any(g > r + 60 and g > b + 20 for r, g, b in colours), label
        light = sum(1 for p in pixels if min(p) > 230)
        assert 0.3 < light / len(pixels) < 0.98, label
