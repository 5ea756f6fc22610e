"""A handler's changes and the outbox rows it queues, one unit of work on the REST backend
(issue 16.4), and exactly where that cannot hold (``shared/storage/rest/db.py``'s docstring).

On SQLite and PostgreSQL a handler's ``async with storage.db.write() as conn:`` block is one
transaction. Over PostgREST a change made with an rpc function commits in its own request, and
the rows the block holds (its outbox rows, its flow state) commit when the block ends:

* closed: the rows held *before* a change go along with its rpc call (``app_rpc_after_writes``,
  migration 0014) and commit in its transaction, or not at all;
* not closable: rows queued *after* a change are built from its answer, so they can only be sent
  once it has committed. A crash or a failed request between the two loses them, and a retry
  of the update finds the change made and queues nothing: shown here with the grading handler;
  ``BLOCKS`` below says it for every write block of the code, and a new block fails
  ``test_every_write_block_is_accounted_for`` until it is added there.
"""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import NoResultFound
from telegram import User

from avap_bot.handlers.grading import _record_grade
from shared.config import Secret, normalise_database_url
from shared.errors import StorageUnavailable
from shared.storage import Storage, open_storage
from shared.storage import schema as t
from shared.storage.rest import RestError, RestUnavailable
from shared.storage.rest.client import RetryPolicy
from shared.telegram_outbox import send_later
from tests.conftest import open_supabase_storage
from tests.fakes.postgrest import FakePostgrest

ROOT = Path(__file__).resolve().parents[2]
ADMIN = User(1, "Grace", False)

# Every ``async with ....write() as conn:`` block outside the repositories, and what it is on the
# REST backend. ONE: a single request (only held rows, or one function). SPLIT: a change commits
# in a request of its own and what follows it is lost on a crash or a failed request between
# them: which change, what is lost, what the update's retry does.
BLOCKS = {
    "avap_bot/handlers/digest.py:send_digest": "ONE: the digest's messages, held, one request",
    "avap_bot/handlers/buyers.py:import_csv":
        "SPLIT (harmless): one app_avap_upsert_buyer per row, nothing queued; a crash imports "
        "part of the file, and the retry upserts the same rows again",
    "avap_bot/handlers/faq.py:_import":
        "SPLIT (harmless): one insert per entry, nothing queued; a crash imports part of the "
        "file",
    "avap_bot/handlers/grading.py:_record_grade":
        "SPLIT: record_grade commits; the student's message and the card edit are lost; the "
        "retry finds it graded and sends nothing (the test below)",
    "avap_bot/handlers/grading.py:_record_revision":
        "SPLIT: record_revision commits; the student's message (with Resubmit) and the card "
        "edit are lost; the retry finds the revision asked and sends nothing",
    "avap_bot/handlers/buyers.py:revoke":
        "ONE (closed): the Systeme.io revocation and the student's message are queued first "
        "and commit with revoke_student; only the flow reset after it (a DELETE) can be lost, "
        "harmless for a revoked student (the test below)",
    "avap_bot/handlers/matching.py:_join":
        "SPLIT: join_pool commits the pair; the partner's introduction and hello step are "
        "lost; the retry puts the student back in the pool (the partner is out of it)",
    "avap_bot/handlers/questions.py:_deliver_answer":
        "SPLIT: the suggestion's decision (a PATCH) and record_answer commit one by one; the "
        "answer to the student, the card edits and the confirmation are lost; the retry finds "
        "the suggestion decided, or appends the answer again as a follow-up",
    "avap_bot/handlers/verification.py:_look_up":
        "SPLIT (heals): create_request commits; the admins' card is lost; the retry replaces "
        "the request and queues the new one's card",
    "avap_bot/handlers/verification.py:manual_review":
        "SPLIT (heals): as _look_up",
    "avap_bot/handlers/verification.py:_decide":
        "SPLIT: decide_request (a PATCH) commits first; a crash then leaves the request "
        "approved and the student unverified (verify, the Systeme.io row, the flow reset and "
        "the messages are lost); the retry says 'done already'. The message to a moved "
        "account, held before verify, commits with it",
    "avap_bot/handlers/verification.py:reject":
        "SPLIT: decide_request (a PATCH) commits; the flow reset, the student's message and "
        "the card edit are lost; the retry says 'done already'",
    "avap_bot/handlers/wins.py:win_received":
        "SPLIT: share_win commits; the relay to the support group is lost; the retry finds "
        "the win stored and posts nothing",
    "avap_bot/routes/admin.py:reset_verification":
        "SPLIT: reset_verification commits; the flow reset and the Systeme.io revocation are "
        "lost; the retried request gets 404",
    "avap_bot/routes/systeme.py:process_event":
        "SPLIT: claim_message (an insert) commits first; a crash then makes Systeme.io's "
        "retry a duplicate: the buyer is never added, the cancellation notice never sent",
    "shared/inbox.py:_process":
        "SPLIT: the flow state (held, or a DELETE when the flow ends) and mark_done (a PATCH) "
        "are two requests; a crash between them leaves the next step saved and the update "
        "not done, so its retry runs on the next step",
}
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
    await st.avap.set_card("submission", row["id"], -100, 5)
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


