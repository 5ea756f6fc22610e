"""The shopping repository's publication life cycle on SQLite and PostgreSQL: claims are atomic
(one winner among concurrent claimers, also from two Storage objects), the claim token guards
every later step, missed posts are only never-attempted ones past the grace, link codes are
unique and kept while the buttons do not change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta, tzinfo

import pytest

from shared.config import normalise_database_url
from shared.storage import Storage, open_storage, utcnow
from shopping_bot.storage.analytics import Click
from shopping_bot.storage.status import PostStatus
from tests.conftest import instances


async def _scheduled(storage: Storage, minutes: float = -1, author: int = 7) -> int:
    repo = storage.shopping
    pid = await repo.create_post(created_by=author, post_format="product", text="Hello",
                                 title="T")
    assert await repo.schedule_post(pid, utcnow() + timedelta(minutes=minutes), user_id=author)
    return pid


async def test_life_cycle(storage: Storage) -> None:
    repo = storage.shopping
    pid = await repo.create_post(created_by=7, post_format="sale", text="Big sale")
    assert (await repo.get_post(pid))["status"] == PostStatus.DRAFT
    # a draft in the future is not due; unscheduling brings it back to the drafts
    assert await repo.schedule_post(pid, utcnow() + timedelta(hours=1), user_id=7)
    assert (await repo.get_post(pid))["status"] == PostStatus.SCHEDULED
    assert await repo.due_post_ids(utcnow()) == []
    assert await repo.claim_post(pid, token="x", lease_seconds=60, due_before=utcnow()) is None
    assert await repo.unschedule_post(pid, user_id=7)
    row = await repo.get_post(pid)
    assert row["status"] == PostStatus.DRAFT and row["publish_at"] is None
    # due now: claimed, parts recorded, published
    assert await repo.schedule_post(pid, utcnow() - timedelta(seconds=1), user_id=7)
    assert await repo.due_post_ids(utcnow()) == [pid]
    claimed = await repo.claim_post(pid, token="tok", lease_seconds=60, due_before=utcnow())
    assert claimed is not None and claimed["status"] == PostStatus.PUBLISHING
    assert await repo.due_post_ids(utcnow()) == []
    assert not await repo.schedule_post(pid, utcnow(), user_id=7)  # being published
    assert await repo.record_part(pid, "tok", channel_message_id=11)
    assert await repo.finish_published(pid, "tok", user_id=7)
    row = await repo.get_post(pid)
    assert row["status"] == PostStatus.PUBLISHED and row["channel_message_id"] == 11
    assert row["published_at"] is not None and row["claim_token"] is None
    assert not await repo.unschedule_post(pid)
    assert await repo.mark_deleted(pid, user_id=7)
    assert (await repo.get_post(pid))["status"] == PostStatus.DELETED
    assert not await repo.mark_deleted(pid)
    actions = [h["action"] for h in await repo.history(pid)]
    assert actions == ["created", "scheduled", "unscheduled", "scheduled", "published",
                       "deleted"]


async def test_retry_then_failed_then_cleanup(storage: Storage) -> None:
    repo = storage.shopping
    pid = await _scheduled(storage)
    assert await repo.claim_post(pid, token="a", lease_seconds=60, due_before=utcnow())
    later = utcnow() + timedelta(minutes=5)
    assert await repo.release_for_retry(pid, "a", error="Forbidden", retry_at=later) == 1
    row = await repo.get_post(pid)
    assert row["status"] == PostStatus.SCHEDULED and row["last_error"] == "Forbidden"
    assert await repo.due_post_ids(utcnow()) == []  # waits for its retry time
    assert await repo.due_post_ids(later + timedelta(seconds=1)) == [pid]
    assert await repo.claim_post(pid, token="b", lease_seconds=60, due_before=utcnow()) is None
    assert await repo.claim_post(pid, token="b", lease_seconds=60,
                                 due_before=later + timedelta(seconds=1))
    assert not await repo.mark_failed(pid, "a", error="old token")  # not the claim's token
    assert await repo.mark_failed(pid, "b", error="still Forbidden")
    row = await repo.get_post(pid)
    assert row["status"] == PostStatus.FAILED and row["attempts"] == 2
    # a retried failed post may be claimed by "publish now"
    assert await repo.claim_post(pid, token="c", lease_seconds=60, statuses=(PostStatus.FAILED,))
    assert await repo.mark_failed(pid, "c", error="again")
    assert await repo.cleanup_failed(user_id=7) == 1
    row = await repo.get_post(pid)
    assert row["status"] == PostStatus.DRAFT and row["publish_at"] is None
    assert await repo.cleanup_failed() == 0


async def test_wrong_token_changes_nothing(storage: Storage) -> None:
    repo = storage.shopping
    pid = await _scheduled(storage)
    assert await repo.claim_post(pid, token="mine", lease_seconds=60, due_before=utcnow())
    assert not await repo.record_part(pid, "theirs", channel_message_id=5)
    assert not await repo.finish_published(pid, "theirs")
    assert await repo.release_for_retry(pid, "theirs", error="x", retry_at=utcnow()) is None
    row = await repo.get_post(pid)
    assert row["status"] == PostStatus.PUBLISHING and row["channel_message_id"] is None
    assert row["attempts"] == 0
    # the real owner still can
    assert await repo.record_part(pid, "mine", channel_message_id=5)
    assert await repo.finish_published(pid, "mine")
    assert not await repo.finish_published(pid, "mine")  # once


async def test_concurrent_claims_one_winner(storage: Storage) -> None:
    repo = storage.shopping
    pid = await _scheduled(storage)
    results = await asyncio.gather(*[
        repo.claim_post(pid, token=f"t{i}", lease_seconds=60, due_before=utcnow())
        for i in range(8)])
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert (await repo.get_post(pid))["claim_token"] == winners[0]["claim_token"]


Instances = tuple[Storage, Storage]


@pytest.fixture
async def two_instances(database_url: str) -> AsyncIterator[Instances]:
    """Two Storage objects on one database, as two instances of the service have."""
    url = normalise_database_url(database_url)
    async with instances(lambda: open_storage(url)) as (a, b):
        yield a, b


async def test_two_storages_on_one_database_one_winner(two_instances: Instances) -> None:
    a, b = two_instances
    pids = [await _scheduled(a) for _ in range(5)]
    for pid in pids:
        got = await asyncio.gather(*[
            s.shopping.claim_post(pid, token=f"{name}{i}", lease_seconds=60,
                                  due_before=utcnow())
            for i in range(3) for name, s in (("a", a), ("b", b))])
        assert sum(r is not None for r in got) == 1, pid


async def check_racing_folds(a: Storage, b: Storage, zone: tzinfo) -> None:
    """Two instances folding the same day at once (the retention job) never count twice: 300
    clicks recorded through ``a``, then the day folded by a, b, a and b at once."""
    pid = await a.shopping.create_post(created_by=7, post_format="sale", text="s")
    link = (await a.shopping.replace_links(pid, [{"label": "x", "url": "https://x.ex"}]))[0]
    at = datetime(2026, 11, 10, 12, tzinfo=UTC)
    await a.analytics.record_clicks([Click(pid, link["id"], f"v{i % 3}",
                                           at + timedelta(seconds=i)) for i in range(300)])
    day = date(2026, 11, 10)
    got = await asyncio.gather(*[s.analytics.fold_day(day, zone) for s in (a, b, a, b)])
    assert sum(got) == 300
    assert await b.analytics.daily_totals(day, day) == [(day, pid, link["id"], 300)]
    assert await a.analytics.post_clicks(pid) == {link["id"]: 300}


async def test_racing_folds_of_one_day_count_each_event_once(two_instances: Instances) -> None:
    await check_racing_folds(*two_instances, UTC)


async def test_two_owners_adding_one_editor_at_once_get_one_change(
        two_instances: Instances) -> None:
    a, b = two_instances
    for uid in (501, 502, 503):
        got = await asyncio.gather(*[s.shopping.set_editor(uid, True) for s in (a, b, a, b)])
        assert got.count(True) == 1, got
    got = await asyncio.gather(*[s.shopping.set_editor(502, False) for s in (a, b)])
    assert got.count(True) == 1
    assert await b.shopping.editor_ids() == {501, 503}


async def test_missed_only_past_the_grace(storage: Storage) -> None:
    repo = storage.shopping
    grace = timedelta(hours=1)
    late = await _scheduled(storage, minutes=-120)
    recent = await _scheduled(storage, minutes=-10)
    retried = await _scheduled(storage, minutes=-120)
    assert await repo.claim_post(retried, token="r", lease_seconds=60, due_before=utcnow())
    assert await repo.release_for_retry(retried, "r", error="x", retry_at=utcnow()) == 1
    draft = await repo.create_post(created_by=7, post_format="tip", text="d")
    limit = utcnow() - grace
    assert await repo.mark_missed(late, limit)
    assert not await repo.mark_missed(late, limit)  # once
    assert not await repo.mark_missed(recent, limit)
    assert not await repo.mark_missed(retried, limit)  # its retry is recent
    assert not await repo.mark_missed(draft, limit)
    # a retry the process slept through counts as missed too
    slept = await _scheduled(storage, minutes=-300)
    assert await repo.claim_post(slept, token="s", lease_seconds=60, due_before=utcnow())
    assert await repo.release_for_retry(slept, "s", error="x",
                                        retry_at=utcnow() - timedelta(hours=3)) == 1
    assert await repo.mark_missed(slept, limit)
    assert (await repo.get_post(late))["status"] == PostStatus.MISSED
    assert (await repo.get_post(recent))["status"] == PostStatus.SCHEDULED
    # a missed post can be rescheduled, or claimed by "publish now"
    assert await repo.claim_post(late, token="n", lease_seconds=60, statuses=(PostStatus.MISSED,))


async def test_stale_claims(storage: Storage) -> None:
    repo = storage.shopping
    pid = await _scheduled(storage)
    fresh = await _scheduled(storage)
    assert await repo.claim_post(pid, token="dead", lease_seconds=1, due_before=utcnow())
    assert await repo.claim_post(fresh, token="alive", lease_seconds=600, due_before=utcnow())
    assert await repo.stale_claims(utcnow()) == []
    assert await repo.stale_claims(utcnow() + timedelta(seconds=5)) == [pid]
    assert await repo.mark_failed(pid, None, error="interrupted")
    assert await repo.stale_claims(utcnow() + timedelta(seconds=5)) == []


async def test_links_unique_and_kept_when_unchanged(storage: Storage) -> None:
    repo = storage.shopping
    a = await repo.create_post(created_by=7, post_format="product", text="a")
    b = await repo.create_post(created_by=7, post_format="product", text="b")
    buttons = [{"label": "Buy", "url": "https://shop.example/1"},
               {"label": "More", "url": "https://shop.example/2"}]
    first = await repo.replace_links(a, buttons)
    assert [(r["position"], r["label"]) for r in first] == [(0, "Buy"), (1, "More")]
    again = await repo.replace_links(a, buttons)
    assert [r["code"] for r in again] == [r["code"] for r in first]
    assert [r["code"] for r in await repo.links(a)] == [r["code"] for r in first]
    other = await repo.replace_links(b, buttons)
    other_button = {"label": "Other", "url": "https://shop.example/3"}
    changed = await repo.replace_links(a, [buttons[0], other_button])
    codes = [r["code"] for r in first + other + changed]
    assert len(codes) == len(set(codes)) == 6
    assert len(await repo.links(a)) == 2
    found = await storage.analytics.link(changed[1]["code"])
    assert found is not None and found["url"] == "https://shop.example/3"
    assert await storage.analytics.link(first[1]["code"]) is None


async def test_a_retried_update_finds_the_draft_it_created(storage: Storage) -> None:
    repo = storage.shopping
    first = await repo.create_post(created_by=7, post_format="sale", keywords="k",
                                   source_key="7:100")
    again = await repo.create_post(created_by=7, post_format="sale", keywords="k",
                                   source_key="7:100")
    other = await repo.create_post(created_by=7, post_format="sale", keywords="k",
                                   source_key="7:101")
    assert first == again != other
    assert len(await repo.list_posts(["draft"])) == 2


async def test_delete_draft_never_touches_a_post_that_left_the_drafts(storage: Storage) -> None:
    repo = storage.shopping
    pid = await _scheduled(storage)
    await repo.replace_links(pid, [{"label": "Buy", "url": "https://shop.example/1"}])
    assert await repo.claim_post(pid, token="t", lease_seconds=60) is not None
    assert await repo.finish_published(pid, "t", user_id=7)
    assert not await repo.delete_draft(pid, user_id=7)
    assert (await repo.get_post(pid))["status"] == PostStatus.PUBLISHED
    assert len(await repo.links(pid)) == 1                     # its links and log are kept
    assert [h["action"] for h in await repo.history(pid)][-1] == "published"
    draft = await repo.create_post(created_by=7, post_format="tip", text="x")
    await repo.replace_links(draft, [{"label": "Go", "url": "https://shop.example/2"}])
    assert await repo.delete_draft(draft, user_id=7)
    assert await repo.get_post(draft) is None and await repo.links(draft) == []
