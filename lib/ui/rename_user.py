"""Repair a duplicate: move one calendar account to another user id (admins only).

Shown in the directory for a picked user (the duplicates view's repair) and in the account
page's admin area. The write goes through ``Actions.rename_user``; this only collects the new
id, its confirmation and the reason, and tells the rest of the console afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from lib.actions import ActionError
from lib.staff import Action
from lib.ui.context import PageContext
from lib.ui.data import directory_user_renamed
from lib.ui.text import code, plain

RENAME_EXPANDER = "Repair: move this calendar account to another user id"


def rename_key(where: str, user_id: str) -> str:
    """Widget keys per place and user, so a form never carries over to another user."""
    return f"rename.{where}.{user_id}"


def render_rename(
    ctx: PageContext,
    user_id: str,
    *,
    where: str,
    same_email_as: Sequence[str] = (),
) -> str | None:
    """The rename form for ``user_id``; returns the new id once the rename succeeded.

    Nothing is shown to a role that may not rename users.
    """
    if not ctx.can(Action.RENAME_USER):
        return None
    key = rename_key(where, user_id)
    with st.expander(RENAME_EXPANDER, icon=":material/drive_file_rename_outline:"):
        st.markdown(
            f"Gives the calendar account now under {code(user_id)} (its calendars, meetings, "
            "preferences and bots) the user id you type. Use it when the account was connected "
            "under a wrong id and the right id has **no calendar user** yet; if it has one, "
            "Recall keeps them apart and this is refused: delete or rename that one first."
        )
        if same_email_as:
            listed = ", ".join(code(other) for other in same_email_as[:5])
            st.caption(f"Connected with the same calendar email: {listed}.")
        with st.form(key, border=False):
            new_id = st.text_input("New user id", key=f"{key}.new", max_chars=255)
            typed = st.text_input("Type the new user id again to confirm", key=f"{key}.confirm")
            reason = st.text_input("Reason", key=f"{key}.reason", max_chars=500)
            ticket = st.text_input("Ticket (optional)", key=f"{key}.ticket", max_chars=100)
            submitted = st.form_submit_button("Move to the new user id", type="primary")
        if not submitted:
            return None
        try:
            renamed = ctx.actions().rename_user(
                user_id, new_id, confirmation=typed, reason=reason, ticket=ticket
            )
        except ActionError as exc:
            st.error(plain(exc.message, limit=None), icon=":material/error:")
            return None
    new = renamed.external_id or new_id
    directory_user_renamed(ctx.backend, user_id, new)
    return new
