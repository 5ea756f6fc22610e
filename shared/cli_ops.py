"""Operator commands: ``set-webhooks`` registers both bots' webhooks and menus; ``check`` tries
every configured connection and prints one line per service.

Every line goes through a redactor, so that no token, key or database password is ever printed,
even when a library puts one in its error message (PTB puts the token in ``InvalidToken``).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import os
import re
import sys
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, BotCommand, BotCommandScope, ChatMember, ChatMemberRestricted
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    TelegramError,
)

from shared.bots import bot_api_request, bot_module
from shared.config import BOT_NAMES, Settings
from shared.errors import MigrationError
from shared.services import ChatDirectory
from shared.storage.db import Database
from shared.storage.migrate import current_version, latest_version
from shared.telegram import is_chat_not_found

OPENAI_API_BASE = "https://api.openai.com/v1"
SYSTEME_API_BASE = "https://api.systeme.io/api"
REAL_TELEGRAM_API = "https://api.telegram.org"
HTTP_TIMEOUT = 5.0  # seconds, for each call to an outside service
DB_TIMEOUT = 8.0  # seconds, to connect to the database and read its schema version

Status = Literal["OK", "WARN", "FAIL", "SKIP"]

_GROUP_ID_HINT = "group ids are negative; supergroups start with -100"
_CHANNEL_RIGHTS = (
    ("can_post_messages", "post messages"),
    ("can_edit_messages", "edit messages of others"),
    ("can_delete_messages", "delete messages of others"),
)


# --- output ---------------------------------------------------------------------------------

class _Redactor:
    """Replaces every secret of the settings with ``***`` in a line of output.

    Case-insensitive: PTB lower-cases an error message after stripping "Bad Request: ", so a
    token quoted by Telegram comes back in lower case.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        # longest first, so that a secret containing another one is replaced whole
        ordered = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)
        self._pattern = (re.compile("|".join(re.escape(s) for s in ordered), re.IGNORECASE)
                         if ordered else None)

    def __call__(self, line: str) -> str:
        """``line`` with the secrets masked."""
        return self._pattern.sub("***", line) if self._pattern is not None else line


def _secrets(settings: Settings) -> list[str]:
    """Every value of the settings that must never be printed."""
    values: list[str] = []
    for name in BOT_NAMES:
        token = settings.bot_token(name)
        if token:
            values += [token, token.split(":", 1)[-1], settings.secret_for(name)]
    for secret in (settings.webhook_secret, settings.supabase_key, settings.openai_api_key,
                   settings.systeme_api_key, settings.systeme_webhook_secret,
                   settings.admin_api_token, settings.shopping_admin_token,
                   settings.database_url):
        if secret is not None and secret.get_secret_value().strip():
            values.append(secret.get_secret_value().strip())
    password = _database_password(settings)
    if password:
        values += [password, unquote(password)]
    return values


class _Report:
    """The lines of ``check`` and their tally."""

    def __init__(self, redact: _Redactor) -> None:
        self._redact = redact
        self.counts: dict[Status, int] = {"OK": 0, "WARN": 0, "FAIL": 0, "SKIP": 0}

    def line(self, status: Status, name: str, message: str) -> None:
        """Print one line such as ``OK    storage: sqlite (./data/bot.db) answers``."""
        self.counts[status] += 1
        print(self._redact(f"{status:<6}{name}: {message}"), flush=True)

    def summary(self) -> str:
        """The last line: ``N ok, N warnings, N failed``."""
        c = self.counts
        return f"{c['OK']} ok, {c['WARN']} warnings, {c['FAIL']} failed"


def _first_line(exc: BaseException) -> str:
    """The first line of an exception's message (or its type), at most 300 characters."""
    message = getattr(exc, "message", None) or str(exc)
    lines = [line for line in str(message).strip().splitlines() if line.strip()]
    return (lines[0] if lines else type(exc).__name__)[:300]


# --- shared pieces --------------------------------------------------------------------------

def _telegram_bot(settings: Settings, token: str) -> Bot:
    """A plain Bot at TELEGRAM_API_URL whose every call gives up after at most 10 seconds."""
    api = settings.telegram_api_url.rstrip("/")
    request = bot_api_request(settings, 8, connect_timeout=5.0, read_timeout=10.0,
                              write_timeout=10.0, pool_timeout=5.0)
    return Bot(token, base_url=f"{api}/bot", base_file_url=f"{api}/file/bot", request=request)


