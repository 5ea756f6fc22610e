"""Typed callback data of the shopping bot (see ``shared.callbacks``).

Prefixes: the post actions shared by several features are defined here, with the module that
handles them; each feature adds its own below with its own first letter (compose: ``c``,
schedule/publishing/manage: ``s`` and ``m``, editors: ``e``). A test checks they are unique.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shared.callbacks import CallbackData

__all__ = ["CallbackData"]


# --- post actions handled by handlers/compose.py ----------------------------------------------
@dataclass(frozen=True)
class EditPost(CallbackData):
    """Open the edit menu of a post (back to any step)."""

    prefix: ClassVar[str] = "pe"
    post_id: int


@dataclass(frozen=True)
class PreviewPost(CallbackData):
    """Show the post exactly as it will appear, with its actions."""

    prefix: ClassVar[str] = "pv"
    post_id: int


@dataclass(frozen=True)
class SaveDraft(CallbackData):
    prefix: ClassVar[str] = "pd"
    post_id: int


@dataclass(frozen=True)
class DiscardPost(CallbackData):
    """Cancel composing: a post that never left the drafts is deleted."""

    prefix: ClassVar[str] = "px"
    post_id: int


# --- post actions handled by handlers/publishing.py and handlers/schedule.py ------------------
@dataclass(frozen=True)
class PublishNow(CallbackData):
    prefix: ClassVar[str] = "pn"
    post_id: int


@dataclass(frozen=True)
class SchedulePost(CallbackData):
    """Open the calendar to (re)schedule a post."""

    prefix: ClassVar[str] = "ps"
    post_id: int


@dataclass(frozen=True)
class Unschedule(CallbackData):
    """A scheduled (or failed, or missed) post goes back to the drafts."""

    prefix: ClassVar[str] = "pu"
    post_id: int


@dataclass(frozen=True)
class RetryPost(CallbackData):
    """Publish a failed or missed post now."""

    prefix: ClassVar[str] = "pr"
    post_id: int


@dataclass(frozen=True)
class UpdatePublished(CallbackData):
    """Apply the edited text/buttons of a published post to the channel."""

    prefix: ClassVar[str] = "pc"
    post_id: int


@dataclass(frozen=True)
class DeletePost(CallbackData):
    """Delete a published post from the channel (asks for a confirmation first)."""

    prefix: ClassVar[str] = "pk"
    post_id: int
