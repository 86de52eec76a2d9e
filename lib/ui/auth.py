"""The sign-in gate: company SSO (Streamlit's OIDC) or local accounts (streamlit-authenticator).

Returns the signed-in ``StaffMember`` or stops the run after drawing the sign-in screen. Roles come
from our own configuration, never from anything the browser can set.
"""

from __future__ import annotations

import secrets as pysecrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
)
from lib.staff.config import (
    StaffConfig,
    demo_accounts_enabled,
    load_staff_config,
    sso_configured,
    startup_problems,
)
from lib.staff.identity import StaffMember, check_sso_claims, role_for
from lib.ui.state import SK_AUTHENTICATOR, SK_STAFF

SignInHook = Callable[[StaffMember, str], None]
SignOutHook = Callable[[StaffMember], None]


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


def _expired(staff: StaffMember, config: StaffConfig) -> bool:
    age = datetime.now(UTC) - staff.signed_in_at
    return age > timedelta(hours=config.max_session_hours)


def _sso_provider(secrets: Mapping[str, Any]) -> str | None:
    auth = secrets.get("auth") or {}
    if "client_id" in auth:
        return None
    named = [k for k, v in auth.items() if isinstance(v, Mapping)]
    return named[0] if named else None


def _sso_gate(
    config: StaffConfig, secrets: Mapping[str, Any], on_sign_in: SignInHook
) -> StaffMember:
    provider = _sso_provider(secrets)
    if not st.user.is_logged_in:
        st.session_state.pop(SK_STAFF, None)
        _, middle, _ = st.columns([1, 2, 1])
        with middle:
            _sign_in_header()
            if st.button("Sign in with company SSO", type="primary", icon=":material/login:"):
                st.login(provider) if provider else st.login()
        st.stop()
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
        st.session_state.pop(SK_STAFF, None)
        _, middle, _ = st.columns([1, 2, 1])
        with middle:
            _sign_in_header()
            st.error(
                check.problem
                or f"You are signed in as {email}, but no console role is configured for you. "
                "Ask an admin to add you to the [staff] roles."
            )
            st.button("Sign in again", on_click=st.logout, icon=":material/logout:")
        st.stop()
    existing = st.session_state.get(SK_STAFF)
    if isinstance(existing, StaffMember) and existing.email == email and existing.role == role:
        return existing
    issued = claims.get("iat")
    signed_in_at = (
        datetime.fromtimestamp(float(issued), UTC)
        if isinstance(issued, int | float)
        else datetime.now(UTC)
    )
    staff = StaffMember(
        email=email,
        name=str(claims.get("name") or email),
        role=role,
        auth_method="sso",
        signed_in_at=signed_in_at,
    )
    st.session_state[SK_STAFF] = staff
    on_sign_in(staff, "sso")
    return staff


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


def _authenticator(setup: AuthSetup) -> Any:
    import streamlit_authenticator as stauth  # heavy import, only for local accounts

    return stauth.Authenticate(
        authenticator_credentials(list(setup.accounts)),
        cookie_name=setup.config.cookie_name,
        cookie_key=setup.cookie_key,
        cookie_expiry_days=setup.config.max_session_hours / 24,
        auto_hash=False,
    )


def _local_gate(setup: AuthSetup, on_sign_in: SignInHook) -> StaffMember:
    authenticator = _authenticator(setup)
    # Its cookie component may be drawn once per run; sign-out on a page reuses this one.
    st.session_state[SK_AUTHENTICATOR] = authenticator
    staff = st.session_state.get(SK_STAFF)
    if isinstance(staff, StaffMember) and not _expired(staff, setup.config):
        return staff
    if isinstance(staff, StaffMember):
        st.session_state.pop(SK_STAFF, None)
        authenticator.logout(location="unrendered")
        st.warning("Your session has expired; sign in again.")
    form_area = st.empty()
    with form_area.container():
        _, middle, _ = st.columns([1, 2, 1])
        with middle:
            _sign_in_header()
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
    username = str(st.session_state.get("username") or "")
    account = next((a for a in setup.accounts if a.username == username), None)
    if account is None:
        authenticator.logout(location="unrendered")
        st.stop()
    staff = StaffMember(
        email=account.email,
        name=account.name,
        role=account.role,
        auth_method="demo" if setup.demo and account in DEMO_ACCOUNTS else "local",
        signed_in_at=datetime.now(UTC),
    )
    st.session_state[SK_STAFF] = staff
    on_sign_in(staff, staff.auth_method)
    # Carry on in this run instead of st.rerun(): the browser must still receive the component
    # that stores the sign-in cookie, or a reload would ask for the password again.
    form_area.empty()
    _store_sign_in_cookie(authenticator)
    return staff


def _store_sign_in_cookie(authenticator: Any) -> None:
    """Set the re-authentication cookie outside the (now removed) sign-in form.

    streamlit-authenticator draws its cookie writer inside the form; once the form is cleared
    that writer never runs, so the same signed token is written again here.
    """
    model = authenticator.cookie_controller.cookie_model
    if not model.cookie_expiry_days:
        return
    model.exp_date = model._set_exp_date()
    model.cookie_manager.set(
        model.cookie_name,
        model._token_encode(),
        expires_at=datetime.now() + timedelta(days=model.cookie_expiry_days),
        key="console-sign-in-cookie",
    )


def sign_out(settings: Settings, secrets: Mapping[str, Any], on_sign_out: SignOutHook) -> None:
    """End the staff member's session: audit, forget the identity, drop the sign-in cookie."""
    staff = st.session_state.pop(SK_STAFF, None)
    if isinstance(staff, StaffMember):
        on_sign_out(staff)
    setup = auth_setup(settings, secrets)
    if setup.sso:
        st.logout()
        return
    authenticator = st.session_state.get(SK_AUTHENTICATOR) or _authenticator(setup)
    authenticator.logout(location="unrendered")
    # No st.rerun() here: the browser must still run the component that deletes the cookie.
    st.success("You have signed out.", icon=":material/logout:")
    st.button("Sign in again", icon=":material/login:", key="console.sign_in_again")
    st.stop()


def require_staff(
    settings: Settings,
    secrets: Mapping[str, Any],
    *,
    on_sign_in: SignInHook,
) -> StaffMember:
    """The signed-in staff member; draws the sign-in screen and stops the run otherwise."""
    setup = auth_setup(settings, secrets)
    key = settings.audit_key.get_secret_value() if settings.audit_key else None
    problems = [*setup.problems, *audit_key_problems(key, mode=settings.mode)]
    if problems:
        _refuse_to_start(problems)
    if setup.sso:
        return _sso_gate(setup.config, secrets, on_sign_in)
    return _local_gate(setup, on_sign_in)
