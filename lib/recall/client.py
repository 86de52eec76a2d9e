"""Typed, thread-safe client for Recall's Calendar V1 API (sync httpx).

One ``RecallClient`` serves every session of the console: it holds the workspace API key (as a
``SecretStr``), a token cache and a rate limiter, and counts requests per endpoint for the status
page.

Silent user creation
    ``POST /calendar/authenticate/`` creates a calendar user for any ``user_id`` Recall has not
    seen. Every per-user method mints a token through it on a cache miss, so calling one for an
    id that is not a calendar user *creates that user*. The client is a faithful transport and
    does not guard against this; callers (the console's action layer) check the workspace's user
    list first. The one place the client mints on its own initiative, re-minting after a 401
    or 403 on a calendar-token call, first checks that the user is still listed, so a user
    deleted meanwhile is reported as ``NotFoundError`` instead of being recreated. Likewise a
    user deleted through this client is remembered: per-user methods raise ``NotFoundError``
    for it, without minting, until a user list shows the id again or ``authenticate`` is
    called for it explicitly. A user deleted elsewhere (another console process, the company's
    product) is the caller's to know about: a ``mint_guard`` (see ``set_mint_guard``) is called
    before every implicit mint and refuses it by raising.

Retries
    Each public call has a total ``deadline``; every HTTP attempt has an explicit ``timeout``.
    429 (honouring ``Retry-After``; never sleeping past the deadline), 502/503/504, timeouts and
    connection errors are retried with exponential backoff and full jitter, up to
    ``max_retries`` times. Every V1 write is idempotent (PUT/PATCH set state, DELETE removes the
    user, disconnect and refresh converge), so retrying a write whose outcome is unknown cannot
    apply it twice. 500 is different: it usually means the request itself trips a server bug, so
    reads retry it like a 503 but writes retry it only once, then report the failure, saying the
    change may or may not have been applied. ``delete_user`` counts a 404 (or a user no longer
    listed) after an attempt with an unknown outcome as done: the earlier attempt deleted it.

Secrets
    The API key is sent only to API-key endpoints and the calendar token only to per-user
    endpoints. Neither appears in log lines (method, endpoint name, status, duration and
    non-secret query parameters only), error messages, reprs or exception chains: errors are
    raised outside ``except`` blocks so no transport exception (which holds the request and its
    headers) is chained.
"""

from __future__ import annotations

import email.utils
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlsplit

import httpx
from pydantic import BaseModel, SecretStr
from pydantic import ValidationError as PydanticValidationError

from lib.recall.errors import (
    BadApiKeyError,
    CalendarDisconnectedError,
    CalendarTokenError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    RecallError,
    UnavailableError,
    UnexpectedResponseError,
    ValidationError,
    flatten_field_errors,
)
from lib.recall.models import CALENDAR_PLATFORMS, PREFERENCE_FLAGS, CalendarMeeting, CalendarUser
from lib.recall.ratelimit import AUTHENTICATE, CALENDAR_USER, USERS_LIST, WORKSPACE, RateLimiter
from lib.recall.regions import normalize_base_url
from lib.recall.rows import RowList, read_rows
from lib.recall.tokens import TokenCache

logger = logging.getLogger(__name__)

CALENDAR_TOKEN_HEADER = "x-recallcalendarauthtoken"  # noqa: S105 - a header name
API_PREFIX = "/api/v1/calendar"
# An address under the reserved .invalid TLD can never be a calendar user, so ping's lookup is
# cheap and returns nothing.
_PING_EMAIL = "status-check@console.invalid"
_MEETING_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_NO_BODY: Any = object()

AuthKind = Literal["api_key", "token"]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Endpoint:
    """One Calendar V1 operation: how it is called, authenticated and rate limited."""

    name: str
    method: str
    path: str
    auth: AuthKind
    limit: str

    @property
    def is_write(self) -> bool:
        return self.method != "GET"


AUTHENTICATE_EP = Endpoint("authenticate", "POST", "/authenticate/", "api_key", AUTHENTICATE)
USERS_LIST_EP = Endpoint("users_list", "GET", "/users/", "api_key", USERS_LIST)
USER_RETRIEVE_EP = Endpoint("user_retrieve", "GET", "/user/", "token", CALENDAR_USER)
USER_UPDATE_EP = Endpoint("user_update", "PUT", "/user/", "token", CALENDAR_USER)
USER_DELETE_EP = Endpoint("user_delete", "DELETE", "/user/", "token", CALENDAR_USER)
USER_DISCONNECT_EP = Endpoint(
    "user_disconnect", "POST", "/user/disconnect/", "token", CALENDAR_USER
)
MEETINGS_LIST_EP = Endpoint("meetings_list", "GET", "/meetings/", "token", CALENDAR_USER)
MEETING_RETRIEVE_EP = Endpoint(
    "meeting_retrieve", "GET", "/meetings/{meeting_id}/", "token", CALENDAR_USER
)
MEETING_UPDATE_EP = Endpoint(
    "meeting_update", "PUT", "/meetings/{meeting_id}/", "token", CALENDAR_USER
)
MEETINGS_REFRESH_EP = Endpoint(
    "meetings_refresh", "POST", "/meetings/refresh/", "token", CALENDAR_USER
)

