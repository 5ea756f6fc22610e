"""The Supabase REST backend's stand-in for :class:`shared.storage.db.Database`.

The repositories run unchanged on it: ``read()``/``write()`` hand out a :class:`RestConnection`
whose ``execute`` translates each SQLAlchemy Core statement into one PostgREST request
(``translate.py``) and returns a result with the parts of SQLAlchemy's ``Result`` the
repositories use. Reads page through PostgREST's 1,000-row limit. What PostgREST cannot express
raises ``NotTranslatable``; the REST repositories' twins (``RPC_METHODS``, see
``shared/storage/rest/__init__.py``) do those operations with ``rpc`` calls of functions created
by the migrations.

Transactions: PostgREST runs each request in a transaction of its own, so a ``write()`` block is
a sequence of requests, each atomic on its own. Every check-and-change is one request (a
conditional PATCH or an rpc function), never a read followed by a write, so that concurrent
instances stay correct. A block holds the inserts whose rows nobody reads back (the outbox rows a
handler queues, its flow state) and commits them together when it ends; a REST twin given the
block's ``conn`` calls its function through it (``RestConnection.rpc``), and the rows held so far
go along and commit in the function's transaction (``app_rpc_after_writes``), so what a handler
queued before a change commits with it or not at all, as on SQL. (Before a translated statement
that is sent at once, the held rows are sent first, in a request of their own: in order, not
atomically.)

Where it cannot be closed: a change that is a request of its own (an rpc function, or a
translated statement whose answer the block reads: a conditional PATCH, an INSERT ... RETURNING)
commits at once, and what the block queues *after* it is built from its answer, so it commits in a
later request. A crash or a failed request between the two keeps the change and loses the rest
(the messages a grade sends, the Systeme.io row of a verification, a flow step), and the update's
retry mostly finds the change made and queues nothing. A function per handler block would close
it; the pooler ``DATABASE_URL`` (full transactions) is the way to have it everywhere (README).
``tests/shared/test_rest_unit_of_work.py`` shows it with the grading handler and lists every write
block of the code with what it loses (``BLOCKS``).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, Float, Integer, Numeric
from sqlalchemy.types import TypeDecorator

from shared.storage.db import write_steps
from shared.storage.rest.client import RestClient
from shared.storage.rest.translate import PAGE_SIZE, RestRequest, json_value, translate


def decode_value(column: Column | None, value: Any) -> Any:
    """A JSON value from PostgREST as the SQL backends would return it for ``column``."""
    if value is None or column is None:
        return value
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl if not isinstance(kind.impl, type) else kind.impl()
    if isinstance(kind, DateTime):
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    if isinstance(kind, Date):
        return date.fromisoformat(value) if isinstance(value, str) else value
    if isinstance(kind, Boolean):
        return bool(value)
    if isinstance(kind, Integer):
        return int(value)
    if isinstance(kind, (Float, Numeric)):
        return float(value)
    if isinstance(kind, JSON) and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def decode_rows(columns: list[Column], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows (JSON objects) with each value converted for its column."""
    by_name = {c.name: c for c in columns}
    return [{k: decode_value(by_name.get(k), v) for k, v in row.items()} for row in rows]


class RestRow(tuple):
    """A row: a tuple that also answers ``row.name`` and ``row._mapping`` like SQLAlchemy's."""

    _fields: tuple[str, ...]

    def __new__(cls, names: tuple[str, ...], values: tuple[Any, ...]) -> RestRow:
        row = super().__new__(cls, values)
        row._fields = names
        return row

    @property
    def _mapping(self) -> dict[str, Any]:
        return dict(zip(self._fields, self, strict=True))

    def __getattr__(self, name: str) -> Any:
        try:
            return self[self._fields.index(name)]
        except ValueError:
            raise AttributeError(name) from None


