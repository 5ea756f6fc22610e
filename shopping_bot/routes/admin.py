"""``/admin/shopping/*``: the shopping channel's analytics as JSON (bearer SHOPPING_ADMIN_TOKEN).

Its own token, so that a channel admin holds no key to the course's endpoints. No token set: 404
(the feature is off); a missing or wrong token: 401 (compared in constant time). The same data as
the bot's /stats and /export.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from shared.http_auth import bearer_guard

MAX_DAYS = 366

require_shopping_admin = bearer_guard("shopping_admin_token")


router = APIRouter(prefix="/admin/shopping", tags=["shopping analytics"],
                   dependencies=[Depends(require_shopping_admin)],
                   responses={401: {"description": "wrong or missing bearer token"},
                              404: {"description": "SHOPPING_ADMIN_TOKEN is not configured"},
                              422: {"description": "invalid period"}})

PeriodKey = Literal["today", "7d", "30d"]


def _period(request: Request, period: str | None, first: date | None, last: date | None) -> Any:
    from shopping_bot.stats import custom_period
    from shopping_bot.stats import period as named_period

    tz = request.app.state.platform.settings.channel_timezone
    if first is not None or last is not None:
        if first is None or last is None:
            raise HTTPException(422, "give both from and to (YYYY-MM-DD), or a period")
        if last < first or (last - first).days >= MAX_DAYS:
            raise HTTPException(422, f"to must not be before from, at most {MAX_DAYS} days")
        return custom_period(first, last, tz)
    return named_period(period or "7d", tz)


_FIRST = Query(None, alias="from", description="first local day (YYYY-MM-DD), with `to`")
_LAST = Query(None, alias="to", description="last local day (YYYY-MM-DD), inclusive")


@router.get("/stats")
async def shopping_stats(request: Request, period: PeriodKey = "7d",
                         first: date | None = _FIRST, last: date | None = _LAST,
                         ) -> dict[str, Any]:
    """The dashboard of a period (calendar days in CHANNEL_TIMEZONE): posts published,
    clicks, clicks per post, top 5 posts, performance by format, and the daily series."""
    from shopping_bot.stats import dashboard

    p = _period(request, period, first, last)
    board = await dashboard(request.app.state.platform.storage, p)
    return board.as_json()


@router.get("/export/{kind}")
async def shopping_export(request: Request, kind: Literal["posts", "events", "summary"],
                          period: PeriodKey = "7d", first: date | None = _FIRST,
                          last: date | None = _LAST) -> dict[str, Any]:
    """The rows of an export (as the bot's /export sends them), dates in ISO 8601 with the
    zone."""
    from shopping_bot import exports

    p = _period(request, period, first, last)
    rows = await exports.rows_of(request.app.state.platform.storage, kind, p)
    return {"kind": kind, "first_day": p.first.isoformat(), "last_day": p.last.isoformat(),
            "timezone": p.tz, "rows": exports.jsonable(rows, p)}
