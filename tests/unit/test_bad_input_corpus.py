"""A corpus of hostile and broken input, checked where it first meets the console's code.

User ids typed by staff get words, never a lookup; text from calendars (titles, attendee
names, bot names) shows literally in Markdown and is inert in every CSV export; a preset that
is nested, huge, ambiguous or not JSON is refused in words (how quickly:
bench/bench_presets_hostile.py).
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import pandas as pd
import pytest

from lib.audit import Outcome
from lib.audit.events import StoredEvent
from lib.audit.export import to_csv as audit_csv
from lib.cohort import parse_user_ids
from lib.cohort import to_csv as preview_csv
from lib.presets import validate
from lib.sandbox.corpus import HOSTILE_BOT_NAMES, HOSTILE_DESCRIPTION, HOSTILE_NAMES, HOSTILE_TITLES
from lib.ui.presets.actions import read_upload
from lib.ui.text import code, plain
from lib.userids import MAX_USER_ID_CHARS, check_user_id

# -- user ids --------------------------------------------------------------------------------------

# (what it is, typed text, the words staff get). A problem stops the lookup; a warning does not.
REFUSED_IDS = [
    ("empty", "", "Enter a user id."),
    ("whitespace", " \t  ", "The user id is only spaces."),
    ("ten thousand characters", "x" * 10_000, "10,000 characters long"),
    ("one over the limit", "a" * (MAX_USER_ID_CHARS + 1), "characters long"),
    ("NUL", "nw-\x00000005", "U+0000"),
    ("escape sequence", "nw-000005\x1b[2J", "U+001B"),
    ("newline inside", "nw-000005\nnw-000006", "U+000A"),
    ("zero-width space", "nw-000005\u200b", "U+200B ZERO WIDTH SPACE"),
    ("right-to-left override", "\u202enw-000005", "U+202E"),
    ("byte-order mark", "\ufeffnw-000005", "U+FEFF"),
    ("line separator", "nw-\u2028000005", "U+2028"),
]
LOOK_ALIKE_IDS = [
    ("Arabic-Indic digit one", "nw-00000\u0661", "ARABIC-INDIC DIGIT ONE"),
    ("Cyrillic o", "nw-\u043e00005", "CYRILLIC SMALL LETTER O"),
    ("full-width digits", "nw-\uff10\uff10\uff10\uff10\uff10\uff15", "FULLWIDTH DIGIT ZERO"),
]
# Legal ids that only look dangerous: accepted as text, found or not found like any other.
ODD_BUT_LEGAL_IDS = [
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "nw-000005' OR '1'='1",
    "'; DROP TABLE audit_events; --",
    '=HYPERLINK("http://attacker.example")',
    "**bold** `code` $x$ :red[red]",
]


@pytest.mark.parametrize(("what", "typed", "words"), REFUSED_IDS, ids=[r[0] for r in REFUSED_IDS])
def test_unusable_user_ids_are_refused_with_words(what, typed, words):
    check = check_user_id(typed)
    assert not check.ok
    assert check.value == ""
    assert words in (check.problem or "")


@pytest.mark.parametrize(
    ("what", "typed", "character"), LOOK_ALIKE_IDS, ids=[r[0] for r in LOOK_ALIKE_IDS]
)
def test_look_alike_characters_are_named_in_a_warning(what, typed, character):
    check = check_user_id(typed)
    assert check.ok, "a look-alike id is legal; staff are warned, not stopped"
    assert any(character in w and "look like ordinary letters" in w for w in check.warnings)


@pytest.mark.parametrize("typed", ODD_BUT_LEGAL_IDS)
def test_markup_and_sql_are_just_characters_of_an_id(typed):
    check = check_user_id(typed)
    assert check.ok and check.value == typed and not check.warnings


def test_surrounding_spaces_are_removed_with_a_note():
    check = check_user_id("  nw-000005\t")
    assert check.value == "nw-000005"
    assert check.warnings == ("Spaces around the user id were removed.",)


def test_a_megabyte_paste_is_refused_quickly():
    check = check_user_id("\u0661" * 1_000_000)
    assert not check.ok and "1,000,000 characters long" in (check.problem or "")


def test_cohort_lists_keep_the_bad_entries_apart_with_their_reasons():
    pasted = "\n".join(["nw-000001", "x" * 300, "nw-\x07000002", "  nw-000003 ", "nw-00000\u0661"])
    parsed = parse_user_ids(pasted)
    assert parsed.ids == ("nw-000001", "nw-000003", "nw-00000\u0661")
    problems = dict(parsed.invalid)
    assert "300 characters long" in problems["x" * 300]
    assert "U+0007" in problems["nw-\x07000002"]
    assert any("ARABIC-INDIC" in w for _, w in parsed.warnings)


# -- calendar text shown in Markdown ---------------------------------------------------------------

HOSTILE_TEXT = [
    *HOSTILE_TITLES,
    *HOSTILE_NAMES,
    *HOSTILE_BOT_NAMES,
    *ODD_BUT_LEGAL_IDS,
    "![img](http://attacker.example/x.png)",
    "<a href='javascript:alert(1)'>x</a>",
    ":material/warning: :red-background[alarm] $$\\frac{1}{0}$$",
    "1. list\n# heading\n> quote",
    "a\\]\\(http://x.example\\)",
]
# After escaping, a Markdown or HTML construct can only start with an unescaped one of these.
_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:=&\"'")


def _unescaped_specials(markdown: str) -> list[str]:
    found, escaped = [], False
    for char in markdown:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in _SPECIAL:
            found.append(char)
    return found


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_plain_escapes_every_markdown_character_and_keeps_the_text(text):
    shown = plain(text, limit=None)
    assert _unescaped_specials(shown) == []
    # What a reader sees, once Markdown consumes the escapes, is the text itself (line breaks
    # folded into spaces, since a title is one line on screen).
    expected = " ".join(text.split()) if "\n" in text else text
    assert re.sub(r"\\(.)", r"\1", shown) == expected


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_code_keeps_an_identifier_inside_one_code_span(text):
    shown = code(text, limit=None)
    assert shown.startswith("`") and shown.endswith("`")
    assert shown.count("`") == 2
    assert "\n" not in shown


def test_long_hostile_text_is_cut_after_escaping_nothing_half():
    shown = plain("<b>" * 1000, limit=50)
    assert _unescaped_specials(shown) == []
    assert shown.endswith("…")


# -- CSV exports -----------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_CELLS = [
    *[t for t in HOSTILE_TEXT if t.startswith(FORMULA_STARTS)],
    "\t=1+1",
    "\r=1+1",
    "-1",
    "@SUM(A1)",
    HOSTILE_DESCRIPTION.splitlines()[2],
]


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_preview_export_neutralises_formulas_and_keeps_other_text():
    assert len(FORMULA_CELLS) >= 8
    frame = pd.DataFrame(
        {
            "title": [*FORMULA_CELLS, "<script>alert(1)</script> Weekly sync"],
            "user_id": [*(["=user"] * len(FORMULA_CELLS)), "nw-000001"],
        }
    )
    rows = _cells(preview_csv(frame, {"title": "=title", "user_id": "user_id"}))
    assert rows[0] == ["'=title", "user_id"], "headers are cells too"
    for row, original in zip(rows[1:], FORMULA_CELLS, strict=False):
        assert row[0] == "'" + original
        assert row[1] == "'=user"
    assert rows[-1] == ["<script>alert(1)</script> Weekly sync", "nw-000001"]


def test_audit_export_neutralises_formulas_in_every_text_column():
    now = datetime(2026, 3, 1, tzinfo=UTC)
    events = [
        StoredEvent(
            id=n,
            time=now,
            actor_email="=actor@console.example",
            actor_role="editor",
            action="meeting.override",
            outcome=Outcome.OK,
            error_class=None,
            user_id=formula,
            target=formula,
            reason=formula,
            ticket=formula,
            request_id="r",
            before=None,
            after=None,
            prev_hash="0" * 64,
            hash="1" * 64,
        )
        for n, formula in enumerate(FORMULA_CELLS, start=1)
    ]
    rows = list(csv.DictReader(io.StringIO(audit_csv(events))))
    assert len(rows) == len(FORMULA_CELLS)
    for row, formula in zip(rows, FORMULA_CELLS, strict=True):
        for column in ("user_id", "target", "reason", "ticket"):
            assert row[column] == "'" + formula
        assert row["actor_email"] == "'=actor@console.example"
        assert not any(value.startswith(FORMULA_STARTS) for value in row.values())


# -- preset JSON -----------------------------------------------------------------------------------

TWENTY_MB = 20 * 1024 * 1024


def _codes(report) -> set[str]:
    return {f.code for f in report.errors}


@pytest.mark.parametrize(
    ("what", "text", "code_", "words"),
    [
        ("nested 10,000 deep", "[" * 10_000 + "]" * 10_000, "json.too_deep", "64 levels"),
        ("objects nested", '{"a":' * 10_000 + "1" + "}" * 10_000, "json.too_deep", "64 levels"),
        ("unclosed nesting", "[" * 10_000, "json.too_deep", "64 levels"),
        (
            "duplicate keys",
            '{"recording_config": {}, "recording_config": {}}',
            "json.duplicate_key",
            'The key "recording_config" appears more than once',
        ),
        (
            "NaN",
            '{"automatic_leave": {"waiting_room_timeout": NaN}}',
            "json.non_finite",
            "NaN is not JSON",
        ),
        (
            "Infinity",
            '{"automatic_leave": {"waiting_room_timeout": -Infinity}}',
            "json.non_finite",
            "-Infinity is not JSON",
        ),
        (
            "overflowing float",
            '{"automatic_leave": {"waiting_room_timeout": 1e400}}',
            "json.non_finite",
            "too large",
        ),
        ("not an object", "[]", "json.top_level", "at the top level, not array"),
        ("empty", "   ", "json.empty", "The document is empty"),
    ],
)
def test_broken_presets_are_refused_in_words_quickly(what, text, code_, words):
    report = validate(text)
    assert code_ in _codes(report)
    assert any(words in f.message for f in report.errors), [f.message for f in report.errors]


def test_a_twenty_megabyte_preset_is_refused_without_being_parsed():
    huge = '{"metadata": {"blob": "' + "A" * TWENTY_MB + '"}}'
    report = validate(huge)
    upload = read_upload(huge.encode())
    assert _codes(report) == {"json.too_large"}
    assert upload.text is None and upload.report is not None
    assert "limited to 8 MiB" in upload.report.errors[0].message


def test_a_bom_is_ignored_with_a_note_and_the_preset_still_reads():
    preset = {"recording_config": {"transcript": {"provider": {"meeting_captions": {}}}}}
    raw = b"\xef\xbb\xbf" + json.dumps(preset).encode()
    upload = read_upload(raw)
    assert upload.text == json.dumps(preset), "the editor gets the text without the mark"
    report = validate("\ufeff" + json.dumps(preset))
    assert report.ok
    assert "json.bom" in {f.code for f in report.findings}
