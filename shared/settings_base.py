"""How settings are declared and read, on msgspec: a settings class is a ``msgspec.Struct`` of
``SettingsBase`` whose fields each say their variables, type, limits and default on one line::

    port: Annotated[int, Env("PORT"), Meta(ge=1, le=65535)] = 8000

Calling the class reads it: the values given (by variable or field name), else the first of the
field's variables set (not empty) in the environment, else in ``.env`` (read only when the file
exists), else the default. Every invalid value is reported at once, in one ``SettingsError``,
one line each. Imports nothing of the project.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Self, TypeVar, Union, get_args, get_origin

import msgspec

WHOLE_NUMBER = "expected a whole number (Telegram ids are numbers)"
NUMBER = "Input should be a valid number, unable to parse string as a number"
S = TypeVar("S", bound="SettingsBase")
LIMITS = {">=": ("ge", "greater than or equal to"), "<=": ("le", "less than or equal to"),
          ">": ("gt", "greater than"), "<": ("lt", "less than")}


class SettingsError(Exception):
    """Invalid settings; the message names each variable and what it expects, one per line."""


class Secret:
    """A secret setting's value: its repr and str never show it; ``get_secret_value()`` does."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __str__(self) -> str:
        return "**********" if self._value else ""

    def __repr__(self) -> str:
        return f"Secret('{self}')"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class Env:
    """A field's variables, first one first: its own name, then any older name still read."""

    __slots__ = ("names",)

    def __init__(self, *names: str) -> None:
        self.names = names

    def __repr__(self) -> str:
        return f"Env{self.names!r}"


class Parse:
    """A field's reading of its raw value (a string from the environment, or what code passes)
    before msgspec checks the result against the field's type; a ValueError's message is the
    variable's line in the error."""

    __slots__ = ("function",)

    def __init__(self, function: Callable[[Any], Any]) -> None:
        self.function = function

    def __repr__(self) -> str:
        return f"Parse({self.function.__name__})"


class SettingField(msgspec.Struct, frozen=True):
    """One setting as a settings class declares it."""

    name: str  # the attribute
    variables: tuple[str, ...]  # its environment variables, the first one its own
    default: Any  # its value when none of them is set
    secret: bool  # a Secret: never printed
    type: Any  # what msgspec checks (with the field's limits)
    parse: Callable[[Any], Any] | None  # its Parse, when it has one
    number: type | None  # int or float when the field is that number (or None)

    def convert(self, raw: Any) -> Any:
        """``raw`` as the field's value; ValueError or msgspec.ValidationError when invalid."""
        value = self.parse(raw) if self.parse is not None else raw
        if isinstance(value, str) and self.number is not None:
            value = _number(value, self.number)
        return msgspec.convert(value, self.type, strict=False, dec_hook=_from_string)

    def problem(self, exc: Exception) -> str:
        """What the variable's line of the error says about ``exc``."""
        text = str(exc)
        limit = re.search(r"` (>=|<=|>|<) ", text)
        if isinstance(exc, msgspec.ValidationError) and limit:
            attribute, words = LIMITS[limit.group(1)]
            return f"Input should be {words} {_constraint(self.type, attribute)}"
        if isinstance(exc, msgspec.ValidationError):
            return _expects(self.type) or text
        return text


def _from_string(kind: type, value: Any) -> Any:
    """msgspec's hook for the types it does not know: Secret and Path, from a string."""
    if isinstance(value, kind):
        return value
    if kind in (Secret, Path) and isinstance(value, str):
        return kind(value)
    raise TypeError(f"expected {kind.__name__}")


INTEGER = re.compile(r"\s*([+-]?\d+(?:_\d+)*)(?:\.0*)?\s*")


def _number(text: str, kind: type) -> int | float:
    """A number as an operator writes it (" 8000", "+3", "1_000", "5.0" for an int)."""
    if kind is int:
        if whole := INTEGER.fullmatch(text):
            return int(whole.group(1))
        raise ValueError(WHOLE_NUMBER)
    try:
        return float(text)
    except ValueError:
        raise ValueError(NUMBER) from None


def _flatten(kind: Any) -> tuple[Any, list[Any]]:
    """A type without its Annotated layer, and that layer's metadata."""
    if get_origin(kind) is Annotated:
        return get_args(kind)[0], list(kind.__metadata__)
    return kind, []


def _members(kind: Any) -> tuple[Any, ...]:
    """The members of a union (``X | None``), or the type itself."""
    kind = _flatten(kind)[0]
    return get_args(kind) if get_origin(kind) in (Union, type(int | None)) else (kind,)


