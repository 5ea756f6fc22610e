"""What the support bot's repositories share: a row as a dict, and one row or None."""

from __future__ import annotations

from typing import Any

Row = dict[str, Any]


def one(row: Any) -> Row | None:
    """A result row as a dict, None for no row."""
    return dict(row) if row is not None else None
