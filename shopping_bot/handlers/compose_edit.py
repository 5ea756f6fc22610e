"""A post's actions outside the steps: its preview, the edit menu (back to any step), save as
draft, discard; and the hint while the preview or the menu waits for a button.
"""

from __future__ import annotations

import html

from telegram import Update

from shared.flows import BotContext
from shopping_bot import callbacks as cb
from shopping_bot import compose_keyboards as ck
from shopping_bot import keyboards, texts
from shopping_bot.handlers.compose_common import STEP_EDIT, Row, _callback_post, _repo, _send
from shopping_bot.handlers.compose_flow import _ask, _preview
from shopping_bot.storage.posts import DRAFT, PUBLISHED


# --- preview, edit menu, save, discard --------------------------------------------------------
async def _button_post(update: Update, context: BotContext, post_id: int) -> Row | None:
    """The post of a button, or None; the button is answered (with POST_NOT_FOUND when none)."""
    post = await _repo(context).get_post(post_id)
    if post is None:
        await update.callback_query.answer(texts.POST_NOT_FOUND, show_alert=True)
        return None
    await update.callback_query.answer()
    return post


async def preview_post(update: Update, context: BotContext) -> None:
    """PreviewPost: show any post as it will appear, with its actions."""
    data = cb.PreviewPost.parse(update.callback_query.data)
    post = await _button_post(update, context, data.post_id)
    if post is None:
        return
    await _preview(update, context, post)


async def edit_post(update: Update, context: BotContext) -> None:
    """EditPost: the edit menu (a published post: text, buttons and title only)."""
    query = update.callback_query
    data = cb.EditPost.parse(query.data)
    post = await _callback_post(update, context, data.post_id, (), None)
    if post is None:
        return
    await query.answer()
    context.flow.clear()
    context.flow.goto(STEP_EDIT, post_id=int(post["id"]))
    template = texts.COMPOSE_EDIT_MENU_PUBLISHED if post["status"] == PUBLISHED \
        else texts.COMPOSE_EDIT_MENU
    await _send(update, context, template.format(id=post["id"], title=html.escape(
        post.get("title") or "—")), ck.edit_menu(post))


async def edit_field(update: Update, context: BotContext) -> None:
    """A step of the edit menu: open it; when done, back to the preview."""
    query = update.callback_query
    data = cb.ComposeEdit.parse(query.data)
    if data.field not in ck.FIELDS:
        await query.answer(texts.STALE_BUTTON, show_alert=True)
        return
    post = await _callback_post(update, context, data.post_id, (), data.field)
    if post is None:
        return
    await query.answer()
    context.flow.clear()
    context.flow.goto(STEP_EDIT, post_id=int(post["id"]), back=True, media_done=True)
    await _ask(update, context, post, data.field)


async def save_draft(update: Update, context: BotContext) -> None:
    """SaveDraft: leave the flow; the post stays where it is (a draft: in /drafts)."""
    data = cb.SaveDraft.parse(update.callback_query.data)
    post = await _button_post(update, context, data.post_id)
    if post is None:
        return
    context.flow.clear()
    text = texts.COMPOSE_SAVED_DRAFT if post["status"] == DRAFT else texts.COMPOSE_SAVED.format(
        status=texts.STATUS.get(post["status"], post["status"]))
    await _send(update, context, text, keyboards.main_menu())


async def discard_post(update: Update, context: BotContext) -> None:
    """DiscardPost: a draft is deleted; a post in any other status is left as it is."""
    data = cb.DiscardPost.parse(update.callback_query.data)
    post = await _button_post(update, context, data.post_id)
    context.flow.clear()
    if post is None:
        return
    if post["status"] == DRAFT and await _repo(context).delete_draft(post["id"],
                                                           user_id=update.effective_user.id):
        await _send(update, context, texts.COMPOSE_DISCARDED, keyboards.main_menu())
        return
    await _send(update, context, texts.COMPOSE_LEFT_AS_IS.format(
        status=texts.STATUS.get(post["status"], post["status"])), keyboards.main_menu())


async def preview_hint(update: Update, context: BotContext) -> None:
    """A message while the preview (or the edit menu) waits for a button."""
    await update.effective_message.reply_text(texts.COMPOSE_PREVIEW_HINT)
