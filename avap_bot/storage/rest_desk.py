"""REST variant of the support bot's repository: what PostgREST cannot express in one request
(joins, aggregates, ``x = x + 1``, several changes that must be all-or-nothing, such as a change
and its Google Sheets report) are rpc calls of the functions of
``migrations/0009_rest_avap.sql``; everything else is inherited and runs through the statement
translator.

A ``conn`` given to a method is a :class:`~shared.storage.rest.db.RestConnection`: its function is
called through it, so that the rows the block queued before (held by the connection) commit in
the function's transaction; what the block queues after it commits in a request of its own (see
``shared/storage/rest/db.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal

from sqlalchemy import Column, Table
from sqlalchemy.exc import NoResultFound

from avap_bot.storage import tables as t
from avap_bot.storage.desk import REPORTED_TABLES, AvapRepo, Row
from shared.storage.db import utcnow
from shared.storage.rest.client import RestError
from shared.storage.rest.db import RestDatabase, decode_rows

PAGE = 1000  # rows (or ids) per call of a paged function: PostgREST's max-rows
NO_BUYER = "22023"  # the SQLSTATE app_avap_verify raises for a missing buyer (HTTP 400)


def shaped(columns: Sequence[Column], rows: list[dict[str, Any]] | None,
           extra: Sequence[str] = ()) -> list[Row]:
    """JSON rows as the SQL backends return them: values decoded for their columns, keys in the
    order of ``columns`` (then ``extra``), nothing else."""
    decoded = decode_rows(list(columns), rows or [])
    names = [c.name for c in columns] + list(extra)
    return [{name: row.get(name) for name in names} for row in decoded]


def first(columns: Sequence[Column], rows: list[dict[str, Any]] | None) -> Row | None:
    """The first row of an rpc answer (a list of rows), shaped; None when there is none."""
    found = shaped(columns, rows)
    return found[0] if found else None


async def paged_ids(db: RestDatabase, function: str, args: dict[str, Any]) -> list[int]:
    """Every id of a function that returns an ascending page of ids after ``p_after``."""
    ids: list[int] = []
    after: int | None = None
    while True:
        page = await db.rpc(function, {**args, "p_after": after, "p_limit": PAGE}) or []
        ids.extend(int(x) for x in page)
        if len(page) < PAGE:
            return ids
        after = ids[-1]


class RestAvapRepo(AvapRepo):
    """AvapRepo over Supabase's REST API."""

    RPC_METHODS: ClassVar[frozenset[str]] = frozenset({
        "report_rows", "upsert_buyer", "verify", "revoke_student", "reset_verification",
        "audience", "create_request", "create_submission", "ungraded", "create_question",
        "unanswered", "start_broadcast", "record_delivery", "stats", "record_answer",
        "share_win", "record_grade", "record_revision"})
    LOCAL_METHODS: ClassVar[frozenset[str]] = frozenset({"record_deliveries"})

    db: RestDatabase  # type: ignore[assignment]

    @property
    def _reporting(self) -> bool:
        """Whether a change queues its Sheets mirror (``AvapRepo._report``'s condition)."""
        return self.report_to_sheets and self.outbox is not None

    async def _change(self, function: str, args: dict[str, Any], conn: Any = None) -> Any:
        """``function`` (a change, not safe to call twice) with ``args``, the time and whether
        to queue the change's Sheets report in its transaction (``p_report``)."""
        return await (conn or self.db).rpc(function, {
            **args, "p_now": utcnow(), "p_report": self._reporting}, safe=False)

    async def report_rows(self, table: str, ids: list[int] | None = None) -> list[Row]:
        """``app_avap_report_rows`` (paged by id) for the tables joined with the student's name;
        verified_users is one table and goes through the translator."""
        if table not in REPORTED_TABLES:
            raise ValueError(f"not a reported table: {table}")
        if ids is not None and not ids:
            return []
        if table == "verified_users":
            return await super().report_rows(table, ids)
        columns = list(getattr(t, table).c)
        rows: list[Row] = []
        after: int | None = None
        while True:
            page = await self.db.rpc("app_avap_report_rows", {
                "p_table": table, "p_ids": ids, "p_after": after, "p_limit": PAGE}) or []
            rows.extend(shaped(columns, page, ("student",)))
            if len(page) < PAGE:
                return rows
            after = int(rows[-1]["id"])

    # --- buyers -----------------------------------------------------------------------------
    async def upsert_buyer(self, *, name: str, email: str | None, phone: str | None,
                           source: str, added_by: int | None,
                           conn: Any = None) -> tuple[str, int]:
        """``app_avap_upsert_buyer``: ("added" | "updated", buyer id)."""
        found = await (conn or self.db).rpc("app_avap_upsert_buyer", {
            "p_name": name, "p_email": email, "p_phone": phone, "p_source": source,
            "p_added_by": added_by, "p_now": utcnow()}, safe=False)
        return str(found["outcome"]), int(found["id"])

    # --- students ---------------------------------------------------------------------------
    async def verify(self, *, buyer_id: int, telegram_id: int, username: str | None,
                     conn: Any = None) -> Row:
        """``app_avap_verify``: the buyer claimed and the student row, in one transaction."""
        try:
            found = await (conn or self.db).rpc("app_avap_verify", {
                "p_buyer_id": buyer_id, "p_telegram_id": telegram_id, "p_username": username,
                "p_now": utcnow(), "p_report": self._reporting})
        except RestError as exc:
            if exc.code == NO_BUYER:  # no such buyer: what the SQL backends raise
                raise NoResultFound(f"no buyer with id {buyer_id}") from exc
            raise
        row = first(list(t.verified_users.c), found)
        if row is None:  # the function raises when the buyer is missing: never empty
            raise NoResultFound(f"app_avap_verify returned no row for buyer {buyer_id}")
        return row

    async def _revoke(self, telegram_id: int, reset: bool, conn: Any = None) -> Row | None:
        v = t.verified_users
        found = await self._change("app_avap_revoke_student", {
            "p_telegram_id": telegram_id, "p_reset": reset}, conn)
        return first([v.c.id, v.c.buyer_id, v.c.name, v.c.email], found)

    async def revoke_student(self, telegram_id: int, conn: Any = None) -> Row | None:
        """``app_avap_revoke_student``: the student revoked and their buyer with them."""
        return await self._revoke(telegram_id, reset=False, conn=conn)

    async def reset_verification(self, telegram_id: int, conn: Any = None) -> Row | None:
        """``app_avap_revoke_student`` with ``p_reset``: the buyer goes back to the pending
        list, unclaimed, in the same transaction."""
        return await self._revoke(telegram_id, reset=True, conn=conn)

    async def audience(self, module: str | None = None) -> list[int]:
        """``app_avap_audience``, page by page."""
        return await paged_ids(self.db, "app_avap_audience", {"p_module": module})

    # --- verification requests --------------------------------------------------------------
    async def create_request(self, *, telegram_id: int, tg_name: str, tg_username: str | None,
                             buyer_id: int | None, kind: str, identifier: str | None,
                             conn: Any = None) -> int:
        """``app_avap_create_request``: the open request replaced and the new one added."""
        return int(await (conn or self.db).rpc("app_avap_create_request", {
            "p_telegram_id": telegram_id, "p_tg_name": tg_name, "p_tg_username": tg_username,
            "p_buyer_id": buyer_id, "p_kind": kind, "p_identifier": identifier,
            "p_now": utcnow()}, safe=False))

    # --- submissions ------------------------------------------------------------------------
    async def create_submission(self, *, telegram_id: int, module: str, kind: str,
                                content: str | None, file_id: str | None, source_chat_id: int,
                                source_message_id: int) -> Row:
        """``app_avap_create_submission``: numbered, stored and reported in one transaction."""
        found = await self._change("app_avap_create_submission", {
            "p_telegram_id": telegram_id, "p_module": module, "p_kind": kind,
            "p_content": content, "p_file_id": file_id, "p_source_chat_id": source_chat_id,
            "p_source_message_id": source_message_id})
        return shaped(list(t.submissions.c), found)[0]

    async def ungraded(self, limit: int = 30) -> list[Row]:
        """``app_avap_ungraded``: waiting submissions with the student's name."""
        return await self._waiting("app_avap_ungraded", t.submissions, limit)

    # --- questions --------------------------------------------------------------------------
    async def create_question(self, *, telegram_id: int, kind: str, content: str | None,
                              file_id: str | None, source_chat_id: int,
                              source_message_id: int) -> Row:
        """``app_avap_create_question``: stored and reported in one transaction."""
        found = await self._change("app_avap_create_question", {
            "p_telegram_id": telegram_id, "p_kind": kind, "p_content": content,
            "p_file_id": file_id, "p_source_chat_id": source_chat_id,
            "p_source_message_id": source_message_id})
        return shaped(list(t.questions.c), found)[0]

    async def unanswered(self, limit: int = 30) -> list[Row]:
        """``app_avap_unanswered``: open questions with the student's name."""
        return await self._waiting("app_avap_unanswered", t.questions, limit)

    async def _waiting(self, function: str, table: Table, limit: int) -> list[Row]:
        """The rows of ``table`` waiting for an admin, with the student's name."""
        found = await self.db.rpc(function, {"p_limit": limit})
        return shaped([*table.c, t.verified_users.c.name], found)

    # --- broadcasts -------------------------------------------------------------------------
    async def start_broadcast(self, broadcast_id: int, recipients: list[int],
                              progress_chat_id: int, progress_message_id: int) -> bool:
        """``app_avap_start_broadcast``: draft → sending and every delivery row, at once."""
        return bool(await self.db.rpc("app_avap_start_broadcast", {
            "p_broadcast_id": broadcast_id, "p_recipients": list(recipients),
            "p_progress_chat_id": progress_chat_id,
            "p_progress_message_id": progress_message_id, "p_now": utcnow()}, safe=False))

    async def record_deliveries(self, broadcast_id: int, outcomes: list[tuple[int, str]]) -> None:
        """One ``app_avap_record_delivery`` call per outcome (each is its own transaction)."""
        for chat_id, status in outcomes:
            await self.record_delivery(broadcast_id, chat_id, status)  # type: ignore[arg-type]

    async def record_delivery(self, broadcast_id: int, chat_id: int,
                              status: Literal["sent", "failed", "blocked"]) -> None:
        """``app_avap_record_delivery``: the outcome and its counter, once."""
        # safe to repeat: only a pending delivery changes, so a retry counts nothing twice
        await self.db.rpc("app_avap_record_delivery", {
            "p_broadcast_id": broadcast_id, "p_chat_id": chat_id, "p_status": status,
            "p_now": utcnow()})

    # --- statistics -------------------------------------------------------------------------
    async def stats(self, since: datetime) -> dict[str, Any]:
        """``app_avap_stats``: the same figures (and types) as the PostgreSQL backend."""
        found = await self.db.rpc("app_avap_stats", {"p_since": since})
        answers = found["answer_us"]
        count = int(answers["n"])
        median = None
        if count:
            low, high = int(answers["low"]) / 10**6, int(answers["high"]) / 10**6
            median = low if count % 2 else (low + high) / 2
        sub, qs = found["submissions"], found["questions"]
        per_module = [{"module": m["module"], "n": int(m["n"]),
                       "avg": None if m["avg"] is None else Decimal(m["avg"])}
                      for m in found["per_module"]]
        return {"verified": int(found["verified"]), "pending": int(found["pending"]),
                "submissions": {"total": int(sub["total"]), "waiting": int(sub["waiting"]),
                                "graded": int(sub["graded"]), "revision": int(sub["revision"])},
                "per_module": per_module,
                "questions": {"open": int(qs["open"]), "answered": int(qs["answered"]),
                              "median_answer_s": median},
                "wins": int(found["wins"]), "active_7d": int(found["active_7d"])}

    # --- questions and wins -----------------------------------------------------------------
    async def record_answer(self, question_id: int, answer: str, by: int,
                            conn: Any = None) -> tuple[Row | None, bool]:
        """``app_avap_record_answer``: (row, True) for the first answer, (row, False) for a
        follow-up, (None, False) when there is no such question."""
        found = await self._change("app_avap_record_answer", {
            "p_question_id": question_id, "p_answer": answer, "p_by": by}, conn)
        row = found.get("row")
        return (first(list(t.questions.c), [row] if row is not None else []),
                bool(found.get("first")))

    async def share_win(self, *, telegram_id: int, kind: str, content: str | None,
                        file_id: str | None, source_chat_id: int, source_message_id: int,
                        conn: Any = None) -> Row | None:
        """``app_avap_share_win``: stored once per source message; None for a retry."""
        found = await self._change("app_avap_share_win", {
            "p_telegram_id": telegram_id, "p_kind": kind, "p_content": content,
            "p_file_id": file_id, "p_source_chat_id": source_chat_id,
            "p_source_message_id": source_message_id}, conn)
        return first(list(t.wins.c), found)

    # --- grading ----------------------------------------------------------------------------
    async def record_grade(self, submission_id: int, score: int, comment: str | None, by: int,
                           *, replace: bool = False, conn: Any = None) -> Row | None:
        """``app_avap_record_grade``: graded and reported in one transaction."""
        found = await self._change("app_avap_record_grade", {
            "p_submission_id": submission_id, "p_score": score, "p_comment": comment,
            "p_by": by, "p_replace": replace}, conn)
        return first(list(t.submissions.c), found)

    async def record_revision(self, submission_id: int, comment: str, by: int,
                              conn: Any = None) -> Row | None:
        """``app_avap_record_revision``: a revision asked once, reported in one transaction."""
        found = await self._change("app_avap_record_revision", {
            "p_submission_id": submission_id, "p_comment": comment, "p_by": by}, conn)
        return first(list(t.submissions.c), found)
