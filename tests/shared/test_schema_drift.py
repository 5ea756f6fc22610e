"""The DDL of the migrations and the query-side definitions of ``shared/storage/schema.py`` name
the same tables and columns, with the same nullability (and, on PostgreSQL, the same types), so
that neither can change without the other."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, BigInteger, Boolean, Integer, Text, text

from shared.config import normalise_database_url
from shared.storage import Storage, open_storage
from shared.storage import schema as t
from tests.pg import PostgresServer

Columns = dict[str, dict[str, bool]]  # table -> column -> nullable


def declared() -> Columns:
    return {tab.name: {c.name: bool(c.nullable) for c in tab.columns}
            for tab in t.all_tables().sorted_tables}


def _pg_type(column: Any) -> set[str]:
    """The information_schema data types a column of ``schema.py`` may have on PostgreSQL."""
    kind = column.type
    if isinstance(kind, t.UTCDateTime):
        return {"timestamp with time zone"}
    if isinstance(kind, JSON):
        return {"jsonb", "json"}
    if isinstance(kind, Boolean):
        return {"boolean"}
    if isinstance(kind, BigInteger):
        return {"bigint"}
    if isinstance(kind, Integer):
        return {"integer"}
    if isinstance(kind, Text):
        return {"text"}
    raise AssertionError(f"{column}: a type this test does not know: {kind!r}")


def _diff(name: str, found: Columns) -> list[str]:
    problems = []
    want = declared()
    for table in sorted(set(want) | set(found)):
        if table not in found:
            problems.append(f"{name}: table {table} is in schema.py but no migration makes it")
            continue
        if table not in want:
            problems.append(f"{name}: table {table} exists but schema.py does not define it")
            continue
        for column in sorted(set(want[table]) | set(found[table])):
            if column not in found[table]:
                problems.append(f"{name}: {table}.{column} is in schema.py only")
            elif column not in want[table]:
                problems.append(f"{name}: {table}.{column} is in the database only")
            elif found[table][column] != want[table][column]:
                problems.append(
                    f"{name}: {table}.{column} is {'NULL' if found[table][column] else 'NOT NULL'}"
                    f" in the database, {'NULL' if want[table][column] else 'NOT NULL'} in "
                    "schema.py")
    return problems


@pytest.mark.postgres
async def test_postgresql_matches_schema_py(postgres: PostgresServer) -> None:
    url = await _create(postgres)
    storage = await open_storage(normalise_database_url(url))
    try:
        async with storage.db.read() as conn:
            rows = (await conn.execute(text(
                "SELECT table_name, column_name, is_nullable, data_type "
                "FROM information_schema.columns WHERE table_schema = 'public'"))).all()
    finally:
        await storage.close()
    found: Columns = {}
    types: dict[tuple[str, str], str] = {}
    for table, column, nullable, data_type in rows:
        if (table, column) in t.SEARCH_ONLY_COLUMNS:  # generated tsvector columns
            continue
        found.setdefault(table, {})[column] = nullable == "YES"
        types[(table, column)] = data_type
    problems = _diff("postgresql", found)
    for tab in t.all_tables().sorted_tables:
        for column in tab.columns:
            actual = types.get((tab.name, column.name))
            if actual is not None and actual not in _pg_type(column):
                problems.append(f"postgresql: {tab.name}.{column.name} is {actual} in the "
                                f"database, {column.type!r} in schema.py")
    assert not problems, "\n".join(problems)


async def test_sqlite_matches_schema_py(tmp_path: Path) -> None:
    storage = await open_storage(normalise_database_url(f"sqlite:///{tmp_path}/drift.db"))
    try:
        found = await _sqlite_columns(storage)
    finally:
        await storage.close()
    # SQLite lets a non-integer PRIMARY KEY column hold NULL unless it says NOT NULL; the
    # primary-key columns are compared by name only (PostgreSQL checks their nullability)
    want = declared()
    for table, columns in found.items():
        for column in columns:
            if column in want.get(table, {}) and t.all_tables().tables[table].c[column].primary_key:
                columns[column] = want[table][column]
    problems = _diff("sqlite", found)
    assert not problems, "\n".join(problems)


async def _sqlite_columns(storage: Storage) -> Columns:
    found: Columns = {}
    async with storage.db.read() as conn:
        tables = [r[0] for r in await conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        # full-text indexes (FTS5 tables and their shadow tables) are not tables of schema.py
        virtual = [r[0] for r in await conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND sql LIKE 'CREATE VIRTUAL TABLE%'")]
        tables = [x for x in tables if not any(x == v or x.startswith(v + "_") for v in virtual)]
        for table in tables:
            info = (await conn.exec_driver_sql(f'PRAGMA table_info("{table}")')).all()
            # (cid, name, type, notnull, default, pk)
            found[table] = {row[1]: not row[3] for row in info}
    return found


async def _create(postgres: PostgresServer) -> str:
    """``postgres.create_database()`` runs its own event loop: run it in a thread."""
    return await asyncio.to_thread(postgres.create_database)


def test_the_comparison_sees_drift() -> None:
    found = declared()
    found["posts"] = {k: v for k, v in found["posts"].items() if k != "source_key"}
    found["inbox"]["extra"] = True
    found["locks"]["token"] = True
    del found["tips"]
    problems = _diff("x", found)
    assert problems == [
        "x: inbox.extra is in the database only",
        "x: locks.token is NULL in the database, NOT NULL in schema.py",
        "x: posts.source_key is in schema.py only",
        "x: table tips is in schema.py but no migration makes it",
    ]
