"""Showing text that came from a customer's calendar or from staff as plain text.

Streamlit renders Markdown (links, images, ``:material/...:`` icons, ``$`` math, colour
directives) in most text elements. Calendar titles, attendee names, bot names, user ids and
reasons are data, not markup, so they pass through ``plain`` before they meet Markdown.
"""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&\"'])")


def plain(text: object, *, limit: int | None = 500) -> str:
    """Escape every Markdown-significant character so the text shows literally."""
    value = "" if text is None else str(text)
    value = " ".join(value.split()) if "\n" in value or "\r" in value else value
    if limit is not None and len(value) > limit:
        value = value[: limit - 1] + "…"
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value)


def code(text: object, *, limit: int | None = 200) -> str:
    """Inline code for an identifier; backticks inside are replaced so it cannot break out."""
    value = "" if text is None else str(text)
    if limit is not None and len(value) > limit:
        value = value[: limit - 1] + "…"
    value = value.replace("`", "ʼ").replace("\n", " ")
    return f"`{value}`" if value else "`(empty)`"
