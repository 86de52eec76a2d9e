"""One bot's outcome in words: what it did, why it stopped, and who can fix it.

``outcome`` reduces a bot's status changes to a category (for counts and charts) and the sub code
that explains a failure; ``what_happened`` joins the calendar half (whether Recall scheduled a bot
and which rule decided) with the bot half into the sentence support reads first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Literal

from lib.bots.codes import (
    AUTOMATIC_LEAVE_DEFAULTS,
    FIX_BY_WORDS,
    CodeInfo,
    FixBy,
    is_known_status,
    status_words,
    sub_code_info,
)
from lib.recall.bots import Bot

Category = Literal["scheduled", "in_call", "recorded", "joined_not_recorded", "failed"]
CATEGORY_LABELS: dict[str, str] = {
    "scheduled": "Scheduled",
    "in_call": "In the call now",
    "recorded": "Recorded",
    "joined_not_recorded": "Joined, did not record",
    "failed": "Could not join",
}
_IN_CALL = ("joining_call", "in_waiting_room", "in_call_not_recording", "in_call_recording")
_ENDED = ("call_ended", "done", "fatal", "recording_done", "media_expired")
_NOT_RECORDED = "(none)"


@dataclass(frozen=True)
class Outcome:
    category: Category
    # The sub code that explains the outcome: a fatal one, a recording refusal, or how the bot
    # left the call. None when the bot has not finished or Recall gave none.
    sub_code: str | None
    info: CodeInfo | None

    @property
    def ok(self) -> bool:
        return self.category in ("scheduled", "in_call") or (
            self.category == "recorded" and (self.info is None or self.info.is_normal)
        )

    @property
    def reason_key(self) -> str:
        """What to group failures by: the sub code, or the category when there is none."""
        return self.sub_code or self.category


@dataclass(frozen=True)
class Explanation:
    sentence: str
    fix: str | None
    fix_by: FixBy | None
    preset_field: str | None
    outcome: Outcome | None


def outcome(bot: Bot) -> Outcome:
    codes = bot.codes
    fatal = bot.first("fatal")
    denied = bot.first("recording_permission_denied")
    ended = bot.first("call_ended")
    if fatal is not None:
        return Outcome("failed", fatal.sub_code, sub_code_info(fatal.sub_code))
    recorded = "in_call_recording" in codes or "recording_done" in codes
    explaining = ended
    # A recording refusal explains more than "left after the denial".
    if not recorded and denied is not None and denied.sub_code:
        explaining = denied
    sub = explaining.sub_code if explaining is not None else None
    info = sub_code_info(sub)
    if recorded:
        return Outcome("recorded", sub, info)
    if not codes or codes[-1] == "ready":
        return Outcome("scheduled", None, None)
    if not any(code in codes for code in _ENDED):
        return Outcome("in_call", None, None)
    return Outcome("joined_not_recorded", sub, info)


def _clock(when: datetime | None, tz: tzinfo) -> str:
    return when.astimezone(tz).strftime("%H:%M") if when is not None else "an unknown time"


def _minutes(start: datetime | None, end: datetime | None) -> str | None:
    if start is None or end is None:
        return None
    minutes = round((end - start).total_seconds() / 60)
    return f"{minutes} min" if minutes >= 1 else "under a minute"


def _after(bot: Bot, code: str) -> datetime | None:
    changes = bot.status_changes
    for index, change in enumerate(changes):
        if change.code == code and index + 1 < len(changes):
            return changes[index + 1].created_at
    return None


def _sub_words(sub_code: str) -> str:
    info = sub_code_info(sub_code)
    if info is None:
        return (
            f"{sub_code}, a sub code the console does not know yet; look it up in Recall's "
            "sub-code reference or ask Recall"
        )
    return f"{sub_code}: {info.meaning}"


def _fix(bot: Bot, info: CodeInfo | None) -> str | None:
    if info is None or info.fix is None:
        return None
    text = info.fix
    if info.fix_by == "preset" and info.preset_field:
        text = _preset_fix(bot, info)
    elif info.fix_by in ("host", "platform", "event"):
        text += f" ({FIX_BY_WORDS[info.fix_by]})"
    return text + "."


def _preset_fix(bot: Bot, info: CodeInfo) -> str:
    field = info.preset_field or ""
    leaf = field.removeprefix("automatic_leave.")
    current = bot.automatic_leave.get(leaf) if field.startswith("automatic_leave.") else None
    default = AUTOMATIC_LEAVE_DEFAULTS.get(leaf) if field.startswith("automatic_leave.") else None
    if isinstance(current, int | float) and not isinstance(current, bool):
        now = f" (now {current:g} s)"
    elif default is not None:
        now = f" (now {default} s, Recall's default)"
    else:
        now = ""
    return f"{info.fix} {field} in the bot preset{now}"


def bot_story(bot: Bot, tz: tzinfo) -> str:
    """What the bot did, in order, as one sentence starting with "It"."""
    parts: list[str] = []
    result = outcome(bot)
    joining = bot.first("joining_call")
    if result.category == "scheduled":
        when = f" at {_clock(bot.join_at, tz)}" if bot.join_at else ""
        return f"It is scheduled to join{when} (about 2 minutes before the start)."
    if joining is not None:
        parts.append(f"joined at {_clock(joining.created_at, tz)}")
    waiting = bot.first("in_waiting_room")
    if waiting is not None:
        how_long = _minutes(waiting.created_at, _after(bot, "in_waiting_room"))
        parts.append(
            f"waited in the waiting room for {how_long}"
            if how_long
            else "waited in the waiting room"
        )
    denied = bot.first("recording_permission_denied")
    if denied is not None:
        why = f" ({_sub_words(denied.sub_code)})" if denied.sub_code else ""
        parts.append(f"was refused permission to record{why}")
    recording = bot.first("in_call_recording")
    if recording is not None:
        until = bot.first("call_ended")
        length = _minutes(recording.created_at, until.created_at if until else None)
        parts.append(
            f"recorded from {_clock(recording.created_at, tz)}"
            + (f" for {length}" if length else "")
        )
    unknown = [c.code for c in bot.status_changes if not is_known_status(c.code)]
    for code in dict.fromkeys(unknown):
        parts.append(f"{status_words(code)} (a status the console does not know yet)")
    fatal = bot.first("fatal")
    ended = bot.first("call_ended")
    if fatal is not None:
        why = f" ({_sub_words(fatal.sub_code)})" if fatal.sub_code else ""
        parts.append(f"could not join{why}")
    elif ended is not None:
        if denied is not None and ended.sub_code == "timeout_exceeded_recording_permission_denied":
            parts.append("left")
        else:
            why = f" ({_sub_words(ended.sub_code)})" if ended.sub_code else ""
            parts.append(f"left{why}")
    elif result.category == "in_call":
        last = bot.last
        parts.append(f"is in the call now ({status_words(last.code) if last else 'joining'})")
    if not parts:
        return "It has no status changes yet."
    if len(parts) == 1:
        return f"It {parts[0]}."
    return "It " + ", ".join(parts[:-1]) + " and " + parts[-1] + "."


def recording_words(bot: Bot) -> str:
    """The recording and media statuses in words (never a download link)."""
    if not bot.recordings:
        return "No recording." if outcome(bot).category != "scheduled" else "Not recorded yet."
    pieces = []
    for rec in bot.recordings:
        media = ", ".join(
            f"{name.replace('_', ' ')}: {status or 'none'}" for name, status in rec.media.items()
        )
        pieces.append(
            f"Recording {rec.status or 'status unknown'}" + (f" ({media})" if media else "")
        )
    return "; ".join(pieces) + "."


def what_happened(
    bot: Bot | None,
    *,
    tz: tzinfo,
    bot_id: str | None,
    scheduled_rule: str | None = None,
    lookup_problem: str | None = None,
) -> Explanation:
    """The whole answer: the calendar half, the bot half and the fix, as sentences."""
    if not bot_id:
        return Explanation(
            "Recall did not schedule a bot for this meeting (it has no bot id), so there is "
            "nothing to follow into the call; the rules above say why.",
            None,
            None,
            None,
            None,
        )
    rule = f" (rule: {scheduled_rule})" if scheduled_rule else ""
    head = f"Recall scheduled a bot{rule}."
    if bot is None:
        problem = lookup_problem or "Recall has no bot with this id."
        return Explanation(f"{head} {problem}", None, None, None, None)
    story = bot_story(bot, tz)
    result = outcome(bot)
    legacy = (
        " (This workspace answers in Recall's older v1.10 bot format; the media details are "
        "less complete.)"
        if bot.shape == "v1.10"
        else ""
    )
    fix = _fix(bot, result.info)
    if fix is None and result.sub_code and result.info is None:
        fix = "Unknown sub code: check Recall's sub-code reference, or escalate with the bot id."
    if fix is None and result.category == "joined_not_recorded" and not result.sub_code:
        fix = "Look at the status timeline below for the last step the bot reached."
    sentence = f"{head} {story}"
    if fix:
        sentence += f" Fix: {fix[0].lower() + fix[1:]}"
    sentence += legacy
    return Explanation(
        sentence,
        fix,
        result.info.fix_by if result.info else None,
        result.info.preset_field if result.info and result.info.fix_by == "preset" else None,
        result,
    )
