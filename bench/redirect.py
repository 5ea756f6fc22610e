"""CTA redirect benchmark: ``GET /r/{code}`` of the real server under wrk.

    python bench/redirect.py [--rounds 3] [--duration 10s] [--connections 64]

Each round starts ``python -m shared`` exactly as deployed (bench/.venv built from
requirements.txt, SQLite in a fresh ``DATA_DIR``, ``LOG_LEVEL=WARNING``, both bots on, the fake
Bot API as a process), inserts one published post with a CTA link straight into the server's
SQLite file, warms up for 2 s, then runs ``wrk -t1 -cN -dD --latency`` (bench/wrk_redirect.lua:
every request from a different client address). It then counts the click rows in the database:
every answered redirect must have its click stored (the route commits before it answers;
clicks still in flight when wrk stops may add up to N more). Prints a table (medians over the
rounds) and writes bench/results/redirect.json. Needs ``wrk`` (``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from broadcast import Server
from common import BENCH, Fake, production_python, write_results

LUA = BENCH / "wrk_redirect.lua"

CODE = "BenchCta1"
TARGET = "https://shop.example/product/42?utm_source=telegram"


def add_post(srv: Server) -> None:
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    with srv.connect() as conn:
        post_id = conn.execute(
            "INSERT INTO posts (title, text, status, post_format, created_at, updated_at, "
            "published_at, separate_text, attempts) VALUES ('bench', 'bench', 'published', "
            "'sale', ?, ?, ?, 0, 0)", (now, now, now)).lastrowid
        conn.execute("INSERT INTO post_links (post_id, position, label, url, code, created_at) "
                     "VALUES (?, 0, 'Buy', ?, ?, ?)", (post_id, TARGET, CODE, now))


def clicks(srv: Server) -> int:
    with srv.connect() as conn:
        return int(conn.execute("SELECT count(*) FROM analytics WHERE action='click'")
                   .fetchone()[0])


def wrk(url: str, duration: str, connections: int) -> dict[str, Any]:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration}", "--latency", "-s", str(LUA), url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=300).stdout
    for line in out.splitlines():
        if line.startswith("WRK_JSON "):
            result = json.loads(line[len("WRK_JSON "):])
            result["command"] = " ".join(cmd)
            return result
    raise RuntimeError(f"wrk printed no result:\n{out}")


def one_round(python: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-redirect-") as tmp:
        workdir = Path(tmp)
        fake = Fake(workdir, rate=1_000_000)
        srv = Server(python, fake, workdir)
        try:
            add_post(srv)
            probe = httpx.get(f"{srv.url}/r/{CODE}", follow_redirects=False, timeout=5)
            if probe.status_code != 302 or probe.headers["location"] != TARGET:
                raise RuntimeError(f"the redirect does not work: {probe.status_code}")
            wrk(f"{srv.url}/r/{CODE}", "2s", args.connections)  # warm-up
            time.sleep(0.5)  # requests wrk left in flight are answered and stored
            before = clicks(srv)
            result = wrk(f"{srv.url}/r/{CODE}", args.duration, args.connections)
            time.sleep(0.5)
            stored = clicks(srv) - before
            result["clicks_stored"] = stored
            answered = result["requests"]
            result["every_click_stored"] = answered <= stored <= answered + args.connections
            return result
        finally:
            srv.close()
            fake.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", default="10s")
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    python = production_python(".venv", [])
    rounds = [one_round(python, args) for _ in range(args.rounds)]
    summary = {k: statistics.median(r[k] for r in rounds)
               for k in ("rps", "p50_ms", "p90_ms", "p99_ms", "max_ms")}
    summary["every_click_stored"] = all(r["every_click_stored"] for r in rounds)
    summary["errors"] = sum(r["non_2xx_3xx"] + r["connect_errors"] + r["read_errors"] +
                            r["timeouts"] for r in rounds)
    write_results("redirect.json", summary=summary, rounds=rounds,
                  connections=args.connections, duration=args.duration)
    print(f"redirects/s {summary['rps']:.0f}  p50 {summary['p50_ms']:.1f} ms  "
          f"p99 {summary['p99_ms']:.1f} ms  max {summary['max_ms']:.1f} ms  "
          f"errors {summary['errors']}  every click stored: {summary['every_click_stored']}")
    for r in rounds:
        print(f"  round: {r['requests']} requests, {r['clicks_stored']} clicks stored, "
              f"{r['rps']:.0f}/s, p99 {r['p99_ms']:.1f} ms")
    return 0 if summary["every_click_stored"] and not summary["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
