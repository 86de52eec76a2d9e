"""Bots behind the sandbox's ``bot_id``s: a seeded, reproducible life for each one.

Every ``bot_id`` a meeting carries resolves here. The bot's fate is drawn from a generator seeded
by (workspace seed, bot id), so the same workspace always tells the same story; what is visible
depends on the sandbox clock: an upcoming bot is ``ready`` with ``join_at``; a bot whose meeting
is under way shows the status changes up to now; a finished one shows its whole life.

Most bots join, record and leave normally. The rest cover the failures support sees: not admitted
from the waiting room, nobody joined, kicked, Zoom recording permission denied (with its sub
codes), several fatal sub codes, and one sub code from the future that no client knows.

Inferences where the reference is silent: the bot joins 2 minutes before the start; ``done``
follows ``fatal`` (§7 leaves it open); one de-duplicated bot lists the meeting of every calendar
user it serves; media expire 7 days after the call; the v1.10 shape has no ``recordings`` and
answers ``video_url``/``media_retention_end`` instead.
"""

from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from lib.sandbox.clock import iso
from lib.sandbox.models import CalendarUser, Meeting
from lib.sandbox.render import bot_id_for, meeting_json
from lib.sandbox.rules import meeting_link

BOT_API_SHAPES: tuple[str, ...] = ("v1.11", "v1.10")
JOIN_LEAD = timedelta(minutes=2)
MEDIA_RETENTION = timedelta(days=7)
# Recall's default automatic-leave timeouts (seconds), which the sandbox bots carry.
AUTOMATIC_LEAVE = {
    "waiting_room_timeout": 1200,
    "noone_joined_timeout": 1200,
    "everyone_left_timeout": {"timeout": 2, "activate_after": None},
    "in_call_not_recording_timeout": 3600,
    "recording_permission_denied_timeout": 30,
}
# An id handed out after the index was built (a preference change) triggers a rebuild, but
# never more often than this, so a stream of unknown ids cannot keep the sandbox busy.
_REBUILD_AFTER_S = 2.0
FUTURE_SUB_CODE = "timeout_exceeded_participant_hologram_detected"

# (fate, weight); the platform-specific fates fall back to "normal" on other platforms.
_FATES: tuple[tuple[str, int], ...] = (
    ("normal", 60),
    ("waiting_room", 9),
    ("noone_joined", 6),
    ("kicked", 4),
    ("kicked_waiting_room", 2),
    ("zoom_denied", 7),
    ("fatal", 9),
    ("future", 3),
)
_ZOOM_DENIALS = (
    "zoom_local_recording_disabled",
    "zoom_local_recording_request_denied_by_host",
    "zoom_local_recording_request_disabled",
)
_FATAL_BY_PLATFORM = {
    "zoom": ("meeting_password_incorrect", "zoom_web_disallowed", "bot_errored"),
    "google_meet": ("google_meet_bot_blocked", "meeting_not_found", "bot_errored"),
    "microsoft_teams": ("microsoft_teams_bot_not_invited", "bot_errored"),
    "webex": ("webex_join_meeting_error", "bot_errored"),
    "goto_meeting": ("meeting_not_found", "bot_errored"),
}
_MESSAGES = {
    "timeout_exceeded_waiting_room": "The bot was not let in from the waiting room in time.",
    "timeout_exceeded_noone_joined": "No one joined the call.",
    "bot_kicked_from_call": "The bot was kicked from the call.",
    "bot_kicked_from_waiting_room": "The bot was removed from the waiting room.",
    "call_ended_by_host": "The host ended the call.",
    "timeout_exceeded_everyone_left": "Everyone left the call.",
}


@dataclass(frozen=True)
class Served:
    """One calendar meeting a bot serves."""

    user: CalendarUser
    meeting: Meeting


def meeting_ref(meeting: Meeting) -> dict[str, str | None]:
    """``{meeting_id, platform}`` as Recall's ``meeting_url`` object names the call."""
    event = meeting.event
    invite = event.invite or {}
    platform = event.meeting_platform
    if platform == "microsoft_teams":
        meeting_id = invite.get("thread_id")
    elif platform == "webex":
        meeting_id = invite.get("meeting_personal_room_id") or invite.get("meeting_mtid")
    else:
        meeting_id = invite.get("meeting_id")
    return {"meeting_id": meeting_id, "platform": platform}


