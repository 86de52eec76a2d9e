"""No secret reaches staff: the API key and calendar tokens stay on the server.

A console runs in live mode against a sandbox started here with a distinctive API key and a
known token secret, with a local admin account (no demo accounts) and the most talkative logging
there is. An admin walks every page (the directory, an account's tabs with a write of each kind,
the preview for one user and for a cohort, the bot preset, the audit log and its exports, the
status page) while everything the browser receives is recorded. Then neither the key nor any
calendar token may appear in a WebSocket frame, an HTTP body, the page HTML, a download, the
server log, the audit store or any file in the console's data directory.

The one deliberate exception is the connection link, which carries the end user's own token
(Recall's OAuth ``state`` requires it): it is checked on its own, appearing only after "Build
link" and never in the log or the audit store.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import jwt
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from lib.recall import RecallClient
from lib.sandbox.server import RunningSandbox, start_in_thread
from lib.sandbox.tokens import TokenSigner
from tests import sandbox_variant
from tests.e2e.conftest import (
    ARTIFACTS,
    REPO,
    Console,
    go_to,
    sign_in,
    start_console,
    stop_console,
    wait_for_app_run,
)
from tests.e2e.secrets_support import (
    Finding,
    LeakScanner,
    Recorder,
    audit_records,
    files_under,
)

# Shaped like nothing else in the console, with characters that change under URL and HTML
# encoding, so each encoded copy is a different string to look for.
API_KEY = f"rk_probe_{secrets.token_hex(12)}+/&~key"
TOKEN_SECRET = f"token-secret-{secrets.token_hex(16)}"
ADMIN_EMAIL = "ada.admin@corp.example"
ADMIN_PASSWORD = f"pw-{secrets.token_urlsafe(12)}"
USER = "nw-000005"
REASON = "Checking the console never shows a secret"
COHORT_SIZE = 6
# Python's root logger at DEBUG in the console process (the client, httpx, httpcore): the most
# an operator could turn on. Streamlit's own loggers follow --logger.level.
SITECUSTOMIZE = "import logging\nlogging.basicConfig(level=logging.DEBUG)\n"


@dataclass
class Setup:
    sandbox: RunningSandbox
    console: Console
    data_dir: Path
    scanner: LeakScanner

    @property
    def audit_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'console.db'}"

    def server_side(self) -> list[tuple[str, bytes | str]]:
        """What stays on the server: the log, every audit event, every data file."""
        return [
            ("the server log", self.console.log()),
            *audit_records(self.audit_url),
            *files_under(self.data_dir),
        ]


def add_admin(credentials: Path) -> None:
    """The documented way to add a staff account, the password given on standard input."""
    done = subprocess.run(
        [
            *(sys.executable, "-m", "lib.staff", "--file", str(credentials)),
            *("add", ADMIN_EMAIL, "--role", "admin", "--name", "Ada Admin", "--password-stdin"),
        ],
        input=ADMIN_PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    sandbox = start_in_thread(
        sandbox_variant.config(
            api_key=API_KEY,
            token_secret=TOKEN_SECRET,
            seed=1,
            users=40,
            rate_limit_scale=0,
            heavy_user_meetings=0,
        )
    )
    tmp = tmp_path_factory.mktemp("secrets-console")
    credentials = tmp / "staff.yaml"
    hooks = tmp / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE)
    secrets_toml = (
        f'[staff]\ncookie_key = "{secrets.token_urlsafe(48)}"\ncredentials_file = "{credentials}"\n'
        # Live mode needs the audit log's own key.
        f'[console]\naudit_key = "{secrets.token_urlsafe(48)}"\n'
    )
    try:
        add_admin(credentials)
        console = start_console(
            tmp,
            {
                "RECALL_API_KEY": API_KEY,
                "RECALL_BASE_URL": sandbox.base_url,
                "STREAMLIT_LOGGER_LEVEL": "debug",
                "PYTHONPATH": str(hooks),
            },
            secrets_toml=secrets_toml,
        )
    except BaseException:
        sandbox.stop()
        raise
    scanner = LeakScanner(API_KEY, TOKEN_SECRET, sandbox.state.workspace.id)
    try:
        yield Setup(sandbox, console, tmp / "data", scanner)
    finally:
        stop_console(console)
        sandbox.stop()


# -- the scanner finds what it is meant to find -------------------------------------------------


def test_scanner_finds_a_planted_key_or_token_and_ignores_other_jwts():
    workspace = "ws_planted"
    scanner = LeakScanner(API_KEY, TOKEN_SECRET, workspace)
    signer = TokenSigner(
        workspace_id=workspace, clock=lambda: datetime.now(UTC), secret=TOKEN_SECRET
    )
    token = signer.mint("nw-000001")
    cookie = jwt.encode(
        {"username": "ada", "exp_date": 2_000_000_000},
        "a-cookie-key-that-is-not-the-sandbox-secret-0123456789",
        algorithm="HS256",
    )
    # Protobuf-like frames: length-prefixed strings between binary bytes.
    frame = b"\x0a\x12" + token.encode() + b"\x12\x03abc\x1a" + cookie.encode() + b"\x00\xff"
    assert [f.what for f in scanner.scan("frame", frame)] == ["1 calendar token(s)"]
    assert scanner.scan("cookie", b"\x0a\x40" + cookie.encode()) == []
    assert scanner.scan("page", "<p>nothing to see: eyJ.eyJ.x</p>") == []

    # Cut short by a display limit, a token whose readable claims name the workspace counts.
    shortened = token[:120]
    assert "ws" in jwt.decode(token, options={"verify_signature": False})
    assert scanner.calendar_tokens(f"token: {shortened}…") == [shortened]
    # Signed with the sandbox's secret, whatever it claims: a calendar token.
    foreign = jwt.encode({"sub": "x", "ws": "elsewhere"}, TOKEN_SECRET, algorithm="HS256")
    assert scanner.calendar_tokens(foreign) == [foreign]

    planted = b"\x0a\x20" + API_KEY.encode() + b"\x10\x01"
    assert scanner.scan("frame", planted) == [Finding("frame", "the API key")]
    by_hand = {"+": "%2B", "/": "%2F", "&": "%26"}
    encoded = "https://x.example/?key=" + "".join(by_hand.get(c, c) for c in API_KEY)
    assert scanner.scan("url", encoded) == [Finding("url", "the API key (URL-encoded)")]
    escaped = "<code>" + API_KEY.replace("&", "&amp;") + "</code>"
    assert scanner.scan("page", escaped) == [Finding("page", "the API key (HTML-escaped)")]
    # A finding names the secret, never repeats it.
    assert all(API_KEY not in str(f) for f in scanner.scan("frame", planted + frame))


# -- walking the console ---------------------------------------------------------------------------


@dataclass
class Walk:
    """One signed-in browser page and everything it has been shown so far."""

    page: Page
    recorder: Recorder
    pages: list[tuple[str, str]] = field(default_factory=list)
    downloads: list[tuple[str, bytes]] = field(default_factory=list)

    def settle(self, name: str) -> None:
        """Wait for the run to finish and keep the page's HTML as it is now."""
        wait_for_app_run(self.page)
        self.pages.append((f"page HTML after {name}", self.page.content()))

    def download(self, button: str | re.Pattern[str]) -> str:
        with self.page.expect_download() as info:
            self.page.get_by_role("button", name=button).click()
        got = info.value
        path = got.path()
        assert path is not None
        self.downloads.append((f"download {got.suggested_filename}", Path(path).read_bytes()))
        wait_for_app_run(self.page)
        return got.suggested_filename

    def screenshot(self, name: str) -> None:
        """A picture under test-artifacts/ for a person to look at."""
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def record_failure(self) -> None:
        """The page as it was when a step failed: a picture and its accessibility tree."""
        self.screenshot("secrets-failure")
        tree = self.page.locator("[data-testid='stApp']").aria_snapshot()
        (ARTIFACTS / "secrets-failure.txt").write_text(tree)

    def everything(self) -> list[tuple[str, bytes | str]]:
        return [*self.recorder.sources(), *self.pages, *self.downloads]


