"""The two speed-ups that replace a library's slow path must give exactly its results:
char n-gram counting (vs scikit-learn's CountVectorizer) and the buffered SAX driver (vs
feedparser's stock expat reader)."""

from __future__ import annotations

from pathlib import Path

import feedparser
import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer

import trendwatch.parse.feeds  # noqa: F401  (installs the driver)
from trendwatch.parse.sax_driver import BufferedExpatParser
from trendwatch.ranking.char_ngrams import CharWBCounter
from trendwatch.ranking.features import CHAR_NGRAMS

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


XML_FIXTURES = sorted(p for p in (Path(__file__).parent / "fixtures").rglob("*.xml"))


@pytest.mark.parametrize("path", XML_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_buffered_sax_driver_parses_every_fixture_exactly_like_feedparser(path):
    drivers = feedparser.api.PREFERRED_XML_PARSERS
    assert drivers[0] == "trendwatch.parse.sax_driver"
    body = path.read_bytes()
    headers = {"content-type": "application/xml"}
    ours = feedparser.parse(body, response_headers=headers, sanitize_html=False,
                            resolve_relative_uris=False)
    saved = list(drivers)
    drivers.remove("trendwatch.parse.sax_driver")
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
