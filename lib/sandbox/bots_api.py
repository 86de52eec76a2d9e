"""Handlers of the Bot API reads: Retrieve Bot and List Bots (authentication and throttling
happen before them, in the router)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from starlette.responses import JSONResponse, Response

from lib.sandbox import errors, validation
from lib.sandbox.api import Call
from lib.sandbox.bots import (
    JOIN_LEAD,
    BotDirectory,
    bot_json,
    meeting_ref,
    parse_meeting_url,
)

BOT_PREFIX = "/api/v1/bot/"
# Recall does not document its page size; a small one makes clients follow ``next``.
BOTS_PAGE_SIZE = 50


def directory(call: Call) -> BotDirectory:
    state = call.state
    found = getattr(state, "bot_directory", None)
    if found is None:
        found = state.bot_directory = BotDirectory()  # type: ignore[attr-defined]
    return found


def api_shape(call: Call) -> str:
    return call.state.config.bot_api_shape


async def bot_retrieve(call: Call) -> Response:
    bot_id = call.request.url.path.rstrip("/").rsplit("/", 1)[-1].lower()
    served = directory(call).served(call.state, bot_id)
    if not served:
        raise errors.detail(404, errors.NOT_FOUND)
    state = call.state
    body = bot_json(bot_id, served, seed=state.config.seed, now=state.now(), shape=api_shape(call))
    return JSONResponse(body)


def _page(call: Call) -> int:
    raw = call.request.query_params.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise errors.detail(404, "Invalid page.")
    return int(raw)


async def bot_list(call: Call) -> Response:
    request = call.request
    state = call.state
    after: datetime | None = validation.datetime_param(request, "join_at_after")
    before: datetime | None = validation.datetime_param(request, "join_at_before")
    url = request.query_params.get("meeting_url")
    wanted_ref = parse_meeting_url(url) if url else None
    if url and wanted_ref is None:
        raise errors.invalid({"meeting_url": ["Enter a valid meeting URL."]})
    statuses = set(request.query_params.getlist("status"))
    platforms = set(request.query_params.getlist("platform"))
    now = state.now()
    shape = api_shape(call)
    matched = []
    # The join_at filters still match finished bots, whose join_at is cleared (§7).
    for bot_id, served in directory(call).bots(state, after, before):
        meeting = served[0].meeting
        join_at = meeting.event.start - JOIN_LEAD
        ref = meeting_ref(meeting)
        if platforms and ref["platform"] not in platforms:
            continue
        if wanted_ref is not None and (ref["platform"], ref["meeting_id"]) != wanted_ref:
            continue
        matched.append((join_at, bot_id, served))
    matched.sort(key=lambda item: (item[0], item[1]))
    seed = state.config.seed
    if statuses:
        # The status is the last visible change, so every candidate is rendered to filter.
        bodies = [bot_json(b, s, seed=seed, now=now, shape=shape) for _j, b, s in matched]
        bodies = [b for b in bodies if b["status_changes"][-1]["code"] in statuses]
        total = len(bodies)
    else:
        bodies = None
        total = len(matched)
    page = _page(call)
    first = (page - 1) * BOTS_PAGE_SIZE
    if first >= total and page > 1:
        raise errors.detail(404, "Invalid page.")
    if bodies is not None:
        results = bodies[first : first + BOTS_PAGE_SIZE]
    else:
        results = [
            bot_json(bot_id, served, seed=seed, now=now, shape=shape)
            for _join, bot_id, served in matched[first : first + BOTS_PAGE_SIZE]
        ]

    def link(number: int) -> str:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
        params.append(("page", str(number)))
        return str(request.url.replace(query=urlencode(params)))

    return JSONResponse(
        {
            "count": total,
            "next": link(page + 1) if first + BOTS_PAGE_SIZE < total else None,
            "previous": link(page - 1) if page > 1 else None,
            "results": results,
        }
    )
