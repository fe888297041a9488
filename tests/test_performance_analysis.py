"""The analysis respects small numbers (issue 14, step 3): honest intervals, shrinkage
toward the brand median, best time in WIB, speed."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from perf_helpers import seed_history

from trendwatch.db.store import Store
from trendwatch.performance.analysis import (
    analyse,
    analyse_store,
    median_interval,
    prior_strength,
)
from trendwatch.performance.report import csv_report, json_report, text_report

WIB = ZoneInfo("Asia/Jakarta")
T0 = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)  # 10:00 WIB, a Tuesday


def post(i, rate, *, platform="instagram", fmt="photo", theme="film", hours=0, seen=None):
    published = T0 + timedelta(hours=hours)
    return {"id": i, "platform": platform, "format": fmt, "published_at": published.isoformat(),
            "published_estimated": 0, "title": f"p{i}", "url": None, "suggestion_id": 1,
            "extra": None, "theme": theme,
            "trend_seen_at": seen.isoformat() if seen else None,
            "views": 1000, "reach": 800, "impressions": None, "engagement_rate": rate}


def test_order_statistic_interval_of_the_median():
    # n = 20: P(Binomial(20, 1/2) <= 5) = 0.0207 <= 0.025 < P(<= 6): ranks 6 and 15
    low, high, cov = median_interval([float(x) for x in range(1, 21)])
    assert (low, high) == (6.0, 15.0)
    assert cov == pytest.approx(1 - 2 * sum(math.comb(20, i) for i in range(6)) / 2 ** 20)
    # 4 values: no interval reaches 95%; the range is given with its true coverage
    low, high, cov = median_interval([3.0, 1.0, 2.0, 4.0])
    assert (low, high) == (1.0, 4.0) and cov == pytest.approx(1 - 2 / 16)


def test_prior_strength_is_infinite_when_groups_do_not_differ():
    same = [[0.1, -0.1, 0.0]] * 4
    assert math.isinf(prior_strength(same, 3))
    apart = [[1.0, 1.1, 0.9], [-1.0, -1.1, -0.9], [0.0, 0.1, -0.1]]
    assert 3 <= prior_strength(apart, 3) < 10


def test_two_lucky_posts_do_not_crown_a_format():
    """Forty noisy photos and reels around the median, two carousels at 3x: the raw median
    says carousels triple engagement; the estimate is pulled well back. Twenty reels that
    truly do twice the photos keep most of their lift."""
    rng = random.Random(3)
    posts = [post(i, 0.05 * math.exp(rng.gauss(0, 0.3)), fmt="photo", hours=i)
             for i in range(40)]
    posts += [post(100 + i, 0.10 * math.exp(rng.gauss(0, 0.3)), fmt="reel", hours=i)
              for i in range(20)]
    posts += [post(200, 0.15, fmt="carousel"), post(201, 0.16, fmt="carousel")]
    a = analyse(posts, WIB)
    fmt = {g.key[0]: g for g in a.groups["format"]}
    assert fmt["carousel"].median_lift > 2.5
    assert fmt["carousel"].shrunk_lift < fmt["carousel"].median_lift * 0.75
    assert fmt["carousel"].coverage < 0.95  # and the page says so
    assert fmt["reel"].shrunk_lift > 0.9 * fmt["reel"].median_lift > 1.3
    assert fmt["reel"].shrunk_lift > fmt["carousel"].shrunk_lift


def test_pure_noise_moves_every_group_to_the_median():
    rng = random.Random(11)
    posts = [post(i, 0.05 * math.exp(rng.gauss(0, 0.4)),
                  fmt=("photo", "reel", "carousel")[i % 3],
                  theme=("film", "iklan")[i % 2], hours=7 * i) for i in range(60)]
    a = analyse(posts, WIB)
    lifts = [g.shrunk_lift for g in a.groups["theme_format"]]
    assert all(0.85 < x < 1.18 for x in lifts), lifts


def test_best_time_is_in_wib_and_speed_is_measured():
    # 19:00 WIB = 12:00 UTC; date-only posts are left out of the time of day
    posts = [post(i, 0.05, hours=9 + 24 * i) for i in range(6)]  # 19:00 WIB
    posts.append({**post(50, 0.05, hours=0), "extra": '{"date_only": true}'})
    posts.append(post(60, 0.05, hours=2, seen=T0 - timedelta(hours=3)))  # 5 h after trend
    a = analyse(posts, WIB)
    hours = {g.key[0]: g.n for g in a.groups["hour"]}
    assert hours == {"18–21": 6, "12–15": 1}
    assert {g.key[0]: g.n for g in a.groups["speed"]} == {"< 6 h": 1}
    assert a.speed_points == [{"hours": 5.0, "lift": 1.0, "platform": "instagram"}]
    assert sum(g.n for g in a.groups["weekday"]) == 8


def test_report_formats(tmp_path):
    store = Store(tmp_path / "t.db")
    seed_history(store, n_posts=48, effect={("advertising", "instagram", "carousel"): 3.0})
    a = analyse_store(store, WIB)
    text = text_report(a, "Asia/Jakarta")
    assert "48 posts, 48 with an engagement rate" in text
    assert "By weekday (Asia/Jakarta)" in text and "advertising · instagram · carousel" in text
    rows = csv_report(a).splitlines()
    assert rows[0].startswith("dimension,group,n,median_lift,low,high")
    assert any(r.startswith("theme_format,advertising · instagram · carousel,") for r in rows)
    import json

    data = json.loads(json_report(a))
    assert data["n_posts"] == 48 and set(data["baseline"]) == {"instagram", "tiktok",
                                                                "youtube"}
    best = max(data["groups"]["theme_format"], key=lambda g: g["shrunk_lift"])
    assert best["key"] == ["advertising", "instagram", "carousel"]


def test_performance_command_formats(tmp_path, cli):
    db = tmp_path / "t.db"
    seed_history(Store(db), n_posts=30)
    out = cli("--db", str(db), "performance", "--format", "csv").output
    assert out.splitlines()[0].startswith("dimension,group,n,")
    import json

    assert json.loads(cli("--db", str(db), "performance", "--format", "json").output)[
        "n_posts"] == 30
    assert "Theme × platform × format" in cli("--db", str(db), "performance").output
    empty = cli("--db", str(tmp_path / "e.db"), "performance").output
    assert "No posts yet" in empty
