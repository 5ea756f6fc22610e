"""The shopping bot's repositories on the Supabase REST backend (issue 7): each function of
``migrations/0010_rest_shopping.sql`` gives the answer the SQL backend gives. Every scenario runs
on PostgreSQL (a direct connection) and on the REST backend (the fake PostgREST over another
database), at the same frozen clock, and the two transcripts must be equal; a few values are
also checked outright so that a transcript wrong on both sides fails too. Plus what only the REST
backend must prove: one winner among claims from two REST storages, and a day folded once when
two folds race."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from shared.storage import Storage
from shared.storage.rest.db import RestDatabase
from shopping_bot.storage import tables as shop_tables
from shopping_bot.storage.analytics import Click
from shopping_bot.storage.status import PostStatus
from tests.conftest import instances, open_supabase_storage
from tests.fakes.postgrest import FakePostgrest
from tests.shared.test_shopping_repo import check_racing_folds

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 11, 20, 21, 30, 15, 250_000, tzinfo=UTC)
KOLKATA = ZoneInfo("Asia/Kolkata")  # +05:30: local days do not start on a UTC hour
Scenario = Callable[[Storage, Any], Awaitable[Any]]


async def transcripts(both: tuple[Storage, Storage], scenario: Scenario) -> Any:
    """The scenario's transcript on each backend (same clock); asserts they are equal."""
    out = []
    for storage in both:
        with time_machine.travel(NOW, tick=False) as clock:
            out.append(await scenario(storage, clock))
    assert out[0] == out[1]
    assert isinstance(both[1].db, RestDatabase) and not isinstance(both[0].db, RestDatabase)
    return out[1]


def _without_codes(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "code"} for r in rows]


# --- posts -----------------------------------------------------------------------------------

async def _posts_scenario(storage: Storage, clock: Any) -> list[Any]:
    repo, out = storage.shopping, []
    a = await repo.create_post(created_by=7, post_format="sale", text="Big", source_key="7:1")
    out.append(a)
    out.append(await repo.create_post(created_by=7, post_format="sale", source_key="7:1"))
    b = await repo.create_post(created_by=8, post_format="tip", keywords="k")
    out.append(b)
    out.append(await repo.update_post(a, user_id=7, title="T", separate_text=True,
                                      buttons=[{"label": "Buy", "url": "https://x.example"}]))
    out.append(await repo.update_post(b, action=None, text="quiet"))
    out.append(await repo.update_post(999, user_id=7, text="none"))
    with pytest.raises(ValueError):
        await repo.update_post(a, status="published")
    clock.shift(1)
    out.append(await repo.schedule_post(a, NOW + timedelta(hours=1), user_id=7))
    out.append(await repo.schedule_post(b, (NOW - timedelta(minutes=1)).astimezone(KOLKATA)))
    out.append(await repo.due_post_ids(NOW))
    out.append(await repo.due_post_ids(NOW + timedelta(hours=2)))
    out.append(await repo.due_post_ids(NOW + timedelta(hours=2), limit=1))
    out.append(await repo.count_by_status())
    # the claim: not due, due, wrong status, then the holder's steps
    out.append(await repo.claim_post(a, token="x", lease_seconds=60, due_before=NOW))
    clock.shift(1)
    out.append(await repo.claim_post(b, token="tok", lease_seconds=90.5, due_before=NOW))
    out.append(await repo.claim_post(b, token="two", lease_seconds=60))
    out.append(await repo.schedule_post(b, NOW, user_id=7))
    out.append(await repo.stale_claims(NOW + timedelta(seconds=60)))
    out.append(await repo.stale_claims(NOW + timedelta(seconds=95)))
    out.append(await repo.record_part(b, "tok", channel_message_id=11))
    out.append(await repo.record_part(b, "nope", text_message_id=12))
    out.append(await repo.finish_published(b, "nope"))
    out.append(await repo.finish_published(b, "tok", user_id=8))
    out.append(await repo.finish_published(b, "tok", user_id=8))
    out.append(await repo.mark_deleted(b, user_id=8))
    out.append(await repo.mark_deleted(b))
    # retry, failure (by token, then without), missed, clean-up
    clock.shift(1)
    out.append(await repo.claim_post(a, token="r", lease_seconds=60,
                                     due_before=NOW + timedelta(hours=2)))
    out.append(await repo.release_for_retry(a, "bad", error="x", retry_at=NOW))
    out.append(await repo.release_for_retry(a, "r", error="E" * 700,
                                            retry_at=NOW + timedelta(minutes=5)))
    out.append(await repo.due_post_ids(NOW + timedelta(minutes=4)))
    out.append(await repo.due_post_ids(NOW + timedelta(minutes=6)))
    out.append(await repo.mark_missed(a, NOW + timedelta(minutes=5)))
    out.append(await repo.mark_missed(a, NOW + timedelta(minutes=6)))
    out.append(await repo.mark_missed(a, NOW + timedelta(minutes=6)))
    out.append(await repo.claim_post(a, token="n", lease_seconds=60, statuses=(PostStatus.MISSED,)))
    out.append(await repo.mark_failed(a, "other", error="no"))
    out.append(await repo.mark_failed(a, "n", error="Ω" * 400))
    c = await repo.create_post(created_by=9, post_format="product")
    out.append(await repo.schedule_post(c, NOW))
    out.append(await repo.mark_failed(c, None, error="interrupted"))
    out.append(await repo.mark_failed(c, None, error="again"))
    out.append(await repo.count_by_status())
    out.append(await repo.cleanup_failed(user_id=7))
    out.append(await repo.cleanup_failed())
    out.append(await repo.unschedule_post(a))   # a draft already
    out.append(await repo.schedule_post(a, NOW))
    out.append(await repo.unschedule_post(a, user_id=7))
    out.append(await repo.delete_draft(b))      # published: stays
    out.append(await repo.delete_draft(c, user_id=7))
    out.append(await repo.delete_draft(c))
    for pid in (a, b, c):
        out.append(await repo.get_post(pid))
        out.append([(h["action"], h["user_id"], h["metadata"], h["created_at"])
                    for h in await repo.history(pid)])
    out.append(await repo.list_posts(["draft", "published", "deleted"], order="updated"))
    return out


