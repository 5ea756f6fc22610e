"""Flow state: the step a user is on in a multi-step flow, kept in the database.

The inbox worker loads the state of (bot, chat, user) before the handlers run and saves it after
they finished, in the same unit of work that marks the update done; so a kill -9 between two
messages of a flow loses nothing, and a second instance sees the same state.

Handlers read and change it through ``context.flow``; ``in_step("name")`` is a PTB filter that
routes a message to the handler of the step the user is on.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import CallbackContext, ExtBot, filters

if TYPE_CHECKING:
    from shared.services import Services


@dataclass
class Flow:
    """The current step and the data gathered so far."""

    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    changed: bool = False

    def goto(self, step: str, **data: Any) -> None:
        """Move to ``step``, remembering ``data`` (JSON values only)."""
        self.step = step
        self.data.update(data)
        self.changed = True

    def clear(self) -> None:
        """Leave the flow."""
        self.step = None
        self.data = {}
        self.changed = True

    @property
    def active(self) -> bool:
        return self.step is not None


@dataclass
class UpdateOutcome:
    """What happened while the handlers of one update ran (filled by the platform)."""

    handlers: list[str] = field(default_factory=list)
    error: BaseException | None = None


current_flow: contextvars.ContextVar[Flow | None] = contextvars.ContextVar("flow", default=None)
current_outcome: contextvars.ContextVar[UpdateOutcome | None] = contextvars.ContextVar(
    "outcome", default=None
)


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """The context every handler gets: PTB's, plus the services and the flow state."""

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]

    @property
    def flow(self) -> Flow:
        flow = current_flow.get()
        if flow is None:
            # an update without a user (a channel post): a throw-away flow
            flow = Flow()
            current_flow.set(flow)
        return flow


class _InStep(filters.UpdateFilter):
    def __init__(self, *steps: str) -> None:
        super().__init__(name=f"in_step({', '.join(steps)})")
        self.steps = frozenset(steps)

    def filter(self, update: Update) -> bool:
        flow = current_flow.get()
        return flow is not None and flow.step in self.steps


def in_step(*steps: str) -> filters.UpdateFilter:
    """A filter that passes when the user is on one of ``steps``."""
    return _InStep(*steps)


class _InAnyStep(filters.UpdateFilter):
    def filter(self, update: Update) -> bool:
        flow = current_flow.get()
        return flow is not None and flow.step is not None


IN_ANY_STEP = _InAnyStep(name="in_any_step")
