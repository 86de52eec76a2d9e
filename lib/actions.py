"""Every write the console makes to a customer's account, and every audited read event.

One place answers "who can change what, and where is it recorded". Each write runs the same
steps: check the permission (hiding a button is not a control), require a reason, re-read the
current value from Recall and refuse with a conflict if it changed since the page loaded,
record an ``attempt`` event, call Recall, record ``ok`` or ``failed`` with the value Recall
holds afterwards. A refused write (no permission, no reason, an invalid value, a conflict, a
current value that could not be read) is recorded as ``failed`` too, so the log shows attempts
nobody was allowed to make: every ``ActionError`` a write method raises has its ``failed`` event.

Calendar V1 has no conditional writes (no ETag), so the conflict check narrows the window for a
lost update to the moment between the re-read and the write; it cannot close it entirely.
Writes send only the fields that changed, so two people changing different fields never
overwrite each other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lib.audit import AuditStore, NewEvent, Outcome, new_request_id
from lib.recall import RecallClient, RecallError
from lib.recall.connect import ConnectionLink, build_connection_url
from lib.recall.models import CALENDAR_PLATFORMS, PREFERENCE_FLAGS, CalendarMeeting, CalendarUser
from lib.staff import Action, StaffMember
from lib.viewas import ReasonError, clean_reason

logger = logging.getLogger(__name__)

EDITABLE_PREFERENCES: tuple[str, ...] = (*PREFERENCE_FLAGS, "bot_name")
MAX_BOT_NAME_CHARS = 100


class ActionError(Exception):
    """A write that did not happen; ``message`` is written for staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PermissionDeniedError(ActionError):
    pass


class ReasonRequiredError(ActionError):
    pass


class UnknownUserError(ActionError):
    pass


class ConfirmationMismatchError(ActionError):
    pass


class InvalidChangeError(ActionError):
    pass


@dataclass(frozen=True)
class Conflict:
    """A value someone else changed after the page loaded it."""

    target: str
    field: str
    loaded: Any
    current: Any
    wanted: Any

    def describe(self) -> str:
        return (
            f"{self.field} of {self.target} was {_show(self.loaded)} when you loaded the page "
            f"but is now {_show(self.current)}; your change to {_show(self.wanted)} was not "
            "applied. Reload to see the current value, then decide again."
        )


class ConflictError(ActionError):
    def __init__(self, conflicts: Sequence[Conflict]) -> None:
        self.conflicts = list(conflicts)
        super().__init__(" ".join(c.describe() for c in self.conflicts))


class WriteFailedError(ActionError):
    """Recall refused or could not be reached; ``current`` is what it holds now, if readable."""

    def __init__(self, message: str, *, error_class: str, current: Any = None) -> None:
        super().__init__(message)
        self.error_class = error_class
        self.current = current


@dataclass(frozen=True)
class OverrideChange:
    meeting_id: str
    loaded: bool | None
    wanted: bool | None


@dataclass
class OverrideOutcome:
    """Per-meeting result of a batch of override changes."""

    applied: list[CalendarMeeting] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)


# A refused value is typed or crafted by staff: record enough to see what was tried, never so
# much (or so odd a type) that the audit record itself fails.
_MAX_REFUSED_TEXT = 200


def _recordable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return value if len(value) <= _MAX_REFUSED_TEXT else value[:_MAX_REFUSED_TEXT] + "..."
    if isinstance(value, Mapping):
        return {str(key): _recordable(item) for key, item in value.items()}
    return f"<{type(value).__name__}>"


def _is_override(value: Any) -> bool:
    # Identity, not equality: 1 == True, and a crafted 1 or 0 must not pass for a choice.
    return value is None or value is True or value is False


def _show(value: Any) -> str:
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "on" if value else "off"
    return repr(value)


def preference_diff(
    loaded: Mapping[str, Any], wanted: Mapping[str, Any]
) -> dict[str, tuple[Any, Any]]:
    """Changed editable preferences as field -> (old, new); anything else is ignored."""
    diff: dict[str, tuple[Any, Any]] = {}
    for key in EDITABLE_PREFERENCES:
        if key in wanted and wanted[key] != loaded.get(key):
            diff[key] = (loaded.get(key), wanted[key])
    return diff


def _preference_problem(after: Mapping[str, Any]) -> str | None:
    """Why these new preference values cannot be sent, or None when they can."""
    if not after:
        return "Nothing changed: the new values equal the current ones."
    for key, value in after.items():
        if key == "bot_name":
            if not isinstance(value, str) or not value.strip():
                return "The bot name cannot be empty."
            if len(value) > MAX_BOT_NAME_CHARS:
                return f"Keep the bot name under {MAX_BOT_NAME_CHARS} characters."
        elif not isinstance(value, bool):
            return f"{key} must be on or off."
    return None


