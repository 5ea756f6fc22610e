"""Helpers for the sandbox's tests: ``python -m shared [sandbox]`` in a subprocess with none of
the service's variables from the developer's shell, in its own working directory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.e2e.conftest import ServerProcess, http
from tests.fakes.server import free_port
from tests.service_env import REPO, SERVICE_VARS

API = "/sandbox/api"


def sandbox_env(workdir: Path, **overrides: str) -> dict[str, str]:
    """The environment of a fresh checkout: no token, no PUBLIC_URL, no RENDER."""
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS | {"DATA_DIR"}}
    env.update({"PYTHONPATH": str(REPO), "PORT": str(free_port()), "LOG_FORMAT": "text",
                "DATA_DIR": str(workdir / "data")})
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def sandbox_process(workdir: Path, name: str = "sandbox", **overrides: str) -> ServerProcess:
    """A server process (not started) in ``workdir`` with the environment of a fresh clone."""
    workdir.mkdir(parents=True, exist_ok=True)
    return ServerProcess(sandbox_env(workdir, **overrides), workdir, name)


def api(srv: ServerProcess, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """One call of the page's API; its JSON."""
    url = f"{srv.url}{API}{path}"
    response = http().post(url, json=body, timeout=30) if body is not None else \
        http().get(url, timeout=30)
    return response.json()
