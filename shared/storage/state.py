"""The platform's state besides the queues: flow state, job claims, locks, cooldowns and the
bots' chats (the queues: ``inbox_repo`` and ``outbox_repo``).

Every method that changes data takes an optional ``conn``: given, it joins the caller's
transaction (so that an outbox row commits with the change that caused it); omitted, it runs
in a transaction of its own. Every check-and-change is one SQL statement, never a read followed
by a write, so that two instances cannot both win.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.storage import schema as t
from shared.storage.db import Database, Repo, statement, upsert, utcnow


def _flow_key() -> tuple[Any, ...]:
    """The flow of one user in one chat of one bot (parameters ``bot``, ``chat_id``,
    ``user_id``)."""
    f = t.flow_state
    return (f.c.bot == bindparam("bot"), f.c.chat_id == bindparam("chat_id", type_=BigInteger),
            f.c.user_id == bindparam("user_id", type_=BigInteger))


class FlowRepo(Repo):
    """Which step of a multi-step flow each user is on, and what they entered so far."""

    # each update loads a flow and saves it
    @statement
    def _load(self) -> Any:
        f = t.flow_state
        return select(f.c.step, f.c.data).where(*_flow_key())

    @statement
    def _save(self) -> Any:
        stmt = upsert(self.db, t.flow_state)
        return stmt.on_conflict_do_update(
            index_elements=["bot", "chat_id", "user_id"],
            set_={"step": stmt.excluded.step, "data": stmt.excluded.data,
                  "updated_at": stmt.excluded.updated_at})

    async def load(self, bot: str, chat_id: int, user_id: int) -> tuple[str | None, dict]:
        rows = await self.db.rows(self._load, {"bot": bot, "chat_id": chat_id, "user_id": user_id})
        if not rows:
            return None, {}
        return rows[0][0], dict(rows[0][1] or {})

    @statement
    def _delete(self) -> Any:
        return delete(t.flow_state).where(*_flow_key())

    async def save(self, bot: str, chat_id: int, user_id: int, step: str | None,
                   data: dict[str, Any], conn: AsyncConnection | None = None) -> None:
        stmt, params = self.save_step(bot, chat_id, user_id, step, data)
        async with self.db.write(conn) as c:
            await c.execute(stmt, params)

    def save_step(self, bot: str, chat_id: int, user_id: int, step: str | None,
                  data: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """``save`` as a step of ``Database.run_write`` (no step and no data: no row)."""
        if step is None and not data:
            return self._delete, {"bot": bot, "chat_id": chat_id, "user_id": user_id}
        return self._save, {"bot": bot, "chat_id": chat_id, "user_id": user_id,
                            "step": step, "data": data, "updated_at": utcnow()}


class JobRunRepo(Repo):
    """Claims of (job, scheduled fire time): the first instance to insert one runs the job."""

    # every run of every job claims and finishes (on SQLite: most of an idle server's CPU)
    @statement
    def _claim(self) -> Any:
        j = t.job_runs
        return upsert(self.db, j).values(
            {k: bindparam(k) for k in ("job_id", "fire_time", "instance", "started_at")},
        ).on_conflict_do_nothing(index_elements=["job_id", "fire_time"]).returning(j.c.id)

    @statement
    def _finish(self) -> Any:
        j = t.job_runs
        return update(j).where(j.c.id == bindparam("run", type_=BigInteger)).values(
            finished_at=bindparam("at", type_=j.c.finished_at.type), outcome=bindparam("outcome"))

    async def claim(self, job_id: str, fire_time: datetime, instance: str) -> int | None:
        """The id of the new claim, or None when another instance already took this fire time."""
        [rows] = await self.db.run_write([(self._claim, {
            "job_id": job_id, "fire_time": fire_time, "instance": instance,
            "started_at": utcnow()})])
        return int(rows[0][0]) if rows else None

    async def finish(self, run_id: int, outcome: str) -> None:
        await self.db.run_write([(self._finish, {"run": run_id, "at": utcnow(),
                                                 "outcome": outcome[:500]})])

    async def list(self, job_id: str | None = None) -> list[dict[str, Any]]:
        q = select(t.job_runs).order_by(t.job_runs.c.fire_time)
        if job_id:
            q = q.where(t.job_runs.c.job_id == job_id)
        async with self.db.read() as conn:
            return [dict(r) for r in (await conn.execute(q)).mappings()]

    async def prune(self, older_than: datetime) -> int:
        async with self.db.write() as conn:
            res = await conn.execute(delete(t.job_runs).where(t.job_runs.c.started_at < older_than))
        return res.rowcount or 0


class LockRepo(Repo):
    """Named locks with an owner token and an expiry (acquire, renew, release).

    A token starts with the holding instance's id (``owner``, set by the running process), so
    that the locks of an instance found dead are freed at once (``InstanceRepo.release``)."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.owner = ""

    def new_token(self) -> str:
        random = secrets.token_hex(16)
        return f"{self.owner}/{random}" if self.owner else random

    async def acquire(self, key: str, ttl_seconds: float) -> str | None:
        """The owner token when the lock was free or expired, else None."""
        now = utcnow()
        token = self.new_token()
        stmt = upsert(self.db, t.locks).values(
            key=key, token=token, expires_at=now + timedelta(seconds=ttl_seconds), created_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={"token": stmt.excluded.token, "expires_at": stmt.excluded.expires_at,
                  "created_at": stmt.excluded.created_at},
            where=t.locks.c.expires_at <= now,
        ).returning(t.locks.c.token)
        async with self.db.write() as conn:
            row = (await conn.execute(stmt)).first()
        return token if row is not None and row[0] == token else None

    async def renew(self, key: str, token: str, ttl_seconds: float) -> bool:
        now = utcnow()
        async with self.db.write() as conn:
            res = await conn.execute(
                update(t.locks)
                .where(t.locks.c.key == key, t.locks.c.token == token, t.locks.c.expires_at > now)
                .values(expires_at=now + timedelta(seconds=ttl_seconds))
            )
        return (res.rowcount or 0) == 1

    async def release(self, key: str, token: str) -> bool:
        async with self.db.write() as conn:
            res = await conn.execute(
                delete(t.locks).where(t.locks.c.key == key, t.locks.c.token == token)
            )
        return (res.rowcount or 0) == 1

    async def clear_expired(self) -> int:
        async with self.db.write() as conn:
            res = await conn.execute(delete(t.locks).where(t.locks.c.expires_at <= utcnow()))
        return res.rowcount or 0


