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
Preferences are the exception to "send only what changed": Recall's preferences page says a flag
missing from the object is treated as ``false``, so every preferences write sends all six flags
(the values just re-read, plus the change) and reads all six back; a flag that changed without
being asked for fails the write on screen and in its audit event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from lib.audit import AuditStore, NewEvent, Outcome, new_request_id
from lib.mint_gate import MintGate
from lib.recall import RecallClient, RecallError
from lib.recall.connect import ConnectionLink, build_connection_url
from lib.recall.models import CALENDAR_PLATFORMS, PREFERENCE_FLAGS, CalendarMeeting, CalendarUser
from lib.staff import Action, StaffMember
from lib.userids import check_user_id
from lib.viewas import ReasonError, clean_reason

logger = logging.getLogger(__name__)

EDITABLE_PREFERENCES: tuple[str, ...] = (*PREFERENCE_FLAGS, "bot_name")
MAX_BOT_NAME_CHARS = 100

_T = TypeVar("_T")


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


class UnrequestedChangeError(ActionError):
    """Recall accepted a preferences write but holds a flag changed that nobody asked for."""


class ChangeNotAppliedError(ActionError):
    """Recall accepted a write but does not hold the value that was asked for."""


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


def meeting_info(meeting: CalendarMeeting) -> dict[str, Any]:
    """What the audit log keeps to name a meeting in words."""
    return {"kind": "meeting", "title": meeting.title, "start_time": meeting.start_time}


def _preferences_verdict(
    before: Mapping[str, Any], sent: Mapping[str, Any], held: Mapping[str, Any]
) -> tuple[dict[str, Any], ActionError | None]:
    """What Recall holds of the sent fields, and the error when it is not what was sent.

    ``before`` holds all six flags as read just before the write (and ``bot_name`` when it was
    changed); a flag whose value in ``sent`` equals ``before`` was not asked to change.
    """
    shown = {key: held.get(key, False if key in PREFERENCE_FLAGS else None) for key in sent}
    unasked = [
        key
        for key in PREFERENCE_FLAGS
        if key in sent and sent[key] == before.get(key) and shown[key] != sent[key]
    ]
    if unasked:
        changes = ", ".join(
            f"{key} {_show(before.get(key))} -> {_show(shown[key])}" for key in unasked
        )
        return shown, UnrequestedChangeError(
            f"Recall accepted the change but now holds other preferences changed that were not "
            f"asked for ({changes}). Check the account's preferences and set them back with a "
            "reason; report it to the console's maintainers."
        )
    missing = [key for key in sent if shown[key] != sent[key]]
    if missing:
        changes = ", ".join(f"{key} is {_show(shown[key])}" for key in missing)
        return shown, ChangeNotAppliedError(
            f"Recall accepted the change but does not hold it ({changes}). Reload and try "
            "again; if it persists, report it to the console's maintainers."
        )
    return shown, None


class StaffRecorder:
    """Audit events on behalf of one signed-in staff member."""

    def __init__(self, *, staff: StaffMember, audit: AuditStore) -> None:
        self.staff = staff
        self.audit = audit

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
        target_info: Mapping[str, Any] | None = None,
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
                target_info=target_info,
                reason=reason,
                ticket=ticket,
                before=before,
                after=after,
                error_class=error_class,
                request_id=request_id or new_request_id(),
            )
        )


