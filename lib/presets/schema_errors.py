"""Turning pydantic's validation errors into findings a person can act on.

Pydantic says "Extra inputs are not permitted" at a location; staff need "unknown field
``recording_confg`` — did you mean ``recording_config``?". The model classes are walked along
each error's location to learn what was expected there (the known keys, the allowed values,
the type), which is what the messages are built from.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterator
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Le
from pydantic import AfterValidator, BaseModel, ValidationError
from pydantic.fields import FieldInfo

from lib.presets.catalog import (
    ASYNC_ONLY_PROVIDERS,
    CURRENT_PROVIDERS,
    REMOVED_PROVIDERS,
)
from lib.presets.findings import Finding, Severity, join_path, json_type_name, show_value
from lib.presets.legacy import LEGACY_PROVIDER_MAP, SECRET_FIELDS, PresetBody
from lib.presets.schema import CreateBotBody, TranscriptProvider

_PROVIDER_LOC = ("recording_config", "transcript", "provider")

# Keys of the Bot *response* that people copy into requests.
_READ_ONLY = frozenset(
    {
        "id",
        "status_changes",
        "recordings",
        "calendar_meetings",
        "slack_team",
        "video_url",
        "media_retention_end",
        "meeting_metadata",
        "meeting_participants",
        "recording",
        "status",
    }
)

# Top-level keys seen in the wild that Create Bot never had.
_NOT_FIELDS = {
    "webhook_url": (
        "Bot status webhooks are configured in the Recall dashboard, not per bot. For "
        "real-time data add an endpoint to recording_config.realtime_endpoints."
    ),
    "webhook": (
        "Bot status webhooks are configured in the Recall dashboard, not per bot. For "
        "real-time data add an endpoint to recording_config.realtime_endpoints."
    ),
    "external_id": ("external_id belongs to calendar users, not bots; use metadata to tag bots."),
    "transcription": "The transcript is configured in recording_config.transcript.",
    "microsoft_teams": (
        "There is no microsoft_teams object; the Teams bot flavour is variant.microsoft_teams."
    ),
}

_VALIDATOR_DESCRIPTIONS = {
    "_check_uri": "a URL",
    "_check_uuid": "a UUID",
    "_check_datetime": "an ISO 8601 date and time",
    "_check_email": "an email address",
    "_check_base64": "a base64 string",
    "_check_number_like": "a number",
    "_check_deepgram_flag": '"true" or "false"',
    "_check_deepgram_redact": "a redaction mode",
    "_check_deepgram_endpointing": "a number of milliseconds or false",
}


def schema_findings(data: dict[str, Any]) -> list[Finding]:
    """Findings for everything the pydantic models reject in ``data``."""
    try:
        PresetBody.model_validate(data)
    except ValidationError as exc:
        return [_translate(error, data) for error in exc.errors(include_url=False)]
    return []


def _translate(error: Any, data: dict[str, Any]) -> Finding:
    loc: tuple[str | int, ...] = tuple(error["loc"])
    kind: str = error["type"]
    path = join_path("", *loc)
    name = _name(loc)
    secret = any(part in SECRET_FIELDS for part in loc)
    value = error.get("input")
    got = "" if secret else f"; got {_got(value)}"
    ctx = error.get("ctx") or {}

    if kind == "extra_forbidden":
        return _unknown_key(loc, path)
    if kind == "missing":
        expected = _describe(_annotation_at(loc))
        return _error(path, "schema.missing", f"{name} is required here: add it ({expected}).")
    if kind == "literal_error":
        allowed = _literal_values(_annotation_at(loc))
        message = f"{name} must be one of: {', '.join(map(str, allowed))}{got}."
        suggestion = _closest(value, [str(a) for a in allowed]) if not secret else None
        if suggestion:
            message += f' Did you mean "{suggestion}"?'
        if isinstance(value, str) and value.startswith("bot.") and "events" in loc:
            message += (
                " Bot status events (bot.*) are not real-time endpoint events; subscribe to "
                "them with a webhook in the Recall dashboard."
            )
        return _error(path, "schema.enum", message)
    if kind.endswith("_type") or kind == "null_not_allowed":
        expected = _describe(_annotation_at(loc))
        hint = ""
        if isinstance(value, str) and kind in ("int_type", "float_type"):
            hint = " Write the number without quotes."
        elif isinstance(value, str) and kind == "bool_type":
            hint = " Write true or false without quotes."
        elif (
            isinstance(value, int | float) and not isinstance(value, bool) and kind == "string_type"
        ):
            hint = " Put the value in double quotes."
        return _error(path, "schema.type", f"{name} must be {expected}{got}.{hint}")
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "?")
        words = {
            "greater_than_equal": "at least",
            "greater_than": "more than",
            "less_than_equal": "at most",
            "less_than": "less than",
        }[kind]
        unit = ""
        if loc and loc[0] == "automatic_leave":
            unit = " second" if bound == 1 else " seconds"
        return _error(path, "schema.range", f"{name} must be {words} {bound}{unit}{got}.")
    if kind == "string_too_short":
        return _error(path, "schema.length", f"{name} must not be empty.")
    if kind == "string_too_long":
        length = f" (it has {len(value)})" if isinstance(value, str) else ""
        return _error(
            path,
            "schema.length",
            f"{name} must be at most {ctx.get('max_length')} characters{length}.",
        )
    if kind in ("too_short", "too_long"):
        words = "at least" if kind == "too_short" else "at most"
        limit = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        return _error(path, "schema.length", f"{name} must list {words} {limit} items.")
    # Custom checks (URL, UUID, base64, ...) carry their own "must be ..." text.
    return _error(path, "schema.format", f"{name} {error['msg']}{got}.")


def _name(loc: tuple[str | int, ...]) -> str:
    """How a message refers to the value at ``loc``: its key, or its place in a list or map."""
    if not loc:
        return "The preset"
    last = loc[-1]
    if isinstance(last, int):
        return f"Entry {last} of {loc[-2]}" if len(loc) > 1 else f"Entry {last}"
    if len(loc) > 1 and get_origin(_unwrap(_annotation_at(loc[:-1]))) is dict:
        return f'{loc[-2]} value "{last}"'
    return str(last)


def _error(path: str, code: str, message: str, severity: Severity = "error") -> Finding:
    return Finding(path, message, severity, code)


def _got(value: Any) -> str:
    if isinstance(value, dict | list) or value is None:
        return json_type_name(value)
    return f"{json_type_name(value)} {show_value(value)}"


def _closest(value: Any, choices: list[str]) -> str | None:
    if not isinstance(value, str) or not choices:
        return None
    lowered = {choice.lower(): choice for choice in choices}
    if value.lower() in lowered:
        return lowered[value.lower()]
    normalised = value.lower().replace("-", "_").replace(" ", "_")
    if normalised in lowered:
        return lowered[normalised]
    match = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.75)
    return lowered[match[0]] if match else None


def _unknown_key(loc: tuple[str | int, ...], path: str) -> Finding:
    key = str(loc[-1])
    parent = _unwrap(_annotation_at(loc[:-1]))
    known = sorted(_model_keys(parent)) if _is_model(parent) else []
    suggestion = _closest(key, known)
    did_you_mean = f' Did you mean "{suggestion}"?' if suggestion else ""

    if loc[:-1] == _PROVIDER_LOC:
        return _unknown_provider(key, path, did_you_mean)
    if loc[:3] == _PROVIDER_LOC and len(loc) > 4:
        # Provider options are passed through to the provider; whether Recall or the provider
        # rejects an unknown one is not documented, so this is a warning.
        return _error(
            path,
            "provider.unknown_option",
            f"{key} is not a documented option of {loc[3]}; it would be passed to the "
            f"provider as is, which may reject or ignore it.{did_you_mean}",
            "warning",
        )
    if len(loc) == 1 and key in _READ_ONLY:
        return _error(
            path,
            "schema.read_only",
            f"{key} is a read-only field of the Bot object Recall returns; remove it.",
        )
    if len(loc) == 1 and key in _NOT_FIELDS:
        return _error(
            path, "schema.unknown_key", f"{key} is not a Create Bot field. {_NOT_FIELDS[key]}"
        )

    message = f"Unknown field {key}: Recall rejects or ignores it."
    if suggestion:
        message += did_you_mean
    else:
        home = _field_homes().get(key)
        if home and home != path:
            message += f" It belongs at {home}."
        elif known:
            message += f" Fields allowed here: {', '.join(known)}."
    return _error(path, "schema.unknown_key", message)


def _unknown_provider(key: str, path: str, did_you_mean: str) -> Finding:
    if key in REMOVED_PROVIDERS:
        message = (
            f"{key} was removed from Create Bot in 2025; use {REMOVED_PROVIDERS[key]} instead."
        )
        return _error(path, "provider.removed", message)
    if key in ASYNC_ONLY_PROVIDERS:
        message = (
            f"{key} transcribes a finished recording (POST /recording/{{id}}/create_transcript/) "
            "and cannot be a bot's provider; use a streaming provider such as "
            "recallai_streaming."
        )
        return _error(path, "provider.async_only", message)
    current = LEGACY_PROVIDER_MAP.get(key)
    if current:
        return _error(
            path,
            "provider.legacy_name",
            f'"{key}" is the v1.10 provider name; the current key is {current}.',
        )
    message = f"Unknown transcription provider {key}.{did_you_mean}"
    if not did_you_mean:
        message += f" Providers: {', '.join(CURRENT_PROVIDERS)}."
    return _error(path, "provider.unknown", message)


# --- walking the models -------------------------------------------------------------------


def _unwrap(annotation: Any) -> Any:
    """Strip ``Optional`` and ``Annotated`` down to the type that says what is expected."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _model_fields_by_key(model: type[BaseModel]) -> dict[str, FieldInfo]:
    return {(info.alias or name): info for name, info in model.model_fields.items()}


