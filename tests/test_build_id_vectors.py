"""The builder of the shipped Indonesian word vectors (scripts/build_id_vectors.py): what
it keeps away from the evaluation titles, how it reads IndoSum, that a file other than the
pinned one is refused, and the co-occurrence counts it starts from."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "build_id_vectors.py"


@pytest.fixture(scope="module")
def builder():
    spec = importlib.util.spec_from_file_location("build_id_vectors", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def test_sentences_equal_to_or_containing_an_eval_title_are_dropped(builder):
    f = builder.EvalFilter([builder.tokens("Sule Menikah Lagi, Ini Kata Rizky!"),
                            builder.tokens("Gosip")])
    assert f.match(builder.tokens("sule menikah lagi ini kata rizky")) == "equal"
    assert f.match(builder.tokens("Kabar: Sule menikah lagi, ini kata Rizky kemarin.")) \
        == "contains"
    # a run of whole words, not any substring, and the whole title
    assert f.match(builder.tokens("sule menikah lagi ini kata")) is None
    # a one-word title drops only a sentence that is exactly that word
    assert f.match(builder.tokens("gosip artis hari ini")) is None
    assert f.match(["gosip"]) == "equal"


def test_titles_of_every_present_eval_set_are_kept_away(builder, tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(json.dumps({"title": "Raffi Ahmad Beli Klub Bola", "label": "x"}) + "\n",
                     "utf-8")
    second.write_text(json.dumps({"title": "Harga Cabai Naik Lagi", "label": "y"}) + "\n\n",
                      "utf-8")
    f = builder.load_eval_filter([first, second, tmp_path / "absent.jsonl"])
    assert f.match(builder.tokens("Kabarnya Raffi Ahmad beli klub bola di Bandung")) \
        == "contains"
    assert f.match(builder.tokens("Harga cabai naik lagi.")) == "equal"
    assert f.match(builder.tokens("Harga cabai turun")) is None
    # both Detik sets are filtered when present
    assert {p.name for p in builder.EVAL_FILES} == {"detik_id.jsonl", "detik2020_id.jsonl"}


def test_ud_treebanks_and_line_files_give_their_sentences(builder):
    conllu = (b"# sent_id = csui-train-1\n# text = Menteri itu datang ke Jakarta.\n"
              b"# text_en = The minister came to Jakarta.\n1\tMenteri\tmenteri\tNOUN\n\n"
              b"# text = Harga naik.\n1\tHarga\n")
    assert builder.sentences(conllu, "conllu") == ["Menteri itu datang ke Jakarta.",
                                                   "Harga naik."]
    assert builder.sentences(b"Satu kalimat.\n\nDua kalimat.\n", "lines") == [
        "Satu kalimat.", "Dua kalimat."]


def test_every_extra_corpus_is_pinned_and_share_alike(builder):
    for key, corpus in builder.EXTRA.items():
        assert corpus.key == key and len(corpus.commit) == 40 and corpus.evidence
        assert {path for path, _ in corpus.files} == set(corpus.sha256)
        assert all(len(d) == 64 for d in corpus.sha256.values())
        assert corpus.licence.startswith("CC-BY-SA-")
    assert builder.vectors_licence(["indonlu", "ud-csui"]).startswith("CC-BY-SA-4.0")
    assert builder.vectors_licence(["indonlu"]).startswith("Apache-2.0")


def test_indosum_articles_become_one_sentence_each(builder):
    article = {"id": "1", "category": "showbiz", "source": "x", "source_url": "u",
               "summary": [["ringkas"]], "gold_labels": [[True, False]],
               "paragraphs": [[["Luna", "Maya", "syuting", "film", "."],
                               ["Film", "itu", "tayang", "besok", "."]],
                              [["Penonton", "senang", "."]]]}
    raw = (json.dumps(article) + "\n\n").encode()
    assert builder.sentences(raw, "indosum") == [
        "Luna Maya syuting film .", "Film itu tayang besok .", "Penonton senang ."]


def test_a_file_other_than_the_pinned_one_is_refused(builder, tmp_path):
    (tmp_path / "indosum").mkdir()
    good = b'{"paragraphs": [[["satu", "dua"]]]}\n'
    corpus = builder.Corpus("t", "x/y", "0" * 40, "CC0", "README", [("indosum/a.jsonl",
                            "indosum")], {"indosum/a.jsonl": hashlib.sha256(good).hexdigest()})
    (tmp_path / "indosum" / "a.jsonl").write_bytes(good)
    files: list[dict[str, object]] = []
    assert list(builder.read_corpus(corpus, tmp_path, files)) == ["satu dua"]
    assert files[0]["sha256"] == hashlib.sha256(good).hexdigest()
    (tmp_path / "indosum" / "a.jsonl").write_bytes(good.replace(b"dua", b"tiga"))
    with pytest.raises(SystemExit, match="not the pinned"):
        list(builder.read_corpus(corpus, tmp_path, []))


def test_cooccurrence_counts_weigh_by_distance_within_a_sentence(builder):
    index = {"a": 0, "b": 1}
    # "x" is unknown but still counts for distance; nothing crosses a sentence boundary
    m = builder.cooccurrence([["a", "b", "x", "a"], ["b"], ["a"]], index, window=3,
                             block=2).toarray()
    assert np.allclose(m, [[2 / 3, 1.5], [1.5, 0.0]])
