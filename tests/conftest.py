"""Fixtures shared by every test: databases (SQLite and a real PostgreSQL) and storage."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from shared.config import normalise_database_url
from shared.storage import Storage, open_storage
from tests.pg import PostgresServer, start_postgres


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
async def storage(database_url: str) -> AsyncIterator[Storage]:
    st = await open_storage(normalise_database_url(database_url))
    try:
        yield st
    finally:
        await st.close()
