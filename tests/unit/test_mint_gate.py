"""No token is minted for an id that is not a calendar user now (lib/mint_gate.py).

Recall's authenticate re-creates a deleted user. Each test keeps an old user list in "this"
console process (as its directory cache would), deletes a user elsewhere (another console
process on the same database, or Recall directly), and checks that no path mints for it: the
sandbox's user count is unchanged.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from lib.actions import Actions, WriteFailedError
from lib.audit import AuditStore
from lib.cohort import run_cohort
from lib.deletions import Deletion, UserDeletions
from lib.mint_gate import MintGate, UserGoneError
from lib.recall import RecallClient, UnavailableError
from lib.sandbox.server import RunningSandbox
from lib.staff import Role, StaffMember
from tests.audit_key import TEST_AUDIT_KEY

SMALL = {"users": 8, "heavy_user_meetings": 0}
REPO = Path(__file__).resolve().parents[2]
REASON = "Customer asked to be removed"


def staff(role: Role) -> StaffMember:
    return StaffMember(f"{role.value}@corp.example", role.value, role, "local", datetime.now(UTC))


def user_count(running: RunningSandbox) -> int:
    """Counted by Recall's own list, asked with the API key (which never creates anyone)."""
    response = httpx.get(
        f"{running.base_url}/api/v1/calendar/users/",
        params={"paginate": "false"},
        headers={"Authorization": f"Token {running.api_key}"},
    )
    response.raise_for_status()
    return len(response.json())


def ids(client: RecallClient) -> list[str]:
    return [str(u.get("external_id") or "") for u in client.list_users_v1()]


class Console:
    """One console process's view: its client, its gate (with its own kept list) and actions."""

    def __init__(self, running: RunningSandbox, db_url: str, max_list_age_s: float) -> None:
        self.client = RecallClient(running.base_url, running.api_key)
        self.audit = AuditStore(db_url, key=TEST_AUDIT_KEY)
        self.deletions = UserDeletions(self.audit.engine)
        self.gate = MintGate(
            workspace=self.client.base_url,
            list_ids=lambda: ids(self.client),
            deletions=self.deletions,
            max_list_age_s=max_list_age_s,
        )
        self.client.set_mint_guard(self.gate.check)
        # What the directory cache would hold: the list as loaded a while ago.
        self.directory = frozenset(ids(self.client))

    def actions(self, role: Role = Role.ADMIN) -> Actions:
        return Actions(
            staff=staff(role),
            client=self.client,
            audit=self.audit,
            user_exists=self.directory.__contains__,
            mint_gate=self.gate,
        )

    def close(self) -> None:
        self.client.close()
        self.audit.close()


@pytest.fixture
def running(make_sandbox: Callable[..., RunningSandbox]) -> RunningSandbox:
    return make_sandbox(**SMALL)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'console.db'}"


@pytest.fixture
def consoles(running: RunningSandbox, db_url: str) -> Iterator[Callable[..., Console]]:
    made: list[Console] = []

    def _make(max_list_age_s: float = 5.0) -> Console:
        console = Console(running, db_url, max_list_age_s)
        made.append(console)
        return console

    yield _make
    for console in made:
        console.close()


def first_user(running: RunningSandbox) -> str:
    return sorted(u.external_id for u in running.state.workspace.users())[0]


def test_a_delete_in_another_console_process_stops_every_mint_here(
    running: RunningSandbox, consoles: Callable[..., Console]
) -> None:
    # This process read the list a moment ago: within its freshness window, the list alone
    # would let a mint through.
    here = consoles(max_list_age_s=600)
    there = consoles()
    user_id = first_user(running)
    assert here.gate.exists(user_id)
    there.actions().delete_user(user_id, confirmation=user_id, reason=REASON)
    before = user_count(running)

    with pytest.raises(UserGoneError, match="deleted through the console"):
        here.client.get_user(user_id)
    with pytest.raises(UserGoneError):
        here.client.list_meetings(user_id)
    result = run_cohort(here.client, [user_id], here.directory, None)
    assert user_id in result.failures and "no longer" in result.failures[user_id]
    assert user_count(running) == before


def test_a_rename_in_another_console_process_stops_mints_of_the_old_id_here(
    running: RunningSandbox, consoles: Callable[..., Console]
) -> None:
    here = consoles(max_list_age_s=600)
    there = consoles()
    user_id = first_user(running)
    assert here.gate.exists(user_id)
    there.actions().rename_user(user_id, "renamed-user", confirmation="renamed-user", reason=REASON)
    before = user_count(running)

    with pytest.raises(UserGoneError):
        here.client.get_user(user_id)
    assert user_count(running) == before
    # The new id is an ordinary calendar user for every process.
    assert here.client.get_user("renamed-user").external_id == "renamed-user"
    assert user_count(running) == before


