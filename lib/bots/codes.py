"""What each Bot API status code and sub code means, and who can fix it (pure data).

From Recall's sub-code reference (see the Bot API reference, §3-§4). ``fix_by`` says where the
fix lives, because that decides what support does next:

- ``preset``: a field of the workspace bot preset (``preset_field`` names it; Recall applies
  preset changes on request); ``fix`` then ends with the verb that takes the field,
- ``host``: the meeting host's own setting or action,
- ``platform``: the meeting platform's (Zoom, Meet, Teams, Webex) account or admin setting,
- ``event``: the calendar event itself (its link or passcode),
- ``recall``: escalate to Recall with the bot id,
- ``none``: a normal outcome, nothing to fix.

A code not in these tables is shown raw with a sentence saying Recall sent a code the console
does not know yet; it is never an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

FixBy = Literal["none", "preset", "host", "platform", "event", "recall"]

# Recall's defaults (seconds) for the automatic-leave timeouts a fix may name.
AUTOMATIC_LEAVE_DEFAULTS: MappingProxyType[str, int] = MappingProxyType(
    {
        "waiting_room_timeout": 1200,
        "noone_joined_timeout": 1200,
        "everyone_left_timeout": 2,
        "in_call_not_recording_timeout": 3600,
        "recording_permission_denied_timeout": 30,
    }
)


@dataclass(frozen=True)
class CodeInfo:
    meaning: str
    fix: str | None = None
    fix_by: FixBy = "none"
    preset_field: str | None = None

    @property
    def is_normal(self) -> bool:
        return self.fix_by == "none"


def _i(
    meaning: str, fix: str | None = None, by: FixBy = "none", field: str | None = None
) -> CodeInfo:
    return CodeInfo(meaning, fix, by, field)


STATUS_CODES: MappingProxyType[str, str] = MappingProxyType(
    {
        "ready": "was scheduled",
        "joining_call": "started joining the call",
        "in_waiting_room": "waited in the waiting room",
        "in_call_not_recording": "was in the call, not recording",
        "recording_permission_allowed": "was allowed to record (Zoom)",
        "recording_permission_denied": "was refused permission to record (Zoom)",
        "in_call_recording": "recorded",
        "call_ended": "left the call",
        "recording_done": "finished recording",
        "done": "shut down",
        "fatal": "could not join",
        "participant_in_waiting_room": "saw someone else waiting in the waiting room",
        "analysis_done": "finished an analysis job",
        "analysis_failed": "failed an analysis job",
        "media_expired": "had its media deleted after the retention period",
    }
)

_HOST_ADMIT = "Ask the host to admit the bot from the waiting room"
_SIGNED_IN = "Use signed-in bots for this platform (a Recall-side setup; ask Recall)"
_ZOOM_LOCAL = "The host must turn on local recording in their Zoom settings"

SUB_CODES: MappingProxyType[str, CodeInfo] = MappingProxyType(
    {
        # call_ended
        "call_ended_by_host": _i("the host ended the meeting"),
        "call_ended_by_platform_idle": _i("the platform closed the idle meeting"),
        "call_ended_by_platform_max_length": _i(
            "the platform's meeting length limit was reached (Zoom free accounts: 40 min)",
            "The host needs a plan without the meeting length limit",
            "platform",
        ),
        "call_ended_by_platform_waiting_room_timeout": _i(
            "the platform's own waiting-room limit ran out (Google Meet: 10 min)",
            "Ask the host to admit the bot sooner",
            "host",
        ),
        "timeout_exceeded_waiting_room": _i(
            "nobody admitted the bot from the waiting room in time",
            _HOST_ADMIT + ", or raise",
            "preset",
            "automatic_leave.waiting_room_timeout",
        ),
        "timeout_exceeded_noone_joined": _i(
            "nobody else joined the call in time",
            "Nothing to fix if the meeting did not happen; otherwise raise",
            "preset",
            "automatic_leave.noone_joined_timeout",
        ),
        "timeout_exceeded_everyone_left": _i("everyone else had left (normal)"),
        "timeout_exceeded_silence_detected": _i(
            "a long silence made the bot think only bots were left",
            "Tune",
            "preset",
            "automatic_leave.silence_detection",
        ),
        "timeout_exceeded_only_bots_detected_using_participant_names": _i(
            "the others' names matched the bot-name list",
            "Tune",
            "preset",
            "automatic_leave.bot_detection.using_participant_names",
        ),
        "timeout_exceeded_only_bots_detected_using_participant_events": _i(
            "the others never spoke or shared their screen",
            "Tune",
            "preset",
            "automatic_leave.bot_detection.using_participant_events",
        ),
        "timeout_exceeded_only_bots_in_call": _i("only silent participants were left"),
        "timeout_exceeded_in_call_not_recording": _i(
            "the bot never started recording",
            "Look at the earlier statuses for why it could not record; the limit is",
            "preset",
            "automatic_leave.in_call_not_recording_timeout",
        ),
        "timeout_exceeded_in_call_recording": _i(
            "the recording-length cap was reached",
            "Raise",
            "preset",
            "automatic_leave.in_call_recording_timeout",
        ),
        "timeout_exceeded_recording_permission_denied": _i(
            "the bot left after it was refused permission to record",
            "See the recording-permission status above for the host setting to change",
            "host",
        ),
        "timeout_exceeded_max_duration": _i(
            "the pay-as-you-go duration cap was reached",
            "Ask Recall about the workspace's plan",
            "recall",
        ),
        "bot_kicked_from_call": _i(
            "a host removed the bot from the call",
            "Ask the host to let the bot stay, or turn off recording for this meeting",
            "host",
        ),
        "bot_kicked_from_waiting_room": _i(
            "a host removed the bot from the waiting room",
            "Ask the host to admit the bot instead of removing it",
            "host",
        ),
        "bot_received_leave_call": _i("someone asked the bot to leave through the API"),
        # fatal
        "bot_errored": _i(
            "the bot hit an unexpected error", "Escalate to Recall with the bot id", "recall"
        ),
        "meeting_not_found": _i(
            "the meeting link led nowhere", "Fix the link in the calendar event", "event"
        ),
        "meeting_link_invalid": _i(
            "the meeting link is not valid", "Fix the link in the calendar event", "event"
        ),
        "meeting_link_expired": _i(
            "the meeting link has expired", "Put a current link in the calendar event", "event"
        ),
        "meeting_not_started": _i("the meeting had not started yet"),
        "meeting_ended": _i("the meeting was already over"),
        "meeting_password_incorrect": _i(
            "the meeting passcode was wrong",
            "The Zoom link in the event needs its ?pwd= passcode",
            "event",
        ),
        "meeting_locked": _i(
            "the host locked the meeting", "Ask the host not to lock the meeting", "host"
        ),
        "meeting_full": _i("the meeting had no room left", "Ask the host to raise the cap", "host"),
        "meeting_requires_registration": _i(
            "the meeting needs registration (unsupported on Teams)",
            "Ask the host to turn off registration",
            "host",
        ),
        "meeting_requires_sign_in": _i(
            "only signed-in users may join", _SIGNED_IN + " (Zoom ZAK, Teams, Meet)", "platform"
        ),
        "google_meet_bot_blocked": _i(
            "Google Meet refused the bot (name filter or a false positive)",
            "Rename the bot or use signed-in Meet bots",
            "platform",
        ),
        "google_meet_sign_in_missing_login_credentials": _i(
            "the meeting needs a signed-in bot and none is set up", _SIGNED_IN, "platform"
        ),
        "google_meet_login_not_available": _i(
            "every Google login of the workspace was busy",
            "Add Google logins to the login group",
            "platform",
        ),
        "google_meet_sign_in_failed": _i(
            "the bot's Google sign-in failed", "Check the Google login group", "platform"
        ),
        "google_meet_internal_error": _i(
            "Google Meet failed on its side", "Report if it recurs", "recall"
        ),
        "zoom_sdk_credentials_missing": _i(
            "Zoom credentials are missing", "Add the Zoom app credentials in Recall", "platform"
        ),
        "zoom_invalid_signature": _i(
            "Zoom rejected the credentials (or the link is malformed)",
            "Check the Zoom app credentials in Recall and the link",
            "platform",
        ),
        "zoom_sdk_app_not_published": _i(
            "the Zoom app is unpublished, so it only works in its creator's account",
            "Publish the Zoom app",
            "platform",
        ),
        "zoom_web_disallowed": _i(
            "Zoom blocked web joins (end-to-end encryption)",
            "The host turns off end-to-end encryption, or use native Zoom bots",
            "host",
        ),
        "zoom_email_required": _i(
            "Zoom requires an email to join",
            "Set",
            "preset",
            "zoom.user_email",
        ),
        "zoom_registration_required": _i(
            "the Zoom meeting needs registration", "Ask the host to turn it off", "host"
        ),
        "zoom_account_blocked": _i(
            "Zoom barred the bot's account", "Use a ZAK from another Zoom user", "platform"
        ),
        "zoom_invalid_join_token": _i(
            "the Zoom join token expired or is for another meeting",
            "Check",
            "preset",
            "zoom.join_token_url",
        ),
        "zoom_meeting_not_accessible": _i(
            "the Zoom meeting was not reachable", "Report it if it recurs", "recall"
        ),
        "zoom_internal_error": _i("Zoom failed on its side", "Report it if it recurs", "recall"),
        "zoom_join_timeout": _i("joining Zoom timed out", "Report it if it recurs", "recall"),
        "microsoft_teams_captcha_detected": _i(
            "Teams asked guests for a captcha",
            "Use a signed-in Teams bot and a trusted organisation",
            "platform",
        ),
        "microsoft_teams_sign_in_credentials_missing": _i(
            "the meeting admits signed-in users only and no bot login is set up",
            _SIGNED_IN,
            "platform",
        ),
        "microsoft_teams_bot_not_invited": _i(
            "only invitees may join this Teams meeting",
            "Ask the organizer to let uninvited guests in",
            "host",
        ),
        "microsoft_teams_event_not_started_for_external": _i(
            "external guests wait until the meeting starts", None, "none"
        ),
        "microsoft_teams_call_dropped": _i(
            "Teams dropped the call", "Report if it recurs", "recall"
        ),
        "webex_join_meeting_error": _i(
            "the Webex meeting or credentials are wrong",
            "Check the link and the Webex credentials in Recall",
            "platform",
        ),
        # recording_permission_denied (Zoom)
        "zoom_local_recording_disabled": _i(
            "the host's local recording is off, so no prompt was shown", _ZOOM_LOCAL, "host"
        ),
        "zoom_local_recording_request_disabled": _i(
            "'participants may request to record locally' is off",
            "The host turns on that Zoom setting",
            "host",
        ),
        "zoom_local_recording_request_disabled_by_host": _i(
            "the host disabled recording requests in this call",
            "The host re-enables recording requests in the call",
            "host",
        ),
        "zoom_bot_in_waiting_room": _i(
            "the bot cannot ask to record from the waiting room", _HOST_ADMIT, "host"
        ),
        "zoom_host_not_present": _i("the host dropped as the bot asked (rare)"),
        "zoom_local_recording_request_denied_by_host": _i(
            "the host clicked Deny",
            "Ask the host to allow the bot to record",
            "host",
        ),
        "zoom_local_recording_denied": _i(
            "recording was denied, or the prompt timed out",
            "Ask the host to allow the bot to record when asked",
            "host",
        ),
        "zoom_local_recording_grant_not_supported": _i(
            "the host's Zoom client (or Zoom Room) cannot grant recording",
            "The host joins from a Zoom client that can grant recording",
            "host",
        ),
        "zoom_sdk_key_blocked_by_host_admin": _i(
            "the customer's Zoom admin blocked the app",
            "The customer's Zoom admin allows the app",
            "platform",
        ),
    }
)

FIX_BY_WORDS: MappingProxyType[str, str] = MappingProxyType(
    {
        "preset": "a bot preset field",
        "host": "the meeting host's setting",
        "platform": "a meeting platform or account setting",
        "event": "the calendar event",
        "recall": "Recall",
        "none": "nothing to fix",
    }
)


def sub_code_info(sub_code: str | None) -> CodeInfo | None:
    """The meaning and fix of a sub code, or None when it is empty or not known."""
    return SUB_CODES.get(sub_code) if sub_code else None


def status_words(code: str) -> str:
    """Words for a status code; an unknown code is quoted as Recall sent it."""
    return STATUS_CODES.get(code, f"reported status '{code}'")


def is_known_status(code: str) -> bool:
    return code in STATUS_CODES
