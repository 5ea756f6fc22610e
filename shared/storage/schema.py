"""The platform's tables, query side (the DDL itself lives in ``migrations/``), and the
metadata every bot adds its tables to (``avap_bot.storage.tables``,
``shopping_bot.storage.tables``): ``all_tables()`` loads them."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite stores them as naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = MetaData()

# Columns that only PostgreSQL has, as (table, column), which the query side never reads or
# writes (e.g. generated full-text columns): the schema drift test skips them. Bots add theirs.
SEARCH_ONLY_COLUMNS: set[tuple[str, str]] = set()


def _id() -> Column:
    return Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True)


inbox = Table(
    "inbox",
    metadata,
    _id(),
    Column("bot", Text, nullable=False),
    Column("update_id", BigInteger, nullable=False),
    Column("chat_key", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("lease_owner", Text),
    Column("lease_until", UTCDateTime),
    Column("last_error", Text),
    Column("received_at", UTCDateTime, nullable=False),
    Column("done_at", UTCDateTime),
)

outbox = Table(
    "outbox",
    metadata,
    _id(),
    Column("kind", Text, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("dedupe_key", Text),
    Column("status", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("lease_owner", Text),
    Column("lease_until", UTCDateTime),
    Column("last_error", Text),
    Column("alerted", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("done_at", UTCDateTime),
)

flow_state = Table(
    "flow_state",
    metadata,
    Column("bot", Text, primary_key=True),
    Column("chat_id", BigInteger, primary_key=True),
    Column("user_id", BigInteger, primary_key=True),
    Column("step", Text),
    Column("data", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

job_runs = Table(
    "job_runs",
    metadata,
    _id(),
    Column("job_id", Text, nullable=False),
    Column("fire_time", UTCDateTime, nullable=False),
    Column("instance", Text, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("outcome", Text),
)

locks = Table(
    "locks",
    metadata,
    Column("key", Text, primary_key=True),
    Column("token", Text, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

instances = Table(
    "instances",
    metadata,
    Column("id", Text, primary_key=True),
    Column("host", Text, nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("beat_at", UTCDateTime, nullable=False),
)

cooldown_states = Table(
    "cooldown_states",
    metadata,
    Column("key", Text, primary_key=True),
    Column("cooldown_until", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

bot_chats = Table(
    "bot_chats",
    metadata,
    Column("bot", Text, primary_key=True),
    Column("chat_id", BigInteger, primary_key=True),
    Column("active", Boolean, nullable=False),
    Column("blocked_at", UTCDateTime),
    Column("updated_at", UTCDateTime, nullable=False),
)

chat_migrations = Table(
    "chat_migrations",
    metadata,
    Column("old_chat_id", BigInteger, primary_key=True),
    Column("new_chat_id", BigInteger, nullable=False),
    Column("bot", Text, nullable=False),
    Column("migrated_at", UTCDateTime, nullable=False),
)

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
)


def id_column() -> Column:
    """The ``id`` primary key of a table: BIGINT identity on PostgreSQL, SQLite's rowid."""
    return _id()


def all_tables() -> MetaData:
    """The metadata with every registered bot's tables loaded (copy-data, schema checks)."""
    from shared.bot_package import registered_bots

    for bot in registered_bots().values():
        importlib.import_module(bot.TABLES)
    return metadata
