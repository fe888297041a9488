"""The ``moments`` source: the shipped calendar, the countdown window in the brand's time
zone, a user's file merged over the built-in one, and one stored item per moment per year."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from trendwatch_plugins.moments import builtin_path, load_moments

from trendwatch.config import BrandConfig, Config
from trendwatch.db.store import Store
from trendwatch.fetch.round import run_round
from trendwatch.testing import configure_source

SEPT_20 = datetime(2026, 9, 20, 3, 0, tzinfo=UTC)   # 10:00 WIB


def by_id(items):
    return {i.extra["moment_id"]: i for i in items}


def test_builtin_file_is_valid_and_complete():
    moments = load_moments(builtin_path().read_text(encoding="utf-8"), "built-in")
    fixed = {m.id: m.every_year for m in moments.values() if m.every_year}
    assert fixed["hari-film-nasional"] == "03-30"
    assert fixed["hari-musik-nasional"] == "03-09"
    assert fixed["hari-kartini"] == "04-21"
    assert fixed["hari-pendidikan-nasional"] == "05-02"
    assert fixed["hari-kemerdekaan"] == "08-17"
    assert fixed["hari-batik-nasional"] == "10-02"
    assert fixed["sumpah-pemuda"] == "10-28"
    assert fixed["hari-pahlawan"] == "11-10"
    assert fixed["harbolnas"] == "12-12"
    assert fixed["hari-ibu"] == "12-22"
    assert fixed["natal"] == "12-25"
    assert fixed["tahun-baru"] == "01-01"
    assert fixed["valentine"] == "02-14"
    for moment_id in ("imlek", "awal-ramadan", "idul-fitri", "idul-adha", "nyepi", "waisak"):
        years = sorted(d.date.year for d in moments[moment_id].dates)
        assert years == [2025, 2026, 2027, 2028], moment_id
    for moment in moments.values():
        assert moment.description and moment.hints, moment.id
    # dates the government had fixed are not marked approximate; later ones are
    lebaran = {d.date: d.approximate for d in moments["idul-fitri"].dates}
    assert lebaran[date(2025, 3, 31)] is False
    assert lebaran[date(2028, 2, 27)] is True
    assert date(2026, 2, 17) in {d.date for d in moments["imlek"].dates}


def test_the_shipped_file_is_package_data():
    with open(Path(__file__).parents[1] / "pyproject.toml", "rb") as f:
        package_data = tomllib.load(f)["tool"]["setuptools"]["package-data"]
    # the data folder is its own (namespace) package, so setuptools ships it (pyproject)
    assert "*" in package_data["trendwatch_plugins.data"]
    assert builtin_path().is_file()


def test_upcoming_moment(run_source):
    result = run_source("moments", now=SEPT_20)
    assert result.status == "ok", result.error
    # 21 days ahead by default: Hari Santri (22 October) is 32 days away
    assert result.titles == ["Hari Batik Nasional (2 Oktober) — 12 hari lagi"]
    batik = result.items[0]
    assert batik.kind == "event"
    assert batik.guid == "moment:hari-batik-nasional:2026:h-14"  # the H-14 stretch
    assert batik.metrics == {"days_until": 12.0}
    assert batik.published == SEPT_20
    assert batik.extra["date"] == "2026-10-02" and batik.extra["approximate"] is False
    assert batik.summary.startswith("2 Oktober, sejak UNESCO")
    assert "Ide konten:" in batik.summary
    assert batik.lang == "id"


def test_window_is_inclusive(run_source):
    assert run_source("moments", days_ahead=12, now=SEPT_20).titles == [
        "Hari Batik Nasional (2 Oktober) — 12 hari lagi"]
    assert run_source("moments", days_ahead=11, now=SEPT_20).items == []


def test_today_and_tomorrow_in_the_brand_time_zone(run_source):
    late = datetime(2026, 10, 1, 18, 0, tzinfo=UTC)  # already 2 October 01:00 in Jakarta
    (batik,) = run_source("moments", days_ahead=0, now=late).items
    assert batik.title == "Hari Batik Nasional (2 Oktober) — hari ini"
    assert batik.metrics["days_until"] == 0
    utc = Config(brand=BrandConfig(timezone="UTC"))
    (batik,) = run_source("moments", config=utc, days_ahead=1, now=late).items
    assert batik.title == "Hari Batik Nasional (2 Oktober) — besok"


def test_past_moments_are_not_listed(run_source):
    result = run_source("moments", days_ahead=30, now=datetime(2026, 10, 3, 3, 0, tzinfo=UTC))
    assert "hari-batik-nasional" not in by_id(result.items)


def test_across_the_new_year_and_lead_days(run_source):
    result = run_source("moments", days_ahead=14,
                        now=datetime(2026, 12, 20, 18, 0, tzinfo=UTC))  # 21 Dec WIB
    items = by_id(result.items)
    assert items["hari-ibu"].title == "Hari Ibu (22 Desember) — besok"
    assert items["tahun-baru"].guid == "moment:tahun-baru:2027:h-14"
    assert items["tahun-baru"].metrics["days_until"] == 11
    # Ramadan asks to be seen 60 days ahead: production starts early. Its date is an estimate.
    ramadan = items["awal-ramadan"]
    assert ramadan.title == "Awal Ramadan (perkiraan 8 Februari) — 49 hari lagi"
    assert ramadan.extra["approximate"] is True
    assert "Tanggal masih perkiraan" in ramadan.summary
    assert [i.metrics["days_until"] for i in result.items] == sorted(
        i.metrics["days_until"] for i in result.items)


def test_user_file_is_merged_over_the_builtin(run_source, fixtures):
    file = fixtures / "moments" / "studio-moments.toml"
    result = run_source("moments", file=str(file), now=SEPT_20)
    items = by_id(result.items)
    assert set(items) == {"hari-batik-nasional", "ulang-tahun-studio"}
    # overridden: its own description and hints
    assert items["hari-batik-nasional"].summary == ("Kampanye batik tahunan untuk klien fesyen. "
                                                    "Ide konten: Lookbook batik kru.")
    studio = items["ulang-tahun-studio"]
    assert studio.title == "Ulang Tahun Studio (5 Oktober) — 15 hari lagi"
    assert studio.url == "https://studio.example.id/tentang"
    # a disabled built-in moment is gone
    feb = run_source("moments", file=str(file), now=datetime(2027, 2, 10, 3, 0, tzinfo=UTC))
    assert "valentine" not in by_id(feb.items)
    assert "valentine" in by_id(run_source("moments", now=datetime(2027, 2, 10, 3, 0,
                                                                    tzinfo=UTC)).items)


def test_lead_days_of_a_user_moment(run_source, fixtures):
    file = fixtures / "moments" / "studio-moments.toml"
    aug = datetime(2026, 8, 20, 3, 0, tzinfo=UTC)   # Batik is 43 days away; lead_days = 45
    assert "hari-batik-nasional" in by_id(run_source("moments", file=str(file), now=aug).items)
    assert "hari-batik-nasional" not in by_id(run_source("moments", now=aug).items)


def test_user_file_in_home_is_expanded(run_source, fixtures):
    target = Path.home() / "momen.toml"
    target.write_text((fixtures / "moments" / "studio-moments.toml").read_text("utf-8"), "utf-8")
    result = run_source("moments", file="~/momen.toml", now=SEPT_20)
    assert "ulang-tahun-studio" in by_id(result.items)


def test_missing_user_file(run_source, tmp_path):
    result = run_source("moments", file=str(tmp_path / "nope.toml"), now=SEPT_20)
    assert result.status == "error"
    assert result.error == f"moments file {tmp_path / 'nope.toml'} does not exist"


@pytest.mark.parametrize("body, message", [
    ('[[moments]]\nid = "x"\nname = "X"\nevery_year = "02-30"\n',
     'moments[0] (x).every_year: "02-30" is not a month and day'),
    ('[[moments]]\nid = "x"\nname = "X"\n', "moments[0] (x): needs every_year or dates"),
    ('[[moments]]\nid = "x"\nname = "X"\ndates = [{date = "2026-13-01"}]\n',
     "moments[0] (x).dates.0.date"),
    ('[[moments]]\nid = "x"\nname = "X"\nevery_year = "01-01"\ncolour = "red"\n',
     "moments[0] (x).colour: Extra inputs are not permitted"),
    ("[[moments]\n", "not valid TOML"),
])
def test_invalid_user_file_names_the_problem(run_source, tmp_path, body, message):
    file = tmp_path / "bad.toml"
    file.write_text(body, encoding="utf-8")
    result = run_source("moments", file=str(file), now=SEPT_20)
    assert result.status == "error"
    assert result.error.startswith(str(file))
    assert message in result.error


def test_warns_when_the_data_runs_out(run_source):
    result = run_source("moments", now=datetime(2029, 1, 5, 3, 0, tzinfo=UTC))
    assert result.status == "partial"
    assert ("moment 'idul-fitri' has no date for 2029: add it to the moments file"
            in result.warnings)
    assert any(i.extra["moment_id"] == "hari-musik-nasional" for i in
               run_source("moments", days_ahead=70,
                          now=datetime(2029, 1, 5, 3, 0, tzinfo=UTC)).items)


def test_each_milestone_is_a_new_item_so_the_moment_resurfaces(tmp_path):
    """Fetched daily from H-21 to the day: a new item (with a title true on the day it is
    first seen) at each milestone, the metrics of the current one refreshed in between."""
    from datetime import timedelta

    cs = configure_source("moments", name="moments-id")
    batik = date(2026, 10, 2)
    new_titles = []
    with Store(tmp_path / "tw.db") as store:
        for days in range(21, -1, -1):
            now = datetime(batik.year, batik.month, batik.day, 3, 0, tzinfo=UTC) \
                - timedelta(days=days)
            with time_machine.travel(now, tick=False):
                (run,) = run_round(store, [cs], Config())
            assert run.status == "ok", run.error
            if run.items_new:
                new_titles += [r["title"] for r in store.db.query(
                    "select title from items where first_seen_at = ? and title like "
                    "'Hari Batik%'", [now.isoformat()])]
        rows = {r["guid"]: r for r in store.db.query(
            "select * from items where guid like 'moment:hari-batik-nasional:%'")}
    assert new_titles == ["Hari Batik Nasional (2 Oktober) — 3 minggu lagi",
                          "Hari Batik Nasional (2 Oktober) — 2 minggu lagi",
                          "Hari Batik Nasional (2 Oktober) — 1 minggu lagi",
                          "Hari Batik Nasional (2 Oktober) — 3 hari lagi",
                          "Hari Batik Nasional (2 Oktober) — besok",
                          "Hari Batik Nasional (2 Oktober) — hari ini"]
    assert sorted(rows) == [f"moment:hari-batik-nasional:2026:h-{m}" for m in
                            ("0", "1", "14", "21", "3", "7")]
    # within a stretch the item is refreshed: H-14's last fetch was at 8 days to go
    assert rows["moment:hari-batik-nasional:2026:h-14"]["metrics"] == '{"days_until": 8.0}'


def test_milestones_follow_the_horizon():
    from trendwatch_plugins.moments import milestone_of, milestones

    assert milestones(21) == [21, 14, 7, 3, 1, 0]
    assert milestones(60) == [60, 30, 14, 7, 3, 1, 0]
    assert milestones(0) == [0]
    assert [milestone_of(d, 21) for d in (21, 15, 14, 8, 7, 4, 3, 2, 1, 0)] == \
        [21, 21, 14, 14, 7, 7, 3, 3, 1, 0]
