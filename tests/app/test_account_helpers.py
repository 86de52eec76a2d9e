"""Shared steps for the account page's AppTests (this module holds no tests).

The sandbox is inspected over its own HTTP endpoints (`/_sandbox/stats`, `/_sandbox/info`) and,
for values, through a separate Recall client: what the page did is judged by what Recall
received and holds, not by what the page says about itself.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from streamlit.testing.v1 import AppTest

from lib.audit import AuditStore, StoredEvent
from lib.audit.keys import sandbox_key
from lib.recall import RecallClient
from lib.sandbox.server import RunningSandbox
from lib.ui.state import SK_OVERRIDE_SAVES

ACCOUNT_PAGE = "pages/account.py"
REASON = "Customer reports the bot missed a call"
# Endpoints that change something in Recall. Authenticate is not among them, but it creates a
# user for an id Recall has not seen, so the tests that care about it check it on its own.
WRITE_ENDPOINTS = (
    "user_update",
    "user_delete",
    "user_disconnect",
    "meeting_update",
    "meetings_refresh",
)


class SandboxProbe:
    """What the sandbox received and holds, read the way any outside client would."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        self.base_url = sandbox.base_url
        self._client = RecallClient(sandbox.base_url, sandbox.api_key)

    def stats(self) -> dict[str, Any]:
        return httpx.get(f"{self.base_url}/_sandbox/stats").json()

    def requests(self) -> dict[str, int]:
        """Non-zero request counts by endpoint name."""
        return {name: n for name, n in self.stats()["by_endpoint"].items() if n}

    def writes(self) -> dict[str, int]:
        return {name: n for name, n in self.requests().items() if name in WRITE_ENDPOINTS}

    def reset(self) -> None:
        httpx.post(f"{self.base_url}/_sandbox/stats/reset").raise_for_status()

    def user_count(self) -> int:
        return int(self.stats()["calendar_users"])

    def notable(self, kind: str) -> list[str]:
        return httpx.get(f"{self.base_url}/_sandbox/info").json()["notable_users"][kind]

    def listed(self, user_id: str) -> bool:
        return any(u.external_id == user_id for u in self._client.list_users())

    @property
    def client(self) -> RecallClient:
        """A second Recall client, for reading values and for changes made behind the page's
        back (it mints its own tokens, so its requests show in the stats too)."""
        return self._client


def texts(at: AppTest) -> str:
    """Everything Streamlit renders as Markdown, joined."""
    return "\n".join(markdown_values(at))


def markdown_values(at: AppTest) -> list[str]:
    values: list[str] = []
    for group in (at.title, at.markdown, at.caption, at.error, at.warning, at.info, at.success):
        values.extend(str(element.value) for element in group)
    return values


def button_labels(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def click(at: AppTest, label: str) -> AppTest:
    """Press the one button with this label (form submit buttons included) and rerun."""
    matches = [b for b in at.button if b.label == label]
    assert len(matches) == 1, f"{len(matches)} buttons labelled {label!r}: {button_labels(at)}"
    matches[0].click().run()
    assert not at.exception, at.exception
    return at


def saves_in_flight(at: AppTest) -> dict[str, Any]:
    """The override saves running on their own threads, by user id."""
    try:
        return dict(at.session_state[SK_OVERRIDE_SAVES])
    except KeyError:
        return {}


def save_overrides(at: AppTest, timeout: float = 60) -> AppTest:
    """Press "Save overrides", let the save (on its own thread) end, and show its result."""
    click(at, "Save overrides")
    for save in saves_in_flight(at).values():
        assert save.wait(timeout), "the save did not end"
    at.run()
    assert not at.exception, at.exception
    assert saves_in_flight(at) == {}
    return at


def go_to_account(at: AppTest, user_id: str) -> AppTest:
    """The account page with ``?user_id=`` set, as a shared link or the directory lands."""
    at.query_params["user_id"] = user_id
    at.switch_page(ACCOUNT_PAGE).run()
    assert not at.exception, at.exception
    return at


def submit_reason(at: AppTest, reason: str, ticket: str = "") -> AppTest:
    reason_boxes = [t for t in at.text_area if t.label == "Reason"]
    assert len(reason_boxes) == 1, "no open form on the page"
    reason_boxes[0].input(reason)
    if ticket:
        next(t for t in at.text_input if t.label == "Ticket (optional)").input(ticket)
    return click(at, "Open account")


def open_account(at: AppTest, user_id: str, reason: str = REASON, ticket: str = "") -> AppTest:
    """Signed-in app -> the account of ``user_id`` open with a reason."""
    go_to_account(at, user_id)
    submit_reason(at, reason, ticket)
    assert "Meetings" in [t.label for t in at.tabs], texts(at)
    return at


def banner_shown(at: AppTest) -> bool:
    return "view-as-end" in [b.key for b in at.button] and "**Viewing as**" in texts(at)


def audit_events(data_dir: Path, **filters: Any) -> list[StoredEvent]:
    """Events in the console's audit DB, oldest first."""
    with AuditStore(f"sqlite:///{data_dir / 'console.db'}", key=sandbox_key(data_dir)) as store:
        return store.query(newest_first=False, limit=1000, **filters)


def actions_of(events: list[StoredEvent]) -> list[tuple[str, str]]:
    return [(e.action, e.outcome.value) for e in events]


# A Markdown link is "](" and an HTML tag starts with "<": either one unescaped is live markup.
_LIVE_MARKUP = re.compile(r"(?<!\\)\]\(|(?<!\\)<")


_CODE_SPAN = re.compile(r"`[^`]*`")


def live_markup(value: str) -> list[str]:
    """Link or tag openings in Markdown text that are not backslash-escaped (inline code is
    shown literally, so it is left out)."""
    return _LIVE_MARKUP.findall(_CODE_SPAN.sub("", value))


def unescape(value: str) -> str:
    """The text a reader sees once Markdown has consumed the backslash escapes."""
    return re.sub(r"\\(.)", r"\1", value)
