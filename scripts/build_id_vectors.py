"""Build the compact Indonesian word vectors shipped in ``trendwatch/data/vectors/``.

    python scripts/build_id_vectors.py --source <git dir of IndoNLP/indonlu> \
        --indosum <git dir of CalDev-id/INDOSUM2> \
        [--extra ud-csui=<git dir> --extra ud-gsd=<git dir> ...]

Two corpora, each read from a git copy of its repository at a pinned commit (a bare git
directory or a checkout; never committed here). Every file read is recorded with its
sha256 in ``id_words.json`` next to the vectors:

* ``--source``: the Indonesian text inside the IndoNLU benchmark repository
  (``IndoNLP/indonlu``, Apache-2.0; news sentences of its POS/NER/QA sets, reviews,
  tweets), 1.15 M tokens;
* ``--indosum``: the IndoSum summarisation set (Kurniawan & Louvan 2018; CC BY-SA 4.0 per
  its ``README.txt``): news articles of 2017-2018 (CNN Indonesia, Kumparan, Antara,
  Merdeka...; headlines, sport, showbiz, entertainment, tech) as a copy in
  ``CalDev-id/INDOSUM2``, whose five ``dev.0X.jsonl`` folds (3,463 distinct articles,
  1.2 M tokens, 0.97 M once sentences already seen are dropped) are the files under
  4 MiB the machine can reach (its train/test folds are not); their sha256 are pinned
  below and a different file is refused. Optional: without it the vectors are the
  IndoNLU-only build;
* ``--extra KEY=DIR`` (repeatable, optional): small CC BY-SA news sets, each at a pinned
  commit with pinned sha256: ``ud-csui`` (UD Indonesian-CSUI, news, mostly economic),
  ``ud-gsd`` (UD Indonesian-GSD dev/test; its train file is over 4 MiB), ``ud-pud``
  (UD Indonesian-PUD, news and wiki, CC BY-SA 3.0) and ``ntrex`` (NTREX-128's Indonesian
  translation of the WMT19 English news test set); 0.1 M tokens together.

Method (classic count-based vectors, no deep learning, runs in a few minutes):
sentences → lower-cased word tokens → the ``--max-vocab`` most frequent words seen at
least ``--min-count`` times → co-occurrence counts in a ±``--window`` window (weighted
1/distance; counted in numpy a block of sentences at a time, so memory grows with the
vocabulary's pairs, not with the corpus) → positive PMI with context-distribution
smoothing (α = 0.75) → truncated SVD → the left singular vectors (``U·S^eig``, ``--eig``
0: unweighted, which scored best zero-shot), L2-normalised, stored as float16 in a
safetensors file (plain tensors: no pickle, no code runs on load). The defaults reproduce
the shipped file (``--window 10 --eig 0 --dim 128 --min-count 5 --max-vocab 45000``, both
corpora; the IndoNLU-only file of before was ``--min-count 3``: this code rebuilds it bit
for bit). With IndoSum, ``--min-count 5`` read as well as 3 on Detik and the brand sanity
set at 72 % of the words (23,355: 6.0 MB instead of 8.3 MB, 2 MB less peak RSS).

Sentences equal to a title of the Detik evaluation sets (``~/.cache/trendwatch-bench/
detik_id.jsonl`` and ``detik2020_id.jsonl``, those present), or containing one (as a run
of whole words, titles of two words or more), are dropped before counting, so the vectors
never saw an evaluated item; the counts are printed and recorded. Reserved corpora (AG
News, the Tribunnews 2018 set, fastfeedparser's benchmark feeds) and the Detik evaluation
sets themselves are not used.
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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "trendwatch" / "data" / "vectors"
BENCH = Path.home() / ".cache" / "trendwatch-bench"
#: Evaluation sets whose titles the vectors must never have seen (those present are read).
EVAL_FILES = [BENCH / "detik_id.jsonl", BENCH / "detik2020_id.jsonl"]

#: (path, kind): "conll" = one token per line, blank line between sentences;
#: "tsv0" = text in the first tab column; "csv:<column>" = text in a CSV column;
#: "csvlist:<column>" = a Python list of tokens in a CSV column; "conllu" = the
#: ``# text = `` line of each sentence of a Universal Dependencies file; "lines" = one
#: sentence a line.
INDONLU_FILES: list[tuple[str, str]] = []
for _split in ("train", "valid", "test"):
    INDONLU_FILES += [
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

#: IndoSum's five development folds in CalDev-id/INDOSUM2 (the folds overlap: 3,743
#: articles, 3,463 distinct), with their sha256 at the pinned commit.
INDOSUM_FILES: list[tuple[str, str]] = [(f"indosum/dev.0{i}.jsonl", "indosum") for i in range(1, 6)]
INDOSUM_SHA256 = {
    "indosum/dev.01.jsonl":
        "f57fd914e820f5ba929c96934a831117c1ba09fafdd0576178b0da905b57195b",
    "indosum/dev.02.jsonl":
        "5f6d63b73d94c1328eb8f66893e8afc5de863994dfcfec0bde1c35ef6e1a52e1",
    "indosum/dev.03.jsonl":
        "96b0a008f7ab86a613c1bf3a1dbf57af4597b08d44c2dc0b3758f449e89a9b06",
    "indosum/dev.04.jsonl":
        "fc0e8a74bd05350d27cc18706cafb703a7826dc1f488176357b19e816ebfeefc",
    "indosum/dev.05.jsonl":
        "399ab12e2702830102298befc9a6b6f2ad208093410a11edfe3fdc1aaa6c6d61",
}


@dataclass(frozen=True)
class Corpus:
    """A repository read at a pinned commit, its licence and the files taken from it."""

    key: str
    repo: str
    commit: str
    licence: str
    evidence: str  # where the licence is stated, quoted
    files: list[tuple[str, str]]
    sha256: dict[str, str]  # pinned digests (empty: recorded, not checked)


INDONLU = Corpus(
    "indonlu", "IndoNLP/indonlu", "ce728f6926a36174b9923dfe49d6a6839b6e9bb7",
    "Apache-2.0", "LICENSE: Apache License, Version 2.0", INDONLU_FILES, {})
INDOSUM = Corpus(
    "indosum", "CalDev-id/INDOSUM2", "9280c93074959f0d99f1d48e9a2369373ff84248",
    "CC-BY-SA-4.0",
    "indosum/README.txt: 'This work is licensed under a Creative Commons "
    "Attribution-ShareAlike 4.0 International License. See "
    "http://creativecommons.org/licenses/by-sa/4.0/.' (IndoSum, Kurniawan & Louvan 2018)",
    INDOSUM_FILES, INDOSUM_SHA256)

CC_BY_SA_4 = "CC-BY-SA-4.0"
#: Small CC BY-SA news sets (``--extra KEY=DIR``), each at a pinned commit and sha256.
EXTRA: dict[str, Corpus] = {
    "ud-csui": Corpus(
        "ud-csui", "UniversalDependencies/UD_Indonesian-CSUI",
        "41dd7f23be883382dd111b119fe58b563c5541ee", CC_BY_SA_4,
        "LICENSE.txt: 'The treebank is licensed under the Creative Commons License "
        "Attribution-ShareAlike 4.0 International.'; README.md: 'License: CC BY-SA 4.0', "
        "'Genre: news in formal Indonesian (the majority is economic news)'",
        [("id_csui-ud-train.conllu", "conllu"), ("id_csui-ud-test.conllu", "conllu")],
        {"id_csui-ud-train.conllu":
            "0b91a404b4d96ba7f8b21c087a225798d1671b00b3d6126eec9e0b1895a7ca24",
         "id_csui-ud-test.conllu":
            "93800d74e254437e0219240770cdc18f99003f2993b7dae717358b524c8f474d"}),
    "ud-gsd": Corpus(
        "ud-gsd", "UniversalDependencies/UD_Indonesian-GSD",
        "89491e4d51c15da157175c303213ae5ff6f05f9d", CC_BY_SA_4,
        "LICENSE.txt: 'The treebank is licensed under the Creative Commons License "
        "Attribution-ShareAlike 4.0 International.'; README.md: 'License: CC BY-SA 4.0', "
        "'Genre: news blog' (Google dropped the NC restriction)",
        [("id_gsd-ud-dev.conllu", "conllu"), ("id_gsd-ud-test.conllu", "conllu")],
        {"id_gsd-ud-dev.conllu":
            "56d4ab12267317d33511326da9fcd5b7eff641435c3b6365401937a33ce05e4b",
         "id_gsd-ud-test.conllu":
            "155171c985bc04b12aa9dfa5704fa686a9fb8182cd2d1f42c3ede828e1502e70"}),
    "ud-pud": Corpus(
        "ud-pud", "UniversalDependencies/UD_Indonesian-PUD",
        "765fb3fe486201f094cb177aff5aa84bc6b06800", "CC-BY-SA-3.0",
        "README.md: 'GOOGLE MAKES THEM AVAILABLE TO YOU under CC-BY-SA 3.0', 'License: "
        "CC BY-SA 3.0', 'Genre: news wiki'; LICENSE.txt: the CC BY-SA 3.0 legal code "
        "(which allows an adaptation under a later version, here 4.0)",
        [("id_pud-ud-test.conllu", "conllu")],
        {"id_pud-ud-test.conllu":
            "07efad4d64863ab442aef820afdb34c269f80366c6efb583225f943e5baf88b2"}),
    "ntrex": Corpus(
        "ntrex", "MicrosoftTranslator/NTREX", "8561f6a622db9edad1217683e5c83daefd8bb2bf",
        CC_BY_SA_4,
        "README.md: 'The NTREX-128 data set is released under the CC BY-SA 4.0 "
        "license'; LICENSE.md: Attribution-ShareAlike 4.0 International",
        [("NTREX-128/newstest2019-ref.ind.txt", "lines")],
        {"NTREX-128/newstest2019-ref.ind.txt":
            "a28ea049cc73a7042bbea75abd6ed02a24362d3cf8d1a1cc519a7efd8bf5ceb5"}),
}

WORD = re.compile(r"[a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*|[0-9]+[a-z]+[a-z0-9]*")


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens; the same rule :mod:`trendwatch.ranking.id_vectors` uses."""
    return WORD.findall(text.lower())


