"""Handlers of the Calendar V1 endpoints (authentication and throttling happen before them)."""

from __future__ import annotations

import base64
import binascii
import bisect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lib.sandbox import bad_rows, errors, validation
from lib.sandbox.clock import ONE_DAY
from lib.sandbox.models import CalendarUser, Meeting
from lib.sandbox.render import meeting_json, user_json, users_json_bytes
from lib.sandbox.state import SandboxState

USERS_PAGE_SIZE = 100
USERS_MAX_PAGE_SIZE = 1000


@dataclass
class Call:
    """One authenticated API request."""

    request: Request
    state: SandboxState
    user: CalendarUser | None = None
    meeting_id: str | None = None

    @property
    def calendar_user(self) -> CalendarUser:
        if self.user is None:  # the router guarantees it for per-user endpoints
            raise errors.unauthorized(errors.NO_CREDENTIALS)
        return self.user


Handler = Callable[[Call], Awaitable[Response]]


# ---- workspace endpoints (API key) ---------------------------------------------------------


async def authenticate(call: Call) -> Response:
    body = await validation.json_object(call.request)
    external_id = validation.user_id(body)
    user, _created = call.state.workspace.authenticate(external_id)
    return JSONResponse({"token": call.state.tokens.mint(user.id)})


def _encode_cursor(direction: str, seq: int) -> str:
    return base64.urlsafe_b64encode(f"{direction}:{seq}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        direction, _, seq = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        if direction not in ("n", "p"):
            raise ValueError(direction)
        return direction, int(seq)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise errors.detail(404, "Invalid cursor") from None


async def users_list(call: Call) -> Response:
    request = call.request
    email = request.query_params.get("email") or None
    paginate = validation.bool_param(request, "paginate", default=False)
    users = call.state.workspace.users(email=email)
    if not paginate:
        return Response(users_json_bytes(users), media_type="application/json")

    size = validation.page_size(request, USERS_PAGE_SIZE, USERS_MAX_PAGE_SIZE)
    if call.state.config.users_pagination == "page":
        return _users_page(request, users, size)
    cursor = request.query_params.get("cursor")
    start = 0
    if cursor:
        direction, seq = _decode_cursor(cursor)
        if direction == "n":
            start = bisect.bisect_right(users, seq, key=lambda user: user.seq)
        else:
            end = bisect.bisect_left(users, seq, key=lambda user: user.seq)
            start = max(0, end - size)
            size = end - start
    page = users[start : start + size]
    after = start + len(page)
    next_url = (
        str(request.url.include_query_params(cursor=_encode_cursor("n", page[-1].seq)))
        if page and after < len(users)
        else None
    )
    previous_url = None
    if start > 0:
        first_seq = page[0].seq if page else users[start - 1].seq + 1
        previous_url = str(request.url.include_query_params(cursor=_encode_cursor("p", first_seq)))
    return JSONResponse(
        {
            "next": next_url,
            "previous": previous_url,
            "results": [user_json(user) for user in page],
        }
    )


def _users_page(request: Request, users: list[CalendarUser], size: int) -> Response:
    """DRF's page-number pagination: ``?page=N`` (from 1), absolute links and a ``count``."""
    raw = request.query_params.get("page") or "1"
    pages = max(1, -(-len(users) // size))
    if raw == "last":
        number = pages
    else:
        try:
            number = int(raw)
        except ValueError:
            raise errors.detail(404, "Invalid page.") from None
        if not 1 <= number <= pages:
            raise errors.detail(404, "Invalid page.")
    start = (number - 1) * size
    page = users[start : start + size]
    next_url = str(request.url.include_query_params(page=number + 1)) if number < pages else None
    previous_url = None
    if number > 1:
        # DRF drops the parameter for the first page.
        previous_url = (
            str(request.url.remove_query_params("page"))
            if number == 2
            else str(request.url.include_query_params(page=number - 1))
        )
    return JSONResponse(
        {
            "count": len(users),
            "next": next_url,
            "previous": previous_url,
            "results": [user_json(user) for user in page],
        }
    )


# ---- calendar-user endpoints (calendar auth token) ------------------------------------------


async def user_retrieve(call: Call) -> Response:
    return JSONResponse(user_json(call.calendar_user))


async def user_update(call: Call) -> Response:
    user = call.calendar_user
    body = await validation.json_object(call.request)
    config = call.state.config
    external_id, flags, bot_name = validation.user_update(
        body, unknown_keys=config.unknown_body_keys
    )
    workspace = call.state.workspace
    if external_id is not None and workspace.external_id_taken(external_id, user):
        raise errors.invalid(
            {"external_id": ["calendar user with this external id already exists."]}
        )
    workspace.update_user(
        user,
        external_id=external_id,
        flags=flags,
        bot_name=bot_name,
        missing_flags=config.missing_preference_keys,
    )
    return JSONResponse(user_json(user))


async def user_delete(call: Call) -> Response:
    user = call.calendar_user
    # With ``delete_user_status=200`` the answer carries the user as it was before deletion.
    before = user_json(user) if call.state.config.delete_user_status == 200 else None
    call.state.workspace.delete_user(user)
    if before is None:
        return Response(status_code=204)
    return JSONResponse(before)


async def user_disconnect(call: Call) -> Response:
    user = call.calendar_user
    body = await validation.json_object(call.request)
    call.state.workspace.disconnect(user, validation.platform(body))
    return JSONResponse(user_json(user))


def _ends(meeting: Meeting) -> datetime:
    # An all-day event has no end time in the API; it occupies its whole day.
    event = meeting.event
    return event.end if event.end is not None else event.start + ONE_DAY


def _render(call: Call, meetings: list[Meeting]) -> list[dict[str, Any]]:
    state = call.state
    now = state.now()
    ordered = sorted(meetings, key=lambda m: (m.event.start, m.id))
    namespace = state.workspace.namespace
    config = state.config
    user = call.calendar_user
    bodies = [meeting_json(m, user, now=now, namespace=namespace, config=config) for m in ordered]
    if user.quirks is not None:
        oddities = state.workspace.oddities
        for meeting, body in zip(ordered, bodies, strict=True):
            if meeting.id in oddities:
                bad_rows.distort_meeting(body, *oddities[meeting.id])
    return bodies


def _upcoming(call: Call) -> list[Meeting]:
    now = call.state.now()
    return [m for m in call.state.workspace.meetings(call.calendar_user) if _ends(m) > now]


async def meetings_list(call: Call) -> Response:
    request = call.request
    after = validation.datetime_param(request, "start_time_after")
    before = validation.datetime_param(request, "start_time_before")
    ical_uid = request.query_params.get("ical_uid")
    if after is None and before is None:
        # Recall documents no default window; upcoming and in-progress meetings is what its
        # demo and clients expect (an inference).
        meetings = _upcoming(call)
    else:
        meetings = [
            m
            for m in call.state.workspace.meetings(call.calendar_user)
            if (after is None or m.event.start >= after)
            and (before is None or m.event.start <= before)
        ]
    if ical_uid:
        meetings = [m for m in meetings if m.event.ical_uid.startswith(ical_uid)]
    return JSONResponse(_render(call, meetings))


def _meeting(call: Call) -> Meeting:
    found = call.state.workspace.meeting(call.calendar_user, call.meeting_id or "")
    if found is None:
        raise errors.detail(404, errors.NOT_FOUND)
    return found


async def meeting_retrieve(call: Call) -> Response:
    return JSONResponse(_render(call, [_meeting(call)])[0])


async def meeting_update(call: Call) -> Response:
    meeting = _meeting(call)
    body = await validation.json_object(call.request)
    value = validation.override(body)
    if not validation.is_missing(value):
        meeting.override = value  # type: ignore[assignment]
    return JSONResponse(_render(call, [meeting])[0])


async def meetings_refresh(call: Call) -> Response:
    if not call.calendar_user.is_connected:
        raise errors.detail(422, "No calendar is connected for this calendar user.")
    return JSONResponse(_render(call, _upcoming(call)))
