"""The channel's figures: periods of calendar days in CHANNEL_TIMEZONE, and the dashboard.

Definitions (the dashboard's footnote says them to the editors):
- posts published: posts whose publication time falls in the period (deleted ones included);
- clicks: CTA clicks recorded in the period, on any post;
- clicks per post: clicks ÷ posts published (0 when nothing was published);
- top posts: the 5 posts with the most clicks in the period (ties: the newer post first);
- by format: for each format, posts published in the period, the clicks in the period on posts of
  that format, and their ratio.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.storage.db import utcnow
from shopping_bot.storage.analytics import day_bounds
from shopping_bot.storage.posts import FORMATS

PERIODS = {"today": 1, "7d": 7, "30d": 30}


@dataclass(frozen=True)
class Period:
    key: str
    first: date  # local days, inclusive
    last: date
    tz: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC."""
        return day_bounds(self.first, self.last, self.zone)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


def period(key: str, tz: str, now: datetime | None = None) -> Period:
    """Today, the last 7 or the last 30 calendar days (today included) in ``tz``."""
    length = PERIODS[key]
    today = (now or utcnow()).astimezone(ZoneInfo(tz)).date()
    return Period(key, today - timedelta(days=length - 1), today, tz)


def custom_period(first: date, last: date, tz: str) -> Period:
    return Period("custom", first, last, tz)


@dataclass
class PostFigure:
    post_id: int
    title: str
    post_format: str | None
    published_at: datetime | None
    clicks: int


@dataclass
class FormatFigure:
    post_format: str
    posts: int
    clicks: int
    average: float


@dataclass
class Dashboard:
    period: Period
    posts_published: int
    clicks: int
    clicks_per_post: float
    top: list[PostFigure] = field(default_factory=list)
    formats: list[FormatFigure] = field(default_factory=list)
    # one entry per day of the period: (day, posts published, clicks)
    daily: list[tuple[date, int, int]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """Plain JSON values (dates as ISO 8601 with the zone)."""
        data = asdict(self)
        zone = self.period.zone
        data["period"] = {"key": self.period.key, "first_day": self.period.first.isoformat(),
                          "last_day": self.period.last.isoformat(), "timezone": self.period.tz}
        for item in data["top"]:
            when = item["published_at"]
            item["published_at"] = when.astimezone(zone).isoformat() if when else None
        data["daily"] = [{"day": d.isoformat(), "posts": p, "clicks": c}
                         for d, p, c in self.daily]
        return data


def _ratio(clicks: int, posts: int) -> float:
    return round(clicks / posts, 2) if posts else 0.0


async def dashboard(storage: Any, p: Period) -> Dashboard:
    """Every figure of the period, read from the database."""
    repo = storage.analytics
    start, end = p.bounds()
    published = await repo.published_between(start, end)
    clicks = await repo.clicks_per_day(p.first, p.last, p.zone)

    per_post: dict[int, int] = defaultdict(int)
    per_day_clicks: dict[date, int] = defaultdict(int)
    for (day, post_id, _link), n in clicks.items():
        per_post[post_id] += n
        per_day_clicks[day] += n
    per_day_posts: dict[date, int] = defaultdict(int)
    for row in published:
        per_day_posts[row["published_at"].astimezone(p.zone).date()] += 1
    total_clicks = sum(per_post.values())

    info = await repo.posts_by_id(per_post)
    ranked = sorted(
        (pid for pid in per_post if per_post[pid] > 0 and pid in info),
        key=lambda pid: (-per_post[pid], -(info[pid]["published_at"] or start).timestamp(),
                         -pid))
    top = [PostFigure(pid, info[pid]["title"] or f"#{pid}", info[pid]["post_format"],
                      info[pid]["published_at"], per_post[pid]) for pid in ranked[:5]]

    format_of = {pid: row["post_format"] for pid, row in info.items()}
    formats = []
    for fmt in FORMATS:
        n_posts = sum(1 for row in published if row["post_format"] == fmt)
        n_clicks = sum(n for pid, n in per_post.items() if format_of.get(pid) == fmt)
        formats.append(FormatFigure(fmt, n_posts, n_clicks, _ratio(n_clicks, n_posts)))

    daily = [(d, per_day_posts.get(d, 0), per_day_clicks.get(d, 0)) for d in p.days()]
    return Dashboard(p, len(published), total_clicks, _ratio(total_clicks, len(published)),
                     top, formats, daily)
