"""An override save that runs on its own thread, so no rerun of the page can lose it.

A Streamlit run is interrupted whenever the browser asks for another one (the meetings grid
sends its state again on focus changes): a save made inline could reach Recall and the audit log
and then be cut off before the page recorded that it happened, leaving the edits pending and no
message. Here the page only starts the save and, on later runs, reads how it ended; the thread
touches nothing of the page. Every ending has words: saved, refused (nothing sent), partly
failed, or unknown — and then each meeting whose outcome is in doubt is read again, so staff see
what Recall holds.

Typical use::

    save = OverrideSave(actions, "nw-000001", changes, reason=reason, ticket=None).start()
    ...  # later runs of the page
    if save.done:
        show(save.result().message)
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lib.account_view import OVERRIDE_LABELS
from lib.actions import ActionError, Actions, OverrideChange, OverrideOutcome
from lib.recall import RecallError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SaveResult:
    """How a save ended, in words for staff."""

    message: str
    # Not everything went as asked (a refusal, conflict, failure or unknown outcome).
    warning: bool
    # Nothing was sent (a refusal): the edits stay on the page to fix and save again.
    keep_edits: bool


class OverrideSave:
    """One batch of override changes, saved on a daemon thread."""

    def __init__(
        self,
        actions: Actions,
        user_id: str,
        changes: Sequence[OverrideChange],
        *,
        reason: str | None,
        ticket: str | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._actions = actions
        self.user_id = user_id
        self.changes = tuple(changes)
        self._reason = reason
        self._ticket = ticket
        self._clock = clock
        self.started_at = clock()
        self._result: SaveResult | None = None
        self._thread = threading.Thread(target=self._run, name="override-save", daemon=True)

    def __repr__(self) -> str:
        return f"OverrideSave(user_id={self.user_id!r}, changes={len(self.changes)})"

    def start(self) -> OverrideSave:
        self._thread.start()
        return self

    @property
    def done(self) -> bool:
        return self._result is not None

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the save to end; True when it has."""
        self._thread.join(timeout)
        return self.done

    def seconds_running(self) -> float:
        return self._clock() - self.started_at

    def result(self) -> SaveResult:
        if self._result is None:
            raise RuntimeError("the save has not ended yet")
        return self._result

    def _run(self) -> None:
        try:
            outcome = self._actions.set_overrides(
                self.user_id, self.changes, reason=self._reason, ticket=self._ticket
            )
        except ActionError as exc:
            self._result = SaveResult(exc.message, warning=True, keep_edits=True)
            return
        except Exception as exc:  # the save's own failure must still reach the page
            logger.exception("override save ended unexpectedly")
            self._result = SaveResult(
                f"The outcome of the save is unknown ({type(exc).__name__}). "
                + self._reread([c.meeting_id for c in self.changes]),
                warning=True,
                keep_edits=False,
            )
            return
        self._result = self._describe(outcome)

    def _describe(self, outcome: OverrideOutcome) -> SaveResult:
        messages = []
        if outcome.applied:
            recorded = sum(1 for m in outcome.applied if m.will_record)
            messages.append(
                f"Saved {len(outcome.applied)} override(s); Recall now records {recorded} of them."
            )
        messages.extend(c.describe() for c in outcome.conflicts)
        messages.extend(f"Meeting {mid}: {message}" for mid, message in outcome.failures.items())
        if outcome.failures:
            messages.append(self._reread(list(outcome.failures)))
        if not messages:
            messages.append("Nothing to save: every override already had the chosen value.")
        return SaveResult(
            " ".join(messages),
            warning=bool(outcome.conflicts or outcome.failures),
            keep_edits=False,
        )

    def _reread(self, meeting_ids: list[str]) -> str:
        """What Recall holds now for meetings whose save is in doubt, read again."""
        found = []
        for meeting_id in meeting_ids:
            try:
                meeting = self._actions.client.get_meeting(self.user_id, meeting_id)
            except RecallError:
                found.append(f"{meeting_id}: could not be read, reload to see it")
                continue
            label = OVERRIDE_LABELS[meeting.override_should_record]
            found.append(f"{meeting.title or meeting_id}: {label}")
        return "Read again from Recall, the override is now — " + "; ".join(found) + "."
