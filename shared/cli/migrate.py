"""``python -m shared migrate``: apply the database migrations."""

from __future__ import annotations

import argparse
import asyncio


def main(args: argparse.Namespace) -> int:
    return asyncio.run(migrate())


async def migrate() -> int:
    from shared.cli.common import settings_or_exit
    from shared.logs import setup_logging
    from shared.storage.db import Database
    from shared.storage.migrate import apply_migrations

    settings = settings_or_exit()
    setup_logging(settings.log_level, settings.effective_log_format)
    db = Database(settings.sqlalchemy_url())
    try:
        applied = await apply_migrations(db)
    finally:
        await db.close()
    print(f"applied migrations: {applied}" if applied else "schema is up to date")
    return 0
