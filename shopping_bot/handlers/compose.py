"""Composing a post: /new → format → keywords → the AI text rounds → media → CTA buttons → title
→ preview; the edit menu (back to any step), the preview of any post, save as draft, discard.

The post row is created as soon as the keywords arrive and updated at every step, so a restart
or /cancel loses nothing (the post waits in /drafts). The flow data holds the post id, the
buttons the last AI draft suggested, ``back`` (an edit from the menu: after the step, back to the
preview) and ``media_done`` (the media step is behind us). The AI (``shopping_bot.ai.writer``)
raises only ``AIUnavailable``: the editor is told in one line and the flow goes on with their own
text or the format's template. The preview is ``render.send_post``, the very function the
publisher uses for the channel.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any
from urllib.parse import urlsplit

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from shared.flows import BotContext, in_step
from shared.storage.shopping import DRAFT, FAILED, FORMATS, MISSED, PUBLISHED, SCHEDULED
from shared.telegram import is_cant_parse_entities
from shopping_bot import callbacks as cb
from shopping_bot import compose_keyboards as ck
from shopping_bot import keyboards, render, texts
from shopping_bot.ai.writer import AIUnavailable, Draft, template_draft, writer_for

log = logging.getLogger(__name__)

STEP_FORMAT = "compose.format"
STEP_KEYWORDS = "compose.keywords"
STEP_TEXT = "compose.text"
STEP_INSTRUCTION = "compose.instruction"
STEP_MEDIA = "compose.media"
STEP_MEDIA_FILE = "compose.media_file"
STEP_FIT = "compose.fit"
STEP_BUTTONS = "compose.buttons"
STEP_TITLE = "compose.title"
STEP_PREVIEW = "compose.preview"
STEP_EDIT = "compose.edit"

TITLE_LIMIT = 60
LABEL_LIMIT = 40
KEYWORDS_LIMIT = 1000
URL_LIMIT = 2048
EDITABLE_STATUSES = (DRAFT, SCHEDULED, FAILED, MISSED, PUBLISHED)
LANGUAGES = ("hy", "ru", "en")
AI_ACTIONS = ("regen", "review", *LANGUAGES)

Row = dict[str, Any]


# --- pure helpers -----------------------------------------------------------------------------
class CTAError(ValueError):
    """A CTA line refused; ``str(exc)`` is the Armenian message for the editor."""


# "label - URL": spaces around the dash; or a dash right before something with a scheme
_CTA_SPACED = re.compile(r"^(?P<label>.+?)\s+[-–—|]\s+(?P<url>\S+)$")
_CTA_TIGHT = re.compile(r"^(?P<label>.+?)\s*[-–—|]\s*(?P<url>[A-Za-z][A-Za-z0-9+.-]*:\S*)$")


def valid_url(url: str) -> bool:
    """http or https, with a host, no spaces or control characters."""
    if not url or len(url) > URL_LIMIT or any(c.isspace() or ord(c) < 32 for c in url):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)


def valid_button(button: Any) -> bool:
    return (isinstance(button, dict) and isinstance(button.get("label"), str)
            and 1 <= len(button["label"].strip()) <= LABEL_LIMIT
            and isinstance(button.get("url"), str) and valid_url(button["url"]))


def parse_buttons(raw: str) -> list[dict[str, str]]:
    """"label - URL" pairs, one per line; all or nothing (``CTAError`` on the first bad line)."""
    buttons: list[dict[str, str]] = []
    for line in (raw or "").splitlines():
        line = line.strip()
        if not line:
            continue
        m = _CTA_SPACED.match(line) or _CTA_TIGHT.match(line)
        if m is None:
            raise CTAError(texts.COMPOSE_CTA_BAD_LINE.format(line=html.escape(line)))
        label, url = " ".join(m.group("label").split()), m.group("url")
        if not valid_url(url):
            raise CTAError(texts.COMPOSE_CTA_BAD_URL.format(url=html.escape(url)))
        if not 1 <= len(label) <= LABEL_LIMIT:
            raise CTAError(texts.COMPOSE_CTA_BAD_LABEL.format(max=LABEL_LIMIT,
                                                              label=html.escape(label)))
        buttons.append({"label": label, "url": url})
    if not buttons:
        raise CTAError(texts.COMPOSE_CTA_BAD_LINE.format(line=html.escape((raw or "").strip())))
    return buttons


def auto_title(text: str | None) -> str:
    """The first non-empty line of an HTML text, tags stripped, at most TITLE_LIMIT."""
    plain = html.unescape(re.sub(r"<[^>]*>", "", text or ""))
    for line in plain.splitlines():
        line = " ".join(line.split())
        if line:
            return line if len(line) <= TITLE_LIMIT else line[:TITLE_LIMIT - 1].rstrip() + "…"
    return ""


def _button_rows(buttons: list[dict[str, str]]) -> str:
    return "\n".join(texts.COMPOSE_BUTTON_ROW.format(n=i, label=html.escape(b["label"]),
                                                     url=html.escape(b["url"]))
                     for i, b in enumerate(buttons, 1))


def _refusal(post: Row | None, field: str | None = None) -> str | None:
    """Why this post cannot be edited (at ``field``) now, or None."""
    if post is None:
        return texts.POST_NOT_FOUND
    if post["status"] not in EDITABLE_STATUSES:
        return texts.COMPOSE_NOT_EDITABLE.format(status=texts.STATUS.get(post["status"], ""))
    if field is not None and field not in ck.edit_fields(post):
        return texts.COMPOSE_FIELD_LOCKED
    return None


# --- small helpers ----------------------------------------------------------------------------
async def _send(update: Update, context: BotContext, text: str,
                markup: InlineKeyboardMarkup | None = None, **kwargs: Any) -> Message:
    return await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup,
                                          **kwargs)


def _repo(context: BotContext) -> Any:
    return context.services.storage.shopping


async def _current(update: Update, context: BotContext, field: str | None) -> Row | None:
    """The flow's post for a message step, or None (told why, flow left)."""
    pid = context.flow.data.get("post_id")
    post = await _repo(context).get_post(int(pid)) if pid else None
    refusal = _refusal(post, field)
    if refusal is not None:
        context.flow.clear()
        await update.effective_message.reply_text(refusal)
        return None
    return post