@dataclass(frozen=True)
class _Write:
    """One write in progress: every event it records carries the same action, user, target,
    reason, ticket and request id, so an attempt and its outcome pair up in the log."""

    recorder: StaffRecorder = field(repr=False, compare=False)
    action: str
    user_id: str | None
    target: str | None
    reason: str | None
    ticket: str | None
    request_id: str
    # The target in words (a meeting's title and start), so the log names it, not its id.
    target_info: Mapping[str, Any] | None = None

    def record(
        self,
        outcome: Outcome,
        *,
        before: Any = None,
        after: Any = None,
        error_class: str | None = None,
    ) -> None:
        self.recorder.record(
            self.action,
            outcome=outcome,
            user_id=self.user_id,
            target=self.target,
            reason=self.reason,
            ticket=self.ticket,
            before=before,
            after=after,
            error_class=error_class,
            request_id=self.request_id,
            target_info=self.target_info,
        )

    def item(self, target: str) -> _Write:
        """The same write on one item of a batch, with a request id of its own."""
        return replace(self, target=target, request_id=new_request_id())

    def refuse(self, error: ActionError, *, before: Any = None, after: Any = None) -> ActionError:
        """Record a write that was not sent as ``failed``; return ``error`` for raising."""
        self.record(
            Outcome.FAILED,
            before=_recordable(before),
            after=_recordable(after),
            error_class=type(error).__name__,
        )
        return error

    def read(self, read: Callable[[], _T], *, after: Any) -> _T:
        """The current value before a write; when Recall cannot say, nothing is sent."""
        try:
            return read()
        except RecallError as exc:
            error_class = type(exc).__name__
            message = (
                "Could not read the current value before writing, so nothing was changed: "
                f"{exc.message}"
            )
        self.record(Outcome.FAILED, after=after, error_class=error_class)
        raise WriteFailedError(message, error_class=error_class)

    def call(
        self,
        call: Callable[[], _T],
        *,
        before: Any,
        after: Any,
        read_back: Callable[[], Any] | None = None,
        result_view: Callable[[_T], Any] | None = None,
        verify: Callable[[_T], tuple[Any, ActionError | None]] | None = None,
    ) -> _T:
        """Record the attempt, send the write and record how it ended; ``read_back`` says what
        Recall holds after a refusal, ``result_view`` what to record of a success. ``verify``
        checks an accepted write against what Recall holds: it returns what to record and the
        error when Recall does not hold what was asked (recorded as ``failed``, then raised as a
        ``WriteFailedError`` carrying what Recall holds)."""
        self.record(Outcome.ATTEMPT, before=before, after=after)
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
                Outcome.FAILED, before=before, after=current, error_class=type(exc).__name__
            )
            raise WriteFailedError(
                exc.message, error_class=type(exc).__name__, current=current
            ) from None
        except Exception as exc:
            # An attempt on record must never be left without its outcome.
            self.record(Outcome.FAILED, before=before, error_class=type(exc).__name__)
            raise
        if verify is not None:
            try:
                shown, problem = verify(result)
            except Exception as exc:
                self.record(Outcome.FAILED, before=before, error_class=type(exc).__name__)
                raise
            if problem is not None:
                error_class = type(problem).__name__
                self.record(Outcome.FAILED, before=before, after=shown, error_class=error_class)
                raise WriteFailedError(problem.message, error_class=error_class, current=shown)
            self.record(Outcome.OK, before=before, after=shown)
            return result
        shown = result_view(result) if result_view is not None else after
        self.record(Outcome.OK, before=before, after=shown)
        return result


