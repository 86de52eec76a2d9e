"""Calendar Console entrypoint: page config, settings, sign-in gate and navigation per role."""

from __future__ import annotations

import streamlit as st

from lib.staff import Action, StaffMember
from lib.ui.auth import require_staff
from lib.ui.backend import get_backend, get_settings, read_secrets
from lib.ui.deeplink import remember_requested_page, restore_requested_page
from lib.ui.events import record_sign_in
from lib.ui.schema import require_current_schema
from lib.ui.snapshot import start_embedded_snapshot

st.set_page_config(
    page_title="Calendar Console",
    # An emoji, not a :material: icon: the favicon for those is fetched from an outside host.
    page_icon="📅",
    layout="wide",
)

settings = get_settings()
# Starts the embedded sandbox on the first run of the process when no API key is set.
backend = get_backend(settings)
require_current_schema(settings)
start_embedded_snapshot(settings, backend)
remember_requested_page()

# A page left out of this dict cannot be reached even by URL ("Page not found").
pages: dict[str, list[st.Page]] = {
    "Accounts": [
        st.Page("pages/directory.py", title="Find a user", icon=":material/search:", default=True),
        st.Page("pages/account.py", title="Account", icon=":material/person:"),
        st.Page("pages/find_bot.py", title="Find a bot", icon=":material/smart_toy:"),
    ],
    "Auto-record": [
        st.Page("pages/preview.py", title="Preview", icon=":material/preview:"),
    ],
    "Workspace": [
        st.Page("pages/presets.py", title="Bot preset", icon=":material/smart_toy:"),
        st.Page("pages/status.py", title="Status", icon=":material/monitor_heart:"),
        st.Page("pages/workspace.py", title="Snapshot", icon=":material/dataset:"),
    ],
}
audit_page = st.Page("pages/audit.py", title="Audit log", icon=":material/policy:")
# Signed out, the sign-in screen stands in for every page's address (and shows no menu).
staff: StaffMember = require_staff(
    settings,
    read_secrets(),
    on_sign_in=record_sign_in,
    url_paths=[page.url_path for section in pages.values() for page in section]
    + [audit_page.url_path],
)
if staff.can(Action.READ_AUDIT):
    pages["Workspace"].insert(1, audit_page)

current = st.navigation(pages)
restore_requested_page([page for section in pages.values() for page in section], current)
current.run()
