"""Reading the workspace's user list page by page, so a large directory shows up as it loads.

A 300,000-user workspace is hundreds of pages under the documented 60 requests a minute, so the
list is read as it comes: each page is reduced to the directory's six fields at once (the API
objects are dropped), progress is reported after each page, and a page that fails after the
client's retries stops the load at that page, keeping everything read before it. ``resume``
starts again from the failed page's link, never from the beginning.

Typical use (the console runs ``run`` on a background thread and renders ``progress()``)::

    load = DirectoryLoad(lambda link: client.list_users_page(link, timeout_s=30))
    load.run()
    load.progress().label   # "Loaded 300,000 users."
    frame = load.frame()
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import pandas as pd

from lib.directory import UserRow, user_row_from_v1, users_frame_from_rows
from lib.recall import RecallError, UsersPage

logger = logging.getLogger(__name__)

LoadStatus = Literal["loading", "complete", "failed"]
# Fetches the page behind a ``next`` link (None: the first page).
FetchPage = Callable[[str | None], UsersPage]

# Bounds one page, retries included; a page that takes longer stops the load at that page.
# None: the client's own deadline per call (30 s unless configured otherwise).
PAGE_TIMEOUT_S: float | None = None
# Recall does not document a maximum; the sandbox allows 1,000 and a smaller cap on Recall's
# side only means more pages, since ``next`` is followed whatever it says.
PAGE_SIZE = 1000


@dataclass(frozen=True)
class LoadProgress:
    """Where a directory load stands, in numbers and in words."""

    status: LoadStatus
    loaded: int
    # Total users when Recall says (page-number pagination gives a count; cursors do not).
    total: int | None
    pages: int
    # The page that failed (1-based) and why, in words for staff.
    failed_page: int | None = None
    problem: str | None = None

    @property
    def complete(self) -> bool:
        return self.status == "complete"

    @property
    def fraction(self) -> float | None:
        """Share loaded, for a progress bar; None when the total is unknown."""
        if self.complete:
            return 1.0
        if not self.total:
            return None
        return min(1.0, self.loaded / self.total)

    @property
    def counted(self) -> str:
        if self.total is not None:
            return f"{self.loaded:,} of {self.total:,} users"
        return f"{self.loaded:,} users"

    @property
    def label(self) -> str:
        if self.status == "complete":
            return f"Loaded {self.loaded:,} users."
        if self.status == "failed":
            return (
                f"Loaded {self.counted}; loading failed at page {self.failed_page}: {self.problem}"
            )
        return f"Loaded {self.counted} (page {self.pages + 1} next), still loading…"


class DirectoryLoad:
    """One read of the user list, page by page; safe to read from other threads while it runs."""

    def __init__(self, fetch: FetchPage, *, now: Callable[[], datetime] | None = None) -> None:
        self._fetch = fetch
        self._now = now or (lambda: datetime.now(UTC))
        self._lock = threading.Condition()
        self._rows: list[UserRow] = []
        self._seen: set[str] = set()
        self._pages = 0
        self._total: int | None = None
        self._next: str | None = None
        self._status: LoadStatus = "loading"
        self._failed_page: int | None = None
        self._problem: str | None = None
        self._error: RecallError | None = None
        self._running = False
        self._cancelled = False
        self._frame: tuple[int, pd.DataFrame] | None = None
        self.started_at = self._now()
        self.finished_at: datetime | None = None
        # When the loaded list was last changed in place (a rename); None when never.
        self.changed_at: datetime | None = None

    # -- loading -------------------------------------------------------------------------------

    def run(self) -> LoadProgress:
        """Read pages until the last one or a failure; returns where it stopped.

        Only one ``run`` reads at a time: a second caller returns at once with the progress.
        """
        with self._lock:
            if self._running or self._status != "loading":
                return self._progress()
            self._running = True
        try:
            while self._step():
                pass
        finally:
            with self._lock:
                self._running = False
                self._lock.notify_all()
        return self.progress()

    def start(self) -> threading.Thread:
        """``run`` on a daemon thread (the page polls ``progress``)."""
        thread = threading.Thread(target=self.run, name="directory-load", daemon=True)
        thread.start()
        return thread

    def resume(self) -> bool:
        """After a failure, go back to loading from the failed page; False if not failed."""
        with self._lock:
            if self._status != "failed" or self._cancelled:
                return False
            self._status = "loading"
            self._failed_page = self._problem = self._error = None
            self.finished_at = None
            self._lock.notify_all()
            return True

    def cancel(self) -> None:
        """Stop after the page being read (a newer load replaces this one)."""
        with self._lock:
            self._cancelled = True
            if self._status == "loading":
                self._status = "failed"
                self._failed_page = self._pages + 1
                self._problem = "the load was replaced by a newer one."
            self._lock.notify_all()

    def load_page(self) -> bool:
        """Read the next page; True while there are more to read and nothing failed."""
        return self._step()

    def _step(self) -> bool:
        with self._lock:
            if self._status != "loading" or self._cancelled:
                return False
            link, first = self._next, self._pages == 0
        if link is None and not first:
            return self._finish()
        try:
            page = self._fetch(link)
        except RecallError as exc:
            return self._fail(exc.message, exc)
        except Exception:
            # A bug must not leave the page saying "still loading" for ever.
            logger.exception("directory load failed at page %d", self._pages + 1)
            return self._fail("an unexpected error occurred; it has been logged.", None)
        rows = []
        for item in page.items:
            recall_id = item["id"]
            # Page-number pages shift when users are added or deleted meanwhile: a user can
            # come twice, and is listed once.
            if recall_id not in self._seen:
                self._seen.add(recall_id)
                rows.append(user_row_from_v1(item))
        with self._lock:
            if self._cancelled:
                return False
            self._rows.extend(rows)
            self._pages += 1
            if page.count is not None:
                self._total = page.count
            self._next = page.next_url
            self._lock.notify_all()
        if page.next_url is None:
            return self._finish()
        return True

    def _finish(self) -> bool:
        with self._lock:
            self._status = "complete"
            self._total = len(self._rows)
            self.finished_at = self._now()
            self._lock.notify_all()
        return False

    def _fail(self, problem: str, error: RecallError | None) -> bool:
        with self._lock:
            self._status = "failed"
            self._failed_page = self._pages + 1
            self._problem = problem
            self._error = error
            self.finished_at = self._now()
            self._lock.notify_all()
        return False

    def replace_user_id(self, old: str, new: str) -> bool:
        """Relist the user ``old`` as ``new`` (after a rename), without reading the list again;
        False when ``old`` is not among the users loaded."""
        with self._lock:
            for position, row in enumerate(self._rows):
                if row[0] == old:
                    self._rows[position] = (new, *row[1:])
                    # Same count, different content: the table is built again on next use.
                    self._frame = None
                    self.changed_at = self._now()
                    return True
        return False

    # -- reading -------------------------------------------------------------------------------

    def progress(self) -> LoadProgress:
        with self._lock:
            return self._progress()

    def _progress(self) -> LoadProgress:
        return LoadProgress(
            status=self._status,
            loaded=len(self._rows),
            total=self._total,
            pages=self._pages,
            failed_page=self._failed_page,
            problem=self._problem,
        )

    def wait(self, timeout: float | None = None) -> LoadProgress:
        """Block until the load is complete or failed (or ``timeout`` seconds passed)."""
        with self._lock:
            self._lock.wait_for(lambda: self._status != "loading", timeout=timeout)
            return self._progress()

    def wait_for_change(self, seen: LoadProgress, timeout: float) -> LoadProgress:
        """Block until more is loaded or the status changed from ``seen`` (or ``timeout``)."""
        with self._lock:
            self._lock.wait_for(
                lambda: self._status != seen.status or len(self._rows) != seen.loaded,
                timeout=timeout,
            )
            return self._progress()

    @property
    def error(self) -> RecallError | None:
        """The client's error behind a failure, when it was one."""
        with self._lock:
            return self._error

    def frame(self) -> pd.DataFrame:
        """The directory table of the users loaded so far; built once per number loaded."""
        with self._lock:
            count = len(self._rows)
            cached = self._frame
            rows = self._rows[:count] if cached is None or cached[0] != count else None
        if rows is None and cached is not None:
            return cached[1]
        built = users_frame_from_rows(rows or [])
        with self._lock:
            if self._frame is None or self._frame[0] < count:
                self._frame = (count, built)
        return built
