"""The cohort half of the preview page: choose users, fetch them in the background with a
progress bar and a Stop button, and show the aggregate impact of the candidate preferences.

The run lives in session state as a :class:`lib.cohort.CohortRun` (a background thread). A
fragment polls it every half second in a browser; every full rerun (including AppTest's) reads
it too, so the page never depends on the timer alone.
"""

from __future__ import annotations

import random
from datetime import UTC

import pandas as pd
import streamlit as st

from lib.autorecord import Preferences
from lib.cohort import (
    CHANGED_EXPORT_COLUMNS,
    MAX_COHORT,
    CohortResult,
    CohortRun,
    ParsedIds,
    bots_by_day,
    decode_upload,
    local_days,
    parse_user_ids,
    sample_user_ids,
    split_known,
)
from lib.ui.context import PageContext
from lib.ui.data import DirectorySnapshot, get_directory
from lib.ui.errors import attempt
from lib.ui.preview_charts import bots_chart
from lib.ui.preview_prefs import candidate_picker, describe
from lib.ui.preview_tables import changes_table, export_button, viewer_zone
from lib.ui.state import (
    SK_PREVIEW_PASTE,
    SK_PREVIEW_RESULT_VIEW,
    SK_PREVIEW_RUN,
    SK_PREVIEW_SAMPLE_CONNECTED,
    SK_PREVIEW_SAMPLE_SEED,
    SK_PREVIEW_SAMPLE_SIZE,
    SK_PREVIEW_SOURCE,
    SK_PREVIEW_UPLOAD,
)
from lib.ui.text import code, plain

SOURCE_PASTE = "Paste ids"
SOURCE_UPLOAD = "Upload a file"
SOURCE_SAMPLE = "Sample the workspace"
SOURCES = (SOURCE_PASTE, SOURCE_UPLOAD, SOURCE_SAMPLE)
POLL_SECONDS = 0.5
# Recall's authenticate limit: users a minute whose token is not cached yet.
AUTHENTICATE_PER_MINUTE = 300
_LISTED = 20
KEY_START = "preview.cohort.start"
KEY_STOP = "preview.cohort.stop"
KEY_CLEAR = "preview.cohort.clear"
KEY_RESAMPLE = "preview.cohort.resample"
KEY_EXPORT_USERS = "preview.cohort.export_users"
KEY_EXPORT_MEETINGS = "preview.cohort.export_meetings"


def _listing(values: list[str]) -> str:
    shown = ", ".join(code(v) for v in values[:_LISTED])
    more = len(values) - _LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def _parsed_from_paste(disabled: bool) -> ParsedIds:
    text = st.text_area(
        "User ids",
        key=SK_PREVIEW_PASTE,
        height=140,
        placeholder="nw-000001\nnw-000002\n…",
        help="One per line, comma-separated, or pasted from a spreadsheet column. A CSV with a "
        "user_id column (such as a Find a user export) works too.",
        disabled=disabled,
        persist_state="session",
    )
    return parse_user_ids(text or "")


def _parsed_from_upload(disabled: bool) -> ParsedIds:
    upload = st.file_uploader(
        "CSV or text file of user ids",
        type=["csv", "txt"],
        key=SK_PREVIEW_UPLOAD,
        help="One id per line, or a CSV with a user_id column.",
        disabled=disabled,
    )
    if upload is None:
        return parse_user_ids("")
    try:
        text = decode_upload(upload.getvalue())
    except ValueError as exc:
        st.error(plain(str(exc)), icon=":material/error:")
        return parse_user_ids("")
    return parse_user_ids(text)


def _new_sample() -> None:
    st.session_state[SK_PREVIEW_SAMPLE_SEED] = random.randrange(1, 10**9)


