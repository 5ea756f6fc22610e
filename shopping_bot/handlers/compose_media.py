"""The compose flow after the text: the media (photo, video, GIF or none), a caption too long
(shorten, send apart, edit), the CTA buttons and the title.
"""

from __future__ import annotations

import html

from telegram import Message, Update

from shared.flows import BotContext
from shopping_bot import callbacks as cb
from shopping_bot import render, texts
from shopping_bot.ai.writer import AIUnavailable, writer_for
from shopping_bot.handlers.compose_common import (
    STEP_BUTTONS,
    STEP_FIT,
    STEP_MEDIA,
    STEP_MEDIA_FILE,
    STEP_TEXT,
    STEP_TITLE,
    TITLE_LIMIT,
    CTAError,
    _callback_post,
    _current,
    _log_ai,
    _repo,
    _send,
    _suggested,
    auto_title,
    parse_buttons,
)
from shopping_bot.handlers.compose_flow import _advance, _ask_buttons, _ask_fit
from shopping_bot.handlers.compose_text import _apply_draft
from shopping_bot.storage.posts import PUBLISHED


# --- media ------------------------------------------------------------------------------------
def _media_of(message: Message) -> tuple[str, str] | None:
    """(kind, file id) of a photo, video or GIF (a GIF also comes as a document: checked
    first)."""
    if message.animation:
        return "animation", message.animation.file_id
    if message.photo:
        return "photo", message.photo[-1].file_id
    if message.video:
        return "video", message.video.file_id
    return None


async def media_chosen(update: Update, context: BotContext) -> None:
    """Photo, video, GIF: wait for it; no media: on to the buttons."""
    query = update.callback_query
    data = cb.ComposeMedia.parse(query.data)
    post = await _callback_post(update, context, data.post_id, (STEP_MEDIA, STEP_MEDIA_FILE),
                                "media")
    if post is None:
        return
    if data.kind == "none":
        await query.answer()
        await _repo(context).update_post(post["id"], user_id=update.effective_user.id,
                                         media_type=None, file_id=None, separate_text=False)
        context.flow.data["media_done"] = True
        await _advance(update, context, post["id"], "media")
    elif data.kind in render.MEDIA_TYPES:
        await query.answer()
        context.flow.goto(STEP_MEDIA_FILE, media_kind=data.kind)
        await _send(update, context, texts.COMPOSE_SEND_MEDIA[data.kind])
    else:
        await query.answer(texts.STALE_BUTTON, show_alert=True)


async def media_received(update: Update, context: BotContext) -> None:
    """The photo, video or GIF (of the chosen kind): saved; the caption must then fit."""
    message = update.effective_message
    flow = context.flow
    expected = flow.data.get("media_kind") if flow.step == STEP_MEDIA_FILE else None
    got = _media_of(message)
    if got is None or (expected and got[0] != expected):
        await message.reply_text(texts.COMPOSE_MEDIA_EXPECTED[expected] if expected
                                 else texts.COMPOSE_MEDIA_USE_BUTTONS)
        return
    post = await _current(update, context, "media")
    if post is None:
        return
    kind, file_id = got
    await _repo(context).update_post(post["id"], user_id=update.effective_user.id,
                                     media_type=kind, file_id=file_id, separate_text=False)
    flow.data.pop("media_kind", None)
    flow.data["media_done"] = True
    await _advance(update, context, post["id"], "media")


