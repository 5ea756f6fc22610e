"""REST variant of the shopping repository: the operations PostgREST cannot express in one
request, and every change that goes with its line in the action log, are calls of the functions
of ``migrations/0010_rest_shopping.sql``; everything else is inherited and runs through the
statement translator."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, ClassVar

from shared.storage.db import utcnow
from shared.storage.rest.db import RestDatabase, decode_rows
from shopping_bot.storage import tables as t
from shopping_bot.storage.posts import EDITABLE, Row, ShoppingRepo, new_code
from shopping_bot.storage.status import PostAction, PostStatus


class RestShoppingRepo(ShoppingRepo):
    RPC_METHODS: ClassVar[frozenset[str]] = frozenset({
        "touch_user", "set_editor", "create_post", "update_post", "count_by_status",
        "schedule_post", "unschedule_post", "delete_draft", "due_post_ids", "claim_post",
        "finish_published", "release_for_retry", "mark_failed", "mark_missed", "mark_deleted",
        "cleanup_failed", "replace_links"})
    db: RestDatabase  # type: ignore[assignment]

    # --- users and editors --------------------------------------------------------------------
    async def touch_user(self, telegram_id: int, username: str | None,
                         first_name: str | None, last_name: str | None) -> None:
        """Record an authorised user's activity with ``app_shop_touch_user`` (an upsert)."""
        await self.db.rpc("app_shop_touch_user", {
            "p_telegram_id": telegram_id, "p_username": username, "p_first_name": first_name,
            "p_last_name": last_name, "p_now": utcnow()})

    async def set_editor(self, telegram_id: int, authorized: bool) -> bool:
        """Grant or take away the editor right (``app_shop_set_editor``, one check-and-change);
        True when something changed."""
        # not safe to repeat: a repeated call would report "nothing changed"
        return bool(await self.db.rpc("app_shop_set_editor", {
            "p_telegram_id": telegram_id, "p_authorized": authorized, "p_now": utcnow()},
            safe=False))

    # --- posts --------------------------------------------------------------------------------
    async def create_post(self, *, created_by: int, post_format: str,
                          keywords: str | None = None, text: str | None = None,
                          title: str | None = None, source_key: str | None = None) -> int:
        """A new draft and its ``created`` line (``app_shop_create_post``); the same
        ``source_key`` returns the post it created the first time."""
        found = await self.db.rpc("app_shop_create_post", {
            "p_created_by": created_by, "p_post_format": post_format, "p_keywords": keywords,
            "p_text": text, "p_title": title, "p_source_key": source_key, "p_now": utcnow(),
        }, safe=source_key is not None)  # with a source key a repeat finds the same post
        return int(found)

    async def update_post(self, post_id: int, *, user_id: int | None = None,
                          action: str | None = PostAction.EDITED, **fields: Any) -> bool:
        """Change editable fields and log ``action`` in one call (``app_shop_update_post``)."""
        unknown = set(fields) - EDITABLE
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        return bool(await self.db.rpc("app_shop_update_post", {
            "p_post_id": post_id, "p_fields": fields, "p_user_id": user_id,
            "p_action": action or None, "p_now": utcnow()}, safe=False))

    async def count_by_status(self) -> dict[str, int]:
        """{status: posts} (``app_shop_count_by_status``)."""
        found = await self.db.rpc("app_shop_count_by_status", {})
        return {str(s): int(n) for s, n in (found or {}).items()}

    async def schedule_post(self, post_id: int, publish_at: datetime, *,
                            user_id: int | None = None) -> bool:
        """Schedule (or reschedule) a post with ``app_shop_schedule_post``."""
        return bool(await self.db.rpc("app_shop_schedule_post", {
            "p_post_id": post_id, "p_publish_at": publish_at, "p_user_id": user_id,
            "p_meta": {"publish_at": publish_at.isoformat()}, "p_now": utcnow()}, safe=False))

    async def unschedule_post(self, post_id: int, *, user_id: int | None = None) -> bool:
        """A scheduled, failed or missed post back to the drafts (``app_shop_unschedule_post``)."""
        return bool(await self.db.rpc("app_shop_unschedule_post", {
            "p_post_id": post_id, "p_user_id": user_id, "p_now": utcnow()}, safe=False))

    async def delete_draft(self, post_id: int, *, user_id: int | None = None) -> bool:
        """Remove a post that never reached the channel (``app_shop_delete_draft``)."""
        return bool(await self.db.rpc("app_shop_delete_draft", {"p_post_id": post_id},
                                      safe=False))

    # --- publication --------------------------------------------------------------------------
    async def due_post_ids(self, now: datetime, *, limit: int = 50) -> list[int]:
        """Scheduled posts whose time (or retry time) has come (``app_shop_due_posts``)."""
        found = await self.db.rpc("app_shop_due_posts", {"p_now": now, "p_limit": limit})
        return [int(i) for i in found or []]

    async def claim_post(self, post_id: int, *, token: str, lease_seconds: float,
                         statuses: Iterable[str] = (PostStatus.SCHEDULED,),
                         due_before: datetime | None = None) -> Row | None:
        """Atomically move the post to ``publishing`` (``app_shop_claim_post``, one UPDATE);
        the claimed row, or None."""
        found = await self.db.rpc("app_shop_claim_post", {
            "p_post_id": post_id, "p_token": token, "p_lease_seconds": lease_seconds,
            "p_statuses": list(statuses), "p_due_before": due_before, "p_now": utcnow(),
        }, safe=False)
        rows = decode_rows(list(t.posts.c), found or [])
        return rows[0] if rows else None

    async def finish_published(self, post_id: int, token: str, *,
                               user_id: int | None = None) -> bool:
        """The claim's holder marks the post published (``app_shop_finish_published``)."""
        return bool(await self.db.rpc("app_shop_finish_published", {
            "p_post_id": post_id, "p_token": token, "p_user_id": user_id, "p_now": utcnow()},
            safe=False))

    async def release_for_retry(self, post_id: int, token: str, *, error: str,
                                retry_at: datetime) -> int | None:
        """Back to ``scheduled`` with a retry time (``app_shop_release_for_retry``); the
        attempts made so far, None when ``token`` does not hold the claim."""
        found = await self.db.rpc("app_shop_release_for_retry", {
            "p_post_id": post_id, "p_token": token, "p_error": error, "p_retry_at": retry_at,
            "p_now": utcnow()}, safe=False)
        return None if found is None else int(found)

    async def mark_failed(self, post_id: int, token: str | None, *, error: str) -> bool:
        """A publication given up (``app_shop_mark_failed``; ``token`` None: any claim)."""
        return bool(await self.db.rpc("app_shop_mark_failed", {
            "p_post_id": post_id, "p_token": token, "p_error": error, "p_now": utcnow()},
            safe=False))

    async def mark_missed(self, post_id: int, late_before: datetime) -> bool:
        """A scheduled post the process slept through (``app_shop_mark_missed``)."""
        return bool(await self.db.rpc("app_shop_mark_missed", {
            "p_post_id": post_id, "p_late_before": late_before, "p_now": utcnow()},
            safe=False))

    async def mark_deleted(self, post_id: int, *, user_id: int | None = None) -> bool:
        """A published post deleted from the channel (``app_shop_mark_deleted``)."""
        return bool(await self.db.rpc("app_shop_mark_deleted", {
            "p_post_id": post_id, "p_user_id": user_id, "p_now": utcnow()}, safe=False))

    async def cleanup_failed(self, *, user_id: int | None = None) -> int:
        """Failed posts back to the drafts (``app_shop_cleanup_failed``); how many."""
        return int(await self.db.rpc("app_shop_cleanup_failed", {
            "p_user_id": user_id, "p_now": utcnow()}, safe=False))

    # --- CTA links ----------------------------------------------------------------------------
    async def replace_links(self, post_id: int, buttons: Sequence[dict[str, str]]) -> list[Row]:
        """Give each button its own code unless the buttons did not change, in one call
        (``app_shop_replace_links``)."""
        wanted = [{"position": i, "label": b["label"], "url": b["url"], "code": new_code()}
                  for i, b in enumerate(buttons)]
        # safe to repeat: a repeated call finds the links it made and keeps them
        found = await self.db.rpc("app_shop_replace_links", {
            "p_post_id": post_id, "p_links": wanted, "p_now": utcnow()})
        rows = decode_rows(list(t.post_links.c), found or [])
        return sorted(rows, key=lambda r: r["position"])
