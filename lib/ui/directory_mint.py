"""Creating a calendar user for an id the workspace does not have: admins only, on purpose.

Recall's authenticate creates a user for any id it has not seen, and the docs warn that
inconsistent ids give one person two calendar users and two bots per call. So the control
appears only for an admin, only for a valid id the list does not contain, and needs a reason and
an explicit confirmation; the write itself goes through ``lib/actions.py``.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from lib.actions import ActionError
from lib.directory import IdLookup
from lib.staff import Action
from lib.ui.context import PageContext
from lib.ui.data import refresh_directory
from lib.ui.directory_search import notify
from lib.ui.errors import show_failure
from lib.ui.state import SK_DIR_MINT_CONFIRM, SK_DIR_MINT_REASON, SK_DIR_MINT_TICKET
from lib.ui.text import code

KEY_DIR_MINT = "directory.mint"


def mint_widget_key(prefix: str, user_id: str) -> str:
    """Widget keys per typed id, so a reason or confirmation given for one id never carries
    over to another."""
    return f"{prefix}.{hashlib.sha256(user_id.encode()).hexdigest()[:12]}"


def render_mint(ctx: PageContext, lookup: IdLookup) -> None:
    """The admin's create control for an unknown id; others are told who can do it."""
    uid = lookup.user_id
    if lookup.exists:
        return
    if not ctx.can(Action.MINT_USER):
        st.caption(
            "Only an admin can create a calendar user for a new id. Check the id with the "
            "product team first: a second id for the same person means two bots in one call."
        )
        return
    with st.expander(f"Create a calendar user for {code(uid)}", icon=":material/person_add:"):
        st.warning(
            "Recall creates a calendar user for any id it has not seen. If this person already "
            "has a calendar user under another id, a second one means two bots join their "
            "calls. Create one only when the product really uses exactly this id.",
            icon=":material/warning:",
        )
        if lookup.differs_in_case or lookup.email_owners:
            st.error(
                "This id is close to existing users (see above). Make sure it is not one of "
                "them before creating it.",
                icon=":material/content_copy:",
            )
        reason = st.text_area(
            "Reason (goes on the audit record)",
            key=mint_widget_key(SK_DIR_MINT_REASON, uid),
            placeholder="e.g. New customer onboarding; the product uses this id (ticket link)",
            height=80,
        )
        ticket = st.text_input("Ticket (optional)", key=mint_widget_key(SK_DIR_MINT_TICKET, uid))
        confirmed = st.checkbox(
            f"I checked that {code(uid)} is exactly the id the product uses for this person",
            key=mint_widget_key(SK_DIR_MINT_CONFIRM, uid),
        )
        if st.button(
            "Create calendar user",
            key=KEY_DIR_MINT,
            type="primary",
            icon=":material/person_add:",
            disabled=not confirmed,
        ):
            try:
                ctx.actions().mint_user(uid, reason=reason, ticket=ticket or None)
            except ActionError as exc:
                show_failure("The calendar user was not created", exc)
                return
            refresh_directory()
            notify("success", f"Created calendar user {code(uid)}. It has no calendar yet.")
            st.rerun()
