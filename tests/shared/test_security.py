"""Migration 0007: Supabase's public roles (anon, authenticated) can read, change or call nothing;
the owner (the server) and service_role (the secret key) keep working.

The cluster is set up the way Supabase is: the three roles exist, and the default privileges of
the migrating role grant every new table, sequence and function to them. The migration then runs
as a plain (non-superuser) owner, as it does through Supabase's pooler.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import asyncpg
import pytest

from shared.config import normalise_database_url
from shared.storage import open_storage
from shared.storage.migrate import load_migrations, render
from shared.storage.schema import all_tables
from tests.pg import PostgresServer

pytestmark = pytest.mark.postgres

PUBLIC_ROLES = ("anon", "authenticated")
DENIED = asyncpg.exceptions.InsufficientPrivilegeError

# what Supabase sets up for the role that owns the tables (postgres), per schema
SUPABASE_DEFAULTS = """
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
    GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
    GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
    GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
"""


@dataclass
class Owned:
    """A fresh database owned by a fresh non-superuser login role."""

    admin_url: str  # the superuser, same database
    owner_url: str
    owner: str


def _database(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


async def _admin(postgres: PostgresServer, database: str = "postgres") -> asyncpg.Connection:
    return await asyncpg.connect(host=postgres.host, port=postgres.port, user=postgres.user,
                                 database=database)


async def _create_role(postgres: PostgresServer, attributes: str = "") -> tuple[str, str]:
    """A new LOGIN role; its name and password."""
    name, password = f"owner_{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    conn = await _admin(postgres)
    try:
        await conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}' {attributes}")
    finally:
        await conn.close()
    return name, password


async def _owned_database(postgres: PostgresServer, attributes: str = "") -> Owned:
    """A new database owned by a new role (so it owns the public schema, PostgreSQL 15+)."""
    url = await asyncio.to_thread(postgres.create_database)
    name, password = await _create_role(postgres, attributes)
    conn = await _admin(postgres)
    try:
        await conn.execute(f'ALTER DATABASE "{_database(url)}" OWNER TO {name}')
    finally:
        await conn.close()
    conn = await asyncpg.connect(url)
    try:  # PostgreSQL < 15: the public schema belongs to the superuser
        await conn.execute(f"ALTER SCHEMA public OWNER TO {name}")
    finally:
        await conn.close()
    owner_url = url.replace(f"//{postgres.user}@", f"//{name}:{password}@", 1)
    return Owned(admin_url=url, owner_url=owner_url, owner=name)


async def _drop(postgres: PostgresServer, owned: Owned, *roles: str) -> None:
    conn = await _admin(postgres)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{_database(owned.admin_url)}" '
                           "WITH (FORCE)")
        for role in (owned.owner, *roles):
            await conn.execute(f"DROP ROLE IF EXISTS {role}")
    finally:
        await conn.close()


async def _supabase_roles(postgres: PostgresServer) -> None:
    """The roles every Supabase project has (cluster-wide: created once)."""
    conn = await _admin(postgres)
    try:
        for role, extra in (("anon", ""), ("authenticated", ""), ("service_role", " BYPASSRLS")):
            if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
                try:
                    await conn.execute(f"CREATE ROLE {role} NOLOGIN NOINHERIT{extra}")
                except asyncpg.exceptions.DuplicateObjectError:
                    pass  # another test created it meanwhile
    finally:
        await conn.close()


@pytest.fixture
async def supabase_like(postgres: PostgresServer) -> AsyncIterator[Owned]:
    """A migrated database as on Supabase, with a few rows written by the server's repos."""
    await _supabase_roles(postgres)
    owned = await _owned_database(postgres)
    conn = await asyncpg.connect(owned.admin_url)
    try:
        await conn.execute(SUPABASE_DEFAULTS.format(owner=owned.owner))
    finally:
        await conn.close()
    storage = await open_storage(normalise_database_url(owned.owner_url))
    try:
        await storage.inbox.add_many([("avap", 1, "1", "{}")])
        await storage.outbox.enqueue("sheets.append", {"row": [1]}, dedupe_key="k1")
        await storage.flows.save("avap", 10, 20, "ask_email", {"a": 1})
        assert await storage.locks.acquire("lock", 60) is not None
        await storage.chats.set_active("avap", 10, True)
    finally:
        await storage.close()
    try:
        yield owned
    finally:
        await _drop(postgres, owned)


