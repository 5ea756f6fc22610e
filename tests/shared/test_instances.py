"""Heartbeats and what a dead instance held (shared/instances.py, shared/storage/instances.py),
on SQLite, PostgreSQL and the REST backend."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from shared.instances import Heartbeat, process_exists
from shared.storage import Storage, utcnow
from shared.storage.instances import Instance


async def test_a_dead_instance_frees_its_leases_and_locks(storage: Storage) -> None:
    await storage.inbox.add_many([("avap", 1, "a", "{}"), ("avap", 2, "b", "{}")])
    await storage.outbox.enqueue("telegram.message", {"text": "hi"})
    storage.locks.owner = "dead:1:aa"
    dead_lock = await storage.locks.acquire("broadcast:1", 60)
    storage.locks.owner = "alive:2:bb"
    live_lock = await storage.locks.acquire("broadcast:2", 60)
    assert dead_lock and live_lock and dead_lock.startswith("dead:1:aa/")
    assert len(await storage.inbox.claim("dead:1:aa", 1, 300)) == 1
    assert len(await storage.inbox.claim("alive:2:bb", 1, 300)) == 1
    assert len(await storage.outbox.claim("dead:1:aa", 5, 300)) == 1
    for who in ("dead:1:aa", "alive:2:bb"):
        await storage.instances.beat(who, "h", 1, utcnow())

    freed = await storage.instances.release(["dead:1:aa"])
    assert freed == {"inbox": 1, "outbox": 1, "locks": 1}
    # the dead one's rows are claimable at once; the live one's lease and lock stand
    again = await storage.inbox.claim("new:3:cc", 5, 30)
    assert [r.update_id for r in again] == [1]
    assert len(await storage.outbox.claim("new:3:cc", 5, 30)) == 1
    assert await storage.locks.acquire("broadcast:1", 60) is not None
    assert await storage.locks.acquire("broadcast:2", 60) is None
    assert [i.id for i in await storage.instances.beat("new:3:cc", "h", 3, utcnow())] == \
        ["alive:2:bb"]


async def test_the_sweep_finds_stale_and_vanished_instances(storage: Storage) -> None:
    woken: list[str] = []
    me = Heartbeat(storage, "me", interval=1, on_freed=lambda: woken.append("freed"),
                   on_others=lambda: woken.append("others"))
    now = utcnow()
    stale = Instance("far:9:aa", "elsewhere", 9, now - timedelta(seconds=10))
    fresh = Instance("far:8:bb", "elsewhere", 8, now)
    gone = Instance("here:1:cc", socket.gethostname(), 2**22 + 12345, now)   # no such pid
    reused = Instance("here:2:dd", socket.gethostname(), os.getpid(), now)   # our pid, not us
    alive = Instance("here:3:ee", socket.gethostname(), os.getppid(), now)
    assert not process_exists(2**22 + 12345) and process_exists(os.getppid())
    assert [me.is_dead(i, now) for i in (stale, fresh, gone, reused, alive)] == \
        [True, False, True, True, False]

    await storage.instances.beat("far:9:aa", "elsewhere", 9, now,
                                 at=now - timedelta(seconds=60))     # silent for a minute
    await storage.inbox.add_many([("avap", 5, "z", "{}")])
    assert len(await storage.inbox.claim("far:9:aa", 1, 300)) == 1
    await storage.instances.beat("far:8:bb", "elsewhere", 8, now)
    freed = await me.beat_and_sweep()
    assert freed["inbox"] == 1 and woken == ["freed", "others"]
    assert me.others_alive == 1
    await me.stop()          # a graceful stop removes this instance's row
    assert [i.id for i in await storage.instances.beat("x", "h", 1, now)] == ["far:8:bb"]
