"""What the sandbox costs at start-up (issue 15, acceptance 5): ``python -m shared`` with nothing
configured (the sandbox: both bots against the emulator in the process, a fresh sandbox
database with demo data) against today's start without tokens (``python -m shared serve``: no
bot), in the same run, alternating.

For each: wall time from ``Popen`` to the first 200 of ``GET /ready`` (the sandbox: both bots
registered with the emulator) and the process's CPU time (user + system) at that moment; the
medians over ``--rounds``, after one warm-up start of each (bytecode caches written, as after
the first run of any checkout). Usage: ``python bench/sandbox_start.py [--rounds 7]``.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e.conftest import _SERVICE_VARS  # noqa: E402 - after the path
from tests.fakes.server import free_port  # noqa: E402

KINDS = {"serve (no tokens, today)": ["serve"], "sandbox (python -m shared)": []}


def one(python: str, args: list[str]) -> tuple[float, float]:
    """(seconds to ready, CPU seconds at ready) of one start in a fresh directory."""
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        # bytecode is cached as after any first run of an installed checkout (this machine's
        # shells set PYTHONDONTWRITEBYTECODE, which makes every start compile every module)
        skip = _SERVICE_VARS | {"DATA_DIR", "PYTHONDONTWRITEBYTECODE"}
        env = {k: v for k, v in os.environ.items() if k not in skip}
        env.update({"PYTHONPATH": str(REPO), "PORT": str(port), "DATA_DIR": f"{tmp}/data",
                    "LOG_LEVEL": "WARNING"})
        started = time.perf_counter()
        proc = subprocess.Popen([python, "-m", "shared", *args], cwd=tmp, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with httpx.Client(timeout=1) as client:
                while True:
                    if proc.poll() is not None:
                        raise RuntimeError(f"{args or 'sandbox'} exited with {proc.returncode}")
                    try:
                        if client.get(f"http://127.0.0.1:{port}/ready").status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    time.sleep(0.005)
            ready = time.perf_counter() - started
            cpu = psutil.Process(proc.pid).cpu_times()
            return ready, cpu.user + cpu.system
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    figures: dict[str, list[tuple[float, float]]] = {k: [] for k in KINDS}
    for kind in KINDS:  # warm-up, not counted: writes the bytecode caches
        one(args.python, KINDS[kind])
    load_before = os.getloadavg()
    for n in range(args.rounds):
        order = list(KINDS) if n % 2 == 0 else list(reversed(KINDS))
        for kind in order:
            figures[kind].append(one(args.python, KINDS[kind]))
    print(f"load average before: {load_before[0]:.2f}, after: {os.getloadavg()[0]:.2f}; "
          f"rounds: {args.rounds}")
    medians = {}
    for kind, runs in figures.items():
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        medians[kind] = (wall, cpu)
        print(f"{kind:30s} ready {wall * 1000:7.0f} ms   CPU {cpu * 1000:7.0f} ms   "
              f"(wall {', '.join(f'{r[0] * 1000:.0f}' for r in runs)})")
    (base_wall, base_cpu), (sb_wall, sb_cpu) = medians.values()
    print(f"sandbox costs +{(sb_wall - base_wall) * 1000:.0f} ms to ready, "
          f"+{(sb_cpu - base_cpu) * 1000:.0f} ms of CPU")


if __name__ == "__main__":
    main()
