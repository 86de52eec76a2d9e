"""What one run of the presets screen knows: who is looking, the saved versions, the notice."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from lib.presets.versions import SentMark, Version
from lib.staff import Action
from lib.ui.context import PageContext
from lib.ui.presets.actions import PresetActions
from lib.ui.presets.data import get_preset_versions
from lib.ui.presets.session import Notice, take_notice
from lib.ui.presets.view import display_zone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PresetScreen:
    desk: PresetActions
    can_manage: bool
    zone: ZoneInfo
    versions: list[Version] = field(default_factory=list)
    last_sent: tuple[Version, SentMark] | None = None
    notice: Notice | None = None

    @property
    def by_number(self) -> dict[int, Version]:
        return {v.number: v for v in self.versions}

    @property
    def latest(self) -> Version | None:
        return self.versions[0] if self.versions else None


def load_screen(ctx: PageContext) -> PresetScreen:
    """The screen's state for this run; unreadable versions are said in words, and validation
    still works without them."""
    store = get_preset_versions(ctx.settings.database_url_or_default)
    desk = PresetActions(
        staff=ctx.staff, versions=store, audit=ctx.audit, target=ctx.settings.bot_api_version
    )
    versions: list[Version] = []
    last_sent: tuple[Version, SentMark] | None = None
    try:
        versions = store.list()
        last_sent = store.last_sent()
    except SQLAlchemyError:
        logger.exception("preset page: could not read saved versions")
        st.error(
            "**Saved versions could not be read** — the console's database did not answer. "
            "Validation still works; reload to try again.",
            icon=":material/error:",
        )
    return PresetScreen(
        desk=desk,
        can_manage=ctx.can(Action.MANAGE_PRESET),
        zone=display_zone(ctx.settings.display_timezone),
        versions=versions,
        last_sent=last_sent,
        notice=take_notice(),
    )
