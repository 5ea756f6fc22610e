"""Engagement of the support bot's students: daily tips, the study-partner pool and its pairs,
and the admins' morning digest of what waits too long. (DDL: ``migrations/0004_engagement.sql``.)

A day's tip is sent as a broadcast (``type='tip'``) so that it shares the rate-limited, resumable
sending of /broadcast; the unique ``tip_days.day`` row, written in the same transaction as that
broadcast and its delivery rows, is what makes a day's tip go out once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from avap_bot.storage import tables as t
from shared.storage import schema
from shared.storage.db import Repo, upsert, utcnow

Row = dict[str, Any]

tips, tip_days, tip_optouts = t.tips, t.tip_days, t.tip_optouts
match_pool, match_pairs = t.match_pool, t.match_pairs

# PostgreSQL transaction-scoped advisory lock: two students joining at once on two instances
# see each other (SQLite serialises write transactions with BEGIN IMMEDIATE already).
_POOL_LOCK_ID = 7_240_055

TIP_KIND = "tip"  # broadcasts.type of a day's tip


def _one(row: Any) -> Row | None:
    return dict(row) if row is not None else None


def compatible(a: str | None, b: str | None) -> bool:
    """Two pool entries fit when they want the same module, or either wants any."""
    return a is None or b is None or a == b


class EngagementRepo(Repo):
    """Tips, tip opt-outs, the partner pool and pairs, the digest's queries."""

    # --- tips -----------------------------------------------------------------------------------
    async def add_tip(self, text_: str, file_id: str | None, created_by: int | None,
                      source: tuple[int, int] | None = None) -> int:
        """Add a tip at the end of the list; returns its number (1-based position). The same
        ``source`` (chat, message id of the admin's /addtip) adds it only once."""
        chat_id, message_id = source if source is not None else (None, None)
        async with self.db.write() as c:
            tip_id = (await c.execute(upsert(self.db, tips).values(
                text=text_, file_id=file_id, created_by=created_by, source_chat_id=chat_id,
                source_message_id=message_id, created_at=utcnow()).on_conflict_do_nothing(
                index_elements=["source_chat_id", "source_message_id"]).returning(tips.c.id)
            )).scalar()
            if tip_id is None:
                tip_id = (await c.execute(select(tips.c.id).where(
                    tips.c.source_chat_id == chat_id, tips.c.source_message_id == message_id))
                ).scalar_one()
            return int((await c.execute(select(func.count()).where(tips.c.id <= tip_id))
                        ).scalar_one())

    async def list_tips(self) -> list[Row]:
        async with self.db.read() as c:
            return [dict(r) for r in (await c.execute(
                select(tips).order_by(tips.c.id))).mappings()]

    async def delete_tip(self, number: int) -> Row | None:
        """Delete the tip at position ``number`` (as /tips lists them); None if there is none."""
        if number < 1:
            return None
        async with self.db.write() as c:
            row = (await c.execute(select(tips).order_by(tips.c.id).offset(number - 1).limit(1))
                   ).mappings().first()
            if row is None:
                return None
            await c.execute(delete(tips).where(tips.c.id == row["id"]))
        return dict(row)

    async def set_tips(self, telegram_id: int, on: bool) -> bool:
        """Turn a student's daily tips on or off; False when it was so already."""
        async with self.db.write() as c:
            if on:
                res = await c.execute(delete(tip_optouts).where(
                    tip_optouts.c.telegram_id == telegram_id))
                return (res.rowcount or 0) == 1
            stmt = upsert(self.db, tip_optouts).values(
                telegram_id=telegram_id, created_at=utcnow()).on_conflict_do_nothing(
                index_elements=["telegram_id"]).returning(tip_optouts.c.telegram_id)
            return (await c.execute(stmt)).first() is not None

    async def tips_enabled(self, telegram_id: int) -> bool:
        async with self.db.read() as c:
            return (await c.execute(select(tip_optouts.c.telegram_id).where(
                tip_optouts.c.telegram_id == telegram_id))).first() is None

    async def tip_day(self, day: str) -> Row | None:
        async with self.db.read() as c:
            return _one((await c.execute(select(tip_days).where(tip_days.c.day == day))
                         ).mappings().first())

    async def tip_of_broadcast(self, broadcast_id: int) -> Row | None:
        async with self.db.read() as c:
            return _one((await c.execute(select(tip_days).where(
                tip_days.c.broadcast_id == broadcast_id))).mappings().first())

    async def next_tip(self, conn: AsyncConnection | None = None) -> Row | None:
        """The tip after the last one sent (in list order), back to the first after the end."""
        async with self.db.read(conn) as c:
            last = (await c.execute(select(tip_days.c.tip_id).order_by(
                tip_days.c.day.desc()).limit(1))).first()
            row = None
            if last is not None and last[0] is not None:
                row = (await c.execute(select(tips).where(tips.c.id > last[0])
                                       .order_by(tips.c.id).limit(1))).mappings().first()
            if row is None:
                row = (await c.execute(select(tips).order_by(tips.c.id).limit(1))
                       ).mappings().first()
        return _one(row)

    async def tip_audience(self, conn: AsyncConnection | None = None) -> list[int]:
        """Verified students who did not block the bot and did not turn tips off."""
        v, b = t.verified_users, schema.bot_chats
        q = (select(v.c.telegram_id)
             .select_from(v.outerjoin(b, and_(b.c.bot == "avap", b.c.chat_id == v.c.telegram_id)))
             .where(v.c.status == "verified", or_(b.c.active.is_(None), b.c.active.is_(True)),
                    v.c.telegram_id.not_in(select(tip_optouts.c.telegram_id)))
             .order_by(v.c.telegram_id))
        async with self.db.read(conn) as c:
            return [int(r[0]) for r in await c.execute(q)]

    async def start_tip_day(self, day: str) -> int | None:
        """Claim ``day`` and queue its tip as a broadcast in 'sending' state with one delivery
        row per recipient, all in one transaction. Returns the broadcast id; None when the day
        was claimed already or there is no tip at all."""
        b, d = t.broadcasts, t.broadcast_deliveries
        now = utcnow()
        async with self.db.write() as c:
            if (await c.execute(select(tip_days.c.day).where(tip_days.c.day == day))).first():
                return None
            tip = await self.next_tip(c)
            if tip is None:
                return None
            claimed = (await c.execute(upsert(self.db, tip_days).values(
                day=day, tip_id=tip["id"], text=tip["text"], file_id=tip["file_id"],
                created_at=now).on_conflict_do_nothing(index_elements=["day"])
                .returning(tip_days.c.day))).first()
            if claimed is None:
                return None
            recipients = await self.tip_audience(c)
            broadcast_id = int((await c.execute(insert(b).values(
                content=tip["text"], type=TIP_KIND, sent_count=0, created_by=None,
                status="sending", audience="all", total=len(recipients), failed_count=0,
                blocked_count=0, created_at=now).returning(b.c.id))).scalar_one())
            await c.execute(update(tip_days).where(tip_days.c.day == day)
                            .values(broadcast_id=broadcast_id))
            for i in range(0, len(recipients), 1000):
                await c.execute(insert(d), [
                    {"broadcast_id": broadcast_id, "chat_id": cid, "status": "pending",
                     "updated_at": now} for cid in recipients[i:i + 1000]])
        return broadcast_id

    # --- study partners -------------------------------------------------------------------------
    async def join_pool(self, telegram_id: int, name: str, username: str | None,
                        module: str | None, conn: AsyncConnection | None = None) -> Row | None:
        """Put a student in the pool, or pair them at once with a waiting student.

        The partner is the longest-waiting compatible student never paired with them before;
        a former partner only when nobody else at all is waiting. Returns the new pair, or None
        when the student now waits."""
        now = utcnow()
        async with self.db.write(conn) as c:
            if self.db.dialect == "postgresql":
                await c.execute(text(f"SELECT pg_advisory_xact_lock({_POOL_LOCK_ID})"))
            await c.execute(delete(match_pool).where(match_pool.c.telegram_id == telegram_id))
            waiting = [dict(r) for r in (await c.execute(
                select(match_pool).order_by(match_pool.c.joined_at, match_pool.c.telegram_id))
            ).mappings()]
            former = await self._partners(c, telegram_id)
            fits = [w for w in waiting if compatible(module, w["module"])]
            fresh = [w for w in fits if w["telegram_id"] not in former]
            partner = fresh[0] if fresh else (fits[0] if fits and len(waiting) == 1 else None)
            if partner is None:
                await c.execute(insert(match_pool).values(
                    telegram_id=telegram_id, name=name, username=username, module=module,
                    joined_at=now))
                return None
            await c.execute(delete(match_pool).where(
                match_pool.c.telegram_id == partner["telegram_id"]))
            me = {"telegram_id": telegram_id, "name": name, "username": username}
            a, b_ = sorted((me, partner), key=lambda r: r["telegram_id"])
            pair_module = module if module is not None else partner["module"]
            row = (await c.execute(insert(match_pairs).values(
                user_a=a["telegram_id"], user_b=b_["telegram_id"], name_a=a["name"],
                name_b=b_["name"], username_a=a["username"], username_b=b_["username"],
                module=pair_module, created_at=now).returning(*match_pairs.c))).mappings().one()
        return dict(row)

    @staticmethod
    async def _partners(c: AsyncConnection, telegram_id: int) -> set[int]:
        rows = await c.execute(select(match_pairs.c.user_a, match_pairs.c.user_b).where(
            or_(match_pairs.c.user_a == telegram_id, match_pairs.c.user_b == telegram_id)))
        return {int(x) for r in rows for x in r} - {telegram_id}

    async def partners_of(self, telegram_id: int) -> set[int]:
        async with self.db.read() as c:
            return await self._partners(c, telegram_id)

    async def leave_pool(self, telegram_id: int) -> bool:
        async with self.db.write() as c:
            res = await c.execute(delete(match_pool).where(
                match_pool.c.telegram_id == telegram_id))
        return (res.rowcount or 0) == 1

    async def pool_entry(self, telegram_id: int) -> Row | None:
        async with self.db.read() as c:
            return _one((await c.execute(select(match_pool).where(
                match_pool.c.telegram_id == telegram_id))).mappings().first())

    async def pool_size(self) -> int:
        async with self.db.read() as c:
            return int((await c.execute(select(func.count()).select_from(match_pool))
                        ).scalar_one())

    async def get_pair(self, pair_id: int) -> Row | None:
        async with self.db.read() as c:
            return _one((await c.execute(select(match_pairs).where(match_pairs.c.id == pair_id))
                         ).mappings().first())

    async def pairs(self) -> list[Row]:
        async with self.db.read() as c:
            return [dict(r) for r in (await c.execute(
                select(match_pairs).order_by(match_pairs.c.id))).mappings()]

    # --- the admins' digest ---------------------------------------------------------------------
    async def waiting_submissions(self, before: datetime, limit: int = 30) -> list[Row]:
        """Submissions waiting for a grade since before ``before``, oldest first."""
        s, v = t.submissions, t.verified_users
        q = (select(s.c.id, s.c.telegram_id, s.c.module, s.c.attempt, s.c.created_at, v.c.name)
             .select_from(s.outerjoin(v, v.c.telegram_id == s.c.telegram_id))
             .where(s.c.status == "submitted", s.c.created_at < before)
             .order_by(s.c.created_at, s.c.id).limit(limit))
        async with self.db.read() as c:
            return [dict(r) for r in (await c.execute(q)).mappings()]

    async def waiting_questions(self, before: datetime, limit: int = 30) -> list[Row]:
        """Questions without an answer since before ``before``, oldest first."""
        q, v = t.questions, t.verified_users
        stmt = (select(q.c.id, q.c.telegram_id, q.c.type, q.c.content, q.c.created_at, v.c.name)
                .select_from(q.outerjoin(v, v.c.telegram_id == q.c.telegram_id))
                .where(q.c.answered.is_(False), q.c.created_at < before)
                .order_by(q.c.created_at, q.c.id).limit(limit))
        async with self.db.read() as c:
            return [dict(r) for r in (await c.execute(stmt)).mappings()]
