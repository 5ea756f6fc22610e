"""`python -m shared sql`: the script for Supabase's SQL editor runs twice without harm."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from shared.config import normalise_database_url
from shared.storage import open_storage
from shared.storage.migrate import latest_version, load_migrations
from tests.pg import PostgresServer

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.postgres


def test_printed_schema_applies_twice_and_matches_migrations(postgres: PostgresServer) -> None:
    script = subprocess.run([sys.executable, "-m", "shared", "sql"], cwd=REPO, check=True,
                            capture_output=True, text=True).stdout
    url = postgres.create_database()

    async def apply_twice() -> list[int]:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(script)
            await conn.execute(script)
            return [r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")]
        finally:
            await conn.close()

    # every migration file (a number may be reserved for a branch not merged yet)
    assert asyncio.run(apply_twice()) == [m.version for m in load_migrations()]
    assert load_migrations()[-1].version == latest_version()

    async def then_the_server_starts_on_it() -> None:
        storage = await open_storage(normalise_database_url(url))  # nothing left to migrate
        try:
            await storage.inbox.add_many([("avap", 1, "1", "{}")])
            assert (await storage.inbox.counts())["pending"] == 1
        finally:
            await storage.close()

    asyncio.run(then_the_server_starts_on_it())