async def _callback_post(update: Update, context: BotContext, post_id: int,
                         steps: tuple[str, ...], field: str | None) -> Row | None:
    """The post of a button pressed on one of ``steps`` (none: any time), or None (the query
    answered with the reason)."""
    query = update.callback_query
    flow = context.flow
    if steps and (flow.step not in steps or flow.data.get("post_id") != post_id):
        await query.answer(texts.STALE_BUTTON, show_alert=True)
        return None
    post = await _repo(context).get_post(post_id)
    refusal = _refusal(post, field)
    if refusal is not None:
        if flow.data.get("post_id") == post_id:
            flow.clear()
        await query.answer(refusal, show_alert=True)
        return None
    return post


async def _log_ai(context: BotContext, update: Update, post_id: int, action: str,
                  outcome: str, **extra: Any) -> None:
    await _repo(context).log(post_id, f"ai_{action}", update.effective_user.id, outcome=outcome,
                             **extra)


def _suggested(context: BotContext) -> list[dict[str, str]]:
    return [b for b in context.flow.data.get("suggested") or [] if valid_button(b)][
        :render.MAX_BUTTONS]


# --- /new, format, keywords -------------------------------------------------------------------
async def new_post(update: Update, context: BotContext) -> None:
    """/new or the menu's "New post": pick a format."""
    context.flow.clear()
    await update.effective_message.reply_text(texts.COMPOSE_PICK_FORMAT,
                                              reply_markup=ck.formats(0))
    context.flow.goto(STEP_FORMAT)


