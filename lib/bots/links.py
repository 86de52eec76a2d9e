"""Which meeting a pasted link names: Zoom, Google Meet, Microsoft Teams, Webex (and GoTo).

Only recognises the link; the console passes the link itself to List Bots' ``meeting_url``
filter and lets Recall match it, so a form Recall accepts and this does not is merely refused
with words here, never mis-matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

PLATFORM_NAMES: dict[str, str] = {
    "zoom": "Zoom",
    "google_meet": "Google Meet",
    "microsoft_teams": "Microsoft Teams",
    "webex": "Webex",
    "goto_meeting": "GoTo Meeting",
}
_ZOOM = re.compile(r"/(?:j|w|s|wc/join|wc)/(\d{9,12})")
_MEET = re.compile(r"^/([a-z]{3}-[a-z]{4}-[a-z]{3})$")


@dataclass(frozen=True)
class MeetingLink:
    platform: str
    meeting_id: str
    url: str

    @property
    def platform_name(self) -> str:
        return PLATFORM_NAMES.get(self.platform, self.platform)


def parse_meeting_link(text: str) -> MeetingLink | None:
    """The platform and meeting id of a join link, or None for anything else."""
    raw = text.strip()
    if not raw:
        return None
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower()
    path = parts.path.rstrip("/")
    found: tuple[str, str] | None = None
    if host == "zoom.us" or host.endswith(".zoom.us"):
        match = _ZOOM.search(path)
        found = ("zoom", match.group(1)) if match else None
    elif host == "meet.google.com":
        match = _MEET.match(path)
        found = ("google_meet", match.group(1)) if match else None
    elif host.endswith("teams.microsoft.com") or host.endswith("teams.live.com"):
        if "/meetup-join/" in path:
            thread = unquote(path.split("/meetup-join/", 1)[1].split("/", 1)[0])
            found = ("microsoft_teams", thread) if thread else None
    elif host.endswith(".webex.com"):
        if "/meet/" in path:
            found = ("webex", path.rsplit("/meet/", 1)[1])
        else:
            mtid = parse_qs(parts.query).get("MTID")
            found = ("webex", mtid[0]) if mtid else None
    elif host in ("meet.goto.com", "global.gotomeeting.com", "app.gotomeeting.com"):
        last = path.rsplit("/", 1)[-1]
        found = ("goto_meeting", last) if last.isdigit() else None
    if found is None:
        return None
    return MeetingLink(found[0], found[1], raw)