@pytest.fixture
def walk(browser: Browser) -> Iterator[Walk]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = context.new_page()
    recorder = Recorder()
    recorder.attach(page)
    yield Walk(page, recorder)
    context.close()


def form_with(page: Page, button: str) -> Locator:
    return page.locator("[data-testid='stForm']").filter(
        has=page.get_by_role("button", name=button)
    )


def choose(page: Page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app_run(page)


def open_account(walk: Walk, console: Console) -> None:
    """Sign in, find the user in the directory and open the account with a reason."""
    page = walk.page
    sign_in(page, console, ADMIN_EMAIL, ADMIN_PASSWORD)
    expect(page.get_by_text("Role: Admin")).to_be_visible()
    walk.settle("signing in")
    search = page.get_by_role("textbox", name="Search by user id or calendar email")
    search.fill("northwind")
    search.press("Enter")
    walk.settle("a directory search")
    page.get_by_role("tab", name=re.compile("Preferences side by side")).click()
    walk.settle("comparing preferences side by side")
    page.get_by_role("tab", name=re.compile("Users")).click()
    wait_for_app_run(page)
    search.fill(USER)
    search.press("Enter")
    wait_for_app_run(page)
    page.get_by_role("button", name="Open account").click()
    wait_for_app_run(page)
    page.get_by_role("textbox", name="Reason").fill(REASON)
    page.get_by_role("button", name="Open account").click()
    wait_for_app_run(page)
    expect(page.get_by_text("Viewing as")).to_be_visible()
    walk.settle("opening the account")


# Pixel widths of the meetings table's first columns (lib/ui/account_meetings.py COLUMN_CONFIG:
# start 140, end "small", title "medium", override 95) and Streamlit's row and header height.
START_W, END_W, TITLE_W, OVERRIDE_W = 140, 75, 200, 95
ROW_H = 35
OVERRIDE_COL, WHY_COL = 3, 7


def set_one_override(page: Page) -> None:
    """Turn "Always" on for an upcoming meeting the preferences leave out, and save it.

    The table is a canvas: the cell is double-clicked at its computed position and read through
    the grid's accessible cells (``#glide-cell-<col>-<row>``)."""

    def cell(column: int, row: int) -> str:
        return page.locator(f"#glide-cell-{column}-{row}").first.text_content() or ""

    row = next(
        (
            r
            for r in range(14)
            if cell(OVERRIDE_COL, r) == "Auto"
            and cell(WHY_COL, r).startswith("Won't record: record_")
        ),
        None,
    )
    assert row is not None, "no visible meeting that only the preferences keep from recording"
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    page.mouse.dblclick(
        box["x"] + START_W + END_W + TITLE_W + OVERRIDE_W / 2,
        box["y"] + ROW_H * (row + 1) + ROW_H / 2,
    )
    page.get_by_role("option", name="Always", exact=True).click()
    wait_for_app_run(page)
    expect(page.get_by_text("1 override change(s) to save")).to_be_visible()
    form = form_with(page, "Save overrides")
    form.get_by_role("textbox", name="Reason").fill("Customer wants this call recorded")
    form.get_by_role("button", name="Save overrides").click()
    wait_for_app_run(page)
    expect(page.get_by_text("Saved 1 override(s)", exact=False)).to_be_visible()


def walk_account(walk: Walk) -> None:
    page = walk.page
    # The override first: an open expander below the grid keeps it from taking the double-click.
    set_one_override(page)
    walk.settle("saving an override")
    page.get_by_text("Meeting details").click()
    walk.settle("opening meeting details")
    page.get_by_role("tab", name="Preferences").click()
    wait_for_app_run(page)
    bot_name = page.get_by_role("textbox", name="Bot name")
    bot_name.fill("Probe Notetaker")
    bot_name.press("Enter")
    wait_for_app_run(page)
    expect(page.get_by_text("Change to save")).to_be_visible()
    form = form_with(page, "Save preferences")
    form.get_by_role("textbox", name="Reason").fill("Customer asked for a new bot name")
    form.get_by_role("button", name="Save preferences").click()
    wait_for_app_run(page)
    expect(page.get_by_text(re.compile(r"^Preferences saved:"))).to_be_visible()
    walk.settle("saving preferences")
    for tab in ("Calendars", "Activity"):
        page.get_by_role("tab", name=tab).click()
        walk.settle(f"opening the {tab} tab")
    walk.screenshot("secrets-account-activity")


def walk_preview(walk: Walk) -> None:
    page = walk.page
    go_to(page, "Preview")
    # The open account is previewed; "record all" differs from its "only meetings I accepted".
    choose(page, "Preset", "record all")
    expect(page.get_by_text(re.compile(r"^Meetings that change \([1-9]"))).to_be_visible()
    walk.download("Download changes (CSV)")
    walk.settle("a one-user preview")
    page.get_by_role("radio", name="A cohort").click()
    wait_for_app_run(page)
    page.get_by_role("radio", name="Sample the workspace").click()
    wait_for_app_run(page)
    size = page.get_by_role("spinbutton", name="Users")
    size.fill(str(COHORT_SIZE))
    size.press("Enter")
    wait_for_app_run(page)
    page.get_by_role("button", name=f"Preview {COHORT_SIZE} users").click()
    expect(page.get_by_text(f"Previewed {COHORT_SIZE} users", exact=False)).to_be_visible(
        timeout=60_000
    )
    wait_for_app_run(page)
    walk.download("Download per-user impact (CSV)")
    walk.download("Download changed meetings (CSV)")
    walk.settle("a cohort preview")
    walk.screenshot("secrets-preview-cohort")


def walk_presets(walk: Walk) -> None:
    page = walk.page
    go_to(page, "Bot preset")
    page.get_by_role("button", name="Use template").click()
    wait_for_app_run(page)
    expect(page.get_by_text("No errors.", exact=False)).to_be_visible()
    page.get_by_role("button", name="Validate").click()
    wait_for_app_run(page)
    page.get_by_role("textbox", name="Note").fill("Transcription for every meeting")
    page.get_by_role("button", name="Save as v1").click()
    wait_for_app_run(page)
    expect(page.get_by_text(re.compile(r"Saved v1 \(hash [0-9a-f]{12}\)"))).to_be_visible()
    page.get_by_role("tab", name="Export for Recall").click()
    wait_for_app_run(page)
    walk.download(re.compile(r"^Download recall-bot-preset-v1-"))
    page.get_by_role("button", name="Write a message for Recall").click()
    wait_for_app_run(page)
    expect(page.get_by_text("Hi Recall team", exact=False)).to_be_visible()
    walk.settle("a preset export")


def walk_audit(walk: Walk) -> None:
    page = walk.page
    go_to(page, "Audit log")
    walk.settle("opening the audit log")
    user_filter = page.get_by_role("textbox", name="User id")
    user_filter.fill(USER)
    user_filter.press("Enter")
    walk.settle("filtering the audit log")
    user_filter.fill("")
    user_filter.press("Enter")
    wait_for_app_run(page)
    for label in ("CSV", "JSON"):
        page.get_by_role("button", name="Export").click()
        page.get_by_role("radio", name=label, exact=True).click()
        wait_for_app_run(page)
        page.get_by_role("button", name=f"Prepare {label}").click()
        wait_for_app_run(page)
        suffix = label.lower()
        assert walk.download(re.compile(rf"^Download .+\.{suffix}$")).endswith(f".{suffix}")
        page.keyboard.press("Escape")
        wait_for_app_run(page)
    walk.screenshot("secrets-audit")


def walk_status(walk: Walk) -> None:
    page = walk.page
    go_to(page, "Status")
    buckets = page.get_by_text(re.compile(r"^Every bucket in use"))
    if buckets.count():
        buckets.click()
    walk.settle("opening the status page")
    walk.screenshot("secrets-status")


def leak_report(findings: list[Finding]) -> str:
    return "secrets reached staff or storage:\n" + "\n".join(map(str, findings))


@pytest.mark.e2e
@pytest.mark.timeout(600)
def test_no_page_download_log_or_audit_event_holds_a_secret(setup: Setup, walk: Walk):
    try:
        open_account(walk, setup.console)
        walk_account(walk)
        walk_preview(walk)
        walk_presets(walk)
        walk_audit(walk)
        walk_status(walk)
    except Exception:
        walk.record_failure()
        raise

    # The walk did what it set out to, so there were secrets to leak and records to hold them.
    audit = audit_records(setup.audit_url)
    recorded = {source.split("(")[-1].rstrip(")") for source, _ in audit}
    assert {
        "view_as.start",
        "meeting.override",
        "preferences.update",
        "export.preview",
        "preset.save",
        "preset.export",
        "export.audit",
    } <= recorded
    assert len(walk.downloads) == 6
    stats = httpx.get(f"{setup.sandbox.base_url}/_sandbox/stats").json()["by_endpoint"]
    assert stats["authenticate"] >= COHORT_SIZE, "calendar tokens were minted for several users"
    assert len(walk.recorder.frames_received) > 100
    log = setup.console.log()
    # As talkative as it gets: Streamlit's debug lines, the client's and httpcore's.
    assert "DEBUG:lib.recall.client:recall POST authenticate -> 200" in log
    assert "DEBUG:httpcore" in log

    leaks = setup.scanner.scan_all([*walk.everything(), *setup.server_side()])
    assert not leaks, leak_report(leaks)
    assert "Traceback" not in log


@pytest.mark.e2e
@pytest.mark.timeout(300)
def test_a_connection_link_token_reaches_only_the_page_that_built_it(setup: Setup, walk: Walk):
    page = walk.page
    try:
        open_account(walk, setup.console)
        page.get_by_role("tab", name="Calendars").click()
        wait_for_app_run(page)
        page.get_by_text("Build a connection link for the user").click()
        walk.settle("opening the connection link form")
        before = setup.scanner.scan_all(walk.everything())
        assert not before, leak_report(before)
        mark = walk.recorder.mark()

        form = form_with(page, "Build link")
        form.get_by_role("textbox", name="Reason").fill("Customer needs to reconnect Google")
        form.get_by_role("button", name="Build link").click()
        wait_for_app_run(page)
        link = page.locator("[data-testid='stCode']").filter(has_text="recall_calendar_auth_token")
        expect(link).to_be_visible()
        walk.screenshot("secrets-connection-link")
    except Exception:
        walk.record_failure()
        raise

    tokens = setup.scanner.calendar_tokens(link.inner_text().replace("\n", ""))
    assert len(tokens) == 1
    claims = jwt.decode(tokens[0], TOKEN_SECRET, algorithms=["HS256"])
    with RecallClient(setup.sandbox.base_url, API_KEY) as recall:
        (user,) = [u for u in recall.list_users() if u.external_id == USER]
    assert claims["sub"] == user.id, "the link carries the token of the account it was built for"
    assert any(tokens[0].encode() in frame for frame in walk.recorder.received_since(mark))

    # Not in the log, the audit store or any data file; the link's audit event is there.
    server_side = setup.server_side()
    leaks = setup.scanner.scan_all(server_side)
    assert not leaks, leak_report(leaks)
    assert any("(connection_link.create)" in source for source, _ in server_side)
    # And the key never reached the page, even with the link on it.
    shown = [f for f in setup.scanner.scan_all(walk.everything()) if "API key" in f.what]
    assert not shown, leak_report(shown)
