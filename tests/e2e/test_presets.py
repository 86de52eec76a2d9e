"""The bot preset page in Chromium: errors at their paths, migration, saving and the export."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from playwright.sync_api import Page, expect

from lib.audit import AuditStore
from lib.audit.keys import sandbox_key
from lib.presets import canonical_json, migrate
from tests.e2e.conftest import Console, sign_in, wait_for_app_run

pytestmark = pytest.mark.e2e

HOOK = "https://hooks.example.com/recall"
INVALID = {
    "recording_config": {"video_mixed_layout": "sideways"},
    "automatic_leave": {"waiting_room_timeout": "soon"},
}
LEGACY = {
    "transcription_options": {"provider": "deepgram"},
    "real_time_transcription": {"destination_url": HOOK, "partial_results": False},
}


def open_presets(page: Page, console: Console, user: str) -> None:
    sign_in(page, console, user)
    page.get_by_role("link", name="Bot preset").click()
    wait_for_app_run(page)
    expect(page.get_by_role("heading", name="Bot preset")).to_be_visible()


def paste_and_press(page: Page, text: str, button: str) -> None:
    page.get_by_role("textbox", name="Preset JSON").fill(text)
    page.get_by_role("button", name=button).click()
    wait_for_app_run(page)


def test_admin_validates_migrates_saves_and_exports(
    console: Console, page: Page, screenshot, tmp_path
):
    open_presets(page, console, "admin")
    screenshot("presets-start")

    paste_and_press(page, json.dumps(INVALID, indent=2), "Validate")
    errors = page.locator("[data-testid='stAlertContentError']").filter(has_text="2 errors")
    expect(errors).to_contain_text("recording_config.video_mixed_layout")
    expect(errors).to_contain_text("automatic_leave.waiting_room_timeout")
    expect(page.get_by_role("button", name="Save as v1")).to_be_disabled()
    screenshot("presets-errors")

    paste_and_press(page, json.dumps(LEGACY, indent=2), "Validate")
    expect(page.get_by_text("v1.10 format", exact=False).first).to_be_visible()
    page.get_by_role("button", name="Migrate to current").click()
    wait_for_app_run(page)
    expect(page.get_by_text("Migrated to the current format")).to_be_visible()
    migrated = json.loads(page.get_by_role("textbox", name="Preset JSON").input_value())
    assert migrated == migrate(LEGACY)
    expect(page.get_by_text("No errors.", exact=False)).to_be_visible()
    expect(page.get_by_text("Bots transcribe with Deepgram (deepgram_streaming).")).to_be_visible()
    screenshot("presets-migrated")

    page.get_by_role("textbox", name="Note").fill("Move the legacy preset to v1.11")
    page.get_by_role("button", name="Save as v1").click()
    wait_for_app_run(page)
    expect(page.get_by_text(re.compile(r"Saved v1 \(hash [0-9a-f]{12}\)"))).to_be_visible()

    page.get_by_role("tab", name="Export for Recall").click()
    wait_for_app_run(page)
    with page.expect_download() as download_info:
        page.get_by_role("button", name=re.compile(r"^Download recall-bot-preset-v1-")).click()
    download = download_info.value
    wait_for_app_run(page)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    content = saved.read_text(encoding="utf-8")
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
    assert content == canonical_json(migrate(LEGACY))
    assert download.suggested_filename == f"recall-bot-preset-v1-{digest[:12]}.json"

    page.get_by_role("button", name="Write a message for Recall").click()
    wait_for_app_run(page)
    message = page.locator("[data-testid='stCode']").filter(has_text="Hi Recall team")
    expect(message).to_contain_text(f"SHA-256 of the canonical JSON: {digest}")
    message.scroll_into_view_if_needed()
    screenshot("presets-export")

    page.get_by_role("tab", name="Versions").click()
    wait_for_app_run(page)
    page.get_by_role("button", name="Mark v1 as sent").click()
    wait_for_app_run(page)
    expect(page.get_by_text("v1 was sent to Recall on", exact=False)).to_be_visible()
    page.get_by_role("button", name="Mark v1 as sent").scroll_into_view_if_needed()
    screenshot("presets-versions")

    data_dir = console.log_path.parent / "data"
    with AuditStore(f"sqlite:///{data_dir / 'console.db'}", key=sandbox_key(data_dir)) as audit:
        actions = [(e.action, e.outcome.value) for e in audit.query(action="preset.*")]
        assert audit.verify().ok
    assert ("preset.validate", "ok") in actions
    assert ("preset.save", "ok") in actions
    assert ("preset.mark_sent", "ok") in actions
    exports = [e for e in actions if e[0] == "preset.export"]
    assert len(exports) == 2
    assert "Traceback" not in console.log()


def test_viewer_validates_but_has_no_save_control(console: Console, page: Page, screenshot):
    open_presets(page, console, "viewer")
    expect(page.get_by_text("saving versions and marking them sent needs an admin")).to_be_visible()
    paste_and_press(page, '{\n  "bot_name": "Notes",\n}', "Validate")
    expect(page.get_by_text("line 3, column 1", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Save as"))).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile(r"^Mark v"))).to_have_count(0)
    screenshot("presets-viewer")
