"""How a post looks in Telegram: one function used by the preview and by the publication, so that
the channel receives exactly what the editor saw (same media, caption, parse mode, buttons).

A post is one message (text, or media with the text as caption), or, when the editor chose to
send a long text separately, two: the media without caption, then the text with the buttons.
Texts are HTML (Telegram's parse mode); lengths are counted on what Telegram shows, tags
excluded. CTA buttons point at the server's tracking redirect (``/r/{code}``) when a public URL
is known, else at their target.
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import msgspec
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import TelegramError

from shared.config import Settings
from shared.telegram import is_message_not_modified

PARSE_MODE = ParseMode.HTML
CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096
MAX_BUTTONS = 3
MEDIA_TYPES = ("photo", "video", "animation")

_TAG = re.compile(r"<[^>]*>")


def visible_length(text: str) -> int:
    """The length Telegram counts for an HTML text: tags removed, entities decoded, UTF-16."""
    plain = html.unescape(_TAG.sub("", text or ""))
    return len(plain.encode("utf-16-le")) // 2


def fits(post: dict[str, Any]) -> bool:
    """Whether the post's text fits where it goes (a caption, or a message)."""
    text = post.get("text") or ""
    if post.get("media_type") in MEDIA_TYPES and not post.get("separate_text"):
        return visible_length(text) <= CAPTION_LIMIT
    return 0 < visible_length(text) <= TEXT_LIMIT


def link_url(settings: Settings, link: dict[str, Any]) -> str:
    """Where a CTA button points: the tracking redirect when the server is reachable."""
    if settings.public_url:
        return f"{settings.public_url.rstrip('/')}/r/{link['code']}"
    return str(link["url"])


def keyboard(settings: Settings, links: Sequence[dict[str, Any]]) -> InlineKeyboardMarkup | None:
    """The CTA buttons, one per row, in their order."""
    rows = [[InlineKeyboardButton(str(link["label"]), url=link_url(settings, link))]
            for link in sorted(links, key=lambda x: x["position"])[:MAX_BUTTONS]]
    return InlineKeyboardMarkup(rows) if rows else None


class Part(msgspec.Struct, frozen=True):
    """One message of a post: ``kind`` is "media" or "text"."""

    kind: str
    column: str  # where its channel message id is kept


def parts(post: dict[str, Any]) -> list[Part]:
    if post.get("media_type") in MEDIA_TYPES:
        if post.get("separate_text"):
            return [Part("media", "channel_message_id"), Part("text", "text_message_id")]
        return [Part("media", "channel_message_id")]
    return [Part("text", "channel_message_id")]


async def _send_part(bot: Bot, chat_id: int | str, post: dict[str, Any], part: Part,
                     markup: InlineKeyboardMarkup | None) -> Message:
    text = post.get("text") or ""
    if part.kind == "text":
        return await bot.send_message(chat_id, text, parse_mode=PARSE_MODE, reply_markup=markup,
                                      disable_web_page_preview=True)
    caption = None if post.get("separate_text") else text
    media_markup = None if post.get("separate_text") else markup
    send = {"photo": bot.send_photo, "video": bot.send_video,
            "animation": bot.send_animation}[post["media_type"]]
    return await send(chat_id, post["file_id"], caption=caption,
                      parse_mode=PARSE_MODE if caption else None, reply_markup=media_markup)


async def send_post(bot: Bot, chat_id: int | str, post: dict[str, Any],
                    links: Sequence[dict[str, Any]], settings: Settings, *,
                    resume: bool = False,
                    on_sent: Callable[[Part, Message], Awaitable[None]] | None = None,
                    ) -> list[Message]:
    """Send the post to ``chat_id`` (the preview to an editor, or the channel).

    With ``resume``, parts whose message id the post already has are skipped (a retried
    publication never sends a part twice); ``on_sent`` is awaited after each part, so the caller
    can record its id before the next one goes.
    """
    markup = keyboard(settings, links)
    sent: list[Message] = []
    for part in parts(post):
        if resume and post.get(part.column):
            continue
        message = await _send_part(bot, chat_id, post, part, markup)
        sent.append(message)
        if on_sent is not None:
            await on_sent(part, message)
    return sent


async def edit_published(bot: Bot, chat_id: int | str, post: dict[str, Any],
                         links: Sequence[dict[str, Any]], settings: Settings) -> None:
    """Change a published post in the channel: its text or caption and its buttons.
    "Message is not modified" counts as done."""
    markup = keyboard(settings, links)
    text = post.get("text") or ""
    try:
        if post.get("media_type") in MEDIA_TYPES and not post.get("separate_text"):
            await bot.edit_message_caption(chat_id, post["channel_message_id"], caption=text,
                                           parse_mode=PARSE_MODE, reply_markup=markup)
        else:
            message_id = post["text_message_id"] if post.get("separate_text") \
                else post["channel_message_id"]
            await bot.edit_message_text(text, chat_id, message_id, parse_mode=PARSE_MODE,
                                        reply_markup=markup, disable_web_page_preview=True)
    except TelegramError as exc:
        if not is_message_not_modified(exc):
            raise


def message_ids(post: dict[str, Any]) -> list[int]:
    """The channel messages of a published post."""
    return [int(post[c]) for c in ("channel_message_id", "text_message_id") if post.get(c)]


def channel_link(channel: int | str, message_id: int) -> str:
    """A t.me link to a message of the channel (public @name or private -100... id)."""
    if isinstance(channel, str) and channel.startswith("@"):
        return f"https://t.me/{channel[1:]}/{message_id}"
    raw = str(channel)
    internal = raw[4:] if raw.startswith("-100") else raw.lstrip("-")
    return f"https://t.me/c/{internal}/{message_id}"
