"""Platform alerts to the operators: through the outbox, rate-limited per kind of alert."""

from __future__ import annotations

import logging
from collections.abc import Callable

from shared.config import Settings
from shared.storage import Storage
from shared.telegram_outbox import TELEGRAM_MESSAGE

log = logging.getLogger(__name__)


class Alerts:
    """Sends an alert to ALERT_CHAT_ID, or privately to each admin, at most once per cooldown."""

    def __init__(self, settings: Settings, storage: Storage,
                 enqueue: Callable, available_bots: Callable[[], list[str]]) -> None:
        self._settings = settings
        self._storage = storage
        self._enqueue = enqueue
        self._available_bots = available_bots

    def targets(self) -> list[int]:
        if self._settings.alert_chat_id is not None:
            return [self._settings.alert_chat_id]
        return sorted(self._settings.admin_user_ids)

    def _bot(self) -> str | None:
        bots = self._available_bots()  # in the registry's order: the first bot is the sender
        return bots[0] if bots else None

    async def send(self, key: str, text: str, *, cooldown_seconds: float = 600) -> bool:
        """Queue ``text`` for the operators unless an alert with ``key`` went out recently.

        Returns True when the alert was queued.
        """
        bot = self._bot()
        targets = self.targets()
        log.warning("alert: %s", text, extra={"alert": key})
        if bot is None or not targets:
            return False
        if not await self._storage.cooldowns.start_if_inactive(f"alert:{key}", cooldown_seconds):
            return False
        for chat_id in targets:
            await self._enqueue(TELEGRAM_MESSAGE, {"bot": bot, "chat_id": chat_id,
                                                   "text": f"⚠️ {text}"})
        return True
