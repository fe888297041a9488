from __future__ import annotations

import pytest

from trendwatch.binding import bind_sources
from trendwatch.config import load_config, parse_config, starter_text
from trendwatch.durations import parse_duration
from trendwatch.errors import ConfigError
from trendwatch.plugins import load_plugins


def problems(text: str, bind: bool = True) -> list[str]:
    with pytest.raises(ConfigError) as info:
        config = parse_config(text, "t.toml")
        if bind:
            bind_sources(config, load_plugins())
    return info.value.problems


def test_starter_config_is_valid_and_binds_every_source():
    config = parse_config(starter_text(), "starter")
    assert config.brand.timezone == "Asia/Jakarta"
    assert 4 <= len(config.themes) <= 6
    assert len(config.sources) >= 12
    bound = bind_sources(config, load_plugins())
    assert {s.table.plugin for s in bound} >= {"rss"}


@pytest.mark.parametrize("text,expected", [
    ("[brand]\nnmae = 'x'\n", "brand.nmae: unknown key"),
    ("[fetch]\nconcurency = 3\n", "fetch.concurency: unknown key"),
    ('[[sources]]\nname = "a"\nplugin = "rss"\nurl = "https://e.com/f"\nevery = "5 minutez"\n',
     'sources[0].every: "5 minutez" is not a duration'),
    ('[digest]\nat = "25:00"\n', 'digest.at: "25:00" is not a time of day'),
    ('[brand]\ntimezone = "Asia/Jakartaa"\n', "brand.timezone:"),
    ('[digest]\ndays = ["monday"]\n', "digest.days[0]:"),
])
def test_core_key_errors_name_the_key(text, expected):
    found = problems(text, bind=False)
    assert any(expected in p for p in found), found


def test_unknown_plugin_is_named_with_available_ones():
    found = problems('[[sources]]\nname = "a"\nplugin = "rsss"\nurl = "https://e.com/"\n')
    assert found[0].startswith('sources[0].plugin: unknown plugin "rsss" (available:')
    assert "rss" in found[0]


def test_file_url_is_refused():
    found = problems('[[sources]]\nname = "a"\nplugin = "rss"\nurl = "file:///etc/passwd"\n')
    assert found[0].startswith("sources[0].url:")
    assert "only http:// and https://" in found[0]


def test_plugin_option_typo_is_named():
    found = problems('[[sources]]\nname = "a"\nplugin = "rss"\nurll = "https://e.com/"\n')
    assert "sources[0].url: required key is missing" in found
    assert "sources[0].urll: unknown key" in found


def test_all_problems_reported_at_once():
    text = ('[[sources]]\nname = "a"\nplugin = "nope"\n'
            '[[sources]]\nname = "b"\nplugin = "rss"\nurl = "ftp://x/"\n')
    found = problems(text)
    assert len(found) == 2
    assert found[0].startswith("sources[0].plugin") and found[1].startswith("sources[1].url")


def test_duplicate_names_refused():
    text = ('[[sources]]\nname = "a"\nplugin = "rss"\nurl = "https://e.com/1"\n'
            '[[sources]]\nname = "a"\nplugin = "rss"\nurl = "https://e.com/2"\n')
    assert any('sources[1].name: "a" is already used by sources[0]' in p
               for p in problems(text, bind=False))


def test_bad_toml_names_the_line():
    found = problems("[brand\nname='x'", bind=False)
    assert "not valid TOML" in found[0] and "line 1" in found[0]


def test_config_search_order(tmp_path, monkeypatch, write_config):
    assert load_config().path == "<embedded starter config>"
    local = write_config('[brand]\nname = "Local"\n')
    assert load_config().brand.name == "Local"
    env = write_config('[brand]\nname = "Env"\n', name="env.toml")
    monkeypatch.setenv("TRENDWATCH_CONFIG", str(env))
    assert load_config().brand.name == "Env"
    assert load_config(local).brand.name == "Local"


def test_missing_explicit_config_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize("text,seconds", [("30s", 30), ("15m", 900), ("2h", 7200),
                                          ("1d", 86400), ("1h30m", 5400), (45, 45)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "5 minutez", "0s", "-3m", "m", True, 0])
def test_bad_durations(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_a_plugin_raising_anything_is_a_config_error_naming_it():
    """A plugin's Options validator or constructor raising something other than a
    ValueError is reported as one line naming sources[i] and the plugin, no traceback."""
    from pydantic import field_validator

    from trendwatch.api import Source, SourceOptions
    from trendwatch.hookspecs import hookimpl

    class FussyOptions(SourceOptions):
        region: str = "id"

        @field_validator("region")
        @classmethod
        def _lookup(cls, value: str) -> str:
            return {"id": "ID"}[value]  # KeyError: pydantic does not wrap it

    class Fussy(Source):
        type_name = "fussy"
        Options = FussyOptions

        def fetch(self, ctx):
            return []

    class Fragile(Source):
        type_name = "fragile"

        def __init__(self, name, options):
            raise RuntimeError("needs a cache folder")

        def fetch(self, ctx):
            return []

    class Plugin:
        @hookimpl
        def register_sources(self, register):
            register(Fussy)
            register(Fragile)

    config = parse_config('[[sources]]\nname = "a"\nplugin = "rss"\nurl = "https://e.com/f"\n'
                          '[[sources]]\nname = "b"\nplugin = "fussy"\nregion = "xx"\n'
                          '[[sources]]\nname = "c"\nplugin = "fragile"\n', "t.toml")
    with pytest.raises(ConfigError) as info:
        bind_sources(config, load_plugins([Plugin()]))
    assert info.value.problems == [
        "sources[1]: plugin \"fussy\" rejected its options: KeyError: 'xx'",
        'sources[2]: plugin "fragile" rejected its options: RuntimeError: needs a cache folder']
