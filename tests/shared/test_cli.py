"""The command line as a whole: ``--help`` lists every command of the table, the seed's start
command is the same program, and the server registers each bot with Telegram exactly as
``set-webhooks`` does (one registration, ``shared.telegram_setup``)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.cli import COMMANDS
from shared.cli.set_webhooks import set_webhooks
from shared.config import Settings
from shared.platform import Platform
from tests.fakes.telegram_api import FakeTelegram

REPO = Path(__file__).resolve().parents[2]
AVAP_TOKEN = "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
SHOP_TOKEN = "222222:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"


def _help(module: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", module, *args, "--help"], cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


def test_help_lists_every_command_with_its_line() -> None:
    words = " ".join(_help("shared").split())  # argparse wraps long lines
    assert [c.name for c in COMMANDS] == ["serve", "sandbox", "migrate", "sql", "set-webhooks",
                                          "check", "copy-data"]
    for command in COMMANDS:
        assert f" {command.name} {command.help}" in words, command.name
    # the default command's options are accepted without naming it
    assert "--mode {webhook,polling}" in words


def test_each_command_has_its_module_and_own_help() -> None:
    for command in COMMANDS:
        assert callable(command.load().main), command.name
    copy = " ".join(_help("shared", "copy-data").split())
    assert "usage: python -m shared copy-data [-h] --from URL --to URL [--batch-size N]" in copy


def test_seed_start_command_is_the_same_program() -> None:
    assert _help("avap_bot.bot") == _help("shared")


# --- one registration for the server and set-webhooks ---------------------------------------

@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    for field in Settings.fields():
        for name in field.variables:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return Settings(_env_file=None, AVAP_BOT_TOKEN=AVAP_TOKEN, SHOPPING_BOT_TOKEN=SHOP_TOKEN,
                    PUBLIC_URL="https://bots.example.com", DATA_DIR=str(tmp_path / "data"),
                    ADMIN_USER_IDS="9001,9002", AUTHORIZED_USERS="7001,7002",
                    SUPPORT_GROUP_ID="-1001000000002", TELEGRAM_API_URL="http://unset")


@pytest.fixture
def fakes() -> Iterator[tuple[FakeTelegram, FakeTelegram]]:
    servers = (FakeTelegram().start(), FakeTelegram().start())
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()


def registration(fake: FakeTelegram) -> dict[str, Any]:
    """What each bot registered: its setWebhook parameters and its command menus."""
    out: dict[str, Any] = {}
    for token in (AVAP_TOKEN, SHOP_TOKEN):
        [call] = fake.calls_of("setWebhook", token)
        out[token] = (dict(call.params), dict(fake.bot(token).commands))
    return out


async def test_the_server_registers_each_bot_as_set_webhooks_does(
        settings: Settings, fakes: tuple[FakeTelegram, FakeTelegram]) -> None:
    served, commanded = fakes
    platform = Platform(settings.replace(telegram_api_url=served.url))
    await platform.start()
    try:
        async with asyncio.timeout(30):
            while any(r.state != "ready" for r in platform.runtimes.values()):
                await asyncio.sleep(0.05)
    finally:
        await platform.stop()
    assert await set_webhooks(settings.replace(telegram_api_url=commanded.url)) == 0
    by_server, by_command = registration(served), registration(commanded)
    assert by_server == by_command
    params, menus = by_server[AVAP_TOKEN]
    assert params["url"] == "https://bots.example.com/webhook/avap"
    assert len(menus) == 4  # everyone, two admins' chats, the support group
