"""REST variant of the engagement repository: the day's tip, the partner pool, the tip audience
and the digest's joins are rpc calls of the functions of ``migrations/0009_rest_avap.sql``;
everything else is inherited and runs through the statement translator."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from avap_bot.storage import tables as t
from avap_bot.storage.engagement import EngagementRepo, Row
from avap_bot.storage.rest_desk import first, paged_ids, shaped
from shared.storage.db import utcnow
from shared.storage.rest.db import RestDatabase


class RestEngagementRepo(EngagementRepo):
    """EngagementRepo over Supabase's REST API."""

    RPC_METHODS: ClassVar[frozenset[str]] = frozenset({
        "delete_tip", "tip_audience", "start_tip_day", "join_pool", "waiting_submissions",
        "waiting_questions"})

    db: RestDatabase  # type: ignore[assignment]

    async def delete_tip(self, number: int) -> Row | None:
        """``app_tip_delete``: the tip at position ``number`` found and deleted at once."""
        if number < 1:
            return None
        found = await self.db.rpc("app_tip_delete", {"p_number": number}, safe=False)
        return first(list(t.tips.c), found)

    async def tip_audience(self, conn: Any = None) -> list[int]:
        """``app_tip_audience``, page by page."""
        return await paged_ids(self.db, "app_tip_audience", {})

    async def start_tip_day(self, day: str) -> int | None:
        """``app_tip_start_day``: the day claimed, its broadcast and deliveries queued, in one
        transaction; None when claimed already or there is no tip."""
        found = await self.db.rpc("app_tip_start_day", {"p_day": day, "p_now": utcnow()},
                                  safe=False)
        return None if found is None else int(found)

    async def join_pool(self, telegram_id: int, name: str, username: str | None,
                        module: str | None, conn: Any = None) -> Row | None:
        """``app_pool_join`` (under the pool's advisory lock): the new pair, or None."""
        found = await (conn or self.db).rpc("app_pool_join", {
            "p_telegram_id": telegram_id, "p_name": name, "p_username": username,
            "p_module": module, "p_now": utcnow()}, safe=False)
        return first(list(t.match_pairs.c), found)

    async def waiting_submissions(self, before: datetime, limit: int = 30) -> list[Row]:
        """``app_digest_submissions``."""
        s = t.submissions
        return await self._waiting("app_digest_submissions", before, limit,
                                   [s.c.id, s.c.telegram_id, s.c.module, s.c.attempt,
                                    s.c.created_at])

    async def waiting_questions(self, before: datetime, limit: int = 30) -> list[Row]:
        """``app_digest_questions``."""
        q = t.questions
        return await self._waiting("app_digest_questions", before, limit,
                                   [q.c.id, q.c.telegram_id, q.c.type, q.c.content, q.c.created_at])

    async def _waiting(self, function: str, before: datetime, limit: int,
                       columns: list[Any]) -> list[Row]:
        """A digest's rows waiting since before ``before``: ``columns`` and the student's name."""
        found = await self.db.rpc(function, {"p_before": before, "p_limit": limit})
        return shaped([*columns, t.verified_users.c.name], found)
