"""Lean benchmark (issue 14): CPU per update, idle CPU, broadcast and latency on 0.1 CPU.

    python bench/lean.py [--quick] [--only ours|peer] [--python $(which python)]

Our server (``python -m shared`` as a new user runs it: SQLite in a fresh ``DATA_DIR``, the
default LOG_LEVEL INFO, both bots configured, PUBLIC_URL set) and the peer (bench/ptb_peer.py
``--reply``: PTB's ``run_webhook`` answering every message with ``reply_text``) run, one after the
other, against the fake Bot API (``python -m tests.fakes.telegram_api --rate 30 --stats``), read
only through its ``/_stats``. Each side runs twice:

1. at full CPU: start-up to /health and to ready, idle CPU over ``--idle`` seconds and then the
   RSS; then ``--updates`` /start from new users at ``--update-rate`` per second until every reply
   reached the fake: server CPU (psutil user+system) minus the idle rate x duration, per update;
2. in a cgroup limited to 0.1 CPU from its first instruction: start-up, a short idle, open-loop
   /start from new users at each of ``--rates`` for ``--latency-duration`` seconds (latency =
   POST to the fake receiving a reply), and (ours) ``/broadcast`` to ``--students`` students: CPU
   per message and messages per second.

Writes bench/results/lean.json. Only the server under test is in the cgroup.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from broadcast import ADMIN_ID, Webhook, add_students, broadcast_row
from common import (  # puts the repository on sys.path
    Fake,
    machine,
    production_python,
    write_results,
)
from servers import Server, interpreter, running, sends

from tests.fakes import updates


def idle_cpu(srv: Server, seconds: float) -> float:
    """CPU milliseconds per second with no traffic over ``seconds``."""
    c0, t0 = srv.cpu_s(), time.perf_counter()
    time.sleep(seconds)
    return (srv.cpu_s() - c0) * 1000 / (time.perf_counter() - t0)


class Ids:
    """Update ids and user ids nobody else uses (the inbox deduplicates on the update id)."""

    def __init__(self) -> None:
        self.update = 50_000_000
        self.user = 5_000_000

    def start(self) -> dict[str, Any]:
        """A /start from a new user in a private chat."""
        self.update += 1
        self.user += 1
        return updates.message(self.update, "/start", user_id=self.user)


def wait_sends(fake: Fake, target: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while sends(fake) < target:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def cpu_per_update(srv: Server, fake: Fake, ids: Ids, n: int, rate: float,
                   idle_ms_s: float) -> dict[str, Any]:
    """``n`` /start at ``rate`` per second, until all replies reached the fake (+1 s to settle):
    the server's CPU per update with the idle rate removed."""
    base = sends(fake)
    headers = {"X-Telegram-Bot-Api-Secret-Token": srv.secret}
    c0, t0 = srv.cpu_s(), time.perf_counter()
    with httpx.Client(timeout=30) as client:
        for i in range(n):
            time.sleep(max(0.0, t0 + i / rate - time.perf_counter()))
            client.post(srv.webhook, json=ids.start(), headers=headers).raise_for_status()
    complete = wait_sends(fake, base + n, 120)
    time.sleep(1.0)
    cpu, duration = srv.cpu_s() - c0, time.perf_counter() - t0
    return {"n": n, "rate": rate, "complete": complete, "duration_s": duration, "cpu_s": cpu,
            "idle_ms_per_s": idle_ms_s, "raw_ms_per_update": cpu * 1000 / n,
            "ms_per_update": (cpu - idle_ms_s / 1000 * duration) * 1000 / n}


