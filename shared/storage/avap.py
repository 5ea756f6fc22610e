"""Repositories of the AVAP support bot (buyers and verified students)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from shared.storage import schema as t
from shared.storage.db import Database


class AvapRepo:
    """Buyers waiting for verification and verified students."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def find_buyer(self, *, email: str | None = None, phone: str | None = None,
                         ) -> dict[str, Any] | None:
        """A pending buyer whose email (case-insensitive) or E.164 phone matches."""
        p = t.pending_verifications
        conds = []
        if email:
            conds.append(func.lower(p.c.email) == email.lower())
        if phone:
            conds.append(p.c.phone == phone)
        if not conds:
            return None
        async with self.db.read() as conn:
            row = (await conn.execute(
                select(p).where(or_(*conds), p.c.status == "pending").order_by(p.c.id).limit(1)
            )).mappings().first()
        return dict(row) if row else None

    async def verified_student(self, telegram_id: int) -> dict[str, Any] | None:
        v = t.verified_users
        async with self.db.read() as conn:
            row = (await conn.execute(
                select(v).where(v.c.telegram_id == telegram_id, v.c.status == "verified")
            )).mappings().first()
        return dict(row) if row else None
