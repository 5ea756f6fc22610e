"""The message filters every AVAP feature routes with, defined once.

A main-menu button starts its own feature whatever step the user is on: every step handler of a
private chat takes ``STEP_INPUT`` (or excludes ``MENU_TAP``), which leaves the menu buttons out, so
the feature of the button handles the tap, whatever the order of ``avap_bot.FEATURES``.

The one exception is the verification of a purchase: someone verifying has no menu yet, so what
they type answers the step (``VERIFY_INPUT``) and a student's button does not start its feature
(``menu_button``); only Help works there too.
"""

from __future__ import annotations

from telegram.ext import filters

from avap_bot import texts
from shared.flows import in_step

# the steps of the verification (avap_bot.handlers.verification)
STEP_IDENTIFIER = "verify.identifier"
STEP_WAITING = "verify.waiting"
VERIFYING = in_step(STEP_IDENTIFIER, STEP_WAITING)

# a new message: an edited message is not a new answer to a step
NEW = filters.UpdateType.MESSAGE
# a new message in a private chat with the bot
PRIVATE = filters.ChatType.PRIVATE & NEW
# any main-menu button (every one of them: texts.MENU_BUTTONS)
MENU = filters.Text(texts.MENU_BUTTONS)
# a tap on a main-menu button (the keyboard is shown in private chats only)
MENU_TAP = PRIVATE & MENU
# neither a command nor a service message (someone joined, a title changed)
OTHER = ~filters.COMMAND & ~filters.StatusUpdate.ALL
# what a step in a private chat may take: not a command, not a main-menu button
STEP_INPUT = PRIVATE & ~MENU & OTHER
# what a verification step may take: anything typed but a command and Help
VERIFY_INPUT = PRIVATE & ~filters.Text([texts.MENU_HELP]) & OTHER
# what an admin's step, answered in an admin group or in private, may take: a new message, but
# not a main-menu tap
ADMIN_STEP = NEW & ~MENU_TAP


def menu_button(button: str) -> filters.BaseFilter:
    """A tap on the main-menu button ``button`` (one of texts.MENU_BUTTONS); but for Help, not
    from someone verifying (what they type answers the verification)."""
    if button not in texts.MENU_BUTTONS:
        raise ValueError(f"not a main-menu button: {button!r}")
    tap = PRIVATE & filters.Text([button])
    return tap if button == texts.MENU_HELP else tap & ~VERIFYING
