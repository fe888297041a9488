"""The stand-ins that replace a library's slow or heavy path must give its results: char
and word n-gram counting (vs scikit-learn's CountVectorizer, exactly), the softmax
regression (vs scikit-learn's LogisticRegression, same predictions) and the buffered SAX
driver (vs feedparser's stock expat reader, exactly)."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

import trendwatch.feeds  # noqa: F401  (installs the driver)
from trendwatch.ranking.char_ngrams import CharWBCounter
from trendwatch.ranking.classifier import CHAR_NGRAMS, WORD_NGRAMS, Featuriser
from trendwatch.ranking.softmax import fit_softmax
from trendwatch.ranking.word_ngrams import WordCounter
from trendwatch.sax_driver import BufferedExpatParser

TEXTS = [
    "film horor lokal tembus dua juta penonton",
    "",
    "   ",
    "a",
    "ab  cd\t\tef\nghi",            # runs of mixed whitespace
    "kampanye iklan | brand kopi lokal",
    "bioskop bioskop bioskop",        # repeated word: counts add up
    "é ü ñ 日本語 x",                    # non-ASCII
    "sinematografi" * 20,             # one very long word
    "x y z",                           # words shorter than every n
]


def _reference(vocabulary=None) -> CountVectorizer:
    return CountVectorizer(preprocessor=lambda t: t, lowercase=False, analyzer="char_wb",
                           ngram_range=CHAR_NGRAMS, vocabulary=vocabulary, dtype=np.float32)


def _same(a, b) -> None:
    assert a.shape == b.shape and a.dtype == b.dtype
    assert (a != b).nnz == 0


def test_char_counts_equal_scikit_learns_when_fitting():
    ref, ours = _reference(), CharWBCounter(CHAR_NGRAMS)
    expected, got = ref.fit_transform(TEXTS), ours.fit_transform(TEXTS)
    assert list(ours.get_feature_names_out()) == list(ref.get_feature_names_out())
    assert ours.vocabulary_ == ref.vocabulary_
    _same(got, expected)
    assert got.has_sorted_indices


def test_char_counts_equal_scikit_learns_with_a_fixed_vocabulary():
    fitted = _reference().fit(TEXTS[:6])
    unseen = ["penonton baru", "tak dikenal sama sekali", "", "film"]
    _same(CharWBCounter(CHAR_NGRAMS, fitted.vocabulary_).transform(TEXTS + unseen),
          _reference(fitted.vocabulary_).transform(TEXTS + unseen))


def test_char_counts_of_nothing():
    ours = CharWBCounter(CHAR_NGRAMS, {"fi": 0})
    assert ours.transform(["", "  "]).shape == (2, 1)
    assert ours.transform(["", "  "]).nnz == 0
    assert ours.transform([]).shape == (0, 1)


def _word_reference(vocabulary=None) -> CountVectorizer:
    return CountVectorizer(preprocessor=lambda t: t, lowercase=False, ngram_range=WORD_NGRAMS,
                           token_pattern=r"(?u)\b\w\w+\b", vocabulary=vocabulary,
                           dtype=np.float32)


WORD_TEXTS = [*TEXTS, "film film film horor", "a b c", "satu", "it's a co-op: x-ray 2024 ok",
              "sinematografi sinematografer  sinematografi"]


def test_word_counts_equal_scikit_learns_when_fitting():
    ref, ours = _word_reference(), WordCounter(WORD_NGRAMS)
    expected, got = ref.fit_transform(WORD_TEXTS), ours.fit_transform(WORD_TEXTS)
    assert list(ours.get_feature_names_out()) == list(ref.get_feature_names_out())
    assert ours.vocabulary_ == ref.vocabulary_
    _same(got, expected)
    assert got.has_sorted_indices


def test_word_counts_equal_scikit_learns_with_a_fixed_vocabulary():
    fitted = _word_reference().fit(WORD_TEXTS[:7])
    unseen = ["penonton baru film", "tak dikenal", "", "film horor lokal"]
    _same(WordCounter(WORD_NGRAMS, fitted.vocabulary_).transform(WORD_TEXTS + unseen),
          _word_reference(fitted.vocabulary_).transform(WORD_TEXTS + unseen))


@pytest.mark.parametrize("n_classes", [2, 4])
def test_softmax_predicts_like_scikit_learns_logistic_regression(n_classes):
    # Real eval headlines, the featuriser's own matrix, weighted rows as in training.
    rows = [json.loads(line) for line in (Path(__file__).resolve().parent.parent /
            "benchmarks" / "eval_data" / "pool.jsonl").read_text("utf-8").splitlines()]
    themes = sorted({r["theme"] or "_off" for r in rows})[:n_classes]
    rows = [r for r in rows if (r["theme"] or "_off") in themes]
    _, x = Featuriser.fit([r["title"].lower() for r in rows], [True] * len(rows))
    y = np.array([themes.index(r["theme"] or "_off") for r in rows])
    w = np.where(np.arange(len(rows)) % 3 == 0, 3.0, 0.5)
    ref = LogisticRegression(C=10.0, max_iter=1000, tol=1e-6).fit(x, y, sample_weight=w)
    # A binary scikit-learn model equals a softmax with half the C (see _fit_linear).
    coef, intercept = fit_softmax(x, y, w, n_classes, C=10.0 if n_classes > 2 else 5.0,
                                  tol=1e-6, max_iter=1000)
    ours = np.asarray(x @ coef.T) + intercept
    assert (ours.argmax(axis=1) == ref.predict(x)).mean() >= 0.99
    ref_scores = ref.decision_function(x)
    ref_margin = ref_scores if n_classes == 2 else ref_scores - ref_scores.mean(axis=1,
                                                                                keepdims=True)
    our_margin = ours[:, 1] - ours[:, 0] if n_classes == 2 else ours - ours.mean(
        axis=1, keepdims=True)
    assert np.abs(our_margin - ref_margin).max() < 0.05


XML_FIXTURES = sorted(p for p in (Path(__file__).parent / "fixtures").rglob("*.xml"))


@pytest.mark.parametrize("path", XML_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_buffered_sax_driver_parses_every_fixture_exactly_like_feedparser(path):
    drivers = feedparser.api.PREFERRED_XML_PARSERS
    assert drivers[0] == "trendwatch.sax_driver"
    body = path.read_bytes()
    headers = {"content-type": "application/xml"}
    ours = feedparser.parse(body, response_headers=headers, sanitize_html=False,
                            resolve_relative_uris=False)
    saved = list(drivers)
    drivers.remove("trendwatch.sax_driver")
    try:
        stock = feedparser.parse(body, response_headers=headers, sanitize_html=False,
                                 resolve_relative_uris=False)
    finally:
        drivers[:] = saved
    assert ours.entries == stock.entries
    assert ours.feed == stock.feed
    assert (ours.version, ours.bozo, ours.encoding) == (stock.version, stock.bozo,
                                                        stock.encoding)


def test_the_driver_is_the_one_feedparser_builds():
    import xml.sax

    parser = xml.sax.make_parser(feedparser.api.PREFERRED_XML_PARSERS)
    assert isinstance(parser, BufferedExpatParser)
    # external entities stay off, as feedparser asks of any driver
    parser.setFeature(xml.sax.handler.feature_external_ges, 0)
    assert parser.getFeature(xml.sax.handler.feature_external_ges) == 0