async def format_chosen(update: Update, context: BotContext) -> None:
    """A format: for a new post, ask for the keywords; for an edited post, save it and preview."""
    query = update.callback_query
    data = cb.ComposeFormat.parse(query.data)
    flow = context.flow
    if data is None or data.post_format not in FORMATS or flow.step != STEP_FORMAT or \
            flow.data.get("post_id", 0) != data.post_id:
        await query.answer(texts.STALE_BUTTON, show_alert=True)
        return
    if data.post_id == 0:
        await query.answer()
        flow.goto(STEP_KEYWORDS, post_format=data.post_format)
        await _send(update, context, texts.COMPOSE_ASK_KEYWORDS.format(
            format=texts.FORMAT_NAMES[data.post_format]))
        return
    post = await _callback_post(update, context, data.post_id, (STEP_FORMAT,), "format")
    if post is None:
        return
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


# --- the text rounds --------------------------------------------------------------------------
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


async def _apply_draft(update: Update, context: BotContext, post: Row, draft: Draft,
                       action: str) -> None:
    """Save a new text (AI or template), remember its buttons, show the round."""
    await _repo(context).update_post(post["id"], user_id=update.effective_user.id,
                                     text=draft.text, action=None)
    await _log_ai(context, update, int(post["id"]), action, "ok", source=draft.source)
    if draft.buttons:
        context.flow.data["suggested"] = [dict(b) for b in draft.buttons]
    context.flow.goto(STEP_TEXT, source=draft.source)
    await _show_text(update, context, {**post, "text": draft.text})


async def _ai_failed(update: Update, context: BotContext, post: Row, action: str,
                     exc: AIUnavailable) -> None:
    """The AI did not answer: one line, and the same choices (own text, template)."""
    await _log_ai(context, update, int(post["id"]), action, "unavailable")
    note = texts.COMPOSE_AI_FAILED.format(reason=html.escape(str(exc)))
    has_text = bool((post.get("text") or "").strip())
    context.flow.goto(STEP_TEXT, post_id=int(post["id"]))
    markup = ck.text_round(int(post["id"]), has_text=has_text,
                           ai=writer_for(context.services).enabled)
    await _send(update, context, note if has_text else f"{note}\n{texts.COMPOSE_NO_TEXT}",
                markup)


async def _generate(update: Update, context: BotContext, post_id: int) -> None:
    """The AI writes the post from its format and keywords (or says it cannot)."""
    post = await _repo(context).get_post(post_id)
    writer = writer_for(context.services)
    if not writer.enabled:
        await _log_ai(context, update, post_id, "generate", "off")
        context.flow.goto(STEP_TEXT, post_id=post_id)
        await _send(update, context, f"{texts.COMPOSE_AI_OFF}\n{texts.COMPOSE_NO_TEXT}",
                    ck.text_round(post_id, has_text=False, ai=False))
        return
    try:
        draft = await writer.generate(post["post_format"], post["keywords"] or "")
    except AIUnavailable as exc:
        await _ai_failed(update, context, post, "generate", exc)
        return
    await _apply_draft(update, context, post, draft, "generate")


async def text_action(update: Update, context: BotContext) -> None:
    """A choice of the text round: accept, regenerate, improve, own text, template, translate,
    review."""
    query = update.callback_query
    data = cb.ComposeText.parse(query.data)
    post = await _callback_post(update, context, data.post_id, (STEP_TEXT, STEP_INSTRUCTION),
                                "text")
    if post is None:
        return
    action, text = data.action, post.get("text") or ""
    if action in ("ok", "improve", "review", "ru", "en", "hy") and not text.strip():
        await query.answer(texts.COMPOSE_NO_TEXT, show_alert=True)
        return
    if action == "ok":
        await query.answer()
        await _advance(update, context, post["id"], "text")
    elif action == "own":
        await query.answer()
        context.flow.goto(STEP_TEXT)
        await _send(update, context, texts.COMPOSE_SEND_OWN)
    elif action == "improve":
        await query.answer()
        context.flow.goto(STEP_INSTRUCTION)
        await _send(update, context, texts.COMPOSE_ASK_INSTRUCTION)
    elif action == "tpl":
        await query.answer()
        draft = template_draft(post["post_format"], post["keywords"] or "")
        await _apply_draft(update, context, post, draft, "template")
    elif action in AI_ACTIONS:
        await query.answer(texts.COMPOSE_WRITING)
        await _ai_round(update, context, post, action)
    else:
        await query.answer(texts.STALE_BUTTON, show_alert=True)


