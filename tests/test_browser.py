"""The web page in a real headless browser (Debian's chromium, driven by Playwright) against
``trendwatch serve`` running as a real subprocess on 127.0.0.1.

Playwright's own browser download is impossible here: only the system chromium is used.
Without it these tests skip, unless ``TRENDWATCH_REQUIRE_BROWSER=1`` (set by CI), where a
missing browser is a failure.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import threading
import time
import urllib.request
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from websample import WEB_CONFIG, XSS_TITLE, seed

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}


def _chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("TRENDWATCH_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (TRENDWATCH_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    if executable is None:
        _unavailable("Debian's chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Server:
    """``trendwatch serve --port 0`` as a subprocess; ``url`` is where it listens."""

    def __init__(self, root: Path, config_text: str = WEB_CONFIG,
                 seed_db: Callable[[Path], dict[str, Any]] | None = None):
        self.root = root
        self.db = root / "trendwatch.db"
        self.info = (seed_db or seed)(self.db)
        config = root / "trendwatch.toml"
        config.write_text(config_text, encoding="utf-8")
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "HOME": str(root),
               "XDG_CONFIG_HOME": str(root / "config"), "XDG_DATA_HOME": str(root / "data")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "trendwatch", "--config", str(config), "--db",
             str(self.db), "serve", "--host", "127.0.0.1", "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=root)
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in self.proc.stdout],
                         daemon=True).start()
        deadline = time.monotonic() + 20
        self.url = ""
        while not self.url:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                self.stop()
                raise RuntimeError("trendwatch serve did not start within 20 s") from None
            found = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
            if found:
                self.url = found.group(1)
        with urllib.request.urlopen(self.url + "healthz", timeout=10) as resp:
            assert resp.status == 200

    def query(self, sql: str, *params) -> list[dict]:
        conn = sqlite3.connect(self.db)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute(sql, params)]
        finally:
            conn.close()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser):
    srv = Server(tmp_path_factory.mktemp("web"))
    yield srv
    srv.stop()


@pytest.fixture
def page(browser):
    """A fresh browser context (own cookies); any JavaScript dialog is recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    yield pg
    context.close()


def test_accept_with_one_click_changes_the_database(server, page):
    page.goto(server.url)
    card = page.locator("#s3")
    title = card.locator("h2").inner_text()
    with page.expect_navigation():
        card.get_by_role("button", name="Accept").click()
    assert "Accepted" in page.locator(".flash").first.inner_text()
    assert page.locator("#s3").count() == 0  # judged: gone from today's new list
    assert page.url.endswith("/#s4")          # and the page lands on the next card
    assert server.query("select status from suggestions where id = 3") == [
        {"status": "accepted"}]
    fb = server.query("select verdict, item_id from feedback where suggestion_id = 3")
    assert fb == [{"verdict": "accept", "item_id": 3}]
    page.get_by_role("link", name="Backlog").click()
    assert title in page.locator("#s3 h2").inner_text()


def test_reject_with_a_reason(server, page):
    page.goto(server.url)
    card = page.locator("#s4")
    card.locator('select[name="reason"]').select_option("already-covered")
    with page.expect_navigation():
        card.get_by_role("button", name="Reject").click()
    assert "Rejected" in page.locator(".flash").first.inner_text()
    assert server.query("select status from suggestions where id = 4") == [
        {"status": "rejected"}]
    assert server.query("select verdict, reason from feedback where suggestion_id = 4") == [
        {"verdict": "reject", "reason": "already-covered"}]


def test_hostile_title_is_shown_as_text_and_runs_nothing(server, page):
    for path in ("", "?status=all", "rising", "sources", "search?q=onerror"):
        page.goto(server.url + path)
    page.goto(server.url + "?status=all")
    card = page.locator("#s1")
    assert card.locator("h2").inner_text().strip() == XSS_TITLE
    assert card.locator("img").count() == 0 and card.locator("b").count() == 0
    assert page.dialogs == []
    # item 2's link was "javascript:alert(2)": shown as plain text, not a link
    assert page.locator("#s2 h2 a").count() == 0


