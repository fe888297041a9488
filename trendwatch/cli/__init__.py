"""The ``trendwatch`` command line.

A thin layer over the library: each command module registers its commands on the main
group. Heavy imports (scikit-learn, Flask) happen inside the commands that need them, so
``--help``, ``status``, ``plugins`` and ``suggestions`` start fast.

Exit codes: 0 ok, 1 failure, 2 usage or configuration error. User errors are one line on
stderr, never a traceback.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
from typing import Any

import click

from ..app import App, pass_app
from ..clock import FAKE_TIME_ENV, install_process_clock
from ..errors import TrendwatchError

__all__ = ["App", "cli", "main", "pass_app"]


class TrendwatchGroup(click.Group):
    """Turns TrendwatchError (bad config, locked database...) into a one-line error with
    its exit code, for every command including plugin-added ones."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TrendwatchError as err:
            exc = click.ClickException(str(err))
            exc.exit_code = err.exit_code
            raise exc from None
        except (sqlite3.Error, OSError) as err:
            if isinstance(err, BrokenPipeError):
                raise
            # a read-only database or folder, a full disk, a damaged file: one line that
            # says what to do, not a traceback (kept in the debug log)
            from ..db.faults import describe

            logging.getLogger("trendwatch").debug("storage error", exc_info=True)
            app = ctx.obj if isinstance(ctx.obj, App) else None
            raise click.ClickException(describe(err, _db_path(app))) from None


def _db_path(app: App | None) -> Any:
    try:
        return app.db_path if app is not None else None
    except Exception:  # no config to tell where: the message does without
        return None


@click.group(cls=TrendwatchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              envvar="TRENDWATCH_CONFIG",
              help="Config file (default: ./trendwatch.toml, then the user config dir, then "
                   "the embedded starter config).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="SQLite database (default: $TRENDWATCH_DB, [storage] db, or the user data "
                   "dir).")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors in the log.")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Log line format on stderr.")
@click.version_option(package_name="trendwatch")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, db_path: str | None, verbose: int,
        quiet: bool, log_format: str) -> None:
    """trendwatch: follows trends and feeds, ranks them for your brand, suggests posts.

    Start with `trendwatch init` to write a config, then `trendwatch run --once`.
    """
    from ..logs import setup_logging

    setup_logging(verbose=verbose, quiet=quiet, fmt=log_format)
    ctx.obj = App(config_path=config_path, db_path=db_path)
    ctx.call_on_close(ctx.obj.close)


def _register_all() -> None:
    from . import core, daemon, export, performance, plan, rank, review, sources, stories, web

    for module in (core, daemon, plan, rank, review, export, sources, stories, web,
                   performance):
        module.register(cli)


_register_all()


def _load_plugin_commands() -> None:
    # Plugins may add commands (hook register_commands). Failures are reported by
    # `trendwatch plugins` and must not break the CLI.
    from ..plugins import load_plugins

    try:
        host = load_plugins()
    except Exception:
        return
    for _name, _result in host.call_each("register_commands", cli=cli):
        pass


def main(argv: list[str] | None = None) -> Any:
    args = sys.argv[1:] if argv is None else argv
    if os.environ.get(FAKE_TIME_ENV):
        try:
            install_process_clock()
        except TrendwatchError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
    if args and args[0] not in cli.commands and not args[0].startswith("-"):
        _load_plugin_commands()
    return cli.main(args=args, prog_name="trendwatch", standalone_mode=True)
