"""Recall.ai Calendar V1: typed client, models, errors, rate limits, tokens, connection links."""

from lib.recall.client import EndpointStats, RecallClient, UsersPage
from lib.recall.connect import ConnectionLink, build_connection_url, recall_callback_url
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
)
from lib.recall.models import (
    CALENDAR_PLATFORMS,
    PREFERENCE_FLAGS,
    Attendee,
    CalendarMeeting,
    CalendarUser,
    Connection,
    Preferences,
)
from lib.recall.ratelimit import LimitUsage, RateLimiter
from lib.recall.regions import REGIONS, resolve_base_url
from lib.recall.tokens import TokenCache

__all__ = [
    "CALENDAR_PLATFORMS",
    "PREFERENCE_FLAGS",
    "REGIONS",
    "Attendee",
    "BadApiKeyError",
    "CalendarDisconnectedError",
    "CalendarMeeting",
    "CalendarTokenError",
    "CalendarUser",
    "Connection",
    "ConnectionLink",
    "EndpointStats",
    "ForbiddenError",
    "LimitUsage",
    "NotFoundError",
    "Preferences",
    "RateLimitedError",
    "RateLimiter",
    "RecallClient",
    "RecallError",
    "TokenCache",
    "UnavailableError",
    "UnexpectedResponseError",
    "UsersPage",
    "ValidationError",
    "build_connection_url",
    "recall_callback_url",
    "resolve_base_url",
]
