"""The audit chain's state as both the audit and the status pages show it.

Verifying reads every event, so a small log is verified on every view while a large one is
verified only when someone asks; the last result is kept per store for every session of the
process, with when it was taken and how many events the log held then.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import weakref
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit.delta_generator import DeltaGenerator

from lib.audit import AuditError, AuditStore, VerifyResult
from lib.ui.audit_display import format_moment, read_problem
from lib.ui.text import plain

# Verification runs at roughly 20,000 events a second on SQLite: up to this size it costs a
# fraction of a second, so the state on screen is always current.
AUTO_VERIFY_MAX_EVENTS = 5_000


@dataclass(frozen=True)
class ChainCheck:
    """One verification of the whole chain."""

    result: VerifyResult
    checked_at: dt.datetime
    seconds: float
    events_then: int

    @property
    def ok(self) -> bool:
        return self.result.ok


class ChainChecks:
    """The last check per store, shared by every session; one verification at a time per store."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: weakref.WeakKeyDictionary[AuditStore, ChainCheck] = weakref.WeakKeyDictionary()
        self._running: weakref.WeakKeyDictionary[AuditStore, threading.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def last(self, store: AuditStore) -> ChainCheck | None:
        with self._lock:
            return self._last.get(store)

    def verify(self, store: AuditStore, events_now: int) -> ChainCheck:
        """Verify now; a caller arriving while another verification of the same store runs
        waits for it and gets its result instead of walking the chain a second time."""
        with self._lock:
            gate = self._running.setdefault(store, threading.Lock())
            before = self._last.get(store)
        with gate:
            with self._lock:
                latest = self._last.get(store)
            if latest is not None and latest is not before:
                return latest
            started = time.perf_counter()
            result = store.verify()
            check = ChainCheck(
                result=result,
                checked_at=dt.datetime.now(dt.UTC),
                seconds=time.perf_counter() - started,
                events_then=events_now,
            )
            with self._lock:
                self._last[store] = check
            return check


@st.cache_resource(show_spinner=False)
def chain_checks() -> ChainChecks:
    return ChainChecks()


@dataclass(frozen=True)
class ChainView:
    """What a page shows: the stored event count and the check it has (None: not verified)."""

    events: int
    check: ChainCheck | None
    automatic: bool


def current_chain_view(store: AuditStore, *, force: bool = False) -> ChainView:
    """Verify a small log (or any log when ``force``); otherwise reuse the last check."""
    events = store.count()
    checks = chain_checks()
    automatic = events <= AUTO_VERIFY_MAX_EVENTS
    if automatic or force:
        return ChainView(events, checks.verify(store, events), automatic)
    return ChainView(events, checks.last(store), automatic)


def chain_headline(view: ChainView) -> str:
    """A few words for a metric: ``Intact``, ``Broken at #12``, ``Not verified``."""
    if view.check is None:
        return "Not verified"
    if view.check.ok:
        return "Intact"
    bad = view.check.result.first_bad_id
    return f"Broken at #{bad}" if bad is not None else "Broken"


def _when(check: ChainCheck, zone: ZoneInfo) -> str:
    return f"checked {format_moment(check.checked_at, zone)} in {check.seconds:.2f} s"


def render_chain_state(store: AuditStore, *, key: str, zone: ZoneInfo) -> ChainView | None:
    """The chain's state in a box: intact, broken where, or not yet verified (with a button)."""
    # The button is drawn below the result, so its click is read from the state up here.
    force = bool(st.session_state.get(key))
    try:
        if force:
            with st.spinner("Verifying every event of the audit log…"):
                view = current_chain_view(store, force=True)
        else:
            view = current_chain_view(store)
    except (SQLAlchemyError, AuditError) as exc:
        st.error(
            f"**The audit chain could not be checked** — {plain(read_problem(exc), limit=None)}",
            icon=":material/error:",
        )
        return None
    if view.automatic:
        _render_verdict(st.container(), view, zone)
        return view
    text, button = st.columns([5, 1], vertical_alignment="center")
    _render_verdict(text, view, zone)
    check = view.check
    if check is not None and view.events != check.events_then:
        text.caption(
            f"{view.events - check.events_then:+,} events since that check; verify again "
            "to include them."
        )
    button.button(
        "Verify now" if check is None else "Verify again",
        key=key,
        icon=":material/fact_check:",
        help="Reads every event and recomputes its hash; takes about "
        f"{max(1, round(view.events / 20_000))} s for this log.",
    )
    return view


def _render_verdict(area: DeltaGenerator, view: ChainView, zone: ZoneInfo) -> None:
    check = view.check
    if check is None:
        area.warning(
            f"**Chain not verified yet** — the log holds {view.events:,} events, too many "
            "to check on every view. Verify it to see whether any event was changed or removed.",
            icon=":material/pending:",
        )
    elif check.ok and check.result.checked == 0:
        area.success(
            f"**Chain intact** — the log holds no events yet ({_when(check, zone)}).",
            icon=":material/verified:",
        )
    elif check.ok:
        area.success(
            f"**Chain intact** — {check.result.checked:,} events verified, none changed or "
            f"missing ({_when(check, zone)}).",
            icon=":material/verified:",
        )
    else:
        where = (
            f"event #{check.result.first_bad_id}"
            if check.result.first_bad_id is not None
            else "the chain head"
        )
        area.error(
            f"**Chain broken at {where}** — {plain(check.result.problem or 'unknown problem')}. "
            f"{check.result.checked:,} events before it verify. Events from there on cannot be "
            "trusted: keep a copy of the database and investigate before pruning "
            f"({_when(check, zone)}).",
            icon=":material/gpp_bad:",
        )
