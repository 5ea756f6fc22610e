"""Telegram's refusals, with its exact descriptions, through PTB's real Bot over HTTP."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from shared.emulator import Emulator
from tests.shared.emulator.conftest import TOKEN, USER


@pytest.fixture
async def chat(emu: Emulator, bot: Bot) -> int:
    """The person's private chat with the bot (they wrote /start)."""
    emu.send_text(TOKEN, USER, "/start")
    return USER


async def refusal(coro) -> str:  # type: ignore[no-untyped-def]
    """The description Telegram answered, as PTB shows it (no "Bad Request: ", capitalized:
    compared in lower case)."""
    with pytest.raises(BadRequest) as info:
        await coro
    return info.value.message.lower()


async def test_not_modified(bot: Bot, chat: int) -> None:
    msg = await bot.send_message(chat, "Hello")
    assert (await refusal(bot.edit_message_text("Hello", chat, msg.message_id))).startswith(
        "message is not modified: specified new message content and reply markup are exactly "
        "the same")
    edited = await bot.edit_message_text("Hello again", chat, msg.message_id)
    assert edited.text == "Hello again" and edited.edit_date is not None


async def test_message_to_edit_not_found(bot: Bot, chat: int) -> None:
    assert await refusal(bot.edit_message_text("x", chat, 999)) == "message to edit not found"


async def test_chat_not_found(bot: Bot) -> None:
    assert await refusal(bot.send_message(-1001999999999, "x")) == "chat not found"
    assert await refusal(bot.send_message("@nobody", "x")) == "chat not found"


@pytest.mark.parametrize(("text", "problem"), [
    ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
    ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
    ("a < b", 'Unsupported start tag "" at byte offset 2'),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
])
async def test_cant_parse_entities(bot: Bot, chat: int, text: str, problem: str) -> None:
    assert await refusal(bot.send_message(chat, text, parse_mode="HTML")) == \
        f"can't parse entities: {problem}".lower()


async def test_html_as_telegram_shows_it(bot: Bot, chat: int) -> None:
    msg = await bot.send_message(
        chat, '<b>Sale</b> &lt;50%&gt; &amp; <a href="https://x.am">more</a> '
              '<span class="tg-spoiler">s</span> <tg-spoiler>t</tg-spoiler> <code>c</code> '
              "<pre>p</pre> <blockquote>q</blockquote> <u>u</u> <s>s</s> <i>i</i> &quot;",
        parse_mode="HTML")
    assert msg.text == 'Sale <50%> & more s t c p q u s i "'
    assert [e.type for e in msg.entities][:2] == ["bold", "text_link"]
    assert msg.entities[1].url == "https://x.am"


async def test_text_too_long_after_entity_parsing(bot: Bot, chat: int) -> None:
    assert await refusal(bot.send_message(chat, "a" * 4097)) == "message is too long"
    assert (await bot.send_message(chat, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")).text


async def test_caption_too_long(bot: Bot, chat: int) -> None:
    assert await refusal(bot.send_photo(chat, b"\x89PNG", caption="c" * 1025)) == \
        "message caption is too long"


async def test_empty_text(bot: Bot, chat: int) -> None:
    assert await refusal(bot.send_message(chat, "<b> </b>", parse_mode="HTML")) == \
        "message text is empty"


async def test_callback_data_over_64_bytes(bot: Bot, chat: int) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    assert await refusal(bot.send_message(chat, "x", reply_markup=markup)) == \
        "button_data_invalid"
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 64)]])
    assert (await bot.send_message(chat, "x", reply_markup=ok)).reply_markup == ok


async def test_reply_to_a_missing_message(bot: Bot, chat: int) -> None:
    assert await refusal(bot.send_message(chat, "x", reply_to_message_id=777)) == \
        "message to be replied not found"
    first = await bot.send_message(chat, "first")
    reply = await bot.send_message(chat, "second", reply_to_message_id=first.message_id)
    assert reply.reply_to_message.message_id == first.message_id
