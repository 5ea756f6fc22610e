"""The seed's start command, ``python -m avap_bot.bot``: the same server as ``python -m shared``."""

from shared.__main__ import main

if __name__ == "__main__":
    raise SystemExit(main())