def _parsed_from_sample(directory: DirectorySnapshot, disabled: bool) -> ParsedIds:
    st.session_state.setdefault(SK_PREVIEW_SAMPLE_SEED, random.randrange(1, 10**9))
    st.session_state.setdefault(SK_PREVIEW_SAMPLE_SIZE, 100)
    st.session_state.setdefault(SK_PREVIEW_SAMPLE_CONNECTED, True)
    left, middle, right = st.columns([2, 3, 2], vertical_alignment="bottom")
    size = left.number_input(
        "Users",
        min_value=1,
        max_value=MAX_COHORT,
        step=10,
        key=SK_PREVIEW_SAMPLE_SIZE,
        disabled=disabled,
        persist_state="session",
    )
    connected = middle.checkbox(
        "Only users with a connected calendar",
        key=SK_PREVIEW_SAMPLE_CONNECTED,
        disabled=disabled,
        persist_state="session",
    )
    right.button(
        "Draw another sample",
        key=KEY_RESAMPLE,
        icon=":material/casino:",
        on_click=_new_sample,
        disabled=disabled,
    )
    frame = directory.frame
    if connected:
        frame = frame[(frame["google"] == "connected") | (frame["microsoft"] == "connected")]
    pool = list(frame.index)
    ids = sample_user_ids(pool, int(size), seed=int(st.session_state[SK_PREVIEW_SAMPLE_SEED]))
    st.caption(
        f"A random {len(ids):,} of the workspace's {len(pool):,} "
        f"{'connected ' if connected else ''}calendar users."
    )
    return ParsedIds(ids=ids)


def _summarise(parsed: ParsedIds, known: tuple[str, ...], unknown: tuple[str, ...]) -> None:
    parts = [f"**{len(known):,}** user(s) to preview"]
    if parsed.duplicates:
        parts.append(f"{parsed.duplicates:,} duplicate(s) removed")
    if unknown:
        parts.append(f"{len(unknown):,} not in this workspace")
    if parsed.invalid:
        parts.append(f"{len(parsed.invalid):,} invalid")
    st.markdown(" · ".join(parts))
    if parsed.left_out:
        st.warning(
            f"The list has {len(parsed.ids) + parsed.left_out:,} ids; a preview takes at most "
            f"{MAX_COHORT:,}, so only the first {MAX_COHORT:,} are used. Split the list to "
            "preview the rest.",
            icon=":material/content_cut:",
        )
    if unknown:
        st.caption(
            f"Not in this workspace: {_listing(list(unknown))}. They are reported and never "
            "looked up, since a lookup would create them."
        )
    if parsed.invalid:
        with st.expander(f"{len(parsed.invalid):,} entries are not valid user ids"):
            for raw, problem in parsed.invalid[:50]:
                st.markdown(f"- {code(raw, limit=60)}: {plain(problem)}")
    if parsed.warnings:
        with st.expander(f"{len(parsed.warnings):,} ids look unusual"):
            for user_id, warning in parsed.warnings[:50]:
                st.markdown(f"- {code(user_id)}: {plain(warning)}")


def _start(
    ctx: PageContext, ids: tuple[str, ...], known_ids: frozenset[str], candidate: Preferences
) -> None:
    run = CohortRun(ctx.client, ids, known_ids, candidate).start()
    st.session_state[SK_PREVIEW_RUN] = run
    st.session_state.pop(SK_PREVIEW_RESULT_VIEW, None)


def _stop() -> None:
    run = st.session_state.get(SK_PREVIEW_RUN)
    if isinstance(run, CohortRun):
        run.stop()


def _clear() -> None:
    run = st.session_state.pop(SK_PREVIEW_RUN, None)
    if isinstance(run, CohortRun):
        run.stop()
    st.session_state.pop(SK_PREVIEW_RESULT_VIEW, None)


def _progress_text(run: CohortRun) -> str:
    progress = run.progress
    text = f"Fetched {progress.done:,} of {progress.total:,} users"
    if progress.failed:
        text += f" · {progress.failed:,} failed"
    if progress.waiting:
        text += " · waiting for Recall's rate limit"
    if run.stopping:
        text += " · stopping after the users already in flight"
    return text


@st.fragment(run_every=POLL_SECONDS)
def _poll(run: CohortRun) -> None:
    if run.done:
        # The results are drawn by the full page, outside this fragment.
        st.rerun()
    st.progress(run.progress.fraction, text=_progress_text(run))
    st.button(
        "Stop",
        key=KEY_STOP,
        icon=":material/stop_circle:",
        on_click=_stop,
        disabled=run.stopping,
        help="Users not started yet are skipped; users being fetched finish, except those "
        "waiting for Recall's rate limit, which stop waiting. The results cover the users "
        "fetched so far.",
    )


