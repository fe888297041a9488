"""Pretrained knowledge that ships inside a package: static token embeddings.

Cold start has only the config's seeds; a TF-IDF model knows nothing about a word the
seeds do not contain. Static embeddings do: "box office" lands near "film" without any
label. ``wordllama`` (PyPI) ships 256-d embeddings of the 32,000 Llama-2 tokens inside its
wheel (a 16 MB safetensors file and the tokenizer's JSON): nothing is downloaded, at
install or at run time. We read those two files ourselves (safetensors + tokenizers, no
pickle, no wordllama loader, which would look for a download cache) and embed a text as
the L2-normalised mean of its token vectors, as wordllama does.

Measured (``benchmarks/bench_public.py``): a large gain on English; Indonesian gains less
(the embeddings are English-centric). A model records the embedder's name and the sha256
of its weights in its metadata; a model file naming an embedder this install does not have
(or other weights) is refused with a clear :class:`~trendwatch.errors.ModelError`, and
the daemon retrains.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
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
NAME = "wordllama-l2-supercat-256"
_WEIGHTS = ("weights", "l2_supercat_256.safetensors")
_TOKENIZER = ("tokenizers", "l2_supercat_tokenizer_config.json")


@dataclass(frozen=True)
class StaticEmbedder:
    """Token vectors + the tokenizer that maps text to token ids."""

    name: str
    tokenizer: Tokenizer
    vectors: np.ndarray  # (vocab, dim) float16 as shipped (half the memory of float32)
    sha256: str

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def embed(self, texts: Sequence[str], *, fit_weight: bool = False) -> np.ndarray:
        """``(len(texts), dim)`` float32: the L2-normalised mean token vector of each text
        (zeros for a text with no token). With ``fit_weight`` each row is scaled by
        :func:`language_fit` of its text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        lengths = np.array([len(e.ids) for e in encodings])
        cols = np.fromiter((i for e in encodings for i in e.ids), dtype=np.int64,
                           count=int(lengths.sum()))
        rows = np.repeat(np.arange(len(texts)), lengths)
        counts = sp.csr_matrix((np.ones(len(cols), dtype=np.float32), (rows, cols)),
                               shape=(len(texts), self.vectors.shape[0]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), 1000):  # float32 copies of the used rows only
            part = counts[start:start + 1000]
            used = np.unique(part.indices)
            out[start:start + 1000] = part[:, used] @ self.vectors[used].astype(np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        out /= norms
        if fit_weight:
            words = np.array([max(1, len(t.split())) for t in texts])
            out *= language_fit(lengths / words)[:, None].astype(np.float32)
        return out


#: Tokens per word at or below which the embeddings count fully, and at or above which
#: they do not count: the Llama-2 tokenizer splits English headlines into ~1.5 tokens a
#: word (median, BBC News titles) and Indonesian ones into ~2.4 (Detik titles), where the
#: English-centric vectors mostly mislead (measured in benchmarks/bench_public.py).
FULL_FIT_TPW = 1.7
NO_FIT_TPW = 2.3


def language_fit(tokens_per_word: np.ndarray) -> np.ndarray:
    """How far to trust the embedding of a text, from how finely the tokenizer had to split
    its words (1 = a language the vectors know well, 0 = one they barely know): a cheap,
    per-item language weight with no language detector."""
    tpw = np.asarray(tokens_per_word, dtype=np.float64)
    return np.clip((NO_FIT_TPW - tpw) / (NO_FIT_TPW - FULL_FIT_TPW), 0.0, 1.0)


def _package_dir() -> Path | None:
    """The installed ``wordllama`` folder, found without importing the package (its
    ``__init__`` pulls in its own loader and ~20 MB of imports we do not use)."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def available() -> bool:
    """Whether the package with the shipped embeddings is installed."""
    root = _package_dir()
    return root is not None and root.joinpath(*_WEIGHTS).is_file()


@cache
def load(name: str = NAME) -> StaticEmbedder:
    """The shipped embedder ``name`` (loaded once per process). ModelError when it is not
    installed or unknown."""
    if name != NAME:
        raise ModelError(f"unknown pretrained embeddings {name!r} (this trendwatch knows "
                         f"{NAME!r})")
    if not available():
        raise ModelError(f"pretrained embeddings {name!r} need the 'wordllama' package "
                         "(pip install wordllama), which is not installed")
    # Rayon's thread pool buys nothing on a 1–2 core server and costs ~10 MB of arenas.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from safetensors import safe_open
    from tokenizers import Tokenizer

    root = _package_dir()
    assert root is not None  # available() said so
    weights = root.joinpath(*_WEIGHTS)
    digest = hashlib.sha256()
    with weights.open("rb") as f:  # streamed: the 16 MB file is never held twice
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    # Plain tensors: no code runs while reading them (unlike a pickle).
    with safe_open(str(weights), framework="numpy") as st:
        if "embedding.weight" not in st.keys():  # noqa: SIM118 (safe_open is no dict)
            raise ModelError(f"pretrained embeddings {name!r}: no embedding.weight in the "
                             "file")
        vectors = np.ascontiguousarray(st.get_tensor("embedding.weight"), dtype=np.float16)
    tokenizer = Tokenizer.from_str(root.joinpath(*_TOKENIZER).read_text("utf-8"))
    return StaticEmbedder(name, tokenizer, vectors, digest.hexdigest())
