"""Settings layers and validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from wildtrace import config
from wildtrace.errors import ConfigError


def test_defaults_come_from_the_table() -> None:
    s = config.load(None, env={})
    assert s.delay == 2.0
    assert s.embeddings is True
    assert {x.name for x in config.SETTINGS} <= set(s.values)


def test_layers_toml_then_env_then_overrides(tmp_path: Path) -> None:
    toml = tmp_path / "wildtrace.toml"
    toml.write_text('delay = 5\noperator = "ana"\nembeddings = false\n')
    s = config.load(toml, env={"WILDTRACE_DELAY": "7.5"})
    assert (s.delay, s.operator, s.embeddings) == (7.5, "ana", False)
    s = config.load(toml, env={"WILDTRACE_DELAY": "7.5"}, overrides={"delay": "1"})
    assert s.delay == 1.0


@pytest.mark.parametrize("text,needle", [
    ("delay = -1\n", "delay"),
    ("no_such = 1\n", "unknown setting"),
    ("delay = [\n", "cannot parse"),
    ("relevance_threshold = 3\n", "between 0 and 1"),
])
def test_bad_settings_file_names_file_and_setting(tmp_path: Path, text: str, needle: str) -> None:
    toml = tmp_path / "wildtrace.toml"
    toml.write_text(text)
    with pytest.raises(ConfigError) as err:
        config.load(toml, env={})
    assert needle in str(err.value)
    assert str(toml) in str(err.value)


def test_bad_env_value_is_named() -> None:
    with pytest.raises(ConfigError, match="WILDTRACE_EMBEDDINGS"):
        config.load(None, env={"WILDTRACE_EMBEDDINGS": "perhaps"})


def test_default_toml_is_valid_and_commented(tmp_path: Path) -> None:
    toml = tmp_path / "wildtrace.toml"
    toml.write_text(config.default_toml())
    assert config.load(toml, env={}).values == config.load(None, env={}).values
