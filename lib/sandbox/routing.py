"""Request dispatch: route table, authentication, throttling, latency, faults and counting.

Every documented path is accepted with or without its trailing slash (Recall's own demo calls
``meetings/refresh`` without one). For an API request the order is: latency, fault, WAF rule,
route (404), authentication (401), method (405), rate limit (429), handler.

CORS is served like a public API's: browser clients (Recall's own V1 demo) call the calendar
endpoints directly with the calendar token, so a preflight ``OPTIONS`` is answered without
authentication and every response allows any origin.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from lib.sandbox import api, errors, introspection, oauth
from lib.sandbox.faults import DroppedResponse, fault_response
from lib.sandbox.models import CalendarUser
from lib.sandbox.state import SandboxState
from lib.sandbox.tokens import TokenError

API_PREFIX = "/api/v1/calendar/"
SANDBOX_PREFIX = "/_sandbox/"
CALENDAR_TOKEN_HEADER = "x-recallcalendarauthtoken"  # noqa: S105 (a header name)
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# What django-cors-headers (the usual choice for a DRF API) sends with every origin allowed, plus
# the calendar token header; Retry-After is exposed so a browser client can honour a 429.
CORS_HEADERS: dict[str, str] = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Retry-After",
}
PREFLIGHT_HEADERS: dict[str, str] = {
    **CORS_HEADERS,
    "Access-Control-Allow-Methods": "DELETE, GET, OPTIONS, PATCH, POST, PUT",
    "Access-Control-Allow-Headers": (
        f"accept, authorization, content-type, user-agent, {CALENDAR_TOKEN_HEADER}"
    ),
    "Access-Control-Max-Age": "86400",
    "Vary": "Origin",
}

# Recall's WAF answers a GET that carries a body with an HTML page, not JSON.
_WAF_PAGE = (
    "<html><head><title>403 Forbidden</title></head>"
    "<body><center><h1>403 Forbidden</h1></center></body></html>"
)


@dataclass(frozen=True)
class ApiRoute:
    pattern: re.Pattern[str]
    auth: Literal["api_key", "calendar_token"]
    # Method -> (endpoint name, handler). Endpoint names key the stats and the rate limits.
    methods: Mapping[str, tuple[str, api.Handler]]


def _route(path: str, auth: Literal["api_key", "calendar_token"], **methods: tuple) -> ApiRoute:
    return ApiRoute(re.compile(rf"{path}\Z"), auth, methods)


_USER_UPDATE = ("user_update", api.user_update)
_MEETING_UPDATE = ("meeting_update", api.meeting_update)
# First match wins: "meetings/refresh" must come before "meetings/{id}".
API_ROUTES: tuple[ApiRoute, ...] = (
    _route("authenticate", "api_key", POST=("authenticate", api.authenticate)),
    _route("users", "api_key", GET=("users_list", api.users_list)),
    _route(
        "user",
        "calendar_token",
        GET=("user_retrieve", api.user_retrieve),
        PUT=_USER_UPDATE,
        PATCH=_USER_UPDATE,
        DELETE=("user_delete", api.user_delete),
    ),
    _route("user/disconnect", "calendar_token", POST=("user_disconnect", api.user_disconnect)),
    _route("meetings", "calendar_token", GET=("meetings_list", api.meetings_list)),
    _route("meetings/refresh", "calendar_token", POST=("meetings_refresh", api.meetings_refresh)),
    _route(
        r"meetings/(?P<meeting_id>[^/]+)",
        "calendar_token",
        GET=("meeting_retrieve", api.meeting_retrieve),
        PUT=_MEETING_UPDATE,
        PATCH=_MEETING_UPDATE,
    ),
)
OAUTH_CALLBACKS: dict[str, str] = {
    "google_oauth_callback": "google",
    "ms_oauth_callback": "microsoft",
}
_AUTHORIZE = re.compile(r"oauth/(?P<provider>google|microsoft)/authorize\Z")

SandboxHandler = Callable[[Request, SandboxState], Awaitable[Response]]
# (method, path) -> (needs the API key, handler)
SANDBOX_ROUTES: dict[tuple[str, str], tuple[bool, SandboxHandler]] = {
    ("GET", "stats"): (False, introspection.stats),
    ("POST", "stats/reset"): (False, introspection.stats_reset),
    ("GET", "info"): (False, introspection.info),
    ("GET", "config"): (False, introspection.config_get),
    ("POST", "config"): (True, introspection.config_update),
}


def _relative(path: str, prefix: str) -> str:
    return path[len(prefix) :].removesuffix("/")


def _not_found() -> Response:
    return JSONResponse({"detail": errors.NOT_FOUND}, status_code=404)


def check_api_key(request: Request, state: SandboxState) -> None:
    """Accept ``Authorization: Token <key>`` (scheme in any case); raise 401 otherwise."""
    header = request.headers.get("authorization")
    if not header:
        raise errors.unauthorized(errors.NO_CREDENTIALS)
    scheme, _, key = header.strip().partition(" ")
    if scheme.lower() != "token" or not key.strip() or not state.api_key_matches(key.strip()):
        raise errors.unauthorized(errors.INVALID_TOKEN)


def calendar_user(request: Request, state: SandboxState) -> CalendarUser:
    """The user named by the calendar auth token header; raise 401 otherwise. The API key is
    not consulted: Recall's own demo calls these endpoints from the browser with the token
    alone."""
    status = state.config.token_error_status
    token = request.headers.get(CALENDAR_TOKEN_HEADER, "").strip()
    if not token:
        raise errors.token_refused(errors.NO_CREDENTIALS, status)
    try:
        claims = state.tokens.verify(token)
    except TokenError as exc:
        raise errors.token_refused(str(exc), status) from None
    user = state.workspace.get(claims.user_id)
    if user is None:
        raise errors.token_refused("User inactive or deleted.", status)
    return user


def _is_preflight(request: Request) -> bool:
    return (
        request.method == "OPTIONS"
        and "origin" in request.headers
        and "access-control-request-method" in request.headers
    )


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    return "transfer-encoding" in request.headers or (length is not None and length != "0")


class Dispatcher:
    """The one endpoint behind every path of the sandbox app."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def handle(self, request: Request) -> Response:
        path = request.url.path
        if _is_preflight(request):
            return Response(status_code=200, headers=PREFLIGHT_HEADERS)
        if path.startswith(API_PREFIX):
            response = await self._api(request, _relative(path, API_PREFIX))
        elif path.startswith(SANDBOX_PREFIX):
            response = await self._sandbox(request, _relative(path, SANDBOX_PREFIX))
        else:
            response = _not_found()
        if not isinstance(response, DroppedResponse):
            response.headers.update(CORS_HEADERS)
        return response

    # ---- Calendar V1 -------------------------------------------------------------------------

    async def _api(self, request: Request, relative: str) -> Response:
        state = self.state
        if state.latency_ms > 0:
            await asyncio.sleep(state.latency_ms / 1000.0)
        if relative in OAUTH_CALLBACKS:
            # Browser-facing: latency applies, injected faults do not.
            return await self._callback(request, relative)
        route, match = self._match(relative)
        endpoint = route.methods.get(request.method, (None, None))[0] if route else None

        fault = state.faults.pick()
        if fault is not None and fault != "drop_after_apply":
            response = fault_response(fault)
            status = "dropped" if isinstance(response, DroppedResponse) else response.status_code
            state.stats.record(endpoint, status, fault)
            return response

        try:
            response = await self._handle(request, route, match)
        except errors.ApiError as exc:
            response = exc.response()
        except Exception:
            state.stats.record(endpoint, 500)
            raise
        if fault == "drop_after_apply":
            state.stats.record(endpoint, "dropped", fault)
            return DroppedResponse()
        state.stats.record(endpoint, response.status_code)
        return response

    def _match(self, relative: str) -> tuple[ApiRoute | None, re.Match[str] | None]:
        for route in API_ROUTES:
            match = route.pattern.match(relative)
            if match:
                return route, match
        return None, None

    async def _handle(
        self, request: Request, route: ApiRoute | None, match: re.Match[str] | None
    ) -> Response:
        state = self.state
        if request.method == "GET" and state.config.reject_get_with_body and _has_body(request):
            return HTMLResponse(_WAF_PAGE, status_code=403)
        if route is None or match is None:
            raise errors.detail(404, errors.NOT_FOUND)
        call = api.Call(
            request=request, state=state, meeting_id=match.groupdict().get("meeting_id")
        )
        if route.auth == "api_key":
            check_api_key(request, state)
        else:
            call.user = calendar_user(request, state)
        if request.method not in route.methods:
            raise errors.method_not_allowed(request.method, sorted(route.methods))
        endpoint, handler = route.methods[request.method]
        scope = state.limiter.scope(endpoint)
        if scope == "workspace":
            scope_key = "workspace"
        elif scope == "calendar_meeting":
            scope_key = f"{call.calendar_user.id}|{call.meeting_id}"
        else:
            scope_key = call.calendar_user.id
        wait = state.limiter.check(endpoint, scope_key)
        if wait is not None:
            raise errors.throttled(wait)
        return await handler(call)

    async def _callback(self, request: Request, relative: str) -> Response:
        if request.method != "GET":
            response = errors.method_not_allowed(request.method, ["GET"]).response()
        else:
            response = await oauth.callback(request, OAUTH_CALLBACKS[relative], self.state)
        self.state.stats.record(relative, response.status_code)
        return response

    # ---- /_sandbox/ --------------------------------------------------------------------------

    async def _sandbox(self, request: Request, relative: str) -> Response:
        authorize = _AUTHORIZE.match(relative)
        try:
            if authorize:
                provider = authorize["provider"]
                if request.method == "GET":
                    return await oauth.authorize_page(request, provider)
                if request.method == "POST":
                    return await oauth.authorize_submit(request, provider, self.state)
                raise errors.method_not_allowed(request.method, ["GET", "POST"])
            entry = SANDBOX_ROUTES.get((request.method, relative))
            if entry is None:
                allowed = sorted(m for m, p in SANDBOX_ROUTES if p == relative)
                if allowed:
                    raise errors.method_not_allowed(request.method, allowed)
                raise errors.detail(404, errors.NOT_FOUND)
            needs_key, handler = entry
            if needs_key:
                check_api_key(request, self.state)
            return await handler(request, self.state)
        except errors.ApiError as exc:
            return exc.response()