def _telegram_failure(exc: TelegramError, settings: Settings, token_variable: str) -> str:
    """What to tell the operator when the bot could not even be initialised."""
    if isinstance(exc, InvalidToken):
        return (f"Telegram rejected the token: check {token_variable} "
                "(copy it again from @BotFather)")
    if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
        return f"Telegram did not answer at {settings.telegram_api_url}: {_first_line(exc)}"
    return f"Telegram answered {type(exc).__name__}: {_first_line(exc)}"


@dataclass
class _MenuServices:
    """What ``command_menus`` reads from the services: the settings and the chat directory."""

    settings: Settings
    chats: ChatDirectory


# --- set-webhooks ---------------------------------------------------------------------------

async def set_webhooks(settings: Settings) -> int:
    """Register each configured bot's webhook at ``{PUBLIC_URL}/webhook/{bot}`` and its menus.

    Prints one line per bot. Returns 0 on success, 1 when a bot failed, 2 when PUBLIC_URL (or
    every bot token) is missing.
    """
    if not settings.public_url:
        print("error: PUBLIC_URL is not set: set it to the public https:// address of the "
              "service (for example https://your-service.onrender.com) and run again",
              file=sys.stderr)
        return 2
    names = [name for name in BOT_NAMES if settings.bot_token(name)]
    if not names:
        variables = " or ".join(bot_module(name).TOKEN_VARIABLE for name in BOT_NAMES)
        print(f"error: no bot is configured: set {variables}", file=sys.stderr)
        return 2
    redact = _Redactor(_secrets(settings))
    services = _MenuServices(settings=settings, chats=ChatDirectory(settings))
    failed = 0
    for name in names:
        line, ok = await _set_webhook(settings, name, services)
        print(redact(line), file=sys.stdout if ok else sys.stderr, flush=True)
        failed += 0 if ok else 1
    return 1 if failed else 0


async def _set_webhook(settings: Settings, name: str, services: _MenuServices) -> tuple[str, bool]:
    """Register one bot's webhook and menus; the line to print and whether it worked."""
    module = bot_module(name)
    token = settings.bot_token(name)
    assert token is not None
    url = f"{settings.public_url}/webhook/{name}"
    try:
        async with _telegram_bot(settings, token) as bot:
            await bot.set_webhook(
                url=url,
                secret_token=settings.secret_for(name),
                allowed_updates=module.ALLOWED_UPDATES,
                drop_pending_updates=False,
                max_connections=40,
            )
            menus = await _set_menus(bot, module.command_menus(settings, services))
    except BadRequest as exc:
        return f"{name}: failed: Telegram refused the webhook {url}: {_first_line(exc)}", False
    except TelegramError as exc:
        return f"{name}: failed: {_telegram_failure(exc, settings, module.TOKEN_VARIABLE)}", False
    return f"{name}: webhook set to {url}; {menus}", True


async def _set_menus(bot: Bot, menus: list[tuple[BotCommandScope, list[BotCommand]]]) -> str:
    """Set every command menu; say how many were set and why the others were not."""
    errors: list[str] = []
    for scope, commands in menus:
        try:
            await bot.set_my_commands(commands, scope=scope)
        except TelegramError as exc:
            chat = getattr(scope, "chat_id", None)
            where = f"chat {chat}" if chat is not None else scope.type
            errors.append(f"{where}: {_first_line(exc)}")
    done = len(menus) - len(errors)
    if not errors:
        return f"{done} command menu{'' if done == 1 else 's'} set"
    return (f"{done} of {len(menus)} command menus set ({'; '.join(errors[:3])}; "
            "run `python -m shared check`)")


# --- check ----------------------------------------------------------------------------------

async def check(settings: Settings) -> int:
    """Validate the settings and try every configured connection, one line per service.

    Returns 0 when nothing failed, else 1. Never raises for a failed connection.
    """
    report = _Report(_Redactor(_secrets(settings)))
    await _guarded(report, "settings", _check_settings(settings, report))
    await _guarded(report, "storage", _check_storage(settings, report))
    await _guarded(report, "supabase key", _check_supabase_key(settings, report))
    for name in BOT_NAMES:
        await _guarded(report, f"{name} bot", _check_bot(settings, report, name))
    await _guarded(report, "people", _check_people(settings, report))
    await _guarded(report, "openai", _check_openai(settings, report))
    await _guarded(report, "systeme", _check_systeme(settings, report))
    await _guarded(report, "google", _check_google(settings, report))
    print(report.summary(), flush=True)
    return 1 if report.counts["FAIL"] else 0


