"""Keyboards of the support bot, built from texts and typed callback data only."""

from __future__ import annotations

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from avap_bot import callbacks as cb
from avap_bot import texts

KINDS = {
    "text": "📝 Text",
    "voice": "🎙 Voice or audio",
    "video": "🎬 Video or video note",
    "document": "📎 Document",
    "photo": "🖼 Photo",
}


def main_menu() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[texts.MENU_SUBMIT, texts.MENU_ASK], [texts.MENU_WIN, texts.MENU_PROGRESS],
         [texts.MENU_TIP, texts.MENU_PARTNER], [texts.MENU_HELP]],
        resize_keyboard=True, input_field_placeholder=texts.MENU_PLACEHOLDER,
    )


def share_contact() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup([[KeyboardButton(texts.SHARE_CONTACT, request_contact=True)]],
                               resize_keyboard=True, one_time_keyboard=True)


def no_keyboard() -> ReplyKeyboardRemove:
    return ReplyKeyboardRemove()


def manual_review() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(texts.REQUEST_REVIEW,
                                                       callback_data=cb.ManualReview().pack())]])


def verification_card(request_id: int, conflict: bool = False) -> InlineKeyboardMarkup:
    first = (InlineKeyboardButton(texts.BTN_MOVE, callback_data=cb.MoveBuyer(request_id).pack())
             if conflict else
             InlineKeyboardButton(texts.BTN_APPROVE, callback_data=cb.Approve(request_id).pack()))
    return InlineKeyboardMarkup([[first, InlineKeyboardButton(
        texts.BTN_REJECT, callback_data=cb.Reject(request_id).pack())]])


def remove_admins(admins: list[tuple[int, str]]) -> InlineKeyboardMarkup | None:
    if not admins:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        texts.BTN_REMOVE_ADMIN.format(label=label), callback_data=cb.RemoveAdmin(tg_id).pack())]
        for tg_id, label in admins])


def modules(modules: list[str], make: type[cb.PickModule] = cb.PickModule,
            per_row: int = 4) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(name, callback_data=make(i).pack())
               for i, name in enumerate(modules)]
    return InlineKeyboardMarkup([buttons[i:i + per_row] for i in range(0, len(buttons), per_row)])


def kinds() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=cb.PickKind(k).pack())]
                                 for k, label in KINDS.items()])


# --- questions, wins, progress ---
def answer_question(question_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        texts.BTN_ANSWER, callback_data=cb.AnswerQuestion(question_id).pack())]])


# --- broadcasts (handlers/broadcast.py) -------------------------------------------------------
def broadcast_audience(broadcast_id: int, everyone: int) -> InlineKeyboardMarkup:
    """Everyone (with how many they are), or pick a module; or cancel."""
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(texts.BTN_BROADCAST_ALL.format(n=everyone),
                              callback_data=cb.BroadcastAudience(broadcast_id, -1).pack())],
        [InlineKeyboardButton(texts.BTN_BROADCAST_BY_MODULE,
                              callback_data=cb.BroadcastModules(broadcast_id).pack())],
        [InlineKeyboardButton(texts.BTN_BROADCAST_CANCEL,
                              callback_data=cb.BroadcastSend(broadcast_id, 0).pack())],
    ])


def broadcast_modules(broadcast_id: int, modules: list[str],
                      per_row: int = 3) -> InlineKeyboardMarkup:
    """One button per module, then everyone and cancel."""
    buttons = [InlineKeyboardButton(texts.BTN_BROADCAST_MODULE.format(module=name),
                                    callback_data=cb.BroadcastAudience(broadcast_id, i).pack())
               for i, name in enumerate(modules)]
    rows = [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]
    rows.append([InlineKeyboardButton(texts.BROADCAST_AUDIENCE_ALL.capitalize(),
                                      callback_data=cb.BroadcastAudience(broadcast_id, -1).pack()),
                 InlineKeyboardButton(texts.BTN_BROADCAST_CANCEL,
                                      callback_data=cb.BroadcastSend(broadcast_id, 0).pack())])
    return InlineKeyboardMarkup(rows)


def broadcast_confirm(broadcast_id: int, recipients: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.BTN_BROADCAST_SEND.format(n=recipients),
                             callback_data=cb.BroadcastSend(broadcast_id, 1).pack()),
        InlineKeyboardButton(texts.BTN_BROADCAST_CANCEL,
                             callback_data=cb.BroadcastSend(broadcast_id, 0).pack()),
    ]])


# --- questions (answer prompt) ---


def answer_prompt() -> ForceReply:
    """Opens the reply field for the admin mentioned in the prompt (works with group privacy)."""
    return ForceReply(selective=True, input_field_placeholder=texts.ANSWER_PLACEHOLDER)


# --- assignments and grading ---
def confirm_submission() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.BTN_SUBMIT_SEND, callback_data=cb.ConfirmSubmission(1).pack()),
        InlineKeyboardButton(texts.BTN_SUBMIT_CANCEL,
                             callback_data=cb.ConfirmSubmission(0).pack()),
    ]])


def submission_card(submission_id: int, *, graded: bool = False) -> InlineKeyboardMarkup:
    """Grade and Request revision; a graded card keeps only Request revision."""
    revision = InlineKeyboardButton(texts.BTN_REVISION,
                                    callback_data=cb.Revision(submission_id).pack())
    if graded:
        return InlineKeyboardMarkup([[revision]])
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.BTN_GRADE, callback_data=cb.Grade(submission_id).pack()),
        revision,
    ]])


def confirm_regrade(submission_id: int, old: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.BTN_REGRADE_YES,
                             callback_data=cb.ConfirmRegrade(submission_id, 1).pack()),
        InlineKeyboardButton(texts.BTN_REGRADE_NO.format(old=old),
                             callback_data=cb.ConfirmRegrade(submission_id, 0).pack()),
    ]])


def resubmit(module_index: int, module: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        texts.BTN_RESUBMIT.format(module=module),
        callback_data=cb.PickModule(module_index).pack())]])


# --- the copilot and the FAQ (handlers/copilot.py, handlers/faq.py) ---------------------------
def suggestion(suggestion_id: int, sendable: bool) -> InlineKeyboardMarkup:
    """Send / Edit and send / Dismiss under a suggestion (only Dismiss when not sendable)."""
    row = [InlineKeyboardButton(texts.BTN_SUGGESTION_DISMISS,
                                callback_data=cb.DismissSuggestion(suggestion_id).pack())]
    if sendable:
        row = [InlineKeyboardButton(texts.BTN_SUGGESTION_SEND,
                                    callback_data=cb.SendSuggestion(suggestion_id).pack()),
               InlineKeyboardButton(texts.BTN_SUGGESTION_EDIT,
                                    callback_data=cb.EditSuggestion(suggestion_id).pack()),
               *row]
    return InlineKeyboardMarkup([row])


def faq_remove(ids: list[int], per_row: int = 4) -> InlineKeyboardMarkup | None:
    buttons = [InlineKeyboardButton(texts.BTN_FAQ_REMOVE.format(id=i),
                                    callback_data=cb.RemoveFaq(i).pack()) for i in ids]
    rows = [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]
    return InlineKeyboardMarkup(rows) if rows else None
