"""The sign-in gate: company SSO (Streamlit's OIDC) or local accounts (streamlit-authenticator).

Returns the signed-in ``StaffMember`` or stops the run after drawing the sign-in screen. Roles come
from our own configuration, never from anything the browser can set.

Every sign-in is a server-side session (``lib.staff.sessions``) in the console's database, checked
on every run: its age counts from the real sign-in (a password, or a new SSO identity), signing out
revokes it for every tab and replica, and an admin can revoke it. Local accounts keep the session
in a cookie of our own (a random secret signed with ``[staff] cookie_key``);
streamlit-authenticator only checks the password, its own cookie (a token that cannot be revoked)
is switched off. Any cookie that does not verify is simply "signed out".
"""

from __future__ import annotations

import re
import secrets as pysecrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import streamlit as st

from lib.audit import audit_key_problems
from lib.settings import Settings
from lib.staff.accounts import (
    DEMO_ACCOUNTS,
    LocalAccount,
    authenticator_credentials,
    load_accounts,
    username_for,
)
from lib.staff.config import (
    StaffConfig,
    demo_accounts_enabled,
    load_staff_config,
    sso_configured,
    startup_problems,
)
from lib.staff.identity import StaffMember, check_sso_claims, role_for
from lib.staff.sessions import (
    SessionCheck,
    SessionState,
    SessionStore,
    new_secret,
    read_cookie,
    session_id_for,
    sign_cookie,
    sso_secret,
)
from lib.ui.sessions.cookie import drop_cookie, write_cookie
from lib.ui.sessions.tab import (
    SIGNED_OUT,
    browser_client,
    end_in_this_tab,
    ended_words,
    forget_sign_in,
    max_age,
    session_store,
    show_ended_notice,
    signed_in,
    still_signed_in,
)
from lib.ui.state import (
    SK_DROP_COOKIE,
    SK_REQUESTED_PAGE,
    SK_SESSION,
    SK_SESSION_COOKIE,
    SK_SESSION_ENDED,
    SK_STAFF,
)

SignInHook = Callable[[StaffMember, str], None]
SignOutHook = Callable[[StaffMember], None]

# The address of the sign-in screen when no page was asked for.
SIGN_IN_PATH = "sign-in"
_URL_PATH = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


@st.cache_resource
def _process_cookie_key() -> str:
    """Sandbox mode without a configured key: a random one per process, never a default."""
    return pysecrets.token_urlsafe(48)


def _credentials_file(config: StaffConfig, settings: Settings) -> Path:
    return config.credentials_file or settings.data_dir / "staff.yaml"


def _refuse_to_start(problems: list[str]) -> None:
    st.title("Calendar Console cannot start")
    for problem in problems:
        st.error(problem, icon=":material/block:")
    st.caption("Fix the configuration in .streamlit/secrets.toml or the environment, then reload.")
    st.stop()


def _sign_in_header() -> None:
    st.markdown("## :material/calendar_month: Calendar Console")
    st.caption(
        "Staff console for the Recall Calendar V1 integration: find a user, see what their "
        "bot will do and why, and change it safely."
    )


def _sign_in_page() -> None:
    """Stands in for every page while signed out; the gate draws the sign-in screen itself."""


def _sign_in_navigation(url_paths: Iterable[str]) -> None:
    """Register the sign-in screen under every page's address with the menu hidden.

    No page of the last role is left in the sidebar, and a deep link keeps its address and query
    until the real page takes over after sign-in (the same address is the same page).
    """
    requested = st.session_state.get(SK_REQUESTED_PAGE)
    wanted = [*url_paths, requested[0] if requested else ""]
    paths = [p for p in dict.fromkeys(wanted) if p != SIGN_IN_PATH and _URL_PATH.match(p)]
    pages = [st.Page(_sign_in_page, title="Sign in", url_path=SIGN_IN_PATH, default=True)]
    pages += [st.Page(_sign_in_page, title="Sign in", url_path=path) for path in paths]
    st.navigation(pages, position="hidden")


def _sso_provider(secrets: Mapping[str, Any]) -> str | None:
    auth = secrets.get("auth") or {}
    if "client_id" in auth:
        return None
    named = [k for k, v in auth.items() if isinstance(v, Mapping)]
    return named[0] if named else None


# -- company SSO ------------------------------------------------------------------------------


