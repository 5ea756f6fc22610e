"""Logging: JSON lines in production, readable text locally; personal data masked everywhere."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Iterable
from typing import Any

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# +374 99 123456, 0991234567, (099) 12-34-56: 7 or more digits with separators
_PHONE = re.compile(r"(?<![\w/])\+?\d[\d\s().-]{5,}\d(?![\w/])")
_BOT_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}\b")

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is logged as a field.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {
    "message", "asctime", "taskName", "color_message"}


# every pattern above needs a digit or an @: a text without any is returned as it is (most
# fields of a line are short words: one search instead of three substitutions)
_MAYBE = re.compile(r"[\d@]")


def mask(text: str) -> str:
    """Hide emails, phone numbers and bot tokens in a log text."""
    if _MAYBE.search(text) is None:
        return text
    text = _BOT_TOKEN.sub("<bot-token>", text)
    text = _EMAIL.sub(r"\1***@\2", text)

    def _phone(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        if len(digits) < 7:
            return m.group(0)
        return "***" + digits[-2:]

    return _PHONE.sub(_phone, text)


class MaskingFilter(logging.Filter):
    """Masks personal data and tokens in the message and the extra fields of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            try:
                record.msg = record.getMessage()
            except (TypeError, ValueError):
                record.msg = str(record.msg)
            record.args = None
        record.msg = mask(str(record.msg))
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, mask(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, extra fields, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value
        if record.exc_info:
            data["exc"] = mask(self.formatException(record.exc_info))
        return json.dumps(data, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Readable lines for a terminal, with the extra fields appended as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = [
            f"{k}={v}"
            for k, v in vars(record).items()
            if k not in _STANDARD and not k.startswith("_")
        ]
        if extras:
            head, sep, tail = line.partition("\n")
            line = head + " " + " ".join(extras) + sep + tail
        return mask(line)


# httpx logs every request URL, and Telegram URLs contain the bot token; openai's DEBUG log
# holds the prompts (httpx2 is its HTTP client)
NOISY = ("httpx", "httpcore", "httpx2", "openai", "apscheduler.executors",
         "apscheduler.scheduler", "uvicorn.access", "aiosqlite", "asyncio")


def quieten(names: Iterable[str]) -> None:
    """Let the loggers ``names`` log warnings and errors only (one set higher stays so): at
    start-up, and again where a library is first used in a process that may not have set up
    logging (``shared.openai_client``)."""
    for name in names:
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)


def setup_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Configure the root logger once; quieten chatty libraries."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quieten(NOISY)
    logging.getLogger("telegram").setLevel(logging.INFO if level == "DEBUG" else logging.WARNING)
