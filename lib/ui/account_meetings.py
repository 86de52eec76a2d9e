"""The Meetings tab: Recall's view and the rules engine's side by side, overrides, details.

Override edits are collected from the editor's state into a per-user pending set keyed by
meeting id (so a filter change never drops or misplaces an edit), shown as a diff, and written
only on Save with a reason.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import streamlit as st

from lib.account_view import (
    OVERRIDE_LABELS,
    OVERRIDE_VALUES,
    data_horizon,
    horizon_text,
    override_changes,
)
from lib.actions import OverrideChange
from lib.autorecord import decide
from lib.override_save import OverrideSave
from lib.recall.models import CalendarMeeting, CalendarUser
from lib.staff import Action
from lib.ui.account_flash import set_flash
from lib.ui.bots import bot_failure_filter, render_what_happened
from lib.ui.context import PageContext
from lib.ui.data import FUTURE_MEETINGS_WINDOW, refresh_account
from lib.ui.exports import table_export_buttons
from lib.ui.state import (
    SK_EDITOR_GENERATION,
    SK_OVERRIDE_SAVES,
    SK_PENDING_OVERRIDES,
    SK_PENDING_OVERRIDES_FROM,
)
from lib.ui.text import code, plain

KEY_OVERRIDES_REASON = "overrides-reason"
KEY_OVERRIDES_TICKET = "overrides-ticket"
# How often a page with a save in flight looks whether it has ended.
SAVE_POLL_SECONDS = 0.5


def viewer_timezone(default: str) -> ZoneInfo:
    """The browser's zone when Streamlit knows it, else the configured default."""
    for name in (st.context.timezone, default, "UTC"):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def _pending(user_id: str) -> dict[str, str]:
    return st.session_state.setdefault(SK_PENDING_OVERRIDES, {}).setdefault(user_id, {})


def _pending_from(user_id: str) -> dict[str, str]:
    return st.session_state.setdefault(SK_PENDING_OVERRIDES_FROM, {}).setdefault(user_id, {})


def _generation(user_id: str) -> int:
    return st.session_state.setdefault(SK_EDITOR_GENERATION, {}).get(user_id, 0)


def _reset_editor(user_id: str) -> None:
    st.session_state.setdefault(SK_PENDING_OVERRIDES, {}).pop(user_id, None)
    st.session_state.setdefault(SK_PENDING_OVERRIDES_FROM, {}).pop(user_id, None)
    generations = st.session_state.setdefault(SK_EDITOR_GENERATION, {})
    generations[user_id] = generations.get(user_id, 0) + 1


def _filters(table: pd.DataFrame, tz: ZoneInfo) -> pd.DataFrame:
    today = datetime.now(tz).date()
    first, second, third = st.columns([2, 2, 3])
    dates = first.date_input(
        "Dates",
        value=(today - timedelta(days=1), today + timedelta(days=28)),
        key="meetings-dates",
    )
    recording = second.segmented_control(
        "Recall says",
        ["All", "Will record", "Won't record"],
        default="All",
        key="meetings-recording",
    )
    text = third.text_input(
        "Search", placeholder="Title, platform, bot id or attendee user", key="meetings-search"
    )
    fourth, fifth = st.columns([3, 2])
    platforms = sorted(table["meeting_platform"].unique())
    chosen = fourth.multiselect("Meeting platform", platforms, key="meetings-platforms")
    mismatches_only = fifth.toggle(
        "Only where Recall and the rules disagree", key="meetings-mismatch"
    )

    mask = pd.Series(True, index=table.index)
    if isinstance(dates, tuple | list) and len(dates) == 2:
        start = datetime.combine(dates[0], datetime.min.time(), tz)
        end = datetime.combine(dates[1], datetime.max.time(), tz)
        starts = pd.to_datetime(table["start"], utc=True)
        mask &= starts.isna() | ((starts >= start) & (starts <= end))
    if recording == "Will record":
        mask &= table["recall_will_record"]
    elif recording == "Won't record":
        mask &= ~table["recall_will_record"]
    if chosen:
        mask &= table["meeting_platform"].isin(chosen)
    if mismatches_only:
        mask &= table["mismatch"]
    needle = text.strip().lower()
    if needle:
        haystack = (
            table["title"].str.lower()
            + " "
            + table["meeting_platform"].str.lower()
            + " "
            + table["bot_id"].str.lower()
            + " "
            + table["bot_shared_with"].str.lower()
        )
        mask &= haystack.str.contains(needle, regex=False)
    return table[mask]


