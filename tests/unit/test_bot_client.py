"""The Bot API reads against a scripted transport: both shapes, unknown codes, pages, limits."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from lib.recall import NotFoundError, RateLimiter, RecallClient, UnexpectedResponseError
from lib.recall.bot_api import BotApi, is_bot_id
from lib.recall.bots import parse_bot
from lib.recall.errors import ValidationError
from lib.recall.ratelimit import BOT_LIST, BOT_RETRIEVE
from tests.unit.test_client_mock import API_KEY, BASE, FakeClock, FakeRecall, MaxJitter

BOT_ID = "6e1f8a3c-2b4d-4e5f-9a7b-1c2d3e4f5a6b"
RETRIEVE = ("GET", f"/api/v1/bot/{BOT_ID}/")
LIST = ("GET", "/api/v1/bot/")


def v111(**overrides: Any) -> dict[str, Any]:
    return {
        "id": BOT_ID,
        "meeting_url": {"meeting_id": "abc-defg-hij", "platform": "google_meet"},
        "bot_name": "Meeting Notetaker",
        "join_at": None,
        "status_changes": [
            {"code": "joining_call", "sub_code": None, "message": None,
             "created_at": "2026-03-02T09:58:05Z"},
            {"code": "in_waiting_room", "sub_code": None, "message": None,
             "created_at": "2026-03-02T09:58:20Z"},
            {"code": "call_ended", "sub_code": "timeout_exceeded_waiting_room",
             "message": "Not admitted.", "created_at": "2026-03-02T10:18:20Z"},
            {"code": "done", "sub_code": None, "message": None,
             "created_at": "2026-03-02T10:18:40Z"},
        ],
        "recordings": [
            {"id": "r1", "status": {"code": "done"}, "expires_at": "2026-03-09T10:00:00Z",
             "media_shortcuts": {
                 "video_mixed": {"status": {"code": "done"},
                                 "data": {"download_url": "https://s3.example/secret-video"}},
                 "transcript": {"status": {"code": "failed"}, "data": None},
                 "audio_mixed": None}},
        ],
        "automatic_leave": {"waiting_room_timeout": 900},
        "calendar_meetings": [
            {"id": "m1", "start_time": "2026-03-02T10:00:00Z", "end_time": "2026-03-02T10:30:00Z",
             "calendar_user": {"id": "cu1", "external_id": "nw-000001"}},
            {"id": "m2", "start_time": "2026-03-02T10:00:00Z", "end_time": "2026-03-02T10:30:00Z",
             "calendar_user": {"id": "cu2", "external_id": "nw-000007"}},
        ],
        "metadata": {},
        **overrides,
    }  # fmt: skip


def v110() -> dict[str, Any]:
    return {
        "id": BOT_ID,
        "meeting_url": {"meeting_id": "81234567890", "platform": "zoom"},
        "join_at": None,
        "video_url": "https://s3.example/legacy-video",
        "media_retention_end": "2026-03-09T10:00:00Z",
        "meeting_metadata": {"title": "Weekly", "zoom_meeting_uuid": None},
        "meeting_participants": [{"name": "Ann", "is_host": True, "events": []}],
        "status_changes": [
            {"code": "joining_call", "created_at": "2026-03-02T09:58:05Z"},
            {"code": "in_call_recording", "created_at": "2026-03-02T09:59:00Z"},
            {"code": "call_ended", "sub_code": "call_ended_by_host",
             "created_at": "2026-03-02T10:30:00Z"},
            {"code": "recording_done", "created_at": "2026-03-02T10:30:05Z"},
            {"code": "done", "created_at": "2026-03-02T10:30:10Z"},
        ],
        "calendar_meetings": [],
    }  # fmt: skip


def make(
    limiter: RateLimiter | None = None, clock: FakeClock | None = None, **kwargs: Any
) -> tuple[BotApi, FakeRecall, FakeClock]:
    clock = clock or FakeClock()
    fake = FakeRecall(clock)
    fake.routes[RETRIEVE] = [(200, v111())]
    fake.routes[LIST] = [(200, {"count": 0, "next": None, "previous": None, "results": []})]
    client = RecallClient(
        BASE, API_KEY, transport=httpx.MockTransport(fake), clock=clock, sleep=clock.sleep,
        limiter=limiter or RateLimiter.disabled(), rng=MaxJitter(), **kwargs,
    )  # fmt: skip
    return BotApi(client), fake, clock


def test_retrieve_reads_the_v111_shape_and_drops_download_urls() -> None:
    api, fake, _ = make()
    bot = api.get_bot(BOT_ID)
    (request,) = fake.calls(RETRIEVE)
    assert request.headers["authorization"] == f"Token {API_KEY}"
    assert bot.shape == "v1.11"
    assert (bot.platform, bot.meeting_id) == ("google_meet", "abc-defg-hij")
    assert bot.codes == ("joining_call", "in_waiting_room", "call_ended", "done")
    assert bot.status_changes[2].sub_code == "timeout_exceeded_waiting_room"
    (recording,) = bot.recordings
    assert recording.status == "done"
    assert dict(recording.media) == {
        "video_mixed": "done",
        "transcript": "failed",
        "audio_mixed": None,
    }
    assert "secret-video" not in repr(bot)
    assert bot.external_ids() == ("nw-000001", "nw-000007")
    assert bot.automatic_leave["waiting_room_timeout"] == 900


def test_the_legacy_v110_shape_is_read_too() -> None:
    bot = parse_bot(v110())
    assert bot.shape == "v1.10"
    assert bot.title == "Weekly"
    assert bot.codes[-2:] == ("recording_done", "done")
    (recording,) = bot.recordings
    assert (recording.status, recording.media["video_mixed"]) == ("done", "done")
    assert "legacy-video" not in repr(bot)
    assert "Ann" not in repr(bot)


def test_unknown_codes_and_sub_codes_are_kept_raw() -> None:
    body = v111(
        status_changes=[
            {"code": "joining_call", "created_at": "2026-03-02T09:58:05Z"},
            {"code": "in_call_teleporting", "created_at": "2026-03-02T09:59:00Z"},
            {
                "code": "call_ended",
                "sub_code": "timeout_exceeded_hologram",
                "created_at": "2026-03-02T10:00:00Z",
            },
        ]
    )
    bot = parse_bot(body)
    assert bot.codes == ("joining_call", "in_call_teleporting", "call_ended")
    assert bot.last is not None and bot.last.sub_code == "timeout_exceeded_hologram"


def test_a_body_without_an_id_is_an_unexpected_response() -> None:
    with pytest.raises(UnexpectedResponseError):
        parse_bot({"status_changes": []})


def test_a_deleted_bot_is_not_found_in_words() -> None:
    api, fake, _ = make()
    fake.script(RETRIEVE, (404, {"detail": "Not found."}))
    with pytest.raises(NotFoundError) as caught:
        api.get_bot(BOT_ID)
    assert "deleted" in str(caught.value)
    assert caught.value.status_code == 404


def test_a_bot_id_must_be_a_uuid_and_nothing_is_sent_otherwise() -> None:
    api, fake, _ = make()
    assert is_bot_id(BOT_ID) and not is_bot_id("../calendar/users")
    with pytest.raises(ValidationError):
        api.get_bot("../calendar/users")
    assert fake.requests == []


def test_list_follows_next_and_sends_the_filters_once() -> None:
    from datetime import UTC, datetime

    api, fake, _ = make()
    page2 = f"{BASE}/api/v1/bot/?page=2&join_at_after=x"
    fake.script(
        LIST,
        (200, {"count": 3, "next": page2, "previous": None, "results": [v111(), v110()]}),
        (200, {"count": 3, "next": None, "previous": page2, "results": [v111(id="b" * 8)]}),
    )
    page = api.list_bots(
        join_at_after=datetime(2026, 3, 1, tzinfo=UTC),
        join_at_before=datetime(2026, 3, 8, tzinfo=UTC),
        status=["done", "fatal"],
        platform=["zoom"],
        meeting_url="https://zoom.us/j/81234567890",
    )
    assert page.requests == 2 and page.count == 3
    assert [b.shape for b in page.bots] == ["v1.11", "v1.10", "v1.11"]
    first, second = fake.calls(LIST)
    params = first.url.params
    assert params["join_at_after"] == "2026-03-01T00:00:00Z"
    assert params["join_at_before"] == "2026-03-08T00:00:00Z"
    assert params.get_list("status") == ["done", "fatal"]
    assert params.get_list("platform") == ["zoom"]
    assert params["meeting_url"] == "https://zoom.us/j/81234567890"
    assert second.url.params["page"] == "2"


def test_list_refuses_a_next_link_to_another_host() -> None:
    api, fake, _ = make()
    fake.script(
        LIST,
        (200, {"count": 2, "next": "https://evil.example/api/v1/bot/?page=2", "results": []}),
    )
    with pytest.raises(UnexpectedResponseError):
        api.list_bots()
    assert len(fake.requests) == 1


def test_bot_limits_are_the_documented_ones_and_paced_per_workspace() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep, margin_s=0.0)
    assert (limiter.capacity(BOT_RETRIEVE), limiter.capacity(BOT_LIST)) == (300, 60)
    api, _, _ = make(limiter=limiter, clock=clock, deadline=120.0)
    start = clock.now
    for _ in range(61):
        api.list_bots()
    # The 61st List Bots call waited for the first slot of the minute to free up.
    assert clock.now - start == pytest.approx(60.0)
    usage = limiter.summary()
    assert usage[BOT_LIST].capacity == 60


def test_a_429_on_retrieve_honours_retry_after() -> None:
    api, fake, clock = make()
    fake.script(RETRIEVE, (429, {}, {"Retry-After": "4"}), (200, v111()))
    assert api.get_bot(BOT_ID).id == BOT_ID
    assert clock.sleeps == [4.0]
    assert api.client.request_counts()["bot_retrieve"] == 2
