"""The typed bag of services handed to every handler and job (``context.services``)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from shared.config import Settings
from shared.storage import Storage

if TYPE_CHECKING:
    from shared.alerts import Alerts
    from shared.outbox import OutboxWorker

C = TypeVar("C")


class ChatDirectory:
    """Resolves configured group ids through the groups' upgrades to supergroups."""

    def __init__(self, settings: Settings, migrations: dict[int, int] | None = None) -> None:
        self._settings = settings
        self._moved: dict[int, int] = dict(migrations or {})

    def resolve(self, chat_id: int | None) -> int | None:
        seen = set()
        while chat_id in self._moved and chat_id not in seen:
            seen.add(chat_id)
            chat_id = self._moved[chat_id]
        return chat_id

    def moved(self, old_id: int, new_id: int) -> None:
        self._moved[old_id] = new_id

    def group(self, variable: str) -> int | None:
        """The current id of the group configured by ``variable`` (e.g. VERIFICATION_GROUP_ID)."""
        return self.resolve(self._settings.group_settings().get(variable))

    def setting_for(self, chat_id: int) -> str | None:
        """The variable that configures ``chat_id`` (or one of its earlier ids)."""
        for name, configured in self._settings.group_settings().items():
            if self.resolve(configured) == chat_id or configured == chat_id:
                return name
        if self._settings.alert_chat_id is not None and (
            self.resolve(self._settings.alert_chat_id) == chat_id
            or self._settings.alert_chat_id == chat_id
        ):
            return "ALERT_CHAT_ID"
        return None


@dataclass
class Services:
    """Created once at start-up, closed at shutdown."""

    settings: Settings
    storage: Storage
    chats: ChatDirectory
    alerts: Alerts
    outbox: OutboxWorker
    instance: str
    # the bots' Bot API client when not HTTP to TELEGRAM_API_URL (the sandbox's, in the process)
    bot_api: Callable[[], Any] | None = None
    _clients: dict[type, Any] = field(default_factory=dict, repr=False)

    def client(self, kind: type[C], make: Callable[[], C]) -> C:
        """The process's one client of an outside service (made by ``make`` on first use);
        the platform closes every client that has an async ``close()`` at shutdown."""
        found = self._clients.get(kind)
        if found is None:
            found = self._clients[kind] = make()
        return found  # type: ignore[no-any-return]

    def set_client(self, kind: type[C], client: C) -> None:
        self._clients[kind] = client

    async def close_clients(self) -> None:
        for client in self._clients.values():
            close = getattr(client, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):  # shutting down: nothing left to tell
                    await close()
