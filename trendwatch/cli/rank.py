"""Commands: score, train, model list, model eval.

``score`` works on files only (no database): it is the scripting interface of the
classifier and the one the benchmark and the issue's contract describe. The others work
on the database the daemon writes. scikit-learn is imported inside the commands.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click

from ..app import App, pass_app

#: Bad input files exit with this code (usage errors), like click's own usage errors.
BAD_INPUT = 2
#: At most this many bad lines are listed in one error.
MAX_REPORTED = 5
OPTIONAL_TEXT = ("summary", "url", "source", "published")


class BadInput(click.ClickException):
    exit_code = BAD_INPUT


def _lines(raw: bytes) -> Iterator[tuple[int, bytes]]:
    parts = raw.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()  # the newline that ends the last line
    for n, line in enumerate(parts, 1):
        yield n, line.rstrip(b"\r")


def read_jsonl(raw: bytes, name: str, *, labels: bool = False,
               themes: set[str] | None = None) -> list[dict[str, Any]]:
    """Parse JSON lines of items (``title`` required) or labels (plus ``theme``: a theme id
    or null). Every problem names its line; up to five are reported at once."""
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for n, line in _lines(raw):
        problem = None
        if raw.startswith(b"\xef\xbb\xbf") and n == 1:
            line = line[3:]  # a UTF-8 byte order mark (Windows editors)
        if not line.strip():
            problem = "empty line (every line must be one JSON object with a title)"
        else:
            try:
                obj = json.loads(line.decode("utf-8"))
            except UnicodeDecodeError:
                problem = "not valid UTF-8"
            except ValueError as err:
                problem = f"not valid JSON ({err.msg} at column {err.colno})"
            else:
                problem = _check(obj, labels, themes)
        if problem:
            problems.append(f"{name} line {n}: {problem}")
            if len(problems) >= MAX_REPORTED:
                break
        else:
            rows.append(obj)
    if problems:
        more = " (and maybe more)" if len(problems) >= MAX_REPORTED else ""
        raise BadInput("; ".join(problems) + more)
    return rows


def _check(obj: Any, labels: bool, themes: set[str] | None) -> str | None:
    if not isinstance(obj, dict):
        return f"expected a JSON object, got {type(obj).__name__}"
    title = obj.get("title")
    if not isinstance(title, str) or not title.strip():
        return '"title" is missing or not a non-empty string'
    for key in OPTIONAL_TEXT:
        if obj.get(key) is not None and not isinstance(obj[key], str):
            return f'"{key}" must be a string'
    if labels:
        if "theme" not in obj:
            return '"theme" is missing (a theme id, or null for off-brand)'
        theme = obj["theme"]
        if theme is not None and (not isinstance(theme, str) or
                                  (themes is not None and theme not in themes)):
            known = ", ".join(sorted(themes or ())) or "none"
            return f'"theme": unknown theme {theme!r} (configured: {known}, or null)'
    return None


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise BadInput(f"cannot read {path}: {err.strerror or err}") from None


def _open_output(path: str) -> IO[str]:
    """stdout for ``-``; else a temporary file next to ``path`` (moved there when every line
    is written). A folder that does not exist or cannot be written is a one-line error."""
    if path == "-":
        return sys.stdout
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        return open(tmp, "w", encoding="utf-8")  # closed (and removed if unused) by score()
    except OSError as err:
        raise BadInput(f"cannot write {path}: {err.strerror or err}") from None


@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Config whose [[themes]] define the classes (default: the global --config).")
@click.option("--input", "input_path", required=True, type=click.Path(dir_okay=False,
              allow_dash=True), help="Items to score: JSON lines with title (summary, url, "
              "source, published optional). - for stdin.")
@click.option("--labels", "labels_path", type=click.Path(dir_okay=False), default=None,
              help="Labelled examples: JSON lines with title and theme (a theme id or null).")
@click.option("--output", "output_path", type=click.Path(dir_okay=False, allow_dash=True),
              default="-", show_default=True, help="Where to write the scored JSON lines.")
@pass_app
def score(app: App, config_path: str | None, input_path: str, labels_path: str | None,
          output_path: str) -> None:
    """Score items against the config's themes; no database is touched.

    Trains from the themes' seeds, the labels and the input itself (as unlabelled data),
    then writes one JSON line per input line, in order, adding theme (id or null),
    relevance (0-1), scores ({theme: probability}) and why (terms). A bad line is an error
    naming it (exit code 2).
    """
    from ..config import load_config

    config = load_config(config_path or app.config_path)
    if not config.themes:
        raise click.UsageError(f"{config.path}: no [[themes]] configured: nothing to score "
                               "against")
    themes = {t.id for t in config.themes}
    items = read_jsonl(_read(input_path), input_path, themes=themes)
    labels = (read_jsonl(_read(labels_path), labels_path, labels=True, themes=themes)
              if labels_path else [])
    # Opened before training, so a wrong --output fails in a second, not after the fit.
    out = _open_output(output_path)
    try:
        preds = _predict(config, items, labels)
        try:
            for item, pred in zip(items, preds, strict=True):
                out.write(json.dumps({**item, **pred.as_dict()}, ensure_ascii=False) + "\n")
            if out is not sys.stdout:
                out.close()
                Path(out.name).replace(output_path)  # atomic: never half a file at --output
        except OSError as err:  # disk full, file system gone read-only
            raise BadInput(f"cannot write {output_path}: {err.strerror or err}") from None
    finally:  # on any failure (training too) no temporary file is left behind
        if out is not sys.stdout:
            out.close()
            Path(out.name).unlink(missing_ok=True)
    if output_path != "-":
        on = sum(1 for p in preds if p.theme)
        click.echo(f"scored {len(preds)} items ({on} on a theme) -> {output_path}", err=True)


def _predict(config: Any, items: list[dict[str, Any]],
             labels: list[dict[str, Any]]) -> list[Any]:
    """Fit on the seeds, the labels and the items (unlabelled), then score every item."""
    from ..ranking.classifier import texts_of
    from ..ranking.fitting import fit_model
    from ..ranking.train_params import TrainParams

    texts = texts_of(items)
    pairs = list(zip(texts_of(labels), [r["theme"] for r in labels], strict=True))
    model, x, norm = fit_model(config.themes, labelled=pairs, unlabelled=texts,
                               params=TrainParams())
    min_rel = config.ranking.min_relevance
    preds = model.predict_matrix(x, norm, min_relevance=min_rel) if texts else []
    if len(preds) < len(texts):  # beyond max_unlabelled: scored, not trained on
        preds += model.predict(texts[len(preds):], min_relevance=min_rel)
    return list(preds)


@click.command()
@click.option("--rank/--no-rank", default=False, show_default=True,
              help="Also re-score the recent items and rebuild today's list with the new "
                   "model (reviewed suggestions are kept).")
@pass_app
def train(app: App, rank: bool) -> None:
    """Retrain the classifier now on the themes' seeds, every review verdict so far and the
    recent items; the new model version becomes the active one. Today's list changes only
    with --rank (or at the next `run`)."""
    from ..ranking.training import train_model

    if not app.config.themes:
        raise click.UsageError("no [[themes]] configured: nothing to train")
    record = train_model(app.store, app.config)
    counts = record["label_counts"]
    labels = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "none yet"
    click.echo(f"model {record['version']} trained on {record['n_items']} items; "
               f"labels: {labels}")
    click.echo(f"cross-validated: {_cv_text(record['cv_scores'])}")
    if not rank:
        click.echo("Today's list was not re-ranked: run `trendwatch train --rank` to rebuild "
                   "it now, or it is rebuilt at the next run.")
        return
    from ..daily.build import build_daily_list

    day = app.store.query("select item_id from suggestions where status = 'new' and "
                          "list_date = ?", [_today(app)])
    before = {r["item_id"] for r in day}
    rows = build_daily_list(app.store, app.config, app.host, model=record.get("model"))
    after = {r["item_id"] for r in rows if r["status"] == "new"}
    click.echo(f"Re-ranked today's list with {record['version']}: {len(after)} new "
               f"suggestions ({len(after - before)} joined, {len(before - after)} dropped).")


def _today(app: App) -> str:
    from ..daily.queries import today

    return today(app.config.brand.tz).isoformat()


def _cv_text(cv: dict[str, Any]) -> str:
    if "macro_f1" in cv:
        return f"macro-F1 {cv['macro_f1']:.3f} ({cv['folds']} folds, {cv['n_labels']} labels)"
    return str(cv.get("skipped") or "not computed")


@click.group()
def model() -> None:
    """The classifier's model versions and their quality."""