def _model_keys(model: type[BaseModel]) -> list[str]:
    return list(_model_fields_by_key(model))


def _annotation_at(loc: tuple[str | int, ...]) -> Any:
    """The (still ``Annotated``) type the models expect at ``loc``, or ``None``."""
    current: Any = PresetBody
    for part in loc:
        base = _unwrap(current)
        if _is_model(base):
            info = _model_fields_by_key(base).get(str(part))
            if info is None:
                return None
            current = _rebuild(info)
        elif get_origin(base) is list and isinstance(part, int):
            current = get_args(base)[0]
        elif get_origin(base) is dict:
            current = get_args(base)[1]
        else:
            return None
    return current


def _rebuild(info: FieldInfo) -> Any:
    # pydantic moves Annotated metadata of a field onto FieldInfo; put it back so callers see
    # the validators (to describe the type) in one place.
    if info.metadata:
        return Annotated[(info.annotation, *info.metadata)]
    return info.annotation


def _validators(annotation: Any) -> Iterator[Any]:
    """Metadata objects of every ``Annotated`` layer, through ``Optional``."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            base, *metadata = get_args(annotation)
            yield from metadata
            annotation = base
        elif origin in (Union, types.UnionType):
            members = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(members) != 1:
                return
            annotation = members[0]
        else:
            return


def _literal_values(annotation: Any) -> tuple[Any, ...]:
    base = _unwrap(annotation)
    return get_args(base) if get_origin(base) is Literal else ()


def _describe(annotation: Any) -> str:
    """A phrase for what a type accepts: "a whole number of at least 30", "true or false"."""
    if annotation is None:
        return "a value"
    low = high = None
    for meta in _validators(annotation):
        if isinstance(meta, AfterValidator):
            named = _VALIDATOR_DESCRIPTIONS.get(getattr(meta.func, "__name__", ""))
            if named:
                return named
        # Field(ge=...) arrives as a FieldInfo carrying annotated_types constraints.
        for constraint in meta.metadata if isinstance(meta, FieldInfo) else [meta]:
            if isinstance(constraint, Ge):
                low = constraint.ge
            elif isinstance(constraint, Le):
                high = constraint.le
    bounds = ""
    if low is not None and high is not None:
        bounds = f" from {low} to {high}"
    elif low is not None:
        bounds = f" of at least {low}"
    elif high is not None:
        bounds = f" up to {high}"
    base = _unwrap(annotation)
    if get_origin(base) is Literal:
        return "one of: " + ", ".join(map(str, get_args(base)))
    if get_origin(base) is list:
        return "an array of " + _plural(get_args(base)[0])
    if get_origin(base) is dict or _is_model(base):
        return "an object"
    simple = {str: "a string", int: "a whole number", float: "a number", bool: "true or false"}
    return simple.get(base, "a value") + bounds


def _plural(annotation: Any) -> str:
    text = _describe(annotation)
    for article, plural in (
        ("a string", "strings"),
        ("a whole number", "whole numbers"),
        ("a number", "numbers"),
        ("an object", "objects"),
        ("true or false", "booleans"),
    ):
        if text.startswith(article):
            return plural + text[len(article) :]
    return "values (" + text + ")"


@cache
def _field_homes() -> dict[str, str]:
    """Field name -> its only path in the current body, for "it belongs at X" hints.

    Names used in several places (``metadata``, ``url``, ``timeout``) have no single home and
    are left out; so are provider options, which would make the hints noisy.
    """
    homes: dict[str, list[str]] = {}

    def walk(model: type[BaseModel], prefix: str) -> None:
        for key, info in _model_fields_by_key(model).items():
            path = join_path(prefix, key)
            homes.setdefault(key, []).append(path)
            base = _unwrap(info.annotation)
            if get_origin(base) is list:
                base = _unwrap(get_args(base)[0])
                path = join_path(path, "N")
            if _is_model(base) and base is not TranscriptProvider:
                walk(base, path)

    walk(CreateBotBody, "")
    return {name: paths[0] for name, paths in homes.items() if len(paths) == 1}
