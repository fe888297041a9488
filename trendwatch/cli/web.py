"""Command: serve (the web page)."""

from __future__ import annotations

import signal
import sys
import threading
import webbrowser

import click

from ..app import App, pass_app


@click.command()
@click.option("--host", default=None,
              help="Address to listen on (default: [web] host, 127.0.0.1). Anything but "
                   "loopback requires [web] token in the config.")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="Port (default: [web] port, 8765; 0 picks a free one).")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a browser.")
@click.option("--threads", type=click.IntRange(1, 32), default=4, show_default=True,
              help="Requests served at once.")
@pass_app
def serve(app: App, host: str | None, port: int | None, open_browser: bool,
          threads: int) -> None:
    """Serve the web page: today's list, verdicts, the content plan, sources, rising topics,
    search; and the plan as a calendar to subscribe to (/calendar.ics).

    It reads the same database the daemon writes, so run it beside `trendwatch run`. It
    listens on 127.0.0.1 unless told otherwise; to reach it from another machine set a
    [web] token (the page asks for it once) and, over the internet, put it behind HTTPS.
    """
    from waitress import create_server

    from ..web import create_app
    from ..web.security import check_bind

    config = app.reading().config
    host = host or config.web.host
    port = config.web.port if port is None else port
    check_bind(host, config.web.token)
    flask_app = create_app(app.db_path, config)
    try:
        server = create_server(flask_app, host=host, port=port, threads=threads,
                               ident="trendwatch")
    except OSError as err:
        raise click.ClickException(f"cannot listen on {host}:{port}: {err.strerror or err}"
                                   ) from None
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{server.effective_port}/"  # type: ignore[union-attr]
    click.echo(f"trendwatch web page on {url} (database {app.db_path}); Ctrl+C stops it.")
    # the content plan as a calendar to subscribe to; its key (with a token) is shown on
    # the Plan page only, never in a log
    click.echo(f"content plan calendar: {url}calendar.ics"
               + (" (add ?token=... from the Plan page)" if config.web.token else ""))
    sys.stdout.flush()
    if open_browser:
        threading.Timer(0.3, webbrowser.open, args=(url,)).start()
    # SIGTERM (systemd stop, `kill`) ends the server like Ctrl+C: exit 0, sockets closed.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def register(cli: click.Group) -> None:
    cli.add_command(serve)
