"""Waiting for a condition instead of sleeping for a guess.

A server process writes its state a moment after the sign a test sees (Telegram's answer comes
before the row that records it; the reply to a user before the update is marked done). A test
that reads such a state right after the sign passes on an idle machine and fails under load.
``eventually`` polls the condition itself until it holds; the deadline only bounds a real
failure, it is not a delay.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
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


async def eventually_async(condition: Callable[[], Awaitable[object]], timeout: float = 10.0,
                           interval: float = 0.02, what: str = "") -> None:
    """``eventually`` for a coroutine condition (in a test's event loop): await ``condition()``
    until it is truthy; fail the test after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError(f"{what or 'condition'} not met within {timeout}s")
        await asyncio.sleep(interval)
