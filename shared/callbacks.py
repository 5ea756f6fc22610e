"""Typed callback data: one short prefix per action, at most 64 bytes (shared by both bots).

A callback is a class decorated with ``@callback``, its ``prefix`` and its fields; a keyboard
builds its buttons with ``Action(...).pack()``. Its handler is written as a step decorated with
``on_button(Action, load)`` and registered with ``button_handlers``: it gets the parsed data and
what ``load`` found, or the user hears why not. Nothing else knows the strings. Data that does
not parse (a stale or forged button) matches no pattern and goes to the bot's stale-button
handler.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar, dataclass_transform

if TYPE_CHECKING:
    from telegram import Update
    from telegram.ext import CallbackQueryHandler

    from shared.flows import BotContext

_INT = r"-?\d{1,19}"
_TEXT = r"[^:]{1,40}"
# the prefixes taken in each bot package: a second callback with one is a mistake
_PREFIXES: dict[str, dict[str, str]] = {}
_C = TypeVar("_C", bound=type)


@dataclass_transform(frozen_default=True)
def callback(cls: _C) -> _C:
    """``@dataclass(frozen=True)`` for callback data, without its start-up cost; and its
    prefix checked: one taken by another callback of the same bot package fails at import.

    A frozen dataclass compiles six methods per class (``__init__``, ``__eq__``, ``__hash__``,
    ``__repr__``, ``__setattr__``, ``__delattr__``): ~0.45 ms each class, ~23 ms of CPU for the
    bots' 51 callbacks at every start. Here none is compiled: ``CallbackData`` provides the six
    once, with the same behaviour (positional or keyword fields with their defaults; equal when
    the class and the fields are; a field cannot be changed once set).
    """
    taken = _PREFIXES.setdefault(cls.__module__.partition(".")[0], {})
    if ":" in cls.prefix or not cls.prefix:
        raise ValueError(f"callback prefix {cls.prefix!r}: not empty, no ':'")
    if taken.setdefault(cls.prefix, cls.__qualname__) != cls.__qualname__:
        raise ValueError(f"callback prefix {cls.prefix!r} taken by {taken[cls.prefix]}")
    dataclasses.dataclass(init=False, eq=False, repr=False)(cls)
    # read once: every button built, parsed or matched needs them
    cls._fields = dataclasses.fields(cls)  # type: ignore[attr-defined,arg-type]
    cls._int_fields = tuple(f.type in (int, "int")  # type: ignore[attr-defined]
                            for f in cls._fields)  # type: ignore[attr-defined]
    return cls


class CallbackData:
    """Base of every callback: ``prefix:field1:field2``; fields are ints or short strings."""

    prefix: ClassVar[str]
    _fields: ClassVar[tuple[dataclasses.Field, ...]]  # set by @callback
    _int_fields: ClassVar[tuple[bool, ...]]  # which fields are ints (annotations are strings)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__} takes {len(fields)} fields, "
                            f"{len(args)} given")
        for field, value in zip(fields, args, strict=False):  # args: the first fields
            if field.name in kwargs:
                raise TypeError(f"{type(self).__name__} got {field.name!r} twice")
            object.__setattr__(self, field.name, value)
        for field in fields[len(args):]:
            if field.name in kwargs:
                value = kwargs.pop(field.name)
            elif field.default is not dataclasses.MISSING:
                value = field.default
            else:
                raise TypeError(f"{type(self).__name__} misses the field {field.name!r}")
            object.__setattr__(self, field.name, value)
        if kwargs:
            raise TypeError(f"{type(self).__name__} has no field {next(iter(kwargs))!r}")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f.name) for f in self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in self._fields)
        return f"{self.__class__.__qualname__}({fields})"

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dict__:  # set once, by __init__
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def pack(self) -> str:
        values = [str(getattr(self, f.name)) for f in self._fields]
        data = ":".join([self.prefix, *values])
        if len(data.encode()) > 64:
            raise ValueError(f"callback data too long: {data!r}")
        return data

    @classmethod
    def pattern(cls) -> re.Pattern[str]:
        """What ``parse`` accepts, as a regular expression (for tests and tools; the handlers
        match with ``matches``)."""
        fields = "".join(f":({_INT if is_int else _TEXT})" for is_int in cls._int_fields)
        return re.compile(rf"^{re.escape(cls.prefix)}{fields}$")

    @classmethod
    def parse(cls, data: str | None) -> Self | None:
        """The callback, or None when ``data`` is not one of ours or is malformed (exactly what
        ``pattern`` matches, read without a regular expression: the bots' ~50 patterns compiled
        at every start cost ~10 ms of CPU)."""
        if not data:
            return None
        prefix, *parts = data.split(":")
        ints = cls._int_fields
        if prefix != cls.prefix or len(parts) != len(ints):
            return None
        values: list[int | str] = []
        for is_int, part in zip(ints, parts, strict=True):
            if is_int:
                digits = part[1:] if part.startswith("-") else part
                if not (0 < len(digits) <= 19 and digits.isdecimal()):  # as \d: Unicode's Nd
                    return None
                values.append(int(part))
            elif 0 < len(part) <= 40:
                values.append(part)
            else:
                return None
        return cls(*values)

    @classmethod
    def matches(cls, data: object) -> bool:
        """Whether ``data`` is this callback's (PTB's ``CallbackQueryHandler`` pattern)."""
        # PTB asks every button handler in turn: most answer from the prefix alone
        return (isinstance(data, str) and data.partition(":")[0] == cls.prefix
                and cls.parse(data) is not None)


def on_button(action: type[CallbackData],
              load: Callable[[Update, BotContext, Any], Awaitable[Any]] | None = None,
              ) -> Callable[[Callable[..., Awaitable[Any]]], Callable[..., Awaitable[None]]]:
    """A decorator for the handler of ``action``'s buttons, written as a step that gets the
    parsed data: ``step(update, context, data)``, or with ``load``
    ``step(update, context, data, row)`` where ``row = await load(update, context, data)``
    (the post, the submission... the button points at; None: the step does not run, ``load``
    has told the user why). When ``load`` or the step raises ``shared.access.Refused``, the
    button is answered with why, and nothing else happens."""
    from shared.access import settle

    def decorate(step: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[None]]:
        @functools.wraps(step)
        async def handler(update: Update, context: BotContext) -> None:
            data = action.parse(update.callback_query.data)

            async def work() -> None:
                if load is None:
                    await step(update, context, data)
                elif (row := await load(update, context, data)) is not None:
                    await step(update, context, data, row)

            await settle(update, work)

        handler.button = action  # type: ignore[attr-defined]
        return handler

    return decorate


def button_handlers(*handlers: Callable[..., Awaitable[Any]]) -> list[CallbackQueryHandler]:
    """PTB's handler of each ``on_button`` handler, for its action's buttons."""
    from telegram.ext import CallbackQueryHandler

    return [CallbackQueryHandler(h, pattern=h.button.matches)  # type: ignore[attr-defined]
            for h in handlers]
