"""What every page needs: settings, backend, the signed-in staff member, the client, the audit
store, the action layer, and the open view-as session with its banner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from lib.actions import Actions
from lib.audit import AuditKey, AuditKeyError, AuditStore, NewEvent, resolve_audit_key
from lib.db import safe_url
from lib.recall import RecallClient
from lib.settings import Settings
from lib.staff import Action, StaffMember
from lib.ui.backend import Backend, get_backend, get_settings
from lib.ui.data import get_audit_store, get_client, get_directory, get_mint_gate
from lib.ui.state import SK_STAFF, SK_VIEW_AS, SK_VIEW_AS_NOTICE
from lib.ui.text import code, plain
from lib.viewas import ViewAsSession


@dataclass(frozen=True)
class PageContext:
    settings: Settings
    backend: Backend
    staff: StaffMember
    client: RecallClient
    audit: AuditStore

    def actions(self) -> Actions:
        return Actions(
            staff=self.staff,
            client=self.client,
            audit=self.audit,
            user_exists=lambda user_id: get_directory(self.backend).contains(user_id),
            mint_gate=get_mint_gate(self.backend),
        )

    def background_actions(self) -> Actions:
        """Actions for a background thread: the user list is read here, through Streamlit's
        cache on the script thread, and the thread only asks that snapshot."""
        directory = get_directory(self.backend)
        return Actions(
            staff=self.staff,
            client=self.client,
            audit=self.audit,
            user_exists=directory.contains,
            mint_gate=get_mint_gate(self.backend),
        )

    def can(self, action: Action) -> bool:
        return self.staff.can(action)


def audit_key_for(settings: Settings) -> AuditKey:
    """The configured audit key, or in sandbox mode the one generated into the data directory.
    (Live mode without a usable key never gets here: the console refuses to start.)"""
    configured = settings.audit_key.get_secret_value() if settings.audit_key else None
    return resolve_audit_key(configured, mode=settings.mode, data_dir=settings.data_dir)


def audit_store_for(settings: Settings) -> AuditStore:
    return get_audit_store(settings.database_url_or_default, audit_key_for(settings))


def _leave_pages_directory_mode() -> None:
    """Run this page again through the entrypoint's sign-in gate and navigation.

    Until some run of the process calls ``st.navigation``, Streamlit serves ``/<page>`` in its
    older multipage mode: the file from ``pages/`` runs on its own, skipping ``app.py`` (so a
    deep link to a freshly started console showed the bare file list and no sign-in form).
    Leaving that mode is exactly what ``st.navigation`` does; the rerun keeps the address. Only
    needed while nobody is signed in in this tab: that mode ends at the first run of a process.
    """
    if PagesManager.uses_pages_directory and not isinstance(
        st.session_state.get(SK_STAFF), StaffMember
    ):
        PagesManager.uses_pages_directory = False
        st.rerun()


def page_context() -> PageContext:
    """The context for a page; stops the run if nobody is signed in (the entrypoint signs in)."""
    _leave_pages_directory_mode()
    staff = st.session_state.get(SK_STAFF)
    if not isinstance(staff, StaffMember):
        st.error("Sign in to use the console.")
        st.stop()
    settings = get_settings()
    backend = get_backend(settings)
    try:
        audit = audit_store_for(settings)
    except AuditKeyError as exc:
        st.error(f"The audit log cannot be signed: {exc}", icon=":material/key_off:")
        st.stop()
    except Exception as exc:  # any driver error: the console must not run without its log
        st.error(
            f"The audit store ({safe_url(settings.database_url_or_default)}) cannot be "
            f"opened ({type(exc).__name__}). Nothing can be viewed or changed without an audit "
            "record; check DATABASE_URL or the data directory, then reload.",
            icon=":material/database:",
        )
        st.stop()
    return PageContext(
        settings=settings,
        backend=backend,
        staff=staff,
        client=get_client(backend),
        audit=audit,
    )


def record_event(audit: AuditStore, staff: StaffMember, action: str, **fields: object) -> None:
    audit.append(
        NewEvent(actor_email=staff.email, actor_role=staff.role.value, action=action, **fields)
    )


# -- view-as sessions ---------------------------------------------------------------------------


def current_view_as() -> ViewAsSession | None:
    session = st.session_state.get(SK_VIEW_AS)
    return session if isinstance(session, ViewAsSession) else None


def begin_view_as(ctx: PageContext, session: ViewAsSession) -> None:
    previous = current_view_as()
    if previous is not None:
        end_view_as(ctx, why="another account was opened")
    st.session_state[SK_VIEW_AS] = session
    record_event(
        ctx.audit,
        ctx.staff,
        "view_as.start",
        user_id=session.user_id,
        reason=session.reason,
        ticket=session.ticket,
    )


def end_view_as(ctx: PageContext, *, why: str) -> None:
    session = current_view_as()
    st.session_state.pop(SK_VIEW_AS, None)
    if session is None:
        return
    record_event(
        ctx.audit,
        ctx.staff,
        "view_as.end",
        user_id=session.user_id,
        reason=session.reason,
        ticket=session.ticket,
        after={"ended_because": why},
    )


def touch_view_as(ctx: PageContext, now: datetime | None = None) -> ViewAsSession | None:
    """Keep the open session alive, or end it when it sat idle past the limit."""
    session = current_view_as()
    if session is None:
        return None
    now = now or datetime.now(UTC)
    limit = timedelta(minutes=ctx.settings.view_as_idle_minutes)
    if session.expired(now, limit):
        end_view_as(ctx, why=f"idle for more than {ctx.settings.view_as_idle_minutes} minutes")
        minutes = ctx.settings.view_as_idle_minutes
        st.session_state[SK_VIEW_AS_NOTICE] = (
            f"The view of {session.user_id!r} ended after {minutes} "
            f"minute{'s' if minutes != 1 else ''} without activity."
        )
        return None
    touched = session.touched(now)
    st.session_state[SK_VIEW_AS] = touched
    return touched


def render_view_as_banner(ctx: PageContext) -> None:
    """On every page: whose account is open, since when, why, and a way to end it."""
    # Expire first, so a session that just timed out says so on this very run.
    session = touch_view_as(ctx)
    notice = st.session_state.pop(SK_VIEW_AS_NOTICE, None)
    if notice:
        st.warning(plain(notice), icon=":material/timer_off:")
    if session is None:
        return
    with st.container(border=True, key="view-as-banner"):
        left, right = st.columns([6, 1], vertical_alignment="center")
        since = session.started_at.strftime("%H:%M UTC")
        ticket = f" · ticket {session.ticket}" if session.ticket else ""
        left.markdown(
            f":material/visibility: **Viewing as** {code(session.user_id)} since {since}"
            f"{plain(ticket)}"
        )
        left.caption(f"Reason: {plain(session.reason)}")
        if right.button("End", key="view-as-end", icon=":material/close:"):
            end_view_as(ctx, why="ended by staff")
            st.query_params.pop("user_id", None)
            st.rerun()
