"""``python -m shared sandbox`` (and plain ``python -m shared`` when nothing is configured):
both bots against the Bot API emulator in the process, tried in a browser (``shared.sandbox``)."""

from __future__ import annotations

import argparse

DESCRIPTION = ("Both bots against a Telegram emulator inside the process, served at "
               "http://127.0.0.1:8000/ with their own database (DATA_DIR/sandbox.db). Refused when "
               "a bot token, PUBLIC_URL or RENDER is set.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="default: 127.0.0.1 (only this machine can open it)")
    parser.add_argument("--port", type=int, help="default: $PORT or 8000")


def main(args: argparse.Namespace) -> int:
    from shared.cli.common import settings_or_exit
    from shared.sandbox.run import main as run

    return run(args, settings_or_exit(args))
