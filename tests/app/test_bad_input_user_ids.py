"""Hostile and broken user ids typed into every field that takes one: the directory search, the
account page's lookup and the preview's user field.

Each gets words (a refusal, a warning, or "no such user") and nothing else: no traceback, no
hang, no request for an account, and no calendar user created, since Recall creates one for any
id it is asked to authenticate.
"""

from __future__ import annotations

import time

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from lib.sandbox.server import RunningSandbox
from lib.staff import Role
from lib.ui.state import SK_DIR_QUERY, SK_PREVIEW_USER_ID
from tests.app.test_account_helpers import live_markup, markdown_values, texts, unescape

# (what it is, typed text, words shown where a lookup is refused, or None when the id is legal).
CORPUS: list[tuple[str, str, str | None]] = [
    ("ten thousand characters", "x" * 10_000, "10,000 characters long"),
    ("NUL", "nw-\x00000005", "invisible control characters (U+0000"),
    ("escape sequence", "nw-000005\x1b[2J", "invisible control characters (U+001B"),
    ("zero-width space", "nw-000005\u200b", "U+200B ZERO WIDTH SPACE"),
    ("right-to-left override", "\u202enw-000005", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("look-alike digit", "nw-00000\u0661", None),
    ("Cyrillic look-alike", "nw-\u043e00005", None),
    ("markup", "<script>alert(1)</script>", None),
    ("Markdown link", "[click](javascript:alert(1))", None),
    ("SQL", "nw-000005' OR '1'='1", None),
    ("SQL drop", "'; DROP TABLE audit_events; --", None),
    ("formula", '=HYPERLINK("http://attacker.example")', None),
]
LOOK_ALIKES = {"look-alike digit", "Cyrillic look-alike"}


def stats(sandbox: RunningSandbox) -> dict:
    return httpx.get(f"{sandbox.base_url}/_sandbox/stats", timeout=5).json()


def account_requests(sandbox: RunningSandbox) -> dict[str, int]:
    """Requests that name one user (and would create an unknown one)."""
    counts = stats(sandbox)["by_endpoint"]
    per_user = ("authenticate", "user_retrieve", "meetings_list", "user_update")
    return {name: counts[name] for name in per_user if counts.get(name)}


def assert_inert(at: AppTest) -> None:
    """No traceback, and no link or tag the typed text could have opened."""
    assert not at.exception, [e.value for e in at.exception]
    offenders = [v for v in markdown_values(at) if live_markup(v)]
    assert offenders == []


@pytest.fixture
def unchanged_workspace(app_sandbox: RunningSandbox):
    """After the test: the workspace has exactly its users and nobody's account was read."""
    users = stats(app_sandbox)["calendar_users"]
    yield
    assert stats(app_sandbox)["calendar_users"] == users
    assert account_requests(app_sandbox) == {}


pytestmark = pytest.mark.usefixtures("unchanged_workspace")


def test_directory_search(console_app):
    at = console_app(Role.ADMIN).run()  # the directory is the default page
    for what, typed, refusal in CORPUS:
        started = time.monotonic()
        at.text_input(key=SK_DIR_QUERY).input(typed).run()
        assert time.monotonic() - started < 10, what
        assert_inert(at)
        shown = unescape(texts(at))
        if refusal:
            assert f"{refusal}" in shown and "Nothing was searched." in shown, what
        else:
            assert "No calendar user has the user id" in shown, what
        if what in LOOK_ALIKES:
            assert "non-ASCII characters" in shown, what

    for blank in ("", "   "):
        at.text_input(key=SK_DIR_QUERY).input(blank).run()
        assert_inert(at)
        assert "Nothing was searched" not in texts(at)
        assert at.dataframe, "an empty search lists everyone"


def test_account_lookup(console_app):
    at = console_app(Role.ADMIN).run()
    at.switch_page("pages/account.py").run()
    for what, typed, refusal in [
        ("empty", "", "Enter a user id."),
        ("whitespace", "   ", "The user id is only spaces."),
        *CORPUS,
    ]:
        at.text_input[0].input(typed)
        next(b for b in at.button if b.label == "Open").click().run()
        assert_inert(at)
        shown = unescape(texts(at))
        if refusal:
            assert refusal in shown, what
            assert "user_id" not in at.query_params, what
        else:
            # The id is legal, so it is taken to the account page, which finds no such user
            # and looks nothing up.
            assert "is not a calendar user of this workspace" in shown, what
            assert "Nothing was looked up in Recall" in shown, what
            assert "Open account" not in [b.label for b in at.button], what
            if what in LOOK_ALIKES:
                assert "non-ASCII characters" in shown, what
            at.query_params.pop("user_id")
            at.run()


def test_preview_user_field(console_app):
    at = console_app(Role.VIEWER).run()
    at.switch_page("pages/preview.py").run()
    for what, typed, refusal in [
        ("empty", "", None),
        ("whitespace", "   ", None),
        *CORPUS,
    ]:
        at.text_input(key=SK_PREVIEW_USER_ID).input(typed).run()
        assert_inert(at)
        shown = unescape(texts(at))
        if what in ("empty", "whitespace"):
            assert "Type a user id above" in shown, what
        elif refusal:
            assert refusal in "\n".join(unescape(e.value) for e in at.error), what
        else:
            assert "No calendar user has the id" in shown, what
            if what in LOOK_ALIKES:
                assert "non-ASCII characters" in shown, what
        assert not at.metric, what