_MEET = re.compile(r"^/([a-z]{3}-[a-z]{4}-[a-z]{3})$")


def parse_meeting_url(url: str) -> tuple[str, str] | None:
    """(platform, meeting id) of a Zoom, Meet, Teams, Webex or GoTo link, or None."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    path = parts.path.rstrip("/")
    if host == "zoom.us" or host.endswith(".zoom.us"):
        found = re.search(r"/(?:j|w|wc/join|wc)/(\d{9,12})", path)
        return ("zoom", found.group(1)) if found else None
    if host == "meet.google.com":
        found = _MEET.match(path)
        return ("google_meet", found.group(1)) if found else None
    if host.endswith("teams.microsoft.com") and "/meetup-join/" in path:
        thread = path.split("/meetup-join/", 1)[1].split("/", 1)[0]
        return ("microsoft_teams", unquote(thread)) if thread else None
    if host.endswith(".webex.com"):
        if "/meet/" in path:
            return ("webex", path.rsplit("/meet/", 1)[1])
        mtid = parse_qs(parts.query).get("MTID")
        return ("webex", mtid[0]) if mtid else None
    if host in ("meet.goto.com", "global.gotomeeting.com"):
        last = path.rsplit("/", 1)[-1]
        return ("goto_meeting", last) if last else None
    return None


def _fate(rng: random.Random, platform: str | None) -> tuple[str, str | None]:
    fate = rng.choices([f for f, _ in _FATES], [w for _, w in _FATES])[0]
    if fate == "zoom_denied":
        if platform != "zoom":
            return "normal", None
        return fate, rng.choice(_ZOOM_DENIALS)
    if fate == "fatal":
        return fate, rng.choice(_FATAL_BY_PLATFORM.get(platform or "", ("bot_errored",)))
    return fate, None


def _change(code: str, at: datetime, sub_code: str | None = None) -> dict[str, Any]:
    message = _MESSAGES.get(sub_code or "") if sub_code else None
    if sub_code and message is None:
        message = f"Sub code: {sub_code}."
    return {"code": code, "sub_code": sub_code, "message": message, "created_at": at}


class BotLife:
    """The whole seeded life of one bot, before the clock hides what has not happened yet."""

    def __init__(
        self, seed: int, bot_id: str, start: datetime, end: datetime, platform: str | None
    ):
        rng = random.Random(f"{seed}|bot|{bot_id}")
        self.fate, self.sub_code = _fate(rng, platform)
        self.join_at = start - JOIN_LEAD
        joining = self.join_at + timedelta(seconds=rng.randint(2, 20))
        changes = [_change("joining_call", joining)]
        recorded: tuple[datetime, datetime] | None = None
        at = joining + timedelta(seconds=rng.randint(5, 25))
        fate = self.fate
        if fate in ("waiting_room", "kicked_waiting_room"):
            changes.append(_change("in_waiting_room", at))
            if fate == "waiting_room":
                left = at + timedelta(seconds=AUTOMATIC_LEAVE["waiting_room_timeout"])
                changes.append(_change("call_ended", left, "timeout_exceeded_waiting_room"))
            else:
                left = at + timedelta(seconds=rng.randint(30, 300))
                changes.append(_change("call_ended", left, "bot_kicked_from_waiting_room"))
        elif fate == "fatal":
            left = at
            changes.append(_change("fatal", at, self.sub_code))
        else:
            changes.append(_change("in_call_not_recording", at))
            if fate == "noone_joined":
                left = at + timedelta(seconds=AUTOMATIC_LEAVE["noone_joined_timeout"])
                changes.append(_change("call_ended", left, "timeout_exceeded_noone_joined"))
            elif fate == "zoom_denied":
                denied = at + timedelta(seconds=rng.randint(5, 60))
                changes.append(_change("recording_permission_denied", denied, self.sub_code))
                left = denied + timedelta(
                    seconds=AUTOMATIC_LEAVE["recording_permission_denied_timeout"]
                )
                changes.append(
                    _change("call_ended", left, "timeout_exceeded_recording_permission_denied")
                )
            else:
                recording = at + timedelta(seconds=rng.randint(3, 15))
                if platform == "zoom":
                    changes.append(_change("recording_permission_allowed", recording))
                changes.append(_change("in_call_recording", recording))
                if fate == "kicked":
                    left = recording + timedelta(minutes=rng.randint(1, 10))
                    sub = "bot_kicked_from_call"
                elif fate == "future":
                    left = max(recording + timedelta(minutes=3), end - timedelta(minutes=5))
                    sub = FUTURE_SUB_CODE
                else:
                    left = end + timedelta(seconds=rng.randint(-300, 180))
                    left = max(left, recording + timedelta(minutes=1))
                    sub = rng.choice(("call_ended_by_host", "timeout_exceeded_everyone_left"))
                changes.append(_change("call_ended", left, sub))
                recorded = (recording, left)
        changes.append(_change("done", left + timedelta(seconds=rng.randint(5, 40))))
        self.changes = changes
        self.recorded = recorded
        self.transcript_failed = rng.random() < 0.05
        self.recording_id = str(random.Random(f"{seed}|recording|{bot_id}").getrandbits(128))

    def visible(self, now: datetime) -> list[dict[str, Any]]:
        return [c for c in self.changes if c["created_at"] <= now]


def _shortcut(status: str, at: datetime, url: str | None) -> dict[str, Any]:
    return {
        "id": None,
        "status": {"code": status, "sub_code": None, "updated_at": iso(at)},
        "data": {"download_url": url} if url else None,
    }


def bot_json(
    bot_id: str, served: list[Served], *, seed: int, now: datetime, shape: str = "v1.11"
) -> dict[str, Any]:
    """The bot object as Recall answers Retrieve Bot, in the workspace's API shape."""
    first = served[0].meeting
    event = first.event
    end = event.end or event.start + timedelta(hours=1)
    ref = meeting_ref(first)
    life = BotLife(seed, bot_id, event.start, end, ref["platform"])
    changes = life.visible(now)
    scheduled = not changes
    if scheduled:
        ready_at = min(now, event.start - timedelta(days=1))
        changes = [_change("ready", ready_at)]
    codes = [c["code"] for c in changes]
    done = "done" in codes
    recorded = life.recorded if life.recorded and life.recorded[0] <= now else None
    body: dict[str, Any] = {
        "id": bot_id,
        "meeting_url": ref,
        "bot_name": served[0].user.bot_name,
        "join_at": iso(life.join_at) if scheduled else None,
        "calendar_meetings": [
            {
                "id": s.meeting.id,
                "start_time": iso(s.meeting.event.start),
                "end_time": iso(s.meeting.event.end) if s.meeting.event.end else None,
                "calendar_user": {"id": s.user.id, "external_id": s.user.external_id},
            }
            for s in served
        ],
        "metadata": {},
        "automatic_leave": dict(AUTOMATIC_LEAVE),
        "recording_config": {"transcript": {"provider": {"meeting_captions": {}}}},
    }
    media_url = f"https://media.sandbox.invalid/{bot_id}/video.mp4"
    if shape == "v1.10":
        out = [c for c in changes if c["code"] != "ready"]
        if recorded and done:
            index = next(i for i, c in enumerate(out) if c["code"] == "done")
            out.insert(index, _change("recording_done", out[index]["created_at"]))
        expired = recorded is not None and now >= recorded[1] + MEDIA_RETENTION
        if expired:
            out.append(_change("media_expired", recorded[1] + MEDIA_RETENTION))
        body["status_changes"] = [{**c, "created_at": iso(c["created_at"])} for c in out]
        body["video_url"] = media_url if recorded and done and not expired else None
        body["media_retention_end"] = iso(recorded[1] + MEDIA_RETENTION) if recorded else None
        body["meeting_metadata"] = {"title": event.title, "zoom_meeting_uuid": None}
        body["meeting_participants"] = []
        return body
    body["status_changes"] = [{**c, "created_at": iso(c["created_at"])} for c in changes]
    body["recordings"] = []
    if recorded is not None:
        started, stopped = recorded
        expires = stopped + MEDIA_RETENTION
        if not done:
            status = "processing"
        elif now >= expires:
            status = "deleted"
        else:
            status = "done"
        ready = status == "done"
        transcript = "failed" if life.transcript_failed and done else status
        body["recordings"].append(
            {
                "id": life.recording_id,
                "started_at": iso(started),
                "completed_at": iso(stopped) if done else None,
                "expires_at": iso(expires),
                "status": {"code": status, "sub_code": None, "updated_at": iso(min(now, expires))},
                "media_shortcuts": {
                    "video_mixed": _shortcut(status, stopped, media_url if ready else None),
                    "transcript": _shortcut(transcript, stopped, None),
                    "participant_events": _shortcut(status, stopped, None),
                    "meeting_metadata": {
                        **_shortcut(status, stopped, None),
                        "data": {"title": event.title},
                    },
                    "audio_mixed": None,
                },
            }
        )
    return body