async def _watch(client: httpx.AsyncClient, fake: Fake, base: int, n: int,
                 arrivals: list[float], deadline: float) -> int:
    """Poll the fake's /_stats every 5 ms, appending the arrival time of every new sendMessage
    (``last``: exact when one arrived since the previous poll, an upper bound by at most a poll
    for the earlier ones otherwise). Returns how many polls saw more than one."""
    seen, coalesced = base, 0
    while len(arrivals) < n and time.monotonic() < deadline:
        m = (await client.get(f"{fake.url}/_stats")).json()["methods"].get("sendMessage", {})
        count = int(m.get("count", 0))
        if count > seen:
            coalesced += count - seen > 1
            arrivals.extend([float(m["last"])] * (count - seen))
            seen = count
        await asyncio.sleep(0.005)
    return coalesced


async def _open_loop(srv: Server, fake: Fake, starts: list[dict[str, Any]], rate: float,
                     base: int) -> dict[str, Any]:
    """POST ``starts`` on schedule (``rate`` per second) whatever the answers; the replies'
    arrival times at the fake."""
    n = len(starts)
    sent: list[float] = [0.0] * n
    acks: list[float] = [0.0] * n
    arrivals: list[float] = []
    headers = {"X-Telegram-Bot-Api-Secret-Token": srv.secret}
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        deadline = time.monotonic() + n / rate + 120
        watcher = asyncio.create_task(_watch(client, fake, base, n, arrivals, deadline))

        async def post(i: int) -> None:
            sent[i] = time.time()
            r = await client.post(srv.webhook, json=starts[i], headers=headers)
            acks[i] = time.time() - sent[i]
            r.raise_for_status()

        t0 = time.monotonic() + 0.05
        tasks = []
        for i in range(n):
            await asyncio.sleep(max(0.0, t0 + i / rate - time.monotonic()))
            tasks.append(asyncio.create_task(post(i)))
        await asyncio.gather(*tasks)
        coalesced = await watcher
    return {"sent": sent, "acks": acks, "arrivals": arrivals, "coalesced_polls": coalesced}


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 \
        else (values[0] if values else float("nan"))


def latency_run(srv: Server, fake: Fake, ids: Ids, rate: float, duration: float) -> dict[str, Any]:
    """Open-loop /start at ``rate`` for ``duration`` s: reply latency, the k-th reply to arrive
    matched with the k-th POST (replies to new users leave in order of arrival)."""
    starts = [ids.start() for _ in range(int(rate * duration))]
    base = sends(fake)
    c0 = srv.cpu_s()
    raw = asyncio.run(_open_loop(srv, fake, starts, rate, base))
    cpu = srv.cpu_s() - c0
    lat = [(a - s) * 1000 for s, a in zip(sorted(raw["sent"]), sorted(raw["arrivals"]),
                                          strict=False)]
    acks = [a * 1000 for a in raw["acks"]]
    time.sleep(2.0)
    return {"rate": rate, "duration_s": duration, "n": len(starts), "replied": len(lat),
            "p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "max_ms": max(lat, default=None),
            "ack_p50_ms": pct(acks, 50), "ack_p95_ms": pct(acks, 95), "cpu_s": cpu,
            "coalesced_polls": raw["coalesced_polls"], "latencies_ms": lat}


