"""The keyed chain and its signed head, attacked as someone who can write the database would.

Every attack here passed ``verify`` while the chain was plain sha256 with its head in the same
database. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import os
import stat

import pytest

from lib.audit import (
    REKEY_ACTION,
    AuditKey,
    AuditKeyError,
    AuditKeyMissingError,
    AuditStore,
    ChainBrokenError,
    SignedHead,
    audit_key_problems,
    find_heads,
    to_csv,
    to_json,
)
from lib.audit.__main__ import EXIT_BROKEN, EXIT_ERROR, EXIT_OK, main
from lib.audit.anchor import HeadLog
from lib.audit.chain import event_hash
from lib.audit.keys import SANDBOX_KEY_FILE, resolve_audit_key, sandbox_key
from tests.audit_key import TEST_AUDIT_KEY, TEST_AUDIT_SECRET
from tests.unit.test_audit_store import BACKENDS, backend_database, fill, make_event, tamper

OTHER_SECRET = "another-audit-key-for-rotation-tests-0123456789"
OTHER_KEY = AuditKey(OTHER_SECRET)
GUESSED_KEY = AuditKey("an-attacker-guess-at-the-audit-key-000000")
NO_SECRETS: dict[str, object] = {}


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path):
    with backend_database(request, tmp_path) as url:
        yield url


@pytest.fixture
def store(store_url):
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as opened:
        yield opened


def truncate(store: AuditStore, keep: int, events: list) -> None:
    """Delete every event after ``keep`` and move the head back to it, as a DBA could."""
    tamper(store, "DELETE FROM audit_events WHERE id > :keep", keep=keep)
    tamper(
        store,
        "UPDATE audit_head SET last_id = :keep, last_hash = :h",
        keep=keep,
        h=events[keep - 1].hash,
    )


def rehash(store: AuditStore, events: list, first: int, hasher: AuditKey | None, **change) -> str:
    """Rewrite events from id ``first`` on (applying ``change`` to that one) and recompute every
    later hash and the head with ``hasher`` (None: plain sha256); returns the new head hash."""
    prev = events[first - 2].hash if first > 1 else events[0].prev_hash
    for event in events[first - 1 :]:
        fields = event.model_dump()
        if event.id == first:
            fields.update(change)
        fields["prev_hash"] = prev
        prev = event_hash(fields, hasher)
        tamper(
            store,
            "UPDATE audit_events SET reason = :r, prev_hash = :p, hash = :h WHERE id = :id",
            r=fields["reason"],
            p=fields["prev_hash"],
            h=prev,
            id=event.id,
        )
    tamper(store, "UPDATE audit_head SET last_hash = :h", h=prev)
    return prev


# -- the two attacks of the finding ------------------------------------------------------------


def test_deleting_the_newest_20_and_moving_the_head_back_is_found_against_a_signed_head(
    store_url,
):
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as writer:
        events = fill(writer, 120)
        exported = writer.signed_head()
        truncate(writer, 100, events)
        # The process that wrote the tail remembers it.
        seen = writer.verify()
        assert (seen.ok, seen.first_bad_id) == (False, 101)
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as fresh:
        # The database alone holds an older, valid chain: only a head kept elsewhere shows it.
        assert fresh.verify().ok
        result = fresh.verify(against=[exported])
    assert (result.ok, result.first_bad_id) == (False, 101)
    assert "events 101-120 are missing" in result.problem
    assert "truncated" in result.problem


@pytest.mark.parametrize("hasher", [None, GUESSED_KEY], ids=["sha256", "guessed-key"])
def test_editing_event_100_and_recomputing_the_later_hashes_is_found(store_url, hasher):
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as writer:
        events = fill(writer, 120)
        rehash(writer, events, 100, hasher, reason="nothing happened here")
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as fresh:
        result = fresh.verify()
        assert fresh.get(100).reason == "nothing happened here"
    assert (result.ok, result.first_bad_id, result.checked) == (False, 100, 99)


def test_an_event_rehashed_without_the_key_is_named_as_such(store):
    events = fill(store, 5)
    rehash(store, events, 3, None, reason="rewritten")
    result = store.verify()
    assert result.first_bad_id == 3
    assert "hashed without the audit key" in result.problem


def test_deleting_the_oldest_events_and_moving_the_checkpoint_is_found(store):
    events = fill(store, 10)
    tamper(store, "DELETE FROM audit_events WHERE id <= 3")
    tamper(
        store,
        "UPDATE audit_head SET checkpoint_id = 3, checkpoint_hash = :h",
        h=events[2].hash,
    )
    result = store.verify()
    assert not result.ok
    assert "deleted outside a prune" in result.problem


# -- the signed head ---------------------------------------------------------------------------


def test_a_signed_head_is_one_token_that_reads_back_from_any_text(store):
    fill(store, 3)
    head = store.signed_head()
    assert head.events == 3
    assert head.key_id == TEST_AUDIT_KEY.key_id
    assert head.signed_by(TEST_AUDIT_KEY)
    assert not head.signed_by(OTHER_KEY)
    text = f"2026-12-04 INFO something\nnoise {head.text} more noise\n"
    assert find_heads(text) == [head]
    assert TEST_AUDIT_SECRET not in head.text


def test_an_altered_head_is_refused_in_words(store):
    fill(store, 4)
    head = store.signed_head()
    forged = SignedHead(events=2, hash=store.get(2).hash, key_id=head.key_id, mac=head.mac)
    result = store.verify(against=[forged])
    assert not result.ok
    assert "does not match its signature" in result.problem


def test_a_head_signed_with_another_key_says_so(store):
    fill(store, 2)
    foreign = SignedHead.sign(2, store.get(2).hash, OTHER_KEY)
    result = store.verify(against=[foreign])
    assert not result.ok
    assert f"signed with audit key id {OTHER_KEY.key_id}" in result.problem
    assert f"not the configured key (id {TEST_AUDIT_KEY.key_id})" in result.problem


def test_a_rewrite_before_the_anchored_event_is_found_against_the_head(store_url):
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as writer:
        events = fill(writer, 6)
        head = writer.signed_head()
    # Someone holding the key re-signs a changed history of the same length: the chain
    # verifies, the head kept outside the database does not match it.
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as holder:
        rehash(holder, events, 2, TEST_AUDIT_KEY, reason="changed with the key")
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as fresh:
        assert fresh.verify().ok
        result = fresh.verify(against=[head])
    assert (result.ok, result.first_bad_id) == (False, 6)
    assert "rewritten" in result.problem


def test_a_head_from_before_a_prune_still_verifies(store):
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=500)
    for n in range(3):
        store.append(make_event(n, time=old))
    head = store.signed_head()
    fill(store, 2)
    assert store.prune(dt.datetime.now(dt.UTC) - dt.timedelta(days=400)) == 3
    result = store.verify(against=[head])
    assert result.ok, result.summary()


def test_the_store_logs_its_signed_head_when_opened_and_on_appends(store_url, caplog):
    caplog.set_level(logging.INFO, logger="lib.audit.anchor")
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as store:
        store.append(make_event(1))
        logged = find_heads(caplog.text)
        assert logged, caplog.text
        assert logged[0].signed_by(TEST_AUDIT_KEY)
        assert TEST_AUDIT_SECRET not in caplog.text


def test_the_head_log_is_periodic():
    log = HeadLog(interval_s=3600)
    assert log.due()
    log.write(SignedHead.sign(0, "0" * 64, TEST_AUDIT_KEY))
    assert not log.due()
    assert HeadLog(interval_s=0).due()


def test_exports_carry_the_signed_head(store):
    events = fill(store, 3)
    head = store.signed_head()
    assert set(find_heads(to_csv(events, head))) == {head}
    assert find_heads(to_json(events, head)) == [head]
    # One more column, on every row, so sorting or filtering a spreadsheet never loses it.
    rows = list(csv.DictReader(io.StringIO(to_csv(events, head))))
    assert [int(row["id"]) for row in rows] == [1, 2, 3]
    assert {row["log_signed_head"] for row in rows} == {head.text}


# -- the command line --------------------------------------------------------------------------


def cli(*args: str, url: str, secret: str = TEST_AUDIT_SECRET) -> int:
    return main([*args, "--url", url], environ={"CONSOLE_AUDIT_KEY": secret}, secrets=NO_SECRETS)


@pytest.mark.parametrize("fmt", ["csv", "json", "log", "token"])
def test_verify_against_an_exported_head_finds_truncation(store_url, tmp_path, capsys, fmt):
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as store:
        events = fill(store, 30)
        head = store.signed_head()
    anchor = tmp_path / f"kept.{fmt}"
    if fmt == "csv":
        anchor.write_text(to_csv(events, head), encoding="utf-8-sig")
    elif fmt == "json":
        anchor.write_text(to_json(events, head), encoding="utf-8")
    elif fmt == "log":
        anchor.write_text(f"INFO lib.audit.anchor: audit chain head: {head}\n", encoding="utf-8")
    against = head.text if fmt == "token" else str(anchor)

    assert cli("verify", "--against", against, url=store_url) == EXIT_OK
    assert capsys.readouterr().out.startswith("ok: 30 events verified")

    with AuditStore(store_url, key=TEST_AUDIT_KEY) as store:
        truncate(store, 10, events)
    assert cli("verify", url=store_url) == EXIT_OK  # the database alone looks sound
    capsys.readouterr()
    assert cli("verify", "--against", against, url=store_url) == EXIT_BROKEN
    out = capsys.readouterr().out
    assert out.startswith("broken at event 11:")
    assert "events 11-30 are missing" in out


def test_verify_against_text_without_a_head_is_a_usage_error(store_url, capsys):
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as store:
        fill(store, 1)
    assert cli("verify", "--against", "nothing to see", url=store_url) == EXIT_ERROR
    assert "no signed head found" in capsys.readouterr().err


def test_head_prints_the_signed_head(store_url, capsys):
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as store:
        fill(store, 2)
        expected = store.signed_head()
    assert cli("head", url=store_url) == EXIT_OK
    assert capsys.readouterr().out.strip() == expected.text


def test_verify_without_any_key_says_how_to_configure_one(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'elsewhere' / 'console.db'}"
    with AuditStore(url, key=TEST_AUDIT_KEY) as store:
        fill(store, 1)
    status = main(["verify", "--url", url], environ={"CONSOLE_DATA_DIR": str(tmp_path / "none")})
    assert status == EXIT_ERROR
    assert "no audit key" in capsys.readouterr().err


def test_the_cli_finds_the_sandbox_key_beside_a_sqlite_database(tmp_path, capsys):
    data_dir = tmp_path / "data"
    key = sandbox_key(data_dir)
    url = f"sqlite:///{data_dir / 'console.db'}"
    with AuditStore(url, key=key) as store:
        fill(store, 2)
    assert main(["verify", "--url", url], environ={}, secrets=NO_SECRETS) == EXIT_OK
    assert capsys.readouterr().out.startswith("ok: 2 events verified")


# -- a wrong key -------------------------------------------------------------------------------


def test_a_wrong_key_says_so_in_words(store_url, capsys):
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as store:
        fill(store, 5)
    with AuditStore(store_url, key=OTHER_KEY) as wrong:
        result = wrong.verify()
    assert (result.ok, result.first_bad_id) == (False, 1)
    assert "not the key the log was signed with" in result.problem
    assert OTHER_KEY.key_id in result.problem

    assert cli("verify", url=store_url, secret=OTHER_SECRET) == EXIT_BROKEN
    assert "not the key the log was signed with" in capsys.readouterr().out


def test_a_store_without_a_key_reads_but_does_not_sign(store_url):
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as store:
        fill(store, 2)
    with AuditStore(store_url) as reader:
        assert reader.count() == 2
        with pytest.raises(AuditKeyMissingError, match="audit_key"):
            reader.append(make_event(3))
        with pytest.raises(AuditKeyMissingError):
            reader.verify()


# -- rotation ----------------------------------------------------------------------------------


def test_rekey_keeps_a_chain_that_verifies_under_the_new_key(store_url):
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as old:
        fill(old, 30)
    with AuditStore(store_url, key=OTHER_KEY) as new:
        done = new.rekey(TEST_AUDIT_KEY)
        assert (done.events, done.from_key_id, done.to_key_id) == (
            30,
            TEST_AUDIT_KEY.key_id,
            OTHER_KEY.key_id,
        )
        result = new.verify(against=[done.head])
        assert (result.ok, result.checked) == (True, 31)
        record = new.query(limit=1)[0]
        assert record.action == REKEY_ACTION
        assert record.after["from_key_id"] == TEST_AUDIT_KEY.key_id
        assert record.after["to_key_id"] == OTHER_KEY.key_id
        assert record.after["previous_head"]["events"] == 30
        new.append(make_event(31))
        assert new.verify().ok
        # Content is untouched; only the chain's hashes changed.
        assert [e.reason for e in new.query(limit=31, newest_first=False)][:2] == [
            "change number 1",
            "change number 2",
        ]
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as stale:
        result = stale.verify()
    assert not result.ok
    assert "not the key the log was signed with" in result.problem
    assert f"the last re-key recorded key id {OTHER_KEY.key_id}" in result.problem


def test_rekey_refuses_a_broken_chain_and_changes_nothing(store_url):
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as old:
        events = fill(old, 5)
        tamper(old, "UPDATE audit_events SET reason = 'edited' WHERE id = 2")
    with AuditStore(store_url, key=OTHER_KEY) as new:
        with pytest.raises(ChainBrokenError):
            new.rekey(TEST_AUDIT_KEY)
        assert new.count() == 5
        assert new.get(5).hash == events[4].hash


def test_rekey_with_the_wrong_old_key_changes_nothing(store_url):
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as old:
        fill(old, 3)
    with AuditStore(store_url, key=OTHER_KEY) as new, pytest.raises(ChainBrokenError):
        new.rekey(GUESSED_KEY)
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as old:
        assert old.verify().ok


def test_a_log_from_before_the_key_is_named_and_signed_once(store_url):
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as store:
        events = fill(store, 4)
        rehash(store, events, 1, None, reason=events[0].reason)  # as the unkeyed version wrote it
        # The upgraded console appends on top of it before anyone re-keys.
        store.append(make_event(5))
        verdict = store.verify()
        assert "rekey --from-unkeyed" in verdict.problem
        done = store.rekey(None)
        assert (done.events, done.from_key_id) == (5, "unkeyed")
        assert store.verify().ok


def test_rekey_from_the_command_line(store_url, tmp_path, capsys):
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as old:
        fill(old, 4)
    old_key_file = tmp_path / "old-audit.key"
    old_key_file.write_text(TEST_AUDIT_SECRET + "\n", encoding="utf-8")
    assert (
        cli("rekey", "--old-key-file", str(old_key_file), url=store_url, secret=OTHER_SECRET)
        == EXIT_OK
    )
    out = capsys.readouterr().out
    assert f"re-signed 4 events: key {TEST_AUDIT_KEY.key_id} -> {OTHER_KEY.key_id}" in out
    assert cli("verify", url=store_url, secret=OTHER_SECRET) == EXIT_OK
    assert cli("verify", url=store_url) == EXIT_BROKEN
    assert cli("rekey", url=store_url, secret=OTHER_SECRET) == EXIT_ERROR
    assert "--from-unkeyed" in capsys.readouterr().err


# -- keys --------------------------------------------------------------------------------------


def test_key_problems_follow_the_cookie_key_rules():
    assert audit_key_problems(None, mode="sandbox") == []
    assert "No [console] audit_key" in audit_key_problems(None, mode="live")[0]
    assert "shorter than 32" in audit_key_problems("short", mode="live")[0]
    assert "shorter than 32" in audit_key_problems("short", mode="sandbox")[0]
    assert "well-known" in audit_key_problems("changeme", mode="live")[0]
    assert audit_key_problems("k" * 48, mode="live") == []
    with pytest.raises(AuditKeyError, match="No \\[console\\] audit_key"):
        resolve_audit_key(None, mode="live", data_dir=None)  # type: ignore[arg-type]


def test_the_sandbox_key_is_generated_once_and_private(tmp_path):
    first = sandbox_key(tmp_path / "data")
    again = resolve_audit_key(None, mode="sandbox", data_dir=tmp_path / "data")
    assert first == again
    path = tmp_path / "data" / SANDBOX_KEY_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in (tmp_path / "data").iterdir()] == [SANDBOX_KEY_FILE]
    assert resolve_audit_key("k" * 40, mode="sandbox", data_dir=tmp_path) == AuditKey("k" * 40)


def test_a_key_never_shows_its_secret():
    assert TEST_AUDIT_SECRET not in repr(TEST_AUDIT_KEY)
    assert repr(TEST_AUDIT_KEY) == f"AuditKey(id={TEST_AUDIT_KEY.key_id})"
    with pytest.raises(AuditKeyError, match="shorter than"):
        AuditKey("too-short")
