"""The classifier's features: sublinear TF-IDF over word and char n-grams, optionally
followed by pretrained embeddings (:class:`Featuriser`).

Imports scikit-learn (its ``CountVectorizer`` counts the word n-grams).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from .char_ngrams import CharWBCounter
from .pretrained import StaticEmbedder

#: Feature extraction settings; part of a stored model's metadata.
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)


def _identity(text: str) -> str:
    return text


def _word_vectorizer(vocabulary: dict[str, int] | None = None) -> CountVectorizer:
    # Texts arrive normalised (once, for both vectorizers); the pattern keeps 2+ letter words.
    return CountVectorizer(preprocessor=_identity, lowercase=False, ngram_range=WORD_NGRAMS,
                           token_pattern=r"(?u)\b\w\w+\b", vocabulary=vocabulary,
                           dtype=np.float32)


def _char_vectorizer(vocabulary: dict[str, int] | None = None) -> CharWBCounter:
    # char_wb: n-grams inside word boundaries, which match across Indonesian affixes
    # ("sinematografi"/"sinematografer", "iklan"/"periklanan") and slang spellings.
    # Counted per distinct word (see char_ngrams): 8× faster than CountVectorizer, same matrix.
    return CharWBCounter(CHAR_NGRAMS, vocabulary)


class Featuriser:
    """Sublinear TF-IDF over word 1–2-grams and char_wb 2–5-grams, each block L2-normalised,
    optionally followed by the text's pretrained embedding (:mod:`.pretrained`) scaled by
    ``dense_weight``.

    Its whole fitted state is two term lists and an idf vector (the embeddings ship in a
    package), which is what lets a model be stored as plain arrays.
    """

    def __init__(self, word_terms: Sequence[str], char_terms: Sequence[str], idf: np.ndarray,
                 dense: StaticEmbedder | None = None, dense_weight: float = 0.0):
        self.dense = dense if dense_weight > 0 else None
        self.dense_weight = float(dense_weight) if self.dense is not None else 0.0
        self.word_terms = list(word_terms)
        self.char_terms = list(char_terms)
        self.idf = np.asarray(idf, dtype=np.float32)
        if len(self.idf) != len(self.word_terms) + len(self.char_terms):
            raise ValueError("idf length does not match the vocabulary")
        word_vocab = {t: i for i, t in enumerate(self.word_terms)}
        char_vocab = {t: i for i, t in enumerate(self.char_terms)}
        if len(word_vocab) != len(self.word_terms) or len(char_vocab) != len(self.char_terms):
            raise ValueError("the vocabulary has duplicate terms")
        self._word = _word_vectorizer(word_vocab)
        self._char = _char_vectorizer(char_vocab)

    @property
    def n_word(self) -> int:
        return len(self.word_terms)

    @property
    def n_sparse(self) -> int:
        """Columns of the n-gram blocks (the pretrained columns follow them)."""
        return len(self.idf)

    @property
    def n_features(self) -> int:
        return len(self.idf) + (self.dense.dim if self.dense is not None else 0)

    def with_dense(self, texts: Sequence[str], x: sp.csr_matrix) -> sp.csr_matrix:
        """``x`` (the n-gram columns of ``texts``) with the pretrained columns appended."""
        if self.dense is None:
            return x
        emb = self.dense.embed(texts, fit_weight=True)
        emb *= np.float32(self.dense_weight)
        return _append_dense(sp.csr_matrix(x, dtype=np.float32), emb)

    @classmethod
    def fit(cls, texts: Sequence[str], keep_docs: Sequence[bool], *, min_df: int = 2,
            max_features: int = 150_000, vocab_sample: int = 2000,
            dense: StaticEmbedder | None = None, dense_weight: float = 0.0,
            ) -> tuple[Featuriser, sp.csr_matrix]:
        """Learn the vocabulary and idf from ``texts`` (already normalised by
        :func:`~.text.normalise`);
        return it and their matrix.

        A term is kept when it occurs in ``min_df`` documents, or in any document flagged in
        ``keep_docs`` (seeds and labels: a keyword mentioned once must still count).

        The vocabulary is learnt from every flagged document plus at most ``vocab_sample``
        of the others, evenly spread. Counting every char n-gram of a large stream before
        pruning is what costs memory (benchmark corpus, 8,000 items: peak RSS 495 MB before,
        ~255 MB after), and the terms a sample misses are the rare ones ``min_df`` would
        mostly drop anyway. All texts are then transformed with the fixed vocabulary, in
        chunks.
        """
        flags = np.asarray(keep_docs, dtype=bool)
        others = np.flatnonzero(~flags)
        if len(others) > vocab_sample:
            picked = others[np.linspace(0, len(others) - 1, vocab_sample).round().astype(int)]
            rows = np.sort(np.concatenate([np.flatnonzero(flags), picked]))
            feat, _ = cls._fit_all([texts[i] for i in rows], flags[rows], min_df=min_df,
                                   max_features=max_features)
        else:
            feat, x = cls._fit_all(texts, flags, min_df=min_df, max_features=max_features)
        feat = cls(feat.word_terms, feat.char_terms, feat.idf, dense, dense_weight)
        if len(others) > vocab_sample:
            return feat, feat.transform(texts)
        return feat, feat.with_dense(texts, x)

    @classmethod
    def _fit_all(cls, texts: Sequence[str], keep_docs: Sequence[bool], *, min_df: int,
                 max_features: int) -> tuple[Featuriser, sp.csr_matrix]:
        word, char = _word_vectorizer(), _char_vectorizer()
        counts = sp.hstack([word.fit_transform(texts), char.fit_transform(texts)]).tocsr()
        # Document frequencies straight from the sparse structure (entries are unique per
        # row and column): a 0/1 copy of the whole count matrix was part of training's
        # memory peak.
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        keep_rows = np.flatnonzero(np.asarray(keep_docs, dtype=bool))
        in_kept = (np.bincount(counts[keep_rows].indices, minlength=counts.shape[1]) > 0
                   if len(keep_rows) else np.zeros(len(df), dtype=bool))
        keep = (df >= min_df) | in_kept
        if keep.sum() > max_features:
            # Drop the rarest stream-only terms first.
            order = np.argsort(-(df + in_kept * 1e9), kind="stable")
            keep = np.zeros(len(df), dtype=bool)
            keep[order[:max_features]] = True
        cols = np.flatnonzero(keep)
        names = np.concatenate([word.get_feature_names_out(), char.get_feature_names_out()])
        n_word_all = len(word.vocabulary_)
        word_cols = cols[cols < n_word_all]
        char_cols = cols[cols >= n_word_all]
        n_docs = counts.shape[0]
        idf = (np.log((1 + n_docs) / (1 + df[cols])) + 1).astype(np.float32)
        feat = cls(names[word_cols].tolist(), names[char_cols].tolist(), idf)
        return feat, feat._weight(counts[:, cols])

    def transform(self, texts: Sequence[str], chunk: int = 1000) -> sp.csr_matrix:
        """The feature matrix of texts already normalised by :func:`~.text.normalise`
        (in chunks, so the intermediate count matrices stay small)."""
        if len(texts) > chunk:
            return sp.vstack([self.transform(texts[i:i + chunk], chunk)
                              for i in range(0, len(texts), chunk)], format="csr")
        counts = sp.hstack([self._word.transform(texts), self._char.transform(texts)]).tocsr()
        return self.with_dense(texts, self._weight(counts))

    def _weight(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """TF-IDF weights of ``counts`` (a matrix the caller no longer needs: its arrays are
        reused when already float32, since a copy was part of training's memory peak)."""
        x = sp.csr_matrix(counts, dtype=np.float32, copy=False)
        np.log1p(x.data, out=x.data)  # sublinear tf
        x.data *= self.idf[x.indices]
        # L2-normalise the word and the char block separately (each to 1/sqrt(2)), so
        # neither drowns the other and the whole row still has unit length. float32 and
        # int32 temporaries: each is as long as the matrix's entries.
        rows = np.repeat(np.arange(x.shape[0], dtype=np.int32), np.diff(x.indptr))
        is_word = x.indices < self.n_word
        sq = np.square(x.data)
        n = x.shape[0]
        word_norm = np.sqrt(np.bincount(rows[is_word], weights=sq[is_word], minlength=n))
        char_norm = np.sqrt(np.bincount(rows[~is_word], weights=sq[~is_word], minlength=n))
        del sq
        scale = (np.where(word_norm > 0, word_norm, 1.0) * math.sqrt(2)).astype(np.float32)
        x.data[is_word] /= scale[rows[is_word]]
        scale = (np.where(char_norm > 0, char_norm, 1.0) * math.sqrt(2)).astype(np.float32)
        x.data[~is_word] /= scale[rows[~is_word]]
        return x


def _append_dense(x: sp.csr_matrix, dense: np.ndarray, block: int = 1024) -> sp.csr_matrix:
    """``[x | dense]`` as CSR, built directly: ``sp.hstack`` goes through COO, which
    costs several times the result's memory (measured: +80 MB at 4,000 items). Row r's
    sparse entries move ``r * d`` places on (each row before it gained ``d`` dense
    entries) and its dense entries follow them; the index arithmetic runs ``block`` rows
    at a time, so its temporaries stay small (all rows at once was the peak of a
    ``run --once`` ranking process: +47 MB at 2,000 items with summaries)."""
    n, d = dense.shape
    per_row = np.diff(x.indptr)
    indptr = x.indptr.astype(np.int64) + np.arange(n + 1, dtype=np.int64) * d
    data = np.empty(int(indptr[-1]), dtype=np.float32)
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    dense_cols = np.arange(x.shape[1], x.shape[1] + d, dtype=np.int32)
    for lo in range(0, n, block):
        hi = min(n, lo + block)
        first, last = int(x.indptr[lo]), int(x.indptr[hi])
        at = np.repeat(np.arange(lo, hi, dtype=np.int64) * d, per_row[lo:hi])
        at += np.arange(first, last, dtype=np.int64)
        data[at] = x.data[first:last]
        indices[at] = x.indices[first:last]
        dense_at = (indptr[lo:hi] + per_row[lo:hi])[:, None] + np.arange(d)
        data[dense_at] = dense[lo:hi]
        indices[dense_at] = dense_cols
    out = sp.csr_matrix((data, indices, indptr), shape=(n, x.shape[1] + d))
    out.eliminate_zeros()  # a block the text's language does not fit is all zeros
    return out
