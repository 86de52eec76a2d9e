"""Read-only Bot API calls (Retrieve Bot, List Bots) over a ``RecallClient``'s transport.

It shares the client's connection pool, API key, rate limiter, retries, ``Retry-After``
handling and request counters, so a bot lookup is paced and reported like a calendar call.
Limits (per workspace): Retrieve 300/min, List 60/min.

List Bots pages are followed through ``next`` only while the link stays on the configured base
URL and the Bot API path: following it elsewhere would send the API key to another host.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from lib.recall.bots import Bot, parse_bot
from lib.recall.client import Endpoint, RecallClient, _iso, _json_body
from lib.recall.errors import NotFoundError, UnexpectedResponseError, ValidationError
from lib.recall.ratelimit import BOT_LIST, BOT_RETRIEVE

BOT_API_PREFIX = "/api/v1/bot"
BOT_RETRIEVE_EP = Endpoint("bot_retrieve", "GET", "/{bot_id}/", "api_key", BOT_RETRIEVE)
BOT_LIST_EP = Endpoint("bot_list", "GET", "/", "api_key", BOT_LIST)
BOT_ENDPOINTS: tuple[Endpoint, ...] = (BOT_RETRIEVE_EP, BOT_LIST_EP)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# A runaway ``next`` chain must end; 200 pages is far beyond any support question.
MAX_PAGES = 200


def is_bot_id(text: str) -> bool:
    """True for a UUID, the only form a bot id takes."""
    return isinstance(text, str) and bool(_UUID.match(text.strip()))


@dataclass(frozen=True)
class BotPage:
    """Every bot of a List Bots query, and how many requests it took."""

    bots: tuple[Bot, ...]
    requests: int
    count: int | None


class BotApi:
    """Bot API reads for one workspace, through ``client``'s request pipeline."""

    def __init__(self, client: RecallClient) -> None:
        self._client = client

    @property
    def client(self) -> RecallClient:
        return self._client

    def get_bot(self, bot_id: str) -> Bot:
        """Retrieve one bot. ``NotFoundError`` when Recall has none (deleted, other region)."""
        if not is_bot_id(bot_id):
            raise ValidationError(
                field_errors={"bot_id": ["A bot id is a UUID such as 6e1f…-…"]}, status_code=None
            )
        url = BOT_API_PREFIX + BOT_RETRIEVE_EP.path.format(bot_id=bot_id.strip().lower())
        try:
            response = self._client._api_key_request(BOT_RETRIEVE_EP, url=url)
        except NotFoundError:
            pass
        else:
            return parse_bot(_json_body(response, BOT_RETRIEVE_EP))
        raise NotFoundError(
            "Recall has no bot with this id in this workspace's region: it was deleted, or it "
            "belongs to another region or workspace.",
            status_code=404,
            endpoint=BOT_RETRIEVE_EP.name,
        )

    def list_bots(
        self,
        *,
        join_at_after: datetime | None = None,
        join_at_before: datetime | None = None,
        meeting_url: str | None = None,
        status: Iterable[str] = (),
        platform: Iterable[str] = (),
        max_pages: int = MAX_PAGES,
    ) -> BotPage:
        """Every bot matching the filters, following ``next`` until the last page."""
        params: dict[str, Any] = {}
        if join_at_after is not None:
            params["join_at_after"] = _iso(join_at_after, "join_at_after")
        if join_at_before is not None:
            params["join_at_before"] = _iso(join_at_before, "join_at_before")
        if meeting_url:
            params["meeting_url"] = meeting_url.strip()
        if statuses := [s for s in status if s]:
            params["status"] = statuses
        if platforms := [p for p in platform if p]:
            params["platform"] = platforms
        bots: list[Bot] = []
        requests = 0
        count: int | None = None
        url: str | None = BOT_API_PREFIX + BOT_LIST_EP.path
        first = True
        while url:
            if requests >= max_pages:
                raise UnexpectedResponseError(
                    f"Recall's bot list ran past {max_pages} pages; narrow the date range.",
                    endpoint=BOT_LIST_EP.name,
                )
            response = self._client._api_key_request(
                BOT_LIST_EP, url=url, params=params if first else None
            )
            requests += 1
            first = False
            data = _json_body(response, BOT_LIST_EP)
            if isinstance(data, list):
                bots.extend(parse_bot(item, endpoint=BOT_LIST_EP.name) for item in data)
                break
            if not isinstance(data, dict) or not isinstance(data.get("results"), list):
                raise UnexpectedResponseError(
                    "Recall's answer to bot_list did not match the documented shape. Report it "
                    "to the console's maintainers.",
                    endpoint=BOT_LIST_EP.name,
                )
            if count is None and isinstance(data.get("count"), int):
                count = data["count"]
            bots.extend(parse_bot(item, endpoint=BOT_LIST_EP.name) for item in data["results"])
            url = self._next(data.get("next"))
        return BotPage(bots=tuple(bots), requests=requests, count=count)

    def _next(self, link: Any) -> str | None:
        if not link:
            return None
        mine = urlsplit(self._client.base_url)
        theirs = urlsplit(link) if isinstance(link, str) else None
        if (
            theirs is None
            or (theirs.scheme, theirs.netloc.lower()) != (mine.scheme, mine.netloc.lower())
            or not theirs.path.startswith(mine.path + BOT_API_PREFIX + "/")
        ):
            raise UnexpectedResponseError(
                "Recall's next-page link for the bot list points outside the configured base "
                "URL, so the console stopped listing. Report it to the console's maintainers.",
                endpoint=BOT_LIST_EP.name,
            )
        return link


__all__ = ["BOT_ENDPOINTS", "BotApi", "BotPage", "is_bot_id"]
