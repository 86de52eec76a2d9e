"""Following a meeting's bot into the call: the "What happened" panel, the account's bot
outcomes, the Find-bot page and the cohort outcome view.

Typical use from a page or another screen::

    from lib.ui.bots import render_what_happened
    render_what_happened(ctx, user, meeting, tz)
"""

from lib.ui.bots.account import bot_failure_filter
from lib.ui.bots.panel import render_what_happened

__all__ = ["bot_failure_filter", "render_what_happened"]