async def test_a_call_with_held_rows_answers_as_the_function_alone(
        rest: Storage, supabase: FakePostgrest) -> None:
    """``app_rpc_after_writes`` gives each function's answer in PostgREST's own shape, whatever
    the function returns (a set of rows, a table, jsonb, a scalar, an array, nothing) and
    whatever its parameters' types (arrays, jsonb, timestamps, NULL, defaults left out)."""
    submission = await _submission(rest)
    post = await rest.shopping.create_post(created_by=1, post_format="text", text="t")
    [link] = await rest.shopping.replace_links(post, [{"label": "Go", "url": "https://x.org"}])
    assert await rest.shopping.schedule_post(post, datetime(2029, 1, 1, tzinfo=UTC))
    await rest.copilot.add_faq("how do I submit?", "with /submit", 1)
    calls: list[tuple[str, dict[str, Any]]] = [
        ("app_avap_report_rows", {"p_table": "submissions", "p_ids": [submission["id"]],
                                  "p_after": None, "p_limit": 10}),            # jsonb, bigint[]
        ("app_avap_audience", {"p_module": None, "p_after": None, "p_limit": 10}),  # bigint[]
        ("app_avap_stats", {"p_since": "2026-01-01T00:00:00+00:00"}),              # jsonb
        ("app_shop_count_by_status", {}),                                       # no arguments
        ("app_shop_due_posts", {"p_now": "2030-01-01T00:00:00+00:00", "p_limit": 5}),
        ("app_analytics_link", {"p_code": link["code"]}),                       # TABLE
        ("app_copilot_search", {"p_terms": ["submit"], "p_exclude": None, "p_limit": 5}),
        ("app_schema_version", {}),                                             # integer
        ("app_outbox_claim", {"p_owner": "x", "p_limit": 0, "p_lease_seconds": 1,
                              "p_now": "2026-01-01T00:00:00+00:00"}),           # older overload
    ]
    services = SimpleNamespace(outbox=rest.outbox)
    for function, args in calls:
        alone = await rest.db.rpc(function, args)
        async with rest.db.write() as conn:
            await send_later(services, "avap", STUDENT, function, conn=conn)
            supabase.clear()
            along = await conn.rpc(function, args)
            [sent] = supabase.requests
            assert sent.path == "/rest/v1/rpc/app_rpc_after_writes", function
        assert along == alone, function
        assert alone not in (None, [], {}) or function == "app_outbox_claim", function
    assert [q["text"] for q in await _queued(rest)] == [f for f, _ in calls]
    # a function that returns nothing (void) answers null, as PostgREST sends it
    async with rest.db.write() as conn:
        await send_later(services, "avap", STUDENT, "void", conn=conn)
        assert await conn.rpc("app_shop_touch_user", {
            "p_telegram_id": 5, "p_username": None, "p_first_name": "A", "p_last_name": None,
            "p_now": "2026-01-01T00:00:00+00:00"}) is None
    assert (await rest.shopping.get_user(5))["first_name"] == "A"


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


async def test_a_revocation_and_its_follow_ups_commit_together(
        rest: Storage, supabase: FakePostgrest) -> None:
    """``avap_bot/handlers/buyers.py`` ``revoke``: its follow-ups do not depend on the change's
    answer, so they are queued before it and go with its rpc call."""
    from avap_bot.handlers.buyers import revoke
    from avap_bot.integrations.systeme import SYSTEME_REVOKED

    await _submission(rest)
    await rest.flows.save("avap", STUDENT, STUDENT, "some_step", {})
    replies: list[str] = []

    async def reply_text(text: str, **kwargs: Any) -> None:
        replies.append(text)
    update = SimpleNamespace(effective_user=ADMIN,
                             effective_message=SimpleNamespace(reply_text=reply_text))
    _, context = _handler_args(rest)
    context.args = [str(STUDENT)]
    context.services.settings = SimpleNamespace(systeme_api_key=Secret("key"))
    supabase.clear()
    supabase.fail_next(503, code="PGRST000", path_contains="/rest/v1/flow_state")
    with pytest.raises(RestUnavailable):
        await revoke.__wrapped__(update, context)
    [change] = [r for r in supabase.requests if r.path.startswith("/rest/v1/rpc/")]
    assert change.path == "/rest/v1/rpc/app_rpc_after_writes"
    assert change.body["p_function"] == "app_avap_revoke_student"
    assert [op["table"] for op in change.body["p_ops"]] == ["outbox", "outbox"]
    assert (await rest.avap.find_student(telegram_id=STUDENT))["status"] == "revoked"
    assert [q["kind"] for q in await _queued(rest)] == [SYSTEME_REVOKED, "telegram.message"]
    assert replies == []                     # the admin is told once the block has committed


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


def write_blocks() -> set[str]:
    """``path:function`` of every ``async with <...>.write(...)`` and ``<...>.run_write(...)``
    outside the repositories."""
    found = set()
    for package in ("avap_bot", "shopping_bot", "shared"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "storage" in path.relative_to(ROOT).parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for fn in ast.walk(tree):
                if not isinstance(fn, (ast.AsyncFunctionDef, ast.FunctionDef)):
                    continue
                for node in ast.walk(fn):
                    block = isinstance(node, ast.AsyncWith) and any(
                        isinstance(i.context_expr, ast.Call)
                        and isinstance(i.context_expr.func, ast.Attribute)
                        and i.context_expr.func.attr == "write" for i in node.items)
                    # ``db.run_write(steps)``: several statements as one unit of work
                    steps = (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                             and node.func.attr == "run_write")
                    if block or steps:
                        found.add(f"{path.relative_to(ROOT).as_posix()}:{fn.name}")
    return found


def test_every_write_block_is_accounted_for() -> None:
    found = write_blocks()
    assert "avap_bot/handlers/grading.py:_record_grade" in found
    assert not found - set(BLOCKS), f"new write blocks: say in BLOCKS what they are on REST: " \
                                    f"{sorted(found - set(BLOCKS))}"
    assert not set(BLOCKS) - found, f"gone: {sorted(set(BLOCKS) - found)}"
