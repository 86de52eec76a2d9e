"""HTTP behaviour shared by every endpoint: trailing slashes, 404/405, malformed bodies, the WAF
rule, the ASGI app on its own, several instances, and the command line."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from lib.sandbox.app import create_app
from lib.sandbox.config import DEFAULT_SANDBOX_API_KEY, SandboxConfig

API = "/api/v1/calendar"
SMALL = {"users": 8, "heavy_user_meetings": 0}
ROOT = Path(__file__).resolve().parents[2]
Factory = Callable[..., Any]


def open_session(running: Any) -> Iterator[tuple[Any, httpx.Client, dict[str, str]]]:
    with httpx.Client(base_url=running.base_url) as client:
        token = client.post(
            f"{API}/authenticate/",
            json={"user_id": "nw-000001"},
            headers={"Authorization": f"Token {running.api_key}"},
        ).json()["token"]
        yield running, client, {"x-recallcalendarauthtoken": token}


@pytest.fixture
def session(make_sandbox: Factory) -> Iterator[tuple[Any, httpx.Client, dict[str, str]]]:
    """A private sandbox, for tests that write."""
    yield from open_session(make_sandbox(**SMALL))


@pytest.fixture
def shared(sandbox: Any) -> Iterator[tuple[Any, httpx.Client, dict[str, str]]]:
    """The shared sandbox, for tests whose requests are all refused."""
    yield from open_session(sandbox)


@pytest.mark.parametrize("slash", ["/", ""])
def test_every_documented_path_works_with_and_without_the_trailing_slash(
    session: tuple[Any, httpx.Client, dict[str, str]], slash: str
) -> None:
    running, client, cal = session
    key = {"Authorization": f"Token {running.api_key}"}
    meeting_id = client.get(f"{API}/meetings/", headers=cal).json()[0]["id"]
    calls = [
        ("POST", "authenticate", key, {"user_id": "nw-000001"}, 200),
        ("GET", "users", key, None, 200),
        ("GET", "user", cal, None, 200),
        ("PUT", "user", cal, {"preferences": {"record_internal": True}}, 200),
        ("PATCH", "user", cal, {"preferences": {"record_internal": False}}, 200),
        ("GET", "meetings", cal, None, 200),
        ("GET", f"meetings/{meeting_id}", cal, None, 200),
        ("PUT", f"meetings/{meeting_id}", cal, {"override_should_record": None}, 200),
        ("PATCH", f"meetings/{meeting_id}", cal, {"override_should_record": None}, 200),
        ("POST", "meetings/refresh", cal, None, 200),
        ("POST", "user/disconnect", cal, {"platform": "microsoft"}, 200),
        ("DELETE", "user", cal, None, 204),
    ]
    for method, path, headers, body, status in calls:
        response = client.request(method, f"{API}/{path}{slash}", headers=headers, json=body)
        assert response.status_code == status, (method, path, response.text)


def test_unknown_routes_are_404_json(shared: tuple[Any, httpx.Client, dict[str, str]]) -> None:
    _, client, cal = shared
    for path in (
        f"{API}/meeting/",
        f"{API}/users/42/",
        "/api/v2/calendar/user/",
        "/",
        "/_sandbox/x",
    ):
        response = client.get(path, headers=cal)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found."}


def test_wrong_method_is_405_with_allow(shared: tuple[Any, httpx.Client, dict[str, str]]) -> None:
    running, client, cal = shared
    key = {"Authorization": f"Token {running.api_key}"}
    cases = [
        ("DELETE", f"{API}/meetings/", cal, "GET"),
        ("GET", f"{API}/meetings/refresh/", cal, "POST"),
        ("POST", f"{API}/user/", cal, "DELETE, GET, PATCH, PUT"),
        ("GET", f"{API}/authenticate/", key, "POST"),
        ("POST", f"{API}/users/", key, "GET"),
    ]
    for method, path, headers, allow in cases:
        response = client.request(method, path, headers=headers)
        assert response.status_code == 405, (method, path)
        assert response.json() == {"detail": f'Method "{method}" not allowed.'}
        assert response.headers["Allow"] == allow


def test_malformed_and_non_object_bodies_are_400(
    shared: tuple[Any, httpx.Client, dict[str, str]],
) -> None:
    running, client, cal = shared
    broken = client.patch(
        f"{API}/user/",
        headers={**cal, "Content-Type": "application/json"},
        content=b'{"preferences": ',
    )
    assert broken.status_code == 400
    assert broken.json()["detail"].startswith("JSON parse error")
    listed = client.post(
        f"{API}/authenticate/",
        headers={"Authorization": f"Token {running.api_key}"},
        json=["nw-000001"],
    )
    assert listed.status_code == 400
    assert listed.json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }


def test_a_get_with_a_body_is_blocked_like_recalls_waf(
    shared: tuple[Any, httpx.Client, dict[str, str]],
) -> None:
    _, client, cal = shared
    response = client.request("GET", f"{API}/meetings/", headers=cal, content=b"null")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")


def test_the_app_serves_through_an_asgi_transport() -> None:
    app = create_app(SandboxConfig(users=4, heavy_user_meetings=0))

    async def call() -> tuple[int, int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            response = await client.get(
                f"{API}/users", headers={"Authorization": f"Token {DEFAULT_SANDBOX_API_KEY}"}
            )
            return response.status_code, len(response.json())

    # A thread of its own: the suite may already run an event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, call()).result() == (200, 4)
    assert app.state.sandbox.user_count == 4


def test_instances_are_independent(make_sandbox: Factory) -> None:
    one = make_sandbox(**SMALL)
    two = make_sandbox(users=3, heavy_user_meetings=0, api_key="second-key")
    assert one.base_url != two.base_url
    assert not one.base_url.endswith("/")
    first = httpx.get(
        f"{one.base_url}{API}/users/", headers={"Authorization": f"Token {one.api_key}"}
    )
    second = httpx.get(f"{two.base_url}{API}/users/", headers={"Authorization": "Token second-key"})
    assert (len(first.json()), len(second.json())) == (8, 3)
    wrong = httpx.get(
        f"{two.base_url}{API}/users/", headers={"Authorization": f"Token {one.api_key}"}
    )
    assert wrong.status_code == 401


def test_stop_closes_the_port(make_sandbox: Factory) -> None:
    running = make_sandbox(**SMALL)
    with running:
        assert httpx.get(f"{running.base_url}/_sandbox/stats").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{running.base_url}/_sandbox/stats")


def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, list[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "lib.sandbox", "--port", "0", "--users", "5", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    lines = [process.stdout.readline() for _ in range(3)]
    return process, lines


def stop(process: subprocess.Popen) -> str:
    process.terminate()
    output, _ = process.communicate(timeout=10)
    return output


def test_cli_prints_the_url_and_hides_a_custom_key() -> None:
    process, lines = run_cli("--api-key", "cli-secret-key")
    try:
        assert lines[0].startswith("Recall Calendar V1 sandbox at http://127.0.0.1:")
        base_url = lines[0].split(" at ")[1].strip()
        deadline = time.monotonic() + 10
        while True:
            try:
                response = httpx.get(
                    f"{base_url}{API}/users/", headers={"Authorization": "Token cli-secret-key"}
                )
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert response.status_code == 200
        assert len(response.json()) == 5
        assert "set (not shown)" in lines[1]
    finally:
        rest = stop(process)
    assert "cli-secret-key" not in "".join(lines) + rest


def test_cli_names_the_default_key() -> None:
    process, lines = run_cli(env={"SANDBOX_API_KEY": ""})
    stop(process)
    assert DEFAULT_SANDBOX_API_KEY in lines[1]
