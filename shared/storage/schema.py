"""Query-side table definitions (the DDL itself lives in ``migrations/``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
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

# --- Systeme.io (migrations/0003) ---
systeme_webhook_messages = Table(
    "systeme_webhook_messages",
    metadata,
    Column("message_id", Text, primary_key=True),
    Column("event", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
)

# --- engagement (migrations/0004) ---
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

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
)

# --- TimeToShopping (seed 002; migrations 0001 and 0005) -------------------------------------
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

# --- the copilot (migration 0013) -----------------------------------------------------------
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
SEARCH_ONLY_COLUMNS = {("questions", "search"), ("faq_entries", "search")}
