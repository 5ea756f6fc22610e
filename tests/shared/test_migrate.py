"""A new SQLite database's migrations with their added columns folded into the CREATE TABLEs:
the same schema as the statements give one after the other, and an upgrade still alters."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from shared.storage import open_storage
from shared.storage.migrate import fold_added_columns, load_migrations


def _schema(statements: list[str]) -> dict[tuple[str, str], Any]:
    """Everything SQLite knows of a schema: each table's columns (name, type, NOT NULL, default,
    key, hidden), indexes, foreign keys, each index's columns, each trigger's and view's SQL."""
    conn = sqlite3.connect(":memory:")
    for stmt in statements:
        conn.execute(stmt)
    found: dict[tuple[str, str], Any] = {}
    for kind, name, sql in conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"):
        if kind == "table":
            found[(kind, name)] = [list(conn.execute(f"PRAGMA {p}('{name}')"))
                                   for p in ("table_xinfo", "index_list", "foreign_key_list")]
        elif kind == "index":
            found[(kind, name)] = list(conn.execute(f"PRAGMA index_xinfo('{name}')"))
        else:
            found[(kind, name)] = sql
    conn.close()
    return found


def test_folded_migrations_give_the_same_schema() -> None:
    statements = [s for m in load_migrations() for s in m.statements("sqlite")]
    folded = fold_added_columns(statements)
    assert len(folded) < len(statements)  # there were columns to fold
    assert not any(s.lstrip().upper().startswith("ALTER TABLE") for s in folded)
    one_by_one, at_once = _schema(statements), _schema(folded)
    assert len(one_by_one) > 60
    assert at_once == one_by_one


def test_a_column_is_folded_before_the_table_constraints_in_its_order() -> None:
    statements = [
        "CREATE TABLE IF NOT EXISTS t (\n    id INTEGER PRIMARY KEY,\n"
        "    note TEXT DEFAULT 'a, (b)',\n    UNIQUE (id, note)\n)",
        "CREATE INDEX IF NOT EXISTS t_note ON t (note)",
        "ALTER TABLE t ADD COLUMN kind TEXT NOT NULL DEFAULT 'x'",
        "ALTER TABLE elsewhere ADD COLUMN c INTEGER",  # a table of an earlier run: stays
        "ALTER TABLE t ADD COLUMN at TIMESTAMP",
    ]
    folded = fold_added_columns(statements)
    assert folded[1:] == [statements[1], statements[3]]
    assert folded[0] == ("CREATE TABLE IF NOT EXISTS t (\n    id INTEGER PRIMARY KEY,\n"
                         "    note TEXT DEFAULT 'a, (b)',\n    kind TEXT NOT NULL DEFAULT 'x',\n"
                         "    at TIMESTAMP,\n    UNIQUE (id, note)\n)")
    columns = [row[1] for row in sqlite3.connect(":memory:").execute(folded[0]).execute(
        "PRAGMA table_info('t')")]
    assert columns == ["id", "note", "kind", "at"]


def test_no_column_is_folded_past_a_statement_on_rows_or_a_renamed_table() -> None:
    """An INSERT ... VALUES counts the columns of its time, a rebuilt table (copy, drop, rename)
    is not the one first created: what is added after them stays an ALTER TABLE."""
    statements = [
        "CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT)",
        "INSERT INTO t VALUES (1, 'seed')",
        "ALTER TABLE t ADD COLUMN kind TEXT",
        "CREATE TABLE u (id INTEGER PRIMARY KEY)",
        "CREATE TABLE u_new (id INTEGER PRIMARY KEY, at TEXT)",
        "DROP TABLE u",
        "ALTER TABLE u_new RENAME TO u",
        "ALTER TABLE u ADD COLUMN by TEXT",
    ]
    folded = fold_added_columns(statements)
    assert folded == statements
    conn = sqlite3.connect(":memory:")
    for stmt in folded:
        conn.execute(stmt)
    assert [r[1] for r in conn.execute("PRAGMA table_info('u')")] == ["id", "at", "by"]


def test_an_older_database_is_upgraded_by_altering_it(tmp_path: Path) -> None:
    """A database made by the first migrations only gets the later ones as they are written:
    their ADD COLUMNs on its existing tables run as ALTER TABLEs."""
    path = tmp_path / "old.db"
    first = [m for m in load_migrations() if m.version <= 1]
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
                 "NULL, applied_at TIMESTAMP NOT NULL)")
    for m in first:
        for stmt in m.statements("sqlite"):
            conn.execute(stmt)
        conn.execute("INSERT INTO schema_migrations VALUES (?, ?, '2026-01-01')",
                     (m.version, m.name))
    conn.commit()
    conn.close()

    async def upgrade() -> None:
        storage = await open_storage(f"sqlite+aiosqlite:///{path}")
        await storage.close()

    asyncio.run(upgrade())
    statements = [s for m in load_migrations() for s in m.statements("sqlite")]
    upgraded = sqlite3.connect(path)
    versions = [r[0] for r in upgraded.execute("SELECT version FROM schema_migrations")]
    assert versions == [m.version for m in load_migrations()]
    tables = [r[0] for r in upgraded.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name != 'schema_migrations'")]
    expected = _schema(statements)
    for table in tables:
        columns = list(upgraded.execute(f"PRAGMA table_xinfo('{table}')"))
        assert columns == expected[("table", table)][0], table
