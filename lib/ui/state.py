"""Session-state keys, named once so pages and tests agree on them."""

SK_STAFF = "console.staff"
SK_SIGNIN_AUDITED = "console.signin_audited"
SK_DISPLAY_TZ = "console.display_tz"
SK_VIEW_AS = "console.view_as"
SK_VIEW_AS_NOTICE = "console.view_as_notice"
SK_AUTHENTICATOR = "console.authenticator"
# The server-side session of the signed-in staff member (lib.staff.sessions), the signed cookie
# this browser still has to store, when the session was last noted as used, and what the sign-in
# page says about a session that ended (signed out, expired, revoked).
SK_SESSION = "console.session_id"
SK_SESSION_COOKIE = "console.session_cookie"
SK_SESSION_TOUCHED = "console.session_touched"
SK_SESSION_ENDED = "console.session_ended"
SK_DROP_COOKIE = "console.drop_cookie"
# Status page, admins: the staff-sessions form and the message after ending sessions.
SK_SESSIONS_CHOSEN = "status.sessions.chosen"
SK_SESSIONS_REASON = "status.sessions.reason"
SK_SESSIONS_NOTICE = "status.sessions.notice"
SK_PENDING_OVERRIDES = "account.pending_overrides"
# Per user and meeting: the override Recall had when the pending edit was made.
SK_PENDING_OVERRIDES_FROM = "account.pending_overrides_from"
SK_EDITOR_GENERATION = "account.editor_generation"
SK_ACCOUNT_FLASH = "account.flash"
# Per user: the override save running on its own thread (lib/override_save.py).
SK_OVERRIDE_SAVES = "account.override_saves"

# Bot preset page (pages/presets.py): editor, last validation, and widget keys.
SK_PRESET_TEXT = "presets.text"
SK_PRESET_CHECKED = "presets.checked"
SK_PRESET_MIGRATION = "presets.migration"
SK_PRESET_UNDO = "presets.undo"
SK_PRESET_NOTICE = "presets.notice"
SK_PRESET_TEMPLATE = "presets.template"
SK_PRESET_PROVIDER = "presets.provider"
SK_PRESET_WEBHOOK_URL = "presets.webhook_url"
SK_PRESET_UPLOAD = "presets.upload"
SK_PRESET_NOTE = "presets.note"
SK_PRESET_SELECTED = "presets.selected_version"
SK_PRESET_SENT_ON = "presets.sent_on"
SK_PRESET_DIFF_FROM = "presets.diff_from"
SK_PRESET_DIFF_TO = "presets.diff_to"
SK_PRESET_EXPORT_VERSION = "presets.export_version"
SK_PRESET_MESSAGE_FOR = "presets.message_for"
KEY_PRESET_VALIDATE = "presets.validate"
KEY_PRESET_MIGRATE = "presets.migrate"
KEY_PRESET_FORMAT = "presets.format"
KEY_PRESET_UNDO = "presets.undo_button"
KEY_PRESET_USE_TEMPLATE = "presets.use_template"
KEY_PRESET_SAVE = "presets.save"
KEY_PRESET_OPEN_VERSION = "presets.open_version"
KEY_PRESET_MARK_SENT = "presets.mark_sent"
KEY_PRESET_DOWNLOAD = "presets.download"
KEY_PRESET_SHOW_MESSAGE = "presets.show_message"

# Auto-record preview page (pages/preview.py).
SK_PREVIEW_MODE = "preview.mode"
SK_PREVIEW_PRESET = "preview.preset"
# One toggle per recording preference: f"{SK_PREVIEW_FLAG_PREFIX}{flag name}".
SK_PREVIEW_FLAG_PREFIX = "preview.flag."
SK_PREVIEW_USER_ID = "preview.user_id"
SK_PREVIEW_SOURCE = "preview.cohort.source"
SK_PREVIEW_PASTE = "preview.cohort.paste"
SK_PREVIEW_UPLOAD = "preview.cohort.upload"
SK_PREVIEW_SAMPLE_SIZE = "preview.cohort.sample_size"
SK_PREVIEW_SAMPLE_CONNECTED = "preview.cohort.sample_connected"
SK_PREVIEW_SAMPLE_SEED = "preview.cohort.sample_seed"
SK_PREVIEW_RUN = "preview.cohort.run"
# The finished run's result re-decided under the candidate on screen: (result, candidate).
SK_PREVIEW_RESULT_VIEW = "preview.cohort.result_view"