def _sso_gate(
    config: StaffConfig,
    secrets: Mapping[str, Any],
    store: SessionStore,
    on_sign_in: SignInHook,
    url_paths: Iterable[str],
) -> StaffMember:
    provider = _sso_provider(secrets)

    def sign_in_screen(problem: str | None = None, *, again: bool = False) -> None:
        forget_sign_in()
        _sign_in_navigation(url_paths)
        _, middle, _ = st.columns([1, 2, 1])
        with middle:
            _sign_in_header()
            show_ended_notice()
            if problem:
                st.error(problem)
            if again:
                st.button("Sign in again", on_click=st.logout, icon=":material/logout:")
            elif st.button("Sign in with company SSO", type="primary", icon=":material/login:"):
                st.login(provider) if provider else st.login()
        st.stop()

    if not st.user.is_logged_in:
        sign_in_screen()
    claims = st.user.to_dict()
    check = check_sso_claims(
        claims, allowed_domains=config.allowed_domains, max_session_hours=config.max_session_hours
    )
    email = str(claims.get("email") or "")
    role = None
    if check.ok:
        groups = claims.get(config.groups_claim) or []
        role = role_for(
            email,
            email_roles=config.email_roles,
            domain_roles=config.domain_roles,
            group_roles=config.group_roles,
            groups=[str(g) for g in groups] if isinstance(groups, list) else [],
        )
    if not check.ok or role is None:
        sign_in_screen(
            check.problem
            or f"You are signed in as {email}, but no console role is configured for you. "
            "Ask an admin to add you to the [staff] roles.",
            again=True,
        )
    secret = sso_secret(claims)
    session_id = session_id_for(secret)
    existing = still_signed_in(store, config)
    if (
        existing is not None
        and st.session_state.get(SK_SESSION) == session_id
        and (existing.email, existing.role) == (email, role)
    ):
        return existing
    issued = claims.get("iat")
    signed_in_at = (
        datetime.fromtimestamp(float(issued), UTC)
        if isinstance(issued, int | float)
        else datetime.now(UTC)
    )
    name = str(claims.get("name") or email)
    assert role is not None
    session = store.start(
        secret,
        email=email,
        name=name,
        role=role,
        method="sso",
        signed_in_at=signed_in_at,
        client=browser_client(),
    )
    session_check = store.check(session.id, max_age=max_age(config))
    if not session_check.ok:
        # The identity cookie of a sign-in that was ended: a copy, or a tab left open.
        st.session_state[SK_SESSION_ENDED] = ended_words(session_check)
        sign_in_screen()
    staff = signed_in(
        StaffMember(
            email=email, name=name, role=role, auth_method="sso", signed_in_at=signed_in_at
        ),
        session.id,
    )
    on_sign_in(staff, "sso")
    return staff


# -- local accounts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthSetup:
    config: StaffConfig
    sso: bool
    demo: bool
    accounts: tuple[LocalAccount, ...]
    cookie_key: str
    problems: tuple[str, ...]


def auth_setup(settings: Settings, secrets: Mapping[str, Any]) -> AuthSetup:
    config = load_staff_config(secrets)
    sso = sso_configured(secrets)
    demo = demo_accounts_enabled(config, mode=settings.mode, sso=sso)
    accounts = [] if sso else load_accounts(_credentials_file(config, settings))
    problems = startup_problems(
        config, mode=settings.mode, sso=sso, has_local_accounts=bool(accounts)
    )
    if demo and not sso:
        accounts = [*accounts, *DEMO_ACCOUNTS]
    key = config.cookie_key.get_secret_value() if config.cookie_key else _process_cookie_key()
    return AuthSetup(config, sso, demo, tuple(accounts), key, tuple(problems))


class _NoLibraryCookie:
    """Stands in for streamlit-authenticator's cookie controller: the console keeps its own,
    revocable session cookie, and the library's (a JWT it decodes from whatever the browser
    sends) is neither read nor written."""

    def get_cookie(self) -> None:
        return None

    def set_cookie(self) -> None:
        return None

    def delete_cookie(self) -> None:
        return None


def _authenticator(setup: AuthSetup) -> Any:
    import streamlit_authenticator as stauth  # heavy import, only for local accounts

    authenticator = stauth.Authenticate(
        authenticator_credentials(list(setup.accounts)),
        cookie_name=f"{setup.config.cookie_name}_unused",
        cookie_key=setup.cookie_key,
        cookie_expiry_days=0,
        auto_hash=False,
        # The library waits before every form for its own cookie, which is not used here.
        login_sleep_time=0,
    )
    authenticator.cookie_controller = _NoLibraryCookie()
    return authenticator


def _account_named(setup: AuthSetup, username: str) -> LocalAccount | None:
    return next((a for a in setup.accounts if a.username == username), None)


def _account_with_email(setup: AuthSetup, email: str) -> LocalAccount | None:
    wanted = username_for(email)
    return next((a for a in setup.accounts if username_for(a.email) == wanted), None)


def _method(setup: AuthSetup, account: LocalAccount) -> str:
    return "demo" if setup.demo and account in DEMO_ACCOUNTS else "local"


