"""The check before the console mints a calendar token for a user id.

Minting goes through Recall's ``authenticate``, which creates a calendar user for an id it does
not have, including one deleted a moment ago. The console's user list can be minutes old (and
each process has its own), so before a token is minted for an id the gate asks:

1. Was the id deleted through the console (any process: the mark is in the shared database)?
   A delete in flight refuses outright; a finished one needs a user list read *after* it that
   still shows the id (the product re-created the user) before a token may be minted.
2. Otherwise, is the id in a user list at most ``max_list_age_s`` old? An older list is read
   again first (with the API key, which never creates anyone), so a user deleted directly in
   Recall is noticed within seconds, not at the next directory refresh.

A refusal raises :class:`UserGoneError` (a ``NotFoundError``), whose message is written for
staff. ``RecallClient`` calls :meth:`MintGate.check` before every implicit mint; the one
deliberate creation path (``Actions.mint_user``) calls ``authenticate`` after an admin's
audited confirmation.

Typical use::

    gate = MintGate(workspace=client.base_url, list_ids=lambda: ids(client), deletions=store)
    client.set_mint_guard(gate.check)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from lib.deletions import Deletion, UserDeletions
from lib.recall import NotFoundError

# Short enough that a user deleted directly in Recall is noticed almost at once; long enough
# that a cohort of hundreds of first views shares one list read instead of one each.
DEFAULT_MAX_LIST_AGE_S = 5.0
# A delete mark without its end is a delete in flight for at most this long (a client call has
# a 30 s deadline); after that its process is presumed dead and the list decides.
IN_FLIGHT_LIMIT = timedelta(minutes=2)


class UserGoneError(NotFoundError):
    """The id is not a calendar user now, so no token was minted (and no user created)."""

    default_message = (
        "This calendar user no longer exists in the workspace. Nothing was looked up in Recall "
        "and no user was created. Reload the user list."
    )


class MintGate:
    """Thread-safe; one per workspace and process, shared by every session."""

    def __init__(
        self,
        *,
        workspace: str,
        list_ids: Callable[[], Iterable[str]],
        deletions: UserDeletions | None = None,
        max_list_age_s: float = DEFAULT_MAX_LIST_AGE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_list_age_s < 0:
            raise ValueError("max_list_age_s must not be negative")
        self._workspace = workspace
        self._list_ids = list_ids
        self._deletions = deletions
        self._max_age = float(max_list_age_s)
        self._clock = clock
        self._lock = threading.Lock()
        self._listed: frozenset[str] | None = None
        self._listed_at = 0.0

    def __repr__(self) -> str:
        return f"MintGate(workspace={self._workspace!r}, max_list_age_s={self._max_age})"

    @property
    def deletions(self) -> UserDeletions | None:
        return self._deletions

    def deletion(self, user_id: str) -> Deletion | None:
        """The console's delete mark for ``user_id``, if any (one database read)."""
        return None if self._deletions is None else self._deletions.get(self._workspace, user_id)

    def check(self, user_id: str) -> None:
        """Return if a token may be minted for ``user_id``; raise ``UserGoneError`` if not.

        Errors reading the user list (``RecallError``) propagate: no list, no mint.
        """
        started = self._clock()
        mark = self.deletion(user_id)
        if mark is not None:
            if mark.in_flight and datetime.now(mark.started_at.tzinfo) - mark.started_at < (
                IN_FLIGHT_LIMIT
            ):
                raise UserGoneError(
                    "This calendar user is being deleted right now (by "
                    f"{mark.actor_email}), so nothing was looked up in Recall and no user was "
                    "created. Reload the user list in a moment."
                )
            # Only a list read after the mark can show whether the product re-created the user.
            if user_id not in self._ids(fresher_than=started):
                raise UserGoneError(_deleted_message(mark))
            if self._deletions is not None:
                self._deletions.forget(self._workspace, user_id, started_at=mark.started_at)
            return
        if user_id not in self._ids(fresher_than=started - self._max_age):
            raise UserGoneError()

    def exists(self, user_id: str) -> bool:
        """Whether ``user_id`` is a calendar user now, as far as the console can know."""
        try:
            self.check(user_id)
        except UserGoneError:
            return False
        return True

    def offer(self, ids: Callable[[], Iterable[str]], *, age_s: float) -> None:
        """A user list read elsewhere (the directory), ``age_s`` seconds ago by when its read
        began; kept if it is newer than the gate's own (``ids`` is called only then)."""
        with self._lock:
            read_at = self._clock() - max(0.0, age_s)
            if self._listed is None or read_at > self._listed_at:
                self._listed = frozenset(ids())
                self._listed_at = read_at

    def forget_list(self) -> None:
        """Drop the kept user list (after a delete or creation made here)."""
        with self._lock:
            self._listed = None

    def _ids(self, *, fresher_than: float) -> frozenset[str]:
        # One reader at a time: concurrent first views (a cohort) share the list it reads.
        with self._lock:
            if self._listed is None or self._listed_at < fresher_than:
                read_at = self._clock()
                self._listed = frozenset(self._list_ids())
                self._listed_at = read_at
            return self._listed


def _deleted_message(mark: Deletion) -> str:
    finished = mark.finished_at or mark.started_at
    return (
        "This calendar user no longer exists: it was deleted through the console at "
        f"{finished:%Y-%m-%d %H:%M} UTC by {mark.actor_email}. Nothing was looked up in Recall "
        "and no user was created. Reload the user list."
    )
