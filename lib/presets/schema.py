"""The current (v1.11) Create Bot request body as pydantic models.

Source: ``docs/create-bot-schema.md`` §2-§12. Models are strict (no coercion of ``"30"`` to 30
or of 1 to ``true``) and forbid unknown keys at every depth, because a key Recall does not know
never takes effect and usually means a typo. Rules that span several fields (one provider per
transcript, events per endpoint type, artifacts an event needs) live in ``rules.py``, which
gives them better words than a type error could.

Every field is optional unless the reference marks it required: a preset states only what
differs from Recall's defaults, and those defaults are documented beside each field.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from lib.presets.catalog import ALL_EVENTS, ARTIFACTS

# --- value types --------------------------------------------------------------------------

_UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NUMERIC_RE = re.compile(r"^-?\d+(\.\d+)?$")

MAX_B64_LENGTH = 1_835_008


def _check_uri(value: str) -> str:
    parts = urlsplit(value) if value.strip() == value else None
    if parts is None or not parts.scheme or not parts.netloc or any(c.isspace() for c in value):
        raise PydanticCustomError(
            "uri_format",
            "must be an absolute URL such as https://example.com/path (scheme and host, no spaces)",
        )
    return value


def _check_uuid(value: str) -> str:
    if not _UUID_RE.match(value):
        raise PydanticCustomError(
            "uuid_format",
            "must be a UUID such as 123e4567-e89b-12d3-a456-426614174000",
        )
    return value


def _check_datetime(value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or "T" not in value.upper().replace(" ", "T"):
        raise PydanticCustomError(
            "datetime_format",
            "must be an ISO 8601 date and time such as 2026-01-31T09:00:00Z",
        )
    return value


def _check_email(value: str) -> str:
    if not _EMAIL_RE.match(value):
        raise PydanticCustomError("email_format", "must be an email address")
    return value


def _check_base64(value: str) -> str:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise PydanticCustomError(
            "base64_format",
            "must be standard base64 (A-Z, a-z, 0-9, +, / and = padding; no data: prefix, "
            "no line breaks)",
        ) from None
    return value


Uri = Annotated[str, AfterValidator(_check_uri)]
Uuid = Annotated[str, AfterValidator(_check_uuid)]
DateTime = Annotated[str, AfterValidator(_check_datetime)]
Email = Annotated[str, AfterValidator(_check_email)]
Base64 = Annotated[
    str, Field(min_length=1, max_length=MAX_B64_LENGTH), AfterValidator(_check_base64)
]
NonNegativeInt = Annotated[int, Field(ge=0)]
MetadataValue = Annotated[str, Field(max_length=500)]
Metadata = dict[str, MetadataValue | None]
EventName = Literal[ALL_EVENTS]  # type: ignore[valid-type]


class Strict(BaseModel):
    """Base of every Recall-defined object: unknown keys are errors, no silent coercion, and
    input values (which may be secrets) are kept out of pydantic's own error text.

    Optional fields may be left out; only those the reference marks nullable (``NULLABLE``;
    ``None`` means all) may also be set to ``null``. Fields are typed ``X | None`` so that
    "left out" has a value, and the validator below refuses an explicit ``null`` elsewhere.
    """

    model_config = ConfigDict(extra="forbid", strict=True, hide_input_in_errors=True)
    NULLABLE: ClassVar[frozenset[str] | None] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _null_only_where_documented(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and cls.NULLABLE is not None and info.field_name not in cls.NULLABLE:
            raise PydanticCustomError(
                "null_not_allowed", "cannot be null; leave the key out to use the default"
            )
        return value


class Lenient(Strict):
    """Objects whose nullability the reference does not pin down (provider options, which
    are passed through to the provider, and the v1.10 fields): ``null`` means "not set"."""

    NULLABLE: ClassVar[frozenset[str] | None] = None


# --- recording_config ---------------------------------------------------------------------


class Artifact(Strict):
    """``{}`` turns an artifact on; ``null`` turns it off."""

    metadata: Metadata | None = None


class IncludeBotInRecording(Strict):
    audio: bool | None = None


class Diarization(Strict):
    use_separate_streams_when_available: bool | None = None


class RecallaiSpelling(Lenient):
    find: list[str]
    replace: str


class RecallaiStreamingOptions(Lenient):
    language_code: (
        Literal[
            "auto", "bg", "ca", "cs", "da", "de", "el", "en", "en_au", "en_uk", "en_us", "es",
            "et", "fi", "fr", "hi", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "nl",
            "no", "pl", "pt", "ro", "ru", "sk", "sv", "th", "tr", "uk", "vi", "zh",
        ]
        | None
    ) = None  # fmt: skip
    spelling: list[RecallaiSpelling] | None = None
    key_terms: list[str] | None = None
    filter_profanity: bool | None = None
    mode: Literal["prioritize_accuracy", "prioritize_low_latency"] | None = None


class MeetingCaptionsOptions(Lenient):
    """No options: ``{}``."""


class AssemblyAiCustomSpelling(Lenient):
    from_: list[str] = Field(alias="from")
    to: str


Unit = Annotated[float, Field(ge=0, le=1)]


class AssemblyAiAsyncChunkedOptions(Lenient):
    language_code: str | None = None
    language_detection: bool | None = None
    language_confidence_threshold: Unit | None = None
    speech_model: Literal["best", "nano", "slam-1", "universal"] | None = None
    punctuate: bool | None = None
    format_text: bool | None = None
    disfluencies: bool | None = None
    multichannel: bool | None = None
    dual_channel: bool | None = None
    auto_highlights: bool | None = None
    audio_start_from: NonNegativeInt | None = None
    audio_end_at: NonNegativeInt | None = None
    word_boost: list[str] | None = None
    boost_param: Literal["low", "default", "high"] | None = None
    filter_profanity: bool | None = None
    redact_pii: bool | None = None
    redact_pii_audio: bool | None = None
    redact_pii_audio_quality: Literal["mp3", "wav"] | None = None
    redact_pii_policies: list[str] | None = None
    redact_pii_sub: Literal["entity_name", "hash"] | None = None
    speaker_labels: bool | None = None
    speakers_expected: Annotated[int, Field(ge=1)] | None = None
    content_safety: bool | None = None
    content_safety_confidence: Annotated[int, Field(ge=25, le=100)] | None = None
    iab_categories: bool | None = None
    custom_spelling: list[AssemblyAiCustomSpelling] | None = None
    keyterms_prompt: list[str] | None = None
    prompt: str | None = None
    sentiment_analysis: bool | None = None
    auto_chapters: bool | None = None
    entity_detection: bool | None = None
    speech_threshold: Unit | None = None
    summarization: bool | None = None
    summary_model: Literal["informative", "conversational", "catchy"] | None = None
    summary_type: Literal["bullets", "bullets_verbose", "gist", "headline", "paragraph"] | None = (
        None
    )
    custom_topics: bool | None = None
    topics: list[str] | None = None
    # Older transcription system (June 2025 spec); still valid for workspaces on it.
    chunk_minimum: Annotated[int, Field(ge=1)] | None = None
    chunk_maximum: Annotated[int, Field(ge=1)] | None = None


def _check_number_like(value: Any) -> Any:
    # The spec types these as strings with numeric defaults ("0.7", "160"); numbers are
    # passed through to AssemblyAI as well.
    if isinstance(value, bool) or not (
        isinstance(value, int | float) or (isinstance(value, str) and _NUMERIC_RE.match(value))
    ):
        raise PydanticCustomError("number_like", "must be a number or a numeric string")
    return value


NumberLike = Annotated[Any, AfterValidator(_check_number_like)]


class AssemblyAiV3StreamingOptions(Lenient):
    format_turns: bool | None = None
    end_of_turn_confidence_threshold: NumberLike | None = None
    min_end_of_turn_silence_when_confident: NumberLike | None = None
    max_turn_silence: NumberLike | None = None


def _check_deepgram_flag(value: Any) -> Any:
    # The current spec wants the strings "true"/"false"; JSON booleans were the older
    # system's type and are accepted here, then flagged by a warning rule.
    if value not in ("true", "false") and not isinstance(value, bool):
        raise PydanticCustomError("deepgram_flag", 'must be "true" or "false"')
    return value


DeepgramFlag = Annotated[Any, AfterValidator(_check_deepgram_flag)]

_DEEPGRAM_REDACT = ("true", "false", "pci", "numbers", "aggressive_numbers", "ssn")


def _check_deepgram_redact(value: Any) -> Any:
    if value not in _DEEPGRAM_REDACT and not isinstance(value, bool):
        raise PydanticCustomError(
            "deepgram_redact", "must be one of: " + ", ".join(_DEEPGRAM_REDACT)
        )
    return value


def _check_deepgram_endpointing(value: Any) -> Any:
    if value is False or (
        not isinstance(value, bool)
        and (
            (isinstance(value, int) and value >= 0) or (isinstance(value, str) and value.isdigit())
        )
    ):
        return value
    raise PydanticCustomError(
        "deepgram_endpointing",
        'must be a number of milliseconds (e.g. "10") or false to turn endpointing off',
    )


class DeepgramStreamingOptions(Lenient):
    diarize: DeepgramFlag | None = None
    dictation: DeepgramFlag | None = None
    filler_words: DeepgramFlag | None = None
    interim_results: DeepgramFlag | None = None
    multichannel: DeepgramFlag | None = None
    numerals: DeepgramFlag | None = None
    profanity_filter: DeepgramFlag | None = None
    punctuate: DeepgramFlag | None = None
    smart_format: DeepgramFlag | None = None
    vad_events: DeepgramFlag | None = None
    redact: Annotated[Any, AfterValidator(_check_deepgram_redact)] | None = None
    language: str | None = None
    model: str | None = None
    endpointing: Annotated[Any, AfterValidator(_check_deepgram_endpointing)] | None = None
    # Untyped in the spec: passed to Deepgram as given.
    extra: Any = None
    keyterm: Any = None
    keywords: Any = None
    replace: Any = None
    search: Any = None
    tag: Any = None
    utterance_end_ms: Any = None
    mip_opt_out: Any = None
    version: Any = None
    # Older transcription system (June 2025 spec).
    tier: Any = None
    diarize_version: Any = None
    ner: Any = None
    alternatives: Any = None
    log_data: Any = None


class GladiaLanguageConfig(Lenient):
    languages: list[str] | None = None
    code_switching: bool | None = None


class GladiaPreProcessing(Lenient):
    audio_enhancer: bool | None = None
    speech_threshold: Unit | None = None


def _check_gladia_vocabulary(items: list[Any]) -> list[Any]:
    # An entry is a word, or {value (required), intensity 0..1, pronunciations, language}.
    allowed = {"value", "intensity", "pronunciations", "language"}
    for item in items:
        if isinstance(item, str):
            continue
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("value"), str)
            or set(item) - allowed
            or not (
                item.get("intensity") is None
                or (
                    isinstance(item["intensity"], int | float)
                    and not isinstance(item["intensity"], bool)
                    and 0 <= item["intensity"] <= 1
                )
            )
        ):
            raise PydanticCustomError(
                "gladia_vocabulary",
                "each entry must be a word, or an object with a string value, an optional "
                "intensity between 0 and 1, pronunciations and language",
            )
    return items


class GladiaCustomVocabularyConfig(Lenient):
    vocabulary: Annotated[list[Any], AfterValidator(_check_gladia_vocabulary)]
    default_intensity: Unit | None = None


class GladiaCustomSpellingConfig(Lenient):
    spelling_dictionary: dict[str, list[str]]


class GladiaTranslationConfig(Lenient):
    target_languages: Annotated[list[str], Field(min_length=1)]
    model: Literal["base", "enhanced"] | None = None
    match_original_utterances: bool | None = None
    lipsync: bool | None = None
    context_adaptation: bool | None = None
    context: str | None = None
    informal: bool | None = None


class GladiaRealtimeProcessing(Lenient):
    custom_vocabulary: bool | None = None
    custom_vocabulary_config: GladiaCustomVocabularyConfig | None = None
    custom_spelling: bool | None = None
    custom_spelling_config: GladiaCustomSpellingConfig | None = None
    translation: bool | None = None
    translation_config: GladiaTranslationConfig | None = None
    named_entity_recognition: bool | None = None
    sentiment_analysis: bool | None = None


class GladiaSummarizationConfig(Lenient):
    type: Literal["general", "bullet_points", "concise"] | None = None


class GladiaPostProcessing(Lenient):
    summarization: bool | None = None
    summarization_config: GladiaSummarizationConfig | None = None
    chapterization: bool | None = None


class GladiaMessagesConfig(Lenient):
    receive_partial_transcripts: bool | None = None
    receive_final_transcripts: bool | None = None
    receive_speech_events: bool | None = None
    receive_pre_processing_events: bool | None = None
    receive_realtime_processing_events: bool | None = None
    receive_post_processing_events: bool | None = None
    receive_acknowledgments: bool | None = None
    receive_errors: bool | None = None
    receive_lifecycle_events: bool | None = None


class GladiaCallbackConfig(GladiaMessagesConfig):
    url: Uri | None = None


class GladiaV2StreamingOptions(Strict):
    model: Literal["solaria-1"] | None = None
    endpointing: Annotated[float, Field(ge=0.01, le=10)] | None = None
    maximum_duration_without_endpointing: Annotated[float, Field(ge=5, le=60)] | None = None
    language_config: GladiaLanguageConfig | None = None
    pre_processing: GladiaPreProcessing | None = None
    realtime_processing: GladiaRealtimeProcessing | None = None
    post_processing: GladiaPostProcessing | None = None
    messages_config: GladiaMessagesConfig | None = None
    callback: bool | None = None
    callback_config: GladiaCallbackConfig | None = None
    custom_metadata: dict[str, Any] | None = None


class RevAudioOptions(Lenient):
    # Typed loosely: the spec's types for these look machine-translated.
    content_type: Any = Field(default=None, alias="_content_type")
    layout: Any = Field(default=None, alias="_layout")
    rate: Any = Field(default=None, alias="_rate")
    format: Any = Field(default=None, alias="_format")
    channels: Any = Field(default=None, alias="_channels")


class RevStreamingOptions(Lenient):
    language: str | None = None
    metadata: str | None = None
    custom_vocabulary_id: str | None = None
    filter_profanity: bool | None = None
    remove_disfluencies: bool | None = None
    detailed_partials: bool | None = None
    delete_after_seconds: NonNegativeInt | None = None
    max_segment_duration_seconds: Annotated[int, Field(ge=5, le=30)] | None = None
    max_connection_wait_seconds: Annotated[int, Field(ge=60, le=600)] | None = None
    allow_interruption: bool | None = None
    enable_speaker_switch: bool | None = None
    skip_postprocessing: bool | None = None
    obscure_expletives: bool | None = None
    start_ts: Any = None
    delete_after: Any = None
    transcriber: Any = None
    priority: Any = None
    user_agent: str | None = None
    audio_options: RevAudioOptions | None = None


class AwsTranscribeStreamingOptions(Lenient):
    language_code: str | None = None
    identify_language: bool | None = None
    language_options: str | None = None
    preferred_language: str | None = None
    vocabulary_filter_method: str | None = None
    vocabulary_filter_name: str | None = None
    vocabulary_filter_names: str | None = None
    vocabulary_name: str | None = None
    vocabulary_names: str | None = None
    region: str | None = None
    partial_results_stability: str | None = None
    enable_partial_results_stabilization: bool | None = None
    content_identification_type: str | None = None
    content_redaction_type: str | None = None
    pii_entity_types: str | None = None
    language_model_name: str | None = None


class SpeechmaticsStreamingOptions(Lenient):
    language: str
    domain: str | None = None
    output_locale: str | None = None
    additional_vocab: list[Any] | None = None
    diarization: Literal["none", "speaker"] | None = None
    max_delay: Annotated[float, Field(ge=0)] | None = None
    max_delay_mode: Literal["flexible", "fixed"] | None = None
    speaker_diarization_config: dict[str, Any] | None = None
    audio_filtering_config: dict[str, Any] | None = None
    transcript_filtering_config: dict[str, Any] | None = None
    enable_partials: bool | None = None
    enable_entities: bool | None = None
    operating_point: Literal["standard", "enhanced"] | None = None
    punctuation_overrides: dict[str, Any] | None = None
    conversation_config: dict[str, Any] | None = None


class TranscriptProvider(Lenient):
    """Exactly one key, named after the provider, whose value holds its options."""

    recallai_streaming: RecallaiStreamingOptions | None = None
    meeting_captions: MeetingCaptionsOptions | None = None
    assembly_ai_async_chunked: AssemblyAiAsyncChunkedOptions | None = None
    assembly_ai_v3_streaming: AssemblyAiV3StreamingOptions | None = None
    deepgram_streaming: DeepgramStreamingOptions | None = None
    gladia_v2_streaming: GladiaV2StreamingOptions | None = None
    rev_streaming: RevStreamingOptions | None = None
    aws_transcribe_streaming: AwsTranscribeStreamingOptions | None = None
    speechmatics_streaming: SpeechmaticsStreamingOptions | None = None
    # Listed in the 2026 docs without its options: any object is accepted.
    elevenlabs_streaming: dict[str, Any] | None = None


PROVIDER_OPTION_MODELS: dict[str, type[Strict] | None] = {
    "recallai_streaming": RecallaiStreamingOptions,
    "meeting_captions": MeetingCaptionsOptions,
    "assembly_ai_async_chunked": AssemblyAiAsyncChunkedOptions,
    "assembly_ai_v3_streaming": AssemblyAiV3StreamingOptions,
    "deepgram_streaming": DeepgramStreamingOptions,
    "gladia_v2_streaming": GladiaV2StreamingOptions,
    "rev_streaming": RevStreamingOptions,
    "aws_transcribe_streaming": AwsTranscribeStreamingOptions,
    "speechmatics_streaming": SpeechmaticsStreamingOptions,
    "elevenlabs_streaming": None,
}


def provider_option_keys(provider: str) -> frozenset[str] | None:
    """The documented option names of a current provider (``None``: options not described).
    Raises ``KeyError`` for a name that is not a current provider."""
    model = PROVIDER_OPTION_MODELS[provider]
    if model is None:
        return None
    return frozenset(info.alias or name for name, info in model.model_fields.items())


class Transcript(Strict):
    provider: TranscriptProvider
    diarization: Diarization | None = None
    metadata: Metadata | None = None


class RealtimeEndpoint(Strict):
    """``url`` is required except for ``desktop_sdk_callback``; which ``events`` each type may
    use is checked by the rules, with a message naming the allowed ones."""

    type: Literal["rtmp", "websocket", "webhook", "desktop_sdk_callback"]
    url: Uri | None = None
    events: list[EventName]
    metadata: Metadata | None = None


class Retention(Strict):
    """``{"type": "timed", "hours": N}`` or ``{"type": "forever"}``."""

    type: Literal["timed", "forever"]
    hours: Annotated[int, Field(ge=1)] | None = None


class RecordingConfig(Strict):
    NULLABLE = frozenset({"transcript", "retention", *ARTIFACTS})

    transcript: Transcript | None = None
    realtime_endpoints: list[RealtimeEndpoint] | None = None
    retention: Retention | None = None
    video_mixed_layout: (
        Literal["speaker_view", "gallery_view", "gallery_view_v2", "audio_only"] | None
    ) = None
    video_mixed_participant_video_when_screenshare: Literal["hide", "beside", "overlap"] | None = (
        None
    )
    start_recording_on: (
        Literal["call_join", "participant_join", "participant_speak", "manual"] | None
    ) = None
    include_bot_in_recording: IncludeBotInRecording | None = None
    metadata: Metadata | None = None
    video_mixed_mp4: Artifact | None = None
    participant_events: Artifact | None = None
    meeting_metadata: Artifact | None = None
    audio_mixed_raw: Artifact | None = None
    audio_mixed_mp3: Artifact | None = None
    audio_separate_raw: Artifact | None = None
    audio_separate_mp3: Artifact | None = None
    video_mixed_flv: Artifact | None = None
    video_separate_mp4: Artifact | None = None
    video_separate_png: Artifact | None = None
    video_separate_h264: Artifact | None = None


# --- media output -------------------------------------------------------------------------


class WebpageConfig(Strict):
    url: Uri


class OutputMediaConfig(Strict):
    kind: Literal["webpage"]
    config: WebpageConfig


class OutputMedia(Strict):
    camera: OutputMediaConfig | None = None
    screenshare: OutputMediaConfig | None = None


class VideoOutput(Strict):
    kind: Literal["jpeg"]
    b64_data: Base64


class AutomaticVideoOutput(Strict):
    in_call_recording: VideoOutput | None = None
    in_call_not_recording: VideoOutput | None = None


class AudioData(Strict):
    kind: Literal["mp3"]
    b64_data: Base64


class ReplayOnParticipantJoin(Strict):
    debounce_interval: NonNegativeInt
    debounce_mode: Literal["leading", "trailing"] | None = None
    disable_after: NonNegativeInt | None = None


class AudioOutput(Strict):
    data: AudioData
    replay_on_participant_join: ReplayOnParticipantJoin | None = None


class AutomaticAudioOutput(Strict):
    in_call_recording: AudioOutput


# --- chat, automatic leave, variant, platforms ----------------------------------------------

ChatMessage = Annotated[str, Field(min_length=1, max_length=4096)]


class ChatOnBotJoin(Strict):
    send_to: Literal["host", "everyone", "everyone_except_host"]
    message: ChatMessage
    pin: bool | None = None


class ChatOnParticipantJoin(Strict):
    message: ChatMessage
    exclude_host: bool


class Chat(Strict):
    on_bot_join: ChatOnBotJoin | None = None
    on_participant_join: ChatOnParticipantJoin | None = None


def _legacy_everyone_left_timeout(value: Any) -> Any:
    # v1.10 took a bare number of seconds; it means {"timeout": N}. Accepted here so the rest
    # of the preset is still checked; the legacy rules warn about it.
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise PydanticCustomError(
                "greater_than_equal", "Input should be greater than or equal to 1", {"ge": 1}
            )
        return {"timeout": value}
    return value


class EveryoneLeftTimeout(Strict):
    NULLABLE = frozenset({"activate_after"})

    timeout: Annotated[int, Field(ge=1)] | None = None
    # The spec's minimum is 1, but Recall's own defaults table shows 0; 0 is accepted and
    # warned about by the rules.
    activate_after: Annotated[int, Field(ge=0)] | None = None


class TimeoutAfter(Strict):
    timeout: Annotated[int, Field(ge=10)] | None = None
    activate_after: Annotated[int, Field(ge=1)] | None = None


class UsingParticipantNames(Strict):
    timeout: Annotated[int, Field(ge=10)]
    activate_after: Annotated[int, Field(ge=1)]
    matches: list[str]


class BotDetection(Strict):
    using_participant_events: TimeoutAfter | None = None
    using_participant_names: UsingParticipantNames | None = None


class AutomaticLeave(Strict):
    waiting_room_timeout: Annotated[int, Field(ge=30)] | None = None
    noone_joined_timeout: Annotated[int, Field(ge=30)] | None = None
    everyone_left_timeout: (
        Annotated[EveryoneLeftTimeout, BeforeValidator(_legacy_everyone_left_timeout)] | None
    ) = None
    in_call_not_recording_timeout: Annotated[int, Field(ge=1)] | None = None
    in_call_recording_timeout: Annotated[int, Field(ge=1)] | None = None
    recording_permission_denied_timeout: Annotated[int, Field(ge=1)] | None = None
    silence_detection: TimeoutAfter | None = None
    bot_detection: BotDetection | None = None


WebVariant = Literal["web", "web_4_core", "web_gpu"]


class Variant(Strict):
    zoom: Literal["web", "web_4_core", "web_gpu", "native"] | None = None
    google_meet: WebVariant | None = None
    microsoft_teams: WebVariant | None = None
    webex: WebVariant | None = None


class Zoom(Strict):
    join_token_url: Uri | None = None
    zak_url: Uri | None = None
    user_email: Email | None = None


class GoogleMeet(Strict):
    NULLABLE = frozenset({"google_login_group_id", "login_required"})

    google_login_group_id: Uuid | None = None
    # Gone from the Nov 2025 spec (the login group's login_mode decides); warned about.
    login_required: bool | None = None


class BreakoutRoom(Strict):
    """``room_id`` only with ``join_specific_room`` (checked by the rules)."""

    mode: Literal["join_main_room", "join_specific_room", "auto_accept_all_invites"]
    room_id: Uuid | None = None


# --- the body -----------------------------------------------------------------------------


class CreateBotBody(Strict):
    """``POST /api/v1/bot/`` as of API v1.11. ``meeting_url`` is required by Create Bot but
    filled in by the calendar for preset bots, so it is optional here."""

    NULLABLE = frozenset(
        {
            "join_at",
            "recording_config",
            "output_media",
            "automatic_video_output",
            "automatic_audio_output",
            "chat",
            "automatic_leave",
            "variant",
            "zoom",
            "google_meet",
            "webex",
            "breakout_room",
        }
    )

    meeting_url: str | None = None
    bot_name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    join_at: DateTime | None = None
    recording_config: RecordingConfig | None = None
    output_media: OutputMedia | None = None
    automatic_video_output: AutomaticVideoOutput | None = None
    automatic_audio_output: AutomaticAudioOutput | None = None
    chat: Chat | None = None
    automatic_leave: AutomaticLeave | None = None
    variant: Variant | None = None
    zoom: Zoom | None = None
    google_meet: GoogleMeet | None = None
    # Listed on the 2026 reference page without its properties: any object is accepted.
    webex: dict[str, Any] | None = None
    breakout_room: BreakoutRoom | None = None
    metadata: Metadata | None = None
