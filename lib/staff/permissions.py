"""The one permission table: which role may do what.

Pages use it to decide what to show; ``lib/actions.py`` checks it again before every write,
because hiding a button is not a control.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"  # customer success
    EDITOR = "editor"  # support
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def label(self) -> str:
        return self.value.capitalize()


_RANK = {Role.VIEWER: 0, Role.EDITOR: 1, Role.ADMIN: 2}


class Action(StrEnum):
    FIND_USERS = "find_users"
    VIEW_ACCOUNT = "view_account"
    RUN_PREVIEW = "run_preview"
    EXPORT_VIEW = "export_view"
    READ_PRESET = "read_preset"
    VALIDATE_PRESET = "validate_preset"
    VIEW_STATUS = "view_status"
    CHANGE_PREFERENCES = "change_preferences"
    CHANGE_OVERRIDE = "change_override"
    REFRESH_MEETINGS = "refresh_meetings"
    BUILD_CONNECTION_LINK = "build_connection_link"
    DISCONNECT_CALENDAR = "disconnect_calendar"
    DELETE_USER = "delete_user"
    MINT_USER = "mint_user"
    RENAME_USER = "rename_user"
    MANAGE_PRESET = "manage_preset"
    READ_AUDIT = "read_audit"
    EXPORT_AUDIT = "export_audit"
    MANAGE_STAFF_SESSIONS = "manage_staff_sessions"
    FIND_BOT = "find_bot"
    VIEW_RAW_DATA = "view_raw_data"


# The least role that may perform each action. Every action must appear here: `can` refuses
# anything missing rather than guessing.
MINIMUM_ROLE: dict[Action, Role] = {
    Action.FIND_USERS: Role.VIEWER,
    Action.VIEW_ACCOUNT: Role.VIEWER,
    Action.RUN_PREVIEW: Role.VIEWER,
    Action.EXPORT_VIEW: Role.VIEWER,
    Action.READ_PRESET: Role.VIEWER,
    Action.VALIDATE_PRESET: Role.VIEWER,
    Action.VIEW_STATUS: Role.VIEWER,
    Action.CHANGE_PREFERENCES: Role.EDITOR,
    Action.CHANGE_OVERRIDE: Role.EDITOR,
    Action.REFRESH_MEETINGS: Role.EDITOR,
    # The link carries a calendar token for the user; sending it is a support task.
    Action.BUILD_CONNECTION_LINK: Role.EDITOR,
    Action.DISCONNECT_CALENDAR: Role.ADMIN,
    Action.DELETE_USER: Role.ADMIN,
    Action.MINT_USER: Role.ADMIN,
    # Moves a calendar account (calendars, meetings, bots) to another user id.
    Action.RENAME_USER: Role.ADMIN,
    Action.MANAGE_PRESET: Role.ADMIN,
    Action.READ_AUDIT: Role.ADMIN,
    Action.EXPORT_AUDIT: Role.ADMIN,
    # Listing who is signed in, and signing someone out everywhere.
    Action.MANAGE_STAFF_SESSIONS: Role.ADMIN,
    # Following a bot is a read, like viewing an account.
    Action.FIND_BOT: Role.VIEWER,
    # Objects exactly as Recall sent them: every field, including ones the console never shows.
    Action.VIEW_RAW_DATA: Role.ADMIN,
}


def role_can(role: Role | None, action: Action) -> bool:
    if role is None:
        return False
    minimum = MINIMUM_ROLE.get(action)
    return minimum is not None and role.rank >= minimum.rank


def parse_role(value: object) -> Role | None:
    """A role from configuration text; None for anything unknown (never a default role)."""
    if isinstance(value, Role):
        return value
    if isinstance(value, str):
        try:
            return Role(value.strip().lower())
        except ValueError:
            return None
    return None
