"""The machinery of ``shared.config.Settings``: typed fields read from the environment and ``.env``.

It does what the service needed from pydantic-settings (aliases, ``.env``, conversion of the
variables' text to each field's type, bounds, validators, one message per invalid variable)
without importing pydantic: pydantic and pydantic-settings cost ~80 ms of CPU and ~8 MB at every
start, a second of start-up on a tenth of a CPU, for a class read once. FastAPI (the admin API,
built on first use) still brings pydantic when it is used.

Sources, first found wins: the keyword arguments (by variable or field name), the environment
(variable names in any case), the ``.env`` file of the working directory, the field's default
(not validated, as pydantic does).
"""

from __future__ import annotations

import os
import re
import types
import typing
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar, Literal, Union, get_args, get_origin

NoDecode = object()  # kept in ``Annotated[...]`` for readers: list values are never JSON-decoded
_MISSING: Any = object()


class SecretStr:
    """A secret value that never shows in a repr, a log line or an error."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "SecretStr('**********')" if self._value else "SecretStr('')"

    def __str__(self) -> str:
        return "**********" if self._value else ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretStr) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class AliasChoices:
    """Several variable names for one field; the first one set wins."""

    def __init__(self, *choices: str) -> None:
        self.choices = list(choices)


class FieldInfo:
    def __init__(self, default: Any = _MISSING, *, validation_alias: str | AliasChoices,
                 default_factory: Callable[[], Any] | None = None, ge: float | None = None,
                 le: float | None = None, gt: float | None = None) -> None:
        self.default, self.default_factory = default, default_factory
        self.validation_alias = validation_alias
        self.bounds = (ge, le, gt)
        self.names = (validation_alias.choices if isinstance(validation_alias, AliasChoices)
                      else [validation_alias])
        self.annotation: Any = None
        self.before: list[Callable[[Any], Any]] = []
        self.after: list[Callable[[Any], Any]] = []


def Field(default: Any = _MISSING, **kwargs: Any) -> Any:
    return FieldInfo(default, **kwargs)


def field_validator(*fields: str, mode: Literal["before", "after"] = "after") -> Callable:
    """Mark a classmethod ``(cls, value) -> value`` to run on ``fields``; ValueError = invalid."""
    def mark(method: Any) -> Any:
        method.__validates__ = (fields, mode)
        return method
    return mark


_TIMEDELTA = re.compile(r"(-?)(?:(\d+) days?, )?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)")
_ISO_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?")
_TRUE, _FALSE = {"1", "on", "t", "true", "y", "yes"}, {"0", "off", "f", "false", "n", "no"}


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if isinstance(value, str):
        if m := _TIMEDELTA.fullmatch(value.strip()):
            sign = -1 if m.group(1) else 1
            return sign * timedelta(days=int(m.group(2) or 0), hours=int(m.group(3)),
                                    minutes=int(m.group(4)), seconds=float(m.group(5)))
        if (m := _ISO_DURATION.fullmatch(value.strip())) and value.strip() != "P":
            d, h, mi, s = (float(g) if g else 0.0 for g in m.groups())
            return timedelta(days=d, hours=h, minutes=mi, seconds=s)
    raise ValueError("expected a duration such as 6h, 90m, 21600 (seconds) or 06:00:00")


def _is(value: Any, tp: Any) -> bool:
    """Whether ``value`` already has type ``tp`` (what pydantic's smart unions try first)."""
    if get_origin(tp) is Literal:
        return value in get_args(tp)
    if get_origin(tp) is list:
        return False
    return isinstance(tp, type) and isinstance(value, tp) and not (
        tp is int and isinstance(value, bool))


def convert(tp: Any, value: Any) -> Any:
    """``value`` as type ``tp``; ValueError with the message an operator reads."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        members = [a for a in get_args(tp) if a is not type(None)]
        if value is None and len(members) < len(get_args(tp)):
            return None
        for member in members:
            if _is(value, member):
                return value
        first: ValueError | None = None
        for member in members:
            try:
                return convert(member, value)
            except ValueError as exc:
                first = first or exc
        raise first or ValueError("invalid value")
    if origin is Literal:
        if value in get_args(tp):
            return value
        raise ValueError("expected " + " or ".join(repr(a) for a in get_args(tp)))
    if origin is list:
        if not isinstance(value, list | tuple):
            raise ValueError("expected a list")
        return [convert(get_args(tp)[0], v) for v in value]
    if tp is SecretStr:
        if isinstance(value, SecretStr):
            return value
        if isinstance(value, str):
            return SecretStr(value)
        raise ValueError("expected a string")
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ValueError("expected true or false")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
            return int(value)
        raise ValueError("expected a whole number (Telegram ids are numbers)")
    if tp is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError("expected a number") from None
    if tp is str:
        if isinstance(value, str):
            return value
        raise ValueError("expected a string")
    if tp is Path:
        if isinstance(value, str | Path):
            return Path(value)
        raise ValueError("expected a path")
    if tp is timedelta:
        return _duration(value)
    raise TypeError(f"no conversion to {tp!r}")


def _check_bounds(value: Any, bounds: tuple[float | None, ...]) -> None:
    ge, le, gt = bounds
    if ge is not None and value < ge:
        raise ValueError(f"Input should be greater than or equal to {ge}")
    if le is not None and value > le:
        raise ValueError(f"Input should be less than or equal to {le}")
    if gt is not None and value <= gt:
        raise ValueError(f"Input should be greater than {gt}")


def read_env_file(path: str | Path | None) -> dict[str, str]:
    """The variables of a ``.env`` file (python-dotenv's syntax), names in lower case."""
    if path is None or not Path(path).is_file():
        return {}
    from dotenv import dotenv_values  # only when there is a file to read

    return {k.lower(): v for k, v in dotenv_values(path, encoding="utf-8").items()
            if v is not None}


class SettingsBase:
    """Fields declared as ``name: type = Field(default, validation_alias=...)``."""

    model_fields: ClassVar[dict[str, FieldInfo]]
    env_file: ClassVar[str | None] = ".env"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        hints = typing.get_type_hints(cls)
        cls.model_fields = {}
        for name, value in list(vars(cls).items()):
            if isinstance(value, FieldInfo):
                value.annotation = hints[name]
                cls.model_fields[name] = value
                delattr(cls, name)
        for method in vars(cls).values():
            fields, mode = getattr(method, "__validates__", None) or getattr(
                getattr(method, "__func__", None), "__validates__", ((), ""))
            for name in fields:
                bound = method.__get__(None, cls)
                getattr(cls.model_fields[name], mode).append(bound)

    def __init__(self, _env_file: str | Path | None = _MISSING, **values: Any) -> None:
        env = {k.lower(): v for k, v in os.environ.items()}
        dotenv = read_env_file(self.env_file if _env_file is _MISSING else _env_file)
        errors: list[str] = []
        for name, info in self.model_fields.items():
            raw = values.get(name, _MISSING)
            for source in (values, env, dotenv):
                for var in info.names:
                    if raw is _MISSING:
                        raw = source.get(var if source is values else var.lower(), _MISSING)
            if raw is _MISSING:
                default = info.default_factory() if info.default_factory else info.default
                setattr(self, name, default)
                continue
            try:
                for check in info.before:
                    raw = check(raw)
                value = convert(info.annotation, raw)
                if value is not None:
                    _check_bounds(value, info.bounds)
                for check in info.after:
                    value = check(value)
            except ValueError as exc:
                errors.append(f"{info.names[0]}: {str(exc).removeprefix('Value error, ')}")
                continue
            setattr(self, name, value)
        if errors:
            raise SettingsValueError("\n".join(errors))


class SettingsValueError(ValueError):
    """Invalid settings: one line per variable, ``NAME: what it expects``."""
