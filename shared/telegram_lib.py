"""python-telegram-bot, imported without Telegram Passport's cryptography.

PTB imports ``cryptography`` at start when it is installed (it is here: google-auth and
Supabase's client depend on it), only to decrypt Telegram Passport data, which neither bot
asks for. That import costs ~13 ms of CPU and ~8 MB of memory in every process. Importing this
module first imports ``telegram`` with ``cryptography`` hidden: PTB then records that Passport
decryption is unavailable (``telegram._passport.credentials.CRYPTO_INSTALLED``), and
``cryptography`` stays importable for whatever needs it later (Google's sign-in for Sheets).
``tests/shared/test_lean_start.py`` checks that a start does not load it.
"""

from __future__ import annotations

import sys

_HIDDEN = "cryptography"

if "telegram" not in sys.modules and _HIDDEN not in sys.modules:
    sys.modules[_HIDDEN] = None  # type: ignore[assignment]  # makes its import fail
    try:
        import telegram
        import telegram._passport.credentials  # noqa: F401 - where PTB tries it
    finally:
        del sys.modules[_HIDDEN]
