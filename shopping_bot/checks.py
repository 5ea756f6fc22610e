"""The shopping bot's checks for ``python -m shared check``: the channel it publishes to, and
the editors allowed to use it."""

from __future__ import annotations

from telegram import Bot, ChatMember

from shared.cli.check_chats import chat_member
from shared.cli.check_report import BotChecks, CheckReport
from shared.config import Settings

_CHANNEL_RIGHTS = (
    ("can_post_messages", "post messages"),
    ("can_edit_messages", "edit messages of others"),
    ("can_delete_messages", "delete messages of others"),
)


async def check_channel(settings: Settings, report: CheckReport, bot: Bot) -> None:
    """The shopping bot must be an administrator of the channel, able to post and edit."""
    label = "shopping SHOPPING_CHANNEL_ID"
    channel = settings.shopping_channel_id
    if channel is None or channel == "":
        report.line("WARN", label, "SHOPPING_CHANNEL_ID not set: the shopping bot cannot publish")
        return
    member = await chat_member(report, bot, label, "SHOPPING_CHANNEL_ID", channel, "channel")
    if member is None:
        return
    if member.status == ChatMember.OWNER:
        report.line("OK", label, f"the bot owns {channel}")
        return
    if member.status != ChatMember.ADMINISTRATOR:
        report.line("FAIL", label,
                    f"the bot is not an administrator of {channel} (status {member.status}): add "
                    "it as an administrator that can post, edit and delete messages")
        return
    # post/edit are None outside channels (a supergroup), where administrators may always post
    missing = [f"{words} ({attr})" for attr, words in _CHANNEL_RIGHTS
               if getattr(member, attr, None) is False]
    if missing:
        report.line("FAIL", label,
                    f"the bot is an administrator of {channel} but may not "
                    f"{', '.join(missing)}: turn the right on in the channel's administrator "
                    "settings")
    else:
        report.line("OK", label, f"the bot is an administrator of {channel} and may post, "
                                 "edit and delete messages")


def channel_variables(settings: Settings) -> list[str]:
    """The setting naming the chat the bot must be in."""
    return ["SHOPPING_CHANNEL_ID"]


async def check_editors(settings: Settings, report: CheckReport) -> None:
    """AUTHORIZED_USERS: warn when the bot is on but nobody may use it."""
    if settings.bot_token("shopping"):
        if settings.authorized_users:
            report.line("OK", "AUTHORIZED_USERS",
                        f"{len(set(settings.authorized_users))} editor(s)")
        else:
            report.line("WARN", "AUTHORIZED_USERS",
                        "empty: the shopping bot refuses everyone; add the editors' user ids")


CHECKS = BotChecks(telegram=(check_channel,), chats=channel_variables,
                   services={"people": check_editors})