def broadcast_run(srv: Server, fake: Fake, students: int) -> dict[str, Any]:
    """bench/broadcast.py's /broadcast (all students, over the webhook): CPU from the
    confirmation to the row being done, per message sent, and the copies per second."""
    add_students(srv, students)  # type: ignore[arg-type]
    hook = Webhook(srv, srv.secret)  # type: ignore[arg-type]
    hook.wait_handled(hook.message(ADMIN_ID, "/broadcast"), 120)
    hook.wait_handled(hook.message(
        ADMIN_ID, "Lesson 5 is out! <b>Watch it today</b> and send your questions."), 120)
    with contextlib.closing(srv.connect()) as conn:
        bid = conn.execute("SELECT max(id) FROM broadcasts").fetchone()[0]
    hook.wait_handled(hook.press(ADMIN_ID, f"ba:{bid}:-1", 50), 120)
    c0, t0 = srv.cpu_s(), time.time()
    hook.wait_handled(hook.press(ADMIN_ID, f"bs:{bid}:1", 51), 120)
    row = broadcast_row(srv, bid)  # type: ignore[arg-type]
    while row["status"] != "done" and srv.proc.poll() is None:
        time.sleep(0.5)
        row = broadcast_row(srv, bid)  # type: ignore[arg-type]
    cpu, done = srv.cpu_s() - c0, time.time()
    stats = fake.stats()
    copies = stats["methods"].get("copyMessage", {"count": 0, "first": t0, "last": t0})
    sent = int(row["sent_count"])
    span = copies["last"] - copies["first"]
    return {"students": students, "sent": sent, "failed": row["failed_count"],
            "cpu_s": cpu, "duration_s": done - t0, "ms_per_message": cpu * 1000 / max(sent, 1),
            "rate_overall": sent / max(copies["last"] - t0, 1e-9),
            "rate_steady": (copies["count"] - 1) / span if span > 0 else 0.0,
            "refusals_429": stats["rate_refusals"]}


def run_side(side: str, args: argparse.Namespace, python: str, tmp: Path) -> dict[str, Any]:
    """Both instances of one side (full CPU, then 0.1 CPU) with a fresh fake each."""
    out: dict[str, Any] = {}
    ids = Ids()
    for phase in ("full", "limited"):
        workdir = tmp / f"{side}-{phase}"
        workdir.mkdir()
        cgroup = f"lean-bench-{os.getpid()}-{side}" if phase == "limited" else None
        with running(side, python, workdir, cgroup) as (srv, fake, limit):
            r: dict[str, Any] = {**srv.times}
            print(f"{side} {phase}: ready in {r['ready_s']:.2f} s", flush=True)
            if phase == "full":
                r["idle_ms_per_s"] = idle_cpu(srv, args.idle)
                r["rss_idle_mb"] = srv.rss_mb()
                r["per_update"] = cpu_per_update(srv, fake, ids, args.updates, args.update_rate,
                                                 r["idle_ms_per_s"])
                print(f"  idle {r['idle_ms_per_s']:.2f} ms/s, RSS {r['rss_idle_mb']:.1f} MB, "
                      f"{r['per_update']['ms_per_update']:.2f} ms CPU per /start", flush=True)
            else:
                r["idle_ms_per_s"] = idle_cpu(srv, args.idle_limited)
                for rate in args.rates:
                    lr = latency_run(srv, fake, ids, rate, args.latency_duration)
                    r[f"latency_{rate:g}"] = lr
                    print(f"  {rate:g}/s: p50 {lr['p50_ms']:.0f} ms, p95 {lr['p95_ms']:.0f} ms, "
                          f"{lr['replied']}/{lr['n']} replied", flush=True)
                if side == "ours" and args.students:
                    r["broadcast"] = broadcast_run(srv, fake, args.students)
                    b = r["broadcast"]
                    print(f"  broadcast: {b['ms_per_message']:.2f} ms/msg, "
                          f"{b['rate_steady']:.1f} msg/s", flush=True)
            if limit:
                r["cgroup_stat"] = limit.stat()
            out[phase] = r
    return out