async def test_posts_life_cycle_same_on_both(both: tuple[Storage, Storage]) -> None:
    out = await transcripts(both, _posts_scenario)
    a, again, b = out[0], out[1], out[2]
    assert a == again != b
    history_a = out[-6]
    assert [h[0] for h in history_a] == [
        "created", "edited", "scheduled", "publish_retry", "missed", "failed", "cleaned_up",
        "scheduled", "unscheduled"]
    assert history_a[1][2] == {"fields": ["buttons", "separate_text", "title"]}
    assert history_a[3][2] == {"error": "E" * 300}
    assert history_a[5][2] == {"error": "Ω" * 300}
    row_a = out[-7]
    assert row_a["status"] == "draft" and row_a["attempts"] == 0 and row_a["separate_text"]
    assert row_a["buttons"] == [{"label": "Buy", "url": "https://x.example"}]
    assert row_a["publish_at"] is None and row_a["updated_at"] == NOW + timedelta(seconds=3)
    assert out[-5]["status"] == "deleted" and out[-5]["channel_message_id"] == 11
    assert out[-3] is None  # c deleted


async def _claim_scenario(storage: Storage, clock: Any) -> list[Any]:
    repo, out = storage.shopping, []
    pid = await repo.create_post(created_by=7, post_format="product", text="p")
    out.append(await repo.claim_post(pid, token="t", lease_seconds=1))   # a draft
    out.append(await repo.claim_post(pid, token="t", lease_seconds=1, statuses=("draft",)))
    await repo.mark_failed(pid, "t", error="x")
    claimed = await repo.claim_post(pid, token="u", lease_seconds=30.25,
                                    statuses=(PostStatus.FAILED,))
    out.append(claimed)
    out.append(await repo.release_for_retry(pid, "u", error="later", retry_at=NOW))
    return out


async def test_claim_returns_the_same_row(both: tuple[Storage, Storage]) -> None:
    out = await transcripts(both, _claim_scenario)
    assert out[0] is None
    assert out[1]["status"] == PostStatus.PUBLISHING and out[1]["claim_token"] == "t"
    assert out[1]["claimed_until"] == NOW + timedelta(seconds=1)
    assert out[2]["claimed_until"] == NOW + timedelta(seconds=30.25)
    assert out[2]["attempts"] == 1 and out[3] == 2


# --- users and editors -------------------------------------------------------------------------

