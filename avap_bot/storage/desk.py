"""The support bot's repository (``storage.avap``): buyers, students, admins, verification and the
course's numbers here; coursework (``coursework.py``) and broadcasts (``broadcasts.py``) are its
parts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, and_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from avap_bot.storage import tables as t
from avap_bot.storage.broadcasts import BroadcastQueries
from avap_bot.storage.common import Row
from avap_bot.storage.common import one as _one
from avap_bot.storage.coursework import CourseworkQueries
from shared.storage import schema
from shared.storage.db import Database, Repo, statement, upsert, utcnow
from shared.storage.outbox_repo import OutboxRepo

# tables mirrored to Google Sheets: each write queues "sheets.upsert" {table, id} in its own
# transaction when ``AvapRepo.report_to_sheets`` is on (avap_bot/integrations/sheets.py delivers it)
REPORTED_TABLES = ("verified_users", "submissions", "wins", "questions")
SHEETS_UPSERT = "sheets.upsert"


class AvapRepo(CourseworkQueries, BroadcastQueries, Repo):
    """Every query of the support bot. Check-and-change operations are single statements."""

    def __init__(self, db: Database, outbox: OutboxRepo | None = None) -> None:
        super().__init__(db)
        self.outbox = outbox
        self.report_to_sheets = False  # set at start-up when Google Sheets is configured

    async def _report(self, c: AsyncConnection, table: str, row_id: Any) -> None:
        """Queue the Sheets mirror of one row, in the transaction that changed it."""
        if self.report_to_sheets and self.outbox is not None and row_id is not None:
            await self.outbox.enqueue(SHEETS_UPSERT, {"table": table, "id": int(row_id)},
                                      conn=c)

    async def report_rows(self, table: str, ids: list[int] | None = None) -> list[Row]:
        """Rows of a reported table (all, or these ids) by id, with the student's ``student``
        name for submissions, wins and questions: what Sheets and the CSV export show."""
        if table not in REPORTED_TABLES:
            raise ValueError(f"not a reported table: {table}")
        tab, v = getattr(t, table), t.verified_users
        if table == "verified_users":
            stmt = select(tab)
        else:
            stmt = select(tab, v.c.name.label("student")).select_from(
                tab.outerjoin(v, v.c.telegram_id == tab.c.telegram_id))
        if ids is not None:
            stmt = stmt.where(tab.c.id.in_(ids))
        async with self.db.read() as c:
            return [dict(r) for r in (await c.execute(stmt.order_by(tab.c.id))).mappings()]

    # --- buyers (the pending list) ----------------------------------------------------------
    async def upsert_buyer(self, *, name: str, email: str | None, phone: str | None,
                           source: str, added_by: int | None,
                           conn: AsyncConnection | None = None) -> tuple[str, int]:
        """Add a buyer, or update the one with the same email (else phone).

        Returns ("added" | "updated", buyer id). Emails must be lower-case, phones E.164.
        """
        p = t.pending_verifications
        now = utcnow()
        async with self.db.write(conn) as c:
            match = None
            if email:
                match = (await c.execute(select(p.c.id).where(p.c.email == email))).first()
            if match is None and phone:
                match = (await c.execute(
                    select(p.c.id).where(p.c.phone == phone).order_by(p.c.id).limit(1))).first()
            if match is not None:
                values: dict[str, Any] = {"name": name, "updated_at": now}
                if email:
                    values["email"] = email
                if phone:
                    values["phone"] = phone
                await c.execute(update(p).where(p.c.id == match[0]).values(**values))
                return "updated", int(match[0])
            res = await c.execute(insert(p).values(
                name=name, email=email, phone=phone, status="pending", source=source,
                added_by=added_by, created_at=now, updated_at=now).returning(p.c.id))
            return "added", int(res.scalar_one())

    async def get_buyer(self, buyer_id: int) -> Row | None:
        p = t.pending_verifications
        async with self.db.read() as c:
            return _one((await c.execute(select(p).where(p.c.id == buyer_id))).mappings().first())

    async def find_buyer(self, *, email: str | None = None, phone: str | None = None,
                         ) -> Row | None:
        """The buyer with this email or E.164 phone (pending or already claimed), or None."""
        p = t.pending_verifications
        conds = []
        if email:
            conds.append(p.c.email == email.lower())
        if phone:
            conds.append(p.c.phone == phone)
        if not conds:
            return None
        async with self.db.read() as c:
            row = (await c.execute(
                select(p).where(or_(*conds), p.c.status != "revoked").order_by(p.c.id).limit(1)
            )).mappings().first()
        return _one(row)

    async def pending_buyers(self, limit: int = 50) -> tuple[list[Row], int]:
        """Buyers who have not verified yet (oldest first), and how many there are."""
        p = t.pending_verifications
        async with self.db.read() as c:
            total = (await c.execute(select(func.count()).where(
                p.c.status == "pending"))).scalar_one()
            rows = (await c.execute(select(p).where(p.c.status == "pending")
                                    .order_by(p.c.created_at, p.c.id).limit(limit))).mappings()
            return [dict(r) for r in rows], int(total)

    # --- students -----------------------------------------------------------------------------
    @statement
    def _verified(self) -> Any:
        """Built once: most updates look the student up."""
        v = t.verified_users
        return select(v).where(v.c.telegram_id == bindparam("tid", type_=BigInteger),
                               v.c.status == "verified")

    async def verified_student(self, telegram_id: int) -> Row | None:
        return await self.db.first(self._verified, {"tid": telegram_id})

    async def find_student(self, *, telegram_id: int | None = None,
                           email: str | None = None) -> Row | None:
        """A student by Telegram id or email, whatever their status."""
        v = t.verified_users
        cond = v.c.telegram_id == telegram_id if telegram_id is not None else \
            v.c.email == (email or "").lower()
        async with self.db.read() as c:
            return _one((await c.execute(select(v).where(cond))).mappings().first())

    async def verify(self, *, buyer_id: int, telegram_id: int, username: str | None,
                     conn: AsyncConnection | None = None) -> Row:
        """Give ``telegram_id`` the buyer's access; the buyer is claimed by that account."""
        p, v = t.pending_verifications, t.verified_users
        now = utcnow()
        async with self.db.write(conn) as c:
            buyer = (await c.execute(select(p).where(p.c.id == buyer_id))).mappings().one()
            await c.execute(update(p).where(p.c.id == buyer_id).values(
                telegram_id=telegram_id, status="verified", updated_at=now))
            stmt = upsert(self.db, v).values(
                telegram_id=telegram_id, name=buyer["name"], email=buyer["email"],
                phone=buyer["phone"], status="verified", buyer_id=buyer_id, username=username,
                last_active_at=now, created_at=now, updated_at=now)
            stmt = stmt.on_conflict_do_update(index_elements=["telegram_id"], set_={
                "name": buyer["name"], "email": buyer["email"], "phone": buyer["phone"],
                "status": "verified", "buyer_id": buyer_id, "username": username,
                "updated_at": now})
            await c.execute(stmt)
            row = (await c.execute(select(v).where(v.c.telegram_id == telegram_id))
                   ).mappings().one()
            await self._report(c, "verified_users", row["id"])
        return dict(row)

    async def revoke_student(self, telegram_id: int,
                             conn: AsyncConnection | None = None) -> Row | None:
        """Close a student's access; the buyer record is released for a new claim."""
        p, v = t.pending_verifications, t.verified_users
        now = utcnow()
        async with self.db.write(conn) as c:
            row = (await c.execute(
                update(v).where(v.c.telegram_id == telegram_id, v.c.status == "verified")
                .values(status="revoked", updated_at=now).returning(v.c.id, v.c.buyer_id,
                                                                    v.c.name, v.c.email)
            )).mappings().first()
            if row is None:
                return None
            await self._report(c, "verified_users", row["id"])
            if row["buyer_id"] is not None:
                await c.execute(update(p).where(p.c.id == row["buyer_id"]).values(
                    status="revoked", updated_at=now))
        return dict(row)

    async def touch(self, telegram_id: int) -> None:
        v = t.verified_users
        async with self.db.write() as c:
            await c.execute(update(v).where(v.c.telegram_id == telegram_id)
                            .values(last_active_at=utcnow()))

    async def audience(self, module: str | None = None) -> list[int]:
        """Verified students who have not blocked the bot (of one module: who submitted in it)."""
        v, b, s = t.verified_users, schema.bot_chats, t.submissions
        q = (select(v.c.telegram_id)
             .select_from(v.outerjoin(b, and_(b.c.bot == "avap", b.c.chat_id == v.c.telegram_id)))
             .where(v.c.status == "verified", or_(b.c.active.is_(None), b.c.active.is_(True)))
             .order_by(v.c.telegram_id))
        if module is not None:
            q = q.where(v.c.telegram_id.in_(select(s.c.telegram_id).where(s.c.module == module)))
        async with self.db.read() as c:
            return [int(r[0]) for r in await c.execute(q)]

    # --- admins ---------------------------------------------------------------------------------
    _admin_ids = select(t.admins.c.telegram_id)  # built once: every admin check reads it

    async def admin_ids(self) -> set[int]:
        return {int(r[0]) for r in await self.db.rows(self._admin_ids, {})}

    async def list_admins(self) -> list[Row]:
        async with self.db.read() as c:
            rows = await c.execute(select(t.admins).order_by(t.admins.c.created_at))
            return [dict(r) for r in rows.mappings()]

    async def add_admin(self, telegram_id: int, name: str | None, added_by: int) -> bool:
        stmt = upsert(self.db, t.admins).values(
            telegram_id=telegram_id, name=name, added_by=added_by, created_at=utcnow()
        ).on_conflict_do_nothing(index_elements=["telegram_id"]).returning(t.admins.c.telegram_id)
        async with self.db.write() as c:
            return (await c.execute(stmt)).first() is not None

    async def remove_admin(self, telegram_id: int) -> bool:
        async with self.db.write() as c:
            res = await c.execute(t.admins.delete().where(t.admins.c.telegram_id == telegram_id))
        return (res.rowcount or 0) == 1

    # --- verification requests ------------------------------------------------------------------
    async def record_attempt(self, telegram_id: int) -> None:
        async with self.db.write() as c:
            await c.execute(insert(t.verification_attempts).values(
                telegram_id=telegram_id, created_at=utcnow()))

    async def attempts_since(self, telegram_id: int, since: datetime) -> int:
        a = t.verification_attempts
        async with self.db.read() as c:
            return int((await c.execute(select(func.count()).where(
                a.c.telegram_id == telegram_id, a.c.created_at >= since))).scalar_one())

    async def create_request(self, *, telegram_id: int, tg_name: str, tg_username: str | None,
                             buyer_id: int | None, kind: str, identifier: str | None,
                             conn: AsyncConnection | None = None) -> int:
        r = t.verification_requests
        async with self.db.write(conn) as c:
            # a student has one open request at a time: a new one replaces the old
            await c.execute(update(r).where(r.c.telegram_id == telegram_id, r.c.status == "open")
                            .values(status="replaced", decided_at=utcnow()))
            res = await c.execute(insert(r).values(
                telegram_id=telegram_id, tg_name=tg_name, tg_username=tg_username,
                buyer_id=buyer_id, kind=kind, identifier=identifier, status="open",
                created_at=utcnow()).returning(r.c.id))
            return int(res.scalar_one())

    async def open_request_of(self, telegram_id: int) -> Row | None:
        r = t.verification_requests
        async with self.db.read() as c:
            return _one((await c.execute(select(r).where(
                r.c.telegram_id == telegram_id, r.c.status == "open"))).mappings().first())

    async def get_request(self, request_id: int) -> Row | None:
        r = t.verification_requests
        async with self.db.read() as c:
            return _one((await c.execute(select(r).where(r.c.id == request_id))).mappings().first())

    async def decide_request(self, request_id: int, status: str, by: int,
                             conn: AsyncConnection | None = None) -> Row | None:
        """Close an open request; None when it was already decided (a double click)."""
        r = t.verification_requests
        async with self.db.write(conn) as c:
            row = (await c.execute(
                update(r).where(r.c.id == request_id, r.c.status == "open")
                .values(status=status, decided_by=by, decided_at=utcnow()).returning(*r.c)
            )).mappings().first()
        return _one(row)

    # --- statistics -----------------------------------------------------------------------------
    async def stats(self, since: datetime) -> dict[str, Any]:
        v, p, s, q, w = (t.verified_users, t.pending_verifications, t.submissions, t.questions,
                         t.wins)
        async with self.db.read() as c:
            verified = (await c.execute(select(func.count()).where(
                v.c.status == "verified"))).scalar_one()
            pending = (await c.execute(select(func.count()).where(
                p.c.status == "pending"))).scalar_one()
            sub = (await c.execute(select(
                func.count(),
                func.count().filter(s.c.status == "submitted"),
                func.count().filter(s.c.status == "graded"),
                func.count().filter(s.c.status == "revision"),
            ))).one()
            per_module = [dict(r) for r in (await c.execute(
                select(s.c.module, func.count().label("n"),
                       func.avg(case((s.c.status == "graded", s.c.grade))).label("avg"))
                .group_by(s.c.module).order_by(s.c.module))).mappings()]
            qs = (await c.execute(select(
                func.count().filter(q.c.answered.is_(False)),
                func.count().filter(q.c.answered.is_(True))))).one()
            answer_times = [(r[1] - r[0]).total_seconds() for r in await c.execute(
                select(q.c.created_at, q.c.answered_at).where(q.c.answered_at.is_not(None)))]
            wins = (await c.execute(select(func.count()).select_from(w))).scalar_one()
            active = (await c.execute(select(func.count()).where(
                v.c.status == "verified", v.c.last_active_at >= since))).scalar_one()
        answer_times.sort()
        median = None
        if answer_times:
            mid = len(answer_times) // 2
            median = answer_times[mid] if len(answer_times) % 2 else (
                answer_times[mid - 1] + answer_times[mid]) / 2
        return {"verified": int(verified), "pending": int(pending),
                "submissions": {"total": int(sub[0]), "waiting": int(sub[1]),
                                "graded": int(sub[2]), "revision": int(sub[3])},
                "per_module": per_module,
                "questions": {"open": int(qs[0]), "answered": int(qs[1]),
                              "median_answer_s": median},
                "wins": int(wins), "active_7d": int(active)}

    # --- Systeme.io / admin HTTP: a reset lets the student verify again ------------------------
    async def reset_verification(self, telegram_id: int,
                                 conn: AsyncConnection | None = None) -> Row | None:
        """Revoke a verified student and put their buyer back on the pending list, unclaimed,
        so that the same person can verify again; None when they are not verified."""
        p = t.pending_verifications
        async with self.db.write(conn) as c:
            row = await self.revoke_student(telegram_id, conn=c)
            if row is None:
                return None
            if row["buyer_id"] is not None:
                await c.execute(update(p).where(p.c.id == row["buyer_id"]).values(
                    status="pending", telegram_id=None, updated_at=utcnow()))
        return row
