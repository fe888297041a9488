"""Stories: items of several sources that report one event are one story; the user can split
an item out and that sticks.

Every test stores items through the real ingest path into a real SQLite file, on top of a
background of 600 varied headlines (a day of a small studio's feeds), so that word rarity
means what it means in use: "gempa" and "penonton" are common, a film's title is not.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from trendwatch import stories
from trendwatch.api import Item
from trendwatch.db.store import Store
from trendwatch.errors import TrendwatchError
from trendwatch.items.ingest import save_items

T0 = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)

PLACES = ["Sukamaju", "Lembahhijau", "Tanjungsari", "Karangjati", "Batuwangi", "Pasirlaut",
          "Gunungtua", "Rawabening", "Cisalak", "Mekarsari", "Sindangraya", "Lautbiru"]
SUBJECTS = ["Gempa magnitudo {n} guncang {p}, warga panik",
            "Banjir rendam ratusan rumah di {p}", "Festival kuliner {p} dibuka akhir pekan",
            "Bioskop baru dibuka di {p}, tiket promo {n} ribu",
            "Harga cabai di pasar {p} naik {n} persen",
            "Film pendek karya pelajar {p} menang lomba",
            "Konser amal untuk korban banjir {p} digelar",
            "Pemkab {p} luncurkan aplikasi layanan warga",
            "Agensi iklan lokal {p} rekrut {n} kreator konten",
            "Jalan rusak di {p} dikeluhkan pengendara"]


@pytest.fixture
def store(tmp_path: Path):
    stories.forget_indexes()
    with Store(tmp_path / "tw.db") as s:
        yield s
    stories.forget_indexes()


def save(store: Store, source: str, items: list[Item], at: datetime) -> None:
    with store.write() as db:
        save_items(db, source, items, at)


@pytest.fixture
def background(store: Store) -> None:
    rng = random.Random(5)
    for batch in range(12):
        items = []
        for k in range(50):
            subject = rng.choice(SUBJECTS)
            items.append(Item(subject.format(p=rng.choice(PLACES), n=rng.randint(2, 90)),
                              url=f"https://berita{batch}.example.id/{k}"))
        save(store, f"feed-{batch}", items, T0 - timedelta(hours=20 - batch))


def story_of(store: Store, title: str) -> int:
    return store.query("select story_id from items where title = ?", [title])[0]["story_id"]


FILM_A = Item("Film horor Malam Terakhir di Pabrik Gula tembus dua juta penonton",
              url="https://hiburan.example.id/malam-terakhir",
              summary="Film produksi Rumah Sinema Nusantara itu menembus dua juta penonton "
                      "dalam sepuluh hari penayangan.")
FILM_B = Item("Malam Terakhir di Pabrik Gula raih dua juta penonton dalam 10 hari",
              url="https://film.example.com/berita/malam-terakhir-pabrik-gula",
              summary="Rumah Sinema Nusantara mengumumkan film horor tersebut sudah ditonton "
                      "dua juta orang.")
FILM_EN = Item("Horror film Malam Terakhir di Pabrik Gula passes two million viewers",
               url="https://screen.example.org/news/pabrik-gula",
               summary="The Rumah Sinema Nusantara production passed two million admissions "
                       "in ten days.")


def test_two_outlets_reporting_one_event_share_a_story(store, background) -> None:
    save(store, "hiburan", [FILM_A], T0)
    save(store, "film-news", [FILM_B], T0 + timedelta(hours=3))
    assert story_of(store, FILM_B.title) == story_of(store, FILM_A.title)
    (row,) = store.query("select * from stories where id = ?", [story_of(store, FILM_A.title)])
    assert row["first_seen_at"] == "2026-11-27T02:00:00+00:00"
    assert row["updated_at"] == "2026-11-27T05:00:00+00:00"


def test_same_words_different_event_stay_apart(store, background) -> None:
    """Two quakes in two places: the same common words, different names."""
    first = Item("Gempa magnitudo 5,2 guncang Wonorejo, warga panik",
                 url="https://a.example.id/gempa-1")
    second = Item("Gempa magnitudo 4,8 guncang Cibodas, warga panik",
                  url="https://b.example.id/gempa-2")
    save(store, "a", [first], T0)
    save(store, "b", [second], T0 + timedelta(hours=1))
    assert story_of(store, first.title) != story_of(store, second.title)


def test_the_same_event_days_apart_is_another_story(store, background) -> None:
    save(store, "hiburan", [FILM_A], T0)
    save(store, "film-news", [FILM_B], T0 + stories.WINDOW + timedelta(days=1))
    assert story_of(store, FILM_B.title) != story_of(store, FILM_A.title)


def test_english_and_indonesian_headlines_of_one_event(store, background) -> None:
    """Supported through what the two languages share: the film's and the studio's names
    (no translation; two headlines that share no name stay apart)."""
    save(store, "hiburan", [FILM_A], T0)
    save(store, "screen", [FILM_EN], T0 + timedelta(hours=2))
    assert story_of(store, FILM_EN.title) == story_of(store, FILM_A.title)


def test_items_of_one_batch_join_each_other(store, background) -> None:
    save(store, "aggregator", [FILM_A, FILM_B], T0)
    assert story_of(store, FILM_B.title) == story_of(store, FILM_A.title)


def test_a_split_item_stays_out_for_good(store, background) -> None:
    save(store, "hiburan", [FILM_A], T0)
    save(store, "film-news", [FILM_B], T0 + timedelta(hours=1))
    story = story_of(store, FILM_A.title)
    b_id = store.query("select id from items where title = ?", [FILM_B.title])[0]["id"]

    done = stories.split_item(store, b_id, now=T0 + timedelta(hours=2))
    assert done == {"item_id": b_id, "story_id": b_id, "split_from": story,
                    "remaining_story": story}
    assert story_of(store, FILM_B.title) == b_id
    with pytest.raises(TrendwatchError, match="alone"):
        stories.split_item(store, b_id)

    # A new item like both joins the story the user kept, never the split one ...
    save(store, "screen", [FILM_EN], T0 + timedelta(hours=3))
    assert story_of(store, FILM_EN.title) == story
    # ... and a re-cluster from scratch leaves the split item alone.
    stories.forget_indexes()
    result = stories.recluster(store, since=T0 - timedelta(days=1), now=T0 + timedelta(hours=4))
    assert result["items"] >= 602
    assert story_of(store, FILM_B.title) == b_id
    assert story_of(store, FILM_EN.title) == story_of(store, FILM_A.title)
    (row,) = store.query("select split_from from stories where id = ?", [b_id])
    assert row["split_from"] == story


def test_splitting_the_first_item_renames_the_rest(store, background) -> None:
    save(store, "hiburan", [FILM_A], T0)
    save(store, "film-news", [FILM_B], T0 + timedelta(hours=1))
    save(store, "screen", [FILM_EN], T0 + timedelta(hours=2))
    a_id = story_of(store, FILM_A.title)
    done = stories.split_item(store, a_id, now=T0 + timedelta(hours=3))
    rest = done["remaining_story"]
    assert rest != a_id
    assert story_of(store, FILM_B.title) == story_of(store, FILM_EN.title) == rest
    assert story_of(store, FILM_A.title) == a_id
    assert store.query("select id from stories where id = ?", [rest])


def test_another_process_sees_a_split(store, background, tmp_path) -> None:
    """The fetching process's index was loaded before the web page split an item: it checks
    the database before joining, so nothing joins the split story."""
    save(store, "hiburan", [FILM_A], T0)
    a_id = story_of(store, FILM_A.title)
    save(store, "film-news", [FILM_B], T0 + timedelta(hours=1))
    with Store(tmp_path / "tw.db") as web:  # another connection, no index of its own
        stories._INDEXES.pop(str(tmp_path / "tw.db"), None)
        index = stories.StoryIndex()
        stories._INDEXES["other"] = index
        stories.split_item(web, a_id, now=T0 + timedelta(hours=2))
    # this process's index still has FILM_A in its old story id; the check catches it
    save(store, "screen", [FILM_EN], T0 + timedelta(hours=3))
    assert story_of(store, FILM_EN.title) != a_id


def test_unknown_item_cannot_be_split(store) -> None:
    with pytest.raises(TrendwatchError, match="no item"):
        stories.split_item(store, 999)


def test_terms_round_trip_through_the_stored_text() -> None:
    words = stories.terms(FILM_A.title, FILM_A.summary)
    assert stories.parse_terms(stories.terms_text(words), None, None) == words
    assert "pabrik" in words and words["pabrik"] == stories.TITLE_WEIGHT
    assert "di" not in words  # a stopword


def test_the_command_line_splits_and_reclusters(store, background, tmp_path) -> None:
    from click.testing import CliRunner

    from trendwatch.cli import cli

    save(store, "hiburan", [FILM_A], T0)
    save(store, "film-news", [FILM_B], T0 + timedelta(hours=1))
    b_id = store.query("select id from items where title = ?", [FILM_B.title])[0]["id"]
    config = tmp_path / "trendwatch.toml"
    config.write_text('[brand]\nname = "Studio Uji"\ntimezone = "Asia/Jakarta"\n')

    def run(*args: str):
        return CliRunner().invoke(cli, ["--config", str(config), "--db",
                                        str(tmp_path / "tw.db"), "stories", *args])

    split = run("split", str(b_id))
    assert split.exit_code == 0, split.output
    assert f"item {b_id} is a story of its own" in split.output
    again = run("split", str(b_id))
    assert again.exit_code != 0 and "alone in its story" in again.output
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        regroup = run("recluster", "--days", "2", "--json")
    assert regroup.exit_code == 0, regroup.output
    assert json.loads(regroup.output)["items"] == 601  # all but the split one
    assert story_of(store, FILM_B.title) == b_id
