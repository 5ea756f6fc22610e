"""The channel's figures against values computed independently here (issue 6, acceptance 2-4):
a seeded data set of posts of every format over 40 days with known clicks, on SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from shared.storage import Storage
from shopping_bot import exports
from shopping_bot.stats import custom_period, dashboard, period
from shopping_bot.storage import tables as shop_tables
from shopping_bot.storage.analytics import Click

TZ = "Asia/Yerevan"
ZONE = ZoneInfo(TZ)
NOW = datetime(2026, 11, 20, 21, 30, tzinfo=UTC)  # 01:30 on the 21st in Yerevan
FORMATS = ("product", "sale", "collection", "tip")


async def seed(storage: Storage) -> tuple[list[dict], list[tuple[datetime, int, int]]]:
    """40 days of posts (every format) and clicks; returns them for the independent check."""
    rng = random.Random(42)
    posts, clicks = [], []
    async with storage.db.write() as c:
        for i in range(48):
            # spread over 40 days, some right around local midnight
            published = NOW - timedelta(days=rng.uniform(0, 40))
            if i % 7 == 0:
                local = published.astimezone(ZONE).replace(hour=23, minute=59, second=30)
                published = local.astimezone(UTC)
            if published > NOW:
                published = NOW - timedelta(minutes=5)
            fmt = FORMATS[i % 4]
            title = f"Գրառում {i} =SUM(A1)" if i == 3 else f"Գրառում {i}"
            post_id = (await c.execute(insert(shop_tables.posts).values(
                title=title, text=f"Տեքստ {i}", status="published", post_format=fmt,
                created_at=published - timedelta(hours=1), updated_at=published,
                published_at=published, separate_text=False, attempts=0,
                created_by=7001).returning(shop_tables.posts.c.id))).scalar_one()
            link_ids = []
            for position in range(i % 3 + 1):
                link_ids.append((await c.execute(insert(shop_tables.post_links).values(
                    post_id=post_id, position=position, label=f"Գնել {position}",
                    url=f"https://shop.example/{i}/{position}", code=f"c{i}x{position}",
                    created_at=published).returning(shop_tables.post_links.c.id))).scalar_one())
            posts.append({"id": post_id, "title": title, "format": fmt,
                          "published_at": published, "links": link_ids})
            for _ in range(rng.randint(0, 30)):
                at = published + timedelta(hours=rng.uniform(0, 24 * 5))
                if at <= NOW:
                    clicks.append((at, post_id, rng.choice(link_ids)))
        # a draft (never published) must count nowhere
        await c.execute(insert(shop_tables.posts).values(
            title="draft", status="draft", post_format="sale", created_at=NOW, updated_at=NOW,
            separate_text=False, attempts=0))
    await storage.analytics.record_clicks([Click(p, k, None, at) for at, p, k in clicks])
    return posts, clicks


def expected(posts: list[dict], clicks: list, first: date, last: date) -> dict:
    def inside(moment: datetime) -> bool:
        return first <= moment.astimezone(ZONE).date() <= last

    published = [p for p in posts if inside(p["published_at"])]
    per_post = Counter(post_id for at, post_id, _ in clicks if inside(at))
    total = sum(per_post.values())
    by_id = {p["id"]: p for p in posts}
    top = sorted(per_post, key=lambda pid: (-per_post[pid],
                                            -by_id[pid]["published_at"].timestamp(), -pid))[:5]
    formats = {}
    for fmt in FORMATS:
        n_posts = sum(1 for p in published if p["format"] == fmt)
        n_clicks = sum(n for pid, n in per_post.items() if by_id[pid]["format"] == fmt)
        formats[fmt] = (n_posts, n_clicks, round(n_clicks / n_posts, 2) if n_posts else 0.0)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    daily = [(d, sum(1 for p in published if p["published_at"].astimezone(ZONE).date() == d),
              sum(1 for at, _, _ in clicks if at.astimezone(ZONE).date() == d)) for d in days]
    return {"posts": len(published), "clicks": total,
            "ratio": round(total / len(published), 2) if published else 0.0,
            "top": [(pid, per_post[pid]) for pid in top], "formats": formats, "daily": daily}


@pytest.mark.parametrize("key", ["today", "7d", "30d"])
async def test_dashboard_matches_an_independent_count(storage: Storage, key: str) -> None:
    posts, clicks = await seed(storage)
    p = period(key, TZ, NOW)
    assert p.last == date(2026, 11, 21)  # the local day, not the UTC one
    assert len(p.days()) == {"today": 1, "7d": 7, "30d": 30}[key]
    want = expected(posts, clicks, p.first, p.last)
    board = await dashboard(storage, p)
    assert board.posts_published == want["posts"]
    assert board.clicks == want["clicks"]
    assert board.clicks_per_post == want["ratio"]
    assert [(f.post_id, f.clicks) for f in board.top] == want["top"]
    assert {f.post_format: (f.posts, f.clicks, f.average) for f in board.formats} == \
        want["formats"]
    assert board.daily == want["daily"]
    if key == "30d":
        assert board.clicks > 0 and board.posts_published > 10  # the data set means something


async def test_folded_days_still_add_up(storage: Storage) -> None:
    _posts, clicks = await seed(storage)
    p = custom_period(date(2026, 10, 10), date(2026, 11, 21), TZ)
    before = await dashboard(storage, p)
    # fold the 25 oldest local days into daily totals, as the retention job does
    for day in sorted({at.astimezone(ZONE).date() for at, _, _ in clicks})[:25]:
        await storage.analytics.fold_day(day, ZONE)
    async with storage.db.read() as c:
        from sqlalchemy import func, select
        left = (await c.execute(select(func.count()).select_from(shop_tables.analytics).where(
            shop_tables.analytics.c.action == "click"))).scalar_one()
    assert 0 < left < len(clicks)
    after = await dashboard(storage, p)
    assert after == before


async def test_chart_is_a_png_with_one_point_per_day(storage: Storage) -> None:
    from shopping_bot.charts import daily_chart

    posts, clicks = await seed(storage)
    p = period("30d", TZ, NOW)
    png, series = daily_chart(await dashboard(storage, p))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    want = expected(posts, clicks, p.first, p.last)["daily"]
    assert series == [{"day": d.isoformat(), "posts": n, "clicks": k} for d, n, k in want]
    width = int.from_bytes(png[16:20], "big")
    assert width >= 1000  # readable on a phone once scaled


async def test_csv_and_json_exports_round_trip(storage: Storage) -> None:
    posts, clicks = await seed(storage)
    p = period("30d", TZ, NOW)
    rows = await exports.rows_of(storage, "posts", p)
    body = exports.as_csv("posts", rows, p)
    assert body.startswith(b"\xef\xbb\xbf")
    read = list(csv.DictReader(io.StringIO(body[3:].decode("utf-8"))))
    assert [r["id"] for r in read] == [str(r["id"]) for r in rows]
    by_id = {r["id"]: r for r in read}
    for post in posts:
        row = by_id.get(str(post["id"]))
        if row is None:
            continue
        assert row["title"] == ("'" + post["title"] if post["title"].startswith("=")
                                else post["title"])
        assert row["published_at"] == post["published_at"].astimezone(ZONE).isoformat(
            timespec="seconds")
        assert row["published_at"].endswith("+04:00")
        total = sum(1 for _, pid, _ in clicks if pid == post["id"])
        assert int(row["clicks_total"]) == total
    assert any("Գրառում" in r["title"] for r in read)
    assert exports.filename("posts", p, "csv") == "posts_2026-10-23_2026-11-21.csv"

    parsed = json.loads(exports.as_json("posts", rows, p))
    assert parsed["timezone"] == TZ and len(parsed["rows"]) == len(read)
    assert [str(r["id"]) for r in parsed["rows"]] == [r["id"] for r in read]
    assert parsed["rows"][0]["title"].startswith("Գրառում")

    events = await exports.rows_of(storage, "events", p)
    in_period = [c for c in clicks if p.first <= c[0].astimezone(ZONE).date() <= p.last]
    assert sum(1 for e in events if e["action"] == "click") == len(in_period)
    summary = {r["metric"]: r["value"] for r in await exports.rows_of(storage, "summary", p)}
    assert summary["clicks"] == len(in_period)


async def test_the_retention_job_folds_only_whole_old_days(storage: Storage) -> None:
    from types import SimpleNamespace

    import time_machine

    from shared.config import load_settings
    from shopping_bot.retention import fold_old_events

    _posts, clicks = await seed(storage)
    p = custom_period(date(2026, 10, 1), date(2026, 11, 21), TZ)
    before = await dashboard(storage, p)
    settings = load_settings(_env_file=None, SCHEDULER_TIMEZONE=TZ, ANALYTICS_RETENTION_DAYS="10")
    services = SimpleNamespace(settings=settings, storage=storage)
    with time_machine.travel(NOW, tick=False):
        folded = await fold_old_events(None, services)
        assert await fold_old_events(None, services) == 0  # nothing left to fold
    keep_from = date(2026, 11, 11)  # local today (21st) minus 10 days
    old = [c for c in clicks if c[0].astimezone(ZONE).date() < keep_from]
    assert folded >= len(old) > 0
    events = await storage.analytics.events(*custom_period(date(2026, 1, 1), keep_from
                                                           - timedelta(days=1), TZ).bounds())
    assert events == []
    assert await dashboard(storage, p) == before
