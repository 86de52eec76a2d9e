"""Presets judged against the Create Bot version the workspace's bots use (v1.10 or v1.11)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from lib.audit import AuditStore
from lib.presets import DEFAULT_API_VERSION, parse_api_version, validate
from lib.presets.versions import InvalidPresetError, PresetVersions
from lib.settings import SettingsError, load_settings
from lib.staff import Role, StaffMember
from lib.ui.presets.actions import PresetActions, check
from tests.audit_key import TEST_AUDIT_KEY

NOW = dt.datetime.now(dt.UTC)
ADMIN = StaffMember("ada@console.example", "Ada", Role.ADMIN, "demo", NOW)
HOOK = "https://hooks.example.com/recall"
LEGACY = {
    "transcription_options": {"provider": "deepgram"},
    "real_time_transcription": {"destination_url": HOOK, "partial_results": False},
}
NESTED = {"automatic_leave": {"everyone_left_timeout": 30}}
CURRENT = {"recording_config": {"transcript": {"provider": {"deepgram_streaming": {}}}}}
MIXED = {**CURRENT, "transcription_options": {"provider": "deepgram"}}


def codes(findings) -> set[tuple[str, str]]:
    return {(f.path, f.code) for f in findings}


def test_without_a_version_legacy_fields_stay_warnings():
    # The signature and default behaviour callers rely on.
    report = validate(LEGACY)
    assert report.ok
    assert ("transcription_options", "legacy.field") in codes(report.warnings)


def test_for_v1_11_a_legacy_field_is_an_error_that_offers_migrate():
    report = validate(LEGACY, target="v1.11")
    assert not report.ok
    errors = [f for f in report.errors if f.code == "legacy.field"]
    assert {f.path for f in errors} == {"transcription_options", "real_time_transcription"}
    for error in errors:
        assert "v1.11" in error.message and "Migrate to current" in error.message
    assert not [f for f in report.warnings if f.code == "legacy.field"]


def test_for_v1_11_nested_legacy_shapes_are_errors_too():
    report = validate(NESTED, target="v1.11")
    assert codes(report.errors) >= {("automatic_leave.everyone_left_timeout", "legacy.field")}
    assert "Migrate to current" in report.errors[0].message


def test_for_v1_10_legacy_fields_are_valid_with_a_deprecation_warning():
    report = validate(LEGACY, target="v1.10")
    assert report.ok, report.errors
    warning = next(f for f in report.warnings if f.path == "transcription_options")
    assert warning.code == "legacy.field"
    assert "deprecated" in warning.message and "v1.11 refuses it" in warning.message
    assert validate(NESTED, target="v1.10").ok


@pytest.mark.parametrize("target", [None, "v1.10", "v1.11"])
def test_current_presets_are_valid_and_mixes_are_errors_for_every_version(target):
    assert validate(CURRENT, target=target).ok
    assert ("transcription_options", "legacy.mixed") in codes(validate(MIXED, target=target).errors)


def test_saving_refuses_a_legacy_preset_for_v1_11_and_keeps_it_for_v1_10(tmp_path):
    with AuditStore(f"sqlite:///{tmp_path / 'console.db'}", key=TEST_AUDIT_KEY) as audit:
        versions = PresetVersions(audit.engine)
        with pytest.raises(InvalidPresetError):
            versions.save(LEGACY, author=ADMIN, note="old preset", target="v1.11")
        assert versions.count() == 0
        saved = versions.save(LEGACY, author=ADMIN, note="old preset", target="v1.10")
        assert saved.number == 1


def test_the_desk_judges_and_records_against_the_workspace_version(tmp_path):
    with AuditStore(f"sqlite:///{tmp_path / 'console.db'}", key=TEST_AUDIT_KEY) as audit:
        versions = PresetVersions(audit.engine)
        desk = PresetActions(staff=ADMIN, versions=versions, audit=audit, target="v1.11")
        checked = desk.validate(json.dumps(LEGACY))
        assert not checked.report.ok and checked.target == "v1.11"
        (event,) = audit.query(action="preset.validate")
        assert event.after["api_version"] == "v1.11" and event.after["ok"] is False
        with pytest.raises(InvalidPresetError):
            desk.save(json.dumps(LEGACY), note="old preset")
        assert versions.count() == 0
    assert check("{}", target="v1.10").target == "v1.10"


def test_the_setting_defaults_to_v1_11_and_reads_secrets_and_environment():
    assert DEFAULT_API_VERSION == "v1.11"
    assert load_settings(secrets={}, env={}).bot_api_version == "v1.11"
    older = load_settings(secrets={"recall": {"bot_api_version": "v1.10"}}, env={})
    assert older.bot_api_version == "v1.10"
    from_env = load_settings(
        secrets={"recall": {"bot_api_version": "v1.11"}}, env={"RECALL_BOT_API_VERSION": "1.10"}
    )
    assert from_env.bot_api_version == "v1.10"


def test_an_unknown_version_is_refused_in_words():
    with pytest.raises(SettingsError, match=r"v1\.10, v1\.11"):
        load_settings(secrets={"recall": {"bot_api_version": "v2"}}, env={})
    with pytest.raises(ValueError):
        parse_api_version("latest")
    assert parse_api_version(" V1.10 ") == "v1.10"
