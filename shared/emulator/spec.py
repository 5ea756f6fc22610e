"""Every call checked against the Bot API 10.0 description vendored in ``botapi/api.json``.

Values arrive as JSON (typed) or as form fields (strings, nested values JSON-encoded, as PTB
sends them); each is coerced to the type the method declares. A missing required parameter or a
value of the wrong type is refused with 400; a parameter the method does not define is what
Telegram silently ignores: it is returned so the caller can log and record it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from shared.emulator.errors import ApiError, bad_request

API_JSON = Path(__file__).with_name("botapi") / "api.json"
_INT = re.compile(r"-?\d+")
_MISSING = {"chat_id": "chat_id is empty", "text": "message text is empty",
            "callback_query_id": "query is too old and response timeout expired or query ID "
                                 "is invalid"}
_UNPARSABLE = {"reply_markup": "can't parse reply keyboard markup JSON object",
               "entities": "can't parse entities JSON object",
               "caption_entities": "can't parse entities JSON object"}


@dataclass
class Upload:
    """A file sent in a multipart body."""

    filename: str | None
    content: bytes
    content_type: str | None = None


class _Invalid(Exception):
    """A value that does not fit the declared type (internal)."""


@dataclass
class Checked:
    """The parameters coerced to their declared types, and what Telegram would ignore."""

    params: dict[str, Any]
    ignored: list[str] = field(default_factory=list)


@cache
def spec() -> dict[str, Any]:
    """The parsed ``api.json``."""
    return orjson.loads(API_JSON.read_bytes())


def method_names() -> set[str]:
    """Every method of the Bot API."""
    return set(spec()["methods"])


def check_call(method: str, params: dict[str, Any]) -> Checked:
    """Coerce ``params`` of ``method``; raise ``ApiError`` as Telegram would refuse them."""
    definition = spec()["methods"].get(method)
    if definition is None:
        raise ApiError(404, "Not Found")
    fields = {f["name"]: f for f in definition.get("fields", [])}
    ignored = [f"{method}.{name}" for name in params if name not in fields]
    out: dict[str, Any] = {}
    for name, fdef in fields.items():
        if name not in params or params[name] is None:
            if fdef["required"]:
                raise bad_request(_MISSING.get(name, f'parameter "{name}" is required'))
            continue
        if name == "reply_markup" and params[name] in ({}, "{}"):
            out[name] = {}  # no keyboard: what PTB sends for an empty one; Telegram accepts it
            continue
        try:
            out[name] = _coerce(params[name], fdef["types"], f"{method}.{name}", ignored)
        except _Invalid as exc:
            raise bad_request(_UNPARSABLE.get(name, f'field "{name}" has wrong type: {exc}')) \
                from None
    return Checked(out, ignored)


def _coerce(value: Any, types: list[str], where: str, ignored: list[str]) -> Any:
    """``value`` as the first of ``types`` it fits best (fewest ignored fields); ``_Invalid``
    when it fits none."""
    return _best_fit(types, lambda name, extra: _as_type(value, name, where, extra), ignored,
                     lambda: f"expected {' or '.join(types)}")


def _best_fit(candidates: list[str], convert: Callable[[str, list[str]], Any],
              ignored: list[str], none_fits: Callable[[], str]) -> Any:
    """``convert(candidate, extra)`` of the first candidate that leaves the fewest fields
    ignored (those it appends to ``extra``), which are then added to ``ignored``; ``_Invalid``
    with ``none_fits()`` when every candidate raises it."""
    best: tuple[list[str], Any] | None = None
    for candidate in candidates:
        extra: list[str] = []
        try:
            out = convert(candidate, extra)
        except _Invalid:
            continue
        if best is None or len(extra) < len(best[0]):
            best = (extra, out)
        if not extra:
            break  # nothing ignored: no later candidate fits better
    if best is None:
        raise _Invalid(none_fits())
    ignored.extend(best[0])
    return best[1]


def _json(value: Any) -> Any:
    """A JSON-encoded form value decoded, anything else as is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise _Invalid("not JSON") from exc
    return value


def _as_type(value: Any, name: str, where: str, ignored: list[str]) -> Any:
    """``value`` coerced to the one type ``name``."""
    if name.startswith("Array of "):
        items = _json(value)
        if not isinstance(items, list):
            raise _Invalid("not an array")
        inner = name.removeprefix("Array of ")
        return [_as_type(item, inner, where, ignored) for item in items]
    scalar = _SCALARS.get(name)
    if scalar is not None:
        return scalar(value)
    if name == "InputFile":
        if isinstance(value, Upload | str):
            return value
        raise _Invalid("not a file")
    return _as_object(value, name, where, ignored)


def _integer(value: Any) -> int:
    """An Integer: a JSON number or a form string of digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INT.fullmatch(value.strip()):
        return int(value)
    raise _Invalid("not an integer")


def _float(value: Any) -> float:
    """A Float: a number or a numeric string."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError as exc:
            raise _Invalid("not a number") from exc
    raise _Invalid("not a number")


def _boolean(value: Any) -> bool:
    """A Boolean: true/false (any case) or 1/0."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    if isinstance(value, int):
        return bool(value)
    raise _Invalid("not a boolean")


def _string(value: Any) -> str:
    """A String (a JSON number is taken as its text, as Telegram does)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _Invalid("not a string")


_SCALARS = {"Integer": _integer, "Float": _float, "Boolean": _boolean, "String": _string,
            "True": _boolean}


def _as_object(value: Any, name: str, where: str, ignored: list[str]) -> dict[str, Any]:
    """An object of type ``name`` (or of one of its subtypes), its fields checked."""
    tdef = spec()["types"].get(name)
    if tdef is None:
        raise _Invalid(f"unknown type {name}")
    obj = _json(value)
    if not isinstance(obj, dict):
        raise _Invalid(f"not a {name}")
    if tdef.get("subtypes"):
        return _as_subtype(obj, tdef["subtypes"], where, ignored)
    if not _discriminator_fits(obj, name):
        raise _Invalid(f"not a {name}")
    fields = {f["name"]: f for f in tdef.get("fields", [])}
    out: dict[str, Any] = {}
    for key, item in obj.items():
        if key not in fields:
            ignored.append(f"{where}.{key}")
            out[key] = item
            continue
        out[key] = _coerce(item, fields[key]["types"], f"{where}.{key}", ignored)
    missing = [k for k, f in fields.items() if f["required"] and k not in obj]
    if missing:
        raise _Invalid(f"{name} needs {', '.join(missing)}")
    return out


def _as_subtype(obj: dict[str, Any], subtypes: list[str], where: str,
                ignored: list[str]) -> dict[str, Any]:
    """The subtype that fits ``obj`` with the fewest ignored fields (the first of those)."""
    return _best_fit(subtypes, lambda sub, extra: _as_object(obj, sub, where, extra), ignored,
                     lambda: f"none of {', '.join(subtypes)}")


def _discriminator_fits(obj: dict[str, Any], sub: str) -> bool:
    """True unless the subtype's ``type``/``status``/``source`` field names another value."""
    for fdef in spec()["types"][sub].get("fields", []):
        if fdef["name"] in ("type", "status", "source") and fdef["name"] in obj:
            m = re.search(r'(?:must be|always) [“"]?([a-z_]+)', fdef["description"])
            if m and obj[fdef["name"]] != m.group(1):
                return False
    return True