COLUMN_CONFIG = {
    "start": st.column_config.DatetimeColumn("Start", format="ddd D MMM, HH:mm", width=140),
    "end": st.column_config.DatetimeColumn("End", format="HH:mm", width="small"),
    "title": st.column_config.TextColumn("Title", width="medium"),
    "meeting_platform": st.column_config.TextColumn("Platform", width="small"),
    "join_url": st.column_config.LinkColumn("Join link", display_text="open", width="small"),
    "calendar": st.column_config.TextColumn("Calendar", width="small"),
    "external": st.column_config.CheckboxColumn("External", width="small"),
    "hosted": st.column_config.CheckboxColumn("Hosts", width="small"),
    "recurring": st.column_config.CheckboxColumn("Recurring", width="small"),
    "response": st.column_config.TextColumn("Response", width="small"),
    "attendees": st.column_config.NumberColumn("People", width="small"),
    "recall_will_record": st.column_config.CheckboxColumn(
        "Recall: records", help="Recall's will_record", width=110
    ),
    "engine_record": st.column_config.CheckboxColumn(
        "Rules: records", help="What the documented rules decide", width=105
    ),
    "mismatch": st.column_config.CheckboxColumn(
        "Differs", help="Recall and the documented rules disagree", width="small"
    ),
    "engine_reason": st.column_config.TextColumn("Why", width="large"),
    "mismatch_cause": st.column_config.TextColumn("Likely cause of the difference", width="medium"),
    "bot_id": st.column_config.TextColumn("Bot", width="small"),
    "bot_shared_with": st.column_config.TextColumn(
        "Bot shared with",
        help="Other workspace users with this meeting on the same calendar platform; Recall "
        "sends them one de-duplicated bot",
        width="small",
    ),
    "override": st.column_config.SelectboxColumn(
        "Override",
        options=list(OVERRIDE_VALUES),
        required=True,
        help="Auto follows the preferences; Always and Never win over them",
        width=95,
    ),
}
SHOWN = [
    "start",
    "end",
    "title",
    "override",
    "recall_will_record",
    "engine_record",
    "mismatch",
    "engine_reason",
    "mismatch_cause",
    "meeting_platform",
    "join_url",
    "calendar",
    "external",
    "hosted",
    "recurring",
    "response",
    "attendees",
    "bot_id",
    "bot_shared_with",
]

# The grid's own download is off (config); this is the export, guarded and audited.
EXPORT_COLUMNS = {"id": "meeting_id", **{name: name for name in SHOWN}}