ENDPOINTS: tuple[Endpoint, ...] = (
    AUTHENTICATE_EP,
    USERS_LIST_EP,
    USER_RETRIEVE_EP,
    USER_UPDATE_EP,
    USER_DELETE_EP,
    USER_DISCONNECT_EP,
    MEETINGS_LIST_EP,
    MEETING_RETRIEVE_EP,
    MEETING_UPDATE_EP,
    MEETINGS_REFRESH_EP,
)


@dataclass(frozen=True)
class EndpointStats:
    """Counters for one endpoint since the client was created."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    failures: int = 0
    last_status: str | None = None
    last_duration_ms: float | None = None


@dataclass
class _Result:
    response: httpx.Response | None
    # A write attempt before this one may have been applied (dropped response, 5xx).
    uncertain: bool = False
    # After a 401, the user was no longer in the workspace's user list.
    gone: bool = False
    # Values to scrub from anything quoted back from the server.
    secrets: tuple[str, ...] = ()


@dataclass(frozen=True)
class UsersPage:
    """One page of ``users/`` as the API's own objects (each a dict with a string ``id``)."""

    items: list[dict[str, Any]]
    # The absolute link to the next page, or None on the last page.
    next_url: str | None
    # The total number of users when the server says (page-number pagination does, cursor
    # pagination does not).
    count: int | None = None


