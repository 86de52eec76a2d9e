"""Calendar connection links (the V1 OAuth flow).

The end user opens the link, consents at Google or Microsoft, and is sent to Recall's callback
(``{base}/api/v1/calendar/google_oauth_callback/`` or ``ms_oauth_callback/``, or the company's own
page that forwards there with the query unchanged). Recall reads the ``state`` JSON, attaches the
account to the calendar user named by ``recall_calendar_auth_token`` and redirects to
``success_url`` or ``error_url``.

The link embeds the user's calendar auth token, so it must reach that end user and nobody else:
``build_connection_url`` returns a ``ConnectionLink`` whose ``str``/``repr`` hide the URL;
``reveal()`` gives it for the one place that hands it over. Mint the token just before building
the link: it expires 24 hours after minting, and an expired one fails the flow with "Invalid
'recall_calendar_auth_token' supplied".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Literal
from urllib.parse import quote, urlencode, urlsplit

from lib.recall.regions import LOOPBACK_HOSTS, normalize_base_url

Platform = Literal["google", "microsoft"]

GOOGLE_AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
MICROSOFT_AUTHORIZE_URL = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize"
GOOGLE_SCOPES: tuple[str, ...] = (
    "https://www.googleapis.com/auth/calendar.events.readonly",
    "https://www.googleapis.com/auth/userinfo.email",
)
MICROSOFT_SCOPES: tuple[str, ...] = (
    "offline_access",
    "openid",
    "email",
    "https://graph.microsoft.com/Calendars.Read",
)

_CALLBACK_PATH = {
    "google": "/api/v1/calendar/google_oauth_callback/",
    "microsoft": "/api/v1/calendar/ms_oauth_callback/",
}
_STATE_REDIRECT_KEY = {"google": "google_oauth_redirect_url", "microsoft": "ms_oauth_redirect_url"}


class ConnectionLink:
    """A connection URL that carries a calendar auth token.

    ``str()`` and ``repr()`` show only the platform and host, so the link cannot leak through a
    log line or an f-string; call ``reveal()`` where it is handed to the end user.
    """

    __slots__ = ("_url", "platform")

    def __init__(self, url: str, platform: Platform) -> None:
        self._url = url
        self.platform = platform

    def reveal(self) -> str:
        """The full URL, token included."""
        return self._url

    def __str__(self) -> str:
        host = urlsplit(self._url).netloc
        return f"<{self.platform} connection link to {host} (hidden: it holds a token)>"

    def __repr__(self) -> str:
        return f"ConnectionLink(platform={self.platform!r}, url='***')"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConnectionLink) and other._url == self._url

    def __hash__(self) -> int:
        return hash(self._url)


def recall_callback_url(platform: Platform, recall_base_url: str) -> str:
    """Recall's OAuth callback for ``platform`` at ``recall_base_url`` (region or sandbox)."""
    _check_platform(platform)
    return normalize_base_url(recall_base_url) + _CALLBACK_PATH[platform]


def build_connection_url(
    platform: Platform,
    *,
    token: str,
    client_id: str,
    recall_base_url: str,
    success_url: str | None = None,
    error_url: str | None = None,
    redirect_uri: str | None = None,
    sandbox: bool = False,
    scopes: Sequence[str] | None = None,
) -> ConnectionLink:
    """The link an end user opens to connect a Google or Microsoft calendar.

    ``redirect_uri`` is the company's own forwarding page if one is registered with the OAuth
    client; by default Recall's callback for ``recall_base_url``. It is sent both as the OAuth
    ``redirect_uri`` and in the state, which Recall requires to be equal. With ``sandbox=True``
    the authorize page is the sandbox's (``{base}/_sandbox/oauth/{platform}/authorize``) and the
    redirect URI is the sandbox's own callback, so ``redirect_uri`` must not be given.

    The returned link contains ``token`` (see ``ConnectionLink``). Raises ``ValueError`` for a
    missing token or client id, or a malformed URL.
    """
    _check_platform(platform)
    if not token or not token.strip():
        raise ValueError("A calendar auth token is required to build a connection link.")
    if not client_id or not client_id.strip():
        raise ValueError(f"No OAuth client id is configured for {platform}.")
    if sandbox and redirect_uri is not None:
        raise ValueError("The sandbox only accepts its own callback; omit redirect_uri.")
    base = normalize_base_url(recall_base_url)
    redirect = _check_url(redirect_uri, "redirect_uri", https_only=True) if redirect_uri else None
    redirect = redirect or recall_callback_url(platform, base)

    state: dict[str, str] = {
        "recall_calendar_auth_token": token,
        _STATE_REDIRECT_KEY[platform]: redirect,
    }
    if success_url is not None:
        state["success_url"] = _check_url(success_url, "success_url")
    if error_url is not None:
        state["error_url"] = _check_url(error_url, "error_url")
    state_json = json.dumps(state, separators=(",", ":"))

    if platform == "google":
        params = [
            ("scope", " ".join(scopes or GOOGLE_SCOPES)),
            ("access_type", "offline"),
            ("prompt", "consent"),
            ("include_granted_scopes", "true"),
            ("response_type", "code"),
            ("state", state_json),
            ("redirect_uri", redirect),
            ("client_id", client_id),
        ]
        authorize = GOOGLE_AUTHORIZE_URL
    else:
        params = [
            ("scope", " ".join(scopes or MICROSOFT_SCOPES)),
            ("response_mode", "query"),
            ("response_type", "code"),
            ("state", state_json),
            ("redirect_uri", redirect),
            ("client_id", client_id),
        ]
        authorize = MICROSOFT_AUTHORIZE_URL
    if sandbox:
        authorize = f"{base}/_sandbox/oauth/{platform}/authorize"
    # Everything percent-encoded (spaces as %20): unencoded state JSON and scopes broke the
    # original demo's flow.
    query = urlencode(params, quote_via=quote, safe="")
    return ConnectionLink(f"{authorize}?{query}", platform)


def _check_platform(platform: str) -> None:
    if platform not in _CALLBACK_PATH:
        raise ValueError(f"Unknown calendar platform {platform!r}; use 'google' or 'microsoft'.")


def _check_url(url: str, name: str, *, https_only: bool = False) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"{name} must be an absolute http(s) URL.")
    # The OAuth code travels to the redirect URI, so it must be https (as the providers demand).
    if https_only and parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ValueError(f"{name} must use https (plain http only for loopback).")
    return url