def read_source(source: Path, commit: str, path: str) -> bytes:
    """A file of the pinned commit, from a bare git directory or a checkout."""
    if (source / "HEAD").is_file() or (source / ".git").exists():
        git_dir = source / ".git" if (source / ".git").exists() else source
        return subprocess.run(["git", "--git-dir", str(git_dir), "show", f"{commit}:{path}"],
                              check=True, capture_output=True).stdout
    return (source / path).read_bytes()


def sentences(raw: bytes, kind: str) -> list[str]:
    text = raw.decode("utf-8", errors="replace")
    if kind == "indosum":  # one article a line: paragraphs → sentences → word tokens
        out = []
        for line in text.splitlines():
            if line.strip():
                for paragraph in json.loads(line)["paragraphs"]:
                    out += [" ".join(sentence) for sentence in paragraph]
        return out
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
    if kind == "conllu":
        return [line[len("# text = "):] for line in text.splitlines()
                if line.startswith("# text = ")]
    if kind == "lines":
        return [line for line in text.splitlines() if line.strip()]
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


class EvalFilter:
    """The Detik evaluation titles as word sequences: a sentence equal to one, or holding
    one as a run of whole words, is dropped (titles of a single word only by equality:
    a lone word is not a title's text)."""

    def __init__(self, titles: list[list[str]]) -> None:
        self.equal = {" ".join(t) for t in titles if t}
        self.by_start: dict[tuple[str, str], list[tuple[str, ...]]] = {}
        for t in titles:
            if len(t) >= 2:
                self.by_start.setdefault((t[0], t[1]), []).append(tuple(t))

    def match(self, toks: list[str]) -> str | None:
        """"equal", "contains" or None."""
        if " ".join(toks) in self.equal:
            return "equal"
        for i in range(len(toks) - 1):
            for t in self.by_start.get((toks[i], toks[i + 1]), ()):
                if tuple(toks[i:i + len(t)]) == t:
                    return "contains"
        return None


