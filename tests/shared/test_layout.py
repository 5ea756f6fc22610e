"""The platform knows no bot: nothing under ``shared/`` imports a bot package, and every bot is
reached through ``shared.bot_package`` (the registry in pyproject.toml)."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from shared.bot_package import Repository, registered_bots, registered_packages
from shared.storage.schema import all_tables

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / "shared"


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in ``path``, including ``importlib.import_module("x")``
    with a literal name."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.append((node.lineno, node.args[0].value))
    return found


def test_registry_lists_both_bots() -> None:
    assert registered_packages() == ("avap_bot", "shopping_bot")
    assert list(registered_bots()) == ["avap", "shopping"]


def test_nothing_under_shared_imports_a_bot() -> None:
    bots = registered_packages()
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted(SHARED.rglob("*.py"))
        for line, module in _imports(path)
        if module.split(".")[0] in bots
    ]
    assert offenders == []


def test_the_check_sees_an_import(tmp_path: Path) -> None:
    """The scan above would catch each form of import (so that its silence means something)."""
    sample = tmp_path / "sample.py"
    sample.write_text("import avap_bot\nfrom shopping_bot.texts import X\n"
                      "import importlib\nimportlib.import_module('avap_bot.handlers')\n"
                      "def f():\n    from avap_bot import texts\n")
    assert [m for _, m in _imports(sample)] == [
        "avap_bot", "shopping_bot.texts", "importlib", "avap_bot.handlers", "avap_bot"]


@pytest.mark.parametrize("name", ["avap", "shopping"])
def test_each_bot_provides_the_interface(name: str) -> None:
    bot = registered_bots()[name]
    for attribute in ("NAME", "TITLE", "TOKEN_VARIABLE", "ALLOWED_UPDATES", "APOLOGY",
                      "REPOSITORIES", "TABLES", "build_application", "command_menus"):
        assert hasattr(bot, attribute), f"{name} lacks {attribute}"
    for repo_name, spec in bot.REPOSITORIES.items():
        assert isinstance(spec, Repository)
        for backend in ("sqlite", "supabase"):
            assert isinstance(spec.load(backend), type), (repo_name, backend)


def test_each_bot_owns_its_tables() -> None:
    """The platform's schema module defines only platform tables; each bot's its own."""
    from sqlalchemy import Table

    import avap_bot.storage.tables as avap
    import shared.storage.schema as platform
    import shopping_bot.storage.tables as shop

    def defined(module: object) -> set[str]:
        return {v.name for v in vars(module).values() if isinstance(v, Table)}

    assert "inbox" in defined(platform) and "submissions" in defined(avap)
    assert "posts" in defined(shop)
    assert defined(platform) & (defined(avap) | defined(shop)) == set()
    assert defined(avap) & defined(shop) == set()
    assert defined(platform) | defined(avap) | defined(shop) == set(all_tables().tables)


def test_each_bot_owns_its_settings() -> None:
    """The platform's settings class has no bot's field; the service's Settings has them all."""
    from avap_bot.settings import AvapSettings
    from shared.config import PlatformSettings, Settings
    from shared.settings_base import SettingsBase
    from shopping_bot.settings import ShoppingSettings

    def names(cls: type[SettingsBase]) -> set[str]:
        return {field.name for field in cls.fields()}

    platform = names(PlatformSettings)
    avap, shop = names(AvapSettings), names(ShoppingSettings)
    assert {"avap_bot_token", "verification_group_id", "systeme_api_key"} <= avap
    assert {"shopping_bot_token", "shopping_channel_id", "authorized_users"} <= shop
    assert platform & (avap | shop) == set() and avap & shop == set()
    assert names(Settings) == platform | avap | shop
    settings = Settings(_env_file=None, AVAP_BOT_TOKEN="1:a", SUPPORT_GROUP_ID="-100")
    assert settings.bot_token("avap") == "1:a" and settings.bot_token("shopping") is None
    assert settings.group_settings() == {"SUPPORT_GROUP_ID": -100}


def _strings(path: Path) -> list[tuple[int, str]]:
    """(line, value) of every string literal in ``path`` that is not a docstring."""
    tree = ast.parse(path.read_text(), str(path))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                                | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]


def test_nothing_under_shared_names_a_bot() -> None:
    """No bot's name, package or token variable in the platform's code (its settings, chats,
    tables and texts are the bot's own): the sandbox, the CLI and the API ask the registry."""
    words = {w.lower() for bot in registered_bots().values()
             for w in (bot.NAME, bot.TOKEN_VARIABLE)} | set(registered_packages())
    offenders = [f"{path.relative_to(ROOT)}:{line} {value[:60]!r}"
                 for path in sorted(SHARED.rglob("*.py"))
                 for line, value in _strings(path)
                 if any(word in value.lower() for word in words)]
    assert offenders == []


MAX_LINES = 400  # issue 16: no file over 400 lines outside the tests and the SQL
SKIPPED = {"tests", "node_modules", "venv"}


def test_no_source_file_is_over_400_lines() -> None:
    sources = []
    for folder, dirs, files in os.walk(ROOT):
        # not the tests, nor virtualenvs, caches or node_modules (bench/.venv...)
        dirs[:] = [d for d in dirs if not d.startswith((".", "_")) and d not in SKIPPED]
        sources += [Path(folder, f) for f in files if f.endswith(".py")]
    assert len(sources) > 100  # the walk found the project
    long = {str(p.relative_to(ROOT)): n for p in sources
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"over {MAX_LINES} lines (split by what each part does): {long}"
