"""python-telegram-bot, imported without Telegram Passport's cryptography, and httpx without
its command-line client.

PTB imports ``cryptography`` at start when it is installed (it is here: google-auth and
Supabase's client depend on it), only to decrypt Telegram Passport data, which neither bot
asks for. That import costs ~13 ms of CPU and ~8 MB of memory in every process. httpx (which
PTB imports) tries to import its command-line client, ``httpx._main``: that imports ``click``
(installed for uvicorn's command line, ~8 ms) and gives up when ``rich`` and ``pygments`` are
missing, or imports them too (~60 ms) where they are installed, e.g. in a development
environment.

Importing this module first imports ``telegram`` (and with it httpx) with both hidden
(``shared.lean_import.hidden``): PTB then records that Passport decryption is unavailable
(``telegram._passport.credentials.CRYPTO_INSTALLED``), httpx defines its stub ``main``, and
``cryptography`` stays importable for whatever needs it later (Google's sign-in for Sheets).
``tests/shared/test_lean_start.py`` checks that a start loads neither.

``telegram.ext`` imports APScheduler for PTB's job queue when it is installed, before the
service's own scheduler does: ``shared.apscheduler_lib`` is imported here, ahead of it.
"""

from __future__ import annotations

import sys

import shared.apscheduler_lib  # noqa: F401 - PTB's job queue imports APScheduler: the lean way first
from shared.lean_import import hidden

if "telegram" not in sys.modules:
    with hidden("cryptography", "httpx._main"):
        import telegram
        import telegram._passport.credentials  # noqa: F401 - where PTB tries it
