"""Chats as Telegram keeps them: files, groups and their upgrade, blocked people, channels,
callback queries, two bots with their own private chats; events for a page to follow."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden

from shared.emulator import Emulator
from tests.shared.emulator.conftest import OTHER, TOKEN, USER, EmulatorServer, make_bot

ADMIN = 9001


async def test_uploaded_file_becomes_a_reusable_file_id(emu: Emulator, bot: Bot,
                                                        server: EmulatorServer) -> None:
    emu.send_text(TOKEN, USER, "/start")
    emu.send_text(TOKEN, ADMIN, "/start")
    sent = await bot.send_document(USER, b"report,1\n", filename="report.csv",
                                   caption="<b>Report</b>", parse_mode="HTML")
    file_id = sent.document.file_id
    assert sent.caption == "Report" and sent.document.file_name == "report.csv"
    again = await bot.send_document(ADMIN, file_id)
    assert again.document.file_id == file_id
    photo = await bot.send_photo(ADMIN, b"\x89PNG...")
    assert photo.photo[-1].file_id != file_id
    file = await bot.get_file(file_id)
    assert bytes(await file.download_as_bytearray()) == b"report,1\n"
    assert file.file_path.startswith(f"{server.url}/file/bot{TOKEN}/")
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(USER, "no-such-file-id")


async def test_a_persons_file_can_be_downloaded_and_sent_on(emu: Emulator, bot: Bot) -> None:
    msg = emu.send_file(TOKEN, USER, b"voice!", kind="voice", mime_type="audio/ogg")
    file_id = msg["voice"]["file_id"]
    assert bytes(await (await bot.get_file(file_id)).download_as_bytearray()) == b"voice!"
    copy = await bot.send_voice(USER, file_id, caption="yours")
    assert copy.voice.file_id == file_id


async def test_media_group(emu: Emulator, bot: Bot) -> None:
    from telegram import InputMediaPhoto
    emu.send_text(TOKEN, USER, "/start")
    msgs = await bot.send_media_group(USER, [InputMediaPhoto(b"one", caption="1"),
                                             InputMediaPhoto(b"two")])
    assert len(msgs) == 2 and msgs[0].media_group_id == msgs[1].media_group_id
    assert msgs[0].caption == "1" and emu.violations == []


async def test_group_upgraded_to_a_supergroup(emu: Emulator, bot: Bot) -> None:
    group = emu.create_group(-4001, "Admins", [TOKEN], {ADMIN: "creator"})
    first = await bot.send_message(group, "in the group")
    assert first.chat.type == "group" and first.chat.id == -4001
    new_id = emu.migrate_group(group)
    assert new_id == -1000000004001
    with pytest.raises(ChatMigrated) as info:
        await bot.send_message(group, "again")
    assert info.value.new_chat_id == new_id
    async with httpx.AsyncClient() as client:
        r = await client.post(f"{bot.base_url}/sendMessage", json={"chat_id": group, "text": "x"})
    assert r.json() == {"ok": False, "error_code": 400, "description":
                        "Bad Request: group chat was upgraded to a supergroup chat",
                        "parameters": {"migrate_to_chat_id": new_id}}
    updates = await bot.get_updates()
    assert updates[0].message.migrate_to_chat_id == new_id
    assert updates[1].message.migrate_from_chat_id == group
    assert updates[1].message.chat.type == "supergroup"
    assert (await bot.send_message(new_id, "in the supergroup")).message_id == 2


async def test_blocked_user(emu: Emulator, bot: Bot) -> None:
    emu.send_text(TOKEN, USER, "/start")
    emu.block(TOKEN, USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "hello?")
    updates = await bot.get_updates()
    assert updates[-1].my_chat_member.new_chat_member.status == "kicked"
    emu.send_text(TOKEN, USER, "/start")  # writing again unblocks
    assert (await bot.send_message(USER, "welcome back")).text == "welcome back"


async def test_channel_posts(emu: Emulator, bot: Bot) -> None:
    channel = emu.create_channel(-1002000000001, "Shop", [TOKEN], username="shopam")
    post = await bot.send_message("@shopam", "<b>Sale</b>", parse_mode="HTML")
    assert post.chat.type == "channel" and post.sender_chat.id == channel
    assert post.from_user is None
    emu.post_in_channel(channel, "from the editors")
    [update] = await bot.get_updates()
    assert update.channel_post.text == "from the editors"
    assert [m["message_id"] for m in emu.messages(TOKEN, channel)] == [1, 2]
    member = await bot.get_chat_member(channel, bot.id)
    assert member.status == "administrator" and member.can_post_messages


async def test_callback_query_answered_with_a_toast_then_an_alert(emu: Emulator,
                                                                 bot: Bot) -> None:
    emu.send_text(TOKEN, USER, "/start")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes"),
                                    InlineKeyboardButton("No", callback_data="no")]])
    msg = await bot.send_message(USER, "Sure?", reply_markup=markup)
    with pytest.raises(LookupError):
        emu.press(TOKEN, USER, msg.message_id, "maybe")
    first = emu.press(TOKEN, USER, msg.message_id, text="Yes")
    second = emu.press(TOKEN, USER, msg.message_id, "no")
    updates = await bot.get_updates()
    query = updates[-2].callback_query
    assert query.id == first and query.data == "yes" and query.chat_instance
    assert query.message.message_id == msg.message_id and query.from_user.id == USER
    assert await bot.answer_callback_query(first, text="Saved")
    assert emu.callback_answer(TOKEN, first) == {"text": "Saved", "show_alert": False,
                                                 "url": None}
    await bot.answer_callback_query(second, text="Are you sure?", show_alert=True)
    assert emu.callback_answer(TOKEN, second)["show_alert"] is True
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(first)


async def test_two_bots_each_their_own_private_chat(emu: Emulator, bot: Bot,
                                                    server: EmulatorServer) -> None:
    emu.send_text(TOKEN, USER, "/start")
    async with make_bot(server, OTHER) as other:
        with pytest.raises(Forbidden, match="initiate conversation"):
            await other.send_message(USER, "hi")
        emu.send_text(OTHER, USER, "/start")
        assert (await other.send_message(USER, "hi")).message_id == 2
        assert (await bot.send_message(USER, "hello")).message_id == 2
        assert [m.get("text") for m in emu.messages(OTHER, USER)] == ["/start", "hi"]
        assert (await other.get_me()).id == 654321
        assert [u.message.text for u in await other.get_updates()] == ["/start"]
    assert [u.message.text for u in await bot.get_updates()] == ["/start"]


async def test_events_for_a_page(emu: Emulator, bot: Bot) -> None:
    events: list[dict] = []

    async def follow() -> None:
        async for event in emu.subscribe():
            events.append(event)
            if event["type"] == "message" and event["bot"] == TOKEN:
                return

    task = asyncio.create_task(follow())
    await asyncio.sleep(0.05)
    emu.send_text(TOKEN, USER, "/start")
    await bot.send_message(USER, "Welcome")
    await asyncio.wait_for(task, 5)
    assert [e["type"] for e in events][:2] == ["message", "update"]
    assert events[-1]["message"]["text"] == "Welcome"


async def test_copy_forward_delete_and_what_a_bot_asks(emu: Emulator, bot: Bot) -> None:
    from telegram import BotCommand, MenuButtonCommands
    group = emu.create_group(-1001000000002, "Desk", [TOKEN], {ADMIN: "creator"},
                             supergroup=True)
    asked = emu.send_text(TOKEN, USER, "My question")
    copy = await bot.copy_message(group, USER, asked["message_id"])
    forwarded = await bot.forward_message(group, USER, asked["message_id"])
    assert [m.get("text") for m in emu.messages(TOKEN, group)] == ["My question"] * 2
    assert forwarded.forward_origin.sender_user.id == USER
    ids = await bot.copy_messages(group, USER, [asked["message_id"]])
    assert ids[0].message_id == copy.message_id + 2
    assert await bot.delete_message(group, copy.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(group, copy.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to copy not found"):
        await bot.copy_message(group, USER, 999)
    chat = await bot.get_chat(group)
    assert chat.type == "supergroup" and chat.title == "Desk"
    admins = await bot.get_chat_administrators(group)
    assert [a.status for a in admins] == ["creator", "administrator"]
    assert (await bot.get_chat_member(group, USER)).status == "left"
    assert await bot.set_my_commands([BotCommand("start", "Start")])
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert await bot.set_chat_menu_button(USER, MenuButtonCommands())
    assert await bot.send_chat_action(USER, "typing")
    assert emu.violations == []
