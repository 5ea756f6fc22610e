"""The text rounds of the compose flow: the AI writes the post (or cannot), then the editor
accepts, regenerates, improves with an instruction, sends their own text, takes the format's
template, translates or asks for a review.
"""

from __future__ import annotations

import html

from telegram import Update

from shared.access import Refused
from shared.callbacks import on_button
from shared.flows import BotContext
from shopping_bot import callbacks as cb
from shopping_bot import compose_keyboards as ck
from shopping_bot import render, texts
from shopping_bot.ai.writer import AIUnavailable, Draft, template_draft, writer_for
from shopping_bot.handlers.compose_common import (
    AI_ACTIONS,
    STEP_INSTRUCTION,
    STEP_TEXT,
    Row,
    _current,
    _log_ai,
    _repo,
    _send,
    post_at,
)
from shopping_bot.handlers.compose_flow import _advance, _show_text


# --- the text rounds --------------------------------------------------------------------------
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


async def ask_own_text(update: Update, context: BotContext) -> None:
    """The editor will write the text themselves: ask for it."""
    await update.callback_query.answer()
    context.flow.goto(STEP_TEXT)
    await _send(update, context, texts.COMPOSE_SEND_OWN)


@on_button(cb.ComposeText, post_at(STEP_TEXT, STEP_INSTRUCTION, field="text"))
async def text_action(update: Update, context: BotContext, data: cb.ComposeText,
                      post: Row) -> None:
    """A choice of the text round: accept, regenerate, improve, own text, template, translate,
    review."""
    query = update.callback_query
    action, text = data.action, post.get("text") or ""
    if action in ("ok", "improve", "review", "ru", "en", "hy") and not text.strip():
        raise Refused(texts.COMPOSE_NO_TEXT)
    if action == "ok":
        await query.answer()
        await _advance(update, context, post["id"], "text")
    elif action == "own":
        await ask_own_text(update, context)
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
        raise Refused(texts.STALE_BUTTON)


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