class _Mappings:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._rows)

    def all(self) -> list[dict[str, Any]]:
        return list(self._rows)

    def first(self) -> dict[str, Any] | None:
        return self._rows[0] if self._rows else None

    def one(self) -> dict[str, Any]:
        if len(self._rows) != 1:
            raise LookupError(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def one_or_none(self) -> dict[str, Any] | None:
        if len(self._rows) > 1:
            raise LookupError(f"expected at most one row, got {len(self._rows)}")
        return self.first()


class _Scalars(_Mappings):
    pass


class RestResult:
    """What ``RestConnection.execute`` returns: the parts of SQLAlchemy's Result in use."""

    def __init__(self, names: list[str], rows: list[dict[str, Any]], rowcount: int) -> None:
        self._names = tuple(names)
        self._dicts = rows
        self.rowcount = rowcount

    def _tuples(self) -> list[RestRow]:
        return [RestRow(self._names, tuple(r.get(n) for n in self._names)) for r in self._dicts]

    def __iter__(self) -> Iterator[RestRow]:
        return iter(self._tuples())

    def all(self) -> list[RestRow]:
        return self._tuples()

    def first(self) -> RestRow | None:
        rows = self._tuples()
        return rows[0] if rows else None

    def one(self) -> RestRow:
        rows = self._tuples()
        if len(rows) != 1:
            raise LookupError(f"expected one row, got {len(rows)}")
        return rows[0]

    def one_or_none(self) -> RestRow | None:
        rows = self._tuples()
        if len(rows) > 1:
            raise LookupError(f"expected at most one row, got {len(rows)}")
        return rows[0] if rows else None

    def mappings(self) -> _Mappings:
        return _Mappings([dict(r) for r in self._dicts])

    def scalars(self) -> _Scalars:
        return _Scalars([r[0] for r in self._tuples()])

    def scalar(self) -> Any:
        row = self.first()
        return row[0] if row else None

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalar_one_or_none(self) -> Any:
        row = self.one_or_none()
        return row[0] if row else None


def _content_range_total(value: str | None) -> int | None:
    if not value or "/" not in value:
        return None
    total = value.rsplit("/", 1)[1]
    return int(total) if total.isdigit() else None


class RestDatabase:
    """Supabase over PostgREST, shaped like ``Database`` for the repositories."""

    dialect = "postgresql"      # the SQL the repositories build is PostgreSQL's
    kind = "supabase"

    # each poll of an idle queue is an HTTPS request (and egress on Supabase's plan): local work
    # wakes the workers at once, so the polls only pick up retries and other instances' rows
    idle_poll_seconds = 60.0

    def __init__(self, client: RestClient) -> None:
        self.client = client
        self.url = client.url

    # --- requests ------------------------------------------------------------------------------
    def _config(self, request: RestRequest, params: list[tuple[str, str]]) -> Any:
        from httpx import Headers, QueryParams
        from postgrest.base_request_builder import RequestConfig

        pg = self.client.postgrest
        headers = Headers(pg.headers)
        if request.prefer:
            headers["Prefer"] = ",".join(request.prefer)
        return RequestConfig(pg.session, pg.base_url.joinpath(request.table), request.method,
                             headers, QueryParams(params), pg.basic_auth, request.body,
                             retry_enabled=False)

    async def run(self, request: RestRequest) -> tuple[list[dict[str, Any]], int]:
        """Send ``request`` (paging a GET); the decoded rows and the affected/total count."""
        what = f"{request.method} {request.table}"
        if request.count_only:
            response = await self.client.send(self._config(request, request.params), safe=True,
                                              what=what)
            total = _content_range_total(response.headers.get("content-range"))
            if total is None:
                raise ValueError("PostgREST sent no count in Content-Range")
            return [{"count": total}], total
        if request.method != "GET":
            response = await self.client.send(self._config(request, request.params),
                                              safe=request.idempotent, what=what)
            body = response.json() if response.content else []
            rows = body if isinstance(body, list) else [body]
            return decode_rows(request.columns, rows), len(rows)
        rows = []
        offset = request.offset
        wanted = request.limit
        while True:
            size = PAGE_SIZE if wanted is None else min(PAGE_SIZE, wanted - len(rows))
            if size <= 0:
                break
            params = [*request.params, ("offset", str(offset)), ("limit", str(size))]
            response = await self.client.send(self._config(request, params), safe=True,
                                              what=what)
            page = response.json()
            rows.extend(page)
            offset += len(page)
            if len(page) < size:
                break
        return decode_rows(request.columns, rows), len(rows)

    async def rpc(self, function: str, args: dict[str, Any], *, safe: bool = True) -> Any:
        """Call the PostgreSQL function ``function`` with named ``args``; its JSON result.

        ``safe``: the function may run twice for one call (it is idempotent by design).
        """
        from httpx import Headers, QueryParams
        from postgrest.base_request_builder import RequestConfig

        pg = self.client.postgrest
        body = {k: json_value(v) for k, v in args.items()}
        config = RequestConfig(pg.session, pg.base_url.joinpath("rpc", function), "POST",
                               Headers(pg.headers), QueryParams(), pg.basic_auth, body,
                               retry_enabled=False)
        response = await self.client.send(config, safe=safe, what=f"rpc {function}")
        return response.json() if response.content else None

    # --- Database's interface ------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def write(self, conn: RestConnection | None = None) -> AsyncIterator[RestConnection]:
        """A unit of work: the inserts whose rows nobody reads back are held and committed
        together in one request when the block ends, and dropped when it raises."""
        if conn is not None:
            yield conn
            return
        unit = RestConnection(self, hold_writes=True)
        yield unit
        await unit.flush()
        for callback in unit.on_commit:
            callback()

    def on_commit(self, conn: RestConnection, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the unit of work of ``conn`` has been committed."""
        conn.on_commit.append(callback)

    @contextlib.asynccontextmanager
    async def read(self, conn: RestConnection | None = None) -> AsyncIterator[RestConnection]:
        yield conn if conn is not None else RestConnection(self)

    async def rows(self, stmt: Any, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of one read statement (``Database.rows``)."""
        return list(await RestConnection(self).execute(stmt, params))

    async def first(self, stmt: Any, params: dict[str, Any]) -> dict[str, Any] | None:
        """The first row of one read statement as a dict (``Database.first``), or None."""
        return (await RestConnection(self).execute(stmt, params)).mappings().first()

    async def run_write(self, steps: list[tuple[Any, Any]]) -> list[list[tuple[Any, ...]]]:
        """Statements in one unit of work (``Database.run_write``)."""
        return await write_steps(self, steps)

    async def ping(self, timeout: float = 2.0) -> bool:
        """True when PostgREST answers the schema-version function within ``timeout``."""
        import asyncio

        try:
            async with asyncio.timeout(timeout):
                await self.rpc("app_schema_version", {})
            return True
        except Exception:  # noqa: BLE001 - any failure means "does not answer"
            return False

    async def close(self) -> None:
        await self.client.close()


def held_ops(held: list[RestRequest]) -> list[dict[str, Any]]:
    """Held insert requests as ``app_apply_writes`` operations."""
    ops = []
    for request in held:
        params = dict(request.params)
        resolution = next((p.split("=", 1)[1].split("-")[0] for p in request.prefer
                           if p.startswith("resolution=")), None)
        ops.append({"table": request.table, "rows": request.body,
                    "on_conflict": params["on_conflict"].split(",")
                    if "on_conflict" in params else [], "resolution": resolution})
    return ops


class RestConnection:
    """Executes translated statements; ``db`` gives the repositories' REST variants ``rpc``.

    In a write block (``hold_writes``) an INSERT/upsert whose rows are not read back is held
    until ``flush`` (the end of the block), so that the rows a handler queues commit together,
    or not at all when the block fails. Any other statement first flushes what is held, so that
    the block's statements still reach the database in their order.
    """

    def __init__(self, db: RestDatabase, *, hold_writes: bool = False) -> None:
        self.db = db
        self._hold = hold_writes
        self._held: list[RestRequest] = []
        self.on_commit: list[Callable[[], None]] = []  # run by RestDatabase.write at the end

    async def flush(self) -> None:
        """Commit the held inserts: one request, atomic (``app_apply_writes`` for several)."""
        held, self._held = self._held, []
        if not held:
            return
        if len(held) == 1:
            await self.db.run(held[0])
            return
        await self.db.rpc("app_apply_writes", {"p_ops": held_ops(held)},
                          safe=all(r.idempotent for r in held))

    async def rpc(self, function: str, args: dict[str, Any], *, safe: bool = True) -> Any:
        """Call ``function`` in this unit of work: the inserts held so far go along and commit
        in its transaction, before its own changes (``app_rpc_after_writes``), so that what
        the block queued before a change commits with it, or not at all. Without held inserts
        it is a plain ``rpc``; outside a write block nothing is ever held."""
        held, self._held = self._held, []
        if not held:
            return await self.db.rpc(function, args, safe=safe)
        try:
            return await self.db.rpc("app_rpc_after_writes", {
                "p_ops": held_ops(held), "p_function": function,
                "p_args": {k: json_value(v) for k, v in args.items()},
            }, safe=safe and all(r.idempotent for r in held))
        except BaseException:
            self._held[:0] = held  # not committed (or unknown: the block fails anyway)
            raise

    async def execute(self, stmt: Any, params: Any = None) -> RestResult:
        request = translate(stmt, params)
        if self._hold and request.method == "POST" and not request.returns_rows:
            self._held.append(request)
            return RestResult([], [], len(request.body))
        await self.flush()
        rows, count = await self.db.run(request)
        names = ["count"] if request.count_only else [c.name for c in request.columns]
        if not request.returns_rows and not request.count_only and request.method != "GET":
            return RestResult(names, [], count)
        return RestResult(names, rows, count)
