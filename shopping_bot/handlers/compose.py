"""Composing a post: /new → format → keywords → the AI text rounds → media → CTA buttons → title
→ preview; the edit menu (back to any step), the preview of any post, save as draft, discard.

The post row is created as soon as the keywords arrive and updated at every step, so a restart
or /cancel loses nothing (the post waits in /drafts). The flow data holds the post id, the
buttons the last AI draft suggested, ``back`` (an edit from the menu: after the step, back to the
preview) and ``media_done`` (the media step is behind us). The AI (``shopping_bot.ai.writer``)
raises only ``AIUnavailable``: the editor is told in one line and the flow goes on with their own
text or the format's template. The preview is ``render.send_post``, the very function the
publisher uses for the channel.

The flow is split by concern; the modules import one another in this order only (no cycles):
``compose_common`` (step names, limits, pure and small helpers) ← ``compose_flow`` (which step
comes next, opening each step, the preview) ← ``compose_text`` (the text rounds) ←
``compose_media`` (media, a caption too long, CTA buttons, title); ``compose_edit`` (preview of
any post, edit menu, save, discard) uses the first two. This module holds the entry (/new, the
format, the keywords) and registers every handler of the flow, in the order PTB tries them; it
re-exports the names other modules and tests import from it.
"""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, filters

from shared.access import Refused
from shared.callbacks import button_handlers, on_button
from shared.flows import BotContext, in_step
from shopping_bot import callbacks as cb
from shopping_bot import compose_keyboards as ck
from shopping_bot import texts
from shopping_bot.filters import PRIVATE, STEP_INPUT, menu_button
from shopping_bot.handlers.compose_common import (
    AI_ACTIONS,
    EDITABLE_STATUSES,
    KEYWORDS_LIMIT,
    LABEL_LIMIT,
    LANGUAGES,
    STEP_BUTTONS,
    STEP_EDIT,
    STEP_FIT,
    STEP_FORMAT,
    STEP_INSTRUCTION,
    STEP_KEYWORDS,
    STEP_MEDIA,
    STEP_MEDIA_FILE,
    STEP_PREVIEW,
    STEP_TEXT,
    STEP_TITLE,
    TITLE_LIMIT,
    URL_LIMIT,
    CTAError,
    Row,
    _current,
    _refusal,
    _repo,
    _send,
    auto_title,
    parse_buttons,
    post_at,
    valid_button,
    valid_url,
)
from shopping_bot.handlers.compose_edit import (
    discard_post,
    edit_field,
    edit_post,
    preview_hint,
    preview_post,
    save_draft,
)
from shopping_bot.handlers.compose_flow import NEXT_STEP, _advance
from shopping_bot.handlers.compose_media import (
    buttons_chosen,
    buttons_received,
    fit_chosen,
    media_chosen,
    media_received,
    title_chosen,
    title_received,
)
from shopping_bot.handlers.compose_text import (
    _generate,
    instruction_received,
    own_text_received,
    text_action,
    text_expected,
)
from shopping_bot.storage.posts import FORMATS

# what other modules and tests import from here (the flow's names before it was split)
__all__ = [
    "AI_ACTIONS",
    "EDITABLE_STATUSES",
    "HANDLERS",
    "KEYWORDS_LIMIT",
    "LABEL_LIMIT",
    "LANGUAGES",
    "NEXT_STEP",
    "STEP_BUTTONS",
    "STEP_EDIT",
    "STEP_FIT",
    "STEP_FORMAT",
    "STEP_INSTRUCTION",
    "STEP_KEYWORDS",
    "STEP_MEDIA",
    "STEP_MEDIA_FILE",
    "STEP_PREVIEW",
    "STEP_TEXT",
    "STEP_TITLE",
    "TEXT",
    "TITLE_LIMIT",
    "URL_LIMIT",
    "CTAError",
    "Row",
    "_refusal",
    "auto_title",
    "buttons_chosen",
    "buttons_received",
    "discard_post",
    "edit_field",
    "edit_post",
    "fit_chosen",
    "format_chosen",
    "instruction_received",
    "keywords_not_text",
    "keywords_received",
    "media_chosen",
    "media_received",
    "new_post",
    "own_text_received",
    "parse_buttons",
    "preview_hint",
    "preview_post",
    "save_draft",
    "text_action",
    "text_expected",
    "title_chosen",
    "title_received",
    "use_the_buttons",
    "valid_button",
    "valid_url",
]


