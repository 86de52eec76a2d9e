"""Cached data access for the pages: the one edge where Streamlit caching meets the client.

Caches are shared by every session, so every cached function is keyed by what it depends on:
the Recall base URL, a fingerprint of the API key (never the key itself) and the ``user_id``.
Nothing here reads ``st.user`` or ``st.session_state``. The user list is the exception to
"cached per call": it is read page by page on a background thread per workspace (see
``lib.directory_load``), so the directory page can show it while it loads.
The Recall client is one per workspace (base URL + key); its token cache is keyed per user
inside it.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from lib import directory_load
from lib.account_view import meetings_table
from lib.audit import AuditKey, AuditStore
from lib.db import make_engine
from lib.deletions import UserDeletions
from lib.directory_load import DirectoryLoad, LoadProgress
from lib.mint_gate import MintGate
from lib.recall import RecallClient, RecallError
from lib.recall.models import CalendarMeeting, CalendarUser
from lib.recall.rows import UnreadableRow
from lib.ui.backend import Backend, get_settings

DIRECTORY_TTL_SECONDS = 120
# A complete list is reloaded no sooner than this many times the time it took to read.
RELOAD_AFTER_LOAD_TIMES = 4
# A safety net only: the first page's own timeout (retries included) ends the wait first.
FIRST_PAGE_WAIT_S = 300.0
ACCOUNT_TTL_SECONDS = 60
# Meetings that ended recently are shown too: "why didn't the bot join yesterday?" is the
# commonest question, and Recall keeps past meetings for 60 days.
PAST_MEETINGS_WINDOW = timedelta(days=7)
# The period the account page shows ahead of now. Asked of Recall explicitly: how far ahead it
# syncs is undocumented (its FAQ says four weeks, its own demo says 14 days), so the page says
# how far the data it got actually reaches.
FUTURE_MEETINGS_WINDOW = timedelta(days=28)


def key_fingerprint(backend: Backend) -> str:
    """Distinguishes workspaces in cache keys without putting the key into them."""
    digest = hashlib.sha256(backend.api_key.get_secret_value().encode()).hexdigest()
    return digest[:16]


@dataclass(frozen=True)
class _Workspace:
    client: RecallClient
    gate: MintGate


# Keyed by the database too: the gate's delete marks live there, shared with other processes.
@st.cache_resource(show_spinner=False)
def _workspace(
    base_url: str, fingerprint: str, database_url: str, check_seconds: float, _api_key: str
) -> _Workspace:
    client = RecallClient(base_url, _api_key)
    gate = MintGate(
        workspace=client.base_url,
        list_ids=lambda: listed_user_ids(client),
        deletions=UserDeletions(get_database_engine(database_url)),
        max_list_age_s=check_seconds,
    )
    client.set_mint_guard(gate.check)
    return _Workspace(client, gate)


def listed_user_ids(client: RecallClient) -> list[str]:
    """Every user id in the workspace's user list, read now with the API key."""
    return [str(user.get("external_id") or "") for user in client.list_users_v1()]


def _get_workspace(backend: Backend) -> _Workspace:
    settings = get_settings()
    return _workspace(
        backend.base_url,
        key_fingerprint(backend),
        settings.database_url_or_default,
        settings.user_check_seconds,
        backend.api_key.get_secret_value(),
    )


def get_client(backend: Backend) -> RecallClient:
    """The workspace's client; its implicit token mints pass the workspace's ``MintGate``."""
    return _get_workspace(backend).client


def get_mint_gate(backend: Backend) -> MintGate:
    return _get_workspace(backend).gate


@st.cache_resource(show_spinner=False)
def get_database_engine(url: str) -> Engine:
    """One connection pool per database, shared by the audit store and the preset versions."""
    return make_engine(url)


# Keyed by the key's public id, never the key: a changed key (after a rotation) gets a new store.
@st.cache_resource(show_spinner=False)
def _audit_store(url: str, key_id: str, _key: AuditKey) -> AuditStore:
    return AuditStore(get_database_engine(url), key=_key)


def get_audit_store(url: str, key: AuditKey) -> AuditStore:
    return _audit_store(url, key.key_id, key)


@dataclass(frozen=True)
class DirectorySnapshot:
    """The user list as loaded; shared by every session, so ``frame`` hands out copies.

    ``progress`` is None for a complete list; a partial one (still loading, or stopped at a
    failed page) carries where its load stands, and must never answer "this user does not
    exist".
    """

    _frame: pd.DataFrame
    fetched_at: datetime
    progress: LoadProgress | None = None

    @property
    def frame(self) -> pd.DataFrame:
        # Shallow is enough: under pandas copy-on-write a change to the copy never reaches
        # the cached frame.
        return self._frame.copy(deep=False)

    @property
    def complete(self) -> bool:
        return self.progress is None

    def contains(self, user_id: str) -> bool:
        return user_id in self._frame.index

    def age_seconds(self, now: datetime | None = None) -> float:
        return ((now or datetime.now(UTC)) - self.fetched_at).total_seconds()


