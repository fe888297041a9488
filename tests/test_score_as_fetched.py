"""Ranking while a fetch round is still storing items (what ``run --once`` does), on a real
SQLite file written by another thread, as the fetching process would."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from trendwatch.config import parse_config, starter_text
from trendwatch.daily.build import build_daily_list
from trendwatch.daily.scoring import score_as_fetched, train_model
from trendwatch.db.store import Store, dumps, iso
from trendwatch.review.verdicts import record_verdict

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)

TITLES = [
    "Film horor lokal tembus dua juta penonton dalam sepekan",
    "Kampanye iklan brand kopi lokal angkat cerita barista",
    "Sutradara muda rilis trailer film dokumenter tentang batik",
    "Harga beras naik di pasar induk",
    "Timnas menang tipis atas Vietnam",
    "Banjir rendam ratusan rumah di Bekasi",
    "Tren TikTok baru bikin kreator ramai-ramai edit video transisi",
    "Rupiah melemah terhadap dolar sore ini",
]


def _insert(store: Store, start: int, n: int) -> None:
    with store.write() as db:
        db["items"].insert_all([
            {"id": i, "source": f"feed-{i % 7}", "dedup_key": f"k{i}",
             "title": f"{TITLES[i % len(TITLES)]} ({i})", "summary": "",
             "url": f"https://example.test/{i}", "first_seen_at": iso(NOW),
             "published_at": iso(NOW - timedelta(minutes=i)), "story_id": i,
             "metrics": dumps({})}
            for i in range(start, start + n)])


def _count(store: Store, sql: str) -> int:
    return store.query(sql)[0]["n"]


@pytest.fixture
def config():
    return parse_config(starter_text())


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "tw.db"


class Fetcher(threading.Thread):
    """Stores items in batches on its own connection, then sets ``done``: a fetch round."""

    def __init__(self, db_path, batches: int, per_batch: int, pause: float) -> None:
        super().__init__(daemon=True)
        self.db_path, self.batches, self.per_batch, self.pause = db_path, batches, \
            per_batch, pause
        self.done = threading.Event()

    def run(self) -> None:
        with Store(self.db_path) as store:
            try:
                for b in range(self.batches):
                    _insert(store, 1 + b * self.per_batch, self.per_batch)
                    time.sleep(self.pause)
            finally:
                self.done.set()


def _score_during_round(store: Store, fetch: Fetcher, config, train_after: int):
    """Run ``score_as_fetched`` while ``fetch`` stores its batches; its model."""
    fetch.start()
    model = score_as_fetched(store, config, fetch.done, now=NOW, poll=0.05,
                             train_after=train_after)
    fetch.join()
    assert model is not None
    return model


def test_cold_database_trains_once_enough_items_land_and_scores_every_item(db_path, config):
    Store(db_path).close()  # migrated, as run --once leaves it before the round starts
    fetch = Fetcher(db_path, batches=8, per_batch=40, pause=0.15)
    with Store(db_path) as store:
        model = _score_during_round(store, fetch, config, train_after=100)
        models = store.query("select n_items from models")
        # trained once, during the round, on what had landed by then (not all 320 items)
        assert len(models) == 1
        assert 100 <= models[0]["n_items"] < 320
        # every item stored before the round ended is scored, by that model
        assert _count(store, "select count(*) as n from items") == 320
        assert _count(store, "select count(*) as n from scores where model_version = "
                             f"'{model.version}'") == 320
        rows = build_daily_list(store, config, None, now=NOW, model=model)
        assert rows and all(r["theme"] and r["why"] for r in rows)
        assert _count(store, "select count(*) as n from models") == 1  # list reused it
        # explanations are worked out for the suggested items only, and kept on their scores
        suggested = {r["item_id"] for r in rows}
        explained = {r["item_id"] for r in store.query(
            "select item_id from scores where why is not null")}
        assert explained == suggested


def test_small_round_trains_when_it_ends(db_path, config):
    Store(db_path).close()
    fetch = Fetcher(db_path, batches=2, per_batch=5, pause=0.05)
    with Store(db_path) as store:
        _score_during_round(store, fetch, config, train_after=2000)
        assert store.query("select n_items from models")[0]["n_items"] == 10
        assert _count(store, "select count(*) as n from scores") == 10


def test_a_current_model_is_used_as_is(db_path, config):
    with Store(db_path) as store:
        _insert(store, 1, 30)
        trained = train_model(store, config, now=NOW)
        done = threading.Event()
        done.set()
        model = score_as_fetched(store, config, done, now=NOW + timedelta(minutes=5),
                                 poll=0.01)
        assert model is not None and model.version == trained["version"]
        assert _count(store, "select count(*) as n from models") == 1
        assert _count(store, "select count(*) as n from scores") == 30


def test_new_verdicts_retrain_the_model(db_path, config):
    with Store(db_path) as store:
        _insert(store, 1, 30)
        first = train_model(store, config, now=NOW)["version"]
        build_daily_list(store, config, None, now=NOW)
        sid = store.query("select id from suggestions order by score desc limit 1")[0]["id"]
        record_verdict(store, sid, "reject", reason="off-brand", now=NOW + timedelta(minutes=1))
        done = threading.Event()
        done.set()
        model = score_as_fetched(store, config, done, now=NOW + timedelta(minutes=5),
                                 poll=0.01, train_after=10)
        assert model is not None and model.version != first
        assert _count(store, "select count(*) as n from models") == 2
        assert _count(store, "select count(*) as n from scores where model_version = "
                             f"'{model.version}'") == 30


def test_no_themes_waits_for_the_round_and_scores_nothing(db_path):
    config = parse_config('[brand]\nname = "Studio"\n')
    Store(db_path).close()
    fetch = Fetcher(db_path, batches=2, per_batch=5, pause=0.1)
    with Store(db_path) as store:
        fetch.start()
        started = time.monotonic()
        assert score_as_fetched(store, config, fetch.done, now=NOW, poll=0.05) is None
        assert fetch.done.is_set() and time.monotonic() - started >= 0.1
        assert _count(store, "select count(*) as n from scores") == 0


def test_the_job_module_does_not_load_the_fetch_stack():
    """The ranking child imports trendwatch.service.jobs first: it must not pay for the fetcher,
    feedparser and urllib3 (nor scikit-learn before it needs it)."""
    code = ("import sys, trendwatch.service.jobs; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'feedparser', 'urllib3', 'sklearn'} or m in "
            "{'trendwatch.fetch.round', 'trendwatch.fetch.http', 'trendwatch.parse.feeds'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_a_dead_fetcher_stops_the_wait(db_path, config):
    """run --once signals the end of its round on a pipe: if the fetching process dies
    first, the pipe's EOF ends the ranking instead of a wait that never ends."""
    import multiprocessing

    from trendwatch.errors import TrendwatchError
    from trendwatch.service.jobs import RoundEnd

    read, write = multiprocessing.Pipe(duplex=False)
    write.close()  # what the kernel does to the write end when its process dies
    with Store(db_path) as store:
        started = time.monotonic()
        with pytest.raises(TrendwatchError, match="fetching process ended"):
            score_as_fetched(store, config, RoundEnd(read), now=NOW, poll=0.05)
        assert time.monotonic() - started < 5


def test_the_round_end_signal():
    import multiprocessing

    from trendwatch.service.jobs import RoundEnd

    read, write = multiprocessing.Pipe(duplex=False)
    flag = RoundEnd(read)
    assert flag.wait(0.01) is False
    write.send(True)
    assert flag.wait(0.01) is True
    write.close()
    assert flag.wait(0.01) is True  # once set, EOF afterwards changes nothing


def test_the_list_is_stamped_with_the_end_of_the_round(db_path, config):
    """The ranking job gets ``now`` when the round starts; the list it builds is of when
    the round ended (its date and recency), as before ranking moved into the round."""
    import multiprocessing

    from trendwatch.db.store import parse_iso
    from trendwatch.service.jobs import rank_while_fetching

    read, write = multiprocessing.Pipe(duplex=False)
    with Store(db_path) as store:
        _insert(store, 1, 30)
        job = threading.Thread(target=rank_while_fetching, args=(store, config, NOW, read))
        job.start()
        time.sleep(1.2)  # stored times have whole seconds
        write.send(True)
        job.join(30)
        stamps = {r["updated_at"] for r in store.query("select updated_at from suggestions")}
    assert len(stamps) == 1
    assert parse_iso(stamps.pop()) >= NOW + timedelta(seconds=1)
