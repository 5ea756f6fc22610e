"""The SQLAlchemy → PostgREST translation: exact requests, and refusals of what PostgREST cannot
express (those become rpc functions)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import and_, delete, func, not_, or_, select, update
from sqlalchemy.dialects.postgresql import insert

from shared.storage import schema as t
from shared.storage.rest.translate import NotTranslatable, translate
from shopping_bot.storage import tables as shop_tables

NOW = datetime(2026, 11, 22, 8, 30, 0, 123456, tzinfo=UTC)


def test_select_with_filters_order_and_limit() -> None:
    i = t.inbox
    req = translate(
        select(i.c.id, i.c.bot)
        .where(i.c.status == "dead", i.c.lease_until < NOW, i.c.bot.in_(["avap", "a,b"]),
               i.c.done_at.is_(None))
        .order_by(i.c.id.desc()).limit(5).offset(10))
    assert req.method == "GET" and req.table == "inbox"
    assert req.params == [
        ("select", "id,bot"), ("status", "eq.dead"),
        ("lease_until", "lt.2026-11-22T08:30:00.123456+00:00"),
        ("bot", 'in.(avap,"a,b")'), ("done_at", "is.null"), ("order", "id.desc"),
    ]
    assert (req.limit, req.offset) == (5, 10)


def test_or_and_not_become_logic_trees_with_quoted_values() -> None:
    o = t.outbox
    req = translate(select(o.c.id).where(
        or_(o.c.status == "failed", and_(o.c.status == "pending", o.c.attempts >= 3)),
        not_(or_(o.c.kind == "x.y", o.c.lease_until > NOW))))
    assert ("or", "(status.eq.failed,and(status.eq.pending,attempts.gte.3))") in req.params
    assert ("not.or", '(kind.eq."x.y",lease_until.gt."2026-11-22T08:30:00.123456+00:00")') \
        in req.params
    assert ("order", "id.asc") in req.params      # pages need a stable order


def test_negations_comparisons_flipped_and_like() -> None:
    i = t.inbox
    req = translate(select(i.c.id).where(i.c.status != "done", i.c.attempts.is_not(None),
                                         i.c.attempts > 5, i.c.payload.like("%x_y%"),
                                         i.c.bot.not_in(["a"])))
    assert req.params[1:5] == [("status", "neq.done"), ("attempts", "not.is.null"),
                               ("attempts", "gt.5"), ("payload", "like.*x_y*")]
    assert req.params[5] == ("bot", "not.in.(a)")


def test_between_is_a_pair_of_bounds_also_inside_or() -> None:
    p = shop_tables.posts
    day = datetime(2026, 11, 1, tzinfo=UTC)
    req = translate(select(p.c.id).where(p.c.id.between(3, 7)))
    assert req.params[1:3] == [("id", "gte.3"), ("id", "lte.7")]
    req = translate(select(p.c.id).where(or_(p.c.created_at.between(day, NOW), p.c.id == 1)))
    assert req.params[1] == ("or", '(and(created_at.gte."2026-11-01T00:00:00+00:00",'
                                   'created_at.lte."2026-11-22T08:30:00.123456+00:00"),id.eq.1)')


def test_count_is_a_head_request_with_an_exact_count() -> None:
    req = translate(select(func.count()).select_from(t.inbox).where(t.inbox.c.status == "dead"))
    assert (req.method, req.prefer, req.count_only) == ("HEAD", ["count=exact"], True)
    assert ("status", "eq.dead") in req.params


def test_upserts_map_to_resolution_preferences() -> None:
    ins = insert(t.job_runs).values(job_id="j", fire_time=NOW, instance="i", started_at=NOW)
    req = translate(ins.on_conflict_do_nothing(index_elements=["job_id", "fire_time"])
                    .returning(t.job_runs.c.id))
    assert req.method == "POST" and req.table == "job_runs"
    assert req.prefer == ["return=representation", "resolution=ignore-duplicates"]
    assert ("on_conflict", "job_id,fire_time") in req.params and ("select", "id") in req.params
    assert req.body == [{"job_id": "j", "fire_time": NOW.isoformat(), "instance": "i",
                         "started_at": NOW.isoformat()}]
    assert req.idempotent

    f = t.flow_state
    ins = insert(f).values(bot="b", chat_id=1, user_id=2, step="s", data={"a": 1},
                           updated_at=NOW)
    req = translate(ins.on_conflict_do_update(
        index_elements=["bot", "chat_id", "user_id"],
        set_={"step": ins.excluded.step, "data": ins.excluded.data,
              "updated_at": ins.excluded.updated_at}))
    assert "resolution=merge-duplicates" in req.prefer
    assert req.body[0]["data"] == {"a": 1}


def test_an_upsert_with_a_null_conflict_key_is_not_safe_to_repeat() -> None:
    def enqueue(key):
        return translate(insert(t.outbox).values(
            kind="k", payload={}, dedupe_key=key, status="pending", attempts=0,
            next_attempt_at=NOW, alerted=False, created_at=NOW,
        ).on_conflict_do_nothing(index_elements=["dedupe_key"]))
    assert enqueue("verified:1").idempotent
    assert not enqueue(None).idempotent


def test_rows_passed_to_execute_are_one_bulk_insert() -> None:
    rows = [{"bot": "b", "update_id": n, "chat_key": "c", "payload": "{}", "status": "pending",
             "attempts": 0, "next_attempt_at": NOW, "received_at": NOW} for n in range(3)]
    req = translate(insert(t.inbox).on_conflict_do_nothing(index_elements=["bot", "update_id"]),
                    rows)
    assert len(req.body) == 3 and req.body[2]["update_id"] == 2
    assert ("columns", ",".join(sorted(rows[0]))) in req.params


def test_update_and_delete_return_the_key_for_the_row_count() -> None:
    req = translate(update(t.locks).where(t.locks.c.key == "k", t.locks.c.expires_at > NOW)
                    .values(expires_at=NOW))
    assert req.method == "PATCH" and req.body == {"expires_at": NOW.isoformat()}
    assert req.params[-1] == ("select", "key") and req.prefer == ["return=representation"]
    req = translate(delete(t.locks).where(t.locks.c.key == "k"))
    assert req.method == "DELETE" and req.params == [("key", "eq.k"), ("select", "key")]


@pytest.mark.parametrize("build", [
    # a counter: SET x = x + 1
    lambda: update(t.inbox).where(t.inbox.c.id == 1).values(attempts=t.inbox.c.attempts + 1),
    # a conditional upsert
    lambda: insert(t.locks).values(key="k", token="t", expires_at=NOW, created_at=NOW)
    .on_conflict_do_update(index_elements=["key"], set_={"token": "t"},
                           where=t.locks.c.expires_at <= NOW),
    # an upsert that updates only some of the inserted columns
    lambda: insert(t.cooldown_states).values(key="k", cooldown_until=NOW, created_at=NOW,
                                             updated_at=NOW)
    .on_conflict_do_update(index_elements=["key"], set_={"cooldown_until": NOW}),
    # grouping, joins, row locks, sub-queries, column-to-column comparisons
    lambda: select(t.inbox.c.status, func.count()).group_by(t.inbox.c.status),
    lambda: select(t.inbox.c.id).join(t.outbox, t.outbox.c.id == t.inbox.c.id),
    lambda: select(t.inbox.c.id).with_for_update(skip_locked=True),
    lambda: select(t.inbox.c.id).where(t.inbox.c.id.in_(select(t.outbox.c.id))),
    lambda: select(t.inbox.c.id).where(t.inbox.c.received_at < t.inbox.c.done_at),
    lambda: update(t.inbox).values(status="x"),      # no WHERE: refused, never "every row"
])
def test_what_postgrest_cannot_express_is_refused(build) -> None:
    with pytest.raises(NotTranslatable):
        translate(build())
