"""The presets screen's session state: the editor text, a notice for the next run, and Undo.

Everything here runs inside callbacks (before any widget is drawn), except ``show_notice``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from lib.actions import ActionError
from lib.audit import AuditError
from lib.ui.state import SK_PRESET_MIGRATION, SK_PRESET_NOTICE, SK_PRESET_TEXT, SK_PRESET_UNDO
from lib.ui.text import plain

logger = logging.getLogger(__name__)

# The editor text the last run accepted, put back when a paste is over the size limit.
SK_PRESET_TEXT_KEPT = "presets.text_kept"

Notice = tuple[str, str, str]


def notice(kind: str, message: str, where: str = "editor") -> None:
    """A message for the next run, shown where the action was taken (the editor, the versions
    tab or the export tab), so it is seen without scrolling."""
    st.session_state[SK_PRESET_NOTICE] = (where, kind, message)


def take_notice() -> Notice | None:
    """The pending notice, removed so it is shown once."""
    pending = st.session_state.pop(SK_PRESET_NOTICE, None)
    return pending if isinstance(pending, tuple) and len(pending) == 3 else None


def show_notice(pending: Notice | None, where: str) -> None:
    if pending is None or pending[0] != where:
        return
    _, kind, message = pending
    show = {"error": st.error, "success": st.success}.get(kind, st.info)
    show(plain(message, limit=2000))


def editor_text() -> str:
    value = st.session_state.get(SK_PRESET_TEXT)
    return value if isinstance(value, str) else ""


def keep_text(text: str) -> None:
    """Remember the text this run shows (a reference, not a copy)."""
    st.session_state[SK_PRESET_TEXT_KEPT] = text


def kept_text() -> str:
    value = st.session_state.get(SK_PRESET_TEXT_KEPT)
    return value if isinstance(value, str) else ""


def replace_text(new_text: str, source: str) -> None:
    """Put ``new_text`` in the editor, keeping the text it replaces for Undo."""
    current = editor_text()
    if current.strip() and current != new_text:
        st.session_state[SK_PRESET_UNDO] = (source, current)
    st.session_state[SK_PRESET_TEXT] = new_text
    st.session_state.pop(SK_PRESET_MIGRATION, None)


def guarded(where: str = "editor") -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A callback whose failure becomes words beside the control, never a traceback."""

    def wrap(callback: Callable[..., None]) -> Callable[..., None]:
        def run(*args: Any) -> None:
            try:
                callback(*args)
            except ActionError as exc:
                notice("error", exc.message, where)
            except (SQLAlchemyError, AuditError):
                logger.exception("preset page: database operation failed")
                notice(
                    "error",
                    "The console's database could not be reached, so nothing was recorded. "
                    "Try again in a moment.",
                    where,
                )

        return run

    return wrap
