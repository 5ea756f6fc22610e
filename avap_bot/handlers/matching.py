"""Study partners: "Find a study partner" puts a student in the pool (for one module or any);
as soon as a compatible student waits too, the two are paired and each gets the other's name and
a button that opens a chat with them (https://t.me/<username>).

A partner without a public username cannot be linked reliably (a tg://user?id= button fails when
their privacy settings forbid it), so the student is asked for a short hello instead, which the
bot passes on together with a link to them. Nobody is paired again with a former partner while
anyone else waits (a former partner only when they are the only one waiting). /unmatch leaves
the pool. Pairs are stored in ``match_pairs``; the pairing itself is one transaction, under an
advisory lock on PostgreSQL, with the partner's message queued in the outbox in that transaction.
"""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING, ClassVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, User
from telegram.ext import CommandHandler, MessageHandler

from avap_bot import callbacks as cb
from avap_bot import keyboards, texts
from avap_bot.access import student_only
from avap_bot.filters import PRIVATE, STEP_INPUT, menu_button
from shared.access import Refused
from shared.callbacks import button_handlers, callback, on_button
from shared.flows import BotContext, in_step
from shared.telegram_outbox import send_later

if TYPE_CHECKING:
    from shared.services import Services

log = logging.getLogger(__name__)

BOT = "avap"
STEP_HELLO = "matching.hello"
ANY = -1


@callback
class PartnerModule(cb.CallbackData):
    """The module a student wants a partner for (index in AVAP_MODULES, -1: any)."""

    prefix: ClassVar[str] = "pm"
    index: int


def module_keyboard(modules: list[str], per_row: int = 4) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(name, callback_data=PartnerModule(i).pack())
               for i, name in enumerate(modules)]
    rows = [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]
    rows.append([InlineKeyboardButton(texts.BTN_PARTNER_ANY,
                                      callback_data=PartnerModule(ANY).pack())])
    return InlineKeyboardMarkup(rows)


def chat_link(username: str | None) -> str | None:
    return f"https://t.me/{username}" if username else None


def mention(telegram_id: int, name: str, username: str | None) -> str:
    """The name as a link to the person (their t.me page, else a tg://user mention)."""
    url = chat_link(username) or f"tg://user?id={telegram_id}"
    return f'<a href="{html.escape(url)}">{html.escape(name)}</a>'


def _module_label(module: str | None, template: str) -> str:
    return template.format(module=html.escape(module)) if module else ""


def _sides(pair: dict, me: int) -> tuple[dict, dict]:
    """(me, partner) of a pair, as {telegram_id, name, username}."""
    a = {"telegram_id": pair["user_a"], "name": pair["name_a"], "username": pair["username_a"]}
    b = {"telegram_id": pair["user_b"], "name": pair["name_b"], "username": pair["username_b"]}
    return (a, b) if a["telegram_id"] == me else (b, a)


def introduction(pair: dict, to: dict, partner: dict) -> tuple[str, InlineKeyboardMarkup | None]:
    """What ``to`` is told about ``partner``: a button to open the chat, or the hello request."""
    module = _module_label(pair["module"], texts.PARTNER_FOR_MODULE)
    url = chat_link(partner["username"])
    if url is None:
        return texts.PARTNER_NO_LINK.format(module=module, name=mention(
            partner["telegram_id"], partner["name"], None)), None
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(
        texts.BTN_PARTNER_OPEN.format(name=partner["name"])[:60], url=url)]])
    return texts.PARTNER_FOUND.format(module=module, name=html.escape(partner["name"])), markup


