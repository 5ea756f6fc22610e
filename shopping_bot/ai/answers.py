"""What an answer of the AI writer must be, and how it is made so: the ``Draft`` and ``Review``
it becomes, Telegram HTML with only ``<b>`` and ``<i>`` (other tags dropped, stray ``<``/``&``
escaped, tags balanced), at most 3 buttons with plain labels of at most 40 characters and
http/https URLs, and the checks (not empty, the visible length, the script of the language).

A check returns the result, or the problem the writer names when it asks once more.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import msgspec

from shopping_bot.render import visible_length

MAX_BUTTONS = 3
LABEL_LIMIT = 40
MAX_SUGGESTIONS = 5
SCRIPT_SHARE = 0.6  # the least share of letters in the expected script

T = TypeVar("T")
Check = Callable[[str | None], tuple[T | None, str | None]]


class Draft(msgspec.Struct, frozen=True):
    """A post text for Telegram's HTML parse mode (may contain <b>, <i>), up to 3 suggested CTA
    buttons ``{"label", "url"}`` (labels are plain text), and where it came from: "ai" or
    "template"."""

    text: str
    buttons: list[dict[str, str]]
    source: str


class Review(msgspec.Struct, frozen=True):
    """A quality review: ``score`` 1..10 and at most 5 concrete suggestions in Armenian.
    The suggestions are plain text: escape them (``html.escape``) to show them in HTML."""

    score: int
    suggestions: list[str]


# --- cleaning and checks ------------------------------------------------------------------------
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9-]*)[^<>]*>")
_ANY_TAG = re.compile(r"<[^>]*>")
_MD_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.DOTALL)
_FENCE = re.compile(r"^```[a-zA-Z]*\s*\n?(.*?)\n?```$", re.DOTALL)
_ALLOWED = {"b": "b", "strong": "b", "i": "i", "em": "i"}
_BREAKS = {"br", "p", "div", "li"}


def _escape(raw: str) -> str:
    return html.escape(html.unescape(raw), quote=False)


def clean_html(raw: str) -> str:
    """Telegram-safe HTML keeping only <b> and <i> (strong/em mapped, **bold** converted,
    <br>/<p> become line breaks, other tags dropped), the rest escaped, tags balanced."""
    raw = _MD_BOLD.sub(r"<b>\1</b>", (raw or "").replace("\r\n", "\n"))
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    for m in _TAG.finditer(raw):
        out.append(_escape(raw[pos:m.start()]))
        pos = m.end()
        closing, name = m.group(1) == "/", m.group(2).lower()
        if name in _BREAKS:
            if name == "br" or closing:
                out.append("\n")
            continue
        tag = _ALLOWED.get(name)
        if tag is None:
            continue
        if not closing:
            if tag not in stack:
                stack.append(tag)
                out.append(f"<{tag}>")
            continue
        if tag not in stack:
            continue
        reopen: list[str] = []
        while stack[-1] != tag:  # close the inner tags, then open them again
            inner = stack.pop()
            out.append(f"</{inner}>")
            reopen.append(inner)
        stack.pop()
        out.append(f"</{tag}>")
        for inner in reversed(reopen):
            stack.append(inner)
            out.append(f"<{inner}>")
    out.append(_escape(raw[pos:]))
    out.extend(f"</{tag}>" for tag in reversed(stack))
    text = "".join(out)
    text = re.sub(r"<(b|i)>(\s*)</\1>", r"\2", text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def plain_text(raw: str) -> str:
    """What Telegram shows of an HTML text (tags removed, entities decoded)."""
    return html.unescape(_ANY_TAG.sub("", raw or ""))


def _in_script(char: str, language: str) -> bool:
    code = ord(char)
    if language == "hy":
        return 0x0531 <= code <= 0x0587
    if language == "ru":
        return 0x0400 <= code <= 0x04FF
    return code <= 0x024F  # Latin, with its accented letters


def script_share(text: str, language: str) -> float:
    """The share of the letters of ``text`` written in the script of ``language``."""
    letters = [c for c in plain_text(text) if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if _in_script(c, language)) / len(letters)


def clean_buttons(raw: Any) -> list[dict[str, str]]:
    """At most 3 buttons with a non-empty plain label (<= 40 characters) and an http(s) URL."""
    if not isinstance(raw, list):
        return []
    buttons: list[dict[str, str]] = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        label, url = item.get("label"), item.get("url")
        if not isinstance(label, str) or not isinstance(url, str):
            continue
        label = " ".join(plain_text(label).split())
        url = url.strip()
        if not label or len(label) > LABEL_LIMIT or not url or any(c.isspace() for c in url):
            continue
        try:
            parts = urlsplit(url)
        except ValueError:
            continue
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            continue
        buttons.append({"label": label, "url": url})
        if len(buttons) == MAX_BUTTONS:
            break
    return buttons


def _json(content: str) -> Any:
    """The JSON value of an answer (code fences tolerated), or None when it is not JSON."""
    raw = content.strip()
    fenced = _FENCE.match(raw)
    if fenced:
        raw = fenced.group(1).strip()
    try:
        return json.loads(raw)
    except ValueError:
        return None


def parse_post(content: str | None) -> tuple[str, list[dict[str, str]]]:
    """The text and the buttons of an answer; an answer that is not JSON is all text."""
    raw = (content or "").strip()
    if not raw:
        return "", []
    data = _json(raw)
    if data is None:
        return clean_html(raw), []
    if isinstance(data, dict):
        text = data.get("text")
        if not isinstance(text, str):
            return "", []
        return clean_html(text), clean_buttons(data.get("buttons"))
    if isinstance(data, str):
        return clean_html(data), []
    return "", []


def check_post(content: str | None, language: str, limit: int) -> tuple[Draft | None, str | None]:
    """The draft of an answer, or the problem that makes it unusable."""
    text, buttons = parse_post(content)
    if not plain_text(text).strip():
        return None, "empty"
    if visible_length(text) > limit:
        return None, "too_long"
    if script_share(text, language) < SCRIPT_SHARE:
        return None, f"script_{language}"
    return Draft(text=text, buttons=buttons, source="ai"), None


def _score(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        m = re.search(r"\d+(?:[.,]\d+)?", value)
        if not m:
            return None
        number = float(m.group(0).replace(",", "."))
    else:
        return None
    if number != number:  # NaN
        return None
    return max(1, min(10, round(number)))


_SCORE_IN_TEXT = re.compile(r"(\d{1,2}(?:[.,]\d)?)\s*/\s*10\b|score\W{0,3}(\d{1,2})", re.I)
_BULLET = re.compile(r"^\s*(?:[-•*▪–—]|\d{1,2}[.)])\s*(.+)$", re.MULTILINE)


def check_review(content: str | None) -> tuple[Review | None, str | None]:
    """The review of an answer (JSON, or a plain text with "n/10" and bullet lines)."""
    raw = (content or "").strip()
    if not raw:
        return None, "empty"
    data = _json(raw)
    if isinstance(data, dict):
        score, items = _score(data.get("score")), data.get("suggestions")
    else:
        m = _SCORE_IN_TEXT.search(raw)
        score = _score(m.group(1) or m.group(2)) if m else None
        items = _BULLET.findall(raw)
    if score is None:
        return None, "score"
    if isinstance(items, str):
        items = [items]
    suggestions: list[str] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, str) and (line := " ".join(plain_text(item).split())):
            suggestions.append(line)
    suggestions = suggestions[:MAX_SUGGESTIONS]
    if not suggestions and score < 10:
        return None, "empty"
    if suggestions and script_share(" ".join(suggestions), "hy") < SCRIPT_SHARE:
        return None, "script_hy"
    return Review(score=score, suggestions=suggestions), None
