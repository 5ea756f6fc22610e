"""The shopping bot in the sandbox: the channel (every person who is not staff subscribes) and
its editor."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.sandbox.parts import Person, SandboxChat, SandboxPart
from shopping_bot.storage.status import PostStatus

EDITOR_ID = 7001
CHANNEL_ID, CHANNEL_TITLE, CHANNEL_USERNAME = -1002000000001, "TimeToShopping Deals", \
    "timetoshopping_demo"


async def seed(storage: Any) -> None:
    """The editor of a fresh sandbox database."""
    await storage.shopping.set_editor(EDITOR_ID, True)


async def next_due(storage: Any) -> datetime | None:
    """When the soonest scheduled post is due."""
    rows = await storage.shopping.list_posts([PostStatus.SCHEDULED], limit=1)
    if not rows or rows[0]["publish_at"] is None:
        return None
    at: datetime = rows[0]["publish_at"]
    return at if at.tzinfo else at.replace(tzinfo=UTC)


PART = SandboxPart(
    username="timetoshopping_sandbox_bot", title="TimeToShopping",
    settings={"authorized_users": [EDITOR_ID], "shopping_channel_id": CHANNEL_ID},
    chats=(SandboxChat(CHANNEL_ID, CHANNEL_TITLE, "channel", {EDITOR_ID: "creator"},
                       everyone_joins=True, username=CHANNEL_USERNAME),),
    people=(Person(EDITOR_ID, "Eli Editor", "channel editor", "+37499117001", "eli_editor"),),
    staff=(EDITOR_ID,), seed=seed, next_due=next_due,
    jobs={"due": ("shopping-publisher", "Due posts"),
          "fold": ("shopping.fold_analytics", "Analytics fold")},
)
