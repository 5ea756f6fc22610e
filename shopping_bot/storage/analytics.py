"""Analytics of the shopping channel: CTA clicks (analytics events with action ``click``), the
raw queries behind the dashboard and the exports, and the folding of old events into daily
totals. (DDL: ``migrations/0006_analytics.sql``.)

Days are calendar days in a time zone given by the caller (SCHEDULER_TIMEZONE). Raw events are
grouped by UTC hour in SQL and assigned to local days here, so a zone whose offset is not a
whole number of hours is approximated to the hour.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import delete, func, insert, literal_column, select

from shared.storage.db import Repo, upsert
from shopping_bot.storage import tables as t

Row = dict[str, Any]

analytics, analytics_daily, posts, post_links = (t.analytics, t.analytics_daily, t.posts,
                                                 t.post_links)
CLICK = "click"


class Click(msgspec.Struct, frozen=True):
    """One click on a CTA button, as the redirect route saw it."""

    post_id: int
    link_id: int
    visitor: str | None
    at: datetime


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def day_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the local days ``first``..``last`` (inclusive)."""
    start = datetime.combine(first, time.min, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    return start, end


class AnalyticsRepo(Repo):
    """Clicks in, figures out."""

    # --- clicks -------------------------------------------------------------------------------
    async def record_clicks(self, clicks: Sequence[Click]) -> None:
        """Store a batch of clicks in one transaction (the redirect route's group commit)."""
        if not clicks:
            return
        async with self.db.write() as c:
            await c.execute(insert(analytics), [
                {"post_id": k.post_id, "link_id": k.link_id, "visitor": k.visitor,
                 "action": CLICK, "user_id": None, "metadata": None, "created_at": k.at}
                for k in clicks])

    async def link(self, code: str) -> Row | None:
        """The link behind a redirect code, with its post's status."""
        async with self.db.read() as c:
            row = (await c.execute(
                select(post_links.c.id, post_links.c.post_id, post_links.c.position,
                       post_links.c.url, posts.c.status).join(
                    posts, posts.c.id == post_links.c.post_id).where(post_links.c.code == code)
            )).mappings().first()
        return dict(row) if row is not None else None

    # --- what the dashboard reads ----------------------------------------------------------
    async def published_between(self, start: datetime, end: datetime) -> list[Row]:
        """Posts whose publication time is in [start, end) (deleted ones included)."""
        async with self.db.read() as c:
            return [dict(r) for r in (await c.execute(
                select(posts.c.id, posts.c.title, posts.c.post_format, posts.c.published_at,
                       posts.c.status).where(posts.c.published_at >= start,
                                             posts.c.published_at < end)
                .order_by(posts.c.published_at, posts.c.id))).mappings()]

    async def posts_by_id(self, ids: Iterable[int]) -> dict[int, Row]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        async with self.db.read() as c:
            rows = (await c.execute(select(
                posts.c.id, posts.c.title, posts.c.post_format, posts.c.published_at,
                posts.c.status).where(posts.c.id.in_(wanted)))).mappings()
            return {int(r["id"]): dict(r) for r in rows}

    def _hour(self) -> Any:
        if self.db.dialect == "postgresql":
            return func.date_trunc("hour", analytics.c.created_at)
        return func.strftime("%Y-%m-%d %H:00:00", analytics.c.created_at)

    async def events_by_hour(self, start: datetime, end: datetime,
                             action: str = CLICK) -> list[tuple[datetime, int, int, int]]:
        """(UTC hour, post id, link id, events) of raw events in [start, end)."""
        hour = self._hour().label("hour")
        async with self.db.read() as c:
            rows = (await c.execute(
                select(hour, analytics.c.post_id, analytics.c.link_id, func.count())
                .where(analytics.c.action == action, analytics.c.created_at >= start,
                       analytics.c.created_at < end)
                .group_by(literal_column("hour"), analytics.c.post_id, analytics.c.link_id)
            )).all()
        out = []
        for h, post_id, link_id, n in rows:
            moment = h if isinstance(h, datetime) else datetime.fromisoformat(str(h))
            moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
            out.append((moment, int(post_id or 0), int(link_id or 0), int(n)))
        return out

    async def daily_totals(self, first: date, last: date,
                           action: str = CLICK) -> list[tuple[date, int, int, int]]:
        """(local day, post id, link id, events) folded for the days first..last."""
        async with self.db.read() as c:
            rows = (await c.execute(
                select(analytics_daily.c.day, analytics_daily.c.post_id,
                       analytics_daily.c.link_id, analytics_daily.c.events)
                .where(analytics_daily.c.action == action,
                       analytics_daily.c.day >= first.isoformat(),
                       analytics_daily.c.day <= last.isoformat()))).all()
        return [(date.fromisoformat(d), int(p), int(k), int(n)) for d, p, k, n in rows]

    async def clicks_per_day(self, first: date, last: date,
                             tz: ZoneInfo) -> dict[tuple[date, int, int], int]:
        """{(local day, post id, link id): clicks} over first..last, raw and folded together."""
        start, end = day_bounds(first, last, tz)
        counts: dict[tuple[date, int, int], int] = defaultdict(int)
        for hour, post_id, link_id, n in await self.events_by_hour(start, end):
            counts[(local_day(hour, tz), post_id, link_id)] += n
        for day, post_id, link_id, n in await self.daily_totals(first, last):
            counts[(day, post_id, link_id)] += n
        return dict(counts)

    async def events(self, start: datetime, end: datetime, *, limit: int = 100_000,
                     ) -> list[Row]:
        """Raw events in [start, end), oldest first (the events export)."""
        async with self.db.read() as c:
            return [dict(r) for r in (await c.execute(
                select(analytics.c.id, analytics.c.created_at, analytics.c.action,
                       analytics.c.post_id, analytics.c.link_id, analytics.c.user_id,
                       analytics.c.metadata)
                .where(analytics.c.created_at >= start, analytics.c.created_at < end)
                .order_by(analytics.c.created_at, analytics.c.id).limit(limit))).mappings()]

    async def post_clicks(self, post_id: int) -> dict[int, int]:
        """{link id: clicks} of one post, raw and folded."""
        async with self.db.read() as c:
            raw = (await c.execute(
                select(analytics.c.link_id, func.count()).where(
                    analytics.c.post_id == post_id, analytics.c.action == CLICK)
                .group_by(analytics.c.link_id))).all()
            folded = (await c.execute(
                select(analytics_daily.c.link_id, func.sum(analytics_daily.c.events)).where(
                    analytics_daily.c.post_id == post_id, analytics_daily.c.action == CLICK)
                .group_by(analytics_daily.c.link_id))).all()
        out: dict[int, int] = defaultdict(int)
        for link_id, n in [*raw, *folded]:
            out[int(link_id or 0)] += int(n or 0)
        return dict(out)

    # --- retention ----------------------------------------------------------------------------
    async def oldest_event_before(self, cutoff: datetime) -> datetime | None:
        async with self.db.read() as c:
            return (await c.execute(select(func.min(analytics.c.created_at)).where(
                analytics.c.created_at < cutoff))).scalar()

    async def fold_day(self, day: date, tz: ZoneInfo) -> int:
        """Fold every event of local ``day`` into ``analytics_daily`` and delete it, in one
        transaction (so a crash folds all or nothing). Returns the events folded.

        The events are deleted first and counted from what the DELETE returns: two folds of one
        day running at once (two instances, a job retried) lock the same rows, the second finds
        them gone once the first commits, and no event is counted twice."""
        start, end = day_bounds(day, day, tz)
        async with self.db.write() as c:
            rows = (await c.execute(
                delete(analytics).where(analytics.c.created_at >= start,
                                        analytics.c.created_at < end)
                .returning(analytics.c.post_id, analytics.c.action, analytics.c.link_id,
                           analytics.c.visitor))).all()
            if not rows:
                return 0
            groups: dict[tuple[int, str, int], tuple[int, set[str]]] = {}
            for post_id, action, link_id, visitor in rows:
                key = (int(post_id or 0), str(action), int(link_id or 0))
                n, seen = groups.get(key, (0, set()))
                if visitor:
                    seen.add(visitor)
                groups[key] = (n + 1, seen)
            for (post_id, action, link_id), (n, seen) in groups.items():
                stmt = upsert(self.db, analytics_daily).values(
                    day=day.isoformat(), post_id=post_id, action=action, link_id=link_id,
                    events=n, visitors=len(seen))
                await c.execute(stmt.on_conflict_do_update(
                    index_elements=["day", "post_id", "action", "link_id"],
                    set_={"events": analytics_daily.c.events + n,
                          "visitors": analytics_daily.c.visitors + len(seen)}))
            return len(rows)
