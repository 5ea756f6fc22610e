"""``python -m shared sandbox`` (and ``python -m shared`` when nothing is configured): serve the
sandbox on 127.0.0.1 (``--host`` to listen elsewhere)."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from shared.config import Settings
from shared.sandbox import refusal

log = logging.getLogger("shared.sandbox")


def serve(settings: Settings, host: str = "127.0.0.1", port: int | None = None) -> int:
    """Run the sandbox until stopped; the exit status."""
    why = refusal(settings)
    if why is not None:
        print(f"sandbox refused: {why} (the sandbox never runs beside a real deployment; "
              "`python -m shared serve` runs the server)", file=sys.stderr)
        return 2
    from shared.bot_package import registered_bots
    from shared.logs import setup_logging
    from shared.sandbox.control import Sandbox
    from shared.sandbox.world import database_path
    from shared.serve import Config, LeanServer

    setup_logging(settings.log_level, settings.effective_log_format)
    port = port or settings.port
    shown = "127.0.0.1" if host in ("127.0.0.1", "0.0.0.0", "localhost") else host
    url = f"http://{shown}:{port}/"
    variables = " / ".join(bot.TOKEN_VARIABLE for bot in registered_bots().values())
    log.warning("SANDBOX: both bots run against a Telegram emulator in this process: open %s "
                "(no bot token is set; set %s for real bots)", url, variables)
    log.warning("sandbox database: %s (fresh at each start; never the real one)",
                database_path(settings))
    sandbox = Sandbox(settings, url.rstrip("/"))
    routes = _OnFirstRequest(sandbox)
    sandbox.service.mounts = [("/sandbox", routes), ("/", routes)]
    config = Config(sandbox.service, host=host, port=port, log_config=None,
                    access_log=False, timeout_graceful_shutdown=3, lifespan="on",
                    date_header=False)
    server = LeanServer(config)
    server.run()
    return 0 if server.started else 1


class _OnFirstRequest:
    """The page's routes, built when a browser first asks (Starlette's routing is not
    needed to start: the bots are ready before anybody looks)."""

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.app is None:
            from shared.sandbox.routes import sandbox_app

            self.app = sandbox_app(self.sandbox)
        await self.app(scope, receive, send)


def main(args: argparse.Namespace, settings: Settings) -> int:
    """The command line's entry: ``args.host`` / ``args.port`` as ``serve`` takes them."""
    host = getattr(args, "host", None) or "127.0.0.1"
    return serve(settings, host=host, port=getattr(args, "port", None))
