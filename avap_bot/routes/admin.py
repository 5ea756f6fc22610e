"""The support bot's ``/admin/*`` endpoints (the course's numbers, a student's verification,
the Sheets mirror); the platform's own (``/admin/dead``, ``/admin/retry``) and the bearer
token are ``shared.admin_routes``'s."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated, Any

from fastapi import HTTPException, Path, Request

from shared.admin_routes import admin_router, platform_of
from shared.storage import utcnow

log = logging.getLogger(__name__)

router = admin_router()


@router.get("/stats")
async def stats(request: Request) -> dict[str, Any]:
    """The course's numbers (as /stats in the bot) and the inbox and outbox backlogs."""
    platform = platform_of(request)
    storage = platform.storage
    course = await storage.avap.stats(utcnow() - timedelta(days=7))
    return {"course": course, "inbox": await storage.inbox.counts(),
            "outbox": await storage.outbox.counts(platform.settings.outbox_alert_after)}


@router.post("/students/{telegram_id}/reset-verification",
             responses={404: {"description": "no verified student with this id"}})
async def reset_verification(
        request: Request,
        telegram_id: Annotated[int, Path(ge=1, le=2**53)]) -> dict[str, Any]:
    """Revoke the student and put their purchase back on the pending list, so that they can
    verify again (with /start)."""
    from avap_bot.integrations.systeme import enqueue_revoked

    platform = platform_of(request)
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
    409: {"description": "Google Sheets is not configured"}})
async def sheets_resync(request: Request) -> dict[str, Any]:
    """Queue a rewrite of the Google Sheets mirror from the database."""
    from avap_bot.integrations.sheets import resync

    if not await resync(platform_of(request).services):
        raise HTTPException(409, "Google Sheets is not configured: set "
                                 "GOOGLE_SERVICE_ACCOUNT_JSON and GOOGLE_SHEET_NAME")
    return {"queued": True}