def test_phone_viewport_has_no_horizontal_scroll_and_big_tap_targets(browser, server):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    pg = context.new_page()
    try:
        for path in ("", "?status=all", "backlog", "sources", "rising", "search?q=film"):
            pg.goto(server.url + path)
            overflow = pg.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"/{path} scrolls sideways by {overflow}px on a phone"
        pg.goto(server.url + "?status=all")
        for name in ("Accept", "Snooze", "Reject"):
            box = pg.locator("#s5").get_by_role("button", name=name).bounding_box()
            assert box and box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]
    finally:
        context.close()


#: Theme names as long as a real studio writes them: a select or a chip as wide as its
#: longest name pushed the page to 435 px on a 390 px phone (issue 15).
LONG_THEMES = WEB_CONFIG.replace('name = "Iklan & kampanye"',
                                 'name = "Iklan, kampanye kreatif & brand storytelling (TVC)"'
                                 ).replace('name = "Di balik layar"',
                                           'name = "Di balik layar: sinematografi, '
                                           'lighting & color grading"')
PAGES = ("", "?status=all", "backlog", "sources", "rising", "search?q=film", "held")


@pytest.fixture(scope="module")
def long_server(tmp_path_factory, browser):
    srv = Server(tmp_path_factory.mktemp("web-long"), LONG_THEMES)
    yield srv
    srv.stop()


@pytest.mark.parametrize("width", [360, 390])
def test_no_page_scrolls_sideways_on_a_phone(browser, long_server, width):
    context = browser.new_context(viewport={"width": width, "height": 800}, is_mobile=True,
                                  has_touch=True)
    pg = context.new_page()
    try:
        for path in PAGES:
            pg.goto(long_server.url + path)
            overflow = pg.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"/{path} scrolls sideways by {overflow}px at {width} px"
        pg.goto(long_server.url + "?status=all")
        for name in ("Accept", "Snooze", "Reject"):
            box = pg.locator("#s5").get_by_role("button", name=name).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (name, box)
        # the card speaks human: a publication date and words, not "momentum 0.50"
        card = pg.locator("#s5").inner_text()
        assert re.search(r"terbit \d+ (menit|jam) lalu", card)
        assert "momentum" not in card and "novelty" not in card
        assert "Note" in pg.locator("#s5 input[name=note]").get_attribute("placeholder")
    finally:
        context.close()


def test_screenshot_is_a_real_render(browser, server, tmp_path):
    shots = {}
    for label, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        pg = context.new_page()
        pg.goto(server.url + "?status=all")
        shots[label] = tmp_path / f"list-{label}.png"
        pg.screenshot(path=str(shots[label]), full_page=False)
        context.close()
    for label, path in shots.items():
        data = path.read_bytes()
        keep_screenshot(path)
        width, height, pixels = decode_png(data)
        assert (width, height) == ((1280, 900) if label == "desktop" else (390, 844))
        assert len(data) > 20_000, f"{label} screenshot is suspiciously small"
        colours = set(pixels[::7])
        assert len(colours) > 50, f"{label} screenshot has only {len(colours)} colours"
        # The accent green of the Accept buttons and theme chips is on screen.
        assert any(g > r + 60 and g > b + 20 for r, g, b in colours), label
        # Mostly the light page background, not a blank or error-red page.
        light = sum(1 for p in pixels if min(p) > 230)
        assert 0.3 < light / len(pixels) < 0.98, label


def keep_screenshot(path: Path) -> None:
    """Copy a screenshot to ``$TRENDWATCH_SCREENSHOT_DIR`` when set (the docs' images are
    made this way: ``TRENDWATCH_SCREENSHOT_DIR=docs/img pytest tests/test_browser*.py``)."""
    keep = os.environ.get("TRENDWATCH_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)


def decode_png(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """A minimal PNG decoder (8-bit RGB/RGBA, no interlace: what chromium writes) so the
    test needs no image library. Returns width, height and the RGB pixels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert header, "no IHDR"
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    pixels = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        pixels.extend(tuple(line[i:i + 3]) for i in range(0, stride, bpp))
        prev = line
    return width, height, pixels
