"""The FastAPI application: documented HTTP endpoints (admin endpoints arrive with their
features) and the OpenAPI docs at /docs. Built on the first request that needs it."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from shared import __version__
from shared.bot_package import optional, registered_bots
from shared.platform import Platform


def create_api(platform: Platform) -> FastAPI:
    """FastAPI with the documented routes; ``/health`` and ``/ready`` are answered before it
    by ``shared.server`` and appear here for the documentation."""
    from shared.server import health_body, readiness

    title = " and ".join(bot.TITLE for bot in registered_bots().values())
    api = FastAPI(title=title, version=__version__,
                  docs_url="/docs", redoc_url=None)
    api.state.platform = platform

    @api.api_route("/health", methods=["GET", "HEAD"], tags=["operations"])
    async def health() -> dict[str, Any]:
        """Status, version, uptime, memory, storage, bots, scheduled jobs and backlogs."""
        return await health_body(platform)

    @api.get("/ready", tags=["operations"], responses={503: {"description": "starting"}})
    async def ready() -> Response:
        """200 once the storage is up and every configured bot is registered; 503 before."""
        ok = readiness(platform)
        return JSONResponse({"ready": ok}, status_code=200 if ok else 503)

    @api.get("/", include_in_schema=False)
    async def root(request: Request) -> dict[str, str]:
        return {"service": " + ".join(bot.TITLE for bot in registered_bots().values()),
                "version": __version__}

    from shared import admin_routes

    api.include_router(admin_routes.router)
    for bot in registered_bots().values():
        web_routes = optional(bot, "web_routes")
        for router in web_routes() if web_routes is not None else ():
            api.include_router(router)
    return api
