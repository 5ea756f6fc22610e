"""``python -m shared serve`` (and plain ``python -m shared``): run the server."""

from __future__ import annotations

import argparse
import gc
import logging

log = logging.getLogger("shared")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mode", choices=("webhook", "polling"),
                        help="default: webhook when PUBLIC_URL is set, else polling")
    parser.add_argument("--force", action="store_true",
                        help="poll even when a webhook is set (deletes the webhook)")
    parser.add_argument("--host", help="default: 0.0.0.0 (the sandbox: 127.0.0.1)")
    parser.add_argument("--port", type=int, help="default: $PORT or 8000")


def main(args: argparse.Namespace) -> int:
    # no cyclic collection while the modules and the platform are built: its passes over what
    # start-up creates (all of it lives as long as the process) cost ~15% of the start-up's CPU;
    # shared.server freezes what was built and turns the collector back on once started
    gc.disable()
    import shared.telegram_lib  # noqa: F401 - first: PTB without Passport's cryptography
    from shared.cli.common import settings_or_exit
    from shared.logs import setup_logging
    from shared.platform import resolve_mode
    from shared.serve import Config, LeanServer
    from shared.server import create_app

    settings = settings_or_exit(args)
    setup_logging(settings.log_level, settings.effective_log_format)
    mode = resolve_mode(settings, args.mode)
    port = args.port or settings.port
    log.info("starting", extra={"mode": mode, "port": port, "storage": settings.storage_kind})
    app = create_app(settings, mode=mode, force=args.force)
    config = Config(app, host=args.host or "0.0.0.0", port=port, log_config=None,
                    access_log=False,
                    proxy_headers=True, forwarded_allow_ips="*",
                    timeout_graceful_shutdown=15, lifespan="on",
                    ws="none",  # no websocket route; "auto" imports websockets
                    date_header=False)  # shared.server adds it
    server = LeanServer(config)
    server.run()
    # uvicorn swallows a failed start-up into its own exit; make it a non-zero status
    return 0 if server.started else 1
