"""Publishing and managing posts: "publish now" and "retry" (see ``shopping_bot.publisher``:
one attempt, a refusal leaves the post failed and retryable), updating a published post in the
channel, deleting it from the channel (with a confirmation; Telegram lets a bot delete only
messages younger than 48 hours, so an older post is offered an edit instead), and the lists
/scheduled, /drafts and /posts (also in the main menu), whose posts open their card
(``ManagePost``) with every action.
"""

from __future__ import annotations

import html
import logging
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import CommandHandler, MessageHandler

from shared.access import Refused
from shared.callbacks import button_handlers, on_button
from shared.flows import BotContext
from shared.storage import utcnow
from shared.telegram import is_message_cant_be_deleted, is_message_to_delete_not_found
from shopping_bot import calendar, keyboards, publisher, render, texts
from shopping_bot import callbacks as cb
from shopping_bot.filters import PRIVATE, menu_button
from shopping_bot.handlers.post_buttons import Row, answered_post, button_post, status_of
from shopping_bot.storage.status import PostStatus

log = logging.getLogger(__name__)

LIST_LIMIT = 20
DELETABLE_FOR = timedelta(hours=48)  # Telegram: a bot deletes only messages younger than this
BUTTON_TITLE = 28
# why a post cannot be published now, by the status that stops it
_NOT_NOW = {PostStatus.PUBLISHING: texts.PUBLISH_BUSY,
            PostStatus.PUBLISHED: texts.ALREADY_PUBLISHED}


def _button(label: str, data: cb.CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data.pack())


async def _say(update: Update, context: BotContext, text: str,
               markup: InlineKeyboardMarkup | None = None) -> None:
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup,
                                   disable_web_page_preview=True)


# --- publish now / retry -------------------------------------------------------------------------
async def _publish(update: Update, context: BotContext, data: cb.PublishNow | cb.RetryPost,
                   statuses: tuple[str, ...]) -> None:
    services = context.services
    post = await button_post(update, context, data)
    if services.settings.shopping_channel_id is None:
        raise Refused(texts.NO_CHANNEL)
    if post["status"] not in statuses:
        raise Refused(_NOT_NOW.get(post["status"],
                                   texts.PUBLISH_NOT_ALLOWED.format(status=status_of(post))))
    await update.callback_query.answer(texts.PUBLISHING_ANSWER)
    outcome = await publisher.publish_now(context.bot, services, data.post_id,
                                          update.effective_user.id, statuses)
    fresh = outcome.post or post
    if outcome.status == "published":
        await _say(update, context, texts.PUBLISHED_NOW.format(
            title=publisher.title_of(fresh), link=outcome.link or ""),
            keyboards.post_actions(fresh))
    elif outcome.status == "failed":
        await _say(update, context, texts.PUBLISH_REFUSED.format(
            title=publisher.title_of(fresh), reason=html.escape(outcome.error or "")),
            keyboards.post_actions(fresh))
    elif outcome.status == "no_channel":
        await _say(update, context, texts.NO_CHANNEL)
    else:  # someone else claimed it between our read and our claim
        status = fresh["status"] if outcome.post else None
        await _say(update, context, _NOT_NOW.get(status, texts.STALE_BUTTON))


@on_button(cb.PublishNow)
async def publish_now(update: Update, context: BotContext, data: cb.PublishNow) -> None:
    """``PublishNow``: send a draft, scheduled, failed or missed post to the channel now."""
    await _publish(update, context, data, publisher.NOW_STATUSES)


@on_button(cb.RetryPost)
async def retry(update: Update, context: BotContext, data: cb.RetryPost) -> None:
    """``RetryPost``: publish a failed or missed post now."""
    await _publish(update, context, data, (PostStatus.FAILED, PostStatus.MISSED))


# --- a published post ---------------------------------------------------------------------------
async def _published(update: Update, context: BotContext, data: Any) -> Row:
    """The published post of a button, the button answered (refused: gone, not in the channel,
    or no channel)."""
    post = await button_post(update, context, data)
    if post["status"] != PostStatus.PUBLISHED:
        raise Refused(texts.NOT_PUBLISHED.format(status=status_of(post)))
    if context.services.settings.shopping_channel_id is None:
        raise Refused(texts.NO_CHANNEL)
    await update.callback_query.answer()
    return post


