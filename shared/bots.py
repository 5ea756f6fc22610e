"""The PTB plumbing every bot shares: its application, HTTP client, handlers' names and errors."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import Application, BaseHandler, ContextTypes, Defaults
from telegram.request import BaseRequest, HTTPXRequest

from shared.bot_package import BotPackage
from shared.config import Settings
from shared.flows import BotContext, current_outcome
from shared.telegram import SendLimiter, SplittingBot
from shared.telegram_http import TelegramHTTPRequest, default_tls

if TYPE_CHECKING:
    from shared.services import Services

log = logging.getLogger(__name__)


@dataclass
class BotRuntime:
    """One running bot: its PTB application and its state as /health shows it."""

    name: str
    module: BotPackage
    app: Application
    state: str = "starting"  # starting | ready | error
    error: str | None = None
    username: str | None = None
    webhook: str | None = None
    started_at: float = field(default_factory=time.monotonic)


def bot_api_request(settings: Settings, connection_pool_size: int, read_timeout: float,
                    write_timeout: float = 5.0, connect_timeout: float = 5.0,
                    pool_timeout: float = 1.0) -> BaseRequest:
    """The HTTP client of PTB's calls to the Bot API: TELEGRAM_HTTP_CLIENT's choice."""
    if settings.telegram_http_client == "httpx":
        return HTTPXRequest(connection_pool_size=connection_pool_size, read_timeout=read_timeout,
                            write_timeout=write_timeout, connect_timeout=connect_timeout,
                            pool_timeout=pool_timeout, httpx_kwargs={"verify": default_tls()})
    # its TLS context (one for the process) is built by the first https connection: parsing the
    # CA bundle costs ~20 ms of start-up that a plain-http Bot API (a local server) never needs
    return TelegramHTTPRequest(connection_pool_size=connection_pool_size,
                               read_timeout=read_timeout, write_timeout=write_timeout,
                               connect_timeout=connect_timeout, pool_timeout=pool_timeout)


def new_application(settings: Settings, name: str, services: Services,
                    parse_mode: str | None = None) -> Application:
    """A PTB Application with no updater, pointed at TELEGRAM_API_URL, limits applied."""
    token = settings.bot_token(name)
    if token is None:
        raise ValueError(f"bot {name} has no token")
    api = settings.telegram_api_url.rstrip("/")
    storage = services.storage

    async def on_blocked(chat_id: int) -> None:
        # a person who blocked the bot; a group or channel that refuses it is a configuration
        # matter (reported where it is used), not an audience to skip
        if chat_id > 0:
            await storage.chats.set_active(name, chat_id, False)

    # the sandbox answers the bots' calls in the process (shared/sandbox/transport.py)
    in_process = services.bot_api
    bot = SplittingBot(
        token=token,
        base_url=f"{api}/bot",
        base_file_url=f"{api}/file/bot",
        request=in_process() if in_process else bot_api_request(
            settings, 64, read_timeout=20, write_timeout=20, connect_timeout=10,
            pool_timeout=10),
        get_updates_request=in_process() if in_process else bot_api_request(
            settings, 2, read_timeout=40),
        rate_limiter=SendLimiter(on_blocked=on_blocked,
                                 private_per_second=settings.private_chat_rate),
        defaults=Defaults(block=True, parse_mode=parse_mode),
    )
    app = (
        Application.builder()
        .bot(bot)
        .updater(None)
        .context_types(ContextTypes(context=BotContext))
        .build()
    )
    app.bot_data["services"] = services
    return app


def _named(callback: Callable) -> Callable:
    """Record which handler ran, for the one log line per update."""

    @functools.wraps(callback)
    async def wrapper(update: Update, context: Any) -> Any:
        outcome = current_outcome.get()
        if outcome is not None:
            outcome.handlers.append(callback.__name__)
        return await callback(update, context)

    return wrapper


def add_handlers(app: Application, handlers: Sequence[BaseHandler], group: int = 0) -> None:
    """Add ``handlers`` so that the platform knows which one handled an update."""
    for handler in handlers:
        handler.callback = _named(handler.callback)
        app.add_handler(handler, group=group)


async def record_error(update: object, context: BotContext) -> None:
    """PTB error handler: hand the exception to the inbox worker, which retries or apologises."""
    outcome = current_outcome.get()
    if outcome is not None and outcome.error is None:
        outcome.error = context.error
    elif outcome is None:
        log.error("error outside an update", exc_info=context.error)
