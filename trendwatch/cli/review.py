"""Commands: suggestions, review, held (``export`` and ``digest``: cli/export.py; ``plan``
and ``backlog``: cli/plan.py).

``suggestions`` and ``review`` only read and write the database: they never import
scikit-learn, so they start fast and work while the daemon runs.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date
from typing import Any

import click

from ..app import App, pass_app

FORMATS = ("table", "json", "csv", "md", "html")
REASONS = ("off-brand", "sensitive", "wrong-theme", "stale", "already-covered", "other")


class _Date(click.ParamType):
    """A YYYY-MM-DD option value, checked at parse time (usage error, exit 2)."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f'"{value}" is not a date (use YYYY-MM-DD)', param, ctx)


DATE = _Date()


def _width() -> int:
    """Terminal columns, kept between 60 and 120 so lines stay readable."""
    return max(60, min(shutil.get_terminal_size((80, 24)).columns, 120))


def _table(rows: list[dict[str, Any]], config: Any = None) -> str:
    from ..daily.render import clean_line, fit, signal_text
    width = _width()
    head = f"{'ID':>5} {'SCORE':>5}  {'THEME':<16} "
    title_w = width - len(head)
    out = [head + "TITLE"]
    for r in rows:
        theme = clean_line(r["theme"] or "-")
        title = fit(clean_line(r["title"]), title_w).rstrip()
        out.append(f"{r['id']:>5} {r['score']:>5.2f}  {fit(theme, 16)} {title}")
        detail = [", ".join(r["sources"])]
        n_sources = (r.get("story") or {}).get("n_sources") or 1
        if n_sources > 1:
            # one line per row: the count here, how fast it grew in md/json/web/digest
            detail.append(f"covered by {n_sources} sources")
        detail.append(_published(r, config))
        if r["why"]:
            detail.append("why: " + ", ".join(clean_line(w) for w in r["why"]))
        signals = signal_text(r["signals"])
        if signals:
            detail.append(signals)
        if r["status"] != "new":
            detail.append(r["status"] + (f" {r['planned_for']}" if r["planned_for"] else ""))
        if r.get("learning"):
            detail.insert(0, "[help the model learn]")
        pad = " " * 13
        out.append((pad + fit(clean_line(" · ".join(detail)), width - len(pad))).rstrip())
    return "\n".join(out)


def _published(r: dict[str, Any], config: Any) -> str:
    """The row's publication date in the brand's language and time zone."""
    from ..daily.queries import brand_lang
    from ..daily.render import published_text

    if config is None:
        return published_text(r)
    return published_text(r, lang=brand_lang(config), tz=config.brand.tz)


def _csv(rows: list[dict[str, Any]]) -> str:
    from ..daily.export import angle_lines
    from ..daily.render import clean_line, csv_cell

    columns = ("id", "list_date", "score", "relevance", "theme", "theme_name", "title", "url",
               "sources", "why", "angles", "status", "first_seen", "planned_for", "learning")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        values = {**r, "title": clean_line(r["title"]), "sources": ", ".join(r["sources"]),
                  "why": ", ".join(clean_line(w) for w in r["why"]),
                  "angles": " | ".join(angle_lines(r))}
        writer.writerow([csv_cell(values.get(c)) for c in columns])
    return buf.getvalue()


def format_rows(rows: list[dict[str, Any]], fmt: str, title: str,
                config: Any = None) -> str:
    """Render suggestion rows in one of FORMATS."""
    if fmt == "json":
        from ..daily.queries import as_records

        return json.dumps(as_records(rows), ensure_ascii=False, indent=2)
    if fmt == "csv":
        return _csv(rows).rstrip("\n")
    if fmt in ("md", "html"):
        from ..daily.render import suggestions_page

        if config is None:
            return suggestions_page(rows, title=title, fmt=fmt).rstrip("\n")
        from ..daily.queries import brand_lang

        return suggestions_page(rows, title=title, fmt=fmt, lang=brand_lang(config),
                                tz=config.brand.tz).rstrip("\n")
    return _table(rows, config)


@click.command()
@click.option("--date", "day", type=DATE, default=None,
              help="The list's date (default: today in the brand's time zone).")