class Actions:
    """Writes on behalf of one signed-in staff member.

    ``user_exists`` answers from the workspace's user list whether a ``user_id`` is a calendar
    user; every action on an existing account checks it first, because minting a token for an
    unknown id would silently create a user (only ``mint_user`` may do that).
    """

    def __init__(
        self,
        *,
        staff: StaffMember,
        client: RecallClient,
        audit: AuditStore,
        user_exists: Callable[[str], bool],
    ) -> None:
        self.staff = staff
        self.client = client
        self.audit = audit
        self._user_exists = user_exists

    # -- audit plumbing ---------------------------------------------------------------------

    def record(
        self,
        action: str,
        *,
        outcome: Outcome = Outcome.OK,
        user_id: str | None = None,
        target: str | None = None,
        reason: str | None = None,
        ticket: str | None = None,
        before: Any = None,
        after: Any = None,
        error_class: str | None = None,
        request_id: str | None = None,
    ) -> None:
        """Append one audit event for this staff member (also used for reads and exports)."""
        self.audit.append(
            NewEvent(
                actor_email=self.staff.email,
                actor_role=self.staff.role.value,
                action=action,
                outcome=outcome,
                user_id=user_id,
                target=target,
                reason=reason,
                ticket=ticket,
                before=before,
                after=after,
                error_class=error_class,
                request_id=request_id or new_request_id(),
            )
        )

    def _guard(
        self,
        permission: Action,
        audit_action: str,
        *,
        user_id: str | None,
        target: str | None,
        reason: str | None,
        ticket: str | None,
        after: Any,
        request_id: str,
        must_exist: bool = True,
    ) -> tuple[str, str | None]:
        """Permission, reason and existence checks; each refusal is audited and raised."""

        def refuse(error: ActionError) -> ActionError:
            return self._refused(
                audit_action,
                error,
                user_id=user_id,
                target=target,
                reason=(reason or "").strip()[:500] or None,
                ticket=ticket,
                after=after,
                request_id=request_id,
            )

        if not self.staff.can(permission):
            raise refuse(
                PermissionDeniedError(
                    f"Your role ({self.staff.role.label}) may not do this; ask someone with a "
                    "role that allows it."
                )
            )
        try:
            clean, clean_ticket = clean_reason(reason, ticket)
        except ReasonError as exc:
            raise refuse(ReasonRequiredError(str(exc))) from None
        if must_exist and user_id is not None and not self._user_exists(user_id):
            raise refuse(
                UnknownUserError(
                    f"{user_id!r} is not a calendar user of this workspace, so nothing was "
                    "changed (and no user was created)."
                )
            )
        return clean, clean_ticket

    def _refused(
        self,
        audit_action: str,
        error: ActionError,
        *,
        user_id: str | None,
        target: str | None,
        reason: str | None,
        ticket: str | None,
        request_id: str,
        before: Any = None,
        after: Any = None,
    ) -> ActionError:
        """Record a write that was not sent as ``failed``; return ``error`` for raising."""
        self.record(
            audit_action,
            outcome=Outcome.FAILED,
            user_id=user_id,
            target=target,
            reason=reason,
            ticket=ticket,
            before=_recordable(before),
            after=_recordable(after),
            error_class=type(error).__name__,
            request_id=request_id,
        )
        return error

    def _read(
        self,
        read: Callable[[], Any],
        audit_action: str,
        *,
        user_id: str | None,
        target: str | None,
        reason: str,
        ticket: str | None,
        after: Any,
        request_id: str,
    ) -> Any:
        """The current value before a write; when Recall cannot say, nothing is sent."""
        try:
            return read()
        except RecallError as exc:
            error_class = type(exc).__name__
            message = (
                "Could not read the current value before writing, so nothing was changed: "
                f"{exc.message}"
            )
        self.record(
            audit_action,
            outcome=Outcome.FAILED,
            user_id=user_id,
            target=target,
            reason=reason,
            ticket=ticket,
            after=after,
            error_class=error_class,
            request_id=request_id,
        )
        raise WriteFailedError(message, error_class=error_class)

    def _call(
        self,
        audit_action: str,
        call: Callable[[], Any],
        *,
        user_id: str | None,
        target: str | None,
        reason: str,
        ticket: str | None,
        before: Any,
        after: Any,
        request_id: str,
        read_back: Callable[[], Any] | None = None,
        result_view: Callable[[Any], Any] | None = None,
    ) -> Any:
        common = {
            "user_id": user_id,
            "target": target,
            "reason": reason,
            "ticket": ticket,
            "request_id": request_id,
        }
        self.record(audit_action, outcome=Outcome.ATTEMPT, before=before, after=after, **common)
        try:
            result = call()
        except RecallError as exc:
            current = None
            if read_back is not None:
                try:
                    current = read_back()
                except RecallError:
                    current = None
            self.record(
                audit_action,
                outcome=Outcome.FAILED,
                before=before,
                after=current,
                error_class=type(exc).__name__,
                **common,
            )
            raise WriteFailedError(
                exc.message, error_class=type(exc).__name__, current=current
            ) from None
        except Exception as exc:
            # An attempt on record must never be left without its outcome.
            self.record(
                audit_action,
                outcome=Outcome.FAILED,
                before=before,
                error_class=type(exc).__name__,
                **common,
            )
            raise
        shown = result_view(result) if result_view is not None else after
        self.record(audit_action, outcome=Outcome.OK, before=before, after=shown, **common)
        return result

    # -- preferences --------------------------------------------------------------------------

    def update_preferences(
        self,
        user_id: str,
        *,
        loaded: Mapping[str, Any],
        wanted: Mapping[str, Any],
        reason: str | None,
        ticket: str | None = None,
    ) -> CalendarUser:
        """Apply the changed preferences only, after checking nobody changed them meanwhile.

        ``loaded`` is what the page showed, ``wanted`` what staff asked for; keys other than the
        six ``record_*`` flags and ``bot_name`` are ignored (an edit state can be crafted).
        """
        request_id = new_request_id()
        diff = preference_diff(loaded, wanted)
        before = {k: old for k, (old, _) in diff.items()}
        after = {k: new for k, (_, new) in diff.items()}
        clean, clean_ticket = self._guard(
            Action.CHANGE_PREFERENCES,
            "preferences.update",
            user_id=user_id,
            target=None,
            reason=reason,
            ticket=ticket,
            after=after,
            request_id=request_id,
        )
        context: dict[str, Any] = {
            "user_id": user_id,
            "target": None,
            "reason": clean,
            "ticket": clean_ticket,
            "request_id": request_id,
        }
        problem = _preference_problem(after)
        if problem is not None:
            raise self._refused(
                "preferences.update", InvalidChangeError(problem), after=after, **context
            )
        current_user = self._read(
            lambda: self.client.get_user(user_id), "preferences.update", after=after, **context
        )
        current = current_user.preferences.to_v1()
        conflicts = [
            Conflict("this user's preferences", key, old, current.get(key), new)
            for key, (old, new) in diff.items()
            if current.get(key) != old
        ]
        if conflicts:
            raise self._refused(
                "preferences.update",
                ConflictError(conflicts),
                before={c.field: c.current for c in conflicts},
                after=after,
                **context,
            )
        flags = {k: v for k, v in after.items() if k != "bot_name"}
        bot_name = after.get("bot_name")
        return self._call(
            "preferences.update",
            lambda: self.client.update_preferences(user_id, flags, bot_name=bot_name),
            user_id=user_id,
            target=None,
            reason=clean,
            ticket=clean_ticket,
            before=before,
            after=after,
            request_id=request_id,
            read_back=lambda: self.client.get_user(user_id).preferences.to_v1(),
            result_view=lambda user: {k: user.preferences.to_v1().get(k) for k in after},
        )

    # -- meeting overrides ----------------------------------------------------------------------

    def set_overrides(
        self,
        user_id: str,
        changes: Sequence[OverrideChange],
        *,
        reason: str | None,
        ticket: str | None = None,
    ) -> OverrideOutcome:
        """Apply override changes meeting by meeting; a meeting changed meanwhile is a conflict
        and is left alone, the others still apply."""
        request_id = new_request_id()
        wanted = {c.meeting_id: c.wanted for c in changes}
        clean, clean_ticket = self._guard(
            Action.CHANGE_OVERRIDE,
            "meeting.override",
            user_id=user_id,
            target=",".join(sorted(wanted))[:500] or None,
            reason=reason,
            ticket=ticket,
            after=wanted,
            request_id=request_id,
        )
        if not all(_is_override(c.wanted) for c in changes):
            # Checked for the whole batch first: a bad value must not leave half of it applied.
            raise self._refused(
                "meeting.override",
                InvalidChangeError("An override is Always, Never or Auto."),
                user_id=user_id,
                target=",".join(sorted(wanted))[:500] or None,
                reason=clean,
                ticket=clean_ticket,
                after=wanted,
                request_id=request_id,
            )
        outcome = OverrideOutcome()
        for change in changes:
            if change.wanted == change.loaded:
                continue
            per_meeting = new_request_id()
            try:
                current = self.client.get_meeting(user_id, change.meeting_id)
            except RecallError as exc:
                outcome.failures[change.meeting_id] = exc.message
                self.record(
                    "meeting.override",
                    outcome=Outcome.FAILED,
                    user_id=user_id,
                    target=change.meeting_id,
                    reason=clean,
                    ticket=clean_ticket,
                    after={"override_should_record": change.wanted},
                    error_class=type(exc).__name__,
                    request_id=per_meeting,
                )
                continue
            if current.override_should_record != change.loaded:
                conflict = Conflict(
                    f"meeting {current.title or change.meeting_id!r}",
                    "the override",
                    change.loaded,
                    current.override_should_record,
                    change.wanted,
                )
                outcome.conflicts.append(conflict)
                self.record(
                    "meeting.override",
                    outcome=Outcome.FAILED,
                    user_id=user_id,
                    target=change.meeting_id,
                    reason=clean,
                    ticket=clean_ticket,
                    before={"override_should_record": current.override_should_record},
                    after={"override_should_record": change.wanted},
                    error_class="ConflictError",
                    request_id=per_meeting,
                )
                continue
            try:
                updated = self._call(
                    "meeting.override",
                    lambda c=change: self.client.update_meeting(user_id, c.meeting_id, c.wanted),
                    user_id=user_id,
                    target=change.meeting_id,
                    reason=clean,
                    ticket=clean_ticket,
                    before={"override_should_record": change.loaded},
                    after={"override_should_record": change.wanted},
                    request_id=per_meeting,
                    read_back=lambda c=change: {
                        "override_should_record": self.client.get_meeting(
                            user_id, c.meeting_id
                        ).override_should_record
                    },
                    result_view=lambda m: {
                        "override_should_record": m.override_should_record,
                        "will_record": m.will_record,
                        "bot_id": m.bot_id,
                    },
                )
            except WriteFailedError as exc:
                outcome.failures[change.meeting_id] = exc.message
                continue
            outcome.applied.append(updated)
        return outcome

    # -- account actions --------------------------------------------------------------------

    def refresh_meetings(
        self, user_id: str, *, reason: str | None, ticket: str | None = None
    ) -> list[CalendarMeeting]:
        request_id = new_request_id()
        clean, clean_ticket = self._guard(
            Action.REFRESH_MEETINGS,
            "meetings.refresh",
            user_id=user_id,
            target=None,
            reason=reason,
            ticket=ticket,
            after=None,
            request_id=request_id,
        )
        return self._call(
            "meetings.refresh",
            lambda: self.client.refresh_meetings(user_id),
            user_id=user_id,
            target=None,
            reason=clean,
            ticket=clean_ticket,
            before=None,
            after=None,
            request_id=request_id,
            result_view=lambda meetings: {"meetings": len(meetings)},
        )

    def disconnect(
        self, user_id: str, platform: str, *, reason: str | None, ticket: str | None = None
    ) -> CalendarUser:
        request_id = new_request_id()
        clean, clean_ticket = self._guard(
            Action.DISCONNECT_CALENDAR,
            "calendar.disconnect",
            user_id=user_id,
            target=platform,
            reason=reason,
            ticket=ticket,
            after={"connected": False},
            request_id=request_id,
        )
        context: dict[str, Any] = {
            "user_id": user_id,
            "target": platform,
            "reason": clean,
            "ticket": clean_ticket,
            "request_id": request_id,
        }
        if platform not in CALENDAR_PLATFORMS:
            raise self._refused(
                "calendar.disconnect", InvalidChangeError("Choose Google or Microsoft."), **context
            )

        def connected() -> dict[str, bool]:
            connection = self.client.get_user(user_id).connection(platform)
            return {"connected": bool(connection and connection.connected)}

        before = self._read(connected, "calendar.disconnect", after={"connected": False}, **context)
        return self._call(
            "calendar.disconnect",
            lambda: self.client.disconnect(user_id, platform),
            user_id=user_id,
            target=platform,
            reason=clean,
            ticket=clean_ticket,
            before=before,
            after={"connected": False},
            request_id=request_id,
            read_back=connected,
            result_view=lambda user: {
                "connected": bool(user.connection(platform) and user.connection(platform).connected)
            },
        )

    def delete_user(
        self,
        user_id: str,
        *,
        confirmation: str,
        reason: str | None,
        ticket: str | None = None,
    ) -> None:
        request_id = new_request_id()
        clean, clean_ticket = self._guard(
            Action.DELETE_USER,
            "user.delete",
            user_id=user_id,
            target=None,
            reason=reason,
            ticket=ticket,
            after={"deleted": True},
            request_id=request_id,
        )
        if confirmation != user_id:
            raise self._refused(
                "user.delete",
                ConfirmationMismatchError(
                    "The confirmation does not match the user id; type the user id exactly to "
                    "delete this calendar user."
                ),
                user_id=user_id,
                target=None,
                reason=clean,
                ticket=clean_ticket,
                request_id=request_id,
            )
        self._call(
            "user.delete",
            lambda: self.client.delete_user(user_id),
            user_id=user_id,
            target=None,
            reason=clean,
            ticket=clean_ticket,
            before={"deleted": False},
            after={"deleted": True},
            request_id=request_id,
            read_back=lambda: {"deleted": not self._listed(user_id)},
        )

    def mint_user(self, user_id: str, *, reason: str | None, ticket: str | None = None) -> None:
        """Create a calendar user for an id the workspace does not have (admins only).

        Recall's authenticate creates the user as a side effect; this is the one path in the
        console allowed to do that on purpose.
        """
        request_id = new_request_id()
        clean, clean_ticket = self._guard(
            Action.MINT_USER,
            "user.mint",
            user_id=user_id,
            target=None,
            reason=reason,
            ticket=ticket,
            after={"exists": True},
            request_id=request_id,
            must_exist=False,
        )
        if self._user_exists(user_id):
            raise self._refused(
                "user.mint",
                InvalidChangeError(f"{user_id!r} already exists; open it instead."),
                user_id=user_id,
                target=None,
                reason=clean,
                ticket=clean_ticket,
                request_id=request_id,
            )
        self._call(
            "user.mint",
            lambda: self.client.authenticate(user_id),
            user_id=user_id,
            target=None,
            reason=clean,
            ticket=clean_ticket,
            before={"exists": False},
            after={"exists": True},
            request_id=request_id,
            read_back=lambda: {"exists": self._listed(user_id)},
            result_view=lambda _token: {"exists": True},
        )

    def connection_link(
        self,
        user_id: str,
        platform: str,
        *,
        client_id: str,
        sandbox: bool,
        success_url: str | None,
        error_url: str | None,
        redirect_uri: str | None,
        reason: str | None,
        ticket: str | None = None,
    ) -> ConnectionLink:
        """A link for the user to connect their calendar; it carries their calendar token."""
        request_id = new_request_id()
        clean, clean_ticket = self._guard(
            Action.BUILD_CONNECTION_LINK,
            "connection_link.create",
            user_id=user_id,
            target=platform,
            reason=reason,
            ticket=ticket,
            after=None,
            request_id=request_id,
        )

        def build_with(token: str) -> ConnectionLink:
            return build_connection_url(
                platform,  # type: ignore[arg-type]
                token=token,
                client_id=client_id,
                recall_base_url=self.client.base_url,
                success_url=success_url,
                error_url=error_url,
                redirect_uri=None if sandbox else redirect_uri,
                sandbox=sandbox,
            )

        problem = None
        if platform not in CALENDAR_PLATFORMS:
            problem = "Choose Google or Microsoft."
        else:
            # The settings are checked with a stand-in token first, so a misconfigured link
            # costs no token minting.
            try:
                build_with("token-not-yet-minted")
            except ValueError as exc:
                problem = str(exc)
        if problem is not None:
            raise self._refused(
                "connection_link.create",
                InvalidChangeError(problem),
                user_id=user_id,
                target=platform,
                reason=clean,
                ticket=clean_ticket,
                request_id=request_id,
            )

        def build() -> ConnectionLink:
            return build_with(self.client.authenticate(user_id))

        return self._call(
            "connection_link.create",
            build,
            user_id=user_id,
            target=platform,
            reason=clean,
            ticket=clean_ticket,
            before=None,
            after=None,
            request_id=request_id,
            result_view=lambda _link: {"platform": platform},
        )

    # -- helpers ----------------------------------------------------------------------------

    def _listed(self, user_id: str) -> bool:
        """Whether the workspace's user list has ``user_id``, asked with the API key: reading
        the user itself could mint a token and so recreate a user that is gone."""
        return any(user.external_id == user_id for user in self.client.list_users())
