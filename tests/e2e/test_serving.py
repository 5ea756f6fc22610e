"""The server process itself (shared/serve.py): it sleeps while idle, yet answers a signal at once
and still dates every response."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import httpx
import pytest

from tests.e2e.conftest import ServerProcess, post_update
from tests.fakes import updates
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e


def test_every_response_is_dated(fake_telegram: FakeTelegram, server: ServerProcess) -> None:
    """uvicorn's own Date header needed a wake-up every second: the application adds it."""
    answers = [httpx.get(f"{server.url}/health", timeout=5),
               httpx.get(f"{server.url}/admin/stats", timeout=5),    # FastAPI: 401 or 404
               post_update(fake_telegram, server, "avap", updates.message(1, "/help"))]
    for answer in answers:
        assert len(answer.headers.get_list("date")) == 1, answer.headers
        sent = parsedate_to_datetime(answer.headers["date"]).timestamp()
        assert abs(sent - time.time()) < 5


def test_sigterm_ends_an_idle_server_at_once(server: ServerProcess) -> None:
    """The main loop sleeps up to a minute between its checks; a signal must end the sleep."""
    time.sleep(1.5)                      # idle: the main loop is asleep
    assert server.proc is not None
    started = time.monotonic()
    assert server.stop() in (0, -15)
    assert time.monotonic() - started < 10
