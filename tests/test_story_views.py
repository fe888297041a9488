"""One card per story: several feeds carry one event, the daily list shows it once with every
source and link in every view (table, JSON, Markdown/HTML digest, web page), and a verdict
on it is a verdict on the whole story.

Items are stored through the real ingest path, the list is built by the real ranking (the
starter config's themes), the page is served by the real Flask app.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from test_stories import PLACES, SUBJECTS

from trendwatch import stories
from trendwatch.api import Item
from trendwatch.cli.review import format_rows
from trendwatch.config import parse_config, starter_text
from trendwatch.daily.build import build_daily_list
from trendwatch.daily.queries import list_suggestions
from trendwatch.db.store import Store
from trendwatch.items.ingest import save_items
from trendwatch.review.verdicts import record_verdict
from trendwatch.stories.labels import training_labels
from trendwatch.web import create_app

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 09:00 WIB
EVENT = [  # (source, item): three outlets, one event, three wordings
    ("kabar-film", Item(
        "Film horor Malam Terakhir di Pabrik Gula tembus dua juta penonton",
        url="https://kabarfilm.example.id/malam-terakhir",
        summary="Film produksi Rumah Sinema Nusantara menembus dua juta penonton dalam "
                "sepuluh hari penayangan di bioskop.")),
    ("layar-kita", Item(
        "Malam Terakhir di Pabrik Gula raih dua juta penonton dalam 10 hari",
        url="https://layarkita.example.id/berita/pabrik-gula-dua-juta",
        summary="Rumah Sinema Nusantara mengumumkan film horor tersebut sudah ditonton dua "
                "juta penonton bioskop.")),
    ("screen-asia", Item(
        "Horror film Malam Terakhir di Pabrik Gula passes two million viewers",
        url="https://screenasia.example.org/news/pabrik-gula",
        summary="The Rumah Sinema Nusantara horror film passed two million cinema "
                "admissions in ten days.")),
]
OTHER = [
    ("adwatch", Item("Kampanye iklan Ramadan brand kopi lokal angkat cerita barista",
                     url="https://adwatch.example.id/kopi-barista")),
    ("kamera-id", Item("Cara membuat pencahayaan sinematik dengan satu lampu LED murah",
                       url="https://kamera.example.id/lampu-led")),
]


@pytest.fixture
def config():
    return parse_config(starter_text())


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    stories.forget_indexes()
    path = tmp_path / "tw.db"
    with Store(path) as store:
        for batch in range(12):  # a background of ordinary news, as a day of feeds brings
            items = [Item(SUBJECTS[(batch + k) % len(SUBJECTS)].format(
                p=PLACES[(batch * 7 + k) % len(PLACES)], n=10 + k),
                url=f"https://berita{batch}.example.id/{k}") for k in range(50)]
            with store.write() as db:
                save_items(db, f"feed-{batch}", items, NOW - timedelta(hours=20 - batch))
        for hours, (source, item) in enumerate(EVENT + OTHER):
            with store.write() as db:
                save_items(db, source, [item], NOW - timedelta(hours=3 - hours * 0.5))
    yield path
    stories.forget_indexes()


@pytest.fixture
def listed(db_path, config):
    with Store(db_path) as store:
        build_daily_list(store, config, None, now=NOW)
        # the cards' growth is counted back from the clock: the list is read at 09:00 WIB
        with time_machine.travel(NOW, tick=False):
            rows = list_suggestions(store, config, list_date="2026-03-10", status="all")
        yield store, rows


def event_ids(store: Store) -> set[int]:
    marks = ",".join("?" * len(EVENT))
    return {r["id"] for r in store.query(f"select id from items where title in ({marks})",
                                         [i.title for _, i in EVENT])}


def test_the_event_is_one_suggestion_with_all_sources(listed) -> None:
    store, rows = listed
    ids = event_ids(store)
    cards = [r for r in rows if r["item_id"] in ids]
    assert len(cards) == 1, "one card for the story, not one per outlet"
    (card,) = cards
    story = card["story"]
    assert story["n_sources"] == 3 and story["n_items"] == 3
    assert card["sources"] == story["sources"] == ["kabar-film", "layar-kita", "screen-asia"]
    assert {link["item_id"] for link in story["links"]} == ids
    assert story["first_seen"] == "2026-03-09T23:00:00+00:00"
    # all three arrived in the last three hours (06:00-07:00 WIB)
    assert story["growth"] == {"hours": 3, "new_sources": 3, "new_items": 3,
                               "sources_before": 0, "items_before": 0}
    assert card["signals"]["sources"] == 3 and card["signals"]["momentum"] > 0.6
    assert "Pabrik Gula" in story["headline"]


def test_every_view_shows_the_story_once(listed) -> None:
    _, rows = listed
    records = json.loads(format_rows(rows, "json", "Today"))
    story_rows = [r for r in records if r["story"] and r["story"]["n_items"] == 3]
    assert len(story_rows) == 1
    assert {"title", "url", "source", "sources", "signals"} <= set(story_rows[0])  # kept

    table = format_rows(rows, "table", "Today")
    assert table.count("covered by 3 sources") == 1
    md = format_rows(rows, "md", "Today")
    assert md.count("Story: covered by 3 sources") == 1
    assert "https://screenasia.example.org/news/pabrik-gula" in md
    html = format_rows(rows, "html", "Today")
    assert html.count("Story: covered by 3 sources") == 1
    assert 'href="https://layarkita.example.id/berita/pabrik-gula-dua-juta"' in html \
        or 'href="https://kabarfilm.example.id/malam-terakhir"' in html


def test_the_web_page_shows_the_story_and_splits_an_item(listed, db_path, config) -> None:
    store, _ = listed
    app = create_app(db_path, config)
    client = app.test_client()
    page = client.get("/?date=2026-03-10&status=all").get_data(as_text=True)
    assert page.count("covered by 3 sources") == 1
    assert "screenasia.example.org/news/pabrik-gula" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    english = store.query("select id from items where source = 'screen-asia'")[0]["id"]
    reply = client.post(f"/stories/items/{english}/split",
                        data={"csrf_token": token, "next": "/"})
    assert reply.status_code in (302, 303)
    (row,) = store.query("select story_id from items where id = ?", [english])
    assert row["story_id"] == english
    (mark,) = store.query("select split_from from stories where id = ?", [english])
    assert mark["split_from"] is not None
    page = client.get("/?date=2026-03-10&status=all").get_data(as_text=True)
    assert "covered by 2 sources" in page


def test_a_verdict_on_the_story_applies_to_all_its_items(listed, config) -> None:
    store, rows = listed
    ids = event_ids(store)
    (card,) = [r for r in rows if r["item_id"] in ids]
    record_verdict(store, card["id"], "accept", now=NOW + timedelta(hours=1))
    labels = {r["item_id"]: r for r in training_labels(store)}
    assert ids <= set(labels)
    assert {labels[i]["theme"] for i in ids} == {card["theme"]}
    # ... and no item of the story comes back in tomorrow's list
    build_daily_list(store, config, None, now=NOW + timedelta(days=1))
    tomorrow = list_suggestions(store, config, list_date="2026-03-11", status="all")
    assert not {r["item_id"] for r in tomorrow} & ids