async def _users_scenario(storage: Storage, clock: Any) -> list[Any]:
    repo, out = storage.shopping, []
    await repo.touch_user(1, "ann", "Ann", None)
    clock.shift(5)
    await repo.touch_user(1, "anna", "Anna", "B")
    await repo.touch_user(2, None, None, None)
    out.append(await repo.set_editor(3, False))     # unknown, not an editor: nothing
    out.append(await repo.set_editor(3, True))      # created as an editor
    out.append(await repo.set_editor(3, True))
    out.append(await repo.set_editor(1, True))
    out.append(await repo.set_editor(2, False))
    out.append(await repo.editor_ids())
    out.append(await repo.set_editor(1, False))
    clock.shift(5)
    await repo.touch_user(3, "c", None, None)       # keeps the right
    out.append(await repo.editor_ids())
    out.append(await repo.get_user(1))
    out.append(await repo.get_user(42))
    out.append(await repo.list_users())
    return out


async def test_users_and_editors_same_on_both(both: tuple[Storage, Storage]) -> None:
    out = await transcripts(both, _users_scenario)
    assert out[:5] == [False, True, False, True, False]
    assert out[5] == {1, 3} and out[7] == {3}
    assert out[8]["username"] == "anna" and out[8]["created_at"] == NOW
    assert out[8]["last_activity"] == NOW + timedelta(seconds=5)
    assert [u["telegram_id"] for u in out[10]] == [3, 1, 2]


# --- links -----------------------------------------------------------------------------------

async def _links_scenario(storage: Storage, clock: Any) -> list[Any]:
    repo, out = storage.shopping, []
    a = await repo.create_post(created_by=7, post_format="product", text="a")
    buttons = [{"label": "Buy", "url": "https://shop.example/1"},
               {"label": "More", "url": "https://shop.example/2"}]
    first = await repo.replace_links(a, buttons)
    clock.shift(1)
    again = await repo.replace_links(a, buttons)
    out.append(_without_codes(first))
    out.append(again == first)
    clock.shift(1)
    changed = await repo.replace_links(a, [buttons[1], buttons[0]])
    out.append(_without_codes(changed))
    out.append({r["code"] for r in changed} & {r["code"] for r in first})
    out.append(_without_codes(await repo.links(a)))
    found = await storage.analytics.link(changed[0]["code"])
    out.append(found)
    out.append(await storage.analytics.link(first[0]["code"]))
    out.append(_without_codes(await repo.replace_links(a, [])))
    out.append(await storage.analytics.link(changed[0]["code"]))
    return out


async def test_links_same_on_both(both: tuple[Storage, Storage]) -> None:
    out = await transcripts(both, _links_scenario)
    assert [(r["position"], r["label"], r["created_at"]) for r in out[0]] == [
        (0, "Buy", NOW), (1, "More", NOW)]
    assert out[1] is True and out[3] == set()
    assert [(r["position"], r["label"]) for r in out[2]] == [(0, "More"), (1, "Buy")]
    assert out[5] == {"id": 3, "post_id": 1, "position": 0, "url": "https://shop.example/2",
                      "status": "draft"}
    assert out[6] is None and out[7] == [] and out[8] is None


# --- analytics -------------------------------------------------------------------------------

async def _analytics_scenario(storage: Storage, clock: Any) -> list[Any]:
    repo, shop, out = storage.analytics, storage.shopping, []
    p1 = await shop.create_post(created_by=7, post_format="sale", text="1")
    p2 = await shop.create_post(created_by=7, post_format="tip", text="2")
    l1 = await shop.replace_links(p1, [{"label": "a", "url": "https://a.example"},
                                       {"label": "b", "url": "https://b.example"}])
    l2 = await shop.replace_links(p2, [{"label": "c", "url": "https://c.example"}])
    base = datetime(2026, 11, 10, 18, 0, tzinfo=UTC)  # 23:30 in Kolkata
    clicks = []
    for i in range(1100):   # an hour each: more groups than one PostgREST page
        at = base + timedelta(minutes=61 * i)
        link = (l1[i % 2] if i % 3 else l2[0])
        visitor = None if i % 5 == 0 else ("" if i % 7 == 0 else f"v{i % 4}")
        clicks.append(Click(link["post_id"], link["id"], visitor, at))
    await repo.record_clicks(clicks)
    await shop.log(p1, "note", 7, reason="x")
    start, end = base, base + timedelta(days=50)
    out.append(sorted(await repo.events_by_hour(start, end)))
    out.append(sorted(await repo.events_by_hour(start, end, action="created")))
    first, last = date(2026, 11, 10), date(2026, 11, 20)
    out.append(await repo.clicks_per_day(first, last, KOLKATA))
    out.append(await repo.post_clicks(p1))
    out.append(await repo.post_clicks(p2))
    out.append(await repo.post_clicks(999))
    cutoff = datetime(2026, 11, 13, tzinfo=UTC)
    oldest = await repo.oldest_event_before(cutoff)
    out.append(oldest)
    out.append(await repo.oldest_event_before(datetime(2020, 1, 1, tzinfo=UTC)))
    # fold the first local days, one twice
    for day in (date(2026, 11, 10), date(2026, 11, 11), date(2026, 11, 11), date(2026, 11, 12)):
        out.append(await repo.fold_day(day, KOLKATA))
    out.append(sorted(await repo.daily_totals(first, last)))
    async with storage.db.read() as c:   # with the unique visitors, which no method returns
        daily = [tuple(r) for r in (await c.execute(select(shop_tables.analytics_daily))).all()]
    out.append(sorted(daily))
    out.append(sorted(await repo.daily_totals(first, last, action="note")))
    out.append(await repo.clicks_per_day(first, last, KOLKATA))
    out.append(await repo.post_clicks(p1))
    out.append(await repo.oldest_event_before(cutoff))
    out.append(len(await repo.events(start, end)))
    out.append(await repo.published_between(start, end))
    return out


