"""The channel's exports: posts with their analytics, the analytics events of a period, and a
summary report; as CSV (UTF-8 with BOM, one header row, ISO 8601 dates with the zone, formula
cells neutralised) or JSON. The bot's /export and the admin endpoint share these builders."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from typing import Any

from shared.csv_export import csv_bytes
from shopping_bot.stats import Period, dashboard
from shopping_bot.storage import tables as t

KINDS = ("posts", "events", "summary")

POST_COLUMNS = ("id", "title", "post_format", "status", "created_at", "publish_at",
                "published_at", "created_by", "buttons", "clicks_in_period", "clicks_total",
                "cta_1_label", "cta_1_url", "cta_1_clicks", "cta_2_label", "cta_2_url",
                "cta_2_clicks", "cta_3_label", "cta_3_url", "cta_3_clicks", "text")
EVENT_COLUMNS = ("id", "created_at", "action", "post_id", "link_id", "user_id", "details")
SUMMARY_COLUMNS = ("metric", "value")


def _iso(value: datetime | None, period: Period) -> str | None:
    return value.astimezone(period.zone).isoformat(timespec="seconds") if value else None


async def post_rows(storage: Any, period: Period) -> list[dict[str, Any]]:
    """Every post created, scheduled or published in the period, or clicked in it."""
    from sqlalchemy import or_, select

    start, end = period.bounds()
    clicks = await storage.analytics.clicks_per_day(period.first, period.last, period.zone)
    in_period: dict[int, int] = defaultdict(int)
    for (_day, post_id, _link), n in clicks.items():
        in_period[post_id] += n
    posts = t.posts
    async with storage.db.read() as c:
        rows = [dict(r) for r in (await c.execute(select(posts).where(or_(
            posts.c.created_at.between(start, end), posts.c.published_at.between(start, end),
            posts.c.publish_at.between(start, end), posts.c.id.in_(sorted(in_period) or [0])))
            .order_by(posts.c.id))).mappings()]
    out = []
    for row in rows:
        links = await storage.shopping.links(row["id"])
        per_link = await storage.analytics.post_clicks(row["id"])
        item: dict[str, Any] = {
            "id": row["id"], "title": row["title"], "post_format": row["post_format"],
            "status": row["status"], "created_at": row["created_at"],
            "publish_at": row["publish_at"], "published_at": row["published_at"],
            "created_by": row["created_by"], "buttons": len(links),
            "clicks_in_period": in_period.get(row["id"], 0),
            "clicks_total": sum(per_link.values()), "text": row["text"] or ""}
        for link in links[:3]:
            n = link["position"] + 1
            item[f"cta_{n}_label"] = link["label"]
            item[f"cta_{n}_url"] = link["url"]
            item[f"cta_{n}_clicks"] = per_link.get(int(link["id"]), 0)
        out.append(item)
    return out


async def event_rows(storage: Any, period: Period) -> list[dict[str, Any]]:
    start, end = period.bounds()
    rows = await storage.analytics.events(start, end)
    return [{"id": r["id"], "created_at": r["created_at"], "action": r["action"],
             "post_id": r["post_id"], "link_id": r["link_id"], "user_id": r["user_id"],
             "details": json.dumps(r["metadata"], ensure_ascii=False) if r["metadata"] else ""}
            for r in rows]


async def summary_rows(storage: Any, period: Period) -> list[dict[str, Any]]:
    board = await dashboard(storage, period)
    rows: list[dict[str, Any]] = [
        {"metric": "first_day", "value": period.first.isoformat()},
        {"metric": "last_day", "value": period.last.isoformat()},
        {"metric": "timezone", "value": period.tz},
        {"metric": "posts_published", "value": board.posts_published},
        {"metric": "clicks", "value": board.clicks},
        {"metric": "clicks_per_post", "value": board.clicks_per_post}]
    for i, post in enumerate(board.top, 1):
        rows.append({"metric": f"top_{i}", "value": f"#{post.post_id} {post.title} "
                                                    f"({post.post_format}): {post.clicks}"})
    for f in board.formats:
        rows += [{"metric": f"{f.post_format}_posts", "value": f.posts},
                 {"metric": f"{f.post_format}_clicks", "value": f.clicks},
                 {"metric": f"{f.post_format}_average", "value": f.average}]
    for day, posts, clicks in board.daily:
        rows.append({"metric": f"day_{day.isoformat()}", "value": f"{posts} posts, "
                                                                   f"{clicks} clicks"})
    return rows


_BUILDERS = {"posts": (post_rows, POST_COLUMNS), "events": (event_rows, EVENT_COLUMNS),
             "summary": (summary_rows, SUMMARY_COLUMNS)}


async def rows_of(storage: Any, kind: str, period: Period) -> list[dict[str, Any]]:
    builder, _columns = _BUILDERS[kind]
    return await builder(storage, period)


def filename(kind: str, period: Period, fmt: str) -> str:
    return f"{kind}_{period.first.isoformat()}_{period.last.isoformat()}.{fmt}"


def as_csv(kind: str, rows: list[dict[str, Any]], period: Period) -> bytes:
    return csv_bytes(_BUILDERS[kind][1], rows, period.zone, iso=True)


def jsonable(rows: list[dict[str, Any]], period: Period) -> list[dict[str, Any]]:
    return [{k: (_iso(v, period) if isinstance(v, datetime) else v) for k, v in row.items()}
            for row in rows]


def as_json(kind: str, rows: list[dict[str, Any]], period: Period) -> bytes:
    body = {"kind": kind, "first_day": period.first.isoformat(),
            "last_day": period.last.isoformat(), "timezone": period.tz,
            "rows": jsonable(rows, period)}
    return json.dumps(body, ensure_ascii=False, indent=1).encode()