class RecallClient:
    """Client for one Recall workspace (base URL + API key).

    Every per-user method (``get_user``, ``update_preferences``, ``delete_user``, ``disconnect``,
    ``list_meetings``, ``get_meeting``, ``update_meeting``, ``refresh_meetings``) obtains a
    calendar token through ``authenticate`` on a cache miss, and **authenticate creates a
    calendar user for an unseen id**: call them only for ids found in ``list_users``.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | SecretStr,
        *,
        timeout: float = 10.0,
        deadline: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        limiter: RateLimiter | None = None,
        token_cache: TokenCache | None = None,
        max_retries: int = 4,
        backoff_base: float = 0.25,
        backoff_max: float = 8.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        user_agent: str = "calendar-console",
    ) -> None:
        key = api_key if isinstance(api_key, SecretStr) else SecretStr(api_key)
        if not key.get_secret_value().strip():
            raise ValueError("A Recall API key is required.")
        if timeout <= 0 or deadline <= 0:
            raise ValueError("timeout and deadline must be positive")
        if max_retries < 0:
            raise ValueError("max_retries must not be negative")
        self._base_url = normalize_base_url(base_url)
        self._api_key = key
        self._timeout = float(timeout)
        self._deadline = float(deadline)
        self._max_retries = max_retries
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._limiter = limiter if limiter is not None else RateLimiter()
        self._tokens = token_cache if token_cache is not None else TokenCache()
        self._lock = threading.Lock()
        # external ids deleted through this client: never re-minted implicitly (module notes).
        self._deleted: set[str] = set()
        self._mint_guard: Callable[[str], None] | None = None
        self._stats: dict[str, EndpointStats] = {ep.name: EndpointStats() for ep in ENDPOINTS}
        self._http = httpx.Client(
            base_url=self._base_url,
            transport=transport,
            timeout=self._timeout,
            # Never follow a redirect with credentials attached.
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": user_agent},
        )

    # -- plumbing visible to the status page -------------------------------------------------

    @property
    def base_url(self) -> str:
        """The normalised base URL this client talks to."""
        return self._base_url

    @property
    def limiter(self) -> RateLimiter:
        """The client-side rate limiter (its ``usage()`` feeds the status page)."""
        return self._limiter

    @property
    def token_cache(self) -> TokenCache:
        """The calendar-token cache."""
        return self._tokens

    def set_mint_guard(self, guard: Callable[[str], None] | None) -> None:
        """Call ``guard(user_id)`` before every mint a per-user method makes on its own; the
        guard refuses by raising (a ``RecallError`` reaches the caller as is). ``authenticate``,
        the explicit mint, is not guarded."""
        self._mint_guard = guard

    def request_counts(self) -> dict[str, int]:
        """HTTP requests sent per endpoint name, retries included."""
        with self._lock:
            return {name: stats.requests for name, stats in self._stats.items()}

    def stats(self) -> dict[str, EndpointStats]:
        """A snapshot of the counters per endpoint name."""
        with self._lock:
            return dict(self._stats)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> RecallClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RecallClient(base_url={self._base_url!r})"

    # -- API-key endpoints -------------------------------------------------------------------

    def authenticate(self, user_id: str) -> str:
        """Mint a calendar auth token for ``user_id`` (valid 24 h) and cache it.

        **Creates a calendar user** (with ``external_id = user_id``) when none exists: check the
        user list before calling this for an id that may be new. The token is a secret: it lets
        its holder read and change the user's calendar settings.
        """
        _check_user_id(user_id)
        token = self._mint(user_id, self._new_deadline())
        self._tokens.put(self._base_url, user_id, token)
        with self._lock:
            self._deleted.discard(user_id)
        return token

    def list_users(self, *, email: str | None = None) -> list[CalendarUser]:
        """Every calendar user of the workspace (one request), optionally filtered by email."""
        params: dict[str, str] = {"paginate": "false"}
        if email is not None:
            params["email"] = email
        response = self._api_key_request(USERS_LIST_EP, params=params)
        data = _json_body(response, USERS_LIST_EP)
        if isinstance(data, dict) and "results" in data:
            # A server that paginates anyway: follow its pages rather than return a partial list.
            users = self._parse_list(data["results"], CalendarUser, USERS_LIST_EP)
            users.extend(self._follow_pages(data.get("next")))
        else:
            users = self._parse_list(data, CalendarUser, USERS_LIST_EP)
        self._seen_listed(users)
        return users

    def list_users_v1(self) -> list[dict[str, Any]]:
        """Every calendar user as the API's own objects (one request), checked only for shape.

        For whole-workspace tables: validating 100,000 ``CalendarUser`` models costs seconds
        that a table of six fields does not need. Each item is a dict with a string ``id``.
        """
        response = self._api_key_request(USERS_LIST_EP, params={"paginate": "false"})
        data = _json_body(response, USERS_LIST_EP)
        if isinstance(data, dict) and "results" in data:
            raise UnexpectedResponseError(
                "Recall paginated the user list unasked; reload, or report it to the console's "
                "maintainers.",
                endpoint=USERS_LIST_EP.name,
            )
        if not isinstance(data, list) or not all(
            isinstance(item, dict) and isinstance(item.get("id"), str) for item in data
        ):
            raise UnexpectedResponseError(
                f"Recall's answer to {USERS_LIST_EP.name} did not match the documented shape. "
                "Report it to the console's maintainers.",
                endpoint=USERS_LIST_EP.name,
            )
        with self._lock:
            if self._deleted:
                self._deleted.difference_update(str(item.get("external_id")) for item in data)
        return data

    def list_users_page(
        self,
        next_url: str | None = None,
        *,
        page_size: int = 1000,
        timeout_s: float | None = None,
    ) -> UsersPage:
        """One page of the user list as the API's own objects (``paginate=true``).

        ``next_url`` is the ``next`` link of the previous page, followed as given whatever it
        carries (a cursor or a page number), as long as it stays on the configured base URL; None
        asks for the first page. ``timeout_s`` bounds this page, retries included. A server that
        ignores ``paginate`` and answers a plain list gives one page with no ``next``.
        """
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        if next_url is not None and not self._same_origin(next_url):
            raise _foreign_next_link()
        response = self._api_key_request(
            USERS_LIST_EP,
            params=None
            if next_url is not None
            else {"paginate": "true", "page_size": str(page_size)},
            url=next_url,
            deadline_s=timeout_s,
        )
        data = _json_body(response, USERS_LIST_EP)
        count: int | None = None
        following: Any = None
        if isinstance(data, dict):
            items, following = data.get("results"), data.get("next")
            raw_count = data.get("count")
            if isinstance(raw_count, int) and not isinstance(raw_count, bool) and raw_count >= 0:
                count = raw_count
        else:
            items = data
        if not isinstance(items, list) or not all(
            isinstance(item, dict) and isinstance(item.get("id"), str) for item in items
        ):
            raise UnexpectedResponseError(
                f"Recall's answer to {USERS_LIST_EP.name} did not match the documented shape. "
                "Report it to the console's maintainers.",
                endpoint=USERS_LIST_EP.name,
            )
        if isinstance(following, str) and following:
            # DRF sends absolute links; a relative one is read against the page it came from.
            following = str(response.url.join(following))
            if not self._same_origin(following):
                raise _foreign_next_link()
        elif following is not None and following != "":
            raise UnexpectedResponseError(endpoint=USERS_LIST_EP.name)
        with self._lock:
            if self._deleted:
                self._deleted.difference_update(str(item.get("external_id")) for item in items)
        return UsersPage(items=items, next_url=following or None, count=count)

    def iter_users(
        self, page_size: int = 100, *, email: str | None = None
    ) -> Iterator[CalendarUser]:
        """Calendar users page by page (``paginate=true``), following ``next`` links."""
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        params: dict[str, str] = {"paginate": "true", "page_size": str(page_size)}
        if email is not None:
            params["email"] = email
        response = self._api_key_request(USERS_LIST_EP, params=params)
        data = _json_body(response, USERS_LIST_EP)
        if isinstance(data, list):
            users = self._parse_list(data, CalendarUser, USERS_LIST_EP)
            self._seen_listed(users)
            yield from users
            return
        if not isinstance(data, dict):
            raise UnexpectedResponseError(endpoint=USERS_LIST_EP.name)
        first = self._parse_list(data.get("results"), CalendarUser, USERS_LIST_EP)
        self._seen_listed(first)
        yield from first
        for user in self._follow_pages(data.get("next")):
            self._seen_listed([user])
            yield user

    def ping(self) -> float:
        """Seconds taken by one cheap API-key request (a users lookup that matches nobody).

        Not retried, so the figure is a real round trip; raises the usual errors (a bad key gives
        ``BadApiKeyError``).
        """
        started = self._clock()
        self._api_key_request(
            USERS_LIST_EP,
            params={"paginate": "false", "email": _PING_EMAIL},
            retries=0,
            deadline_s=self._timeout,
        )
        return self._clock() - started

    # -- per-user endpoints (each mints a token on a cache miss: see the class docstring) ----

    def get_user(self, user_id: str) -> CalendarUser:
        """The calendar user, connections and preferences.

        Mints a token on a cache miss, which creates the user if it does not exist.
        """
        response = self._user_request(USER_RETRIEVE_EP, user_id)
        return self._parse_one(response, CalendarUser, USER_RETRIEVE_EP)

    def update_preferences(
        self,
        user_id: str,
        preferences: Mapping[str, Any],
        *,
        bot_name: str | None = None,
    ) -> CalendarUser:
        """Send recording preferences (``PUT user/``) and return the user Recall answers with.

        ``preferences`` holds any of the six ``record_*`` flags (bools) and optionally
        ``bot_name``, sent as given. Recall's preferences page says a flag missing from the
        object is treated as ``false``, so a caller changing one flag sends all six (the action
        layer does). Mints a token on a cache miss, which creates the user if it does not exist.
        """
        body = {"preferences": _preferences_body(preferences, bot_name)}
        response = self._user_request(USER_UPDATE_EP, user_id, body=body)
        return self._parse_one(response, CalendarUser, USER_UPDATE_EP)

    def rename_user(self, user_id: str, new_user_id: str) -> CalendarUser:
        """Give the calendar user another ``external_id`` (``PUT user/`` with ``external_id``).

        The calendar token belongs to the calendar user, not to the id, so the one cached for
        ``user_id`` now serves ``new_user_id``; ``user_id`` is left with none, so reading it
        later has to mint, which is what callers must check for first. Mints a token on a cache
        miss, which creates the user if it does not exist.
        """
        _check_user_id(new_user_id)
        response = self._user_request(USER_UPDATE_EP, user_id, body={"external_id": new_user_id})
        user = self._parse_one(response, CalendarUser, USER_UPDATE_EP)
        token = self._tokens.get(self._base_url, user_id)
        self._tokens.invalidate(self._base_url, user_id)
        if token is not None and user.external_id == new_user_id:
            self._tokens.put(self._base_url, new_user_id, token)
        return user

    def delete_user(self, user_id: str) -> None:
        """Delete the calendar user and disconnect its calendars (scheduled bots are removed).

        Raises ``NotFoundError`` when the user was already gone. Mints a token on a cache miss,
        which creates the user if it does not exist (and this call then deletes it again).
        """
        deadline = self._new_deadline()
        result = self._user_result(USER_DELETE_EP, user_id, deadline=deadline)
        if result.gone or (result.response is not None and result.response.status_code == 404):
            if not result.uncertain:
                raise NotFoundError(
                    "This calendar user no longer exists; it was probably deleted already. "
                    "Reload the user list.",
                    status_code=404,
                    endpoint=USER_DELETE_EP.name,
                )
        else:
            self._expect_success(result, USER_DELETE_EP)
        self._tokens.invalidate(self._base_url, user_id)
        with self._lock:
            self._deleted.add(user_id)

    def disconnect(self, user_id: str, platform: str) -> CalendarUser:
        """Disconnect the user's Google or Microsoft calendar, keeping the user.

        Mints a token on a cache miss, which creates the user if it does not exist.
        """
        if platform not in CALENDAR_PLATFORMS:
            raise ValidationError(
                field_errors={"platform": [f"Must be one of: {', '.join(CALENDAR_PLATFORMS)}."]},
                status_code=None,
                endpoint=USER_DISCONNECT_EP.name,
            )
        response = self._user_request(USER_DISCONNECT_EP, user_id, body={"platform": platform})
        return self._parse_one(response, CalendarUser, USER_DISCONNECT_EP)

    def list_meetings(
        self,
        user_id: str,
        *,
        ical_uid: str | None = None,
        start_time_after: datetime | None = None,
        start_time_before: datetime | None = None,
    ) -> RowList[CalendarMeeting]:
        """The user's meetings (``ical_uid`` is a case-sensitive prefix filter); meetings that
        do not fit the model are in the result's ``unreadable``, not raised.

        Mints a token on a cache miss, which creates the user if it does not exist.
        """
        params: dict[str, str] = {}
        if ical_uid is not None:
            params["ical_uid"] = ical_uid
        if start_time_after is not None:
            params["start_time_after"] = _iso(start_time_after, "start_time_after")
        if start_time_before is not None:
            params["start_time_before"] = _iso(start_time_before, "start_time_before")
        response = self._user_request(MEETINGS_LIST_EP, user_id, params=params)
        return self._parse_rows(_json_body(response, MEETINGS_LIST_EP), MEETINGS_LIST_EP)

    def get_meeting(self, user_id: str, meeting_id: str) -> CalendarMeeting:
        """One of the user's meetings.

        Mints a token on a cache miss, which creates the user if it does not exist.
        """
        response = self._user_request(
            MEETING_RETRIEVE_EP, user_id, meeting_id=_check_meeting_id(meeting_id)
        )
        return self._parse_one(response, CalendarMeeting, MEETING_RETRIEVE_EP)

    def update_meeting(
        self, user_id: str, meeting_id: str, override_should_record: bool | None
    ) -> CalendarMeeting:
        """Set the meeting's override: True records, False never records, None follows prefs.

        Mints a token on a cache miss, which creates the user if it does not exist.
        """
        if override_should_record is not None and not isinstance(override_should_record, bool):
            raise ValidationError(
                field_errors={"override_should_record": ["Must be true, false or null."]},
                status_code=None,
                endpoint=MEETING_UPDATE_EP.name,
            )
        response = self._user_request(
            MEETING_UPDATE_EP,
            user_id,
            meeting_id=_check_meeting_id(meeting_id),
            body={"override_should_record": override_should_record},
        )
        return self._parse_one(response, CalendarMeeting, MEETING_UPDATE_EP)

    def refresh_meetings(self, user_id: str) -> RowList[CalendarMeeting]:
        """Ask Recall to resync the user's calendar now; returns the meetings.

        Raises ``CalendarDisconnectedError`` when no calendar is connected. Mints a token on a
        cache miss, which creates the user if it does not exist.
        """
        response = self._user_request(MEETINGS_REFRESH_EP, user_id)
        return self._parse_rows(_json_body(response, MEETINGS_REFRESH_EP), MEETINGS_REFRESH_EP)

    # -- request pipeline --------------------------------------------------------------------

    def _new_deadline(self, seconds: float | None = None) -> float:
        return self._clock() + (self._deadline if seconds is None else seconds)

    def _api_key_headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self._api_key.get_secret_value()}"}

    def _mint(self, user_id: str, deadline: float) -> str:
        result = self._exchange(
            AUTHENTICATE_EP,
            url=API_PREFIX + AUTHENTICATE_EP.path,
            headers=self._api_key_headers(),
            body={"user_id": user_id},
            scope=WORKSPACE,
            deadline=deadline,
        )
        response = self._expect_success(result, AUTHENTICATE_EP)
        data = _json_body(response, AUTHENTICATE_EP)
        token = data.get("token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise UnexpectedResponseError(endpoint=AUTHENTICATE_EP.name)
        return token

    def _api_key_request(
        self,
        ep: Endpoint,
        *,
        params: Mapping[str, str] | None = None,
        url: str | None = None,
        retries: int | None = None,
        deadline_s: float | None = None,
    ) -> httpx.Response:
        result = self._exchange(
            ep,
            url=url or API_PREFIX + ep.path,
            headers=self._api_key_headers(),
            params=params,
            scope=WORKSPACE,
            deadline=self._new_deadline(deadline_s),
            retries=retries,
        )
        return self._expect_success(result, ep)

    def _follow_pages(self, next_url: Any) -> Iterator[CalendarUser]:
        while next_url:
            if not isinstance(next_url, str) or not self._same_origin(next_url):
                raise _foreign_next_link()
            response = self._api_key_request(USERS_LIST_EP, url=next_url)
            data = _json_body(response, USERS_LIST_EP)
            if not isinstance(data, dict):
                raise UnexpectedResponseError(endpoint=USERS_LIST_EP.name)
            yield from self._parse_list(data.get("results"), CalendarUser, USERS_LIST_EP)
            next_url = data.get("next")

    def _same_origin(self, url: str) -> bool:
        mine, theirs = urlsplit(self._base_url), urlsplit(url)
        return (theirs.scheme, theirs.netloc.lower()) == (
            mine.scheme,
            mine.netloc.lower(),
        ) and theirs.path.startswith(mine.path + API_PREFIX + "/")

    def _user_request(
        self,
        ep: Endpoint,
        user_id: str,
        *,
        meeting_id: str | None = None,
        params: Mapping[str, str] | None = None,
        body: Any = _NO_BODY,
    ) -> httpx.Response:
        result = self._user_result(
            ep,
            user_id,
            meeting_id=meeting_id,
            params=params,
            body=body,
            deadline=self._new_deadline(),
        )
        if result.gone:
            raise NotFoundError(
                "This calendar user no longer exists in the workspace (it was deleted). "
                "Reload the user list.",
                endpoint=ep.name,
            )
        return self._expect_success(result, ep)

    def _user_result(
        self,
        ep: Endpoint,
        user_id: str,
        *,
        deadline: float,
        meeting_id: str | None = None,
        params: Mapping[str, str] | None = None,
        body: Any = _NO_BODY,
    ) -> _Result:
        _check_user_id(user_id)
        with self._lock:
            deleted_here = user_id in self._deleted
        if deleted_here and self._tokens.get(self._base_url, user_id) is None:
            return _Result(None, gone=True)
        path = API_PREFIX + ep.path.format(meeting_id=meeting_id)
        # Recall limits each calendar user per endpoint.
        scope = f"{user_id}:{ep.name}"

        def mint() -> str:
            guard = self._mint_guard
            if guard is not None:
                guard(user_id)
            return self._mint(user_id, deadline)

        uncertain = False
        for attempt in range(2):
            token = self._tokens.get_or_mint(self._base_url, user_id, mint)
            result = self._exchange(
                ep,
                url=path,
                headers={CALENDAR_TOKEN_HEADER: token},
                params=params,
                body=body,
                scope=scope,
                deadline=deadline,
                secrets=(token,),
            )
            result.uncertain = result.uncertain or uncertain
            uncertain = result.uncertain
            # How Recall refuses a bad or expired calendar token is undocumented: 401, or 403 as
            # Django REST Framework answers a failed header authentication. Either gets one fresh
            # token and one retry.
            if result.response is None or result.response.status_code not in (401, 403):
                return result
            self._tokens.invalidate(self._base_url, user_id)
            if attempt == 1:
                break
            # Re-minting goes through authenticate, which would silently recreate a user that
            # was deleted meanwhile; only re-mint for a user that is still listed.
            if not self._still_listed(user_id, deadline):
                return _Result(None, uncertain=uncertain, gone=True)
        if result.response is not None and result.response.status_code == 403:
            raise ForbiddenError(
                _token_forbidden_message(uncertain), status_code=403, endpoint=ep.name
            )
        raise CalendarTokenError(status_code=401, endpoint=ep.name)

    def _seen_listed(self, users: list[CalendarUser]) -> None:
        with self._lock:
            if self._deleted:
                self._deleted.difference_update(u.external_id for u in users)

    def _still_listed(self, user_id: str, deadline: float) -> bool:
        remaining = max(0.0, deadline - self._clock())
        response = self._api_key_request(
            USERS_LIST_EP, params={"paginate": "false"}, deadline_s=remaining
        )
        data = _json_body(response, USERS_LIST_EP)
        items = data.get("results") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise UnexpectedResponseError(endpoint=USERS_LIST_EP.name)
        if any(isinstance(u, dict) and u.get("external_id") == user_id for u in items):
            return True
        if isinstance(data, dict) and data.get("next"):
            return any(u.external_id == user_id for u in self._follow_pages(data["next"]))
        return False

    def _exchange(
        self,
        ep: Endpoint,
        *,
        url: str,
        headers: Mapping[str, str],
        scope: str,
        deadline: float,
        params: Mapping[str, str] | None = None,
        body: Any = _NO_BODY,
        retries: int | None = None,
        secrets: tuple[str, ...] = (),
    ) -> _Result:
        """Send with retries; return the first non-retryable response.

        Raises ``RateLimitedError`` / ``UnavailableError`` when retries or the deadline run out.
        """
        if ep.method == "GET" and body is not _NO_BODY:
            # Recall's WAF answers a GET carrying any body (even null) with a 403.
            raise ValueError("GET requests never carry a body")
        max_retries = self._max_retries if retries is None else retries
        uncertain = False
        attempt = 0
        server_error_retries = 0
        last_cause: str | None = None
        last_status: int | None = None
        retry_after: float | None = None
        while True:
            remaining = deadline - self._clock()
            if remaining <= 0:
                break
            lease = self._limiter.acquire(ep.limit, scope, timeout=remaining)
            started = self._clock()
            # The limiter may have waited, so the time left is measured again.
            remaining = deadline - started
            response: httpx.Response | None = None
            failure: str | None = None
            maybe_applied = False
            try:
                response = self._http.request(
                    ep.method,
                    url,
                    params=params,
                    json=None if body is _NO_BODY else body,
                    headers=headers,
                    timeout=min(self._timeout, max(remaining, 0.001)),
                )
            except httpx.TransportError as exc:
                # Keep the class name only: the exception holds the request and its headers.
                failure = type(exc).__name__
                # A request that never reached the server cannot have been applied.
                maybe_applied = not isinstance(
                    exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout
                )
            finally:
                lease.finish()
            duration_ms = (self._clock() - started) * 1000
            status = response.status_code if response is not None else None
            self._record(ep, status, failure, duration_ms, attempt)
            wait = self._backoff(attempt)
            if response is None:
                last_cause, last_status = failure, None
                uncertain = uncertain or (ep.is_write and maybe_applied)
            elif status == 429:
                last_cause, last_status = "HTTP 429", 429
                retry_after = _retry_after(response)
                if retry_after is not None:
                    self._limiter.pause(ep.limit, scope, retry_after)
                    wait = retry_after
                    if self._clock() + retry_after > deadline:
                        break
            elif status in (502, 503, 504) or (
                status == 500 and (not ep.is_write or server_error_retries < 1)
            ):
                if status == 500:
                    server_error_retries += 1
                last_cause, last_status = f"HTTP {status}", status
                uncertain = uncertain or ep.is_write
                hinted = _retry_after(response) if status == 503 else None
                wait = max(wait, hinted or 0.0)
            else:
                return _Result(response, uncertain=uncertain, secrets=secrets)
            if attempt >= max_retries or self._clock() + wait >= deadline:
                break
            attempt += 1
            with self._lock:
                self._bump(ep.name, retries=1)
            self._sleep(wait)
        with self._lock:
            self._bump(ep.name, failures=1)
        if last_status == 429:
            raise RateLimitedError(retry_after=retry_after, endpoint=ep.name)
        message = None
        if uncertain:
            message = (
                f"Recall did not confirm the change (last error: {last_cause or 'timeout'}); it "
                "may or may not have been applied. Reload to check before trying again."
            )
        raise UnavailableError(
            message,
            cause=last_cause or "deadline exceeded",
            status_code=last_status,
            endpoint=ep.name,
        )

    def _backoff(self, attempt: int) -> float:
        cap = min(self._backoff_max, self._backoff_base * (2**attempt))
        with self._lock:
            return self._rng.uniform(0, cap)

    def _record(
        self,
        ep: Endpoint,
        status: int | None,
        failure: str | None,
        duration_ms: float,
        attempt: int,
    ) -> None:
        outcome = str(status) if status is not None else (failure or "error")
        with self._lock:
            self._bump(
                ep.name,
                requests=1,
                rate_limited=1 if status == 429 else 0,
                last_status=outcome,
                last_duration_ms=duration_ms,
            )
        logger.debug(
            "recall %s %s -> %s in %.0f ms (attempt %d)",
            ep.method,
            ep.name,
            outcome,
            duration_ms,
            attempt + 1,
        )

    def _bump(self, name: str, **changes: Any) -> None:
        # Caller holds self._lock.
        current = self._stats.get(name, EndpointStats())
        values = {
            "requests": current.requests + changes.get("requests", 0),
            "retries": current.retries + changes.get("retries", 0),
            "rate_limited": current.rate_limited + changes.get("rate_limited", 0),
            "failures": current.failures + changes.get("failures", 0),
            "last_status": changes.get("last_status", current.last_status),
            "last_duration_ms": changes.get("last_duration_ms", current.last_duration_ms),
        }
        self._stats[name] = EndpointStats(**values)

    def _expect_success(self, result: _Result, ep: Endpoint) -> httpx.Response:
        response = result.response
        if response is None:
            raise NotFoundError(endpoint=ep.name)
        if 200 <= response.status_code < 300:
            return response
        with self._lock:
            self._bump(ep.name, failures=1)
        raise self._error_for(ep, response, uncertain=result.uncertain, secrets=result.secrets)

    def _error_for(
        self,
        ep: Endpoint,
        response: httpx.Response,
        *,
        uncertain: bool,
        secrets: tuple[str, ...] = (),
    ) -> RecallError:
        status = response.status_code
        if status == 400 or (status == 422 and ep.auth == "api_key"):
            fields = flatten_field_errors(_json_or_none(response))
            secrets = (*secrets, self._api_key.get_secret_value())
            clean = {
                _scrub(path, secrets): [_scrub(m, secrets) for m in msgs]
                for path, msgs in fields.items()
            }
            return ValidationError(field_errors=clean, status_code=status, endpoint=ep.name)
        if status == 401:
            if ep.auth == "api_key":
                return BadApiKeyError(status_code=401, endpoint=ep.name)
            return CalendarTokenError(status_code=401, endpoint=ep.name)
        if status == 403:
            return ForbiddenError(status_code=403, endpoint=ep.name)
        if status == 404:
            return NotFoundError(status_code=404, endpoint=ep.name)
        if status == 422:
            return CalendarDisconnectedError(status_code=422, endpoint=ep.name)
        if status == 402:
            return RecallError(
                "Recall refused the request because the workspace is out of credit (HTTP 402). "
                "Ask an admin to check the Recall billing page.",
                status_code=402,
                endpoint=ep.name,
            )
        if status >= 500:
            message = None
            if uncertain or ep.is_write:
                message = (
                    f"Recall failed while applying the change (HTTP {status}); it may or may not "
                    "have been applied. Reload to check before trying again."
                )
            return UnavailableError(
                message, cause=f"HTTP {status}", status_code=status, endpoint=ep.name
            )
        return UnexpectedResponseError(
            f"Recall answered HTTP {status} to {ep.name}, which the console does not expect. "
            "Try again; if it persists, report it to the console's maintainers.",
            status_code=status,
            endpoint=ep.name,
        )

    def _parse_one(self, response: httpx.Response, model: type[M], ep: Endpoint) -> M:
        data = _json_body(response, ep)
        problem = None
        try:
            return model.model_validate(data)
        except PydanticValidationError as exc:
            problem = _describe_schema_errors(exc)
        raise UnexpectedResponseError(
            f"Recall's answer to {ep.name} did not match the documented shape ({problem}). "
            "Report it to the console's maintainers.",
            endpoint=ep.name,
        )

    def _parse_rows(self, data: Any, ep: Endpoint) -> RowList[CalendarMeeting]:
        """Meetings, with any that do not fit set aside (``.unreadable``) instead of failing
        the whole list: one odd row must not hide an account."""
        if not isinstance(data, list):
            raise UnexpectedResponseError(
                f"Recall's answer to {ep.name} was not a list. Report it to the console's "
                "maintainers.",
                endpoint=ep.name,
            )
        rows = read_rows(data, CalendarMeeting, "meeting")
        if rows.unreadable:
            logger.warning(
                "recall %s: %d of %d meetings could not be read",
                ep.name,
                len(rows.unreadable),
                len(data),
            )
        return rows

    def _parse_list(self, data: Any, model: type[M], ep: Endpoint) -> list[M]:
        if not isinstance(data, list):
            raise UnexpectedResponseError(
                f"Recall's answer to {ep.name} was not a list. Report it to the console's "
                "maintainers.",
                endpoint=ep.name,
            )
        problem = None
        try:
            return [model.model_validate(item) for item in data]
        except PydanticValidationError as exc:
            problem = _describe_schema_errors(exc)
        raise UnexpectedResponseError(
            f"Recall's answer to {ep.name} did not match the documented shape ({problem}). "
            "Report it to the console's maintainers.",
            endpoint=ep.name,
        )


# -- helpers -----------------------------------------------------------------------------------


def _foreign_next_link() -> UnexpectedResponseError:
    # Following a link elsewhere would send the API key to another host.
    return UnexpectedResponseError(
        "Recall's next-page link points outside the configured base URL, so the "
        "console stopped listing users. Report it to the console's maintainers.",
        endpoint=USERS_LIST_EP.name,
    )


def _check_user_id(user_id: str) -> None:
    if not isinstance(user_id, str) or not user_id or user_id != user_id.strip():
        # A user_id that differs by whitespace would be a different calendar user.
        raise ValidationError(
            field_errors={"user_id": ["Must be a non-empty id without surrounding spaces."]},
            status_code=None,
        )


def _check_meeting_id(meeting_id: str) -> str:
    if not isinstance(meeting_id, str) or not _MEETING_ID.match(meeting_id):
        # The id becomes a path segment; anything else could address another endpoint.
        raise ValidationError(
            field_errors={"meeting_id": ["Not a valid meeting id."]}, status_code=None
        )
    return quote(meeting_id, safe="")


def _preferences_body(preferences: Mapping[str, Any], bot_name: str | None) -> dict[str, Any]:
    allowed = (*PREFERENCE_FLAGS, "bot_name")
    errors: dict[str, list[str]] = {}
    body: dict[str, Any] = {}
    for key, value in preferences.items():
        if key not in allowed:
            errors[f"preferences.{key}"] = ["Not a recording preference."]
        elif key == "bot_name":
            body[key] = value
        elif not isinstance(value, bool):
            errors[f"preferences.{key}"] = ["Must be true or false."]
        else:
            body[key] = value
    if bot_name is not None:
        if "bot_name" in body and body["bot_name"] != bot_name:
            errors["preferences.bot_name"] = ["Given twice with different values."]
        body["bot_name"] = bot_name
    if "bot_name" in body and (
        not isinstance(body["bot_name"], str) or not body["bot_name"].strip()
    ):
        errors["preferences.bot_name"] = ["Must be a non-empty name."]
    if not body and not errors:
        errors["preferences"] = ["Nothing to change."]
    if errors:
        raise ValidationError(field_errors=errors, status_code=None, endpoint=USER_UPDATE_EP.name)
    return body


def _token_forbidden_message(uncertain: bool) -> str:
    applied = (
        "it may or may not have been applied, so reload to check before trying again"
        if uncertain
        else "nothing was changed"
    )
    return (
        "Recall refused the request for this user twice with HTTP 403, the second time with a "
        "newly issued calendar token. Recall's web firewall may be the cause (it answers 403 to "
        f"requests it blocks); {applied}. Try again in a few minutes; if it persists, report it "
        "to the console's maintainers."
    )


def _iso(value: datetime, name: str) -> str:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValidationError(
            field_errors={name: ["Must be a timezone-aware datetime."]}, status_code=None
        )
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _json_body(response: httpx.Response, ep: Endpoint) -> Any:
    data = _json_or_none(response)
    if data is None:
        raise UnexpectedResponseError(
            f"Recall's answer to {ep.name} was not JSON. Try again; if it persists, report it "
            "to the console's maintainers.",
            status_code=response.status_code,
            endpoint=ep.name,
        )
    return data


def _describe_schema_errors(exc: PydanticValidationError) -> str:
    # Locations and reasons only: pydantic's own text repeats the offending input values.
    parts = [
        f"{'.'.join(str(p) for p in err.get('loc', ())) or 'body'}: {err.get('msg', 'invalid')}"
        for err in exc.errors()[:3]
    ]
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text
