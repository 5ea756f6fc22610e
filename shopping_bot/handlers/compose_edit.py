"""A post's actions outside the steps: its preview, the edit menu (back to any step), save as
draft, discard; and the hint while the preview or the menu waits for a button.
"""

from __future__ import annotations

import html

from telegram import Update

from shared.access import Refused
from shared.callbacks import on_button
from shared.flows import BotContext
from shopping_bot import callbacks as cb
from shopping_bot import compose_keyboards as ck
from shopping_bot import keyboards, texts
from shopping_bot.handlers.compose_common import STEP_EDIT, _repo, _send, post_at
from shopping_bot.handlers.compose_flow import _ask, _preview
from shopping_bot.handlers.post_buttons import Row, answered_post, status_of
from shopping_bot.storage.status import PostStatus


# --- preview, edit menu, save, discard --------------------------------------------------------
@on_button(cb.PreviewPost, answered_post)
async def preview_post(update: Update, context: BotContext, data: cb.PreviewPost,
                       post: Row) -> None:
    """PreviewPost: show any post as it will appear, with its actions."""
    await _preview(update, context, post)


@on_button(cb.EditPost, post_at(field=None))
async def edit_post(update: Update, context: BotContext, data: cb.EditPost, post: Row) -> None:
    """EditPost: the edit menu (a published post: text, buttons and title only)."""
    await update.callback_query.answer()
    context.flow.clear()
    context.flow.goto(STEP_EDIT, post_id=int(post["id"]))
    template = texts.COMPOSE_EDIT_MENU_PUBLISHED if post["status"] == PostStatus.PUBLISHED \
        else texts.COMPOSE_EDIT_MENU
    await _send(update, context, template.format(id=post["id"], title=html.escape(
        post.get("title") or "—")), ck.edit_menu(post))


@on_button(cb.ComposeEdit)
async def edit_field(update: Update, context: BotContext, data: cb.ComposeEdit) -> None:
    """A step of the edit menu: open it; when done, back to the preview."""
    if data.field not in ck.FIELDS:
        raise Refused(texts.STALE_BUTTON)
    post = await post_at(field=data.field)(update, context, data)
    await update.callback_query.answer()
    context.flow.clear()
    context.flow.goto(STEP_EDIT, post_id=int(post["id"]), back=True, media_done=True)
    await _ask(update, context, post, data.field)


@on_button(cb.SaveDraft, answered_post)
async def save_draft(update: Update, context: BotContext, data: cb.SaveDraft, post: Row) -> None:
    """SaveDraft: leave the flow; the post stays where it is (a draft: in /drafts)."""
    context.flow.clear()
    text = texts.COMPOSE_SAVED_DRAFT if post["status"] == PostStatus.DRAFT \
        else texts.COMPOSE_SAVED.format(status=status_of(post))
    await _send(update, context, text, keyboards.main_menu())


@on_button(cb.DiscardPost)
async def discard_post(update: Update, context: BotContext, data: cb.DiscardPost) -> None:
    """DiscardPost: a draft is deleted; a post in any other status is left as it is (the flow
    is left either way, also when the post is gone)."""
    context.flow.clear()
    post = await answered_post(update, context, data)
    if post["status"] == PostStatus.DRAFT and await _repo(context).delete_draft(post["id"],
                                                           user_id=update.effective_user.id):
        await _send(update, context, texts.COMPOSE_DISCARDED, keyboards.main_menu())
        return
    await _send(update, context, texts.COMPOSE_LEFT_AS_IS.format(status=status_of(post)),
                keyboards.main_menu())


async def preview_hint(update: Update, context: BotContext) -> None:
    """A message while the preview (or the edit menu) waits for a button."""
    await update.effective_message.reply_text(texts.COMPOSE_PREVIEW_HINT)
