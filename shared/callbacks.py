"""Typed callback data: one short prefix per action, at most 64 bytes (shared by both bots).

A keyboard builds its buttons with ``Action(...).pack()``; a handler is registered with
``Action.pattern()`` and reads its fields with ``Action.parse(query.data)``. Nothing else knows
the strings. Data that does not parse (a stale or forged button) goes to a stale-button handler.
"""

from __future__ import annotations

import dataclasses
import re
from typing import ClassVar, Self, get_type_hints


class CallbackData:
    """Base of every callback: ``prefix:field1:field2``; fields are ints or short strings."""

    prefix: ClassVar[str]

    def pack(self) -> str:
        values = [str(getattr(self, f.name)) for f in dataclasses.fields(self)]  # type: ignore[arg-type]
        data = ":".join([self.prefix, *values])
        if len(data.encode()) > 64:
            raise ValueError(f"callback data too long: {data!r}")
        return data

    @classmethod
    def pattern(cls) -> re.Pattern[str]:
        n = len(dataclasses.fields(cls))  # type: ignore[arg-type]
        fields = "".join(r":([^:]{1,40})" for _ in range(n))
        return re.compile(rf"^{re.escape(cls.prefix)}{fields}$")

    @classmethod
    def parse(cls, data: str | None) -> Self | None:
        """The callback, or None when ``data`` is not one of ours or is malformed."""
        if not data:
            return None
        m = cls.pattern().match(data)
        if not m:
            return None
        hints = get_type_hints(cls)
        values = []
        for f, raw in zip(dataclasses.fields(cls), m.groups(), strict=True):  # type: ignore[arg-type]
            if hints[f.name] is int:
                if not re.fullmatch(r"-?\d{1,19}", raw):
                    return None
                values.append(int(raw))
            else:
                values.append(raw)
        return cls(*values)