async def _guarded(report: _Report, name: str, step: Awaitable[None]) -> None:
    """Run one check; whatever escapes it becomes one FAIL line instead of a traceback."""
    try:
        await step
    except Exception as exc:  # noqa: BLE001 - `check` reports every failure as one line
        report.line("FAIL", name, f"unexpected {type(exc).__name__}: {_first_line(exc)}")


async def _check_settings(settings: Settings, report: _Report) -> None:
    """Settings that are valid one by one but do not work together."""
    public = settings.public_url
    if (public and public.startswith("http://")
            and settings.telegram_api_url.rstrip("/") == REAL_TELEGRAM_API):
        report.line("FAIL", "PUBLIC_URL",
                    f"{public} is http://: Telegram delivers webhooks only to https:// addresses")
    if not any(settings.bot_token(name) for name in BOT_NAMES):
        variables = " or ".join(bot_module(name).TOKEN_VARIABLE for name in BOT_NAMES)
        report.line("WARN", "bots", f"no bot is enabled: set {variables}")


# --- storage --------------------------------------------------------------------------------

def _database_password(settings: Settings) -> str | None:
    """The password inside DATABASE_URL, if any (only to mask it)."""
    if settings.database_url is None:
        return None
    try:
        return urlsplit(settings.database_url.get_secret_value().strip()).password
    except ValueError:
        return None


