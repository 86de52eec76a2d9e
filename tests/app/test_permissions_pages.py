"""The permission table as staff meet it on the pages: each role sees exactly its controls.

Hiding a control is not the lock (lib/actions.py refuses again; see tests/unit/test_actions_*),
but a control shown to a role that may not use it would only produce refusals.
"""

from __future__ import annotations

import pytest

from lib.staff import Role

USER = "nw-000006"  # has both calendars connected in the seeded workspace

# control label -> the least role that sees it
ACCOUNT_CONTROLS = {
    "Build a connection link for the user": Role.EDITOR,
    "Resync meetings from the calendar": Role.EDITOR,
    "Disconnect Google Calendar": Role.ADMIN,
    "Disconnect Microsoft Outlook": Role.ADMIN,
    "Danger zone: delete this calendar user": Role.ADMIN,
    "Repair: move this calendar account to another user id": Role.ADMIN,
}
RANK = {Role.VIEWER: 0, Role.EDITOR: 1, Role.ADMIN: 2}


def open_account(console_app, role: Role):
    at = console_app(role).run()
    at.switch_page("pages/account.py")
    at.query_params["user_id"] = USER
    at.run()
    at.text_area[0].input("Permission matrix check")
    at.button[0].click().run()
    assert not at.exception
    return at


@pytest.mark.parametrize("role", list(Role))
def test_account_controls_follow_the_permission_table(console_app, role):
    at = open_account(console_app, role)
    labels = {e.label for e in at.expander}
    for label, least in ACCOUNT_CONTROLS.items():
        assert (label in labels) is (RANK[role] >= RANK[least]), (role, label)
    preset_pickers = [s for s in at.selectbox if s.label == "Start from a documented preset"]
    assert bool(preset_pickers) is (role is not Role.VIEWER)
    bot_name = next(t for t in at.text_input if t.label == "Bot name")
    assert bot_name.disabled is (role is Role.VIEWER)
