"""The meetings table's export: explicit CSV and JSON buttons, formula-guarded and audited, and
no grid download beside them (the toolbar's own export is switched off in the config)."""

from __future__ import annotations

import json
import tomllib

from lib.sandbox.corpus import HOSTILE_TITLES
from lib.staff import Role
from lib.ui.exports import EXPORT_ACTION
from tests.app.conftest import REPO
from tests.app.test_account_helpers import SandboxProbe, audit_events, open_account
from tests.app.test_bad_input_hostile_text import FORMULA_STARTS, assert_inert_csv, csv_rows
from tests.app.test_faults_helpers import capture_downloads, download_bytes


def test_the_grids_own_download_is_switched_off() -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True


def test_a_viewer_exports_the_meetings_guarded_and_on_record(
    console_app, app_sandbox, data_dir, monkeypatch
):
    downloads = capture_downloads(monkeypatch)
    user_id = SandboxProbe(app_sandbox).notable("hostile_text")[0]
    at = open_account(console_app(Role.VIEWER).run(), user_id)
    table = at.data_editor(key=f"meetings-editor-{user_id}-0").value
    hostile = {t for t in table["title"] if t in HOSTILE_TITLES and t.startswith(FORMULA_STARTS)}
    assert hostile, "the sandbox gives this user meetings with formula-like titles"

    rows = csv_rows(download_bytes(at, f"meetings-{user_id}.export.csv", downloads))
    assert_inert_csv(rows)
    assert len(rows) == len(table)
    exported = {row["title"] for row in rows}
    assert {"'" + t for t in hostile} <= exported
    assert {row["meeting_id"] for row in rows} == set(table.index)

    records = json.loads(download_bytes(at, f"meetings-{user_id}.export.json", downloads))
    assert hostile <= {r["title"] for r in records}  # JSON is data, not a spreadsheet: exact
    assert all(r["start"] is None or r["start"].endswith("Z") for r in records)

    assert audit_events(data_dir, action=EXPORT_ACTION) == []
    at.download_button(key=f"meetings-{user_id}.export.csv").click().run()
    at.download_button(key=f"meetings-{user_id}.export.json").click().run()
    assert not at.exception
    events = audit_events(data_dir, action=EXPORT_ACTION)
    assert [(e.actor_email, e.user_id, e.after["format"]) for e in events] == [
        ("viewer@console.example", user_id, "csv"),
        ("viewer@console.example", user_id, "json"),
    ]
    assert events[0].after["rows"] == len(rows)
