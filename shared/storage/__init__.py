"""The storage interface: one object with a repository per domain, used by everything."""

from __future__ import annotations

import shared.storage.sa_asyncio  # noqa: F401 - first: SQLAlchemy's asyncio without its ORM
from shared.storage.analytics import AnalyticsRepo
from shared.storage.avap import AvapRepo
from shared.storage.copilot import CopilotRepo
from shared.storage.crm import CrmRepo
from shared.storage.db import Database, utcnow
from shared.storage.engagement import EngagementRepo
from shared.storage.instances import InstanceRepo
from shared.storage.migrate import apply_migrations
from shared.storage.platform import (
    ChatRepo,
    CooldownRepo,
    FlowRepo,
    InboxRepo,
    JobRunRepo,
    LockRepo,
    OutboxRepo,
)
from shared.storage.shopping import ShoppingRepo

__all__ = ["Storage", "open_storage", "utcnow"]


class Storage:
    """Every repository over one database.

    The Supabase REST backend (``shared.storage.rest``) is a subclass that swaps in the REST
    variants of the repositories that need ``rpc`` functions (``REPOSITORIES``).
    """

    REPOSITORIES: dict[str, type] = {
        "inbox": InboxRepo, "outbox": OutboxRepo, "flows": FlowRepo, "jobs": JobRunRepo,
        "locks": LockRepo, "cooldowns": CooldownRepo, "chats": ChatRepo, "avap": AvapRepo,
        "engagement": EngagementRepo, "crm": CrmRepo, "shopping": ShoppingRepo,
        "analytics": AnalyticsRepo, "instances": InstanceRepo, "copilot": CopilotRepo,
    }

    def __init__(self, db: Database) -> None:
        self.db = db
        repo = self.REPOSITORIES
        self.inbox: InboxRepo = repo["inbox"](db)
        self.outbox: OutboxRepo = repo["outbox"](db)
        self.flows: FlowRepo = repo["flows"](db)
        self.jobs: JobRunRepo = repo["jobs"](db)
        self.locks: LockRepo = repo["locks"](db)
        self.cooldowns: CooldownRepo = repo["cooldowns"](db)
        self.chats: ChatRepo = repo["chats"](db)
        self.avap: AvapRepo = repo["avap"](db, self.outbox)
        self.engagement: EngagementRepo = repo["engagement"](db)
        self.crm: CrmRepo = repo["crm"](db)
        self.shopping: ShoppingRepo = repo["shopping"](db)
        self.analytics: AnalyticsRepo = repo["analytics"](db)
        self.instances: InstanceRepo = repo["instances"](db)
        self.copilot: CopilotRepo = repo["copilot"](db)

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