def _masked_url(url: str) -> str:
    """``url`` with its password replaced by ``***``."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.rsplit("@", 1)
        user = netloc[0].split(":", 1)[0]
        return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))
    except ValueError:
        return "<unparsable URL>"


def _describe_storage(url: str) -> str:
    """``sqlite (./data/bot.db)`` or ``postgresql (postgresql+asyncpg://user:***@host/db)``."""
    if url.startswith("sqlite"):
        return f"sqlite ({_display_path(_sqlite_path(url))})"
    return f"postgresql ({_masked_url(url)})"


def _sqlite_path(url: str) -> str:
    """The file of a SQLite URL (or ``:memory:``)."""
    return url.split(":///", 1)[1] if ":///" in url else ":memory:"


def _display_path(path: str) -> str:
    """``path`` relative to the working directory when it is inside it (``./data/bot.db``)."""
    if path in ("", ":memory:"):
        return ":memory:"
    try:
        return f"./{Path(path).resolve().relative_to(Path.cwd().resolve())}"
    except ValueError:
        return path


def _db_reason(exc: BaseException, url: str) -> str:
    """Why a database connection failed, in the operator's words."""
    try:
        host, port = urlsplit(url).hostname, urlsplit(url).port
    except ValueError:
        host, port = None, None
    supabase_direct = bool(host and re.fullmatch(r"db\.[a-z0-9]+\.supabase\.co", host))
    hint = ("; Supabase's direct host is IPv6-only: use the pooler string (Supabase > Connect > "
            "Transaction pooler, port 6543)") if supabase_direct else ""
    if isinstance(exc, TimeoutError):
        return f"no answer within {DB_TIMEOUT:g} s{hint}"
    if isinstance(exc, ConnectionRefusedError):
        return f"connection refused: nothing listens at {host}:{port or 5432}"
    if isinstance(exc, OSError) and type(exc).__name__ == "gaierror":
        return f"host {host} not found: check the host in DATABASE_URL{hint}"
    orig = getattr(exc, "orig", None) or exc
    message = re.sub(r"^<class '[\w.]+'>: ", "", _first_line(orig))
    return f"{message}{hint}"


async def _check_rest_storage(settings: Settings, report: _Report) -> None:
    """The Supabase REST backend: reachable, the key accepted, the schema at the latest version."""
    from shared.storage.rest import RestError, RestUnavailable, open_rest_storage

    where = f"Supabase REST API at {settings.supabase_url}"
    key = settings.supabase_key.get_secret_value() if settings.supabase_key is not None else ""
    try:
        storage = await open_rest_storage(settings.supabase_url or "", key, timeout=5.0)
    except MigrationError as exc:
        report.line("FAIL", "storage", f"{where}: {exc}")
        return
    except RestError as exc:
        hint = ("; SUPABASE_KEY is not accepted: take the secret key (Project Settings > API "
                "Keys)") if exc.status in (401, 403) else ""
        report.line("FAIL", "storage", f"{where}: {exc}{hint}")
        return
    except RestUnavailable as exc:
        report.line("FAIL", "storage", f"{where}: {exc}")
        return
    await storage.close()
    report.line("OK", "storage", f"{where} answers, schema version {latest_version()} of "
                                 f"{latest_version()} (DATABASE_URL not set: the REST backend)")


async def _check_storage(settings: Settings, report: _Report) -> None:
    """Connect, read the schema version; warn about SQLite on Render."""
    if settings.storage_kind == "supabase":
        await _check_rest_storage(settings, report)
        return
    url = settings.sqlalchemy_url()
    where = _describe_storage(url)
    latest = latest_version()
    if settings.render and url.startswith("sqlite"):
        report.line("WARN", "storage",
                    "SQLite on Render: the disk is not persistent, every restart loses all data; "
                    "set DATABASE_URL to a PostgreSQL (Supabase) database")
    if url.startswith("sqlite") and not _sqlite_exists_or_creatable(report, where, url):
        return
    try:
        db = Database(url)
    except (SQLAlchemyError, ValueError, ImportError, OSError) as exc:
        report.line("FAIL", "storage",
                    f"{where}: DATABASE_URL is not usable ({_first_line(exc)}); expected "
                    "postgresql://user:password@host:port/database")
        return
    try:
        async with asyncio.timeout(DB_TIMEOUT):
            async with db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            version = await current_version(db)
    except (TimeoutError, OSError, SQLAlchemyError) as exc:
        report.line("FAIL", "storage", f"{where} does not answer: {_db_reason(exc, url)}")
        return
    finally:
        await db.close()
    if version == latest:
        report.line("OK", "storage", f"{where} answers, schema version {version} of {latest}")
    elif version < latest:
        report.line("WARN", "storage",
                    f"{where} answers, schema version {version} of {latest}: the server migrates "
                    "at start-up, or run `python -m shared migrate`")
    else:
        report.line("FAIL", "storage",
                    f"{where} answers, schema version {version}, newer than this code "
                    f"({latest}): deploy the newer code")


def _sqlite_exists_or_creatable(report: _Report, where: str, url: str) -> bool:
    """True when the SQLite file exists; otherwise report whether it can be created (no side
    effects: `check` does not create the database)."""
    path = _sqlite_path(url)
    if path == ":memory:" or Path(path).exists():
        return True
    parent = Path(path).resolve().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if os.access(parent, os.W_OK):
        report.line("OK", "storage",
                    f"{where} does not exist yet: the server creates and migrates it at start-up "
                    f"(schema version 0 of {latest_version()})")
    else:
        report.line("FAIL", "storage",
                    f"{where} cannot be created: {parent} is not writable; set DATA_DIR or "
                    "DATABASE_URL")
    return False


_SUPABASE_KEY_PLACE = ("take the secret key instead: Supabase > Project Settings > API Keys > "
                       "a secret key (sb_secret_...) or, among the legacy keys, service_role")


def _jwt_claims(key: str) -> dict[str, Any] | None:
    """The payload of a JWT (its middle segment, base64url JSON), unverified; None when ``key``
    is not a JWT."""
    parts = key.split(".")
    if len(parts) != 3 or not parts[1]:
        return None
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (binascii.Error, ValueError):  # ValueError covers bad JSON and bad UTF-8
        return None
    return claims if isinstance(claims, dict) else None


async def _check_supabase_key(settings: Settings, report: _Report) -> None:
    """SUPABASE_KEY must be the project's secret key: the public one (anon, publishable) can read
    nothing, since the migrations close every table to it with row-level security. No network
    call; never prints the key."""
    name = "supabase key"
    secret = settings.supabase_key
    key = secret.get_secret_value().strip() if secret is not None else ""
    if not key:
        report.line("SKIP", name, "SUPABASE_KEY not set")
        return
    if key.startswith("sb_publishable_"):
        report.line("FAIL", name, "SUPABASE_KEY is the public (publishable) key, which row-level "
                                  f"security locks out of every table; {_SUPABASE_KEY_PLACE}")
        return
    if key.startswith("sb_secret_"):
        report.line("OK", name, "SUPABASE_KEY is a secret key (sb_secret_...)")
        return
    claims = _jwt_claims(key)
    role = claims.get("role") if claims is not None else None
    if not isinstance(role, str):
        report.line("WARN", name, "SUPABASE_KEY is neither a secret key (sb_secret_...) nor a "
                                  f"JWT with a role: check it; {_SUPABASE_KEY_PLACE}")
        return
    if role in ("anon", "authenticated"):
        report.line("FAIL", name, f"SUPABASE_KEY is a public key (JWT role {role}), which "
                                  "row-level security locks out of every table; "
                                  f"{_SUPABASE_KEY_PLACE}")
        return
    if role != "service_role":
        report.line("WARN", name, f"SUPABASE_KEY is a JWT with the unexpected role {role[:40]!r}; "
                                  f"{_SUPABASE_KEY_PLACE}")
        return
    ref, host = claims.get("ref"), urlsplit(settings.supabase_url or "").hostname or ""
    if isinstance(ref, str) and host.endswith(".supabase.co") and host.split(".")[0] != ref:
        report.line("WARN", name, f"SUPABASE_KEY is a service_role key of the project {ref[:40]}, "
                                  f"but SUPABASE_URL is {host}: take the key of that project")
        return
    report.line("OK", name, "SUPABASE_KEY is a secret key (JWT role service_role)")


# --- Telegram -------------------------------------------------------------------------------

async def _check_bot(settings: Settings, report: _Report, name: str) -> None:
    """getMe, getWebhookInfo, then the chats this bot must be in."""
    module = bot_module(name)
    label = f"{name} bot"
    token = settings.bot_token(name)
    if token is None:
        report.line("SKIP", label, f"{module.TOKEN_VARIABLE} not set (the {module.TITLE} is off)")
        return
    alert_bot = "avap" if settings.bot_token("avap") else "shopping"
    try:
        async with _telegram_bot(settings, token) as bot:
            report.line("OK", label, f"@{bot.username} answers")
            await _check_webhook(settings, report, bot, name)
            if name == "avap":
                for variable, chat_id in settings.group_settings().items():
                    await _check_group(report, bot, f"{name} {variable}", variable, chat_id)
            if name == alert_bot and settings.alert_chat_id is not None:
                await _check_alert_chat(report, bot, f"{name} ALERT_CHAT_ID",
                                        settings.alert_chat_id)
            if name == "shopping":
                await _check_channel(settings, report, bot)
    except TelegramError as exc:
        report.line("FAIL", label, _telegram_failure(exc, settings, module.TOKEN_VARIABLE))
        chats = _chat_variables(settings, name, alert_bot)
        if chats:
            report.line("SKIP", f"{name} chats", f"{', '.join(chats)} not checked: the bot "
                                                 "did not answer")


def _chat_variables(settings: Settings, name: str, alert_bot: str) -> list[str]:
    """The settings naming chats that bot ``name`` must be in."""
    chats = list(settings.group_settings()) if name == "avap" else []
    if name == alert_bot and settings.alert_chat_id is not None:
        chats.append("ALERT_CHAT_ID")
    if name == "shopping":
        chats.append("SHOPPING_CHANNEL_ID")
    return chats


async def _check_webhook(settings: Settings, report: _Report, bot: Bot, name: str) -> None:
    """Does the webhook point at this deployment, and did Telegram's last delivery fail?"""
    label = f"{name} webhook"
    try:
        info = await bot.get_webhook_info()
    except TelegramError as exc:
        report.line("FAIL", label, f"could not read the webhook: {_first_line(exc)}")
        return
    delivery_error = ""
    if info.last_error_message:
        when = (f" at {info.last_error_date:%Y-%m-%d %H:%M} UTC"
                if info.last_error_date is not None else "")
        delivery_error = f"; last delivery failed{when}: {info.last_error_message}"
    if not settings.public_url:
        if info.url:
            report.line("WARN", label,
                        f"set to {info.url}, but PUBLIC_URL is not set: polling will delete this "
                        "webhook (the server refuses to poll unless --force); set PUBLIC_URL to "
                        "keep webhook mode")
        else:
            report.line("OK", label, "none; the server will poll (PUBLIC_URL not set)")
        return
    expected = f"{settings.public_url}/webhook/{name}"
    pending = f"{info.pending_update_count} pending"
    if info.url == expected:
        report.line("WARN" if delivery_error else "OK", label,
                    f"set to {expected}, {pending}{delivery_error}")
    elif not info.url:
        report.line("WARN", label,
                    f"not set (expected {expected}): the server sets it at start-up, or run "
                    "`python -m shared set-webhooks`")
    else:
        report.line("FAIL", label,
                    f"points at {info.url}, not {expected}: updates go elsewhere; run "
                    f"`python -m shared set-webhooks` or fix PUBLIC_URL{delivery_error}")


async def _chat_member(report: _Report, bot: Bot, label: str, variable: str,
                       chat_id: int | str, what: str) -> ChatMember | None:
    """getChatMember for the bot itself; report the errors that mean "fix the setting"."""
    try:
        return await bot.get_chat_member(chat_id, bot.id)
    except ChatMigrated as exc:
        report.line("FAIL", label,
                    f"{chat_id} was upgraded to a supergroup: set {variable}={exc.new_chat_id}")
    except BadRequest as exc:
        hint = (f"check the id ({_GROUP_ID_HINT})" if what == "group"
                else "check the id (channel ids start with -100, or use @channelname)")
        if is_chat_not_found(exc):
            report.line("FAIL", label,
                        f"chat {chat_id} not found: add the bot to the {what}, and {hint}")
        else:
            report.line("FAIL", label, f"{chat_id}: {_first_line(exc)}: {hint}")
    except Forbidden as exc:
        report.line("FAIL", label, f"{chat_id}: {_first_line(exc)}: add the bot to the {what}")
    except TelegramError as exc:
        report.line("FAIL", label, f"could not ask Telegram about {chat_id}: {_first_line(exc)}")
    return None


async def _check_group(report: _Report, bot: Bot, label: str, variable: str,
                       chat_id: int) -> None:
    """The bot must be a member (or an administrator) of the group that ``variable`` names."""
    if chat_id > 0:
        report.line("FAIL", label,
                    f"{chat_id} is a person's id, not a group's ({_GROUP_ID_HINT}); forward a "
                    "message from the group to @userinfobot to read its id")
        return
    member = await _chat_member(report, bot, label, variable, chat_id, "group")
    if member is not None:
        _report_membership(report, label, chat_id, member)


def _report_membership(report: _Report, label: str, chat_id: int, member: ChatMember) -> None:
    """OK when the bot can write in the chat; FAIL saying what to do otherwise."""
    status = member.status
    if status in (ChatMember.OWNER, ChatMember.ADMINISTRATOR):
        report.line("OK", label, f"the bot is an administrator of {chat_id}")
    elif status == ChatMember.MEMBER:
        report.line("OK", label, f"the bot is a member of {chat_id}")
    elif isinstance(member, ChatMemberRestricted):
        if member.is_member and member.can_send_messages:
            report.line("OK", label, f"the bot is a (restricted) member of {chat_id}")
        elif member.is_member:
            report.line("FAIL", label, f"the bot is restricted in {chat_id} and cannot send "
                                       "messages: lift the restriction")
        else:
            report.line("FAIL", label, f"the bot is not in {chat_id}: add the bot to the group")
    elif status == ChatMember.BANNED:
        report.line("FAIL", label,
                    f"the bot was removed from {chat_id}: unban it and add the bot to the group")
    else:
        report.line("FAIL", label,
                    f"the bot is not in {chat_id} (status {status}): add the bot to the group")


async def _check_alert_chat(report: _Report, bot: Bot, label: str, chat_id: int) -> None:
    """ALERT_CHAT_ID: a group the bot is in, or a person who has started the bot."""
    if chat_id < 0:
        await _check_group(report, bot, label, "ALERT_CHAT_ID", chat_id)
        return
    try:
        chat = await bot.get_chat(chat_id)
    except BadRequest as exc:
        if is_chat_not_found(exc):
            report.line("FAIL", label,
                        f"chat {chat_id} not found: that person must open @{bot.username} and "
                        f"press Start (or use a group id: {_GROUP_ID_HINT})")
        else:
            report.line("FAIL", label, f"{chat_id}: {_first_line(exc)}")
        return
    except TelegramError as exc:
        report.line("FAIL", label, f"could not ask Telegram about {chat_id}: {_first_line(exc)}")
        return
    report.line("OK", label, f"private chat {chat_id} reachable ({chat.type})")


async def _check_channel(settings: Settings, report: _Report, bot: Bot) -> None:
    """The shopping bot must be an administrator of the channel, able to post and edit."""
    label = "shopping SHOPPING_CHANNEL_ID"
    channel = settings.shopping_channel_id
    if channel is None or channel == "":
        report.line("WARN", label, "SHOPPING_CHANNEL_ID not set: the shopping bot cannot publish")
        return
    member = await _chat_member(report, bot, label, "SHOPPING_CHANNEL_ID", channel, "channel")
    if member is None:
        return
    if member.status == ChatMember.OWNER:
        report.line("OK", label, f"the bot owns {channel}")
        return
    if member.status != ChatMember.ADMINISTRATOR:
        report.line("FAIL", label,
                    f"the bot is not an administrator of {channel} (status {member.status}): add "
                    "it as an administrator that can post, edit and delete messages")
        return
    # post/edit are None outside channels (a supergroup), where administrators may always post
    missing = [f"{words} ({attr})" for attr, words in _CHANNEL_RIGHTS
               if getattr(member, attr, None) is False]
    if missing:
        report.line("FAIL", label,
                    f"the bot is an administrator of {channel} but may not "
                    f"{', '.join(missing)}: turn the right on in the channel's administrator "
                    "settings")
    else:
        report.line("OK", label, f"the bot is an administrator of {channel} and may post, "
                                 "edit and delete messages")


# --- people ---------------------------------------------------------------------------------

async def _check_people(settings: Settings, report: _Report) -> None:
    """Admins and editors: warn when a bot is on but nobody may use it."""
    if not any(settings.bot_token(name) for name in BOT_NAMES):
        return
    if settings.admin_user_ids:
        report.line("OK", "ADMIN_USER_IDS", f"{len(set(settings.admin_user_ids))} admin(s)")
    else:
        alerts = "" if settings.alert_chat_id is not None else (
            ", and alerts reach nobody (ALERT_CHAT_ID is not set either)")
        report.line("WARN", "ADMIN_USER_IDS",
                    f"empty: nobody can use the admin commands{alerts}")
    if settings.bot_token("shopping"):
        if settings.authorized_users:
            report.line("OK", "AUTHORIZED_USERS",
                        f"{len(set(settings.authorized_users))} editor(s)")
        else:
            report.line("WARN", "AUTHORIZED_USERS",
                        "empty: the shopping bot refuses everyone; add the editors' user ids")


# --- outside services -----------------------------------------------------------------------

async def _http_get(url: str, headers: dict[str, str]) -> httpx.Response:
    """One GET with the check's timeout."""
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as client:
        return await client.get(url, headers=headers)


def _http_failure(exc: httpx.HTTPError, base: str) -> str:
    """Why an outside service could not be reached."""
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer from {base} within {HTTP_TIMEOUT:g} s"
    return f"cannot reach {base}: {type(exc).__name__}: {_first_line(exc)}"


async def _check_openai(settings: Settings, report: _Report) -> None:
    """GET /models with the key: accepted, rejected, or unreachable."""
    if settings.openai_api_key is None or not settings.openai_api_key.get_secret_value().strip():
        report.line("SKIP", "openai", "OPENAI_API_KEY not set")
        return
    key = settings.openai_api_key.get_secret_value().strip()
    base = (settings.openai_base_url or OPENAI_API_BASE).rstrip("/")
    try:
        response = await _http_get(f"{base}/models", {"Authorization": f"Bearer {key}"})
    except httpx.HTTPError as exc:
        report.line("FAIL", "openai", _http_failure(exc, base))
        return
    code = response.status_code
    if code == 401:
        report.line("FAIL", "openai", "key rejected (401): check OPENAI_API_KEY")
    elif code == 403:
        report.line("FAIL", "openai", "key not allowed to list models (403): check the key's "
                                      "permissions or OPENAI_BASE_URL")
    elif code == 429:
        report.line("FAIL", "openai", "rate limited or out of quota (429): check the account's "
                                      "billing")
    elif response.is_success:
        models = _model_ids(response)
        model = settings.openai_model
        if models and model not in models:
            report.line("WARN", "openai", f"key accepted, but OPENAI_MODEL={model} is not among "
                                          "the models this key can use")
        else:
            report.line("OK", "openai", f"key accepted at {base} (model {model})")
    else:
        report.line("FAIL", "openai", f"{base}/models answered HTTP {code}")


def _model_ids(response: httpx.Response) -> set[str]:
    """The model ids of a /models answer (empty when it is not the usual shape)."""
    try:
        data = response.json().get("data", [])
        return {str(m["id"]) for m in data if isinstance(m, dict) and "id" in m}
    except (ValueError, AttributeError, TypeError):
        return set()


def _systeme_base(settings: Settings) -> str:
    """SYSTEME_API_URL; SYSTEME_API_BASE is its default, kept as an override point for tests."""
    default = Settings.model_fields["systeme_api_url"].default
    url = settings.systeme_api_url if settings.systeme_api_url != default else SYSTEME_API_BASE
    return url.rstrip("/")


async def _check_systeme(settings: Settings, report: _Report) -> None:
    """GET /contacts with the key: accepted, rejected, or unreachable; and whether the inbound
    webhook can add buyers at all."""
    secret = settings.systeme_webhook_secret
    if secret is not None and secret.get_secret_value().strip():
        if settings.systeme_product_ids:
            report.line("OK", "systeme webhook", "sales of products "
                        + ", ".join(map(str, settings.systeme_product_ids)) + " add buyers")
        else:
            report.line("WARN", "systeme webhook",
                        "SYSTEME_PRODUCT_IDS is not set: no sale adds a buyer (set the course's "
                        "product ids)")
    if settings.systeme_api_key is None or not settings.systeme_api_key.get_secret_value().strip():
        report.line("SKIP", "systeme", "SYSTEME_API_KEY not set")
        return
    key = settings.systeme_api_key.get_secret_value().strip()
    base = _systeme_base(settings)
    try:
        response = await _http_get(f"{base}/contacts?limit=10",
                                   {"X-API-Key": key, "Accept": "application/json"})
    except httpx.HTTPError as exc:
        report.line("FAIL", "systeme", _http_failure(exc, base))
        return
    code = response.status_code
    if code in (401, 403):
        report.line("FAIL", "systeme", f"key rejected ({code}): check SYSTEME_API_KEY "
                                       "(Systeme.io > Settings > Public API keys)")
    elif code == 429:
        report.line("FAIL", "systeme", "rate limited (429): try again in a minute")
    elif response.is_success:
        report.line("OK", "systeme", f"key accepted at {base}")
    else:
        report.line("FAIL", "systeme", f"{base}/contacts answered HTTP {code}")


async def _check_google(settings: Settings, report: _Report) -> None:
    """The service account must parse, with client_email and private_key; no network call."""
    secret = settings.google_service_account_json
    raw = secret.get_secret_value().strip() if secret is not None else ""
    if not raw:
        report.line("SKIP", "google", "GOOGLE_SERVICE_ACCOUNT_JSON not set")
        return
    data = _load_service_account(report, raw)
    if data is None:
        return
    missing = [f for f in ("client_email", "private_key")
               if not isinstance(data.get(f), str) or not data[f].strip()]
    if missing:
        report.line("FAIL", "google",
                    f"the service account has no {' or '.join(missing)}: download a new JSON key "
                    "(Google Cloud > IAM > Service accounts > Keys)")
        return
    if "PRIVATE KEY" not in data["private_key"]:
        report.line("FAIL", "google", "private_key is not a PEM key: download a new JSON key")
        return
    report.line("OK", "google", f"service account {data['client_email']} parses; share the "
                                f"sheet {settings.google_sheet_name} with it")
    await _check_spreadsheet(settings, report, data["client_email"])


async def _check_spreadsheet(settings: Settings, report: _Report, client_email: str) -> None:
    """Sign in as the service account and open GOOGLE_SHEET_NAME (read only: nothing changes)."""
    from shared.services import sheets

    name = settings.google_sheet_name

    def open_book() -> list[str]:
        client = sheets.default_client(settings)
        return [ws.title for ws in client.open(name).worksheets()]

    try:
        titles = await asyncio.wait_for(asyncio.to_thread(open_book), 60)
    except TimeoutError:
        report.line("FAIL", "google sheets", "Google did not answer within 60 s")
        return
    except Exception as exc:  # noqa: BLE001 - classified like a delivery: never a traceback
        import gspread

        if isinstance(exc, gspread.exceptions.SpreadsheetNotFound):
            report.line("FAIL", "google sheets",
                        f"no spreadsheet named {name!r} is shared with {client_email}: create "
                        "it (or fix GOOGLE_SHEET_NAME) and share it with that address as an "
                        "editor")
            return
        reason = str(sheets._classify(exc))
        report.line("FAIL", "google sheets", reason[:300])
        return
    missing = [t for t in sheets.COLUMNS if t not in titles]
    detail = f"{name!r} opens" + (
        f"; worksheets created on first use: {', '.join(missing)}" if missing else
        "; every worksheet is there")
    report.line("OK", "google sheets", detail)


def _load_service_account(report: _Report, raw: str) -> dict[str, Any] | None:
    """The JSON of GOOGLE_SERVICE_ACCOUNT_JSON: the value itself, or the file it names."""
    source = "GOOGLE_SERVICE_ACCOUNT_JSON"
    content = raw
    if not raw.startswith("{"):
        # print the value only when it looks like a path, never a pasted (broken) key
        shown = raw if len(raw) <= 255 and "\n" not in raw else "<value>"
        path = Path(raw).expanduser()
        try:
            content = path.read_text(encoding="utf-8")
        except (OSError, ValueError):
            report.line("FAIL", "google",
                        f"{source} is neither JSON nor a readable file ({shown}): paste the key's "
                        "JSON or give the path of the file")
            return None
        source = f"the file {shown}"
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        report.line("FAIL", "google",
                    f"{source} is not valid JSON ({exc.msg} at line {exc.lineno})")
        return None
    if not isinstance(data, dict):
        report.line("FAIL", "google", f"{source} is not a JSON object")
        return None
    return data
