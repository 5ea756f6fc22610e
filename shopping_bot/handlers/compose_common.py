"""What every part of the compose flow shares: the step names, the limits, the pure helpers (CTA
lines, URLs, titles, whether a post can be edited) and the small storage and message helpers.

The flow itself is described in ``shopping_bot.handlers.compose``; this module imports none of
its other modules.
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from telegram import InlineKeyboardMarkup, Message, Update

from shared.access import Refused
from shared.flows import BotContext
from shopping_bot import compose_keyboards as ck
from shopping_bot import render, texts
from shopping_bot.handlers.post_buttons import Row, status_of
from shopping_bot.storage.status import PostStatus

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
EDITABLE_STATUSES = (PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.FAILED, PostStatus.MISSED,
                     PostStatus.PUBLISHED)
LANGUAGES = ("hy", "ru", "en")
AI_ACTIONS = ("regen", "review", *LANGUAGES)



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
        return texts.COMPOSE_NOT_EDITABLE.format(status=status_of(post))
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


def post_at(*steps: str, field: str | None) -> Callable[[Update, BotContext, Any],
                                                        Awaitable[Row]]:
    """A loader for ``on_button``: the post of a button pressed on one of ``steps`` (none: at
    any time) whose ``field`` (None: any) may be edited now; refused otherwise (a post that
    cannot be edited also ends the flow on it)."""

    async def load(update: Update, context: BotContext, data: Any) -> Row:
        flow = context.flow
        if steps and (flow.step not in steps or flow.data.get("post_id") != data.post_id):
            raise Refused(texts.STALE_BUTTON)
        post = await _repo(context).get_post(data.post_id)
        refusal = _refusal(post, field)
        if refusal is not None:
            if flow.data.get("post_id") == data.post_id:
                flow.clear()
            raise Refused(refusal)
        return post

    return load


async def _log_ai(context: BotContext, update: Update, post_id: int, action: str,
                  outcome: str, **extra: Any) -> None:
    await _repo(context).log(post_id, f"ai_{action}", update.effective_user.id, outcome=outcome,
                             **extra)


def _suggested(context: BotContext) -> list[dict[str, str]]:
    return [b for b in context.flow.data.get("suggested") or [] if valid_button(b)][
        :render.MAX_BUTTONS]
