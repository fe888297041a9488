"""Where the config file comes from and reading it: strictly (``load_config``), or leniently
for read-only commands while it is broken (``lenient_config``)."""

from __future__ import annotations

import os
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import (
    ValidationError,
)

from ..errors import ConfigError
from .schema import Config

CONFIG_NAME = "trendwatch.toml"


def format_validation_error(err: ValidationError, prefix: str = "") -> list[str]:
    """Turn pydantic's errors into ``key.path: message`` lines."""
    lines = []
    for e in err.errors():
        loc = prefix
        for part in e["loc"]:
            if isinstance(part, int):
                loc += f"[{part}]"
            else:
                loc += f".{part}" if loc else str(part)
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        elif e["type"] == "missing":
            msg = "required key is missing"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        # A model-level validator already names its own keys ("themes[1].id: ...").
        if re.match(r"^[a-z_]+\[\d+\]\.", msg):
            lines.append(msg)
        else:
            lines.append(f"{loc}: {msg}" if loc else msg)
    return lines


def starter_text() -> str:
    """The commented starter config (what ``trendwatch init`` writes)."""
    return resources.files("trendwatch").joinpath("data/starter.toml").read_text("utf-8")


def user_config_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("trendwatch")) / CONFIG_NAME


def find_config(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file to use, or None for the embedded starter config."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("TRENDWATCH_CONFIG")
    if env:
        return Path(env)
    local = Path(CONFIG_NAME)
    if local.exists():
        return local
    user = user_config_path()
    if user.exists():
        return user
    return None


def parse_config(text: str, path: str = "<memory>") -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"not valid TOML: {err}", path) from None
    try:
        config = Config(**data)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err), path) from None
    return config.model_copy(update={"path": path})


def load_config(explicit: str | os.PathLike[str] | None = None) -> Config:
    path = find_config(explicit)
    if path is None:
        return parse_config(starter_text(), "<embedded starter config>")
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path} (create one with `trendwatch init`)"
                          ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read config file {path}: {err}") from None
    return parse_config(text, str(path))


#: Sections that make sense on their own for reading the database.
_SECTIONS = ("brand", "fetch", "digest", "ranking", "web", "storage", "themes")


def lenient_config(explicit: str | os.PathLike[str] | None) -> tuple[Config, str | None]:
    """The config, or when it is invalid the sections of it that are valid (defaults for
    the rest) and the problem to warn about."""
    try:
        return load_config(explicit), None
    except ConfigError as err:
        problem = str(err)
        path = find_config(explicit)
        if path is None or not path.is_file():
            raise  # a file that isn't there is a typo to fix, not a file being edited
    data: dict[str, Any] = {}
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        raw = {}
    for key in _SECTIONS:
        if key in raw:
            try:
                Config(**{key: raw[key]})
            except Exception:  # this section is part of the problem: defaults instead
                continue
            data[key] = raw[key]
    return Config(**data).model_copy(update={"path": str(path)}), problem
