"""Every callback of each bot has its own prefix; no callback's pattern matches the data another
packs; pack and parse round-trip within Telegram's 64 bytes."""

from __future__ import annotations

import dataclasses
import inspect
from types import ModuleType
from typing import get_type_hints

import pytest

import avap_bot.callbacks
import shopping_bot.callbacks
from shared.callbacks import CallbackData

MODULES = {"avap": avap_bot.callbacks, "shopping": shopping_bot.callbacks}


def callbacks_of(module: ModuleType) -> list[type[CallbackData]]:
    """The CallbackData subclasses defined in ``module`` (not the ones it imports)."""
    return [obj for _, obj in inspect.getmembers(module, inspect.isclass)
            if issubclass(obj, CallbackData) and obj is not CallbackData
            and obj.__module__ == module.__name__]


def samples(cls: type[CallbackData]) -> list[CallbackData]:
    """Instances with small and with the largest values each field may hold."""
    hints = get_type_hints(cls)
    small, large = [], []
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if hints[f.name] is int:
            small.append(1)
            large.append(-1_002_000_000_000_001)  # as long as a channel id can be
        else:
            small.append("x")
            large.append("y" * 8)
    return [cls(*small), cls(*large)]


def test_both_bots_define_callbacks() -> None:
    assert len(callbacks_of(avap_bot.callbacks)) >= 10
    names = {c.__name__ for c in callbacks_of(shopping_bot.callbacks)}
    assert {"PublishNow", "EditPost", "RemoveEditor"} <= names


@pytest.mark.parametrize("bot", sorted(MODULES))
def test_prefixes_unique_and_well_formed(bot: str) -> None:
    classes = callbacks_of(MODULES[bot])
    prefixes = [c.prefix for c in classes]
    duplicates = sorted({p for p in prefixes if prefixes.count(p) > 1})
    assert not duplicates, f"{bot}: prefixes used twice: {duplicates}"
    for cls in classes:
        assert cls.prefix and ":" not in cls.prefix, f"{cls.__name__}: bad prefix {cls.prefix!r}"
        assert dataclasses.is_dataclass(cls), cls.__name__


@pytest.mark.parametrize("bot", sorted(MODULES))
def test_no_pattern_matches_another_callbacks_data(bot: str) -> None:
    classes = callbacks_of(MODULES[bot])
    for packer in classes:
        for data in (s.pack() for s in samples(packer)):
            matching = [c.__name__ for c in classes if c.pattern().match(data)]
            assert matching == [packer.__name__], f"{bot}: {data!r} matches {matching}"
            others = [c.__name__ for c in classes if c is not packer and c.parse(data)]
            assert not others, f"{bot}: {data!r} parses as {others}"


@pytest.mark.parametrize("bot", sorted(MODULES))
def test_pack_parse_round_trip_within_64_bytes(bot: str) -> None:
    for cls in callbacks_of(MODULES[bot]):
        for sample in samples(cls):
            data = sample.pack()
            assert len(data.encode()) <= 64, data
            assert cls.parse(data) == sample, data


def test_foreign_and_malformed_data_do_not_parse() -> None:
    from shopping_bot.callbacks import PublishNow, RemoveEditor

    assert PublishNow.parse("pn:12") == PublishNow(12)
    for data in (None, "", "pn", "pn:", "pn:x", "pn:1:2", "pnx:1", "er:1", " pn:1"):
        assert PublishNow.parse(data) is None, data
    assert RemoveEditor.parse("er:7001") == RemoveEditor(7001)
    assert RemoveEditor.parse("pn:7001") is None
