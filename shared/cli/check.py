"""``python -m shared check``: validate the settings and try every configured connection, one
line per service, then ``N ok, N warnings, N failed``.

The platform's checks (the settings, the storage, each bot's token and webhook, the alert chat,
the admins, OpenAI, which both bots use) are here and in ``check_storage`` and ``check_bots``;
each bot package adds its own through ``operator_checks()`` (a ``BotChecks``: the chats it must
be in, its outside services).
Every line goes through a redactor, so that no token, key or database password is printed.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING

from shared.bot_package import bot_names
from shared.config import Settings
from shared.errors import first_line

if TYPE_CHECKING:
    import httpx

    from shared.cli.check_report import CheckReport

OPENAI_API_BASE = "https://api.openai.com/v1"
REAL_TELEGRAM_API = "https://api.telegram.org"


def main(args: argparse.Namespace) -> int:
    from shared.cli.common import settings_or_exit

    return asyncio.run(check(settings_or_exit()))


async def check(settings: Settings) -> int:
    """Validate the settings and try every configured connection, one line per service.

    Returns 0 when nothing failed, else 1. Never raises for a failed connection.
    """
    from shared.bot_package import bot_module
    from shared.cli.check_bots import check_bot
    from shared.cli.check_report import CheckReport
    from shared.cli.check_storage import check_storage, check_supabase_key
    from shared.cli.common import settings_secrets
    from shared.redact import Redactor

    report = CheckReport(Redactor(settings_secrets(settings)))
    bot_checks = {name: bot_module(name).operator_checks() for name in bot_names()}
    await guarded(report, "settings", check_settings(settings, report))
    await guarded(report, "storage", check_storage(settings, report))
    await guarded(report, "supabase key", check_supabase_key(settings, report))
    for name, checks in bot_checks.items():
        await guarded(report, f"{name} bot", check_bot(settings, report, name, checks))
    await guarded(report, "people", check_admins(settings, report))
    await guarded(report, "openai", check_openai(settings, report))
    for checks in bot_checks.values():
        for label, service_check in checks.services.items():
            await guarded(report, label, service_check(settings, report))
    print(report.summary(), flush=True)
    return 1 if report.counts["FAIL"] else 0


async def guarded(report: CheckReport, name: str, step: Awaitable[None]) -> None:
    """Run one check; whatever escapes it becomes one FAIL line instead of a traceback."""
    try:
        await step
    except Exception as exc:  # noqa: BLE001 - `check` reports every failure as one line
        report.line("FAIL", name, f"unexpected {type(exc).__name__}: {first_line(exc)}")


async def check_settings(settings: Settings, report: CheckReport) -> None:
    """Settings that are valid one by one but do not work together."""
    from shared.bot_package import bot_module

    public = settings.public_url
    if (public and public.startswith("http://")
            and settings.telegram_api_url.rstrip("/") == REAL_TELEGRAM_API):
        report.line("FAIL", "PUBLIC_URL",
                    f"{public} is http://: Telegram delivers webhooks only to https:// addresses")
    if not any(settings.bot_token(name) for name in bot_names()):
        variables = " or ".join(bot_module(name).TOKEN_VARIABLE for name in bot_names())
        report.line("WARN", "bots", f"no bot is enabled: set {variables}")


async def check_admins(settings: Settings, report: CheckReport) -> None:
    """ADMIN_USER_IDS (the admin commands, and the alerts without ALERT_CHAT_ID): warn when a
    bot is on but nobody may use it."""
    if not any(settings.bot_token(name) for name in bot_names()):
        return
    if settings.admin_user_ids:
        report.line("OK", "ADMIN_USER_IDS", f"{len(set(settings.admin_user_ids))} admin(s)")
    else:
        alerts = "" if settings.alert_chat_id is not None else (
            ", and alerts reach nobody (ALERT_CHAT_ID is not set either)")
        report.line("WARN", "ADMIN_USER_IDS",
                    f"empty: nobody can use the admin commands{alerts}")


async def check_openai(settings: Settings, report: CheckReport) -> None:
    """GET /models with the key: accepted, rejected, or unreachable."""
    import httpx

    from shared.cli.check_report import http_failure, http_get

    if settings.openai_api_key is None or not settings.openai_api_key.get_secret_value().strip():
        report.line("SKIP", "openai", "OPENAI_API_KEY not set")
        return
    key = settings.openai_api_key.get_secret_value().strip()
    base = (settings.openai_base_url or OPENAI_API_BASE).rstrip("/")
    try:
        response = await http_get(f"{base}/models", {"Authorization": f"Bearer {key}"})
    except httpx.HTTPError as exc:
        report.line("FAIL", "openai", http_failure(exc, base))
        return
    code = response.status_code
    if code == 401:
        report.line("FAIL", "openai", "key rejected (401): check OPENAI_API_KEY")
    elif code == 403:
        report.line("FAIL", "openai", "key not allowed to list models (403): check the key's "
                                      "permissions or OPENAI_BASE_URL")
    elif code == 429:
        report.line("FAIL", "openai", "rate limited or out of quota (429): check the account's "
                                      "billing")
    elif response.is_success:
        models = model_ids(response)
        model = settings.openai_model
        if models and model not in models:
            report.line("WARN", "openai", f"key accepted, but OPENAI_MODEL={model} is not among "
                                          "the models this key can use")
        else:
            report.line("OK", "openai", f"key accepted at {base} (model {model})")
    else:
        report.line("FAIL", "openai", f"{base}/models answered HTTP {code}")


def model_ids(response: httpx.Response) -> set[str]:
    """The model ids of a /models answer (empty when it is not the usual shape)."""
    try:
        data = response.json().get("data", [])
        return {str(m["id"]) for m in data if isinstance(m, dict) and "id" in m}
    except (ValueError, AttributeError, TypeError):
        return set()
