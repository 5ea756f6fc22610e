"""A fake PostgREST (Supabase's REST API, ``/rest/v1/``) over HTTP on a real PostgreSQL.

Every request is one transaction on the database, run as the role its key stands for
(``SET LOCAL ROLE``), so grants and row-level security are PostgreSQL's own. The fake speaks the
subset of PostgREST 12 that the REST storage backend uses, with PostgREST's status codes, headers
and error bodies, and REJECTS what PostgREST would reject (or what it does not implement: 400
``PGRST100``). Values are always bound as parameters (text, cast to the column's type in SQL);
identifiers are checked against the catalogue and quoted.

Deliberate details that match Supabase rather than bare PostgREST:
* keys: ``apikey`` and/or ``Authorization: Bearer``; unknown key → 401 ``Invalid API key``;
* ``max_rows`` (Supabase: 1000) silently truncates every read;
* ``pg_safeupdate``: PATCH/DELETE without a filter → 400 ``21000 ... requires a WHERE clause``;
* the roles ``anon``, ``authenticated`` and ``service_role`` (BYPASSRLS) exist: the fake creates
  them in the cluster when they are missing, as every Supabase project has them.

Run alone: ``python -m tests.fakes.postgrest --database-url URL [--port N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes.server import ThreadedServer, free_port

SCHEMA = "public"
BASE = "/rest/v1/"
JSON_TYPE = "application/json; charset=utf-8"
OBJECT_TYPE = "application/vnd.pgrst.object+json"
RESERVED_PARAMS = {"select", "order", "limit", "offset", "on_conflict", "columns"}
LOGIC_PARAMS = {"or", "and", "not.or", "not.and"}
_BINARY_OPS = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<=",
               "isdistinct": "IS DISTINCT FROM", "cs": "@>", "cd": "<@", "ov": "&&"}
_TEXT_OPS = {"like": "LIKE", "ilike": "ILIKE", "match": "~", "imatch": "~*"}
_IS_VALUES = {"null": "NULL", "true": "TRUE", "false": "FALSE", "unknown": "UNKNOWN"}
_IDENT = re.compile(r"^[A-Za-z0-9_ $]+$")


@dataclass
class Recorded:
    """One request the fake answered, as the test may check it."""

    method: str
    path: str
    params: list[tuple[str, str]]
    headers: dict[str, str]
    body: Any
    status: int
    response: Any


class ApiError(Exception):
    """An error answer: PostgREST's ``{"code","message","details","hint"}`` body."""

    def __init__(self, status: int, code: str | None, message: str, details: str | None = None,
                 hint: str | None = None, headers: dict[str, str] | None = None,
                 body: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.hint = hint
        self.headers = headers or {}
        self.body = body

    def payload(self) -> dict[str, Any]:
        """The JSON body of the answer."""
        if self.body is not None:
            return self.body
        return {"code": self.code, "details": self.details, "hint": self.hint,
                "message": self.message}


class _UnknownColumn(Exception):
    """A column the cached table lacks (``body``: named by the body or ``columns=``)."""

    def __init__(self, column: str, *, body: bool = False) -> None:
        super().__init__(column)
        self.column = column
        self.body = body


def pg_error_status(sqlstate: str, message: str, *, anon: bool) -> int:
    """PostgREST's HTTP status for a PostgreSQL error (docs: "HTTP Status Codes")."""
    exact = {"23503": 409, "23505": 409, "25006": 405, "53400": 500, "P0001": 400,
             "42883": 404, "42P01": 404, "42P17": 500}
    if sqlstate == "42501":
        return 401 if anon else 403
    if sqlstate == "21000":
        return 400 if message.endswith("requires a WHERE clause") else 500
    if sqlstate in exact:
        return exact[sqlstate]
    if sqlstate.startswith("PT") and sqlstate[2:].isdigit():
        return int(sqlstate[2:])
    prefixes = {"08": 503, "09": 500, "0L": 403, "0P": 403, "25": 500, "28": 403, "2D": 500,
                "38": 500, "39": 500, "3B": 500, "40": 500, "53": 503, "54": 500, "55": 500,
                "57": 500, "58": 500, "F0": 500, "HV": 500, "P0": 500, "XX": 500}
    return prefixes.get(sqlstate[:2], 400)


def qi(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _parse_error(what: str, value: str, details: str) -> ApiError:
    return ApiError(400, "PGRST100", f"failed to parse {what} ({value})", details)


def _unsupported(what: str) -> ApiError:
    return ApiError(400, "PGRST100", f"{what} is not supported by the fake PostgREST")


# --- filters ------------------------------------------------------------------------------------

@dataclass
class Cond:
    """``column [not.]op.value`` (``value``: text, or a list of texts for ``in``)."""

    column: str
    op: str
    value: Any
    negate: bool = False


@dataclass
class Logic:
    """``[not.]and(...)`` / ``[not.]or(...)``."""

    op: str
    items: list[Any]
    negate: bool = False


class _Syntax(Exception):
    pass


class _Scanner:
    """A recursive-descent reader for PostgREST's logic trees and ``in`` lists."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def at_end(self) -> bool:
        return self.i >= len(self.s)

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def expect(self, ch: str) -> None:
        if self.peek() != ch:
            got = repr(self.peek()) if self.peek() else "end of input"
            raise _Syntax(f"unexpected {got} expecting {ch!r} at position {self.i + 1}")
        self.i += 1

    def startswith(self, prefix: str) -> bool:
        return self.s.startswith(prefix, self.i)

    def quoted(self) -> str:
        self.expect('"')
        out: list[str] = []
        while True:
            ch = self.peek()
            if not ch:
                raise _Syntax("unterminated quoted value")
            self.i += 1
            if ch == '"':
                return "".join(out)
            if ch == "\\":
                nxt = self.peek()
                if not nxt:
                    raise _Syntax("unterminated escape")
                out.append(nxt)
                self.i += 1
            else:
                out.append(ch)

    def bare(self, stops: str) -> str:
        start = self.i
        while self.peek() and self.peek() not in stops:
            self.i += 1
        return self.s[start:self.i]

    def list_value(self) -> list[str]:
        self.expect("(")
        items: list[str] = []
        if self.peek() == ")":
            self.i += 1
            return items
        while True:
            if self.peek() == '"':
                items.append(self.quoted())
            else:
                items.append(self.bare(",)"))
            if self.peek() == ",":
                self.i += 1
                continue
            self.expect(")")
            return items

    def single_value(self) -> str:
        if self.peek() == '"':
            value = self.quoted()
            if self.peek() not in (",", ")"):
                raise _Syntax("unexpected characters after a quoted value")
            return value
        if self.peek() == "{":
            start = self.i
            depth = 0
            while self.peek():
                ch = self.peek()
                self.i += 1
                if ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                    if depth == 0:
                        return self.s[start:self.i]
            raise _Syntax("unterminated array value")
        return self.bare(",)")

    def field(self) -> str:
        if self.peek() == '"':
            return self.quoted()
        name = self.bare(".,()")
        if not name:
            raise _Syntax(f"expecting a column name at position {self.i + 1}")
        if "->" in name or not _IDENT.match(name):
            raise _Syntax(f"unsupported column expression {name!r}")
        return name

    def operation(self, column: str) -> Cond:
        negate = False
        if self.startswith("not."):
            negate, self.i = True, self.i + 4
        op = self.bare(".,()")
        if op not in _BINARY_OPS and op not in _TEXT_OPS and op not in ("in", "is"):
            raise _Syntax(f"unknown operator {op!r}")
        self.expect(".")
        if op == "in":
            return Cond(column, op, self.list_value(), negate)
        value = self.single_value()
        return _checked(Cond(column, op, value, negate))

    def item(self) -> Cond | Logic:
        negate = False
        for word in ("not.and(", "not.or(", "and(", "or("):
            if self.startswith(word):
                if word.startswith("not."):
                    negate = True
                op = word.removeprefix("not.")[:-1]
                self.i += len(word) - 1
                return Logic(op, self.tree(), negate)
        column = self.field()
        self.expect(".")
        return self.operation(column)

    def tree(self) -> list[Cond | Logic]:
        self.expect("(")
        items = [self.item()]
        while self.peek() == ",":
            self.i += 1
            items.append(self.item())
        self.expect(")")
        return items


def _checked(cond: Cond) -> Cond:
    if cond.op == "is":
        word = str(cond.value).lower()
        if word not in _IS_VALUES:
            raise _Syntax(f"unexpected {cond.value!r} expecting null, true, false or unknown")
        cond.value = word
    return cond


def _unquote_key(key: str) -> str:
    if len(key) >= 2 and key[0] == '"' and key[-1] == '"':
        return _Scanner(key).quoted()
    return key


def parse_filter(key: str, value: str) -> Cond | Logic:
    """One query parameter that is a filter (a column or a logic operator) → a node."""
    if key in LOGIC_PARAMS:
        negate = key.startswith("not.")
        scanner = _Scanner(value)
        try:
            items = scanner.tree()
            if not scanner.at_end():
                raise _Syntax(f"unexpected {scanner.peek()!r} expecting end of input")
        except _Syntax as exc:
            raise _parse_error("logic tree", f"{value}", str(exc)) from exc
        return Logic(key.removeprefix("not."), items, negate)
    try:
        column = _unquote_key(key)
    except _Syntax as exc:
        raise _parse_error("filter", key, str(exc)) from exc
    if "->" in column or "." in column or not column or not (
            _IDENT.match(column) or key.startswith('"')):
        raise _parse_error("filter", f"{key}={value}",
                           "embedded filters and JSON paths are not supported by the fake")
    negate = value.startswith("not.")
    rest = value[4:] if negate else value
    op, dot, operand = rest.partition(".")
    if not dot or (op not in _BINARY_OPS and op not in _TEXT_OPS and op not in ("in", "is")):
        raise _parse_error("filter", value,
                           f"unexpected {op!r} expecting an operator (eq, gt, ...)")
    try:
        if op == "in":
            scanner = _Scanner(operand)
            items = scanner.list_value()
            if not scanner.at_end():
                raise _Syntax("unexpected characters after the list")
            return Cond(column, op, items, negate)
        return _checked(Cond(column, op, operand, negate))   # top level: the value verbatim
    except _Syntax as exc:
        raise _parse_error("filter", value, str(exc)) from exc


def parse_columns(value: str, what: str) -> list[str]:
    """``a,b,"c d"``: a list of plain column names (``*`` allowed for ``select``)."""
    if value.strip() == "":
        return []
    names: list[str] = []
    scanner = _Scanner(value)
    try:
        while True:
            if scanner.peek() == '"':
                names.append(scanner.quoted())
            else:
                name = scanner.bare(",").strip()
                if name != "*" and not _IDENT.match(name):
                    raise _Syntax(f"unsupported item {name!r} (aliases, casts, embedding and "
                                  "JSON paths are not supported)")
                names.append(name)
            if scanner.at_end():
                return names
            scanner.expect(",")
    except _Syntax as exc:
        raise _parse_error(what, value, str(exc)) from exc


def parse_order(value: str) -> list[tuple[str, str | None, str | None]]:
    """``a.asc,b.desc.nullslast`` → [(column, direction, nulls)]."""
    out: list[tuple[str, str | None, str | None]] = []
    for raw in value.split(","):
        scanner = _Scanner(raw)
        try:
            column = scanner.field()
        except _Syntax as exc:
            raise _parse_error("order", value, str(exc)) from exc
        rest = raw[scanner.i:]
        if rest and not rest.startswith("."):
            raise _parse_error("order", value, f"unexpected {rest!r}")
        direction = nulls = None
        for word in rest[1:].split(".") if rest else []:
            if word in ("asc", "desc") and direction is None and nulls is None:
                direction = word
            elif word in ("nullsfirst", "nullslast") and nulls is None:
                nulls = word
            else:
                raise _parse_error("order", value, f"unexpected {word!r}")
        out.append((column, direction, nulls))
    return out


def parse_prefer(headers: list[str]) -> tuple[dict[str, str], list[str]]:
    """The ``Prefer`` header(s) → (known preferences, unknown tokens)."""
    known = {"return": {"minimal", "headers-only", "representation"},
             "count": {"exact", "planned", "estimated"},
             "resolution": {"merge-duplicates", "ignore-duplicates"},
             "missing": {"default", "null"}, "handling": {"lenient", "strict"},
             "tx": {"commit", "rollback"}}
    prefs: dict[str, str] = {}
    unknown: list[str] = []
    for header in headers:
        for token in header.split(","):
            token = token.strip()
            if not token:
                continue
            name, _, value = token.partition("=")
            name, value = name.strip(), value.strip()
            valid = value in known[name] if name in known else (
                name == "max-affected" and value.isdigit())
            if valid:
                prefs[name] = value
            else:
                unknown.append(token)
    return prefs, unknown


# --- SQL building -------------------------------------------------------------------------------

class Sql:
    """Collects bound parameters: values never enter the SQL text."""

    def __init__(self) -> None:
        self.args: list[Any] = []

    def param(self, value: Any) -> str:
        self.args.append(value)
        return f"${len(self.args)}"


def where_sql(nodes: list[Cond | Logic], columns: dict[str, str], alias: str, sql: Sql) -> str:
    """The filters ANDed together, on ``alias``'s columns."""
    if not nodes:
        return "TRUE"
    return " AND ".join(_node_sql(n, columns, alias, sql) for n in nodes)


def _node_sql(node: Cond | Logic, columns: dict[str, str], alias: str, sql: Sql) -> str:
    if isinstance(node, Logic):
        joiner = " AND " if node.op == "and" else " OR "
        inner = "(" + joiner.join(_node_sql(i, columns, alias, sql) for i in node.items) + ")"
        return f"NOT {inner}" if node.negate else inner
    if node.column not in columns:
        raise _UnknownColumn(node.column)
    kind = columns[node.column]
    col = f"{alias}.{qi(node.column)}"
    if node.op == "is":
        expr = f"{col} IS {_IS_VALUES[node.value]}"
    elif node.op == "in":
        expr = f"{col} = ANY({sql.param(list(node.value))}::text[]::{kind}[])"
    elif node.op in _TEXT_OPS:
        value = node.value.replace("*", "%") if node.op in ("like", "ilike") else node.value
        expr = f"{col} {_TEXT_OPS[node.op]} {sql.param(value)}::text"
    else:
        expr = f"{col} {_BINARY_OPS[node.op]} {sql.param(node.value)}::text::{kind}"
    return f"NOT ({expr})" if node.negate else f"({expr})"


@dataclass
class Table:
    """What the fake's schema cache knows of one table or view."""

    name: str
    columns: dict[str, str]                  # name → type (format_type without typmod)
    defaults: dict[str, str]                 # name → default expression (missing=default)
    primary_key: list[str]

    @property
    def sql(self) -> str:
        return f"{qi(SCHEMA)}.{qi(self.name)}"


@dataclass
class Function:
    """One candidate function of the schema cache."""

    name: str
    inputs: list[tuple[str, str]]            # IN arguments (name, type)
    n_defaults: int
    retset: bool
    rettype: str
    result_columns: dict[str, str] | None    # composite result: name → type
    volatile: bool
    signature: str = ""

    def matches(self, keys: set[str]) -> bool:
        names = [n for n, _ in self.inputs]
        if any(not n for n in names):
            return False
        required = set(names[:len(names) - self.n_defaults])
        return keys <= set(names) and required <= keys


@dataclass
class _Outcome:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None


class FakePostgrest(ThreadedServer):
    """PostgREST's HTTP API over the database at ``database_url`` (see the module docstring)."""

    SERVICE_KEY = "sb_secret_fake_service_key_0123456789"
    ANON_KEY = "sb_publishable_fake_anon_key_0123456789"

    def __init__(self, database_url: str, *, max_rows: int = 1000,
                 port: int | None = None, latency: float = 0.0) -> None:
        self.database_url = database_url
        # seconds added to every answer: the network between the server and Supabase (bench)
        self.latency = latency
        self._dsn = re.sub(r"^postgres(ql)?(\+asyncpg)?://", "postgresql://", database_url)
        self.max_rows = max_rows
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests: list[Recorded] = []
        self.ignored_preferences: list[tuple[str, str]] = []   # (path, token) PostgREST ignored
        self._lock = threading.Lock()
        self._failures: list[dict[str, Any]] = []
        self._tables: dict[str, Table] = {}
        self._pool: asyncpg.Pool | None = None
        self._pool_lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        methods = ["GET", "HEAD", "POST", "PATCH", "DELETE", "PUT", "OPTIONS"]
        self.app = Starlette(routes=[Route("/{path:path}", self._endpoint, methods=methods)])

    # --- the test's controls -------------------------------------------------------------------

    def clear(self) -> None:
        """Forget the recorded requests, the ignored preferences and pending ``fail_next``s."""
        with self._lock:
            self.requests.clear()
            self.ignored_preferences.clear()
            self._failures.clear()

    def fail_next(self, status: int, *, times: int = 1, code: str | None = None,
                  retry_after: int | None = None, path_contains: str | None = None) -> None:
        """Answer the next ``times`` matching requests with ``status``, not touching the DB.

        Rules are served in the order they were given (the first rule that matches a request
        answers it); ``clear()`` drops the rules still pending."""
        with self._lock:
            self._failures.append({"status": status, "times": times, "code": code,
                                   "retry_after": retry_after, "path_contains": path_contains})

    def stop(self) -> None:
        """Close the database pool (in the server's loop), then stop the server."""
        pool, loop = self._pool, self._loop
        self._pool = self._pool_lock = None
        if pool is not None and loop is not None and loop.is_running():
            future = asyncio.run_coroutine_threadsafe(
                asyncio.wait_for(pool.close(), timeout=5), loop)
            try:
                future.result(timeout=6)
            except Exception:  # noqa: BLE001 - best effort: a stuck connection must not hang
                loop.call_soon_threadsafe(pool.terminate)
        super().stop()

    def _take_failure(self, path: str) -> dict[str, Any] | None:
        with self._lock:
            for rule in self._failures:
                if rule["path_contains"] is None or rule["path_contains"] in path:
                    rule["times"] -= 1
                    if rule["times"] <= 0:
                        self._failures.remove(rule)
                    return rule
        return None

    # --- HTTP ----------------------------------------------------------------------------------

    async def _endpoint(self, request: Request) -> Response:
        raw = await request.body()
        if self.latency:
            await asyncio.sleep(self.latency)
        method = request.method
        path = request.url.path
        params = list(request.query_params.multi_items())
        headers: dict[str, str] = {}
        for name, value in request.headers.items():
            name = name.lower()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        try:
            body: Any = json.loads(raw) if raw.strip() else None
            body_ok = True
        except ValueError:
            body, body_ok = raw.decode("utf-8", "replace"), False
        try:
            outcome = await self._dispatch(method, path, params, request, body, body_ok)
        except ApiError as err:
            out_headers = {"content-type": JSON_TYPE, **err.headers}
            outcome = _Outcome(err.status, out_headers, json.dumps(err.payload()))
        response_json = None
        if outcome.body:
            try:
                response_json = json.loads(outcome.body)
            except ValueError:
                response_json = outcome.body
        with self._lock:
            self.requests.append(Recorded(method, path, params, headers,
                                          body if body_ok else None, outcome.status,
                                          response_json))
        content = b"" if method == "HEAD" or outcome.body is None else outcome.body.encode()
        return Response(content, outcome.status, headers=outcome.headers)

    def _role(self, request: Request) -> str:
        roles = {self.SERVICE_KEY: "service_role", self.ANON_KEY: "anon"}
        auth = request.headers.get("authorization")
        apikey = request.headers.get("apikey")
        if auth is not None:
            scheme, _, token = auth.partition(" ")
            if scheme.lower() == "bearer" and token.strip() in roles:
                return roles[token.strip()]
        elif apikey in roles:
            return roles[apikey]
        if auth is None and apikey is None:
            raise ApiError(401, None, "No API key found in request", headers={
                "www-authenticate": "Bearer"}, body={
                "message": "No API key found in request",
                "hint": "No `apikey` request header or url param was found."})
        raise ApiError(401, None, "Invalid API key", headers={"www-authenticate": "Bearer"},
                       body={"message": "Invalid API key",
                             "hint": "Double check your Supabase `anon` or `service_role` "
                                     "API key."})

    async def _dispatch(self, method: str, path: str, params: list[tuple[str, str]],
                        request: Request, body: Any, body_ok: bool) -> _Outcome:
        failure = self._take_failure(path)
        if failure is not None:
            extra = {} if failure["retry_after"] is None else {
                "retry-after": str(failure["retry_after"])}
            raise ApiError(failure["status"], failure["code"],
                           f"fake failure {failure['status']}", headers=extra)
        if not path.startswith(BASE):
            raise ApiError(404, None, "no Route matched with those values",
                           body={"message": "no Route matched with those values"})
        role = self._role(request)
        rest = path[len(BASE):]
        profile_header = "accept-profile" if method in ("GET", "HEAD") else "content-profile"
        profile = request.headers.get(profile_header)
        if profile is not None and profile != SCHEMA:
            raise ApiError(406, "PGRST106", f"Invalid schema: {profile}",
                           hint=f"Only the following schemas are exposed: {SCHEMA}")
        if method not in ("GET", "HEAD", "POST", "PATCH", "DELETE", "PUT"):
            raise ApiError(405, "PGRST117", f"Unsupported HTTP method: {method}")
        if not rest or "/" in rest.removeprefix("rpc/"):
            raise _unsupported(f"the path {path}")
        if method in ("POST", "PATCH", "PUT") and not body_ok:
            raise ApiError(400, "PGRST102", "Empty or invalid json")
        prefs, unknown = parse_prefer(request.headers.getlist("prefer"))
        with self._lock:
            self.ignored_preferences.extend((path, token) for token in unknown)
        if unknown and prefs.get("handling") == "strict":
            raise ApiError(400, "PGRST122", "Invalid preferences given with handling=strict",
                           f"Invalid preferences: {', '.join(unknown)}")
        accept = _accept(request.headers.get("accept"))
        ctx = _Context(self, method, rest, params, body, prefs, accept, role,
                       request.headers.get("range"), dict(request.headers))
        if rest.startswith("rpc/"):
            if method != "POST":
                raise _unsupported(f"{method} on a function")
            return await self._run(ctx, ctx.rpc)
        if method == "PUT":
            raise _unsupported("PUT")
        handler = {"GET": ctx.read, "HEAD": ctx.read, "POST": ctx.insert, "PATCH": ctx.update,
                   "DELETE": ctx.delete}[method]
        return await self._run(ctx, handler)

    # --- the database --------------------------------------------------------------------------

    async def _get_pool(self) -> asyncpg.Pool:
        if self._pool_lock is None:
            self._pool_lock = asyncio.Lock()
        async with self._pool_lock:
            if self._pool is None:
                self._loop = asyncio.get_running_loop()
                pool = await asyncpg.create_pool(self._dsn, min_size=1, max_size=10,
                                                 statement_cache_size=0)
                async with pool.acquire() as conn:
                    await _ensure_roles(conn)
                self._pool = pool
            return self._pool

    async def _run(self, ctx: _Context, handler: Any) -> _Outcome:
        pool = await self._get_pool()
        async with pool.acquire() as conn:
            ctx.conn = conn
            try:
                return await handler()
            except asyncpg.PostgresError as exc:
                sqlstate = exc.sqlstate or "XX000"
                message = getattr(exc, "message", None) or str(exc)
                raise ApiError(pg_error_status(sqlstate, message, anon=ctx.role == "anon"),
                               sqlstate, message, getattr(exc, "detail", None),
                               getattr(exc, "hint", None)) from exc

    async def table(self, conn: asyncpg.Connection, name: str, *, refresh: bool = False) -> Table:
        """The schema cache's entry for ``name`` (read again when ``refresh`` or missing)."""
        cached = self._tables.get(name)
        if cached is not None and not refresh:
            return cached
        oid = await conn.fetchval(
            "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r','v','m','f','p')",
            SCHEMA, name)
        if oid is None:
            self._tables.pop(name, None)
            raise ApiError(404, "PGRST205",
                           f"Could not find the table '{SCHEMA}.{name}' in the schema cache")
        rows = await conn.fetch(
            "SELECT a.attname, format_type(a.atttypid, NULL) AS type, "
            "       a.attidentity <> '' AS identity, "
            "       pg_get_expr(d.adbin, d.adrelid) AS dflt "
            "  FROM pg_attribute a LEFT JOIN pg_attrdef d "
            "    ON d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.attgenerated = '' "
            " WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            oid)
        pk = await conn.fetchval(
            "SELECT array_agg(a.attname ORDER BY k.n) FROM pg_index i "
            "  CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, n) "
            "  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
            " WHERE i.indrelid = $1 AND i.indisprimary", oid)
        defaults: dict[str, str] = {}
        for r in rows:
            if r["dflt"] is not None:
                defaults[r["attname"]] = r["dflt"]
            elif r["identity"]:
                seq = f"{qi(SCHEMA)}.{qi(name)}"
                defaults[r["attname"]] = (
                    f"nextval(pg_get_serial_sequence('{seq.replace(chr(39), chr(39) * 2)}', "
                    f"'{r['attname'].replace(chr(39), chr(39) * 2)}'))")
        table = Table(name, {r["attname"]: r["type"] for r in rows}, defaults, list(pk or []))
        self._tables[name] = table
        return table

    async def functions(self, conn: asyncpg.Connection, name: str) -> list[Function]:
        """Every function ``name`` of the schema (read on each call: migrations replace them)."""
        rows = await conn.fetch(
            "SELECT p.oid::regprocedure::text AS signature, p.proretset, "
            "       p.provolatile::text AS volatility, p.pronargdefaults, "
            "       format_type(p.prorettype, NULL) AS rettype, "
            "       t.typrelid, coalesce(p.proargnames, '{}') AS argnames, "
            "       coalesce(p.proargmodes::text[], '{}') AS argmodes, "
            "       ARRAY(SELECT format_type(x, NULL) FROM unnest(coalesce(p.proallargtypes, "
            "             p.proargtypes::oid[])) WITH ORDINALITY u(x, n) ORDER BY n) AS argtypes "
            "  FROM pg_proc p JOIN pg_type t ON t.oid = p.prorettype "
            " WHERE p.pronamespace = $1::regnamespace AND p.proname = $2 AND p.prokind = 'f'",
            SCHEMA, name)
        out: list[Function] = []
        for r in rows:
            types = list(r["argtypes"])
            names = list(r["argnames"]) + [""] * (len(types) - len(r["argnames"]))
            modes = list(r["argmodes"]) or ["i"] * len(types)
            inputs = [(n, t) for n, t, m in zip(names, types, modes, strict=True)
                      if m in ("i", "b", "v")]
            outputs = {n: t for n, t, m in zip(names, types, modes, strict=True)
                       if m in ("o", "b", "t")}
            columns: dict[str, str] | None = None
            if r["typrelid"]:
                attrs = await conn.fetch(
                    "SELECT attname, format_type(atttypid, NULL) AS type FROM pg_attribute "
                    "WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                    r["typrelid"])
                columns = {a["attname"]: a["type"] for a in attrs}
            elif r["rettype"] == "record" and outputs:
                columns = outputs
            out.append(Function(name, inputs, r["pronargdefaults"], r["proretset"],
                                r["rettype"], columns, r["volatility"] == "v",
                                r["signature"]))
        return out


async def _ensure_roles(conn: asyncpg.Connection) -> None:
    """Supabase's API roles, created in the cluster when missing."""
    for role, extra in (("anon", ""), ("authenticated", ""), ("service_role", " BYPASSRLS")):
        if await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
            continue
        try:
            await conn.execute(f"CREATE ROLE {role} NOLOGIN NOINHERIT{extra}")
        except (asyncpg.DuplicateObjectError, asyncpg.UniqueViolationError):
            pass          # another fake created it meanwhile
        except asyncpg.InsufficientPrivilegeError:
            pass          # not a superuser: the roles must exist already (as on Supabase)


@dataclass
class _Accept:
    single: bool = False
    strip_nulls: bool = False


def _accept(header: str | None) -> _Accept:
    if not header:
        return _Accept()
    offered: list[str] = []
    for part in header.split(","):
        media, *options = (p.strip() for p in part.split(";"))
        media = media.lower()
        offered.append(media)
        stripped = "nulls=stripped" in options
        if media == OBJECT_TYPE:
            return _Accept(True, stripped)
        if media in ("application/json", "*/*", "application/*",
                     "application/vnd.pgrst.array+json"):
            return _Accept(False, stripped)
    raise ApiError(406, "PGRST107",
                   f"None of these media types are available: {', '.join(offered)}")


def _content_range(lower: int, n: int, total: int | None) -> str:
    upper = lower + n - 1
    total_text = "*" if total is None else str(total)
    if total != 0 and lower <= upper:
        return f"{lower}-{upper}/{total_text}"
    return f"*/{total_text}"


def _single(body: str, n: int, headers: dict[str, str]) -> str:
    """The one element of a JSON array built by ``json_agg`` (PGRST116 unless n == 1)."""
    if n != 1:
        raise ApiError(406, "PGRST116", "Cannot coerce the result to a single JSON object",
                       f"The result contains {n} rows")
    headers["content-type"] = f"{OBJECT_TYPE}; charset=utf-8"
    return body.strip()[1:-1].strip()


@dataclass(eq=False)
class _Context:
    """One request: its parsed parts and its transaction."""

    fake: FakePostgrest
    method: str
    rest: str
    params: list[tuple[str, str]]
    body: Any
    prefs: dict[str, str]
    accept: _Accept
    role: str
    range_header: str | None
    headers: dict[str, str]
    conn: asyncpg.Connection = None  # type: ignore[assignment]
    filters: list[Cond | Logic] = field(default_factory=list, init=False)
    reserved: dict[str, str] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for key, value in self.params:
            if key in RESERVED_PARAMS:
                if key in self.reserved:
                    raise _parse_error(key, value, f"{key} given twice")
                self.reserved[key] = value
            else:
                self.filters.append(parse_filter(key, value))

    # --- helpers -------------------------------------------------------------------------------

    def count_wanted(self) -> bool:
        return "count" in self.prefs

    def applied(self, *names: str) -> dict[str, str]:
        applied = [f"{n}={self.prefs[n]}" for n in names if n in self.prefs]
        return {"preference-applied": ", ".join(applied)} if applied else {}

    async def begin(self, *, readonly: bool) -> asyncpg.transaction.Transaction:
        tx = self.conn.transaction(isolation="read_committed", readonly=readonly)
        await tx.start()
        return tx

    async def switch_role(self) -> None:
        claims = json.dumps({"role": self.role})
        await self.conn.execute(f"SET LOCAL ROLE {self.role}")
        await self.conn.execute(
            "SELECT set_config('TimeZone', 'UTC', true), "
            "       set_config('request.jwt.claims', $1, true), "
            "       set_config('request.jwt.claim.role', $2, true), "
            "       set_config('request.method', $3, true), "
            "       set_config('request.path', $4, true), "
            "       set_config('request.headers', $5, true)",
            claims, self.role, self.method, "/" + self.rest,
            json.dumps({k: v for k, v in self.headers.items()
                        if k not in ("apikey", "authorization")}))

    async def table_for(self, build: Any) -> tuple[Table, Any]:
        """``build(table)`` with the cached table, read again once on an unknown column."""
        table = await self.fake.table(self.conn, self.rest)
        try:
            return table, build(table)
        except _UnknownColumn:
            table = await self.fake.table(self.conn, self.rest, refresh=True)
        try:
            return table, build(table)
        except _UnknownColumn as exc:
            if exc.body:
                raise ApiError(400, "PGRST204", f"Could not find the '{exc.column}' column of "
                                                f"'{table.name}' in the schema cache") from exc
            raise ApiError(400, "42703", f"column {self.rest}.{exc.column} does not exist"
                           ) from exc

    def select_list(self, columns: dict[str, str], alias: str) -> str:
        names = parse_columns(self.reserved.get("select", "*"), "select parameter")
        parts: list[str] = []
        for name in names:
            if name == "*":
                parts.append(f"{alias}.*")
            elif name not in columns:
                raise _UnknownColumn(name)
            else:
                parts.append(f"{alias}.{qi(name)}")
        return ", ".join(parts)

    def order_sql(self, columns: dict[str, str], alias: str) -> str:
        if "order" not in self.reserved:
            return ""
        parts: list[str] = []
        for column, direction, nulls in parse_order(self.reserved["order"]):
            if column not in columns:
                raise _UnknownColumn(column)
            item = f"{alias}.{qi(column)}"
            if direction:
                item += f" {direction.upper()}"
            if nulls:
                item += " NULLS FIRST" if nulls == "nullsfirst" else " NULLS LAST"
            parts.append(item)
        return " ORDER BY " + ", ".join(parts)

    def window(self) -> tuple[int, int | None]:
        """(first row, last row or None) from offset/limit, the Range header and max_rows."""
        def number(key: str) -> int | None:
            if key not in self.reserved:
                return None
            text = self.reserved[key]
            if not text.isdigit():
                raise _parse_error(f"{key} parameter", text, "expecting a non-negative integer")
            return int(text)

        lower, upper = 0, None
        if self.range_header and self.method in ("GET", "HEAD"):
            match = re.fullmatch(r"\s*(?:items=)?(\d+)-(\d*)\s*", self.range_header)
            if match:
                lower = int(match.group(1))
                upper = int(match.group(2)) if match.group(2) else None
                if upper is not None and upper < lower:
                    raise ApiError(416, "PGRST103", "Requested range not satisfiable",
                                   headers={"content-range": "*/*"})
        offset, limit = number("offset"), number("limit")
        if offset is not None:
            # the query's range is intersected with the header's
            query_upper = None if limit is None else offset + limit - 1
            lower = max(lower, offset)
            upper = query_upper if upper is None else (
                upper if query_upper is None else min(upper, query_upper))
        elif limit is not None:
            query_upper = limit - 1
            upper = query_upper if upper is None else min(upper, query_upper)
        cap = lower + self.fake.max_rows - 1
        upper = cap if upper is None else min(upper, cap)
        return lower, upper

    def body_expr(self) -> str:
        agg = "coalesce(json_agg(_t), '[]')"
        return f"json_strip_nulls({agg})::text" if self.accept.strip_nulls else f"{agg}::text"

    # --- GET / HEAD ----------------------------------------------------------------------------

    async def read(self) -> _Outcome:
        for key in ("on_conflict", "columns"):
            if key in self.reserved:
                raise _unsupported(f"{key} on a read")
        lower, upper = self.window()
        tx = await self.begin(readonly=True)
        try:
            def build(table: Table) -> tuple[str, Sql]:
                return self.read_sql(table.sql, table.columns, lower, upper)

            _, (query, sql) = await self.table_for(build)
            await self.switch_role()
            row = await self.conn.fetchrow(query, *sql.args)
        finally:
            await tx.rollback()      # a read commits nothing
        return self.read_outcome(row, lower, 200)

    def read_sql(self, source: str, columns: dict[str, str], lower: int, upper: int | None,
                 sql: Sql | None = None, with_: str = "") -> tuple[str, Sql]:
        """One page of ``source`` with the total (when counted) and the JSON body.

        ``with_``: a CTE that ``source`` names (evaluated once, e.g. a function call)."""
        sql = sql or Sql()
        select = self.select_list(columns, "_s")
        where = where_sql(self.filters, columns, "_s", sql)
        order = self.order_sql(columns, "_s")
        page = f" LIMIT {max(0, upper - lower + 1)}" if upper is not None else ""
        inner = f"SELECT {select} FROM {source} _s WHERE {where}{order}{page} OFFSET {lower}"
        total = (f"(SELECT count(*) FROM {source} _s WHERE {where})" if self.count_wanted()
                 else "NULL::bigint")
        return (f"{with_}SELECT {total} AS total, count(*) AS n, {self.body_expr()} AS body "
                f"FROM ({inner}) _t"), sql

    def read_outcome(self, row: asyncpg.Record, lower: int, ok: int) -> _Outcome:
        total, n, body = row["total"], row["n"], row["body"]
        headers = {"content-type": JSON_TYPE, **self.applied("count")}
        if total is not None and lower > total:
            raise ApiError(416, "PGRST103", "Requested range not satisfiable",
                           f"An offset of {lower} was requested, but there are only {total} "
                           "rows.", headers={"content-range": f"*/{total}"})
        headers["content-range"] = _content_range(lower, n, total)
        status = 206 if total is not None and n < total else ok
        if self.accept.single:
            body = _single(body, n, headers)
        return _Outcome(status, headers, body)

    # --- POST (insert / upsert) ----------------------------------------------------------------

    def insert_columns(self, table: Table, rows: list[dict[str, Any]]) -> list[str]:
        if "columns" in self.reserved:
            names = parse_columns(self.reserved["columns"], "columns parameter")
        else:
            names = list(rows[0]) if rows else []
            first = set(names)
            if any(set(r) != first for r in rows):
                raise ApiError(400, "PGRST102", "All object keys must match")
        for name in names:
            if name not in table.columns:
                raise _UnknownColumn(name, body=True)
        return names

    def rows_of_body(self) -> list[dict[str, Any]]:
        body = self.body
        rows = body if isinstance(body, list) else [body]
        if body is None or not all(isinstance(r, dict) for r in rows):
            raise ApiError(400, "PGRST102", "Invalid body: expected a JSON object or an array "
                                            "of JSON objects")
        return rows

    def returning(self, table: Table) -> tuple[str, str]:
        """(RETURNING clause, the final SELECT's body expression) for the Prefer return=."""
        mode = self.prefs.get("return", "minimal")
        if mode == "representation":
            return "_s.*", self.body_expr()
        if mode == "headers-only" and table.primary_key:
            return "_s.*", "coalesce(json_agg(_t), '[]')::text"
        return "1", "NULL::text"

    def final_select(self, table: Table, body: str) -> str:
        mode = self.prefs.get("return", "minimal")
        if mode == "representation":
            select = self.select_list(table.columns, "_src")
        elif mode == "headers-only" and table.primary_key:
            select = ", ".join(f"_src.{qi(c)}" for c in table.primary_key)
        else:
            select = "1"
        return (f"SELECT NULL::bigint AS total, count(*) AS n, {body} AS body "
                f"FROM (SELECT {select} FROM pgrst_source _src) _t")

    async def insert(self) -> _Outcome:
        rows = self.rows_of_body()

        def build(table: Table) -> tuple[str, Sql]:
            names = self.insert_columns(table, rows)
            sql = Sql()
            payload = sql.param(json.dumps(rows))
            if not names:
                source = f"SELECT FROM json_array_elements({payload}::json) _e"
            elif self.prefs.get("missing") == "default" and "columns" in self.reserved:
                parts = []
                for name in names:
                    default = table.defaults.get(name, "NULL")
                    parts.append(
                        f"CASE WHEN _e.j::jsonb ? {sql.param(name)}::text THEN "
                        f"(json_populate_record(NULL::{table.sql}, _e.j)).{qi(name)} "
                        f"ELSE {default} END")
                source = (f"SELECT {', '.join(parts)} FROM json_array_elements("
                          f"{payload}::json) WITH ORDINALITY _e(j, n) ORDER BY _e.n")
            else:
                cols = ", ".join(qi(n) for n in names)
                source = (f"SELECT {cols} FROM json_populate_recordset(NULL::{table.sql}, "
                          f"{payload}::json) _")
            target = f" ({', '.join(qi(n) for n in names)})" if names else ""
            conflict = ""
            resolution = self.prefs.get("resolution")
            if resolution:
                keys = (parse_columns(self.reserved["on_conflict"], "on_conflict parameter")
                        if "on_conflict" in self.reserved else table.primary_key)
                on = f" ({', '.join(qi(k) for k in keys)})" if keys else ""
                if resolution == "merge-duplicates" and names and keys:
                    sets = ", ".join(f"{qi(n)} = EXCLUDED.{qi(n)}" for n in names)
                    conflict = f" ON CONFLICT{on} DO UPDATE SET {sets}"
                elif resolution == "ignore-duplicates" or not names:
                    conflict = f" ON CONFLICT{on} DO NOTHING"
            returning, body = self.returning(table)
            query = (f"WITH pgrst_source AS (INSERT INTO {table.sql} AS _s{target} {source}"
                     f"{conflict} RETURNING {returning}) {self.final_select(table, body)}")
            return query, sql

        return await self.write(build, 201, insert=True)

    async def write(self, build: Callable[[Table], tuple[str, Sql] | None], ok: int, *,
                    insert: bool) -> _Outcome:
        """One transaction, as the request's role: the statement ``build`` makes for the
        request's table (None: nothing to change, as a PATCH with nothing to set), answered
        with ``ok`` or as ``write_outcome`` says."""
        tx = await self.begin(readonly=False)
        try:
            table, built = await self.table_for(build)
            await self.switch_role()
            if built is None:            # nothing to set: PostgREST answers without updating
                row = {"n": 0, "body": "[]"}
            else:
                row = await self.conn.fetchrow(built[0], *built[1].args)
            outcome = self.write_outcome(row, table, ok, insert=insert)
        except BaseException:
            await tx.rollback()
            raise
        await tx.commit()
        return outcome

    def write_outcome(self, row: asyncpg.Record, table: Table, ok: int, *,
                      insert: bool) -> _Outcome:
        n, body = row["n"], row["body"]
        total = n if self.count_wanted() else None
        headers = {"content-range": (f"*/{'*' if total is None else total}" if insert
                                     else _content_range(0, n, total)),
                   **self.applied("return", "count", "resolution", "missing", "handling",
                                  "max-affected")}
        limit = self.prefs.get("max-affected")
        if limit is not None and self.prefs.get("handling") == "strict" and n > int(limit):
            raise ApiError(400, "PGRST124", "Query result exceeds max-affected preference "
                                            "constraint", f"The query affects {n} rows")
        mode = self.prefs.get("return", "minimal")
        if mode == "representation":
            headers["content-type"] = JSON_TYPE
            if self.accept.single:
                body = _single(body, n, headers)
            return _Outcome(ok, headers, body)
        if self.accept.single and n != 1:
            _single("[]", n, headers)
        if mode == "headers-only" and insert and table.primary_key and n == 1:
            pk = json.loads(body)[0]
            query = "&".join(f"{k}=eq.{pk[k]}" for k in table.primary_key)
            headers["location"] = f"/{table.name}?{query}"
        return _Outcome(201 if insert else 204, headers, None)

    # --- PATCH / DELETE ------------------------------------------------------------------------

    def check_write_params(self, verb: str) -> None:
        for key in ("order", "limit", "offset", "on_conflict"):
            if key in self.reserved:
                raise _unsupported(f"{key} on {verb}")
        if not self.filters:       # Supabase loads pg_safeupdate for the API
            raise ApiError(400, "21000", f"{verb} requires a WHERE clause")

    async def update(self) -> _Outcome:
        self.check_write_params("UPDATE")
        if not isinstance(self.body, dict):
            raise ApiError(400, "PGRST102", "Invalid body: PATCH expects one JSON object")
        row_body = self.body

        def build(table: Table) -> tuple[str, Sql] | None:
            names = self.insert_columns(table, [row_body])
            sql = Sql()
            where = where_sql(self.filters, table.columns, "_s", sql)
            if not names:
                return None
            payload = sql.param(json.dumps(row_body))
            sets = ", ".join(f"{qi(n)} = _b.{qi(n)}" for n in names)
            returning, body = self.returning(table)
            query = (f"WITH pgrst_source AS (UPDATE {table.sql} AS _s SET {sets} FROM "
                     f"(SELECT * FROM json_populate_record(NULL::{table.sql}, "
                     f"{payload}::json)) _b WHERE {where} RETURNING {returning}) "
                     f"{self.final_select(table, body)}")
            return query, sql

        return await self.write(build, 200, insert=False)

    async def delete(self) -> _Outcome:
        self.check_write_params("DELETE")

        def build(table: Table) -> tuple[str, Sql]:
            sql = Sql()
            where = where_sql(self.filters, table.columns, "_s", sql)
            returning, body = self.returning(table)
            query = (f"WITH pgrst_source AS (DELETE FROM {table.sql} AS _s WHERE {where} "
                     f"RETURNING {returning}) {self.final_select(table, body)}")
            return query, sql

        return await self.write(build, 200, insert=False)

    # --- POST /rpc/<fn> ------------------------------------------------------------------------

    async def rpc(self) -> _Outcome:
        name = self.rest.removeprefix("rpc/")
        args = {} if self.body is None else self.body
        if not isinstance(args, dict):
            raise ApiError(400, "PGRST102", "Invalid body: a function takes a JSON object of "
                                            "named arguments")
        candidates = await self.fake.functions(self.conn, name)
        found = [f for f in candidates if f.matches(set(args))]
        if not found:
            keys = sorted(args)
            qualified = f"{SCHEMA}.{name}"
            if keys:
                message = (f"Could not find the function {qualified}({', '.join(keys)}) in the "
                           "schema cache")
                details = (f"Searched for the function {qualified} with parameters "
                           f"{', '.join(keys)} or with a single unnamed json/jsonb parameter, "
                           "but no matches were found in the schema cache.")
            else:
                message = (f"Could not find the function {qualified} without parameters in the "
                           "schema cache")
                details = (f"Searched for the function {qualified} without parameters, but no "
                           "matches were found in the schema cache.")
            raise ApiError(404, "PGRST202", message, details)
        if len(found) > 1:
            raise ApiError(300, "PGRST203", "Could not choose the best candidate function "
                           "between: " + ", ".join(f.signature for f in found))
        fn = found[0]
        setof_rows = fn.retset and fn.result_columns is not None
        if not setof_rows and any(k != "select" or v != "*" for k, v in self.params):
            raise _unsupported("query parameters on a function that returns no set of rows")
        sql = Sql()
        if args:
            kinds = dict(fn.inputs)
            payload = sql.param(json.dumps(args))
            defs = ", ".join(f"{qi(k)} {kinds[k]}" for k in args)
            call = (f"{qi(SCHEMA)}.{qi(name)}("
                    + ", ".join(f"{qi(k)} => _a.{qi(k)}" for k in args) + ")")
            source = f"json_to_record({payload}::json) AS _a({defs})"
        else:
            call, source = f"{qi(SCHEMA)}.{qi(name)}()", ""
        lateral = f"{source} CROSS JOIN LATERAL " if source else ""
        from_args = f" FROM {source}" if source else ""
        tx = await self.begin(readonly=not fn.volatile)
        try:
            await self.switch_role()
            if fn.rettype == "void":
                await self.conn.fetch(f"SELECT {call}{from_args}", *sql.args)
                outcome = _Outcome(204, {})
            elif setof_rows:
                assert fn.result_columns is not None
                lower, upper = self.window()
                cte = (f"WITH pgrst_call AS MATERIALIZED (SELECT _r.* FROM {lateral}{call} "
                       "AS _r) ")
                try:
                    query, _ = self.read_sql("pgrst_call", fn.result_columns, lower, upper,
                                             sql, cte)
                except _UnknownColumn as exc:
                    raise ApiError(400, "42703", f"column {name}.{exc.column} does not exist"
                                   ) from exc
                row = await self.conn.fetchrow(query, *sql.args)
                outcome = self.read_outcome(row, lower, 200)
            elif fn.retset:
                agg = "coalesce(json_agg(_r), '[]')"
                if self.accept.strip_nulls:
                    agg = f"json_strip_nulls({agg})"
                row = await self.conn.fetchrow(
                    f"SELECT count(*) AS n, {agg}::text AS body FROM {lateral}{call} AS _r",
                    *sql.args)
                headers = {"content-type": JSON_TYPE,
                           "content-range": _content_range(0, row["n"], None)}
                body = _single(row["body"], row["n"], headers) if self.accept.single else (
                    row["body"])
                outcome = _Outcome(200, headers, body)
            elif fn.result_columns is not None:
                body = await self.conn.fetchval(
                    f"SELECT to_json(_r)::text FROM {lateral}{call} AS _r", *sql.args)
                outcome = _Outcome(200, {"content-type": JSON_TYPE}, body)
            else:
                body = await self.conn.fetchval(f"SELECT to_json({call})::text{from_args}",
                                                *sql.args)
                outcome = _Outcome(200, {"content-type": JSON_TYPE}, body or "null")
        except BaseException:
            await tx.rollback()
            raise
        await tx.commit()
        return outcome


def main() -> None:
    """``python -m tests.fakes.postgrest --database-url URL [--port N] [--max-rows N]``."""
    parser = argparse.ArgumentParser(description="A fake PostgREST on a PostgreSQL database")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--max-rows", type=int, default=1000)
    ns = parser.parse_args()
    fake = FakePostgrest(ns.database_url, max_rows=ns.max_rows, port=ns.port).start()
    print(f"fake PostgREST listening on {fake.url}/rest/v1/ "
          f"(service key {FakePostgrest.SERVICE_KEY}, anon key {FakePostgrest.ANON_KEY})",
          flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