class CooldownRepo(Repo):
    """Cooldowns: "do not do X again before T" (alerts, rate limits, retries)."""

    async def is_active(self, key: str) -> bool:
        c = t.cooldown_states
        async with self.db.read() as conn:
            row = (await conn.execute(select(c.c.cooldown_until).where(c.c.key == key))).first()
        return row is not None and row[0] > utcnow()

    def _started(self, key: str, seconds: float, only_if_over: bool) -> Any:
        """The upsert that starts a cooldown (when ``only_if_over``: unless one is active)."""
        now = utcnow()
        stmt = upsert(self.db, t.cooldown_states).values(
            key=key, cooldown_until=now + timedelta(seconds=seconds), created_at=now,
            updated_at=now,
        )
        return stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={"cooldown_until": stmt.excluded.cooldown_until, "updated_at": now},
            where=t.cooldown_states.c.cooldown_until <= now if only_if_over else None,
        )

    async def start(self, key: str, seconds: float) -> None:
        async with self.db.write() as conn:
            await conn.execute(self._started(key, seconds, only_if_over=False))

    async def start_if_inactive(self, key: str, seconds: float) -> bool:
        """Atomically start a cooldown unless one is active; True when this call started it."""
        stmt = self._started(key, seconds, only_if_over=True).returning(t.cooldown_states.c.key)
        async with self.db.write() as conn:
            row = (await conn.execute(stmt)).first()
        return row is not None

    async def clear(self, key: str) -> None:
        async with self.db.write() as conn:
            await conn.execute(delete(t.cooldown_states).where(t.cooldown_states.c.key == key))

    async def clear_expired(self) -> int:
        c = t.cooldown_states
        async with self.db.write() as conn:
            res = await conn.execute(delete(c).where(c.c.cooldown_until <= utcnow()))
        return res.rowcount or 0


class ChatRepo(Repo):
    """Chats each bot talks to (active or blocked) and groups that changed id."""

    async def set_active(self, bot: str, chat_id: int, active: bool) -> None:
        now = utcnow()
        stmt = upsert(self.db, t.bot_chats).values(
            bot=bot, chat_id=chat_id, active=active, blocked_at=None if active else now,
            updated_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["bot", "chat_id"],
            set_={"active": stmt.excluded.active, "blocked_at": stmt.excluded.blocked_at,
                  "updated_at": now},
        )
        async with self.db.write() as conn:
            await conn.execute(stmt)

    async def is_active(self, bot: str, chat_id: int) -> bool:
        b = t.bot_chats
        async with self.db.read() as conn:
            row = (await conn.execute(
                select(b.c.active).where(b.c.bot == bot, b.c.chat_id == chat_id))).first()
        return True if row is None else bool(row[0])

    async def record_migration(self, bot: str, old_id: int, new_id: int) -> bool:
        """Remember that ``old_id`` became ``new_id``; True the first time it is recorded."""
        stmt = upsert(self.db, t.chat_migrations).values(
            old_chat_id=old_id, new_chat_id=new_id, bot=bot, migrated_at=utcnow(),
        ).on_conflict_do_nothing(index_elements=["old_chat_id"]).returning(
            t.chat_migrations.c.old_chat_id)
        async with self.db.write() as conn:
            row = (await conn.execute(stmt)).first()
        return row is not None

    async def migrations(self) -> dict[int, int]:
        async with self.db.read() as conn:
            rows = await conn.execute(select(t.chat_migrations.c.old_chat_id,
                                             t.chat_migrations.c.new_chat_id))
            return {int(a): int(b) for a, b in rows.all()}
