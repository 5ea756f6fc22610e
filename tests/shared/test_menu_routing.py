"""A main-menu button starts its own feature whatever step the user is on, whatever the order of
the bot's FEATURES: in every step of every feature, a tap on a menu button is taken by exactly
one handler, the one of that button (so a step filter that missed a button fails here). The one
exception: someone verifying a purchase has no menu yet; what they type (but Help) answers the
verification."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, datetime
from types import ModuleType

import pytest
from telegram import Chat, Message, Update, User
from telegram.ext import BaseHandler

import avap_bot
import shopping_bot
from shared.flows import Flow, current_flow

BOTS = {"avap": avap_bot, "shopping": shopping_bot}


def _modules(bot: ModuleType) -> list[ModuleType]:
    package = importlib.import_module(f"{bot.__name__}.handlers")
    return [importlib.import_module(f"{package.__name__}.{info.name}")
            for info in pkgutil.iter_modules(package.__path__)]


def _handlers(bot: ModuleType) -> list[BaseHandler]:
    """The handlers of every feature, in the bot's order (not the fallbacks: they come last and
    take only what no feature took)."""
    return [h for name in bot.FEATURES
            for h in importlib.import_module(f"{bot.__name__}.handlers.{name}").HANDLERS]


def _steps(bot: ModuleType) -> list[str | None]:
    """Every flow step the bot's handler modules name (STEP_*), and no step at all."""
    steps = {value for module in _modules(bot) for name, value in vars(module).items()
             if name.startswith("STEP_") and isinstance(value, str)}
    return [None, *sorted(steps)]


def _tap(text: str, chat_type: str = "private") -> Update:
    user = User(id=501, first_name="Ann", is_bot=False)
    chat = Chat(id=501 if chat_type == "private" else -100500, type=chat_type)
    return Update(update_id=1, message=Message(message_id=7, date=datetime.now(UTC), chat=chat,
                                               from_user=user, text=text))


def _takers(bot: ModuleType, update: Update, step: str | None) -> list[str]:
    token = current_flow.set(Flow(step=step))
    try:
        return [f"{h.callback.__module__}.{h.callback.__name__}" for h in _handlers(bot)
                if h.check_update(update)]
    finally:
        current_flow.reset(token)


def _verifying(bot: ModuleType) -> set[str]:
    if bot is not avap_bot:
        return set()
    from avap_bot.handlers import verification

    return {verification.STEP_IDENTIFIER, verification.STEP_WAITING}


def _expected(bot: ModuleType, step: str | None, button: str, owner: list[str]) -> list[str]:
    if step in _verifying(bot) and button != bot.texts.MENU_HELP:
        return [{"verify.identifier": "avap_bot.handlers.verification.identifier_received",
                 "verify.waiting": "avap_bot.handlers.verification.waiting_message"}[step]]
    return owner


@pytest.mark.parametrize("bot_name", sorted(BOTS))
def test_every_menu_button_is_taken_by_its_own_handler_in_every_step(bot_name: str) -> None:
    bot = BOTS[bot_name]
    buttons = bot.texts.MENU_BUTTONS
    steps = _steps(bot)
    assert len(steps) > 3, steps  # the steps were found
    owners = {button: _takers(bot, _tap(button), None) for button in buttons}
    for button, takers in owners.items():
        assert len(takers) == 1, (button, takers)  # each button has one feature
    wrong = [(step, button, takers) for step in steps for button in buttons
             if (takers := _takers(bot, _tap(button), step))
             != _expected(bot, step, button, owners[button])]
    assert wrong == []


@pytest.mark.parametrize("bot_name", sorted(BOTS))
def test_the_menu_filter_knows_every_button_of_the_keyboard(bot_name: str) -> None:
    bot = BOTS[bot_name]
    keyboard = importlib.import_module(f"{bot.__name__}.keyboards").main_menu().keyboard
    shown = [button.text for row in keyboard for button in row]
    assert sorted(shown) == sorted(bot.texts.MENU_BUTTONS)
    menu = importlib.import_module(f"{bot.__name__}.filters").MENU
    assert all(menu.check_update(_tap(text)) for text in shown)
    assert not menu.check_update(_tap("hello"))


def test_an_avap_step_answered_in_an_admin_group_still_takes_a_menu_text() -> None:
    """The keyboard is private: in a group, a text that reads like a button is an answer."""
    from avap_bot.handlers.grading import STEP_SCORE

    takers = _takers(avap_bot, _tap(avap_bot.texts.MENU_TIP, chat_type="supergroup"), STEP_SCORE)
    assert takers == ["avap_bot.handlers.grading.score_received"]
