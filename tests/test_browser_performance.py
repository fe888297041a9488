"""The post-performance loop in a real headless chromium against ``trendwatch serve``:
accept a suggestion, record where it was posted on the backlog page, import the platform's
export with the real command, read the Performance page on a desktop and on a phone.

``TRENDWATCH_SCREENSHOT_DIR=docs/img`` keeps the screenshots (docs/performance.md shows
them).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from perf_helpers import seed_history
from test_browser import (  # noqa: F401  (fixture)
    PHONE,
    Server,
    browser,
    decode_png,
    keep_screenshot,
)

from trendwatch.db.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "performance"
POST_URL = ("https://www.tiktok.com/@studiolensa.id/video/7430000000000000002"
            "?is_from_webapp=1&sender_device=pc")


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser):  # noqa: F811
    srv = Server(tmp_path_factory.mktemp("perfweb"))
    # a year of history with a known truth: Reels on film do twice as well
    seed_history(Store(srv.db), n_posts=150, linked_share=0.85,
                 themes=("film-industry", "advertising"),
                 effect={("film-industry", "instagram", "reel"): 2.0})
    yield srv
    srv.stop()


def _check_png(path: Path, size: tuple[int, int] | None = None) -> None:
    width, height, pixels = decode_png(path.read_bytes())
    if size:
        assert (width, height) == size
    assert len(set(pixels[::11])) > 30, f"{path.name} looks blank"


def test_posted_link_import_and_performance_page(server, browser, tmp_path):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        # 1. accept a suggestion, then say where it was posted, on the backlog page
        page.goto(server.url + "?status=all")
        card = page.locator("article.status-new").first
        sid = int((card.get_attribute("id") or "s0")[1:])
        with page.expect_navigation():
            card.get_by_role("button", name="Accept").click()
        page.goto(server.url + "backlog")
        card = page.locator(f"#s{sid}")
        card.get_by_label("Posted at").fill(POST_URL)
        with page.expect_navigation():
            card.get_by_role("button", name="Save link").click()
        assert "Post link saved" in page.locator(".flash").first.inner_text()
        assert server.query("select suggestion_id, url_key from posts where url = ?",
                            POST_URL) == [{"suggestion_id": sid,
                                           "url_key": "tiktok:7430000000000000002"}]
        shot = tmp_path / "performance-posted.png"
        page.locator(f"#s{sid}").screenshot(path=str(shot))
        keep_screenshot(shot)
        _check_png(shot)

        # 2. the TikTok Studio export, imported with the real command
        done = subprocess.run(
            [sys.executable, "-m", "trendwatch", "--config", str(server.root / "trendwatch.toml"),
             "--db", str(server.db), "performance", "import", "--taken", "2026-11-30T10:00",
             str(FIXTURES / "tiktok_en.csv")],
            capture_output=True, text=True, timeout=60, cwd=server.root)
        assert done.returncode == 0, done.stderr
        assert "1 linked to suggestions" in done.stdout
        [post] = server.query("select p.published_at, m.views from posts p join post_metrics m "
                              "on m.post_id = p.id where p.suggestion_id = ?", sid)
        assert post == {"published_at": "2026-11-10T05:05:00+00:00", "views": 9870}

        # 3. the Performance page
        page.get_by_role("link", name="Performance").click()
        assert page.locator("h1").inner_text().startswith("Performance")
        plots = page.locator("svg.plot")
        assert plots.count() == 5
        for i in range(plots.count()):
            box = plots.nth(i).bounding_box()
            assert box and box["width"] > 300 and box["height"] > 80
        assert "What sold is now part of the suggestion score" in page.locator(
            "#sells-state").inner_text()
        first_row = page.locator("svg.plot").first.locator("text").nth(1).text_content()
        assert first_row and first_row.strip()  # a group label is drawn
        assert "film-industry · instagram · reel" in page.content()
        shot = tmp_path / "performance-desktop.png"
        page.screenshot(path=str(shot), full_page=True)
        keep_screenshot(shot)
        _check_png(shot)
        # no CDN, no third-party request: everything came from the server itself
        assert requests and all(u.startswith(server.url) for u in requests), requests
    finally:
        context.close()


def test_performance_page_on_a_phone(server, browser, tmp_path):  # noqa: F811
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    try:
        for path in ("performance", "backlog"):
            page.goto(server.url + path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"/{path} scrolls sideways by {overflow}px on a phone"
        page.goto(server.url + "performance")
        plot = page.locator("svg.plot").first
        box = plot.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        # text in the plots stays readable: at least ~9 CSS px tall on a 390 px screen
        label = plot.locator("text").nth(1).bounding_box()
        assert label and label["height"] >= 9
        shot = tmp_path / "performance-phone.png"
        page.screenshot(path=str(shot), full_page=False)
        keep_screenshot(shot)
        _check_png(shot, (PHONE["width"] * 2, PHONE["height"] * 2))
    finally:
        context.close()
