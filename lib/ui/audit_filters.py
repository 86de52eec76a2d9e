"""Filters of the audit log page: what staff typed, and the store query it stands for."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import streamlit as st

from lib.audit import Outcome
from lib.ui.audit_display import outcome_label, zone_named
from lib.ui.state import (
    SK_AUDIT_FILTER_ACTION,
    SK_AUDIT_FILTER_ACTOR,
    SK_AUDIT_FILTER_OUTCOME,
    SK_AUDIT_FILTER_REQUEST,
    SK_AUDIT_FILTER_SINCE,
    SK_AUDIT_FILTER_UNTIL,
    SK_AUDIT_FILTER_USER,
    SK_AUDIT_QUERY_SEEDED,
)

# Offered in the action box; any other code (or a prefix ending in ".*") can be typed.
KNOWN_ACTIONS: tuple[str, ...] = (
    "preferences.update",
    "meeting.override",
    "meetings.refresh",
    "calendar.disconnect",
    "user.delete",
    "user.mint",
    "connection_link.create",
    "view_as.*",
    "bot.*",
    "preset.*",
    "export.*",
    "signin",
    "signout",
    "audit.prune",
)

# Query parameters another page can link with, e.g. ``audit?user_id=...``.
QUERY_PARAM_KEYS: dict[str, str] = {
    "actor": SK_AUDIT_FILTER_ACTOR,
    "user_id": SK_AUDIT_FILTER_USER,
    "action": SK_AUDIT_FILTER_ACTION,
    "outcome": SK_AUDIT_FILTER_OUTCOME,
    "request_id": SK_AUDIT_FILTER_REQUEST,
}

_EMPTY: dict[str, Any] = {
    SK_AUDIT_FILTER_ACTOR: "",
    SK_AUDIT_FILTER_USER: "",
    SK_AUDIT_FILTER_ACTION: None,
    SK_AUDIT_FILTER_OUTCOME: None,
    SK_AUDIT_FILTER_REQUEST: "",
    SK_AUDIT_FILTER_SINCE: None,
    SK_AUDIT_FILTER_UNTIL: None,
}


def _text(value: object) -> str | None:
    cleaned = str(value).strip() if value is not None else ""
    return cleaned or None


@dataclass(frozen=True)
class AuditFilters:
    """Filters as staff see them; dates are whole days in ``zone`` (both ends included)."""

    actor: str | None = None
    user_id: str | None = None
    action: str | None = None
    outcome: Outcome | None = None
    request_id: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    zone: str = "UTC"

    @classmethod
    def from_inputs(
        cls,
        *,
        actor: object = None,
        user_id: object = None,
        action: object = None,
        outcome: object = None,
        request_id: object = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        zone: str = "UTC",
    ) -> AuditFilters:
        """Filters from raw widget values: blanks mean "any", action codes are lower case."""
        action_text = _text(action)
        outcome_text = _text(outcome)
        return cls(
            actor=(_text(actor) or "").lower() or None,
            user_id=_text(user_id),
            action=action_text.lower() if action_text else None,
            outcome=Outcome(outcome_text) if outcome_text else None,
            request_id=_text(request_id),
            since=since,
            until=until,
            zone=zone,
        )

    @property
    def active(self) -> bool:
        return any(
            value is not None
            for value in (
                self.actor,
                self.user_id,
                self.action,
                self.outcome,
                self.request_id,
                self.since,
                self.until,
            )
        )

    def problem(self) -> str | None:
        """Why these filters cannot match anything, in words; None when they can."""
        if self.since is not None and self.until is not None and self.until < self.since:
            return "The end date is before the start date."
        return None

    def _bound(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.min, tzinfo=zone_named(self.zone))

    def query_args(self) -> dict[str, Any]:
        """Keyword arguments for ``AuditStore.query`` / ``count``."""
        return {
            "actor": self.actor,
            "user_id": self.user_id,
            "action": self.action,
            "outcome": self.outcome,
            "request_id": self.request_id,
            "since": self._bound(self.since) if self.since else None,
            # The store's upper bound is exclusive: the day after the last day shown.
            "until": self._bound(self.until + dt.timedelta(days=1)) if self.until else None,
        }

    def describe(self) -> dict[str, Any]:
        """The filters in use, as JSON data for the record of an export."""
        described: dict[str, Any] = {}
        for name, value in asdict(self).items():
            if value is None or name == "zone":
                continue
            described[name] = value.isoformat() if isinstance(value, dt.date) else str(value)
        if self.since or self.until:
            described["zone"] = self.zone
        return described

    def signature(self) -> str:
        """Changes whenever the set of matching events could change."""
        text = json.dumps(self.describe(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def seed_from_query_params(params: Mapping[str, str]) -> None:
    """Fill the filters from a link (``?user_id=...``) before they are drawn.

    Applied when the link's filters differ from the last ones applied, so following the same
    link again after changing a filter by hand does not undo the change, but a new link does.
    """
    wanted: dict[str, str] = {}
    for param, key in QUERY_PARAM_KEYS.items():
        value = _text(params.get(param))
        if value is None:
            continue
        if key == SK_AUDIT_FILTER_OUTCOME and value not in {o.value for o in Outcome}:
            continue
        wanted[key] = value
    if not wanted or st.session_state.get(SK_AUDIT_QUERY_SEEDED) == wanted:
        return
    st.session_state[SK_AUDIT_QUERY_SEEDED] = wanted
    for key, value in wanted.items():
        st.session_state[key] = value


def _clear_filters() -> None:
    for key, value in _EMPTY.items():
        st.session_state[key] = value


def render_filters(zone: str) -> AuditFilters:
    """The filter row; returns what it selects."""
    with st.container(border=True):
        first = st.columns([3, 3, 3, 2])
        first[0].text_input(
            "Actor", key=SK_AUDIT_FILTER_ACTOR, placeholder="staff email", icon=":material/badge:"
        )
        first[1].text_input(
            "User id",
            key=SK_AUDIT_FILTER_USER,
            placeholder="exact user id",
            icon=":material/person:",
        )
        typed = st.session_state.get(SK_AUDIT_FILTER_ACTION)
        # A typed or linked code stays listed, so the box can show it as chosen.
        actions = [*KNOWN_ACTIONS, *([typed] if typed and typed not in KNOWN_ACTIONS else [])]
        first[2].selectbox(
            "Action",
            actions,
            index=None,
            key=SK_AUDIT_FILTER_ACTION,
            placeholder="any action",
            accept_new_options=True,
            help="Pick a code or type one; a code ending in `.*` matches every action under it.",
        )
        first[3].selectbox(
            "Outcome",
            [o.value for o in Outcome],
            index=None,
            key=SK_AUDIT_FILTER_OUTCOME,
            placeholder="any outcome",
            format_func=outcome_label,
        )
        second = st.columns([2, 2, 4, 2], vertical_alignment="bottom")
        second[0].date_input("From", value=None, key=SK_AUDIT_FILTER_SINCE, format="YYYY-MM-DD")
        second[1].date_input("To", value=None, key=SK_AUDIT_FILTER_UNTIL, format="YYYY-MM-DD")
        second[2].text_input(
            "Request id",
            key=SK_AUDIT_FILTER_REQUEST,
            placeholder="pairs an attempt with its outcome",
        )
        second[3].button("Clear filters", on_click=_clear_filters, icon=":material/filter_alt_off:")
        state = st.session_state
        return AuditFilters.from_inputs(
            actor=state.get(SK_AUDIT_FILTER_ACTOR),
            user_id=state.get(SK_AUDIT_FILTER_USER),
            action=state.get(SK_AUDIT_FILTER_ACTION),
            outcome=state.get(SK_AUDIT_FILTER_OUTCOME),
            request_id=state.get(SK_AUDIT_FILTER_REQUEST),
            since=state.get(SK_AUDIT_FILTER_SINCE),
            until=state.get(SK_AUDIT_FILTER_UNTIL),
            zone=zone,
        )
