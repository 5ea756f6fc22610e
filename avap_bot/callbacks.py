"""Typed callback data of the support bot: one short prefix per action, at most 64 bytes (see
``shared.callbacks``; a prefix taken twice in the bot fails at import). Features with a callback
of their own define it in their module (``PartnerModule``, ``DigestOpen``).
"""

from __future__ import annotations

from shared.callbacks import CallbackData


# --- verification (cards in the verification group) -------------------------------------------
class Approve(CallbackData, prefix="va"):
    """Approve a verification request: the student is verified."""

    request_id: int


class Reject(CallbackData, prefix="vr"):
    """Reject a verification request: the student is told."""

    request_id: int


class MoveBuyer(CallbackData, prefix="vm"):
    """A second account claimed a buyer: give the buyer to the new account."""

    request_id: int


class ManualReview(CallbackData, prefix="vq"):
    """A student whose email/phone was not found asks an admin to look."""

    nonce: int = 0


# --- assignments ------------------------------------------------------------------------------
class PickModule(CallbackData, prefix="sm"):
    """The module of a submission (index in AVAP_MODULES)."""

    index: int


class PickKind(CallbackData, prefix="sk"):
    """The kind of a submission: text, voice, video, document or photo."""

    kind: str


class ConfirmSubmission(CallbackData, prefix="sc"):
    """Send the submission summarised (1) or drop it (0)."""

    yes: int


class Grade(CallbackData, prefix="gr"):
    """A submission card's Grade: ask the admin for a score."""

    submission_id: int


class Revision(CallbackData, prefix="rv"):
    """A submission card's Request revision: ask the admin what to change."""

    submission_id: int


class ConfirmRegrade(CallbackData, prefix="gc"):
    """Replace a submission's grade with the pending one (1) or keep it (0)."""

    submission_id: int
    yes: int


# --- questions --------------------------------------------------------------------------------
class AnswerQuestion(CallbackData, prefix="qa"):
    """A question card's Answer: ask the admin for the answer."""

    question_id: int


# --- broadcasts -------------------------------------------------------------------------------
class BroadcastAudience(CallbackData, prefix="ba"):
    """Audience of a broadcast: index -1 for everyone, else the module's index."""

    broadcast_id: int
    module_index: int


class BroadcastModules(CallbackData, prefix="bm"):
    """Show the module picker for a broadcast."""

    broadcast_id: int


class BroadcastSend(CallbackData, prefix="bs"):
    """Start sending the broadcast (1) or cancel the draft (0)."""

    broadcast_id: int
    yes: int


# --- admins -----------------------------------------------------------------------------------
class RemoveAdmin(CallbackData, prefix="ar"):
    """An owner takes the admin right away from a user (/admins)."""

    telegram_id: int


# --- the copilot and the FAQ ----------------------------------------------------------------
class SendSuggestion(CallbackData, prefix="cs"):
    """Send the copilot's suggested answer to the student as it is."""

    suggestion_id: int


class EditSuggestion(CallbackData, prefix="ce"):
    """Edit the copilot's suggested answer before it is sent."""

    suggestion_id: int


class DismissSuggestion(CallbackData, prefix="cd"):
    """Dismiss the copilot's suggestion: the question waits for an admin."""

    suggestion_id: int


class RemoveFaq(CallbackData, prefix="fr"):
    """Remove an entry of the FAQ the copilot answers from (/faq)."""

    faq_id: int

