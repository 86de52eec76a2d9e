"""Reading a preset from untrusted text (or a mapping) within bounded time and memory.

A preset arrives pasted or uploaded by staff, so it can be anything: megabytes of base64, a
document nested thousands of levels deep, duplicate keys, ``NaN``. Python's ``json`` module is
lenient in ways that matter here (it keeps the last of duplicate keys silently, accepts
``NaN``/``Infinity``, turns ``1e400`` into infinity and recurses once per nesting level), so
every one of those is checked explicitly and turned into a finding instead of an exception.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from lib.presets.findings import Finding, join_path, json_type_name

# The largest legitimate preset carries three base64 media blobs of at most 1 835 008
# characters each (automatic video output while recording and while not, automatic audio
# output); 8 MiB leaves room for that and the rest, and refuses anything far beyond.
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024

# The deepest documented path (Gladia vocabulary pronunciations) is about ten levels; the cap
# is generous for that and far below the interpreter's recursion limit.
MAX_DEPTH = 64

_BOM = "\ufeff"
_UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = (b"\xff\xfe", b"\xfe\xff")

# A string, or an unterminated one running to the end of the text. Possessive quantifiers and
# the end-of-text alternative mean a scan never backtracks or restarts inside a string, which
# keeps every pattern below linear even on hostile input (many escaped quotes, no closing one).
_STRING = r'"[^"\\]*+(?:\\[\s\S]?+[^"\\]*+)*+(?:"|\Z)'
_STRING_RE = re.compile(_STRING)
_NOT_BRACKET_RE = re.compile(r"[^\[\]{}]+")
_BRACKET_OR_STRING_RE = re.compile(_STRING + r"|[\[\]{}]")
_NON_FINITE_RE = re.compile(_STRING + r"|(-?Infinity|NaN)")
_LONG_INTEGER_RE = re.compile(_STRING + r"|(-?\d{1000,})")
_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F]")
_DEPTH_DELTA = {"[": 1, "{": 1, "]": -1, "}": -1}

# json's own messages, reworded for someone fixing a pasted preset, with the usual cause.
_SYNTAX_MESSAGES = {
    "Expecting property name enclosed in double quotes": (
        "expected a key in double quotes — keys need double quotes, and JSON allows no comma "
        "before a closing }"
    ),
    "Expecting value": (
        "expected a value — look for a trailing comma before ] or }, single quotes, or "
        "True/False/None instead of true/false/null"
    ),
    "Expecting ',' delimiter": "expected a comma between two items",
    "Expecting ':' delimiter": "expected a colon between a key and its value",
    "Extra data": "more text follows the end of the JSON object; remove it",
    "Unterminated string starting at": 'a string starts here and is never closed with a "',
    "Invalid control character at": (
        "a raw line break or tab inside a string; write it as \\n or \\t"
    ),
    "Invalid \\escape": "unknown backslash escape; write \\\\ for a literal backslash",
    "Invalid \\uXXXX escape": "a \\u escape needs exactly four hex digits",
}


@dataclass(frozen=True)
class Loaded:
    """A preset read into plain Python (``data``), or ``None`` when it could not be read."""

    data: dict[str, Any] | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.data is not None and not any(f.severity == "error" for f in self.findings)


class PresetParseError(ValueError):
    """The preset could not be read as one JSON object; ``findings`` say why."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        errors = [f for f in findings if f.severity == "error"] or findings
        super().__init__("; ".join(f"{f.location}: {f.message}" for f in errors[:3]))


def load(config: str | bytes | bytearray | Mapping[str, Any]) -> Loaded:
    """Read a preset given as JSON text, UTF-8 bytes or a mapping; never raises on bad input."""
    if isinstance(config, bytes | bytearray):
        return _load_bytes(bytes(config))
    if isinstance(config, str):
        return _load_text(config)
    if isinstance(config, Mapping):
        return _load_mapping(config)
    return Loaded(
        None,
        [
            _error(
                "",
                "json.top_level",
                f"A preset is JSON text or an object, not {type(config).__name__}.",
            )
        ],
    )


def load_or_raise(config: str | bytes | bytearray | Mapping[str, Any]) -> dict[str, Any]:
    """The preset as a plain dict, or ``PresetParseError`` if it is not one readable object."""
    loaded = load(config)
    if not loaded.ok or loaded.data is None:
        raise PresetParseError(loaded.findings)
    return loaded.data


def _error(path: str, code: str, message: str, position: tuple[int, int] | None = None) -> Finding:
    line, column = position if position else (None, None)
    return Finding(path, message, "error", code, line, column)


