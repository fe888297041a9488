"""Bring the public topic-labelled sets used by ``bench_public.py`` into a cache folder.

    python benchmarks/get_public_data.py [--mirror-root DIR] [--cache DIR]

Nothing here is committed to trendwatch: the data belongs to its publishers and is only
read to measure the classifier. Each set is written as ``<cache>/<name>.jsonl`` (one item
a line: ``title``, ``summary``, ``label``) next to ``<name>.source.json`` saying where it
came from (repository, commit, path, sha256 of the raw file).

Where the sets come from (public GitHub repositories; pinned commits):

* ``bbc_news_en`` — the BBC News set of D. Greene and P. Cunningham (ICML 2006; 2,225
  BBC articles of 2004–2005 in five topics), in the 1,490-row "BBC News Train.csv" of the
  Kaggle competition "learn-ai-bbc", as kept in github.com/mdSakibAlHasan/News-classification.
  Its text is lower-cased title + body run together; we keep the first 10 words as the
  title and the next 300 characters as the summary (the classifier reads title + the first
  200 characters of a summary).
* ``detik_id`` — 2,500 Detik.com news titles, 500 for each of Politik, Ekonomi, Olahraga,
  Selebritas, Teknologi, scraped by github.com/septindwikurnia/Klasifikasi-Kategori-Berita-Detik
  (``data/raw/berita_detik_5_kategori.csv``).
* ``detik2020_id`` — 21,924 detik.com news titles of January-June 2020, 2,436 for each of
  nine channels (finance, food, health, hot, inet, news, oto, sport, travel): the label
  is the channel the outlet published the article in (its sub-domain, e.g.
  sport.detik.com), not a keyword rule. It is the 91,017-title "Indonesian News Title"
  set of Ibrahim (Kaggle ``ibamibrahim/indonesian-news-title``, github.com/ibamibrahim/
  dataset-judul-berita-indonesia; no licence stated), undersampled at random to the
  smallest channel (pandas ``sample(random_state=42)``) in
  github.com/aloisiusedwin/headline-topic-detection
  (``dataset/indonesian-news-title-balanced.csv``); the full file is too large for the
  mirror. A different scrape from ``detik_id`` (other years, other categories).

This machine has no internet except package registries, so the script reads either a
local bare/mirror clone (``<mirror-root>/<owner>+<name>/repo``, what the project's code
search tool brings in) or, when that is absent, downloads the pinned raw file from
raw.githubusercontent.com. Sets reserved for independent checks (AG News, the Tribunnews
2018 set, fastfeedparser's benchmark feeds) are deliberately not here.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CACHE = Path.home() / ".cache" / "trendwatch-bench"
#: Where local mirror clones live (``<root>/<owner>+<name>/repo``), when there are any:
#: ``$TRENDWATCH_MIRROR_ROOT``, else none (the files are downloaded).
MIRROR_ROOT = Path(os.environ["TRENDWATCH_MIRROR_ROOT"]) if os.environ.get(
    "TRENDWATCH_MIRROR_ROOT") else None


@dataclass(frozen=True)
class Source:
    name: str
    repo: str
    commit: str
    path: str
    text_col: str
    label_col: str
    long_text: bool  # title and body run together (split into title + summary)
    sha256: str      # of the raw file at ``commit``: a different file is refused, not used


SOURCES = [
    Source("bbc_news_en", "mdSakibAlHasan/News-classification",
           "b60855c6f1b2e77c7ac58bd1194c1640839e550e", "BBC News Train.csv", "Text",
           "Category", True,
           "07f285378649936d10ff0114c79828ac808a4da57e3304d90e3d216c23846f5f"),
    Source("detik_id", "septindwikurnia/Klasifikasi-Kategori-Berita-Detik",
           "3872dd2a8837acc06e87a5177d2ba567963f3ff4", "data/raw/berita_detik_5_kategori.csv",
           "JUDUL", "KATEGORI", False,
           "a4bbc872344f978ba1ca63a7b4a30ac82440237d9a11daf6ecc33f684d61a984"),
    Source("detik2020_id", "aloisiusedwin/headline-topic-detection",
           "d02a8b22f6e415ca19bf2be127694bde523484db",
           "dataset/indonesian-news-title-balanced.csv", "title", "category", False,
           "30d46610dcf1b7847298f006189e23a5d3c0cf4627415dd9e131b4ba0bcf7064"),
]


def raw_bytes(src: Source, mirror_root: Path | None) -> bytes:
    """The raw file at the pinned commit: from a local mirror clone when there is one, else
    downloaded. Never another commit: a mirror without it is an error, not a fallback."""
    data = None
    git_dirs = () if mirror_root is None else (
        mirror_root / src.repo.replace("/", "+") / "repo",
        mirror_root / src.repo.replace("/", "+") / "repo" / ".git")
    for git_dir in git_dirs:
        if git_dir.exists():
            done = subprocess.run(["git", "--git-dir", str(git_dir), "show",
                                   f"{src.commit}:{src.path}"], capture_output=True)
            if done.returncode != 0:
                raise OSError(f"{git_dir} has no {src.commit[:12]}:{src.path} "
                              f"({done.stderr.decode(errors='replace').strip()})")
            data = done.stdout
            break
    if data is None:
        url = (f"https://raw.githubusercontent.com/{src.repo}/{src.commit}/"
               f"{urllib.parse.quote(src.path)}")
        with urllib.request.urlopen(url, timeout=60) as resp:
            data = resp.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != src.sha256:
        raise OSError(f"sha256 {digest} is not the recorded {src.sha256}")
    return data


def convert(src: Source, data: bytes) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    out = []
    for row in rows:
        text = " ".join((row.get(src.text_col) or "").split())
        label = (row.get(src.label_col) or "").strip()
        if not text or not label:
            continue
        if src.long_text:
            words = text.split(" ")
            out.append({"title": " ".join(words[:10]),
                        "summary": " ".join(words[10:])[:300], "label": label})
        else:
            out.append({"title": text, "summary": "", "label": label})
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mirror-root", type=Path, default=MIRROR_ROOT,
                    help="folder of local mirror clones (<owner>+<name>/repo); "
                         "default $TRENDWATCH_MIRROR_ROOT, else download")
    ap.add_argument("--cache", type=Path, default=CACHE)
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    failed = 0
    for src in SOURCES:
        try:
            data = raw_bytes(src, args.mirror_root)
        except OSError as err:
            print(f"{src.name}: could not get {src.repo}/{src.path}: {err}", file=sys.stderr)
            failed += 1
            continue
        rows = convert(src, data)
        (args.cache / f"{src.name}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
        (args.cache / f"{src.name}.source.json").write_text(json.dumps({
            "repo": src.repo, "commit": src.commit, "path": src.path,
            "sha256": hashlib.sha256(data).hexdigest(), "rows": len(rows)}, indent=1), "utf-8")
        print(f"{src.name}: {len(rows)} items -> {args.cache / (src.name + '.jsonl')}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
