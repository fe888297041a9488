"""docs/plugins.md cannot rot: every hook and public API name is documented, its code and
TOML examples are valid (the tutorial plugin actually runs), and every CLI command is
mentioned in the README or docs/cli.md."""

from __future__ import annotations

import inspect
import json
import re
import tomllib
import types
from pathlib import Path

import click
import pytest

from trendwatch import api, hookspecs

ROOT = Path(__file__).parent.parent
PLUGINS_MD = ROOT / "docs" / "plugins.md"


def plugins_doc() -> str:
    return PLUGINS_MD.read_text("utf-8")


def sections(text: str) -> dict[str, str]:
    """``### `name...` `` heading -> the text up to the next heading."""
    out = {}
    parts = re.split(r"^(#{2,3} .*)$", text, flags=re.M)
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        m = re.match(r"#{2,3} `([A-Za-z_]+)", heading)
        if m:
            out[m.group(1)] = body
    return out


def hook_names() -> list[str]:
    return sorted(name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
                  if hasattr(fn, "trendwatch_spec"))


def test_there_are_hooks_to_check():
    assert {"register_sources", "generate_angles"} <= set(hook_names())


@pytest.mark.parametrize("hook", hook_names())
def test_every_hook_is_documented_with_its_arguments(hook):
    doc = sections(plugins_doc())
    assert hook in doc, f"docs/plugins.md has no '### `{hook}(...)`' section"
    body = doc[hook]
    for arg in inspect.signature(getattr(hookspecs, hook)).parameters:
        assert f"`{arg}`" in body, f"the {hook} section does not describe argument {arg!r}"
    assert "**When:**" in body and "**Returns:**" in body


@pytest.mark.parametrize("name", sorted(api.__all__))
def test_every_public_api_name_is_documented(name):
    assert name in sections(plugins_doc()), f"docs/plugins.md has no '### `{name}`' section"


def test_item_fields_are_all_documented():
    body = sections(plugins_doc())["Item"]
    for field in api.Item.__dataclass_fields__:
        assert f"| `{field}` |" in body, f"Item.{field} is missing from the table"


def test_loading_rules_are_documented():
    text = plugins_doc()
    for needle in ("TRENDWATCH_LOAD_PLUGINS", "[project.entry-points.trendwatch]",
                   "trendwatch plugin new", "trendwatch source test", "ctx.http.get",
                   "pytest_plugins = [\"trendwatch.testing\"]", "ctx.warn", "twine upload"):
        assert needle in text, needle


def code_blocks(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", plugins_doc(), flags=re.M | re.S)


def test_python_examples_compile():
    blocks = code_blocks("python")
    assert len(blocks) >= 4
    for block in blocks:
        compile(block, "docs/plugins.md", "exec", dont_inherit=True)


def test_toml_examples_parse():
    blocks = code_blocks("toml")
    assert len(blocks) >= 3
    for block in blocks:
        tomllib.loads(block)


LOBSTERS = [
    {"short_id": "k3xq1a", "short_id_url": "https://lobste.rs/s/k3xq1a",
     "created_at": "2026-11-27T08:41:05.000-06:00", "title": "A tiny colour pipeline in Rust",
     "url": "https://colour.example.org/pipeline", "score": 42, "flags": 0,
     "comment_count": 9, "description": "", "description_plain": "",
     "comments_url": "https://lobste.rs/s/k3xq1a/a_tiny_colour_pipeline_rust",
     "submitter_user": "grader", "user_is_author": True, "tags": ["graphics", "rust"]},
    {"short_id": "p0w9zz", "short_id_url": "https://lobste.rs/s/p0w9zz",
     "created_at": "2026-11-27T11:02:44.000-06:00", "title": "Ask: editing proxies on NAS?",
     "url": "", "score": 7, "flags": 0, "comment_count": 3,
     "description": "<p>What do you use?</p>", "description_plain": "What do you use?",
     "comments_url": "https://lobste.rs/s/p0w9zz/ask_editing_proxies_on_nas",
     "submitter_user": "editor", "user_is_author": False, "tags": ["ask", "video"]},
]


def test_tutorial_plugin_runs(feed_server, run_source):
    """The module shown in 'A source plugin from scratch' works as printed."""
    [module_code] = [b for b in code_blocks("python") if "class LobstersSource" in b]
    module = types.ModuleType("trendwatch_lobsters_from_docs")
    # dont_inherit: this test file's `from __future__ import annotations` must not leak in
    exec(compile(module_code, "docs/plugins.md", "exec", dont_inherit=True), module.__dict__)
    feed_server.serve("/hottest.json", json.dumps(LOBSTERS), "application/json")

    result = run_source(module.LobstersSource, url=feed_server.url("/hottest.json"))
    assert result.status == "ok", result.error
    first, ask = result.items
    assert first.metrics == {"score": 42, "comments": 9}
    assert first.guid == "k3xq1a" and first.published.utcoffset().total_seconds() == -6 * 3600
    assert ask.url == "https://lobste.rs/s/p0w9zz/ask_editing_proxies_on_nas"
    assert run_source(module.LobstersSource, url=feed_server.url("/hottest.json"),
                      min_score=10).titles == ["A tiny colour pipeline in Rust"]


def command_paths(group: click.Group, prefix: str = "trendwatch") -> list[str]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        out.append(path)
        if isinstance(cmd, click.Group):
            out.extend(command_paths(cmd, path))
    return out


def test_every_cli_command_is_mentioned_in_the_readme_or_cli_reference():
    from trendwatch.cli import cli

    texts = [p.read_text("utf-8") for p in (ROOT / "README.md", ROOT / "docs" / "cli.md")
             if p.exists()]
    missing = [path for path in command_paths(cli)
               if not any(re.search(rf"{re.escape(path)}\b", t) for t in texts)]
    assert not missing, f"not mentioned in README.md or docs/cli.md: {', '.join(missing)}"