# --- /new, format, keywords -------------------------------------------------------------------
async def new_post(update: Update, context: BotContext) -> None:
    """/new or the menu's "New post": pick a format."""
    context.flow.clear()
    await update.effective_message.reply_text(texts.COMPOSE_PICK_FORMAT,
                                              reply_markup=ck.formats(0))
    context.flow.goto(STEP_FORMAT)


@on_button(cb.ComposeFormat)
async def format_chosen(update: Update, context: BotContext, data: cb.ComposeFormat) -> None:
    """A format: for a new post, ask for the keywords; for an edited post, save it and preview."""
    query = update.callback_query
    flow = context.flow
    if data.post_format not in FORMATS or flow.step != STEP_FORMAT or \
            flow.data.get("post_id", 0) != data.post_id:
        raise Refused(texts.STALE_BUTTON)
    if data.post_id == 0:
        await query.answer()
        flow.goto(STEP_KEYWORDS, post_format=data.post_format)
        await _send(update, context, texts.COMPOSE_ASK_KEYWORDS.format(
            format=texts.FORMAT_NAMES[data.post_format]))
        return
    post = await post_at(STEP_FORMAT, field="format")(update, context, data)
    await query.answer()
    await _repo(context).update_post(post["id"], user_id=update.effective_user.id,
                                     post_format=data.post_format)
    await _advance(update, context, post["id"], "format")


async def keywords_received(update: Update, context: BotContext) -> None:
    """The keywords or brief: the post row is created (or updated), then the AI writes."""
    message = update.effective_message
    flow = context.flow
    keywords = (message.text or "").strip()
    if len(keywords) > KEYWORDS_LIMIT:
        await message.reply_text(texts.COMPOSE_KEYWORDS_TOO_LONG.format(n=len(keywords),
                                                                       limit=KEYWORDS_LIMIT))
        return
    repo = _repo(context)
    if flow.data.get("post_id"):
        post = await _current(update, context, "keywords")
        if post is None:
            return
        await repo.update_post(post["id"], user_id=update.effective_user.id, keywords=keywords)
        post_id = int(post["id"])
    else:
        message = update.effective_message
        post_id = await repo.create_post(created_by=update.effective_user.id,
                                         post_format=flow.data["post_format"], keywords=keywords,
                                         title=auto_title(html.escape(keywords)),
                                         source_key=f"{message.chat_id}:{message.message_id}")
    flow.goto(STEP_TEXT, post_id=post_id)
    await _generate(update, context, post_id)


async def keywords_not_text(update: Update, context: BotContext) -> None:
    """Anything but a text on the keywords step."""
    await update.effective_message.reply_text(texts.COMPOSE_KEYWORDS_TEXT_ONLY)


async def use_the_buttons(update: Update, context: BotContext) -> None:
    """A message where a button is expected (format, a caption too long)."""
    await update.effective_message.reply_text(texts.COMPOSE_USE_BUTTONS)


TEXT = STEP_INPUT & filters.TEXT

HANDLERS = [
    CommandHandler("new", new_post, filters=PRIVATE),
    MessageHandler(menu_button(texts.MENU_NEW), new_post),
    *button_handlers(format_chosen, text_action, media_chosen, fit_chosen, buttons_chosen,
                     title_chosen, edit_field, preview_post, edit_post, save_draft, discard_post),
    MessageHandler(TEXT & in_step(STEP_KEYWORDS), keywords_received),
    MessageHandler(STEP_INPUT & in_step(STEP_KEYWORDS), keywords_not_text),
    MessageHandler(TEXT & in_step(STEP_TEXT), own_text_received),
    MessageHandler(TEXT & in_step(STEP_INSTRUCTION), instruction_received),
    MessageHandler(STEP_INPUT & in_step(STEP_TEXT, STEP_INSTRUCTION), text_expected),
    MessageHandler(STEP_INPUT & in_step(STEP_MEDIA, STEP_MEDIA_FILE), media_received),
    MessageHandler(TEXT & in_step(STEP_BUTTONS), buttons_received),
    MessageHandler(TEXT & in_step(STEP_TITLE), title_received),
    MessageHandler(STEP_INPUT & in_step(STEP_BUTTONS, STEP_TITLE), text_expected),
    MessageHandler(STEP_INPUT & in_step(STEP_FORMAT, STEP_FIT), use_the_buttons),
    MessageHandler(STEP_INPUT & in_step(STEP_PREVIEW, STEP_EDIT), preview_hint),
]
