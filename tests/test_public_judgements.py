"""The relevance judgements of the public benchmark (benchmarks/public_judgements/) and its
one-row-per-title rule: judgements are ids and labels only (no headline text committed),
and a title repeated in the public set is measured once."""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

BENCH = Path(__file__).parent.parent / "benchmarks"


def test_detik_judgements_are_ids_and_labels_with_their_rule() -> None:
    text = (BENCH / "public_judgements" / "detik_id_selebritas.csv").read_text("utf-8")
    assert "Rule:" in text and "blind" in text
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    assert list(rows[0]) == ["id", "on_brand", "confidence"]
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)) >= 1000
    assert all(re.fullmatch(r"[0-9a-f]{12}", i) for i in ids)
    assert {r["on_brand"] for r in rows} == {"yes", "no"}
    assert {r["confidence"] for r in rows} == {"clear", "borderline"}


def test_a_repeated_title_counts_once_and_a_disputed_one_not_at_all(monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(BENCH))
    sys.modules.pop("bench_public", None)
    import bench_public

    rows = [{"title": "Harga beras naik", "label": "Ekonomi"},
            {"title": "harga beras naik ", "label": "Ekonomi"},
            {"title": "Artis rilis lagu", "label": "Selebritas"},
            {"title": "Menteri nonton konser", "label": "Politik"},
            {"title": "Menteri nonton konser", "label": "Selebritas"}]
    kept = bench_public.unique_titles(rows)
    assert [r["title"] for r in kept] == ["Harga beras naik", "Artis rilis lagu"]
    assert bench_public.title_id("Harga beras naik") == bench_public.title_id(" harga BERAS naik")