async def _ai_round(update: Update, context: BotContext, post: Row, action: str) -> None:
    """Regenerate, translate or review the text with the AI."""
    writer = writer_for(context.services)
    name = {"regen": "generate", "review": "review"}.get(action, "translate")
    try:
        if action == "regen":
            draft = await writer.generate(post["post_format"], post["keywords"] or "")
        elif action == "review":
            review = await writer.review(post["text"], post["post_format"])
        else:
            draft = await writer.translate(post["text"], action)
    except AIUnavailable as exc:
        await _ai_failed(update, context, post, name, exc)
        return
    if action != "review":
        await _apply_draft(update, context, post, draft, name if name != "translate"
                           else f"translate_{action}")
        return
    await _log_ai(context, update, int(post["id"]), "review", "ok", score=review.score)
    rows = "\n".join(texts.COMPOSE_REVIEW_ROW.format(text=html.escape(s))
                     for s in review.suggestions) or texts.COMPOSE_REVIEW_NONE
    await _send(update, context, texts.COMPOSE_REVIEW.format(score=review.score, suggestions=rows),
                ck.text_round(int(post["id"]), has_text=True, ai=writer.enabled))


async def instruction_received(update: Update, context: BotContext) -> None:
    """The editor's instruction in their own words: the AI improves the text accordingly."""
    post = await _current(update, context, "text")
    if post is None:
        return
    instruction = (update.effective_message.text or "").strip()
    try:
        draft = await writer_for(context.services).improve(post["text"] or "", instruction,
                                                           post["post_format"])
    except AIUnavailable as exc:
        await _ai_failed(update, context, post, "improve", exc)
        return
    await _apply_draft(update, context, post, draft, "improve")


async def own_text_received(update: Update, context: BotContext) -> None:
    """The editor's own text (their formatting kept as HTML): saved, shown with the choices."""
    post = await _current(update, context, "text")
    if post is None:
        return
    text = update.effective_message.text_html
    if render.visible_length(text) > render.TEXT_LIMIT:
        await update.effective_message.reply_text(texts.COMPOSE_TEXT_TOO_LONG.format(
            n=render.visible_length(text), limit=render.TEXT_LIMIT))
        return
    await _repo(context).update_post(post["id"], user_id=update.effective_user.id, text=text)
    context.flow.goto(STEP_TEXT, source="own")
    await _show_text(update, context, {**post, "text": text})


async def text_expected(update: Update, context: BotContext) -> None:
    """Media or a sticker where a text is expected."""
    await update.effective_message.reply_text(texts.COMPOSE_TEXT_ONLY)


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
    """Open ``step`` for ``post``."""
    pid = int(post["id"])
    flow = context.flow
    flow.data["post_id"] = pid
    if step == "format":
        flow.goto(STEP_FORMAT)
        await _send(update, context, texts.COMPOSE_PICK_FORMAT_EDIT, ck.formats(pid))
    elif step == "keywords":
        flow.goto(STEP_KEYWORDS)
        await _send(update, context, texts.COMPOSE_ASK_KEYWORDS_EDIT.format(
            keywords=html.escape(post.get("keywords") or "—")))
    elif step == "text":
        flow.goto(STEP_TEXT, source="own")
        await _show_text(update, context, post)
    elif step == "media":
        flow.goto(STEP_MEDIA)
        await _send(update, context, texts.COMPOSE_ASK_MEDIA, ck.media(pid))
    elif step == "buttons":
        await _ask_buttons(update, context, post)
    elif step == "title":
        flow.goto(STEP_TITLE)
        auto = auto_title(post.get("text")) or post.get("title") or ""
        await _send(update, context, texts.COMPOSE_ASK_TITLE.format(
            max=TITLE_LIMIT, auto=html.escape(auto)), ck.title(pid))
    else:
        await _preview(update, context, post)


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
async def _ask_fit(update: Update, context: BotContext, post: Row, note: str = "") -> None:
    """The text does not fit a caption: shorten it (AI), send it apart, or edit it."""
    published = post["status"] == PUBLISHED
    template = texts.COMPOSE_TOO_LONG_PUBLISHED if published else texts.COMPOSE_TOO_LONG
    context.flow.goto(STEP_FIT, post_id=int(post["id"]))
    await _send(update, context, note + template.format(
        limit=render.CAPTION_LIMIT, n=render.visible_length(post.get("text") or "")),
        ck.fit(int(post["id"]), ai=writer_for(context.services).enabled,
               can_separate=not published))


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


