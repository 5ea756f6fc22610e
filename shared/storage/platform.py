"""Repositories of the platform: inbox, outbox, flow state, job claims, locks, cooldowns, chats.

Every method that changes data takes an optional ``conn``: given, it joins the caller's
transaction (so that an outbox row commits with the change that caused it); omitted, it runs
in a transaction of its own. Every check-and-change is one SQL statement, never a read followed
by a write, so that two instances cannot both win.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal_column,
    text,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Insert

from shared.storage import schema as t
from shared.storage.db import Database, utcnow


def upsert(db: Database, table: Any) -> Insert:
    """An INSERT that understands ON CONFLICT on both databases."""
    # imported here: the PostgreSQL dialect costs ~60 ms of start-up on an SQLite deployment
    if db.dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


@dataclass(frozen=True)
class InboxRow:
    id: int
    bot: str
    update_id: int
    chat_key: str
    payload: str
    attempts: int


# ``status = 'pending'`` written out, not bound: SQLite can use the partial index on pending
# rows for ``status = ?`` only by looking at the bound value, and a statement planned on a bound
# value is prepared again every time that parameter is bound (sqlite3Reprepare): the claim cost
# ~75 us of parsing and planning per execution instead of ~10 us.
_PENDING = literal_column("'pending'")

# what a claim asks for: (owner, limit, lease_seconds, bots)
ClaimSpec = tuple[str, int, float, list[str] | None]


class InboxRepo:
    """The durable queue of incoming updates."""

    claims_on_add = True  # ``add_many`` can claim in its own transaction

    def __init__(self, db: Database) -> None:
        self.db = db
        self._claims: dict[int | None, Any] = {}  # claim statements by number of bots

    async def add_many(self, rows: list[tuple[str, int, str, str]],
                       claim: ClaimSpec | None = None) -> list[InboxRow]:
        """Store (bot, update_id, chat_key, payload) rows; a repeated (bot, update_id) is
        ignored. With ``claim``, the same transaction then claims what can be claimed (as
        ``claim`` does), saving the worker a transaction of its own; returns those rows."""
        if not rows:
            return []
        now = utcnow()
        values = [
            {"bot": b, "update_id": u, "chat_key": c, "payload": p, "status": "pending",
             "attempts": 0, "next_attempt_at": now, "received_at": now}
            for b, u, c, p in rows
        ]
        steps: list[tuple[Any, Any]] = [(self._add, values)]
        if claim is not None:
            steps.append(self._claim_step(*claim))
        done = await self.db.run_write(steps)
        return self._claimed(done[1]) if claim is not None else []

    async def claim(self, owner: str, limit: int, lease_seconds: float,
                    bots: list[str] | None = None) -> list[InboxRow]:
        """Lease up to ``limit`` due rows, at most the oldest pending one of each chat."""
        done = await self.db.run_write([self._claim_step(owner, limit, lease_seconds, bots)])
        return self._claimed(done[0])

    def _claim_step(self, owner: str, limit: int, lease_seconds: float,
                    bots: list[str] | None = None) -> tuple[Any, dict[str, Any]]:
        now = utcnow()
        params: dict[str, Any] = {"now": now, "owner": owner, "lim": limit,
                                  "until": now + timedelta(seconds=lease_seconds)}
        if bots is None:
            return self._claim_statement(None), params
        params.update((f"bot{k}", b) for k, b in enumerate(bots))
        return self._claim_statement(len(bots)), params

    @staticmethod
    def _claimed(rows: list[tuple[Any, ...]]) -> list[InboxRow]:
        return sorted((InboxRow(*r) for r in rows), key=lambda r: r.id)

    def _claim_statement(self, bots: int | None) -> Any:
        """The claim (of ``bots`` bots, each a parameter ``bot0``...; None: of every bot),
        built once with bound parameters (now, owner, lim, until): building and hashing this
        statement for every claim cost more than running it."""
        stmt = self._claims.get(bots)
        if stmt is None:
            stmt = self._claims[bots] = self._build_claim(bots)
        return stmt

    def _build_claim(self, bots: int | None) -> Any:
        now = bindparam("now")
        i = t.inbox
        j = t.inbox.alias("earlier")
        free = or_(i.c.lease_until.is_(None), i.c.lease_until < now)
        earlier_pending = exists().where(
            j.c.bot == i.c.bot, j.c.chat_key == i.c.chat_key,
            j.c.status == _PENDING, j.c.id < i.c.id,
        )
        if self.db.dialect == "sqlite":
            return self._sqlite_claim(bots)
        candidates = (
            select(i.c.id)
            .where(i.c.status == _PENDING, i.c.next_attempt_at <= now, free,
                   or_(i.c.chat_key == literal_column("''"), ~earlier_pending))
            .order_by(i.c.id)
            .limit(bindparam("lim", type_=Integer))
        )
        if bots is not None:
            candidates = candidates.where(i.c.bot.in_([bindparam(f"bot{k}")
                                                       for k in range(bots)]))
        if self.db.dialect == "postgresql":
            # a CTE, evaluated once: as a sub-query in IN (...), PostgreSQL may run it again for
            # each row (a generic plan of the prepared statement), and with SKIP LOCKED each
            # run skips the rows this statement just updated: more than ``lim`` rows claimed
            picked = candidates.with_for_update(skip_locked=True).cte("picked")
            chosen = i.c.id == picked.c.id
        else:
            chosen = i.c.id.in_(candidates.scalar_subquery())
        return (
            update(i)
            .where(chosen, i.c.status == _PENDING, free)
            .values(lease_owner=bindparam("owner"), lease_until=bindparam("until"),
                    attempts=i.c.attempts + 1)
            .returning(i.c.id, i.c.bot, i.c.update_id, i.c.chat_key, i.c.payload, i.c.attempts)
        )

    @staticmethod
    def _sqlite_claim(bots: int | None) -> Any:
        """The claim on SQLite, which walks the pending rows in id order (the partial index)
        and stops at ``lim`` claimable ones. Left to itself SQLite picked the (status,
        next_attempt_at) index, visited every due row and sorted them: a claim behind a
        backlog of 40,000 updates took ~0.3 s on the event loop's thread, ~1 ms this way."""
        by_bot = "" if bots is None else \
            "AND i.bot IN (" + ", ".join(f":bot{k}" for k in range(bots)) + ")"
        ts = t.inbox.c.lease_until.type
        return text(f"""
            UPDATE inbox NOT INDEXED
            SET attempts = attempts + 1, lease_owner = :owner, lease_until = :until
            WHERE id IN (
                SELECT i.id FROM inbox AS i INDEXED BY idx_inbox_pending
                WHERE i.status = 'pending' AND i.next_attempt_at <= :now
                  AND (i.lease_until IS NULL OR i.lease_until < :now)
                  AND (i.chat_key = '' OR NOT EXISTS (
                      SELECT 1 FROM inbox AS e WHERE e.bot = i.bot AND e.chat_key = i.chat_key
                        AND e.status = 'pending' AND e.id < i.id))
                  {by_bot}
                ORDER BY i.id LIMIT :lim)
              AND status = 'pending' AND (lease_until IS NULL OR lease_until < :now)
            RETURNING id, bot, update_id, chat_key, payload, attempts
        """).bindparams(bindparam("now", type_=ts), bindparam("until", type_=ts),
                        bindparam("lim", type_=Integer))

    async def renew(self, row_ids: list[int], owner: str, lease_seconds: float) -> None:
        """Extend the leases of rows still being handled by ``owner``."""
        async with self.db.write() as conn:
            await conn.execute(
                update(t.inbox)
                .where(t.inbox.c.id.in_(row_ids), t.inbox.c.lease_owner == owner,
                       t.inbox.c.status == "pending")
                .values(lease_until=utcnow() + timedelta(seconds=lease_seconds))
            )

    @functools.cached_property
    def _done(self) -> Any:
        """Built once (every update is marked done); the payload holds personal data and is
        not needed once handled."""
        i = t.inbox
        return (update(i).where(i.c.id == bindparam("row", type_=Integer),
                                i.c.lease_owner == bindparam("owner"))
                .values(status="done", done_at=bindparam("at", type_=i.c.done_at.type),
                        lease_owner=None, lease_until=None, payload=""))

    async def mark_done(self, row_id: int, owner: str,
                        conn: AsyncConnection | None = None) -> None:
        stmt, params = self.done_step(row_id, owner)
        async with self.db.write(conn) as conn:
            await conn.execute(stmt, params)

    def done_step(self, row_id: int, owner: str) -> tuple[Any, dict[str, Any]]:
        """``mark_done`` as a step of ``Database.run_write``."""
        return self._done, {"row": row_id, "owner": owner, "at": utcnow()}

    @functools.cached_property
    def _add(self) -> Any:
        keys = ("bot", "update_id", "chat_key", "payload", "status", "attempts",
                "next_attempt_at", "received_at")
        return upsert(self.db, t.inbox).values({k: bindparam(k) for k in keys}) \
            .on_conflict_do_nothing(index_elements=["bot", "update_id"])

    async def mark_failed(self, row_id: int, owner: str, error: str,
                          retry_at: datetime | None) -> None:
        """Schedule a retry at ``retry_at``, or keep the row as dead when it is None."""
        values: dict[str, Any] = {"last_error": error[:2000], "lease_owner": None,
                                  "lease_until": None}
        if retry_at is None:
            values["status"] = "dead"
        else:
            values["next_attempt_at"] = retry_at
        async with self.db.write() as conn:
            await conn.execute(
                update(t.inbox)
                .where(t.inbox.c.id == row_id, t.inbox.c.lease_owner == owner)
                .values(**values)
            )

    async def counts(self) -> dict[str, int]:
        """Pending and dead rows, for /health."""
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(t.inbox.c.status, func.count())
                .where(t.inbox.c.status.in_(("pending", "dead")))
                .group_by(t.inbox.c.status)
            )
            found = dict(rows.all())
        return {"pending": int(found.get("pending", 0)), "dead": int(found.get("dead", 0))}

    async def prune_done(self, older_than: datetime) -> int:
        async with self.db.write() as conn:
            res = await conn.execute(
                delete(t.inbox).where(t.inbox.c.status == "done", t.inbox.c.done_at < older_than)
            )
        return res.rowcount or 0

    async def get(self, bot: str, update_id: int) -> dict[str, Any] | None:
        async with self.db.read() as conn:
            row = (await conn.execute(
                select(t.inbox).where(t.inbox.c.bot == bot, t.inbox.c.update_id == update_id)
            )).mappings().first()
        return dict(row) if row else None

    async def dead_rows(self, limit: int = 100) -> list[dict[str, Any]]:
        """Dead rows without their payloads (which hold personal data), newest first."""
        i = t.inbox
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(i.c.id, i.c.bot, i.c.update_id, i.c.attempts, i.c.last_error,
                       i.c.received_at)
                .where(i.c.status == "dead").order_by(i.c.id.desc()).limit(limit))
            return [dict(r) for r in rows.mappings()]

    async def retry_dead(self) -> int:
        """Put every dead row back in the queue, due now, with a fresh attempt count."""
        async with self.db.write() as conn:
            res = await conn.execute(
                update(t.inbox).where(t.inbox.c.status == "dead")
                .values(status="pending", attempts=0, next_attempt_at=utcnow(),
                        lease_owner=None, lease_until=None))
        return res.rowcount or 0


