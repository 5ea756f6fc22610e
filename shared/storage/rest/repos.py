"""REST variants of the platform repositories: the operations PostgREST cannot express in one
request are calls of the functions of ``migrations/0008_rest_platform.sql``; everything else is
inherited and runs through the statement translator."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, ClassVar
from uuid import uuid4

from shared.storage import schema as t
from shared.storage.db import utcnow
from shared.storage.inbox_repo import ClaimSpec, InboxRepo, InboxRow
from shared.storage.outbox_repo import OutboxRepo, OutboxRow
from shared.storage.rest.db import RestDatabase, decode_rows
from shared.storage.state import CooldownRepo, LockRepo


class RestInboxRepo(InboxRepo):
    db: RestDatabase  # type: ignore[assignment]
    RPC_METHODS: ClassVar[frozenset[str]] = frozenset({"add_many", "claim", "counts"})
    claims_on_add = False  # a claim would be a second request either way: the worker claims

    async def add_many(self, rows: list[tuple[str, int, str, str]],
                       claim: ClaimSpec | None = None) -> list[InboxRow]:
        """Store updates with ``app_inbox_add`` (insert-if-absent, one transaction)."""
        if not rows:
            return []
        body = [{"bot": b, "update_id": u, "chat_key": c, "payload": p} for b, u, c, p in rows]
        await self.db.rpc("app_inbox_add", {"p_rows": body, "p_now": utcnow()})
        return []

    async def claim(self, owner: str, limit: int, lease_seconds: float,
                    bots: list[str] | None = None) -> list[InboxRow]:
        """Lease due rows with ``app_inbox_claim`` (FOR UPDATE SKIP LOCKED inside)."""
        found = await self.db.rpc("app_inbox_claim", {
            "p_owner": owner, "p_limit": limit, "p_lease_seconds": lease_seconds,
            "p_now": utcnow(), "p_bots": bots,
        }, safe=False)
        return sorted((InboxRow(r["id"], r["bot"], r["update_id"], r["chat_key"], r["payload"],
                                r["attempts"]) for r in found or []), key=lambda r: r.id)

    async def counts(self) -> dict[str, int]:
        found = await self.db.rpc("app_queue_counts", {"p_stuck_after": 1})
        return {"pending": int(found["inbox_pending"]), "dead": int(found["inbox_dead"])}


class RestOutboxRepo(OutboxRepo):
    db: RestDatabase  # type: ignore[assignment]
    RPC_METHODS: ClassVar[frozenset[str]] = frozenset({"claim", "counts"})
    LOCAL_METHODS: ClassVar[frozenset[str]] = frozenset({"enqueue"})  # a dedupe key always

    async def enqueue(self, kind: str, payload: dict[str, Any], *, dedupe_key: str | None = None,
                      conn: Any = None) -> None:
        """As on SQL; a row without a dedupe key gets a random one, so that the request that
        carries it can be sent again after a lost answer without queuing the effect twice."""
        await super().enqueue(kind, payload, dedupe_key=dedupe_key or f"rest:{uuid4().hex}",
                              conn=conn)

    async def claim(self, owner: str, limit: int, lease_seconds: float, *,
                    kinds: Collection[str] | None = None, exclude: bool = False,
                    ) -> list[OutboxRow]:
        """Lease due rows with ``app_outbox_claim`` (of a lane's kinds, as on SQL)."""
        args: dict[str, Any] = {"p_owner": owner, "p_limit": limit,
                                "p_lease_seconds": lease_seconds, "p_now": utcnow()}
        if kinds is not None:
            args.update(p_kinds=sorted(kinds), p_exclude=exclude)
        found = await self.db.rpc("app_outbox_claim", args, safe=False)
        rows = decode_rows(list(t.outbox.c), found or [])
        return sorted((OutboxRow(r["id"], r["kind"], r["payload"], r["attempts"],
                                 r["dedupe_key"]) for r in rows), key=lambda r: r.id)

    async def counts(self, stuck_after: int) -> dict[str, int]:
        found = await self.db.rpc("app_queue_counts", {"p_stuck_after": stuck_after})
        return {"pending": int(found["outbox_pending"]), "stuck": int(found["outbox_stuck"]),
                "failed": int(found["outbox_failed"])}


class RestLockRepo(LockRepo):
    db: RestDatabase  # type: ignore[assignment]
    RPC_METHODS: ClassVar[frozenset[str]] = frozenset({"acquire", "renew", "release"})

    async def acquire(self, key: str, ttl_seconds: float) -> str | None:
        """``app_lock_acquire``: the token when the lock was free or expired."""
        token = self.new_token()
        # safe to repeat: a retried call (its answer lost) finds the lock held by this same
        # token and gets it again, never a second holder
        got = await self.db.rpc("app_lock_acquire", {"p_key": key, "p_token": token,
                                                     "p_ttl_seconds": ttl_seconds,
                                                     "p_now": utcnow()})
        return token if got == token else None

    async def renew(self, key: str, token: str, ttl_seconds: float) -> bool:
        return bool(await self.db.rpc("app_lock_renew", {
            "p_key": key, "p_token": token, "p_ttl_seconds": ttl_seconds, "p_now": utcnow()}))

    async def release(self, key: str, token: str) -> bool:
        return bool(await self.db.rpc("app_lock_release", {"p_key": key, "p_token": token},
                                      safe=False))


class RestCooldownRepo(CooldownRepo):
    db: RestDatabase  # type: ignore[assignment]
    RPC_METHODS: ClassVar[frozenset[str]] = frozenset({"start", "start_if_inactive"})

    async def start(self, key: str, seconds: float) -> None:
        await self.db.rpc("app_cooldown_start", {"p_key": key, "p_seconds": seconds,
                                                 "p_now": utcnow()})

    async def start_if_inactive(self, key: str, seconds: float) -> bool:
        """``app_cooldown_start`` with ``p_only_if_inactive``: True when this call started it."""
        return bool(await self.db.rpc("app_cooldown_start", {
            "p_key": key, "p_seconds": seconds, "p_now": utcnow(), "p_only_if_inactive": True,
        }, safe=False))
