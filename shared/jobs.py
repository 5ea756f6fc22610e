"""The platform's scheduled jobs. Each one reloads what it needs; none keeps state between runs."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import TYPE_CHECKING

import httpx

from shared.storage import utcnow

if TYPE_CHECKING:
    from shared.platform import Platform

log = logging.getLogger(__name__)

INBOX_KEEP_DAYS = 7


async def housekeeping(platform: Platform) -> None:
    """Clear expired locks and cooldowns; prune handled inbox rows, delivered outbox rows and
    old job records."""
    storage = platform.storage
    week_ago = utcnow() - timedelta(days=INBOX_KEEP_DAYS)
    counts = {
        "locks": await storage.locks.clear_expired(),
        "cooldowns": await storage.cooldowns.clear_expired(),
        "inbox": await storage.inbox.prune_done(week_ago),
        "outbox": await storage.outbox.prune_done(week_ago),
        "job_runs": await storage.jobs.prune(week_ago),
    }
    if any(counts.values()):
        log.info("housekeeping", extra={"cleared": counts})


async def drain_outbox(platform: Platform) -> None:
    """Wake the outbox worker (it also wakes on every enqueue); report rows that keep failing."""
    platform.outbox.wake()
    counts = await platform.storage.outbox.counts(platform.settings.outbox_alert_after)
    if counts["stuck"] or counts["failed"]:
        await platform.alerts.send(
            "outbox-stuck",
            f"Outbox: {counts['stuck']} side effect(s) keep failing and {counts['failed']} "
            "failed for good. /health shows the backlog; the log has the errors.",
            cooldown_seconds=3600,
        )


async def keepalive(platform: Platform) -> None:
    """Ping our own public /health so that Render's free tier does not put the service to sleep."""
    from shared.telegram_http import default_tls  # loaded already by the bots

    url = f"{platform.settings.public_url}/health"
    try:
        # the process's TLS context: a client of its own would load the CA bundle at every ping
        async with httpx.AsyncClient(timeout=10, verify=default_tls()) as client:
            resp = await client.get(url)
        log.info("keep-alive ping", extra={"status": resp.status_code})
    except httpx.HTTPError as exc:
        log.warning("keep-alive ping failed", extra={"error": type(exc).__name__})


_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def memory_mb() -> float:
    """The process's resident memory (RSS), in MiB.

    On Linux one read of ``/proc/self/statm`` (what psutil reads too, without importing psutil:
    ~10 ms at the first ``/health``, which Render's health check asks for right after start).
    """
    try:
        with open("/proc/self/statm", "rb") as statm:
            resident_pages = int(statm.read().split()[1])
        return resident_pages * _PAGE_SIZE / (1024 * 1024)
    except (OSError, ValueError, IndexError):
        import psutil  # other systems

        return psutil.Process().memory_info().rss / (1024 * 1024)


async def memory_check(platform: Platform) -> None:
    """Alert the admins when the process grows past MEMORY_ALERT_MB (Render free has 512 MB)."""
    used = memory_mb()
    limit = platform.settings.memory_alert_mb
    if used > limit:
        await platform.alerts.send(
            "memory",
            f"Memory use is {used:.0f} MB, above MEMORY_ALERT_MB={limit}.",
            cooldown_seconds=3600,
        )


def register_platform_jobs(platform: Platform) -> None:
    """The jobs every deployment runs."""
    s = platform.settings
    sched = platform.scheduler
    sched.every("housekeeping", s.housekeeping_seconds, housekeeping, platform)
    sched.every("outbox", 30, drain_outbox, platform)
    sched.every("memory", 60, memory_check, platform, each_instance=True)
    if s.public_url:
        sched.every("keepalive", s.keepalive_seconds, keepalive, platform)
