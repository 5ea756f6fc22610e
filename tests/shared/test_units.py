"""Small pure pieces: masking, splitting, chat keys, SQL rendering."""

from __future__ import annotations

import logging

from shared.inbox import is_transient
from shared.intake import chat_key_of
from shared.logs import JsonFormatter, MaskingFilter, mask
from shared.storage.migrate import render, schema_sql, split_statements
from shared.telegram import split_text
from tests.fakes import updates


def test_mask_hides_emails_phones_and_tokens() -> None:
    text = "user ann.smith@example.com phone +374 99 123456 token 123456:ABCdefGHIjklMNOpqrSTUvwxYZ"
    out = mask(text)
    assert "ann.smith" not in out and "a***@example.com" in out
    assert "99 123456" not in out and "***56" in out
    assert "ABCdef" not in out
    assert mask("update 12345 took 3.5 ms") == "update 12345 took 3.5 ms"


def test_json_log_lines_are_masked_including_extra_fields() -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "from %s", ("bob@mail.com",), None)
    record.email = "eve@mail.com"
    assert MaskingFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "bob@mail.com" not in line and "eve@mail.com" not in line


def test_split_text_keeps_everything_within_the_limit() -> None:
    text = "\n\n".join(f"Paragraph {i} " + "word " * 300 for i in range(10))
    pieces = split_text(text)
    assert len(pieces) > 1 and all(len(p) <= 4096 for p in pieces)
    assert "".join(pieces).replace("\n", "").replace(" ", "") == text.replace(
        "\n", "").replace(" ", "")
    assert split_text("x" * 9000) == ["x" * 4096, "x" * 4096, "x" * 808]
    assert split_text("short") == ["short"]


def test_chat_key_of_common_updates() -> None:
    assert chat_key_of(updates.message(1, "hi", user_id=5)) == "5"
    assert chat_key_of(updates.message(1, "hi", user_id=5, chat_id=-100)) == "-100"
    assert chat_key_of(updates.callback(1, "x", user_id=5, chat_id=-7)) == "-7"
    assert chat_key_of({"update_id": 1, "inline_query": {"id": "1", "from": {"id": 9}}}) == "9"
    assert chat_key_of({"update_id": 1}) == ""


def test_transient_errors() -> None:
    from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

    assert is_transient(TimedOut()) and is_transient(NetworkError("x"))
    assert is_transient(RetryAfter(3))
    assert not is_transient(BadRequest("Message is not modified"))
    assert not is_transient(KeyError("bug"))


def test_schema_sql_is_complete_for_postgresql() -> None:
    sql = schema_sql()
    for table in ("inbox", "outbox", "flow_state", "job_runs", "locks", "cooldown_states",
                  "verified_users", "pending_verifications", "submissions", "wins",
                  "questions", "broadcasts", "posts", "analytics", "users"):
        assert f"CREATE TABLE IF NOT EXISTS {table} " in sql
    assert "{id}" not in sql and "{ts}" not in sql and "TIMESTAMPTZ" in sql
    assert sql.strip().startswith("--") and sql.strip().endswith("COMMIT;")


def test_dialect_blocks_and_dollar_quoted_bodies() -> None:
    sql = ("CREATE TABLE a (id {id});\n-- @postgresql\nCREATE FUNCTION f() RETURNS int AS $$\n"
           "BEGIN RETURN 1; END;\n$$ LANGUAGE plpgsql;\n-- @end\n-- @sqlite\nSELECT 1;\n-- @end\n")
    pg = split_statements(render(sql, "postgresql"))
    assert len(pg) == 2 and pg[1].startswith("CREATE FUNCTION") and "RETURN 1;" in pg[1]
    lite = split_statements(render(sql, "sqlite"))
    assert lite == ["CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT)", "SELECT 1"]
