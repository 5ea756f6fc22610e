"""What the handlers of a post's buttons share (publishing, schedule, the compose flow): the post
a button points at, or the editor hears that it is gone; and a post's status as they read it.

The loaders here are for ``shared.callbacks.on_button``: ``@on_button(cb.ManagePost,
answered_post)`` runs the step with the post, the button answered.
"""

from __future__ import annotations

from typing import Any

from telegram import Update

from shared.access import Refused
from shared.flows import BotContext
from shopping_bot import texts

Row = dict[str, Any]


def status_of(post: Row) -> str:
    """The post's status as the editors read it ("✅ published")."""
    return texts.STATUS.get(post["status"], post["status"])


async def button_post(update: Update, context: BotContext, data: Any) -> Row:
    """The post of the button (``data.post_id``); refused when it is gone. The button is left
    for the step to answer."""
    post = await context.services.storage.shopping.get_post(data.post_id)
    if post is None:
        raise Refused(texts.POST_NOT_FOUND)
    return post


async def answered_post(update: Update, context: BotContext, data: Any) -> Row:
    """The post of the button, the button answered; refused when it is gone."""
    post = await button_post(update, context, data)
    await update.callback_query.answer()
    return post
