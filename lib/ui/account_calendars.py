"""The Calendars tab: each platform's connection and what it means, and the account actions."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from lib.actions import ActionError
from lib.recall.models import CALENDAR_PLATFORMS, CalendarUser
from lib.staff import Action
from lib.ui.account_flash import set_flash
from lib.ui.context import PageContext, end_view_as
from lib.ui.data import refresh_account, refresh_directory
from lib.ui.rename_user import render_rename
from lib.ui.text import code, plain

PLATFORM_NAMES = {"google": "Google Calendar", "microsoft": "Microsoft Outlook"}


def _meaning(user: CalendarUser, platform: str) -> tuple[str, str]:
    connection = user.connection(platform)
    if connection is None:
        return (
            ":gray-badge[Not connected]",
            "The user never connected this calendar, so none of its meetings are synced and no "
            "bot joins them.",
        )
    if not connection.connected:
        return (
            ":orange-badge[Disconnected]",
            "This calendar was connected once and is now disconnected: its meetings were "
            "removed and no bot joins them until the user connects it again.",
        )
    return (
        ":green-badge[Connected]",
        "Meetings from this calendar sync automatically (four weeks ahead); the recording "
        "preferences decide which ones a bot joins.",
    )


def _reason_inputs(key: str) -> tuple[str, str]:
    reason = st.text_input("Reason", key=f"{key}-reason", max_chars=500)
    ticket = st.text_input("Ticket (optional)", key=f"{key}-ticket", max_chars=100)
    return reason, ticket


def render_calendars(
    ctx: PageContext, user: CalendarUser, *, same_email_as: Sequence[str] = ()
) -> None:
    user_id = user.external_id or ""
    columns = st.columns(len(CALENDAR_PLATFORMS))
    for column, platform in zip(columns, CALENDAR_PLATFORMS, strict=True):
        with column.container(border=True):
            badge, meaning = _meaning(user, platform)
            st.markdown(f"**{PLATFORM_NAMES[platform]}** {badge}")
            connection = user.connection(platform)
            if connection is not None and connection.email:
                st.markdown(f"Account: {code(connection.email)}")
            st.caption(meaning)
            if (
                connection is not None
                and connection.connected
                and ctx.can(Action.DISCONNECT_CALENDAR)
            ):
                _disconnect_form(ctx, user_id, platform)

    if ctx.can(Action.BUILD_CONNECTION_LINK):
        _connection_link_form(ctx, user_id)
    if ctx.can(Action.REFRESH_MEETINGS):
        _refresh_form(ctx, user_id)
    if ctx.can(Action.DELETE_USER):
        _delete_form(ctx, user_id)
    renamed = render_rename(ctx, user_id, where="account", same_email_as=same_email_as)
    if renamed is not None:
        # The view-as session named the old id: staff open the account again under the new one.
        end_view_as(ctx, why="user id changed")
        st.query_params["user_id"] = renamed
        set_flash(f"Moved the calendar account from {user_id} to {renamed}.")
        st.rerun()


def _disconnect_form(ctx: PageContext, user_id: str, platform: str) -> None:
    with st.expander(f"Disconnect {PLATFORM_NAMES[platform]}", icon=":material/link_off:"):
        st.caption(
            "Stops syncing this calendar: its meetings disappear and scheduled bots are removed. "
            "The user can connect it again later."
        )
        with st.form(f"disconnect-{platform}", border=False):
            reason, ticket = _reason_inputs(f"disconnect-{platform}")
            sure = st.checkbox("I understand no bot will join this calendar's meetings")
            if st.form_submit_button("Disconnect", type="primary"):
                if not sure:
                    st.error("Tick the box to confirm.")
                    return
                try:
                    ctx.actions().disconnect(user_id, platform, reason=reason, ticket=ticket)
                except ActionError as exc:
                    st.error(plain(exc.message, limit=None), icon=":material/error:")
                    return
                refresh_account(ctx.backend, user_id)
                refresh_directory()
                set_flash(f"Disconnected {PLATFORM_NAMES[platform]}.")
                st.rerun()


def _connection_link_form(ctx: PageContext, user_id: str) -> None:
    with st.expander("Build a connection link for the user", icon=":material/add_link:"):
        st.warning(
            "Send this link to the user. **Do not open it yourself**: whoever completes it "
            "connects *their* calendar to this account — opening it would connect yours. "
            "The link works for 24 hours.",
            icon=":material/warning:",
        )
        with st.form("connection-link", border=False):
            platform = st.radio(
                "Calendar",
                CALENDAR_PLATFORMS,
                format_func=lambda p: PLATFORM_NAMES[p],
                horizontal=True,
            )
            reason, ticket = _reason_inputs("connection-link")
            submitted = st.form_submit_button("Build link")
        if submitted:
            settings = ctx.settings
            client_id = (
                settings.google_client_id if platform == "google" else settings.microsoft_client_id
            )
            redirect = (
                settings.google_redirect_uri
                if platform == "google"
                else settings.microsoft_redirect_uri
            )
            try:
                link = ctx.actions().connection_link(
                    user_id,
                    platform,
                    client_id=client_id,
                    sandbox=ctx.backend.mode == "sandbox",
                    success_url=settings.connect_success_url,
                    error_url=settings.connect_error_url,
                    redirect_uri=redirect,
                    reason=reason,
                    ticket=ticket,
                )
            except ActionError as exc:
                st.error(plain(exc.message, limit=None), icon=":material/error:")
                return
            # The one place a calendar token reaches the browser: the link is for the end
            # user, Recall's OAuth state must carry their token, and it expires in 24 hours.
            st.code(link.reveal(), language=None, wrap_lines=True)


def _refresh_form(ctx: PageContext, user_id: str) -> None:
    with st.expander("Resync meetings from the calendar", icon=":material/sync:"):
        st.caption(
            "Recall keeps calendars in sync by itself; use this when a customer reports a "
            "meeting missing right after creating it."
        )
        with st.form("refresh-meetings", border=False):
            reason, ticket = _reason_inputs("refresh")
            if st.form_submit_button("Resync now"):
                try:
                    meetings = ctx.actions().refresh_meetings(user_id, reason=reason, ticket=ticket)
                except ActionError as exc:
                    st.error(plain(exc.message, limit=None), icon=":material/error:")
                    return
                refresh_account(ctx.backend, user_id)
                set_flash(f"Resynced: Recall now lists {len(meetings)} meetings.")
                st.rerun()


def _delete_form(ctx: PageContext, user_id: str) -> None:
    with st.expander("Danger zone: delete this calendar user", icon=":material/delete_forever:"):
        st.error(
            "Deletes the calendar user in Recall and disconnects all its calendars. Scheduled "
            "bots are removed. This cannot be undone; the user would have to connect again.",
            icon=":material/warning:",
        )
        with st.form("delete-user", border=False):
            reason, ticket = _reason_inputs("delete")
            typed = st.text_input(
                f"Type the user id ({plain(user_id)}) to confirm", key="delete-confirm"
            )
            if st.form_submit_button("Delete calendar user", type="primary"):
                try:
                    ctx.actions().delete_user(
                        user_id, confirmation=typed, reason=reason, ticket=ticket
                    )
                except ActionError as exc:
                    st.error(plain(exc.message, limit=None), icon=":material/error:")
                    return
                refresh_account(ctx.backend, user_id)
                refresh_directory()
                end_view_as(ctx, why="calendar user deleted")
                st.query_params.pop("user_id", None)
                set_flash(f"Deleted calendar user {user_id}.")
                st.rerun()