def _cookie_sign_in(setup: AuthSetup, store: SessionStore) -> StaffMember | None:
    """A new tab or a reload: the session named by this browser's sign-in cookie, if valid."""
    value = st.context.cookies.get(setup.config.cookie_name) if st.context.cookies else None
    if value is None:
        return None
    secret = read_cookie(value, setup.cookie_key)
    check = (
        store.check(session_id_for(secret), max_age=max_age(setup.config))
        if secret
        else SessionCheck(SessionState.UNKNOWN)
    )
    session = check.session
    account = _account_with_email(setup, session.email) if session is not None else None
    if not check.ok or session is None or account is None:
        # An unreadable or unknown cookie is just "signed out"; an ended session says why.
        if check.state in (SessionState.EXPIRED, SessionState.REVOKED):
            st.session_state.setdefault(SK_SESSION_ENDED, ended_words(check))
        st.session_state[SK_DROP_COOKIE] = True
        return None
    # This is the session's first run, so Streamlit resolves the address itself (and says so
    # when this role has no such page); nothing is left for the deep-link memory to restore.
    st.session_state.pop(SK_REQUESTED_PAGE, None)
    # The role is today's, from the accounts file; the sign-in time is the session's own.
    return signed_in(
        StaffMember(
            email=account.email,
            name=account.name,
            role=account.role,
            auth_method="demo" if _method(setup, account) == "demo" else "local",
            signed_in_at=session.signed_in_at,
        ),
        session.id,
    )


def _write_pending_cookie(setup: AuthSetup, staff: StaffMember) -> None:
    value = st.session_state.get(SK_SESSION_COOKIE)
    if not isinstance(value, str):
        return
    remaining = staff.signed_in_at + max_age(setup.config) - datetime.now(UTC)
    write_cookie(setup.config.cookie_name, value, max_age_s=int(remaining.total_seconds()))


def _local_gate(
    setup: AuthSetup, store: SessionStore, on_sign_in: SignInHook, url_paths: Iterable[str]
) -> StaffMember:
    staff = still_signed_in(store, setup.config)
    if staff is None and not st.session_state.get(SK_DROP_COOKIE):
        staff = _cookie_sign_in(setup, store)
        if staff is not None:
            on_sign_in(staff, "cookie")
    if staff is not None:
        _write_pending_cookie(setup, staff)
        return staff

    _sign_in_navigation(url_paths)
    if st.session_state.get(SK_DROP_COOKIE):
        drop_cookie(setup.config.cookie_name)
    authenticator = _authenticator(setup)
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        _sign_in_header()
        show_ended_notice()
        authenticator.login(
            location="main",
            fields={
                "Form name": "Sign in",
                "Username": "Username or email",
                "Password": "Password",
                "Login": "Sign in",
            },
        )
        status = st.session_state.get("authentication_status")
        if status is False:
            st.error("That email and password do not match a staff account.")
        if setup.demo:
            st.info(
                "Sandbox mode: sign in with a demo account — `viewer`, `editor` or `admin` "
                "(passwords in the README).",
                icon=":material/science:",
            )
    if status is not True:
        st.stop()
    account = _account_named(setup, str(st.session_state.get("username") or ""))
    if account is None:
        forget_sign_in()
        st.stop()
    assert account is not None
    secret = new_secret()
    method = _method(setup, account)
    session = store.start(
        secret,
        email=account.email,
        name=account.name,
        role=account.role,
        method=method,
        client=browser_client(),
    )
    staff = signed_in(
        StaffMember(
            email=account.email,
            name=account.name,
            role=account.role,
            auth_method="demo" if method == "demo" else "local",
            signed_in_at=session.signed_in_at,
        ),
        session.id,
    )
    st.session_state[SK_SESSION_COOKIE] = sign_cookie(secret, setup.cookie_key)
    on_sign_in(staff, method)
    # The next run draws the page itself (the same address is the same page) and the cookie.
    st.rerun()
    return staff  # unreachable: st.rerun() raises


# -- the gate and sign-out --------------------------------------------------------------------


def sign_out(settings: Settings, secrets: Mapping[str, Any], on_sign_out: SignOutHook) -> None:
    """End the staff member's session everywhere: revoke it, audit, forget it in this tab."""
    staff = st.session_state.get(SK_STAFF)
    session_id = st.session_state.get(SK_SESSION)
    if isinstance(staff, StaffMember) and isinstance(session_id, str):
        session_store(settings).revoke(session_id, by=staff.email, reason="signed out")
    if isinstance(staff, StaffMember):
        on_sign_out(staff)
    end_in_this_tab(SIGNED_OUT)
    st.session_state[SK_SESSION_ENDED] = SIGNED_OUT
    if auth_setup(settings, secrets).sso:
        st.logout()
        return
    st.rerun()


def require_staff(
    settings: Settings,
    secrets: Mapping[str, Any],
    *,
    on_sign_in: SignInHook,
    url_paths: Iterable[str] = (),
) -> StaffMember:
    """The signed-in staff member; draws the sign-in screen and stops the run otherwise.

    ``url_paths`` are the addresses of the console's pages, so that the sign-in screen can stand
    in for any of them without a "page not found".
    """
    setup = auth_setup(settings, secrets)
    key = settings.audit_key.get_secret_value() if settings.audit_key else None
    problems = [*setup.problems, *audit_key_problems(key, mode=settings.mode)]
    if problems:
        _refuse_to_start(problems)
    store = session_store(settings)
    paths = list(url_paths)
    if setup.sso:
        return _sso_gate(setup.config, secrets, store, on_sign_in, paths)
    return _local_gate(setup, store, on_sign_in, paths)
