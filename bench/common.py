"""What the benchmarks share: the paths (importing this module puts the repository on
``sys.path``, so that a script run as ``python bench/x.py`` imports ``shared`` and ``tests``),
the secrets of the servers they start, the fake Bot API as a process, process helpers, the
production interpreter, and the machine a result was measured on."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
RESULTS = BENCH / "results"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

PEER_TOKEN = "333333:CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
WEBHOOK_SECRET = "bench-webhook-secret"
PEER_SECRET = "bench-peer-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited early with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.01)
    raise RuntimeError(f"port {port} not open in {timeout}s")


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def our_secret() -> str:
    """The secret the server registers for the avap bot, computed the way it does."""
    from shared.config import Settings
    from tests.service_env import AVAP_TOKEN, SHOP_TOKEN

    settings = Settings(AVAP_BOT_TOKEN=AVAP_TOKEN, SHOPPING_BOT_TOKEN=SHOP_TOKEN,
                        WEBHOOK_SECRET=WEBHOOK_SECRET)  # type: ignore[call-arg]
    return settings.secret_for("avap")


class Fake:
    """The fake Bot API (tests/fakes/telegram_api.py) as a process of its own. With ``rate``, it
    refuses (429, ``retry_after 1``) any send beyond ``rate`` in a 1-second sliding window, as
    Telegram does, and counts what it got (``stats``)."""

    def __init__(self, workdir: Path, rate: int | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(workdir / "fake.log", "w")  # noqa: SIM115 - closed with the process
        cmd = [sys.executable, "-m", "tests.fakes.telegram_api", "--port", str(self.port)]
        if rate is not None:
            cmd += ["--rate", str(rate), "--stats"]
        self.proc = subprocess.Popen(cmd, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                                     stdout=self.log, stderr=subprocess.STDOUT)
        wait_port(self.port, self.proc)

    def webhook_url(self, token: str) -> str:
        r = httpx.post(f"{self.url}/bot{token}/getWebhookInfo", timeout=5)
        return str(r.json()["result"]["url"])

    def stats(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/_stats", timeout=30).json()

    def close(self) -> None:
        stop(self.proc)
        self.log.close()


def production_python(name: str, extras: list[str]) -> str:
    """A virtualenv with exactly requirements.txt (plus ``extras``), as a deployment installs
    it: packages a development machine happens to have (trio, uvicorn's reload watcher, PTB's
    webhook server...) would otherwise be imported and counted in start-up and memory."""
    venv = BENCH / name
    python = venv / "bin" / "python"
    stamp = venv / "requirements.txt"
    wanted = (REPO / "requirements.txt").read_text() + "\n".join(extras)
    if not python.exists() or not stamp.exists() or stamp.read_text() != wanted:
        print(f"creating bench/{name} from requirements.txt ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r",
                        str(REPO / "requirements.txt"), *extras], check=True)
        stamp.write_text(wanted)
    # our modules' bytecode, as the Dockerfile and render.yaml's build compile it (a deployment
    # with PYTHONDONTWRITEBYTECODE would otherwise compile them at every start)
    subprocess.run([str(python), "-m", "compileall", "-q", "avap_bot", "shopping_bot", "shared"],
                   cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    return str(python)


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


# command lines of processes that skew a measurement when they run beside it (another bench's
# or an interrupted run's servers, a profiler left behind, a test suite)
BUSY_MARKERS = ("-m shared", "py-spy", "tests.fakes", "ptb_peer", "pytest")


def other_processes() -> list[str]:
    """The processes, not this run's own, whose command line has a ``BUSY_MARKERS`` entry: a
    profiler left running once took half a CPU from every figure of a session unnoticed."""
    import psutil

    me = psutil.Process()
    ours = {me.pid, *(p.pid for p in me.children(recursive=True)),
            *(p.pid for p in me.parents())}
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if proc.info["pid"] not in ours and any(m in cmd for m in BUSY_MARKERS):
            found.append(f"{proc.info['pid']} {cmd[:120]}")
    return found


def machine() -> dict[str, Any]:
    """What a result was measured on (the ``machine`` of the results' JSON), with the other
    processes that may have competed for the CPU (a warning is printed when there are)."""
    others = other_processes()
    if others:
        print(f"WARNING: {len(others)} other process(es) may skew these figures:\n  "
              + "\n  ".join(others), file=sys.stderr)
    return {"cpus": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "cpu": cpu_model(),
            "loadavg": os.getloadavg(), "other_processes": others}


def write_results(name: str, **figures: Any) -> Path:
    """bench/results/``name`` (JSON): the command that ran, when, the machine, then ``figures``
    (a ``machine`` among them replaces the default one)."""
    path = RESULTS / name
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = {"command": "python " + " ".join([str(Path(sys.argv[0])), *sys.argv[1:]]),
           "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine(), **figures}
    path.write_text(json.dumps(out, indent=2))
    print(f"\nwrote {path}")
    return path
