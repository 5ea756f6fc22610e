"""The message filters every shopping-bot feature routes with, defined once.

A main-menu button starts its own feature whatever step the editor is on: every step handler takes
``STEP_INPUT`` (or ``TYPED``), which leaves the menu buttons out, so the feature of the button
handles the tap, whatever the order of ``shopping_bot.FEATURES``.
"""

from __future__ import annotations

from telegram.ext import filters

from shopping_bot import texts

# a new message: an edited message is not a new answer to a step
NEW = filters.UpdateType.MESSAGE
# a new message in a private chat with the bot
PRIVATE = filters.ChatType.PRIVATE & NEW
# any main-menu button (every one of them: texts.MENU_BUTTONS)
MENU = filters.Text(texts.MENU_BUTTONS)
# typed in a private chat: not a command, not a main-menu button
TYPED = PRIVATE & ~filters.COMMAND & ~MENU
# what a step may take: typed, and not a service message
STEP_INPUT = TYPED & ~filters.StatusUpdate.ALL


def menu_button(button: str) -> filters.BaseFilter:
    """A tap on the main-menu button ``button`` (one of texts.MENU_BUTTONS)."""
    if button not in texts.MENU_BUTTONS:
        raise ValueError(f"not a main-menu button: {button!r}")
    return PRIVATE & filters.Text([button])
