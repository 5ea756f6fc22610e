"""Webhook ingest benchmark: the real server against python-telegram-bot's own webhook server.

    python bench/ingest.py [--rounds 3] [--duration 10s] [--connections 64]

One run measures, for ``--rounds`` rounds (each with fresh processes and a fresh database):

* ingest: ``wrk -t1 -c64 -d10s`` POSTs private-chat "hi" messages with unique, increasing
  update ids (bench/wrk_unique.lua) to our ``/webhook/avap`` and to the peer, which is PTB's
  ``Application.run_webhook`` with a no-op handler (bench/ptb_peer.py, in-memory queue, nothing
  written). Our inbox worker runs as in production: it answers every stored "hi" with a
  sendMessage to the fake Bot API. Both get the same 2 s warm-up first.
* start-up: from ``Popen`` of ``python -m shared`` to the first 200 of ``GET /health``, and to the
  first 200 of ``GET /ready`` (both bots' webhooks registered with the fake Bot API).
* memory: the server's RSS 10 s after ready, no traffic.

It prints a table (medians over the rounds) and writes bench/results/latest.json. The server
runs with SQLite (the default storage), JSON log lines (as render.yaml sets them) and
``--log-level`` (default INFO, the service's default: one line per handled update; issue 14
target 5 is measured there). Needs ``wrk`` (``apt-get install wrk``) and psutil.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import common  # puts the repository on sys.path
import httpx
import psutil

from tests.service_env import AVAP_TOKEN, SHOP_TOKEN, service_env

LUA = common.BENCH / "wrk_unique.lua"


def run_wrk(url: str, secret: str, first_id: int, duration: str, connections: int,
            threads: int = 1) -> dict[str, Any]:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}", "--latency",
           "-s", str(LUA), url, "--", secret, str(first_id)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120).stdout
    for line in out.splitlines():
        if line.startswith("WRK_JSON "):
            result = json.loads(line[len("WRK_JSON "):])
            result["command"] = " ".join([*cmd[:-3], "--", "<secret>", str(first_id)])
            return result
    raise RuntimeError(f"wrk printed no result:\n{out}")


# --- the interpreter both servers run on ------------------------------------------------------
PYTHON = sys.executable       # our server
PEER_PYTHON = sys.executable  # the peer


# --- our server ---------------------------------------------------------------------------------
def start_ours(fake: common.Fake, workdir: Path,
               log_level: str = "INFO") -> tuple[subprocess.Popen, int, dict[str, float]]:
    port = common.free_port()
    env = service_env(port, fake.url, workdir / "data", WEBHOOK_SECRET=common.WEBHOOK_SECRET,
                      LOG_LEVEL=log_level)
    log = open(workdir / "server.log", "w")  # noqa: SIM115 - closed with the process
    t0 = time.perf_counter()
    proc = subprocess.Popen([PYTHON, "-m", "shared"], cwd=workdir, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    times: dict[str, float] = {}
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    with httpx.Client(timeout=1) as client:
        while "ready_s" not in times:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{(workdir / 'server.log').read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if "health_s" not in times and \
                        client.get(f"{base}/health").status_code == 200:
                    times["health_s"] = time.perf_counter() - t0
                if "health_s" in times and client.get(f"{base}/ready").status_code == 200:
                    times["ready_s"] = time.perf_counter() - t0
                    continue
            time.sleep(0.005)
    if fake.webhook_url(AVAP_TOKEN) != f"{base}/webhook/avap" or not fake.webhook_url(SHOP_TOKEN):
        raise RuntimeError("the server said ready but its webhooks are not registered")
    return proc, port, times


def inbox_counts(db: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)) as c:
        rows = dict(c.execute("SELECT status, count(*) FROM inbox GROUP BY status").fetchall())
    return {"total": sum(rows.values()), **rows}


def wait_drained(port: int, timeout: float) -> float | None:
    """Seconds until the inbox has no pending rows (the worker handled everything)."""
    t0 = time.perf_counter()
    with httpx.Client(timeout=10) as client:
        while time.perf_counter() - t0 < timeout:
            with contextlib.suppress(httpx.HTTPError):
                body = client.get(f"http://127.0.0.1:{port}/health").json()
                if body["backlog"]["inbox"]["pending"] == 0:
                    return time.perf_counter() - t0
            time.sleep(0.2)
    return None


def round_ours(args: argparse.Namespace, workdir: Path, secret: str) -> dict[str, Any]:
    fake = common.Fake(workdir)
    proc = None
    try:
        proc, port, times = start_ours(fake, workdir, args.log_level)
        time.sleep(args.idle)
        rss_mb = psutil.Process(proc.pid).memory_info().rss / 2**20
        url = f"http://127.0.0.1:{port}/webhook/avap"
        warm = run_wrk(url, secret, 1_000_000, args.warmup, args.connections)
        drained_warm = wait_drained(port, args.drain_timeout)
        wrk = run_wrk(url, secret, 5_000_000, args.duration, args.connections)
        rss_after = psutil.Process(proc.pid).memory_info().rss / 2**20
        drained = wait_drained(port, args.drain_timeout)
        counts = inbox_counts(workdir / "data" / "bot.db")
        acked = warm["requests"] - warm["non_2xx"] + wrk["requests"] - wrk["non_2xx"]
        return {**times, "rss_idle_mb": rss_mb, "rss_after_load_mb": rss_after, "wrk": wrk,
                "warmup": warm, "warmup_drain_s": drained_warm, "drain_s": drained,
                "inbox_rows": counts, "acknowledged": acked}
    finally:
        common.stop(proc)
        fake.close()


# --- the peer -----------------------------------------------------------------------------------
def round_peer(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    fake = common.Fake(workdir)
    port = common.free_port()
    log = open(workdir / "peer.log", "w")  # noqa: SIM115
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [PEER_PYTHON, str(common.BENCH / "ptb_peer.py"), "--port", str(port), "--api", fake.url,
         "--token", common.PEER_TOKEN, "--secret", common.PEER_SECRET],
        cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    try:
        common.wait_port(port, proc)
        while fake.webhook_url(common.PEER_TOKEN) != f"http://127.0.0.1:{port}/webhook":
            time.sleep(0.005)
        ready_s = time.perf_counter() - t0
        time.sleep(args.idle)
        rss_mb = psutil.Process(proc.pid).memory_info().rss / 2**20
        url = f"http://127.0.0.1:{port}/webhook"
        warm = run_wrk(url, common.PEER_SECRET, 1_000_000, args.warmup, args.connections)
        wrk = run_wrk(url, common.PEER_SECRET, 5_000_000, args.duration, args.connections)
        return {"ready_s": ready_s, "rss_idle_mb": rss_mb, "wrk": wrk, "warmup": warm}
    finally:
        common.stop(proc)
        log.close()
        fake.close()


# --- report -------------------------------------------------------------------------------------
def med(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def summarise(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "rps": med([r["wrk"]["rps"] for r in rounds]),
        "p50_ms": med([r["wrk"]["p50_ms"] for r in rounds]),
        "p99_ms": med([r["wrk"]["p99_ms"] for r in rounds]),
        "non_2xx": sum(r["wrk"]["non_2xx"] for r in rounds),
        "socket_errors": sum(r["wrk"]["connect_errors"] + r["wrk"]["read_errors"]
                             + r["wrk"]["write_errors"] + r["wrk"]["timeouts"] for r in rounds),
        "ready_s": med([r["ready_s"] for r in rounds]),
        "health_s": med([r.get("health_s") for r in rounds]),
        "rss_idle_mb": med([r["rss_idle_mb"] for r in rounds]),
        "drain_s": med([r.get("drain_s") for r in rounds]),
    }


def fmt(v: float | None, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", default="10s")
    p.add_argument("--warmup", default="2s")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--idle", type=float, default=10.0, help="seconds after ready before RSS")
    p.add_argument("--drain-timeout", type=float, default=5.0,
                   help="seconds to wait for the inbox worker to handle the backlog")
    p.add_argument("--only", choices=("ours", "peer"))
    p.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                   help="our server's LOG_LEVEL (default INFO, the service's default)")
    p.add_argument("--python", help="interpreter of our server (default: bench/.venv, built "
                                     "from requirements.txt)")
    p.add_argument("--peer-python", help="interpreter of the peer (default: bench/.venv-peer, "
                                          "requirements.txt + PTB's webhooks extra)")
    args = p.parse_args()
    global PYTHON, PEER_PYTHON
    PYTHON = args.python or common.production_python(".venv", [])
    PEER_PYTHON = args.peer_python or common.production_python(
        ".venv-peer", ["python-telegram-bot[webhooks]==22.8"])
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2
    secret = common.our_secret()
    ours: list[dict[str, Any]] = []
    peer: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        for i in range(args.rounds):
            # alternate, so that a slow phase of the machine does not favour one side
            if args.only != "ours":
                wd = Path(tmp) / f"peer-{i}"
                wd.mkdir()
                peer.append(round_peer(args, wd))
                print(f"round {i + 1} peer: {peer[-1]['wrk']['rps']:.0f} rps, "
                      f"p99 {peer[-1]['wrk']['p99_ms']:.1f} ms", flush=True)
            if args.only != "peer":
                wd = Path(tmp) / f"ours-{i}"
                wd.mkdir()
                ours.append(round_ours(args, wd, secret))
                r = ours[-1]
                print(f"round {i + 1} ours: {r['wrk']['rps']:.0f} rps, p99 "
                      f"{r['wrk']['p99_ms']:.1f} ms, ready {r['ready_s'] * 1000:.0f} ms, "
                      f"RSS {r['rss_idle_mb']:.1f} MB, drained in {fmt(r['drain_s'], '.1f')} s, "
                      f"inbox {r['inbox_rows']}", flush=True)
    s_ours = summarise(ours) if ours else None
    s_peer = summarise(peer) if peer else None

    rows = [("", "ours (python -m shared)", "PTB run_webhook (peer)")]

    def line(label: str, key: str, spec: str, scale: float = 1.0) -> None:
        vals = []
        for s in (s_ours, s_peer):
            v = None if s is None or s[key] is None else s[key] * scale
            vals.append(fmt(v, spec))
        rows.append((label, *vals))

    line("throughput (updates/s)", "rps", ",.0f")
    line("ack latency p50 (ms)", "p50_ms", ".2f")
    line("ack latency p99 (ms)", "p99_ms", ".2f")
    line("non-2xx responses", "non_2xx", ".0f")
    line("socket errors", "socket_errors", ".0f")
    line("start-up to /health 200 (ms)", "health_s", ".0f", 1000)
    line("start-up to ready (ms)", "ready_s", ".0f", 1000)
    line("RSS 10 s after ready (MB)", "rss_idle_mb", ".1f")
    line("inbox drained after load (s)", "drain_s", ".1f")
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    print()
    print(f"medians of {args.rounds} round(s); wrk -t1 -c{args.connections} -d{args.duration}")
    for r in rows:
        print(f"  {r[0]:<{width[0]}}  {r[1]:>{width[1]}}  {r[2]:>{width[2]}}")
    verdict: dict[str, Any] = {}
    if s_ours and s_peer:
        ratio = s_ours["rps"] / s_peer["rps"]
        verdict = {
            "throughput_ratio": ratio,
            "throughput_3x": ratio >= 3.0,
            "p99_not_worse": s_ours["p99_ms"] <= s_peer["p99_ms"],
        }
    if s_ours:
        verdict.update({"ready_under_1s": s_ours["ready_s"] < 1.0,
                        "idle_rss_under_90mb": s_ours["rss_idle_mb"] < 90.0})
    print()
    for k, v in verdict.items():
        print(f"  {k}: {v:.2f}" if isinstance(v, float) else f"  {k}: {'PASS' if v else 'FAIL'}")

    common.write_results(
        "latest.json",
        settings={"rounds": args.rounds, "duration": args.duration, "warmup": args.warmup,
                  "connections": args.connections, "threads": 1, "idle_s": args.idle,
                  "storage": "sqlite", "log_level": args.log_level},
        summary={"ours": s_ours, "peer": s_peer},
        verdict=verdict,
        rounds={"ours": ours, "peer": peer},
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
