"""The platform's scheduled jobs, run directly."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import respx

from shared import jobs
from shared.config import load_settings
from shared.scheduler import Scheduler
from shared.storage import Storage, utcnow


class RecordingAlerts:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, key: str, text: str, **_: Any) -> bool:
        self.sent.append((key, text))
        return True


def _platform(storage: Storage, **env: str) -> Any:
    settings = load_settings(_env_file=None, **env)
    return SimpleNamespace(settings=settings, storage=storage, alerts=RecordingAlerts(),
                           outbox=SimpleNamespace(wake=lambda: None))


async def test_memory_check_alerts_above_the_limit(storage: Storage) -> None:
    low = _platform(storage, MEMORY_ALERT_MB="16")
    await jobs.memory_check(low)
    assert [k for k, _ in low.alerts.sent] == ["memory"]
    assert "MEMORY_ALERT_MB=16" in low.alerts.sent[0][1]
    high = _platform(storage, MEMORY_ALERT_MB="100000")
    await jobs.memory_check(high)
    assert high.alerts.sent == []


async def test_keepalive_pings_the_public_health(storage: Storage) -> None:
    p = _platform(storage, PUBLIC_URL="https://bot.example.com")
    with respx.mock(assert_all_called=True) as mock:
        route = mock.get("https://bot.example.com/health").mock(return_value=httpx.Response(200))
        await jobs.keepalive(p)
    assert route.call_count == 1


async def test_keepalive_survives_a_network_error(storage: Storage) -> None:
    p = _platform(storage, PUBLIC_URL="https://bot.example.com")
    with respx.mock() as mock:
        mock.get("https://bot.example.com/health").mock(side_effect=httpx.ConnectError("down"))
        await jobs.keepalive(p)  # logged, not raised


async def test_housekeeping_clears_expired_and_old_rows(storage: Storage) -> None:
    await storage.locks.acquire("old", 0.01)
    await storage.cooldowns.start("old", 0.01)
    await storage.inbox.add_many([("avap", 1, "1", "{}")])
    [row] = await storage.inbox.claim("w", 1, 30)
    await storage.inbox.mark_done(row.id, "w")
    await asyncio.sleep(0.05)
    await jobs.housekeeping(_platform(storage))
    assert await storage.locks.acquire("old", 10) is not None  # was cleared
    assert not await storage.cooldowns.is_active("old")
    # a done row younger than 7 days stays; one older goes
    assert await storage.inbox.get("avap", 1) is not None
    assert await storage.inbox.prune_done(utcnow() + timedelta(days=8)) == 1


async def test_outbox_job_reports_stuck_rows(storage: Storage) -> None:
    p = _platform(storage, OUTBOX_ALERT_AFTER="1")
    await storage.outbox.enqueue("x", {})
    [row] = await storage.outbox.claim("w", 1, 30)
    await storage.outbox.mark_failed(row.id, "w", "down", utcnow())
    await jobs.drain_outbox(p)
    assert [k for k, _ in p.alerts.sent] == ["outbox-stuck"]


async def test_two_schedulers_share_fire_times(storage: Storage) -> None:
    ran: list[str] = []

    async def tick(name: str) -> None:
        ran.append(name)

    a = Scheduler(storage, timezone="Asia/Yerevan", instance="a")
    b = Scheduler(storage, timezone="UTC", instance="b")
    a.every("tick", 1, tick, "a")
    b.every("tick", 1, tick, "b")
    a.start()
    b.start()
    await asyncio.sleep(3.5)
    await a.stop()
    await b.stop()
    runs = await storage.jobs.list("tick")
    assert len(runs) == len(ran) >= 3
    assert a.runs + b.runs == len(ran) and a.skips + b.skips >= 2
    assert len({r["fire_time"] for r in runs}) == len(runs)


async def test_a_job_about_each_instance_runs_on_every_instance_unclaimed(
        storage: Storage) -> None:
    """The memory check is about the process it runs in: each instance runs it, no claim."""
    ran: list[str] = []

    async def tick(name: str) -> None:
        ran.append(name)

    a = Scheduler(storage, timezone="UTC", instance="a")
    b = Scheduler(storage, timezone="UTC", instance="b")
    a.every("mine", 1, tick, "a", each_instance=True)
    b.every("mine", 1, tick, "b", each_instance=True)
    a.start()
    b.start()
    await asyncio.sleep(2.5)
    await a.stop()
    await b.stop()
    assert ran.count("a") >= 2 and ran.count("b") >= 2
    assert await storage.jobs.list("mine") == []
    assert a.skips == b.skips == 0
