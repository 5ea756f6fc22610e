"""The engagement repository (tips, tip days, the partner pool, the digest's queries) on SQLite
and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import insert

from avap_bot.storage import tables as avap_tables
from shared.storage import Storage, utcnow


async def _student(storage: Storage, telegram_id: int, status: str = "verified") -> None:
    now = utcnow()
    async with storage.db.write() as c:
        await c.execute(insert(avap_tables.verified_users).values(
            telegram_id=telegram_id, name=f"S{telegram_id}", status=status, created_at=now,
            updated_at=now))


async def test_tips_in_order_and_around(storage: Storage) -> None:
    repo = storage.engagement
    assert await repo.next_tip() is None
    assert await repo.start_tip_day("2026-11-23") is None  # no tip: nothing claimed
    assert await repo.add_tip("one", None, 1) == 1
    assert await repo.add_tip("two", "PHOTO", 1) == 2
    assert await repo.add_tip("three", None, 1, source=(9, 77)) == 3
    assert await repo.add_tip("three", None, 1, source=(9, 77)) == 3  # a retried update
    assert [r["text"] for r in await repo.list_tips()] == ["one", "two", "three"]
    deleted = await repo.delete_tip(3)
    assert deleted is not None and deleted["text"] == "three"
    assert await repo.delete_tip(3) is None and await repo.delete_tip(0) is None

    for i in (1, 2, 3):
        await _student(storage, i)
    await _student(storage, 4, status="revoked")
    assert await repo.set_tips(2, False) is True
    assert await repo.set_tips(2, False) is False
    assert not await repo.tips_enabled(2)
    assert await repo.tip_audience() == [1, 3]

    sent = []
    for day in ("2026-11-23", "2026-11-24", "2026-11-25"):
        broadcast_id = await repo.start_tip_day(day)
        assert broadcast_id is not None
        assert await repo.start_tip_day(day) is None  # once per day
        row = await repo.tip_day(day)
        assert row is not None and row["broadcast_id"] == broadcast_id
        sent.append(row["text"])
        b = await storage.avap.get_broadcast(broadcast_id)
        assert b["type"] == "tip" and b["status"] == "sending" and b["total"] == 2
        assert await storage.avap.pending_deliveries(broadcast_id, 10) == [1, 3]
        assert (await repo.tip_of_broadcast(broadcast_id))["day"] == day
    assert sent == ["one", "two", "one"]
    assert (await repo.tip_day("2026-11-24"))["file_id"] == "PHOTO"
    assert await repo.set_tips(2, True) is True and await repo.tips_enabled(2)


async def test_one_claim_per_day_under_concurrency(storage: Storage) -> None:
    repo = storage.engagement
    await repo.add_tip("only", None, 1)
    await _student(storage, 1)
    got = await asyncio.gather(*(repo.start_tip_day("2026-11-23") for _ in range(5)),
                               return_exceptions=True)
    ids = [g for g in got if isinstance(g, int)]
    assert len(ids) == 1, got


async def test_pool_pairs_and_never_repeats_while_others_wait(storage: Storage) -> None:
    repo = storage.engagement
    assert await repo.join_pool(1, "A", "a", None) is None
    pair = await repo.join_pool(2, "B", None, None)
    assert pair is not None and (pair["user_a"], pair["user_b"]) == (1, 2)
    assert await repo.pool_size() == 0
    # modules: 3 wants M1, 4 wants M2 (no fit), 5 wants any: fits 3
    assert await repo.join_pool(3, "C", "c", "M1") is None
    assert await repo.join_pool(4, "D", "d", "M2") is None
    pair = await repo.join_pool(5, "E", "e", None)
    assert pair is not None and {pair["user_a"], pair["user_b"]} == {3, 5}
    assert pair["module"] == "M1"
    assert await repo.pool_size() == 1  # D waits
    # 1 and 2 come back: 1 pairs with D (new), 2 waits
    assert await repo.leave_pool(4) is True
    assert await repo.join_pool(4, "D", "d", None) is None
    pair = await repo.join_pool(1, "A", "a", None)
    assert {pair["user_a"], pair["user_b"]} == {1, 4}
    assert await repo.join_pool(2, "B", None, "M1") is None
    # 1 rejoins while 2 (former partner) and 6 wait: 1 gets 6
    assert await repo.join_pool(6, "F", None, "M9") is None
    pair = await repo.join_pool(1, "A", "a", None)
    assert {pair["user_a"], pair["user_b"]} == {1, 6}
    # only a former partner waits: they may pair again
    pair = await repo.join_pool(1, "A", "a", None)
    assert {pair["user_a"], pair["user_b"]} == {1, 2}
    assert await repo.partners_of(1) == {2, 4, 6}
    assert await repo.leave_pool(1) is False
    assert len(await repo.pairs()) == 5


async def test_digest_queries_only_older_than_a_day(storage: Storage) -> None:
    repo = storage.engagement
    await _student(storage, 1)
    now = utcnow()
    async with storage.db.write() as c:
        for hours, status in ((30, "submitted"), (48, "submitted"), (2, "submitted"),
                              (50, "graded")):
            at = now - timedelta(hours=hours)
            await c.execute(insert(avap_tables.submissions).values(
                telegram_id=1, module="M1", type="text", content="x", status=status,
                attempt=1, created_at=at, updated_at=at))
        for hours, answered in ((25, False), (1, False), (40, True)):
            await c.execute(insert(avap_tables.questions).values(
                telegram_id=1, type="text", content="why?", status="open", answered=answered,
                created_at=now - timedelta(hours=hours)))
    before = now - timedelta(hours=24)
    subs = await repo.waiting_submissions(before)
    assert [round((now - s["created_at"]).total_seconds() / 3600) for s in subs] == [48, 30]
    assert subs[0]["name"] == "S1"
    qs = await repo.waiting_questions(before)
    assert len(qs) == 1 and qs[0]["content"] == "why?"