# Audit log page (pages/audit.py, lib/ui/audit_*.py).
SK_AUDIT_FILTER_ACTOR = "audit.filter.actor"
SK_AUDIT_FILTER_USER = "audit.filter.user_id"
SK_AUDIT_FILTER_ACTION = "audit.filter.action"
SK_AUDIT_FILTER_OUTCOME = "audit.filter.outcome"
SK_AUDIT_FILTER_REQUEST = "audit.filter.request_id"
SK_AUDIT_FILTER_SINCE = "audit.filter.since"
SK_AUDIT_FILTER_UNTIL = "audit.filter.until"
SK_AUDIT_QUERY_SEEDED = "audit.query_seeded"
SK_AUDIT_PAGE = "audit.page"
SK_AUDIT_PAGE_GENERATION = "audit.page_generation"
SK_AUDIT_PAGE_SIZE = "audit.page_size"
SK_AUDIT_VIEW_SIGNATURE = "audit.view_signature"
SK_AUDIT_TABLE_KEY = "audit.table_key"
SK_AUDIT_SHOW_UNCHANGED = "audit.show_unchanged"
SK_AUDIT_EXPORT = "audit.export"
SK_AUDIT_EXPORT_FORMAT = "audit.export_format"
SK_AUDIT_VERIFY = "audit.verify"

# Status page (pages/status.py, lib/ui/status_*.py).
SK_STATUS_VERIFY = "status.verify"
SK_STATUS_CHECK_AGAIN = "status.check_again"
SK_REQUESTED_PAGE = "console.requested_page"

# Find a user (pages/directory.py, lib/ui/directory_*.py).
SK_DIR_QUERY = "directory.query"
SK_DIR_STATES = "directory.states"
SK_DIR_DUPLICATES = "directory.duplicates_only"
SK_DIR_SORT = "directory.sort"
SK_DIR_DESCENDING = "directory.descending"
SK_DIR_PAGE_SIZE = "directory.page_size"
# Prefixes of the page buttons' key (one per search) and of the results table's key (one per
# page of a search): see page_key and table_key in lib/ui/directory_search.py.
SK_DIR_PAGE = "directory.page"
SK_DIR_TABLE = "directory.table"
# Prefix of the preference editor's key: f"{SK_DIR_EDITOR}.{generation}".
SK_DIR_EDITOR = "directory.prefs_editor"
SK_DIR_EDITOR_GENERATION = "directory.prefs_editor_generation"
# User ids of the editor's rows as last shown, so pending edits map back to users.
SK_DIR_EDITOR_ROWS = "directory.prefs_editor_rows"
SK_DIR_PREFS_REASON = "directory.prefs_reason"
SK_DIR_PREFS_TICKET = "directory.prefs_ticket"
# Prefixes of the mint widgets' keys (one set per typed id).
SK_DIR_MINT_REASON = "directory.mint_reason"
SK_DIR_MINT_TICKET = "directory.mint_ticket"
SK_DIR_MINT_CONFIRM = "directory.mint_confirm"
# Per editor generation: user id -> the preferences shown when that user's edit was made.
SK_DIR_EDIT_BASIS = "directory.prefs_edit_basis"
# Messages for the next run: list of (kind, Markdown-safe text).
SK_DIR_NOTICE = "directory.notice"
SK_PRESET_TAB = "presets.tab"
# Which tab of the directory is open, so a save (which reruns the page) keeps it open.
SK_DIR_TAB = "directory.tab"
SK_PAGE_NOT_FOUND = "console.page_not_found"