def _too_large(size: int) -> Finding:
    return _error(
        "",
        "json.too_large",
        f"The document is {size / 1_048_576:.1f} MiB; presets are limited to "
        f"{MAX_DOCUMENT_BYTES // 1_048_576} MiB. Check that the right file was chosen.",
    )


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _load_bytes(raw: bytes) -> Loaded:
    if len(raw) > MAX_DOCUMENT_BYTES:
        return Loaded(None, [_too_large(len(raw))])
    if raw.startswith(_OTHER_BOMS) or raw[:4] in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00"):
        return Loaded(
            None,
            [_error("", "json.encoding", "The file is UTF-16 or UTF-32; save it as UTF-8.")],
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = raw[: exc.start].decode("utf-8", errors="replace")
        return Loaded(
            None,
            [
                _error(
                    "",
                    "json.encoding",
                    f"Byte {exc.start} is not valid UTF-8; save the file as UTF-8.",
                    _line_column(prefix, len(prefix)),
                )
            ],
        )
    return _load_text(text)


def _load_text(text: str) -> Loaded:
    # Characters never outnumber UTF-8 bytes, so this cheap test refuses huge input before
    # anything proportional to it is allocated.
    if len(text) > MAX_DOCUMENT_BYTES:
        return Loaded(None, [_too_large(len(text))])
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_DOCUMENT_BYTES:
        return Loaded(None, [_too_large(size)])

    findings: list[Finding] = []
    if text.startswith(_BOM):
        # RFC 8259 lets a reader ignore a byte-order mark; it is stripped (so line and column
        # match what an editor shows) and mentioned, since the exported file will not have it.
        text = text[1:]
        findings.append(
            Finding(
                "",
                "The text starts with a UTF-8 byte-order mark; it was ignored and will not be "
                "part of the exported preset.",
                "note",
                "json.bom",
            )
        )
    if not text.strip():
        findings.append(_error("", "json.empty", "The document is empty; paste a JSON object."))
        return Loaded(None, findings)

    too_deep = _depth_violation(text)
    if too_deep is not None:
        findings.append(too_deep)
        return Loaded(None, findings)

    duplicates: list[tuple[dict[str, Any], list[str]]] = []
    try:
        data = json.JSONDecoder(
            object_pairs_hook=_pairs_hook(duplicates),
            parse_constant=_reject_constant,
            parse_float=_parse_float,
        ).decode(text)
    except json.JSONDecodeError as exc:
        findings.append(_syntax_error(exc))
        return Loaded(None, findings)
    except _NonFiniteNumberError as exc:
        findings.append(_non_finite(text, exc.literal))
        return Loaded(None, findings)
    except RecursionError:
        # Unreachable while the depth pre-check holds; kept so no RecursionError can escape.
        findings.append(_error("", "json.too_deep", f"Nesting exceeds {MAX_DEPTH} levels."))
        return Loaded(None, findings)
    except ValueError:
        # Python refuses integers of more than 4300 digits rather than parse them slowly.
        match = _first_group(_LONG_INTEGER_RE, text)
        findings.append(
            _error(
                "",
                "json.number_too_long",
                "A number has thousands of digits; no preset field takes such a number.",
                _line_column(text, match) if match is not None else None,
            )
        )
        return Loaded(None, findings)

    if _SURROGATE_ESCAPE_RE.search(text) and not _encodes_as_utf8(data):
        findings.append(
            _error(
                "",
                "json.invalid_unicode",
                "A string contains an unpaired \\uD800-\\uDFFF escape, which is not a "
                "character; fix or remove it.",
            )
        )
        return Loaded(None, findings)

    if not isinstance(data, dict):
        findings.append(_not_an_object(data))
        return Loaded(None, findings)
    findings.extend(_duplicate_findings(data, duplicates))
    return Loaded(data, findings)


def _not_an_object(data: object) -> Finding:
    return _error(
        "",
        "json.top_level",
        f"A preset is one JSON object ({{...}}) at the top level, not {json_type_name(data)}.",
    )


def _depth_violation(text: str) -> Finding | None:
    """A finding if brackets nest deeper than ``MAX_DEPTH``, found before parsing.

    Strings are blanked first so brackets inside them do not count; the running depth is then
    computed with C-level helpers, so even a maximum-size document is scanned in well under a
    second. Only when the cap is exceeded is the position located, one token at a time.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    brackets = _NOT_BRACKET_RE.sub("", _STRING_RE.sub('""', text))
    if not brackets or max(accumulate(map(_DEPTH_DELTA.__getitem__, brackets))) <= MAX_DEPTH:
        return None
    depth = 0
    offset = 0
    for match in _BRACKET_OR_STRING_RE.finditer(text):
        char = text[match.start()]
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                offset = match.start()
                break
        elif char in "]}":
            depth -= 1
    return _error(
        "",
        "json.too_deep",
        f"Objects and arrays nest more than {MAX_DEPTH} levels deep; no preset field is "
        "nested like this.",
        _line_column(text, offset),
    )


class _NonFiniteNumberError(ValueError):
    def __init__(self, literal: str) -> None:
        super().__init__(literal)
        self.literal = literal


def _reject_constant(literal: str) -> float:
    raise _NonFiniteNumberError(literal)


def _parse_float(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):
        raise _NonFiniteNumberError(literal)
    return value


def _first_group(pattern: re.Pattern[str], text: str) -> int | None:
    for match in pattern.finditer(text):
        if match.group(1) is not None:
            return match.start(1)
    return None


def _non_finite(text: str, literal: str) -> Finding:
    if literal in ("NaN", "Infinity", "-Infinity"):
        offset = _first_group(_NON_FINITE_RE, text)
        what = f"{literal} is not JSON (JSON has no NaN or infinity)"
    else:
        pattern = re.compile(_STRING + "|(" + re.escape(literal) + ")")
        offset = _first_group(pattern, text)
        what = f"The number {literal[:20]} is too large to represent"
    return _error(
        "",
        "json.non_finite",
        f"{what}; use a finite number.",
        _line_column(text, offset) if offset is not None else None,
    )


def _syntax_error(exc: json.JSONDecodeError) -> Finding:
    detail = next(
        (text for prefix, text in _SYNTAX_MESSAGES.items() if exc.msg.startswith(prefix)),
        exc.msg,
    )
    return _error(
        "",
        "json.syntax",
        f"Invalid JSON at line {exc.lineno}, column {exc.colno}: {detail}.",
        (exc.lineno, exc.colno),
    )


def _pairs_hook(
    duplicates: list[tuple[dict[str, Any], list[str]]],
) -> Any:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            repeated: list[str] = []
            for key, _ in pairs:
                if key in seen and key not in repeated:
                    repeated.append(key)
                seen.add(key)
            duplicates.append((obj, repeated))
        return obj

    return hook


def _duplicate_findings(
    root: dict[str, Any], duplicates: list[tuple[dict[str, Any], list[str]]]
) -> list[Finding]:
    """One error per repeated key, at the key's own path.

    The hook sees objects bottom-up without knowing where they sit, so their paths are found
    afterwards by identity in one walk (depth is already bounded).
    """
    if not duplicates:
        return []
    wanted = {id(obj): keys for obj, keys in duplicates}
    findings: list[Finding] = []
    stack: list[tuple[Any, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key in wanted.get(id(node), ()):
                findings.append(
                    _error(
                        join_path(path, key),
                        "json.duplicate_key",
                        f'The key "{key}" appears more than once in this object; JSON readers '
                        "silently keep only the last one. Keep a single entry.",
                    )
                )
            stack.extend((value, join_path(path, key)) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((value, join_path(path, index)) for index, value in enumerate(node))
    return findings


def _encodes_as_utf8(data: object) -> bool:
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _MappingError(Exception):
    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


def _load_mapping(config: Mapping[str, Any]) -> Loaded:
    budget = [MAX_DOCUMENT_BYTES]
    try:
        data = _copy_json(config, "", 1, budget)
    except _MappingError as problem:
        return Loaded(None, [problem.finding])
    if not _encodes_as_utf8(data):
        return Loaded(
            None,
            [_error("", "json.invalid_unicode", "A string contains an unpaired surrogate.")],
        )
    return Loaded(data, [])


def _copy_json(value: Any, path: str, depth: int, budget: list[int]) -> Any:
    """A plain-JSON copy of ``value``, refusing what JSON cannot hold.

    Copying also detaches the result from the caller's objects, and the depth cap turns a
    self-referencing mapping into a finding instead of endless recursion.
    """
    if depth > MAX_DEPTH:
        raise _MappingError(
            _error(path, "json.too_deep", f"Nesting exceeds {MAX_DEPTH} levels (or loops).")
        )
    if isinstance(value, Mapping):
        copied: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _MappingError(
                    _error(
                        join_path(path, str(key)),
                        "json.not_json",
                        f"Object keys must be strings, not {type(key).__name__}.",
                    )
                )
            _charge(budget, len(key))
            copied[key] = _copy_json(item, join_path(path, key), depth + 1, budget)
        return copied
    if isinstance(value, list | tuple):
        return [
            _copy_json(item, join_path(path, index), depth + 1, budget)
            for index, item in enumerate(value)
        ]
    if isinstance(value, str):
        _charge(budget, len(value))
        return value
    if isinstance(value, float) and not math.isfinite(value):
        raise _MappingError(
            _error(path, "json.non_finite", f"{value} is not JSON; use a finite number.")
        )
    if value is None or isinstance(value, bool | int | float):
        _charge(budget, 8)
        return value
    raise _MappingError(
        _error(
            path,
            "json.not_json",
            f"A value of type {type(value).__name__} cannot be written as JSON.",
        )
    )


def _charge(budget: list[int], amount: int) -> None:
    budget[0] -= amount
    if budget[0] < 0:
        raise _MappingError(
            _error(
                "",
                "json.too_large",
                f"The preset holds more than {MAX_DOCUMENT_BYTES // 1_048_576} MiB of data.",
            )
        )
