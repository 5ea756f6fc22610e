"""The storage interface: one object with a repository per domain, used by everything."""

from __future__ import annotations

from shared.storage.analytics import AnalyticsRepo
from shared.storage.avap import AvapRepo
from shared.storage.crm import CrmRepo
from shared.storage.db import Database, utcnow
from shared.storage.engagement import EngagementRepo
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
    """Every repository over one database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.inbox = InboxRepo(db)
        self.outbox = OutboxRepo(db)
        self.flows = FlowRepo(db)
        self.jobs = JobRunRepo(db)
        self.locks = LockRepo(db)
        self.cooldowns = CooldownRepo(db)
        self.chats = ChatRepo(db)
        self.avap = AvapRepo(db, self.outbox)
        self.engagement = EngagementRepo(db)
        self.crm = CrmRepo(db)
        self.shopping = ShoppingRepo(db)
        self.analytics = AnalyticsRepo(db)

    @property
    def backend(self) -> str:
        return self.db.dialect

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
