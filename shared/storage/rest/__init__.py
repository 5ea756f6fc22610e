"""The Supabase REST backend: the storage interface over PostgREST (``SUPABASE_URL`` +
``SUPABASE_KEY`` without ``DATABASE_URL``).

Repositories: the SQL repositories' methods run unchanged, their SQLAlchemy statements translated
to PostgREST requests (``translate.py``, ``db.py``). What PostgREST cannot express in one request
(joins, aggregates, ``x = x + 1``, a check-and-change over several rows, several changes that
must be all-or-nothing) is a *twin*: a REST subclass of the repository overrides the method, and
declares it in ``RPC_METHODS`` when it calls a PostgreSQL function with ``rpc`` (created by the
migrations, e.g. ``migrations/0008_rest_platform.sql``) or in ``LOCAL_METHODS`` when it composes
other calls without one. The platform's REST classes are in ``platform.py`` and listed in
``RestStorage.REPOSITORIES``; a bot's are named by its ``Repository.rest``.
``tests/shared/test_rest_twins.py`` holds every repository to this: the declarations are exactly
the overrides, and every other public method runs over the REST backend without
``NotTranslatable``. To add a twin: write the function in a new numbered migration, override the
method in the REST class, add its name to ``RPC_METHODS``.

Migrations cannot run over PostgREST: at start-up the schema version is read with the
``app_schema_version`` function, and a missing or older schema stops the start with one line
telling the operator to run ``python -m shared sql`` in Supabase's SQL editor.
"""

from __future__ import annotations

from shared.errors import MigrationError
from shared.storage import Storage
from shared.storage.migrate import latest_version
from shared.storage.rest.client import RestClient, RestError, RestUnavailable
from shared.storage.rest.db import RestDatabase
from shared.storage.rest.repos import (
    RestCooldownRepo,
    RestInboxRepo,
    RestLockRepo,
    RestOutboxRepo,
)

__all__ = ["RestError", "RestStorage", "RestUnavailable", "open_rest_storage"]

RUN_SQL = ("run `python -m shared sql` and paste its output into Supabase's SQL editor "
           "(Supabase > SQL Editor > New query > Run)")


class RestStorage(Storage):
    """Every repository over Supabase's REST API."""

    REPOSITORIES = {
        **Storage.REPOSITORIES,
        "inbox": RestInboxRepo, "outbox": RestOutboxRepo, "locks": RestLockRepo,
        "cooldowns": RestCooldownRepo,
    }


async def schema_version(db: RestDatabase) -> int | None:
    """The schema version the database reports, None when our schema is not there at all."""
    try:
        return int(await db.rpc("app_schema_version", {}))
    except RestError as exc:
        if exc.code in ("PGRST202", "42883", "42P01", "PGRST205"):
            return None
        raise


async def open_rest_storage(url: str, key: str, *, timeout: float = 10.0) -> RestStorage:
    """Connect to Supabase over REST and check that the schema is the one this code needs."""
    client = RestClient(url, key, timeout=timeout)
    await client.connect()
    db = RestDatabase(client)
    try:
        found = await schema_version(db)
        wanted = latest_version()
        if found is None:
            raise MigrationError("the Supabase database has no schema, or one older than this "
                                 f"code needs: {RUN_SQL}")
        if found < wanted:
            raise MigrationError(f"the Supabase database has schema version {found}, this code "
                                 f"needs {wanted}: {RUN_SQL}")
        if found > wanted:
            raise MigrationError(f"the Supabase database has schema version {found}, newer than "
                                 f"this code knows ({wanted}): deploy the newer code")
    except BaseException:
        await client.close()
        raise
    return RestStorage(db)  # type: ignore[arg-type]
