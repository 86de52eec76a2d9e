"""Decide whether Recall will auto-record one calendar meeting, and why.

The documented order: prerequisites (a join link, a start and an end, not ended), then the
meeting's ``override_should_record``, then the user's preferences.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Literal

from lib.autorecord import reasons as r
from lib.autorecord.facts import (
    NO_STATUS,
    RESPONSE_KINDS,
    UNKNOWN_ORGANIZER,
    MeetingFacts,
    is_accepted,
    meeting_facts,
    normalize_email,
    require_aware,
    response_kind,
    time_text,
)
from lib.autorecord.preferences import (
    BASE_PREFERENCES,
    Preferences,
    combine_base,
    read_preferences,
)

Outcome = Literal["passed", "failed", "skipped"]


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One check of the rules as it applied to a meeting."""

    check: str
    outcome: Outcome
    facts: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True, slots=True)
class _Inputs:
    facts: MeetingFacts
    prefs: Preferences
    now: datetime
    email: str | None


@dataclass(frozen=True)
class Decision:
    """Whether the meeting will be recorded, the rule that decided it, and a one-sentence reason."""

    record: bool
    rule: str
    reason: str
    _inputs: _Inputs | None = field(default=None, repr=False, compare=False)

    @cached_property
    def trace(self) -> tuple[TraceStep, ...]:
        """Every check in evaluation order with its outcome and facts, for a details panel.

        Computed on first access from the same evaluation that produced the decision.
        """
        if self._inputs is None:
            return ()
        steps: list[TraceStep] = []
        _evaluate(self._inputs, steps)
        return tuple(steps)


def decide(
    meeting: Mapping[str, Any],
    preferences: Mapping[str, Any] | Preferences | None,
    *,
    now: datetime,
    connected_email: str | None = None,
) -> Decision:
    """Decide one Calendar V1 meeting as Recall's documented auto-record rules would.

    ``preferences`` holds the six ``record_*`` flags (missing keys mean false); ``now`` must be
    timezone-aware; ``connected_email`` is the connected calendar account's address, used to find
    the account's own response for ``record_confirmed``.
    """
    inputs = _Inputs(
        facts=meeting_facts(meeting),
        prefs=read_preferences(preferences),
        now=require_aware(now, "now"),
        email=normalize_email(connected_email),
    )
    record, rule, key = _evaluate(inputs, None)
    reason = r.fill(r.reason_template(rule, key, inputs.prefs), _fields(inputs))
    return Decision(record, rule, reason, inputs)


def _fields(inputs: _Inputs) -> dict[str, str]:
    facts = inputs.facts
    status = facts.responses.get(inputs.email, "") if inputs.email else ""
    return {
        "invites": " and ".join(facts.invite_fields),
        "start": time_text(facts.start) if facts.start else "",
        "end": time_text(facts.end) if facts.end else "",
        "organizer": facts.organizer or UNKNOWN_ORGANIZER,
        "organizer_domain": facts.organizer_domain or "",
        "external_attendee": facts.external_attendee or "",
        "my_email": inputs.email or "",
        "my_status": status or NO_STATUS,
    }


def _skip_rest(steps: list[TraceStep] | None, checks: list[str], why: str) -> None:
    if steps is not None:
        steps.extend(TraceStep(check, "skipped", (("why", why),)) for check in checks)


