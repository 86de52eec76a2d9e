"""The directory's header, search controls and what a typed user id turns out to be."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import streamlit as st

from lib.directory import (
    PAGE_SIZES,
    SORT_OPTIONS,
    STATE_FILTERS,
    DirectoryQuery,
    DirectorySummary,
    IdLookup,
    describe_age,
    looks_like_email,
)
from lib.directory_load import LoadProgress
from lib.ui.data import DIRECTORY_TTL_SECONDS, DirectorySnapshot, refresh_directory
from lib.ui.state import (
    SK_DIR_DESCENDING,
    SK_DIR_DUPLICATES,
    SK_DIR_NOTICE,
    SK_DIR_PAGE,
    SK_DIR_PAGE_SIZE,
    SK_DIR_QUERY,
    SK_DIR_SORT,
    SK_DIR_STATES,
    SK_DIR_TABLE,
)
from lib.ui.text import code, plain
from lib.userids import UserIdCheck

KEY_DIR_REFRESH = "directory.refresh"
KEY_DIR_OPEN_EXACT = "directory.open_exact"
KEY_DIR_SUGGESTION = "directory.suggestion"
ACCOUNT_PAGE = "pages/account.py"


def open_account(user_id: str) -> None:
    """Go to the account page with the user in the URL; that page asks for the reason."""
    st.switch_page(ACCOUNT_PAGE, query_params={"user_id": user_id})


def notify(kind: str, text: str) -> None:
    """A message shown at the top of the next run (after ``st.rerun``)."""
    st.session_state.setdefault(SK_DIR_NOTICE, []).append((kind, text))


def show_notices() -> None:
    for kind, text in st.session_state.pop(SK_DIR_NOTICE, []):
        show = {"success": st.success, "warning": st.warning, "error": st.error}.get(kind, st.info)
        show(text)


def render_header(snapshot: DirectorySnapshot, summary: DirectorySummary) -> None:
    """Counts, how old the list is, and a Refresh button."""
    with st.container(border=True):
        cells = st.columns([1, 1, 1, 1, 1, 1.4], vertical_alignment="center")
        partial = snapshot.progress is not None
        cells[0].metric(
            "Calendar users (loaded so far)" if partial else "Calendar users",
            f"{summary.total:,}",
        )
        cells[1].metric("Connected", f"{summary.connected:,}")
        cells[2].metric("Disconnected", f"{summary.disconnected:,}")
        cells[3].metric("No calendar", f"{summary.no_calendar:,}")
        cells[4].metric("Possible duplicates", f"{summary.duplicates:,}")
        with cells[5]:
            if partial:
                st.caption(f"Loading started {describe_age(snapshot.age_seconds())}.")
            else:
                st.caption(
                    f"List loaded {describe_age(snapshot.age_seconds())}; it is reloaded after "
                    f"{DIRECTORY_TTL_SECONDS // 60} minutes (longer for a list that takes long "
                    "to read) or when you refresh."
                )
            if st.button("Refresh list", key=KEY_DIR_REFRESH, icon=":material/refresh:"):
                refresh_directory()
                st.rerun()
    if summary.duplicates:
        st.warning(
            f"**{summary.duplicates:,} users share a calendar email with another user id.** "
            "One person under two user ids gets two bots in the same call; turn on *Only "
            "possible duplicates* to review them.",
            icon=":material/content_copy:",
        )


def _signature(query: DirectoryQuery) -> str:
    shown = (query.text, query.states, query.duplicates_only, query.sort_by, query.descending)
    return hashlib.sha256(repr((*shown, query.page_size)).encode()).hexdigest()[:12]


def page_key(query: DirectoryQuery) -> str:
    """The page buttons' key, one per search: a new search or order starts at page 1."""
    return f"{SK_DIR_PAGE}.{_signature(query)}"


def table_key(query: DirectoryQuery) -> str:
    """The results table's key, one per page of one search: a row picked there never stands
    for a row of another page or search."""
    return f"{SK_DIR_TABLE}.{_signature(query)}.{query.page}"


def search_controls(*, locked: bool) -> DirectoryQuery:
    """Search text, filters, order and page size; ``locked`` while table edits are unsaved,
    because a different page of users would drop them."""
    with st.container(border=True):
        top = st.columns([3, 2], vertical_alignment="bottom")
        text = top[0].text_input(
            "Search by user id or calendar email",
            key=SK_DIR_QUERY,
            help="A person's name finds them through their calendar email: every word must match.",
            placeholder="e.g. nw-000123, Ana Lopez or ana@northwind.example",
            icon=":material/search:",
            disabled=locked,
            live=True,
            persist_state="session",
        )
        states = top[1].multiselect(
            "Calendar",
            STATE_FILTERS,
            key=SK_DIR_STATES,
            placeholder="Any calendar state",
            disabled=locked,
            persist_state="session",
        )
        bottom = st.columns([2, 1, 1.4, 1], vertical_alignment="bottom")
        sort_label = bottom[0].selectbox(
            "Sort by",
            list(SORT_OPTIONS),
            key=SK_DIR_SORT,
            disabled=locked,
            persist_state="session",
        )
        descending = bottom[1].toggle(
            "Descending",
            key=SK_DIR_DESCENDING,
            disabled=locked,
            persist_state="session",
        )
        duplicates_only = bottom[2].toggle(
            "Only possible duplicates",
            key=SK_DIR_DUPLICATES,
            disabled=locked,
            persist_state="session",
        )
        page_size = bottom[3].selectbox(
            "Rows per page",
            PAGE_SIZES,
            index=PAGE_SIZES.index(50),
            key=SK_DIR_PAGE_SIZE,
            disabled=locked,
            persist_state="session",
        )
        if locked:
            st.caption(
                ":material/lock: Search and paging are paused while the preference table has "
                "unsaved changes: save or discard them first."
            )
    query = DirectoryQuery(
        text=text or "",
        states=tuple(states),
        duplicates_only=bool(duplicates_only),
        sort_by=SORT_OPTIONS.get(sort_label or "", "user_id"),
        descending=bool(descending),
        page_size=int(page_size or 50),
    )
    page = st.session_state.get(page_key(query))
    return replace(query, page=page) if isinstance(page, int) and page > 1 else query


