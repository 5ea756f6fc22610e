"""``/admin/*``: operations over HTTP for the operator (bearer ADMIN_API_TOKEN).

No token configured: every endpoint answers 404 (the feature is off). A missing or wrong token:
401. The token is compared in constant time. Nothing here returns an update's or a side
effect's payload (they hold personal data).
"""

from __future__ import annotations

import importlib
import logging
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request

from shared.routes.auth import bearer_guard
from shared.storage import utcnow

log = logging.getLogger(__name__)

require_admin = bearer_guard("admin_api_token")


router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)],
                   responses={401: {"description": "wrong or missing bearer token"},
                              404: {"description": "ADMIN_API_TOKEN is not configured"}})


def _platform(request: Request) -> Any:
    return request.app.state.platform


def _clip(value: Any, n: int = 300) -> Any:
    return value[:n] if isinstance(value, str) else value


@router.get("/stats")
async def stats(request: Request) -> dict[str, Any]:
    """The course's numbers (as /stats in the bot) and the inbox and outbox backlogs."""
    platform = _platform(request)
    storage = platform.storage
    course = await storage.avap.stats(utcnow() - timedelta(days=7))
    return {"course": course, "inbox": await storage.inbox.counts(),
            "outbox": await storage.outbox.counts(platform.settings.outbox_alert_after)}


@router.get("/dead")
async def dead(request: Request) -> dict[str, Any]:
    """Dead inbox rows, failed and stuck outbox rows (ids, kinds, errors; no payloads)."""
    platform = _platform(request)
    storage = platform.storage
    inbox = await storage.inbox.dead_rows()
    outbox = await storage.outbox.problem_rows(platform.settings.outbox_alert_after)
    for row in (*inbox, *outbox):
        row["last_error"] = _clip(row.get("last_error"))
    return {"inbox": inbox, "outbox": outbox}


@router.post("/retry")
async def retry(request: Request) -> dict[str, int]:
    """Dead inbox rows and failed outbox rows back to pending; how many of each."""
    platform = _platform(request)
    inbox = await platform.storage.inbox.retry_dead()
    outbox = await platform.storage.outbox.retry_failed()
    if inbox:
        platform.worker.wake()
    if outbox:
        platform.outbox.wake()
    log.info("admin: retry", extra={"inbox": inbox, "outbox": outbox})
    return {"inbox": inbox, "outbox": outbox}


@router.post("/students/{telegram_id}/reset-verification",
             responses={404: {"description": "no verified student with this id"}})
async def reset_verification(
        request: Request,
        telegram_id: Annotated[int, Path(ge=1, le=2**53)]) -> dict[str, Any]:
    """Revoke the student and put their purchase back on the pending list, so that they can
    verify again (with /start)."""
    from shared.services.systeme import enqueue_revoked

    platform = _platform(request)
    storage = platform.storage
    async with storage.db.write() as conn:
        row = await storage.avap.reset_verification(telegram_id, conn=conn)
        if row is not None:
            await storage.flows.save("avap", telegram_id, telegram_id, None, {}, conn=conn)
            await enqueue_revoked(platform.services, telegram_id, conn=conn)
    if row is None:
        raise HTTPException(404, "no verified student with this Telegram id")
    log.info("admin: verification reset", extra={"telegram_id": telegram_id})
    return {"telegram_id": telegram_id, "status": "reset"}


@router.post("/sheets/resync", status_code=202, responses={
    409: {"description": "Google Sheets is not configured"},
    501: {"description": "this version has no Sheets sync"}})
async def sheets_resync(request: Request) -> dict[str, Any]:
    """Queue a rewrite of the Google Sheets mirror from the database."""
    try:
        resync = importlib.import_module("shared.services.sheets").resync
    except (ImportError, AttributeError):
        raise HTTPException(501, "Google Sheets sync is not available in this version "
                                 "(shared/services/sheets.py has no resync function)") from None
    if not await resync(_platform(request).services):
        raise HTTPException(409, "Google Sheets is not configured: set "
                                 "GOOGLE_SERVICE_ACCOUNT_JSON and GOOGLE_SHEET_NAME")
    return {"queued": True}
