"""The environment of a ``python -m shared`` process that a test or a benchmark starts: the
caller's environment without the service's own variables (a developer's shell must not leak a
token or a database into it), plus what a server on 127.0.0.1 needs."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
AVAP_TOKEN = "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
SHOP_TOKEN = "222222:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"

SERVICE_VARS = frozenset({
    "AVAP_BOT_TOKEN", "BOT_TOKEN", "SHOPPING_BOT_TOKEN", "TELEGRAM_API_URL", "PUBLIC_URL",
    "RENDER_EXTERNAL_URL", "WEBHOOK_SECRET", "DATABASE_URL", "SUPABASE_URL", "SUPABASE_KEY",
    "ADMIN_USER_IDS", "ADMIN_USER_ID", "ALERT_CHAT_ID", "AUTHORIZED_USERS", "RENDER", "PORT",
    "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "SYSTEME_API_KEY", "SYSTEME_API_URL",
    "GOOGLE_SERVICE_ACCOUNT_JSON", "SHOPPING_ADMIN_TOKEN", "ADMIN_RESET_TOKEN",
    "LOG_LEVEL", "LOG_FORMAT", "DATA_DIR",
})


def service_env(port: int, telegram_url: str, data_dir: Path, **settings: str) -> dict[str, str]:
    """The server listens on ``port`` (its public URL on 127.0.0.1), talks to the Bot API at
    ``telegram_url`` with both bots' tokens, keeps its data in ``data_dir`` and logs JSON;
    ``settings`` come last and win."""
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS}
    env.update({
        "PYTHONPATH": str(REPO),
        "PORT": str(port),
        "TELEGRAM_API_URL": telegram_url,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "AVAP_BOT_TOKEN": AVAP_TOKEN,
        "SHOPPING_BOT_TOKEN": SHOP_TOKEN,
        "DATA_DIR": str(data_dir),
        "LOG_FORMAT": "json",
    })
    env.update(settings)
    return env