async def _join(update: Update, context: BotContext, module: str | None) -> None:
    """Pair the student now, or put them in the pool."""

    user: User = update.effective_user
    services = context.services
    storage = services.storage
    async with storage.db.write() as conn:
        pair = await storage.engagement.join_pool(user.id, user.full_name, user.username, module,
                                                  conn=conn)
        if pair is not None:
            me, partner = _sides(pair, user.id)
            text, markup = introduction(pair, partner, me)
            await send_later(services, BOT, partner["telegram_id"], text, reply_markup=markup,
                             conn=conn)
            if markup is None:  # the partner says hello through the bot
                await storage.flows.save(BOT, partner["telegram_id"], partner["telegram_id"],
                                         STEP_HELLO, {"pair_id": pair["id"]}, conn=conn)
    message = update.effective_message
    if pair is None:
        context.flow.clear()
        await message.reply_text(texts.PARTNER_WAITING.format(
            module=_module_label(module, texts.PARTNER_FOR_MODULE)),
            reply_markup=keyboards.main_menu())
        return
    log.info("study partners paired",
             extra={"pair_id": pair["id"], "course_module": pair["module"]})
    text, markup = introduction(pair, me, partner)
    if markup is None:
        context.flow.goto(STEP_HELLO, pair_id=pair["id"])
    else:
        context.flow.clear()
    await message.reply_text(text, reply_markup=markup)


@student_only
async def find_partner(update: Update, context: BotContext) -> None:
    """The menu's "Find a study partner": pick a module (or any), or join at once."""
    repo = context.services.storage.engagement
    waiting = await repo.pool_entry(update.effective_user.id)
    if waiting is not None:
        await update.effective_message.reply_text(texts.PARTNER_WAITING.format(
            module=_module_label(waiting["module"], texts.PARTNER_FOR_MODULE)))
        return
    modules = context.services.settings.avap_modules
    if not modules:
        await _join(update, context, None)
        return
    await update.effective_message.reply_text(texts.PARTNER_PICK_MODULE,
                                              reply_markup=module_keyboard(modules))


@student_only
@on_button(PartnerModule)
async def module_chosen(update: Update, context: BotContext, data: PartnerModule) -> None:
    """A module button (or "any") of the partner search."""
    modules = context.services.settings.avap_modules
    if data.index >= len(modules) or data.index < ANY:
        raise Refused(texts.STALE_BUTTON, alert=False)
    await update.callback_query.answer()
    await _join(update, context, None if data.index == ANY else modules[data.index])


@student_only
async def hello_received(update: Update, context: BotContext) -> None:
    """The short hello of a student whose partner the bot could not link: pass it on."""
    message = update.effective_message
    if not message.text:
        await message.reply_text(texts.PARTNER_HELLO_TEXT_ONLY)
        return
    pair_id = context.flow.data.get("pair_id")
    pair = await context.services.storage.engagement.get_pair(int(pair_id or 0))
    context.flow.clear()
    if pair is None:
        await message.reply_text(texts.STALE_BUTTON, reply_markup=keyboards.main_menu())
        return
    user = update.effective_user
    _, partner = _sides(pair, user.id)
    url = chat_link(user.username)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(
        texts.BTN_PARTNER_OPEN.format(name=user.full_name)[:60], url=url)]]) if url else None
    await send_later(context.services, BOT, partner["telegram_id"], texts.PARTNER_HELLO_FROM.format(
        name=mention(user.id, user.full_name, user.username), hello=message.text_html),
        reply_markup=markup)
    await message.reply_text(texts.PARTNER_HELLO_SENT.format(name=html.escape(partner["name"])),
                             reply_markup=keyboards.main_menu())


@student_only
async def unmatch(update: Update, context: BotContext) -> None:
    """/unmatch: leave the pool."""
    left = await context.services.storage.engagement.leave_pool(update.effective_user.id)
    if context.flow.step == STEP_HELLO:
        context.flow.clear()
    await update.effective_message.reply_text(texts.UNMATCH_DONE if left else texts.UNMATCH_NOT_IN,
                                              reply_markup=keyboards.main_menu())


async def pool_size(services: Services) -> int:
    return await services.storage.engagement.pool_size()


HANDLERS = [
    MessageHandler(menu_button(texts.MENU_PARTNER), find_partner),
    *button_handlers(module_chosen),
    CommandHandler("unmatch", unmatch, filters=PRIVATE),
    MessageHandler(STEP_INPUT & in_step(STEP_HELLO), hello_received),
]
