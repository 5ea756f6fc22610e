"""The storage checks of ``python -m shared check``: the database (or the Supabase REST API)
answers at the schema version of this code, and SUPABASE_KEY is the secret key."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from shared.cli.check_report import CheckReport, first_line
from shared.config import Settings
from shared.errors import MigrationError
from shared.redact import mask_url
from shared.storage.db import Database
from shared.storage.migrate import current_version, latest_version

DB_TIMEOUT = 8.0  # seconds, to connect to the database and read its schema version


def _describe_storage(url: str) -> str:
    """``sqlite (./data/bot.db)`` or ``postgresql (postgresql+asyncpg://user:***@host/db)``."""
    if url.startswith("sqlite"):
        return f"sqlite ({_display_path(_sqlite_path(url))})"
    return f"postgresql ({mask_url(url)})"


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
    message = re.sub(r"^<class '[\w.]+'>: ", "", first_line(orig))
    return f"{message}{hint}"


async def _check_rest_storage(settings: Settings, report: CheckReport) -> None:
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


async def check_storage(settings: Settings, report: CheckReport) -> None:
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
                    f"{where}: DATABASE_URL is not usable ({first_line(exc)}); expected "
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


def _sqlite_exists_or_creatable(report: CheckReport, where: str, url: str) -> bool:
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


async def check_supabase_key(settings: Settings, report: CheckReport) -> None:
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
