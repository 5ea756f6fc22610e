"""The e2e tests' Bot API: the emulator (``shared/emulator``) served over real HTTP, with the
scripting and inspection the tests use.

It serves ``/bot{token}/{method}`` and ``/file/bot{token}/{path}``, checks every call against
the Bot API description (``spec_violations``: a test asserts there is none), records every call,
and can be scripted per method: delay the answer, answer 429 with ``retry_after``, 403 for a
blocked user, or any error. The emulator is lenient here: chats, messages and files the tests
made up in their updates are taken as existing. ``member_overrides`` sets what getChatMember
answers for one chat. Run it in a thread of the test process (``FakeTelegram().start()``) or as
a process (``python -m tests.fakes.telegram_api --port N [--rate 30 --stats]``).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from shared.emulator import Call, Emulator, Pacing, Violation, app
from shared.emulator.errors import ApiError, forbidden
from shared.emulator.pacing import PACED_METHODS
from shared.emulator.world import BotState
from tests.fakes.server import ThreadedServer, free_port

__all__ = ["Action", "BotState", "Call", "FakeTelegram", "Violation", "free_port"]


@dataclass
class Action:
    """What to do with the next call of a method: wait, then answer an error or normally."""

    delay: float = 0.0
    error_code: int | None = None
    description: str = ""
    retry_after: int | None = None
    migrate_to_chat_id: int | None = None

    def error(self) -> ApiError | None:
        """The scripted refusal, if any."""
        if self.error_code is None:
            return None
        params: dict[str, Any] = {}
        description = self.description or "Error"
        if self.retry_after is not None:
            params["retry_after"] = self.retry_after
            description = self.description or f"Too Many Requests: retry after {self.retry_after}"
        if self.migrate_to_chat_id is not None:
            params["migrate_to_chat_id"] = self.migrate_to_chat_id
        return ApiError(self.error_code, description, **params)


class _Scripted(Emulator):
    """The emulator with the tests' scripts and blocked chats applied before each call."""

    def __init__(self) -> None:
        super().__init__(lenient=True, max_poll_timeout=2.0)
        self.scripts: dict[str, list[Action]] = {}
        self.blocked_chats: set[int] = set()
        self.blocked_methods: tuple[str, ...] = ("send", "copyMessage", "forwardMessage")

    async def intercept(self, call: Call) -> ApiError | None:
        """The next scripted action of the method (a call waiting on a delay is already in
        ``calls``), or 403 for a blocked chat; a refusal from here has no ``error``."""
        with self.lock:
            queue = self.scripts.get(call.method)
            action = queue.pop(0) if queue else None
        if action is not None and action.delay:
            self.record(call)
            await asyncio.sleep(action.delay)
        refusal = action.error() if action is not None else None
        if refusal is None and self._blocked(call.method, call.params):
            refusal = forbidden("bot was blocked by the user")
        return refusal

    def _blocked(self, method: str, params: dict[str, Any]) -> bool:
        """True when a test blocked the chat of this call's method."""
        chat_id = params.get("chat_id")
        return (chat_id is not None and str(chat_id).lstrip("-").isdigit()
                and int(chat_id) in self.blocked_chats and method.startswith(self.blocked_methods))


