"""The support bot's coursework: submissions and their grades, questions and their answers, wins
(part of ``AvapRepo``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from avap_bot.storage import tables as t
from avap_bot.storage.common import Row
from avap_bot.storage.common import one as _one
from shared.storage import schema
from shared.storage.db import Database, utcnow


class CourseworkQueries:
    """Submissions, questions and wins; retry-safe intake, changes in the caller's transaction."""

    db: Database

    # --- submissions ----------------------------------------------------------------------------
    async def create_submission(self, *, telegram_id: int, module: str, kind: str,
                                content: str | None, file_id: str | None, source_chat_id: int,
                                source_message_id: int) -> Row:
        s = t.submissions
        now = utcnow()
        async with self.db.write() as c:
            attempt = (await c.execute(select(func.count()).where(
                s.c.telegram_id == telegram_id, s.c.module == module))).scalar_one() + 1
            row = (await c.execute(insert(s).values(
                telegram_id=telegram_id, module=module, type=kind, content=content,
                file_id=file_id, status="submitted", source_chat_id=source_chat_id,
                source_message_id=source_message_id, attempt=attempt, created_at=now,
                updated_at=now).returning(*s.c))).mappings().one()
            await self._report(c, "submissions", row["id"])
        return dict(row)

    async def set_submission_card(self, submission_id: int, chat_id: int, message_id: int) -> None:
        s = t.submissions
        async with self.db.write() as c:
            await c.execute(update(s).where(s.c.id == submission_id).values(
                card_chat_id=chat_id, card_message_id=message_id))

    async def get_submission(self, submission_id: int) -> Row | None:
        s = t.submissions
        async with self.db.read() as c:
            return _one((await c.execute(select(s).where(s.c.id == submission_id))
                         ).mappings().first())

    async def submission_by_card(self, chat_id: int, message_id: int) -> Row | None:
        s = t.submissions
        async with self.db.read() as c:
            row = (await c.execute(select(s).where(
                s.c.card_chat_id == chat_id, s.c.card_message_id == message_id))).mappings().first()
        return _one(row)

    async def ungraded(self, limit: int = 30) -> list[Row]:
        s, v = t.submissions, t.verified_users
        q = (select(s, v.c.name).select_from(s.outerjoin(v, v.c.telegram_id == s.c.telegram_id))
             .where(s.c.status == "submitted").order_by(s.c.created_at, s.c.id).limit(limit))
        async with self.db.read() as c:
            return [dict(r) for r in (await c.execute(q)).mappings()]

    async def submissions_of(self, telegram_id: int) -> list[Row]:
        s = t.submissions
        async with self.db.read() as c:
            rows = await c.execute(select(s).where(s.c.telegram_id == telegram_id)
                                   .order_by(s.c.created_at, s.c.id))
            return [dict(r) for r in rows.mappings()]

    # --- questions ------------------------------------------------------------------------------
    async def create_question(self, *, telegram_id: int, kind: str, content: str | None,
                              file_id: str | None, source_chat_id: int,
                              source_message_id: int) -> Row:
        q = t.questions
        async with self.db.write() as c:
            row = (await c.execute(insert(q).values(
                telegram_id=telegram_id, type=kind, content=content, file_id=file_id,
                status="open", answered=False, source_chat_id=source_chat_id,
                source_message_id=source_message_id, created_at=utcnow()).returning(*q.c))
            ).mappings().one()
            await self._report(c, "questions", row["id"])
        return dict(row)

    async def set_question_card(self, question_id: int, chat_id: int, message_id: int) -> None:
        q = t.questions
        async with self.db.write() as c:
            await c.execute(update(q).where(q.c.id == question_id).values(
                card_chat_id=chat_id, card_message_id=message_id))

    async def get_question(self, question_id: int) -> Row | None:
        q = t.questions
        async with self.db.read() as c:
            row = (await c.execute(select(q).where(q.c.id == question_id))).mappings().first()
        return _one(row)

    async def question_by_card(self, chat_id: int, message_id: int) -> Row | None:
        q = t.questions
        async with self.db.read() as c:
            row = (await c.execute(select(q).where(
                q.c.card_chat_id == chat_id, q.c.card_message_id == message_id))).mappings().first()
        return _one(row)

    async def unanswered(self, limit: int = 30) -> list[Row]:
        q, v = t.questions, t.verified_users
        stmt = (select(q, v.c.name).select_from(q.outerjoin(v, v.c.telegram_id == q.c.telegram_id))
                .where(q.c.answered.is_(False)).order_by(q.c.created_at, q.c.id).limit(limit))
        async with self.db.read() as c:
            return [dict(r) for r in (await c.execute(stmt)).mappings()]

    async def questions_of(self, telegram_id: int) -> list[Row]:
        q = t.questions
        async with self.db.read() as c:
            rows = await c.execute(select(q).where(q.c.telegram_id == telegram_id)
                                   .order_by(q.c.created_at))
            return [dict(r) for r in rows.mappings()]

    # --- questions and wins: retry-safe intake, answers in the caller's transaction -----------
    async def question_by_source(self, chat_id: int, message_id: int) -> Row | None:
        """The question made from the student's message (chat, id): a retried update finds it."""
        q = t.questions
        async with self.db.read() as c:
            return _one((await c.execute(select(q).where(
                q.c.source_chat_id == chat_id, q.c.source_message_id == message_id)
                .order_by(q.c.id).limit(1))).mappings().first())

    async def record_answer(self, question_id: int, answer: str, by: int,
                            conn: AsyncConnection | None = None) -> tuple[Row | None, bool]:
        """Answer a question: (row, True) for the first answer; a later one is appended as a
        follow-up, keeping the first answerer and time: (row, False). (None, False): no such
        question."""
        q = t.questions
        async with self.db.write(conn) as c:
            row = (await c.execute(update(q).where(q.c.id == question_id, q.c.answered.is_(False))
                                   .values(answered=True, status="answered", answer=answer,
                                           answered_by=by, answered_at=utcnow())
                                   .returning(*q.c))).mappings().first()
            if row is not None:
                await self._report(c, "questions", row["id"])
                return dict(row), True
            row = (await c.execute(update(q).where(q.c.id == question_id).values(
                answer=func.coalesce(q.c.answer + "\n\n", "") + answer).returning(*q.c)
            )).mappings().first()
            if row is not None:
                await self._report(c, "questions", row["id"])
        return _one(row), False

    async def share_win(self, *, telegram_id: int, kind: str, content: str | None,
                        file_id: str | None, source_chat_id: int, source_message_id: int,
                        conn: AsyncConnection | None = None) -> Row | None:
        """Store a win once per source message; None when it is stored already (a retry)."""
        w = t.wins
        async with self.db.write(conn) as c:
            seen = (await c.execute(select(w.c.id).where(
                w.c.source_chat_id == source_chat_id,
                w.c.source_message_id == source_message_id))).first()
            if seen is not None:
                return None
            row = (await c.execute(insert(w).values(
                telegram_id=telegram_id, type=kind, content=content, file_id=file_id,
                status="shared", source_chat_id=source_chat_id,
                source_message_id=source_message_id, created_at=utcnow()).returning(*w.c))
            ).mappings().one()
            await self._report(c, "wins", row["id"])
        return dict(row)

    # --- assignments and grading: retry-safe intake, grades in the caller's transaction -------
    async def submission_by_source(self, chat_id: int, message_id: int) -> Row | None:
        """The submission made from the student's message (chat, id): a retried update finds it."""
        s = t.submissions
        async with self.db.read() as c:
            return _one((await c.execute(select(s).where(
                s.c.source_chat_id == chat_id, s.c.source_message_id == message_id)
                .order_by(s.c.id).limit(1))).mappings().first())

    async def record_grade(self, submission_id: int, score: int, comment: str | None, by: int,
                           *, replace: bool = False,
                           conn: AsyncConnection | None = None) -> Row | None:
        """``grade_submission`` inside the caller's transaction (with the student's message);
        None when it is graded already and ``replace`` is False, or there is no such one."""
        s = t.submissions
        cond = [s.c.id == submission_id]
        if not replace:
            cond.append(s.c.status != "graded")
        now = utcnow()
        async with self.db.write(conn) as c:
            row = (await c.execute(update(s).where(*cond).values(
                status="graded", grade=score, comment=comment, graded_by=by, graded_at=now,
                updated_at=now).returning(*s.c))).mappings().first()
            if row is not None:
                await self._report(c, "submissions", row["id"])
        return _one(row)

    async def record_revision(self, submission_id: int, comment: str, by: int,
                              conn: AsyncConnection | None = None) -> Row | None:
        """Ask for a revision once, inside the caller's transaction; None when one is asked
        already or there is no such submission."""
        s = t.submissions
        now = utcnow()
        async with self.db.write(conn) as c:
            row = (await c.execute(update(s).where(
                s.c.id == submission_id, s.c.status != "revision").values(
                status="revision", comment=comment, graded_by=by, graded_at=now,
                updated_at=now).returning(*s.c))).mappings().first()
            if row is not None:
                await self._report(c, "submissions", row["id"])
        return _one(row)

    async def cooldown_until(self, key: str) -> datetime | None:
        """When the cooldown ``key`` ends, or None when none is active (to say how long to
        wait; the cooldown repository only answers yes or no)."""
        c = schema.cooldown_states
        async with self.db.read() as conn:
            row = (await conn.execute(select(c.c.cooldown_until).where(c.c.key == key))).first()
        return row[0] if row is not None and row[0] > utcnow() else None
