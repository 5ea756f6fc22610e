"""The bots' checks of ``python -m shared check``: each configured bot answers getMe, its webhook
points at this deployment, the alert chat is reachable, then the checks the bot package brings
(the chats it must be in)."""

from __future__ import annotations

from telegram import Bot
from telegram.error import TelegramError

from shared.bot_package import bot_module, bot_names
from shared.cli.check_chats import check_alert_chat
from shared.cli.check_report import BotChecks, CheckReport, first_line
from shared.cli.common import telegram_bot, telegram_failure
from shared.config import Settings
from shared.telegram_setup import webhook_url


def alert_bot(settings: Settings) -> str | None:
    """The bot that sends the alerts (the first configured one, as ``shared.alerts`` picks)."""
    return next((name for name in bot_names() if settings.bot_token(name)), None)


async def check_bot(settings: Settings, report: CheckReport, name: str, checks: BotChecks) -> None:
    """getMe, getWebhookInfo, then the chats this bot must be in (``checks.telegram``) and the
    alert chat when this bot sends the alerts."""
    module = bot_module(name)
    label = f"{name} bot"
    token = settings.bot_token(name)
    if token is None:
        report.line("SKIP", label, f"{module.TOKEN_VARIABLE} not set (the {module.TITLE} is off)")
        return
    alerts = name == alert_bot(settings) and settings.alert_chat_id is not None
    try:
        async with telegram_bot(settings, token) as bot:
            report.line("OK", label, f"@{bot.username} answers")
            await check_webhook(settings, report, bot, name)
            for check in checks.telegram:
                await check(settings, report, bot)
            if alerts and settings.alert_chat_id is not None:
                await check_alert_chat(report, bot, f"{name} ALERT_CHAT_ID",
                                       settings.alert_chat_id)
    except TelegramError as exc:
        report.line("FAIL", label, telegram_failure(exc, settings, module.TOKEN_VARIABLE))
        chats = checks.chats(settings) + (["ALERT_CHAT_ID"] if alerts else [])
        if chats:
            report.line("SKIP", f"{name} chats", f"{', '.join(chats)} not checked: the bot "
                                                 "did not answer")


async def check_webhook(settings: Settings, report: CheckReport, bot: Bot, name: str) -> None:
    """Does the webhook point at this deployment, and did Telegram's last delivery fail?"""
    label = f"{name} webhook"
    try:
        info = await bot.get_webhook_info()
    except TelegramError as exc:
        report.line("FAIL", label, f"could not read the webhook: {first_line(exc)}")
        return
    delivery_error = ""
    if info.last_error_message:
        when = (f" at {info.last_error_date:%Y-%m-%d %H:%M} UTC"
                if info.last_error_date is not None else "")
        delivery_error = f"; last delivery failed{when}: {info.last_error_message}"
    if not settings.public_url:
        if info.url:
            report.line("WARN", label,
                        f"set to {info.url}, but PUBLIC_URL is not set: polling will delete this "
                        "webhook (the server refuses to poll unless --force); set PUBLIC_URL to "
                        "keep webhook mode")
        else:
            report.line("OK", label, "none; the server will poll (PUBLIC_URL not set)")
        return
    expected = webhook_url(settings, name)
    pending = f"{info.pending_update_count} pending"
    if info.url == expected:
        report.line("WARN" if delivery_error else "OK", label,
                    f"set to {expected}, {pending}{delivery_error}")
    elif not info.url:
        report.line("WARN", label,
                    f"not set (expected {expected}): the server sets it at start-up, or run "
                    "`python -m shared set-webhooks`")
    else:
        report.line("FAIL", label,
                    f"points at {info.url}, not {expected}: updates go elsewhere; run "
                    f"`python -m shared set-webhooks` or fix PUBLIC_URL{delivery_error}")
