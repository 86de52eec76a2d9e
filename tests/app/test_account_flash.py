"""The message about the last write: shown after the rerun that follows a save, kept through a
stray extra rerun, gone a few seconds later, and never mistaken for a success when it warns."""

from __future__ import annotations

import time
from dataclasses import replace

from streamlit.testing.v1 import AppTest

from lib.ui.account_flash import SHOWN_FOR_SECONDS, Flash
from lib.ui.state import SK_ACCOUNT_FLASH
from tests.app.test_account_helpers import live_markup, unescape


def _page() -> None:
    from lib.ui.account_flash import render_flash

    render_flash()


def _app(flash: object) -> AppTest:
    at = AppTest.from_function(_page)
    at.session_state[SK_ACCOUNT_FLASH] = flash
    return at


def test_success_stays_through_a_second_run_then_expires():
    at = _app(Flash("Saved 2 override(s)"))
    at.run()
    assert [s.value for s in at.success] == ["Saved 2 override\\(s\\)"]
    at.run()  # the extra rerun a replaced data editor sends
    assert len(at.success) == 1
    shown = at.session_state[SK_ACCOUNT_FLASH]
    at.session_state[SK_ACCOUNT_FLASH] = replace(
        shown, first_shown=time.monotonic() - SHOWN_FOR_SECONDS - 1
    )
    at.run()
    assert not at.success
    assert SK_ACCOUNT_FLASH not in at.session_state


def test_a_warning_is_not_a_success():
    at = _app(Flash("Conflict: your change was not applied", warning=True)).run()
    assert not at.success
    assert [unescape(w.value) for w in at.warning] == ["Conflict: your change was not applied"]


def test_message_text_is_shown_literally():
    message = "Deleted [x](https://attacker.example/) <b>"
    at = _app(Flash(message)).run()
    [shown] = [s.value for s in at.success]
    assert unescape(shown) == message
    assert live_markup(shown) == []


def test_anything_else_in_the_slot_is_dropped():
    at = _app("a bare string from an older version").run()
    assert not at.success and not at.warning
    assert SK_ACCOUNT_FLASH not in at.session_state
