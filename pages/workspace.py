"""Workspace page (every role): how much of the workspace the snapshot holds and how fresh it
is, and a meeting search across every account, answered from the snapshot."""

import datetime as dt

from lib.staff import Action
from lib.ui.page import start_page
from lib.ui.workspace.data import snapshot_engine
from lib.ui.workspace.view import render_coverage, render_search, render_unavailable

ctx = start_page(
    "Workspace",
    caption="Every account's calendar as last read by the sync workers. Account pages and "
    "every change still read Recall live.",
    requires=Action.VIEW_STATUS,
)
engine = snapshot_engine(ctx.settings)
if engine is None:
    render_unavailable()
else:
    now = dt.datetime.now(dt.UTC)
    if render_coverage(engine, now):
        render_search(engine, now)
