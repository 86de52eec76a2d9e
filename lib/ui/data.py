"""Cached data access for the pages: the one edge where Streamlit caching meets the client.

Caches are shared by every session, so every cached function is keyed by what it depends on:
the Recall base URL, a fingerprint of the API key (never the key itself) and the ``user_id``.
Nothing here reads ``st.user`` or ``st.session_state``. The Recall client is one per workspace
(base URL + key); its token cache is keyed per user inside it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from lib.account_view import meetings_table
from lib.audit import AuditKey, AuditStore
from lib.db import make_engine
from lib.deletions import UserDeletions
from lib.directory import users_frame_from_v1
from lib.mint_gate import MintGate
from lib.recall import RecallClient
from lib.recall.models import CalendarMeeting, CalendarUser
from lib.recall.rows import UnreadableRow
from lib.ui.backend import Backend, get_settings

DIRECTORY_TTL_SECONDS = 120
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
    """The user list as loaded; shared by every session, so ``frame`` hands out copies."""

    _frame: pd.DataFrame
    fetched_at: datetime

    @property
    def frame(self) -> pd.DataFrame:
        # Shallow is enough: under pandas copy-on-write a change to the copy never reaches
        # the cached frame.
        return self._frame.copy(deep=False)

    def contains(self, user_id: str) -> bool:
        return user_id in self._frame.index

    def age_seconds(self, now: datetime | None = None) -> float:
        return ((now or datetime.now(UTC)) - self.fetched_at).total_seconds()


# cache_resource, not cache_data: snapshots are immutable (frozen models, tuples) and large, and
# cache_data would pickle them on every read (about 0.3 s for a 2,000-meeting account).
@st.cache_resource(
    ttl=DIRECTORY_TTL_SECONDS, max_entries=8, show_spinner="Loading the workspace's users…"
)
def _directory(base_url: str, fingerprint: str, _recall: RecallClient) -> DirectorySnapshot:
    # Stamped before the read: the mint gate must never take the list for newer than it is.
    started = datetime.now(UTC)
    return DirectorySnapshot(users_frame_from_v1(_recall.list_users_v1()), started)


def get_directory(backend: Backend) -> DirectorySnapshot:
    workspace = _get_workspace(backend)
    snapshot = _directory(backend.base_url, key_fingerprint(backend), workspace.client)
    # A list just loaded for the page spares the first token mint a read of its own.
    workspace.gate.offer(lambda: snapshot.frame.index, age_s=snapshot.age_seconds())
    return snapshot


def refresh_directory() -> None:
    _directory.clear()


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
