"""The support bot's coursework: submissions and their grades, questions and their answers, wins
(part of ``AvapRepo``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from avap_bot.storage import common
from avap_bot.storage import tables as t
from avap_bot.storage.common import Carded, Row, by_source, find
from avap_bot.storage.common import one as _one
from shared.storage import schema
from shared.storage.db import Database, utcnow

# what an admin's card in a group can be about -> its table
CARDED: dict[Carded, Table] = {"request": t.verification_requests, "submission": t.submissions,
                               "question": t.questions}


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

    async def get_submission(self, submission_id: int) -> Row | None:
        return await find(self.db, t.submissions, t.submissions.c.id == submission_id)

    async def ungraded(self, limit: int = 30) -> list[Row]:
        return await self._waiting(t.submissions, t.submissions.c.status == "submitted", limit)

    async def submissions_of(self, telegram_id: int) -> list[Row]:
        return await self._of(t.submissions, telegram_id)

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

    async def get_question(self, question_id: int) -> Row | None:
        return await find(self.db, t.questions, t.questions.c.id == question_id)

    async def unanswered(self, limit: int = 30) -> list[Row]:
        return await self._waiting(t.questions, t.questions.c.answered.is_(False), limit)

    async def questions_of(self, telegram_id: int) -> list[Row]:
        return await self._of(t.questions, telegram_id)

    # --- the admins' cards: a request, submission or question (``about``) ------------------------
    async def set_card(self, about: Carded, row_id: int, chat_id: int, message_id: int) -> None:
        """Link the row to its card, the message (chat, id) in the admins' group."""
        await common.set_card(self.db, CARDED[about], row_id, chat_id, message_id)

    async def by_card(self, about: Carded, chat_id: int, message_id: int) -> Row | None:
        """The row whose card is the message (chat, id), e.g. the one an admin replied to."""
        return await common.by_card(self.db, CARDED[about], chat_id, message_id)

    # --- submissions and questions alike ----------------------------------------------------------
    async def _waiting(self, table: Table, waiting: Any, limit: int) -> list[Row]:
        """The oldest ``limit`` rows of ``table`` that are ``waiting`` for an admin, each with
        the student's name."""
        v = t.verified_users
        stmt = (select(table, v.c.name)
                .select_from(table.outerjoin(v, v.c.telegram_id == table.c.telegram_id))
                .where(waiting).order_by(table.c.created_at, table.c.id).limit(limit))
        async with self.db.read() as c:
            return [dict(r) for r in (await c.execute(stmt)).mappings()]

    async def _of(self, table: Table, telegram_id: int) -> list[Row]:
        """The student's rows of ``table``, oldest first."""
        async with self.db.read() as c:
            rows = await c.execute(select(table).where(table.c.telegram_id == telegram_id)
                                   .order_by(table.c.created_at, table.c.id))
            return [dict(r) for r in rows.mappings()]

    # --- questions and wins: retry-safe intake, answers in the caller's transaction -----------
    async def question_by_source(self, chat_id: int, message_id: int) -> Row | None:
        """The question made from the student's message (chat, id): a retried update finds it."""
        return await by_source(self.db, t.questions, chat_id, message_id)

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
        return await by_source(self.db, t.submissions, chat_id, message_id)

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
