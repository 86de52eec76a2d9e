"""Choosing and opening an account: a checked user id, then a reason, then the view-as session.

The open user is kept in the URL (``?user_id=``) so a reload or a shared link lands on the same
account, after sign-in and a reason.
"""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from lib.mint_gate import UserGoneError
from lib.recall import RecallError
from lib.staff import Action
from lib.ui.context import PageContext, begin_view_as, current_view_as
from lib.ui.data import DirectorySnapshot, get_directory, get_mint_gate, refresh_directory
from lib.ui.errors import attempt, show_failure
from lib.ui.text import code, plain
from lib.userids import check_user_id
from lib.viewas import MIN_REASON_CHARS, ReasonError, start_session


def requested_user_id() -> str | None:
    """The account asked for: the URL first, else the open view-as session."""
    from_url = st.query_params.get("user_id")
    if from_url:
        return from_url
    session = current_view_as()
    return session.user_id if session else None


def render_lookup(ctx: PageContext) -> None:
    """No account chosen yet: ask for a user id."""
    with st.form("account-lookup", border=True):
        typed = st.text_input(
            "User id",
            placeholder="The company's own id for the end user, e.g. nw-000001",
            help="Exactly as your product sends it to Recall; the directory page searches by "
            "email too.",
        )
        if st.form_submit_button("Open", type="primary", icon=":material/search:"):
            check = check_user_id(typed)
            if not check.ok:
                st.error(plain(check.problem), icon=":material/error:")
            else:
                st.query_params["user_id"] = check.value
                st.rerun()
    st.page_link(
        "pages/directory.py", label="Search the directory instead", icon=":material/search:"
    )


def checked_account_id(ctx: PageContext, raw: str) -> tuple[str, DirectorySnapshot] | None:
    """The user id if it is valid and a calendar user of the workspace; otherwise say why.

    Nothing is fetched for an id the workspace does not have: Recall would create it.
    """
    check = check_user_id(raw)
    if not check.ok:
        st.error(plain(check.problem), icon=":material/error:")
        render_lookup(ctx)
        return None
    for warning in check.warnings:
        st.warning(plain(warning), icon=":material/warning:")
    directory = attempt(
        "Could not load the workspace's users",
        lambda: get_directory(ctx.backend),
        retry_key="account-directory-retry",
    )
    if directory is None:
        return None
    if not directory.contains(check.value):
        st.warning(
            f"{code(check.value)} is not a calendar user of this workspace. Nothing was looked "
            "up in Recall and no user was created. Check the id with the customer, or search "
            "by email in the directory.",
            icon=":material/person_off:",
        )
        if ctx.can(Action.MINT_USER):
            st.caption(
                "Admins can create a calendar user for a new id from the directory page, with "
                "a reason."
            )
        render_lookup(ctx)
        return None
    if deleted_meanwhile(ctx, check.value):
        render_lookup(ctx)
        return None
    return check.value, directory


def deleted_meanwhile(ctx: PageContext, user_id: str) -> bool:
    """True (and says so) when a console process deleted ``user_id`` and Recall no longer lists
    it, although the cached user list still does. One database read when nothing was deleted."""
    gate = get_mint_gate(ctx.backend)
    if gate.deletion(user_id) is None:
        return False
    try:
        gate.check(user_id)
    except UserGoneError as exc:
        refresh_directory()
        st.warning(plain(exc.message, limit=None), icon=":material/person_off:")
        return True
    except RecallError as exc:
        show_failure("Could not check that this user still exists", exc)
        return True
    return False


def render_open_form(ctx: PageContext, user_id: str) -> None:
    """Ask for the reason before showing anyone's account."""
    with st.container(border=True):
        st.markdown(f"#### Open the account of {code(user_id)}")
        st.caption(
            "You will see this user's calendars and meetings as they see them. Your reason "
            "goes on the audit record with every view and change."
        )
        with st.form("account-open"):
            reason = st.text_area(
                "Reason",
                placeholder="e.g. Customer reports the bot did not join Tuesday's call",
                max_chars=500,
            )
            ticket = st.text_input("Ticket (optional)", placeholder="e.g. SUP-1234", max_chars=100)
            submitted = st.form_submit_button(
                "Open account", type="primary", icon=":material/visibility:"
            )
        if submitted:
            try:
                session = start_session(user_id, reason, ticket, now=datetime.now(UTC))
            except ReasonError as exc:
                st.error(plain(str(exc)), icon=":material/error:")
                return
            begin_view_as(ctx, session)
            st.query_params["user_id"] = user_id
            st.rerun()
        else:
            st.caption(f"A reason of at least {MIN_REASON_CHARS} characters is required.")
