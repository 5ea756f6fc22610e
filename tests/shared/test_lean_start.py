"""Start-up stays lean: what a start imports, and the shortcuts taken for it still behave.

The start-up figures themselves are measured by bench/startup.py, never asserted here.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# libraries a start must not import: each is loaded by the feature that needs it, on first use
# (pydantic with FastAPI, for the admin routes; the settings are msgspec's)
HEAVY = ("openai", "gspread", "google.auth", "matplotlib", "supabase", "fastapi",
         "sqlalchemy.orm", "cryptography", "websockets", "psutil", "click", "uvicorn.main",
         "pydantic", "pydantic_settings", "pydantic_core", "dotenv")

START = textwrap.dedent("""
    import asyncio, importlib.metadata, sys

    scans = []  # calls that read every installed distribution's metadata (~4 ms each)
    _entry_points = importlib.metadata.entry_points
    importlib.metadata.entry_points = lambda **kw: scans.append(kw) or _entry_points(**kw)

    import shared.__main__  # the imports of `python -m shared`, in its order
    import shared.telegram_lib, shared.server, shared.serve
    from shared.config import load_settings
    from shared.platform import Platform

    async def main() -> None:
        settings = load_settings(
            _env_file=None, AVAP_BOT_TOKEN="1:a", SHOPPING_BOT_TOKEN="2:b", ADMIN_USER_IDS="5",
            TELEGRAM_API_URL="http://127.0.0.1:9", PUBLIC_URL="https://bot.example.com",
            DATA_DIR=sys.argv[1])
        platform = Platform(settings)
        await platform.start()  # storage, both bots' handlers and jobs, the workers
        try:
            assert await platform.storage.ping()
            assert set(platform.runtimes) == {"avap", "shopping"}
            assert (await platform.health())["memory_mb"] > 0  # what /health reads
            # a plain-http Bot API (TELEGRAM_API_URL above): no TLS context, no CA bundle read
            from shared.telegram_http import default_tls
            assert default_tls.cache_info().currsize == 0
        finally:
            await platform.stop()
        assert not scans, scans  # APScheduler's plugins: from its own distribution

    asyncio.run(main())
    print(" ".join(m for m in sys.argv[2:] if m in sys.modules))
""")


def run(code: str, *args: str) -> str:
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout.strip()


def test_a_start_imports_no_heavy_library(tmp_path: Path) -> None:
    assert run(START, str(tmp_path), *HEAVY).splitlines()[-1:] in ([], [""])


def test_the_lean_sqlalchemy_asyncio_still_has_everything() -> None:
    code = textwrap.dedent("""
        import sys
        import shared.storage
        assert "sqlalchemy.orm" not in sys.modules
        from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
        import sqlalchemy.ext.asyncio as package
        assert package.AsyncConnection is AsyncConnection
        from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker  # the ORM half
        assert "sqlalchemy.orm" in sys.modules and AsyncSession.__name__ == "AsyncSession"
        from sqlalchemy.ext.asyncio.session import AsyncSession as Same
        assert Same is AsyncSession
        print("ok")
    """)
    assert run(code) == "ok"


def test_the_lean_uvicorn_still_has_everything() -> None:
    code = textwrap.dedent("""
        import sys
        from shared.serve import Config, LeanServer
        assert "click" not in sys.modules and "uvicorn.main" not in sys.modules
        import uvicorn
        assert uvicorn.Config is Config and issubclass(LeanServer, uvicorn.Server)
        from uvicorn import Config as Same  # as uvicorn's own lifespan modules import it
        assert Same is Config
        assert callable(uvicorn.run) and uvicorn.__version__  # the rest: its __init__ runs
        assert "click" in sys.modules and uvicorn.Config is Config
        print("ok")
    """)
    assert run(code) == "ok"


def test_telegram_without_passport_crypto_leaves_cryptography_importable() -> None:
    code = textwrap.dedent("""
        import sys
        import shared.telegram_lib
        import telegram._passport.credentials as credentials
        assert "cryptography" not in sys.modules and not credentials.CRYPTO_INSTALLED
        from cryptography.hazmat.primitives import hashes  # Google's sign-in still has it
        assert hashes.SHA256().name == "sha256"
        import httpx
        assert "click" not in sys.modules and "httpx._main" not in sys.modules
        import importlib.util  # importable again (it may fail only for lack of its extras)
        assert importlib.util.find_spec("httpx._main") is not None
        print("ok")
    """)
    assert run(code) == "ok"


def test_apscheduler_without_the_scan_still_knows_its_plugins_by_name() -> None:
    code = textwrap.dedent("""
        import importlib.metadata
        import shared.apscheduler_lib
        from apscheduler.schedulers.base import BaseScheduler
        own = importlib.metadata.distribution("APScheduler").entry_points
        for group, found in (("apscheduler.triggers", BaseScheduler._trigger_plugins),
                             ("apscheduler.executors", BaseScheduler._executor_plugins),
                             ("apscheduler.jobstores", BaseScheduler._jobstore_plugins)):
            assert set(found) == set(own.select(group=group).names), group
        assert {"cron", "interval", "date"} <= set(BaseScheduler._trigger_plugins)
        assert importlib.metadata.entry_points().select(group="console_scripts")  # restored
        print("ok")
    """)
    assert run(code) == "ok"
