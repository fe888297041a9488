"""Counting char_wb n-grams through the words of the texts, not the texts themselves.

scikit-learn's ``CountVectorizer(analyzer="char_wb")`` builds every n-gram of every word of
every document in Python and looks each one up in the vocabulary: scoring 8,600 items and
training on 4,000 spent ~7 s there (benchmarks/bench_fetch.py, ``run --once``). A char_wb
n-gram never crosses a word boundary, so a document's n-gram counts are the sum of its
words' n-gram counts:

    counts(texts) = D @ W

with ``D`` the document × distinct-word count matrix (one split per text) and ``W`` the
distinct-word × n-gram count matrix (each distinct word analysed once, by scikit-learn's
own analyzer). Words repeat heavily across headlines, so ``W`` is small and the product
runs in scipy's C code. The result is the same matrix, to the last count, as the
vectorizer's (``tests/test_ranking.py`` compares them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer


def _identity(text: str) -> str:
    return text


class CharWBCounter:
    """Stands in for ``CountVectorizer(analyzer="char_wb", lowercase=False)`` on texts that
    are already normalised: ``fit_transform``, ``transform``, ``vocabulary_`` and
    ``get_feature_names_out`` give the same results (features sorted, float32 counts).

    Only what the featuriser uses: ``fit_transform`` always learns a new vocabulary (one
    given to the constructor is for ``transform``), an empty corpus gives zero columns
    rather than an error, and a given vocabulary is not validated (the featuriser checks
    its own)."""

    def __init__(self, ngram_range: tuple[int, int],
                 vocabulary: dict[str, int] | None = None) -> None:
        self.ngram_range = ngram_range
        # scikit-learn's analyzer does the n-gram cutting, so the edge cases (words shorter
        # than n, the padding spaces) are exactly its own.
        self._analyze = CountVectorizer(preprocessor=_identity, lowercase=False,
                                        analyzer="char_wb",
                                        ngram_range=ngram_range).build_analyzer()
        self.vocabulary_: dict[str, int] = dict(vocabulary or {})

    def get_feature_names_out(self) -> np.ndarray:
        names = sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)
        return np.asarray(names, dtype=object)

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Learn the vocabulary (every n-gram seen, sorted) and return the counts."""
        d, words = self._doc_words(texts)
        vocab: dict[str, int] = {}
        w = self._word_grams(words, vocab, grow=True)
        # Re-number the columns in sorted order, as CountVectorizer does.
        names = sorted(vocab)
        order = np.empty(len(names), dtype=np.int64)
        for new, name in enumerate(names):
            order[vocab[name]] = new
        w = sp.csr_matrix((w.data, order[w.indices], w.indptr), shape=w.shape)
        # Every n-gram of the stream before pruning: one dict of them at a time (memory).
        del vocab
        self.vocabulary_ = {name: i for i, name in enumerate(names)}
        return self._product(d, w)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Counts of the known n-grams (unknown ones are ignored)."""
        d, words = self._doc_words(texts)
        return self._product(d, self._word_grams(words, self.vocabulary_, grow=False))

    @staticmethod
    def _doc_words(texts: Iterable[str]) -> tuple[sp.csr_matrix, list[str]]:
        # str.split() is the analyzer's own word split (any run of whitespace).
        column: dict[str, int] = {}
        indices: list[int] = []
        indptr = [0]
        for text in texts:
            for word in text.split():
                indices.append(column.setdefault(word, len(column)))
            indptr.append(len(indices))
        d = sp.csr_matrix((np.ones(len(indices), dtype=np.float32),
                           np.asarray(indices, dtype=np.int32),
                           np.asarray(indptr, dtype=np.int64)),
                          shape=(len(indptr) - 1, len(column)))
        d.sum_duplicates()
        return d, list(column)

    def _word_grams(self, words: Sequence[str], vocab: dict[str, int], *,
                    grow: bool) -> sp.csr_matrix:
        indices: list[int] = []
        indptr = [0]
        analyze = self._analyze
        if grow:
            for word in words:
                indices.extend(vocab.setdefault(g, len(vocab)) for g in analyze(word))
                indptr.append(len(indices))
        else:
            get = vocab.get
            for word in words:
                indices.extend(j for j in map(get, analyze(word)) if j is not None)
                indptr.append(len(indices))
        w = sp.csr_matrix((np.ones(len(indices), dtype=np.float32),
                           np.asarray(indices, dtype=np.int64),
                           np.asarray(indptr, dtype=np.int64)),
                          shape=(len(words), len(vocab)))
        w.sum_duplicates()
        return w

    def _product(self, d: sp.csr_matrix, w: sp.csr_matrix) -> sp.csr_matrix:
        if d.shape[1] == 0:  # no words at all: scipy cannot multiply a zero-width matrix
            return sp.csr_matrix((d.shape[0], len(self.vocabulary_)), dtype=np.float32)
        out = sp.csr_matrix(d @ w, dtype=np.float32)
        out.sort_indices()
        return out
