"""A handler's changes and the outbox rows it queues, one unit of work on the REST backend
(issue 16.4), and exactly where that cannot hold (``shared/storage/rest/db.py``'s docstring).

On SQLite and PostgreSQL a handler's ``async with storage.db.write() as conn:`` block is one
transaction. Over PostgREST a change made with an rpc function commits in its own request, and
the rows the block holds (its outbox rows, its flow state) commit when the block ends:

* closed: the rows held *before* a change go along with its rpc call (``app_rpc_after_writes``,
  migration 0014) and commit in its transaction, or not at all;
* not closable: rows queued *after* a change are built from its answer, so they can only be sent
  once it has committed. A crash or a failed request between the two loses them, and a retry
  of the update finds the change made and queues nothing: shown here with the grading handler.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import NoResultFound
from telegram import User

from avap_bot.handlers.grading import _record_grade
from shared.config import normalise_database_url
from shared.errors import StorageUnavailable
from shared.storage import Storage, open_storage
from shared.storage import schema as t
from shared.storage.rest import RestError, RestUnavailable
from shared.storage.rest.client import RetryPolicy
from shared.telegram_outbox import send_later
from tests.conftest import open_supabase_storage
from tests.fakes.postgrest import FakePostgrest

ADMIN = User(1, "Grace", False)
STUDENT = 100


@pytest.fixture
async def rest(supabase: FakePostgrest):
    st = await open_supabase_storage(supabase)
    st.db.client.policy = RetryPolicy(attempts=1)   # a failed request fails the block at once
    try:
        yield st
    finally:
        await st.close()


async def _submission(st: Storage) -> dict[str, Any]:
    """A student's submission with its card in the admins' group."""
    _, buyer = await st.avap.upsert_buyer(name="Ada", email="ada@example.com", phone=None,
                                          source="test", added_by=1)
    await st.avap.verify(buyer_id=buyer, telegram_id=STUDENT, username="ada")
    row = await st.avap.create_submission(telegram_id=STUDENT, module="M1", kind="text",
                                          content="my work", file_id=None,
                                          source_chat_id=STUDENT, source_message_id=1)
    await st.avap.set_submission_card(row["id"], -100, 5)
    return await st.avap.get_submission(row["id"])


async def _queued(st: Storage) -> list[dict[str, Any]]:
    """The outbox rows' payloads, oldest first (over any backend)."""
    async with st.db.read() as c:
        rows = await c.execute(select(t.outbox.c.kind, t.outbox.c.payload)
                               .order_by(t.outbox.c.id))
        return [{"kind": r.kind, **r.payload} for r in rows]


def _handler_args(st: Storage) -> tuple[Any, Any]:
    update = SimpleNamespace(effective_user=ADMIN)
    context = SimpleNamespace(services=SimpleNamespace(storage=st, outbox=st.outbox))
    return update, context


async def test_rows_queued_before_a_change_commit_in_its_transaction(
        rest: Storage, supabase: FakePostgrest) -> None:
    submission = await _submission(rest)
    services = SimpleNamespace(outbox=rest.outbox)
    supabase.clear()
    with pytest.raises(RestUnavailable):
        async with rest.db.write() as conn:
            await send_later(services, "avap", STUDENT, "before", conn=conn)       # held
            row = await rest.avap.record_grade(submission["id"], 5, None, ADMIN.id, conn=conn)
            assert row is not None and row["grade"] == 5
            await send_later(services, "avap", STUDENT, "after", conn=conn)        # held
            supabase.fail_next(503, code="PGRST000", path_contains="/rest/v1/outbox")
    change, flush = supabase.requests
    assert change.path == "/rest/v1/rpc/app_rpc_after_writes"
    assert change.body["p_function"] == "app_avap_record_grade"
    assert [op["table"] for op in change.body["p_ops"]] == ["outbox"]
    assert (flush.path, flush.status) == ("/rest/v1/outbox", 503)
    # the row queued before the grade committed with it; the one queued after did not
    assert [q["text"] for q in await _queued(rest)] == ["before"]
    assert (await rest.avap.get_submission(submission["id"]))["grade"] == 5


async def test_a_change_that_fails_takes_the_rows_held_before_it_back(
        rest: Storage, supabase: FakePostgrest) -> None:
    services = SimpleNamespace(outbox=rest.outbox)
    with pytest.raises(NoResultFound):
        async with rest.db.write() as conn:
            await send_later(services, "avap", STUDENT, "before", conn=conn)
            await rest.avap.verify(buyer_id=999, telegram_id=STUDENT, username=None, conn=conn)
    assert await _queued(rest) == []
    # a refused call rolls the held rows back with it, and the block still holds them: a caller
    # that handles the refusal and goes on commits them at its end, as a SQL transaction would
    async with rest.db.write() as conn:
        await send_later(services, "avap", STUDENT, "kept", conn=conn)
        with pytest.raises(RestError):
            await conn.rpc("app_avap_verify", {"p_buyer_id": 999, "p_telegram_id": STUDENT,
                                               "p_username": None, "p_now": "2026-01-01",
                                               "p_report": False})
        assert await _queued(rest) == []
    assert [q["text"] for q in await _queued(rest)] == ["kept"]


async def test_where_it_cannot_be_closed_a_grade_commits_and_its_messages_are_lost(
        rest: Storage, supabase: FakePostgrest) -> None:
    """``avap_bot/handlers/grading.py`` ``_record_grade``: ``record_grade`` (an rpc) commits the
    grade; the student's message and the card's edit are built from its answer and flushed
    after it (``app_apply_writes``). That request failing (or the process dying before it)
    loses both, and the update's retry finds the submission graded and sends nothing."""
    submission = await _submission(rest)
    update, context = _handler_args(rest)
    supabase.fail_next(503, code="PGRST000", path_contains="/rest/v1/rpc/app_apply_writes")
    with pytest.raises(RestUnavailable):
        await _record_grade(update, context, submission, 5, None, replace=False)
    assert (await rest.avap.get_submission(submission["id"]))["status"] == "graded"
    assert await _queued(rest) == []                          # the follow-ups were lost
    # the inbox retries the update: "graded meanwhile", and the student is never told
    assert await _record_grade(update, context, submission, 5, None, replace=False) is None
    assert await _queued(rest) == []


async def test_on_sql_the_same_failure_takes_the_grade_back_and_the_retry_tells_the_student(
        tmp_path) -> None:
    st = await open_storage(normalise_database_url(f"sqlite:///{tmp_path}/t.db"))
    try:
        submission = await _submission(st)
        update, context = _handler_args(st)
        enqueue = st.outbox.enqueue
        failures = iter([StorageUnavailable("the database went away")])

        async def failing_once(*args: Any, **kwargs: Any) -> None:
            failure = next(failures, None)
            if failure is not None:
                raise failure
            await enqueue(*args, **kwargs)
        st.outbox.enqueue = failing_once  # type: ignore[method-assign]
        with pytest.raises(StorageUnavailable):
            await _record_grade(update, context, submission, 5, None, replace=False)
        assert (await st.avap.get_submission(submission["id"]))["status"] == "submitted"
        assert await _record_grade(update, context, submission, 5, None, replace=False)
        assert [q["chat_id"] for q in await _queued(st)] == [STUDENT, -100]
    finally:
        await st.close()
