"""Typed callback data of the support bot: one short prefix per action, at most 64 bytes (see
``shared.callbacks``; a prefix taken twice in the bot fails at import). Features with a callback
of their own define it in their module (``PartnerModule``, ``DigestOpen``).
"""

from __future__ import annotations

from typing import ClassVar

from shared.callbacks import CallbackData, callback


# --- verification (cards in the verification group) -------------------------------------------
@callback
class Approve(CallbackData):
    """Approve a verification request: the student is verified."""

    prefix: ClassVar[str] = "va"
    request_id: int


@callback
class Reject(CallbackData):
    """Reject a verification request: the student is told."""

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
    """The module of a submission (index in AVAP_MODULES)."""

    prefix: ClassVar[str] = "sm"
    index: int


@callback
class PickKind(CallbackData):
    """The kind of a submission: text, voice, video, document or photo."""

    prefix: ClassVar[str] = "sk"
    kind: str


@callback
class ConfirmSubmission(CallbackData):
    """Send the submission summarised (1) or drop it (0)."""

    prefix: ClassVar[str] = "sc"
    yes: int


@callback
class Grade(CallbackData):
    """A submission card's Grade: ask the admin for a score."""

    prefix: ClassVar[str] = "gr"
    submission_id: int


@callback
class Revision(CallbackData):
    """A submission card's Request revision: ask the admin what to change."""

    prefix: ClassVar[str] = "rv"
    submission_id: int


@callback
class ConfirmRegrade(CallbackData):
    """Replace a submission's grade with the pending one (1) or keep it (0)."""

    prefix: ClassVar[str] = "gc"
    submission_id: int
    yes: int


# --- questions --------------------------------------------------------------------------------
@callback
class AnswerQuestion(CallbackData):
    """A question card's Answer: ask the admin for the answer."""

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
    """Start sending the broadcast (1) or cancel the draft (0)."""

    prefix: ClassVar[str] = "bs"
    broadcast_id: int
    yes: int


# --- admins -----------------------------------------------------------------------------------
@callback
class RemoveAdmin(CallbackData):
    """An owner takes the admin right away from a user (/admins)."""

    prefix: ClassVar[str] = "ar"
    telegram_id: int


# --- the copilot and the FAQ ----------------------------------------------------------------
@callback
class SendSuggestion(CallbackData):
    """Send the copilot's suggested answer to the student as it is."""

    prefix: ClassVar[str] = "cs"
    suggestion_id: int


@callback
class EditSuggestion(CallbackData):
    """Edit the copilot's suggested answer before it is sent."""

    prefix: ClassVar[str] = "ce"
    suggestion_id: int


@callback
class DismissSuggestion(CallbackData):
    """Dismiss the copilot's suggestion: the question waits for an admin."""

    prefix: ClassVar[str] = "cd"
    suggestion_id: int


@callback
class RemoveFaq(CallbackData):
    """Remove an entry of the FAQ the copilot answers from (/faq)."""

    prefix: ClassVar[str] = "fr"
    faq_id: int

