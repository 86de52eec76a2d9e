"""Find a user: search the workspace's calendar users, spot duplicates, open an account, and
compare (editors: change) preferences side by side."""

from dataclasses import replace

import streamlit as st

from lib.directory import looks_like_email, lookup_user_id, near_miss_ids, run_query, summarize
from lib.staff import Action
from lib.ui.data import get_directory_view
from lib.ui.directory.loading import render_load_state
from lib.ui.directory.recent import render_recent
from lib.ui.directory_mint import render_mint
from lib.ui.directory_prefs import pending_edits, render_preferences
from lib.ui.directory_results import render_page_nav, render_results
from lib.ui.directory_search import (
    notify,
    render_check,
    render_header,
    render_lookup,
    search_controls,
    show_notices,
)
from lib.ui.errors import attempt
from lib.ui.page import start_page
from lib.ui.rename_user import render_rename
from lib.ui.state import SK_DIR_TAB
from lib.userids import check_user_id

ctx = start_page(
    "Find a user",
    caption="Search the workspace's calendar users by user id, name or connected email.",
    requires=Action.FIND_USERS,
)
show_notices()
snapshot = attempt(
    "Could not load the workspace's calendar users",
    lambda: get_directory_view(ctx.backend),
    retry_key="directory.retry",
)
if snapshot is None:
    st.stop()
frame = snapshot.frame
render_load_state(ctx.backend, snapshot)

render_header(snapshot, summarize(frame))
pending = pending_edits(ctx, frame)
query = search_controls(locked=bool(pending.edits))

# The typed text is checked as a user id first: control characters, a 10,000-character paste or
# a look-alike letter get words instead of a search.
check = check_user_id(query.text) if query.text.strip() else None
if check is not None:
    render_check(check)
    if not check.ok:
        st.stop()
    query = replace(query, text=check.value)
result = run_query(frame, query)
if query.page > result.pages:
    # The list shrank under a remembered page (a refresh): start again at the first page, as
    # the page buttons do.
    query = replace(query, page=1)
    result = run_query(frame, query)
if check is not None:
    lookup = lookup_user_id(frame, check.value)
    near = () if lookup.exists else near_miss_ids(frame, check.value)
    render_lookup(lookup, result.total, loaded=snapshot.progress, near_misses=near)
    if snapshot.complete and not near and not looks_like_email(check.value):
        # An id missing from a partial list may still exist, an email is not an id, and a near
        # miss is the commonest way a duplicate gets created: no offer to create any of them.
        render_mint(ctx, lookup)
    if not result.total:
        st.stop()  # the lookup said it; one message per miss
else:
    render_recent(ctx)

render_page_nav(result, query, locked=bool(pending.edits))
users_tab, preferences_tab = st.tabs(
    [":material/group: Users", ":material/tune: Preferences side by side"],
    key=SK_DIR_TAB,
)
with users_tab:
    picked = render_results(result, query)
    if picked and snapshot.complete:
        same = str(frame.loc[picked, "duplicate_of"]) if picked in frame.index else ""
        renamed = render_rename(
            ctx, picked, where="directory", same_email_as=[u for u in same.split(", ") if u]
        )
        if renamed is not None:
            notify("success", f"Moved the calendar account from {picked} to {renamed}.")
            st.rerun()
with preferences_tab:
    render_preferences(ctx, result.rows)
