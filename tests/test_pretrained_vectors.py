"""The shipped pretrained vectors: Indonesian word vectors next to the English token
vectors, loaded from the installed files with sockets blocked, honest metadata."""

from __future__ import annotations

import json

import numpy as np
import pytest

from trendwatch.errors import ModelError
from trendwatch.ranking import pretrained

pytestmark = pytest.mark.skipif(not pretrained.available(), reason="wordllama not installed")


def _cos(e: pretrained.StaticEmbedder, a: str, b: str) -> float:
    x = e.embed([a, b])
    return float(x[0] @ x[1] / (np.linalg.norm(x[0]) * np.linalg.norm(x[1])))


def test_vectors_load_with_sockets_blocked(no_network):
    e = pretrained.load()
    assert e.name == pretrained.NAME and e.words is not None
    assert e.dim == pretrained.TOKEN_DIMS + e.words.dim
    assert len(e.sha256) == 64
    rows = e.embed(["Timnas menang di laga final", "Box office weekend record"])
    assert rows.shape == (2, e.dim) and np.all(np.isfinite(rows))


def test_related_indonesian_words_are_closer_than_unrelated():
    words = pretrained.load().words
    assert words is not None

    def cos(a: str, b: str) -> float:
        x, _ = words.embed([a, b])
        return float(x[0] @ x[1])

    assert cos("sepak bola", "pertandingan") > cos("sepak bola", "saham") + 0.1
    assert cos("saham", "rupiah") > cos("saham", "pertandingan") + 0.1
    assert cos("penyanyi", "lagu") > cos("penyanyi", "inflasi") + 0.1
    assert cos("ponsel", "aplikasi") > cos("ponsel", "gol") + 0.1


def test_indonesian_headlines_land_near_their_topic():
    e = pretrained.load()
    sport = "Pelatih timnas umumkan pemain untuk laga melawan Thailand"
    money = "Harga saham bank turun, rupiah ikut melemah"
    assert _cos(e, sport, "Klub liga menang dalam pertandingan semalam") > _cos(
        e, sport, money)


def test_each_block_is_weighted_by_how_well_it_knows_the_language():
    e = pretrained.load()
    words = e.words
    assert words is not None
    en, idn = e.embed(["The studio released the trailer of its new film tonight",
                       "Penyanyi dangdut itu merilis lagu baru bersama bandnya"],
                      fit_weight=True)
    tok = pretrained.TOKEN_DIMS
    # English: the token block carries the row; Indonesian: the word block does.
    assert np.linalg.norm(en[:tok]) > 0.9 and np.linalg.norm(en[tok:]) < 0.1
    assert np.linalg.norm(idn[tok:]) > 0.9 and np.linalg.norm(idn[:tok]) < 0.5
    assert np.linalg.norm(en) <= 1.0 + 1e-6 and np.linalg.norm(idn) <= 1.0 + 1e-6
    empty = e.embed([""], fit_weight=True)
    assert not np.any(empty)


def test_legacy_embedder_still_loads_and_unknown_ones_are_refused():
    legacy = pretrained.load(pretrained.LEGACY_NAME)
    assert legacy.words is None and legacy.dim == 256
    assert legacy.sha256 != pretrained.load().sha256
    with pytest.raises(ModelError, match="unknown pretrained embeddings"):
        pretrained.load("some-other-embeddings")


def test_shipped_files_match_their_provenance_record():
    meta = json.loads((pretrained.WORDS_DIR / "id_words.json").read_text("utf-8"))
    corpora = {c["repo"]: c for c in meta["corpora"]}
    main = {"IndoNLP/indonlu", "CalDev-id/INDOSUM2"}
    assert main <= set(corpora)
    for repo, c in corpora.items():
        assert len(c["commit"]) == 40 and c["licence"] and c["licence_evidence"]
        assert c["files"] and all(len(f["sha256"]) == 64 for f in c["files"])
        # the two large corpora; the small CC BY-SA news sets add ~0.1 M tokens
        assert c["tokens"] > (500_000 if repo in main else 10_000)
        assert repo in main or c["licence"].startswith("CC-BY-SA-")
    assert corpora["CalDev-id/INDOSUM2"]["licence"] == "CC-BY-SA-4.0"
    # share-alike: the vectors carry the licence of the IndoSum text they adapt
    assert meta["licence"].startswith("CC-BY-SA-4.0")
    assert meta["tokens"] == sum(c["tokens"] for c in corpora.values())
    assert set(meta["dropped_for_eval_titles"]) == {"equal", "contains"}
    weights = pretrained.WORDS_DIR / "id_words.safetensors"
    assert pretrained._sha256(weights) == meta["vectors_sha256"]
    assert weights.stat().st_size < 12_000_000
    vocab = (pretrained.WORDS_DIR / "id_words.vocab.txt").read_text("utf-8").split()
    assert len(vocab) <= meta["params"]["max_vocab"]


def test_broken_vector_files_give_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="missing"):
        pretrained._load_words(tmp_path)
    (tmp_path / "id_words.safetensors").write_bytes(
        (pretrained.WORDS_DIR / "id_words.safetensors").read_bytes())
    (tmp_path / "id_words.vocab.txt").write_text("satu\ndua\n", "utf-8")
    with pytest.raises(ModelError, match="2 words for"):
        pretrained._load_words(tmp_path)