class _WorkspaceDirectory:
    """The current load of one workspace's user list and the last complete one.

    When a complete list grows older than ``DIRECTORY_TTL_SECONDS`` a new load starts and the
    old list is served until it completes, so a large directory never falls back to a partial
    one on expiry. An explicit refresh (after a write) drops both.
    """

    def __init__(self, recall: RecallClient) -> None:
        self._recall = recall
        self._lock = threading.Lock()
        self._previous: DirectorySnapshot | None = None
        self.current = self._start()

    def _start(self) -> DirectoryLoad:
        recall = self._recall
        # Read at call time, so a test can shrink the pages of a small sandbox. No page timeout
        # of its own: each page gets the client's deadline, retries included.
        size, timeout = directory_load.PAGE_SIZE, directory_load.PAGE_TIMEOUT_S
        load = DirectoryLoad(
            lambda link: recall.list_users_page(link, page_size=size, timeout_s=timeout)
        )
        load.start()
        return load

    def load(self) -> DirectoryLoad:
        with self._lock:
            current = self.current
            finished = current.finished_at
            if (
                current.progress().complete
                and finished is not None
                and (datetime.now(UTC) - finished).total_seconds() > _max_age(current)
            ):
                self._previous = _complete_snapshot(current)
                self.current = self._start()
            return self.current

    def previous(self) -> DirectorySnapshot | None:
        with self._lock:
            return self._previous

    def renamed(self, old: str, new: str) -> None:
        with self._lock:
            self._previous = None
            current = self.current
        if not (current.progress().complete and current.replace_user_id(old, new)):
            self.restart()

    def stop(self) -> None:
        with self._lock:
            self.current.cancel()

    def restart(self) -> None:
        with self._lock:
            self.current.cancel()
            self._previous = None
            self.current = self._start()


def _max_age(load: DirectoryLoad) -> float:
    """How long a complete list is served before a background reload starts.

    A list that took minutes to read (hundreds of pages at 60 requests a minute) is kept for
    several times that, so reloading does not take the whole ``users/`` rate budget.
    """
    took = ((load.finished_at or load.started_at) - load.started_at).total_seconds()
    return max(float(DIRECTORY_TTL_SECONDS), RELOAD_AFTER_LOAD_TIMES * took)


def _complete_snapshot(load: DirectoryLoad) -> DirectorySnapshot:
    # A change in place counts as a newer list, so tables keyed by its time are rebuilt.
    return DirectorySnapshot(load.frame(), load.changed_at or load.finished_at or load.started_at)


@st.cache_resource(show_spinner=False)
def _workspaces() -> dict[tuple[str, str], _WorkspaceDirectory]:
    # One entry per workspace for the life of the process; refresh_directory restarts loads
    # in place, so a load that is dropped is also stopped.
    return {}


_workspaces_lock = threading.Lock()


def _workspace_directory(backend: Backend) -> _WorkspaceDirectory:
    key = (backend.base_url, key_fingerprint(backend))
    registry = _workspaces()
    with _workspaces_lock:
        found = registry.get(key)
        if found is None:
            found = registry[key] = _WorkspaceDirectory(get_client(backend))
        return found


def get_directory(backend: Backend) -> DirectorySnapshot:
    """The complete user list, for "is this a calendar user?" (waits for a load in progress).

    A load that stopped at a failed page is resumed from that page; if it fails again, the
    client's error (in words) is raised.
    """
    workspace = _workspace_directory(backend)
    load = workspace.load()
    progress = load.progress()
    if progress.status == "loading":
        previous = workspace.previous()
        if previous is not None:
            return previous
    if progress.status == "failed" and load.resume():
        load.start()
    with st.spinner("Loading the workspace's users…", show_time=True):
        progress = load.wait()
    if not progress.complete:
        raise RecallError(
            f"Loading the user list stopped at page {progress.failed_page}: {progress.problem}"
        )
    snapshot = _complete_snapshot(load)
    # A list just loaded for the page spares the first token mint a read of its own. Its age
    # counts from the start of the load: the mint gate must never take it for newer than it is.
    age_s = (datetime.now(UTC) - load.started_at).total_seconds()
    _get_workspace(backend).gate.offer(lambda: snapshot.frame.index, age_s=age_s)
    return snapshot


