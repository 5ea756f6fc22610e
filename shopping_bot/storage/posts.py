"""The TimeToShopping post studio: editors, posts and their life cycle, CTA links, the action log.

(DDL: ``migrations/0001_platform.sql`` for the seed's tables, ``0005_shopping.sql`` for the
rest.) A post's ``status`` is a ``PostStatus``. Publication is claimed atomically:
``claim_post`` moves one row from an allowed status to ``publishing`` with a token and a lease,
in one UPDATE, so that two instances (or a scheduled run and a "publish now") never both send
it. Every part sent is recorded at once (``record_part``), so a retry never sends a part twice.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update

from shared.storage.db import Repo, upsert, utcnow
from shopping_bot.storage import tables as t
from shopping_bot.storage.status import PostAction, PostStatus

Row = dict[str, Any]

users, posts, analytics, post_links = t.users, t.posts, t.analytics, t.post_links


FORMATS = ("product", "sale", "collection", "tip")

# the columns a caller may change with update_post (the life-cycle columns have their own calls)
EDITABLE = frozenset({"title", "keywords", "text", "media_type", "file_id", "post_format",
                      "buttons", "separate_text"})


def _row(row: Any) -> Row | None:
    return dict(row) if row is not None else None


def new_code() -> str:
    """A short unguessable code for a tracking link (8 url-safe characters, 48 bits)."""
    return secrets.token_urlsafe(6)



def _lock_row(db: Any, query: Any) -> Any:
    """SELECT ... FOR UPDATE on PostgreSQL (SQLite's write transaction already excludes others)."""
    return query.with_for_update() if db.dialect == "postgresql" else query

class ShoppingRepo(Repo):
    """Editors, posts, CTA links and the analytics log of the shopping bot."""

    # --- users and editors --------------------------------------------------------------------
    async def touch_user(self, telegram_id: int, username: str | None,
                         first_name: str | None, last_name: str | None) -> None:
        """Record an authorised user's activity (creates the row on first sight)."""
        now = utcnow()
        async with self.db.write() as c:
            stmt = upsert(self.db, users).values(
                telegram_id=telegram_id, username=username, first_name=first_name,
                last_name=last_name, is_authorized=False, last_activity=now, created_at=now)
            await c.execute(stmt.on_conflict_do_update(
                index_elements=["telegram_id"],
                set_={"username": username, "first_name": first_name, "last_name": last_name,
                      "last_activity": now}))

    async def set_editor(self, telegram_id: int, authorized: bool) -> bool:
        """Grant or take away the editor right; True when something changed.

        One conditional UPDATE, then (granting someone never seen) an INSERT that ignores a row
        created meanwhile: two owners adding the same editor at once get one True, never an error.
        """
        now = utcnow()
        async with self.db.write() as c:
            changed = await c.execute(update(users).where(
                users.c.telegram_id == telegram_id,
                users.c.is_authorized.is_distinct_from(authorized)).values(
                    is_authorized=authorized))
            if (changed.rowcount or 0) == 1:
                return True
            if not authorized:
                return False
            added = await c.execute(upsert(self.db, users).values(
                telegram_id=telegram_id, is_authorized=True, created_at=now,
            ).on_conflict_do_nothing(index_elements=["telegram_id"]))
            return (added.rowcount or 0) == 1

    async def editor_ids(self) -> set[int]:
        """Editors added from the bot (the owners of AUTHORIZED_USERS are not listed here)."""
        async with self.db.read() as c:
            return {int(r) for r in (await c.execute(
                select(users.c.telegram_id).where(users.c.is_authorized.is_(True)))).scalars()}

    async def get_user(self, telegram_id: int) -> Row | None:
        async with self.db.read() as c:
            return _row((await c.execute(select(users).where(
                users.c.telegram_id == telegram_id))).mappings().first())

    async def list_users(self) -> list[Row]:
        async with self.db.read() as c:
            return [dict(r) for r in (await c.execute(
                select(users).order_by(users.c.last_activity.desc().nulls_last(),
                                       users.c.id))).mappings()]

    # --- posts --------------------------------------------------------------------------------
    async def create_post(self, *, created_by: int, post_format: str,
                          keywords: str | None = None, text: str | None = None,
                          title: str | None = None, source_key: str | None = None) -> int:
        """A new draft; returns its id (logged as ``created``). The same ``source_key`` (the
        editor's message, "chat:message") returns the post it created the first time, so a
        retried update never makes a second draft."""
        now = utcnow()
        async with self.db.write() as c:
            if source_key is not None:
                found = (await c.execute(select(posts.c.id).where(
                    posts.c.source_key == source_key))).scalar()
                if found is not None:
                    return int(found)
            post_id = (await c.execute(insert(posts).values(
                title=title, keywords=keywords, text=text, status=PostStatus.DRAFT,
                post_format=post_format, created_by=created_by, created_at=now, updated_at=now,
                separate_text=False, attempts=0, source_key=source_key).returning(posts.c.id))
            ).scalar_one()
            await self._log(c, post_id, PostAction.CREATED, created_by, {"format": post_format})
            return int(post_id)

    async def get_post(self, post_id: int) -> Row | None:
        async with self.db.read() as c:
            return _row((await c.execute(select(posts).where(posts.c.id == post_id))
                         ).mappings().first())

    async def update_post(self, post_id: int, *, user_id: int | None = None,
                          action: str | None = PostAction.EDITED, **fields: Any) -> bool:
        """Change editable fields (``EDITABLE``); logged as ``action`` with the field names."""
        unknown = set(fields) - EDITABLE
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        async with self.db.write() as c:
            done = (await c.execute(update(posts).where(posts.c.id == post_id).values(
                **fields, updated_at=utcnow()))).rowcount > 0
            if done and action:
                await self._log(c, post_id, action, user_id, {"fields": sorted(fields)})
            return done

    async def list_posts(self, statuses: Sequence[str], *, limit: int = 20,
                         order: str = "publish_at") -> list[Row]:
        """Posts in ``statuses``: ``order`` is ``publish_at`` (soonest first), ``updated``
        (latest first) or ``published`` (latest first)."""
        column = {"publish_at": posts.c.publish_at.asc().nulls_last(),
                  "updated": posts.c.updated_at.desc(),
                  "published": posts.c.published_at.desc().nulls_last()}[order]
        async with self.db.read() as c:
            return [dict(r) for r in (await c.execute(
                select(posts).where(posts.c.status.in_(list(statuses)))
                .order_by(column, posts.c.id.desc()).limit(limit))).mappings()]

    async def count_by_status(self) -> dict[str, int]:
        async with self.db.read() as c:
            rows = (await c.execute(select(posts.c.status, func.count()).group_by(
                posts.c.status))).all()
        return {str(s): int(n) for s, n in rows}

    async def schedule_post(self, post_id: int, publish_at: datetime, *,
                            user_id: int | None = None) -> bool:
        """Schedule (or reschedule) a post that is not published or being published."""
        async with self.db.write() as c:
            done = (await c.execute(update(posts).where(
                posts.c.id == post_id,
                posts.c.status.in_([PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.FAILED,
                                    PostStatus.MISSED])).values(
                status=PostStatus.SCHEDULED, publish_at=publish_at, attempts=0, retry_at=None,
                last_error=None, updated_at=utcnow()))).rowcount > 0
            if done:
                await self._log(c, post_id, PostAction.SCHEDULED, user_id,
                                {"publish_at": publish_at.isoformat()})
            return done

    async def unschedule_post(self, post_id: int, *, user_id: int | None = None) -> bool:
        """A scheduled, failed or missed post goes back to the drafts."""
        async with self.db.write() as c:
            done = (await c.execute(update(posts).where(
                posts.c.id == post_id, posts.c.status.in_(
                    [PostStatus.SCHEDULED, PostStatus.FAILED, PostStatus.MISSED])).values(
                status=PostStatus.DRAFT, publish_at=None, retry_at=None,
                updated_at=utcnow()))).rowcount > 0
            if done:
                await self._log(c, post_id, PostAction.UNSCHEDULED, user_id, {})
            return done

    async def delete_draft(self, post_id: int, *, user_id: int | None = None) -> bool:
        """Remove a post that never reached the channel."""
        deletable = [PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.FAILED, PostStatus.MISSED]
        async with self.db.write() as c:
            # the post is taken (locked) first: its links and log go only with the post itself,
            # never from a post that was published meanwhile
            found = (await c.execute(_lock_row(self.db, select(posts.c.id).where(
                posts.c.id == post_id, posts.c.status.in_(deletable))))).first()
            if found is None:
                return False
            await c.execute(delete(post_links).where(post_links.c.post_id == post_id))
            await c.execute(delete(analytics).where(analytics.c.post_id == post_id))
            return (await c.execute(delete(posts).where(
                posts.c.id == post_id, posts.c.status.in_(deletable)))).rowcount > 0

    # --- publication --------------------------------------------------------------------------
    async def due_post_ids(self, now: datetime, *, limit: int = 50) -> list[int]:
        """Scheduled posts whose time (or retry time) has come, oldest first."""
        due = func.coalesce(posts.c.retry_at, posts.c.publish_at)
        async with self.db.read() as c:
            return [int(i) for i in (await c.execute(
                select(posts.c.id).where(posts.c.status == PostStatus.SCHEDULED, due <= now)
                .order_by(due, posts.c.id).limit(limit))).scalars()]

    async def claim_post(self, post_id: int, *, token: str, lease_seconds: float,
                         statuses: Iterable[str] = (PostStatus.SCHEDULED,),
                         due_before: datetime | None = None) -> Row | None:
        """Atomically move the post from one of ``statuses`` to ``publishing``; the claimed row,
        or None when someone else has it (or it is not in those statuses, or not due)."""
        now = utcnow()
        conditions = [posts.c.id == post_id, posts.c.status.in_(list(statuses))]
        if due_before is not None:
            conditions.append(func.coalesce(posts.c.retry_at, posts.c.publish_at) <= due_before)
        async with self.db.write() as c:
            done = (await c.execute(update(posts).where(*conditions).values(
                status=PostStatus.PUBLISHING, claim_token=token,
                claimed_until=now + timedelta(seconds=lease_seconds)))).rowcount > 0
            if not done:
                return None
            return _row((await c.execute(select(posts).where(posts.c.id == post_id))
                         ).mappings().first())

    async def record_part(self, post_id: int, token: str, **message_ids: int) -> bool:
        """Remember a sent part (``channel_message_id`` or ``text_message_id``) at once."""
        if not set(message_ids) <= {"channel_message_id", "text_message_id"}:
            raise ValueError(f"not a message id column: {sorted(message_ids)}")
        async with self.db.write() as c:
            return (await c.execute(update(posts).where(
                posts.c.id == post_id, posts.c.claim_token == token).values(**message_ids))
            ).rowcount > 0

    async def finish_published(self, post_id: int, token: str, *,
                               user_id: int | None = None) -> bool:
        now = utcnow()
        async with self.db.write() as c:
            done = (await c.execute(update(posts).where(
                posts.c.id == post_id, posts.c.claim_token == token,
                posts.c.status == PostStatus.PUBLISHING).values(
                status=PostStatus.PUBLISHED, published_at=now, claim_token=None, claimed_until=None,
                retry_at=None, last_error=None, updated_at=now))).rowcount > 0
            if done:
                await self._log(c, post_id, PostAction.PUBLISHED, user_id, {})
            return done

    async def release_for_retry(self, post_id: int, token: str, *, error: str,
                                retry_at: datetime) -> int | None:
        """Back to ``scheduled`` with a retry time; returns the attempts made so far."""
        async with self.db.write() as c:
            done = (await c.execute(update(posts).where(
                posts.c.id == post_id, posts.c.claim_token == token).values(
                status=PostStatus.SCHEDULED, attempts=posts.c.attempts + 1, retry_at=retry_at,
                last_error=error[:500], claim_token=None, claimed_until=None))).rowcount > 0
            if not done:
                return None
            await self._log(c, post_id, PostAction.PUBLISH_RETRY, None, {"error": error[:300]})
            return int((await c.execute(select(posts.c.attempts).where(
                posts.c.id == post_id))).scalar_one())

    async def mark_failed(self, post_id: int, token: str | None, *, error: str) -> bool:
        """A publication given up (``token`` None: whatever claim it had)."""
        conditions = [posts.c.id == post_id]
        conditions.append(posts.c.claim_token == token if token is not None
                          else posts.c.status.in_([PostStatus.PUBLISHING, PostStatus.SCHEDULED]))
        async with self.db.write() as c:
            done = (await c.execute(update(posts).where(*conditions).values(
                status=PostStatus.FAILED, last_error=error[:500], claim_token=None,
                claimed_until=None, attempts=posts.c.attempts + 1,
                updated_at=utcnow()))).rowcount > 0
            if done:
                await self._log(c, post_id, PostAction.FAILED, None, {"error": error[:300]})
            return done

    async def mark_missed(self, post_id: int, late_before: datetime) -> bool:
        """A scheduled post whose time (or retry time) is older than ``late_before``: the
        process slept through it."""
        due = func.coalesce(posts.c.retry_at, posts.c.publish_at)
        async with self.db.write() as c:
            done = (await c.execute(update(posts).where(
                posts.c.id == post_id, posts.c.status == PostStatus.SCHEDULED,
                due < late_before).values(
                status=PostStatus.MISSED, updated_at=utcnow()))).rowcount > 0
            if done:
                await self._log(c, post_id, PostAction.MISSED, None, {})
            return done

    async def stale_claims(self, now: datetime) -> list[int]:
        """Posts left in ``publishing`` by a process that died (lease expired)."""
        async with self.db.read() as c:
            return [int(i) for i in (await c.execute(select(posts.c.id).where(
                posts.c.status == PostStatus.PUBLISHING, or_(posts.c.claimed_until.is_(None),
                                                  posts.c.claimed_until < now)))).scalars()]

    async def mark_deleted(self, post_id: int, *, user_id: int | None = None) -> bool:
        async with self.db.write() as c:
            done = (await c.execute(update(posts).where(
                posts.c.id == post_id, posts.c.status == PostStatus.PUBLISHED).values(
                status=PostStatus.DELETED, updated_at=utcnow()))).rowcount > 0
            if done:
                await self._log(c, post_id, PostAction.DELETED, user_id, {})
            return done

    async def cleanup_failed(self, *, user_id: int | None = None) -> int:
        """The scheduler's "clean up": failed posts go back to the drafts; how many."""
        async with self.db.write() as c:
            ids = [int(i) for i in (await c.execute(select(posts.c.id).where(
                posts.c.status == PostStatus.FAILED))).scalars()]
            if ids:
                await c.execute(update(posts).where(posts.c.id.in_(ids)).values(
                    status=PostStatus.DRAFT, publish_at=None, retry_at=None, updated_at=utcnow()))
                for post_id in ids:
                    await self._log(c, post_id, PostAction.CLEANED_UP, user_id, {})
            return len(ids)

    # --- CTA links ----------------------------------------------------------------------------
    async def replace_links(self, post_id: int, buttons: Sequence[dict[str, str]]) -> list[Row]:
        """Give each button (``label``, ``url``) its own code; rows kept when nothing changed."""
        async with self.db.write() as c:
            current = [dict(r) for r in (await c.execute(
                select(post_links).where(post_links.c.post_id == post_id)
                .order_by(post_links.c.position))).mappings()]
            wanted = [(i, b["label"], b["url"]) for i, b in enumerate(buttons)]
            if [(r["position"], r["label"], r["url"]) for r in current] == wanted:
                return current
            await c.execute(delete(post_links).where(post_links.c.post_id == post_id))
            now = utcnow()
            for position, label, url in wanted:
                await c.execute(insert(post_links).values(
                    post_id=post_id, position=position, label=label, url=url, code=new_code(),
                    created_at=now))
            return [dict(r) for r in (await c.execute(
                select(post_links).where(post_links.c.post_id == post_id)
                .order_by(post_links.c.position))).mappings()]

    async def links(self, post_id: int) -> list[Row]:
        async with self.db.read() as c:
            return [dict(r) for r in (await c.execute(
                select(post_links).where(post_links.c.post_id == post_id)
                .order_by(post_links.c.position))).mappings()]

    # --- the action log -----------------------------------------------------------------------
    async def log(self, post_id: int | None, action: str, user_id: int | None,
                  **metadata: Any) -> None:
        async with self.db.write() as c:
            await self._log(c, post_id, action, user_id, metadata)

    @staticmethod
    async def _log(c: Any, post_id: int | None, action: str, user_id: int | None,
                   metadata: dict[str, Any]) -> None:
        await c.execute(insert(analytics).values(post_id=post_id, action=action, user_id=user_id,
                                                 metadata=metadata, created_at=utcnow()))

    async def history(self, post_id: int) -> list[Row]:
        async with self.db.read() as c:
            return [dict(r) for r in (await c.execute(
                select(analytics).where(analytics.c.post_id == post_id)
                .order_by(analytics.c.created_at, analytics.c.id))).mappings()]


