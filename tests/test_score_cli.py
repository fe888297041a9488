"""``trendwatch score``: the file-in, file-out contract of the classifier."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from trendwatch.cli import cli, rank

rank.register(cli)  # idempotent; the CLI main registers it too

ITEMS = [
    {"title": "Harga cabai rawit naik lagi di pasar induk", "source": "detik"},
    {"title": "Trailer film horor baru tayang di bioskop bulan depan", "url": "https://x.test/1"},
    {"title": "Tutorial color grading sinematik pakai DaVinci Resolve"},
    {"title": "Timnas menang 2-0 atas Filipina", "summary": "Pertandingan di GBK"},
    {"title": "Iklan Ramadan brand sirup bikin penonton menangis"},
]


@pytest.fixture
def starter(tmp_path):
    from trendwatch.config import starter_text

    path = tmp_path / "cfg.toml"
    path.write_text(starter_text(), encoding="utf-8")
    return path


def _write(path, lines):
    path.write_bytes(b"".join(
        (line if isinstance(line, bytes) else line.encode()) + b"\n" for line in lines))
    return path


def _run(*args):
    return CliRunner().invoke(cli, ["score", *args], catch_exceptions=False)


def test_score_keeps_order_and_adds_the_fields(tmp_path, starter):
    src = _write(tmp_path / "in.jsonl", [json.dumps(i) for i in ITEMS])
    out = tmp_path / "out.jsonl"
    res = _run("--config", str(starter), "--input", str(src), "--output", str(out))
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["title"] for r in rows] == [i["title"] for i in ITEMS]
    assert rows[0]["source"] == "detik" and rows[1]["url"] == "https://x.test/1"
    for r in rows:
        assert set(r["scores"]) == {"film-industry", "behind-the-scenes", "advertising",
                                    "local-culture", "social-trends"}
        assert 0 <= r["relevance"] <= 1 and isinstance(r["why"], list)
    assert [r["theme"] for r in rows] == [None, "film-industry", "behind-the-scenes", None,
                                          "advertising"]
    assert rows[2]["why"] and rows[0]["why"] == []
    assert not list(tmp_path.glob("**/*.db"))  # no database touched


def test_score_writes_to_stdout_and_uses_labels(tmp_path, starter):
    src = _write(tmp_path / "in.jsonl", [json.dumps({"title": "Kedai kopi tubruk legendaris "
                                                              "di Semarang ramai anak muda"})])
    labels = _write(tmp_path / "labels.jsonl", [json.dumps({"title": t, "theme": th}) for t, th in [
        ("Kedai kopi jadul di Solo jadi tempat nongkrong", "local-culture"),
        ("Budaya ngopi di warung kopi Aceh", "local-culture"),
        ("Kopi joss Yogyakarta jadi ikon kota", "local-culture"),
        ("Harga kopi robusta petani turun", None)]])
    without = json.loads(_run("--config", str(starter), "--input", str(src)).output)
    res = _run("--config", str(starter), "--input", str(src), "--labels", str(labels))
    assert res.exit_code == 0
    with_labels = json.loads(res.output)
    assert with_labels["scores"]["local-culture"] > without["scores"]["local-culture"]


@pytest.mark.parametrize(("lines", "message"), [
    ([json.dumps(ITEMS[0]), "", json.dumps(ITEMS[1])], "line 2: empty line"),
    ([json.dumps(ITEMS[0]), "{not json", json.dumps(ITEMS[1])], "line 2: not valid JSON"),
    ([json.dumps(ITEMS[0]), json.dumps(ITEMS[1]), b"{\"title\": \"caf\xe9\"}"],
     "line 3: not valid UTF-8"),
    ([json.dumps({"summary": "no title"})], 'line 1: "title" is missing'),
    ([json.dumps(["a list"])], "line 1: expected a JSON object"),
    ([json.dumps({"title": "ok", "summary": 5})], 'line 1: "summary" must be a string'),
])
def test_bad_input_lines_are_named_and_exit_2(tmp_path, starter, lines, message):
    src = _write(tmp_path / "in.jsonl", lines)
    out = tmp_path / "out.jsonl"
    res = _run("--config", str(starter), "--input", str(src), "--output", str(out))
    assert res.exit_code == 2
    assert message in res.output and "Traceback" not in res.output
    assert not out.exists()  # nothing half written


def test_bad_labels_name_the_line_and_the_known_themes(tmp_path, starter):
    src = _write(tmp_path / "in.jsonl", [json.dumps(ITEMS[0])])
    labels = _write(tmp_path / "l.jsonl", [json.dumps({"title": "a", "theme": None}),
                                           json.dumps({"title": "b", "theme": "cooking"}),
                                           json.dumps({"title": "c"})])
    res = _run("--config", str(starter), "--input", str(src), "--labels", str(labels))
    assert res.exit_code == 2
    assert "l.jsonl line 2" in res.output and "cooking" in res.output
    assert "film-industry" in res.output
    assert "l.jsonl line 3" in res.output and '"theme" is missing' in res.output


def test_missing_input_file_is_a_clear_error(tmp_path, starter):
    res = _run("--config", str(starter), "--input", str(tmp_path / "nope.jsonl"))
    assert res.exit_code == 2 and "cannot read" in res.output


@pytest.mark.parametrize(("where", "reason"), [
    ("missing/dir/x.jsonl", "No such file or directory"),
    ("in.jsonl/x.jsonl", "Not a directory")])
def test_unwritable_output_is_a_one_line_error_and_exit_2(tmp_path, starter, where, reason):
    src = _write(tmp_path / "in.jsonl", [json.dumps(i) for i in ITEMS])
    before = sorted(tmp_path.rglob("*"))
    target = tmp_path / where
    res = _run("--config", str(starter), "--input", str(src), "--output", str(target))
    assert res.exit_code == 2, res.output
    assert res.output.strip().splitlines() == [f"Error: cannot write {target}: {reason}"]
    assert sorted(tmp_path.rglob("*")) == before  # nothing left behind


def test_output_replaces_an_existing_file_whole(tmp_path, starter):
    src = _write(tmp_path / "in.jsonl", [json.dumps(i) for i in ITEMS])
    out = tmp_path / "out.jsonl"
    out.write_text("old contents that are longer than one line\n" * 100)
    res = _run("--config", str(starter), "--input", str(src), "--output", str(out))
    assert res.exit_code == 0, res.output
    assert [json.loads(line)["title"] for line in out.read_text().splitlines()] == \
        [i["title"] for i in ITEMS]
    assert not list(tmp_path.glob(".*.tmp"))
