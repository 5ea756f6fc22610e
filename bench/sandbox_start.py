"""What the sandbox costs at start-up (issue 15, acceptance 5): ``python -m shared`` with nothing
configured (the sandbox: both bots against the emulator in the process, a fresh sandbox
database with demo data) against today's start without tokens (``python -m shared serve``: no
bot), in the same run, alternating.

For each: wall time from ``Popen`` to the first 200 of ``GET /ready`` (the sandbox: both bots
registered with the emulator) and the process's CPU time (user + system) at that moment; the
medians over ``--rounds``, after one warm-up start of each (bytecode caches written, as after
the first run of any checkout). Also the CPU of one Bot API call
in-process (the sandbox's transport) and over loopback HTTP to the same emulator. Usage:
``python bench/sandbox_start.py [--rounds 7] [--calls 2000]``.
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

from tests.fakes.server import free_port  # noqa: E402
from tests.service_env import SERVICE_VARS as _SERVICE_VARS  # noqa: E402 - after the path

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


def per_call(calls: int) -> dict[str, float]:
    """CPU per sendMessage (µs, this process: bot and emulator both), in-process against
    loopback HTTP to the same emulator served by uvicorn (the bots' own HTTP client)."""
    import asyncio

    from telegram import Bot

    from shared.emulator import Emulator, app
    from shared.sandbox.transport import InProcessRequest
    from shared.telegram_http import TelegramHTTPRequest
    from tests.fakes.server import ThreadedServer

    token = "1000001:SANDBOX-bench"
    emu = Emulator()
    emu.add_bot(token)
    with emu.lock:
        emu.world.private_chat(token, 301)

    class Served(ThreadedServer):
        def __init__(self) -> None:
            self.app, self.port = app(emu), free_port()

    served = Served().start()
    out = {}
    try:
        for name, request in (("in-process", InProcessRequest(emu)),
                              ("loopback HTTP", TelegramHTTPRequest(connection_pool_size=4))):
            base = f"http://127.0.0.1:{served.port}"
            bot = Bot(token, base_url=f"{base}/bot", request=request,
                      get_updates_request=InProcessRequest(emu))

            async def run(bot: Bot = bot) -> float:
                async with bot:
                    for _ in range(50):  # warm-up
                        await bot.send_message(301, "hi")
                    started = time.process_time()
                    for _ in range(calls):
                        await bot.send_message(301, "hi")
                    return (time.process_time() - started) / calls * 1e6

            out[name] = asyncio.run(run())
    finally:
        served.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--calls", type=int, default=2000,
                        help="sendMessage calls for the per-call CPU (0: skip)")
    args = parser.parse_args()
    if args.calls:
        for name, micros in per_call(args.calls).items():
            print(f"CPU per sendMessage, {name:13s}: {micros:6.0f} µs (bot + emulator)")
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
