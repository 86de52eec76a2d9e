"""Cached Bot API reads, keyed like every other cache: base URL, key fingerprint, the query.

``cache_data``: a ``Bot`` is small and plain, and each caller gets its own copy. Bots change
while a call is under way, so entries live one minute; a finished bot no longer changes, but the
minute keeps a looked-up bot from outliving its recording's expiry by much.
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from lib.recall.bot_api import BotApi, BotPage
from lib.recall.bots import Bot
from lib.recall.regions import region_of
from lib.settings import Settings
from lib.ui.backend import Backend
from lib.ui.data import get_client, key_fingerprint

BOT_TTL_SECONDS = 60
LIST_TTL_SECONDS = 300


def bot_api(backend: Backend) -> BotApi:
    return BotApi(get_client(backend))


@st.cache_data(ttl=BOT_TTL_SECONDS, max_entries=2048, show_spinner="Asking Recall about the bot…")
def _bot(base_url: str, fingerprint: str, bot_id: str, _backend: Backend) -> Bot:
    return bot_api(_backend).get_bot(bot_id)


def get_bot(backend: Backend, bot_id: str) -> Bot:
    """One bot (raises ``NotFoundError`` for a deleted or unknown one; errors are not cached)."""
    return _bot(backend.base_url, key_fingerprint(backend), bot_id.strip().lower(), backend)


@st.cache_data(ttl=LIST_TTL_SECONDS, max_entries=64, show_spinner="Listing the workspace's bots…")
def _bots_between(
    base_url: str,
    fingerprint: str,
    after: datetime,
    before: datetime,
    meeting_url: str | None,
    _backend: Backend,
) -> BotPage:
    return bot_api(_backend).list_bots(
        join_at_after=after, join_at_before=before, meeting_url=meeting_url
    )


def list_bots(
    backend: Backend, after: datetime, before: datetime, meeting_url: str | None = None
) -> BotPage:
    """Every bot whose join time falls in the window (List Bots, following every page)."""
    return _bots_between(
        backend.base_url, key_fingerprint(backend), after, before, meeting_url, backend
    )


def explorer_url(settings: Settings, backend: Backend, bot_id: str) -> str:
    """The bot in Recall's explorer dashboard for the workspace's region."""
    region = region_of(backend.base_url) or settings.recall_region
    return f"https://{region}.recall.ai/dashboard/explorer/bot/{bot_id}"