async def _tables(conn: asyncpg.Connection) -> list[str]:
    return [r[0] for r in await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")]


async def _functions(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    """Every routine of the schema: (its signature, a statement that calls it with NULLs)."""
    rows = await conn.fetch("""
        SELECT p.oid::regprocedure::text AS signature, p.prokind::text AS prokind,
               quote_ident(p.proname) || '(' || coalesce((
                   SELECT string_agg('NULL::' || format_type(t, NULL), ', ' ORDER BY i)
                     FROM unnest(p.proargtypes) WITH ORDINALITY AS a(t, i)), '') || ')' AS call
          FROM pg_proc p
         WHERE p.pronamespace = current_schema()::regnamespace
         ORDER BY 1""")
    return [(r["signature"], ("CALL " if r["prokind"] == "p" else "SELECT ") + r["call"])
            for r in rows]


async def _as(url: str, role: str, body: Callable[[asyncpg.Connection], Awaitable[None]]) -> None:
    """Run ``body`` on a connection of the superuser that took the role ``role``."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"SET ROLE {role}")
        await body(conn)
    finally:
        await conn.close()


async def _assert_closed(url: str, role: str, tables: list[str],
                         functions: list[tuple[str, str]]) -> None:
    """``role`` can neither read nor change any table, nor call any function."""

    async def body(conn: asyncpg.Connection) -> None:
        for table in tables:
            column = await conn.fetchval(
                "SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = $1::regclass "
                "AND attnum > 0 AND NOT attisdropped ORDER BY attnum LIMIT 1", table)
            for statement in (f"SELECT * FROM {table}",
                              f"INSERT INTO {table} DEFAULT VALUES",
                              f"UPDATE {table} SET {column} = {column}",
                              f"DELETE FROM {table}",
                              f"TRUNCATE {table}"):
                with pytest.raises(DENIED, match=f"permission denied for table {table}"):
                    await conn.execute(statement)
        for signature, call in functions:
            with pytest.raises(DENIED, match=r"permission denied for (function|procedure)"):
                await conn.execute(call)
            assert not await conn.fetchval(
                "SELECT has_function_privilege($1, $2::regprocedure, 'EXECUTE')", role, signature)

    await _as(url, role, body)


async def test_the_public_roles_can_do_nothing_and_the_owner_everything(
        supabase_like: Owned) -> None:
    owner = await asyncpg.connect(supabase_like.owner_url)
    try:
        tables = await _tables(owner)
        # every table of the schema module, and the migrations' own record
        assert set(all_tables().tables) | {"schema_migrations"} <= set(tables)
        without_rls = await owner.fetch(
            "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
            "AND relkind IN ('r', 'p') AND NOT relrowsecurity")
        assert [r[0] for r in without_rls] == [], "tables without row-level security"
        # later migrations: the same owner creates a table and a SECURITY DEFINER function
        await owner.execute("CREATE TABLE later_table (id BIGINT PRIMARY KEY)")
        await owner.execute(
            "CREATE FUNCTION later_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER "
            "AS 'SELECT count(*) FROM inbox'")
        await owner.execute(
            "CREATE PROCEDURE later_purge(days integer) LANGUAGE sql SECURITY DEFINER "
            "AS 'DELETE FROM locks'")
        functions = await _functions(owner)
        assert {s for s, _ in functions} >= {"later_count()", "later_purge(integer)"}
        # the owner (the server's role) reads and writes every table
        for table in tables:
            await owner.fetch(f"SELECT * FROM {table} LIMIT 1")
        assert await owner.fetchval("SELECT count(*) FROM inbox") == 1
        await owner.execute("INSERT INTO later_table VALUES (1)")
        assert await owner.fetchval("SELECT later_count()") == 1
    finally:
        await owner.close()

    for role in PUBLIC_ROLES:
        await _assert_closed(supabase_like.admin_url, role, [*tables, "later_table"], functions)

    # the server still works through its repositories
    storage = await open_storage(normalise_database_url(supabase_like.owner_url))
    try:
        await storage.inbox.add_many([("avap", 2, "1", "{}")])
        assert (await storage.inbox.counts())["pending"] == 2
    finally:
        await storage.close()


async def test_row_level_security_hides_every_row_even_if_a_grant_comes_back(
        supabase_like: Owned) -> None:
    admin = await asyncpg.connect(supabase_like.admin_url)
    try:
        await admin.execute("GRANT SELECT, UPDATE, DELETE ON inbox, outbox TO anon")
    finally:
        await admin.close()

    async def body(conn: asyncpg.Connection) -> None:
        assert await conn.fetch("SELECT * FROM inbox") == []
        assert await conn.execute("UPDATE outbox SET attempts = attempts + 1") == "UPDATE 0"
        assert await conn.execute("DELETE FROM inbox") == "DELETE 0"

    await _as(supabase_like.admin_url, "anon", body)
    owner = await asyncpg.connect(supabase_like.owner_url)
    try:
        assert await owner.fetchval("SELECT count(*) FROM inbox") == 1
        assert await owner.fetchval("SELECT attempts FROM outbox") == 0
    finally:
        await owner.close()


async def test_service_role_reads_and_writes_for_the_rest_backend(supabase_like: Owned) -> None:
    async def body(conn: asyncpg.Connection) -> None:
        assert await conn.fetchval("SELECT count(*) FROM inbox") == 1
        await conn.execute(
            "INSERT INTO inbox (bot, update_id, payload, next_attempt_at, received_at) "
            "VALUES ('avap', 3, '{}', now(), now())")
        assert await conn.execute("UPDATE flow_state SET step = NULL") == "UPDATE 1"
        assert await conn.execute("DELETE FROM locks") == "DELETE 1"

    await _as(supabase_like.admin_url, "service_role", body)


async def test_the_migration_as_superuser_creates_the_roles(postgres: PostgresServer) -> None:
    url = await asyncio.to_thread(postgres.create_database)
    storage = await open_storage(normalise_database_url(url))
    await storage.close()
    conn = await asyncpg.connect(url)
    try:
        roles = {r["rolname"]: r for r in await conn.fetch(
            "SELECT rolname, rolcanlogin, rolbypassrls FROM pg_roles "
            "WHERE rolname IN ('anon', 'authenticated', 'service_role')")}
        tables, functions = await _tables(conn), await _functions(conn)
    finally:
        await conn.close()
    assert sorted(roles) == ["anon", "authenticated", "service_role"]
    assert not any(r["rolcanlogin"] for r in roles.values())
    assert roles["service_role"]["rolbypassrls"]
    for role in PUBLIC_ROLES:
        await _assert_closed(url, role, tables, functions)


# --- plain PostgreSQL: the roles are missing ------------------------------------------------
# The roles are cluster-wide and already exist once any test migrated, so these tests run the
# migration with the three role names replaced by new ones.

def _renamed_migration(suffix: str) -> str:
    [migration] = [m for m in load_migrations() if m.name == "security"]
    sql = render(migration.sql, "postgresql")
    return re.sub(r"\b(anon|authenticated|service_role)\b", rf"\1_{suffix}", sql)


@pytest.mark.parametrize(("attributes", "created", "bypassrls"), [
    ("SUPERUSER", True, True),
    ("CREATEROLE", True, False),  # may create roles, but not with BYPASSRLS
    ("", False, False),  # may create nothing: every statement about the roles is skipped
])
async def test_missing_roles_are_created_or_skipped(
        postgres: PostgresServer, attributes: str, created: bool, bypassrls: bool) -> None:
    suffix = uuid.uuid4().hex[:8]
    roles = [f"{r}_{suffix}" for r in ("anon", "authenticated", "service_role")]
    owned = await _owned_database(postgres, attributes)
    outsider, _ = await _create_role(postgres)
    try:
        owner = await asyncpg.connect(owned.owner_url)
        try:
            await owner.execute("CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY "
                                "PRIMARY KEY, v TEXT)")
            await owner.execute("INSERT INTO t (v) VALUES ('secret')")
            await owner.execute("CREATE FUNCTION f() RETURNS bigint LANGUAGE sql "
                                "SECURITY DEFINER AS 'SELECT count(*) FROM t'")
            await owner.execute("GRANT SELECT ON t TO PUBLIC")  # a mistake: revoked below
            for _ in range(2):  # idempotent
                await owner.execute(_renamed_migration(suffix))
            await owner.execute("CREATE FUNCTION g() RETURNS int LANGUAGE sql AS 'SELECT 1'")
            found = {r[0]: r[1] for r in await owner.fetch(
                "SELECT rolname, rolbypassrls FROM pg_roles WHERE rolname = ANY($1)", roles)}
            assert await owner.fetchval("SELECT relrowsecurity FROM pg_class "
                                        "WHERE oid = 't'::regclass")
            assert await owner.fetchval("SELECT f()") == 1
        finally:
            await owner.close()
        assert sorted(found) == (sorted(roles) if created else [])
        if created:
            assert found[roles[2]] is bypassrls
        # any other role (PUBLIC) can read nothing and call nothing, old or new
        closed = [outsider, *roles[:2]] if created else [outsider]
        for role in closed:
            await _assert_closed(owned.admin_url, role, ["t"],
                                 [("f()", "SELECT f()"), ("g()", "SELECT g()")])
        if bypassrls:  # without BYPASSRLS, row-level security hides every row from it too
            async def body(conn: asyncpg.Connection) -> None:
                await conn.execute("INSERT INTO t (v) VALUES ('from the REST backend')")
                assert await conn.fetchval("SELECT count(*) FROM t") == 2
                assert await conn.fetchval("SELECT f()") == 2

            await _as(owned.admin_url, roles[2], body)
    finally:
        await _drop(postgres, owned, outsider, *(roles if created else []))
