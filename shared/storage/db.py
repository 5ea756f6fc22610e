"""The SQL engine (SQLite or PostgreSQL) and its transactions."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from uuid import uuid4

from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import Insert

from shared.errors import StorageUnavailable
from shared.storage.sqlite_inline import Prepared, inline_url

# every SQLite connection's settings (the engine's and the direct ones of ``rows``/``run_write``)
_SQLITE_PRAGMAS = ("synchronous=NORMAL", "busy_timeout=30000", "foreign_keys=ON")

_ON_COMMIT = "app_on_commit"  # key of a connection's ``info``: callbacks for its commit


def utcnow() -> datetime:
    return datetime.now(UTC)


def _is_pooler(url: str) -> bool:
    """Supabase's transaction pooler (port 6543) or PgBouncer: no prepared-statement cache."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    return parts.port == 6543 or query.get("pgbouncer") in ("true", "1")


def _asyncpg_url_and_args(url: str) -> tuple[str, dict[str, Any]]:
    """asyncpg takes ``ssl`` where libpq URLs say ``sslmode``; drop libpq-only parameters."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    args: dict[str, Any] = {}
    sslmode = query.pop("sslmode", None)
    query.pop("pgbouncer", None)
    if sslmode and sslmode != "disable":
        args["ssl"] = "require" if sslmode in ("require", "prefer", "allow") else sslmode
    clean = urlunsplit(parts._replace(query=urlencode(query)))
    return clean, args


def _sqlite_file(url: str) -> str:
    """The file of an SQLite URL ('' for an in-memory database)."""
    path = url.split(":///", 1)[1] if ":///" in url else ""
    return "" if path == ":memory:" else path


def upsert(db: Any, table: Any) -> Insert:
    """An INSERT that understands ON CONFLICT on both databases."""
    # imported here: the PostgreSQL dialect costs ~60 ms of start-up on an SQLite deployment
    if db.dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


async def write_steps(db: Any, steps: list[tuple[Any, Any]]) -> list[list[tuple[Any, ...]]]:
    """``run_write`` through ``db.write()`` (a ``Database`` or a ``RestDatabase``)."""
    out: list[list[tuple[Any, ...]]] = []
    async with db.write() as c:
        for stmt, params in steps:
            result = await c.execute(stmt, params(out) if callable(params) else params)
            out.append([tuple(r) for r in result] if getattr(result, "returns_rows", True)
                       else [])
    return out


class Database:
    """Owns the async engine; hands out read connections and write transactions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
        # SQLite allows one writer: writes in this process queue here instead of failing busy.
        self._write_lock = asyncio.Lock() if self.dialect == "sqlite" else None
        self.engine: AsyncEngine = self._create_engine(url)
        # SQLite on a file: single-statement reads on a connection of their own, below
        # SQLAlchemy's execution layer (``first``, ``rows``)
        path = _sqlite_file(url) if self.dialect == "sqlite" else ""
        self._file = path if path and "?" not in path else None
        self._reader: sqlite3.Connection | None = None
        self._writer: sqlite3.Connection | None = None
        self._prepared: dict[int, tuple[Any, Prepared]] = {}

    # An idle queue worker looks for due rows this often when nothing wakes it. Its own retries
    # and deferrals wake it on time, the heartbeat wakes it when another instance is alive or
    # one died (shared/instances.py): this poll is only a safety net.
    idle_poll_seconds = 60.0

    def _create_engine(self, url: str) -> AsyncEngine:
        if self.dialect == "sqlite":
            path = _sqlite_file(url)
            if path:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            # statements run on the loop's thread (shared.storage.sqlite_inline: no thread hops)
            engine = create_async_engine(inline_url(url), connect_args={"timeout": 30})

            @event.listens_for(engine.sync_engine, "connect")
            def _on_connect(dbapi_conn: Any, _record: Any) -> None:
                # the driver is in autocommit (SQLAlchemy's "begin" event sends BEGIN)
                for pragma in ("journal_mode=WAL", *_SQLITE_PRAGMAS):
                    dbapi_conn.execute(f"PRAGMA {pragma}")

            @event.listens_for(engine.sync_engine, "begin")
            def _on_begin(conn: Any) -> None:
                # a write transaction takes the write lock at BEGIN, so it never fails half-way
                mode = conn.get_execution_options().get("sqlite_begin", "BEGIN")
                conn.exec_driver_sql(mode)

            return engine
        clean, connect_args = _asyncpg_url_and_args(url)
        kwargs: dict[str, Any] = {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10}
        if _is_pooler(url):
            # transaction-mode pooling: a statement may land on another server connection
            connect_args["statement_cache_size"] = 0
            connect_args["prepared_statement_name_func"] = lambda: f"__asyncpg_{uuid4()}__"
            kwargs = {"poolclass": NullPool}
        return create_async_engine(clean, connect_args=connect_args, **kwargs)

    @contextlib.asynccontextmanager
    async def write(self, conn: AsyncConnection | None = None) -> AsyncIterator[AsyncConnection]:
        """A write transaction, or ``conn`` itself when the caller already holds one."""
        if conn is not None:
            yield conn
            return
        lock = self._write_lock or contextlib.nullcontext()
        callbacks: list[Callable[[], None]] = []
        async with lock:
            try:
                async with self.engine.connect() as c:
                    if self.dialect == "sqlite":
                        await c.execution_options(sqlite_begin="BEGIN IMMEDIATE")
                    try:
                        async with c.begin():
                            yield c
                    finally:
                        # the connection goes back to the pool: its callbacks must not stay.
                        # An invalidated connection (a cancellation inside the driver) never
                        # committed, and reading its ``info`` would reconnect outside the
                        # driver's greenlet, raising MissingGreenlet in place of the
                        # cancellation that must reach the caller.
                        callbacks = [] if c.invalidated else c.info.pop(_ON_COMMIT, [])
            except OSError as exc:
                raise StorageUnavailable(str(exc)) from exc
        for callback in callbacks:  # reached only when the transaction committed
            callback()

    def on_commit(self, conn: AsyncConnection, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the write transaction of ``conn`` has committed (never when it
        rolls back): the outbox worker wakes when a row queued inside it becomes visible."""
        conn.info.setdefault(_ON_COMMIT, []).append(callback)

    @contextlib.asynccontextmanager
    async def read(self, conn: AsyncConnection | None = None) -> AsyncIterator[AsyncConnection]:
        """A read-only connection (a snapshot on both databases)."""
        if conn is not None:
            yield conn
            return
        try:
            async with self.engine.connect() as c, c.begin():
                yield c
        except OSError as exc:
            raise StorageUnavailable(str(exc)) from exc

    async def rows(self, stmt: Any, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of one read statement (a snapshot of its own on both databases).

        On an SQLite file it runs on a read-only connection of this process, as SQLAlchemy
        would run it (same SQL, same types) but without its execution layer: a read through
        ``read()`` cost ~220 us of CPU, ~10 us this way. In WAL mode a statement outside a
        transaction reads the last commit, like a fresh read transaction."""
        if self._file is None:
            async with self.read() as c:
                return [tuple(r) for r in await c.execute(stmt, params)]
        try:
            return self._prepare(stmt).run(self._reader or self._open_reader(), params)
        except OSError as exc:
            raise StorageUnavailable(str(exc)) from exc

    def _prepare(self, stmt: Any) -> Prepared:
        """``stmt`` compiled once (kept with it: the hot statements are built once by their
        repositories; one built per call would be compiled per call, and the cache is
        cleared before it grows past a few hundred)."""
        entry = self._prepared.get(id(stmt))
        if entry is None or entry[0] is not stmt:
            if len(self._prepared) >= 256:
                self._prepared.clear()
            entry = self._prepared[id(stmt)] = (stmt, Prepared(stmt, self.engine.dialect))
        return entry[1]

    async def run_write(self, steps: list[tuple[Any, Any]]) -> list[list[tuple[Any, ...]]]:
        """Statements (each with its parameters, a list of parameter sets, or a function of the
        rows the steps before it returned that gives its parameters) in one write transaction;
        the rows each returned (RETURNING).

        On an SQLite file the transaction runs below SQLAlchemy's execution layer, on a
        connection of its own, under the same write lock as ``write()`` (so it never waits
        for another of this process's writers): ~50 us of CPU for an update's statements
        instead of ~450 us. Elsewhere it is ``write()``."""
        if self._file is None or self._write_lock is None:
            return await write_steps(self, steps)
        prepared = [self._prepare(stmt) for stmt, _ in steps]
        async with self._write_lock:
            # nothing below awaits: the transaction cannot be cancelled half-way
            try:
                conn = self._writer or self._open_writer()
                conn.execute("BEGIN IMMEDIATE")
                try:
                    out: list[list[tuple[Any, ...]]] = []
                    for p, (_, params) in zip(prepared, steps, strict=True):
                        out.append(p.run(conn, params(out) if callable(params) else params))
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except OSError as exc:
                raise StorageUnavailable(str(exc)) from exc
            except sqlite3.Error as exc:  # BEGIN or COMMIT (busy): as the engine raises it
                raise DBAPIError.instance("BEGIN/COMMIT", (), exc, sqlite3.Error) from exc
        return out

    async def first(self, stmt: Any, params: dict[str, Any]) -> dict[str, Any] | None:
        """The first row of one read statement as a dict (see ``rows``), or None."""
        if self._file is None:
            async with self.read() as c:
                row = (await c.execute(stmt, params)).mappings().first()
            return dict(row) if row is not None else None
        found = await self.rows(stmt, params)
        if not found:
            return None
        return dict(zip(self._prepared[id(stmt)][1].keys, found[0], strict=True))

    def _connect(self) -> sqlite3.Connection:
        assert self._file is not None
        # used on the event loop's thread only; autocommit (BEGIN is sent where one is meant)
        conn = sqlite3.connect(self._file, timeout=30, isolation_level=None,
                               check_same_thread=False)
        # WAL is the file's own mode, set by the engine's connections; these are per connection
        for pragma in _SQLITE_PRAGMAS:
            conn.execute(f"PRAGMA {pragma}")
        return conn

    def _open_reader(self) -> sqlite3.Connection:
        self._reader = self._connect()  # each statement its own snapshot
        self._reader.execute("PRAGMA query_only=ON")
        return self._reader

    def _open_writer(self) -> sqlite3.Connection:
        self._writer = self._connect()
        return self._writer

    async def ping(self, timeout: float = 2.0) -> bool:
        """True when the database answers a trivial query within ``timeout`` seconds."""
        try:
            async with asyncio.timeout(timeout):
                async with self.engine.connect() as c:
                    await c.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means "does not answer"
            return False

    async def close(self) -> None:
        for conn in (self._reader, self._writer):
            if conn is not None:
                conn.close()
        self._reader = self._writer = None
        await self.engine.dispose()


class Repo:
    """The base of a repository: the queries of one part of the data, over ``db`` (a
    ``Database``; on the REST backend a ``RestDatabase``). A bot declares its repositories with
    ``shared.bot_package.Repository``."""

    def __init__(self, db: Database) -> None:
        self.db = db


def statement(build: Callable[[Any], Any]) -> functools.cached_property[Any]:
    """A statement a repository runs often (on every update, heartbeat or job run), built once
    by ``build(repository)`` on first use, its values bound parameters (``bindparam``), and
    kept: building and hashing it on every call cost more than running it, and ``Database``
    compiles each statement object once for its SQLite path (``_prepare``)."""
    return functools.cached_property(build)
