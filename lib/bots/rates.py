"""Bot outcomes across many bots: failure rates by sub code for a workspace or a cohort.

Fed by one List Bots pass over a ``join_at`` window (not one Retrieve per meeting), then narrowed
to the cohort through each bot's ``calendar_meetings[].calendar_user.external_id``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

import pandas as pd

from lib.bots.codes import sub_code_info
from lib.bots.outcome import CATEGORY_LABELS, outcome
from lib.recall.bots import Bot

RATE_COLUMNS = ["why", "meaning", "bots", "share"]


@dataclass(frozen=True)
class OutcomeRates:
    bots: int  # bots of the cohort in the window
    finished: int  # of which finished (the denominator of every share)
    recorded: int
    failed: int
    by_reason: pd.DataFrame  # RATE_COLUMNS, most frequent failure first

    def headline(self) -> str | None:
        """The sentence a PM quotes, e.g. "12 % of 172 finished bots ... waiting room"."""
        if self.by_reason.empty or not self.finished:
            return None
        top = self.by_reason.iloc[0]
        return (
            f"{top['share']:.0%} of {self.finished} finished bots ended because "
            f"{top['meaning']} ({top['why']})."
        )


def _meaning(reason: str) -> str:
    info = sub_code_info(reason)
    if info is not None:
        return info.meaning
    if reason in CATEGORY_LABELS:
        return CATEGORY_LABELS[reason].lower()
    return f"of a sub code the console does not know yet ({reason})"


def in_cohort(bots: Iterable[Bot], user_ids: Collection[str] | None) -> list[Bot]:
    """Bots that served at least one of ``user_ids`` (all bots when None)."""
    if user_ids is None:
        return list(bots)
    wanted = set(user_ids)
    return [bot for bot in bots if wanted.intersection(bot.external_ids())]


def outcome_rates(bots: Iterable[Bot], user_ids: Collection[str] | None = None) -> OutcomeRates:
    chosen = in_cohort(bots, user_ids)
    results = [outcome(bot) for bot in chosen]
    finished = [r for r in results if r.category not in ("scheduled", "in_call")]
    failures = [r for r in finished if not r.ok]
    counts = pd.Series([r.reason_key for r in failures], dtype="object").value_counts()
    frame = pd.DataFrame(
        {
            "why": list(counts.index),
            "meaning": [_meaning(str(k)) for k in counts.index],
            "bots": [int(v) for v in counts.values],
            "share": [v / len(finished) for v in counts.values] if finished else [],
        },
        columns=RATE_COLUMNS,
    )
    return OutcomeRates(
        bots=len(chosen),
        finished=len(finished),
        recorded=sum(1 for r in finished if r.category == "recorded"),
        failed=len(failures),
        by_reason=frame,
    )
