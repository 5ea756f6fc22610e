"""GroupCommit (shared/batching.py): rows that arrive while a write runs share the next one; with
``gather``, rows that arrive one at a time within the window share one write too."""

from __future__ import annotations

import asyncio

import pytest

from shared.batching import GroupCommit
from shared.errors import StorageUnavailable


class Writes:
    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.fail = fail

    async def __call__(self, items: list[int]) -> None:
        await asyncio.sleep(0.001)
        if self.fail:
            raise OSError("disk gone")
        self.batches.append(items)


async def _one_at_a_time(commit: GroupCommit[int], n: int, every: float) -> None:
    async def put(i: int) -> None:
        await asyncio.sleep(i * every)
        await commit.put(i)

    await asyncio.gather(*(put(i) for i in range(n)))


async def test_without_gather_a_row_is_written_at_once() -> None:
    writes = Writes()
    commit: GroupCommit[int] = GroupCommit(writes)
    await commit.put(0)
    await commit.put(1)
    assert writes.batches == [[0], [1]]


async def test_gather_puts_rows_that_come_one_at_a_time_in_one_write() -> None:
    writes = Writes()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await _one_at_a_time(GroupCommit(writes, gather=0.5), 6, 0.005)
    # every row was stored, in order, in one write; each caller waited for it (not forever)
    assert writes.batches == [list(range(6))]
    assert loop.time() - started < 2.0


async def test_a_failed_write_reaches_every_caller_of_its_batch() -> None:
    commit: GroupCommit[int] = GroupCommit(Writes(fail=True), gather=0.05)
    results = await asyncio.gather(commit.put(1), commit.put(2), return_exceptions=True)
    assert all(isinstance(r, StorageUnavailable) for r in results)
    with pytest.raises(StorageUnavailable):
        await commit.put(3)


async def test_a_row_finding_the_oldest_gathered_long_enough_starts_the_write() -> None:
    # the write rides on the wake-up of the row that finds the oldest one ``gather`` old: it
    # does not wait for the timer (``gather + patience``, here far away)
    writes = Writes()
    commit: GroupCommit[int] = GroupCommit(writes, gather=0.05, patience=30)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await _one_at_a_time(commit, 3, 0.03)  # rows at 0, 30 and 60 ms
    assert loop.time() - started < 1.0
    assert writes.batches == [[0, 1, 2]]


async def test_without_another_row_the_timer_starts_the_write() -> None:
    writes = Writes()
    commit: GroupCommit[int] = GroupCommit(writes, gather=0.02, patience=0.1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await commit.put(0)
    waited = loop.time() - started
    assert 0.11 <= waited < 1.0, waited  # gather + patience (the loop's clock: 1 ms steps)
    assert writes.batches == [[0]]


async def test_rows_beyond_max_batch_go_in_the_next_write() -> None:
    writes = Writes()
    commit: GroupCommit[int] = GroupCommit(writes, max_batch=2, gather=0.05, patience=0.05)
    await asyncio.gather(*(commit.put(i) for i in range(5)))
    # full batches go at once; the last row waits for company, then for the timer
    assert writes.batches == [[0, 1], [2, 3], [4]]