class BotDirectory:
    """Which calendar meetings each bot id may serve, rebuilt when an unknown id is asked for.

    The index holds every meeting with a join link under the bot id it would carry; whether the
    bot exists now (the meeting will record, or was recorded) is confirmed on each lookup, so a
    preference or override change since the index was built is always honoured.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: dict[str, list[tuple[CalendarUser, Meeting]]] = {}
        self._built_at: float | None = None
        # The pages of one List Bots pass come moments apart: confirm the window once for them.
        self._window: tuple[tuple[Any, ...], float, list[tuple[str, list[Served]]]] | None = None

    def _rebuild(self, state: Any) -> None:
        workspace = state.workspace
        index: dict[str, list[tuple[CalendarUser, Meeting]]] = {}
        for user in workspace.users():
            for meeting in workspace.meetings(user):
                event = meeting.event
                if not event.invite_field or not event.invite:
                    continue
                link = meeting_link(event.invite_field, event.invite)
                if link is None:
                    continue
                platform = (
                    meeting.calendar_platform if state.config.dedup_key == "with-platform" else None
                )
                bot_id = bot_id_for(workspace.namespace, platform, link, event.start)
                index.setdefault(bot_id, []).append((user, meeting))
        self._index = index
        self._built_at = time.monotonic()

    def _stale(self, bot_id: str | None) -> bool:
        if self._built_at is None:
            return True
        missing = bot_id is None or bot_id not in self._index
        return missing and time.monotonic() - self._built_at > _REBUILD_AFTER_S

    def served(self, state: Any, bot_id: str) -> list[Served]:
        """The meetings that carry ``bot_id`` right now (empty: no such bot)."""
        with self._lock:
            if self._stale(bot_id):
                self._rebuild(state)
            candidates = list(self._index.get(bot_id, ()))
        return _confirm(state, bot_id, candidates)

    def bots(
        self, state: Any, after: datetime | None, before: datetime | None
    ) -> list[tuple[str, list[Served]]]:
        """Every bot whose join time falls in [after, before], with the meetings it serves."""
        key = (after, before, state.now().replace(second=0, microsecond=0))
        with self._lock:
            cached = self._window
            fresh = cached is not None and time.monotonic() - cached[1] <= _REBUILD_AFTER_S
            if cached is not None and fresh and cached[0] == key:
                return cached[2]
            if self._stale(None):
                self._rebuild(state)
            items = list(self._index.items())
        found = []
        for bot_id, candidates in items:
            join_at = candidates[0][1].event.start - JOIN_LEAD
            if (after is not None and join_at < after) or (before is not None and join_at > before):
                continue
            served = _confirm(state, bot_id, candidates)
            if served:
                found.append((bot_id, served))
        with self._lock:
            self._window = (key, time.monotonic(), found)
        return found


def _confirm(
    state: Any, bot_id: str, candidates: list[tuple[CalendarUser, Meeting]]
) -> list[Served]:
    workspace = state.workspace
    now = state.now()
    served = []
    for user, meeting in candidates:
        if workspace.get(user.id) is not user:
            continue
        body = meeting_json(meeting, user, now=now, namespace=workspace.namespace)
        if body["bot_id"] == bot_id:
            served.append(Served(user, meeting))
    served.sort(key=lambda s: (s.user.seq, s.meeting.id))
    return served
