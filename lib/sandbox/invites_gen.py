"""Provider-shaped identifiers and ``*_invite`` objects for generated events.

The shapes follow the Calendar V1 reference (§3.2) so that ``lib.recall.invites.join_url`` can
rebuild a join link from every invite the sandbox emits.
"""

from __future__ import annotations

import base64
import hashlib
import random
import uuid
from typing import Any

from lib.sandbox import corpus

# meeting_platform value per invite field; Recall's ``platform`` carries the same value.
MEETING_PLATFORMS: dict[str, str] = {
    "zoom_invite": "zoom",
    "meet_invite": "google_meet",
    "teams_invite": "microsoft_teams",
    "webex_invite": "webex",
    "goto_meeting_invite": "goto_meeting",
}

_BASE32HEX = "0123456789abcdefghijklmnopqrstuv"
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def google_event_id(rng: random.Random) -> str:
    """A Google Calendar event id (base32hex, 26 characters)."""
    return "".join(rng.choice(_BASE32HEX) for _ in range(26))


def outlook_item_id(seed_text: str) -> str:
    """An Outlook item id: opaque, base64-like, stable for the same input."""
    digest = hashlib.sha512(seed_text.encode()).digest()[:51]
    return "AAMkA" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def ical_uid(rng: random.Random, organizer_platform: str) -> str:
    """An iCalendar UID in the style of the organizer's calendar system."""
    if organizer_platform == "google":
        return f"{google_event_id(rng)}@google.com"
    return "040000008200E00074C5B7101A82E00800000000" + f"{rng.getrandbits(128):032X}"


def zoom(rng: random.Random) -> dict[str, Any]:
    password = "".join(rng.choice(_LETTERS + "0123456789") for _ in range(6))
    return {
        "meeting_id": str(rng.randrange(81_000_000_000, 89_999_999_999)),
        "meeting_password": password if rng.random() < 0.7 else None,
    }


def meet(rng: random.Random) -> dict[str, Any]:
    def part(n: int) -> str:
        return "".join(rng.choice(_LETTERS) for _ in range(n))

    return {"meeting_id": f"{part(3)}-{part(4)}-{part(3)}"}


def teams(rng: random.Random, *, tenant_id: str, organizer_email: str) -> dict[str, Any]:
    token = base64.urlsafe_b64encode(rng.randbytes(36)).decode().rstrip("=")
    return {
        "organizer_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"mailto:{organizer_email}")),
        "tenant_id": tenant_id,
        "message_id": "0",
        "thread_id": f"19:meeting_{token}@thread.v2",
    }


def webex(rng: random.Random, *, personal_room: str | None = None) -> dict[str, Any]:
    subdomain = corpus.COMPANY_DOMAIN.split(".")[0]
    if personal_room:
        return {
            "meeting_subdomain": subdomain,
            "meeting_path": None,
            "meeting_mtid": None,
            "meeting_personal_room_id": personal_room,
        }
    return {
        "meeting_subdomain": subdomain,
        "meeting_path": None,
        "meeting_mtid": f"m{rng.getrandbits(128):032x}",
        "meeting_personal_room_id": None,
    }


def goto(rng: random.Random) -> dict[str, Any]:
    return {"meeting_id": str(rng.randrange(100_000_000, 999_999_999))}


def make_invite(
    rng: random.Random,
    field: str,
    *,
    tenant_id: str,
    organizer_email: str,
) -> dict[str, Any]:
    """A fresh invite object for ``field`` (one of ``MEETING_PLATFORMS``)."""
    if field == "zoom_invite":
        return zoom(rng)
    if field == "meet_invite":
        return meet(rng)
    if field == "teams_invite":
        return teams(rng, tenant_id=tenant_id, organizer_email=organizer_email)
    if field == "webex_invite":
        room = organizer_email.split("@")[0] if rng.random() < 0.3 else None
        return webex(rng, personal_room=room)
    if field == "goto_meeting_invite":
        return goto(rng)
    raise ValueError(f"unknown invite field {field!r}")


def pick_link_field(rng: random.Random, organizer_platform: str, *, external: bool) -> str:
    """The conferencing tool an organizer on ``organizer_platform`` is likely to use."""
    if external:
        options = (
            "zoom_invite",
            "meet_invite",
            "teams_invite",
            "webex_invite",
            "goto_meeting_invite",
        )
        weights = (35, 20, 20, 15, 10)
    elif organizer_platform == "google":
        options = ("meet_invite", "zoom_invite", "goto_meeting_invite")
        weights = (65, 30, 5)
    else:
        options = ("teams_invite", "zoom_invite", "webex_invite")
        weights = (65, 20, 15)
    return rng.choices(options, weights)[0]