@dataclass(frozen=True)
class OutboxRow:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    dedupe_key: str | None


class OutboxRepo:
    """Side effects on other systems, delivered at least once by the outbox worker."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # called when a transaction that queued a row commits (the worker wakes on it)
        self.listeners: list[Callable[[str], None]] = []     # called with the row's kind

    async def enqueue(self, kind: str, payload: dict[str, Any], *, dedupe_key: str | None = None,
                      conn: AsyncConnection | None = None) -> None:
        """Queue a side effect; with ``dedupe_key``, queuing the same effect twice is a no-op."""
        now = utcnow()
        stmt = upsert(self.db, t.outbox).values(
            kind=kind, payload=payload, dedupe_key=dedupe_key, status="pending", attempts=0,
            next_attempt_at=now, alerted=False, created_at=now,
        ).on_conflict_do_nothing(index_elements=["dedupe_key"])
        async with self.db.write(conn) as c:
            await c.execute(stmt)
            for listener in self.listeners:
                self.db.on_commit(c, functools.partial(listener, kind))

    async def claim(self, owner: str, limit: int, lease_seconds: float, *,
                    kinds: Collection[str] | None = None, exclude: bool = False,
                    ) -> list[OutboxRow]:
        """Lease up to ``limit`` due rows, oldest due first: of the ``kinds`` named, or (with
        ``exclude``) of every other kind; of every kind when ``kinds`` is None."""
        now = utcnow()
        o = t.outbox
        free = or_(o.c.lease_until.is_(None), o.c.lease_until < now)
        due = select(o.c.id).where(o.c.status == "pending", o.c.next_attempt_at <= now, free)
        if kinds is not None:
            due = due.where(o.c.kind.not_in(list(kinds)) if exclude
                            else o.c.kind.in_(list(kinds)))
        candidates = due.order_by(o.c.next_attempt_at, o.c.id).limit(limit)
        if self.db.dialect == "postgresql":  # evaluated once (see InboxRepo._claim_statement)
            picked = candidates.with_for_update(skip_locked=True).cte("picked")
            chosen = o.c.id == picked.c.id
        else:
            chosen = o.c.id.in_(candidates.scalar_subquery())
        stmt = (
            update(o)
            .where(chosen, o.c.status == "pending", free)
            .values(lease_owner=owner, lease_until=now + timedelta(seconds=lease_seconds),
                    attempts=o.c.attempts + 1)
            .returning(o.c.id, o.c.kind, o.c.payload, o.c.attempts, o.c.dedupe_key)
        )
        async with self.db.write() as conn:
            rows = (await conn.execute(stmt)).all()
        return sorted((OutboxRow(*r) for r in rows), key=lambda r: r.id)

    async def mark_done(self, row_id: int, owner: str) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                update(t.outbox).where(t.outbox.c.id == row_id, t.outbox.c.lease_owner == owner)
                .values(status="done", done_at=utcnow(), lease_owner=None, lease_until=None)
            )

    async def defer(self, row_id: int, owner: str, attempts: int, due_at: datetime) -> None:
        """Put a claimed row back, due at ``due_at``, with ``attempts`` (the count before the
        claim: a deferral is not an attempt)."""
        async with self.db.write() as conn:
            await conn.execute(
                update(t.outbox).where(t.outbox.c.id == row_id, t.outbox.c.lease_owner == owner)
                .values(next_attempt_at=due_at, attempts=attempts, lease_owner=None,
                        lease_until=None)
            )

    async def mark_failed(self, row_id: int, owner: str, error: str, retry_at: datetime | None,
                          ) -> None:
        """Retry at ``retry_at``; None means a permanent failure, kept as status 'failed'."""
        values: dict[str, Any] = {"last_error": error[:2000], "lease_owner": None,
                                  "lease_until": None}
        if retry_at is None:
            values["status"] = "failed"
        else:
            values["next_attempt_at"] = retry_at
        async with self.db.write() as conn:
            await conn.execute(
                update(t.outbox).where(t.outbox.c.id == row_id, t.outbox.c.lease_owner == owner)
                .values(**values)
            )

    async def flag_alerted(self, row_id: int) -> bool:
        """Mark a stuck row as reported; True only for the caller that flipped the flag."""
        async with self.db.write() as conn:
            res = await conn.execute(
                update(t.outbox).where(t.outbox.c.id == row_id, t.outbox.c.alerted.is_(False))
                .values(alerted=True)
            )
        return (res.rowcount or 0) == 1

    async def counts(self, stuck_after: int) -> dict[str, int]:
        """Pending rows, rows that failed ``stuck_after`` times or more, permanent failures."""
        o = t.outbox
        async with self.db.read() as conn:
            row = (await conn.execute(select(
                func.count().filter(o.c.status == "pending"),
                func.count().filter(and_(o.c.status == "pending", o.c.attempts >= stuck_after)),
                func.count().filter(o.c.status == "failed"),
            ))).one()
        return {"pending": int(row[0]), "stuck": int(row[1]), "failed": int(row[2])}

    async def prune_done(self, older_than: datetime) -> int:
        async with self.db.write() as conn:
            res = await conn.execute(
                delete(t.outbox).where(t.outbox.c.status == "done",
                                       t.outbox.c.done_at < older_than)
            )
        return res.rowcount or 0

    async def problem_rows(self, stuck_after: int, limit: int = 100) -> list[dict[str, Any]]:
        """Failed rows and pending rows tried ``stuck_after`` times or more, without payloads."""
        o = t.outbox
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(o.c.id, o.c.kind, o.c.status, o.c.attempts, o.c.last_error,
                       o.c.created_at, o.c.next_attempt_at)
                .where(or_(o.c.status == "failed",
                           and_(o.c.status == "pending", o.c.attempts >= stuck_after)))
                .order_by(o.c.id.desc()).limit(limit))
            return [dict(r) for r in rows.mappings()]

    async def retry_failed(self) -> int:
        """Put every permanently failed row back in the queue, due now."""
        async with self.db.write() as conn:
            res = await conn.execute(
                update(t.outbox).where(t.outbox.c.status == "failed")
                .values(status="pending", attempts=0, next_attempt_at=utcnow(),
                        lease_owner=None, lease_until=None, alerted=False))
        return res.rowcount or 0


class FlowRepo:
    """Which step of a multi-step flow each user is on, and what they entered so far."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # built once with bound parameters (each update loads and saves a flow: building and
    # hashing these statements every time cost more than running them)
    @functools.cached_property
    def _load(self) -> Any:
        f = t.flow_state
        return select(f.c.step, f.c.data).where(
            f.c.bot == bindparam("b"), f.c.chat_id == bindparam("c", type_=BigInteger),
            f.c.user_id == bindparam("u", type_=BigInteger))

    @functools.cached_property
    def _save(self) -> Any:
        stmt = upsert(self.db, t.flow_state)
        return stmt.on_conflict_do_update(
            index_elements=["bot", "chat_id", "user_id"],
            set_={"step": stmt.excluded.step, "data": stmt.excluded.data,
                  "updated_at": stmt.excluded.updated_at})

    async def load(self, bot: str, chat_id: int, user_id: int) -> tuple[str | None, dict]:
        rows = await self.db.rows(self._load, {"b": bot, "c": chat_id, "u": user_id})
        if not rows:
            return None, {}
        return rows[0][0], dict(rows[0][1] or {})

    @functools.cached_property
    def _delete(self) -> Any:
        f = t.flow_state
        return delete(f).where(
            f.c.bot == bindparam("bot"), f.c.chat_id == bindparam("chat_id", type_=BigInteger),
            f.c.user_id == bindparam("user_id", type_=BigInteger))

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


