"""Audit events without a database: validation, redaction, hashing and exports."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import uuid
from decimal import Decimal

import pytest
from pydantic import ValidationError

from lib.audit import (
    GENESIS_HASH,
    REDACTED,
    NewEvent,
    Outcome,
    StoredEvent,
    from_json,
    redact,
    to_csv,
    to_json,
)
from lib.audit.chain import HASHED_FIELDS, event_hash, format_time

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoidTEifQ.c2lnbmF0dXJlLXZhbHVl"


def new_event(**overrides) -> NewEvent:
    fields = {
        "actor_email": "agent@example.com",
        "actor_role": "support",
        "action": "preferences.update",
    }
    fields.update(overrides)
    return NewEvent(**fields)


def stored_event(**overrides) -> StoredEvent:
    fields = {
        "id": 7,
        "time": dt.datetime(2025, 3, 4, 5, 6, 7, 890123, tzinfo=dt.UTC),
        "actor_email": "agent@example.com",
        "actor_role": "support",
        "action": "meeting.override",
        "outcome": "ok",
        "user_id": "user-42",
        "target": "meeting-9",
        "reason": "customer asked",
        "ticket": "SUP-1",
        "before": {"override": None},
        "after": {"override": "record", "note": "ünïcode ✓"},
        "error_class": None,
        "request_id": "req-1",
        "prev_hash": GENESIS_HASH,
    }
    fields.update(overrides)
    fields.setdefault("hash", event_hash(fields))
    return StoredEvent(**fields)


# -- NewEvent validation ----------------------------------------------------------------------


def test_naive_time_is_refused():
    with pytest.raises(ValidationError, match="timezone-aware"):
        new_event(time=dt.datetime(2025, 1, 1, 12, 0))


def test_time_in_another_zone_is_kept_as_the_same_instant_in_utc():
    plus_two = dt.timezone(dt.timedelta(hours=2))
    event = new_event(time=dt.datetime(2025, 1, 1, 12, 0, tzinfo=plus_two))
    assert event.time == dt.datetime(2025, 1, 1, 10, 0, tzinfo=dt.UTC)
    assert event.time.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    "action", ["", "Sign In", "signin.", ".signin", "view_as..start", "a" * 65, "signin;drop"]
)
def test_action_must_be_a_short_dotted_code(action):
    with pytest.raises(ValidationError, match="action"):
        new_event(action=action)


@pytest.mark.parametrize("action", ["signin", "view_as.start", "preset.export", "user.mint"])
def test_documented_action_codes_are_accepted(action):
    assert new_event(action=action).action == action


def test_failed_outcome_needs_an_error_class():
    with pytest.raises(ValidationError, match="error_class"):
        new_event(outcome="failed")
    assert new_event(outcome="failed", error_class="RateLimited").error_class == "RateLimited"


def test_error_class_is_refused_on_a_successful_outcome():
    with pytest.raises(ValidationError, match="failed outcomes only"):
        new_event(outcome=Outcome.OK, error_class="Timeout")


def test_actor_email_is_normalised_and_required():
    assert new_event(actor_email="  Agent@Example.COM ").actor_email == "agent@example.com"
    with pytest.raises(ValidationError):
        new_event(actor_email="   ")


def test_text_with_nul_characters_is_refused():
    with pytest.raises(ValidationError, match="NUL"):
        new_event(reason="bad\x00reason")
    with pytest.raises(ValidationError, match="NUL"):
        new_event(after={"title": "bad\x00title"})


def test_unknown_fields_are_refused():
    with pytest.raises(ValidationError):
        new_event(actor="someone")


def test_each_event_gets_its_own_request_id_unless_given():
    first, second = new_event(), new_event()
    assert first.request_id != second.request_id
    assert new_event(request_id="req-7").request_id == "req-7"


def test_snapshots_become_json_data():
    when = dt.datetime(2025, 1, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    event = new_event(
        before={"start": when, "id": ident, "price": Decimal("1.50"), "tags": ("a", "b")},
        after={"day": dt.date(2025, 1, 2), "outcome": Outcome.FAILED, 3: "three"},
    )
    assert event.before == {
        "start": "2025-01-01T14:30:00.000000Z",
        "id": "12345678-1234-5678-1234-567812345678",
        "price": "1.50",
        "tags": ["a", "b"],
    }
    assert event.after == {"day": "2025-01-02", "outcome": "failed", "3": "three"}


@pytest.mark.parametrize("value", [float("nan"), float("inf"), b"bytes", object()])
def test_snapshots_refuse_what_json_cannot_hold(value):
    with pytest.raises(ValidationError):
        new_event(after={"value": value})


def test_snapshots_are_redacted_on_construction_so_no_repr_shows_a_secret():
    event = new_event(before={"api_key": "rk_live_abc123"}, after={"headers": {"Cookie": "s=1"}})
    assert event.before == {"api_key": REDACTED}
    assert event.after == {"headers": {"Cookie": REDACTED}}
    assert "rk_live_abc123" not in repr(event)
    assert "s=1" not in repr(event)


def test_credentials_pasted_into_the_reason_or_target_are_scrubbed():
    event = new_event(reason=f"user sent {JWT} by mail", target="https://x.example/j?token=abc")
    assert event.reason == f"user sent {REDACTED} by mail"
    assert event.target == f"https://x.example/j?token={REDACTED}"
    assert new_event(reason="customer asked to stop recording").reason == (
        "customer asked to stop recording"
    )


def test_oversized_snapshots_are_refused():
    with pytest.raises(ValidationError, match="larger"):
        new_event(after={"blob": "x" * 300_000})


# -- redaction --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "token",
        "access_token",
        "refreshToken",
        "api_key",
        "X-Api-Key",
        "Authorization",
        "password",
        "client_secret",
        "Set-Cookie",
        "calendar_auth_token",
    ],
)
def test_secret_looking_keys_are_redacted(key):
    assert redact({key: "s3cr3t-value"}) == {key: REDACTED}


def test_redaction_reaches_any_depth_and_replaces_whole_subtrees():
    value = {
        "calendars": [
            {"platform": "google", "oauth": {"refresh_token": "r-1", "scope": "calendar"}},
            {"platform": "microsoft", "credentials": {"refresh": "r-2", "tenant": "t"}},
        ],
        "nested": [[{"deep": {"Password": "hunter2"}}]],
        "secret": {"anything": ["under", "it"]},
    }
    assert redact(value) == {
        "calendars": [
            {"platform": "google", "oauth": {"refresh_token": REDACTED, "scope": "calendar"}},
            {"platform": "microsoft", "credentials": REDACTED},
        ],
        "nested": [[{"deep": {"Password": REDACTED}}]],
        "secret": REDACTED,
    }


def test_redaction_leaves_ordinary_data_and_the_input_alone():
    value = {"user_id": "u-1", "record_external": True, "count": 3, "token": "t", "none": None}
    copy = json.loads(json.dumps(value))
    result = redact(value)
    assert value == copy
    assert result == {**copy, "token": REDACTED}


def test_a_cleared_secret_stays_visible_as_none():
    assert redact({"token": None}) == {"token": None}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Token 0123456789abcdef0123", REDACTED),
        ("Bearer abcdefghijklmnopqrstuvwxyz", REDACTED),
        (f"connect with {JWT} please", f"connect with {REDACTED} please"),
        (
            "https://app.example.com/cb?state=x&token=abc.def&next=/home",
            f"https://app.example.com/cb?state=x&token={REDACTED}&next=/home",
        ),
        ("?api_key=k1", f"?api_key={REDACTED}"),
        (
            "postgresql://console:pw-1@db.internal:5432/console",
            f"postgresql://console:{REDACTED}@db.internal:5432/console",
        ),
    ],
)
def test_credentials_inside_strings_are_scrubbed(text, expected):
    assert redact({"note": text}) == {"note": expected}
    assert redact([text]) == [expected]


@pytest.mark.parametrize("text", ["Token economics review", "bearer of bad news", "a-b.c-d"])
def test_ordinary_prose_is_not_scrubbed(text):
    assert redact(text) == text


# -- hashing ----------------------------------------------------------------------------------


def test_hash_is_sha256_over_the_documented_canonical_document():
    event = stored_event()
    document = {
        "v": 1,
        "id": 7,
        "time": "2025-03-04T05:06:07.890123Z",
        "actor_email": "agent@example.com",
        "actor_role": "support",
        "action": "meeting.override",
        "user_id": "user-42",
        "target": "meeting-9",
        "reason": "customer asked",
        "ticket": "SUP-1",
        "before": {"override": None},
        "after": {"note": "\u00fcn\u00efcode \u2713", "override": "record"},
        "outcome": "ok",
        "error_class": None,
        "request_id": "req-1",
        "prev_hash": GENESIS_HASH,
    }
    # Sorted keys, no whitespace, non-ASCII escaped: the encoding the docstring promises.
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    assert event.hash == hashlib.sha256(text.encode("ascii")).hexdigest()
    assert event.expected_hash() == event.hash


@pytest.mark.parametrize("name", [n for n in HASHED_FIELDS if n != "time"])
def test_changing_any_hashed_field_changes_the_hash(name):
    original = stored_event()
    fields = original.model_dump()
    replacement = {
        "id": 8,
        "outcome": "failed",
        "before": {"override": "skip"},
        "after": None,
        "prev_hash": "f" * 64,
    }.get(name, "changed")
    fields[name] = replacement
    assert event_hash(fields) != original.hash


def test_the_hash_depends_on_the_instant_not_on_how_it_is_written():
    original = stored_event()
    later = stored_event(time=original.time + dt.timedelta(microseconds=1))
    assert later.hash != original.hash
    same_instant = original.time.astimezone(dt.timezone(dt.timedelta(hours=9)))
    fields = original.model_dump()
    fields["time"] = same_instant
    assert event_hash(fields) == original.hash


def test_format_time_is_utc_with_microseconds():
    moment = dt.datetime(2025, 6, 1, 2, 3, 4, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    assert format_time(moment) == "2025-05-31T23:03:04.000000Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        format_time(dt.datetime(2025, 1, 1))


# -- exports ----------------------------------------------------------------------------------


def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_neutralises_each_formula_prefix_in_every_text_cell(prefix):
    payload = prefix + 'HYPERLINK("http://evil.example","x")'
    event = stored_event(
        actor_role=payload,
        user_id=payload,
        target=payload,
        reason=payload,
        ticket=payload,
        request_id=payload,
        error_class=payload,
        outcome="failed",
    )
    (row,) = parse_csv(to_csv([event]))
    for column in ("actor_role", "user_id", "target", "reason", "ticket", "request_id"):
        assert row[column] == "'" + payload, column
    assert row["error_class"] == "'" + payload


def test_csv_neutralises_json_cells_that_start_with_a_sign():
    event = stored_event(before=-1, after=[1])
    (row,) = parse_csv(to_csv([event]))
    assert row["before"] == "'-1"
    assert row["after"] == "[1]"


def test_csv_leaves_safe_cells_as_they_are_and_survives_quotes_and_newlines():
    tricky = 'said "hi",\nthen left; a=b'
    event = stored_event(reason=tricky)
    (row,) = parse_csv(to_csv([event]))
    assert row["reason"] == tricky
    assert row["id"] == "7"
    assert row["time"] == "2025-03-04T05:06:07.890123Z"
    assert row["actor_email"] == "agent@example.com"
    assert json.loads(row["after"]) == {"override": "record", "note": "ünïcode ✓"}
    assert row["user_id"] == "user-42"
    assert row["error_class"] == ""


def test_csv_has_a_header_and_one_row_per_event():
    events = [stored_event(id=n) for n in (1, 2, 3)]
    text = to_csv(events)
    assert text.startswith("id,time,actor_email,")
    assert [row["id"] for row in parse_csv(text)] == ["1", "2", "3"]
    assert to_csv([]).count("\r\n") == 1


def test_json_export_round_trips_and_still_verifies():
    first = stored_event()
    second = stored_event(
        id=8,
        prev_hash=first.hash,
        outcome="failed",
        error_class="RecallTimeout",
        before=None,
        after={"n": 12345678901234567890, "f": 0.1, "list": [True, None, "✓"]},
    )
    restored = from_json(to_json([first, second]))
    assert restored == [first, second]
    assert [event.expected_hash() for event in restored] == [first.hash, second.hash]
    assert restored[1].prev_hash == restored[0].hash


def test_json_export_writes_times_in_utc():
    (record,) = json.loads(to_json([stored_event()]))
    assert record["time"] == "2025-03-04T05:06:07.890123Z"
    assert record["outcome"] == "ok"


def test_from_json_refuses_something_that_is_not_an_export():
    with pytest.raises(ValueError, match="array"):
        from_json('{"id": 1}')


def test_leading_whitespace_does_not_hide_a_formula() -> None:
    from lib.audit import neutralise_cell

    for start in ("=", "+", "-", "@"):
        for lead in (" ", "  ", "\t", " \t", "\u00a0"):
            value = f'{lead}{start}HYPERLINK("http://attacker.example/")'
            assert neutralise_cell(value) == "'" + value, repr(value)
    assert neutralise_cell("  Weekly sync") == "  Weekly sync"
    assert neutralise_cell("") == ""
