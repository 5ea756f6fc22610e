"""When the sandbox starts, where it listens, which database it uses (issue 15, acceptance 4):
never with a bot token, PUBLIC_URL or RENDER; on 127.0.0.1 only; its own DATA_DIR/sandbox.db,
never the real database."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest

from shared.config import Settings
from shared.sandbox import should_start
from tests.e2e.conftest import AVAP_TOKEN, SHOP_TOKEN, ServerProcess
from tests.e2e.sandbox import api, sandbox_env, sandbox_process
from tests.eventually import eventually
from tests.fakes.telegram_api import FakeTelegram
from tests.service_env import SERVICE_VARS

pytestmark = pytest.mark.e2e


def _settings(monkeypatch: pytest.MonkeyPatch, **values: object) -> Settings:
    for name in SERVICE_VARS:
        monkeypatch.delenv(name, raising=False)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_the_default_is_the_sandbox_only_when_nothing_is_configured(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert should_start(_settings(monkeypatch))
    assert not should_start(_settings(monkeypatch, avap_bot_token=AVAP_TOKEN))
    assert not should_start(_settings(monkeypatch, shopping_bot_token=SHOP_TOKEN))
    assert not should_start(_settings(monkeypatch, public_url="https://bots.example.com"))
    assert not should_start(_settings(monkeypatch, render=True))
    assert should_start(_settings(monkeypatch, avap_bot_token=" "))  # blank: no token


@pytest.mark.parametrize("variable, value, why", [
    ("AVAP_BOT_TOKEN", AVAP_TOKEN, "AVAP_BOT_TOKEN is set"),
    ("SHOPPING_BOT_TOKEN", SHOP_TOKEN, "SHOPPING_BOT_TOKEN is set"),
    ("PUBLIC_URL", "https://bots.example.com", "PUBLIC_URL is set"),
    ("RENDER", "true", "RENDER is set"),
])
def test_the_sandbox_command_refuses_a_real_deployment(tmp_path: Path, variable: str,
                                                        value: str, why: str) -> None:
    env = sandbox_env(tmp_path, **{variable: value})
    done = subprocess.run([sys.executable, "-m", "shared", "sandbox"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"sandbox refused: {why}" in done.stderr
    assert not (tmp_path / "data").exists()  # nothing was created


def test_render_without_tokens_runs_the_server_not_the_sandbox(tmp_path: Path) -> None:
    srv = sandbox_process(tmp_path, RENDER="true").start()
    try:
        body = httpx.get(f"{srv.url}/health", timeout=5).json()
        assert body["bots"]["avap"] == {"state": "disabled", "enable_with": "AVAP_BOT_TOKEN"}
        assert "Sandbox" not in httpx.get(f"{srv.url}/", timeout=5).text
        assert httpx.get(f"{srv.url}/sandbox/api/people", timeout=5).status_code == 404
        assert "SANDBOX" not in srv.log_text()
    finally:
        srv.stop()


def test_tokens_without_public_url_run_the_real_bots(fake_telegram: FakeTelegram,
                                                     make_server) -> None:
    srv: ServerProcess = make_server(PUBLIC_URL="").start()  # polling the fake Bot API
    body = httpx.get(f"{srv.url}/health", timeout=5).json()
    assert body["bots"]["avap"]["mode"] == "polling"
    assert "Sandbox" not in httpx.get(f"{srv.url}/", timeout=5).text
    assert httpx.get(f"{srv.url}/sandbox/api/people", timeout=5).status_code == 404
    assert "SANDBOX" not in srv.log_text()


def test_the_sandbox_listens_on_loopback_and_says_where(tmp_path: Path) -> None:
    srv = sandbox_process(tmp_path).start()  # `python -m shared`, nothing configured
    try:
        assert srv.proc is not None
        listening = [c.laddr for c in psutil.Process(srv.proc.pid).net_connections("inet")
                     if c.status == psutil.CONN_LISTEN]
        assert listening and {a.ip for a in listening} == {"127.0.0.1"}, listening
        first = srv.log_text().splitlines()[0]
        assert "SANDBOX" in first and f"http://127.0.0.1:{srv.port}/" in first
        page = httpx.get(f"{srv.url}/", timeout=5)
        assert page.status_code == 200 and "Sandbox" in page.text
        health = httpx.get(f"{srv.url}/health", timeout=5).json()
        assert health["status"] == "ok"
        assert {b["state"] for b in health["bots"].values()} == {"ready"}
    finally:
        srv.stop()


def test_the_sandbox_keeps_its_own_database(tmp_path: Path) -> None:
    real = tmp_path / "real.db"
    with sqlite3.connect(real) as conn:
        conn.execute("CREATE TABLE precious (x INTEGER)")
        conn.execute("INSERT INTO precious VALUES (42)")
    before = real.read_bytes()
    srv = sandbox_process(tmp_path, DATABASE_URL=f"sqlite:///{real}").start()
    try:
        assert api(srv, "/act/send", {"person": 301, "chat": "pavap:301", "text": "/start"})["ok"]
        sandbox_db = tmp_path / "data" / "sandbox.db"

        def handled() -> bool:
            with sqlite3.connect(sandbox_db) as conn:
                return conn.execute("SELECT count(*) FROM inbox WHERE status='done'").fetchone()[
                    0] == 1
        eventually(handled)
        with sqlite3.connect(sandbox_db) as conn:  # the demo data
            assert conn.execute("SELECT count(*) FROM pending_verifications").fetchone()[0] >= 3
    finally:
        srv.stop()
    assert real.read_bytes() == before
    assert not (tmp_path / "data" / "bot.db").exists()
