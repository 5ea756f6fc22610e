"""The compose flow after the text: the media (photo, video, GIF or none), a caption too long
(shorten, send apart, edit), the CTA buttons and the title.
"""

from __future__ import annotations

import html

from telegram import Message, Update

from shared.access import Refused
from shared.callbacks import on_button
from shared.flows import BotContext
from shopping_bot import callbacks as cb
from shopping_bot import render, texts
from shopping_bot.ai.writer import AIUnavailable, writer_for
from shopping_bot.handlers.compose_common import (
    STEP_BUTTONS,
    STEP_FIT,
    STEP_MEDIA,
    STEP_MEDIA_FILE,
    STEP_TITLE,
    TITLE_LIMIT,
    CTAError,
    Row,
    _current,
    _log_ai,
    _repo,
    _send,
    _suggested,
    auto_title,
    parse_buttons,
    post_at,
)
from shopping_bot.handlers.compose_flow import _advance, _ask_buttons, _ask_fit
from shopping_bot.handlers.compose_text import _apply_draft, ask_own_text
from shopping_bot.storage.status import PostStatus


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


@on_button(cb.ComposeMedia, post_at(STEP_MEDIA, STEP_MEDIA_FILE, field="media"))
async def media_chosen(update: Update, context: BotContext, data: cb.ComposeMedia,
                       post: Row) -> None:
    """Photo, video, GIF: wait for it; no media: on to the buttons."""
    query = update.callback_query
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
        raise Refused(texts.STALE_BUTTON)


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
async def _shorten(update: Update, context: BotContext, post: Row) -> None:
    """The AI shortens the text to fit a caption (or says it cannot: the choice again)."""
    await update.callback_query.answer(texts.COMPOSE_WRITING)
    try:
        draft = await writer_for(context.services).shorten(
            post["text"] or "", render.CAPTION_LIMIT, post["post_format"])
    except AIUnavailable as exc:
        await _log_ai(context, update, int(post["id"]), "shorten", "unavailable")
        await _ask_fit(update, context, post, texts.COMPOSE_AI_FAILED.format(
            reason=html.escape(str(exc))) + "\n")
        return
    await _apply_draft(update, context, post, draft, "shorten")


@on_button(cb.ComposeFit, post_at(STEP_FIT, field="text"))
async def fit_chosen(update: Update, context: BotContext, data: cb.ComposeFit,
                     post: Row) -> None:
    """Shorten with the AI, the text as a separate message, or edit the text."""
    if data.choice == "separate" and post["status"] != PostStatus.PUBLISHED:
        await update.callback_query.answer()
        await _repo(context).update_post(post["id"], user_id=update.effective_user.id,
                                         separate_text=True)
        await _advance(update, context, post["id"], "fit")
    elif data.choice == "own":
        await ask_own_text(update, context)
    elif data.choice == "shorten":
        await _shorten(update, context, post)
    else:
        raise Refused(texts.STALE_BUTTON)


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


@on_button(cb.ComposeButtons, post_at(STEP_BUTTONS, field="buttons"))
async def buttons_chosen(update: Update, context: BotContext, data: cb.ComposeButtons,
                         post: Row) -> None:
    """Use the suggested buttons, no buttons, continue with the current ones, or clear them."""
    if data.choice not in ("suggested", "none", "done", "clear"):
        raise Refused(texts.STALE_BUTTON)
    await update.callback_query.answer()
    pid = int(post["id"])
    if data.choice != "done":
        post = {**post, "buttons": _suggested(context) if data.choice == "suggested" else []}
        await _save_buttons(update, context, pid, post["buttons"])
    if data.choice == "clear":
        await _ask_buttons(update, context, post)
    else:
        await _advance(update, context, pid, "buttons")


# --- title ------------------------------------------------------------------------------------
@on_button(cb.ComposeTitle, post_at(STEP_TITLE, field="title"))
async def title_chosen(update: Update, context: BotContext, data: cb.ComposeTitle,
                       post: Row) -> None:
    """The suggested title (the text's first line)."""
    await update.callback_query.answer()
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
