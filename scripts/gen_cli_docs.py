"""Regenerate docs/cli.md from the click commands' own help text.

    python scripts/gen_cli_docs.py          # rewrite docs/cli.md
    python scripts/gen_cli_docs.py --check  # exit 1 if docs/cli.md is out of date

tests/test_docs_cli.py runs the check, so the CLI reference cannot drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"

HEADER = """# CLI reference

Generated from the code by `python scripts/gen_cli_docs.py`; do not edit by hand.

Global options come before the command: `trendwatch [--config PATH] [--db PATH] [-v|-q]
[--log-format text|json] COMMAND ...`. Exit codes: 0 ok, 1 failure (e.g. a source failed),
2 usage or configuration error. Errors are one line on stderr.
"""


def render() -> str:
    from trendwatch.cli import cli

    parts = [HEADER]

    def walk(command: click.Command, path: list[str]) -> None:
        ctx = click.Context(command, info_name=" ".join(path), **command.context_settings)
        if path != ["trendwatch"]:
            parts.append(f"\n## `{' '.join(path)}`\n\n```\n{command.get_help(ctx)}\n```\n")
        else:
            parts.append(f"\n## `trendwatch`\n\n```\n{command.get_help(ctx)}\n```\n")
        if isinstance(command, click.Group):
            for name in sorted(command.commands):
                walk(command.commands[name], [*path, name])

    walk(cli, ["trendwatch"])
    return "".join(parts)


def main() -> int:
    # a fixed terminal width so the output doesn't depend on who runs it
    import os

    os.environ["COLUMNS"] = "100"
    text = render()
    if "--check" in sys.argv:
        if not DOC.exists() or DOC.read_text() != text:
            print("docs/cli.md is out of date: run python scripts/gen_cli_docs.py",
                  file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text)
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
