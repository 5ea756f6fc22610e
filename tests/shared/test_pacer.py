"""The bot's Pacer (shared/telegram.py) on the event loop the server runs (uvloop): evenly spaced
grants that no 1-second window holds more than 30 of, and one wake-up per grant, not a spin."""

from __future__ import annotations

import asyncio

import pytest
import uvloop

from shared.telegram import MESSAGES_PER_SECOND, Pacer


def _grants(n: int, monkeypatch: pytest.MonkeyPatch) -> tuple[list[float], int]:
    """Loop times of ``n`` bulk grants of a fresh Pacer (when it granted each: a waiter resumes
    later, by as much as the machine's load delays the loop, which once made 31 resumptions
    fit in 0.998 s with the grants spaced right), and how often its dispatcher slept."""
    sleeps = 0
    real_sleep = asyncio.sleep
    pacer_loop: asyncio.AbstractEventLoop | None = None

    async def counted_sleep(delay: float, *args: object) -> object:
        nonlocal sleeps
        # the patch is process-wide: a server another test left running in a thread (uvicorn
        # ticks every 0.1 s) sleeps through it too, on its own loop (94 sleeps were counted so)
        if asyncio.get_running_loop() is pacer_loop:
            sleeps += 1
        return await real_sleep(delay, *args)

    async def main() -> list[float]:
        nonlocal pacer_loop
        pacer_loop = asyncio.get_running_loop()
        monkeypatch.setattr(asyncio, "sleep", counted_sleep)
        pacer = Pacer(MESSAGES_PER_SECOND)
        times: list[float] = []
        grant = pacer._grant

        def recorded(now: float) -> None:
            times.append(now)
            grant(now)

        monkeypatch.setattr(pacer, "_grant", recorded)

        async def one() -> None:
            assert await pacer.acquire(bulk=True)

        await asyncio.gather(*(one() for _ in range(n)))
        return times

    return uvloop.run(main()), sleeps


def test_grants_are_spaced_for_telegrams_window_with_one_wake_up_each(
        monkeypatch: pytest.MonkeyPatch) -> None:
    times, sleeps = _grants(70, monkeypatch)
    assert len(times) == 70
    # any 31 consecutive grants span more than a second: no window holds 31
    assert min(b - a for a, b in zip(times, times[30:], strict=False)) > 1.0
    # and no faster than the rate says: a grant may come up to 1 ms early (it does not drift
    # the schedule), and uvloop's clock counts whole milliseconds, so each of the two readings
    # may be up to 1 ms off; a loaded machine can make it slower
    assert times[-1] - times[0] >= 69 / MESSAGES_PER_SECOND - 0.001 - 2 * 0.001
    # uvloop's clock counts milliseconds: sleeping for the last fraction of a millisecond
    # before a slot returned at once, dozens of times per grant
    assert sleeps <= 70 + 5
