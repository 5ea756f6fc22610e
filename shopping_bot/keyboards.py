"""Keyboards of the shopping bot that several features share: the main menu and the actions
under a post's preview. Feature-specific keyboards live with their feature."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup

from shopping_bot import callbacks as cb
from shopping_bot import texts
from shopping_bot.storage.status import PostStatus


def main_menu() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[texts.MENU_NEW], [texts.MENU_SCHEDULED, texts.MENU_DRAFTS], [texts.MENU_POSTS,
                                                                       texts.MENU_HELP]],
        resize_keyboard=True)


def _button(label: str, data: cb.CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data.pack())


def post_actions(post: dict[str, Any]) -> InlineKeyboardMarkup:
    """What can be done with a post, by its status (under its preview and in the lists)."""
    pid = int(post["id"])
    status = post["status"]
    rows: list[list[InlineKeyboardButton]] = []
    if status == PostStatus.DRAFT:
        rows = [[_button(texts.BTN_PUBLISH_NOW, cb.PublishNow(pid))],
                [_button(texts.BTN_SCHEDULE, cb.SchedulePost(pid))],
                [_button(texts.BTN_SAVE_DRAFT, cb.SaveDraft(pid)),
                 _button(texts.BTN_EDIT, cb.EditPost(pid))],
                [_button(texts.BTN_CANCEL, cb.DiscardPost(pid))]]
    elif status == PostStatus.SCHEDULED:
        rows = [[_button(texts.BTN_PUBLISH_NOW, cb.PublishNow(pid))],
                [_button(texts.BTN_RESCHEDULE, cb.SchedulePost(pid)),
                 _button(texts.BTN_EDIT, cb.EditPost(pid))],
                [_button(texts.BTN_UNSCHEDULE, cb.Unschedule(pid))]]
    elif status in (PostStatus.FAILED, PostStatus.MISSED):
        rows = [[_button(texts.BTN_RETRY, cb.RetryPost(pid))],
                [_button(texts.BTN_RESCHEDULE, cb.SchedulePost(pid)),
                 _button(texts.BTN_EDIT, cb.EditPost(pid))],
                [_button(texts.BTN_UNSCHEDULE, cb.Unschedule(pid))]]
    elif status == PostStatus.PUBLISHED:
        rows = [[_button(texts.BTN_UPDATE_CHANNEL, cb.UpdatePublished(pid)),
                 _button(texts.BTN_EDIT, cb.EditPost(pid))],
                [_button(texts.BTN_DELETE, cb.DeletePost(pid))]]
    return InlineKeyboardMarkup(rows)
