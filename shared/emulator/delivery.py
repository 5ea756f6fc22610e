"""How updates reach a bot, as Telegram does it: pushed to its webhook (one at a time, in order,
with the secret in ``X-Telegram-Bot-Api-Secret-Token``; a non-2xx answer or no answer is retried
with growing delays and shown by getWebhookInfo), or fetched by getUpdates (long polling with
``offset``, ``limit``, ``timeout``; 409 while a webhook is set)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from shared.emulator.errors import ApiError
from shared.emulator.world import BotState, now

if TYPE_CHECKING:
    import httpx

    from shared.emulator.core import Emulator

log = logging.getLogger(__name__)


class Delivery:
    """The webhook pushers and the long-poll waiters of every bot, on the emulator's loop."""

    def __init__(self, emu: Emulator, retry_base: float = 0.5, retry_max: float = 30.0,
                 timeout: float = 60.0, max_poll_timeout: float | None = None) -> None:
        self.emu = emu
        self.max_poll_timeout = max_poll_timeout
        self.retry_base, self.retry_max, self.timeout = retry_base, retry_max, timeout
        self.loop: asyncio.AbstractEventLoop | None = None
        self._events: dict[str, asyncio.Event] = {}
        self._pushers: dict[str, asyncio.Task[None]] = {}
        self._client: httpx.AsyncClient | None = None

    def bind(self) -> None:
        """Remember the running loop (the first request, or ``Emulator.started``)."""
        if self.loop is None:
            self.loop = asyncio.get_running_loop()

    def wake(self, token: str) -> None:
        """New updates (or a new webhook) for ``token``: from any thread."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake(token)
        else:
            loop.call_soon_threadsafe(self._wake, token)

    def _event(self, token: str) -> asyncio.Event:
        """The event that wakes the long polls of a bot."""
        return self._events.setdefault(token, asyncio.Event())

    def _wake(self, token: str) -> None:
        """On the loop: wake the long polls, start the webhook pusher when needed."""
        self._event(token).set()
        bot = self.emu.world.bot(token)
        task = self._pushers.get(token)
        if bot.webhook_url and bot.pending_updates and (task is None or task.done()):
            self._pushers[token] = asyncio.get_running_loop().create_task(self._push(bot))

    async def get_updates(self, bot: BotState, params: dict[str, Any]) -> list[dict[str, Any]]:
        """getUpdates: confirm below ``offset``, answer at once or when one comes, or [] at
        the end of ``timeout``."""
        if bot.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        wait = float(params.get("timeout") or 0)
        if self.max_poll_timeout is not None:
            wait = min(wait, self.max_poll_timeout)
        deadline = time.monotonic() + wait
        while True:
            with self.emu.lock:
                if offset:
                    bot.pending_updates[:] = [u for u in bot.pending_updates
                                              if u["update_id"] >= offset]
                ready = bot.pending_updates[:limit]
                event = self._event(bot.token)
                event.clear()
            left = deadline - time.monotonic()
            if ready or left <= 0:
                return ready
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout=min(left, 1.0))

    async def _push(self, bot: BotState) -> None:
        """POST the pending updates to the webhook in order until none is left."""
        attempt = 0
        while True:
            with self.emu.lock:
                if not bot.webhook_url or not bot.pending_updates:
                    return
                update, url, secret = bot.pending_updates[0], bot.webhook_url, bot.secret_token
            problem = await self._post(url, secret, update)
            with self.emu.lock:
                if problem is None:
                    attempt = 0
                    if bot.pending_updates and bot.pending_updates[0] is update:
                        bot.pending_updates.pop(0)
                    continue
                bot.last_error_date, bot.last_error_message = now(), problem
            attempt += 1
            log.info("webhook delivery failed, retrying", extra={"url": url, "error": problem})
            await asyncio.sleep(min(self.retry_max, self.retry_base * 2 ** (attempt - 1)))

    async def _post(self, url: str, secret: str | None, update: dict[str, Any]) -> str | None:
        """One delivery; None when the bot answered 2xx, else what getWebhookInfo reports."""
        import httpx  # only a webhook needs it (the sandbox polls)

        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout)
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        try:
            response = await self._client.post(url, json=update, headers=headers)
        except httpx.HTTPError as exc:
            return f"Connection failed: {type(exc).__name__}"
        if 200 <= response.status_code < 300:
            return None
        return f"Wrong response from the webhook: {response.status_code} {response.reason_phrase}"

    async def close(self) -> None:
        """Stop the pushers and the HTTP client."""
        for task in self._pushers.values():
            task.cancel()
        for task in self._pushers.values():
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._pushers.clear()
        if self._client is not None:
            await self._client.aclose()
            self._client = None
