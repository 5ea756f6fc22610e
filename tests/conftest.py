"""Fixtures shared by every test: databases (SQLite and a real PostgreSQL) and storage."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager

import pytest

from shared.config import normalise_database_url
from shared.storage import Storage, open_storage
from shared.storage.rest import open_rest_storage
from tests.fakes.postgrest import FakePostgrest
from tests.pg import PostgresServer, start_postgres
from tests.rest_replay import replay_rpc_bodies


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """End-to-end tests first (stable otherwise): they take seconds each while most others take
    milliseconds, so under xdist the long ones start early and the short ones fill the end."""
    items.sort(key=lambda item: not item.nodeid.startswith("tests/e2e/"))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server: TEST_POSTGRES_URL's, or a private one started for this run."""
    given = os.environ.get("TEST_POSTGRES_URL")
    if given:
        from urllib.parse import urlsplit

        parts = urlsplit(given)
        yield PostgresServer(parts.hostname or "127.0.0.1", parts.port or 5432,
                             parts.username or "postgres")
        return
    started = start_postgres()
    if started is None:
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required (REQUIRE_POSTGRES) but initdb was not found")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    server, stop = started
    try:
        yield server
    finally:
        stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A fresh, empty database of each kind, as the operator would write its URL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/test.db"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database()


@pytest.fixture
def supabase(postgres: PostgresServer) -> Iterator[FakePostgrest]:
    """A fake Supabase REST API (PostgREST over HTTP) on a fresh, migrated PostgreSQL database."""
    url = postgres.create_database()
    with FakePostgrest(url) as fake:
        yield fake
    # every rpc body the test sent must also work as a plain SQL call (issue 7, acceptance 1)
    failures = replay_rpc_bodies(url, fake.requests)
    assert not failures, "rpc bodies that fail as SQL calls:\n" + "\n".join(failures)


@asynccontextmanager
async def instances(open_one: Callable[[], Awaitable[Storage]],
                    n: int = 2) -> AsyncIterator[list[Storage]]:
    """``n`` Storage objects on one database, as ``n`` instances of the service have (each from
    ``open_one()``); all closed on the way out."""
    stores = [await open_one() for _ in range(n)]
    try:
        yield stores
    finally:
        for s in stores:
            await s.close()


async def open_supabase_storage(fake: FakePostgrest) -> Storage:
    """Migrate the fake's database (as `python -m shared sql` would) and open the REST backend."""
    st = await open_storage(normalise_database_url(fake.database_url))
    await st.close()
    return await open_rest_storage(fake.url, FakePostgrest.SERVICE_KEY)


@pytest.fixture
async def both(postgres: PostgresServer, supabase: FakePostgrest,
               ) -> AsyncIterator[tuple[Storage, Storage]]:
    """(PostgreSQL storage, REST storage), each on a fresh database of its own: the same
    scenario on both must give the same results (tests/shared/test_rest_*.py)."""
    url = await asyncio.to_thread(postgres.create_database)
    sql = await open_storage(normalise_database_url(url))
    rest = await open_supabase_storage(supabase)
    try:
        yield sql, rest
    finally:
        await sql.close()
        await rest.close()


@pytest.fixture(params=["sqlite", "postgresql", "supabase"])
async def storage(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[Storage]:
    """A fresh storage of each backend: SQLite, PostgreSQL, and Supabase's REST API."""
    if request.param == "supabase":
        st = await open_supabase_storage(request.getfixturevalue("supabase"))
    elif request.param == "sqlite":
        st = await open_storage(normalise_database_url(f"sqlite:///{tmp_path}/test.db"))
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        st = await open_storage(normalise_database_url(server.create_database()))
    try:
        yield st
    finally:
        await st.close()
