"""Repository of the support desk's copilot: the FAQ, the full-text search over past answers and
FAQ entries, the suggestions posted under question cards, and the day's OpenAI token use.

The search takes words (already normalised and expanded by the caller) and finds rows that
contain any of them, stemmed: SQLite's FTS5 tables (``bm25``) or PostgreSQL's tsvector columns
(``ts_rank``, in the ``app_copilot_search`` function, which the REST backend calls too), both
kept up to date by the database itself (migration 0013). Scores are "higher is better" on both.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from avap_bot.storage import tables as t
from shared.storage.db import Database, Repo, upsert, utcnow

Row = dict[str, Any]
WORD = re.compile(r"^[^\W_]+$")
OPEN = "ready"
COMMON = 0.2          # a word in more than this share of the questions is left out of a search
COMMON_TTL = 600.0    # seconds a word's count is trusted (SQLite; PostgreSQL has statistics)
DECIDED = ("sent", "edited", "dismissed", "superseded")

# FTS5 ranks first (``rank`` with the column weights: its fast path), on the index alone; the
# rows are read only for the best ``wide`` (open questions are indexed too, and left out here)
_SQLITE_SEARCH = {
    "question": text(
        "SELECT 'question' AS kind, q.id, q.telegram_id, q.content AS question, q.answer, "
        "-f.score AS score FROM (SELECT rowid AS id, rank AS score FROM questions_fts "
        "WHERE questions_fts MATCH :match AND rank MATCH 'bm25(4.0, 1.0)' "
        "ORDER BY rank LIMIT :wide) f JOIN questions q ON q.id = f.id "
        "WHERE q.answered AND q.answer IS NOT NULL AND q.id <> :exclude "
        "ORDER BY f.score, q.id DESC LIMIT :limit"),
    "faq": text(
        "SELECT 'faq' AS kind, f.id, NULL AS telegram_id, f.question, f.answer, "
        "-x.score AS score FROM (SELECT rowid AS id, rank AS score FROM faq_entries_fts "
        "WHERE faq_entries_fts MATCH :match AND rank MATCH 'bm25(4.0, 1.0)' "
        "ORDER BY rank LIMIT :wide) x JOIN faq_entries f ON f.id = x.id "
        "ORDER BY x.score, f.id DESC LIMIT :limit"),
}


def median(values: list[float]) -> float | None:
    if not values:
        return None
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


class CopilotRepo(Repo):
    """FAQ, search, suggestions and token use (SQLite and PostgreSQL)."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._counts: dict[str, tuple[float, int]] = {}   # word -> (when, questions with it)

    # --- search ---------------------------------------------------------------------------
    async def search(self, words: list[str], *, exclude: int | None = None,
                     limit: int = 20) -> list[Row]:
        """Answered questions and FAQ entries holding any of ``words`` (``limit`` of each),
        best first per kind: {kind, id, telegram_id, question, answer, score}."""
        words = [w for w in dict.fromkeys(words) if WORD.match(w)]
        if not words:
            return []
        if self.db.dialect == "postgresql":
            stmt = text("SELECT * FROM app_copilot_search(:terms, :exclude, :limit)")
            async with self.db.read() as c:
                rows = (await c.execute(stmt, {"terms": words, "exclude": exclude,
                                               "limit": limit})).mappings()
                return [dict(r) for r in rows]
        found: list[Row] = []
        async with self.db.read() as c:
            common = await self._common(c, words)
            match = " OR ".join(f'"{w}"' for w in words if w not in common) or \
                " OR ".join(f'"{w}"' for w in words)
            for stmt in _SQLITE_SEARCH.values():
                rows = await c.execute(stmt, {"match": match, "exclude": exclude or -1,
                                              "limit": limit, "wide": 3 * limit})
                found.extend(dict(r) for r in rows.mappings())
        return found

    async def _common(self, c: AsyncConnection, words: list[str]) -> set[str]:
        """The words found in more than ``COMMON`` of the questions (SQLite): they tell little,
        and scoring every question that holds one would cost more than the rest of the search
        (what PostgreSQL's statistics do in ``app_copilot_search``). Counts are cached."""
        now = time.monotonic()
        total = await self._count(c, "", now)
        if total < 50:
            return set()
        return {w for w in words if await self._count(c, w, now) > COMMON * total}

    async def _count(self, c: AsyncConnection, word: str, now: float) -> int:
        cached = self._counts.get(word)
        if cached is not None and now - cached[0] < COMMON_TTL:
            return cached[1]
        if word:
            stmt = text("SELECT count(*) FROM questions_fts WHERE questions_fts MATCH :m")
            n = int((await c.execute(stmt, {"m": f'"{word}"'})).scalar_one())
        else:
            n = int((await c.execute(text("SELECT count(*) FROM questions"))).scalar_one())
        if len(self._counts) > 10_000:
            self._counts.clear()
        self._counts[word] = (now, n)
        return n

    # --- FAQ ------------------------------------------------------------------------------
    async def add_faq(self, question: str, answer: str, by: int | None,
                      conn: AsyncConnection | None = None) -> int:
        f = t.faq_entries
        async with self.db.write(conn) as c:
            row = (await c.execute(insert(f).values(
                question=question, answer=answer, created_by=by, created_at=utcnow())
                .returning(f.c.id))).first()
        return int(row[0])

    async def list_faq(self, limit: int = 200) -> list[Row]:
        f = t.faq_entries
        async with self.db.read() as c:
            rows = await c.execute(select(f).order_by(f.c.id).limit(limit))
            return [dict(r) for r in rows.mappings()]

    async def get_faq(self, faq_id: int) -> Row | None:
        f = t.faq_entries
        async with self.db.read() as c:
            row = (await c.execute(select(f).where(f.c.id == faq_id))).mappings().first()
        return dict(row) if row is not None else None

    async def remove_faq(self, faq_id: int) -> bool:
        f = t.faq_entries
        async with self.db.write() as c:
            gone = (await c.execute(f.delete().where(f.c.id == faq_id).returning(f.c.id))).first()
        return gone is not None

    # --- suggestions ----------------------------------------------------------------------
    async def suggestion_for(self, question_id: int) -> Row | None:
        s = t.suggestions
        async with self.db.read() as c:
            row = (await c.execute(select(s).where(s.c.question_id == question_id))
                   ).mappings().first()
        return dict(row) if row is not None else None

    async def get_suggestion(self, suggestion_id: int) -> Row | None:
        s = t.suggestions
        async with self.db.read() as c:
            row = (await c.execute(select(s).where(s.c.id == suggestion_id))).mappings().first()
        return dict(row) if row is not None else None

    async def create_suggestion(self, question_id: int, *, status: str, draft: str | None = None,
                                source: str | None = None, sendable: bool = False,
                                used_model: bool = False) -> Row:
        """The question's suggestion; the one already stored when there is one (a retry)."""
        s = t.suggestions
        stmt = upsert(self.db, s).values(
            question_id=question_id, status=status, draft=draft, source=source,
            sendable=sendable, used_model=used_model, created_at=utcnow(),
        ).on_conflict_do_nothing(index_elements=["question_id"])
        async with self.db.write() as c:
            await c.execute(stmt)
        row = await self.suggestion_for(question_id)
        assert row is not None
        return row

    async def set_suggestion_message(self, suggestion_id: int, chat_id: int,
                                     message_id: int) -> None:
        s = t.suggestions
        async with self.db.write() as c:
            await c.execute(update(s).where(s.c.id == suggestion_id).values(
                chat_id=chat_id, message_id=message_id))

    async def decide(self, suggestion_id: int, status: str, by: int | None,
                     conn: AsyncConnection | None = None) -> Row | None:
        """Close a ready suggestion as ``status``: the row, or None when it was not ready (an
        admin decided first, or no such suggestion)."""
        s = t.suggestions
        async with self.db.write(conn) as c:
            row = (await c.execute(update(s).where(s.c.id == suggestion_id, s.c.status == OPEN)
                                   .values(status=status, decided_by=by, decided_at=utcnow())
                                   .returning(*s.c))).mappings().first()
        return dict(row) if row is not None else None

    # --- token budget ---------------------------------------------------------------------
    async def tokens_used(self, day: str) -> int:
        u = t.copilot_usage
        async with self.db.read() as c:
            found = (await c.execute(select(u.c.tokens).where(u.c.day == day))).scalar()
        return int(found or 0)

    async def add_tokens(self, day: str, tokens: int) -> int:
        """Add ``tokens`` to the day's count; the new total."""
        u = t.copilot_usage
        stmt = upsert(self.db, u).values(day=day, tokens=tokens, alerted=False)
        stmt = stmt.on_conflict_do_update(index_elements=["day"], set_={
            "tokens": u.c.tokens + stmt.excluded.tokens}).returning(u.c.tokens)
        async with self.db.write() as c:
            return int((await c.execute(stmt)).scalar_one())

    async def mark_alerted(self, day: str) -> bool:
        """True for the one caller that marks the day's budget alert as sent."""
        u = t.copilot_usage
        stmt = upsert(self.db, u).values(day=day, tokens=0, alerted=True)
        stmt = stmt.on_conflict_do_update(index_elements=["day"], set_={"alerted": True},
                                          where=u.c.alerted.is_(False)).returning(u.c.day)
        async with self.db.write() as c:
            return (await c.execute(stmt)).first() is not None

    # --- statistics -----------------------------------------------------------------------
    async def stats(self) -> dict[str, Any]:
        """{statuses: {status: n}, median_with_s, median_without_s}: suggestions by outcome,
        and the median answer time of answered questions with and without a posted one."""
        if self.db.dialect == "postgresql":
            async with self.db.read() as c:
                found = (await c.execute(text("SELECT app_copilot_stats()"))).scalar_one()
            return self._stats(found)
        s, q = t.suggestions, t.questions
        async with self.db.read() as c:
            statuses = {r[0]: int(r[1]) for r in await c.execute(
                select(s.c.status, func.count()).group_by(s.c.status))}
            rows = (await c.execute(
                select(q.c.created_at, q.c.answered_at, s.c.message_id)
                .select_from(q.outerjoin(s, s.c.question_id == q.c.id))
                .where(q.c.answered_at.is_not(None)))).all()
        with_s = [(a - c_).total_seconds() for c_, a, m in rows if m is not None]
        without = [(a - c_).total_seconds() for c_, a, m in rows if m is None]
        return {"statuses": statuses, "median_with_s": median(with_s),
                "median_without_s": median(without)}

    @staticmethod
    def _stats(found: Any) -> dict[str, Any]:
        """The shape of ``stats`` from ``app_copilot_stats``'s jsonb."""
        if isinstance(found, str):
            import json

            found = json.loads(found)
        return {"statuses": {k: int(v) for k, v in (found.get("statuses") or {}).items()},
                "median_with_s": None if found.get("with") is None else float(found["with"]),
                "median_without_s": (None if found.get("without") is None
                                     else float(found["without"]))}


def day_of(moment: datetime | None = None) -> str:
    """The UTC day a token count belongs to: "2026-12-06"."""
    return (moment or utcnow()).strftime("%Y-%m-%d")