def _view(run: CohortRun, result: CohortResult, candidate: Preferences) -> CohortResult:
    """The run's meetings decided under the candidate on screen, re-decided only on a change."""
    cached = st.session_state.get(SK_PREVIEW_RESULT_VIEW)
    if isinstance(cached, tuple) and cached[0] is run and cached[1].candidate == candidate:
        return cached[1]
    with st.spinner("Applying the candidate to the fetched meetings…"):
        view = result.with_candidate(candidate)
    st.session_state[SK_PREVIEW_RESULT_VIEW] = (run, view)
    return view


def _status_line(result: CohortResult) -> None:
    fetched = len(result.previewed) + len(result.failures)
    asked = fetched + len(result.skipped) + len(result.interrupted)
    if result.stopped and (result.skipped or result.interrupted):
        in_flight = (
            f" and {len(result.interrupted):,} were in flight when stopped (waiting for "
            "Recall's rate limit)"
            if result.interrupted
            else ""
        )
        st.warning(
            f"Stopped after {fetched:,} of {asked:,} users; {len(result.skipped):,} were not "
            f"fetched{in_flight}. The figures cover the users fetched before the stop.",
            icon=":material/stop_circle:",
        )
    else:
        st.success(
            f"Previewed {len(result.previewed):,} users in {result.elapsed_s:.1f} s.",
            icon=":material/check_circle:",
        )
    st.caption(
        f"Fetched at {result.now.astimezone(UTC):%H:%M} UTC. Candidate: "
        f"{plain(describe(result.candidate))}. Change the preferences above to see their effect "
        "on the same meetings; nothing is fetched again until you run the preview again."
    )


def _impact(ctx: PageContext, result: CohortResult) -> None:
    counts = result.counts()
    cols = st.columns(5)
    cols[0].metric("Users previewed", len(result.previewed))
    cols[1].metric(
        "Users affected",
        result.users_affected,
        help="Users with at least one upcoming meeting that would start or stop being recorded.",
    )
    cols[2].metric("Meetings starting recording", counts.starts)
    cols[3].metric("Meetings stopping recording", counts.stops)
    cols[4].metric(
        "Recorded meetings",
        counts.recorded_after,
        delta=counts.net or None,
        delta_color="off",
        help=f"With the candidate; {counts.recorded_before:,} now, out of "
        f"{counts.meetings:,} upcoming meetings in the next 4 weeks.",
    )
    if counts.overridden:
        st.caption(
            f"{counts.overridden:,} meeting(s) have a per-meeting override, which wins over any "
            "preferences, so they never change here."
        )

    zone = viewer_zone(ctx)
    bots = bots_by_day(result.meetings, zone=zone, days=local_days(result.now, zone))
    st.subheader("Bots per day", divider="gray")
    cols = st.columns(4)
    cols[0].metric("Bots, next 4 weeks, now", int(bots["before"].sum()))
    cols[1].metric(
        "With the candidate",
        int(bots["after"].sum()),
        delta=int(bots["after"].sum() - bots["before"].sum()) or None,
        delta_color="off",
    )
    cols[2].metric("Busiest day now", int(bots["before"].max()) if len(bots) else 0)
    cols[3].metric("Busiest day, candidate", int(bots["after"].max()) if len(bots) else 0)
    st.altair_chart(bots_chart(bots), width="stretch")
    st.caption(
        "Bots for these users' calendars only. Recall sends one bot per meeting per calendar "
        "platform, so calendars that record the same meeting (same link and start) count once."
    )

    per_user = result.per_user()
    st.subheader("Users that change most", divider="gray")
    st.dataframe(
        per_user,
        key="preview.cohort.per_user",
        hide_index=True,
        height=min(380, 38 + 35 * max(1, len(per_user))),
        column_config={
            "user_id": st.column_config.TextColumn("User id"),
            "meetings": st.column_config.NumberColumn("Upcoming meetings"),
            "recorded_now": st.column_config.NumberColumn("Recorded now"),
            "recorded_candidate": st.column_config.NumberColumn("With candidate"),
            "starts": st.column_config.NumberColumn("Start recording"),
            "stops": st.column_config.NumberColumn("Stop recording"),
            "net_change": st.column_config.NumberColumn("Net change", format="%+d"),
        },
    )
    changed = result.changed()
    st.subheader(f"Meetings that change ({len(changed):,})", divider="gray")
    if changed.empty:
        st.success(
            "No upcoming meeting of these users would start or stop being recorded.",
            icon=":material/check_circle:",
        )
    else:
        changes_table(changed, zone, key="preview.cohort.changes", with_user=True)

    details = {
        "users": len(result.previewed),
        "candidate": result.candidate.as_dict(),
    }
    left, right, _ = st.columns([2, 2, 3])
    with left:
        export_button(
            ctx,
            "Download per-user impact (CSV)",
            per_user,
            file_name="preview-cohort-users.csv",
            target="preview: cohort per-user impact",
            key=KEY_EXPORT_USERS,
            details=details,
        )
    with right:
        export_button(
            ctx,
            "Download changed meetings (CSV)",
            changed,
            file_name="preview-cohort-meetings.csv",
            target="preview: cohort changed meetings",
            key=KEY_EXPORT_MEETINGS,
            columns=CHANGED_EXPORT_COLUMNS,
            details=details,
        )


