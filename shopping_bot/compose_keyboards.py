"""Inline keyboards of the compose flow (handlers/compose.py): format picker, the text round,
media, a caption too long, CTA buttons, title and the edit menu."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from shopping_bot import callbacks as cb
from shopping_bot import texts
from shopping_bot.storage.posts import FORMATS
from shopping_bot.storage.status import PostStatus

# the fields of the edit menu, in the order of the steps; a published post keeps its media
FIELDS = ("format", "keywords", "text", "media", "buttons", "title")
PUBLISHED_FIELDS = ("text", "buttons", "title")


def _b(label: str, data: cb.CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data.pack())


def formats(post_id: int = 0) -> InlineKeyboardMarkup:
    """The four formats, two per row (``post_id`` 0: a new post)."""
    buttons = [_b(texts.FORMAT_NAMES[f], cb.ComposeFormat(post_id, f)) for f in FORMATS]
    return InlineKeyboardMarkup([buttons[i:i + 2] for i in range(0, len(buttons), 2)])


def text_round(post_id: int, *, has_text: bool, ai: bool) -> InlineKeyboardMarkup:
    """The choices under a text: accept and the AI actions; without a text (or without the AI),
    write your own or take the format's template."""
    def row(*actions: str) -> list[InlineKeyboardButton]:
        return [_b(texts.BTN_C_TEXT[a], cb.ComposeText(post_id, a)) for a in actions]

    if not has_text:
        rows = [row("own", "tpl")]
        if ai:
            rows.append([_b(texts.BTN_C_RETRY_AI, cb.ComposeText(post_id, "regen"))])
        return InlineKeyboardMarkup(rows)
    if not ai:
        return InlineKeyboardMarkup([row("ok"), row("own", "tpl")])
    return InlineKeyboardMarkup([row("ok"), row("regen", "improve"), row("ru", "en", "hy"),
                                 row("review", "own")])


def media(post_id: int) -> InlineKeyboardMarkup:
    def b(label: str, kind: str) -> InlineKeyboardButton:
        return _b(label, cb.ComposeMedia(post_id, kind))

    return InlineKeyboardMarkup([
        [b(label, kind) for kind, label in texts.BTN_C_MEDIA.items()],
        [b(texts.BTN_C_NO_MEDIA, "none")],
    ])


def fit(post_id: int, *, ai: bool, can_separate: bool) -> InlineKeyboardMarkup:
    """A caption too long: shorten it with the AI, send the text apart, or edit it."""
    rows = []
    if ai:
        rows.append([_b(texts.BTN_C_SHORTEN, cb.ComposeFit(post_id, "shorten"))])
    if can_separate:
        rows.append([_b(texts.BTN_C_SEPARATE, cb.ComposeFit(post_id, "separate"))])
    rows.append([_b(texts.BTN_C_EDIT_TEXT, cb.ComposeFit(post_id, "own"))])
    return InlineKeyboardMarkup(rows)


def cta(post_id: int, *, suggested: bool, current: bool) -> InlineKeyboardMarkup:
    def b(label: str, choice: str) -> InlineKeyboardButton:
        return _b(label, cb.ComposeButtons(post_id, choice))

    rows = []
    if suggested:
        rows.append([b(texts.BTN_C_USE_SUGGESTED, "suggested")])
    if current:
        rows.append([b(texts.BTN_C_CONTINUE, "done"), b(texts.BTN_C_CLEAR, "clear")])
    rows.append([b(texts.BTN_C_NO_BUTTONS, "none")])
    return InlineKeyboardMarkup(rows)


def title(post_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_b(texts.BTN_C_USE_TITLE, cb.ComposeTitle(post_id))]])


def edit_fields(post: dict[str, Any]) -> tuple[str, ...]:
    return PUBLISHED_FIELDS if post["status"] == PostStatus.PUBLISHED else FIELDS


def edit_menu(post: dict[str, Any]) -> InlineKeyboardMarkup:
    """Back to any step (what a published post allows), and back to the preview."""
    pid = int(post["id"])
    buttons = [_b(texts.BTN_C_EDIT[f], cb.ComposeEdit(pid, f)) for f in edit_fields(post)]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_b(texts.BTN_PREVIEW, cb.PreviewPost(pid))])
    return InlineKeyboardMarkup(rows)


def edit_text(post_id: int) -> InlineKeyboardMarkup:
    """Under a preview Telegram refused: edit the text."""
    return InlineKeyboardMarkup([[_b(texts.BTN_C_EDIT["text"], cb.ComposeEdit(post_id, "text"))],
                                 [_b(texts.BTN_EDIT, cb.EditPost(post_id))]])
