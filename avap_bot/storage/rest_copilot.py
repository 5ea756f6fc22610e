"""REST variant of the copilot's repository: the search, the token count (``x = x + n``), the
budget alert (check and set) and the statistics (aggregates) are rpc calls of the functions of
``migrations/0013_copilot.sql``; everything else is inherited and runs through the statement
translator."""

from __future__ import annotations

from typing import Any, ClassVar

from avap_bot.storage.copilot import WORD, CopilotRepo, Row
from shared.storage.rest.db import RestDatabase


class RestCopilotRepo(CopilotRepo):
    """CopilotRepo over Supabase's REST API."""

    RPC_METHODS: ClassVar[frozenset[str]] = frozenset({
        "search", "add_tokens", "mark_alerted", "stats"})

    db: RestDatabase  # type: ignore[assignment]

    async def search(self, words: list[str], *, exclude: int | None = None,
                     limit: int = 20) -> list[Row]:
        """``app_copilot_search``: the same rows as on a direct PostgreSQL connection."""
        words = [w for w in dict.fromkeys(words) if WORD.match(w)]
        if not words:
            return []
        found = await self.db.rpc("app_copilot_search", {
            "p_terms": words, "p_exclude": exclude, "p_limit": limit}) or []
        return [{"kind": r["kind"], "id": int(r["id"]),
                 "telegram_id": None if r.get("telegram_id") is None else int(r["telegram_id"]),
                 "question": r.get("question"), "answer": r.get("answer"),
                 "score": float(r["score"])} for r in found]

    async def add_tokens(self, day: str, tokens: int) -> int:
        """``app_copilot_add_usage``: the day's new total."""
        return int(await self.db.rpc("app_copilot_add_usage",
                                     {"p_day": day, "p_tokens": tokens}, safe=False))

    async def mark_alerted(self, day: str) -> bool:
        """``app_copilot_mark_alerted``: true for the one caller that marks the day."""
        return bool(await self.db.rpc("app_copilot_mark_alerted", {"p_day": day}, safe=False))

    async def stats(self) -> dict[str, Any]:
        """``app_copilot_stats``."""
        return self._stats(await self.db.rpc("app_copilot_stats", {}))