def _problems(result: CohortResult) -> None:
    if result.failures:
        st.subheader(
            f"Users that could not be previewed ({len(result.failures):,})", divider="gray"
        )
        st.dataframe(
            pd.DataFrame(
                {"user_id": list(result.failures), "problem": list(result.failures.values())}
            ),
            key="preview.cohort.failures",
            hide_index=True,
            column_config={
                "user_id": st.column_config.TextColumn("User id"),
                "problem": st.column_config.TextColumn("What went wrong", width="large"),
            },
        )
    if result.unknown:
        st.warning(
            f"{len(result.unknown):,} id(s) are not calendar users of this workspace and were not "
            f"looked up: {_listing(list(result.unknown))}",
            icon=":material/person_off:",
        )
    if result.skipped:
        with st.expander(f"{len(result.skipped):,} users not fetched because of the stop"):
            st.markdown(_listing(list(result.skipped)))
    if result.interrupted:
        with st.expander(
            f"{len(result.interrupted):,} users in flight when stopped (not previewed)"
        ):
            st.markdown(_listing(list(result.interrupted)))


def _results(ctx: PageContext, run: CohortRun, candidate: Preferences) -> None:
    if run.error:
        st.error(plain(run.error), icon=":material/error:")
        return
    result = run.result
    if result is None:
        return
    view = _view(run, result, candidate)
    _status_line(view)
    if view.previewed:
        _impact(ctx, view)
    _problems(view)


def render_cohort(ctx: PageContext) -> None:
    run = st.session_state.get(SK_PREVIEW_RUN)
    run = run if isinstance(run, CohortRun) else None
    running = run is not None and not run.done
    directory = attempt(
        "Loading the workspace's users",
        lambda: get_directory(ctx.backend),
        retry_key="preview.cohort.directory_retry",
    )
    if directory is None:
        return

    with st.container(border=True):
        source = st.segmented_control(
            "Users",
            SOURCES,
            default=SOURCE_PASTE,
            required=True,
            key=SK_PREVIEW_SOURCE,
            disabled=running,
            persist_state="session",
        )
        if source == SOURCE_UPLOAD:
            parsed = _parsed_from_upload(running)
        elif source == SOURCE_SAMPLE:
            parsed = _parsed_from_sample(directory, running)
        else:
            parsed = _parsed_from_paste(running)
        known_ids = frozenset(directory.frame.index)
        known, unknown = split_known(parsed.ids, known_ids)
        if not parsed.empty:
            _summarise(parsed, known, unknown)
    candidate = candidate_picker()
    go, note = st.columns([2, 5], vertical_alignment="center")
    go.button(
        f"Preview {len(known):,} users" if known else "Preview",
        key=KEY_START,
        type="primary",
        icon=":material/play_arrow:",
        disabled=running or not (known or unknown),
        on_click=_start,
        args=(ctx, parsed.ids, known_ids, candidate),
    )
    if len(known) > AUTHENTICATE_PER_MINUTE:
        note.caption(
            f"Recall lets the console sign in {AUTHENTICATE_PER_MINUTE} users a minute, so a "
            "cohort this size takes a minute or more."
        )
    else:
        note.caption("Reads only: nothing is changed for these users.")

    if run is None:
        return
    if running:
        _poll(run)
        return
    _results(ctx, run, candidate)
    st.button("Clear results", key=KEY_CLEAR, icon=":material/delete_sweep:", on_click=_clear)