def render_check(check: UserIdCheck) -> None:
    """Problems and warnings about the typed text, before anything is looked up."""
    if check.problem:
        st.warning(f"{plain(check.problem)} Nothing was searched.", icon=":material/warning:")
    for warning in check.warnings:
        st.caption(f":material/info: {plain(warning)}")


def render_lookup(
    lookup: IdLookup,
    matches: int,
    *,
    loaded: LoadProgress | None = None,
    near_misses: tuple[str, ...] = (),
) -> None:
    """What the typed text turned out to be, in one message: a user id, an email, a near miss
    of an id ("did you mean"), or nothing at all; plus the near misses that cause duplicates.

    ``loaded`` is the progress of a partial list: then a missing id is only "not loaded yet".
    """
    uid = lookup.user_id
    if looks_like_email(uid) and not lookup.exists:
        _render_email_lookup(lookup, matches, loaded)
        return
    if not lookup.exists and loaded is not None:
        st.info(
            f"{code(uid)} is not among the {loaded.counted} loaded so far; the rest of the "
            "list is not loaded yet, so it may still exist.",
            icon=":material/hourglass_top:",
        )
    elif lookup.exists:
        with st.container(border=True):
            left, right = st.columns([4, 1], vertical_alignment="center")
            left.markdown(f":material/person: {code(uid)} is a calendar user of this workspace.")
            if right.button("Open account", key=KEY_DIR_OPEN_EXACT, type="primary"):
                open_account(uid)
    elif near_misses:
        _render_near_misses(uid, near_misses)
        return
    elif matches and len(uid.split()) > 1:
        # Words, not an id: a name found through the calendar emails.
        st.caption(f"{matches:,} users have every word of {code(uid)} in their id or emails.")
    elif matches:
        st.caption(
            f"No user has exactly the id {code(uid)}; {matches:,} user ids or emails contain it."
        )
    else:
        st.info(
            f"No users match. No calendar user has the user id {code(uid)}, and no user id or "
            "calendar email contains it. Searching never creates a user.",
            icon=":material/person_off:",
        )
    if lookup.differs_in_case:
        listed = ", ".join(code(other) for other in lookup.differs_in_case[:5])
        st.warning(
            f"{listed} differ from {code(uid)} only in letter case. Recall treats them as "
            "different users: check which one the product uses.",
            icon=":material/text_fields:",
        )
    if lookup.email_owners:
        listed = ", ".join(code(owner) for owner in lookup.email_owners[:5])
        more = len(lookup.email_owners) - 5
        extra = f" and {more:,} more" if more > 0 else ""
        st.info(
            f"{code(uid)} is the calendar email of {listed}{plain(extra)}.",
            icon=":material/alternate_email:",
        )


def _render_near_misses(uid: str, near_misses: tuple[str, ...]) -> None:
    """A typed id that is an existing id but for case, width or separators."""
    listed = " or ".join(code(other) for other in near_misses)
    with st.container(border=True):
        st.markdown(
            f":material/spellcheck: No user has the id {code(uid)}. **Did you mean {listed}?** "
            "Recall treats ids that differ in any character, letter case included, as "
            "different users."
        )
        for other in near_misses:
            if st.button(f"Open {other}", key=f"{KEY_DIR_SUGGESTION}.{other}", type="primary"):
                open_account(other)


def _render_email_lookup(lookup: IdLookup, matches: int, loaded: LoadProgress | None) -> None:
    """An email address typed into the search: answered as an email, never as a missing id."""
    email = lookup.user_id
    scope = f"among the {loaded.counted} loaded so far" if loaded is not None else ""
    if lookup.email_owners:
        listed = ", ".join(code(owner) for owner in lookup.email_owners[:5])
        more = len(lookup.email_owners) - 5
        extra = f" and {more:,} more" if more > 0 else ""
        st.info(
            f"{code(email)} is the calendar email of {listed}{plain(extra)}.",
            icon=":material/alternate_email:",
        )
    elif matches:
        st.caption(f"{matches:,} users have a user id or calendar email containing {code(email)}.")
    else:
        st.info(
            f"No users match. No calendar is connected with the email {code(email)}"
            f"{' ' + scope if scope else ''}.",
            icon=":material/alternate_email:",
        )
