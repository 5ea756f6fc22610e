"""``/admin/*``: operations over HTTP for the operator (bearer ADMIN_API_TOKEN).

No token configured: every endpoint answers 404 (the feature is off). A missing or wrong token:
401. The token is compared in constant time. Nothing here returns an update's or a side
effect's payload (they hold personal data). The platform's endpoints are here (dead rows and
their retry); a bot adds its own under the same prefix and guard with ``admin_router()``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Request

from shared.http_auth import bearer_guard

log = logging.getLogger(__name__)

require_admin = bearer_guard("admin_api_token")


def admin_router(prefix: str = "/admin", tags: list[str] | None = None) -> APIRouter:
    """A router under ``prefix`` guarded by the admin bearer token."""
    return APIRouter(prefix=prefix, tags=list(tags or ["admin"]),
                     dependencies=[Depends(require_admin)],
                     responses={401: {"description": "wrong or missing bearer token"},
                                404: {"description": "ADMIN_API_TOKEN is not configured"}})


def platform_of(request: Request) -> Any:
    """The running platform (``shared.platform.Platform``) of the request's application."""
    return request.app.state.platform


def _clip(value: Any, n: int = 300) -> Any:
    return value[:n] if isinstance(value, str) else value


router = admin_router()


@router.get("/dead")
async def dead(request: Request) -> dict[str, Any]:
    """Dead inbox rows, failed and stuck outbox rows (ids, kinds, errors; no payloads)."""
    platform = platform_of(request)
    storage = platform.storage
    inbox = await storage.inbox.dead_rows()
    outbox = await storage.outbox.problem_rows(platform.settings.outbox_alert_after)
    for row in (*inbox, *outbox):
        row["last_error"] = _clip(row.get("last_error"))
    return {"inbox": inbox, "outbox": outbox}


@router.post("/retry")
async def retry(request: Request) -> dict[str, int]:
    """Dead inbox rows and failed outbox rows back to pending; how many of each."""
    platform = platform_of(request)
    inbox = await platform.storage.inbox.retry_dead()
    outbox = await platform.storage.outbox.retry_failed()
    if inbox:
        platform.worker.wake()
    if outbox:
        platform.outbox.wake()
    log.info("admin: retry", extra={"inbox": inbox, "outbox": outbox})
    return {"inbox": inbox, "outbox": outbox}
