"""Storage backends benchmark: what an update costs on PostgreSQL and on Supabase's REST API.

    python bench/rest.py [--users 30] [--latency-ms 0 20] [--idle 60]

For each configuration, ``python -m shared`` runs as deployed against the fake Bot API, on one
private PostgreSQL cluster (Debian's ``postgresql`` package, as the tests use it):

* ``postgresql``: ``DATABASE_URL`` straight to the database;
* ``rest+N ms``: ``SUPABASE_URL`` + ``SUPABASE_KEY`` only, through the fake PostgREST
  (tests/fakes/postgrest.py, PostgREST's HTTP API over the same kind of database), which waits
  ``N`` ms before each answer: the network between the host and Supabase (a few ms in the same
  region, tens of ms across regions).

Workload, one update in flight at a time so that each one's cost can be counted: ``--users``
students each send ``/start`` (the welcome) and then their email, which matches a buyer (the
"matched" answer, the verification request and its card in the admins' group). For every update
the script records the time from the webhook POST to the bot's answer at the fake Bot API, and,
on REST, the PostgREST requests made from the POST until the inbox row is done and what the
update queued (the card, sent by the outbox worker at the group's pace) has been sent. Then the
server sits idle for ``--idle`` seconds and the requests it makes meanwhile (queue polls, scheduler
jobs) are counted: what an idle deployment costs in requests (Supabase egress).

Prints a table and writes bench/results/rest.json. The fake PostgREST runs in this process, so
its own CPU time is in the REST figures (PostgREST proper, written in Haskell, is faster).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from shared.config import normalise_database_url  # noqa: E402
from shared.storage import open_storage  # noqa: E402
from tests.fakes import updates  # noqa: E402
from tests.fakes.postgrest import FakePostgrest  # noqa: E402
from tests.fakes.server import free_port  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.pg import start_postgres  # noqa: E402
from tests.service_env import AVAP_TOKEN, service_env  # noqa: E402

VERIFICATION_GROUP = -1001000000001
FIRST_USER = 700_000
RESULTS = REPO / "bench" / "results"

def pg_rows(url: str, sql: str) -> list[tuple]:
    """A query straight to the database (never through the fake: it must not be counted)."""
    import asyncpg

    async def run() -> list[tuple]:
        conn = await asyncpg.connect(url)
        try:
            return [tuple(r) for r in await conn.fetch(sql)]
        finally:
            await conn.close()
    return asyncio.run(run())


def prepare(url: str, users: int) -> None:
    """Migrate the database (as `python -m shared sql` would) and add one buyer per student."""
    async def run() -> None:
        st = await open_storage(normalise_database_url(url))
        try:
            for i in range(users):
                await st.avap.upsert_buyer(name=f"Student {i}", email=f"s{i}@example.com",
                                           phone=None, source="bench", added_by=None)
        finally:
            await st.close()
    asyncio.run(run())


class Server:
    """``python -m shared`` as a process, with the storage variables of one configuration."""

    def __init__(self, workdir: Path, telegram: FakeTelegram, storage_env: dict[str, str],
                 python: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = service_env(self.port, telegram.url, workdir / "data",
                          WEBHOOK_SECRET="bench-webhook-secret",
                          VERIFICATION_GROUP_ID=str(VERIFICATION_GROUP), LOG_LEVEL="WARNING",
                          **storage_env)
        self.log_path = workdir / "server.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([python, "-m", "shared"], cwd=workdir, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        with httpx.Client(timeout=2) as client:
            while True:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start:\n{self.log_path.read_text()}")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{self.url}/ready").status_code == 200:
                        break
                time.sleep(0.05)
        self.secret = telegram.bot(AVAP_TOKEN).secret_token or ""

    def post(self, client: httpx.Client, update: dict[str, Any]) -> float:
        """POST an update as Telegram does; returns the acknowledgement time in seconds."""
        t0 = time.perf_counter()
        r = client.post(f"{self.url}/webhook/avap", content=json.dumps(update),
                        headers={"X-Telegram-Bot-Api-Secret-Token": self.secret,
                                 "Content-Type": "application/json"})
        if r.status_code != 200:
            raise RuntimeError(f"webhook answered {r.status_code}: {r.text}")
        return time.perf_counter() - t0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


def answers_to(telegram: FakeTelegram, chat_id: int) -> int:
    return sum(1 for c in telegram.calls_of("sendMessage", AVAP_TOKEN)
               if int(c.params.get("chat_id", 0)) == chat_id)


def wait_until(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        time.sleep(0.002)


def run_config(name: str, pg_url: str, users: int, latency_ms: float | None, idle: float,
               python: str, workdir: Path) -> dict[str, Any]:
    """One configuration: fresh database, fresh processes, the workload, the idle window."""
    prepare(pg_url, users)
    telegram = FakeTelegram().start()
    rest = None
    if latency_ms is None:
        storage_env = {"DATABASE_URL": pg_url}
    else:
        rest = FakePostgrest(pg_url, latency=latency_ms / 1000).start()
        storage_env = {"SUPABASE_URL": rest.url, "SUPABASE_KEY": FakePostgrest.SERVICE_KEY}
    server = Server(workdir, telegram, storage_env, python)
    samples: dict[str, list[dict[str, Any]]] = {"start": [], "email": []}
    paths: dict[str, collections.Counter] = {"start": collections.Counter(),
                                             "email": collections.Counter()}
    # an update is over when it is marked done and what it queued (the card) has been sent
    pending_sql = ("SELECT (SELECT count(*) FROM inbox WHERE status <> 'done')"
                   " + (SELECT count(*) FROM outbox WHERE status = 'pending')")
    try:
        time.sleep(2)  # start-up jobs (webhook checks, first scheduler ticks) out of the way
        with httpx.Client(timeout=30) as client:
            for i in range(users):
                uid = FIRST_USER + i
                for kind, text in (("start", "/start"), ("email", f"s{i}@example.com")):
                    before_answers = answers_to(telegram, uid)
                    before_requests = len(rest.requests) if rest else 0
                    t0 = time.time()
                    ack = server.post(client, updates.message(
                        FIRST_USER * 10 + 2 * i + (kind == "email"), text, user_id=uid))
                    wait_until(lambda u=uid, n=before_answers: answers_to(telegram, u) > n)
                    answer = next(c for c in reversed(telegram.calls_of("sendMessage",
                                                                        AVAP_TOKEN))
                                  if int(c.params.get("chat_id", 0)) == uid)
                    wait_until(lambda: pg_rows(pg_url, pending_sql)[0][0] == 0)
                    sample = {"ack_ms": ack * 1000, "answer_ms": (answer.at - t0) * 1000}
                    if rest:
                        made = rest.requests[before_requests:]
                        sample["requests"] = len(made)
                        paths[kind].update(r.path.removeprefix("/rest/v1/") for r in made)
                    samples[kind].append(sample)
        cards = [c for c in telegram.calls_of("sendMessage", AVAP_TOKEN)
                 if int(c.params.get("chat_id", 0)) == VERIFICATION_GROUP]
        if len(cards) != users:
            raise RuntimeError(f"{len(cards)} verification cards for {users} students")
        idle_requests = None
        idle_paths: collections.Counter = collections.Counter()
        if rest:
            time.sleep(3)
            before = len(rest.requests)
            time.sleep(idle)
            made = rest.requests[before:]
            idle_requests = len(made) * 60 / idle
            idle_paths.update(r.path.removeprefix("/rest/v1/") for r in made)
        errors = [r for r in rest.requests if r.status >= 500] if rest else []
    finally:
        server.stop()
        if rest:
            rest.stop()
        telegram.stop()

    def med(kind: str, key: str) -> float | None:
        vals = [s[key] for s in samples[kind] if key in s]
        return statistics.median(vals) if vals else None

    def p90(kind: str, key: str) -> float | None:
        vals = sorted(s[key] for s in samples[kind] if key in s)
        return vals[int(0.9 * (len(vals) - 1))] if vals else None

    return {
        "name": name, "latency_ms": latency_ms, "users": users,
        "summary": {kind: {"ack_ms_p50": med(kind, "ack_ms"),
                           "answer_ms_p50": med(kind, "answer_ms"),
                           "answer_ms_p90": p90(kind, "answer_ms"),
                           "requests_p50": med(kind, "requests"),
                           "requests_max": max((s["requests"] for s in samples[kind]
                                                if "requests" in s), default=None),
                           "paths_per_update": {p: n / users for p, n in paths[kind].most_common()}}
                    for kind in samples},
        "idle_requests_per_minute": idle_requests,
        "idle_paths_per_minute": {p: n * 60 / idle for p, n in idle_paths.most_common()},
        "rest_5xx": len(errors),
        "samples": samples,
    }


def fmt(v: float | None, spec: str = ".1f") -> str:
    return "-" if v is None else format(v, spec)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=30)
    p.add_argument("--latency-ms", type=float, nargs="*", default=[0.0, 20.0],
                   help="the REST configurations: the fake PostgREST's delay per request")
    p.add_argument("--idle", type=float, default=60.0,
                   help="seconds of idle server whose REST requests are counted")
    p.add_argument("--python", default=sys.executable, help="interpreter of the server")
    args = p.parse_args()
    started = start_postgres()
    if started is None:
        print("PostgreSQL is not installed: apt-get install -y postgresql", file=sys.stderr)
        return 2
    pg, stop_pg = started
    results = []
    try:
        configs: list[tuple[str, float | None]] = [("postgresql", None)]
        configs += [(f"rest+{ms:g}ms", ms) for ms in args.latency_ms]
        with tempfile.TemporaryDirectory(prefix="bench-rest-") as tmp:
            for name, ms in configs:
                wd = Path(tmp) / name
                wd.mkdir()
                results.append(run_config(name, pg.create_database(), args.users, ms,
                                          args.idle, args.python, wd))
                s = results[-1]["summary"]
                print(f"{name}: /start answered in {fmt(s['start']['answer_ms_p50'])} ms, "
                      f"email in {fmt(s['email']['answer_ms_p50'])} ms", flush=True)
    finally:
        stop_pg()

    print()
    print("| configuration | update | ack p50 (ms) | answer p50 (ms) | answer p90 (ms) "
          "| REST requests p50 (max) |")
    print("|---|---|---:|---:|---:|---:|")
    for r in results:
        for kind, s in r["summary"].items():
            reqs = "-" if s["requests_p50"] is None else \
                f"{s['requests_p50']:g} ({s['requests_max']})"
            print(f"| {r['name']} | {kind} | {fmt(s['ack_ms_p50'])} | {fmt(s['answer_ms_p50'])} "
                  f"| {fmt(s['answer_ms_p90'])} | {reqs} |")
    for r in results:
        if r["idle_requests_per_minute"] is not None:
            print(f"{r['name']}: {r['idle_requests_per_minute']:.1f} REST requests per idle "
                  f"minute (" + ", ".join(f"{p} {n:g}" for p, n in
                                          r["idle_paths_per_minute"].items())
                  + f"); {r['rest_5xx']} answers 5xx")
    rest_runs = [r for r in results if r["latency_ms"] is not None]
    if rest_runs:
        print("\nrequests per update, by path (first REST configuration):")
        for kind, s in rest_runs[0]["summary"].items():
            print(f"  {kind}: " + ", ".join(f"{p} {n:g}" for p, n in
                                            s["paths_per_update"].items()))
    RESULTS.mkdir(exist_ok=True)
    out = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                       "platform": platform.platform()},
           "args": vars(args), "results": results}
    (RESULTS / "rest.json").write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
