"""Telegram's ``parse_mode=HTML``, as its server parses it, and the length limits of texts.

Allowed tags: b/strong, i/em, u/ins, s/strike/del, span class="tg-spoiler", tg-spoiler, a href,
tg-emoji, code, pre, blockquote; named entities &lt; &gt; &amp; &quot; (and numeric ones); an
unknown or unclosed tag is refused with Telegram's words. Offsets are UTF-16 code units.
"""

from __future__ import annotations

import re
from typing import Any

from shared.emulator.errors import bad_request

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
_ENTITY_TYPES = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic",
                 "u": "underline", "ins": "underline", "s": "strikethrough",
                 "strike": "strikethrough", "del": "strikethrough", "span": "spoiler",
                 "tg-spoiler": "spoiler", "a": "text_link", "tg-emoji": "custom_emoji",
                 "code": "code", "pre": "pre", "blockquote": "blockquote"}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)?((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'"
                  r"|[^\s>]+))?)*)\s*(>?)")
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+)))?")
_ENTITY = re.compile(r"&(?:#(\d+)|#x([0-9a-fA-F]+)|([a-zA-Z]+));")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le")) // 2


class _Parser:
    """One pass over an HTML text: the visible text and its entities."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.out: list[str] = []
        self.length = 0  # UTF-16 units written so far
        self.stack: list[tuple[str, int, dict[str, str]]] = []
        self.entities: list[dict[str, Any]] = []

    def fail(self, detail: str) -> None:
        """Refuse the text as Telegram does."""
        raise bad_request(f"can't parse entities: {detail}")

    def offset(self, pos: int) -> int:
        """The byte offset of a position, as Telegram reports it."""
        return len(self.raw[:pos].encode())

    def write(self, text: str) -> None:
        """Append visible text."""
        self.out.append(text)
        self.length += utf16_len(text)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        """Parse the whole text: (visible text, entities)."""
        pos = 0
        while pos < len(self.raw):
            lt = self.raw.find("<", pos)
            chunk = self.raw[pos:] if lt < 0 else self.raw[pos:lt]
            self.write(_unescape(chunk))
            if lt < 0:
                break
            pos = self.tag(lt)
        if self.stack:
            self.fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1][0]}"')
        return "".join(self.out), sorted(self.entities, key=lambda e: e["offset"])

    def tag(self, pos: int) -> int:
        """Handle the tag at ``pos``; the position after it."""
        m = _TAG.match(self.raw, pos)
        if m is None or m.group(2) is None:
            if m is not None and m.group(1):
                self.fail(f"Unexpected end tag at byte offset {self.offset(pos)}")
            self.fail(f"Unsupported start tag \"\" at byte offset {self.offset(pos)}")
        assert m is not None
        closing, name, attrs, end = m.group(1), m.group(2).lower(), m.group(3), m.group(4)
        if not end:
            self.fail(f"Unclosed {'end' if closing else 'start'} tag at byte offset "
                      f"{self.offset(pos)}")
        if closing:
            self.close(name, pos)
        else:
            self.open(name, _attrs(attrs), pos)
        return m.end()

    def open(self, name: str, attrs: dict[str, str], pos: int) -> None:
        """A start tag: only Telegram's, a span only as a spoiler."""
        if name not in _ENTITY_TYPES:
            self.fail(f'Unsupported start tag "{name}" at byte offset {self.offset(pos)}')
        if name == "span" and attrs.get("class") != "tg-spoiler":
            self.fail(f'Tag "span" must have class "tg-spoiler" at byte offset '
                      f"{self.offset(pos)}")
        self.stack.append((name, self.length, attrs))

    def close(self, name: str, pos: int) -> None:
        """An end tag: it must close the last open tag; the entity is made."""
        if not self.stack:
            self.fail(f"Unexpected end tag at byte offset {self.offset(pos)}")
        opened, start, attrs = self.stack.pop()
        if opened != name:
            self.fail(f'Unmatched end tag at byte offset {self.offset(pos)}, expected '
                      f'"</{opened}>", found "</{name}>"')
        if self.length > start:
            entity: dict[str, Any] = {"type": _ENTITY_TYPES[name], "offset": start,
                                      "length": self.length - start}
            if name == "a":
                entity["url"] = attrs.get("href", "")
            if name == "tg-emoji":
                entity["custom_emoji_id"] = attrs.get("emoji-id", "")
            self.entities.append(entity)


def _attrs(raw: str) -> dict[str, str]:
    """Attribute name -> value (entities decoded)."""
    out: dict[str, str] = {}
    for m in _ATTR.finditer(raw):
        value = next((g for g in m.groups()[1:] if g is not None), "")
        out[m.group(1).lower()] = _unescape(value)
    return out


def _unescape(text: str) -> str:
    """Telegram's entities decoded; an unknown named entity stays as written."""
    def one(m: re.Match[str]) -> str:
        """One entity decoded."""
        if m.group(1) or m.group(2):
            code = int(m.group(1)) if m.group(1) else int(m.group(2), 16)
            return chr(code) if 0 < code < 0x110000 else m.group(0)
        return _NAMED.get(m.group(3), m.group(0))
    return _ENTITY.sub(one, text)


def parse(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """The visible text and its entities; ``ApiError`` when Telegram cannot parse it."""
    if (parse_mode or "").upper() == "HTML":
        return _Parser(text).run()
    return text, []


def message_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """A message's text as Telegram accepts it: parsed, not empty, at most 4096 units."""
    shown, entities = parse(text, parse_mode)
    if not shown.strip():
        raise bad_request("message text is empty")
    if utf16_len(shown) > TEXT_LIMIT:
        raise bad_request("message is too long")
    return shown, entities


def caption_text(caption: str | None,
                 parse_mode: str | None) -> tuple[str | None, list[dict[str, Any]]]:
    """A caption as Telegram accepts it: parsed, at most 1024 units (None when empty)."""
    if caption is None:
        return None, []
    shown, entities = parse(caption, parse_mode)
    if utf16_len(shown) > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
    return (shown or None), entities
