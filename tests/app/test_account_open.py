"""Opening an account: unknown ids, the reason, the view-as session and its banner, idle
expiry, what it costs in Recall requests, and calendar text shown as text."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from lib.sandbox.corpus import HOSTILE_BOT_NAMES, HOSTILE_TITLES
from lib.staff import Role
from lib.ui.directory_search import KEY_DIR_OPEN_EXACT
from lib.ui.state import SK_DIR_QUERY, SK_VIEW_AS
from lib.viewas import ViewAsSession
from tests.app.test_account_helpers import (
    ACCOUNT_PAGE,
    REASON,
    SandboxProbe,
    actions_of,
    audit_events,
    banner_shown,
    button_labels,
    click,
    go_to_account,
    live_markup,
    markdown_values,
    open_account,
    submit_reason,
    texts,
    unescape,
)

USER = "nw-000005"
PAGES = ["pages/directory.py", ACCOUNT_PAGE, "pages/preview.py", "pages/presets.py"]
PAGES += ["pages/status.py", "pages/find_bot.py"]
ADMIN_PAGES = [*PAGES, "pages/audit.py"]


# -- ids the workspace does not have --------------------------------------------------------------

UNKNOWN_IDS = [
    "nw-999999",
    "NW-000005",  # Recall's user ids are case-sensitive: this is not nw-000005
    "nw-00000\uff15",  # a full-width digit five
    "[x](https://attacker.example/) <b>",
]


@pytest.mark.parametrize("role", list(Role))
def test_unknown_user_id_is_never_looked_up_or_created(console_app, app_sandbox, data_dir, role):
    probe = SandboxProbe(app_sandbox)
    before = probe.user_count()
    at = console_app(role).run()
    for user_id in UNKNOWN_IDS:
        go_to_account(at, user_id)
        shown = texts(at)
        assert "is not a calendar user of this workspace" in shown, user_id
        assert "no user was created" in shown
        assert "Open account" not in button_labels(at)
        assert not any(live_markup(v) for v in markdown_values(at)), markdown_values(at)
    # Only admins may create a user, and they are told where.
    assert ("Admins can create a calendar user" in texts(at)) is (role is Role.ADMIN)
    # Only the workspace's user list was read: no token minted, no user fetched or created.
    assert probe.requests() == {"users_list": 1}
    assert probe.user_count() == before
    assert not any(probe.listed(uid) for uid in UNKNOWN_IDS)
    assert audit_events(data_dir, action="view_as.*") == []


def test_unusable_ids_are_refused_in_words_before_any_lookup(console_app, app_sandbox):
    probe = SandboxProbe(app_sandbox)
    at = console_app(Role.EDITOR).run()
    probe.reset()
    go_to_account(at, "nw-\x00000005")
    assert "invisible control characters" in texts(at)
    go_to_account(at, "x" * 5000)
    assert "characters long" in texts(at)
    assert probe.requests() == {}


def test_lookup_form_takes_a_typed_id_with_spaces(console_app, app_sandbox):
    at = console_app(Role.VIEWER).run()
    at.switch_page(ACCOUNT_PAGE).run()
    assert "Open account" not in button_labels(at)
    at.text_input[0].input(f"  {USER} ")
    click(at, "Open")
    # The id goes into the URL trimmed, so a shared link is clean.
    assert at.query_params["user_id"] == USER
    assert f"Open the account of `{USER}`" in texts(at)


# -- the reason -----------------------------------------------------------------------------------


def test_opening_needs_a_reason_and_loads_nothing_before_it(console_app, app_sandbox, data_dir):
    probe = SandboxProbe(app_sandbox)
    at = console_app(Role.VIEWER).run()
    go_to_account(at, USER)
    assert "A reason of at least 5 characters is required" in texts(at)
    for weak in ["", "abc", "   a    b   "]:
        submit_reason(at, weak)
        assert "Give a reason of at least 5 characters" in texts(at), weak
        assert "Meetings" not in [t.label for t in at.tabs]
        assert not banner_shown(at)
    assert "authenticate" not in probe.requests()
    assert audit_events(data_dir, action="view_as.*") == []

    submit_reason(at, "  Customer   says the bot never joins ", ticket="SUP-1234")
    assert banner_shown(at)
    assert "Meetings" in [t.label for t in at.tabs]
    [start] = audit_events(data_dir, action="view_as.start")
    assert (start.user_id, start.actor_email, start.actor_role) == (
        USER,
        "viewer@console.example",
        "viewer",
    )
    # Stored as typed, with runs of spaces collapsed.
    assert start.reason == "Customer says the bot never joins"
    assert start.ticket == "SUP-1234"


# -- what opening costs in Recall requests --------------------------------------------------------


def test_open_from_the_directory_costs_three_requests_cold_and_none_warm(console_app, app_sandbox):
    probe = SandboxProbe(app_sandbox)
    at = console_app(Role.EDITOR).run()
    at.text_input(key=SK_DIR_QUERY).input(USER).run()
    at.button(key=KEY_DIR_OPEN_EXACT).click().run()
    assert not at.exception
    assert f"Open the account of `{USER}`" in texts(at)
    # The list was read once, for the directory; the account page reused it.
    assert probe.requests() == {"users_list": 1}

    probe.reset()
    submit_reason(at, REASON)
    cold = probe.requests()
    assert set(cold) <= {"authenticate", "user_retrieve", "meetings_list"}, cold
    assert sum(cold.values()) <= 3
    assert cold["user_retrieve"] == 1 and cold["meetings_list"] == 1

    probe.reset()
    at.run()
    at.toggle(key="meetings-mismatch").set_value(True).run()
    at.text_input(key="meetings-search").input("sync").run()
    at.switch_page("pages/directory.py").run()
    go_to_account(at, USER)
    assert banner_shown(at)
    assert probe.requests() == {}

    # Reload reads the account again; the calendar token is still cached.
    click(at, "Reload")
    assert probe.requests() == {"user_retrieve": 1, "meetings_list": 1}


# -- the view-as banner ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_banner_is_on_every_page_while_open_and_gone_after_end(console_app, data_dir, role):
    pages = ADMIN_PAGES if role is Role.ADMIN else PAGES
    at = console_app(role).run()
    assert not banner_shown(at)
    open_account(at, USER, ticket="SUP-77")
    for page in pages:
        at.switch_page(page).run()
        assert banner_shown(at), page
        assert f"`{USER}`" in texts(at) and "SUP\\-77" in texts(at), page

    # End it from another page than the account's.
    at.switch_page("pages/status.py").run()
    at.button(key="view-as-end").click().run()
    for page in pages:
        at.switch_page(page).run()
        assert not banner_shown(at), page
    # Back on the account page nothing is open: it asks which account.
    at.switch_page(ACCOUNT_PAGE).run()
    assert "Meetings" not in [t.label for t in at.tabs]
    assert actions_of(audit_events(data_dir, action="view_as.*")) == [
        ("view_as.start", "ok"),
        ("view_as.end", "ok"),
    ]
    end = audit_events(data_dir, action="view_as.end")[0]
    assert end.after == {"ended_because": "ended by staff"}
    assert (end.user_id, end.reason, end.ticket) == (USER, REASON, "SUP-77")


def test_opening_another_account_ends_the_first(console_app, data_dir):
    at = console_app(Role.VIEWER).run()
    open_account(at, USER)
    open_account(at, "nw-000007", reason="Second customer on the same ticket")
    assert "`nw-000007`" in texts(at) and f"`{USER}`" not in texts(at)
    events = audit_events(data_dir, action="view_as.*")
    assert [(e.action, e.user_id) for e in events] == [
        ("view_as.start", USER),
        ("view_as.end", USER),
        ("view_as.start", "nw-000007"),
    ]
    assert events[1].after == {"ended_because": "another account was opened"}


# -- idle expiry ----------------------------------------------------------------------------------


def _idle(at, seconds: float) -> ViewAsSession:
    session = at.session_state[SK_VIEW_AS]
    assert isinstance(session, ViewAsSession)
    moved = replace(session, last_activity=datetime.now(UTC) - timedelta(seconds=seconds))
    at.session_state[SK_VIEW_AS] = moved
    return moved


def test_idle_session_ends_with_an_audit_event(console_app, app_sandbox, data_dir):
    probe = SandboxProbe(app_sandbox)
    at = console_app(Role.EDITOR).run()
    open_account(at, USER)
    _idle(at, 29 * 60)
    at.run()
    assert banner_shown(at), "29 idle minutes are within the default 30"

    _idle(at, 31 * 60)
    probe.reset()
    at.run()
    assert not at.exception
    assert not banner_shown(at)
    # The account is closed: the page asks for a reason again and reads nothing from Recall.
    assert "Meetings" not in [t.label for t in at.tabs]
    assert "Open account" in button_labels(at)
    assert probe.requests() == {}
    [end] = audit_events(data_dir, action="view_as.end")
    assert end.user_id == USER
    assert end.after == {"ended_because": "idle for more than 30 minutes"}


def _idle_notices(at) -> list[str]:
    return [w.value for w in at.warning if "without activity" in w.value]


def test_idle_expiry_notice_shows_on_the_run_that_ends_the_view(console_app):
    at = console_app(Role.EDITOR).run()
    open_account(at, USER)
    _idle(at, 31 * 60)
    at.run()
    assert len(_idle_notices(at)) == 1
    assert "ended after 30 minutes without activity" in _idle_notices(at)[0]
    at.run()
    assert _idle_notices(at) == []


def test_idle_expiry_notice_is_shown_once(console_app):
    at = console_app(Role.EDITOR).run()
    open_account(at, USER)
    _idle(at, 31 * 60)
    notices: list[str] = []
    for _ in range(3):
        at.run()
        notices.extend(_idle_notices(at))
    assert len(notices) == 1
    assert USER in unescape(notices[0])


def test_idle_limit_comes_from_the_settings_and_activity_resets_it(console_app, data_dir):
    at = console_app(Role.VIEWER, console={"view_as_idle_minutes": 1}).run()
    open_account(at, USER)
    _idle(at, 45)
    at.run()
    assert banner_shown(at)
    # That run was activity: the clock restarted.
    assert at.session_state[SK_VIEW_AS].idle_for(datetime.now(UTC)) < timedelta(seconds=30)

    _idle(at, 75)
    at.switch_page("pages/preview.py").run()
    assert not banner_shown(at)
    [end] = audit_events(data_dir, action="view_as.end")
    assert end.after == {"ended_because": "idle for more than 1 minutes"}


# -- calendar and staff text stays text -----------------------------------------------------------


def test_hostile_titles_names_and_reasons_render_as_text(console_app, app_sandbox):
    probe = SandboxProbe(app_sandbox)
    [user_id, *_] = probe.notable("hostile_text")
    reason = "See [the ticket](https://attacker.example/t) <b>now</b>"
    at = console_app(Role.EDITOR).run()
    open_account(at, user_id, reason=reason, ticket="<script>alert(1)</script>")

    editor = at.data_editor(key=f"meetings-editor-{user_id}-0")
    titles = editor.value["title"]
    hostile = {mid: title for mid, title in titles.items() if title in HOSTILE_TITLES}
    assert len(hostile) >= 4, "the sandbox seeds one upcoming meeting per hostile title"

    seen: list[str] = []
    for meeting_id, title in hostile.items():
        at.selectbox(key="meeting-details").set_value(meeting_id).run()
        assert not at.exception
        values = markdown_values(at)
        seen.extend(values)
        # The title is on the page, exactly as the calendar has it once escapes are read.
        assert any(unescape(v) == f"**{title}**" for v in values), title
    seen.extend(markdown_values(at))
    offenders = [v for v in seen if live_markup(v)]
    assert offenders == []
    assert not any("](http" in v or "](javascript" in v for v in seen)
    page = "\n".join(unescape(v) for v in seen)
    assert f"Reason: {reason}" in page
    assert "<script>alert(1)</script>" in page  # the ticket, shown, not run

    bot_name = next(m for m in at.metric if m.label == "Bot name").value
    assert bot_name in HOSTILE_BOT_NAMES
