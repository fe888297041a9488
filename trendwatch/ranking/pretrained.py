"""Pretrained knowledge that ships inside a package: static word and token vectors.

Cold start has only the config's seeds; a TF-IDF model knows nothing about a word the
seeds do not contain. Static vectors do: "box office" lands near "film", "pertandingan"
near "laga" and "liga", without any label. Two sets ship, nothing is downloaded at
install or at run time:

* **English** (and other languages the Llama-2 vocabulary knows): the 256-d embeddings of
  the 32,000 Llama-2 tokens inside the ``wordllama`` wheel (a safetensors file + the
  tokenizer's JSON). We read those files ourselves (no pickle, no wordllama loader, which
  would look for a download cache) and keep the first 128 dimensions: the vectors are
  matryoshka-trained, and 128 dims score as 256 do (zero-shot macro-F1 on BBC News 0.890
  vs 0.896, ``benchmarks/bench_vectors.py``) at half the memory. The weights are
  memory-mapped: only the rows a text uses are ever read.
* **Indonesian**: 128-d word vectors (PPMI + truncated SVD over word co-occurrence in the
  IndoNLU corpus, Apache-2.0, and IndoSum news articles, CC BY-SA 4.0: 2.1 M tokens; the
  vector files are CC BY-SA 4.0 as an adaptation of IndoSum) shipped in
  ``trendwatch/data/vectors/`` and built by ``scripts/build_id_vectors.py`` (provenance
  in ``id_words.json``). Zero-shot on the Detik titles: 0.68 macro-F1 (IndoNLU alone:
  0.61 on the same run), where the English-centric token vectors reach 0.26.

The embedder :data:`NAME` concatenates both blocks, each weighted per text by how well
its vectors know the text's language (:func:`language_fit` for the token block from how
finely the tokenizer splits the words; the share of words the Indonesian vocabulary knows
for the word block, only where the token block does not fit). A model records the
embedder's name and a sha256 of its weights; a model file naming an embedder this install
does not have (or other weights) is refused with a clear
:class:`~trendwatch.errors.ModelError`, and the daemon retrains. Models trained with the
earlier 256-d token-only embedder (:data:`LEGACY_NAME`) still load.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from ..errors import ModelError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tokenizers import Tokenizer

#: The embedder models are trained with (model metadata ``pretrained``).
NAME = "wordllama128+id-words128"
#: The 0.2 embedder (token vectors only, all 256 dims): models naming it still load.
LEGACY_NAME = "wordllama-l2-supercat-256"
#: Dimensions of the token vectors kept by :data:`NAME` (matryoshka prefix).
TOKEN_DIMS = 128
_WEIGHTS = ("weights", "l2_supercat_256.safetensors")
_TOKENIZER = ("tokenizers", "l2_supercat_tokenizer_config.json")
#: The Indonesian word vectors shipped with trendwatch.
WORDS_DIR = Path(__file__).resolve().parent.parent / "data" / "vectors"
_WORDS = "id_words.safetensors"
_WORDS_VOCAB = "id_words.vocab.txt"

#: Words as the Indonesian vectors were built (scripts/build_id_vectors.py: same rule).
_WORD = re.compile(r"[a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*|[0-9]+[a-z]+[a-z0-9]*")


@dataclass(frozen=True)
class TokenVectors:
    """Token vectors + the tokenizer that maps text to token ids."""

    tokenizer: Tokenizer
    vectors: np.ndarray  # (vocab, dim) float16, memory-mapped from the wheel's file

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def embed(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Unit-length mean token vector per text (zeros for a text with no token) and the
        text's tokens per word."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        lengths = np.zeros(len(texts), dtype=np.int64)
        # In chunks: the tokenizer's Encoding objects (ids, offsets, token strings) of
        # 4,000 items cost ~40 MB at once; 256 at a time keep that transient small.
        for start in range(0, len(texts), _CHUNK):
            part = list(texts[start:start + _CHUNK])
            ids = [e.ids for e in self.tokenizer.encode_batch(part, add_special_tokens=False)]
            n = np.array([len(i) for i in ids], dtype=np.int64)
            lengths[start:start + len(part)] = n
            cols = np.fromiter((i for row in ids for i in row), dtype=np.int64,
                               count=int(n.sum()))
            del ids
            used, inverse = np.unique(cols, return_inverse=True)
            rows = np.repeat(np.arange(len(part)), n)
            counts = sp.csr_matrix((np.ones(len(cols), dtype=np.float32), (rows, inverse)),
                                   shape=(len(part), len(used)))
            # float32 copies of the used rows only (the file is memory-mapped)
            out[start:start + len(part)] = counts @ self.vectors[used].astype(np.float32)
        _unit(out)
        words = np.array([max(1, len(t.split())) for t in texts])
        return out, lengths / words


@dataclass(frozen=True)
class WordVectors:
    """Whole-word vectors (the Indonesian block): a vocabulary, its vectors and a weight
    per word that plays the part of an idf (rarer words weigh more)."""

    index: dict[str, int]
    vectors: np.ndarray  # (words, dim) float16, rows in order of corpus frequency

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def embed(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Unit-length weighted mean word vector per text and the share of its words the
        vocabulary knows."""
        known = np.zeros(len(texts))
        rows: list[int] = []
        cols: list[int] = []
        seen: dict[str, tuple[int, ...]] = {}  # a stream repeats its words
        for i, text in enumerate(texts):
            words = _WORD.findall(text.lower())
            hits = 0
            for w in words:
                found = seen.get(w)
                if found is None:
                    found = seen[w] = self.lookup(w)
                if found:
                    hits += 1
                    rows += [i] * len(found)
                    cols += found
            known[i] = hits / len(words) if words else 0.0
        ids = np.array(cols, dtype=np.int64)
        used, inverse = np.unique(ids, return_inverse=True)
        # log of the frequency rank ≈ an idf: "yang", "di" (rank 0, 1) count ~0.
        weights = sp.csr_matrix((np.log1p(ids).astype(np.float32), (rows, inverse)),
                                shape=(len(texts), len(used)))
        out = np.asarray(weights @ self.vectors[used].astype(np.float32), dtype=np.float32)
        _unit(out)
        return out, known

    def lookup(self, word: str) -> tuple[int, ...]:
        """Rows for ``word``: itself, else the parts of a hyphenated word, else its stem
        after one common Indonesian suffix and/or prefix ("luncurkan" → "luncur",
        "senangnya" → "senang", "dibidik" → "bidik"); () when nothing is known."""
        if word in self.index:
            return (self.index[word],)
        if "-" in word:
            return tuple(j for part in word.split("-") for j in self.lookup(part))
        for stem in _stems(word):
            if stem in self.index:
                return (self.index[stem],)
        return ()


