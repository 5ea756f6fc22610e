"""The one typed settings object. No other module reads ``os.environ``."""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path
from typing import Annotated, Literal

from msgspec import Meta

from shared.bot_package import registered_bots
from shared.settings_base import Env, Parse, Secret, SettingsBase, SettingsError
from shared.settings_types import Flag, HttpUrl, IdList, OptionalHttpUrl

__all__ = ["PlatformSettings", "Secret", "Settings", "SettingsError", "load_settings",
           "normalise_database_url", "secret_value"]


def secret_value(secret: Secret | None) -> str | None:
    """A secret setting's value without surrounding white space; None when it is unset or
    blank (the feature it enables is then off)."""
    value = secret.get_secret_value().strip() if secret is not None else ""
    return value or None


def _valid_webhook_secret(value: object) -> object:
    """1-256 characters of A-Z, a-z, 0-9, _ and - (what Telegram accepts); empty means unset."""
    raw = value.get_secret_value() if isinstance(value, Secret) else value
    if raw is None or raw == "":
        return None
    if isinstance(raw, str) and not (
            len(raw) <= 256 and all(c.isalnum() or c in "_-" for c in raw)):
        raise ValueError("expected 1-256 characters of A-Z, a-z, 0-9, _ and -")
    return value


class PlatformSettings(SettingsBase):
    """The platform's own settings (each bot's are in ``<bot>/settings.py``)."""

    # --- bots -------------------------------------------------------------------------------
    telegram_api_url: Annotated[HttpUrl, Env("TELEGRAM_API_URL")] = "https://api.telegram.org"
    # the bots' HTTP client: shared/telegram_http.py, or PTB's HTTPXRequest (an escape hatch)
    telegram_http_client: Annotated[Literal["builtin", "httpx"],
                                    Env("TELEGRAM_HTTP_CLIENT")] = "builtin"
    public_url: Annotated[OptionalHttpUrl, Env("PUBLIC_URL", "RENDER_EXTERNAL_URL")] = None
    webhook_secret: Annotated[Secret | None, Env("WEBHOOK_SECRET"),
                              Parse(_valid_webhook_secret)] = None
    port: Annotated[int, Env("PORT"), Meta(ge=1, le=65535)] = 8000

    # --- storage ----------------------------------------------------------------------------
    database_url: Annotated[Secret | None, Env("DATABASE_URL")] = None
    supabase_url: Annotated[OptionalHttpUrl, Env("SUPABASE_URL")] = None
    supabase_key: Annotated[Secret | None, Env("SUPABASE_KEY")] = None
    data_dir: Annotated[Path, Env("DATA_DIR")] = Path("data")

    # --- people and chats (the operators; each bot's chats are its own settings) ----------
    admin_user_ids: Annotated[IdList, Env("ADMIN_USER_IDS", "ADMIN_USER_ID")] = []
    alert_chat_id: Annotated[int | None, Env("ALERT_CHAT_ID")] = None
    openai_timeout_seconds: Annotated[float, Env("OPENAI_TIMEOUT_SECONDS"),
                                      Meta(gt=0, le=300)] = 15.0

    # --- outside services -------------------------------------------------------------------
    openai_api_key: Annotated[Secret | None, Env("OPENAI_API_KEY")] = None
    openai_base_url: Annotated[OptionalHttpUrl, Env("OPENAI_BASE_URL")] = None
    openai_model: Annotated[str, Env("OPENAI_MODEL")] = "gpt-4o-mini"
    openai_transcribe_model: Annotated[str, Env("OPENAI_TRANSCRIBE_MODEL")] = "whisper-1"
    openai_daily_token_budget: Annotated[int, Env("OPENAI_DAILY_TOKEN_BUDGET"),
                                         Meta(ge=0)] = 200_000
    # the bearer token of every /admin endpoint; ADMIN_RESET_TOKEN is its old name, still read
    admin_api_token: Annotated[Secret | None, Env("ADMIN_API_TOKEN", "ADMIN_RESET_TOKEN")] = None

    # --- operations -------------------------------------------------------------------------
    log_level: Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR"], Env("LOG_LEVEL")] = "INFO"
    log_format: Annotated[Literal["json", "text"] | None, Env("LOG_FORMAT")] = None
    memory_alert_mb: Annotated[int, Env("MEMORY_ALERT_MB"), Meta(ge=16)] = 400
    # Render sets RENDER=true; any non-empty value means "running on Render"
    render: Annotated[Flag, Env("RENDER")] = False
    inbox_concurrency: Annotated[int, Env("INBOX_CONCURRENCY"), Meta(ge=1, le=256)] = 16
    inbox_max_attempts: Annotated[int, Env("INBOX_MAX_ATTEMPTS"), Meta(ge=1, le=50)] = 5
    retry_base_seconds: Annotated[float, Env("RETRY_BASE_SECONDS"), Meta(gt=0, le=600)] = 1.0
    private_chat_rate: Annotated[float, Env("PRIVATE_CHAT_RATE"), Meta(gt=0, le=30)] = 1.0
    outbox_alert_after: Annotated[int, Env("OUTBOX_ALERT_AFTER"), Meta(ge=1)] = 8
    housekeeping_seconds: Annotated[int, Env("HOUSEKEEPING_SECONDS"), Meta(ge=1)] = 60
    keepalive_seconds: Annotated[int, Env("KEEPALIVE_SECONDS"), Meta(ge=10)] = 540
    heartbeat_seconds: Annotated[float, Env("HEARTBEAT_SECONDS"), Meta(ge=0.2, le=60)] = 5.0

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

    @property
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
        for cls in (type(self), *self.PARTS):
            for variable, name in getattr(cls, "GROUP_VARIABLES", {}).items():
                value = getattr(self, name)
                if value is not None:
                    found[variable] = value
        return found

    @property
    def effective_log_format(self) -> str:
        if self.log_format:
            return self.log_format
        return "json" if self.render else "text"


def _bot_settings() -> tuple[type[SettingsBase], ...]:
    """Each registered bot's settings class (``BotPackage.SETTINGS``, "module:Class")."""
    classes = []
    for bot in registered_bots().values():
        module, _, name = bot.SETTINGS.partition(":")
        classes.append(getattr(importlib.import_module(module), name))
    return tuple(classes)


class Settings(PlatformSettings, parts=_bot_settings()):
    """Every setting of the service, read from the environment and ``.env``: the platform's and
    each registered bot's (``Settings(_env_file=None, NAME=value)``: no ``.env``, and ``NAME``
    given)."""


def normalise_database_url(url: str) -> str:
    """Turn the URL an operator pastes (postgres://, postgresql://) into an async driver URL."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite:///") and "+aiosqlite" not in url:
        url = "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise SettingsError with one line per invalid variable."""
    return Settings(**overrides)  # type: ignore[arg-type]
