"""Every page under a failing Recall: what failed in words, a Retry that works, no traceback.

``fault_rate=1.0`` makes every Recall request fail (server errors, throttling, dropped
connections), so a page must show its worded error and a Retry button; switching the faults
off and pressing Retry must then bring the data. ``fault_rate=0.5`` mixes both: whatever a page
shows is either data or a worded error.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from lib.cohort import CohortRun
from lib.staff import Role
from lib.ui.preview_cohort import KEY_START
from lib.ui.state import (
    KEY_PRESET_VALIDATE,
    SK_PRESET_TEXT,
    SK_PREVIEW_MODE,
    SK_PREVIEW_PASTE,
    SK_PREVIEW_RUN,
    SK_PREVIEW_USER_ID,
    SK_VIEW_AS,
)
from lib.ui.status_checks import forget_ping
from lib.viewas import ViewAsSession
from tests.app.test_account_helpers import REASON, open_account
from tests.app.test_faults_helpers import (
    all_texts,
    assert_data_or_words,
    assert_no_traceback,
    assert_worded_failure,
    error_texts,
    fast_recall,
    press,
    run_page,
    set_faults,
    unescape,
)

USER = "nw-000005"
DIRECTORY = "pages/directory.py"
ACCOUNT = "pages/account.py"
PREVIEW = "pages/preview.py"
PRESETS = "pages/presets.py"
AUDIT = "pages/audit.py"
STATUS = "pages/status.py"


@pytest.fixture(autouse=True)
def quick_to_give_up(monkeypatch):
    yield from fast_recall(monkeypatch)


@pytest.fixture(autouse=True)
def fresh_ping():
    forget_ping()
    yield
    forget_ping()


def finish_cohort(at, timeout: float = 30):
    run = at.session_state[SK_PREVIEW_RUN]
    assert isinstance(run, CohortRun)
    assert run.wait(timeout)
    at.run()
    assert_no_traceback(at)
    return at


# -- every request fails -----------------------------------------------------------------------


def test_directory_says_what_failed_and_retry_loads_it(console_app, app_sandbox):
    set_faults(app_sandbox, 1.0)
    at = console_app(Role.VIEWER).run()  # the directory is the default page
    assert_worded_failure(at, "Could not load the workspace's calendar users")
    assert not at.dataframe

    set_faults(app_sandbox, 0.0)
    press(at, "Retry")
    assert not error_texts(at)
    assert at.dataframe, "the users table is shown once Recall answers"


def test_account_with_an_open_view_keeps_the_session_and_retries(console_app, app_sandbox):
    at = console_app(Role.EDITOR).run()
    open_account(at, USER)
    set_faults(app_sandbox, 1.0)
    press(at, "Reload")
    assert_worded_failure(at, "Could not load this account from Recall")
    # The view-as session is still open and says so; nothing of the account is shown stale.
    assert "view-as-end" in [b.key for b in at.button]
    assert not at.tabs

    set_faults(app_sandbox, 0.0)
    press(at, "Retry")
    assert not error_texts(at)
    assert "Meetings" in [t.label for t in at.tabs]


def test_preview_of_one_user_says_what_failed_and_retries(console_app, app_sandbox):
    at = console_app(Role.VIEWER).run()
    at.session_state[SK_PREVIEW_USER_ID] = USER
    now = datetime.now(UTC)
    at.session_state[SK_VIEW_AS] = ViewAsSession(USER, REASON, None, now, now)
    set_faults(app_sandbox, 1.0)
    run_page(at, PREVIEW)
    assert_worded_failure(at, "Loading the account")
    assert not at.metric

    set_faults(app_sandbox, 0.0)
    press(at, "Retry")
    assert not error_texts(at)
    assert "Start recording" in [m.label for m in at.metric]


def test_preview_without_the_user_list_says_what_failed(console_app, app_sandbox):
    set_faults(app_sandbox, 1.0)
    at = console_app(Role.VIEWER)
    at.session_state[SK_PREVIEW_USER_ID] = USER
    at.run()
    run_page(at, PREVIEW)
    assert_worded_failure(at, "Loading the workspace's users")


def test_cohort_preview_lists_each_failure_in_words_and_runs_again(console_app, app_sandbox):
    # Not nw-000002: its 2,000 meetings only slow a test about failures down.
    at = console_app(Role.VIEWER)
    at.session_state[SK_PREVIEW_MODE] = "A cohort"
    at.run()
    run_page(at, PREVIEW)
    at.text_area(key=SK_PREVIEW_PASTE).input("nw-000001\nnw-000003").run()
    set_faults(app_sandbox, 1.0)
    at.button(key=KEY_START).click().run()
    assert_no_traceback(at)
    finish_cohort(at)

    failures = next(d.value for d in at.dataframe if "problem" in d.value.columns)
    assert sorted(failures["user_id"]) == ["nw-000001", "nw-000003"]
    assert all("Recall" in problem for problem in failures["problem"]), list(failures["problem"])
    assert "Users that could not be previewed (2)" in [s.value for s in at.subheader]

    # Running the preview again is the retry: the same list, fetched afresh.
    set_faults(app_sandbox, 0.0)
    press(at, "Preview 2 users")
    finish_cohort(at)
    assert "Previewed 2 users" in unescape("\n".join(s.value for s in at.success))
    assert not any("problem" in d.value.columns for d in at.dataframe)


def test_status_says_recall_did_not_answer_and_retry_checks_again(console_app, app_sandbox):
    at = console_app(Role.VIEWER).run()
    set_faults(app_sandbox, 1.0)
    run_page(at, STATUS)
    assert_worded_failure(at, "Recall did not answer")

    set_faults(app_sandbox, 0.0)
    press(at, "Retry")
    assert not any("did not answer" in e for e in error_texts(at))
    assert "Check again" in [b.label for b in at.button]


def test_pages_that_do_not_need_recall_keep_working(console_app, app_sandbox):
    at = console_app(Role.ADMIN).run()
    set_faults(app_sandbox, 1.0)
    run_page(at, PRESETS)
    assert not error_texts(at)
    at.text_area(key=SK_PRESET_TEXT).input('{"recording_config": {}}')
    at.button(key=KEY_PRESET_VALIDATE).click().run()
    assert_no_traceback(at)
    assert "No errors." in all_texts(at)

    run_page(at, AUDIT)
    assert not error_texts(at)
    assert at.dataframe, "the audit log lists the validation just made"


def test_slow_recall_is_a_worded_timeout_not_a_hang(console_app, app_sandbox):
    # Each answer takes longer than the console is prepared to wait.
    set_faults(app_sandbox, 0.0, latency_ms=1500)
    started = time.monotonic()
    at = console_app(Role.VIEWER).run()
    assert time.monotonic() - started < 10
    assert_worded_failure(at, "Could not load the workspace's calendar users")
    set_faults(app_sandbox, 0.0)


# -- half the requests fail ----------------------------------------------------------------------


def _open_at_half_faults(console_app, app_sandbox, role: Role = Role.EDITOR, **state):
    at = console_app(role)
    for key, value in state.items():
        at.session_state[key] = value
    set_faults(app_sandbox, 0.5)
    at.run()
    assert_no_traceback(at)
    return at


def test_directory_at_half_faults(console_app, app_sandbox):
    at = _open_at_half_faults(console_app, app_sandbox)
    assert_data_or_words(at, data_shown=bool(at.dataframe))


def test_account_at_half_faults(console_app, app_sandbox):
    now = datetime.now(UTC)
    session = ViewAsSession(USER, REASON, None, now, now)
    at = _open_at_half_faults(console_app, app_sandbox, **{SK_VIEW_AS: session})
    at.query_params["user_id"] = USER
    run_page(at, ACCOUNT)
    assert_data_or_words(at, data_shown="Meetings" in [t.label for t in at.tabs])


def test_preview_at_half_faults(console_app, app_sandbox):
    now = datetime.now(UTC)
    session = ViewAsSession(USER, REASON, None, now, now)
    at = _open_at_half_faults(
        console_app, app_sandbox, **{SK_PREVIEW_USER_ID: USER, SK_VIEW_AS: session}
    )
    run_page(at, PREVIEW)
    assert_data_or_words(at, data_shown="Start recording" in [m.label for m in at.metric])


def test_cohort_preview_at_half_faults(console_app, app_sandbox):
    at = _open_at_half_faults(console_app, app_sandbox, **{SK_PREVIEW_MODE: "A cohort"})
    run_page(at, PREVIEW)
    if error_texts(at):  # the user list itself could not be loaded
        assert_data_or_words(at, data_shown=False)
        return
    at.text_area(key=SK_PREVIEW_PASTE).input("nw-000001\nnw-000002\nnw-000003").run()
    at.button(key=KEY_START).click().run()
    assert_no_traceback(at)
    finish_cohort(at)
    run = at.session_state[SK_PREVIEW_RUN]
    # Every user is either previewed or listed with the reason it failed.
    assert len(run.result.previewed) + len(run.result.failures) == 3
    assert all(run.result.failures.values())


@pytest.mark.parametrize("page", [STATUS, PRESETS, AUDIT])
def test_other_pages_at_half_faults(console_app, app_sandbox, page):
    at = _open_at_half_faults(console_app, app_sandbox, role=Role.ADMIN)
    run_page(at, page)
    assert_data_or_words(at, data_shown=bool(at.metric or at.dataframe or at.success))
