"""The peer: python-telegram-bot's own webhook server with a handler that does nothing.

This is what a user would otherwise pick: ``Application.run_webhook`` (tornado, an in-memory
``asyncio.Queue``, nothing written to disk) with one no-op ``MessageHandler``. It registers its
webhook with the (fake) Bot API given by ``--api``, exactly like against Telegram.

    python bench/ptb_peer.py --port 8443 --api http://127.0.0.1:8081 --token 111:AAA --secret S
"""

from __future__ import annotations

import argparse
import logging

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def noop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    return None


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--api", required=True, help="Bot API base, e.g. http://127.0.0.1:8081")
    p.add_argument("--token", required=True)
    p.add_argument("--secret", required=True)
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)

    application = (
        Application.builder()
        .token(args.token)
        .base_url(f"{args.api}/bot")
        .base_file_url(f"{args.api}/file/bot")
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, noop))
    application.run_webhook(
        listen="127.0.0.1",
        port=args.port,
        url_path="webhook",
        secret_token=args.secret,
        webhook_url=f"http://127.0.0.1:{args.port}/webhook",
        allowed_updates=Update.ALL_TYPES,
    )


if __name__ == "__main__":
    main()
