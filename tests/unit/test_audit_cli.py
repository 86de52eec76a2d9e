"""``python -m lib.audit verify|prune``: exit status, the one-line verdict, URL resolution."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lib.audit import PRUNE_ACTION, AuditStore, default_sqlite_url
from lib.audit.__main__ import EXIT_BROKEN, EXIT_ERROR, EXIT_OK, main, resolve_url
from tests.audit_key import TEST_AUDIT_KEY, TEST_AUDIT_SECRET
from tests.unit.test_audit_store import BACKENDS, backend_database, make_event, tamper

KEY_ENV = {"CONSOLE_AUDIT_KEY": TEST_AUDIT_SECRET}

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path):
    with backend_database(request, tmp_path) as url:
        yield url


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CONSOLE_DATA_DIR")}
    return subprocess.run(
        [sys.executable, "-m", "lib.audit", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**base, "PYTHONPATH": str(REPO_ROOT), **KEY_ENV, **(env or {})},
        timeout=60,
        check=False,
    )


def seed(url: str, *, old: int = 0, new: int = 0) -> None:
    now = dt.datetime.now(dt.UTC)
    with AuditStore(url, key=TEST_AUDIT_KEY) as store:
        for n in range(old):
            store.append(make_event(n, time=now - dt.timedelta(days=500 - n)))
        for n in range(new):
            store.append(make_event(old + n))


def test_verify_exits_0_with_one_line_on_a_sound_log(store_url):
    seed(store_url, new=3)
    done = run_cli("verify", "--url", store_url)
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stdout.splitlines()[0] == "ok: 3 events verified"


def test_verify_exits_1_and_says_where_the_chain_breaks(store_url):
    seed(store_url, new=4)
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as store:
        tamper(store, "DELETE FROM audit_events WHERE id = 2")
    done = run_cli("verify", "--url", store_url)
    assert done.returncode == EXIT_BROKEN
    (line,) = done.stdout.splitlines()
    assert line.startswith("broken at event 2:")


def test_prune_exits_0_and_removes_events_past_retention(store_url):
    seed(store_url, old=3, new=2)
    done = run_cli("prune", "--days", "400", "--url", store_url)
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stdout.startswith("pruned 3 events recorded before ")
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as store:
        assert store.count() == 3
        assert store.count(action=PRUNE_ACTION) == 1
        assert store.verify().ok


def test_prune_keeps_events_inside_a_shorter_window(store_url, capsys):
    seed(store_url, old=2, new=1)
    assert main(["prune", "--days", "600", "--url", store_url], environ=KEY_ENV) == EXIT_OK
    assert "pruned 0 events" in capsys.readouterr().out
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as store:
        assert store.count() == 3


def test_prune_exits_1_and_deletes_nothing_from_a_broken_log(store_url, capsys):
    seed(store_url, old=3, new=1)
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as store:
        tamper(store, "UPDATE audit_events SET reason = 'rewritten' WHERE id = 1")
    assert main(["prune", "--url", store_url], environ=KEY_ENV) == EXIT_BROKEN
    assert "refused" in capsys.readouterr().out
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as store:
        assert store.count() == 4


def test_the_data_dir_is_the_default_and_database_url_wins(tmp_path, capsys):
    data_dir = tmp_path / "console-data"
    seed(default_sqlite_url(data_dir), new=2)
    assert main(["verify"], environ={"CONSOLE_DATA_DIR": str(data_dir), **KEY_ENV}) == EXIT_OK
    assert capsys.readouterr().out.splitlines()[0] == "ok: 2 events verified"

    other = tmp_path / "other"
    seed(default_sqlite_url(other), new=5)
    env = {
        "CONSOLE_DATA_DIR": str(data_dir),
        "DATABASE_URL": default_sqlite_url(other),
        **KEY_ENV,
    }
    assert main(["verify"], environ=env) == EXIT_OK
    assert capsys.readouterr().out.splitlines()[0] == "ok: 5 events verified"

    assert main(["verify", "--url", default_sqlite_url(data_dir)], environ=env) == EXIT_OK
    assert capsys.readouterr().out.splitlines()[0] == "ok: 2 events verified"


def test_default_url_without_any_setting_is_data_under_the_working_directory():
    assert resolve_url(None, {}) == default_sqlite_url(Path("data"))
    assert resolve_url(None, {}).endswith("/data/console.db")


def test_a_missing_database_file_is_an_error_and_is_not_created(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert main(["verify"], environ={"CONSOLE_DATA_DIR": str(missing)}) == EXIT_ERROR
    assert "no audit database" in capsys.readouterr().err
    assert not missing.exists()


def test_a_database_without_an_audit_log_is_an_error(tmp_path, capsys):
    empty = tmp_path / "empty.db"
    empty.touch()
    assert main(["verify", "--url", f"sqlite:///{empty}"], environ=KEY_ENV) == EXIT_ERROR
    assert "no audit log" in capsys.readouterr().err


def test_an_unreachable_server_is_an_error_that_hides_the_password(capsys):
    url = "postgresql://auditor:pw-never-shown@127.0.0.1:9/console"
    assert main(["verify", "--url", url], environ=KEY_ENV) == EXIT_ERROR
    captured = capsys.readouterr()
    assert (
        "cannot use the audit log at postgresql+psycopg://auditor:***@127.0.0.1:9" in captured.err
    )
    assert "pw-never-shown" not in captured.out + captured.err


@pytest.mark.parametrize("days", ["0", "-3"])
def test_prune_needs_a_positive_number_of_days(tmp_path, days, capsys):
    url = default_sqlite_url(tmp_path)
    seed(url, old=1)
    assert main(["prune", "--days", days, "--url", url], environ=KEY_ENV) == EXIT_ERROR
    with AuditStore(url, key=TEST_AUDIT_KEY) as store:
        assert store.count() == 1


def test_an_unknown_command_is_a_usage_error():
    done = run_cli("rewrite")
    assert done.returncode == EXIT_ERROR
    assert "invalid choice" in done.stderr
