"""SQLite for SQLAlchemy's asyncio extension, run on the event loop's own thread.

aiosqlite runs every call (cursor, execute, fetch, close, begin, commit) on a worker thread and
hands the result back through ``call_soon_threadsafe``: four or five thread hops per statement.
On a tenth of a CPU those hops cost more than SQLite itself (a small write transaction took
~1.2 ms of CPU through aiosqlite, ~0.3 ms here). An SQLite statement on a local file in WAL
mode takes tens of microseconds, less than a hop, so this dialect runs it inline.

What that means: a statement blocks the event loop while it runs. Our statements are small and
indexed; the one writer of this process is serialised by ``Database``'s write lock (so an
``IMMEDIATE`` transaction never waits for another of ours), and WAL readers never wait for a
writer. Another process writing the same file (a maintenance script) can make a statement wait
for the busy timeout; that is the same on every driver, only here the loop waits with it.

The dialect is SQLAlchemy's own pysqlite dialect (same types, same SQL) marked as async; each
execution passes through one no-op await, which SQLAlchemy's asyncio layer requires to prove
that the driver cooperates with it. Registered as ``sqlite+inline``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.base import SQLiteExecutionContext
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import AsyncAdaptedQueuePool, Pool, StaticPool
from sqlalchemy.util.concurrency import await_

DRIVER = "inline"


async def _nothing() -> None:
    return None


class InlineCursor:
    """A sqlite3 cursor that tells SQLAlchemy's greenlet layer it cooperates."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    def execute(self, operation: str, parameters: Any = ()) -> InlineCursor:
        await_(_nothing())
        self._cursor.execute(operation, parameters)
        return self

    def executemany(self, operation: str, seq_of_parameters: Any) -> InlineCursor:
        await_(_nothing())
        self._cursor.executemany(operation, seq_of_parameters)
        return self

    async def _async_soft_close(self) -> None:
        """The rows stay readable without awaiting: nothing to do (the asyncio layer calls it)."""

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    def fetchall(self) -> Sequence[Any]:
        return self._cursor.fetchall()

    def close(self) -> None:
        self._cursor.close()

    def __getattr__(self, name: str) -> Any:  # description, rowcount, lastrowid, arraysize
        return getattr(self._cursor, name)


class InlineConnection:
    """A sqlite3 connection whose cursors are ``InlineCursor``s."""

    __slots__ = ("_conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        object.__setattr__(self, "_conn", conn)

    def cursor(self, *_args: Any, **_kw: Any) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    def commit(self) -> None:
        self._conn.commit()

    def rollback(self) -> None:
        self._conn.rollback()

    def close(self) -> None:
        self._conn.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def __setattr__(self, name: str, value: Any) -> None:  # isolation_level
        setattr(self._conn, name, value)


class _InlineDBAPI:
    """The sqlite3 module, except that ``connect`` returns an ``InlineConnection``."""

    paramstyle = sqlite3.paramstyle

    def __getattr__(self, name: str) -> Any:
        return getattr(sqlite3, name)

    @staticmethod
    def connect(*args: Any, **kwargs: Any) -> InlineConnection:
        # used from the event loop's thread, but a pooled connection may be created and closed
        # by another (tests, shutdown): no thread check; autocommit at the driver (SQLAlchemy
        # issues BEGIN)
        kwargs.setdefault("check_same_thread", False)
        kwargs["isolation_level"] = None
        return InlineConnection(sqlite3.connect(*args, **kwargs))


class _InlineExecutionContext(SQLiteExecutionContext):
    def create_server_side_cursor(self) -> Any:
        # a sqlite3 cursor steps through its rows as they are fetched: already "server side"
        return self._dbapi_connection.cursor()


class SQLiteDialect_inline(SQLiteDialect_pysqlite):
    """pysqlite, run inline under the asyncio extension."""

    driver = DRIVER
    is_async = True
    supports_statement_cache = True
    supports_server_side_cursors = True
    execution_ctx_cls = _InlineExecutionContext

    @classmethod
    def import_dbapi(cls) -> Any:
        return _InlineDBAPI()

    @classmethod
    def get_pool_class(cls, url: URL) -> type[Pool]:
        return AsyncAdaptedQueuePool if cls._is_url_file_db(url) else StaticPool


registry.register(f"sqlite.{DRIVER}", __name__, "SQLiteDialect_inline")


def inline_url(url: str) -> str:
    """``url`` (sqlite, sqlite+aiosqlite or sqlite+pysqlite) with this dialect."""
    scheme, sep, rest = url.partition(":")
    if not scheme.startswith("sqlite"):
        raise ValueError(f"not an SQLite URL: {scheme}")
    return f"sqlite+{DRIVER}{sep}{rest}"


class Prepared:
    """A SQLAlchemy statement compiled once for SQLite: its SQL, its parameters in order with
    their bind processors and defaults, its result columns with their result processors.

    What ``Connection.execute`` does around a statement (an execution context, the compiled
    cache's key, events, a result object) cost ~100 us per statement, an indexed statement of
    ours ~5 us; ``run`` does only what the statement needs, with the same types as SQLAlchemy.
    For statements without expanding parameters (``IN`` lists)."""

    __slots__ = ("_binds", "_results", "keys", "sql")

    def __init__(self, stmt: Any, dialect: Dialect) -> None:
        compiled = stmt.compile(dialect=dialect)
        if compiled.positiontup is None or "POSTCOMPILE" in compiled.string:
            raise ValueError("only positional statements without expanding parameters")
        defaults = compiled.construct_params(_check=False)
        procs = compiled._bind_processors
        self.sql: str = compiled.string
        self._binds: tuple[tuple[str, Any, Callable[[Any], Any] | None], ...] = tuple(
            (name, defaults.get(name), procs.get(name)) for name in compiled.positiontup)
        columns = compiled._result_columns
        self.keys: tuple[str, ...] = tuple(c.keyname for c in columns)
        self._results: tuple[Callable[[Any], Any] | None, ...] = tuple(
            c.type._cached_result_processor(dialect, None) for c in columns)

    def params(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        out = []
        for name, default, proc in self._binds:
            value = values.get(name, default)
            out.append(proc(value) if proc is not None else value)
        return tuple(out)

    def run(self, conn: sqlite3.Connection,
            values: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """Execute on ``conn`` (once per parameter set given a list of them); the rows, with
        SQLAlchemy's result types. sqlite3's errors are
        raised as SQLAlchemy's (``OperationalError`` for a busy database...), as the engine
        would raise them."""
        params: Any = self.params(values) if isinstance(values, Mapping) \
            else [self.params(v) for v in values]
        try:
            if isinstance(values, Mapping):
                rows = conn.execute(self.sql, params).fetchall()
            else:  # several parameter sets (no rows back)
                conn.executemany(self.sql, params)
                return []
        except sqlite3.Error as exc:
            raise DBAPIError.instance(self.sql, params, exc, sqlite3.Error) from exc
        procs = self._results
        if not any(procs):
            return rows
        return [tuple(v if p is None else p(v) for p, v in zip(procs, row, strict=True))
                for row in rows]
