"""The one typed settings object. No other module reads ``os.environ``."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

BOT_NAMES = ("avap", "shopping")


def _split_ids(value: object) -> object:
    """Accept "1, 2,3" (the usual form in a dashboard) as well as a list."""
    if value is None:
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, str):
        parts = [p.strip() for p in value.replace(";", ",").split(",")]
        try:
            return [int(p) for p in parts if p]
        except ValueError:
            raise ValueError(
                "expected numeric Telegram ids separated by commas, e.g. 12345,67890") from None
    return value


class Settings(BaseSettings):
    """Every setting of the service, read from the environment and ``.env``."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    # --- bots -------------------------------------------------------------------------------
    avap_bot_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("AVAP_BOT_TOKEN", "BOT_TOKEN")
    )
    shopping_bot_token: SecretStr | None = Field(None, validation_alias="SHOPPING_BOT_TOKEN")
    telegram_api_url: str = Field("https://api.telegram.org", validation_alias="TELEGRAM_API_URL")
    # the bots' HTTP client: shared/telegram_http.py, or PTB's HTTPXRequest (an escape hatch)
    telegram_http_client: Literal["builtin", "httpx"] = Field(
        "builtin", validation_alias="TELEGRAM_HTTP_CLIENT")
    public_url: str | None = Field(
        None, validation_alias=AliasChoices("PUBLIC_URL", "RENDER_EXTERNAL_URL")
    )
    webhook_secret: SecretStr | None = Field(None, validation_alias="WEBHOOK_SECRET")
    port: int = Field(8000, validation_alias="PORT", ge=1, le=65535)

    # --- storage ----------------------------------------------------------------------------
    database_url: SecretStr | None = Field(None, validation_alias="DATABASE_URL")
    supabase_url: str | None = Field(None, validation_alias="SUPABASE_URL")
    supabase_key: SecretStr | None = Field(None, validation_alias="SUPABASE_KEY")
    data_dir: Path = Field(Path("data"), validation_alias="DATA_DIR")

    # --- people and chats -------------------------------------------------------------------
    admin_user_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, validation_alias=AliasChoices("ADMIN_USER_IDS", "ADMIN_USER_ID")
    )
    alert_chat_id: int | None = Field(None, validation_alias="ALERT_CHAT_ID")
    verification_group_id: int | None = Field(None, validation_alias="VERIFICATION_GROUP_ID")
    assignment_group_id: int | None = Field(None, validation_alias="ASSIGNMENT_GROUP_ID")
    questions_group_id: int | None = Field(None, validation_alias="QUESTIONS_GROUP_ID")
    support_group_id: int | None = Field(None, validation_alias="SUPPORT_GROUP_ID")
    authorized_users: Annotated[list[int], NoDecode] = Field(
        default_factory=list, validation_alias="AUTHORIZED_USERS"
    )
    shopping_channel_id: int | str | None = Field(None, validation_alias="SHOPPING_CHANNEL_ID")
    # the shopping channel's zone (its calendar, publication times, analytics days, the jobs);
    # SCHEDULER_TIMEZONE is its old name, still read (the new name wins when both are set)
    channel_timezone: str = Field(
        "Asia/Yerevan", validation_alias=AliasChoices("CHANNEL_TIMEZONE", "SCHEDULER_TIMEZONE")
    )
    avap_timezone: str = Field("UTC", validation_alias="AVAP_TIMEZONE")
    missed_post_grace: timedelta = Field(timedelta(hours=6), validation_alias="MISSED_POST_GRACE")
    publish_check_seconds: int = Field(15, validation_alias="PUBLISH_CHECK_SECONDS", ge=1,
                                       le=3600)
    publish_attempts: int = Field(3, validation_alias="PUBLISH_ATTEMPTS", ge=1, le=20)
    openai_timeout_seconds: float = Field(15.0, validation_alias="OPENAI_TIMEOUT_SECONDS", gt=0,
                                          le=300)

    # --- the course (AVAP support bot) -------------------------------------------------------
    avap_modules: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: [str(i) for i in range(1, 13)], validation_alias="AVAP_MODULES"
    )
    phone_region: str | None = Field(None, validation_alias="PHONE_REGION")
    verify_attempts_per_hour: int = Field(5, validation_alias="VERIFY_ATTEMPTS_PER_HOUR", ge=1)
    submission_cooldown_seconds: int = Field(120, validation_alias="SUBMISSION_COOLDOWN_SECONDS",
                                             ge=0)
    question_cooldown_seconds: int = Field(120, validation_alias="QUESTION_COOLDOWN_SECONDS",
                                           ge=0)

    # --- engagement (daily tips, reminders) ---------------------------------------------------
    tip_time: str = Field("09:00", validation_alias="TIP_TIME")
    digest_time: str = Field("08:00", validation_alias="DIGEST_TIME")

    # --- Systeme.io --------------------------------------------------------------------------
    systeme_verified_tag: str = Field("AVAP verified", validation_alias="SYSTEME_VERIFIED_TAG")
    systeme_buyer_tag: str | None = Field(None, validation_alias="SYSTEME_BUYER_TAG")
    systeme_product_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, validation_alias="SYSTEME_PRODUCT_IDS"
    )
    systeme_api_url: str = Field("https://api.systeme.io/api", validation_alias="SYSTEME_API_URL")

    # --- outside services -------------------------------------------------------------------
    openai_api_key: SecretStr | None = Field(None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(None, validation_alias="OPENAI_BASE_URL")
    openai_model: str = Field("gpt-4o-mini", validation_alias="OPENAI_MODEL")
    openai_transcribe_model: str = Field("whisper-1", validation_alias="OPENAI_TRANSCRIBE_MODEL")
    openai_daily_token_budget: int = Field(200_000, validation_alias="OPENAI_DAILY_TOKEN_BUDGET",
                                           ge=0)
    copilot_seconds: float = Field(15.0, validation_alias="COPILOT_SECONDS", gt=0, le=120)
    systeme_api_key: SecretStr | None = Field(None, validation_alias="SYSTEME_API_KEY")
    systeme_webhook_secret: SecretStr | None = Field(
        None, validation_alias="SYSTEME_WEBHOOK_SECRET"
    )
    google_service_account_json: SecretStr | None = Field(
        None, validation_alias="GOOGLE_SERVICE_ACCOUNT_JSON"
    )
    google_sheet_name: str = Field("AVAPSupport", validation_alias="GOOGLE_SHEET_NAME")
    # the bearer token of every /admin endpoint; ADMIN_RESET_TOKEN is its old name, still read
    admin_api_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ADMIN_API_TOKEN", "ADMIN_RESET_TOKEN")
    )
    shopping_admin_token: SecretStr | None = Field(None, validation_alias="SHOPPING_ADMIN_TOKEN")
    analytics_retention_days: int = Field(365, validation_alias="ANALYTICS_RETENTION_DAYS",
                                          ge=1, le=3650)

    # --- operations -------------------------------------------------------------------------
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias="LOG_LEVEL"
    )
    log_format: Literal["json", "text"] | None = Field(None, validation_alias="LOG_FORMAT")
    memory_alert_mb: int = Field(400, validation_alias="MEMORY_ALERT_MB", ge=16)
    render: bool = Field(False, validation_alias="RENDER")
    inbox_concurrency: int = Field(16, validation_alias="INBOX_CONCURRENCY", ge=1, le=256)
    inbox_max_attempts: int = Field(5, validation_alias="INBOX_MAX_ATTEMPTS", ge=1, le=50)
    retry_base_seconds: float = Field(1.0, validation_alias="RETRY_BASE_SECONDS", gt=0, le=600)
    private_chat_rate: float = Field(1.0, validation_alias="PRIVATE_CHAT_RATE", gt=0, le=30)
    outbox_alert_after: int = Field(8, validation_alias="OUTBOX_ALERT_AFTER", ge=1)
    housekeeping_seconds: int = Field(60, validation_alias="HOUSEKEEPING_SECONDS", ge=1)
    keepalive_seconds: int = Field(540, validation_alias="KEEPALIVE_SECONDS", ge=10)
    heartbeat_seconds: float = Field(5.0, validation_alias="HEARTBEAT_SECONDS", ge=0.2, le=60)

    @field_validator("tip_time", "digest_time")
    @classmethod
    def _valid_time(cls, value: str) -> str:
        import re

        m = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            raise ValueError("expected a time of day as HH:MM, e.g. 09:00")
        return f"{int(m.group(1)):02d}:{m.group(2)}"

    @field_validator("admin_user_ids", "authorized_users", "systeme_product_ids", mode="before")
    @classmethod
    def _parse_id_list(cls, value: object) -> object:
        return _split_ids(value)

    @field_validator("avap_modules", mode="before")
    @classmethod
    def _parse_modules(cls, value: object) -> object:
        if isinstance(value, str):
            names = [p.strip() for p in value.split(",") if p.strip()]
            if not names:
                raise ValueError("expected module names separated by commas, e.g. 1,2,3")
            if any(len(n) > 32 for n in names):
                raise ValueError("module names must be at most 32 characters")
            return names
        return value

    @field_validator("phone_region")
    @classmethod
    def _valid_region(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().upper()
        if len(value) != 2 or not value.isalpha():
            raise ValueError("expected a two-letter country code such as AM, NG or US")
        return value

    @field_validator("render", mode="before")
    @classmethod
    def _render_flag(cls, value: object) -> object:
        # Render sets RENDER=true; any non-empty value means "running on Render".
        if isinstance(value, str):
            return value.strip().lower() not in ("", "0", "false", "no")
        return value

    @field_validator("telegram_api_url", "public_url", "openai_base_url", "supabase_url",
                     "systeme_api_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return value

    @field_validator("missed_post_grace", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        """Seconds ("21600"), "6h" / "90m", or HH:MM:SS."""
        if isinstance(value, str):
            raw = value.strip().lower()
            units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
            if raw.isdigit():
                return timedelta(seconds=int(raw))
            if raw[:-1].isdigit() and raw[-1:] in units:
                return timedelta(seconds=int(raw[:-1]) * units[raw[-1]])
            if raw.count(":") == 2 and len(raw.split(":")[0]) == 1:
                return "0" + raw
        return value

    @field_validator("channel_timezone", "avap_timezone")
    @classmethod
    def _valid_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("expected an IANA time zone such as Europe/Paris") from exc
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _valid_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        raw = value.get_secret_value()
        if not raw:
            return None
        if not (1 <= len(raw) <= 256) or not all(c.isalnum() or c in "_-" for c in raw):
            raise ValueError("expected 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    # --- derived values ---------------------------------------------------------------------
    def bot_token(self, bot: str) -> str | None:
        """The token of ``bot`` ("avap" or "shopping"), or None when that bot is disabled."""
        secret = self.avap_bot_token if bot == "avap" else self.shopping_bot_token
        if secret is None or not secret.get_secret_value().strip():
            return None
        return secret.get_secret_value().strip()

    def secret_for(self, bot: str) -> str:
        """The webhook secret of ``bot``: the setting, or a stable value derived from its token."""
        token = self.bot_token(bot) or ""
        if self.webhook_secret is not None:
            base = self.webhook_secret.get_secret_value()
            # one secret per bot, so that one bot's header never opens the other's route
            return hashlib.sha256(f"{base}:{bot}".encode()).hexdigest()
        return hashlib.sha256(f"webhook:{bot}:{token}".encode()).hexdigest()

    @cached_property
    def storage_kind(self) -> Literal["postgresql", "sqlite", "supabase"]:
        """Which storage backend the settings select (DATABASE_URL wins over Supabase)."""
        if self.database_url is not None and self.database_url.get_secret_value().strip():
            url = self.database_url.get_secret_value()
            return "sqlite" if url.startswith("sqlite") else "postgresql"
        if self.supabase_url and self.supabase_key is not None:
            return "supabase"
        return "sqlite"

    def sqlalchemy_url(self) -> str:
        """The async SQLAlchemy URL for the SQL backends."""
        if self.database_url is not None and self.database_url.get_secret_value().strip():
            return normalise_database_url(self.database_url.get_secret_value().strip())
        path = (self.data_dir / "bot.db").resolve()
        return f"sqlite+aiosqlite:///{path}"

    def all_admin_ids(self) -> set[int]:
        return set(self.admin_user_ids)

    def group_settings(self) -> dict[str, int]:
        """The configured group settings, by variable name (used by `check` and migrations)."""
        names = {
            "VERIFICATION_GROUP_ID": self.verification_group_id,
            "ASSIGNMENT_GROUP_ID": self.assignment_group_id,
            "QUESTIONS_GROUP_ID": self.questions_group_id,
            "SUPPORT_GROUP_ID": self.support_group_id,
        }
        return {k: v for k, v in names.items() if v is not None}

    @property
    def effective_log_format(self) -> str:
        if self.log_format:
            return self.log_format
        return "json" if self.render else "text"


def normalise_database_url(url: str) -> str:
    """Turn the URL an operator pastes (postgres://, postgresql://) into an async driver URL."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite:///") and "+aiosqlite" not in url:
        url = "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url


class SettingsError(Exception):
    """Invalid settings; the message names each variable and what it expects."""


def _variable_name(loc: tuple) -> str:
    field = str(loc[0]) if loc else "?"
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info else None
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    if isinstance(alias, str):
        return alias
    return field.upper()


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise SettingsError with one line per invalid variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = _variable_name(tuple(err.get("loc", ())))
            msg = err.get("msg", "invalid value")
            if "int" in err.get("type", "") or "int_parsing" in msg:
                msg = "expected a whole number (Telegram ids are numbers)"
            msg = msg.removeprefix("Value error, ")
            lines.append(f"{name}: {msg}")
        raise SettingsError("\n".join(lines)) from None

