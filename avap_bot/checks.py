"""The AVAP bot's checks for ``python -m shared check``: the admin groups it must be in,
Systeme.io (the API key, and whether the sales webhook adds buyers) and the Google service account
with its spreadsheet."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
from telegram import Bot

from shared.cli.check_chats import check_group
from shared.cli.check_report import BotChecks, CheckReport, http_failure, http_get
from shared.config import Settings

SYSTEME_API_BASE = "https://api.systeme.io/api"


async def check_groups(settings: Settings, report: CheckReport, bot: Bot) -> None:
    """The bot must be a member (or an administrator) of every configured group."""
    for variable, chat_id in settings.group_settings().items():
        await check_group(report, bot, f"avap {variable}", variable, chat_id)


def group_variables(settings: Settings) -> list[str]:
    """The settings naming the groups the bot must be in."""
    return list(settings.group_settings())


def _systeme_base(settings: Settings) -> str:
    """SYSTEME_API_URL; SYSTEME_API_BASE is its default, kept as an override point for tests."""
    default = Settings.field("systeme_api_url").default
    url = settings.systeme_api_url if settings.systeme_api_url != default else SYSTEME_API_BASE
    return url.rstrip("/")


async def check_systeme(settings: Settings, report: CheckReport) -> None:
    """GET /contacts with the key: accepted, rejected, or unreachable; and whether the inbound
    webhook can add buyers at all."""
    secret = settings.systeme_webhook_secret
    if secret is not None and secret.get_secret_value().strip():
        if settings.systeme_product_ids:
            report.line("OK", "systeme webhook", "sales of products "
                        + ", ".join(map(str, settings.systeme_product_ids)) + " add buyers")
        else:
            report.line("WARN", "systeme webhook",
                        "SYSTEME_PRODUCT_IDS is not set: no sale adds a buyer (set the course's "
                        "product ids)")
    if settings.systeme_api_key is None or not settings.systeme_api_key.get_secret_value().strip():
        report.line("SKIP", "systeme", "SYSTEME_API_KEY not set")
        return
    key = settings.systeme_api_key.get_secret_value().strip()
    base = _systeme_base(settings)
    try:
        response = await http_get(f"{base}/contacts?limit=10",
                                  {"X-API-Key": key, "Accept": "application/json"})
    except httpx.HTTPError as exc:
        report.line("FAIL", "systeme", http_failure(exc, base))
        return
    code = response.status_code
    if code in (401, 403):
        report.line("FAIL", "systeme", f"key rejected ({code}): check SYSTEME_API_KEY "
                                       "(Systeme.io > Settings > Public API keys)")
    elif code == 429:
        report.line("FAIL", "systeme", "rate limited (429): try again in a minute")
    elif response.is_success:
        report.line("OK", "systeme", f"key accepted at {base}")
    else:
        report.line("FAIL", "systeme", f"{base}/contacts answered HTTP {code}")


async def check_google(settings: Settings, report: CheckReport) -> None:
    """The service account must parse, with client_email and private_key; no network call."""
    secret = settings.google_service_account_json
    raw = secret.get_secret_value().strip() if secret is not None else ""
    if not raw:
        report.line("SKIP", "google", "GOOGLE_SERVICE_ACCOUNT_JSON not set")
        return
    data = _load_service_account(report, raw)
    if data is None:
        return
    missing = [f for f in ("client_email", "private_key")
               if not isinstance(data.get(f), str) or not data[f].strip()]
    if missing:
        report.line("FAIL", "google",
                    f"the service account has no {' or '.join(missing)}: download a new JSON key "
                    "(Google Cloud > IAM > Service accounts > Keys)")
        return
    if "PRIVATE KEY" not in data["private_key"]:
        report.line("FAIL", "google", "private_key is not a PEM key: download a new JSON key")
        return
    report.line("OK", "google", f"service account {data['client_email']} parses; share the "
                                f"sheet {settings.google_sheet_name} with it")
    await _check_spreadsheet(settings, report, data["client_email"])


async def _check_spreadsheet(settings: Settings, report: CheckReport, client_email: str) -> None:
    """Sign in as the service account and open GOOGLE_SHEET_NAME (read only: nothing changes)."""
    from avap_bot.integrations import sheets

    name = settings.google_sheet_name

    def open_book() -> list[str]:
        client = sheets.default_client(settings)
        return [ws.title for ws in client.open(name).worksheets()]

    try:
        titles = await asyncio.wait_for(asyncio.to_thread(open_book), 60)
    except TimeoutError:
        report.line("FAIL", "google sheets", "Google did not answer within 60 s")
        return
    except Exception as exc:  # noqa: BLE001 - classified like a delivery: never a traceback
        import gspread

        if isinstance(exc, gspread.exceptions.SpreadsheetNotFound):
            report.line("FAIL", "google sheets",
                        f"no spreadsheet named {name!r} is shared with {client_email}: create "
                        "it (or fix GOOGLE_SHEET_NAME) and share it with that address as an "
                        "editor")
            return
        reason = str(sheets._classify(exc))
        report.line("FAIL", "google sheets", reason[:300])
        return
    missing = [t for t in sheets.COLUMNS if t not in titles]
    detail = f"{name!r} opens" + (
        f"; worksheets created on first use: {', '.join(missing)}" if missing else
        "; every worksheet is there")
    report.line("OK", "google sheets", detail)


def _load_service_account(report: CheckReport, raw: str) -> dict[str, Any] | None:
    """The JSON of GOOGLE_SERVICE_ACCOUNT_JSON: the value itself, or the file it names."""
    source = "GOOGLE_SERVICE_ACCOUNT_JSON"
    content = raw
    if not raw.startswith("{"):
        # print the value only when it looks like a path, never a pasted (broken) key
        shown = raw if len(raw) <= 255 and "\n" not in raw else "<value>"
        path = Path(raw).expanduser()
        try:
            content = path.read_text(encoding="utf-8")
        except (OSError, ValueError):
            report.line("FAIL", "google",
                        f"{source} is neither JSON nor a readable file ({shown}): paste the key's "
                        "JSON or give the path of the file")
            return None
        source = f"the file {shown}"
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        report.line("FAIL", "google",
                    f"{source} is not valid JSON ({exc.msg} at line {exc.lineno})")
        return None
    if not isinstance(data, dict):
        report.line("FAIL", "google", f"{source} is not a JSON object")
        return None
    return data


CHECKS = BotChecks(telegram=(check_groups,), chats=group_variables,
                   services={"systeme": check_systeme, "google": check_google})
