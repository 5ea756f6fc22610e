"""The servers the benchmarks measure, each started as its users start it, optionally in a
cgroup limited to a tenth of a CPU from its first instruction: ours (``python -m shared`` as a
new user runs it: SQLite in a fresh ``DATA_DIR``, both bots, PUBLIC_URL set; ready when
``/ready`` answers 200) and the peer (bench/ptb_peer.py: PTB's ``run_webhook`` answering every
message with ``reply_text``; ready when its webhook is registered and its port answers), each with
its own fake Bot API (``running``)."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from broadcast import ADMIN_ID, LIMIT
from common import (  # puts the repository on sys.path
    BENCH,
    PEER_SECRET,
    PEER_TOKEN,
    WEBHOOK_SECRET,
    Fake,
    free_port,
    our_secret,
    stop,
)

from tests.service_env import service_env

PEER_REPLY = "Welcome! Send the email address or phone number you used when you bought the course."
QUOTA = 0.1  # of one CPU


class CpuLimit:
    """A cgroup (v1 ``cpu`` controller, or v2 ``cpu.max``) capping its processes to ``quota``
    of one CPU; a command started through :meth:`wrap` is in it from its first instruction."""

    def __init__(self, name: str, quota: float = QUOTA, period_us: int = 100_000) -> None:
        v1 = Path("/sys/fs/cgroup/cpu")
        if (v1 / "cpu.cfs_quota_us").exists():
            self.root, self.path = v1, v1 / name
            self.path.mkdir()
            (self.path / "cpu.cfs_period_us").write_text(str(period_us))
            (self.path / "cpu.cfs_quota_us").write_text(str(int(quota * period_us)))
        elif (Path("/sys/fs/cgroup") / "cgroup.controllers").exists():
            self.root = Path("/sys/fs/cgroup")
            control = self.root / "cgroup.subtree_control"
            if "cpu" not in control.read_text().split():
                control.write_text("+cpu")
            self.path = self.root / name
            self.path.mkdir()
            (self.path / "cpu.max").write_text(f"{int(quota * period_us)} {period_us}")
        else:
            raise RuntimeError("no cgroup cpu controller at /sys/fs/cgroup")

    def wrap(self, cmd: list[str]) -> list[str]:
        """``cmd`` run by a shell that first moves itself into the cgroup, then execs it."""
        return ["sh", "-c", 'echo $$ > "$0" && exec "$@"', str(self.path / "cgroup.procs"), *cmd]

    def stat(self) -> dict[str, int]:
        """The controller's throttling counters (cpu.stat)."""
        pairs = (line.split() for line in (self.path / "cpu.stat").read_text().splitlines())
        return {k: int(v) for k, v in pairs}

    def close(self) -> None:
        """Move what is left back to the root cgroup and remove this one."""
        for pid in (self.path / "cgroup.procs").read_text().split():
            with contextlib.suppress(OSError):
                (self.root / "cgroup.procs").write_text(pid)
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.1)


@dataclass
class Server:
    """A server under test: ours or the peer, with what the load needs to reach it."""

    proc: subprocess.Popen
    url: str
    webhook: str
    secret: str
    db: Path
    log: Any
    times: dict[str, float] = field(default_factory=dict)

    def cpu_s(self) -> float:
        """CPU time (user + system, all threads) the process used so far."""
        t = psutil.Process(self.proc.pid).cpu_times()
        return t.user + t.system

    def rss_mb(self) -> float:
        return psutil.Process(self.proc.pid).memory_info().rss / 2**20

    def connect(self) -> sqlite3.Connection:
        """Our SQLite file (bench/broadcast.py's Webhook reads the inbox through it)."""
        return sqlite3.connect(self.db, timeout=30)

    def close(self) -> None:
        stop(self.proc)
        self.log.close()


def sends(fake: Fake, method: str = "sendMessage") -> int:
    """Successful calls of ``method`` the fake received so far."""
    return int(fake.stats()["methods"].get(method, {}).get("count", 0))


