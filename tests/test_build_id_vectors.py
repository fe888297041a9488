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
