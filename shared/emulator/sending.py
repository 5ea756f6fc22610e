"""The methods that put a message in a chat: sendMessage, the media sends, sendMediaGroup,
copyMessage(s), forwardMessage(s), sendChatAction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.emulator.errors import bad_request, forbidden
from shared.emulator.markup import caption_text, message_text
from shared.emulator.spec import Upload
from shared.emulator.world import BotState, ChatState, FileRecord, now

if TYPE_CHECKING:
    from shared.emulator.core import Emulator

# the parameter naming the file of each media method, and the message field it fills
MEDIA = {"sendPhoto": "photo", "sendVideo": "video", "sendAnimation": "animation",
         "sendDocument": "document", "sendAudio": "audio", "sendVoice": "voice",
         "sendVideoNote": "video_note", "sendSticker": "sticker"}
MEDIA_FIELDS = tuple(MEDIA.values())
_CONTENT = ("text", "entities", "caption", "caption_entities", *MEDIA_FIELDS, "contact",
            "location", "link_preview_options")


def target(emu: Emulator, bot: BotState, params: dict[str, Any]) -> ChatState:
    """The chat a sending call names; 403 when the person blocked the bot."""
    chat = emu.world.find_chat(bot.token, params["chat_id"])
    if chat.blocked:
        raise forbidden("bot was blocked by the user")
    return chat


def check_markup(markup: dict[str, Any] | None) -> None:
    """Refuse callback data Telegram refuses (1-64 bytes)."""
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")


def post(emu: Emulator, bot: BotState, chat: ChatState, params: dict[str, Any],
         content: dict[str, Any]) -> dict[str, Any]:
    """Store and announce a new message of the bot in ``chat`` with ``content``."""
    markup = params.get("reply_markup")
    check_markup(markup)
    msg: dict[str, Any] = {"message_id": chat.new_message_id(), "date": now(),
                           "chat": dict(chat.info)}
    if chat.type == "channel":
        msg["sender_chat"] = dict(chat.info)
    else:
        msg["from"] = dict(bot.user)
    reply = reply_to(emu, chat, params.get("reply_parameters"))
    if reply is not None:
        msg["reply_to_message"] = {k: v for k, v in reply.items() if k != "reply_to_message"}
    msg.update({k: v for k, v in content.items() if v not in (None, [])})
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        msg["reply_markup"] = markup
    chat.store(msg)
    emu.remember_keyboard(bot, chat, markup)
    emu.emit("message", bot=bot.token, chat_id=chat.id, message=msg)
    return msg


def reply_to(emu: Emulator, chat: ChatState,
             reply: dict[str, Any] | None) -> dict[str, Any] | None:
    """The message a reply answers; Telegram refuses a missing one unless told not to."""
    if not reply:
        return None
    source = chat
    if reply.get("chat_id") is not None and reply["chat_id"] != chat.id:
        source = emu.world.find_chat(next(iter(chat.members), ""), reply["chat_id"])
    msg = source.messages.get(int(reply["message_id"]))
    if msg is None and not reply.get("allow_sending_without_reply") and not emu.world.lenient:
        raise bad_request("message to be replied not found")
    return msg


def send_message(emu: Emulator, bot: BotState, params: dict[str, Any]) -> dict[str, Any]:
    """sendMessage."""
    chat = target(emu, bot, params)
    text, entities = message_text(params["text"], params.get("parse_mode"))
    return post(emu, bot, chat, params, {"text": text, "entities": entities or
                                         params.get("entities"),
                                         "link_preview_options":
                                         params.get("link_preview_options")})


def media_object(emu: Emulator, kind: str, value: Any) -> dict[str, Any] | list[dict[str, Any]]:
    """The message field of a file sent as an upload, a file_id or a URL."""
    record = stored_file(emu, kind, value)
    base: dict[str, Any] = {"file_id": record.file_id, "file_unique_id": record.file_unique_id,
                            "file_size": len(record.content)}
    if kind == "photo":
        return [{**base, "width": 800, "height": 600}]
    if kind in ("video", "animation"):
        base.update(width=640, height=360, duration=5)
    elif kind in ("audio", "voice"):
        base["duration"] = 5
    elif kind == "video_note":
        base.update(length=240, duration=5)
    elif kind == "sticker":
        base.update(type="regular", width=512, height=512, is_animated=False, is_video=False)
    if kind in ("document", "animation", "audio", "video") and record.file_name:
        base["file_name"] = record.file_name
    if record.mime_type and kind != "sticker":
        base["mime_type"] = record.mime_type
    return base


def stored_file(emu: Emulator, kind: str, value: Any) -> FileRecord:
    """A file record for an upload (new file_id), a known file_id, or a URL."""
    if isinstance(value, Upload):
        return emu.world.add_file(value.content, kind, value.filename, value.content_type)
    text = str(value)
    if text.startswith(("http://", "https://")):
        return emu.world.add_file(b"", kind, text.rsplit("/", 1)[-1] or None)
    return emu.world.find_file(text)


def send_media(emu: Emulator, bot: BotState, params: dict[str, Any],
               method: str) -> dict[str, Any]:
    """sendPhoto, sendVideo, sendAnimation, sendDocument, sendAudio, sendVoice, ..."""
    chat = target(emu, bot, params)
    kind = MEDIA[method]
    caption, entities = caption_text(params.get("caption"), params.get("parse_mode"))
    return post(emu, bot, chat, params, {kind: media_object(emu, kind, params[kind]),
                                         "caption": caption, "caption_entities": entities})


def send_media_group(emu: Emulator, bot: BotState, params: dict[str, Any]) -> list[dict]:
    """sendMediaGroup: 2-10 items, one message each, one media_group_id."""
    chat = target(emu, bot, params)
    items = params["media"]
    if not 2 <= len(items) <= 10:
        raise bad_request("wrong number of media in the group")  # Telegram: 2-10 items
    group_id = f"{chat.id}{chat.next_id}"
    out = []
    for item in items:
        kind = str(item.get("type"))
        caption, entities = caption_text(item.get("caption"), item.get("parse_mode"))
        out.append(post(emu, bot, chat, {"reply_parameters": params.get("reply_parameters")}, {
            kind: media_object(emu, kind, item["media"]), "caption": caption,
            "caption_entities": entities, "media_group_id": group_id}))
    return out


def _source(emu: Emulator, bot: BotState, params: dict[str, Any],
            message_id: int) -> dict[str, Any]:
    """The message a copy or forward names (refused when it is not there)."""
    chat = emu.world.find_chat(bot.token, params["from_chat_id"])
    return emu.world.find_message(chat, message_id, missing="message to copy not found")


def copy_message(emu: Emulator, bot: BotState, params: dict[str, Any],
                 message_id: int | None = None) -> dict[str, Any]:
    """copyMessage: the content without a link to the original; answers the new id."""
    src = _source(emu, bot, params, message_id or params["message_id"])
    chat = target(emu, bot, params)
    content = {k: src[k] for k in _CONTENT if k in src}
    if "caption" in params:
        content["caption"], content["caption_entities"] = caption_text(
            params["caption"], params.get("parse_mode"))
    if not any(k in content for k in ("text", "caption", *MEDIA_FIELDS, "contact",
                                      "location")) and not emu.world.lenient:
        raise bad_request("message can't be copied")
    msg = post(emu, bot, chat, params, content)
    return {"message_id": msg["message_id"]}


def forward_message(emu: Emulator, bot: BotState, params: dict[str, Any],
                    message_id: int | None = None) -> dict[str, Any]:
    """forwardMessage: the content with its origin."""
    src = _source(emu, bot, params, message_id or params["message_id"])
    chat = target(emu, bot, params)
    content = {k: src[k] for k in _CONTENT if k in src}
    origin: dict[str, Any] = {"type": "user", "date": src.get("date", now()),
                              "sender_user": src.get("from") or dict(bot.user)}
    if src["chat"].get("type") == "channel":
        origin = {"type": "channel", "date": src.get("date", now()), "chat": src["chat"],
                  "message_id": src["message_id"]}
    content["forward_origin"] = origin
    return post(emu, bot, chat, params, content)


def copy_messages(emu: Emulator, bot: BotState, params: dict[str, Any],
                  forward: bool = False) -> list[dict[str, Any]]:
    """copyMessages / forwardMessages: each of ``message_ids`` in order; their new ids."""
    ids = sorted(int(i) for i in params["message_ids"])
    if not 1 <= len(ids) <= 100:
        raise bad_request("message identifiers are not specified")
    one = forward_message if forward else copy_message
    return [{"message_id": one(emu, bot, params, mid)["message_id"]} for mid in ids]


def send_chat_action(emu: Emulator, bot: BotState, params: dict[str, Any]) -> bool:
    """sendChatAction: shown to the person, stored nowhere."""
    chat = target(emu, bot, params)
    emu.emit("chat_action", bot=bot.token, chat_id=chat.id, action=params["action"])
    return True