# --- preview, edit menu, save, discard --------------------------------------------------------
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
        status=texts.STATUS.get(post["status"], post["status"])),
        actions if actions.inline_keyboard else None)


async def preview_post(update: Update, context: BotContext) -> None:
    """PreviewPost: show any post as it will appear, with its actions."""
    query = update.callback_query
    data = cb.PreviewPost.parse(query.data)
    post = await _repo(context).get_post(data.post_id)
    if post is None:
        await query.answer(texts.POST_NOT_FOUND, show_alert=True)
        return
    await query.answer()
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
    query = update.callback_query
    data = cb.SaveDraft.parse(query.data)
    post = await _repo(context).get_post(data.post_id)
    if post is None:
        await query.answer(texts.POST_NOT_FOUND, show_alert=True)
        return
    await query.answer()
    context.flow.clear()
    text = texts.COMPOSE_SAVED_DRAFT if post["status"] == DRAFT else texts.COMPOSE_SAVED.format(
        status=texts.STATUS.get(post["status"], post["status"]))
    await _send(update, context, text, keyboards.main_menu())


async def discard_post(update: Update, context: BotContext) -> None:
    """DiscardPost: a draft is deleted; a post in any other status is left as it is."""
    query = update.callback_query
    data = cb.DiscardPost.parse(query.data)
    repo = _repo(context)
    post = await repo.get_post(data.post_id)
    context.flow.clear()
    if post is None:
        await query.answer(texts.POST_NOT_FOUND, show_alert=True)
        return
    await query.answer()
    if post["status"] == DRAFT and await repo.delete_draft(post["id"],
                                                           user_id=update.effective_user.id):
        await _send(update, context, texts.COMPOSE_DISCARDED, keyboards.main_menu())
        return
    await _send(update, context, texts.COMPOSE_LEFT_AS_IS.format(
        status=texts.STATUS.get(post["status"], post["status"])), keyboards.main_menu())


async def preview_hint(update: Update, context: BotContext) -> None:
    """A message while the preview (or the edit menu) waits for a button."""
    await update.effective_message.reply_text(texts.COMPOSE_PREVIEW_HINT)


# new messages in private only; not a command, not a main-menu button (those start features)
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
MENU = filters.Text([texts.MENU_NEW, texts.MENU_SCHEDULED, texts.MENU_DRAFTS, texts.MENU_POSTS,
                     texts.MENU_HELP])
STEP_INPUT = PRIVATE & ~filters.COMMAND & ~MENU & ~filters.StatusUpdate.ALL
TEXT = STEP_INPUT & filters.TEXT

HANDLERS = [
    CommandHandler("new", new_post, filters=PRIVATE),
    MessageHandler(PRIVATE & filters.Text([texts.MENU_NEW]), new_post),
    CallbackQueryHandler(format_chosen, pattern=cb.ComposeFormat.pattern()),
    CallbackQueryHandler(text_action, pattern=cb.ComposeText.pattern()),
    CallbackQueryHandler(media_chosen, pattern=cb.ComposeMedia.pattern()),
    CallbackQueryHandler(fit_chosen, pattern=cb.ComposeFit.pattern()),
    CallbackQueryHandler(buttons_chosen, pattern=cb.ComposeButtons.pattern()),
    CallbackQueryHandler(title_chosen, pattern=cb.ComposeTitle.pattern()),
    CallbackQueryHandler(edit_field, pattern=cb.ComposeEdit.pattern()),
    CallbackQueryHandler(preview_post, pattern=cb.PreviewPost.pattern()),
    CallbackQueryHandler(edit_post, pattern=cb.EditPost.pattern()),
    CallbackQueryHandler(save_draft, pattern=cb.SaveDraft.pattern()),
    CallbackQueryHandler(discard_post, pattern=cb.DiscardPost.pattern()),
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
