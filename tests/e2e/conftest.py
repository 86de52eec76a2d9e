"""Real-browser fixtures: a `streamlit run` console process and Debian's headless Chromium.

Follows the shape of Streamlit's own e2e suite: start the server, wait for /_stcore/health, and
after every interaction wait until the app is connected and idle before asserting.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CONSOLE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "test-artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Console:
    url: str
    process: subprocess.Popen[str]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_console(
    tmp_dir: Path,
    env_overrides: dict[str, str] | None = None,
    *,
    secrets_toml: str | None = None,
    port: int | None = None,
) -> Console:
    """A `streamlit run app.py` process; ``secrets_toml`` replaces the secrets file."""
    port = port or free_port()
    log_path = tmp_dir / f"console-{port}.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("RECALL_", "STREAMLIT_"))},
        "CONSOLE_DATA_DIR": str(tmp_dir / "data"),
        **(env_overrides or {}),
    }
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    if secrets_toml is not None:
        secrets_path = tmp_dir / f"secrets-{port}.toml"
        secrets_path.write_text(secrets_toml)
        command += ["--secrets.files", str(secrets_path)]
    log_file = log_path.open("w")
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"console exited early:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=1).text == "ok":
                return Console(url=url, process=process, log_path=log_path)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"console did not become healthy:\n{log_path.read_text()}")


def stop_console(console: Console) -> None:
    console.process.terminate()
    try:
        console.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        console.process.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run the suite with `make test`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    running = start_console(tmp_path_factory.mktemp("console"))
    yield running
    stop_console(running)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


def wait_for_app_run(page: Page, timeout: float = 30_000) -> None:
    """Wait until the script has finished running and no skeleton is left."""
    page.wait_for_timeout(250)
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=timeout
    )
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout
    )
    page.wait_for_function(
        "document.querySelectorAll(\"[data-testid='stSkeleton']\").length === 0", timeout=timeout
    )
    page.wait_for_timeout(100)


@pytest.fixture
def screenshot(page: Page) -> Callable[[str], Path]:
    """Save a full-page screenshot under test-artifacts/ for a person to look at."""

    def _take(name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _take


DEMO_PASSWORDS = {
    "viewer": "viewer-demo-2026",
    "editor": "editor-demo-2026",
    "admin": "admin-demo-2026",
}


def sign_in(page: Page, console: Console, username: str, password: str | None = None) -> None:
    """Sign in through the local-accounts form, as a person would."""
    page.goto(console.url)
    wait_for_app_run(page)
    page.get_by_role("textbox", name="Username or email").fill(username)
    page.get_by_role("textbox", name="Password").fill(password or DEMO_PASSWORDS[username])
    page.get_by_role("button", name="Sign in").click()
    wait_for_app_run(page)
    page.get_by_role("button", name="Sign out").wait_for(timeout=30_000)
    wait_for_sign_in_cookie(page)


SIGN_IN_COOKIE = "calendar_console_auth"


def wait_for_sign_in_cookie(page: Page, timeout: float = 15.0) -> None:
    """The cookie is written by a browser-side component shortly after sign-in; a reload before
    that would rightly ask for the password again."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(c["name"] == SIGN_IN_COOKIE for c in page.context.cookies()):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the sign-in cookie was never set")


def go_to(page: Page, title: str) -> None:
    """Open a page from the sidebar navigation."""
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name=title).click()
    wait_for_app_run(page)
