"""Build the compact Indonesian word vectors shipped in ``trendwatch/data/vectors/``.

    python scripts/build_id_vectors.py --source ~/.cache/trendwatch-bench/indonlu.git

The corpus is the Indonesian text inside the IndoNLU benchmark repository
(``IndoNLP/indonlu``, Apache-2.0; news sentences of its POS/NER/QA sets, reviews, tweets),
read from a git copy of that repository at a pinned commit (``--source``: a bare git
directory or a checkout; never committed here). Every file read is recorded with its
sha256 in ``id_words.json`` next to the vectors.

Method (classic count-based vectors, no deep learning, runs in about a minute):
sentences → lower-cased word tokens → the words seen at least ``--min-count`` times →
co-occurrence counts in a ±``--window`` window (weighted 1/distance) → positive PMI with
context-distribution smoothing (α = 0.75) → truncated SVD → the left singular vectors
(``U·S^eig``, ``--eig`` 0: unweighted, which scored best zero-shot), L2-normalised, stored
as float16 in a safetensors file (plain tensors: no pickle, no code runs on load). The
defaults reproduce the shipped file (``--window 10 --eig 0 --dim 128 --min-count 3``).

Sentences equal to a title of the Detik evaluation set (``~/.cache/trendwatch-bench/
detik_id.jsonl``, if present) are dropped before counting, so the vectors never saw an
evaluated item; the count is printed and recorded. Reserved corpora (AG News, the
Tribunnews 2018 set, fastfeedparser's benchmark feeds) are not used.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import io
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "trendwatch" / "data" / "vectors"
REPO = "IndoNLP/indonlu"
COMMIT = "ce728f6926a36174b9923dfe49d6a6839b6e9bb7"
LICENCE = "Apache-2.0 (the repository's LICENSE file)"
EVAL = Path.home() / ".cache" / "trendwatch-bench" / "detik_id.jsonl"

#: (path, kind): "conll" = one token per line, blank line between sentences;
#: "tsv0" = text in the first tab column; "csv:<column>" = text in a CSV column;
#: "csvlist:<column>" = a Python list of tokens in a CSV column.
FILES: list[tuple[str, str]] = []
for _split in ("train", "valid", "test"):
    FILES += [
        (f"dataset/bapos_pos-idn/{_split}_preprocess.txt", "conll"),
        (f"dataset/posp_pos-prosa/{_split}_preprocess.txt", "conll"),
        (f"dataset/nerp_ner-prosa/{_split}_preprocess.txt", "conll"),
        (f"dataset/nergrit_ner-grit/{_split}_preprocess.txt", "conll"),
        (f"dataset/terma_term-extraction-airy/{_split}_preprocess.txt", "conll"),
        (f"dataset/keps_keyword-extraction-prosa/{_split}_preprocess.txt", "conll"),
        (f"dataset/smsa_doc-sentiment-prosa/{_split}_preprocess.tsv", "tsv0"),
        (f"dataset/emot_emotion-twitter/{_split}_preprocess.csv", "csv:tweet"),
        (f"dataset/casa_absa-prosa/{_split}_preprocess.csv", "csv:sentence"),
        (f"dataset/hoasa_absa-airy/{_split}_preprocess.csv", "csv:review"),
        (f"dataset/wrete_entailment-ui/{_split}_preprocess.csv", "csv:sent_A"),
        (f"dataset/wrete_entailment-ui/{_split}_preprocess.csv", "csv:sent_B"),
        (f"dataset/facqa_qa-factoid-itb/{_split}_preprocess.csv", "csvlist:passage"),
        (f"dataset/facqa_qa-factoid-itb/{_split}_preprocess.csv", "csvlist:question"),
    ]

WORD = re.compile(r"[a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*|[0-9]+[a-z]+[a-z0-9]*")


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens; the same rule :mod:`trendwatch.ranking.id_vectors` uses."""
    return WORD.findall(text.lower())


def read_source(source: Path, path: str) -> bytes:
    """A file of the pinned commit, from a bare git directory or a checkout."""
    if (source / "HEAD").is_file() or (source / ".git").exists():
        git_dir = source / ".git" if (source / ".git").exists() else source
        return subprocess.run(["git", "--git-dir", str(git_dir), "show", f"{COMMIT}:{path}"],
                              check=True, capture_output=True).stdout
    return (source / path).read_bytes()


def sentences(raw: bytes, kind: str) -> list[str]:
    text = raw.decode("utf-8", errors="replace")
    if kind == "conll":
        out, cur = [], []
        for line in text.splitlines():
            if not line.strip():
                if cur:
                    out.append(" ".join(cur))
                cur = []
            else:
                cur.append(line.split("\t")[0])
        if cur:
            out.append(" ".join(cur))
        return out
    if kind == "tsv0":
        return [line.split("\t")[0] for line in text.splitlines() if line.strip()]
    how, _, column = kind.partition(":")
    rows = csv.DictReader(io.StringIO(text))
    out = []
    for row in rows:
        value = row.get(column) or ""
        if how == "csvlist":
            try:
                value = " ".join(ast.literal_eval(value))
            except (ValueError, SyntaxError):
                continue
        out.append(value)
    return out