def _constraint(kind: Any, attribute: str) -> Any:
    for meta in _flatten(kind)[1]:
        if isinstance(meta, msgspec.Meta) and getattr(meta, attribute) is not None:
            return getattr(meta, attribute)
    return "?"


def _single(kind: Any) -> Any:
    """The one type of a field that is that type or None (None when it is more)."""
    members = [m for m in _members(kind) if m is not type(None)]
    return _flatten(members[0])[0] if len(members) == 1 else None


def _expects(kind: Any) -> str | None:
    """The line for a value that is not of the field's type (the limits aside)."""
    member = _single(kind)
    if get_origin(member) is Literal:
        options = [repr(option) for option in get_args(member)]
        return "Input should be " + " or ".join([", ".join(options[:-1]), options[-1]])
    return {int: WHOLE_NUMBER, str: "Input should be a valid string",
            float: NUMBER}.get(member)


@functools.cache
def setting_fields(cls: type) -> tuple[SettingField, ...]:
    """The settings of ``cls``, in their declaration order."""
    out = []
    for info in msgspec.structs.fields(cls):
        _, metadata = _flatten(info.type)
        names = next((m.names for m in metadata if isinstance(m, Env)), (info.name.upper(),))
        parse = next((m.function for m in metadata if isinstance(m, Parse)), None)
        default = (info.default if info.default_factory is msgspec.NODEFAULT
                   else info.default_factory())
        single = _single(info.type)
        out.append(SettingField(info.name, names, default, Secret in _members(info.type),
                                info.type, parse, single if single in (int, float) else None))
    return tuple(out)


def _dotenv(path: str | Path | None) -> dict[str, str]:
    if path is None or not Path(path).is_file():
        return {}
    from dotenv import dotenv_values

    return {k.upper(): v for k, v in dotenv_values(path, encoding="utf-8").items() if v}


def read_settings(cls: type[S], given: dict[str, Any], env_file: str | Path | None) -> S:
    """``cls`` from ``given``, the environment and ``env_file`` (see the module's doc).
    Variable names are matched in the environment whatever their case; a variable set empty
    there counts as unset (``VAR=`` as ``.env.example`` lists them)."""
    environment = {k.upper(): v for k, v in os.environ.items() if v != ""}
    sources = [given, environment, _dotenv(env_file)]
    values, errors = {}, []
    for field in setting_fields(cls):
        names = (*field.variables, field.name)
        found = next(((name, source[name]) for source in sources for name in names
                      if name in source), None)
        if found is None:
            continue
        variable, raw = found
        try:
            values[field.name] = field.convert(raw)
        except (ValueError, TypeError, msgspec.ValidationError) as exc:
            name = variable if variable in field.variables else field.variables[0]
            errors.append(f"{name}: {field.problem(exc)}")
    if errors:
        raise SettingsError("\n".join(errors))
    return msgspec.StructMeta.__call__(cls, **values)  # type: ignore[no-any-return]


class SettingsMeta(msgspec.StructMeta):
    """Calling a settings class reads it; ``parts=`` composes a class from others' fields."""

    def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any],
                parts: tuple[type, ...] = (), **options: Any) -> SettingsMeta:
        """``parts``: settings classes whose fields this class takes in after its own (how the
        platform's ``Settings`` gets each bot's); they are kept as ``PARTS``."""
        if parts:
            annotations = dict(namespace.get("__annotations__", {}))
            for part in parts:
                for info in msgspec.structs.fields(part):
                    annotations[info.name] = info.type
                    namespace[info.name] = (
                        info.default if info.default_factory is msgspec.NODEFAULT
                        else msgspec.field(default_factory=info.default_factory))
            namespace["__annotations__"] = annotations
            namespace["PARTS"] = tuple(parts)
        return super().__new__(mcls, name, bases, namespace, **options)

    def __call__(cls: type[S], _env_file: str | Path | None = ".env", **given: Any) -> S:
        return read_settings(cls, given, _env_file)


class SettingsBase(msgspec.Struct, metaclass=SettingsMeta, kw_only=True):
    """A settings class: ``Cls(**given)`` reads it (``_env_file=None``: no ``.env``)."""

    PARTS: ClassVar[tuple[type, ...]] = ()

    @classmethod
    def fields(cls) -> tuple[SettingField, ...]:
        """Every setting: its name, variables, default and whether it is a secret."""
        return setting_fields(cls)

    @classmethod
    def field(cls, name: str) -> SettingField:
        """The setting named ``name`` (KeyError when there is none)."""
        found = {field.name: field for field in setting_fields(cls)}
        return found[name]

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` (field names and values, taken as they are)."""
        return msgspec.structs.replace(self, **changes)

