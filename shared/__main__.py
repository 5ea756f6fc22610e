"""The command line: ``python -m shared [serve|sandbox|migrate|sql|set-webhooks|check|
copy-data]``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from shared.config import Settings, SettingsError, load_settings
from shared.logs import setup_logging

log = logging.getLogger("shared")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m shared",
        description="AVAP support bot and TimeToShopping bot: one server for both.",
    )
    sub = p.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the server (the default once a bot token, "
                           "PUBLIC_URL or RENDER is set)")
    for target in (p, serve):
        target.add_argument("--mode", choices=("webhook", "polling"),
                            help="default: webhook when PUBLIC_URL is set, else polling")
        target.add_argument("--force", action="store_true",
                            help="poll even when a webhook is set (deletes the webhook)")
        target.add_argument("--host", help="default: 0.0.0.0 (the sandbox: 127.0.0.1)")
        target.add_argument("--port", type=int, help="default: $PORT or 8000")
    sandbox = sub.add_parser("sandbox", help="both bots against a Telegram emulator, in a browser "
                             "(the default when no bot token, PUBLIC_URL or RENDER is set)")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, help="default: $PORT or 8000")
    sub.add_parser("migrate", help="apply the database migrations")
    sub.add_parser("sql", help="print the PostgreSQL schema for Supabase's SQL editor")
    sub.add_parser("set-webhooks", help="register both bots' webhooks at PUBLIC_URL")
    sub.add_parser("check", help="validate settings and try every configured connection")
    copy = sub.add_parser(
        "copy-data", help="copy every table to another database (SQLite <-> PostgreSQL)",
        description="Copy every table from one database to another (SQLite -> PostgreSQL/"
                    "Supabase, and back), idempotently; the target is migrated first. "
                    "Copying to a new SQLite file is a backup.")
    copy.add_argument("--from", dest="source", required=True, metavar="URL",
                      help="sqlite:///path/bot.db, a file path, or postgresql://...")
    copy.add_argument("--to", dest="target", required=True, metavar="URL",
                      help="sqlite:///path/backup.db, a file path, or postgresql://...")
    copy.add_argument("--batch-size", type=int, default=1000, metavar="N",
                      help="rows per write transaction (default 1000)")
    return p


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        for line in str(exc).splitlines():
            print(f"configuration error: {line}", file=sys.stderr)
        raise SystemExit(2) from None


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from shared.platform import resolve_mode
    from shared.serve import LeanServer
    from shared.server import create_app

    settings = _settings()
    setup_logging(settings.log_level, settings.effective_log_format)
    mode = resolve_mode(settings, args.mode)
    port = args.port or settings.port
    log.info("starting", extra={"mode": mode, "port": port, "storage": settings.storage_kind})
    app = create_app(settings, mode=mode, force=args.force)
    config = uvicorn.Config(app, host=args.host or "0.0.0.0", port=port, log_config=None,
                            access_log=False,
                            proxy_headers=True, forwarded_allow_ips="*",
                            timeout_graceful_shutdown=15, lifespan="on",
                            date_header=False)  # shared.server adds it
    server = LeanServer(config)
    server.run()
    # uvicorn swallows a failed start-up into its own exit; make it a non-zero status
    return 0 if server.started else 1


async def _migrate() -> int:
    from shared.storage.db import Database
    from shared.storage.migrate import apply_migrations

    settings = _settings()
    setup_logging(settings.log_level, settings.effective_log_format)
    db = Database(settings.sqlalchemy_url())
    try:
        applied = await apply_migrations(db)
    finally:
        await db.close()
    print(f"applied migrations: {applied}" if applied else "schema is up to date")
    return 0


def sql() -> int:
    from shared.storage.migrate import schema_sql

    sys.stdout.write(schema_sql("postgresql"))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "serve"
    if command == "sandbox" or args.command is None:
        from shared.sandbox import should_start

        settings = _settings()
        if command == "sandbox" or should_start(settings):
            from shared.sandbox.run import main as sandbox

            return sandbox(args, settings)
    if command == "serve":
        return serve(args)
    if command == "migrate":
        return asyncio.run(_migrate())
    if command == "sql":
        return sql()
    if command == "set-webhooks":
        from shared.cli_ops import set_webhooks

        return asyncio.run(set_webhooks(_settings()))
    if command == "check":
        from shared.cli_ops import check

        return asyncio.run(check(_settings()))
    if command == "copy-data":
        from shared.copy_data import run as copy_data

        return asyncio.run(copy_data(args.source, args.target, batch_size=args.batch_size))
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