def load_eval_filter(paths: list[Path] | None = None) -> EvalFilter:
    """The titles of every evaluation set in ``paths`` (default :data:`EVAL_FILES`) that
    exists, as one filter."""
    titles = []
    for path in EVAL_FILES if paths is None else paths:
        if path.exists():
            for line in path.read_text("utf-8").splitlines():
                if line.strip():
                    titles.append(tokens(json.loads(line)["title"]))
    return EvalFilter(titles)


def read_corpus(corpus: Corpus, source: Path, files: list[dict[str, object]]
                ) -> Iterator[str]:
    """The sentences of every file of ``corpus``; each file's digest is checked against
    the pinned one (if any) and recorded in ``files``."""
    recorded = {f["path"] for f in files}
    for path, kind in corpus.files:
        raw = read_source(source, corpus.commit, path)
        digest = hashlib.sha256(raw).hexdigest()
        pinned = corpus.sha256.get(path)
        if pinned and pinned != digest:
            raise SystemExit(f"{corpus.repo}:{path}: sha256 {digest} is not the pinned "
                             f"{pinned}: not the file these vectors were built from")
        if path not in recorded:
            recorded.add(path)
            files.append({"corpus": corpus.key, "path": path, "sha256": digest,
                          "bytes": len(raw)})
        yield from sentences(raw, kind)


