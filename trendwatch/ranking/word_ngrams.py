"""Counting word 1–2-grams without scikit-learn.

Stands in for ``CountVectorizer(lowercase=False, token_pattern=r"(?u)\\b\\w\\w+\\b",
ngram_range=(1, 2), dtype=np.float32)`` on texts that are already normalised: the same
tokens, the same n-grams, the same sorted vocabulary and the same matrix
(``tests/test_fast_paths.py`` compares them). Importing scikit-learn costs ~46 MB of
the ranking process's memory for two small jobs (this and the logistic regression,
:mod:`.softmax`): the process has to stay ≤ 250 MB on a small server.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

#: scikit-learn's default token pattern: runs of 2+ word characters.
TOKEN = re.compile(r"(?u)\b\w\w+\b")


def word_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    """The text's tokens and their n-grams (joined by one space), in scikit-learn's order:
    all unigrams first, then bigrams..."""
    tokens = TOKEN.findall(text)
    lo, hi = ngram_range
    out = list(tokens) if lo == 1 else []
    for n in range(max(lo, 2), min(hi, len(tokens)) + 1):
        out.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return out


class WordCounter:
    """``fit_transform``, ``transform``, ``vocabulary_`` and ``get_feature_names_out`` of
    a word n-gram ``CountVectorizer`` (features sorted, float32 counts, sorted indices).
    ``fit_transform`` always learns a new vocabulary (one given to the constructor is for
    ``transform``); an empty corpus gives zero columns rather than an error."""

    def __init__(self, ngram_range: tuple[int, int],
                 vocabulary: dict[str, int] | None = None) -> None:
        self.ngram_range = ngram_range
        self.vocabulary_: dict[str, int] = dict(vocabulary or {})

    def get_feature_names_out(self) -> np.ndarray:
        names = sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)
        return np.asarray(names, dtype=object)

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        vocab: dict[str, int] = {}
        x = self._count(texts, vocab, grow=True)
        names = sorted(vocab)
        order = np.empty(len(names), dtype=np.int64)
        for new, name in enumerate(names):
            order[vocab[name]] = new
        self.vocabulary_ = {name: i for i, name in enumerate(names)}
        x = sp.csr_matrix((x.data, order[x.indices].astype(np.int32), x.indptr),
                          shape=x.shape)
        x.sort_indices()
        return x

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        x = self._count(texts, self.vocabulary_, grow=False)
        x.sort_indices()
        return x

    def _count(self, texts: Iterable[str], vocab: dict[str, int], *,
               grow: bool) -> sp.csr_matrix:
        indices: list[int] = []
        indptr = [0]
        rng = self.ngram_range
        if grow:
            for text in texts:
                indices.extend(vocab.setdefault(g, len(vocab)) for g in word_ngrams(text, rng))
                indptr.append(len(indices))
        else:
            get = vocab.get
            for text in texts:
                indices.extend(j for j in map(get, word_ngrams(text, rng)) if j is not None)
                indptr.append(len(indices))
        x = sp.csr_matrix((np.ones(len(indices), dtype=np.float32),
                           np.asarray(indices, dtype=np.int32),
                           np.asarray(indptr, dtype=np.int64)),
                          shape=(len(indptr) - 1, len(vocab)))
        x.sum_duplicates()
        return x
