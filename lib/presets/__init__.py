"""Bot preset validation, migration and description for Calendar V1 (pure Python).

Calendar V1 bots take their whole configuration from one workspace preset (a Create Bot
body) that Recall's team installs by hand; this package checks that JSON before it is sent.
"""

from lib.presets.api_version import (
    API_VERSIONS,
    DEFAULT_API_VERSION,
    ApiVersion,
    parse_api_version,
)
from lib.presets.canonical import canonical_json, content_hash
from lib.presets.findings import Finding, Report, Severity, Style
from lib.presets.jsonload import MAX_DEPTH, MAX_DOCUMENT_BYTES, PresetParseError
from lib.presets.legacy import PresetBody, classify
from lib.presets.migrate import migrate, migrate_with_report
from lib.presets.schema import CreateBotBody
from lib.presets.summary import summarize
from lib.presets.templates import (
    TEMPLATE_PROVIDERS,
    TEMPLATES,
    Template,
    meeting_captions_template,
    provider_choices,
    realtime_transcript_webhook_template,
    recording_only_template,
    transcription_template,
)
from lib.presets.validate import validate

__all__ = [
    "API_VERSIONS",
    "DEFAULT_API_VERSION",
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "TEMPLATES",
    "TEMPLATE_PROVIDERS",
    "ApiVersion",
    "CreateBotBody",
    "Finding",
    "PresetBody",
    "PresetParseError",
    "Report",
    "Severity",
    "Style",
    "Template",
    "canonical_json",
    "classify",
    "content_hash",
    "meeting_captions_template",
    "migrate",
    "migrate_with_report",
    "parse_api_version",
    "provider_choices",
    "realtime_transcript_webhook_template",
    "recording_only_template",
    "summarize",
    "transcription_template",
    "validate",
]
