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
