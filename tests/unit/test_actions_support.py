"""Shared set-up for the ``lib/actions.py`` tests (this module holds no tests itself).

A ``World`` is one private sandbox served over loopback HTTP, the console's real
``RecallClient`` (through a transport that can switch the sandbox's fault injection on for write
requests only), a second client standing for another person changing the same account, and a
real ``AuditStore`` on a SQLite file. What Recall "really holds" is read from the sandbox's
in-process state, so checking it never sends a request or touches the client under test.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from lib.actions import Actions
from lib.audit import AuditStore, Outcome, StoredEvent
from lib.recall import RecallClient
from lib.recall.client import CALENDAR_TOKEN_HEADER
from lib.recall.connect import ConnectionLink
from lib.sandbox.server import RunningSandbox
from lib.staff import Role, StaffMember
from tests.audit_key import TEST_AUDIT_KEY

# Distinctive, so a scan for it cannot match anything by accident.
API_KEY = "sbx-actions-KEY-7d3a-do-not-log"
SMALL = {"users": 10, "heavy_user_meetings": 0, "api_key": API_KEY}
REASON = "Customer asked on the support chat"
TICKET = "SUP-4711"
WRITE_ENDPOINTS = (
    "authenticate",
    "user_update",
    "user_delete",
    "user_disconnect",
    "meeting_update",
    "meetings_refresh",
)
FLAGS = (
    "record_non_host",
    "record_recurring",
    "record_external",
    "record_internal",
    "record_confirmed",
    "record_only_host",
)


def staff(role: Role) -> StaffMember:
    return StaffMember(
        email=f"{role.value}@northwind-staff.example",
        name=f"A {role.value}",
        role=role,
        auth_method="local",
        signed_in_at=datetime(2026, 1, 5, 9, tzinfo=UTC),
    )


class WriteFaultTransport(httpx.HTTPTransport):
    """Real HTTP, but able to make the sandbox fault the next write requests (non-GET) only.

    Reads stay healthy, so what Recall holds after a failed write can be read back. The
    sandbox picks a request's fault when the request arrives, before response headers go out,
    so switching injection off once ``handle_request`` returns affects no other request.
    Calendar tokens seen in request headers are collected for the secrecy scans.
    """

    def __init__(self, running: RunningSandbox) -> None:
        super().__init__()
        self._faults = running.state.faults
        self._kind: str | None = None
        self._remaining: int | None = 0
        self._after_fault: Callable[[], None] | None = None
        self.on_write: Callable[[httpx.Request], None] | None = None
        # Replaces a write request before it is sent: stands for a Recall that reads a body
        # differently from the sandbox.
        self.rewrite: Callable[[httpx.Request], httpx.Request] | None = None
        self.tokens_seen: set[str] = set()
        self.faulted_writes = 0

    def fail_writes(
        self,
        kind: str,
        *,
        times: int | None = None,
        after_each: Callable[[], None] | None = None,
    ) -> None:
        """Fault the next ``times`` write requests (every one when None) with ``kind``."""
        self._kind = kind
        self._remaining = times
        self._after_fault = after_each

    def heal(self) -> None:
        self._kind = None
        self._remaining = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        token = request.headers.get(CALENDAR_TOKEN_HEADER)
        if token:
            self.tokens_seen.add(token)
        if request.method == "GET":
            return super().handle_request(request)
        if self.on_write is not None:
            self.on_write(request)
        if self.rewrite is not None:
            request = self.rewrite(request)
        armed = self._kind is not None and (self._remaining is None or self._remaining > 0)
        if not armed:
            return super().handle_request(request)
        self._faults.configure(rate=1.0, kinds=(self._kind,))
        try:
            return super().handle_request(request)
        finally:
            self._faults.configure(rate=0.0, kinds=())
            self.faulted_writes += 1
            if self._remaining is not None:
                self._remaining -= 1
            if self._after_fault is not None:
                self._after_fault()


@dataclass
class World:
    running: RunningSandbox
    client: RecallClient
    other: RecallClient
    audit: AuditStore
    transport: WriteFaultTransport
    exists_calls: list[str] = field(default_factory=list)

    # -- the action layer under test ----------------------------------------------------------

    def user_exists(self, user_id: str) -> bool:
        self.exists_calls.append(user_id)
        return self.running.state.workspace.by_external_id(user_id) is not None

    def actions(self, role: Role = Role.ADMIN) -> Actions:
        return Actions(
            staff=staff(role), client=self.client, audit=self.audit, user_exists=self.user_exists
        )

    # -- what Recall holds (in-process, no request) -------------------------------------------

    def sandbox_user(self, user_id: str) -> Any:
        return self.running.state.workspace.by_external_id(user_id)

    def prefs(self, user_id: str) -> dict[str, Any]:
        return self.sandbox_user(user_id).preferences()

    def connected(self, user_id: str, platform: str) -> bool:
        conn = self.sandbox_user(user_id).connection(platform)
        return bool(conn is not None and conn.connected)

    def override(self, user_id: str, meeting_id: str) -> bool | None:
        workspace = self.running.state.workspace
        return workspace.meeting(self.sandbox_user(user_id), meeting_id).override

    def user_count(self) -> int:
        return self.running.state.user_count

    def snapshot(self) -> list[tuple[Any, ...]]:
        """Every user's id, preferences, connections and meeting overrides."""
        rows = []
        for user in self.running.state.workspace.users():
            overrides = {
                meeting_id: meeting.override
                for by_id in (user.meetings or {}).values()
                for meeting_id, meeting in by_id.items()
            }
            rows.append(
                (
                    user.id,
                    user.external_id,
                    user.preferences(),
                    [(c.platform, c.connected) for c in user.connections],
                    overrides,
                )
            )
        return rows

    def connected_user(self, *platforms: str) -> str:
        """A seeded user whose connected calendars are exactly ``platforms``."""
        for user in self.running.state.workspace.users():
            if {c.platform for c in user.connections if c.connected} == set(platforms):
                return user.external_id
        raise AssertionError(f"the seeded workspace has no user connected to {platforms}")

    # -- request counters ---------------------------------------------------------------------

    def quiet(self) -> None:
        """Forget the requests made so far (page loads), so a test sees only its own."""
        self.running.state.stats.reset()

    def requests(self) -> int:
        return self.running.state.stats.total

    def count(self, endpoint: str) -> int:
        return self.running.state.stats.endpoint_count(endpoint)

    def writes(self) -> int:
        return sum(self.count(name) for name in WRITE_ENDPOINTS)

    # -- audit --------------------------------------------------------------------------------

    def events(self, **filters: Any) -> list[StoredEvent]:
        return self.audit.query(newest_first=False, limit=10_000, **filters)

    def only_event(self, **filters: Any) -> StoredEvent:
        found = self.events(**filters)
        assert len(found) == 1, [(e.action, e.outcome, e.error_class) for e in found]
        return found[0]

    def pair(self, action: str) -> tuple[StoredEvent, StoredEvent]:
        """The one ``attempt`` of ``action`` and the one outcome sharing its request id."""
        attempt = self.only_event(action=action, outcome=Outcome.ATTEMPT)
        outcomes = [
            e
            for e in self.events(request_id=attempt.request_id)
            if e.outcome is not Outcome.ATTEMPT
        ]
        assert len(outcomes) == 1, outcomes
        assert outcomes[0].id > attempt.id
        return attempt, outcomes[0]

    def audit_text(self) -> str:
        return "\n".join(json.dumps(e.to_record(), sort_keys=True) for e in self.events())


