"""Every setting of the Pauhu CRM apps, in one place.

Each setting has a default, an environment variable (``PAUHU_CRM_<NAME>``)
and a line of help; the CLI's flags override the environment. ``serve``
hands its settings to uvicorn's worker processes through the environment
(``to_env``), so a worker builds exactly the settings the command was given.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from typing import Any, Literal

import attrs
from attrs import field, frozen
from croniter import croniter

from pauhu_crm_core.services.context import ScoringSettings, SequenceSettings

DEFAULT_DATABASE_URL = "sqlite:///./pauhu-crm.db"
DEFAULT_CORS_ORIGINS = ("https://pauhu.eu", "https://www.pauhu.eu", "https://staging.pauhu.eu")
ENV_PREFIX = "PAUHU_CRM_"

AuthMode = Literal["none", "api_key"]
ScorerKind = Literal["rules", "openai"]
SCORER_KINDS: tuple[ScorerKind, ...] = ("rules", "openai")
AUTH_MODES: tuple[AuthMode, ...] = ("none", "api_key")
LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("text", "json")


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names the variable."""


@frozen(kw_only=True)
class Settings:
    # Each setting's help is in its metadata: the CLI and the docs read it from there.
    database_url: str = field(
        default=DEFAULT_DATABASE_URL,
        metadata={"help": "sqlite:///path.db or postgresql://user@host/db; migrated on start."},
    )
    host: str = field(default="127.0.0.1", metadata={"help": "Address the API listens on."})
    port: int = field(default=8000, metadata={"help": "Port the API listens on."})
    workers: int = field(default=1, metadata={"help": "Number of API worker processes."})
    auth_mode: AuthMode = field(
        default="none",
        metadata={
            "help": "`none` (any well-formed X-Workspace-ID is accepted) or `api_key` "
            "(Authorization: Bearer <key>, keys made with `pauhu-crm keys create`)."
        },
    )
    allow_insecure_no_auth: bool = field(
        default=False,
        metadata={"help": "Let `serve` listen on a non-loopback address with auth_mode `none`."},
    )
    cors_origins: tuple[str, ...] = field(
        default=DEFAULT_CORS_ORIGINS,
        metadata={"help": "Comma-separated origins allowed to call the API from a browser."},
    )
    max_body_bytes: int = field(
        default=1024 * 1024, metadata={"help": "Largest request body accepted (413 above)."}
    )
    log_level: str = field(
        default="info", metadata={"help": "Log level: debug, info, warning or error."}
    )
    log_format: str = field(
        default="text",
        metadata={
            "help": "`text`, or `json`: one JSON object a line (time, level, logger, message, "
            "request_id, exception), for `serve`, `scheduler` and `run`."
        },
    )
    mail_url: str = field(
        default="outbox:",
        metadata={
            "help": "Where sequence e-mail goes: outbox: (kept in the database, never sent), "
            "smtp://user:pass@host:587, smtps://user:pass@host or brevo://API_KEY@api.brevo.com."
        },
    )
    mail_sender: str = field(
        default="Pauhu Sales <sales@pauhu.eu>",
        metadata={"help": "From address of sequence e-mail."},
    )
    public_url: str = field(
        default="http://127.0.0.1:8000",
        metadata={"help": "Where recipients reach this API (unsubscribe links point here)."},
    )
    unsubscribe_secret: str = field(
        default="",
        metadata={
            "help": "Signs unsubscribe links; when empty, one is generated on first use and "
            "kept in the database."
        },
    )
    max_sends_per_run: int = field(
        default=500, metadata={"help": "Most e-mails one sequence run sends per workspace."}
    )
    scorer: ScorerKind = field(
        default="rules",
        metadata={
            "help": "Lead scorer: `rules` (built in, offline, deterministic) or `openai` (any "
            "OpenAI-compatible chat-completions API: OpenAI, Mistral, vLLM, Ollama, llama.cpp)."
        },
    )
    scorer_base_url: str = field(
        default="",
        metadata={"help": "Base URL of the OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1."},
    )
    scorer_model: str = field(default="", metadata={"help": "Model name for the `openai` scorer."})
    scorer_api_key_env: str = field(
        default="PAUHU_CRM_SCORER_API_KEY",
        metadata={"help": "Name of the environment variable that holds the scorer's API key."},
    )
    scorer_concurrency: int = field(
        default=4, metadata={"help": "Evaluations a scoring run makes at once."}
    )
    max_scorer_calls_per_run: int = field(
        default=1000,
        metadata={"help": "Most companies one scoring run evaluates (caps LLM spending)."},
    )
    schedule_sequences: str = field(
        default="0 8 * * 1-5",
        metadata={"help": "Cron of the sequence engine, in each workspace's time zone."},
    )
    schedule_scoring: str = field(
        default="0 6 * * *",
        metadata={"help": "Cron of lead scoring, in each workspace's time zone."},
    )
    scheduler_tick_seconds: float = field(
        default=15.0, metadata={"help": "How often the scheduler looks for due jobs."}
    )
    scheduler_catch_up_seconds: int = field(
        default=86400,
        metadata={
            "help": "A firing missed while every scheduler was down still runs (once) when "
            "one starts within this many seconds of it."
        },
    )
    job_timeout_seconds: int = field(
        default=3600,
        metadata={"help": "A job running longer is stopped and recorded as failed."},
    )
    rate_limit_per_second: float = field(
        default=20.0,
        metadata={
            "help": "Requests a second each workspace may make, per worker process (429 with "
            "Retry-After above); 0 disables the limit."
        },
    )
    rate_limit_burst: int = field(
        default=100,
        metadata={
            "help": "Requests a workspace may make at once before the rate applies; 0 disables."
        },
    )
    request_timeout_seconds: float = field(
        default=30.0,
        metadata={
            "help": "A request that has not started its response after this long is "
            "cancelled with a 503 (a streamed export that has started runs on); 0 disables."
        },
    )
    shutdown_timeout_seconds: int = field(
        default=25,
        metadata={
            "help": "On SIGTERM, `serve` stops accepting connections and waits this long for "
            "requests in flight before cancelling them and closing the database; 0 waits "
            "for ever."
        },
    )
    metrics: bool = field(
        default=False,
        metadata={
            "help": "Prometheus metrics: at /metrics of the API (`serve`) and on "
            "PAUHU_CRM_SCHEDULER_METRICS_PORT (`scheduler`); needs the `metrics` extra "
            "(prometheus-client). See docs/operations.md."
        },
    )
    metrics_token: str = field(
        default="",
        metadata={
            "help": "When set, /metrics wants `Authorization: Bearer <token>` (401 otherwise); "
            "when empty it is open to whoever reaches the port."
        },
    )
    scheduler_metrics_port: int = field(
        default=9464,
        metadata={
            "help": "Port `pauhu-crm scheduler` serves /metrics on, at PAUHU_CRM_HOST, when "
            "metrics are on."
        },
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``PAUHU_CRM_*`` variables, then ``overrides`` (``None`` ones ignored)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in attrs.fields(cls):
            name = ENV_PREFIX + setting.name.upper()
            if name in environ:
                values[setting.name] = _parse(setting, environ[name], name)
        values.update({key: value for key, value in overrides.items() if value is not None})
        settings = cls(**values)
        settings.check()
        return settings

    def to_env(self) -> dict[str, str]:
        """The environment variables that reproduce these settings."""
        return {
            ENV_PREFIX + setting.name.upper(): _format(getattr(self, setting.name))
            for setting in attrs.fields(type(self))
        }

    def check(self) -> None:
        if self.auth_mode not in AUTH_MODES:
            raise SettingsError(f"{ENV_PREFIX}AUTH_MODE must be one of: {', '.join(AUTH_MODES)}")
        if self.log_level not in LOG_LEVELS:
            raise SettingsError(f"{ENV_PREFIX}LOG_LEVEL must be one of: {', '.join(LOG_LEVELS)}")
        if self.log_format not in LOG_FORMATS:
            raise SettingsError(f"{ENV_PREFIX}LOG_FORMAT must be one of: {', '.join(LOG_FORMATS)}")
        if self.scorer not in SCORER_KINDS:
            raise SettingsError(f"{ENV_PREFIX}SCORER must be one of: {', '.join(SCORER_KINDS)}")
        if self.scorer == "openai" and not (self.scorer_base_url and self.scorer_model):
            raise SettingsError(
                f"{ENV_PREFIX}SCORER=openai needs {ENV_PREFIX}SCORER_BASE_URL and "
                f"{ENV_PREFIX}SCORER_MODEL"
            )
        for name in ("schedule_sequences", "schedule_scoring"):
            if not croniter.is_valid(getattr(self, name)):
                raise SettingsError(f"{ENV_PREFIX}{name.upper()} is not a valid cron expression")
        if self.scheduler_tick_seconds <= 0:
            raise SettingsError(f"{ENV_PREFIX}SCHEDULER_TICK_SECONDS must be positive")
        for name in (
            "scheduler_catch_up_seconds",
            "job_timeout_seconds",
            "port",
            "scheduler_metrics_port",
            "workers",
            "max_body_bytes",
            "max_sends_per_run",
            "scorer_concurrency",
            "max_scorer_calls_per_run",
        ):
            if getattr(self, name) < (0 if name.endswith("port") else 1):
                raise SettingsError(f"{ENV_PREFIX}{name.upper()} is out of range")
        for name in (
            "rate_limit_per_second",
            "rate_limit_burst",
            "request_timeout_seconds",
            "shutdown_timeout_seconds",
        ):
            if not 0 <= getattr(self, name) <= 1_000_000:  # 0 disables the limit
                raise SettingsError(f"{ENV_PREFIX}{name.upper()} is out of range")

    @property
    def listens_on_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def _parse(setting: attrs.Attribute[Any], raw: str, name: str) -> Any:
    kind = setting.default
    if isinstance(kind, bool):
        if raw.lower() not in ("true", "false", "1", "0", "yes", "no"):
            raise SettingsError(f"{name} must be true or false")
        return raw.lower() in ("true", "1", "yes")
    if isinstance(kind, int):
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number") from None
    if isinstance(kind, float):
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number") from None
    if isinstance(kind, tuple):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


def _format(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


def sequence_settings(settings: Settings) -> SequenceSettings:
    """The core's sequence settings from the apps' settings."""
    return SequenceSettings(
        public_url=settings.public_url,
        sender=settings.mail_sender,
        unsubscribe_secret=settings.unsubscribe_secret or None,
        max_sends_per_run=settings.max_sends_per_run,
    )


def scoring_settings(settings: Settings) -> ScoringSettings:
    return ScoringSettings(
        concurrency=settings.scorer_concurrency,
        max_evaluations_per_run=settings.max_scorer_calls_per_run,
    )