def _evaluate(inputs: _Inputs, steps: list[TraceStep] | None) -> tuple[bool, str, r.ReasonKey]:
    """The rules themselves; appends a TraceStep per check when ``steps`` is a list."""
    facts, prefs, now = inputs.facts, inputs.prefs, inputs.now
    later = [
        "has_join_link",
        "has_start_and_end",
        "not_ended",
        "override_should_record",
        *BASE_PREFERENCES,
        "record_confirmed",
        "record_only_host",
    ]

    def step(check: str, outcome: Outcome, **step_facts: object) -> None:
        later.remove(check)
        if steps is not None:
            steps.append(TraceStep(check, outcome, tuple(step_facts.items())))

    has_link = facts.join_url is not None
    step(
        "has_join_link",
        "passed" if has_link else "failed",
        join_url=facts.join_url,
        invite_fields=facts.invite_fields,
    )
    if not has_link:
        _skip_rest(steps, later, "a prerequisite failed")
        link = r.LINK_EMPTY_INVITE if facts.invite_fields else r.LINK_NO_INVITE
        return False, r.NO_MEETING_LINK, r.ReasonKey(link=link)

    has_times = facts.start is not None and facts.end is not None
    step("has_start_and_end", "passed" if has_times else "failed", start=facts.start, end=facts.end)
    if facts.start is None or facts.end is None:
        _skip_rest(steps, later, "a prerequisite failed")
        if facts.start is None and facts.end is None:
            times = r.TIMES_NONE
        else:
            times = r.TIMES_NO_START if facts.start is None else r.TIMES_NO_END
        return False, r.MISSING_TIME, r.ReasonKey(times=times)

    ended = facts.end <= now
    step("not_ended", "failed" if ended else "passed", end=facts.end, now=now)
    if ended:
        _skip_rest(steps, later, "a prerequisite failed")
        return False, r.ENDED, r.ReasonKey()

    override = facts.override
    if override is not None:
        step("override_should_record", "passed" if override else "failed", value=override)
        _skip_rest(steps, later, "the override decides")
        return override, (r.OVERRIDE_TRUE if override else r.OVERRIDE_FALSE), r.ReasonKey()
    step("override_should_record", "skipped", value=None, why="null defers to preferences")

    kind, status = response_kind(facts.responses, facts.is_hosted_by_me, inputs.email)
    response = RESPONSE_KINDS.index(kind)
    base_facts: dict[str, dict[str, object]] = {
        "record_non_host": {"is_hosted_by_me": facts.is_hosted_by_me},
        "record_external": {
            "is_external": facts.is_external,
            "external_attendee": facts.external_attendee,
            "organizer": facts.organizer,
        },
        "record_internal": {
            "is_external": facts.is_external,
            "external_attendee": facts.external_attendee,
        },
        "record_recurring": {"is_recurring": facts.is_recurring},
    }
    base_matches = {
        "record_non_host": not facts.is_hosted_by_me,
        "record_external": facts.is_external,
        "record_internal": not facts.is_external,
        "record_recurring": facts.is_recurring,
    }
    matched_bits = 0
    primary = -1
    enabled_matches = []
    for i, name in enumerate(BASE_PREFERENCES):
        if not getattr(prefs, name):
            step(name, "skipped", why="preference is off")
            continue
        matched = base_matches[name]
        enabled_matches.append(matched)
        step(name, "passed" if matched else "failed", **base_facts[name])
        if matched:
            matched_bits |= 1 << i
            if primary < 0:
                primary = i
    named = facts.external_attendee is not None
    if not prefs.enabled_base:
        _skip_rest(steps, later, "no base preference is on")
        rule = r.ONLY_FILTERS_ENABLED if prefs.enabled_filters else r.NO_PREFERENCE_ENABLED
        return False, rule, r.ReasonKey()
    if not combine_base(enabled_matches):
        _skip_rest(steps, later, "no base preference selected the meeting")
        return False, r.NO_PREFERENCE_MATCHED, r.ReasonKey(matches=matched_bits, named=named)

    # With "all" combination every enabled base preference matched, so primary is set.
    key = r.ReasonKey(primary=primary, named=named, response=response)
    if prefs.record_confirmed:
        accepted = is_accepted(kind, status)
        step(
            "record_confirmed",
            "passed" if accepted else "failed",
            connected_email=inputs.email,
            response=kind,
            status=status or None,
        )
        if not accepted:
            _skip_rest(steps, later, "a filter failed")
            return False, r.FILTER_CONFIRMED, key
    else:
        step("record_confirmed", "skipped", why="filter is off")
    if prefs.record_only_host:
        hosted = facts.is_hosted_by_me
        step(
            "record_only_host",
            "passed" if hosted else "failed",
            is_hosted_by_me=hosted,
            organizer=facts.organizer,
        )
        if not hosted:
            return False, r.FILTER_ONLY_HOST, key
    else:
        step("record_only_host", "skipped", why="filter is off")
    return True, BASE_PREFERENCES[primary], key
