"""The peer: python-telegram-bot's own webhook server with one handler.

This is what a user would otherwise pick: ``Application.run_webhook`` (tornado, an in-memory
``asyncio.Queue``, nothing written to disk) with one ``MessageHandler``: a no-op by default
(bench/ingest.py), or with ``--reply TEXT`` one that answers every message with
``reply_text(TEXT)`` (bench/lean.py). It registers its webhook with the (fake) Bot API given by
``--api``, exactly like against Telegram.

    python bench/ptb_peer.py --port 8443 --api http://127.0.0.1:8081 --token 111:AAA --secret S
    python bench/ptb_peer.py ... --reply "Welcome!"
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def noop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Take the update and do nothing (the ingest benchmark measures the webhook alone)."""
    return None


def replier(text: str) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]:
    """A handler answering every message with ``text``, as a bot answers /start."""

    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message is not None:
            await update.effective_message.reply_text(text)

    return reply


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--api", required=True, help="Bot API base, e.g. http://127.0.0.1:8081")
    p.add_argument("--token", required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--reply", help="answer every message with this text (default: no-op)")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)

    application = (
        Application.builder()
        .token(args.token)
        .base_url(f"{args.api}/bot")
        .base_file_url(f"{args.api}/file/bot")
        .build()
    )
    application.add_handler(MessageHandler(
        filters.ALL, noop if args.reply is None else replier(args.reply)))
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
