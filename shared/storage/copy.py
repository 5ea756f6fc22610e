"""Copying every table of one database to another (SQLite → PostgreSQL and back): the engine
of ``python -m shared copy-data`` (``shared.cli.copy_data``).

The target is migrated to the latest schema first; the source must be at that version already.
Rows are read from one snapshot of the source, in primary-key order, and written in batches with
an upsert on the primary key, so copying twice changes nothing and re-copying after new rows adds
them (rows deleted from the source are not deleted from the target: the counts at the end then
differ). Afterwards the identity sequences of a PostgreSQL target are moved past the copied ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import JSON, Column, MetaData, Table, func, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.errors import CopyFailed, CopyRefused, MigrationError, first_line
from shared.redact import mask_url
from shared.storage import Storage, open_storage
from shared.storage import schema as t
from shared.storage.db import Database, upsert
from shared.storage.migrate import current_version, latest_version

# the target's own (written by its migration), and the running instances of the source (a
# fact about its processes, not data: shared/instances.py)
SKIPPED_TABLES = frozenset({"schema_migrations", "instances"})




def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL."""
    return Path(url.split(":///", 1)[1]).expanduser().resolve()



def _same_database(a: str, b: str) -> bool:
    if a.startswith("sqlite") and b.startswith("sqlite"):
        return sqlite_path(a) == sqlite_path(b)
    return mask_url(a) == mask_url(b)



# --- tables ---------------------------------------------------------------------------------

def copied_tables() -> list[Table]:
    """Every table of the schema except the migrations' bookkeeping (in the metadata's order:
    the query-side definitions declare no foreign keys, see ``dependency_order``)."""
    return [tab for tab in t.all_tables().sorted_tables if tab.name not in SKIPPED_TABLES]


def dependency_order(tables: Sequence[Table], parents: dict[str, set[str]]) -> list[Table]:
    """``tables`` with each table after the tables it references (``parents``: the foreign keys
    of the database, which the query-side definitions do not declare); otherwise in the given
    order. A cycle keeps the remaining tables in the given order."""
    by_name = {tab.name: tab for tab in tables}
    left = list(tables)
    ordered: list[Table] = []
    placed: set[str] = set()
    while left:
        ready = next((tab for tab in left
                      if all(p in placed or p == tab.name or p not in by_name
                             for p in parents.get(tab.name, set()))), left[0])
        ordered.append(ready)
        placed.add(ready.name)
        left.remove(ready)
    return ordered


async def foreign_key_parents(db: Database, names: Iterable[str]) -> dict[str, set[str]]:
    """For each table, the tables its foreign keys reference (read from the database)."""

    def reflect(sync_conn: Any) -> dict[str, set[str]]:
        insp = inspect(sync_conn)
        existing = set(insp.get_table_names())
        return {name: {fk["referred_table"] for fk in insp.get_foreign_keys(name)}
                for name in names if name in existing}

    async with db.read() as conn:
        return await conn.run_sync(reflect)


@dataclass(frozen=True)
class _CopyTable:
    """A table as the copy reads and writes it: JSON columns keep SQL NULL apart from JSON null."""

    table: Table
    json_columns: tuple[str, ...]

    @classmethod
    def of(cls, table: Table, metadata: MetaData) -> _CopyTable:
        copy = table.to_metadata(metadata)
        json_columns = []
        for column in copy.columns:
            if isinstance(column.type, JSON):
                # None binds as SQL NULL; JSON.NULL (below) binds as the JSON document 'null'
                column.type = JSON(none_as_null=True)
                json_columns.append(column.name)
        return cls(copy, tuple(json_columns))

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def key(self) -> list[Column[Any]]:
        return list(self.table.primary_key.columns)

    def query(self) -> Any:
        flags = [self.table.c[name].is_(None).label(f"_null_{name}")
                 for name in self.json_columns]
        return select(*self.table.columns, *flags).order_by(*self.key)

    def values(self, row: Any) -> dict[str, Any]:
        mapping = row._mapping
        out = {column.name: mapping[column.name] for column in self.table.columns}
        for name in self.json_columns:
            if out[name] is None and not mapping[f"_null_{name}"]:
                out[name] = JSON.NULL
        return out

    def upsert(self, db: Database) -> Any:
        stmt = upsert(db, self.table)
        keys = [c.name for c in self.key]
        rest = {c.name: stmt.excluded[c.name] for c in self.table.columns if c.name not in keys}
        if not rest:
            return stmt.on_conflict_do_nothing(index_elements=keys)
        return stmt.on_conflict_do_update(index_elements=keys, set_=rest)


class ProgressReport(Protocol):
    """Where the copy reports how far it is (``shared.cli.copy_data.Progress``)."""

    def update(self, position: int, count: int, table: str, done: int, total: int) -> None:
        """``done`` of ``total`` rows of ``table`` (the ``position``-th of ``count``)."""


# --- the copy -------------------------------------------------------------------------------

@dataclass
class Count:
    """The rows of one table on both sides after the copy."""

    table: str
    source: int
    target: int

    @property
    def ok(self) -> bool:
        return self.source == self.target


async def _source_snapshot(db: Database) -> AsyncConnection:
    """One read-only transaction for the whole copy: every table from the same moment."""
    conn = await db.engine.connect()
    try:
        if db.dialect == "postgresql":
            conn = await conn.execution_options(isolation_level="REPEATABLE READ",
                                                postgresql_readonly=True)
        await conn.begin()
    except BaseException:
        await conn.close()
        raise
    return conn


