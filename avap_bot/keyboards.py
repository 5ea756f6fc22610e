"""Keyboards of the support bot, built from texts and typed callback data only."""

from __future__ import annotations

from telegram import (
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
         [texts.MENU_HELP]],
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
