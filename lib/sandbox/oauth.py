"""The OAuth consent stand-in and Recall's OAuth callbacks (reference §5).

In sandbox mode the console's "connect Google / Microsoft" links point at
``/_sandbox/oauth/{google|microsoft}/authorize`` with the query a real provider takes. That page
asks for an address and sends the browser to ``redirect_uri`` with ``code`` and the unchanged
``state``, as the provider would. The callback then does Recall's part: read the state, check the
calendar auth token and the redirect URL, redeem the code, attach the calendar and redirect to
``success_url`` or ``error_url``.

Every page is plain HTML with every interpolated value escaped.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from lib.sandbox.oauth_codes import Grant
from lib.sandbox.state import SandboxState
from lib.sandbox.tokens import TokenError

PROVIDERS: dict[str, dict[str, str]] = {
    "google": {
        "label": "Google",
        "state_key": "google_oauth_redirect_url",
        "callback": "google_oauth_callback",
    },
    "microsoft": {
        "label": "Microsoft",
        "state_key": "ms_oauth_redirect_url",
        "callback": "ms_oauth_callback",
    },
}
GOOGLE_CALENDAR_SCOPES: tuple[str, ...] = tuple(
    f"https://www.googleapis.com/auth/{name}"
    for name in ("calendar.events.readonly", "calendar.readonly", "calendar.events", "calendar")
)
MICROSOFT_CALENDAR_SCOPES: tuple[str, ...] = (
    "https://graph.microsoft.com/Calendars.Read",
    "https://graph.microsoft.com/Calendars.ReadWrite",
    "Calendars.Read",
    "Calendars.ReadWrite",
)
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
_FAILED = "Calendar connection failed!"
# Fields the consent form itself asks for; everything else is carried through as hidden fields.
_FORM_FIELDS = frozenset({"email", "grant_calendar", "decision"})
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}"
    "label,input,button{display:block;margin:.5rem 0}input[type=email]{width:100%;padding:.4rem}"
    "code{word-break:break-all}.error{color:#a00}"
)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )
    return HTMLResponse(document, status_code=status, headers=_SECURITY_HEADERS)


def _message_page(title: str, message: str, status: int) -> HTMLResponse:
    return _page(title, f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>", status)


def _acceptable_redirect(url: str, request: Request) -> bool:
    """Only loopback addresses (or this sandbox's own host) may receive a code: the consent page
    must not become an open redirect to the wider web."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    return parts.hostname in _LOOPBACK_HOSTS or parts.netloc == request.url.netloc


def _with_params(url: str, extra: dict[str, str]) -> str:
    """``url`` with ``extra`` added to its query, keeping the parameters already there."""
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *extra.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


# ---- the provider side: consent page ------------------------------------------------------


def _consent_form(provider: str, params: dict[str, str], error: str | None = None) -> Response:
    label = PROVIDERS[provider]["label"]
    scopes = params.get("scope", "").split()
    hidden = "".join(
        f'<input type=hidden name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in params.items()
        if k not in _FORM_FIELDS
    )
    scope_items = "".join(f"<li><code>{html.escape(s)}</code></li>" for s in scopes)
    calendar_choice = ""
    if provider == "google" and any(s in GOOGLE_CALENDAR_SCOPES for s in scopes):
        # Google lets the user untick calendar access; Recall then fails with invalid_scope.
        calendar_choice = (
            "<label><input type=checkbox name=grant_calendar value=yes checked> "
            "See your calendar events</label>"
        )
    email = params.get("email", "")
    problem = f"<p class=error role=alert>{html.escape(error)}</p>" if error else ""
    body = (
        f"<h1>Sign in with {html.escape(label)} (sandbox)</h1>"
        "<p>This page stands in for the provider's consent screen. No real account is used.</p>"
        f"<p>Application <code>{html.escape(params.get('client_id', ''))}</code> asks for:</p>"
        f"<ul>{scope_items}</ul>{problem}"
        '<form method=post action="">'
        f"{hidden}<label for=email>Calendar account email</label>"
        f'<input id=email type=email name=email required value="{html.escape(email)}">'
        f"{calendar_choice}"
        "<button type=submit name=decision value=allow>Allow</button>"
        "<button type=submit name=decision value=deny formnovalidate>Cancel</button>"
        "</form>"
    )
    return _page(f"Sign in with {label}", body, 400 if error else 200)


def _authorize_problem(params: dict[str, str], request: Request) -> str | None:
    if params.get("response_type") != "code":
        return "unsupported_response_type: response_type must be 'code'."
    if not params.get("client_id"):
        return "invalid_request: client_id is missing."
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri:
        return "invalid_request: redirect_uri is missing."
    if not _acceptable_redirect(redirect_uri, request):
        return "invalid_request: redirect_uri must be a loopback http(s) URL in the sandbox."
    return None


async def authorize_page(request: Request, provider: str) -> Response:
    params = dict(request.query_params)
    problem = _authorize_problem(params, request)
    if problem:
        return _message_page("Sign-in error", problem, 400)
    return _consent_form(provider, params)


async def authorize_submit(request: Request, provider: str, state: SandboxState) -> Response:
    form = await request.form()
    params = {k: v for k, v in form.items() if isinstance(v, str)}
    problem = _authorize_problem(params, request)
    if problem:
        return _message_page("Sign-in error", problem, 400)
    redirect_uri = params["redirect_uri"]
    back: dict[str, str] = {}
    if params.get("decision") == "deny":
        back["error"] = "access_denied"
    else:
        email = params.get("email", "").strip()
        if not _EMAIL.match(email):
            return _consent_form(provider, params, "Enter a valid email address.")
        scopes = tuple(params.get("scope", "").split())
        if provider == "google":
            if params.get("grant_calendar") != "yes":
                scopes = tuple(s for s in scopes if s not in GOOGLE_CALENDAR_SCOPES)
            offline = params.get("access_type") == "offline"
        else:
            offline = "offline_access" in scopes
        grant = Grant(provider, email, scopes, redirect_uri, offline)
        back["code"] = state.oauth_codes.issue(grant)
        if provider == "google":
            back["scope"] = " ".join(scopes)
    if "state" in params:
        back["state"] = params["state"]
    return RedirectResponse(_with_params(redirect_uri, back), status_code=302)


# ---- Recall's side: the callback ----------------------------------------------------------


def _fail(message: str, error_url: str | None) -> Response:
    if error_url:
        return RedirectResponse(_with_params(error_url, {"error": message}), status_code=302)
    return _message_page("Calendar connection failed", message, 400)


def _url_field(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if isinstance(value, str) and urlsplit(value).scheme in ("http", "https"):
        return value
    return None


def _scope_error(provider: str, granted: tuple[str, ...]) -> str | None:
    supported = GOOGLE_CALENDAR_SCOPES if provider == "google" else MICROSOFT_CALENDAR_SCOPES
    if any(scope in supported for scope in granted):
        return None
    return (
        f"invalid_scope(detail: None of the supported calendar scopes({list(supported)!r}) "
        f"present in response({sorted(granted)!r}).)"
    )


async def callback(request: Request, provider: str, state: SandboxState) -> Response:
    query = request.query_params
    try:
        data = json.loads(query.get("state") or "")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return _fail(f"{_FAILED} (Invalid 'state' supplied)", None)
    success_url = _url_field(data, "success_url")
    error_url = _url_field(data, "error_url")

    token = data.get("recall_calendar_auth_token")
    user = None
    if isinstance(token, str) and token:
        try:
            user = state.workspace.get(state.tokens.verify(token).user_id)
        except TokenError:
            user = None
    if user is None:
        return _fail(f"{_FAILED} (Invalid 'recall_calendar_auth_token' supplied)", error_url)

    state_key = PROVIDERS[provider]["state_key"]
    callback_url = str(request.url.replace(query="", fragment=""))
    if data.get(state_key) != callback_url:
        return _fail(f"{_FAILED} (Invalid '{state_key}' supplied)", error_url)

    if query.get("error"):
        reason = query["error"] if query["error"].isidentifier() else "access_denied"
        return _fail(f"{_FAILED} (reason: {reason})", error_url)

    grant = state.oauth_codes.redeem(query.get("code") or "")
    if grant is None or grant.provider != provider or grant.redirect_uri != callback_url:
        return _fail(f"{_FAILED} (reason: invalid_grant)", error_url)
    if not grant.offline:
        return _fail(f"{_FAILED} (reason: refresh_token missing from oAuth response)", error_url)
    scope_problem = _scope_error(provider, grant.scopes)
    if scope_problem:
        return _fail(scope_problem, error_url)

    state.workspace.connect(user, provider, grant.email)
    if success_url:
        return RedirectResponse(success_url, status_code=302)
    label = PROVIDERS[provider]["label"]
    return _message_page(
        "Calendar connected", f"{label} calendar {grant.email} is now connected.", 200
    )
