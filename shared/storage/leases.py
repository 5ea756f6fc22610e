"""What the inbox and the outbox share: rows leased to one worker at a time (``lease_owner``
until ``lease_until``), claimed in one statement, released after a failure, put back in the
queue by an operator."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, update
from sqlalchemy.sql.dml import Update

from shared.storage.db import Database, utcnow


def lease(db: Database, table: Table, candidates: Select[Any], *where: Any, owner: Any,
          until: Any) -> Update:
    """The UPDATE that leases the rows ``candidates`` selects (their ids) and that still match
    ``where`` to ``owner`` until ``until``, counting an attempt; add its RETURNING."""
    if db.dialect == "postgresql":
        # a CTE, evaluated once: as a sub-query in IN (...), PostgreSQL may run it again for
        # each row (a generic plan of the prepared statement), and with SKIP LOCKED each
        # run skips the rows this statement just updated: more than the limit claimed
        picked = candidates.with_for_update(skip_locked=True).cte("picked")
        chosen = table.c.id == picked.c.id
    else:
        chosen = table.c.id.in_(candidates.scalar_subquery())
    return (update(table).where(chosen, *where)
            .values(lease_owner=owner, lease_until=until, attempts=table.c.attempts + 1))


async def release_failed(db: Database, table: Table, row_id: int, owner: str, error: str,
                         retry_at: datetime | None, final_status: str) -> None:
    """Release ``owner``'s lease of a row that failed, keeping the error: due again at
    ``retry_at``, or ``final_status`` (never retried) when it is None."""
    values: dict[str, Any] = {"last_error": error[:2000], "lease_owner": None,
                              "lease_until": None}
    if retry_at is None:
        values["status"] = final_status
    else:
        values["next_attempt_at"] = retry_at
    async with db.write() as conn:
        await conn.execute(update(table).where(table.c.id == row_id, table.c.lease_owner == owner)
                           .values(**values))


async def requeue(db: Database, table: Table, status: str, **values: Any) -> int:
    """Put every row of ``status`` back in the queue, due now, with a fresh attempt count (and
    ``values``); how many."""
    async with db.write() as conn:
        res = await conn.execute(
            update(table).where(table.c.status == status)
            .values(status="pending", attempts=0, next_attempt_at=utcnow(), lease_owner=None,
                    lease_until=None, **values))
    return res.rowcount or 0
