"""``python -m shared copy-data --from <url> --to <url>``: copy every table to another database.

SQLite → PostgreSQL (Supabase) and back (the copy itself: ``shared.storage.copy``). The row
counts of both sides are printed and compared at the end (exit status 1 on any difference).
Copying to a new SQLite file is a backup of the database.

Exit status: 0 copied and every count matches; 1 a count differs or the copy failed (a row that
conflicts on a unique key other than the primary key, a connection error); 2 refused (a bad URL,
the same database twice, a source whose schema version is not this code's).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from shared.config import normalise_database_url
from shared.errors import CopyFailed, CopyRefused, MigrationError, StorageUnavailable, first_line
from shared.redact import Redactor, mask_url, url_passwords

if TYPE_CHECKING:
    from shared.storage.copy import Count

# the copy itself (SQLAlchemy, the schema) is imported when the command runs: `python -m shared`
# imports this module to build its --help
DEFAULT_BATCH = 1000
OK, FAILED, REFUSED = 0, 1, 2
DESCRIPTION = ("Copy every table from one database to another (SQLite -> PostgreSQL/Supabase, "
               "and back), idempotently; the target is migrated first. Copying to a new SQLite "
               "file is a backup.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="source", required=True, metavar="URL",
                        help="sqlite:///path/bot.db, a file path, or postgresql://...")
    parser.add_argument("--to", dest="target", required=True, metavar="URL",
                        help="sqlite:///path/backup.db, a file path, or postgresql://...")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH, metavar="N",
                        help="rows per write transaction (default 1000)")


def main(args: argparse.Namespace) -> int:
    return asyncio.run(run(args.source, args.target, batch_size=args.batch_size))


def database_url(value: str) -> str:
    """The async SQLAlchemy URL of what an operator passes: a SQLite or PostgreSQL URL, or a
    plain file path (a SQLite database)."""
    raw = value.strip()
    if not raw:
        raise CopyRefused("an empty database URL")
    if raw.startswith(("postgres://", "postgresql://", "postgresql+asyncpg://")):
        return normalise_database_url(raw)
    if raw.startswith(("sqlite:///", "sqlite+aiosqlite:///")):
        url = normalise_database_url(raw)
        if url.endswith(":///:memory:") or url.endswith(":///"):
            raise CopyRefused(f"{raw}: an in-memory SQLite database cannot be copied")
        return url
    if "://" in raw or raw.startswith("sqlite:"):
        scheme = raw.split(":", 1)[0]
        raise CopyRefused(f"unsupported database URL scheme {scheme!r}: use sqlite:///path, "
                          "a file path, or postgresql://user:password@host:port/database")
    return f"sqlite+aiosqlite:///{Path(raw).expanduser().resolve()}"


def describe(url: str) -> str:
    """``sqlite (/path/bot.db)`` or ``postgresql (postgresql+asyncpg://user:***@host/db)``."""
    from shared.storage.copy import sqlite_path

    if url.startswith("sqlite"):
        return f"sqlite ({sqlite_path(url)})"
    return f"postgresql ({mask_url(url)})"



# --- progress -------------------------------------------------------------------------------

class Progress:
    """``table 1200/5000`` on stderr: rewritten in place on a terminal, else a line per table
    (and one every ``every`` rows of a big table)."""

    def __init__(self, stream: TextIO, every: int = 50_000) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.every = every
        self._last_line = 0
        self._open = False  # a line rewritten in place is on the terminal

    def update(self, position: int, count: int, table: str, done: int, total: int) -> None:
        """Report ``done`` of ``total`` rows of ``table`` (the ``position``-th of ``count``)."""
        line = f"[{position}/{count}] {table} {done}/{total}"
        if self.tty:
            self.stream.write("\r\x1b[K" + line)
            self.stream.flush()
            self._open = True
        elif done == total or done - self._last_line >= self.every:
            self._last_line = 0 if done == total else done
            self.stream.write(line + "\n")
            self.stream.flush()

    def close(self) -> None:
        """End the line rewritten in place (before anything else is printed)."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False


def format_counts(counts: Sequence[Count]) -> list[str]:
    """The count table: table, source, target, ok / MISMATCH."""
    width = max([len("table"), *(len(c.table) for c in counts)])
    lines = [f"{'table':<{width}}  {'source':>9}  {'target':>9}"]
    for c in counts:
        lines.append(f"{c.table:<{width}}  {c.source:>9}  {c.target:>9}  "
                     f"{'ok' if c.ok else 'MISMATCH'}")
    return lines



async def run(source: str, target: str, *, batch_size: int = DEFAULT_BATCH,
              out: TextIO | None = None, err: TextIO | None = None) -> int:
    """The ``copy-data`` command: copy, print the count table; the exit status."""
    from sqlalchemy.exc import SQLAlchemyError

    from shared.storage.copy import copy_database

    out = out or sys.stdout
    err = err or sys.stderr
    redact = Redactor(url_passwords(source) + url_passwords(target), min_length=1)
    try:
        source_url, target_url = database_url(source), database_url(target)
    except CopyRefused as exc:
        print(redact(f"copy-data: {exc}"), file=err)
        return REFUSED
    print(f"copying {describe(source_url)} to {describe(target_url)}", file=out, flush=True)
    started = time.monotonic()
    progress = Progress(err)
    try:
        try:
            counts = await copy_database(source_url, target_url, batch_size=batch_size,
                                         progress=progress)
        finally:
            progress.close()  # before any other line
    except CopyRefused as exc:
        print(redact(f"copy-data: refused: {exc}"), file=err)
        return REFUSED
    except CopyFailed as exc:
        print(redact(f"copy-data: stopped: {exc}"), file=err)
        return FAILED
    except (SQLAlchemyError, OSError, StorageUnavailable, MigrationError) as exc:
        reason = first_line(getattr(exc, "orig", None) or exc)
        print(redact(f"copy-data: failed: {type(exc).__name__}: {reason}"), file=err)
        return FAILED
    for line in format_counts(counts):
        print(line, file=out)
    bad = [c.table for c in counts if not c.ok]
    rows = sum(c.target for c in counts)
    seconds = time.monotonic() - started
    if bad:
        print(f"MISMATCH in {len(bad)} table(s): {', '.join(bad)} (the target has rows the "
              "source does not: a copy adds and updates rows, it never deletes any)", file=out)
        return FAILED
    print(f"all {len(counts)} tables match: {rows} rows in {seconds:.1f} s", file=out)
    return OK
