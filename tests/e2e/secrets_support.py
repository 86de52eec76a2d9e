"""Finding secrets in what a console session leaves behind: the API key and calendar tokens.

A ``LeakScanner`` knows the API key, the sandbox's token secret and its workspace id. It looks
through bytes or text from any source (WebSocket frames, HTTP bodies, page HTML, downloads, the
server log, the audit store) for:

- the API key, as written and in the encodings it would take on the way to a page or a file
  (URL-encoded, JSON-escaped, HTML-escaped);
- calendar tokens: any JWT-shaped run of characters that verifies with the sandbox's secret, or
  whose readable claims name the sandbox's workspace (a token cut short by a display limit still
  gives the user away, so it counts too). Other JWTs, such as the sign-in cookie, are not leaks.

A ``Recorder`` keeps every WebSocket frame and HTTP body a Playwright page sees, so a test can
scan them all at the end (or at any moment).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import html
import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus, urlsplit

import jwt
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Response, Route, WebSocket

from lib.audit import AuditStore
from lib.audit.store import MAX_PAGE_SIZE

# Header and payload of a JWT are base64url JSON objects, so both start with "eyJ" ('{"').
# The signature may be missing or cut short when a display truncates the token.
JWT_SHAPE = re.compile(rb"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


@dataclass(frozen=True)
class Finding:
    """One secret found in one source; ``what`` never repeats the secret itself."""

    source: str
    what: str

    def __str__(self) -> str:
        return f"{self.what} in {self.source}"


def _as_bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8", errors="surrogatepass") if isinstance(data, str) else data


def _b64url_prefix(segment: bytes) -> bytes:
    """As much of a base64url segment as decodes cleanly (a truncated one loses its tail)."""
    usable = segment[: len(segment) - len(segment) % 4]
    try:
        return base64.urlsafe_b64decode(usable)
    except (binascii.Error, ValueError):
        return b""


@dataclass
class LeakScanner:
    """Looks for one API key and the calendar tokens of one sandbox workspace."""

    api_key: str
    token_secret: str
    workspace_id: str

    def key_forms(self) -> dict[str, bytes]:
        """The key as it would look written out by each layer between Python and a reader."""
        forms = {
            "the API key": self.api_key,
            "the API key (URL-encoded)": quote(self.api_key, safe=""),
            "the API key (form-encoded)": quote_plus(self.api_key),
            "the API key (JSON-escaped)": json.dumps(self.api_key)[1:-1],
            "the API key (HTML-escaped)": html.escape(self.api_key),
        }
        distinct: dict[bytes, str] = {}
        for name, value in forms.items():
            distinct.setdefault(value.encode(), name)
        return {name: value for value, name in distinct.items()}

    def calendar_tokens(self, data: bytes | str) -> list[str]:
        """Calendar tokens (whole or cut short) of this sandbox in ``data``."""
        found = []
        for match in JWT_SHAPE.finditer(_as_bytes(data)):
            candidate = match.group().decode("ascii")
            if self._is_calendar_token(candidate):
                found.append(candidate)
        return found

    def _is_calendar_token(self, candidate: str) -> bool:
        try:
            jwt.decode(
                candidate,
                self.token_secret,
                algorithms=["HS256"],
                options={"verify_exp": False, "verify_iat": False, "verify_aud": False},
            )
            return True
        except jwt.PyJWTError:
            pass
        parts = candidate.split(".")
        claims = _b64url_prefix(parts[1].encode()) if len(parts) > 1 else b""
        return self.workspace_id.encode() in claims

    def scan(self, source: str, data: bytes | str) -> list[Finding]:
        raw = _as_bytes(data)
        findings = [Finding(source, name) for name, form in self.key_forms().items() if form in raw]
        tokens = self.calendar_tokens(raw)
        if tokens:
            findings.append(Finding(source, f"{len(tokens)} calendar token(s)"))
        return findings

    def scan_all(self, items: Iterable[tuple[str, bytes | str]]) -> list[Finding]:
        return [finding for source, data in items for finding in self.scan(source, data)]


@dataclass
class Recorder:
    """Every WebSocket frame and HTTP response body one page receives, from attach() on.

    Requests to any host but loopback are refused, so the session can never reach a real
    Recall, Google or Microsoft host, and each refusal is listed in ``blocked``.
    """

    frames_received: list[bytes] = field(default_factory=list)
    frames_sent: list[bytes] = field(default_factory=list)
    responses: list[tuple[str, bytes]] = field(default_factory=list)
    request_urls: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    documents: list[Response] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def attach(self, page: Page) -> None:
        page.on("websocket", self._on_websocket)
        page.on("response", self._on_response)
        page.route("**/*", self._on_route)

    def _on_websocket(self, ws: WebSocket) -> None:
        ws.on("framereceived", lambda payload: self._keep(self.frames_received, payload))
        ws.on("framesent", lambda payload: self._keep(self.frames_sent, payload))

    def _keep(self, into: list[bytes], payload: bytes | str) -> None:
        with self._lock:
            into.append(_as_bytes(payload))

    def _on_response(self, response: Response) -> None:
        if response.request.is_navigation_request():
            with self._lock:
                self.documents.append(response)

    def _on_route(self, route: Route) -> None:
        url = route.request.url
        with self._lock:
            self.request_urls.append(url)
        if urlsplit(url).hostname not in LOOPBACK_HOSTS and not url.startswith("data:"):
            with self._lock:
                self.blocked.append(url)
            route.abort()
            return
        if route.request.is_navigation_request():
            # A document fulfilled from here would count as coming from outside the machine,
            # and Chromium's local-network checks would then refuse its WebSocket; documents
            # load as usual and their bodies are read from the response event instead.
            route.continue_()
            return
        try:
            response = route.fetch()
            body = response.body()
        except PlaywrightError:
            # The page went away mid-request (a navigation or the end of the test); a request
            # left unanswered would hang, so it is refused if anything is still waiting.
            with contextlib.suppress(PlaywrightError):
                route.abort()
            return
        with self._lock:
            self.responses.append((url, body))
        route.fulfill(response=response, body=body)

    def sources(self) -> list[tuple[str, bytes]]:
        """Everything recorded so far, each named for a failure message."""
        with self._lock:
            received = [
                (f"WebSocket frame received #{i}", f) for i, f in enumerate(self.frames_received)
            ]
            sent = [(f"WebSocket frame sent #{i}", f) for i, f in enumerate(self.frames_sent)]
            bodies = [(f"HTTP response {url}", body) for url, body in self.responses]
            urls = [(f"HTTP request URL #{i}", u.encode()) for i, u in enumerate(self.request_urls)]
            documents = list(self.documents)
        return [*received, *sent, *bodies, *urls, *self._document_bodies(documents)]

    @staticmethod
    def _document_bodies(documents: list[Response]) -> list[tuple[str, bytes]]:
        bodies = []
        for response in documents:
            try:
                bodies.append((f"HTTP document {response.url}", response.body()))
            except PlaywrightError:
                # A redirect has no body; anything else is still in the page HTML snapshots.
                continue
        return bodies

    def mark(self) -> int:
        """A position in the received frames, to look only at what came after it."""
        with self._lock:
            return len(self.frames_received)

    def received_since(self, mark: int) -> list[bytes]:
        with self._lock:
            return list(self.frames_received[mark:])


def audit_records(database_url: str) -> list[tuple[str, str]]:
    """Every audit event as JSON, oldest first, each named by its id and action."""
    records: list[tuple[str, str]] = []
    with AuditStore(database_url, create=False) as store:
        offset = 0
        while True:
            batch = store.query(limit=MAX_PAGE_SIZE, offset=offset, newest_first=False)
            records.extend(
                (f"audit event {e.id} ({e.action})", json.dumps(e.to_record())) for e in batch
            )
            if len(batch) < MAX_PAGE_SIZE:
                return records
            offset += len(batch)


def files_under(directory: Path) -> list[tuple[str, bytes]]:
    """Every file's bytes (databases and their journals included), named by path."""
    return [(f"file {p}", p.read_bytes()) for p in sorted(directory.rglob("*")) if p.is_file()]
