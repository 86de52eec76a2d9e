"""Join links derived from a Calendar V1 meeting's ``*_invite`` objects.

V1 meeting objects carry no URL field; clients rebuild the link from whichever invite object is
present. A meeting with no usable invite has no link, and Recall will not send a bot to it (the
first documented prerequisite), so the sandbox, the rules engine and the console all use this
one function to decide "has a link".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

INVITE_FIELDS: tuple[str, ...] = (
    "zoom_invite",
    "meet_invite",
    "teams_invite",
    "webex_invite",
    "goto_meeting_invite",
)


def _text(invite: Mapping[str, Any], key: str) -> str | None:
    value = invite.get(key)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _zoom(invite: Mapping[str, Any]) -> str | None:
    meeting_id = _text(invite, "meeting_id")
    if meeting_id is None:
        return None
    url = f"https://zoom.us/j/{quote(meeting_id, safe='')}"
    password = _text(invite, "meeting_password")
    return f"{url}?{urlencode({'pwd': password})}" if password else url


def _meet(invite: Mapping[str, Any]) -> str | None:
    meeting_id = _text(invite, "meeting_id")
    return f"https://meet.google.com/{quote(meeting_id, safe='-')}" if meeting_id else None


def _teams(invite: Mapping[str, Any]) -> str | None:
    thread_id = _text(invite, "thread_id")
    message_id = _text(invite, "message_id") or "0"
    tenant_id = _text(invite, "tenant_id")
    organizer_id = _text(invite, "organizer_id")
    if thread_id is None or tenant_id is None or organizer_id is None:
        return None
    context = json.dumps({"Tid": tenant_id, "Oid": organizer_id}, separators=(",", ":"))
    path = f"{quote(thread_id, safe='')}/{quote(message_id, safe='')}"
    return f"https://teams.microsoft.com/l/meetup-join/{path}?context={quote(context, safe='')}"


def _webex(invite: Mapping[str, Any]) -> str | None:
    subdomain = _text(invite, "meeting_subdomain")
    if subdomain is None:
        return None
    host = f"https://{quote(subdomain, safe='')}.webex.com"
    room = _text(invite, "meeting_personal_room_id")
    if room:
        return f"{host}/meet/{quote(room, safe='')}"
    mtid = _text(invite, "meeting_mtid")
    if mtid:
        return f"{host}/{quote(subdomain, safe='')}/j.php?{urlencode({'MTID': mtid})}"
    path = _text(invite, "meeting_path")
    if path:
        return f"{host}/{quote(path.lstrip('/'), safe='/')}"
    return None


def _goto(invite: Mapping[str, Any]) -> str | None:
    meeting_id = _text(invite, "meeting_id")
    return f"https://meet.goto.com/{quote(meeting_id, safe='')}" if meeting_id else None


_BUILDERS = {
    "zoom_invite": _zoom,
    "meet_invite": _meet,
    "teams_invite": _teams,
    "webex_invite": _webex,
    "goto_meeting_invite": _goto,
}


def join_url(meeting: Mapping[str, Any]) -> str | None:
    """The meeting's join link, or None when no invite object yields one."""
    for field in INVITE_FIELDS:
        invite = meeting.get(field)
        if isinstance(invite, Mapping):
            url = _BUILDERS[field](invite)
            if url:
                return url
    return None


def has_join_link(meeting: Mapping[str, Any]) -> bool:
    """True when Recall could derive a link for a bot to join."""
    return join_url(meeting) is not None