async def _count(conn: AsyncConnection, table: Table) -> int:
    return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def _copy_table(source: AsyncConnection, target: Database, table: _CopyTable, total: int,
                      batch_size: int, report: Any) -> int:
    """Upsert every row of ``table``, ``batch_size`` rows per write transaction."""
    stmt = table.upsert(target)
    done = 0
    report(done, total)
    result = await source.stream(table.query())
    try:
        async for batch in result.partitions(batch_size):
            rows = [table.values(row) for row in batch]
            try:
                async with target.write() as conn:
                    await conn.execute(stmt, rows)
            except IntegrityError as exc:
                reason = first_line(getattr(exc, "orig", None) or exc)
                what = ("a row references a row the target does not have"
                        if "foreign key" in reason.lower() else
                        "a row conflicts with a different row of the target on a unique key "
                        "other than the primary key")
                raise CopyFailed(
                    f"table {table.name}: {what} ({reason}). The target holds other data: "
                    "copy into an empty database, or remove the conflicting rows") from exc
            done += len(rows)
            report(done, max(total, done))
    finally:
        await result.close()
    return done


async def move_sequences(db: Database, tables: Iterable[Table]) -> dict[str, int]:
    """Move each id sequence of ``db`` past the largest id; returns the next id per table.

    PostgreSQL: the identity (or serial) sequence of each ``id`` column, never moved backwards.
    SQLite sets ``sqlite_sequence`` itself on explicit ids; it is checked, and raised if low.
    """
    moved: dict[str, int] = {}
    async with db.write() as conn:
        for table in tables:
            if "id" not in table.c:
                continue
            max_id = (await conn.execute(select(func.max(table.c.id)))).scalar() or 0
            if db.dialect == "postgresql":
                seq = (await conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"),
                                          {"t": table.name})).scalar()
                if seq is None:
                    continue  # an id that no sequence feeds
                # pg_get_serial_sequence returns the name quoted as needed
                last, called = (await conn.execute(
                    text(f"SELECT last_value, is_called FROM {seq}"))).one()
                next_id = max(int(max_id) + 1, int(last) + 1 if called else int(last))
                await conn.execute(
                    text("SELECT setval(CAST(CAST(:s AS TEXT) AS regclass), :v, false)"),
                    {"s": seq, "v": next_id})
                moved[table.name] = next_id
            else:
                seq = (await conn.execute(text("SELECT seq FROM sqlite_sequence WHERE name = :t"),
                                          {"t": table.name})).scalar()
                if seq is None and max_id:
                    await conn.execute(text("INSERT INTO sqlite_sequence (name, seq) "
                                            "VALUES (:t, :v)"), {"t": table.name, "v": max_id})
                elif seq is not None and int(seq) < int(max_id):
                    await conn.execute(text("UPDATE sqlite_sequence SET seq = :v WHERE name = :t"),
                                       {"t": table.name, "v": max_id})
                moved[table.name] = max(int(seq or 0), int(max_id)) + 1
    return moved


async def _open_source(url: str) -> Storage:
    if url.startswith("sqlite") and not sqlite_path(url).is_file():
        raise CopyRefused(f"the source database {sqlite_path(url)} does not exist")
    storage = await open_storage(url, migrate=False)
    try:
        version, latest = await current_version(storage.db), latest_version()
    except BaseException:
        await storage.close()
        raise
    if version != latest:
        await storage.close()
        if version > latest:
            raise CopyRefused(f"the source database has schema version {version}, newer than "
                              f"this code's {latest}: run the copy with the newer code")
        raise CopyRefused(f"the source database has schema version {version}, this code's is "
                          f"{latest}: run the server or `python -m shared migrate` on it first")
    return storage


async def copy_database(source_url: str, target_url: str, *, batch_size: int,
                        progress: ProgressReport | None = None) -> list[Count]:
    """Copy every table from ``source_url`` to ``target_url`` (async SQLAlchemy URLs); return
    the row counts of both sides afterwards. Raises CopyRefused or CopyFailed."""
    if batch_size < 1:
        raise CopyRefused("the batch size must be at least 1")
    if _same_database(source_url, target_url):
        raise CopyRefused("the source and the target are the same database")
    source = await _open_source(source_url)
    try:
        try:
            target = await open_storage(target_url)
        except MigrationError as exc:
            raise CopyRefused(f"the target database: {exc}") from exc
        try:
            return await _copy_all(source.db, target.db, batch_size, progress)
        finally:
            await target.close()
    finally:
        await source.close()


async def _copy_all(source: Database, target: Database, batch_size: int,
                    progress: ProgressReport | None) -> list[Count]:
    tables = copied_tables()
    parents = await foreign_key_parents(target, [tab.name for tab in tables])
    tables = dependency_order(tables, parents)
    scratch = MetaData()
    plan = [_CopyTable.of(tab, scratch) for tab in tables]
    snapshot = await _source_snapshot(source)
    try:
        totals = {tab.name: await _count(snapshot, tab) for tab in tables}
        for i, table in enumerate(plan, 1):
            def report(done: int, total: int, _i: int = i, _name: str = table.name) -> None:
                if progress is not None:
                    progress.update(_i, len(plan), _name, done, total)

            await _copy_table(snapshot, target, table, totals[table.name], batch_size, report)
        await move_sequences(target, tables)
        # the source's counts from the copied snapshot, the target's now
        counts = [Count(tab.name, await _count(snapshot, tab), 0) for tab in tables]
    finally:
        await snapshot.rollback()
        await snapshot.close()
    async with target.read() as conn:
        for count, tab in zip(counts, tables, strict=True):
            count.target = await _count(conn, tab)
    return counts
