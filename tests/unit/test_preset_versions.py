"""Saved preset versions against a real SQLite file and the real PostgreSQL server.

Every test runs on both backends; PostgreSQL runs get a schema of their own, dropped
afterwards, so tests never see each other's versions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from lib.actions import ActionError, PermissionDeniedError
from lib.db import default_sqlite_url, make_engine
from lib.presets import canonical_json, validate
from lib.presets.versions import (
    MAX_NOTE_CHARS,
    DuplicateVersionError,
    InvalidPresetError,
    NoteRequiredError,
    PresetVersions,
    SentMarkError,
    VersionNotFoundError,
    require_preset_manager,
)
from lib.staff import Role, StaffMember
from tests.pg_schema import postgres_schema as shared_postgres_schema

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
SAVED_AT = dt.datetime(2026, 3, 10, 15, 30, tzinfo=dt.UTC)

ADMIN = StaffMember("Ada@Console.example", "Ada", Role.ADMIN, "demo", SAVED_AT)
EDITOR = StaffMember("ed@console.example", "Ed", Role.EDITOR, "demo", SAVED_AT)
VIEWER = StaffMember("vera@console.example", "Vera", Role.VIEWER, "demo", SAVED_AT)

CAPTIONS = {"recording_config": {"transcript": {"provider": {"meeting_captions": {}}}}}
DEEPGRAM = {"recording_config": {"transcript": {"provider": {"deepgram_streaming": {}}}}}
RECORDING = {"recording_config": {"video_mixed_layout": "gallery_view"}}


@contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema (dropped on exit)."""
    with shared_postgres_schema(base_url, "preset_test") as url:
        yield url


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path: Path):
    if request.param == "sqlite":
        yield default_sqlite_url(tmp_path / "data")
        return
    with postgres_schema(request.getfixturevalue("postgres_url")) as url:
        yield url


