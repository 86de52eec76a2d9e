"""Shared steps for the reliability AppTests: faults, bad input, concurrent edits (no tests here).

Faults are switched on the sandbox through its documented ``POST /_sandbox/config`` endpoint,
or, to hit only the write of a save, with :class:`WriteFaults`, which fails PUT requests and
lets every read through (the case where a write reaches Recall but its answer is lost).
"""

from __future__ import annotations

import contextvars
import functools
import re
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from lib.recall import RecallClient
from lib.sandbox.faults import FaultInjector
from lib.sandbox.routing import Dispatcher
from lib.sandbox.server import RunningSandbox
from lib.ui import data

# Every fault kind a busy Recall produces by itself (drop_after_apply is opt-in).
ALL_FAULTS = ("500", "502", "503", "429", "drop")

# A short deadline keeps a page that waits for a failing Recall under a few seconds; the
# retry policy (four retries, exponential backoff, Retry-After honoured) stays the console's.
FAST_DEADLINE_S = 2.0


def fast_recall(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """For an autouse fixture (``yield from fast_recall(monkeypatch)``): the console's Recall
    client with a short deadline and backoff, and nothing cached by an earlier test whose
    sandbox happened to use the same port."""
    fast = functools.partial(
        RecallClient, deadline=FAST_DEADLINE_S, timeout=1.0, backoff_base=0.02, backoff_max=0.2
    )
    monkeypatch.setattr(data, "RecallClient", fast)
    _forget_everything()
    yield
    _forget_everything()


def _forget_everything() -> None:
    data._workspace.clear()
    data.forget_directories()
    data._account.clear()


def set_faults(
    sandbox: RunningSandbox,
    rate: float,
    kinds: Sequence[str] = ALL_FAULTS,
    *,
    latency_ms: float = 0.0,
) -> None:
    """Change the sandbox's faults at run time, as an operator would."""
    response = httpx.post(
        f"{sandbox.base_url}/_sandbox/config",
        json={"fault_rate": rate, "fault_kinds": list(kinds), "latency_ms": latency_ms},
        headers={"Authorization": f"Token {sandbox.api_key}"},
        timeout=10,
    )
    response.raise_for_status()


# -- faults on writes only -------------------------------------------------------------------------

_METHOD: contextvars.ContextVar[str] = contextvars.ContextVar("sandbox_method", default="GET")


class WriteFaults(FaultInjector):
    """Fails every PUT (preferences and override writes) with ``kind``; reads are untouched."""

    def __init__(self, kind: str) -> None:
        super().__init__(seed=1, rate=0.0, kinds=())
        self.kind = kind
        self.active = True

    def pick(self) -> str | None:
        return self.kind if self.active and _METHOD.get() == "PUT" else None


def faults_on_writes(
    monkeypatch: pytest.MonkeyPatch, sandbox: RunningSandbox, kind: str
) -> WriteFaults:
    """Install a :class:`WriteFaults` on ``sandbox`` for the rest of the test."""
    original = Dispatcher._api

    async def remembering_method(self: Dispatcher, request: Request, relative: str) -> Response:
        token = _METHOD.set(request.method)
        try:
            return await original(self, request, relative)
        finally:
            _METHOD.reset(token)

    monkeypatch.setattr(Dispatcher, "_api", remembering_method)
    faults = WriteFaults(kind)
    monkeypatch.setattr(sandbox.state, "faults", faults)
    return faults


# -- what the page shows ---------------------------------------------------------------------------


def error_texts(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.error]


def all_texts(at: AppTest) -> str:
    """Everything a reader sees as text on the page, widget labels included."""
    parts: list[str] = []
    for group in (
        at.title,
        at.subheader,
        at.markdown,
        at.caption,
        at.error,
        at.warning,
        at.info,
        at.success,
    ):
        parts.extend(str(element.value) for element in group)
    parts.extend(str(element.label) for element in at.expander)
    parts.extend(str(element.label) for element in at.tabs)
    parts.extend(str(element.label) for element in at.button)
    return "\n".join(parts)


def assert_no_traceback(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert "Traceback" not in all_texts(at)


def assert_worded_failure(at: AppTest, what: str) -> None:
    """The page says in words what failed, offers Retry, and shows no traceback."""
    assert_no_traceback(at)
    errors = error_texts(at)
    assert any(unescape(what) in unescape(e) for e in errors), errors
    assert "Retry" in [b.label for b in at.button], [b.label for b in at.button]


def assert_data_or_words(at: AppTest, *, data_shown: bool) -> None:
    """Under intermittent faults: no traceback, and every error names what failed (bold, then
    a dash and the reason) next to a Retry button; where nothing failed, the data is shown."""
    assert_no_traceback(at)
    errors = error_texts(at)
    for message in errors:
        assert re.match(r"^\*\*.+\*\* — .+", message, re.S), message
    if errors:
        assert "Retry" in [b.label for b in at.button]
    else:
        assert data_shown


def unescape(value: str) -> str:
    """Markdown text as a reader sees it once the backslash escapes are consumed."""
    return re.sub(r"\\(.)", r"\1", value)


def run_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert_no_traceback(at)
    return at


def press(at: AppTest, label: str) -> AppTest:
    """Press the one button with this label and rerun."""
    matches = [b for b in at.button if b.label == label]
    assert len(matches) == 1, [b.label for b in at.button]
    matches[0].click().run()
    assert_no_traceback(at)
    return at


# -- downloads -------------------------------------------------------------------------------------


def capture_downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """From now on, the bytes behind every download button drawn, by media file id (the
    page's own data, recorded as Streamlit stores it)."""
    saved: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def remembering(
        self: MemoryMediaFileStorage,
        path_or_data: str | bytes,
        mimetype: str,
        kind: Any,
        filename: str | None = None,
    ) -> str:
        file_id = original(self, path_or_data, mimetype, kind, filename)
        if isinstance(path_or_data, bytes):
            saved[file_id] = path_or_data
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", remembering)
    return saved


def download_bytes(at: AppTest, key: str, saved: dict[str, bytes]) -> bytes:
    """What the download button with ``key`` hands the browser."""
    url = at.download_button(key=key).proto.url
    file_id = url.rsplit("/", 1)[-1].split(".", 1)[0]
    return saved[file_id]


# -- text from calendars and staff stays text ------------------------------------------------------

_CODE_SPAN = re.compile(r"`[^`]*`")


def markdown_surfaces(at: AppTest) -> list[str]:
    """Every string the page hands to a Markdown renderer: element bodies and widget labels."""
    values: list[str] = []
    for group in (
        at.title,
        at.header,
        at.subheader,
        at.markdown,
        at.caption,
        at.error,
        at.warning,
        at.info,
        at.success,
    ):
        values.extend(str(element.value) for element in group)
    for group in (
        at.expander,
        at.tabs,
        at.button,
        at.metric,
        at.selectbox,
        at.text_input,
        at.text_area,
        at.toggle,
        at.checkbox,
        at.multiselect,
    ):
        values.extend(str(element.label) for element in group)
    return values


def raw_hostile(values: Sequence[str], hostile: Sequence[str]) -> list[tuple[str, str]]:
    """(hostile text, where) for each hostile text that reaches Markdown unescaped, outside a
    code span (inside one it is shown literally)."""
    found = []
    for value in values:
        outside_code = _CODE_SPAN.sub("", value)
        for text in hostile:
            if text in outside_code:
                found.append((text, value[:200]))
    return found
