"""Recording preferences: the six documented flags, how they combine, and the named presets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

# The four preferences that select meetings, in the order used to name the one that matched.
BASE_PREFERENCES: tuple[str, ...] = (
    "record_non_host",
    "record_external",
    "record_internal",
    "record_recurring",
)
# The two preferences that only narrow what the base preferences selected.
FILTER_PREFERENCES: tuple[str, ...] = ("record_confirmed", "record_only_host")
PREFERENCE_KEYS: tuple[str, ...] = BASE_PREFERENCES + FILTER_PREFERENCES

# How the enabled base preferences combine. Recall's page says a meeting is recorded when "all
# evaluated conditions are met", but its own "record all" preset turns on record_external and
# record_internal, which no meeting can satisfy together, so that literal reading would make the
# preset record nothing. Every documented preset works when the base preferences are OR-ed (and the
# filters AND-ed on top), so "any" is used. This is an inference: if Recall's observed behaviour
# proves otherwise, set this to "all"; both the single-meeting and the frame paths read it here.
BASE_COMBINATION: Literal["any", "all"] = "any"


def combine_base(matches: Sequence[bool]) -> bool:
    """Whether the enabled base preferences, given whether each matched, select the meeting."""
    if not matches:
        return False
    return any(matches) if BASE_COMBINATION == "any" else all(matches)


def combine_base_columns(matches: Sequence[np.ndarray], size: int) -> np.ndarray:
    """Column form of :func:`combine_base`: one boolean array per enabled base preference."""
    if not matches:
        return np.zeros(size, dtype=bool)
    if BASE_COMBINATION == "any":
        return np.logical_or.reduce(list(matches))
    return np.logical_and.reduce(list(matches))


@dataclass(frozen=True, slots=True)
class Preferences:
    """The six recording flags of a calendar user; every flag defaults to off."""

    record_non_host: bool = False
    record_external: bool = False
    record_internal: bool = False
    record_recurring: bool = False
    record_confirmed: bool = False
    record_only_host: bool = False

    @property
    def enabled_base(self) -> tuple[str, ...]:
        return tuple(name for name in BASE_PREFERENCES if getattr(self, name))

    @property
    def enabled_filters(self) -> tuple[str, ...]:
        return tuple(name for name in FILTER_PREFERENCES if getattr(self, name))

    def as_dict(self) -> dict[str, bool]:
        return {name: getattr(self, name) for name in PREFERENCE_KEYS}


def read_preferences(preferences: Mapping[str, Any] | Preferences | None) -> Preferences:
    """Read a preferences mapping as Recall documents it: missing keys and nulls mean off.

    Other keys (``id``, ``bot_name``) are ignored. A flag that is not a boolean is refused rather
    than guessed at: the string ``"false"`` is truthy, and guessing would record the wrong meetings.
    """
    if isinstance(preferences, Preferences):
        return preferences
    if preferences is None:
        return Preferences()
    if not isinstance(preferences, Mapping):
        dump = getattr(preferences, "model_dump", None)
        if not callable(dump):
            raise TypeError(f"preferences must be a mapping, got {type(preferences).__name__}")
        preferences = dump()
    flags: dict[str, bool] = {}
    for name in PREFERENCE_KEYS:
        value = preferences.get(name)
        if value is None:
            flags[name] = False
        elif isinstance(value, bool | np.bool_):
            flags[name] = bool(value)
        else:
            raise TypeError(f"preference {name} must be a boolean, got {type(value).__name__}")
    return Preferences(**flags)


def _preset(*enabled: str) -> Mapping[str, bool]:
    return MappingProxyType({name: name in enabled for name in PREFERENCE_KEYS})


# The use-case presets from Recall's recording-preferences page. Recall advises mapping end-user
# choices to these objects instead of exposing the raw flags.
PRESETS: Mapping[str, Mapping[str, bool]] = MappingProxyType(
    {
        "record all": _preset("record_external", "record_internal"),
        "only internal": _preset("record_internal"),
        "only external": _preset("record_external"),
        "only meetings I host": _preset("record_external", "record_internal", "record_only_host"),
        "only meetings I accepted": _preset(
            "record_external", "record_internal", "record_confirmed"
        ),
    }
)


def preset_name(preferences: Mapping[str, Any] | Preferences | None) -> str | None:
    """The preset whose flags equal these preferences, or None for a custom combination."""
    flags = read_preferences(preferences).as_dict()
    for name, preset in PRESETS.items():
        if dict(preset) == flags:
            return name
    return None