def spawn(cmd: list[str], env: dict[str, str], workdir: Path, name: str,
          limit: CpuLimit | None) -> tuple[subprocess.Popen, Any, float]:
    log = open(workdir / f"{name}.log", "w")  # noqa: SIM115 - closed with the server
    t0 = time.perf_counter()
    proc = subprocess.Popen(limit.wrap(cmd) if limit else cmd, cwd=workdir, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    return proc, log, t0


def start_ours(python: str, fake: Fake, workdir: Path, limit: CpuLimit | None) -> Server:
    """``python -m shared`` as a new user runs it; times to /health and to /ready (polled every
    10 ms, 50 ms at 0.1 CPU so that the polling does not eat the quota)."""
    port = free_port()
    # LOG_FORMAT: the default off Render, as a new user runs it (service_env would set JSON)
    env = service_env(port, fake.url, workdir / "data", WEBHOOK_SECRET=WEBHOOK_SECRET,
                      ADMIN_USER_IDS=str(ADMIN_ID), LOG_FORMAT="text")
    proc, log, t0 = spawn([python, "-m", "shared"], env, workdir, "ours", limit)
    url = f"http://127.0.0.1:{port}"
    srv = Server(proc, url, f"{url}/webhook/avap", our_secret(), workdir / "data" / "bot.db", log)
    deadline = time.monotonic() + 120
    with httpx.Client(timeout=5) as client:
        for key, path, every in (("health_s", "/health", 0.01),
                                 ("ready_s", "/ready", 0.05 if limit else 0.01)):
            while key not in srv.times:
                if proc.poll() is not None or time.monotonic() > deadline:
                    srv.close()
                    log = (workdir / "ours.log").read_text()
                    raise RuntimeError(f"server did not start:\n{log}")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(url + path).status_code == 200:
                        srv.times[key] = time.perf_counter() - t0
                        continue
                time.sleep(every)
    return srv


def start_peer(python: str, fake: Fake, workdir: Path, limit: CpuLimit | None) -> Server:
    """bench/ptb_peer.py --reply; ready when its webhook is registered with the fake (polled
    there, not on the peer) and then its port answers (PTB registers the webhook first)."""
    port = free_port()
    cmd = [python, str(BENCH / "ptb_peer.py"), "--port", str(port), "--api", fake.url,
           "--token", PEER_TOKEN, "--secret", PEER_SECRET, "--reply", PEER_REPLY]
    proc, log, t0 = spawn(cmd, dict(os.environ), workdir, "peer", limit)
    url = f"http://127.0.0.1:{port}"
    srv = Server(proc, url, f"{url}/webhook", PEER_SECRET, workdir / "none.db", log)
    deadline = time.monotonic() + 120
    while fake.webhook_url(PEER_TOKEN) != srv.webhook:
        if proc.poll() is not None or time.monotonic() > deadline:
            srv.close()
            raise RuntimeError(f"peer did not start:\n{(workdir / 'peer.log').read_text()}")
        time.sleep(0.01)
    with httpx.Client(timeout=30) as client:  # any answer: the server is listening
        while "ready_s" not in srv.times:
            with contextlib.suppress(httpx.ConnectError):
                client.get(srv.webhook)
                srv.times["ready_s"] = time.perf_counter() - t0
                continue
            if proc.poll() is not None or time.monotonic() > deadline:
                srv.close()
                raise RuntimeError(f"peer did not listen:\n{(workdir / 'peer.log').read_text()}")
            time.sleep(0.05 if limit else 0.01)
    return srv



@contextlib.contextmanager
def running(side: str, python: str, workdir: Path,
            cgroup: str | None = None) -> Iterator[tuple[Server, Fake, CpuLimit | None]]:
    """A fresh fake Bot API and ``side``'s server ("ours" or "peer") on it, in a cgroup of that
    name limited to QUOTA when ``cgroup`` is given; all of them closed on the way out."""
    fake = Fake(workdir, LIMIT)
    limit = CpuLimit(cgroup) if cgroup else None
    srv = None
    try:
        srv = (start_ours if side == "ours" else start_peer)(python, fake, workdir, limit)
        yield srv, fake, limit
    finally:
        if srv is not None:
            srv.close()
        if limit is not None:
            limit.close()
        fake.close()



def interpreter(name: str | None) -> str | None:
    """``--python``'s value as an absolute path (a bare name is looked up in PATH)."""
    return None if name is None else os.path.abspath(shutil.which(name) or name)
