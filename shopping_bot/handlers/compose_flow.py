"""Moving through the compose flow: which step comes after the one just finished, and opening
each step (one small function per step: its prompt and keyboard), up to the preview.

The step handlers (``compose``, ``compose_text``, ``compose_media``, ``compose_edit``) call
``_advance`` when a step is done and ``_ask`` to reopen one; this module imports only
``compose_common``.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.error import BadRequest

from shared.flows import BotContext
from shared.telegram import is_cant_parse_entities
from shopping_bot import compose_keyboards as ck
from shopping_bot import keyboards, render, texts
from shopping_bot.ai.writer import writer_for
from shopping_bot.handlers.compose_common import (
    STEP_BUTTONS,
    STEP_EDIT,
    STEP_FIT,
    STEP_FORMAT,
    STEP_KEYWORDS,
    STEP_MEDIA,
    STEP_PREVIEW,
    STEP_TEXT,
    STEP_TITLE,
    TITLE_LIMIT,
    Row,
    _button_rows,
    _repo,
    _send,
    _suggested,
    auto_title,
)
from shopping_bot.handlers.post_buttons import status_of
from shopping_bot.storage.status import PostStatus

# the flow's log lines keep the name they had before the flow was split into modules
log = logging.getLogger("shopping_bot.handlers.compose")

Opener = Callable[[Update, BotContext, Row], Awaitable[None]]


# --- moving on --------------------------------------------------------------------------------
NEXT_STEP = {"format": "keywords", "keywords": "text", "media": "buttons", "fit": "buttons",
             "buttons": "title", "title": "preview"}


async def _advance(update: Update, context: BotContext, post_id: int, finished: str) -> None:
    """After a step: a caption that does not fit is dealt with first; then back to the preview
    (an edit) or on to the next step."""
    post = await _repo(context).get_post(post_id)
    if post is None:
        context.flow.clear()
        await _send(update, context, texts.POST_NOT_FOUND)
        return
    flow = context.flow
    if finished in ("text", "media", "fit") and not render.fits(post) and \
            (post.get("text") or "").strip():
        await _ask_fit(update, context, post)
        return
    if flow.data.get("back"):
        await _preview(update, context, post)
        return
    step = NEXT_STEP.get(finished, "preview")
    if finished == "text":
        step = "buttons" if flow.data.get("media_done") else "media"
    await _ask(update, context, post, step)


async def _ask(update: Update, context: BotContext, post: Row, step: str) -> None:
    """Open ``step`` for ``post`` (an unknown step: the preview)."""
    context.flow.data["post_id"] = int(post["id"])
    await STEP_OPENERS.get(step, _preview)(update, context, post)


# --- opening each step ------------------------------------------------------------------------
async def _open_format(update: Update, context: BotContext, post: Row) -> None:
    """The format picker, for a post that has one."""
    context.flow.goto(STEP_FORMAT)
    await _send(update, context, texts.COMPOSE_PICK_FORMAT_EDIT, ck.formats(int(post["id"])))


async def _open_keywords(update: Update, context: BotContext, post: Row) -> None:
    """New keywords, the current ones shown."""
    context.flow.goto(STEP_KEYWORDS)
    await _send(update, context, texts.COMPOSE_ASK_KEYWORDS_EDIT.format(
        keywords=html.escape(post.get("keywords") or "—")))


async def _open_text(update: Update, context: BotContext, post: Row) -> None:
    """The text round on the current text."""
    context.flow.goto(STEP_TEXT, source="own")
    await _show_text(update, context, post)


async def _open_media(update: Update, context: BotContext, post: Row) -> None:
    """Photo, video, GIF or no media."""
    context.flow.goto(STEP_MEDIA)
    await _send(update, context, texts.COMPOSE_ASK_MEDIA, ck.media(int(post["id"])))


async def _open_title(update: Update, context: BotContext, post: Row) -> None:
    """The title: the text's first line suggested, or the editor's own."""
    context.flow.goto(STEP_TITLE)
    auto = auto_title(post.get("text")) or post.get("title") or ""
    await _send(update, context, texts.COMPOSE_ASK_TITLE.format(
        max=TITLE_LIMIT, auto=html.escape(auto)), ck.title(int(post["id"])))


async def _show_text(update: Update, context: BotContext, post: Row, note: str = "") -> None:
    """The text with the round's choices; a text Telegram cannot parse is shown escaped."""
    text = post.get("text") or ""
    ai = writer_for(context.services).enabled
    markup = ck.text_round(int(post["id"]), has_text=bool(text.strip()), ai=ai)
    context.flow.goto(STEP_TEXT, post_id=int(post["id"]))
    if not text.strip():
        await _send(update, context, note + texts.COMPOSE_NO_TEXT, markup)
        return
    header = texts.COMPOSE_ROUND_HEADER.get(context.flow.data.get("source", "own"),
                                            texts.COMPOSE_ROUND_HEADER["own"])
    body = f"{note}{header}\n\n{text}{texts.COMPOSE_ROUND_HINT}"
    if render.visible_length(body) > render.TEXT_LIMIT:
        body = text
    try:
        await _send(update, context, body, markup)
    except BadRequest as exc:
        if not is_cant_parse_entities(exc):
            raise
        shown = html.escape(text[:3000] + ("…" if len(text) > 3000 else ""))
        await _send(update, context, f"{note}{texts.COMPOSE_ROUND_BAD_MARKUP}\n\n{shown}", markup)


