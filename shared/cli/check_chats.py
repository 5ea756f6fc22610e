"""Checks that the bot is where a setting says it must be (a group, a channel, the alert chat):
used by the platform's check of ALERT_CHAT_ID and by the bots' own checks."""

from __future__ import annotations

from telegram import Bot, ChatMember, ChatMemberRestricted
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from shared.cli.check_report import CheckReport, first_line
from shared.telegram import is_chat_not_found

GROUP_ID_HINT = "group ids are negative; supergroups start with -100"


async def chat_member(report: CheckReport, bot: Bot, label: str, variable: str,
                      chat_id: int | str, what: str) -> ChatMember | None:
    """getChatMember for the bot itself; report the errors that mean "fix the setting"."""
    try:
        return await bot.get_chat_member(chat_id, bot.id)
    except ChatMigrated as exc:
        report.line("FAIL", label,
                    f"{chat_id} was upgraded to a supergroup: set {variable}={exc.new_chat_id}")
    except BadRequest as exc:
        hint = (f"check the id ({GROUP_ID_HINT})" if what == "group"
                else "check the id (channel ids start with -100, or use @channelname)")
        if is_chat_not_found(exc):
            report.line("FAIL", label,
                        f"chat {chat_id} not found: add the bot to the {what}, and {hint}")
        else:
            report.line("FAIL", label, f"{chat_id}: {first_line(exc)}: {hint}")
    except Forbidden as exc:
        report.line("FAIL", label, f"{chat_id}: {first_line(exc)}: add the bot to the {what}")
    except TelegramError as exc:
        report.line("FAIL", label, f"could not ask Telegram about {chat_id}: {first_line(exc)}")
    return None


async def check_group(report: CheckReport, bot: Bot, label: str, variable: str,
                      chat_id: int) -> None:
    """The bot must be a member (or an administrator) of the group that ``variable`` names."""
    if chat_id > 0:
        report.line("FAIL", label,
                    f"{chat_id} is a person's id, not a group's ({GROUP_ID_HINT}); forward a "
                    "message from the group to @userinfobot to read its id")
        return
    member = await chat_member(report, bot, label, variable, chat_id, "group")
    if member is not None:
        report_membership(report, label, chat_id, member)


def report_membership(report: CheckReport, label: str, chat_id: int, member: ChatMember) -> None:
    """OK when the bot can write in the chat; FAIL saying what to do otherwise."""
    status = member.status
    if status in (ChatMember.OWNER, ChatMember.ADMINISTRATOR):
        report.line("OK", label, f"the bot is an administrator of {chat_id}")
    elif status == ChatMember.MEMBER:
        report.line("OK", label, f"the bot is a member of {chat_id}")
    elif isinstance(member, ChatMemberRestricted):
        if member.is_member and member.can_send_messages:
            report.line("OK", label, f"the bot is a (restricted) member of {chat_id}")
        elif member.is_member:
            report.line("FAIL", label, f"the bot is restricted in {chat_id} and cannot send "
                                       "messages: lift the restriction")
        else:
            report.line("FAIL", label, f"the bot is not in {chat_id}: add the bot to the group")
    elif status == ChatMember.BANNED:
        report.line("FAIL", label,
                    f"the bot was removed from {chat_id}: unban it and add the bot to the group")
    else:
        report.line("FAIL", label,
                    f"the bot is not in {chat_id} (status {status}): add the bot to the group")


async def check_alert_chat(report: CheckReport, bot: Bot, label: str, chat_id: int) -> None:
    """ALERT_CHAT_ID: a group the bot is in, or a person who has started the bot."""
    if chat_id < 0:
        await check_group(report, bot, label, "ALERT_CHAT_ID", chat_id)
        return
    try:
        chat = await bot.get_chat(chat_id)
    except BadRequest as exc:
        if is_chat_not_found(exc):
            report.line("FAIL", label,
                        f"chat {chat_id} not found: that person must open @{bot.username} and "
                        f"press Start (or use a group id: {GROUP_ID_HINT})")
        else:
            report.line("FAIL", label, f"{chat_id}: {first_line(exc)}")
        return
    except TelegramError as exc:
        report.line("FAIL", label, f"could not ask Telegram about {chat_id}: {first_line(exc)}")
        return
    report.line("OK", label, f"private chat {chat_id} reachable ({chat.type})")