class JobRunRepo:
    """Claims of (job, scheduled fire time): the first instance to insert one runs the job."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, job_id: str, fire_time: datetime, instance: str) -> int | None:
        """The id of the new claim, or None when another instance already took this fire time."""
        stmt = upsert(self.db, t.job_runs).values(
            job_id=job_id, fire_time=fire_time, instance=instance, started_at=utcnow(),
        ).on_conflict_do_nothing(index_elements=["job_id", "fire_time"]).returning(t.job_runs.c.id)
        async with self.db.write() as conn:
            row = (await conn.execute(stmt)).first()
        return int(row[0]) if row else None

    async def finish(self, run_id: int, outcome: str) -> None:
        async with self.db.write() as conn:
            await conn.execute(update(t.job_runs).where(t.job_runs.c.id == run_id)
                               .values(finished_at=utcnow(), outcome=outcome[:500]))

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


class LockRepo:
    """Named locks with an owner token and an expiry (acquire, renew, release).

    A token starts with the holding instance's id (``owner``, set by the running process), so
    that the locks of an instance found dead are freed at once (``InstanceRepo.release``)."""

    def __init__(self, db: Database) -> None:
        self.db = db
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


class CooldownRepo:
    """Cooldowns: "do not do X again before T" (alerts, rate limits, retries)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def is_active(self, key: str) -> bool:
        c = t.cooldown_states
        async with self.db.read() as conn:
            row = (await conn.execute(select(c.c.cooldown_until).where(c.c.key == key))).first()
        return row is not None and row[0] > utcnow()

    async def start(self, key: str, seconds: float) -> None:
        now = utcnow()
        stmt = upsert(self.db, t.cooldown_states).values(
            key=key, cooldown_until=now + timedelta(seconds=seconds), created_at=now,
            updated_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={"cooldown_until": stmt.excluded.cooldown_until, "updated_at": now},
        )
        async with self.db.write() as conn:
            await conn.execute(stmt)

    async def start_if_inactive(self, key: str, seconds: float) -> bool:
        """Atomically start a cooldown unless one is active; True when this call started it."""
        now = utcnow()
        stmt = upsert(self.db, t.cooldown_states).values(
            key=key, cooldown_until=now + timedelta(seconds=seconds), created_at=now,
            updated_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={"cooldown_until": stmt.excluded.cooldown_until, "updated_at": now},
            where=t.cooldown_states.c.cooldown_until <= now,
        ).returning(t.cooldown_states.c.key)
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


class ChatRepo:
    """Chats each bot talks to (active or blocked) and groups that changed id."""

    def __init__(self, db: Database) -> None:
        self.db = db

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
