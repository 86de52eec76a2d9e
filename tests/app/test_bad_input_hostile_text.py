"""Calendar text that carries HTML, script tags, Markdown links and formula prefixes (the
sandbox's hostile-text users) shown as plain text on every page, and inert in CSV exports.

"Plain" is checked on the page's Markdown sources: a hostile string with Markdown-significant
characters may appear there only escaped (or inside a code span), and no link or tag may open.
Tables are data (Streamlit never renders their cells as Markdown), so there the text must
appear exactly as the calendar has it.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from lib.cohort import CohortRun
from lib.sandbox.corpus import HOSTILE_BOT_NAMES, HOSTILE_NAMES, HOSTILE_TITLES
from lib.staff import Role
from lib.ui.preview_cohort import KEY_EXPORT_MEETINGS, KEY_START
from lib.ui.state import (
    SK_AUDIT_EXPORT,
    SK_AUDIT_EXPORT_FORMAT,
    SK_DIR_QUERY,
    SK_PREVIEW_MODE,
    SK_PREVIEW_PASTE,
    SK_PREVIEW_RUN,
    SK_VIEW_AS,
)
from lib.ui.text import plain
from lib.viewas import ViewAsSession
from tests.app.test_account_helpers import SandboxProbe, go_to_account, live_markup, submit_reason
from tests.app.test_faults_helpers import (
    assert_no_traceback,
    capture_downloads,
    download_bytes,
    markdown_surfaces,
    raw_hostile,
    run_page,
)

HOSTILE = [*HOSTILE_TITLES, *HOSTILE_NAMES, *HOSTILE_BOT_NAMES]
# The ones Markdown would change; the others ("@Trudy") read the same either way.
MARKUP = [text for text in HOSTILE if plain(text, limit=None) != text]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
STAFF_REASON = '=HYPERLINK("http://attacker.example","see") [ticket](http://attacker.example)'
STAFF_TICKET = "<script>alert('ticket')</script>"


@pytest.fixture
def hostile_users(app_sandbox) -> list[str]:
    users = SandboxProbe(app_sandbox).notable("hostile_text")
    assert len(users) >= 2, "the sandbox seeds users whose calendars carry hostile text"
    return users


def assert_plain(at) -> None:
    assert_no_traceback(at)
    values = markdown_surfaces(at)
    assert [v for v in values if live_markup(v)] == []
    assert raw_hostile(values, MARKUP) == []


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def assert_inert_csv(rows: list[dict[str, str]]) -> None:
    assert rows
    for row in rows:
        for column, value in row.items():
            assert not value.startswith(FORMULA_STARTS), (column, value)


def view_as(user_id: str, reason: str = "Customer asked why the bot joined") -> ViewAsSession:
    now = datetime.now(UTC)
    return ViewAsSession(user_id, reason, None, now, now)


def test_directory_shows_hostile_users_as_text(console_app, hostile_users):
    at = console_app(Role.ADMIN).run()
    for user_id in hostile_users:
        at.text_input(key=SK_DIR_QUERY).input(user_id).run()
        assert_plain(at)
    at.text_input(key=SK_DIR_QUERY).input("").run()
    assert_plain(at)
    # The bot names are there, in table cells, exactly as Recall holds them.
    cells = {
        value
        for table in [*at.dataframe, *at.data_editor]
        if "bot_name" in table.value.columns
        for value in table.value["bot_name"]
    }
    assert set(HOSTILE_BOT_NAMES) <= cells


def test_account_meetings_and_details_show_hostile_text_as_text(console_app, hostile_users):
    at = console_app(Role.EDITOR).run()
    go_to_account(at, hostile_users[0])
    submit_reason(at, "Customer asked why the bot joined")
    assert_plain(at)
    table = at.data_editor(key=f"meetings-editor-{hostile_users[0]}-0").value
    hostile = [mid for mid, title in table["title"].items() if title in HOSTILE_TITLES]
    assert hostile, "the sandbox gives this user meetings with hostile titles"
    names: set[str] = set()
    for meeting_id in hostile:
        at.selectbox(key="meeting-details").set_value(meeting_id).run()
        assert_plain(at)
        names |= {
            name
            for frame in at.dataframe
            if "Name" in frame.value.columns
            for name in frame.value["Name"]
        }
    # Attendee names are in the details' table, as the calendar has them.
    assert names & set(HOSTILE_NAMES)


def test_preview_of_one_hostile_user_is_text_and_its_export_is_inert(
    console_app, hostile_users, monkeypatch
):
    downloads = capture_downloads(monkeypatch)
    user_id = hostile_users[0]
    at = console_app(Role.VIEWER)
    at.session_state[SK_VIEW_AS] = view_as(user_id)
    at.run()
    run_page(at, "pages/preview.py")
    assert_plain(at)
    changes = next(d.value for d in at.dataframe if "change" in d.value.columns)
    shown_titles = set(changes["title"])
    # Data cells hold the calendar's text exactly.
    assert shown_titles & set(HOSTILE_TITLES), "hostile meetings are among the changes"

    rows = csv_rows(download_bytes(at, "preview.single.export", downloads))
    assert_inert_csv(rows)
    exported = {row["title"] for row in rows}
    for title in shown_titles & set(HOSTILE_TITLES):
        neutral = "'" + title if title.startswith(FORMULA_STARTS) else title
        assert neutral in exported, title


def test_cohort_preview_of_hostile_users_is_text_and_its_export_is_inert(
    console_app, hostile_users, monkeypatch
):
    downloads = capture_downloads(monkeypatch)
    at = console_app(Role.VIEWER)
    at.session_state[SK_PREVIEW_MODE] = "A cohort"
    at.run()
    run_page(at, "pages/preview.py")
    at.text_area(key=SK_PREVIEW_PASTE).input("\n".join(hostile_users)).run()
    at.button(key=KEY_START).click().run()
    run = at.session_state[SK_PREVIEW_RUN]
    assert isinstance(run, CohortRun) and run.wait(30)
    at.run()
    assert_plain(at)
    rows = csv_rows(download_bytes(at, KEY_EXPORT_MEETINGS, downloads))
    assert_inert_csv(rows)
    assert {row["title"].lstrip("'") for row in rows} & set(HOSTILE_TITLES)


def test_staff_text_is_plain_on_the_audit_page_and_inert_in_its_export(console_app, hostile_users):
    at = console_app(Role.ADMIN).run()
    go_to_account(at, hostile_users[1])
    submit_reason(at, STAFF_REASON, ticket=STAFF_TICKET)
    assert_plain(at)
    run_page(at, "pages/audit.py")
    assert_plain(at)

    at.segmented_control(key=SK_AUDIT_EXPORT_FORMAT).set_value("csv").run()
    at.button(key="audit.export.prepare").click().run()
    assert_no_traceback(at)
    rows = csv_rows(at.session_state[SK_AUDIT_EXPORT].data)
    assert_inert_csv(rows)
    opened = next(row for row in rows if row["action"] == "view_as.start")
    assert opened["reason"] == "'" + STAFF_REASON
    assert opened["ticket"] == STAFF_TICKET