class _Files(MutableMapping[str, bytes]):
    """``fake.files[file_id] = content``: a file the bots can getFile and download."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    def __getitem__(self, file_id: str) -> bytes:
        return self.emu.world.files[file_id].content

    def __setitem__(self, file_id: str, content: bytes) -> None:
        with self.emu.lock:
            self.emu.world.add_file(content, file_id=file_id)

    def __delitem__(self, file_id: str) -> None:
        del self.emu.world.files[file_id]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.emu.world.files))

    def __len__(self) -> int:
        return len(self.emu.world.files)


class FakeTelegram(ThreadedServer):
    """The emulator's server and what it saw."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.emulator = _Scripted()
        self.app = app(self.emulator)
        self.files = _Files(self.emulator)
        self.rate_per_second: int | None = None
        self.rate_methods: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- what the emulator keeps ------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        return self.emulator.calls

    @property
    def bots(self) -> dict[str, BotState]:
        return self.emulator.world.bots

    @property
    def scripts(self) -> dict[str, list[Action]]:
        return self.emulator.scripts

    @property
    def blocked_chats(self) -> set[int]:
        return self.emulator.blocked_chats

    @property
    def blocked_methods(self) -> tuple[str, ...]:
        return self.emulator.blocked_methods

    @blocked_methods.setter
    def blocked_methods(self, methods: tuple[str, ...]) -> None:
        self.emulator.blocked_methods = methods

    @property
    def member_overrides(self) -> dict[int | str, dict[str, Any]]:
        """getChatMember answers per chat (by chat_id as sent: an int, or "@name"); merged over
        the default answer, an administrator with every right."""
        return self.emulator.member_overrides

    @property
    def uploads(self) -> list[tuple[str, str, str | None, bytes]]:
        """Files uploaded by the bots (multipart): (method, field, filename, content)."""
        return self.emulator.uploads

    @property
    def spec_violations(self) -> list[Violation]:
        """Calls that did not follow the Bot API description (ignored parameters, refusals
        for a missing or mistyped one)."""
        return self.emulator.violations

    @property
    def rate_refusals(self) -> int:
        return self.emulator.pacer.refusals

    # --- scripting and inspection -----------------------------------------------------------
    def script(self, method: str, *actions: Action) -> None:
        """Apply ``actions`` to the next calls of ``method``, one each."""
        with self.emulator.lock:
            self.emulator.scripts.setdefault(method, []).extend(actions)

    def enforce_rate(self, per_second: int = 30,
                     methods: tuple[str, ...] = PACED_METHODS) -> None:
        """Answer 429 (retry_after 1) to calls of ``methods`` (by prefix) beyond ``per_second``
        within any 1-second window, as Telegram does to a bot that floods; ``rate_refusals``
        counts the refused calls (they do not count towards the window)."""
        self.rate_per_second, self.rate_methods = per_second, methods
        self.emulator.set_pacing(Pacing(per_second=per_second, private_per_second=None,
                                        group_per_minute=None, methods=methods))

    def calls_of(self, method: str, token: str | None = None) -> list[Call]:
        """Every call of ``method`` (of one bot's ``token``), in order."""
        with self.emulator.lock:
            return [c for c in self.calls
                    if c.method == method and (token is None or c.token == token)]

    def sent_texts(self, chat_id: int | None = None, token: str | None = None) -> list[str]:
        """The texts of every sendMessage (to ``chat_id``), as the bot sent them."""
        return [str(c.params.get("text")) for c in self.calls_of("sendMessage", token)
                if chat_id is None or int(c.params.get("chat_id", 0)) == chat_id]

    def bot(self, token: str) -> BotState:
        """The state of a bot (webhook, secret, commands...)."""
        return self.emulator.bot(token)

    def observe(self, token: str, update: dict[str, Any]) -> None:
        """Learn what a test's update (posted straight to the server) says: its chat, person
        and message, so later calls about them find them."""
        self.emulator.observe(token, update)

    def wait_for(self, predicate: Any, timeout: float = 10.0, interval: float = 0.05) -> Any:
        """Poll ``predicate()`` until it returns something truthy; raise on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"condition not met within {timeout}s")

    # --- statistics, for a benchmark driving the fake as a process ---------------------------
    def stats(self) -> dict[str, Any]:
        """Successful calls per method (count, first and last arrival, arrivals per second of
        the rate-limited methods), the calls refused with 429 by ``enforce_rate``."""
        with self.emulator.lock:
            calls = [c for c in self.calls if c.error is None and c.result is not None]
            total = len(self.calls)
        paced = self.rate_methods or PACED_METHODS
        methods: dict[str, dict[str, Any]] = {}
        for c in calls:
            m = methods.setdefault(c.method, {"count": 0, "first": c.at, "last": c.at,
                                              "per_second": {}})
            m["count"] += 1
            m["first"] = min(m["first"], c.at)
            m["last"] = max(m["last"], c.at)
            if c.method.startswith(paced):
                sec = str(int(c.at))
                m["per_second"][sec] = m["per_second"].get(sec, 0) + 1
        return {"methods": methods, "rate_refusals": self.rate_refusals,
                "rate_per_second": self.rate_per_second, "calls": total}

    async def _stats(self, request: Request) -> JSONResponse:
        """``GET /_stats``."""
        return JSONResponse(self.stats())


def main() -> None:
    """Serve the emulator as a process (for the benchmarks)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--rate", type=int, default=None,
                        help="answer 429 above this many messages in any 1-second window")
    parser.add_argument("--stats", action="store_true",
                        help="serve GET /_stats: successful calls per method, 429 refusals")
    args = parser.parse_args()
    fake = FakeTelegram(args.port)
    if args.rate is not None:
        fake.enforce_rate(per_second=args.rate)
    if args.stats:
        fake.app.router.routes.append(Route("/_stats", fake._stats, methods=["GET"]))
    uvicorn.run(fake.app, host="127.0.0.1", port=args.port, log_level="warning",
                access_log=False)


if __name__ == "__main__":
    main()
