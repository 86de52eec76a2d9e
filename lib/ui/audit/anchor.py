"""The log's signed head on the audit page, for admins to keep outside the database."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from lib.audit import AuditError, AuditStore


def render_signed_head(store: AuditStore) -> None:
    """The signed head behind an expander, with how to check the log against it later."""
    with st.expander("Signed head — keep a copy outside the database", icon=":material/anchor:"):
        try:
            head = store.signed_head()
        except (SQLAlchemyError, AuditError):
            st.caption("The signed head cannot be read right now; the chain state above says why.")
            return
        st.caption(
            f"The log holds {head.events:,} events. Anyone who can write the database could "
            "delete the newest events and move the head back; a copy of this line kept "
            "elsewhere (a ticket, a wiki, a mail) shows it: "
            "`python -m lib.audit verify --against '<the line>'`. Every export carries it too."
        )
        st.code(head.text, language=None, wrap_lines=True)
