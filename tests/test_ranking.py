"""The classifier, model files, signals, rising topics and angles (trendwatch.ranking)."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from trendwatch.config import RankingWeights, ThemeConfig, parse_config, starter_text
from trendwatch.errors import ModelError
from trendwatch.parse.tokens import content_tokens, key_phrases, normalise
from trendwatch.ranking import angles, rising, signals
from trendwatch.ranking.classifier import OFF
from trendwatch.ranking.evaluation import evaluate
from trendwatch.ranking.features import Featuriser
from trendwatch.ranking.fitting import fit_model
from trendwatch.ranking.persist import load_model, save_model, sha256_file
from trendwatch.ranking.train_params import TrainParams
from trendwatch.ranking.trainset import _offbrand_topics_to_keep, build_examples

CONFIG = parse_config(starter_text())

# Written for these tests: not in the config's examples, the shipped seeds or the eval sets.
ON_THEME = [
    ("film-industry", "Film drama keluarga karya sutradara Surabaya tembus 800 ribu penonton"),
    ("film-industry", "Festival film Makassar umumkan film pembuka dan jadwal pemutaran"),
    ("behind-the-scenes", "Teknik lighting dengan dua lampu LED untuk syuting di kamar sempit"),
    ("behind-the-scenes", "Colorist explains the color grading of a neon-lit night thriller"),
    ("advertising", "Kampanye iklan brand sambal lokal angkat cerita pedagang kaki lima"),
    ("advertising", "Agency behind a viral bank commercial talks about its storytelling"),
    ("local-culture", "Tradisi lebaran ketupat di kampung nelayan Madura jadi tontonan wisatawan"),
    ("local-culture", "Hari batik: pegawai bank kompak pakai batik motif kawung"),
    ("social-trends", "Tren TikTok baru: kreator ramai bikin video transisi baju lebaran"),
    ("social-trends", "Instagram Reels kini punya fitur template baru untuk kreator"),
]
OFF_BRAND = [
    "Harga telur ayam naik jadi Rp32 ribu per kilo di pasar Cibubur",
    "Polisi tangkap komplotan pencuri kabel di Bekasi",
    "Timnas futsal Indonesia kalahkan Thailand 3-2",
    "Rupiah ditutup melemah terhadap dolar AS sore ini",
    "DPR gelar rapat kerja dengan menteri perhubungan soal tarif tol",
    "Banjir setinggi satu meter rendam perumahan di Tangerang",
    "Kasus korupsi dana desa, kepala desa ditahan kejaksaan",
    "Central bank holds interest rates steady for third month",
    "Jadwal pemadaman listrik bergilir di Medan pekan ini",
    "Harga tiket pesawat mudik naik 20 persen",
]


@pytest.fixture(scope="module")
def cold_model():
    stream = [t for _, t in ON_THEME] + OFF_BRAND
    model, x, norm = fit_model(CONFIG.themes, unlabelled=stream)
    return model, model.predict_matrix(x, norm)


def test_normalise_expands_slang_hashtags_and_repeats():
    assert normalise("Keren BGT!!! #HariBatikNasional seruuu") == \
        "keren banget hari batik nasional seru"
    assert normalise("gak ada yg nonton") == "tidak ada yang nonton"
    assert normalise("Beyoncé https://x.co/a @someone") == "beyonce"
    assert "di" not in content_tokens("Syuting di balik layar")


def test_key_phrases_prefer_names_and_explaining_pairs():
    assert key_phrases("Netizen heboh, trailer film Gadis Kretek tayang")[0] == "Gadis Kretek"
    got = key_phrases("Brand lokal pakai AI untuk iklan, penonton kecewa",
                      prefer=["brand", "lokal", "iklan"])
    assert got[0] == "brand lokal" and "brand" not in got


def test_cold_start_ranks_on_theme_items_above_off_brand(cold_model):
    _, preds = cold_model
    on = [p.relevance for p in preds[:len(ON_THEME)]]
    off = [p.relevance for p in preds[len(ON_THEME):]]
    pairs_right = sum(1 for a in on for b in off if a > b) / (len(on) * len(off))
    assert pairs_right >= 0.9
    top = sorted(range(len(preds)), key=lambda i: -preds[i].relevance)[:5]
    assert all(i < len(ON_THEME) for i in top)


def test_cold_start_picks_the_right_theme_and_explains_it(cold_model):
    _, preds = cold_model
    right = sum(1 for (theme, _), p in zip(ON_THEME, preds, strict=False) if p.theme == theme)
    assert right >= 8
    assert all(p.theme is None and p.why == [] for p in preds[len(ON_THEME):]
               if p.relevance < CONFIG.ranking.min_relevance)
    lighting = preds[2]
    assert lighting.theme == "behind-the-scenes"
    assert any(w in ("lighting", "lampu", "syuting") for w in lighting.why)
    assert set(lighting.scores) == {t.id for t in CONFIG.themes}
    assert abs(sum(lighting.scores.values()) + (1 - lighting.relevance) - 1) < 1e-3


def test_labels_teach_a_topic_the_seeds_do_not_know():
    """Coffee shops are no theme's seed; after a few accepted local-culture labels about
    them, an unseen coffee headline moves to local-culture."""
    stream = OFF_BRAND + [t for _, t in ON_THEME]
    probe = "Kedai kopi tubruk legendaris di Semarang ramai anak muda"
    labels = [
        ("Kedai kopi jadul di Solo jadi tempat nongkrong favorit mahasiswa", "local-culture"),
        ("Budaya ngopi di warung kopi Aceh bertahan puluhan tahun", "local-culture"),
        ("Kopi joss Yogyakarta, kopi dengan arang yang jadi ikon kota", "local-culture"),
        ("Warung kopi tradisional di Pontianak buka 24 jam", "local-culture"),
        ("Harga kopi robusta di tingkat petani turun", None),
    ]
    before, _, _ = fit_model(CONFIG.themes, unlabelled=stream)
    after, _, _ = fit_model(CONFIG.themes, labelled=labels, unlabelled=stream)
    p0, p1 = before.predict([probe])[0], after.predict([probe])[0]
    assert p1.scores["local-culture"] > p0.scores["local-culture"] + 0.2
    assert p1.theme == "local-culture"
    assert after.meta["n_labels"] == 5


def test_off_brand_labels_push_a_topic_down():
    stream = OFF_BRAND + [t for _, t in ON_THEME]
    probe = "Review smartphone dengan kamera 200MP untuk konten kreator"
    labels = [(t, None) for t in (
        "Review HP kamera 108MP harga 3 jutaan", "Smartphone baru dengan kamera periskop",
        "Review kamera HP flagship untuk foto malam", "HP gaming dengan kamera 64MP murah")]
    before, _, _ = fit_model(CONFIG.themes, unlabelled=stream)
    after, _, _ = fit_model(CONFIG.themes, labelled=labels, unlabelled=stream)
    assert after.predict([probe])[0].relevance < before.predict([probe])[0].relevance - 0.1


def test_model_without_stream_or_background_still_trains():
    model, _, _ = fit_model(CONFIG.themes, params=TrainParams(background=False,
                                                              self_train_rounds=0))
    assert model.classes[-1] == OFF
    assert model.predict(["Trailer film horor baru"])[0].theme == "film-industry"


def _news_themes():
    # A newsroom-like brand whose themes ARE generic off-brand topics of the shipped seeds.
    return parse_config(starter_text()).model_copy(update={"themes": [
        ThemeConfig(id="politik", name="Politik", description="Pemerintah, DPR, partai, pemilu",
                    keywords=["pemilu", "DPR", "partai", "menteri", "presiden"],
                    examples=["DPR setujui anggaran baru", "Partai umumkan calon gubernur"]),
        ThemeConfig(id="bola", name="Sepak bola", description="Liga, timnas, pertandingan",
                    keywords=["gol", "liga", "timnas", "pelatih", "klub"],
                    examples=["Klub ibu kota menang tipis di laga tandang",
                              "Pelatih timnas panggil tiga pemain muda"]),
    ]}).themes


def test_generic_off_brand_topics_a_theme_covers_are_left_out():
    # Politics and football seeds would teach a politics/football brand that its own news
    # is off-brand (public BBC News set: 42 % of on-theme items got a null theme).
    params = TrainParams()
    base = build_examples(_news_themes(), [], params)
    texts = [normalise(e.text) for e in base]
    _, x = Featuriser.fit(texts, [True] * len(texts))
    keep = _offbrand_topics_to_keep(base, x, params)
    dropped = {e.topic for e, k in zip(base, keep, strict=True) if not k}
    assert {"politics", "sport"} <= dropped
    assert not dropped & {"crime-disaster", "daily-life", "tech"}
    # The starter studio has no such theme: every topic stays.
    base = build_examples(CONFIG.themes, [], params)
    texts = [normalise(e.text) for e in base]
    _, x = Featuriser.fit(texts, [True] * len(texts))
    assert _offbrand_topics_to_keep(base, x, params).all()


def test_cold_start_gives_no_theme_a_head_start(cold_model):
    # Seed and pseudo-label counts are no evidence of how common a theme is: at cold start
    # the themes share one intercept (the off-brand class keeps its own).
    model, _ = cold_model
    themes = [model.classes.index(t) for t in model.themes]
    assert np.allclose(model.intercept[themes], model.intercept[themes[0]])
    # Labels are evidence: with them the intercepts are the fitted ones.
    labelled = [(text, theme) for theme, text in ON_THEME[:6]] + [(OFF_BRAND[0], None)]
    model, _, _ = fit_model(CONFIG.themes, labelled=labelled,
                            unlabelled=[t for _, t in ON_THEME] + OFF_BRAND)
    assert np.ptp(model.intercept[themes]) > 1e-3


def test_evaluate_counts_precision_and_recall():
    rep = evaluate(["a", "a", None, "b"], ["a", None, None, "a"])
    assert rep.per_class["a"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert rep.per_class["off-brand"]["precision"] == 0.5
    assert rep.per_class["b"]["recall"] == 0.0


# -- model files ------------------------------------------------------------------------


def test_model_file_round_trip_gives_identical_predictions(cold_model, tmp_path):
    model, _ = cold_model
    path = tmp_path / "m.npz"
    sha = save_model(model, path)
    assert sha == sha256_file(path)
    loaded = load_model(path, sha256=sha, themes=[t.id for t in CONFIG.themes])
    texts = [t for _, t in ON_THEME[:3]] + OFF_BRAND[:2]
    assert [p.as_dict() for p in loaded.predict(texts)] == \
        [p.as_dict() for p in model.predict(texts)]
    with np.load(path, allow_pickle=False) as npz:  # plain arrays only
        assert all(npz[name].dtype != object for name in npz.files)


def test_corrupt_model_file_is_refused_with_a_clear_message(cold_model, tmp_path):
    model, _ = cold_model
    path = tmp_path / "m.npz"
    sha = save_model(model, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="corrupt"):
        load_model(path)
    with pytest.raises(ModelError, match="checksum"):
        load_model(path, sha256=sha)
    with pytest.raises(ModelError, match="missing"):
        load_model(tmp_path / "nope.npz")


def test_model_file_needing_pickle_or_for_other_themes_is_refused(cold_model, tmp_path):
    bad = tmp_path / "pickled.npz"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in ("meta", "word_terms", "char_terms", "idf", "coef", "intercept"):
            arr = io.BytesIO()
            np.save(arr, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
            z.writestr(f"{name}.npy", arr.getvalue())
    bad.write_bytes(buf.getvalue())
    with pytest.raises(ModelError, match="would need unpickling"):
        load_model(bad)
    model, _ = cold_model
    path = tmp_path / "m.npz"
    save_model(model, path)
    with pytest.raises(ModelError, match="trained for themes"):
        load_model(path, themes=["film-industry", "cooking"])


# -- signals, rising topics, angles -----------------------------------------------------


def test_trend_is_a_percentile_within_each_source():
    got = signals.trend_scores([
        (1, "gtrends", {"traffic": 100}), (2, "gtrends", {"traffic": 50000}),
        (3, "youtube", {"views": 10}), (4, "youtube", {"views": 5}),
        (5, "rss", {}), (6, "wiki", {"rank": 1}), (7, "wiki", {"rank": 40})])
    assert got[2] > got[1] and got[3] > got[4]
    assert got[2] == got[3]  # top of its own source, whatever the scale
    assert got[5] == 0.0
    assert got[6] > got[7]  # rank: lower is better


def test_momentum_recency_novelty_and_the_weighted_score():
    assert [signals.momentum(n) for n in (1, 2, 4)] == [0.0, 0.5, 0.75]
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert signals.recency(now - timedelta(hours=24), now, 24 * 3600) == 0.5
    assert signals.recency(now + timedelta(days=300), now, 3600) == 1.0
    recent = [set(content_tokens("Trailer film Bayang Merapi dirilis"))]
    assert signals.novelty("Trailer film Bayang Merapi dirilis hari ini", recent) < 0.3
    assert signals.novelty("Tren baru di TikTok", recent) == 1.0
    w = RankingWeights(relevance=1, trend=1, momentum=0, recency=0, novelty=0)
    assert signals.suggestion_score(0.8, {"trend": 0.4}, w) == 0.6


def test_rising_detects_a_burst_across_sources_not_a_steady_term():
    now = datetime(2026, 10, 2, 12, tzinfo=UTC)
    docs, n = [], 0
    for day in range(1, 15):  # "harga" every day: steady, not rising
        for k in range(3):
            n += 1
            docs.append(rising.Doc(n, f"s{k}", n, "Harga beras naik", now - timedelta(days=day)))
    today = ["Hari Batik dirayakan kantor pajak", "Sekolah rayakan Hari Batik",
             "Motif kawung ramaikan Hari Batik", "Hari Batik: diskon kemeja",
             "Pegawai bank pakai seragam Hari Batik", "Kreator muda sambut Hari Batik"]
    for k, title in enumerate(today):  # "hari batik" only today, from three sources
        n += 1
        docs.append(rising.Doc(n, f"s{k % 3}", n, title, now - timedelta(hours=k)))
    n += 1
    docs.append(rising.Doc(n, "s0", n, "Harga beras naik", now - timedelta(hours=1)))
    found = rising.detect_bursts(docs, now)
    terms = [t["term"] for t in found]
    assert terms[0] == "hari batik"
    assert "batik" not in terms  # folded into the phrase
    assert "harga" not in terms and "harga beras" not in terms
    top = found[0]
    assert top["count"] == 6 and top["sources"] == 3 and top["baseline"] == 0


def test_template_angles_fill_config_templates_and_defaults():
    film = {**CONFIG.theme("film-industry").model_dump(), "angles": [
        {"platform": "TikTok", "format": "video 30 detik",
         "hook": "3 hal yang bikin {topic} beda dari film lain"},
        {"platform": "Instagram", "format": "carousel",
         "hook": "{topic}: apa kata kru film kami?"}]}
    sugg = {"title": "Trailer Gadis Lereng dirilis", "source": "detik",
            "key_phrases": ["Gadis Lereng"], "signals": {"sources": 3}}
    got = angles.template_angles(sugg, film, CONFIG.brand.model_dump())
    assert 1 <= len(got) <= 3
    assert all("Gadis Lereng" in a.hook and a.generator == "templates" for a in got)
    assert {a.platform for a in got} <= {"TikTok", "Instagram"}  # the config's own
    assert "3 sumber" in got[0].why_now  # Indonesian brand: no half-English sentence
    bare = {"id": "behind-the-scenes", "name": "BTS", "angles": []}
    assert angles.template_angles(sugg, bare, {"name": "Studio"})[0].platform in (
        "Instagram", "YouTube", "TikTok / Reels", "LinkedIn")
    odd = {"id": "x", "name": "X", "angles": [{"platform": "X", "format": "thread",
                                               "hook": "{topic} {unknown}"}]}
    # the topic is the headline's noun phrase (trendwatch.ranking.topic)
    assert angles.template_angles(sugg, odd, {})[0].hook == "Trailer Gadis Lereng {unknown}"


def _burst_docs(now, history_days, baseline_term_per_day=0):
    """A record ``history_days`` old before the last day: a filler story a day, plus
    "konser" stories per day; today "konser" in 4 stories and "hari batik" in 6."""
    docs, n = [], 0
    for day in range(1, int(history_days) + 1):
        for _k in range(baseline_term_per_day):
            n += 1
            docs.append(rising.Doc(n, "s0", n, "Konser musik kota",
                                   now - timedelta(days=day, hours=2)))
        n += 1
        docs.append(rising.Doc(n, "s1", n, "Cuaca cerah hari ini", now - timedelta(days=day,
                                                                                 hours=3)))
    for k in range(4):
        n += 1
        docs.append(rising.Doc(n, f"s{k % 2}", n, "Konser musik kota", now - timedelta(hours=k)))
    for k in range(6):
        n += 1
        docs.append(rising.Doc(n, f"s{k % 3}", n, "Hari Batik meriah",
                               now - timedelta(hours=k)))
    return docs


def _about(word, found):
    return [t for t in found if word in t["term"].split()]


def test_rising_baseline_is_per_day_of_history_actually_present():
    """Six days of one "konser" story a day is 1/day, not 6/14: four today is no burst."""
    now = datetime(2026, 10, 2, 12, tzinfo=UTC)
    found = rising.detect_bursts(_burst_docs(now, 6, baseline_term_per_day=1), now)
    assert not _about("konser", found)
    (batik,) = _about("batik", found)
    assert batik["baseline"] == 0 and batik["count"] == 6


def test_rising_needs_history_before_calling_a_burst():
    now = datetime(2026, 10, 2, 12, tzinfo=UTC)
    # nothing before the last day: a brand-new database has nothing to rise from
    assert rising.detect_bursts(_burst_docs(now, 0), now) == []
    # two days of history: stricter thresholds, so 4 stories from nowhere are not enough,
    # 6 are; with two weeks of history 4 are
    young = rising.detect_bursts(_burst_docs(now, 2), now)
    assert not _about("konser", young) and _about("batik", young)
    old = rising.detect_bursts(_burst_docs(now, 14), now)
    assert _about("konser", old) and _about("batik", old)


def test_rising_topics_measure_history_from_the_first_stored_item(tmp_path):
    from trendwatch.db.store import Store, iso

    now = datetime(2026, 10, 2, 12, tzinfo=UTC)
    with Store(tmp_path / "tw.db") as store, store.write() as db:
        db["items"].insert_all({"id": d.item_id, "source": d.source, "dedup_key": str(d.item_id),
                                "title": d.title, "story_id": d.story,
                                "first_seen_at": iso(d.seen_at)} for d in _burst_docs(now, 2))
    with Store(tmp_path / "tw.db") as store:
        assert not _about("konser", rising.rising_topics(store, now=now))
        with store.write() as db:  # the record turns out to start a month ago
            db["items"].insert({"id": 999, "source": "s9", "dedup_key": "999",
                                "title": "Arsip lama", "story_id": 999,
                                "first_seen_at": iso(now - timedelta(days=30))})
        assert _about("konser", rising.rising_topics(store, now=now))
