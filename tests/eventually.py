"""Waiting for a condition instead of sleeping for a guess.

A server process writes its state a moment after the sign a test sees (Telegram's answer comes
before the row that records it; the reply to a user before the update is marked done). A test
that reads such a state right after the sign passes on an idle machine and fails under load.
``eventually`` polls the condition itself until it holds; the deadline only bounds a real
failure, it is not a delay.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(condition: Callable[[], T], timeout: float = 15.0, interval: float = 0.05,
               what: str = "") -> T:
    """Call ``condition()`` until it returns something truthy, and return that; fail the test
    with the last value seen (or the last error) after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            value = condition()
        except AssertionError as exc:  # a condition may be written as asserts
            value, last = None, exc
        else:
            if value:
                return value
            last = value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what or 'condition'} not met within {timeout}s "
                                 f"(last: {last!r})")
        time.sleep(interval)