def cooccurrence(sents: list[list[str]], index: dict[str, int], window: int,
                 block: int = 20_000) -> sp.csr_matrix:
    """Symmetric co-occurrence counts weighted 1/distance (distance in corpus words,
    unknown words included), summed a block of sentences at a time in numpy."""
    n = len(index)
    total = sp.csr_matrix((n, n), dtype=np.float64)
    for start in range(0, len(sents), block):
        part = sents[start:start + block]
        ids = np.fromiter((index.get(t, -1) for s in part for t in s), dtype=np.int32)
        sid = np.repeat(np.arange(len(part), dtype=np.int32), [len(s) for s in part])
        rows, cols, vals = [], [], []
        for d in range(1, window + 1):
            a, b = ids[:-d], ids[d:]
            keep = (sid[:-d] == sid[d:]) & (a >= 0) & (b >= 0)
            a, b = a[keep], b[keep]
            w = np.full(len(a), 1.0 / d)
            rows += [a, b]
            cols += [b, a]
            vals += [w, w]
        if not rows:
            continue
        part_m = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows),
                                                       np.concatenate(cols))), shape=(n, n))
        part_m.sum_duplicates()
        total = total + part_m
    return total


def build(sources: list[tuple[Corpus, Path]], *, dim: int, min_count: int, max_vocab: int,
          window: int, eig: float = 0.0) -> dict[str, object]:
    """Vectors, vocabulary and provenance counts from the corpora in ``sources`` (read in
    that order; a sentence seen before, in either, is counted once)."""
    evaluation = load_eval_filter()
    files: list[dict[str, object]] = []
    seen: set[str] = set()
    sents: list[list[str]] = []
    dropped = {"equal": 0, "contains": 0}
    per_corpus: dict[str, dict[str, int]] = {}
    for corpus, source in sources:
        n_sents = n_toks = 0
        for s in read_corpus(corpus, source, files):
            toks = tokens(s)
            key = " ".join(toks)
            if len(toks) < 2 or key in seen:  # facqa repeats a passage per question
                continue
            seen.add(key)
            why = evaluation.match(toks)
            if why:
                dropped[why] += 1
                continue
            sents.append(toks)
            n_sents += 1
            n_toks += len(toks)
        per_corpus[corpus.key] = {"sentences": n_sents, "tokens": n_toks}
    del seen
    counts = Counter(t for s in sents for t in s)
    vocab = [w for w, c in counts.most_common(max_vocab) if c >= min_count]
    index = {w: i for i, w in enumerate(vocab)}
    n_tokens = sum(counts.values())
    print(f"{len(sents):,} sentences, {n_tokens:,} tokens, {len(counts):,} distinct words, "
          f"vocabulary {len(vocab):,} (≥ {min_count}, at most {max_vocab:,}); sentences "
          f"dropped for an evaluation title: {dropped['equal']} equal, "
          f"{dropped['contains']} containing one; per corpus {per_corpus}", file=sys.stderr)

    cooc = cooccurrence(sents, index, window)
    del sents
    n = len(vocab)
    total = cooc.sum()
    row_sum = np.asarray(cooc.sum(axis=1)).ravel()
    ctx = np.asarray(cooc.sum(axis=0)).ravel() ** 0.75
    ctx /= ctx.sum()
    coo = cooc.tocoo()
    del cooc
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
            "per_corpus": per_corpus, "n_sentences": sum(c["sentences"] for c in
                                                         per_corpus.values()),
            "n_tokens": n_tokens}


