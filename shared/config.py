"""The one typed settings object. No other module reads ``os.environ``."""

from __future__ import annotations

import hashlib
import importlib
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.bot_package import registered_bots
from shared.settings_types import HttpUrl, IdList, OptionalHttpUrl


def secret_value(secret: SecretStr | None) -> str | None:
    """A secret setting's value without surrounding white space; None when it is unset or
    blank (the feature it enables is then off)."""
    value = secret.get_secret_value().strip() if secret is not None else ""
    return value or None


class PlatformSettings(BaseSettings):
    """The platform's own settings (each bot's are in ``<bot>/settings.py``)."""

    # --- bots -------------------------------------------------------------------------------
    telegram_api_url: HttpUrl = Field("https://api.telegram.org",
                                      validation_alias="TELEGRAM_API_URL")
    # the bots' HTTP client: shared/telegram_http.py, or PTB's HTTPXRequest (an escape hatch)
    telegram_http_client: Literal["builtin", "httpx"] = Field(
        "builtin", validation_alias="TELEGRAM_HTTP_CLIENT")
    public_url: OptionalHttpUrl = Field(
        None, validation_alias=AliasChoices("PUBLIC_URL", "RENDER_EXTERNAL_URL")
    )
    webhook_secret: SecretStr | None = Field(None, validation_alias="WEBHOOK_SECRET")
    port: int = Field(8000, validation_alias="PORT", ge=1, le=65535)

    # --- storage ----------------------------------------------------------------------------
    database_url: SecretStr | None = Field(None, validation_alias="DATABASE_URL")
    supabase_url: OptionalHttpUrl = Field(None, validation_alias="SUPABASE_URL")
    supabase_key: SecretStr | None = Field(None, validation_alias="SUPABASE_KEY")
    data_dir: Path = Field(Path("data"), validation_alias="DATA_DIR")

    # --- people and chats (the operators; each bot's chats are its own settings) ----------
    admin_user_ids: IdList = Field(
        default_factory=list, validation_alias=AliasChoices("ADMIN_USER_IDS", "ADMIN_USER_ID")
    )
    alert_chat_id: int | None = Field(None, validation_alias="ALERT_CHAT_ID")
    openai_timeout_seconds: float = Field(15.0, validation_alias="OPENAI_TIMEOUT_SECONDS", gt=0,
                                          le=300)

    # --- outside services -------------------------------------------------------------------
    openai_api_key: SecretStr | None = Field(None, validation_alias="OPENAI_API_KEY")
    openai_base_url: OptionalHttpUrl = Field(None, validation_alias="OPENAI_BASE_URL")
    openai_model: str = Field("gpt-4o-mini", validation_alias="OPENAI_MODEL")
    openai_transcribe_model: str = Field("whisper-1", validation_alias="OPENAI_TRANSCRIBE_MODEL")
    openai_daily_token_budget: int = Field(200_000, validation_alias="OPENAI_DAILY_TOKEN_BUDGET",
                                           ge=0)
    # the bearer token of every /admin endpoint; ADMIN_RESET_TOKEN is its old name, still read
    admin_api_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ADMIN_API_TOKEN", "ADMIN_RESET_TOKEN")
    )

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

    @field_validator("render", mode="before")
    @classmethod
    def _render_flag(cls, value: object) -> object:
        # Render sets RENDER=true; any non-empty value means "running on Render".
        if isinstance(value, str):
            return value.strip().lower() not in ("", "0", "false", "no")
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
        """The token of ``bot`` (its setting ``<NAME>_bot_token``), or None when that bot is
        disabled."""
        return secret_value(getattr(self, f"{bot}_bot_token", None))

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
        """The configured group settings of every bot (its ``GROUP_VARIABLES``), by variable
        name (used by `check` and to follow a group's upgrade to a supergroup)."""
        found: dict[str, int] = {}
        for cls in type(self).__mro__:
            for variable, name in vars(cls).get("GROUP_VARIABLES", {}).items():
                value = getattr(self, name)
                if value is not None:
                    found[variable] = value
        return found

    @property
    def effective_log_format(self) -> str:
        if self.log_format:
            return self.log_format
        return "json" if self.render else "text"


def _bot_settings() -> tuple[type[BaseSettings], ...]:
    """Each registered bot's settings class (``BotPackage.SETTINGS``, "module:Class")."""
    classes = []
    for bot in registered_bots().values():
        module, _, name = bot.SETTINGS.partition(":")
        classes.append(getattr(importlib.import_module(module), name))
    return tuple(classes)


class Settings(*_bot_settings(), PlatformSettings):  # type: ignore[misc]
    """Every setting of the service, read from the environment and ``.env``: the platform's and
    each registered bot's."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )


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

