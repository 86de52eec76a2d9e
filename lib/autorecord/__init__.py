"""The documented Calendar V1 auto-record rules: decide one meeting, decide a frame, explain.

- :func:`decide` one meeting object -> :class:`Decision` (``record``, ``rule``, ``reason``, and a
  lazily computed ``trace``).
- :func:`meetings_frame` builds the frame shape from API meeting objects once;
  :func:`decide_frame` then decides every row column-wise and agrees with :func:`decide`.
- :func:`check_consistency` / :func:`consistency_frame` set Recall's ``will_record`` against the
  decision and name the likely cause of a disagreement.
- :data:`PRESETS` are Recall's documented preference presets by name.
"""

from lib.autorecord.consistency import (
    CAUSES,
    Consistency,
    check_consistency,
    consistency_frame,
    deduplication_peers,
)
from lib.autorecord.engine import Decision, TraceStep, decide
from lib.autorecord.frame import RULE_COLUMNS, decide_frame, meetings_frame
from lib.autorecord.preferences import (
    BASE_PREFERENCES,
    FILTER_PREFERENCES,
    PREFERENCE_KEYS,
    PRESETS,
    Preferences,
    preset_name,
    read_preferences,
)
from lib.autorecord.reasons import RECORDING_RULES, RULES

__all__ = [
    "BASE_PREFERENCES",
    "CAUSES",
    "FILTER_PREFERENCES",
    "PREFERENCE_KEYS",
    "PRESETS",
    "RECORDING_RULES",
    "RULES",
    "RULE_COLUMNS",
    "Consistency",
    "Decision",
    "Preferences",
    "TraceStep",
    "check_consistency",
    "consistency_frame",
    "decide",
    "decide_frame",
    "deduplication_peers",
    "meetings_frame",
    "preset_name",
    "read_preferences",
]
