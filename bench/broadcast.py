"""Broadcast benchmark: /broadcast to N students through the real server, against a fake Bot API
that enforces Telegram's 30 messages per second, while students keep writing to the bot.

    python bench/broadcast.py [--students 10000] [--probes 300] [--probe-interval 0.1]
    python bench/broadcast.py --limited [--rounds 3]   # CPU per message at 0.1 CPU only

One run:

1. starts the fake Bot API as a process (``python -m tests.fakes.telegram_api --rate 30
   --stats``: 429 with ``retry_after 1`` to any send beyond 30 in a 1-second sliding window)
   and ``python -m shared`` exactly as deployed (bench/.venv built from requirements.txt,
   SQLite in a fresh temporary ``DATA_DIR``, ``LOG_LEVEL=WARNING``, ``ADMIN_USER_IDS`` set);
2. inserts ``--students`` verified students straight into the server's SQLite file;
3. idle: ``--probes`` sequential POSTs of a private "hi" from as many other users, one every
   ``--probe-interval`` seconds, to ``/webhook/avap``; each is acknowledged (timed here) and then
   answered by the bot with a sendMessage, as in production;
4. the admin's /broadcast over the webhook: the command, the message, "all students", "send";
5. during the broadcast (from ``--probe-delay`` seconds after the confirmation): the same probes
   again, from new users;
6. when the broadcast is done, reads the fake's ``/_stats``.

Figures: messages delivered per second (every successful send of the bot: the broadcast's
copies and the replies to the probes) over the full seconds between the confirmation and the
last copy, the broadcast's own copies per second, the 429 refusals as a share of send attempts,
and the webhook's acknowledgement latency (p50/p99/max) idle and during the broadcast. Writes
bench/results/broadcast.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import common  # puts the repository on sys.path
import httpx
import psutil

from tests.fakes import updates
from tests.service_env import service_env

ADMIN_ID = 9001
FIRST_STUDENT = 100_000
IDLE_USERS = 2_000_000  # probe senders before the broadcast
BUSY_USERS = 3_000_000  # probe senders during the broadcast
LIMIT = 30  # messages per second the fake enforces, as Telegram does


class Server:
    def __init__(self, python: str, fake: common.Fake, workdir: Path) -> None:
        self.port = common.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = workdir / "data" / "bot.db"
        env = service_env(self.port, fake.url, workdir / "data",
                          WEBHOOK_SECRET=common.WEBHOOK_SECRET, ADMIN_USER_IDS=str(ADMIN_ID),
                          LOG_LEVEL="WARNING")
        self.log_path = workdir / "server.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115
        self.proc = subprocess.Popen([python, "-m", "shared"], cwd=workdir, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{self.log_path.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/ready", timeout=1).status_code == 200:
                    break
            time.sleep(0.05)

    def connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.db, timeout=30)

    def inbox_pending(self) -> int:
        body = httpx.get(f"{self.url}/health", timeout=10).json()
        return int(body["backlog"]["inbox"]["pending"])

    def close(self) -> None:
        common.stop(self.proc)
        self.log.close()


def add_students(srv: Server, n: int) -> None:
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    with contextlib.closing(srv.connect()) as conn, conn:
        conn.executemany(
            "INSERT INTO verified_users (telegram_id, name, email, status, created_at, "
            "updated_at) VALUES (?, ?, ?, 'verified', ?, ?)",
            [(i, f"Student {i}", f"s{i}@example.com", now, now)
             for i in range(FIRST_STUDENT, FIRST_STUDENT + n)])


class Webhook:
    """POSTs updates to /webhook/avap the way Telegram does (one connection, kept alive)."""

    def __init__(self, srv: Server, secret: str) -> None:
        self.srv = srv
        self.url = f"{srv.url}/webhook/avap"
        self.headers = {"X-Telegram-Bot-Api-Secret-Token": secret,
                        "Content-Type": "application/json"}
        self.client = httpx.Client(timeout=30)
        self.next_id = 1_000

    def post(self, update: dict[str, Any]) -> float:
        body = json.dumps(update)
        t0 = time.perf_counter()
        r = self.client.post(self.url, content=body, headers=self.headers)
        elapsed = time.perf_counter() - t0
        if r.status_code != 200:
            raise RuntimeError(f"webhook answered {r.status_code}: {r.text}")
        return elapsed

    def uid(self) -> int:
        self.next_id += 1
        return self.next_id

    def message(self, user_id: int, text: str) -> int:
        uid = self.uid()
        self.post(updates.message(uid, text, user_id=user_id))
        return uid

    def press(self, user_id: int, data: str, message_id: int) -> int:
        uid = self.uid()
        self.post(updates.callback(uid, data, user_id=user_id, message_id=message_id))
        return uid

    def wait_handled(self, update_id: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        with contextlib.closing(self.srv.connect()) as conn:
            while time.monotonic() < deadline:
                row = conn.execute("SELECT status FROM inbox WHERE bot='avap' AND update_id=?",
                                   (update_id,)).fetchone()
                if row is not None and row[0] in ("done", "dead"):
                    if row[0] == "dead":
                        raise RuntimeError(f"update {update_id} failed; see the server log")
                    return
                time.sleep(0.02)
        raise RuntimeError(f"update {update_id} not handled in {timeout}s")


def probe(hook: Webhook, first_user: int, n: int, interval: float) -> list[float]:
    """``n`` "hi" messages from ``n`` users, one every ``interval`` seconds (sequential):
    the acknowledgement latency of each, in seconds."""
    out: list[float] = []
    start = time.perf_counter()
    for i in range(n):
        wait = start + i * interval - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        out.append(hook.post(updates.message(hook.uid(), "hi", user_id=first_user + i)))
    return out


def latency(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return {"n": len(ms), "p50_ms": q[49], "p90_ms": q[89], "p99_ms": q[98], "max_ms": ms[-1],
            "mean_ms": statistics.fmean(ms)}


def wait_drained(srv: Server, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while srv.inbox_pending() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # the last replies leave


def broadcast_row(srv: Server, broadcast_id: int) -> dict[str, Any]:
    with contextlib.closing(srv.connect()) as conn:
        conn.row_factory = sqlite3.Row
        return dict(conn.execute("SELECT * FROM broadcasts WHERE id=?",
                                 (broadcast_id,)).fetchone())


def run(args: argparse.Namespace, python: str, workdir: Path) -> dict[str, Any]:
    fake = common.Fake(workdir, LIMIT)
    srv = None
    try:
        srv = Server(python, fake, workdir)
        add_students(srv, args.students)
        hook = Webhook(srv, common.our_secret())

        # idle: the webhook's latency with nothing else going on but the replies
        probe(hook, IDLE_USERS, 20, args.probe_interval)  # warm-up (connections, caches)
        wait_drained(srv)
        idle = probe(hook, IDLE_USERS + 100_000, args.probes, args.probe_interval)
        wait_drained(srv)
        before = fake.stats()

        # the admin's /broadcast
        hook.wait_handled(hook.message(ADMIN_ID, "/broadcast"))
        hook.wait_handled(hook.message(
            ADMIN_ID, "Lesson 5 is out! <b>Watch it today</b> and send your questions."))
        with contextlib.closing(srv.connect()) as conn:
            broadcast_id = conn.execute("SELECT max(id) FROM broadcasts").fetchone()[0]
        hook.wait_handled(hook.press(ADMIN_ID, f"ba:{broadcast_id}:-1", 50))
        proc = psutil.Process(srv.proc.pid)
        cpu0 = proc.cpu_times()
        peak_rss = proc.memory_info().rss
        confirmed_at = time.time()
        hook.wait_handled(hook.press(ADMIN_ID, f"bs:{broadcast_id}:1", 51))
        print(f"broadcast {broadcast_id} to {args.students} students confirmed", flush=True)

        busy: list[float] = []
        prober = threading.Timer(args.probe_delay, lambda: busy.extend(probe(
            hook, BUSY_USERS, args.probes, args.probe_interval)))
        prober.start()
        row = broadcast_row(srv, broadcast_id)
        last_print = time.monotonic()
        while row["status"] != "done":
            if srv.proc.poll() is not None:
                raise RuntimeError("the server exited during the broadcast")
            time.sleep(0.5)
            peak_rss = max(peak_rss, proc.memory_info().rss)
            row = broadcast_row(srv, broadcast_id)
            if time.monotonic() - last_print > 15:
                last_print = time.monotonic()
                print(f"  {time.time() - confirmed_at:5.0f} s: sent {row['sent_count']}",
                      flush=True)
        done_at = time.time()
        cpu1 = proc.cpu_times()
        prober.join()
        wait_drained(srv)
        stats = fake.stats()
        errors = [line for line in srv.log_path.read_text().splitlines()
                  if '"ERROR"' in line or '"CRITICAL"' in line]
    finally:
        if srv is not None:
            srv.close()
        fake.close()
    return {"broadcast": {k: row[k] for k in ("total", "sent_count", "failed_count",
                                             "blocked_count", "status")},
            "confirmed_at": confirmed_at, "done_at": done_at, "idle": idle, "busy": busy,
            "server_cpu_s": cpu1.user + cpu1.system - cpu0.user - cpu0.system,
            "peak_rss_mb": peak_rss / 2**20,
            "stats_before": before, "stats": stats, "server_errors": errors[:20]}


def figures(raw: dict[str, Any]) -> dict[str, Any]:
    stats = raw["stats"]
    methods = stats["methods"]
    copies = methods.get("copyMessage", {"count": 0, "per_second": {}, "last": 0})
    sends: dict[int, int] = {}
    for m in methods.values():
        for sec, n in m["per_second"].items():
            sends[int(sec)] = sends.get(int(sec), 0) + n
    copy_secs = {int(s): n for s, n in copies["per_second"].items()}
    # the steady part: the full seconds between the confirmation and the last copy
    first, last = int(raw["confirmed_at"]) + 1, int(copies["last"]) - 1
    secs = range(first, last + 1)
    window = [sends.get(s, 0) for s in secs]
    delivered = sum(window) / len(window) if window else 0.0
    broadcast_only = sum(copy_secs.get(s, 0) for s in secs) / len(window) if window else 0.0
    sent = raw["broadcast"]["sent_count"]
    duration = copies["last"] - raw["confirmed_at"]
    successes = sum(sum(m["per_second"].values()) for m in methods.values())
    refused = stats["rate_refusals"]
    idle, busy = latency(raw["idle"]), latency(raw["busy"])
    replies_during = sum(sends.get(s, 0) - copy_secs.get(s, 0) for s in secs)
    return {
        "students": raw["broadcast"]["total"],
        "sent": sent,
        "failed": raw["broadcast"]["failed_count"],
        "blocked": raw["broadcast"]["blocked_count"],
        "duration_s": duration,
        "broadcast_rate_overall": sent / duration if duration > 0 else 0.0,
        "steady_seconds": len(window),
        "delivered_per_s": delivered,
        "delivered_share_of_limit": delivered / LIMIT,
        "broadcast_copies_per_s": broadcast_only,
        "other_sends_in_window": replies_during,
        "max_sends_in_one_second": max(window, default=0),
        "min_sends_in_one_second": min(window, default=0),
        "send_attempts": successes + refused,
        "refusals_429": refused,
        "refusals_share": refused / (successes + refused) if successes + refused else 0.0,
        "refusals_before_broadcast": raw["stats_before"]["rate_refusals"],
        "latency_idle": idle,
        "latency_busy": busy,
        "p99_ratio": busy["p99_ms"] / idle["p99_ms"],
        # from the confirmation to the broadcast done, replies to the probes included
        "server_cpu_ms_per_copy": raw["server_cpu_s"] * 1000 / max(sent, 1),
        "peak_rss_mb": raw["peak_rss_mb"],
    }


def limited(args: argparse.Namespace, python: str) -> int:
    """``--limited``: bench/lean.py's broadcast alone (its server, its 0.1-CPU cgroup, its
    ``broadcast_run``), ``--rounds`` times with a fresh server and fake each."""
    # bench/lean.py and bench/servers.py import this module: imported here, not at the top
    import lean
    import servers

    for i in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as tmp, servers.running(
                "ours", python, Path(tmp), f"broadcast-bench-{os.getpid()}-{i}") as (srv, fake, _):
            load = os.getloadavg()[0]
            b = lean.broadcast_run(srv, fake, args.students)
            print(f"round {i + 1}: {b['ms_per_message']:.2f} ms CPU per message, "
                  f"{b['rate_steady']:.1f} msg/s steady, {b['sent']} sent, "
                  f"{b['refusals_429']} refused (load {load:.1f} at the start)", flush=True)
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, default=10_000)
    p.add_argument("--probes", type=int, default=300,
                   help="webhook POSTs timed idle, and again during the broadcast")
    p.add_argument("--probe-interval", type=float, default=0.1,
                   help="seconds between two probes (they are sequential)")
    p.add_argument("--probe-delay", type=float, default=5.0,
                   help="seconds after the confirmation before the probes during the broadcast")
    p.add_argument("--python", help="interpreter of the server (default: bench/.venv, built "
                                    "from requirements.txt)")
    p.add_argument("--limited", action="store_true",
                   help="only the server's CPU per message at 0.1 CPU, as bench/lean.py measures "
                        "it (default --students 1000)")
    p.add_argument("--rounds", type=int, default=1, help="rounds of --limited")
    args = p.parse_args()
    python = os.path.abspath(args.python) if args.python else common.production_python(".venv", [])
    if args.limited:
        if args.students == 10_000:
            args.students = 1_000
        return limited(args, python)
    with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as tmp:
        raw = run(args, python, Path(tmp))
    f = figures(raw)
    lat_i, lat_b = f["latency_idle"], f["latency_busy"]
    print()
    print(f"broadcast to {f['students']:,} students: sent {f['sent']:,}, failed {f['failed']}, "
          f"blocked {f['blocked']}, in {f['duration_s']:.1f} s "
          f"({f['broadcast_rate_overall']:.2f} copies/s from the confirmation to the last copy)")
    print(f"  delivered, steady ({f['steady_seconds']} full seconds): "
          f"{f['delivered_per_s']:.2f} msg/s = {f['delivered_share_of_limit']:.1%} of {LIMIT}/s "
          f"(broadcast copies {f['broadcast_copies_per_s']:.2f}/s + "
          f"{f['other_sends_in_window']} replies); per second min {f['min_sends_in_one_second']}"
          f", max {f['max_sends_in_one_second']}")
    print(f"  server CPU {f['server_cpu_ms_per_copy']:.2f} ms per copy (probes' replies "
          f"included), peak RSS {f['peak_rss_mb']:.1f} MB (sampled every 0.5 s)")
    print(f"  429 refusals: {f['refusals_429']} of {f['send_attempts']:,} send attempts "
          f"({f['refusals_share']:.2%})")
    print(f"  webhook ack latency, {lat_i['n']} sequential POSTs every {args.probe_interval} s: "
          f"idle p50 {lat_i['p50_ms']:.1f} / p99 {lat_i['p99_ms']:.1f} / max "
          f"{lat_i['max_ms']:.1f} ms; during the broadcast p50 {lat_b['p50_ms']:.1f} / p99 "
          f"{lat_b['p99_ms']:.1f} / max {lat_b['max_ms']:.1f} ms; p99 ratio "
          f"{f['p99_ratio']:.2f}")
    verdict = {
        "delivered_rate_at_least_96pct": f["delivered_share_of_limit"] >= 0.96,
        "refusals_at_most_1pct": f["refusals_share"] <= 0.01,
        "p99_within_2x_idle": f["p99_ratio"] <= 2.0,
        "all_sent": f["sent"] == f["students"],
    }
    for k, v in verdict.items():
        print(f"  {k}: {'PASS' if v else 'FAIL'}")
    if raw["server_errors"]:
        print(f"  server errors in its log: {len(raw['server_errors'])} (first: "
              f"{raw['server_errors'][0][:200]})")
    common.write_results(
        "broadcast.json",
        settings=vars(args),
        figures=f, verdict=verdict,
        raw={k: v for k, v in raw.items() if k not in ("stats", "stats_before")},
        fake_stats={"rate_refusals": raw["stats"]["rate_refusals"],
                    "methods": {m: {k: v for k, v in d.items() if k != "per_second"}
                                for m, d in raw["stats"]["methods"].items()}},
    )
    return 0 if all(verdict.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
