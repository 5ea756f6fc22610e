"""The methods that change what is already there: editMessageText, editMessageCaption,
editMessageReplyMarkup, deleteMessage(s), answerCallbackQuery."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.emulator.errors import bad_request
from shared.emulator.markup import caption_text, message_text
from shared.emulator.sending import MEDIA_FIELDS, check_markup
from shared.emulator.world import BotState, ChatState, now

if TYPE_CHECKING:
    from shared.emulator.core import Emulator

NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message")
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


def _editable(emu: Emulator, bot: BotState,
              params: dict[str, Any]) -> tuple[ChatState, dict[str, Any]]:
    """The chat and the bot's own message an edit names."""
    if params.get("inline_message_id") is not None:
        raise bad_request("message to edit not found")  # no inline mode in the emulator
    if params.get("chat_id") is None:
        raise bad_request("chat_id is empty")
    if params.get("message_id") is None:
        raise bad_request("message identifier is not specified")
    chat = emu.world.find_chat(bot.token, params["chat_id"])
    msg = emu.world.find_message(chat, int(params["message_id"]))
    own = msg.get("from", {}).get("id") == bot.id or (
        chat.type == "channel" and "sender_chat" in msg)
    if not own and not emu.world.lenient:
        raise bad_request("message can't be edited")
    return chat, msg


def _apply(emu: Emulator, bot: BotState, chat: ChatState, msg: dict[str, Any],
           changes: dict[str, Any], markup: Any) -> dict[str, Any]:
    """Apply ``changes`` and the new markup; refuse an edit that changes nothing."""
    check_markup(markup)
    new_markup = markup if isinstance(markup, dict) and markup.get("inline_keyboard") else None
    same = all(msg.get(k) == v or (not msg.get(k) and not v) for k, v in changes.items())
    if same and msg.get("reply_markup") == new_markup:
        raise bad_request(NOT_MODIFIED)
    for key, value in changes.items():
        if value in (None, []):
            msg.pop(key, None)
        else:
            msg[key] = value
    if new_markup is None:
        msg.pop("reply_markup", None)
    else:
        msg["reply_markup"] = new_markup
    msg["edit_date"] = now()
    emu.emit("edited", bot=bot.token, chat_id=chat.id, message=msg)
    return msg


def edit_text(emu: Emulator, bot: BotState, params: dict[str, Any]) -> dict[str, Any]:
    """editMessageText."""
    chat, msg = _editable(emu, bot, params)
    if any(k in msg for k in MEDIA_FIELDS):
        raise bad_request("there is no text in the message to edit")
    text, entities = message_text(params["text"], params.get("parse_mode"))
    return _apply(emu, bot, chat, msg, {"text": text, "entities": entities or
                                        params.get("entities")}, params.get("reply_markup"))


def edit_caption(emu: Emulator, bot: BotState, params: dict[str, Any]) -> dict[str, Any]:
    """editMessageCaption."""
    chat, msg = _editable(emu, bot, params)
    if "text" in msg:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = caption_text(params.get("caption"), params.get("parse_mode"))
    return _apply(emu, bot, chat, msg, {"caption": caption, "caption_entities": entities},
                  params.get("reply_markup"))


def edit_markup(emu: Emulator, bot: BotState, params: dict[str, Any]) -> dict[str, Any]:
    """editMessageReplyMarkup."""
    chat, msg = _editable(emu, bot, params)
    return _apply(emu, bot, chat, msg, {}, params.get("reply_markup"))


def delete_message(emu: Emulator, bot: BotState, params: dict[str, Any],
                   message_id: int | None = None) -> bool:
    """deleteMessage (a bot deletes its own messages, and others' where it is admin)."""
    chat = emu.world.find_chat(bot.token, params["chat_id"])
    mid = int(message_id if message_id is not None else params["message_id"])
    if mid not in chat.messages and not emu.world.lenient:
        raise bad_request("message to delete not found")
    chat.messages.pop(mid, None)
    emu.emit("deleted", bot=bot.token, chat_id=chat.id, message_id=mid)
    return True


def delete_messages(emu: Emulator, bot: BotState, params: dict[str, Any]) -> bool:
    """deleteMessages: the ones that exist are deleted."""
    chat = emu.world.find_chat(bot.token, params["chat_id"])
    for mid in params["message_ids"]:
        if int(mid) in chat.messages:
            delete_message(emu, bot, params, int(mid))
    return True


def answer_callback_query(emu: Emulator, bot: BotState, params: dict[str, Any]) -> bool:
    """answerCallbackQuery: once per query; a toast, an alert or nothing."""
    qid = str(params["callback_query_id"])
    query = bot.callback_queries.get(qid)
    if query is None and not emu.world.lenient:
        raise bad_request(QUERY_TOO_OLD)
    if query is not None and query.get("answer") is not None:
        raise bad_request(QUERY_TOO_OLD)
    text = params.get("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    answer = {"text": text, "show_alert": bool(params.get("show_alert")),
              "url": params.get("url")}
    if query is not None:
        query["answer"] = answer
    emu.emit("callback_answer", bot=bot.token, callback_query_id=qid,
             kind="alert" if answer["show_alert"] else ("toast" if text else "silent"),
             **answer)
    return True
