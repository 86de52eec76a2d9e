from __future__ import annotations

from pathlib import Path

import pytest

from lib.settings import SettingsError, load_settings, read_secrets_file

SECRET = "rk_live_settings_test_7c1d"


def test_no_key_means_sandbox_mode():
    settings = load_settings(secrets={}, env={})
    assert settings.mode == "sandbox"
    assert settings.sandbox.users == 150


def test_blank_key_is_still_sandbox():
    settings = load_settings(secrets={"recall": {"api_key": "   "}}, env={})
    assert settings.mode == "sandbox"


def test_key_in_secrets_means_live_on_the_region():
    settings = load_settings(
        secrets={"recall": {"api_key": SECRET, "region": "eu-central-1"}}, env={}
    )
    assert settings.mode == "live"
    assert settings.live_base_url == "https://eu-central-1.recall.ai"


def test_environment_wins_over_secrets_file():
    settings = load_settings(
        secrets={"recall": {"region": "eu-central-1"}, "sandbox": {"users": 10}},
        env={"RECALL_REGION": "us-west-2", "CONSOLE_SANDBOX_USERS": "42"},
    )
    assert settings.recall_region == "us-west-2"
    assert settings.sandbox.users == 42


def test_base_url_overrides_region_and_drops_trailing_slash():
    settings = load_settings(
        secrets={}, env={"RECALL_API_KEY": SECRET, "RECALL_BASE_URL": "http://127.0.0.1:8765/"}
    )
    assert settings.live_base_url == "http://127.0.0.1:8765"


def test_secrets_are_masked_in_repr():
    settings = load_settings(
        secrets={},
        env={"RECALL_API_KEY": SECRET, "DATABASE_URL": f"postgresql://u:{SECRET}@h/db"},
    )
    assert SECRET not in repr(settings)
    assert SECRET not in str(settings)
    assert settings.database_url_or_default.endswith("@h/db")


def test_invalid_values_are_reported_without_echoing_them():
    with pytest.raises(SettingsError) as raised:
        load_settings(secrets={}, env={"RECALL_REGION": SECRET})
    assert "recall_region" in str(raised.value)
    assert SECRET not in str(raised.value)


def test_default_database_is_sqlite_in_the_data_dir(tmp_path: Path):
    settings = load_settings(secrets={}, env={"CONSOLE_DATA_DIR": str(tmp_path)})
    assert settings.database_url_or_default == f"sqlite:///{tmp_path.resolve()}/console.db"


def test_secrets_file_is_read_and_bad_toml_is_explained(tmp_path: Path):
    good = tmp_path / "secrets.toml"
    good.write_text('[recall]\nregion = "ap-northeast-1"\n')
    assert read_secrets_file(good) == {"recall": {"region": "ap-northeast-1"}}
    assert read_secrets_file(tmp_path / "missing.toml") == {}
    bad = tmp_path / "bad.toml"
    bad.write_text(f'[recall\napi_key = "{SECRET}"\n')
    with pytest.raises(SettingsError) as raised:
        read_secrets_file(bad)
    assert SECRET not in str(raised.value)


def test_the_example_secrets_file_means_sandbox_mode_with_defaults():
    example = Path(__file__).resolve().parents[2] / ".streamlit" / "secrets.toml.example"
    settings = load_settings(secrets=read_secrets_file(example), env={})
    assert settings.mode == "sandbox"
    assert settings.sandbox.base_url is None and settings.sandbox.api_key is None
    assert settings.database_url_or_default.startswith("sqlite:///")
    assert settings.recall_region == "us-east-1"


def test_the_legacy_api_host_is_accepted_as_the_us_east_1_region():
    settings = load_settings(
        secrets={"recall": {"api_key": SECRET, "region": "api.recall.ai"}}, env={}
    )
    assert settings.recall_region == "us-east-1"
    assert settings.live_base_url == "https://us-east-1.recall.ai"