def table(res: dict[str, Any], rates: list[float]) -> list[tuple[str, str, str, str]]:
    """The rows printed: figure, ours, peer, target."""
    def get(side: str, *path: str) -> Any:
        v: Any = res.get(side)
        for k in path:
            v = v.get(k) if isinstance(v, dict) else None
        return v

    def cell(side: str, *path: str, spec: str = ".1f", scale: float = 1.0) -> str:
        v = get(side, *path)
        return "-" if v is None else format(v * scale, spec)

    def row(label: str, target: str, *path: str, spec: str = ".1f", scale: float = 1.0) -> tuple:
        return (label, cell("ours", *path, spec=spec, scale=scale),
                cell("peer", *path, spec=spec, scale=scale), target)

    rows = [("", "ours", "peer", "target"),
            row("CPU per /start, idle removed (ms)", "<= peer",
                "full", "per_update", "ms_per_update", spec=".2f"),
            row("CPU per /start, raw (ms)", "", "full", "per_update", "raw_ms_per_update",
                spec=".2f"),
            row("idle CPU, full (ms/s)", "<= 1", "full", "idle_ms_per_s", spec=".2f"),
            row("idle CPU at 0.1 CPU (ms/s)", "", "limited", "idle_ms_per_s", spec=".2f"),
            row("broadcast CPU per message at 0.1 (ms)", "<= 1.5",
                "limited", "broadcast", "ms_per_message", spec=".2f"),
            row("broadcast rate at 0.1 CPU (msg/s)", ">= 27",
                "limited", "broadcast", "rate_steady")]
    for rate in rates:
        key = f"latency_{rate:g}"
        for q in ("p50", "p95"):
            rows.append(row(f"{rate:g}/s /start at 0.1 CPU, reply {q} (ms)",
                            "<= 50" if rate == 7 and q == "p95" else "",
                            "limited", key, f"{q}_ms", spec=".0f"))
    rows += [row("start-up to /health, full (s)", "", "full", "health_s", spec=".2f"),
             row("start-up to ready, full (s)", "< 1", "full", "ready_s", spec=".2f"),
             row("start-up to /health at 0.1 CPU (s)", "", "limited", "health_s", spec=".2f"),
             row("start-up to ready at 0.1 CPU (s)", "< 5", "limited", "ready_s", spec=".2f"),
             row("idle RSS (MB)", "< 90", "full", "rss_idle_mb")]
    return rows



def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", choices=("ours", "peer"))
    p.add_argument("--quick", action="store_true",
                   help="short run: idle 5 s, 50 updates, 5 s per rate, 200 students")
    p.add_argument("--idle", type=float, default=30.0, help="idle seconds at full CPU")
    p.add_argument("--idle-limited", type=float, default=10.0, help="idle seconds at 0.1 CPU")
    p.add_argument("--updates", type=int, default=300, help="/start updates for CPU per update")
    p.add_argument("--update-rate", type=float, default=10.0, help="their rate per second")
    p.add_argument("--rates", type=float, nargs="+", default=[3.0, 7.0],
                   help="open-loop /start rates at 0.1 CPU")
    p.add_argument("--latency-duration", type=float, default=20.0, help="seconds per rate")
    p.add_argument("--students", type=int, default=1000, help="broadcast recipients (0: none)")
    p.add_argument("--python", help="interpreter of our server (default: bench/.venv)")
    p.add_argument("--peer-python", help="interpreter of the peer (default: bench/.venv-peer)")
    args = p.parse_args()
    if args.quick:
        args.idle, args.idle_limited, args.updates = 5.0, 5.0, 50
        args.latency_duration, args.students = 5.0, 200
    pythons = {  # absolute: the servers run in their own working directories
        "ours": lambda: interpreter(args.python) or production_python(".venv", []),
        "peer": lambda: interpreter(args.peer_python) or production_python(
            ".venv-peer", ["python-telegram-bot[webhooks]==22.8"]),
    }
    load = os.getloadavg()
    res: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-lean-") as tmp:
        for side in ("peer", "ours"):
            if args.only in (None, side):
                res[side] = run_side(side, args, pythons[side](), Path(tmp))
    rows = table(res, args.rates)
    width = [max(len(r[i]) for r in rows) for i in range(4)]
    print()
    for r in rows:
        print(f"  {r[0]:<{width[0]}}  {r[1]:>{width[1]}}  {r[2]:>{width[2]}}  {r[3]}")
    write_results("lean.json", machine={**machine(), "loadavg_before": load,
                                        "loadavg_after": os.getloadavg()},
                  settings=vars(args), table=rows, results=res)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
