"""Request parsing and validation with DRF-style messages. Validation is all or nothing: a
request with any error changes nothing."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from starlette.requests import Request

from lib.sandbox import errors
from lib.sandbox.clock import parse_iso
from lib.sandbox.models import PREFERENCE_FLAGS

PLATFORM_CHOICES = ("google", "microsoft")
MAX_EXTERNAL_ID = 255
MAX_BOT_NAME = 100


async def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object; an empty body reads as ``{}``."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        # The message names the position only, never the body, which may hold secrets.
        position = getattr(exc, "pos", None)
        where = f" at character {position}" if position is not None else ""
        raise errors.detail(400, f"JSON parse error - malformed JSON{where}.") from None
    if not isinstance(data, dict):
        raise errors.invalid(
            {
                "non_field_errors": [
                    f"Invalid data. Expected a dictionary, but got {_type_name(data)}."
                ]
            }
        )
    return data


def _type_name(value: Any) -> str:
    return {list: "list", str: "str", int: "int", float: "float", bool: "bool"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


def _string_errors(body: dict[str, Any], key: str, max_length: int) -> list[str]:
    if key not in body:
        return [errors.REQUIRED]
    value = body[key]
    if value is None:
        return [errors.NOT_NULL]
    if not isinstance(value, str):
        return [errors.NOT_A_STRING]
    if not value.strip():
        return [errors.NOT_BLANK]
    if len(value) > max_length:
        return [f"Ensure this field has no more than {max_length} characters."]
    return []


def user_id(body: dict[str, Any]) -> str:
    """``user_id`` of an authenticate request."""
    problems = _string_errors(body, "user_id", MAX_EXTERNAL_ID)
    if problems:
        raise errors.invalid({"user_id": problems})
    return body["user_id"]


def user_update(
    body: dict[str, Any], *, unknown_keys: str = "refuse"
) -> tuple[str | None, dict[str, bool] | None, str | None]:
    """``(external_id, flags, bot_name)`` of a PUT/PATCH on the calendar user; every part is
    optional, and ``flags`` is None when the body has no ``preferences`` object. Read-only
    fields (``id``, ``connections``, ``preferences.id``) are ignored, as DRF ignores them;
    unknown preference keys are refused, or ignored with ``unknown_keys="ignore"``."""
    problems: dict[str, Any] = {}
    external_id = None
    if "external_id" in body:
        field_problems = _string_errors(body, "external_id", MAX_EXTERNAL_ID)
        if field_problems:
            problems["external_id"] = field_problems
        else:
            external_id = body["external_id"]
    flags: dict[str, bool] | None = None
    bot_name = None
    if "preferences" in body:
        prefs = body["preferences"]
        if prefs is None:
            problems["preferences"] = [errors.NOT_NULL]
        elif not isinstance(prefs, dict):
            problems["preferences"] = {
                "non_field_errors": [
                    f"Invalid data. Expected a dictionary, but got {_type_name(prefs)}."
                ]
            }
        else:
            flags = {}
            pref_problems: dict[str, list[str]] = {}
            for key, value in prefs.items():
                if key in PREFERENCE_FLAGS:
                    if isinstance(value, bool):
                        flags[key] = value
                    else:
                        pref_problems[key] = [errors.NOT_A_BOOLEAN]
                elif key == "bot_name":
                    name_problems = _string_errors(prefs, "bot_name", MAX_BOT_NAME)
                    if name_problems:
                        pref_problems[key] = name_problems
                    else:
                        bot_name = value
                elif key != "id" and unknown_keys == "refuse":
                    pref_problems[key] = ["Unknown field."]
            if pref_problems:
                problems["preferences"] = pref_problems
    if problems:
        raise errors.invalid(problems)
    return external_id, flags, bot_name


def platform(body: dict[str, Any]) -> str:
    """``platform`` of a disconnect request."""
    if "platform" not in body:
        raise errors.invalid({"platform": [errors.REQUIRED]})
    value = body["platform"]
    if value is None:
        raise errors.invalid({"platform": [errors.NOT_NULL]})
    if not isinstance(value, str) or value not in PLATFORM_CHOICES:
        shown = value if isinstance(value, str | int | float) else _type_name(value)
        raise errors.invalid({"platform": [f'"{shown}" is not a valid choice.']})
    return value


_MISSING = object()


def override(body: dict[str, Any]) -> object:
    """``override_should_record`` of a meeting update: True, False, None, or ``_MISSING`` when
    absent (nothing to change). Other keys are read-only and ignored."""
    if "override_should_record" not in body:
        return _MISSING
    value = body["override_should_record"]
    if value is not None and not isinstance(value, bool):
        raise errors.invalid({"override_should_record": [errors.NOT_A_BOOLEAN]})
    return value


def is_missing(value: object) -> bool:
    return value is _MISSING


def datetime_param(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return parse_iso(raw)
    except ValueError:
        raise errors.invalid({name: ["Enter a valid date/time."]}) from None


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def bool_param(request: Request, name: str, default: bool) -> bool:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise errors.invalid({name: [errors.NOT_A_BOOLEAN]})


def page_size(request: Request, default: int, maximum: int) -> int:
    """DRF's rule: a missing, non-numeric or non-positive value falls back to the default, and
    anything above the maximum is capped."""
    raw = request.query_params.get("page_size")
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        return default
    if value <= 0:
        return default
    return min(value, maximum)