def get_directory_view(backend: Backend, *, settle_s: float = 2.0) -> DirectorySnapshot:
    """What the directory page shows: the complete list, or the users loaded so far.

    Waits up to ``settle_s`` for a load to finish, so a small workspace never flashes a
    partial list. A load that failed before its first page raises the client's error.
    """
    workspace = _workspace_directory(backend)
    load = workspace.load()
    if load.progress().status == "failed" and not load.progress().loaded and load.resume():
        # Nothing to show from a load that failed at its first page: each visit tries again.
        load.start()
    with st.spinner("Loading the workspace's users…", show_time=True):
        progress = load.progress()
        if progress.status == "loading" and not progress.loaded:
            # An empty table says nothing: wait for the first page (its own timeout bounds it).
            progress = load.wait_for_change(progress, timeout=FIRST_PAGE_WAIT_S)
        progress = load.wait(timeout=settle_s)
    if progress.status == "failed" and not progress.loaded:
        raise load.error or RecallError(progress.problem)
    if progress.complete:
        return _complete_snapshot(load)
    previous = workspace.previous()
    if previous is not None:
        # A background reload (in progress or stopped) never replaces a complete list.
        return previous
    return DirectorySnapshot(load.frame(), load.started_at, progress)


def directory_progress(backend: Backend) -> LoadProgress:
    """Where the workspace's current load stands (cheap: for polling)."""
    return _workspace_directory(backend).load().progress()


def retry_directory(backend: Backend) -> bool:
    """Resume a failed load from its failed page; False when it had not failed."""
    load = _workspace_directory(backend).load()
    if not load.resume():
        return False
    load.start()
    return True


def forget_directories() -> None:
    """Stop every load and forget every workspace's list (tests start from nothing)."""
    with _workspaces_lock:
        workspaces = list(_workspaces().values())
        _workspaces().clear()
    for workspace in workspaces:
        workspace.stop()


def directory_user_renamed(backend: Backend, old: str, new: str) -> None:
    """After a rename: relist the user under the new id in the loaded list (a large workspace's
    list takes minutes to read again), and forget the account cached under the old id."""
    _workspace_directory(backend).renamed(old, new)
    refresh_account(backend, old)
    refresh_account(backend, new)


def refresh_directory() -> None:
    """Drop every loaded list and load again (after a write, or when staff ask)."""
    with _workspaces_lock:
        workspaces = list(_workspaces().values())
    for workspace in workspaces:
        workspace.restart()


@dataclass(frozen=True)
class AccountSnapshot:
    user: CalendarUser
    meetings: tuple[CalendarMeeting, ...]
    fetched_at: datetime
    # Meetings Recall sent that do not fit the model: shown as such, never hiding the rest.
    unreadable: tuple[UnreadableRow, ...] = ()


def load_account(recall: RecallClient, user_id: str, now: datetime) -> AccountSnapshot:
    """The user and the meetings of the period the page shows, both ends asked for."""
    user = recall.get_user(user_id)
    meetings = recall.list_meetings(
        user_id,
        start_time_after=now - PAST_MEETINGS_WINDOW,
        start_time_before=now + FUTURE_MEETINGS_WINDOW,
    )
    return AccountSnapshot(user, tuple(meetings), now, getattr(meetings, "unreadable", ()))


@st.cache_resource(ttl=ACCOUNT_TTL_SECONDS, max_entries=256, show_spinner="Loading the account…")
def _account(
    base_url: str, fingerprint: str, user_id: str, _recall: RecallClient
) -> AccountSnapshot:
    return load_account(_recall, user_id, datetime.now(UTC))


def get_account(backend: Backend, user_id: str) -> AccountSnapshot:
    """One user's account. Callers check the directory first: a user id Recall has not seen
    would be created by the token mint this needs."""
    return _account(backend.base_url, key_fingerprint(backend), user_id, get_client(backend))


def refresh_account(backend: Backend, user_id: str) -> None:
    _account.clear(backend.base_url, key_fingerprint(backend), user_id, get_client(backend))


@st.cache_resource(ttl=ACCOUNT_TTL_SECONDS, max_entries=256, show_spinner=False)
def _meetings_table(
    base_url: str,
    fingerprint: str,
    user_id: str,
    fetched_at: datetime,
    directory_at: datetime,
    preferences_changed_at: datetime | None,
    _account: AccountSnapshot,
    _directory: DirectorySnapshot,
) -> pd.DataFrame:
    return meetings_table(
        _account.user,
        _account.meetings,
        now=fetched_at,
        directory=_directory.frame,
        preferences_changed_at=preferences_changed_at,
    )


def get_meetings_table(
    backend: Backend,
    account: AccountSnapshot,
    directory: DirectorySnapshot,
    preferences_changed_at: datetime | None,
) -> pd.DataFrame:
    """The account's meetings table, computed once per loaded snapshot (a copy per caller)."""
    table = _meetings_table(
        backend.base_url,
        key_fingerprint(backend),
        account.user.external_id or "",
        account.fetched_at,
        directory.fetched_at,
        preferences_changed_at,
        account,
        directory,
    )
    return table.copy(deep=False)
