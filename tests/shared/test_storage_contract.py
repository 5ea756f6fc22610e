"""The storage contract, run against SQLite, a real PostgreSQL server and Supabase's REST API
(the fake PostgREST on that server)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text, update

from shared.config import normalise_database_url
from shared.storage import Storage, open_storage
from shared.storage import schema as t
from shared.storage.migrate import apply_migrations, latest_version, load_migrations
from tests.conftest import instances


async def test_migrations_are_recorded_and_idempotent(storage: Storage) -> None:
    if storage.backend == "supabase":
        pytest.skip("migrations cannot run over PostgREST (tests/shared/test_rest_backend.py "
                    "checks the schema version instead)")
    assert await apply_migrations(storage.db) == []
    async with storage.db.read() as conn:
        versions = [r[0] for r in await conn.execute(text("SELECT version FROM schema_migrations"))]
    # every migration file, in order (a number may be reserved for a branch not merged yet)
    assert versions == [m.version for m in load_migrations()]
    assert versions[-1] == latest_version()


async def test_inbox_ignores_a_repeated_update(storage: Storage) -> None:
    await storage.inbox.add_many([("avap", 7, "1", '{"update_id":7}')])
    await storage.inbox.add_many([("avap", 7, "1", '{"update_id":7}'),
                                  ("shopping", 7, "1", '{"update_id":7}')])
    assert (await storage.inbox.counts())["pending"] == 2


async def test_inbox_claims_one_row_per_chat_in_arrival_order(storage: Storage) -> None:
    # update ids are not in arrival order on purpose: arrival (row id) decides
    await storage.inbox.add_many([("avap", 30, "a", "{}"), ("avap", 10, "a", "{}"),
                                  ("avap", 20, "b", "{}")])
    first = await storage.inbox.claim("w1", 10, 30)
    assert [(r.chat_key, r.update_id) for r in first] == [("a", 30), ("b", 20)]
    # the chat's second update waits while its first one is in flight
    assert await storage.inbox.claim("w1", 10, 30) == []
    await storage.inbox.mark_done(first[0].id, "w1")
    second = await storage.inbox.claim("w1", 10, 30)
    assert [(r.chat_key, r.update_id) for r in second] == [("a", 10)]


async def test_inbox_lease_expiry_lets_another_worker_take_over(storage: Storage) -> None:
    await storage.inbox.add_many([("avap", 1, "a", "{}")])
    [row] = await storage.inbox.claim("dead-worker", 10, 0.2)
    assert await storage.inbox.claim("w2", 10, 30) == []
    await asyncio.sleep(0.3)
    [again] = await storage.inbox.claim("w2", 10, 30)
    assert again.id == row.id and again.attempts == 2
    # the first owner's late "done" does not count: the row is not its own any more
    await storage.inbox.mark_done(row.id, "dead-worker")
    assert (await storage.inbox.counts())["pending"] == 1


async def test_inbox_failed_row_retries_then_dies_and_is_kept(storage: Storage) -> None:
    await storage.inbox.add_many([("avap", 1, "a", "{}"), ("avap", 2, "a", "{}")])
    [row] = await storage.inbox.claim("w", 10, 30)
    await storage.inbox.mark_failed(row.id, "w", "boom", datetime.now(UTC) + timedelta(hours=1))
    # a row waiting for its retry still holds back the rest of its chat (order is kept)
    assert await storage.inbox.claim("w", 10, 30) == []
    async with storage.db.write() as conn:
        await conn.execute(update(t.inbox).where(t.inbox.c.status == "pending")
                           .values(next_attempt_at=datetime(2020, 1, 1, tzinfo=UTC)))
    [row] = await storage.inbox.claim("w", 10, 30)
    await storage.inbox.mark_failed(row.id, "w", "boom again", None)
    assert await storage.inbox.counts() == {"pending": 1, "dead": 1}
    kept = await storage.inbox.get("avap", 1)
    assert kept is not None and kept["status"] == "dead" and kept["last_error"] == "boom again"


async def test_concurrent_lock_acquisitions_exactly_one_wins(database_url: str) -> None:
    url = normalise_database_url(database_url)
    async with instances(lambda: open_storage(url), 5) as stores:
        for _ in range(3):
            tokens = await asyncio.gather(*(s.locks.acquire("publish", 30) for s in stores
                                            for _ in range(4)))
            winners = [t for t in tokens if t is not None]
            assert len(winners) == 1
            assert await stores[0].locks.release("publish", winners[0])


async def test_lock_renew_release_and_expiry(storage: Storage) -> None:
    token = await storage.locks.acquire("k", 0.2)
    assert token is not None
    assert await storage.locks.acquire("k", 10) is None
    assert await storage.locks.renew("k", token, 0.2)
    assert not await storage.locks.renew("k", "not-the-owner", 10)
    assert not await storage.locks.release("k", "not-the-owner")
    await asyncio.sleep(0.3)
    assert not await storage.locks.renew("k", token, 10)  # expired: no longer the owner's
    other = await storage.locks.acquire("k", 10)
    assert other is not None and other != token
    assert not await storage.locks.release("k", token)
    assert await storage.locks.release("k", other)
    short = await storage.locks.acquire("gone", 0.1)
    assert short is not None
    await asyncio.sleep(0.2)
    assert await storage.locks.clear_expired() == 1


async def test_cooldowns(storage: Storage) -> None:
    assert not await storage.cooldowns.is_active("alert:x")
    assert await storage.cooldowns.start_if_inactive("alert:x", 0.2)
    assert not await storage.cooldowns.start_if_inactive("alert:x", 0.2)
    assert await storage.cooldowns.is_active("alert:x")
    await asyncio.sleep(0.3)
    assert not await storage.cooldowns.is_active("alert:x")
    assert await storage.cooldowns.clear_expired() == 1
    await storage.cooldowns.start("y", 60)
    await storage.cooldowns.clear("y")
    assert not await storage.cooldowns.is_active("y")


async def test_concurrent_cooldown_start_has_one_winner(database_url: str) -> None:
    url = normalise_database_url(database_url)
    async with instances(lambda: open_storage(url), 4) as stores:
        results = await asyncio.gather(*(s.cooldowns.start_if_inactive("c", 30) for s in stores))
        assert results.count(True) == 1


async def test_job_claim_unique_per_fire_time(storage: Storage) -> None:
    fire = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    first = await storage.jobs.claim("tips", fire, "a")
    assert first is not None
    assert await storage.jobs.claim("tips", fire, "b") is None
    assert await storage.jobs.claim("tips", fire + timedelta(days=1), "b") is not None
    await storage.jobs.finish(first, "ok")
    runs = await storage.jobs.list("tips")
    assert [(r["instance"], r["outcome"]) for r in runs] == [("a", "ok"), ("b", None)]
    assert runs[0]["fire_time"] == fire


async def test_outbox_dedupe_claim_and_states(storage: Storage) -> None:
    await storage.outbox.enqueue("sheets.upsert", {"id": 1}, dedupe_key="sub:1")
    await storage.outbox.enqueue("sheets.upsert", {"id": 1}, dedupe_key="sub:1")
    await storage.outbox.enqueue("telegram.message", {"text": "hi"})
    rows = await storage.outbox.claim("w", 10, 30)
    assert [r.payload for r in rows] == [{"id": 1}, {"text": "hi"}]
    assert await storage.outbox.claim("w2", 10, 30) == []
    await storage.outbox.mark_done(rows[0].id, "w")
    await storage.outbox.mark_failed(rows[1].id, "w", "down", None)
    assert await storage.outbox.counts(3) == {"pending": 0, "stuck": 0, "failed": 1}
    assert await storage.outbox.flag_alerted(rows[1].id)
    assert not await storage.outbox.flag_alerted(rows[1].id)


async def test_outbox_row_commits_with_the_change_that_caused_it(storage: Storage) -> None:
    with pytest.raises(RuntimeError):
        async with storage.db.write() as conn:
            await storage.outbox.enqueue("x", {"n": 1}, conn=conn)
            raise RuntimeError("the change failed")
    assert (await storage.outbox.counts(3))["pending"] == 0
    async with storage.db.write() as conn:
        await storage.outbox.enqueue("x", {"n": 2}, conn=conn)
    assert (await storage.outbox.counts(3))["pending"] == 1


async def test_a_cancellation_inside_a_write_reaches_the_caller(database_url: str) -> None:
    """A task cancelled inside the driver leaves an invalidated connection behind; the write
    must re-raise the cancellation (not MissingGreenlet from reconnecting on the way out, which
    a worker's ``except Exception`` would swallow and keep looping), and the next write works."""
    st = await open_storage(normalise_database_url(database_url))
    try:
        with pytest.raises(asyncio.CancelledError):
            async with st.db.write() as conn:
                await st.outbox.enqueue("x", {"n": 1}, conn=conn)
                await conn.invalidate()
                raise asyncio.CancelledError()
        assert (await st.outbox.counts(3))["pending"] == 0
        async with st.db.write() as conn:
            await st.outbox.enqueue("x", {"n": 2}, conn=conn)
        assert (await st.outbox.counts(3))["pending"] == 1
    finally:
        await st.close()


async def test_flow_state_round_trip(storage: Storage) -> None:
    assert await storage.flows.load("avap", 1, 2) == (None, {})
    await storage.flows.save("avap", 1, 2, "verify.identifier", {"attempts": 1, "n": "Ārmen"})
    await storage.flows.save("avap", 1, 2, "verify.identifier", {"attempts": 2, "n": "Ārmen"})
    assert await storage.flows.load("avap", 1, 2) == ("verify.identifier",
                                                      {"attempts": 2, "n": "Ārmen"})
    assert await storage.flows.load("shopping", 1, 2) == (None, {})
    await storage.flows.save("avap", 1, 2, None, {})
    assert await storage.flows.load("avap", 1, 2) == (None, {})


async def test_chats_blocked_and_migrations(storage: Storage) -> None:
    assert await storage.chats.is_active("avap", 5)
    await storage.chats.set_active("avap", 5, False)
    assert not await storage.chats.is_active("avap", 5)
    assert await storage.chats.is_active("shopping", 5)
    assert await storage.chats.record_migration("avap", -1, -1001)
    assert not await storage.chats.record_migration("avap", -1, -1001)
    assert await storage.chats.migrations() == {-1: -1001}


async def test_times_come_back_aware_utc(storage: Storage) -> None:
    local = datetime(2026, 11, 22, 13, 0, tzinfo=UTC).astimezone()
    run = await storage.jobs.claim("tz", local, "a")
    assert run is not None
    [row] = await storage.jobs.list("tz")
    assert row["fire_time"].tzinfo is not None and row["fire_time"] == local


async def test_the_steps_of_a_write_commit_together_or_not_at_all(storage: Storage) -> None:
    # the inbox worker saves an update's flow state with its done mark (Database.run_write,
    # below SQLAlchemy's execution layer on SQLite): a failing step leaves nothing behind
    if storage.backend == "supabase":
        pytest.skip("over REST a unit of work holds back only its inserts: an UPDATE sends "
                    "what is held before it (shared/storage/rest/db.py, RestConnection)")
    await storage.inbox.add_many([("avap", 41, "4", "{}")])
    [row] = await storage.inbox.claim("me", 5, 30)
    now = datetime.now(UTC)
    broken = {"bot": "avap", "update_id": 42, "chat_key": "4", "payload": None,
              "status": "pending", "attempts": 0, "next_attempt_at": now, "received_at": now}
    with pytest.raises(Exception):  # noqa: B017 - each backend words the NOT NULL violation
        await storage.db.run_write([
            storage.flows.save_step("avap", 4, 4, "asked", {"n": 1}),
            storage.inbox.done_step(row.id, "me"),
            (storage.inbox._add, [broken]),
        ])
    assert await storage.flows.load("avap", 4, 4) == (None, {})
    assert (await storage.inbox.counts())["pending"] == 1
    await storage.db.run_write([storage.flows.save_step("avap", 4, 4, "asked", {"n": 1}),
                                storage.inbox.done_step(row.id, "me")])
    assert await storage.flows.load("avap", 4, 4) == ("asked", {"n": 1})
    assert (await storage.inbox.counts())["pending"] == 0
    assert await storage.inbox.claim("me", 5, 30) == []


async def test_a_batch_of_broadcast_outcomes_counts_each_recipient_once(storage: Storage) -> None:
    # the broadcast records the outcomes of ~50 ms in one transaction (avap_bot/broadcasting.py):
    # a recipient recorded twice (a repeat after a restart), or not pending, counts nothing more
    avap = storage.avap
    bid = await avap.create_broadcast(created_by=9, audience="all", source_chat_id=9,
                                      source_message_id=1, content="x", kind="text")
    assert await avap.start_broadcast(bid, [1, 2, 3, 4], 9, 2)
    await avap.record_deliveries(bid, [(1, "sent"), (2, "blocked"), (1, "sent"), (9, "sent")])
    await avap.record_deliveries(bid, [(2, "sent"), (3, "failed")])
    row = await avap.get_broadcast(bid)
    assert row is not None
    assert (row["sent_count"], row["blocked_count"], row["failed_count"]) == (1, 1, 1)
    assert await avap.pending_deliveries(bid, 10) == [4]
    assert await avap.pending_deliveries(bid, 0) == []