@on_button(cb.UpdatePublished, _published)
async def update_published(update: Update, context: BotContext, data: cb.UpdatePublished,
                           post: Row) -> None:
    """``UpdatePublished``: apply the post's current text and buttons to the channel."""
    services = context.services
    repo = services.storage.shopping
    links = await repo.replace_links(data.post_id, publisher.buttons_of(post))
    try:
        await render.edit_published(context.bot, services.settings.shopping_channel_id, post,
                                    links, services.settings)
    except TelegramError as exc:
        log.warning("channel update refused", extra={"post_id": data.post_id,
                                                      "error": type(exc).__name__})
        await _say(update, context, texts.CHANNEL_UPDATE_FAILED.format(
            reason=html.escape(publisher.describe(exc))), keyboards.post_actions(post))
        return
    await repo.log(data.post_id, "channel_updated", update.effective_user.id)
    await _say(update, context, texts.CHANNEL_UPDATED.format(
        title=publisher.title_of(post), link=publisher.post_link(services.settings, post) or ""),
        keyboards.post_actions(post))


def _too_old(post: Row) -> bool:
    published_at = post.get("published_at")
    return published_at is not None and utcnow() - published_at > DELETABLE_FOR


async def _offer_edit(update: Update, context: BotContext, post: Row) -> None:
    await context.services.storage.shopping.log(int(post["id"]), "delete_refused_too_old",
                                                update.effective_user.id)
    await _say(update, context, texts.DELETE_TOO_OLD.format(title=publisher.title_of(post)),
               InlineKeyboardMarkup([[_button(texts.BTN_EDIT, cb.EditPost(int(post["id"])))]]))


async def _deletable(update: Update, context: BotContext, data: Any) -> Row | None:
    """The published post of a button, when it is young enough to be deleted (else an edit is
    offered, and None returned)."""
    post = await _published(update, context, data)
    if _too_old(post):
        await _offer_edit(update, context, post)
        return None
    return post


@on_button(cb.DeletePost, _deletable)
async def delete_post(update: Update, context: BotContext, data: cb.DeletePost,
                      post: Row) -> None:
    """``DeletePost``: ask for a confirmation (or, for a post older than 48 h, offer an edit)."""
    await _say(update, context, texts.DELETE_CONFIRM.format(
        title=publisher.title_of(post), n=len(render.message_ids(post))),
        InlineKeyboardMarkup([[_button(texts.BTN_DELETE_CONFIRM, cb.ConfirmDelete(data.post_id)),
                               _button(texts.BTN_DELETE_KEEP, cb.KeepPost(data.post_id))]]))


@on_button(cb.ConfirmDelete, _deletable)
async def confirm_delete(update: Update, context: BotContext, data: cb.ConfirmDelete,
                         post: Row) -> None:
    """``ConfirmDelete``: delete every message of the post in the channel, then mark it
    deleted. A message already gone counts as deleted; "can't be deleted" means too old."""
    channel = context.services.settings.shopping_channel_id
    for message_id in render.message_ids(post):
        try:
            await context.bot.delete_message(channel, message_id)
        except TelegramError as exc:
            if is_message_to_delete_not_found(exc):
                continue
            if is_message_cant_be_deleted(exc):
                await _offer_edit(update, context, post)
                return
            log.warning("channel delete refused", extra={"post_id": data.post_id,
                                                          "error": type(exc).__name__})
            await _say(update, context, texts.DELETE_FAILED.format(
                reason=html.escape(publisher.describe(exc))), keyboards.post_actions(post))
            return
    await context.services.storage.shopping.mark_deleted(data.post_id,
                                                         user_id=update.effective_user.id)
    await update.callback_query.edit_message_text(
        texts.DELETED.format(title=publisher.title_of(post)))


@on_button(cb.KeepPost)
async def keep_post(update: Update, context: BotContext, data: cb.KeepPost) -> None:
    """``KeepPost``: the delete was not confirmed."""
    query = update.callback_query
    await query.answer()
    await query.edit_message_text(texts.DELETE_KEPT)


# --- lists ----------------------------------------------------------------------------------------
def _when(post: Row, settings: Any) -> str:
    column = {PostStatus.SCHEDULED: "publish_at", PostStatus.FAILED: "publish_at",
              PostStatus.MISSED: "publish_at", PostStatus.PUBLISHED: "published_at",
              PostStatus.DELETED: "published_at"}.get(post["status"], "updated_at")
    return calendar.format_local(post.get(column) or post.get("updated_at"), settings)


def _short(post: Row) -> str:
    """A title short enough for a button (buttons are plain text: not escaped)."""
    title = html.unescape(publisher.title_of(post))
    return title if len(title) <= BUTTON_TITLE else title[:BUTTON_TITLE - 1] + "…"


