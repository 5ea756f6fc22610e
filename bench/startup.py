"""Start-up and memory benchmark (issue 14, target 6): time to ready, idle RSS, peak RSS.

    python bench/startup.py [--runs 5] [--students 10000] [--only ours|peer] [--python ...]

Each side is started ``--runs`` times at full CPU and as many times in a cgroup limited to 0.1
CPU from its first instruction (bench/servers.py's ``CpuLimit``), alternating ours and the peer so
that both see the same load; each start is bench/servers.py's: ours is ``python -m shared`` as a new
user runs it (SQLite in a fresh ``DATA_DIR``, both bots, PUBLIC_URL set, webhooks and command
menus registered with the fake Bot API: ready is ``/ready`` answering 200), the peer is
bench/ptb_peer.py (PTB's ``run_webhook``), ready when its webhook is registered and its port
answers. After each full-CPU start the server idles ``--idle`` seconds, then its RSS is read.

Then (ours only, ``--students`` > 0) one full-CPU server broadcasts to that many students
through bench/lean.py's ``broadcast_run`` (the admin's ``/broadcast`` over the webhook, paced at
Telegram's 30 msg/s by the fake), while the RSS is sampled every 0.25 s; the peak is the
kernel's high-water mark (``VmHWM``) at the end, which no sampling can miss.

Writes bench/results/startup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
from common import RESULTS, production_python
from lean import broadcast_run
from servers import interpreter, running


def high_water_mb(pid: int) -> float:
    """The process's peak RSS so far (``VmHWM`` of /proc/<pid>/status), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_start(side: str, python: str, tmp: Path, n: int, limited: bool,
              idle: float) -> dict[str, Any]:
    workdir = tmp / f"{side}-{'limited' if limited else 'full'}-{n}"
    workdir.mkdir()
    cgroup = f"startup-bench-{os.getpid()}-{side}-{n}" if limited else None
    with running(side, python, workdir, cgroup) as (srv, _, _):
        r: dict[str, Any] = {**srv.times, "cpu_to_ready_s": srv.cpu_s()}
        if not limited:
            time.sleep(idle)
            r["rss_idle_mb"] = srv.rss_mb()
            r["hwm_mb"] = high_water_mb(srv.proc.pid)
        return r


def broadcast_peak(python: str, tmp: Path, students: int) -> dict[str, Any]:
    """One broadcast to ``students`` at full CPU; RSS sampled while it runs, then VmHWM."""
    workdir = tmp / "ours-broadcast"
    workdir.mkdir()
    with running("ours", python, workdir) as (srv, fake, _):
        time.sleep(2.0)
        before = srv.rss_mb()
        samples: list[float] = []
        done = threading.Event()

        def sample() -> None:
            proc = psutil.Process(srv.proc.pid)
            while not done.wait(0.25):
                try:
                    samples.append(proc.memory_info().rss / 2**20)
                except psutil.Error:
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            b = broadcast_run(srv, fake, students)
        finally:
            done.set()
            sampler.join()
        return {**b, "rss_before_mb": before, "rss_sampled_max_mb": max(samples, default=0.0),
                "rss_after_mb": srv.rss_mb(), "hwm_mb": high_water_mb(srv.proc.pid)}


def summary(runs: list[dict[str, Any]], key: str) -> dict[str, float] | None:
    values = [r[key] for r in runs if key in r]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5, help="starts per side and CPU limit")
    p.add_argument("--idle", type=float, default=10.0, help="seconds idle before reading RSS")
    p.add_argument("--students", type=int, default=10_000, help="broadcast recipients (0: none)")
    p.add_argument("--only", choices=("ours", "peer"))
    p.add_argument("--no-limited", action="store_true", help="skip the 0.1-CPU starts")
    p.add_argument("--python", help="interpreter of our server (default: bench/.venv)")
    p.add_argument("--peer-python", help="interpreter of the peer (default: bench/.venv-peer)")
    p.add_argument("--out", type=Path, default=RESULTS / "startup.json", help="results file")
    args = p.parse_args()
    sides = [s for s in ("peer", "ours") if args.only in (None, s)]
    pythons = {
        "ours": interpreter(args.python) or production_python(".venv", []),
        "peer": interpreter(args.peer_python) or production_python(
            ".venv-peer", ["python-telegram-bot[webhooks]==22.8"]),
    } if args.only is None else {args.only: interpreter(
        args.python if args.only == "ours" else args.peer_python) or production_python(
        ".venv" if args.only == "ours" else ".venv-peer",
        [] if args.only == "ours" else ["python-telegram-bot[webhooks]==22.8"])}
    load = os.getloadavg()
    res: dict[str, Any] = {s: {"full": [], "limited": []} for s in sides}
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        for n in range(args.runs):
            for limited in (False,) if args.no_limited else (False, True):
                for side in sides:
                    r = one_start(side, pythons[side], Path(tmp), n, limited, args.idle)
                    res[side]["limited" if limited else "full"].append(r)
                    extra = f", RSS {r['rss_idle_mb']:.1f} MB" if "rss_idle_mb" in r else ""
                    print(f"{side} {'0.1 CPU' if limited else 'full'} #{n + 1}: ready "
                          f"{r['ready_s']:.2f} s (CPU {r['cpu_to_ready_s']:.2f} s){extra}",
                          flush=True)
        if "ours" in sides and args.students:
            b = broadcast_peak(pythons["ours"], Path(tmp), args.students)
            res["ours"]["broadcast"] = b
            print(f"broadcast to {args.students}: {b['sent']} sent in {b['duration_s']:.0f} s, "
                  f"RSS {b['rss_before_mb']:.1f} MB before, peak {b['hwm_mb']:.1f} MB (sampled "
                  f"{b['rss_sampled_max_mb']:.1f}), {b['rss_after_mb']:.1f} MB after", flush=True)
    print()
    for side in sides:
        for phase, key in (("full", "ready_s"), ("limited", "ready_s"), ("full", "rss_idle_mb"),
                           ("full", "cpu_to_ready_s"), ("limited", "cpu_to_ready_s")):
            s = summary(res[side][phase], key)
            if s:
                print(f"  {side:<4} {phase:<7} {key:<15} median {s['median']:.2f} "
                      f"({s['min']:.2f}-{s['max']:.2f})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out = {"command": "python " + " ".join([str(Path(sys.argv[0])), *sys.argv[1:]]),
           "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "settings": vars(args),
           "loadavg_before": load, "loadavg_after": os.getloadavg(), "results": res}
    args.out.write_text(json.dumps(out, indent=2, default=str))
    print(f"\nloadavg {load[0]:.2f} before, {os.getloadavg()[0]:.2f} after; wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