async def test_analytics_same_on_both(both: tuple[Storage, Storage]) -> None:
    out = await transcripts(both, _analytics_scenario)
    by_hour = out[0]
    assert len(by_hour) > 1000 and sum(n for *_, n in by_hour) == 1100
    assert all(h.tzinfo is not None and h.minute == 0 for h, *_ in by_hour)
    assert [n for *_, n in out[1]] == [1, 1]  # the "created" events of the two posts
    clicks_before = out[2]
    assert sum(clicks_before.values()) == 1100 - (
        # clicks after the last local day (Nov 20th in Kolkata) are outside
        sum(1 for i in range(1100)
            if (datetime(2026, 11, 10, 18, tzinfo=UTC) + timedelta(minutes=61 * i))
            .astimezone(KOLKATA).date() > date(2026, 11, 20)))
    assert sum(out[3].values()) + sum(out[4].values()) == 1100 and out[5] == {}
    assert out[6] == datetime(2026, 11, 10, 18, tzinfo=UTC) and out[7] is None
    folded = out[8:12]
    assert folded[0] > 0 and folded[1] > 0 and folded[2] == 0 and folded[3] > 0
    totals = out[12]
    assert sum(n for *_, n in totals) == sum(folded)
    # visitors: distinct non-empty hashes per day and link ("" and None do not count)
    assert {row[5] for row in out[13]} <= {0, 1, 2, 3, 4} and any(row[5] > 1 for row in out[13])
    # folding changes no total (days are exact when folded, by UTC hour when raw)
    assert sum(out[15].values()) == sum(clicks_before.values())
    assert out[16] == out[3]


# --- what only the REST backend must show ------------------------------------------------------

async def test_two_rest_storages_one_winner(supabase: FakePostgrest) -> None:
    a = await open_supabase_storage(supabase)
    b = await open_supabase_storage(supabase)
    try:
        pids = []
        for _ in range(5):
            pid = await a.shopping.create_post(created_by=7, post_format="product", text="p")
            assert await a.shopping.schedule_post(pid, datetime.now(UTC) - timedelta(minutes=1))
            pids.append(pid)
        for pid in pids:
            got = await asyncio.gather(*[
                s.shopping.claim_post(pid, token=f"{name}{i}", lease_seconds=60,
                                      due_before=datetime.now(UTC))
                for i in range(3) for name, s in (("a", a), ("b", b))])
            winners = [r for r in got if r is not None]
            assert len(winners) == 1, pid
            row = await b.shopping.get_post(pid)
            assert row["status"] == PostStatus.PUBLISHING
            assert row["claim_token"] == winners[0]["claim_token"]
        # the winner goes on; a loser's token changes nothing
        pid = pids[0]
        token = (await a.shopping.get_post(pid))["claim_token"]
        loser = "a0" if token != "a0" else "b0"
        assert not await b.shopping.finish_published(pid, loser)
        assert await b.shopping.finish_published(pid, token)
        assert (await a.shopping.get_post(pid))["status"] == PostStatus.PUBLISHED
    finally:
        await a.close()
        await b.close()


async def test_racing_folds_of_one_day_fold_each_event_once(supabase: FakePostgrest) -> None:
    async with instances(lambda: open_supabase_storage(supabase)) as (a, b):
        await check_racing_folds(a, b, KOLKATA)