@contextmanager
def open_world(
    make_sandbox: Callable[..., RunningSandbox],
    tmp_path: Path,
    *,
    sandbox: dict[str, Any] | None = None,
    **client_options: Any,
) -> Iterator[World]:
    running = make_sandbox(**SMALL, **(sandbox or {}))
    transport = WriteFaultTransport(running)
    options = {"deadline": 3, "backoff_base": 0.005, "backoff_max": 0.05, **client_options}
    client = RecallClient(running.base_url, API_KEY, transport=transport, **options)
    other = RecallClient(running.base_url, API_KEY, deadline=3)
    audit = AuditStore(f"sqlite:///{tmp_path / 'audit.db'}", key=TEST_AUDIT_KEY)
    try:
        yield World(running, client, other, audit, transport)
    finally:
        client.close()
        other.close()
        audit.close()


def with_preferences(
    request: httpx.Request, change: Callable[[dict[str, Any]], None]
) -> httpx.Request:
    """``request`` (a ``PUT user/``) with its preferences object changed in place by ``change``."""
    body = json.loads(request.content)
    if isinstance(body.get("preferences"), dict):
        change(body["preferences"])
    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
    return httpx.Request(request.method, request.url, headers=headers, json=body)


def link_token(link: ConnectionLink) -> str:
    """The calendar token a connection link carries (in its OAuth ``state``)."""
    query = parse_qs(urlsplit(link.reveal()).query)
    return json.loads(query["state"][0])["recall_calendar_auth_token"]
