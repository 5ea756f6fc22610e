"""Telegram's flood limits on sending messages, switchable: about 30 messages a second per bot,
about one a second per private chat (short bursts tolerated), 20 a minute per group. A call
beyond a limit is refused with 429 and ``parameters.retry_after`` (whole seconds)."""

from __future__ import annotations

import collections
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from shared.emulator.errors import too_many_requests

# the methods that send a message, the ones Telegram's limits count
PACED_METHODS = ("send", "copyMessage", "forwardMessage")


@dataclass
class Pacing:
    """The limits; ``None`` switches one off. ``Pacing.off()`` switches all of them off."""

    per_second: int | None = 30
    private_per_second: float | None = 1.0
    private_burst: int = 3
    group_per_minute: int | None = 20
    methods: tuple[str, ...] = PACED_METHODS

    @classmethod
    def off(cls) -> Pacing:
        """No limit at all (the default of the emulator: tests send faster than Telegram)."""
        return cls(per_second=None, private_per_second=None, group_per_minute=None)

    @property
    def enabled(self) -> bool:
        return any(x is not None for x in (self.per_second, self.private_per_second,
                                           self.group_per_minute))


@dataclass
class Pacer:
    """The windows of one emulator: per bot, per (bot, chat)."""

    pacing: Pacing = field(default_factory=Pacing.off)
    clock: Callable[[], float] = time.monotonic
    refusals: int = 0
    _bot: dict[str, collections.deque[float]] = field(default_factory=dict)
    _group: dict[tuple[str, int], collections.deque[float]] = field(default_factory=dict)
    _private: dict[tuple[str, int], tuple[float, float]] = field(default_factory=dict)

    def configure(self, pacing: Pacing) -> None:
        """New limits; the windows start empty."""
        self.pacing = pacing
        self._bot.clear()
        self._group.clear()
        self._private.clear()

    def admit(self, token: str, method: str, chat_id: int | None, private: bool) -> None:
        """Count one call, or raise 429 when it is over a limit (a refusal is not counted)."""
        p = self.pacing
        if not p.enabled or not method.startswith(p.methods):
            return
        now = self.clock()
        waits = [self._window_wait(self._bot.setdefault(token, collections.deque()),
                                   p.per_second, 1.0, now)]
        if chat_id is not None and not private:
            waits.append(self._window_wait(
                self._group.setdefault((token, chat_id), collections.deque()),
                p.group_per_minute, 60.0, now))
        if chat_id is not None and private:
            waits.append(self._bucket_wait((token, chat_id), now))
        wait = max(waits)
        if wait > 0:
            self.refusals += 1
            raise too_many_requests(max(1, math.ceil(wait)))
        self._take(token, chat_id, private, now)

    @staticmethod
    def _window_wait(window: collections.deque[float], limit: int | None, span: float,
                     now: float) -> float:
        """Seconds until ``window`` (of ``span`` seconds) has room for one more call."""
        while window and window[0] <= now - span:
            window.popleft()
        if limit is None or len(window) < limit:
            return 0.0
        return window[0] + span - now

    def _bucket_wait(self, key: tuple[str, int], now: float) -> float:
        """Seconds until a private chat's bucket holds one token."""
        rate = self.pacing.private_per_second
        if rate is None:
            return 0.0
        tokens, at = self._private.get(key, (float(self.pacing.private_burst), now))
        tokens = min(float(self.pacing.private_burst), tokens + (now - at) * rate)
        self._private[key] = (tokens, now)
        return 0.0 if tokens >= 1 else (1 - tokens) / rate

    def _take(self, token: str, chat_id: int | None, private: bool, now: float) -> None:
        """Record an admitted call in every window it counts in."""
        p = self.pacing
        if p.per_second is not None:
            self._bot[token].append(now)
        if chat_id is not None and not private and p.group_per_minute is not None:
            self._group[(token, chat_id)].append(now)
        if chat_id is not None and private and p.private_per_second is not None:
            tokens, at = self._private[(token, chat_id)]
            self._private[(token, chat_id)] = (tokens - 1, at)