class Actions(StaffRecorder):
    """Writes on behalf of one signed-in staff member.

    ``user_exists`` answers from the workspace's user list whether a ``user_id`` is a calendar
    user; every action on an existing account checks it first, because minting a token for an
    unknown id would silently create a user (only ``mint_user`` may do that). ``mint_gate``, when
    given, is told about deletes (so every console process refuses to mint for the id at once)
    and checks the id against a fresh user list before the explicit mints here.
    """

    def __init__(
        self,
        *,
        staff: StaffMember,
        client: RecallClient,
        audit: AuditStore,
        user_exists: Callable[[str], bool],
        mint_gate: MintGate | None = None,
    ) -> None:
        super().__init__(staff=staff, audit=audit)
        self.client = client
        self._user_exists = user_exists
        self._gate = mint_gate

    def _begin(
        self,
        permission: Action,
        action: str,
        *,
        user_id: str | None,
        reason: str | None,
        ticket: str | None,
        target: str | None = None,
        after: Any = None,
        must_exist: bool = True,
    ) -> _Write:
        """Permission, reason and existence checks; each refusal is audited and raised.

        The write returned carries the cleaned reason and ticket for every later event.
        """
        # Until the reason is checked, refusals record what was typed, trimmed to fit.
        unchecked = _Write(
            recorder=self,
            action=action,
            user_id=user_id,
            target=target,
            reason=(reason or "").strip()[:500] or None,
            ticket=ticket,
            request_id=new_request_id(),
        )
        if not self.staff.can(permission):
            raise unchecked.refuse(
                PermissionDeniedError(
                    f"Your role ({self.staff.role.label}) may not do this; ask someone with a "
                    "role that allows it."
                ),
                after=after,
            )
        try:
            clean, clean_ticket = clean_reason(reason, ticket)
        except ReasonError as exc:
            raise unchecked.refuse(ReasonRequiredError(str(exc)), after=after) from None
        if must_exist and user_id is not None and not self._exists(user_id):
            raise unchecked.refuse(
                UnknownUserError(
                    f"{user_id!r} is not a calendar user of this workspace, so nothing was "
                    "changed (and no user was created)."
                ),
                after=after,
            )
        return replace(unchecked, reason=clean, ticket=clean_ticket)

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
        """Apply the changed preferences, after checking nobody changed them meanwhile.

        ``loaded`` is what the page showed, ``wanted`` what staff asked for; keys other than the
        six ``record_*`` flags and ``bot_name`` are ignored (an edit state can be crafted).
        The write sends all six flags (the values re-read just before, plus the change) and
        ``bot_name`` when it changes; all six are then read back, and a flag Recall holds
        changed without being asked for (or a change it does not hold) fails the write. The
        audit events record all six flags before, as sent, and as read back.
        """
        diff = preference_diff(loaded, wanted)
        before = {k: old for k, (old, _) in diff.items()}
        after = {k: new for k, (_, new) in diff.items()}
        write = self._begin(
            Action.CHANGE_PREFERENCES,
            "preferences.update",
            user_id=user_id,
            reason=reason,
            ticket=ticket,
            after=after,
        )
        problem = _preference_problem(after)
        if problem is not None:
            raise write.refuse(InvalidChangeError(problem), after=after)
        current_user = write.read(lambda: self.client.get_user(user_id), after=after)
        current = current_user.preferences.to_v1()
        conflicts = [
            Conflict("this user's preferences", key, old, current.get(key), new)
            for key, (old, new) in diff.items()
            if current.get(key) != old
        ]
        if conflicts:
            raise write.refuse(
                ConflictError(conflicts),
                before={c.field: c.current for c in conflicts},
                after=after,
            )
        # Recall reads a flag missing from the object as false: send all six, always.
        flags = {
            **current_user.preferences.flags(),
            **{k: v for k, v in after.items() if k != "bot_name"},
        }
        bot_name = after.get("bot_name")
        sent_before = {**current_user.preferences.flags(), **before}
        sent = {**flags, **({"bot_name": bot_name} if "bot_name" in after else {})}

        def verify(user: CalendarUser) -> tuple[dict[str, Any], ActionError | None]:
            # The write's own answer is not proof: read what Recall holds now.
            try:
                held = self.client.get_user(user_id)
            except RecallError:
                held = user
            return _preferences_verdict(sent_before, sent, held.preferences.to_v1())

        return write.call(
            lambda: self.client.update_preferences(user_id, flags, bot_name=bot_name),
            before=sent_before,
            after=sent,
            read_back=lambda: self.client.get_user(user_id).preferences.to_v1(),
            verify=verify,
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
        wanted = {c.meeting_id: c.wanted for c in changes}
        write = self._begin(
            Action.CHANGE_OVERRIDE,
            "meeting.override",
            user_id=user_id,
            target=",".join(sorted(wanted))[:500] or None,
            reason=reason,
            ticket=ticket,
            after=wanted,
        )
        if not all(_is_override(c.wanted) for c in changes):
            # Checked for the whole batch first: a bad value must not leave half of it applied.
            raise write.refuse(
                InvalidChangeError("An override is Always, Never or Auto."), after=wanted
            )
        outcome = OverrideOutcome()
        for change in changes:
            if change.wanted == change.loaded:
                continue
            meeting = write.item(change.meeting_id)
            after = {"override_should_record": change.wanted}
            try:
                current = self.client.get_meeting(user_id, change.meeting_id)
            except RecallError as exc:
                outcome.failures[change.meeting_id] = exc.message
                meeting.record(Outcome.FAILED, after=after, error_class=type(exc).__name__)
                continue
            meeting = replace(meeting, target_info=meeting_info(current))
            if current.override_should_record != change.loaded:
                conflict = Conflict(
                    f"meeting {current.title or change.meeting_id!r}",
                    "the override",
                    change.loaded,
                    current.override_should_record,
                    change.wanted,
                )
                outcome.conflicts.append(conflict)
                meeting.record(
                    Outcome.FAILED,
                    before={"override_should_record": current.override_should_record},
                    after=after,
                    error_class="ConflictError",
                )
                continue
            try:
                updated = meeting.call(
                    lambda c=change: self.client.update_meeting(user_id, c.meeting_id, c.wanted),
                    before={"override_should_record": change.loaded},
                    after=after,
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
        write = self._begin(
            Action.REFRESH_MEETINGS,
            "meetings.refresh",
            user_id=user_id,
            reason=reason,
            ticket=ticket,
        )
        return write.call(
            lambda: self.client.refresh_meetings(user_id),
            before=None,
            after=None,
            result_view=lambda meetings: {"meetings": len(meetings)},
        )

    def disconnect(
        self, user_id: str, platform: str, *, reason: str | None, ticket: str | None = None
    ) -> CalendarUser:
        disconnected = {"connected": False}
        write = self._begin(
            Action.DISCONNECT_CALENDAR,
            "calendar.disconnect",
            user_id=user_id,
            target=platform,
            reason=reason,
            ticket=ticket,
            after=disconnected,
        )
        if platform not in CALENDAR_PLATFORMS:
            raise write.refuse(InvalidChangeError("Choose Google or Microsoft."))

        def connected() -> dict[str, bool]:
            connection = self.client.get_user(user_id).connection(platform)
            return {"connected": bool(connection and connection.connected)}

        before = write.read(connected, after=disconnected)
        return write.call(
            lambda: self.client.disconnect(user_id, platform),
            before=before,
            after=disconnected,
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
        write = self._begin(
            Action.DELETE_USER,
            "user.delete",
            user_id=user_id,
            reason=reason,
            ticket=ticket,
            after={"deleted": True},
        )
        if confirmation != user_id:
            raise write.refuse(
                ConfirmationMismatchError(
                    "The confirmation does not match the user id; type the user id exactly to "
                    "delete this calendar user."
                )
            )
        deletions = self._gate.deletions if self._gate is not None else None
        if deletions is not None:
            # The mark below refuses every token mint for the id, this delete's own too: take
            # the token first (reading the user, which also shows it is still there).
            write.read(lambda: self.client.get_user(user_id), after={"deleted": True})
            deletions.started(self.client.base_url, user_id, by=self.staff.email)
        try:
            write.call(
                lambda: self.client.delete_user(user_id),
                before={"deleted": False},
                after={"deleted": True},
                read_back=lambda: {"deleted": not self._listed(user_id)},
            )
        finally:
            if deletions is not None:
                deletions.finished(self.client.base_url, user_id)
            if self._gate is not None:
                self._gate.forget_list()

    def mint_user(self, user_id: str, *, reason: str | None, ticket: str | None = None) -> None:
        """Create a calendar user for an id the workspace does not have (admins only).

        Recall's authenticate creates the user as a side effect; this is the one path in the
        console allowed to do that on purpose.
        """
        write = self._begin(
            Action.MINT_USER,
            "user.mint",
            user_id=user_id,
            reason=reason,
            ticket=ticket,
            after={"exists": True},
            must_exist=False,
        )
        if write.read(lambda: self._exists(user_id), after=None):
            raise write.refuse(InvalidChangeError(f"{user_id!r} already exists; open it instead."))
        write.call(
            lambda: self.client.authenticate(user_id),
            before={"exists": False},
            after={"exists": True},
            read_back=lambda: {"exists": self._listed(user_id)},
            result_view=lambda _token: {"exists": True},
        )
        if self._gate is not None:
            # Created on purpose, with a reason on record: an earlier delete no longer applies.
            if self._gate.deletions is not None:
                self._gate.deletions.forget(self.client.base_url, user_id)
            self._gate.forget_list()

    def rename_user(
        self,
        user_id: str,
        new_user_id: str,
        *,
        confirmation: str,
        reason: str | None,
        ticket: str | None = None,
    ) -> CalendarUser:
        """Move a calendar account to another user id (``PUT user/`` with ``external_id``).

        The repair for one calendar account connected under two user ids: the stray id's
        calendar user takes the right id, provided that id has no calendar user of its own
        (two calendar users cannot share an id, and merging two is not something Recall
        offers). Both ids are checked against a fresh user list, not the page's, because
        reading an id that no longer exists would mint a token and recreate it.
        """
        wanted = {"user_id": new_user_id}
        write = self._begin(
            Action.RENAME_USER,
            "user.rename",
            user_id=user_id,
            target=new_user_id[:_MAX_REFUSED_TEXT] if isinstance(new_user_id, str) else None,
            reason=reason,
            ticket=ticket,
            after=wanted,
        )
        checked = check_user_id(new_user_id) if isinstance(new_user_id, str) else None
        problem = None if checked is None else checked.problem
        if problem is None and checked is not None and checked.value != new_user_id:
            problem = "it has spaces or characters that would be changed; type it exactly."
        if checked is None or problem:
            raise write.refuse(
                InvalidChangeError(f"The new user id cannot be used: {problem or 'not text'}"),
                after=wanted,
            )
        if new_user_id == user_id:
            raise write.refuse(
                InvalidChangeError("The new user id is the same as the current one."),
                after=wanted,
            )
        if confirmation != new_user_id:
            raise write.refuse(
                ConfirmationMismatchError(
                    "The confirmation does not match the new user id; type the new user id "
                    "exactly to move this calendar account to it."
                ),
                after=wanted,
            )
        taken = InvalidChangeError(
            f"{new_user_id!r} already has a calendar user, so nothing was changed. Two calendar "
            "users cannot share an id: delete or rename that one first if it is the stray."
        )
        if self._user_exists(new_user_id):
            raise write.refuse(taken, before={"user_id": user_id}, after=wanted)
        listed = write.read(self._listed_ids, after=wanted)
        if new_user_id in listed:
            raise write.refuse(taken, before={"user_id": user_id}, after=wanted)
        if user_id not in listed:
            raise write.refuse(
                ConflictError(
                    [
                        Conflict(
                            f"calendar user {user_id!r}", "the user id", user_id, None, new_user_id
                        )
                    ]
                ),
                before={"user_id": None},
                after=wanted,
            )
        deletions = self._gate.deletions if self._gate is not None else None
        if deletions is not None:
            # After the rename the old id names no calendar user: mark it as every delete is, so
            # no console process (whose list may still show it) mints it back into existence.
            # The token is taken first, since the mark refuses this write's own mint too.
            write.read(lambda: self.client.get_user(user_id), after=wanted)
            deletions.started(self.client.base_url, user_id, by=self.staff.email)
        try:
            renamed = write.call(
                lambda: self.client.rename_user(user_id, new_user_id),
                before={"user_id": user_id},
                after=wanted,
                read_back=lambda: {"user_id": self._id_of(listed[user_id])},
                result_view=lambda user: {"user_id": user.external_id, "recall_id": user.id},
            )
        finally:
            if deletions is not None:
                deletions.finished(self.client.base_url, user_id)
            if self._gate is not None:
                self._gate.forget_list()
        if deletions is not None:
            deletions.forget(self.client.base_url, new_user_id)
        return renamed

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
        write = self._begin(
            Action.BUILD_CONNECTION_LINK,
            "connection_link.create",
            user_id=user_id,
            target=platform,
            reason=reason,
            ticket=ticket,
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
            raise write.refuse(InvalidChangeError(problem))

        return write.call(
            lambda: build_with(self._authenticate_existing(user_id)),
            before=None,
            after=None,
            result_view=lambda _link: {"platform": platform},
        )

    # -- helpers ----------------------------------------------------------------------------

    def _exists(self, user_id: str) -> bool:
        """``user_exists``, unless a console process deleted the id: then a fresh user list
        decides (the cached one may predate the delete)."""
        if not self._user_exists(user_id):
            return False
        gate = self._gate
        return gate is None or gate.deletion(user_id) is None or gate.exists(user_id)

    def _authenticate_existing(self, user_id: str) -> str:
        """A fresh token for a user that exists now; never one that creates a user."""
        if self._gate is not None:
            self._gate.check(user_id)
        return self.client.authenticate(user_id)

    def _listed_ids(self) -> dict[str, str]:
        """Every user id the workspace lists now and its Recall id, asked with the API key (one
        request)."""
        return {str(user.get("external_id")): user["id"] for user in self.client.list_users_v1()}

    def _id_of(self, recall_id: str) -> str | None:
        """The user id the calendar user ``recall_id`` is listed under now (None: not listed)."""
        for user_id, listed_id in self._listed_ids().items():
            if listed_id == recall_id:
                return user_id
        return None

    def _listed(self, user_id: str) -> bool:
        """Whether the workspace's user list has ``user_id``, asked with the API key: reading
        the user itself could mint a token and so recreate a user that is gone."""
        return any(user.external_id == user_id for user in self.client.list_users())
