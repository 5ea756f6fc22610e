"""Housekeeping of the analytics: events older than ANALYTICS_RETENTION_DAYS are folded into
daily totals (``analytics_daily``) and deleted, one local day per transaction, so that dashboards
and exports of old periods still add up while the events table stays small."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from shared.storage.db import utcnow
from shopping_bot.storage.analytics import day_bounds, local_day

if TYPE_CHECKING:
    from shared.scheduler import Scheduler
    from shared.services import Services

log = logging.getLogger(__name__)

JOB_ID = "shopping.fold_analytics"
MAX_DAYS_PER_RUN = 60  # a first run on a large backlog spreads over a few nights


async def fold_old_events(app: Any, services: Services) -> int:
    """Fold every whole local day older than the retention; returns the events folded."""
    settings = services.settings
    zone = ZoneInfo(settings.channel_timezone)
    # the first local day that is kept whole
    keep_from = local_day(utcnow(), zone) - timedelta(days=settings.analytics_retention_days)
    cutoff, _ = day_bounds(keep_from, keep_from, zone)
    repo = services.storage.analytics
    folded = 0
    for _ in range(MAX_DAYS_PER_RUN):
        oldest = await repo.oldest_event_before(cutoff)
        if oldest is None:
            break
        folded += await repo.fold_day(local_day(oldest, zone), zone)
    if folded:
        log.info("analytics folded into daily totals", extra={"events": folded})
    return folded


def register_jobs(scheduler: Scheduler, app: Any, services: Services) -> None:
    """Every night at 03:30 in CHANNEL_TIMEZONE."""
    scheduler.cron(JOB_ID, fold_old_events, app, services,
                   timezone=services.settings.channel_timezone, hour=3, minute=30)