def vectors_licence(keys: list[str]) -> str:
    """The licence the built vectors carry: share-alike once a CC BY-SA corpus is in them
    (IndoSum or any ``--extra`` set; CC BY-SA 3.0 allows an adaptation under 4.0)."""
    extra = [EXTRA[k] for k in keys if k in EXTRA]
    if "indosum" in keys or extra:
        sets = ["IndoSum, CC BY-SA 4.0, Kurniawan & Louvan 2018"] if "indosum" in keys else []
        sets += [f"{c.repo}, {c.licence.replace('CC-BY-SA-', 'CC BY-SA ')}" for c in extra]
        return (f"CC-BY-SA-4.0 (an adaptation of {'; '.join(sets)}, combined with IndoNLU "
                "text, Apache-2.0, Wilie et al. 2020); the rest of trendwatch stays "
                "Apache-2.0")
    return "Apache-2.0, derived from the corpus above (attribution: IndoNLU, Wilie et al. 2020)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", type=Path, required=True,
                    help=f"git directory or checkout of {INDONLU.repo} "
                         f"(commit {INDONLU.commit[:10]})")
    ap.add_argument("--indosum", type=Path,
                    help=f"git directory or checkout of {INDOSUM.repo} "
                         f"(commit {INDOSUM.commit[:10]}); without it: IndoNLU only")
    ap.add_argument("--extra", action="append", default=[], metavar="KEY=DIR",
                    help="a further corpus, read after IndoSum: "
                         + ", ".join(f"{k} ({c.repo}, commit {c.commit[:10]})"
                                     for k, c in EXTRA.items()))
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--max-vocab", type=int, default=45_000,
                    help="cap on the vocabulary (45,000 × 128 float16 ≈ 11.5 MB)")
    ap.add_argument("--window", type=int, default=10)
    ap.add_argument("--eig", type=float, default=0.0, help="singular value exponent")
    args = ap.parse_args()
    sources = [(INDONLU, args.source.expanduser())]
    if args.indosum is not None:
        sources.append((INDOSUM, args.indosum.expanduser()))
    for item in args.extra:
        key, _, where = item.partition("=")
        if key not in EXTRA or not where:
            ap.error(f"--extra {item!r}: expected KEY=DIR with KEY one of {', '.join(EXTRA)}")
        sources.append((EXTRA[key], Path(where).expanduser()))
    res = build(sources, dim=args.dim, min_count=args.min_count,
                max_vocab=args.max_vocab, window=args.window, eig=args.eig)
    from safetensors.numpy import save_file

    args.out.mkdir(parents=True, exist_ok=True)
    weights = args.out / "id_words.safetensors"
    save_file({"vectors": res["vectors"]}, str(weights))  # type: ignore[dict-item]
    (args.out / "id_words.vocab.txt").write_text("\n".join(res["vocab"]) + "\n",  # type: ignore[arg-type]
                                                 "utf-8")
    per_corpus: dict[str, dict[str, int]] = res["per_corpus"]  # type: ignore[assignment]
    meta = {
        "name": "id-words-ppmi-svd",
        "what": "Indonesian word vectors: PPMI + truncated SVD over word co-occurrence",
        "built_by": "scripts/build_id_vectors.py",
        "params": {"dim": args.dim, "min_count": args.min_count,
                   "max_vocab": args.max_vocab, "window": args.window, "eig": args.eig,
                   "context_smoothing": 0.75},
        "corpora": [
            {"key": c.key, "repo": c.repo, "commit": c.commit, "licence": c.licence,
             "licence_evidence": c.evidence,
             "files": [f for f in res["files"] if f["corpus"] == c.key],  # type: ignore[attr-defined]
             **per_corpus[c.key]}
            for c, _ in sources
        ],
        "sentences": res["n_sentences"],
        "tokens": res["n_tokens"],
        "dropped_for_eval_titles": res["dropped"],
        "eval_titles": [p.name for p in EVAL_FILES if p.exists()],
        "vectors_sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
        "licence": vectors_licence([c.key for c, _ in sources]),
    }
    (args.out / "id_words.json").write_text(json.dumps(meta, indent=1) + "\n", "utf-8")
    print(f"wrote {weights} ({weights.stat().st_size / 1e6:.1f} MB), "
          f"{len(res['vocab']):,} words × {args.dim}", file=sys.stderr)  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
