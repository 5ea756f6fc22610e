"""The bot's own settings and what it asks about: getMe, webhooks, commands, menu button,
getChat, getChatMember, getChatAdministrators, getFile."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from shared.emulator.errors import bad_request
from shared.emulator.world import BotState, ChatState, now

if TYPE_CHECKING:
    from shared.emulator.core import Emulator

_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
ADMIN_RIGHTS = {"can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
                "can_delete_messages": True, "can_manage_video_chats": True,
                "can_restrict_members": True, "can_promote_members": False,
                "can_change_info": True, "can_invite_users": True, "can_post_messages": True,
                "can_edit_messages": True, "can_post_stories": False, "can_edit_stories": False,
                "can_delete_stories": False}


def scope_key(scope: dict[str, Any] | None) -> str:
    """How commands are filed: the scope as sorted JSON (default scope when none)."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True)


def set_webhook(emu: Emulator, bot: BotState, params: dict[str, Any]) -> bool:
    """setWebhook: updates go to the URL from now on (with the secret in a header)."""
    secret = params.get("secret_token")
    if secret is not None and not _SECRET.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    bot.webhook_url = str(params["url"])
    bot.secret_token = secret
    bot.allowed_updates = params.get("allowed_updates")
    bot.max_connections = int(params.get("max_connections") or 40)
    if params.get("drop_pending_updates"):
        bot.pending_updates.clear()
    emu.wake(bot.token)
    return True


def delete_webhook(emu: Emulator, bot: BotState, params: dict[str, Any]) -> bool:
    """deleteWebhook: back to getUpdates."""
    bot.webhook_url = ""
    bot.secret_token = None
    if params.get("drop_pending_updates"):
        bot.pending_updates.clear()
    return True


def webhook_info(emu: Emulator, bot: BotState, params: dict[str, Any]) -> dict[str, Any]:
    """getWebhookInfo."""
    info: dict[str, Any] = {"url": bot.webhook_url, "has_custom_certificate": False,
                            "pending_update_count": len(bot.pending_updates)}
    if bot.webhook_url:
        info["max_connections"] = bot.max_connections
        if bot.allowed_updates is not None:
            info["allowed_updates"] = bot.allowed_updates
    if bot.last_error_message:
        info["last_error_date"] = bot.last_error_date or now()
        info["last_error_message"] = bot.last_error_message
    return info


def set_commands(emu: Emulator, bot: BotState, params: dict[str, Any]) -> bool:
    """setMyCommands: 1-32 characters of a-z, 0-9 and _ per command."""
    for command in params["commands"]:
        if not re.fullmatch(r"[a-z0-9_]{1,32}", command["command"]):
            raise bad_request("BOT_COMMAND_INVALID")
    bot.commands[scope_key(params.get("scope"))] = params["commands"]
    return True


def delete_commands(emu: Emulator, bot: BotState, params: dict[str, Any]) -> bool:
    """deleteMyCommands."""
    bot.commands.pop(scope_key(params.get("scope")), None)
    return True


def get_commands(emu: Emulator, bot: BotState, params: dict[str, Any]) -> list[dict]:
    """getMyCommands."""
    return bot.commands.get(scope_key(params.get("scope")), [])


def set_menu_button(emu: Emulator, bot: BotState, params: dict[str, Any]) -> bool:
    """setChatMenuButton (per chat, or the default)."""
    bot.menu_buttons[str(params.get("chat_id", "default"))] = \
        params.get("menu_button") or {"type": "default"}
    return True


def get_menu_button(emu: Emulator, bot: BotState, params: dict[str, Any]) -> dict[str, Any]:
    """getChatMenuButton."""
    return bot.menu_buttons.get(str(params.get("chat_id", "default")),
                                bot.menu_buttons.get("default", {"type": "commands"}))


def get_chat(emu: Emulator, bot: BotState, params: dict[str, Any]) -> dict[str, Any]:
    """getChat: a ChatFullInfo."""
    chat = emu.world.find_chat(bot.token, params["chat_id"])
    return {**chat.info, "accent_color_id": 0, "max_reaction_count": 11}


def _member(emu: Emulator, bot: BotState, chat: ChatState, user_id: int) -> dict[str, Any]:
    """The ChatMember of ``user_id`` in ``chat``."""
    if user_id == bot.id:
        if chat.type == "private":
            return {"status": "member", "user": dict(bot.user)}
        return {"status": "administrator", "user": dict(bot.user), **ADMIN_RIGHTS}
    user = emu.world.users.get(user_id) or {"id": user_id, "is_bot": False,
                                            "first_name": f"User {user_id}"}
    status = chat.statuses.get(user_id, "member" if emu.world.lenient else "left")
    if chat.type == "private" and user_id == chat.id:
        status = "kicked" if chat.blocked else "member"
    out: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        out["is_anonymous"] = False
    elif status == "administrator":
        out.update(ADMIN_RIGHTS)
    elif status == "kicked":
        out["until_date"] = 0
    return out


def get_chat_member(emu: Emulator, bot: BotState, params: dict[str, Any]) -> dict[str, Any]:
    """getChatMember (``emu.member_overrides`` by chat id as sent changes the bot's)."""
    chat = emu.world.find_chat(bot.token, params["chat_id"])
    user_id = int(params["user_id"])
    member = _member(emu, bot, chat, user_id)
    override = emu.member_overrides.get(params["chat_id"])
    if user_id == bot.id and override is not None:
        if override.get("status", "administrator") != "administrator":
            return {"user": dict(bot.user), **override}
        return {**member, **override}
    return member


def get_chat_administrators(emu: Emulator, bot: BotState,
                            params: dict[str, Any]) -> list[dict[str, Any]]:
    """getChatAdministrators: the creator, the admins, the bot."""
    chat = emu.world.find_chat(bot.token, params["chat_id"])
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    ids = [uid for uid, s in chat.statuses.items() if s in ("creator", "administrator")]
    return [_member(emu, bot, chat, uid) for uid in ids] + [_member(emu, bot, chat, bot.id)]


def get_chat_member_count(emu: Emulator, bot: BotState, params: dict[str, Any]) -> int:
    """getChatMemberCount."""
    chat = emu.world.find_chat(bot.token, params["chat_id"])
    return len(chat.members) + len(chat.statuses)


def get_file(emu: Emulator, bot: BotState, params: dict[str, Any]) -> dict[str, Any]:
    """getFile: the path to download the file from (``/file/bot<token>/<path>``)."""
    record = emu.world.find_file(str(params["file_id"]))
    if len(record.content) > 20 * 1024 * 1024:
        raise bad_request("file is too big")
    return {"file_id": record.file_id, "file_unique_id": record.file_unique_id,
            "file_size": len(record.content), "file_path": record.file_path}