def render_meetings(
    ctx: PageContext,
    user: CalendarUser,
    meetings: tuple[CalendarMeeting, ...],
    table: pd.DataFrame,
) -> None:
    user_id = user.external_id or ""
    tz = viewer_timezone(ctx.settings.display_timezone)
    now = datetime.now(UTC)
    reach = horizon_text(
        data_horizon(meetings, now), now=now, asked_ahead=FUTURE_MEETINGS_WINDOW, tz=tz
    )
    st.caption(f"Times in {tz.key}. Meetings from the last 7 days and the coming 4 weeks. {reach}")
    if table.empty:
        st.info(
            "No meetings. A user with no connected calendar has none; a newly connected one "
            "syncs within minutes.",
            icon=":material/event_busy:",
        )
        return
    save = _saves().get(user_id)
    if save is not None and save.done:
        _finish_save(ctx, user_id, save)
    shown = _filters(table, tz)
    shown = bot_failure_filter(ctx, user_id, table, shown)
    can_edit = ctx.can(Action.CHANGE_OVERRIDE)
    pending = _pending(user_id)
    display = shown.copy()
    for column in ("start", "end"):
        display[column] = pd.to_datetime(display[column], utc=True).dt.tz_convert(tz)
    if can_edit and pending:
        display["override"] = [
            pending.get(mid, label) for mid, label in display["override"].items()
        ]
    st.caption(
        f"{len(shown):,} of {len(table):,} meetings"
        + (" · edit the Override column, then review and save below" if can_edit else "")
    )
    key = f"meetings-editor-{user_id}-{_generation(user_id)}"
    st.data_editor(
        display[SHOWN],
        key=key,
        column_config=COLUMN_CONFIG,
        disabled=[c for c in SHOWN if c != "override" or not can_edit],
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(display), 560),
        num_rows="fixed",
        # All-day events have no end time; a dash reads better than "None".
        placeholder="—",
    )
    table_export_buttons(
        ctx,
        shown.reset_index(),
        columns=EXPORT_COLUMNS,
        file_stem=f"meetings-{user_id}",
        target="account: meetings",
        key=f"meetings-{user_id}",
        user_id=user_id,
    )
    if can_edit:
        edited = st.session_state.get(key, {}).get("edited_rows", {})
        loaded = table["override"]
        origin = _pending_from(user_id)
        for meeting_id, _old, wanted in override_changes(display[SHOWN], edited):
            label = OVERRIDE_LABELS[wanted]
            if label == loaded.get(meeting_id):
                pending.pop(meeting_id, None)
            else:
                pending[meeting_id] = label
                # What the edit was made against: if someone else saves this meeting before
                # the save here, the save is a conflict instead of overwriting their change.
                origin.setdefault(meeting_id, loaded.get(meeting_id))
        # An edit back to the loaded value is not a change.
        for meeting_id in [m for m, label in pending.items() if loaded.get(m) == label]:
            pending.pop(meeting_id)
        for meeting_id in [m for m in origin if m not in pending]:
            origin.pop(meeting_id)
        if pending or user_id in _saves():
            _save_overrides(ctx, user_id, table, pending, tz)
    _details(ctx, user, meetings, shown, tz)


def _saves() -> dict[str, OverrideSave]:
    return st.session_state.setdefault(SK_OVERRIDE_SAVES, {})


def _start_save(ctx: PageContext, user_id: str, changes: list[OverrideChange]) -> None:
    """The Save button's callback: it runs before the page does, so no rerun can cut it off
    between the click and the save starting."""
    saves = _saves()
    running = saves.get(user_id)
    if running is not None and not running.done:
        return
    reason = st.session_state.get(KEY_OVERRIDES_REASON)
    ticket = st.session_state.get(KEY_OVERRIDES_TICKET)
    saves[user_id] = OverrideSave(
        ctx.background_actions(), user_id, changes, reason=reason, ticket=ticket or None
    ).start()


def _finish_save(ctx: PageContext, user_id: str, save: OverrideSave) -> None:
    """Show how the save ended. Safe to repeat: a run cut off half way does it all again."""
    result = save.result()
    set_flash(result.message, warning=result.warning)
    if not result.keep_edits:
        refresh_account(ctx.backend, user_id)
        _reset_editor(user_id)
    _saves().pop(user_id, None)
    st.rerun()


@st.fragment(run_every=SAVE_POLL_SECONDS)
def _watch_save(save: OverrideSave) -> None:
    if save.done:
        st.rerun()
    st.info(
        f"Saving {len(save.changes)} override change(s)… {save.seconds_running():.0f} s so far. "
        "The result shows here when Recall answers; the page can be used meanwhile.",
        icon=":material/hourglass_top:",
    )


def _save_overrides(
    ctx: PageContext, user_id: str, table: pd.DataFrame, pending: dict[str, str], tz: ZoneInfo
) -> None:
    with st.container(border=True):
        running = _saves().get(user_id)
        if running is not None:
            _watch_save(running)
            return
        st.markdown(f"**{len(pending)} override change(s) to save**")
        diff = pd.DataFrame(
            [
                {
                    "Meeting": table.loc[mid, "title"],
                    "Start": pd.Timestamp(table.loc[mid, "start"]).tz_convert(tz),
                    "From": table.loc[mid, "override"],
                    "To": label,
                }
                for mid, label in pending.items()
                if mid in table.index
            ]
        )
        st.dataframe(
            diff,
            hide_index=True,
            width="stretch",
            column_config={"Start": COLUMN_CONFIG["start"]},
            placeholder="—",
        )
        origin = _pending_from(user_id)
        changes = [
            OverrideChange(
                mid,
                OVERRIDE_VALUES[origin.get(mid) or table.loc[mid, "override"]],
                OVERRIDE_VALUES[label],
            )
            for mid, label in pending.items()
            if mid in table.index
        ]
        with st.form("save-overrides", border=False):
            st.text_input("Reason", max_chars=500, key=KEY_OVERRIDES_REASON)
            st.text_input("Ticket (optional)", max_chars=100, key=KEY_OVERRIDES_TICKET)
            left, right = st.columns(2)
            left.form_submit_button(
                "Save overrides",
                type="primary",
                on_click=_start_save,
                args=(ctx, user_id, changes),
            )
            discard = right.form_submit_button("Discard changes")
        if discard:
            _reset_editor(user_id)
            st.rerun()


