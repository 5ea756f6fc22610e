"""An emulator served over real HTTP in a thread, and PTB's real ``Bot`` pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot

from shared.emulator import Emulator, app
from tests.fakes.server import ThreadedServer, free_port

TOKEN = "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
OTHER = "654321:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
USER = 42


class EmulatorServer(ThreadedServer):
    """The emulator's HTTP app on a free port."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.port = free_port()
        self.app = app(emu)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def make_bot(server: EmulatorServer, token: str = TOKEN) -> Bot:
    """PTB's Bot talking to the emulator."""
    return Bot(token, base_url=f"{server.url}/bot", base_file_url=f"{server.url}/file/bot")


@pytest.fixture
def emu() -> Emulator:
    """A strict emulator (no pacing) with a person who started the bot."""
    e = Emulator(webhook_retry_base=0.05)
    e.add_user(USER, "Ann", "ann")
    return e


@pytest.fixture
def server(emu: Emulator) -> Iterator[EmulatorServer]:
    with EmulatorServer(emu) as srv:
        yield srv


@pytest.fixture
async def bot(server: EmulatorServer) -> AsyncIterator[Bot]:
    b = make_bot(server)
    async with b:
        yield b
