"""Refuse to start on an out-of-date database schema, naming the command that fixes it.

A fresh database (first start, ``make run`` on a new machine) is migrated here; one that holds
the console's tables at an older revision is left alone: upgrading a shared schema is an
operator's step (``python -m lib.db upgrade``), taken once, not by whichever replica starts first.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from lib import dbschema
from lib.db import make_engine
from lib.settings import Settings

UNREACHABLE = "unreachable"


@st.cache_resource(show_spinner=False)
def _checked(url: str) -> str | None:
    """None when the schema is current (a fresh one is migrated first), else words for staff.
    Cached per URL for the process: the check runs once, not on every rerun."""
    engine = make_engine(url)
    try:
        dbschema.prepare(engine)
        return None
    except dbschema.SchemaOutOfDateError as exc:
        return str(exc)
    except SQLAlchemyError:
        # Unreachable is not out of date: the pages already say what an unreachable audit
        # store means for them, and the check runs again on the next page load.
        return UNREACHABLE
    finally:
        engine.dispose()


def require_current_schema(settings: Settings) -> None:
    """Stop the page with an explanation unless the database schema is current."""
    problem = _checked(settings.database_url_or_default)
    if problem == UNREACHABLE:
        _checked.clear()
        return
    if problem is not None:
        # Not cached as good: once the operator has upgraded, a reload must pass.
        _checked.clear()
        st.error(problem, icon=":material/database:")
        st.stop()