def _details(
    ctx: PageContext,
    user: CalendarUser,
    meetings: tuple[CalendarMeeting, ...],
    shown: pd.DataFrame,
    tz: ZoneInfo,
) -> None:
    if shown.empty:
        return
    by_id = {m.id: m for m in meetings}

    def label(meeting_id: str) -> str:
        row = shown.loc[meeting_id]
        start = pd.Timestamp(row["start"])
        when = start.tz_convert(tz).strftime("%a %d %b %H:%M") if not pd.isna(start) else "—"
        return f"{when} · {row['title']}"

    with st.expander("Meeting details", icon=":material/info:", expanded=False):
        chosen = st.selectbox(
            "Meeting", list(shown.index), format_func=label, key="meeting-details"
        )
        meeting = by_id.get(chosen)
        if meeting is None:
            return
        row = shown.loc[chosen]
        render_what_happened(ctx, user, meeting, tz)
        left, right = st.columns(2)
        with left:
            st.markdown(f"**{plain(meeting.title or '(no title)')}**")
            st.markdown(
                f"Recall: {'records' if meeting.will_record else 'no bot'} — "
                f"{plain(meeting.will_record_reason or 'no reason given')}"
            )
            st.markdown(f"Rules: {plain(row['engine_reason'])}")
            if row["mismatch"]:
                st.warning(plain(row["mismatch_cause"] or "Recall and the rules disagree."))
            st.markdown(f"Bot: {code(meeting.bot_id) if meeting.bot_id else 'none'}")
            if row["bot_shared_with"]:
                st.caption(f"Shared with: {plain(row['bot_shared_with'])}")
            if row["bot_shared_across"]:
                st.caption(
                    f"Also on the other calendar platform: {plain(row['bot_shared_across'])}. "
                    "Recall documents one de-duplicated bot per calendar platform; if it keys "
                    "on the join link alone, they share this meeting's bot too (the same bot "
                    "id on their copy)."
                )
            if meeting.join_url:
                st.markdown(f"Join link: {code(meeting.join_url)}")
            st.caption(f"Meeting id {code(meeting.id)} · iCal {code(meeting.ical_uid)}")
        with right:
            st.markdown("**How the rules decided**")
            email = next(
                (
                    c.email
                    for c in user.connections
                    if c.platform == meeting.calendar_platform and c.connected
                ),
                None,
            )
            decision = decide(
                meeting.to_v1(),
                user.preferences.flags(),
                now=datetime.now(UTC),
                connected_email=email,
            )
            trace = pd.DataFrame(
                [
                    {
                        "Check": step.check,
                        "Outcome": str(step.outcome),
                        "Facts": ", ".join(f"{k}: {v}" for k, v in step.facts),
                    }
                    for step in decision.trace
                ]
            )
            st.dataframe(trace, hide_index=True, width="stretch")
        attendees = pd.DataFrame(
            [
                {
                    "Name": a.name or "",
                    "Email": a.email or "",
                    "Organizer": a.is_organizer,
                    "Response": a.status or "",
                }
                for a in meeting.attendees
            ]
        )
        st.markdown("**Attendees**")
        if attendees.empty:
            st.caption("No attendee rows (the calendar may hide them).")
        else:
            st.dataframe(attendees, hide_index=True, width="stretch")
        invites = {
            name: getattr(meeting, name)
            for name in (
                "zoom_invite",
                "meet_invite",
                "teams_invite",
                "webex_invite",
                "goto_meeting_invite",
            )
            if getattr(meeting, name)
        }
        st.markdown("**Invite data**")
        st.json(invites or {"invites": "none (no join link)"}, expanded=True)
