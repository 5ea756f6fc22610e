"""Instructions a start executes (issue 14, target 6), counted by valgrind: steady to ~0.1%
where the CPU time of a start moves by 10-20% between runs on a shared host.

    apt-get install -y valgrind
    python bench/start_instructions.py [--python /path/to/venv/bin/python]

Two figures, each ``valgrind --tool=callgrind`` over a fresh interpreter (``PYTHONHASHSEED=0``,
``gc`` off as in the server):

* **imports**: what ``python -m shared`` imports, the settings read, then both bots' packages
  and handlers (the imports of ``Platform.start``);
* **new database**: opening storage on a new SQLite file (the migrations), measured as the
  difference between opening two new databases and one in the same process, so that the
  imports the first opening triggers are not counted.

Compare two commits by running it from each checkout with the same ``--python``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from common import REPO, write_results

PROGRAM = """
import asyncio, gc, importlib, pkgutil, sys, tempfile
gc.disable()
import shared.__main__, shared.cli.serve, shared.telegram_lib
import shared.logs, shared.platform, shared.serve, shared.server, shared.scheduler
from shared.bot_package import registered_bots
from shared.config import load_settings
from shared.platform import open_configured_storage

load_settings(_env_file=None)
for bot in registered_bots().values():
    handlers = importlib.import_module(f"{bot.__name__}.handlers")
    for module in pkgutil.iter_modules(handlers.__path__):
        importlib.import_module(f"{bot.__name__}.handlers.{module.name}")

async def open_new(times: int) -> None:
    for _ in range(times):
        settings = load_settings(_env_file=None, DATA_DIR=tempfile.mkdtemp())
        storage = await open_configured_storage(settings)
        await storage.close()

asyncio.run(open_new(int(sys.argv[1])))
"""


def instructions(python: str, opens: int) -> int:
    """Instructions (callgrind's ``I refs``) of PROGRAM opening ``opens`` new databases."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": "0"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out", python,
             "-c", PROGRAM, str(opens)],
            cwd=tmp, env=env, capture_output=True, text=True, check=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", out.stderr)
    if found is None:
        raise RuntimeError(out.stderr[-2000:])
    return int(found.group(1).replace(",", ""))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--python", default=sys.executable, help="the interpreter (a production venv)")
    args = p.parse_args()
    python = str(Path(args.python).absolute())
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([python, "-c", PROGRAM, "1"], cwd=tempfile.gettempdir(), check=True,
                   env={**env, "PYTHONPATH": str(REPO)})  # .pyc files written first
    counts = {n: instructions(python, n) for n in (0, 1, 2)}
    imports, new_database = counts[0], counts[2] - counts[1]
    print(f"imports of a start: {imports / 1e6:,.1f} M instructions")
    print(f"opening a new SQLite database: {new_database / 1e6:,.1f} M instructions")
    write_results("start_instructions.json", python=python, imports=imports,
                  new_database=new_database, counts=counts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
