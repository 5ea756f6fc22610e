"""The Supabase REST backend over HTTP (issue 7): the requests it sends, paging, the atomic
functions under concurrency, retries, error codes and the schema check."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from shared.errors import MigrationError
from shared.storage import Storage, utcnow
from shared.storage.rest import RestError, RestUnavailable, open_rest_storage
from shared.storage.rest.client import RetryPolicy
from tests.conftest import open_supabase_storage
from tests.fakes.postgrest import FakePostgrest


def _prefer(request) -> set[str]:
    return {p.strip() for p in request.headers.get("prefer", "").split(",") if p.strip()}


@pytest.fixture
async def rest(supabase: FakePostgrest):
    st = await open_supabase_storage(supabase)
    supabase.clear()
    try:
        yield st
    finally:
        await st.close()


async def test_requests_are_what_postgrest_expects(rest: Storage,
                                                   supabase: FakePostgrest) -> None:
    await rest.inbox.add_many([("avap", 1, "c1", "{}"), ("avap", 1, "c1", "{}")])
    [add] = supabase.requests
    assert (add.method, add.path) == ("POST", "/rest/v1/rpc/app_inbox_add")
    assert [r["update_id"] for r in add.body["p_rows"]] == [1, 1] and "p_now" in add.body
    assert add.headers["apikey"] == FakePostgrest.SERVICE_KEY
    assert add.headers["authorization"] == f"Bearer {FakePostgrest.SERVICE_KEY}"
    assert add.response == 1                  # the repeated update was ignored

    supabase.clear()
    assert await rest.jobs.claim("job", utcnow().replace(microsecond=0), "i1") is not None
    [claim] = supabase.requests
    assert (claim.method, claim.path) == ("POST", "/rest/v1/job_runs")
    assert ("on_conflict", "job_id,fire_time") in claim.params
    assert ("select", "id") in claim.params
    assert _prefer(claim) == {"return=representation", "resolution=ignore-duplicates"}

    supabase.clear()
    await rest.flows.save("avap", 5, 5, "step", {"a": 1})
    await rest.flows.save("avap", 5, 5, "next", {"a": 2})
    assert await rest.flows.load("avap", 5, 5) == ("next", {"a": 2})
    save, _, load = supabase.requests
    assert "resolution=merge-duplicates" in _prefer(save)
    assert ("on_conflict", "bot,chat_id,user_id") in save.params
    assert load.method == "GET" and ("bot", "eq.avap") in load.params
    assert ("chat_id", "eq.5") in load.params and ("limit", "1000") in load.params

    supabase.clear()
    await rest.flows.save("avap", 5, 5, None, {})
    [delete] = supabase.requests
    assert delete.method == "DELETE" and ("user_id", "eq.5") in delete.params


async def test_a_read_of_2500_rows_pages_through_the_1000_row_limit(
        rest: Storage, supabase: FakePostgrest) -> None:
    start = utcnow().replace(microsecond=0)
    for chunk in range(5):
        async with rest.db.write() as conn:
            from sqlalchemy.dialects.postgresql import insert

            from shared.storage import schema as t
            await conn.execute(insert(t.job_runs), [
                {"job_id": "tick", "fire_time": start + timedelta(seconds=n),
                 "instance": "i", "started_at": start}
                for n in range(chunk * 500, chunk * 500 + 500)])
    supabase.clear()
    runs = await rest.jobs.list("tick")
    assert len(runs) == 2500
    assert [r["fire_time"] for r in runs] == [start + timedelta(seconds=n) for n in range(2500)]
    assert len({r["id"] for r in runs}) == 2500
    gets = [r for r in supabase.requests if r.method == "GET"]
    assert [(dict(g.params)["offset"], dict(g.params)["limit"]) for g in gets] == [
        ("0", "1000"), ("1000", "1000"), ("2000", "1000")]
    assert all(("order", "fire_time.asc,id.asc") in g.params for g in gets)


async def test_concurrent_lock_acquisitions_on_rest_exactly_one_wins(
        supabase: FakePostgrest) -> None:
    stores = [await open_supabase_storage(supabase) for _ in range(2)]
    try:
        for round_ in range(5):
            tokens = await asyncio.gather(*(s.locks.acquire(f"lock{round_}", 30)
                                            for s in stores for _ in range(4)))
            assert len([tok for tok in tokens if tok]) == 1, tokens
        won = await stores[0].locks.acquire("solo", 30)
        assert won and not await stores[1].locks.acquire("solo", 30)
        assert await stores[1].locks.renew("solo", won, 30) is True
        assert await stores[0].locks.release("solo", "wrong") is False
        assert await stores[0].locks.release("solo", won) is True
        assert await stores[1].locks.acquire("solo", 30)
        started = await asyncio.gather(*(s.cooldowns.start_if_inactive("cd", 60)
                                         for s in stores for _ in range(4)))
        assert started.count(True) == 1
    finally:
        for s in stores:
            await s.close()


async def test_5xx_and_429_are_retried_and_errors_keep_their_code(
        rest: Storage, supabase: FakePostgrest) -> None:
    rest.db.client.policy = RetryPolicy(attempts=4, base_delay=0.01, budget=5)
    supabase.fail_next(503, times=2, code="PGRST000")
    assert await rest.cooldowns.is_active("x") is False        # third attempt answers
    supabase.fail_next(429, times=1, retry_after=0)
    await rest.cooldowns.start("x", 60)
    assert await rest.cooldowns.is_active("x") is True

    supabase.fail_next(503, times=10, code="PGRST001")
    with pytest.raises(RestUnavailable) as unavailable:
        await rest.cooldowns.is_active("x")
    assert unavailable.value.code == "PGRST001" and unavailable.value.status == 503

    # a claim is not safe to repeat: a 500 after it was sent is reported, not retried
    supabase.clear()
    supabase.fail_next(500, times=1, code="XX000", path_contains="app_outbox_claim")
    with pytest.raises(RestUnavailable):
        await rest.outbox.claim("me", 5, 30)
    assert len([r for r in supabase.requests if "app_outbox_claim" in r.path]) == 1

    # a refusal is never swallowed: PostgREST's code travels with it
    with pytest.raises(RestError) as refused:
        await rest.db.rpc("app_no_such_function", {"p_x": 1})
    assert refused.value.code == "PGRST202" and refused.value.status == 404


async def test_a_network_failure_is_reported_as_storage_unavailable(
        supabase: FakePostgrest) -> None:
    st = await open_supabase_storage(supabase)
    st.db.client.policy = RetryPolicy(attempts=2, base_delay=0.01, budget=1)
    supabase.stop()
    try:
        with pytest.raises(RestUnavailable, match="cannot connect"):
            await st.locks.acquire("k", 10)
    finally:
        await st.close()


async def test_start_refuses_a_missing_or_older_schema(supabase: FakePostgrest) -> None:
    with pytest.raises(MigrationError, match="python -m shared sql"):
        await open_rest_storage(supabase.url, FakePostgrest.SERVICE_KEY)
    st = await open_supabase_storage(supabase)
    await st.close()
    import asyncpg
    conn = await asyncpg.connect(supabase.database_url.replace("+asyncpg", ""))
    try:
        await conn.execute("DELETE FROM schema_migrations WHERE version = "
                           "(SELECT max(version) FROM schema_migrations)")
    finally:
        await conn.close()
    with pytest.raises(MigrationError, match=r"schema version \d+, this code needs \d+: run "
                                             r"`python -m shared sql`"):
        await open_rest_storage(supabase.url, FakePostgrest.SERVICE_KEY)


async def test_the_public_key_reads_changes_and_calls_nothing(supabase: FakePostgrest) -> None:
    await (await open_supabase_storage(supabase)).close()
    from shared.storage.rest.client import RestClient
    from shared.storage.rest.db import RestDatabase

    client = RestClient(supabase.url, FakePostgrest.ANON_KEY)
    await client.connect()
    anon = RestDatabase(client)
    try:
        for call in (anon.rpc("app_schema_version", {}),
                     anon.rpc("app_lock_acquire", {"p_key": "k", "p_token": "t",
                                                   "p_ttl_seconds": 5, "p_now": utcnow()})):
            with pytest.raises(RestError) as refused:
                await call
            assert refused.value.status in (401, 403) and refused.value.code == "42501"
        from sqlalchemy import select

        from shared.storage import schema as t
        async with anon.read() as conn:
            with pytest.raises(RestError) as refused:
                await conn.execute(select(t.inbox.c.id))
        assert refused.value.code == "42501"
    finally:
        await client.close()


async def test_a_write_block_commits_its_queued_rows_together_or_not_at_all(
        rest: Storage, supabase: FakePostgrest) -> None:
    with pytest.raises(RuntimeError):
        async with rest.db.write() as conn:
            await rest.outbox.enqueue("x", {"n": 1}, dedupe_key="k1", conn=conn)
            await rest.flows.save("avap", 7, 7, "step", {"a": 1}, conn=conn)
            raise RuntimeError("the handler failed")
    assert supabase.requests == []                      # nothing was sent
    async with rest.db.write() as conn:
        await rest.outbox.enqueue("x", {"n": 1}, dedupe_key="k1", conn=conn)
        await rest.outbox.enqueue("x", {"n": 1}, dedupe_key="k1", conn=conn)   # deduplicated
        await rest.flows.save("avap", 7, 7, "step", {"a": 1}, conn=conn)
        assert supabase.requests == []                  # held until the block ends
    [apply] = supabase.requests
    assert apply.path == "/rest/v1/rpc/app_apply_writes"
    assert [op["table"] for op in apply.body["p_ops"]] == ["outbox", "outbox", "flow_state"]
    assert apply.body["p_ops"][2]["resolution"] == "merge"
    assert (await rest.outbox.counts(3))["pending"] == 1
    assert await rest.flows.load("avap", 7, 7) == ("step", {"a": 1})


async def test_queued_rows_are_safe_to_send_again_after_a_lost_answer(
        rest: Storage, supabase: FakePostgrest) -> None:
    rest.db.client.policy = RetryPolicy(attempts=3, base_delay=0.01, budget=2)
    # a 500 may come after the database applied the request: only requests that are safe to
    # repeat are sent again. Rows queued without a dedupe key get a random one for that.
    supabase.fail_next(500, code="XX000", path_contains="app_apply_writes")
    async with rest.db.write() as conn:
        await rest.outbox.enqueue("telegram.message", {"text": "hi"}, conn=conn)
        await rest.flows.save("avap", 9, 9, "asked", {}, conn=conn)
    sent = [r for r in supabase.requests if r.path.endswith("app_apply_writes")]
    assert [r.status for r in sent] == [500, 200]
    [claimed] = await rest.outbox.claim("me", 10, 30)
    assert claimed.payload == {"text": "hi"} and claimed.dedupe_key.startswith("rest:")
