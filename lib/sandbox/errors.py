"""Error responses in the shape Django REST Framework gives them (Recall's API is DRF)."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

NOT_FOUND = "Not found."
NO_CREDENTIALS = "Authentication credentials were not provided."
INVALID_TOKEN = "Invalid token."  # noqa: S105 (a message, not a secret)
REQUIRED = "This field is required."
NOT_NULL = "This field may not be null."
NOT_BLANK = "This field may not be blank."
NOT_A_STRING = "Not a valid string."
NOT_A_BOOLEAN = "Must be a valid boolean."


class ApiError(Exception):
    """Raised by handlers to answer with an error; carries no request data in its message."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.headers = headers or {}

    def response(self) -> Response:
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


def detail(status: int, message: str, headers: dict[str, str] | None = None) -> ApiError:
    return ApiError(status, {"detail": message}, headers)


def invalid(errors: dict[str, Any]) -> ApiError:
    """A 400 with per-field messages, e.g. ``{"user_id": ["This field is required."]}``."""
    return ApiError(400, errors)


def unauthorized(message: str) -> ApiError:
    # DRF's token authentication names its scheme on a 401.
    return detail(401, message, {"WWW-Authenticate": "Token"})


def token_refused(message: str, status: int) -> ApiError:
    """A refused calendar auth token: 401 as for the API key, or 403, which is what DRF answers
    when an authentication class without a ``WWW-Authenticate`` scheme (a custom header) fails."""
    if status == 403:
        return detail(403, message)
    return unauthorized(message)


def throttled(wait_s: int) -> ApiError:
    unit = "second" if wait_s == 1 else "seconds"
    return detail(
        429,
        f"Request was throttled. Expected available in {wait_s} {unit}.",
        {"Retry-After": str(wait_s)},
    )


def method_not_allowed(method: str, allowed: list[str]) -> ApiError:
    return detail(405, f'Method "{method}" not allowed.', {"Allow": ", ".join(allowed)})
