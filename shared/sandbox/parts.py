"""What each bot brings to the sandbox (``BotPackage.sandbox()``): its chats, its people, the
settings that point it at them, its demo data and its jobs for the clock panel. The sandbox
(``shared.sandbox.world``) builds the emulator's world and the settings from every bot's part."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal


@dataclass(frozen=True)
class Person:
    """Someone to act as in the page."""

    id: int
    name: str
    role: str
    phone: str
    username: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "phone": self.phone}


@dataclass(frozen=True)
class SandboxChat:
    """A group or channel of the bot: its admins, and whether every person who is not staff
    is a member (a channel's subscribers)."""

    id: int
    title: str
    kind: Literal["supergroup", "channel"]
    admins: dict[int, str]
    everyone_joins: bool = False
    username: str | None = None


@dataclass(frozen=True)
class SandboxPart:
    """One bot in the sandbox."""

    username: str
    title: str
    settings: dict[str, Any]  # settings of the sandbox (its chats, its admins)
    chats: tuple[SandboxChat, ...] = ()
    people: tuple[Person, ...] = ()
    staff: tuple[int, ...] = ()  # people whose private chat with the bot exists from the start
    seed: Callable[[Any], Awaitable[None]] | None = None  # demo data, given the storage
    # the clock panel's jobs: key -> (scheduler job id, label)
    jobs: dict[str, tuple[str, str]] = field(default_factory=dict)
    # when the bot's next scheduled work is due (the clock panel's "next scheduled post")
    next_due: Callable[[Any], Awaitable[datetime | None]] | None = None
