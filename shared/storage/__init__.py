"""The storage interface: one object with a repository per domain, used by everything.

The platform's repositories (inbox, outbox, flow state, jobs, locks, cooldowns, chats,
instances) are always there; each registered bot adds its own (``BotPackage.REPOSITORIES``:
``storage.avap``, ``storage.shopping``, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import shared.storage.sa_asyncio  # noqa: F401 - first: SQLAlchemy's asyncio without its ORM
from shared.storage.db import Database, utcnow
from shared.storage.inbox_repo import InboxRepo
from shared.storage.instances import InstanceRepo
from shared.storage.migrate import apply_migrations
from shared.storage.outbox_repo import OutboxRepo
from shared.storage.state import ChatRepo, CooldownRepo, FlowRepo, JobRunRepo, LockRepo

__all__ = ["Storage", "bot_repositories", "open_storage", "utcnow"]


def bot_repositories() -> dict[str, Any]:
    """Every registered bot's repositories (name -> ``shared.bot_package.Repository``)."""
    from shared.bot_package import registered_bots

    found: dict[str, Any] = {}
    for bot in registered_bots().values():
        found.update(bot.REPOSITORIES)
    return found


class Storage:
    """Every repository over one database.

    The Supabase REST backend (``shared.storage.rest``) is a subclass that swaps in the REST
    variants of the repositories that need ``rpc`` functions (``REPOSITORIES``, and each bot's
    ``Repository.rest``).
    """

    REPOSITORIES: dict[str, type] = {
        "inbox": InboxRepo, "outbox": OutboxRepo, "flows": FlowRepo, "jobs": JobRunRepo,
        "locks": LockRepo, "cooldowns": CooldownRepo, "chats": ChatRepo,
        "instances": InstanceRepo,
    }

    def __init__(self, db: Database, bots: Mapping[str, Any] | None = None) -> None:
        self.db = db
        repo = self.REPOSITORIES
        self.inbox: InboxRepo = repo["inbox"](db)
        self.outbox: OutboxRepo = repo["outbox"](db)
        self.flows: FlowRepo = repo["flows"](db)
        self.jobs: JobRunRepo = repo["jobs"](db)
        self.locks: LockRepo = repo["locks"](db)
        self.cooldowns: CooldownRepo = repo["cooldowns"](db)
        self.chats: ChatRepo = repo["chats"](db)
        self.instances: InstanceRepo = repo["instances"](db)
        for name, spec in (bot_repositories() if bots is None else bots).items():
            cls = spec.load(self.backend)
            setattr(self, name, cls(db, self.outbox) if spec.with_outbox else cls(db))

    def __getattr__(self, name: str) -> Any:
        # only reached for a name no repository was set for: say which, not just "no attribute"
        raise AttributeError(f"storage has no repository {name!r} (no registered bot declares it)")

    @property
    def backend(self) -> str:
        """"sqlite", "postgresql" or "supabase" (the REST backend)."""
        return getattr(self.db, "kind", self.db.dialect)

    async def ping(self) -> bool:
        return await self.db.ping()

    async def close(self) -> None:
        await self.db.close()


async def open_storage(url: str, *, migrate: bool = True) -> Storage:
    """Connect to ``url`` (an async SQLAlchemy URL) and bring its schema up to date."""
    db = Database(url)
    if migrate:
        await apply_migrations(db)
    return Storage(db)
