"""Verdict reasons teach the right lesson (issue 15, point 3): "sensitive / not our voice"
is an off-brand label, "stale" and "already-covered" teach nothing, so rejecting
on-theme-but-political items never raises other political items. Also: the web page's
note field, `train --rank`, and what `train` says it did."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from trendwatch.config import parse_config, starter_text
from trendwatch.daily.scoring import train_model
from trendwatch.db.store import Store, dumps, iso
from trendwatch.errors import TrendwatchError
from trendwatch.review.verdicts import REJECT_REASONS, TEACHES, record_verdict
from trendwatch.stories.labels import teaches, training_labels
from trendwatch.web import create_app

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)

ON_BRAND = [
    "Film horor lokal tembus dua juta penonton dalam sepekan",
    "Festival film Yogyakarta umumkan film pendek kompetisi",
    "Kampanye iklan brand kopi lokal angkat cerita barista",
    "Tren TikTok baru bikin kreator edit video transisi",
    "Teknik color grading ala film thriller Korea",
    "Harga beras naik di pasar induk",
    "Rupiah melemah terhadap dolar sore ini",
]
#: On-theme by their words (film, festival, actors), political by their subject.
POLITICAL = [
    "Open letter from filmmakers on the Gaza war read before a film festival premiere",
    "Actors sign a letter on the Gaza war ahead of the film awards",
    "Sutradara film bacakan surat terbuka soal perang Gaza di festival",
    "Film festival jury statement on the war in Gaza divides the industry",
]
#: Other political items that must not rise (none of them on the list or judged).
PROBES = [
    "Politicians sign an open letter on the Gaza war ceasefire",
    "Perang Gaza: surat terbuka tokoh politik soal gencatan senjata",
    "Letter on the war in Gaza signed by hundreds of academics",
    "Right-wing violence rises as the war divides Germany",
]


@pytest.fixture
def store(tmp_path):
    st = Store(tmp_path / "tw.db")
    with st.write() as db:
        for i, title in enumerate(ON_BRAND + POLITICAL, 1):
            db["items"].insert({"id": i, "source": "detik", "dedup_key": f"k{i}",
                                "title": title, "summary": "", "story_id": i,
                                "first_seen_at": iso(NOW - timedelta(hours=i)),
                                "published_at": iso(NOW - timedelta(hours=i)),
                                "metrics": dumps({})})
        for k in range(len(POLITICAL)):
            item = len(ON_BRAND) + 1 + k
            db.execute("insert into suggestions (id, item_id, list_date, theme, score, "
                       "relevance, status) values (?, ?, '2026-11-30', 'film-industry', "
                       "0.6, 0.6, 'new')", [item, item])
    yield st
    st.close()


def _probe(store, config, minutes: int) -> float:
    """Mean relevance of the political probes under a model trained now."""
    model = train_model(store, config, now=NOW + timedelta(minutes=minutes))["model"]
    return sum(p.relevance for p in model.predict(PROBES)) / len(PROBES)


def _reject_all(store, reason: str | None, minutes: int) -> None:
    for k in range(len(POLITICAL)):
        sid = len(ON_BRAND) + 1 + k
        if reason is None:
            record_verdict(store, sid, "accept", now=NOW + timedelta(minutes=minutes))
        else:
            record_verdict(store, sid, "reject", reason=reason,
                           now=NOW + timedelta(minutes=minutes))


def test_every_reason_says_what_it_teaches():
    assert set(TEACHES) == set(REJECT_REASONS)
    assert teaches("reject", "sensitive", None)
    assert not teaches("reject", "stale", "film-industry")          # stored by 0.1.0
    assert not teaches("reject", "already-covered", "film-industry")
    assert teaches("reject", "off-brand", None)


def test_sensitive_is_an_off_brand_label_and_takes_no_theme(store):
    done = record_verdict(store, 8, "reject", reason="sensitive", now=NOW)
    assert done["theme"] is None
    record_verdict(store, 9, "reject", reason="already-covered", now=NOW)
    record_verdict(store, 10, "reject", reason="stale", now=NOW)
    assert {r["item_id"]: r["theme"] for r in training_labels(store)} == {8: None}
    with pytest.raises(TrendwatchError, match="reason sensitive means no theme"):
        record_verdict(store, 11, "reject", reason="sensitive", theme="film-industry")


def test_rejecting_political_items_never_raises_other_political_items(store):
    config = parse_config(starter_text())
    base = _probe(store, config, 0)
    _reject_all(store, "already-covered", 1)
    covered = _probe(store, config, 2)
    assert covered <= base + 0.01, (base, covered)
    # the probe does respond to labels: accepting them as film news raises it (this is
    # what "already covered" used to teach)
    _reject_all(store, None, 3)
    accepted = _probe(store, config, 4)
    assert accepted > base + 0.05, (base, accepted)
    # "sensitive / not our voice" teaches the opposite: political items sink
    _reject_all(store, "sensitive", 5)
    sensitive = _probe(store, config, 6)
    assert sensitive < base - 0.1, (base, sensitive)


def test_the_web_page_offers_sensitive_and_a_note(store):
    config = parse_config(starter_text())
    app = create_app(store.path, config)
    client = app.test_client()
    html = client.get("/?date=2026-11-30").get_data(as_text=True)
    assert 'value="sensitive">Sensitive / not our voice</option>' in html
    assert 'name="note"' in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    client.post("/suggestions/9/verdict", data={
        "csrf_token": token, "verdict": "reject", "reason": "other", "item_id": "9",
        "note": "bagus, tapi klien sedang kampanye lain"})
    assert store.query("select reason, note, theme from feedback") == [
        {"reason": "other", "note": "bagus, tapi klien sedang kampanye lain", "theme": None}]


def test_train_says_what_it_did_and_reranks_with_rank(store, cli, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(starter_text(), encoding="utf-8")
    db = str(store.path)
    plain = cli("--config", str(cfg), "--db", db, "train")
    assert plain.exit_code == 0, plain.output
    assert "Today's list was not re-ranked" in plain.output
    ranked = cli("--config", str(cfg), "--db", db, "train", "--rank")
    assert ranked.exit_code == 0, ranked.output
    assert re.search(r"Re-ranked today's list with \S+: \d+ new suggestions \(\d+ joined, "
                     r"\d+ dropped\)\.", ranked.output)
