"""The shopping bot's tables, query side (their DDL is in ``migrations/``, one numbered sequence
for the whole service)."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, ForeignKey, Integer, Table, Text

from shared.storage.schema import UTCDateTime, metadata
from shared.storage.schema import id_column as _id

users = Table(
    "users",
    metadata,
    _id(),
    Column("telegram_id", BigInteger, nullable=False, unique=True),
    Column("username", Text),
    Column("first_name", Text),
    Column("last_name", Text),
    Column("is_authorized", Boolean, nullable=False),
    Column("last_activity", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)

posts = Table(
    "posts",
    metadata,
    _id(),
    Column("title", Text),
    Column("keywords", Text),
    Column("text", Text),
    Column("media_type", Text),
    Column("file_id", Text),
    Column("status", Text, nullable=False),
    Column("post_format", Text),
    Column("publish_at", UTCDateTime),
    Column("created_by", BigInteger),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("buttons", JSON),
    Column("separate_text", Boolean, nullable=False),
    Column("channel_message_id", BigInteger),
    Column("text_message_id", BigInteger),
    Column("published_at", UTCDateTime),
    Column("attempts", Integer, nullable=False),
    Column("retry_at", UTCDateTime),
    Column("last_error", Text),
    Column("claim_token", Text),
    Column("claimed_until", UTCDateTime),
    Column("source_key", Text, unique=True),
)

analytics = Table(
    "analytics",
    metadata,
    _id(),
    Column("post_id", BigInteger, ForeignKey("posts.id", ondelete="CASCADE")),
    Column("action", Text, nullable=False),
    Column("user_id", BigInteger),
    Column("metadata", JSON),
    Column("created_at", UTCDateTime, nullable=False),
    Column("link_id", BigInteger),
    Column("visitor", Text),
)

analytics_daily = Table(
    "analytics_daily",
    metadata,
    Column("day", Text, primary_key=True),
    Column("post_id", BigInteger, primary_key=True),
    Column("action", Text, primary_key=True),
    Column("link_id", BigInteger, primary_key=True),
    Column("events", Integer, nullable=False),
    Column("visitors", Integer, nullable=False),
)

post_links = Table(
    "post_links",
    metadata,
    _id(),
    Column("post_id", BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("label", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("code", Text, nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)