@model.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_app
def model_list(app: App, as_json: bool) -> None:
    """Every trained model version, newest first (* = active)."""
    from ..db.store import loads

    rows = app.store.query("select version, created_at, active, label_counts, cv_scores, "
                           "n_items, path from models order by created_at desc, version desc")
    if as_json:
        click.echo(json.dumps([{**r, "active": bool(r["active"]),
                                "label_counts": loads(r["label_counts"], {}),
                                "cv_scores": loads(r["cv_scores"], {})} for r in rows],
                              ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no model trained yet (run `trendwatch train`)")
        return
    for r in rows:
        counts = loads(r["label_counts"], {})
        n_labels = sum(counts.values())
        click.echo(f"{'*' if r['active'] else ' '} {r['version']}  {r['created_at']}  "
                   f"{r['n_items']} items, {n_labels} labels  "
                   f"{_cv_text(loads(r['cv_scores'], {}))}")


@model.command("eval")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 10))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_app
def model_eval(app: App, folds: int, as_json: bool) -> None:
    """Per-theme precision and recall on the review labels so far (cross-validated: each
    label is predicted by a model that did not see it)."""
    from ..parse.tokens import item_text
    from ..ranking.train_params import TrainParams
    from ..ranking.training import cross_validate, unlabelled_texts
    from ..stories.labels import training_labels

    store, config = app.store, app.config
    known = {t.id for t in config.themes}
    labels = [r for r in training_labels(store) if r["theme"] is None or r["theme"] in known]
    if not labels:
        raise click.ClickException("no labels yet: accept or reject some suggestions first "
                                   "(`trendwatch review`)")
    pairs = [(item_text(r["title"], r["summary"]), r["theme"]) for r in labels]
    stream = unlabelled_texts(store, {r["item_id"] for r in labels}, 2000)
    cv, _ = cross_validate(config.themes, pairs, stream, TrainParams(), folds=folds)
    if as_json:
        click.echo(json.dumps(cv, indent=2))
        return
    if "per_class" not in cv:
        raise click.ClickException(f"cannot evaluate yet: {cv.get('skipped')}")
    click.echo(f"{'theme':<22} {'precision':>9} {'recall':>7} {'f1':>6} {'labels':>7}")
    for name, m in cv["per_class"].items():
        click.echo(f"{name:<22} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['f1']:>6.3f} "
                   f"{m['support']:>7}")
    click.echo(f"macro-F1 {cv['macro_f1']:.3f} over {cv['n_labels']} labels, "
               f"{cv['folds']}-fold cross-validation")


def register(cli: click.Group) -> None:
    """Add ``score``, ``train`` and ``model`` to the main group (once)."""
    for command in (score, train, model):
        if command.name not in cli.commands:
            cli.add_command(command)
