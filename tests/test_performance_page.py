"""The Performance page through Flask's test client (the real browser test is in
tests/test_browser.py): empty state, plots, escaping, the "sells" state line."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from perf_helpers import seed_history
from websample import WEB_CONFIG, seed

from trendwatch.config import parse_config
from trendwatch.db.store import Store
from trendwatch.performance.posts import import_files
from trendwatch.plugins import load_plugins
from trendwatch.web import create_app


def _client(db):
    return create_app(db, parse_config(WEB_CONFIG)).test_client()


def test_empty_state_says_how_to_start(tmp_path):
    db = tmp_path / "t.db"
    seed(db, xss=False)
    html = _client(db).get("/performance").get_data(as_text=True)
    assert "No posts yet" in html and "trendwatch performance import" in html
    assert 'aria-current="page"' in html and ">Performance</a>" in html


def test_plots_and_tables_with_history(tmp_path):
    db = tmp_path / "t.db"
    seed(db, xss=False)
    store = Store(db)
    seed_history(store, n_posts=72, effect={("film-industry", "instagram", "carousel"): 2.5})
    html = _client(db).get("/performance").get_data(as_text=True)
    for label in ("Engagement by theme, platform and format", "Engagement by format",
                  "Engagement by theme", "Posts per week",
                  "Speed: trend first seen to post, against result"):
        assert f'aria-label="{label}"' in html
    assert "film-industry · instagram · carousel" in html
    assert "What sold is now part of the suggestion score" in html
    assert "<caption>Weekday</caption>" in html and "<caption>Time of day</caption>" in html
    assert "cdn" not in html.lower() and "<script" not in html.lower()


def test_few_posts_say_the_factor_waits(tmp_path):
    db = tmp_path / "t.db"
    seed(db, xss=False)
    seed_history(Store(db), n_posts=6)
    html = _client(db).get("/performance").get_data(as_text=True)
    assert "waits for 20 posts with numbers (6 so far)" in html


def test_export_values_are_escaped(tmp_path):
    db = tmp_path / "t.db"
    seed(db, xss=False)
    export = tmp_path / "manual.csv"
    export.write_text('platform,url,published,format,title,views,likes\n'
                      '"<img src=x onerror=alert(1)>",https://example.org/p/1,2026-11-02,'
                      '"<svg onload=alert(2)>","<script>alert(3)</script>",100,9\n',
                      encoding="utf-8")
    import_files(Store(db), [export], load_plugins().importers, ZoneInfo("Asia/Jakarta"),
                 now=datetime(2026, 11, 30, tzinfo=UTC))
    html = _client(db).get("/performance").get_data(as_text=True)
    assert "<img src=x" not in html and "<script>alert" not in html
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html
    assert Store(db).query("select platform, format from posts") == [
        {"platform": "img srcx onerroralert1", "format": "other"}]