# --- a caption too long -----------------------------------------------------------------------
async def fit_chosen(update: Update, context: BotContext) -> None:
    """Shorten with the AI, the text as a separate message, or edit the text."""
    query = update.callback_query
    data = cb.ComposeFit.parse(query.data)
    post = await _callback_post(update, context, data.post_id, (STEP_FIT,), "text")
    if post is None:
        return
    if data.choice == "separate" and post["status"] != PUBLISHED:
        await query.answer()
        await _repo(context).update_post(post["id"], user_id=update.effective_user.id,
                                         separate_text=True)
        await _advance(update, context, post["id"], "fit")
    elif data.choice == "own":
        await query.answer()
        context.flow.goto(STEP_TEXT)
        await _send(update, context, texts.COMPOSE_SEND_OWN)
    elif data.choice == "shorten":
        await query.answer(texts.COMPOSE_WRITING)
        try:
            draft = await writer_for(context.services).shorten(
                post["text"] or "", render.CAPTION_LIMIT, post["post_format"])
        except AIUnavailable as exc:
            await _log_ai(context, update, int(post["id"]), "shorten", "unavailable")
            await _ask_fit(update, context, post, texts.COMPOSE_AI_FAILED.format(
                reason=html.escape(str(exc))) + "\n")
            return
        await _apply_draft(update, context, post, draft, "shorten")
    else:
        await query.answer(texts.STALE_BUTTON, show_alert=True)


# --- CTA buttons ------------------------------------------------------------------------------
async def _save_buttons(update: Update, context: BotContext, post_id: int,
                        buttons: list[dict[str, str]]) -> None:
    repo = _repo(context)
    await repo.update_post(post_id, user_id=update.effective_user.id, buttons=buttons)
    await repo.replace_links(post_id, buttons)


async def buttons_received(update: Update, context: BotContext) -> None:
    """"label - URL" lines: validated, added to the post's buttons (at most MAX_BUTTONS)."""
    message = update.effective_message
    try:
        new = parse_buttons(message.text or "")
    except CTAError as exc:
        await message.reply_text(str(exc), disable_web_page_preview=True)
        return
    post = await _current(update, context, "buttons")
    if post is None:
        return
    buttons = list(post.get("buttons") or []) + new
    if len(buttons) > render.MAX_BUTTONS:
        await message.reply_text(texts.COMPOSE_CTA_TOO_MANY.format(max=render.MAX_BUTTONS,
                                                                  n=len(buttons)))
        return
    await _save_buttons(update, context, int(post["id"]), buttons)
    await _ask_buttons(update, context, {**post, "buttons": buttons},
                       texts.COMPOSE_CTA_SAVED + "\n\n")


async def buttons_chosen(update: Update, context: BotContext) -> None:
    """Use the suggested buttons, no buttons, continue with the current ones, or clear them."""
    query = update.callback_query
    data = cb.ComposeButtons.parse(query.data)
    post = await _callback_post(update, context, data.post_id, (STEP_BUTTONS,), "buttons")
    if post is None:
        return
    pid = int(post["id"])
    if data.choice in ("suggested", "none"):
        await query.answer()
        await _save_buttons(update, context, pid,
                            _suggested(context) if data.choice == "suggested" else [])
        await _advance(update, context, pid, "buttons")
    elif data.choice == "done":
        await query.answer()
        await _advance(update, context, pid, "buttons")
    elif data.choice == "clear":
        await query.answer()
        await _save_buttons(update, context, pid, [])
        await _ask_buttons(update, context, {**post, "buttons": []})
    else:
        await query.answer(texts.STALE_BUTTON, show_alert=True)


# --- title ------------------------------------------------------------------------------------
async def title_chosen(update: Update, context: BotContext) -> None:
    """The suggested title (the text's first line)."""
    query = update.callback_query
    data = cb.ComposeTitle.parse(query.data)
    post = await _callback_post(update, context, data.post_id, (STEP_TITLE,), "title")
    if post is None:
        return
    await query.answer()
    title = auto_title(post.get("text")) or post.get("title") or ""
    await _repo(context).update_post(post["id"], user_id=update.effective_user.id, title=title)
    await _advance(update, context, post["id"], "title")


async def title_received(update: Update, context: BotContext) -> None:
    """The editor's own title (1..TITLE_LIMIT characters, plain text)."""
    message = update.effective_message
    title = " ".join((message.text or "").split())
    if not 1 <= len(title) <= TITLE_LIMIT:
        await message.reply_text(texts.COMPOSE_TITLE_BAD.format(max=TITLE_LIMIT, n=len(title)))
        return
    post = await _current(update, context, "title")
    if post is None:
        return
    await _repo(context).update_post(post["id"], user_id=update.effective_user.id, title=title)
    await _advance(update, context, post["id"], "title")
