"""The support bot's tables, query side (their DDL is in ``migrations/``, one numbered sequence
for the whole service)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Integer, Table, Text

from shared.storage.schema import SEARCH_ONLY_COLUMNS, UTCDateTime, metadata
from shared.storage.schema import id_column as _id

pending_verifications = Table(
    "pending_verifications",
    metadata,
    _id(),
    Column("telegram_id", BigInteger),
    Column("name", Text, nullable=False),
    Column("email", Text),
    Column("phone", Text),
    Column("status", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("added_by", BigInteger),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

verified_users = Table(
    "verified_users",
    metadata,
    _id(),
    Column("telegram_id", BigInteger, nullable=False),
    Column("name", Text, nullable=False),
    Column("email", Text),
    Column("phone", Text),
    Column("status", Text, nullable=False),
    Column("buyer_id", BigInteger),
    Column("username", Text),
    Column("last_active_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

admins = Table(
    "admins",
    metadata,
    Column("telegram_id", BigInteger, primary_key=True),
    Column("name", Text),
    Column("added_by", BigInteger),
    Column("created_at", UTCDateTime, nullable=False),
)

verification_requests = Table(
    "verification_requests",
    metadata,
    _id(),
    Column("telegram_id", BigInteger, nullable=False),
    Column("tg_name", Text, nullable=False),
    Column("tg_username", Text),
    Column("buyer_id", BigInteger),
    Column("kind", Text, nullable=False),
    Column("identifier", Text),
    Column("status", Text, nullable=False),
    Column("card_chat_id", BigInteger),
    Column("card_message_id", BigInteger),
    Column("decided_by", BigInteger),
    Column("decided_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)

verification_attempts = Table(
    "verification_attempts",
    metadata,
    _id(),
    Column("telegram_id", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

submissions = Table(
    "submissions",
    metadata,
    _id(),
    Column("telegram_id", BigInteger, nullable=False),
    Column("module", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("content", Text),
    Column("file_id", Text),
    Column("status", Text, nullable=False),
    Column("grade", Integer),
    Column("comment", Text),
    Column("source_chat_id", BigInteger),
    Column("source_message_id", BigInteger),
    Column("card_chat_id", BigInteger),
    Column("card_message_id", BigInteger),
    Column("graded_by", BigInteger),
    Column("graded_at", UTCDateTime),
    Column("attempt", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

questions = Table(
    "questions",
    metadata,
    _id(),
    Column("telegram_id", BigInteger, nullable=False),
    Column("type", Text, nullable=False),
    Column("content", Text),
    Column("file_id", Text),
    Column("status", Text, nullable=False),
    Column("answered", Boolean, nullable=False),
    Column("answer", Text),
    Column("source_chat_id", BigInteger),
    Column("source_message_id", BigInteger),
    Column("card_chat_id", BigInteger),
    Column("card_message_id", BigInteger),
    Column("answered_by", BigInteger),
    Column("created_at", UTCDateTime, nullable=False),
    Column("answered_at", UTCDateTime),
)

wins = Table(
    "wins",
    metadata,
    _id(),
    Column("telegram_id", BigInteger, nullable=False),
    Column("type", Text, nullable=False),
    Column("content", Text),
    Column("file_id", Text),
    Column("status", Text, nullable=False),
    Column("source_chat_id", BigInteger),
    Column("source_message_id", BigInteger),
    Column("created_at", UTCDateTime, nullable=False),
)

broadcasts = Table(
    "broadcasts",
    metadata,
    _id(),
    Column("content", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("sent_count", Integer, nullable=False),
    Column("created_by", BigInteger),
    Column("status", Text, nullable=False),
    Column("audience", Text, nullable=False),
    Column("source_chat_id", BigInteger),
    Column("source_message_id", BigInteger),
    Column("total", Integer, nullable=False),
    Column("failed_count", Integer, nullable=False),
    Column("blocked_count", Integer, nullable=False),
    Column("progress_chat_id", BigInteger),
    Column("progress_message_id", BigInteger),
    Column("finished_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)

broadcast_deliveries = Table(
    "broadcast_deliveries",
    metadata,
    Column("broadcast_id", BigInteger, primary_key=True),
    Column("chat_id", BigInteger, primary_key=True),
    Column("status", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

systeme_webhook_messages = Table(
    "systeme_webhook_messages",
    metadata,
    Column("message_id", Text, primary_key=True),
    Column("event", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
)

tips = Table(
    "tips",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("text", Text, nullable=False),
    Column("file_id", Text),
    Column("created_by", BigInteger),
    Column("source_chat_id", BigInteger),
    Column("source_message_id", BigInteger),
    Column("created_at", UTCDateTime, nullable=False),
)

tip_days = Table(
    "tip_days",
    metadata,
    Column("day", Text, primary_key=True),
    Column("tip_id", BigInteger),
    Column("text", Text, nullable=False),
    Column("file_id", Text),
    Column("broadcast_id", BigInteger),
    Column("created_at", UTCDateTime, nullable=False),
)

tip_optouts = Table(
    "tip_optouts",
    metadata,
    Column("telegram_id", BigInteger, primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
)

match_pool = Table(
    "match_pool",
    metadata,
    Column("telegram_id", BigInteger, primary_key=True),
    Column("name", Text, nullable=False),
    Column("username", Text),
    Column("module", Text),
    Column("joined_at", UTCDateTime, nullable=False),
)

match_pairs = Table(
    "match_pairs",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("user_a", BigInteger, nullable=False),
    Column("user_b", BigInteger, nullable=False),
    Column("name_a", Text, nullable=False),
    Column("name_b", Text, nullable=False),
    Column("username_a", Text),
    Column("username_b", Text),
    Column("module", Text),
    Column("created_at", UTCDateTime, nullable=False),
)

faq_entries = Table(
    "faq_entries",
    metadata,
    _id(),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("created_by", BigInteger),
    Column("created_at", UTCDateTime, nullable=False),
)

suggestions = Table(
    "suggestions",
    metadata,
    _id(),
    Column("question_id", BigInteger, nullable=False, unique=True),
    Column("status", Text, nullable=False),
    Column("draft", Text),
    Column("source", Text),
    Column("sendable", Boolean, nullable=False),
    Column("used_model", Boolean, nullable=False),
    Column("chat_id", BigInteger),
    Column("message_id", BigInteger),
    Column("decided_by", BigInteger),
    Column("created_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime),
)

copilot_usage = Table(
    "copilot_usage",
    metadata,
    Column("day", Text, primary_key=True),
    Column("tokens", BigInteger, nullable=False),
    Column("alerted", Boolean, nullable=False),
)

# Full-text search columns that only PostgreSQL has (generated tsvector columns, read by the
# app_copilot_search function only); SQLite keeps FTS5 tables beside the tables instead.
SEARCH_ONLY_COLUMNS.update({("questions", "search"), ("faq_entries", "search")})
