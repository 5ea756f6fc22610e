"""Acceptance 7: an outbox target that fails five times and then recovers gets the effect once."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy import select

from shared.errors import Deferred, PermanentError
from shared.outbox import SERVICES, OutboxWorker, backoff_seconds
from shared.storage import Storage
from shared.storage import schema as t
from tests.eventually import eventually_async

TARGET = "https://api.systeme.io/api/contacts/17/tags"


async def test_effect_happens_once_after_five_failures(storage: Storage) -> None:
    applied: list[dict] = []
    answers = iter([httpx.Response(500)] * 4 + [httpx.Response(429)] + [httpx.Response(201)])

    def target(request: httpx.Request) -> httpx.Response:
        response = next(answers)
        if response.status_code == 201:
            applied.append({"body": request.content, "key": request.headers["idempotency-key"]})
        return response

    worker = OutboxWorker(storage, instance="test", retry_base=0.01)

    async def add_tag(payload: dict[str, Any]) -> None:
        async with httpx.AsyncClient() as client:
            resp = await client.post(TARGET, json={"tagId": payload["tag"]},
                                     headers={"Idempotency-Key": payload["key"]})
            resp.raise_for_status()

    worker.register("systeme.tag", add_tag)
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(TARGET).mock(side_effect=target)
        if storage.backend == "supabase":
            mock.route(host="127.0.0.1").pass_through()
        await worker.enqueue("systeme.tag", {"tag": 5, "key": "verified:17"},
                             dedupe_key="verified:17")
        worker.start()
        try:
            await eventually_async(lambda: _pending_is(storage, 0))
            await asyncio.sleep(0.2)  # nothing more may happen after success
        finally:
            await worker.stop()
    assert route.call_count == 6
    assert len(applied) == 1 and applied[0]["key"] == "verified:17"
    assert await storage.outbox.counts(3) == {"pending": 0, "stuck": 0, "failed": 0}


async def _pending_is(storage: Storage, n: int) -> bool:
    return (await storage.outbox.counts(100))["pending"] == n


async def test_permanent_failure_is_kept_and_reported_once(storage: Storage) -> None:
    reported: list[str] = []
    worker = OutboxWorker(storage, instance="test", retry_base=0.01)

    async def reject(payload: dict[str, Any]) -> None:
        raise PermanentError("422: invalid email")

    async def on_stuck(row: Any, error: str) -> None:
        reported.append(error)

    worker.register("crm", reject)
    worker.on_stuck = on_stuck
    await worker.enqueue("crm", {"n": 1})
    assert await worker.drain_once() == 1
    assert await worker.drain_once() == 0
    assert await storage.outbox.counts(3) == {"pending": 0, "stuck": 0, "failed": 1}
    assert reported == ["422: invalid email"]


async def test_rows_that_keep_failing_are_reported_after_the_threshold(storage: Storage) -> None:
    reported: list[int] = []
    worker = OutboxWorker(storage, instance="test", retry_base=0.001, alert_after=3)

    async def down(payload: dict[str, Any]) -> None:
        raise httpx.ConnectError("connection refused")

    async def on_stuck(row: Any, error: str) -> None:
        reported.append(row.attempts)

    worker.register("sheets", down)
    worker.on_stuck = on_stuck
    await worker.enqueue("sheets", {"n": 1})
    for _ in range(5):
        await worker.drain_once()
        await asyncio.sleep(0.02)
    counts = await storage.outbox.counts(3)
    assert counts["pending"] == 1 and counts["stuck"] == 1  # kept, still retried
    assert reported == [3]  # reported once, not at every later failure


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff_seconds(n, 2.0) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    assert backoff_seconds(40, 2.0) == 3600


@pytest.mark.parametrize("kind", ["unknown.kind"])
async def test_unknown_kind_is_retried_not_dropped(storage: Storage, kind: str) -> None:
    worker = OutboxWorker(storage, instance="test", retry_base=60)
    await worker.enqueue(kind, {"n": 1})
    assert await worker.drain_once() == 1
    assert (await storage.outbox.counts(100))["pending"] == 1


async def test_a_row_queued_in_a_transaction_is_delivered_at_its_commit(storage: Storage) -> None:
    """The worker wakes when the transaction commits, not only on its idle poll."""
    storage.db.idle_poll_seconds = 60            # only the commit can wake it in time
    delivered: list[float] = []
    worker = OutboxWorker(storage, instance="test")

    async def deliver(payload: dict[str, Any]) -> None:
        delivered.append(asyncio.get_running_loop().time())

    worker.register("note", deliver)
    worker.start()
    try:
        await asyncio.sleep(0.1)                 # the worker is idle, waiting
        async with storage.db.write() as conn:
            await worker.enqueue("note", {"n": 1}, conn=conn)
            await asyncio.sleep(0.3)             # the early wake finds nothing committed yet
        committed = asyncio.get_running_loop().time()

        async def done() -> bool:
            return bool(delivered)

        await eventually_async(done, timeout=5)
        assert delivered[0] - committed < 2
    finally:
        await worker.stop()


async def test_only_a_commit_that_queued_a_row_wakes_the_worker(storage: Storage) -> None:
    """Other writes (scheduler runs, flow state) and a rolled-back queuing cost no claim: on
    the REST backend every claim is a request to Supabase."""
    storage.db.idle_poll_seconds = 60
    claims = 0
    claim = storage.outbox.claim

    async def counting_claim(*args: Any, **kwargs: Any) -> Any:
        nonlocal claims
        claims += 1
        return await claim(*args, **kwargs)

    storage.outbox.claim = counting_claim  # type: ignore[method-assign]
    worker = OutboxWorker(storage, instance="test")
    worker.register("note", lambda payload: asyncio.sleep(0))
    worker.start()
    try:
        await asyncio.sleep(0.2)
        assert claims == 1                       # the first look at start
        for i in range(3):                       # writes that queue nothing
            await storage.flows.save("avap", 1, i, "step", {})
        with pytest.raises(RuntimeError):        # a queuing that rolls back
            async with storage.db.write() as conn:
                await storage.outbox.enqueue("note", {"n": 1}, conn=conn)
                raise RuntimeError("the handler failed")
        await asyncio.sleep(0.3)
        assert claims == 1
        async with storage.db.write() as conn:   # a queuing that commits
            await storage.outbox.enqueue("note", {"n": 2}, conn=conn)

        async def woke() -> bool:
            return claims >= 2

        await eventually_async(woke, timeout=5)
        # the row is marked done just after its delivery: wait for that, not only the claim
        await eventually_async(lambda: _pending_is(storage, 0), timeout=5)
        assert await storage.outbox.counts(8) == {"pending": 0, "stuck": 0, "failed": 0}
    finally:
        await worker.stop()


async def test_a_deferred_row_frees_its_slot_and_comes_back_without_an_attempt(
        storage: Storage) -> None:
    """A delivery whose chat is at Telegram's pace raises Deferred: the row goes back in the
    queue for later, the rows behind it are delivered at once, and no attempt is counted (so a
    long pace never looks like a failing delivery)."""
    storage.db.idle_poll_seconds = 60            # the worker must wake for the deferral itself
    turns: dict[int, int] = {}
    delivered: list[tuple[int, float]] = []
    loop = asyncio.get_running_loop()

    async def paced(payload: dict[str, Any]) -> None:
        n = payload["n"]
        turns[n] = turns.get(n, 0) + 1
        if turns[n] <= 2:                        # twice "not now", then it goes
            raise Deferred(0.5)
        delivered.append((n, loop.time()))

    async def message(payload: dict[str, Any]) -> None:
        delivered.append((payload["n"], loop.time()))

    worker = OutboxWorker(storage, instance="test", concurrency=1)
    worker.register("card", paced)
    worker.register("message", message)
    for n in range(4):
        await worker.enqueue("card", {"n": n})
    await worker.enqueue("message", {"n": 99})
    started = loop.time()
    worker.start()
    try:
        async def all_delivered() -> bool:
            return len(delivered) == 5

        await eventually_async(all_delivered, timeout=10)
        # each row is marked done just after its delivery returns: stopping before that would
        # leave the last one pending (to be delivered again: at least once)
        await eventually_async(lambda: _pending_is(storage, 0), timeout=5)
    finally:
        await worker.stop()
    first, at = delivered[0]
    assert first == 99 and at - started < 0.9    # not behind the four paced cards
    assert sorted(n for n, _ in delivered[1:]) == [0, 1, 2, 3]
    assert delivered[-1][1] - started >= 1.0     # each card waited its two turns
    assert turns == {0: 3, 1: 3, 2: 3, 3: 3}
    async with storage.db.read() as conn:
        attempts = (await conn.execute(select(t.outbox.c.attempts))).scalars().all()
    assert sorted(attempts) == [1] * 5           # the deferrals were not counted as tries
    assert await storage.outbox.counts(2) == {"pending": 0, "stuck": 0, "failed": 0}


async def test_a_hanging_service_never_holds_a_message_back(storage: Storage) -> None:
    """Google Sheets or Systeme.io answering slowly (or timing out after a minute) keeps only
    the services lane busy: a message to a student queued meanwhile goes at once."""
    storage.db.idle_poll_seconds = 60
    loop = asyncio.get_running_loop()
    release = asyncio.Event()
    started: list[int] = []
    delivered: list[float] = []

    async def hanging(payload: dict[str, Any]) -> None:
        started.append(payload["n"])
        await release.wait()

    async def message(payload: dict[str, Any]) -> None:
        delivered.append(loop.time())

    worker = OutboxWorker(storage, instance="test", service_concurrency=2)
    worker.register("sheets.upsert", hanging, lane=SERVICES)
    worker.register("telegram.message", message)
    for n in range(6):
        await worker.enqueue("sheets.upsert", {"n": n})
    worker.start()
    try:
        async def hanging_two() -> bool:
            return len(started) == 2

        await eventually_async(hanging_two)
        queued = loop.time()
        await worker.enqueue("telegram.message", {"text": "approved"})

        async def sent() -> bool:
            return bool(delivered)

        await eventually_async(sent, timeout=5)
        assert delivered[0] - queued < 1.0
        assert len(started) == 2                 # the services lane keeps to its own slots
        release.set()
        await eventually_async(lambda: _pending_is(storage, 0))
        assert sorted(started) == list(range(6))
    finally:
        release.set()
        await worker.stop()
    with pytest.raises(ValueError, match="lane"):
        worker.register("x", message, lane="fast")