async def _show_list(update: Update, context: BotContext, statuses: list[str], order: str,
                     head: str, empty: str, with_status: bool) -> None:
    """One message: a numbered summary (title, format, time in CHANNEL_TIMEZONE) and, per
    post, a preview button and a button to its card with every action."""
    context.flow.clear()
    settings = context.services.settings
    repo = context.services.storage.shopping
    posts = await repo.list_posts(statuses, limit=LIST_LIMIT, order=order)
    message = update.effective_message
    if not posts:
        await message.reply_text(empty, reply_markup=keyboards.main_menu())
        return
    counts = await repo.count_by_status()
    total = sum(counts.get(s, 0) for s in statuses)
    lines = [head.format(n=total, tz=settings.channel_timezone), ""]
    rows = []
    for n, post in enumerate(posts, 1):
        row = texts.LIST_ROW_STATUS if with_status else texts.LIST_ROW
        lines.append(row.format(
            n=n, title=publisher.title_of(post),
            format=texts.FORMAT_NAMES.get(post.get("post_format") or "", "—"),
            when=_when(post, settings), status=status_of(post)))
        rows.append([_button(texts.BTN_LIST_PREVIEW.format(n=n, title=_short(post)),
                             cb.PreviewPost(int(post["id"]))),
                     _button(texts.BTN_LIST_MANAGE.format(n=n), cb.ManagePost(int(post["id"])))])
    if total > len(posts):
        lines.append(texts.LIST_MORE.format(shown=len(posts), total=total))
    lines.append(texts.LIST_HINT)
    await message.reply_text("\n".join(lines), reply_markup=InlineKeyboardMarkup(rows),
                             disable_web_page_preview=True)


async def list_scheduled(update: Update, context: BotContext) -> None:
    """/scheduled (menu "Scheduled"): scheduled posts, soonest first."""
    await _show_list(update, context, [PostStatus.SCHEDULED], "publish_at",
                     texts.LIST_SCHEDULED_HEAD, texts.LIST_SCHEDULED_EMPTY, with_status=False)


async def list_drafts(update: Update, context: BotContext) -> None:
    """/drafts (menu "Drafts"): drafts, latest change first."""
    await _show_list(update, context, [PostStatus.DRAFT], "updated", texts.LIST_DRAFTS_HEAD,
                     texts.LIST_DRAFTS_EMPTY, with_status=False)


async def list_posts(update: Update, context: BotContext) -> None:
    """/posts (menu "Published"): recent publications with their status."""
    await _show_list(update, context,
                     [PostStatus.PUBLISHED, PostStatus.DELETED, PostStatus.PUBLISHING],
                     "published", texts.LIST_POSTS_HEAD, texts.LIST_POSTS_EMPTY, with_status=True)


@on_button(cb.ManagePost, answered_post)
async def manage_post(update: Update, context: BotContext, data: cb.ManagePost,
                      post: Row) -> None:
    """``ManagePost``: a post's card (status, format, time, link or error) with its actions."""
    settings = context.services.settings
    tz = settings.channel_timezone
    if post["status"] in (PostStatus.SCHEDULED, PostStatus.FAILED, PostStatus.MISSED):
        when = texts.POST_CARD_SCHEDULED.format(
            when=calendar.format_local(post.get("publish_at"), settings), tz=tz)
    elif post["status"] == PostStatus.PUBLISHED:
        when = texts.POST_CARD_PUBLISHED.format(
            when=calendar.format_local(post.get("published_at"), settings), tz=tz,
            link=publisher.post_link(settings, post) or "")
    else:
        when = texts.POST_CARD_UPDATED.format(
            when=calendar.format_local(post.get("updated_at"), settings), tz=tz)
    text = texts.POST_CARD.format(
        title=publisher.title_of(post), status=status_of(post),
        format=texts.FORMAT_NAMES.get(post.get("post_format") or "", "—"), when=when)
    if post["status"] in (PostStatus.FAILED, PostStatus.MISSED) and post.get("last_error"):
        text += texts.POST_CARD_ERROR.format(reason=html.escape(post["last_error"]))
    markup = keyboards.post_actions(post)
    rows = [[_button(texts.BTN_PREVIEW, cb.PreviewPost(data.post_id))],
            *[list(r) for r in markup.inline_keyboard]]
    await _say(update, context, text, InlineKeyboardMarkup(rows))


HANDLERS = [
    *button_handlers(publish_now, retry, update_published, delete_post, confirm_delete,
                     keep_post, manage_post),
    CommandHandler("scheduled", list_scheduled, filters=PRIVATE),
    CommandHandler("drafts", list_drafts, filters=PRIVATE),
    CommandHandler("posts", list_posts, filters=PRIVATE),
    MessageHandler(menu_button(texts.MENU_SCHEDULED), list_scheduled),
    MessageHandler(menu_button(texts.MENU_DRAFTS), list_drafts),
    MessageHandler(menu_button(texts.MENU_POSTS), list_posts),
]