async def _ask_fit(update: Update, context: BotContext, post: Row, note: str = "") -> None:
    """The text does not fit a caption: shorten it (AI), send it apart, or edit it."""
    published = post["status"] == PostStatus.PUBLISHED
    template = texts.COMPOSE_TOO_LONG_PUBLISHED if published else texts.COMPOSE_TOO_LONG
    context.flow.goto(STEP_FIT, post_id=int(post["id"]))
    await _send(update, context, note + template.format(
        limit=render.CAPTION_LIMIT, n=render.visible_length(post.get("text") or "")),
        ck.fit(int(post["id"]), ai=writer_for(context.services).enabled,
               can_separate=not published))


async def _ask_buttons(update: Update, context: BotContext, post: Row, note: str = "") -> None:
    """The buttons step: the suggested ones, the current ones, and how to add."""
    suggested = _suggested(context)
    current = post.get("buttons") or []
    body = note + texts.COMPOSE_ASK_BUTTONS.format(max=render.MAX_BUTTONS)
    if suggested:
        body += texts.COMPOSE_SUGGESTED.format(rows=_button_rows(suggested))
    if current:
        body += texts.COMPOSE_CURRENT_BUTTONS.format(rows=_button_rows(current))
    context.flow.goto(STEP_BUTTONS, post_id=int(post["id"]))
    await _send(update, context, body, ck.cta(int(post["id"]), suggested=bool(suggested),
                                              current=bool(current)),
                disable_web_page_preview=True)


# --- the preview ------------------------------------------------------------------------------
async def _preview(update: Update, context: BotContext, post: Row) -> None:
    """The post exactly as it will appear (render.send_post), then its actions."""
    pid = int(post["id"])
    flow = context.flow
    if not render.fits(post):
        # nothing to send, or a caption too long: fix that first, then back here
        flow.clear()
        flow.goto(STEP_EDIT, post_id=pid, back=True, media_done=True)
        if (post.get("text") or "").strip():
            await _ask_fit(update, context, post)
        else:
            await _ask(update, context, post, "text")
        return
    services = context.services
    links = await _repo(context).links(pid)
    flow.clear()
    flow.goto(STEP_PREVIEW, post_id=pid)
    try:
        await render.send_post(context.bot, update.effective_chat.id, post, links,
                               services.settings)
    except BadRequest as exc:
        if is_cant_parse_entities(exc):
            log.info("preview refused: markup", extra={"post_id": pid})
            await _send(update, context, texts.COMPOSE_PREVIEW_BAD_MARKUP, ck.edit_text(pid))
            return
        log.warning("preview refused", extra={"post_id": pid, "error": exc.message[:200]})
        await _send(update, context, texts.COMPOSE_PREVIEW_FAILED.format(
            reason=html.escape(exc.message)), ck.edit_menu(post))
        return
    actions = keyboards.post_actions(post)
    await _send(update, context, texts.COMPOSE_PREVIEW.format(
        id=pid, title=html.escape(post.get("title") or auto_title(post.get("text")) or "—"),
        format=texts.FORMAT_NAMES.get(post.get("post_format") or "", ""),
        status=status_of(post)),
        actions if actions.inline_keyboard else None)


# what ``_ask`` opens for each step
STEP_OPENERS: dict[str, Opener] = {
    "format": _open_format,
    "keywords": _open_keywords,
    "text": _open_text,
    "media": _open_media,
    "buttons": _ask_buttons,
    "title": _open_title,
    "preview": _preview,
}
