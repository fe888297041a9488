"""docs/configuration.md documents every config key, so the reference cannot drift."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from trendwatch.config import Config, PluginTable, SourceTable

DOC = (Path(__file__).parent.parent / "docs" / "configuration.md").read_text()


def keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    out = []
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        out.append(prefix + name)
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel) and ann not in (
                SourceTable, PluginTable) and name != "weights":
            out += keys(ann, prefix + name + ".")
    return out


def section_of(key: str) -> str:
    return key.split(".")[0]


def test_every_key_is_documented():
    missing = []
    for key in keys(Config):
        section = section_of(key)
        header = f"## `[{section}]`" if "." in key or section in (
            "brand", "fetch", "digest", "ranking", "performance", "web", "storage"
        ) else f"## `[[{section}]]`"
        assert header in DOC, f"no section {header}"
        if "." in key:
            leaf = key.rsplit(".", 1)[1]
            if f"| `{leaf}` |" not in DOC:
                missing.append(key)
    for key in ("name", "plugin", "every", "enabled"):
        if f"| `{key}` |" not in DOC:
            missing.append(f"sources.{key}")
    assert not missing, f"undocumented config keys: {missing}"


def test_every_builtin_source_type_is_listed():
    from trendwatch.plugins import load_plugins

    host = load_plugins()
    builtin = [t for t, p in host.provided_by.items()
               if t in host.sources and host.dists.get(p) is not None
               and host.dists[p].metadata["Name"] == "trendwatch"]
    missing = [t for t in builtin if f"| `{t}` |" not in DOC]
    assert not missing, f"source types missing from docs/configuration.md: {missing}"