def test_a_delete_by_another_os_process_is_seen_through_the_database(
    running: RunningSandbox, consoles: Callable[..., Console], db_url: str
) -> None:
    here = consoles(max_list_age_s=600)
    user_id = first_user(running)
    assert here.gate.exists(user_id)
    script = textwrap.dedent(
        f"""
        from datetime import UTC, datetime
        from lib.actions import Actions
        from lib.audit import AuditStore
        from tests.audit_key import TEST_AUDIT_KEY
        from lib.deletions import UserDeletions
        from lib.mint_gate import MintGate
        from lib.recall import RecallClient
        from lib.staff import Role, StaffMember

        client = RecallClient({running.base_url!r}, {running.api_key!r})
        audit = AuditStore({db_url!r}, key=TEST_AUDIT_KEY)
        gate = MintGate(workspace=client.base_url, list_ids=lambda: [],
                        deletions=UserDeletions(audit.engine))
        admin = StaffMember("ops@corp.example", "Ops", Role.ADMIN, "local", datetime.now(UTC))
        Actions(staff=admin, client=client, audit=audit, user_exists=lambda _: True,
                mint_gate=gate).delete_user({user_id!r}, confirmation={user_id!r},
                                            reason={REASON!r})
        """
    )
    subprocess.run([sys.executable, "-c", script], cwd=REPO, check=True, timeout=60)
    before = user_count(running)

    with pytest.raises(UserGoneError, match=r"ops@corp\.example"):
        here.client.get_user(user_id)
    assert user_count(running) == before


def test_a_user_deleted_directly_in_recall_is_noticed_by_a_fresh_list(
    running: RunningSandbox, consoles: Callable[..., Console]
) -> None:
    here = consoles(max_list_age_s=0)
    user_id = first_user(running)
    # The company's product deletes the user with its own client; the console knows nothing.
    product = RecallClient(running.base_url, running.api_key)
    product.delete_user(user_id)
    product.close()
    assert user_id in here.directory
    before = user_count(running)

    with pytest.raises(UserGoneError, match="no longer exists"):
        here.client.get_user(user_id)
    result = run_cohort(here.client, [user_id], here.directory, None)
    assert user_id in result.failures
    assert user_count(running) == before


def test_a_connection_link_is_not_built_for_a_deleted_user(
    running: RunningSandbox, consoles: Callable[..., Console]
) -> None:
    here = consoles(max_list_age_s=0)
    user_id = first_user(running)
    RecallClient(running.base_url, running.api_key).delete_user(user_id)
    before = user_count(running)

    with pytest.raises(WriteFailedError, match="no longer exists"):
        here.actions(Role.EDITOR).connection_link(
            user_id,
            "google",
            client_id="sandbox-google-client",
            sandbox=True,
            success_url=None,
            error_url=None,
            redirect_uri=None,
            reason=REASON,
        )
    assert user_count(running) == before


def test_a_user_the_product_recreates_after_a_delete_can_be_viewed_again(
    running: RunningSandbox, consoles: Callable[..., Console]
) -> None:
    here = consoles(max_list_age_s=600)
    there = consoles()
    user_id = first_user(running)
    there.actions().delete_user(user_id, confirmation=user_id, reason=REASON)
    assert here.deletions.get(here.client.base_url, user_id) is not None
    # The product signs the user up again (its own authenticate call).
    RecallClient(running.base_url, running.api_key).authenticate(user_id)

    assert here.client.get_user(user_id).external_id == user_id
    # A list read after the delete showed the id: the mark is gone for every process.
    assert here.deletions.get(here.client.base_url, user_id) is None


def test_an_admin_may_recreate_a_deleted_user_on_purpose(
    running: RunningSandbox, consoles: Callable[..., Console]
) -> None:
    here = consoles()
    user_id = first_user(running)
    here.actions().delete_user(user_id, confirmation=user_id, reason=REASON)
    before = user_count(running)
    here.actions().mint_user(user_id, reason=REASON)
    assert user_count(running) == before + 1
    assert here.deletions.get(here.client.base_url, user_id) is None


def test_a_delete_in_flight_refuses_without_asking_recall(
    running: RunningSandbox, consoles: Callable[..., Console]
) -> None:
    here = consoles(max_list_age_s=600)
    user_id = first_user(running)
    here.deletions.started(here.client.base_url, user_id, by="ops@corp.example")
    with pytest.raises(UserGoneError, match="being deleted"):
        here.client.get_user(user_id)


def test_an_abandoned_delete_mark_lets_the_list_decide() -> None:
    clock = [1000.0]
    listed = ["nw-1"]

    class Marks:
        def get(self, _workspace: str, user_id: str) -> Deletion:
            started = datetime.now(UTC) - timedelta(minutes=10)
            return Deletion(user_id, started, None, "ops@corp.example")

        def forget(self, *_args: object, **_kwargs: object) -> None:
            listed.append("forgotten")

    gate = MintGate(
        workspace="http://x",
        list_ids=lambda: list(listed),
        deletions=Marks(),  # type: ignore[arg-type]
        clock=lambda: clock[0],
    )
    gate.check("nw-1")
    assert "forgotten" in listed


def test_the_list_is_read_again_only_when_older_than_the_limit() -> None:
    clock = [1000.0]
    reads: list[float] = []

    def list_ids() -> list[str]:
        reads.append(clock[0])
        return ["nw-1", "nw-2"]

    gate = MintGate(
        workspace="http://x", list_ids=list_ids, max_list_age_s=5, clock=lambda: clock[0]
    )
    gate.check("nw-1")
    clock[0] += 4
    gate.check("nw-2")
    assert len(reads) == 1
    clock[0] += 2
    with pytest.raises(UserGoneError):
        gate.check("nw-3")
    assert len(reads) == 2


def test_no_list_means_no_mint(running: RunningSandbox) -> None:
    def unreadable() -> list[str]:
        raise UnavailableError()

    client = RecallClient(running.base_url, running.api_key)
    client.set_mint_guard(MintGate(workspace=client.base_url, list_ids=unreadable).check)
    with pytest.raises(UnavailableError):
        client.get_user(first_user(running))
    assert client.request_counts()["authenticate"] == 0
    client.close()
