"""The command line, ``python -m shared [command]``: one module per command, listed in
``COMMANDS``.

A command module exposes ``main(args) -> int`` (the exit status) and, when it takes options,
``add_arguments(parser)`` (and a ``DESCRIPTION`` for its own ``--help``).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NamedTuple


class Command(NamedTuple):
    """One subcommand: its name, the module that runs it, its line in ``--help``."""

    name: str
    module: str
    help: str

    def load(self) -> ModuleType:
        return importlib.import_module(self.module)


# one entry per command, in the order of ``--help``; a new command is one line here and a module
COMMANDS: tuple[Command, ...] = (
    Command("serve", "shared.cli.serve",
            "run the server (the default once a bot token, PUBLIC_URL or RENDER is set)"),
    Command("sandbox", "shared.cli.sandbox", "both bots against a Telegram emulator, in a "
            "browser (the default when no bot token, PUBLIC_URL or RENDER is set)"),
    Command("migrate", "shared.cli.migrate", "apply the database migrations"),
    Command("sql", "shared.cli.sql", "print the PostgreSQL schema for Supabase's SQL editor"),
    Command("set-webhooks", "shared.cli.set_webhooks",
            "register both bots' webhooks at PUBLIC_URL"),
    Command("check", "shared.cli.check", "validate settings and try every configured connection"),
    Command("copy-data", "shared.cli.copy_data",
            "copy every table to another database (SQLite <-> PostgreSQL)"),
)
DEFAULT = "serve"  # what ``python -m shared`` with no command runs (its options are accepted too)


def parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every command, built from ``COMMANDS``.

    Each command's options come from its module, imported only for the commands named in
    ``argv`` and the default one: ``python -m shared`` starts the server without loading the
    other commands (the list in ``--help`` needs only the table).
    """
    named = set(sys.argv[1:] if argv is None else argv) | {DEFAULT}
    p = argparse.ArgumentParser(
        prog="python -m shared",
        description="One server for the bots listed in pyproject.toml ([tool.bots]).",
    )
    sub = p.add_subparsers(dest="command")
    for command in COMMANDS:
        command_parser = sub.add_parser(command.name, help=command.help)
        if command.name not in named:
            continue
        module = command.load()
        command_parser.description = getattr(module, "DESCRIPTION", None)
        add_arguments = getattr(module, "add_arguments", None)
        if add_arguments is not None:
            add_arguments(command_parser)
            if command.name == DEFAULT:
                add_arguments(p)
    return p


def _default(args: argparse.Namespace) -> str:
    """``serve``, or ``sandbox`` when nothing is configured (no bot token, no PUBLIC_URL, not on
    Render): a fresh checkout's ``python -m shared`` opens the bots in a browser."""
    from shared.cli.common import settings_or_exit
    from shared.sandbox import should_start

    args.settings = settings_or_exit()  # read once: the command that runs uses them too
    if should_start(args.settings):
        if args.host is None:
            args.host = "127.0.0.1"
        return "sandbox"
    return DEFAULT


def main(argv: list[str] | None = None) -> int:
    """Run the command named in ``argv`` (default: the process's arguments); its exit status."""
    args = parser(argv).parse_args(argv)
    name = args.command or _default(args)
    if name != "serve":
        gc.enable()  # python -m shared turned it off for a server's start-up
    command = next(c for c in COMMANDS if c.name == name)
    status: int = command.load().main(args)
    return status
