"""Typed callback data of the support bot: one short prefix per action, at most 64 bytes.

A keyboard builds its buttons with ``Action(...).pack()``; a handler is registered with
``Action.pattern()`` and reads its fields with ``Action.parse(query.data)``. Nothing else knows
the strings. Data that does not parse (a stale or forged button) goes to the stale-button handler.
"""

from __future__ import annotations

from typing import ClassVar

from shared.callbacks import CallbackData, callback

__all__ = ["CallbackData"]


# --- verification (cards in the verification group) -------------------------------------------
@callback
class Approve(CallbackData):
    prefix: ClassVar[str] = "va"
    request_id: int


@callback
class Reject(CallbackData):
    prefix: ClassVar[str] = "vr"
    request_id: int


@callback
class MoveBuyer(CallbackData):
    """A second account claimed a buyer: give the buyer to the new account."""

    prefix: ClassVar[str] = "vm"
    request_id: int


@callback
class ManualReview(CallbackData):
    """A student whose email/phone was not found asks an admin to look."""

    prefix: ClassVar[str] = "vq"
    nonce: int = 0


# --- assignments ------------------------------------------------------------------------------
@callback
class PickModule(CallbackData):
    prefix: ClassVar[str] = "sm"
    index: int


@callback
class PickKind(CallbackData):
    prefix: ClassVar[str] = "sk"
    kind: str


@callback
class ConfirmSubmission(CallbackData):
    prefix: ClassVar[str] = "sc"
    yes: int


@callback
class Grade(CallbackData):
    prefix: ClassVar[str] = "gr"
    submission_id: int


@callback
class Revision(CallbackData):
    prefix: ClassVar[str] = "rv"
    submission_id: int


@callback
class ConfirmRegrade(CallbackData):
    prefix: ClassVar[str] = "gc"
    submission_id: int
    yes: int


# --- questions --------------------------------------------------------------------------------
@callback
class AnswerQuestion(CallbackData):
    prefix: ClassVar[str] = "qa"
    question_id: int


# --- broadcasts -------------------------------------------------------------------------------
@callback
class BroadcastAudience(CallbackData):
    """Audience of a broadcast: index -1 for everyone, else the module's index."""

    prefix: ClassVar[str] = "ba"
    broadcast_id: int
    module_index: int


@callback
class BroadcastModules(CallbackData):
    """Show the module picker for a broadcast."""

    prefix: ClassVar[str] = "bm"
    broadcast_id: int


@callback
class BroadcastSend(CallbackData):
    prefix: ClassVar[str] = "bs"
    broadcast_id: int
    yes: int


# --- admins -----------------------------------------------------------------------------------
@callback
class RemoveAdmin(CallbackData):
    prefix: ClassVar[str] = "ar"
    telegram_id: int


ALL: tuple[type[CallbackData], ...] = (
    Approve, Reject, MoveBuyer, ManualReview, PickModule, PickKind, ConfirmSubmission, Grade,
    Revision, ConfirmRegrade, AnswerQuestion, BroadcastAudience, BroadcastModules, BroadcastSend,
    RemoveAdmin,
)
assert len({c.prefix for c in ALL}) == len(ALL), "two callbacks share a prefix"


# --- the copilot and the FAQ ----------------------------------------------------------------
@callback
class SendSuggestion(CallbackData):
    prefix: ClassVar[str] = "cs"
    suggestion_id: int


@callback
class EditSuggestion(CallbackData):
    prefix: ClassVar[str] = "ce"
    suggestion_id: int


@callback
class DismissSuggestion(CallbackData):
    prefix: ClassVar[str] = "cd"
    suggestion_id: int


@callback
class RemoveFaq(CallbackData):
    prefix: ClassVar[str] = "fr"
    faq_id: int


ALL = (*ALL, SendSuggestion, EditSuggestion, DismissSuggestion, RemoveFaq)
assert len({c.prefix for c in ALL}) == len(ALL), "two callbacks share a prefix"