@click.option("--theme", default=None, help="Only this theme id.")
@click.option("--status", type=click.Choice(["new", "accepted", "rejected", "snoozed", "all"]),
              default="new", show_default=True,
              help="Which suggestions (new also shows snoozed ones that are due).")
@click.option("--limit", type=click.IntRange(min=0), default=None, help="At most N rows.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True, help="Output format (json: see docs/suggestions.md).")
@pass_app
def suggestions(app: App, day: date | None, theme: str | None, status: str,
                limit: int | None, fmt: str) -> None:
    """Show the daily suggestion list, best score first.

    Each suggestion has its theme, score, the terms that explain it, its sources and
    content angles. `--format json` prints the stable schema documented in
    docs/suggestions.md.
    """
    from ..daily.queries import list_suggestions, shown_list_date, today

    app.reading()
    if day is None and fmt == "table":
        # A person at the terminal after midnight means the last list built; a script
        # (json/csv/...) gets exactly today's, as documented.
        day, earlier = shown_list_date(app.store, app.config.brand.tz)
        if earlier:
            click.echo(f"Today's list is not built yet; showing the latest, {day.isoformat()}.",
                       err=True)
    rows = list_suggestions(app.store, app.config, list_date=day, theme=theme, status=status,
                            limit=limit)
    shown = day or today(app.config.brand.tz)
    if not rows and fmt == "table":
        click.echo(f"No {'' if status == 'all' else status + ' '}suggestions for "
                   f"{shown.isoformat()}.", err=True)
        return
    click.echo(format_rows(rows, fmt, f"Suggestions for {shown.isoformat()}", app.config))


# -- review -----------------------------------------------------------------------------


def _verdict(app: App, suggestion_id: int, verdict: str, **kwargs: Any) -> dict[str, Any]:
    from ..plan.items import after_verdict
    from ..review.verdicts import record_verdict

    config = app.config
    result = record_verdict(app.store, suggestion_id, verdict, tz=config.brand.tz,
                            valid_themes={t.id for t in config.themes}, **kwargs)
    # the plan follows the verdict: an accepted suggestion gets its platform's next free
    # slot (or the date given), a rejected/snoozed one leaves the plan
    _item, result["warnings"] = after_verdict(app.store, config, result,
                                              planned_for=kwargs.get("planned_for"))
    return result


def _done_message(result: dict[str, Any]) -> str:
    """What was recorded, naming the item (never just a number the reader must trust)."""
    from ..daily.render import clean_line, fit

    sid = result["suggestion_id"]
    what = f"{sid} \u201c{fit(clean_line(result.get('title') or ''), 70).rstrip()}\u201d"
    late = "" if result.get("listed", True) else \
        " (it had dropped out of the list; the verdict is on this same item)"
    if result["verdict"] == "accept":
        when = result["planned_for"] + (f" {result['planned_time']}"
                                        if result.get("planned_time") else "")
        text = (f"Accepted {what}: planned for {when} "
                f"(plan item {result['plan_item_id']}).{late}")
        return "\n".join([text, *(f"warning: {w}" for w in result.get("warnings", []))])
    if result["verdict"] == "snooze":
        return f"Snoozed {what} until {result['snoozed_until']}.{late}"
    label = f", correct theme {result['theme']}" if result["reason"] == "wrong-theme" else ""
    return f"Rejected {what} ({result['reason']}{label}).{late}"


_ITEM_HELP = ("The item this verdict is meant for (the digest prints it): if suggestion "
              "ID is another item, nothing is recorded.")


def _card(r: dict[str, Any], pos: int, total: int, config: Any = None) -> str:
    from ..daily.export import angle_lines
    from ..daily.render import clean_line, safe_url, signal_text

    lines = [f"[{pos}/{total}] #{r['id']}  {clean_line(r['title'])}"]
    meta = [clean_line(r["theme_name"] or r["theme"] or "no theme"),
            f"score {r['score']:.2f}", f"relevance {r['relevance']:.2f}"]
    if r.get("learning"):
        meta.insert(0, "[help the model learn: the model is unsure]")
    lines.append("      " + " · ".join(meta))
    if r.get("summary_line"):
        lines.append("      " + clean_line(r["summary_line"]))
    lines.append("      " + _published(r, config))
    if signal_text(r["signals"]):
        lines.append("      why now: " + signal_text(r["signals"]))
    lines.append("      sources: " + ", ".join(clean_line(s) for s in r["sources"]))
    if r["why"]:
        lines.append("      why: " + ", ".join(clean_line(w) for w in r["why"]))
    lines.extend(f"      -> {a}" for a in angle_lines(r))
    lines.append("      " + (safe_url(r["url"]) or "(no link)"))  # safe_url: no controls
    return "\n".join(lines)


def _ask_reject(app: App) -> dict[str, Any]:
    """Ask the reason (and the correct theme / a note when it needs one)."""
    menu = "  ".join(f"[{i}] {name}" for i, name in enumerate(REASONS, 1))
    choices = [str(i) for i in range(1, len(REASONS) + 1)] + list(REASONS)
    answer = click.prompt(f"Reason {menu}", type=click.Choice(choices), show_choices=False)
    reason = REASONS[int(answer) - 1] if answer.isdigit() else answer
    extra: dict[str, Any] = {"reason": reason}
    if reason == "wrong-theme":
        ids = [t.id for t in app.config.themes]
        extra["theme"] = click.prompt(f"Correct theme ({', '.join(ids)})",
                                      type=click.Choice(ids), show_choices=False)
    elif reason == "other":
        extra["note"] = click.prompt("Note (optional)", default="", show_default=False)
    return extra


def _interactive(app: App, day: date | None, theme: str | None, limit: int | None) -> None:
    from ..daily.queries import list_suggestions, shown_list_date
    from ..daily.render import safe_url

    if day is None:
        day, earlier = shown_list_date(app.store, app.config.brand.tz)
        if earlier:
            click.echo(f"Today's list is not built yet; reviewing the latest, {day.isoformat()}.")
    rows = list_suggestions(app.store, app.config, list_date=day, theme=theme, status="new",
                            limit=limit)
    shown = day.isoformat()
    if not rows:
        click.echo(f"No new suggestions for {shown}.")
        return
    counts = {"accept": 0, "reject": 0, "snooze": 0, "skip": 0}
    click.echo(f"{len(rows)} new suggestions for {shown}. "
               "[a]ccept [r]eject [s]nooze [o]pen link [k] skip [q]uit")
    try:
        for pos, r in enumerate(rows, 1):
            click.echo("")
            click.echo(_card(r, pos, len(rows), app.config))
            while True:
                key = click.prompt("[a/r/s/o/k/q]", type=click.Choice(list("arsokq"),
                                   case_sensitive=False), show_choices=False).lower()
                if key == "o":
                    link = safe_url(r["url"])
                    if link:
                        click.echo(link)
                        click.launch(link)
                    else:
                        click.echo("This item has no web link.")
                    continue
                break
            if key == "q":
                break
            if key == "k":
                counts["skip"] += 1
                continue
            verdict = {"a": "accept", "r": "reject", "s": "snooze"}[key]
            extra = _ask_reject(app) if verdict == "reject" else {}
            result = _verdict(app, r["id"], verdict, **extra)
            counts[verdict] += 1
            click.echo(_done_message(result))
    except click.Abort:  # Ctrl-C / end of input: what was decided so far is stored
        click.echo("")
    click.echo(f"Done: {counts['accept']} accepted, {counts['reject']} rejected, "
               f"{counts['snooze']} snoozed, {counts['skip']} skipped.")


@click.group(invoke_without_command=True)
@click.option("--date", "day", type=DATE, default=None,
              help="Review this day's list (default: today in the brand's time zone).")
@click.option("--theme", default=None, help="Only this theme id.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="At most N suggestions.")
@click.pass_context
def review(ctx: click.Context, day: date | None, theme: str | None, limit: int | None) -> None:
    """Review today's new suggestions one by one: accept, reject (with a reason), snooze.

    Without a subcommand it walks the list interactively: [a]ccept, [r]eject (then asks
    why), [s]nooze until the next working day, [o]pen the link, [k] skip, [q]uit. Every
    verdict is stored at once and teaches the classifier; a judged item is never suggested
    again. `review accept|reject|snooze ID` records one verdict without asking.
    """
    if ctx.invoked_subcommand is None:
        _interactive(ctx.find_object(App), day, theme, limit)


@review.command("accept")
@click.argument("suggestion_id", type=int)
@click.option("--item", "item_id", type=int, default=None, help=_ITEM_HELP)
@click.option("--date", "day", type=DATE, default=None,
              help="Planned post date (default: the next working day).")
@click.option("--theme", default=None, help="The theme it serves, if not the suggested one.")
@click.option("--note", default=None, help="A note kept with the verdict.")
@pass_app
def accept(app: App, suggestion_id: int, item_id: int | None, day: date | None,
           theme: str | None, note: str | None) -> None:
    """Accept suggestion ID: it joins the content backlog."""
    click.echo(_done_message(_verdict(app, suggestion_id, "accept", planned_for=day,
                                      theme=theme, note=note, item_id=item_id)))


@review.command("reject")
@click.argument("suggestion_id", type=int)
@click.option("--item", "item_id", type=int, default=None, help=_ITEM_HELP)
@click.option("--reason", type=click.Choice(REASONS), required=True,
              help="Why: off-brand (no theme fits), sensitive (not our voice: teaches "
                   "off-brand), wrong-theme (give --theme), stale and already-covered "
                   "(teach nothing), other.")
@click.option("--theme", default=None, help="With wrong-theme: the correct theme id.")
@click.option("--note", default=None, help="A note kept with the verdict.")
@pass_app
def reject(app: App, suggestion_id: int, item_id: int | None, reason: str,
           theme: str | None, note: str | None) -> None:
    """Reject suggestion ID with a reason (what each reason teaches: docs/suggestions.md)."""
    click.echo(_done_message(_verdict(app, suggestion_id, "reject", reason=reason,
                                      theme=theme, note=note, item_id=item_id)))


@review.command("snooze")
@click.argument("suggestion_id", type=int)
@click.option("--item", "item_id", type=int, default=None, help=_ITEM_HELP)
@click.option("--date", "day", type=DATE, default=None,
              help="Show it again on this date (default: the next working day).")
@click.option("--note", default=None, help="A note kept with the verdict.")
@pass_app
def snooze(app: App, suggestion_id: int, item_id: int | None, day: date | None,
           note: str | None) -> None:
    """Snooze suggestion ID: it comes back in the new list on the given date."""
    click.echo(_done_message(_verdict(app, suggestion_id, "snooze", snooze_until=day,
                                      note=note, item_id=item_id)))


# -- held back by brand safety -------------------------------------------------------


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a list.")
@click.pass_context
def held(ctx: click.Context, as_json: bool) -> None:
    """List the items brand safety held back, with the reason.

    These would have been on the list, but match a [brand] avoid term or a sensitive topic
    of [safety] hold. `held release ITEM` puts one on today's list anyway.
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..daily.render import clean_line
    from ..review.holdback import held_items

    app = ctx.find_object(App)
    rows = held_items(app.store, app.config)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("Nothing is held back.")
        return
    click.echo(f"{len(rows)} held back (release one with `trendwatch held release ITEM`):")
    for r in rows:
        click.echo(f"{r['item_id']:>7}  {clean_line(r['title'])[:90]}")
        click.echo(f"{'':>7}  held: {clean_line(r['reason'])} · {_published(r, app.config)}"
                   f" · {clean_line(r['source'])}")


@held.command("release")
@click.argument("item_id", type=int)
@pass_app
def held_release(app: App, item_id: int) -> None:
    """Release held-back item ITEM_ID: it goes on today's list (brand safety still marks
    it, so its angles stay respectful)."""
    from ..daily.render import clean_line
    from ..review.holdback import release

    done = release(app.store, app.config, item_id)
    click.echo(f"Released item {item_id} \u201c{clean_line(done['title'])[:80]}\u201d (was "
               f"held: {clean_line(done['reason'])}): suggestion {done['suggestion_id']} on "
               "today's list.")


def register(cli: click.Group) -> None:
    for command in (suggestions, review, held):
        cli.add_command(command)