@dataclass(frozen=True)
class StaticEmbedder:
    """Text → one row of pretrained features (token block, then word block if any)."""

    name: str
    tokens: TokenVectors
    words: WordVectors | None
    sha256: str

    @property
    def dim(self) -> int:
        return self.tokens.dim + (self.words.dim if self.words is not None else 0)

    def embed(self, texts: Sequence[str], *, fit_weight: bool = False) -> np.ndarray:
        """``(len(texts), dim)`` float32, each row of length ≤ 1 (zeros for a text neither
        block knows). With ``fit_weight`` each block is scaled by how well its vectors know
        the text's language (:func:`language_fit`, :func:`word_fit`) and the row's length
        is the larger of the two fits; without, both blocks count equally."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        tok, tpw = self.tokens.embed(texts)
        if self.words is None:
            if fit_weight:
                tok *= language_fit(tpw)[:, None].astype(np.float32)
            return tok
        wrd, known = self.words.embed(texts)
        if fit_weight:
            a = language_fit(tpw)
            b = word_fit(known) * (1.0 - a)  # the word block fills in where tokens fail
        else:
            a = np.ones(len(texts))
            b = np.ones(len(texts))
        scale = np.maximum(a, b) / np.maximum(np.sqrt(a * a + b * b), 1e-9)
        out = np.hstack([tok * (a * scale)[:, None].astype(np.float32),
                         wrd * (b * scale)[:, None].astype(np.float32)])
        return out


_CHUNK = 256
_SUFFIXES = ("nya", "kan", "lah", "kah", "an", "i")
_PREFIXES = ("meng", "meny", "mem", "men", "me", "ber", "ter", "di", "ke", "se", "per", "pe")


def _stems(word: str) -> list[str]:
    """Candidate stems of an Indonesian word, most conservative first (no dictionary:
    a candidate counts only if the vocabulary knows it)."""
    bases = [word[: -len(suf)] for suf in _SUFFIXES if word.endswith(suf)]
    out = bases + [b[len(pre):] for b in (word, *bases) for pre in _PREFIXES
                   if b.startswith(pre)]
    return [s for s in out if len(s) >= 3]


def _unit(rows: np.ndarray) -> None:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    rows /= norms


#: Tokens per word at or below which the token vectors count fully, and at or above which
#: they do not count: the Llama-2 tokenizer splits English headlines into ~1.5 tokens a
#: word (median, BBC News titles) and Indonesian ones into ~2.4 (Detik titles), where the
#: English-centric vectors mostly mislead (measured in benchmarks/bench_public.py).
FULL_FIT_TPW = 1.7
NO_FIT_TPW = 2.3
#: Share of a text's words the Indonesian vocabulary knows at or below which the word
#: block does not count, and at or above which it counts fully (Detik titles: median
#: 0.88, 5th percentile 0.60).
NO_FIT_KNOWN = 0.5
FULL_FIT_KNOWN = 0.8


def language_fit(tokens_per_word: np.ndarray) -> np.ndarray:
    """How far to trust the token embedding of a text, from how finely the tokenizer had
    to split its words (1 = a language the vectors know well, 0 = one they barely know): a
    cheap, per-item language weight with no language detector."""
    tpw = np.asarray(tokens_per_word, dtype=np.float64)
    return np.clip((NO_FIT_TPW - tpw) / (NO_FIT_TPW - FULL_FIT_TPW), 0.0, 1.0)


def word_fit(known_share: np.ndarray) -> np.ndarray:
    """How far to trust the word-vector embedding of a text, from the share of its words
    the vocabulary knows."""
    known = np.asarray(known_share, dtype=np.float64)
    return np.clip((known - NO_FIT_KNOWN) / (FULL_FIT_KNOWN - NO_FIT_KNOWN), 0.0, 1.0)


def _package_dir() -> Path | None:
    """The installed ``wordllama`` folder, found without importing the package (its
    ``__init__`` pulls in its own loader and ~20 MB of imports we do not use)."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def available() -> bool:
    """Whether the package with the shipped token embeddings is installed (the
    Indonesian word vectors ship with trendwatch itself)."""
    root = _package_dir()
    return root is not None and root.joinpath(*_WEIGHTS).is_file()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:  # streamed: a weights file is never held in memory
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _mmap_tensor(path: Path, key: str) -> np.ndarray:
    """A float16 tensor of a safetensors file, memory-mapped read-only (no copy: pages are
    read when a row is used). The format is a little-endian u64 header length, a JSON
    header with dtype, shape and byte offsets, then the raw data."""
    with path.open("rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    info = header.get(key)
    if not isinstance(info, dict) or info.get("dtype") != "F16":
        raise ModelError(f"{path.name}: no float16 tensor {key!r} in the file")
    start, end = info["data_offsets"]
    shape = tuple(int(d) for d in info["shape"])
    if end - start != 2 * int(np.prod(shape)):
        raise ModelError(f"{path.name}: tensor {key!r} has the wrong size")
    return np.memmap(path, dtype="<f2", mode="r", offset=8 + n + start, shape=shape)


def _load_tokens(dims: int) -> tuple[TokenVectors, str]:
    # Rayon's thread pool buys nothing on a 1–2 core server and costs ~10 MB of arenas.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from tokenizers import Tokenizer

    root = _package_dir()
    assert root is not None  # available() said so
    weights = root.joinpath(*_WEIGHTS)
    vectors = _mmap_tensor(weights, "embedding.weight")[:, :dims]
    tokenizer = Tokenizer.from_str(root.joinpath(*_TOKENIZER).read_text("utf-8"))
    return TokenVectors(tokenizer, vectors), _sha256(weights)


def _load_words(folder: Path = WORDS_DIR) -> tuple[WordVectors, str]:
    weights = folder / _WORDS
    vocab_path = folder / _WORDS_VOCAB
    if not (weights.is_file() and vocab_path.is_file()):
        raise ModelError(f"the Indonesian word vectors are missing from {folder} (a broken "
                         "install: reinstall trendwatch)")
    vectors = _mmap_tensor(weights, "vectors")
    vocab = vocab_path.read_text("utf-8").split("\n")
    if vocab and vocab[-1] == "":
        vocab.pop()
    if len(vocab) != vectors.shape[0]:
        raise ModelError(f"{vocab_path.name} has {len(vocab)} words for "
                         f"{vectors.shape[0]} vectors")
    digest = hashlib.sha256(_sha256(weights).encode() + vocab_path.read_bytes()).hexdigest()
    return WordVectors({w: i for i, w in enumerate(vocab)}, vectors), digest


@cache
def load(name: str = NAME) -> StaticEmbedder:
    """The shipped embedder ``name`` (loaded once per process). ModelError when it is not
    installed or unknown."""
    if name not in (NAME, LEGACY_NAME):
        raise ModelError(f"unknown pretrained embeddings {name!r} (this trendwatch knows "
                         f"{NAME!r} and {LEGACY_NAME!r})")
    if not available():
        raise ModelError(f"pretrained embeddings {name!r} need the 'wordllama' package "
                         "(pip install wordllama), which is not installed")
    if name == LEGACY_NAME:
        tokens, sha = _load_tokens(256)
        return StaticEmbedder(name, tokens, None, sha)
    tokens, token_sha = _load_tokens(TOKEN_DIMS)
    words, words_sha = _load_words()
    sha = hashlib.sha256(f"{token_sha}:{TOKEN_DIMS}:{words_sha}".encode()).hexdigest()
    return StaticEmbedder(name, tokens, words, sha)
