"""The sandbox's own reading of the documented auto-record rules (reference §4), and its
independence from the console: no sandbox module may import the console's logic."""

from __future__ import annotations

import ast
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lib.sandbox import rules

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
START = NOW + timedelta(hours=1)
OFF = {name: False for name in (*rules.BASE_PREFERENCES, *rules.FILTER_PREFERENCES)}
RECORD_ALL = {**OFF, "record_external": True, "record_internal": True}
SANDBOX = Path(__file__).resolve().parents[2] / "lib" / "sandbox"
CONSOLE_LOGIC = ("lib.autorecord", "lib.recall", "lib.actions", "lib.cohort")


def facts(**changes: object) -> rules.Facts:
    base = rules.Facts(
        has_link=True,
        all_day=False,
        start=START,
        ends=START + timedelta(minutes=30),
        override=None,
        is_hosted_by_me=True,
        is_external=False,
        is_recurring=False,
        my_status="accepted",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_no_sandbox_module_imports_the_consoles_logic() -> None:
    offenders = []
    modules = sorted(SANDBOX.glob("*.py"))
    assert len(modules) > 10
    for path in modules:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            for name in names:
                if any(name == banned or name.startswith(banned + ".") for banned in CONSOLE_LOGIC):
                    offenders.append(f"{path.name}: {name}")
                if name == "lib" or (
                    name.startswith("lib.") and not name.startswith("lib.sandbox")
                ):
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"has_link": False}, "no meeting link"),
        ({"all_day": True}, "all-day"),
        ({"ends": NOW}, "ended"),
    ],
)
def test_prerequisites_win_over_an_override(change: dict, words: str) -> None:
    outcome = rules.decide(facts(override=True, **change), RECORD_ALL, now=NOW)
    assert outcome.record is False
    assert words in outcome.reason


def test_the_override_wins_over_preferences() -> None:
    assert rules.decide(facts(override=True), OFF, now=NOW).record is True
    assert rules.decide(facts(override=False), RECORD_ALL, now=NOW).record is False


def test_no_base_preference_records_nothing_even_with_filters_on() -> None:
    only_filters = {**OFF, "record_confirmed": True, "record_only_host": True}
    assert rules.decide(facts(), only_filters, now=NOW).record is False


@pytest.mark.parametrize("is_external", [True, False])
def test_record_all_preset_records_both_kinds_with_or(is_external: bool) -> None:
    outcome = rules.decide(facts(is_external=is_external), RECORD_ALL, now=NOW)
    assert outcome.record is True
    kind = "external" if is_external else "internal"
    assert f"record_{kind}" in outcome.reason


@pytest.mark.parametrize("is_external", [True, False])
def test_record_all_preset_records_nothing_with_literal_and(is_external: bool) -> None:
    outcome = rules.decide(
        facts(is_external=is_external), RECORD_ALL, now=NOW, base_combination="all"
    )
    assert outcome.record is False


def test_literal_and_records_when_every_enabled_base_preference_matches() -> None:
    prefs = {**OFF, "record_internal": True, "record_recurring": True}
    both = facts(is_recurring=True)
    assert rules.decide(both, prefs, now=NOW, base_combination="all").record is True
    assert rules.decide(facts(), prefs, now=NOW, base_combination="all").record is False
    assert rules.decide(facts(), prefs, now=NOW).record is True


@pytest.mark.parametrize(
    ("prefs", "meeting", "expected"),
    [
        ({"record_non_host": True}, {"is_hosted_by_me": False}, True),
        ({"record_non_host": True}, {"is_hosted_by_me": True}, False),
        ({"record_recurring": True}, {"is_recurring": True}, True),
        ({"record_recurring": True}, {"is_recurring": False}, False),
        ({"record_external": True}, {"is_external": False}, False),
        ({"record_internal": True}, {"is_external": True}, False),
    ],
)
def test_each_base_preference(prefs: dict, meeting: dict, expected: bool) -> None:
    assert rules.decide(facts(**meeting), {**OFF, **prefs}, now=NOW).record is expected


@pytest.mark.parametrize("status", ["tentative", "declined", "not_available", None])
def test_record_confirmed_filters_out_anything_but_accepted(status: str | None) -> None:
    prefs = {**RECORD_ALL, "record_confirmed": True}
    assert rules.decide(facts(my_status="accepted"), prefs, now=NOW).record is True
    assert rules.decide(facts(my_status=status), prefs, now=NOW).record is False


def test_record_only_host_filters_out_meetings_hosted_by_others() -> None:
    prefs = {**RECORD_ALL, "record_only_host": True}
    assert rules.decide(facts(is_hosted_by_me=True), prefs, now=NOW).record is True
    assert rules.decide(facts(is_hosted_by_me=False), prefs, now=NOW).record is False


def test_meeting_links_come_from_identifying_invite_fields_only() -> None:
    assert rules.meeting_link("zoom_invite", {"meeting_id": "8123", "meeting_password": "x"}) == (
        rules.meeting_link("zoom_invite", {"meeting_id": "8123", "meeting_password": None})
    )
    assert rules.meeting_link("meet_invite", {"meeting_id": "abc-defg-hij"}).endswith(
        "/abc-defg-hij"
    )
    assert rules.meeting_link("zoom_invite", {"meeting_id": " "}) is None
    assert rules.meeting_link("teams_invite", {"thread_id": "19:x"}) is None
    assert rules.meeting_link("webex_invite", {"meeting_subdomain": "nw"}) is None
    assert rules.meeting_link(None, None) is None
