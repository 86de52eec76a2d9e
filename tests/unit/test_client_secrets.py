"""No API key or calendar token in any error's text, repr, exception chain or log output.

Every error class is forced with a distinctive key and token, including a server that echoes
them back in its error body and a transport error whose text contains the token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from lib.recall import (
    BadApiKeyError,
    CalendarDisconnectedError,
    CalendarTokenError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    RateLimiter,
    RecallClient,
    RecallError,
    UnavailableError,
    UnexpectedResponseError,
    ValidationError,
)

API_KEY = "KEY-zq81-distinctive-workspace-key"
TOKEN = "TOK-x7v2-distinctive-calendar-token"
SECRETS = (API_KEY, TOKEN)
ECHO = f"got Token {API_KEY} and {TOKEN}"


def respond(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    def make(request: httpx.Request) -> httpx.Response:
        if isinstance(body, str):
            return httpx.Response(status, text=body, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    return make


def build(route: tuple[str, str], action: Any) -> RecallClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if (request.method, request.url.path) == route:
            if isinstance(action, Exception):
                raise action
            return action(request)
        if request.url.path.endswith("/authenticate/"):
            return httpx.Response(200, json={"token": TOKEN})
        if request.url.path.endswith("/users/"):
            return httpx.Response(200, json=[{"id": "x", "external_id": "u1"}])
        return httpx.Response(200, json={"id": "x", "external_id": "u1"})

    return RecallClient(
        "https://us-east-1.recall.ai",
        API_KEY,
        transport=httpx.MockTransport(handler),
        limiter=RateLimiter.disabled(),
        max_retries=1,
        backoff_base=0.0,
        deadline=5.0,
    )


AUTH = ("POST", "/api/v1/calendar/authenticate/")
USERS = ("GET", "/api/v1/calendar/users/")
USER = ("GET", "/api/v1/calendar/user/")
USER_PUT = ("PUT", "/api/v1/calendar/user/")
REFRESH = ("POST", "/api/v1/calendar/meetings/refresh/")

CASES: list[tuple[type[RecallError], tuple[str, str], Any, Callable[[RecallClient], Any]]] = [
    (BadApiKeyError, USERS, respond(401, {"detail": ECHO}), lambda c: c.list_users()),
    (BadApiKeyError, AUTH, respond(401, {"detail": ECHO}), lambda c: c.authenticate("u1")),
    (CalendarTokenError, USER, respond(401, {"detail": ECHO}), lambda c: c.get_user("u1")),
    (NotFoundError, USER, respond(404, {"detail": ECHO}), lambda c: c.get_user("u1")),
    (ForbiddenError, USER, respond(403, f"<html>{ECHO}</html>"), lambda c: c.get_user("u1")),
    (
        RateLimitedError,
        USER,
        respond(429, {"detail": ECHO}, {"Retry-After": "600"}),
        lambda c: c.get_user("u1"),
    ),
    (UnavailableError, USER, respond(503, {"detail": ECHO}), lambda c: c.get_user("u1")),
    (UnavailableError, USER, httpx.ReadTimeout(ECHO), lambda c: c.get_user("u1")),
    (
        UnavailableError,
        USER_PUT,
        httpx.RemoteProtocolError(ECHO),
        lambda c: c.update_preferences("u1", {"record_internal": False}),
    ),
    (
        ValidationError,
        USER_PUT,
        respond(400, {"preferences": {"bot_name": [ECHO]}, ECHO: [ECHO]}),
        lambda c: c.update_preferences("u1", {"record_external": True}),
    ),
    (
        CalendarDisconnectedError,
        REFRESH,
        respond(422, {"detail": ECHO}),
        lambda c: c.refresh_meetings("u1"),
    ),
    (UnexpectedResponseError, USER, respond(200, {"detail": ECHO}), lambda c: c.get_user("u1")),
    (UnexpectedResponseError, USER, respond(200, ECHO), lambda c: c.get_user("u1")),
    (UnexpectedResponseError, USERS, respond(409, {"detail": ECHO}), lambda c: c.list_users()),
]


def chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        for linked in (exc.__cause__, exc.__context__):
            if linked is not None:
                yield from chain(linked)
        exc = None


@pytest.mark.parametrize(
    ("error", "route", "action", "call"),
    CASES,
    ids=[f"{case[0].__name__}-{index}" for index, case in enumerate(CASES)],
)
def test_errors_and_logs_never_contain_secrets(
    error: type[RecallError],
    route: tuple[str, str],
    action: Any,
    call: Callable[[RecallClient], Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = build(route, action)
    with caplog.at_level(logging.DEBUG), pytest.raises(RecallError) as caught:
        call(client)
    assert type(caught.value) is error
    texts = [caplog.text, *(r.getMessage() for r in caplog.records)]
    for exc in chain(caught.value):
        texts += [str(exc), repr(exc), repr(vars(exc)), repr(exc.args)]
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None
    for text in texts:
        for secret in SECRETS:
            assert secret not in text
    assert caplog.records, "the request should have been logged at DEBUG"


def test_validation_messages_keep_their_words_but_lose_the_secrets() -> None:
    client = build(USER_PUT, respond(400, {"preferences": {"bot_name": [ECHO]}}))
    with pytest.raises(ValidationError) as caught:
        client.update_preferences("u1", {"record_external": True})
    assert caught.value.field_errors == {
        "preferences.bot_name": ["got Token [redacted] and [redacted]"]
    }
