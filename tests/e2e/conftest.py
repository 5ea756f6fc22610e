"""End-to-end harness: the real server process (started as the README says) and a fake Bot API,
talking over real HTTP."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.server import free_port
from tests.fakes.telegram_api import FakeTelegram
from tests.service_env import AVAP_TOKEN, SHOP_TOKEN, service_env

ADMIN_ID = 9001
EDITOR_ID = 7001

# The harness's own requests to the servers (readiness polls, updates) reuse one client per
# thread: httpx.get()/post() build a client, and with it an SSL context that loads the CA
# bundle, at every call (~28 ms of CPU each, far more than the request; a server start polls
# /ready some 20 times). No keep-alive, so that a request never meets a connection to a server
# stopped meanwhile (ports are reused).
_clients = threading.local()


def http() -> httpx.Client:
    """This thread's client for requests to the servers under test."""
    client = getattr(_clients, "client", None)
    if client is None:
        client = _clients.client = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0))
    return client


class ServerProcess:
    """``python -m shared`` in a subprocess, with its own port, data and log file."""

    def __init__(self, env: dict[str, str], workdir: Path, name: str = "server") -> None:
        self.env = env
        self.workdir = workdir
        self.port = int(env["PORT"])
        self.log_path = workdir / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self.module = "shared"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *args: str, wait_ready: bool = True, timeout: float = 30) -> ServerProcess:
        self.starts += 1
        log = open(self.log_path, "a")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen([sys.executable, "-m", self.module, *args], cwd=self.workdir,
                                     env=self.env, stdout=log, stderr=subprocess.STDOUT)
        if wait_ready:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.log_text()[-3000:]}")
            try:
                if http().get(f"{self.url}/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"server not ready in {timeout}s:\n{self.log_text()[-3000:]}")

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(5)

    def log_text(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def log_records(self) -> list[dict[str, Any]]:
        out = []
        for line in self.log_text().splitlines():
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    continue
        return out


def server_env(fake: FakeTelegram, workdir: Path, **overrides: str) -> dict[str, str]:
    settings = {"ADMIN_USER_IDS": str(ADMIN_ID), "AUTHORIZED_USERS": str(EDITOR_ID),
                "LOG_LEVEL": "INFO", "RETRY_BASE_SECONDS": "0.1"}
    return service_env(free_port(), fake.url, workdir / "data", **{**settings, **overrides})


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake
    # every Bot API call of the test followed the Bot API description
    assert fake.spec_violations == [], fake.spec_violations


OPENAI_KEY = "sk-test-openai"


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A fake OpenAI API over HTTP; ``openai_env(fake_openai)`` points a server at it."""
    with FakeOpenAI(api_key=OPENAI_KEY) as fake:
        yield fake


def openai_env(fake: FakeOpenAI) -> dict[str, str]:
    """The settings that make a server's AI features talk to ``fake``."""
    return {"OPENAI_API_KEY": OPENAI_KEY, "OPENAI_BASE_URL": fake.url}


@pytest.fixture
def make_server(fake_telegram: FakeTelegram, tmp_path: Path) -> Iterator[Any]:
    """Build (not start) server processes; every one is stopped at the end of the test."""
    made: list[ServerProcess] = []

    def make(name: str = "server", **overrides: str) -> ServerProcess:
        workdir = tmp_path / name
        workdir.mkdir(exist_ok=True)
        srv = ServerProcess(server_env(fake_telegram, tmp_path, **overrides), workdir, name)
        made.append(srv)
        return srv

    yield make
    for srv in made:
        srv.stop()


@pytest.fixture
def server(make_server: Any) -> ServerProcess:
    return make_server().start()


def post_update(fake: FakeTelegram, srv: ServerProcess, bot: str, update: Any,
                secret: str | None = None, **kwargs: Any) -> httpx.Response:
    """POST an update the way Telegram does, with the secret the server registered."""
    token = AVAP_TOKEN if bot == "avap" else SHOP_TOKEN
    if secret is None:
        secret = fake.bot(token).secret_token or ""
    if isinstance(update, dict):
        fake.observe(token, update)
    content = update if isinstance(update, bytes | str) else json.dumps(update)
    return http().post(f"{srv.url}/webhook/{bot}", content=content,
                       headers={"X-Telegram-Bot-Api-Secret-Token": secret,
                                "Content-Type": "application/json"}, timeout=10, **kwargs)
