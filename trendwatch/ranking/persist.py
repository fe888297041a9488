"""Storing a trained model as plain arrays: one ``.npz`` file, no pickle anywhere.

A model file is something a user could replace (it sits next to the database), and
unpickling runs code. So the file holds only numeric and fixed-width string arrays, read
with ``allow_pickle=False``; the metadata is a JSON string inside it. Before loading, the
file's sha256 is compared with the one recorded in the ``models`` table. Every problem —
missing, truncated, tampered, another format version, another normaliser, themes that no
longer match the config — is a :class:`~trendwatch.errors.ModelError` with a sentence
saying which, and the caller retrains.

Layout (format ``trendwatch-model`` version :data:`FORMAT_VERSION`):

=============  ==========================  ===========================================
array          dtype / shape               content
=============  ==========================  ===========================================
``meta``       0-d unicode                 JSON: format, format_version, version, classes,
                                           word/char n-gram ranges, normaliser_version,
                                           themes, params, counts...
``word_terms`` unicode (n_word,)           word n-gram of feature column i
``char_terms`` unicode (n_char,)           char n-gram of feature column n_word + i
``idf``        float32 (n_features,)       inverse document frequencies
``coef``       float32 (n_classes, n_feat) logistic regression weights
``intercept``  float64 (n_classes,)        logistic regression intercepts
=============  ==========================  ===========================================
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ModelError
from ..parse.tokens import NORMALISER_VERSION

if TYPE_CHECKING:
    from .classifier import ThemeModel

FORMAT = "trendwatch-model"
FORMAT_VERSION = 1
ARRAYS = ("meta", "word_terms", "char_terms", "idf", "coef", "intercept")
#: Refuse files bigger than this before reading them (a real model is a few MB).
MAX_BYTES = 200 * 1024 * 1024


def sha256_file(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_model(model: ThemeModel, path: str | os.PathLike[str]) -> str:
    """Write ``model`` to ``path`` atomically (temp file + rename); return its sha256."""
    from .features import CHAR_NGRAMS, WORD_NGRAMS

    meta = {**model.meta, "format": FORMAT, "format_version": FORMAT_VERSION,
            "classes": model.classes, "word_ngrams": list(WORD_NGRAMS),
            "char_ngrams": list(CHAR_NGRAMS),
            "normaliser_version": model.meta.get("normaliser_version", NORMALISER_VERSION)}
    feat = model.featuriser
    arrays = {
        "meta": np.array(json.dumps(meta, ensure_ascii=False, sort_keys=True)),
        "word_terms": np.array(feat.word_terms, dtype=str),
        "char_terms": np.array(feat.char_terms, dtype=str),
        "idf": feat.idf.astype(np.float32),
        "coef": model.coef.astype(np.float32),
        "intercept": model.intercept.astype(np.float64),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        np.savez_compressed(f, **arrays)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return sha256_file(path)


def load_model(path: str | os.PathLike[str], *, sha256: str | None = None,
               themes: list[str] | None = None) -> ThemeModel:
    """Read a model file written by :func:`save_model`.

    ``sha256``: the digest recorded when it was saved (refused if different).
    ``themes``: the configured theme ids (refused if the model was trained for others).
    """
    from .classifier import ThemeModel
    from .features import CHAR_NGRAMS, WORD_NGRAMS, Featuriser

    path = Path(path)
    where = f"model file {path}"
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ModelError(f"{where} is missing") from None
    except OSError as err:
        raise ModelError(f"{where} cannot be read: {err}") from None
    if size > MAX_BYTES:
        raise ModelError(f"{where} is {size} bytes, larger than any model we write: refused")
    data = path.read_bytes()
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise ModelError(f"{where} does not match the checksum recorded when it was "
                         "trained (corrupt or replaced): refused")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            missing = [name for name in ARRAYS if name not in npz.files]
            if missing:
                raise ModelError(f"{where} is not a trendwatch model (no {', '.join(missing)})")
            arrays = {name: npz[name] for name in ARRAYS}
    except ModelError:
        raise
    except ValueError as err:
        # np.load raises ValueError for object arrays when allow_pickle=False.
        raise ModelError(f"{where} contains data that would need unpickling: refused "
                         f"({err})") from None
    except (OSError, zipfile.BadZipFile, EOFError, KeyError) as err:
        raise ModelError(f"{where} is corrupt: {err}") from None

    try:
        meta: dict[str, Any] = json.loads(str(arrays["meta"]))
        if not isinstance(meta, dict):
            raise ValueError("metadata is not an object")
    except ValueError as err:
        raise ModelError(f"{where} has unreadable metadata: {err}") from None
    if meta.get("format") != FORMAT:
        raise ModelError(f"{where} is not a trendwatch model (format {meta.get('format')!r})")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{where} has format version {meta.get('format_version')!r}; this "
                         f"trendwatch reads version {FORMAT_VERSION}")
    if meta.get("normaliser_version") != NORMALISER_VERSION:
        raise ModelError(f"{where} was trained with text normaliser version "
                         f"{meta.get('normaliser_version')!r}, this trendwatch uses "
                         f"{NORMALISER_VERSION}")
    if (meta.get("word_ngrams") != list(WORD_NGRAMS)
            or meta.get("char_ngrams") != list(CHAR_NGRAMS)):
        raise ModelError(f"{where} uses other n-gram settings than this trendwatch")
    if themes is not None and sorted(meta.get("themes") or []) != sorted(themes):
        raise ModelError(f"{where} was trained for themes {meta.get('themes')}, the config "
                         f"has {sorted(themes)}")
    for name, kind in (("word_terms", "U"), ("char_terms", "U"), ("idf", "f"),
                       ("coef", "f"), ("intercept", "f")):
        if arrays[name].dtype.kind != kind:
            raise ModelError(f"{where}: array {name} has dtype {arrays[name].dtype}")
    dense = None
    if meta.get("pretrained"):
        # A model trained with pretrained embeddings needs the very same ones (models of
        # 0.1.0 have no such key and load as before).
        from .pretrained import load as load_pretrained

        try:
            dense = load_pretrained(str(meta["pretrained"]))
        except ModelError as err:
            raise ModelError(f"{where}: {err}") from None
        if meta.get("pretrained_sha256") != dense.sha256:
            raise ModelError(f"{where} was trained with other {dense.name} weights than the "
                             "installed ones")
    try:
        feat = Featuriser(arrays["word_terms"].tolist(), arrays["char_terms"].tolist(),
                          arrays["idf"], dense, float(meta.get("pretrained_weight") or 0.0))
        model = ThemeModel(feat, list(meta.get("classes") or []), arrays["coef"],
                           arrays["intercept"], meta)
    except (ValueError, TypeError) as err:
        raise ModelError(f"{where} is inconsistent: {err}") from None
    if not (np.all(np.isfinite(model.coef)) and np.all(np.isfinite(model.intercept))
            and np.all(np.isfinite(feat.idf))):
        raise ModelError(f"{where} contains non-finite weights")
    return model