class Clock:
    """A settable clock, so dates around saving and sending can be tested exactly."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(SAVED_AT)


@pytest.fixture
def store(store_url, clock):
    with PresetVersions(store_url, clock=clock) as opened:
        yield opened


# -- saving ------------------------------------------------------------------------------------


def test_versions_are_numbered_from_one_and_listed_newest_first(store):
    saved = [
        store.save(preset, author=ADMIN, note=f"change {n}")
        for n, preset in enumerate([CAPTIONS, DEEPGRAM, RECORDING], start=1)
    ]
    assert [v.number for v in saved] == [1, 2, 3]
    assert [v.number for v in store.list()] == [3, 2, 1]
    assert [v.number for v in store.list(limit=2)] == [3, 2]
    assert store.count() == 3
    assert store.latest() == saved[-1]
    assert store.get(2) == saved[1]
    assert store.get(4) is None


def test_a_version_keeps_canonical_content_its_hash_author_time_and_note(store):
    # Keys out of order and odd spacing: what is stored is the one canonical text.
    pasted = '{ "recording_config":{"video_mixed_layout":"gallery_view",  "retention": null}}'
    version = store.save(pasted, author=ADMIN, note="  gallery view, keep nothing \n")
    assert version.content == canonical_json(pasted)
    assert json.loads(version.content) == json.loads(pasted)
    assert version.content.index('"retention"') < version.content.index('"video_mixed_layout"')
    assert version.content_hash == hashlib.sha256(version.content.encode()).hexdigest()
    assert version.short_hash == version.content_hash[:12]
    assert version.intact
    assert version.author == "ada@console.example"
    assert version.note == "gallery view, keep nothing"
    assert version.created_at == SAVED_AT
    assert version.sent == ()
    assert store.get(1) == version


def test_text_bytes_and_mappings_of_the_same_preset_are_the_same_version(store):
    store.save(json.dumps(DEEPGRAM), author=ADMIN, note="first")
    for same in (DEEPGRAM, json.dumps(DEEPGRAM, indent=4).encode()):
        with pytest.raises(DuplicateVersionError, match="same as v1") as refused:
            store.save(same, author=ADMIN, note="again")
        assert refused.value.existing.number == 1
    assert store.count() == 1


def test_going_back_to_an_older_preset_is_a_new_version(store):
    first = store.save(CAPTIONS, author=ADMIN, note="captions")
    store.save(DEEPGRAM, author=ADMIN, note="deepgram")
    back = store.save(CAPTIONS, author=ADMIN, note="back to captions")
    assert back.number == 3
    assert back.content_hash == first.content_hash


def test_a_preset_with_errors_is_refused_with_its_report(store):
    bad = {"recording_config": {"video_mixed_layout": "sideways"}}
    with pytest.raises(InvalidPresetError) as refused:
        store.save(bad, author=ADMIN, note="broken")
    assert "recording_config.video_mixed_layout" in refused.value.message
    assert [f.path for f in refused.value.report.errors] == ["recording_config.video_mixed_layout"]
    with pytest.raises(InvalidPresetError, match="line 1"):
        store.save('{"recording_config": ', author=ADMIN, note="truncated")
    assert store.count() == 0


def test_a_legacy_preset_with_only_warnings_can_be_saved(store):
    legacy = {"transcription_options": {"provider": "deepgram"}}
    assert validate(legacy).ok and validate(legacy).warnings
    assert store.save(legacy, author=ADMIN, note="as Recall has it today").number == 1


@pytest.mark.parametrize("note", [None, "", "   \n\t"])
def test_a_note_is_required(store, note):
    with pytest.raises(NoteRequiredError, match="note"):
        store.save(CAPTIONS, author=ADMIN, note=note)
    assert store.count() == 0


def test_a_note_has_a_length_limit(store):
    with pytest.raises(NoteRequiredError, match=str(MAX_NOTE_CHARS)):
        store.save(CAPTIONS, author=ADMIN, note="x" * (MAX_NOTE_CHARS + 1))
    assert store.save(CAPTIONS, author=ADMIN, note="x" * MAX_NOTE_CHARS).number == 1


@pytest.mark.parametrize("staff", [VIEWER, EDITOR], ids=["viewer", "editor"])
def test_only_an_admin_may_save_or_mark_sent(store, staff):
    with pytest.raises(PermissionDeniedError, match=staff.role.label):
        store.save(CAPTIONS, author=staff, note="crafted call")
    assert store.count() == 0
    store.save(CAPTIONS, author=ADMIN, note="by an admin")
    with pytest.raises(PermissionDeniedError):
        store.mark_sent(1, by=staff, sent_on=SAVED_AT.date())
    assert store.get(1).sent == ()


def test_the_guard_is_the_permission_table():
    require_preset_manager(ADMIN)
    for staff in (VIEWER, EDITOR):
        with pytest.raises(PermissionDeniedError) as refused:
            require_preset_manager(staff)
        assert isinstance(refused.value, ActionError)
        assert "admin" in refused.value.message


def test_concurrent_saves_get_distinct_consecutive_numbers(store_url, clock):
    stores = [PresetVersions(store_url, clock=clock) for _ in range(3)]
    errors: list[BaseException] = []

    def save_many(worker: int) -> None:
        try:
            for n in range(3):
                preset = {"metadata": {"worker": str(worker), "n": str(n)}}
                stores[worker].save(preset, author=ADMIN, note=f"w{worker} n{n}")
        except BaseException as exc:  # surfaced below, so a failure is not lost in a thread
            errors.append(exc)

    threads = [threading.Thread(target=save_many, args=(w,)) for w in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        numbers = sorted(v.number for v in stores[0].list())
        assert numbers == list(range(1, 10))
        assert len({v.content_hash for v in stores[0].list()}) == 9
    finally:
        for opened in stores:
            opened.close()


# -- marking as sent ---------------------------------------------------------------------------


def test_marking_sent_records_the_date_and_who(store, clock):
    store.save(CAPTIONS, author=ADMIN, note="captions")
    clock.now = SAVED_AT + dt.timedelta(days=2)
    version = store.mark_sent(1, by=ADMIN, sent_on=dt.date(2026, 3, 11))
    (mark,) = version.sent
    assert mark.sent_on == dt.date(2026, 3, 11)
    assert mark.marked_by == "ada@console.example"
    assert mark.marked_at == clock.now
    assert store.get(1).last_sent == mark
    assert store.last_sent() == (store.get(1), mark)


def test_a_version_can_be_sent_again_on_another_day_but_not_twice_a_day(store, clock):
    store.save(CAPTIONS, author=ADMIN, note="captions")
    clock.now = SAVED_AT + dt.timedelta(days=30)
    store.mark_sent(1, by=ADMIN, sent_on=dt.date(2026, 3, 12))
    with pytest.raises(SentMarkError, match="already marked as sent on 2026-03-12"):
        store.mark_sent(1, by=ADMIN, sent_on=dt.date(2026, 3, 12))
    again = store.mark_sent(1, by=ADMIN, sent_on=dt.date(2026, 4, 1))
    assert [m.sent_on for m in again.sent] == [dt.date(2026, 3, 12), dt.date(2026, 4, 1)]


def test_last_sent_follows_the_latest_date_even_back_to_an_older_version(store, clock):
    assert store.last_sent() is None
    store.save(CAPTIONS, author=ADMIN, note="captions")
    store.save(DEEPGRAM, author=ADMIN, note="deepgram")
    clock.now = SAVED_AT + dt.timedelta(days=30)
    store.mark_sent(2, by=ADMIN, sent_on=dt.date(2026, 3, 15))
    assert store.last_sent()[0].number == 2
    # Deepgram went wrong; captions went back to Recall a week later.
    store.mark_sent(1, by=ADMIN, sent_on=dt.date(2026, 3, 22))
    version, mark = store.last_sent()
    assert (version.number, mark.sent_on) == (1, dt.date(2026, 3, 22))
    # Recording a forgotten, earlier send of v2 does not make it the current one.
    store.mark_sent(2, by=ADMIN, sent_on=dt.date(2026, 3, 11))
    assert store.last_sent()[0].number == 1


def test_sent_dates_must_be_possible(store, clock):
    store.save(CAPTIONS, author=ADMIN, note="captions")
    # Saved 2026-03-10 15:30 UTC; "now" is the same moment.
    with pytest.raises(SentMarkError, match="future"):
        store.mark_sent(1, by=ADMIN, sent_on=dt.date(2026, 3, 12))
    with pytest.raises(SentMarkError, match="saved on 2026-03-10"):
        store.mark_sent(1, by=ADMIN, sent_on=dt.date(2026, 3, 8))
    with pytest.raises(SentMarkError, match="calendar date"):
        store.mark_sent(1, by=ADMIN, sent_on=SAVED_AT)  # type: ignore[arg-type]
    # A day either side of the UTC date is a time zone, not a mistake.
    assert store.mark_sent(1, by=ADMIN, sent_on=dt.date(2026, 3, 9)).sent
    assert store.mark_sent(1, by=ADMIN, sent_on=dt.date(2026, 3, 11)).sent


def test_marking_an_unknown_version_says_so(store):
    with pytest.raises(VersionNotFoundError, match="no preset version 7"):
        store.mark_sent(7, by=ADMIN, sent_on=SAVED_AT.date())


# -- reading back ------------------------------------------------------------------------------


def test_diff_between_two_versions_is_a_unified_diff_of_canonical_json(store):
    store.save(CAPTIONS, author=ADMIN, note="captions")
    store.save(DEEPGRAM, author=ADMIN, note="deepgram")
    v1, v2 = store.get(1), store.get(2)
    diff = store.diff(1, 2)
    lines = diff.splitlines()
    assert lines[0] == f"--- v1 ({v1.short_hash})"
    assert lines[1] == f"+++ v2 ({v2.short_hash})"
    assert '-        "meeting_captions": {}' in lines
    assert '+        "deepgram_streaming": {}' in lines
    # Only the changed line differs; the shared structure is context.
    assert sum(1 for line in lines[2:] if line[:1] in "+-") == 2
    assert store.diff(2, 2) == ""
    with pytest.raises(VersionNotFoundError, match="no preset version 9"):
        store.diff(1, 9)


def test_versions_survive_reopening_and_a_shared_engine_stays_open(store_url, clock):
    with PresetVersions(store_url, clock=clock) as first:
        first.save(CAPTIONS, author=ADMIN, note="captions")
    engine = make_engine(store_url)
    try:
        with PresetVersions(engine, clock=clock) as second:
            assert second.latest().number == 1
            assert second.save(DEEPGRAM, author=ADMIN, note="deepgram").number == 2
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM preset_versions")).scalar() == 2
    finally:
        engine.dispose()


def test_content_changed_behind_the_stores_back_is_no_longer_intact(store):
    store.save(CAPTIONS, author=ADMIN, note="captions")
    with store.engine.begin() as conn:
        conn.execute(
            text("UPDATE preset_versions SET content = :content WHERE number = 1"),
            {"content": canonical_json(DEEPGRAM)},
        )
    assert not store.get(1).intact


def test_reprs_name_neither_content_nor_credentials(store, store_url):
    version = store.save(CAPTIONS, author=ADMIN, note="captions")
    assert repr(version) == f"Version(number=1, content_hash={version.short_hash!r})"
    assert repr(store) == f"PresetVersions(backend={store.backend!r})"
    password = make_url(store_url).password
    if password:
        assert password not in repr(store)
