"""A throw-away PostgreSQL server for the tests (Debian's postgresql package)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from tests.fakes.server import free_port


@dataclass
class PostgresServer:
    host: str
    port: int
    user: str
    datadir: str | None = None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; its plain postgresql:// URL."""
        import asyncio
        import concurrent.futures

        import asyncpg

        name = "t_" + uuid.uuid4().hex[:12]

        async def create() -> None:
            conn = await asyncpg.connect(host=self.host, port=self.port, user=self.user,
                                         database="postgres")
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
            finally:
                await conn.close()

        # a thread of its own: the caller may be inside a running event loop
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, create()).result()
        return self.url(name)


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _memory_dir() -> str | None:
    """/dev/shm when it has room: every test creates its own database (7-8 MB of files each, a
    few hundred per run), and on a disk deleting them all at the end took 8-19 s per process
    (100 s in one sequential run); in memory both are free. None: the usual temporary dir."""
    try:
        return "/dev/shm" if shutil.disk_usage("/dev/shm").free > 8 * 1024**3 else None
    except OSError:
        return None


def start_postgres() -> tuple[PostgresServer, callable] | None:
    """Start a private cluster on a free port; None when PostgreSQL is not installed."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        return None
    datadir = tempfile.mkdtemp(prefix="pgtest-", dir=_memory_dir())
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(datadir, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_user, initdb, "-D", datadir, "-U", "postgres", "--auth=trust",
                    "-E", "UTF8", "--no-sync"], check=True, capture_output=True)
    # one cluster per test process (each pytest worker starts its own): its own data directory
    # and a port of the process's own block (tests/fakes/server.py), so that nothing is shared
    for attempt in range(3):
        port = free_port()
        opts = (f"-p {port} -k {datadir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        started = subprocess.run([*as_user, pg_ctl, "-D", datadir, "-o", opts, "-w", "-l",
                                  f"{datadir}/log.txt", "start"], capture_output=True, text=True)
        if started.returncode == 0:
            break
        if attempt == 2:  # the log says why (a port taken by a process outside the tests...)
            log_path = Path(datadir, "log.txt")
            log = log_path.read_text()[-2000:] if log_path.exists() else ""
            shutil.rmtree(datadir, ignore_errors=True)
            raise RuntimeError(f"PostgreSQL did not start: {started.stderr}\n{log}")

    def stop() -> None:
        subprocess.run([*as_user, pg_ctl, "-D", datadir, "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(datadir, ignore_errors=True)

    time.sleep(0.1)
    return PostgresServer("127.0.0.1", port, "postgres", datadir), stop
