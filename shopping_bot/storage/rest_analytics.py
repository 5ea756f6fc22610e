"""REST variant of the analytics repository: the joins, the grouped reads and the folding of a
day are calls of the functions of ``migrations/0010_rest_shopping.sql``; everything else is
inherited and runs through the statement translator."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import select

from shared.storage.rest.db import RestDatabase, decode_rows
from shopping_bot.storage import tables as t
from shopping_bot.storage.analytics import CLICK, AnalyticsRepo, Row, day_bounds


class RestAnalyticsRepo(AnalyticsRepo):
    RPC_METHODS: ClassVar[frozenset[str]] = frozenset({
        "link", "events_by_hour", "post_clicks", "fold_day"})
    # min() is an aggregate PostgREST refuses: the same answer as ORDER BY ... LIMIT 1
    LOCAL_METHODS: ClassVar[frozenset[str]] = frozenset({"oldest_event_before"})
    db: RestDatabase  # type: ignore[assignment]

    async def link(self, code: str) -> Row | None:
        """The link behind a redirect code, with its post's status (``app_analytics_link``)."""
        found = await self.db.rpc("app_analytics_link", {"p_code": code})
        columns = [t.post_links.c.id, t.post_links.c.post_id, t.post_links.c.position,
                   t.post_links.c.url, t.posts.c.status]
        rows = decode_rows(columns, found or [])
        return rows[0] if rows else None

    async def events_by_hour(self, start: datetime, end: datetime,
                             action: str = CLICK) -> list[tuple[datetime, int, int, int]]:
        """(UTC hour, post id, link id, events) of raw events in [start, end), grouped by
        ``app_analytics_events_by_hour`` (one JSON array, whatever the number of groups)."""
        found = await self.db.rpc("app_analytics_events_by_hour", {
            "p_start": start, "p_end": end, "p_action": action})
        out = []
        for hour, post_id, link_id, n in found or []:
            moment = datetime.fromisoformat(hour)
            moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
            out.append((moment.astimezone(UTC), int(post_id or 0), int(link_id or 0), int(n)))
        return out

    async def post_clicks(self, post_id: int) -> dict[int, int]:
        """{link id: clicks} of one post, raw and folded (``app_analytics_post_clicks``)."""
        found = await self.db.rpc("app_analytics_post_clicks", {"p_post_id": post_id})
        return {int(k): int(v) for k, v in (found or {}).items()}

    async def oldest_event_before(self, cutoff: datetime) -> datetime | None:
        """The time of the oldest event before ``cutoff`` (min() as ORDER BY ... LIMIT 1)."""
        async with self.db.read() as c:
            return (await c.execute(
                select(t.analytics.c.created_at).where(t.analytics.c.created_at < cutoff)
                .order_by(t.analytics.c.created_at).limit(1))).scalar()

    async def fold_day(self, day: date, tz: ZoneInfo) -> int:
        """Fold every event of local ``day`` into ``analytics_daily`` and delete it, in one
        transaction (``app_analytics_fold_day``). Returns the events folded."""
        start, end = day_bounds(day, day, tz)
        # safe to repeat: the totals are made of the rows the call deletes, so a repeated call
        # folds nothing twice (it only reports 0)
        return int(await self.db.rpc("app_analytics_fold_day", {
            "p_day": day.isoformat(), "p_start": start, "p_end": end}))