def build(source: Path, *, dim: int, min_count: int, max_vocab: int, window: int,
          eig: float = 0.0) -> dict[str, object]:
    eval_titles: set[str] = set()
    if EVAL.exists():
        for line in EVAL.read_text("utf-8").splitlines():
            if line.strip():
                eval_titles.add(" ".join(tokens(json.loads(line)["title"])))
    files, seen, sents = [], set(), []
    dropped = 0
    for path, kind in FILES:
        raw = read_source(source, path)
        if path not in {f["path"] for f in files}:
            files.append({"path": path, "sha256": hashlib.sha256(raw).hexdigest(),
                          "bytes": len(raw)})
        for s in sentences(raw, kind):
            toks = tokens(s)
            key = " ".join(toks)
            if len(toks) < 2 or key in seen:  # facqa repeats a passage per question
                continue
            seen.add(key)
            if key in eval_titles:
                dropped += 1
                continue
            sents.append(toks)
    counts = Counter(t for s in sents for t in s)
    vocab = [w for w, c in counts.most_common(max_vocab) if c >= min_count]
    index = {w: i for i, w in enumerate(vocab)}
    n_tokens = sum(counts.values())
    print(f"{len(sents):,} sentences, {n_tokens:,} tokens, {len(counts):,} distinct words, "
          f"vocabulary {len(vocab):,} (≥ {min_count}); {dropped} sentences dropped as "
          "equal to an evaluation title", file=sys.stderr)

    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for s in sents:
        ids = [index.get(t, -1) for t in s]
        for i, a in enumerate(ids):
            if a < 0:
                continue
            for d in range(1, window + 1):
                if i + d >= len(ids):
                    break
                b = ids[i + d]
                if b < 0:
                    continue
                rows += [a, b]
                cols += [b, a]
                vals += [1.0 / d, 1.0 / d]
    n = len(vocab)
    cooc = sp.csr_matrix((np.array(vals, dtype=np.float64), (rows, cols)), shape=(n, n))
    cooc.sum_duplicates()
    total = cooc.sum()
    row_sum = np.asarray(cooc.sum(axis=1)).ravel()
    ctx = np.asarray(cooc.sum(axis=0)).ravel() ** 0.75
    ctx /= ctx.sum()
    coo = cooc.tocoo()
    pmi = np.log(coo.data / total) - np.log(row_sum[coo.row] / total) - np.log(ctx[coo.col])
    keep = pmi > 0
    ppmi = sp.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=(n, n))
    from sklearn.utils.extmath import randomized_svd

    u, s, _ = randomized_svd(ppmi, n_components=dim, n_iter=6, random_state=0)
    vec = u * (s ** eig)[None, :]  # eig 0 = U; 0.5 = U·√S
    norms = np.linalg.norm(vec, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    vec = (vec / norms).astype(np.float16)
    return {"vocab": vocab, "vectors": vec, "files": files, "dropped": dropped,
            "n_sentences": len(sents), "n_tokens": n_tokens}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", type=Path, required=True,
                    help=f"git directory or checkout of {REPO} (commit {COMMIT[:10]})")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--min-count", type=int, default=3)
    ap.add_argument("--max-vocab", type=int, default=50_000)
    ap.add_argument("--window", type=int, default=10)
    ap.add_argument("--eig", type=float, default=0.0, help="singular value exponent")
    args = ap.parse_args()
    res = build(args.source.expanduser(), dim=args.dim, min_count=args.min_count,
                max_vocab=args.max_vocab, window=args.window,
                eig=args.eig)
    from safetensors.numpy import save_file

    args.out.mkdir(parents=True, exist_ok=True)
    weights = args.out / "id_words.safetensors"
    save_file({"vectors": res["vectors"]}, str(weights))  # type: ignore[dict-item]
    (args.out / "id_words.vocab.txt").write_text("\n".join(res["vocab"]) + "\n",  # type: ignore[arg-type]
                                                 "utf-8")
    meta = {
        "name": "id-words-ppmi-svd",
        "what": "Indonesian word vectors: PPMI + truncated SVD over word co-occurrence",
        "built_by": "scripts/build_id_vectors.py",
        "params": {"dim": args.dim, "min_count": args.min_count,
                   "max_vocab": args.max_vocab, "window": args.window, "eig": args.eig,
                   "context_smoothing": 0.75},
        "corpus": {"repo": REPO, "commit": COMMIT, "licence": LICENCE,
                   "files": res["files"], "sentences": res["n_sentences"],
                   "tokens": res["n_tokens"],
                   "dropped_equal_to_eval_titles": res["dropped"]},
        "vectors_sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
        "licence": "Apache-2.0, derived from the corpus above (attribution: IndoNLU, "
                   "Wilie et al. 2020)",
    }
    (args.out / "id_words.json").write_text(json.dumps(meta, indent=1) + "\n", "utf-8")
    print(f"wrote {weights} ({weights.stat().st_size / 1e6:.1f} MB), "
          f"{len(res['vocab']):,} words × {args.dim}", file=sys.stderr)  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
