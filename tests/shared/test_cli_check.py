"""``python -m shared set-webhooks`` and ``check`` against the fake Bot API over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import responses
import respx

import avap_bot
import shopping_bot
from avap_bot import checks as avap_checks
from shared.cli.check import check
from shared.cli.set_webhooks import set_webhooks
from shared.config import Settings
from shared.services import ChatDirectory
from shared.storage import open_storage
from shared.storage.migrate import latest_version
from tests.fakes.google_sheets import FakeGoogleSheets, fake_service_account
from tests.fakes.telegram_api import Action, FakeTelegram, free_port

LATEST = latest_version()

AVAP_TOKEN = "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
SHOP_TOKEN = "222222:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
PUBLIC_URL = "https://bots.example.com"
VERIFICATION_GROUP = -1001000000001
SUPPORT_GROUP = -1001000000002
CHANNEL = -1001000000003
OPENAI_KEY = "sk-test-0123456789abcdef"
SYSTEME_KEY = "systeme-key-0123456789"
DB_PASSWORD = "hunter2-Very-Secret"
SERVICE_ACCOUNT = fake_service_account()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No variable of the developer's shell (or .env in the cwd) reaches the settings."""
    for field in Settings.fields():
        for name in field.variables:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def make_settings(fake: FakeTelegram | None, tmp_path: Path, **values: str | None) -> Settings:
    """Two bots, every group and the channel configured; ``values`` override (None removes)."""
    env: dict[str, Any] = {
        "AVAP_BOT_TOKEN": AVAP_TOKEN,
        "SHOPPING_BOT_TOKEN": SHOP_TOKEN,
        "TELEGRAM_API_URL": fake.url if fake is not None else None,
        "PUBLIC_URL": PUBLIC_URL,
        "DATA_DIR": str(tmp_path / "data"),
        "ADMIN_USER_IDS": "9001",
        "AUTHORIZED_USERS": "7001",
        "VERIFICATION_GROUP_ID": str(VERIFICATION_GROUP),
        "SUPPORT_GROUP_ID": str(SUPPORT_GROUP),
        "SHOPPING_CHANNEL_ID": str(CHANNEL),
    }
    env.update(values)
    return Settings(_env_file=None, **{k: v for k, v in env.items() if v is not None})


def lines_of(out: str, status: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(status)]


def line_about(out: str, name: str) -> str:
    [line] = [line for line in out.splitlines() if line[6:].startswith(f"{name}:")]
    return line


def menu_services(settings: Settings) -> SimpleNamespace:
    return SimpleNamespace(settings=settings, chats=ChatDirectory(settings))


async def migrated(settings: Settings) -> None:
    storage = await open_storage(settings.sqlalchemy_url())
    await storage.close()


# --- set-webhooks ---------------------------------------------------------------------------

async def test_set_webhooks_registers_both_bots(fake: FakeTelegram, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings(fake, tmp_path)
    assert await set_webhooks(settings) == 0
    for token, name, module in ((AVAP_TOKEN, "avap", avap_bot),
                                (SHOP_TOKEN, "shopping", shopping_bot)):
        state = fake.bot(token)
        assert state.webhook_url == f"{PUBLIC_URL}/webhook/{name}"
        assert state.secret_token == settings.secret_for(name)
        assert state.allowed_updates == module.ALLOWED_UPDATES
        [call] = fake.calls_of("setWebhook", token)
        assert str(call.params["max_connections"]) == "40"
        assert str(call.params["drop_pending_updates"]).lower() == "false"
    # every menu of each bot, in the scopes the bot module asks for
    for token, module in ((AVAP_TOKEN, avap_bot), (SHOP_TOKEN, shopping_bot)):
        expected = [scope.to_dict() for scope, _ in module.command_menus(settings,
                                                                          menu_services(settings))]
        assert sorted(json.loads(k).items() for k in fake.bot(token).commands) == sorted(
            s.items() for s in expected)
    assert '{"type": "default"}' in fake.bot(AVAP_TOKEN).commands
    assert '{"chat_id": 7001, "type": "chat"}' in fake.bot(SHOP_TOKEN).commands
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"avap: webhook set to {PUBLIC_URL}/webhook/avap")
    assert out[1].startswith(f"shopping: webhook set to {PUBLIC_URL}/webhook/shopping")


async def test_set_webhooks_without_public_url_fails_cleanly(
        fake: FakeTelegram, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert await set_webhooks(make_settings(fake, tmp_path, PUBLIC_URL=None)) == 2
    captured = capsys.readouterr()
    assert "PUBLIC_URL is not set" in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert fake.calls_of("setWebhook") == []


async def test_set_webhooks_reports_a_rejected_token_without_printing_it(
        fake: FakeTelegram, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake.script("getMe", Action(error_code=401, description="Unauthorized"))
    assert await set_webhooks(make_settings(fake, tmp_path)) == 1
    captured = capsys.readouterr()
    [failure] = captured.err.splitlines()
    assert failure.startswith("avap: failed: Telegram rejected the token")
    assert "AVAP_BOT_TOKEN" in failure
    # the other bot is still registered
    assert fake.bot(SHOP_TOKEN).webhook_url == f"{PUBLIC_URL}/webhook/shopping"
    for secret in (AVAP_TOKEN, AVAP_TOKEN.split(":")[1], SHOP_TOKEN.split(":")[1]):
        assert secret not in captured.out + captured.err


async def test_set_webhooks_survives_a_chat_the_bot_cannot_reach(
        fake: FakeTelegram, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings(fake, tmp_path, AUTHORIZED_USERS="7001,7002")
    # the AVAP bot's menus pass; the shopping bot's first editor never opened the bot
    avap_menus = len(avap_bot.command_menus(settings, menu_services(settings)))
    fake.script("setMyCommands", *[Action() for _ in range(avap_menus)],
                Action(error_code=400, description="Bad Request: chat not found"))
    assert await set_webhooks(settings) == 0
    shopping_line = capsys.readouterr().out.splitlines()[1]
    assert shopping_line.startswith(f"shopping: webhook set to {PUBLIC_URL}/webhook/shopping")
    assert "1 of 2 command menus set (chat 7001: Chat not found" in shopping_line


# --- check: a healthy setup -----------------------------------------------------------------

@pytest.fixture
def google() -> Iterator[FakeGoogleSheets]:
    """Google's APIs (sign-in, Drive, Sheets) faked behind ``responses``; the default sheet."""
    fake = FakeGoogleSheets()
    fake.add_spreadsheet(Settings.field("google_sheet_name").default)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake.install(mock)
        yield fake


async def test_check_reports_ok_for_a_healthy_setup(
        fake: FakeTelegram, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, google: FakeGoogleSheets) -> None:
    monkeypatch.setattr(avap_checks, "SYSTEME_API_BASE", "https://systeme.test/api")
    settings = make_settings(fake, tmp_path, ALERT_CHAT_ID="9001", OPENAI_API_KEY=OPENAI_KEY,
                             SYSTEME_API_KEY=SYSTEME_KEY,
                             GOOGLE_SERVICE_ACCOUNT_JSON=json.dumps(SERVICE_ACCOUNT))
    await migrated(settings)
    assert await set_webhooks(settings) == 0
    capsys.readouterr()
    with respx.mock(assert_all_called=True) as mock:  # the bots' calls do not go through httpx
        openai = mock.get("https://api.openai.com/v1/models").respond(
            200, json={"data": [{"id": "gpt-4o-mini"}, {"id": "gpt-4o"}]})
        systeme = mock.get("https://systeme.test/api/contacts", params={"limit": "10"}).respond(
            200, json={"items": []})
        assert await check(settings) == 0
    assert openai.calls.last.request.headers["Authorization"] == f"Bearer {OPENAI_KEY}"
    assert systeme.calls.last.request.headers["X-API-Key"] == SYSTEME_KEY
    out = capsys.readouterr().out
    assert lines_of(out, "FAIL") == [] and lines_of(out, "WARN") == []
    assert line_about(out, "storage") == (
        f"OK    storage: sqlite (./data/bot.db) answers, schema version {LATEST} of {LATEST}")
    assert line_about(out, "avap bot") == "OK    avap bot: @bot111111_bot answers"
    assert line_about(out, "shopping bot") == "OK    shopping bot: @bot222222_bot answers"
    assert f"set to {PUBLIC_URL}/webhook/avap" in line_about(out, "avap webhook")
    for name in ("avap VERIFICATION_GROUP_ID", "avap SUPPORT_GROUP_ID", "avap ALERT_CHAT_ID",
                 "shopping SHOPPING_CHANNEL_ID", "openai", "systeme", "google"):
        assert line_about(out, name).startswith("OK    ")
    assert line_about(out, "google sheets") == (
        f"OK    google sheets: {Settings.field('google_sheet_name').default!r} opens; "
        "worksheets created on first use: verified_users, submissions, wins, questions")
    assert google.calls("POST") == []  # read only
    ok = len(lines_of(out, "OK"))
    assert out.splitlines()[-1] == f"{ok} ok, 0 warnings, 0 failed"
    # the bot asked about itself in each group
    asked = {int(c.params["chat_id"]) for c in fake.calls_of("getChatMember", AVAP_TOKEN)}
    assert asked == {VERIFICATION_GROUP, SUPPORT_GROUP}
    assert {int(c.params["user_id"]) for c in fake.calls_of("getChatMember")} == {111111, 222222}


async def test_check_skips_what_is_not_configured(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings(None, tmp_path, AVAP_BOT_TOKEN=None, SHOPPING_BOT_TOKEN=None)
    assert await check(settings) == 0
    out = capsys.readouterr().out
    assert line_about(out, "avap bot") == (
        "SKIP  avap bot: AVAP_BOT_TOKEN not set (the AVAP support bot is off)")
    assert line_about(out, "shopping bot").startswith("SKIP  shopping bot: SHOPPING_BOT_TOKEN")
    assert line_about(out, "openai") == "SKIP  openai: OPENAI_API_KEY not set"
    assert line_about(out, "systeme") == "SKIP  systeme: SYSTEME_API_KEY not set"
    # check does not create the database
    assert "does not exist yet" in line_about(out, "storage")
    assert not (tmp_path / "data" / "bot.db").exists()


# --- check: groups and channel --------------------------------------------------------------

async def test_check_fails_for_a_group_that_is_not_found(
        fake: FakeTelegram, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake.script("getChatMember",
                Action(error_code=400, description="Bad Request: chat not found"))
    assert await check(make_settings(fake, tmp_path)) == 1
    out = capsys.readouterr().out
    line = line_about(out, "avap VERIFICATION_GROUP_ID")
    assert line.startswith("FAIL  ")
    assert f"chat {VERIFICATION_GROUP} not found" in line
    assert "add the bot to the group" in line
    assert "supergroups start with -100" in line
    # only that group: the next one answers normally
    assert line_about(out, "avap SUPPORT_GROUP_ID").startswith("OK    ")
    assert out.splitlines()[-1].endswith(", 1 failed")


async def test_check_names_the_new_id_of_an_upgraded_group(
        fake: FakeTelegram, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake.script("getChatMember", Action(
        error_code=400, description="Bad Request: group chat was upgraded to a supergroup chat",
        migrate_to_chat_id=-1009999))
    assert await check(make_settings(fake, tmp_path)) == 1
    line = line_about(capsys.readouterr().out, "avap VERIFICATION_GROUP_ID")
    assert line.startswith("FAIL  ") and "set VERIFICATION_GROUP_ID=-1009999" in line


@pytest.mark.parametrize(("member", "expected"), [
    ({"status": "left"}, "add the bot to the group"),
    ({"status": "kicked", "until_date": 0}, "unban it"),
])
async def test_check_fails_when_the_bot_is_not_in_a_group(
        fake: FakeTelegram, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        member: dict[str, Any], expected: str) -> None:
    fake.member_overrides[SUPPORT_GROUP] = member
    assert await check(make_settings(fake, tmp_path)) == 1
    line = line_about(capsys.readouterr().out, "avap SUPPORT_GROUP_ID")
    assert line.startswith("FAIL  ") and expected in line


async def test_check_rejects_a_positive_group_id_without_asking_telegram(
        fake: FakeTelegram, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert await check(make_settings(fake, tmp_path, SUPPORT_GROUP_ID="12345")) == 1
    line = line_about(capsys.readouterr().out, "avap SUPPORT_GROUP_ID")
    assert line.startswith("FAIL  ") and "group ids are negative" in line
    assert 12345 not in {int(c.params["chat_id"]) for c in fake.calls_of("getChatMember")}


async def test_check_fails_for_a_channel_where_the_bot_cannot_post(
        fake: FakeTelegram, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake.member_overrides[CHANNEL] = {"can_post_messages": False}
    assert await check(make_settings(fake, tmp_path)) == 1
    line = line_about(capsys.readouterr().out, "shopping SHOPPING_CHANNEL_ID")
    assert line.startswith("FAIL  ")
    assert "can_post_messages" in line
    assert "can_edit_messages" not in line and "can_delete_messages" not in line


async def test_check_fails_for_a_channel_where_the_bot_is_not_an_administrator(
        fake: FakeTelegram, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake.member_overrides[CHANNEL] = {"status": "member"}
    assert await check(make_settings(fake, tmp_path)) == 1
    line = line_about(capsys.readouterr().out, "shopping SHOPPING_CHANNEL_ID")
    assert line.startswith("FAIL  ") and "not an administrator" in line


async def test_check_warns_about_missing_channel_and_people(
        fake: FakeTelegram, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings(fake, tmp_path, SHOPPING_CHANNEL_ID=None, ADMIN_USER_IDS=None,
                             AUTHORIZED_USERS=None)
    await migrated(settings)
    await set_webhooks(settings)
    capsys.readouterr()
    assert await check(settings) == 0  # warnings only
    out = capsys.readouterr().out
    assert line_about(out, "shopping SHOPPING_CHANNEL_ID") == (
        "WARN  shopping SHOPPING_CHANNEL_ID: SHOPPING_CHANNEL_ID not set: "
        "the shopping bot cannot publish")
    assert line_about(out, "ADMIN_USER_IDS").startswith("WARN  ")
    assert line_about(out, "AUTHORIZED_USERS").startswith("WARN  ")
    assert out.splitlines()[-1].endswith(" 3 warnings, 0 failed")


# --- check: webhooks ------------------------------------------------------------------------

async def test_check_reports_the_webhook_state(
        fake: FakeTelegram, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake.bot(AVAP_TOKEN).webhook_url = "https://old.example.com/webhook/avap"
    fake.bot(SHOP_TOKEN).webhook_url = f"{PUBLIC_URL}/webhook/shopping"
    fake.bot(SHOP_TOKEN).last_error_message = "Wrong response from the webhook: 502 Bad Gateway"
    assert await check(make_settings(fake, tmp_path)) == 1
    out = capsys.readouterr().out
    avap = line_about(out, "avap webhook")
    assert avap.startswith("FAIL  ") and "points at https://old.example.com/webhook/avap" in avap
    shop = line_about(out, "shopping webhook")
    assert shop.startswith("WARN  ") and "502 Bad Gateway" in shop


async def test_check_in_polling_mode_says_polling_deletes_the_webhook(
        fake: FakeTelegram, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake.bot(AVAP_TOKEN).webhook_url = "https://deployed.example.com/webhook/avap"
    await check(make_settings(fake, tmp_path, PUBLIC_URL=None))
    out = capsys.readouterr().out
    avap = line_about(out, "avap webhook")
    assert avap.startswith("WARN  ") and "polling will delete this webhook" in avap
    assert line_about(out, "shopping webhook").startswith("OK    ")


async def test_check_fails_cleanly_when_telegram_does_not_answer(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings(None, tmp_path, TELEGRAM_API_URL=f"http://127.0.0.1:{free_port()}")
    assert await check(settings) == 1
    out = capsys.readouterr().out
    assert line_about(out, "avap bot").startswith("FAIL  avap bot: Telegram did not answer")
    assert line_about(out, "avap chats").startswith("SKIP  ")
    assert "Traceback" not in out


# --- check: outside services ----------------------------------------------------------------

async def test_check_openai_key_rejected(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings(None, tmp_path, AVAP_BOT_TOKEN=None, SHOPPING_BOT_TOKEN=None,
                             OPENAI_API_KEY=OPENAI_KEY)
    with respx.mock:
        respx.get("https://api.openai.com/v1/models").respond(
            401, json={"error": {"message": f"Incorrect API key provided: {OPENAI_KEY}"}})
        assert await check(settings) == 1
    out = capsys.readouterr().out
    assert line_about(out, "openai") == "FAIL  openai: key rejected (401): check OPENAI_API_KEY"
    assert OPENAI_KEY not in out


async def test_check_openai_uses_the_configured_base_url_and_times_out(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings(None, tmp_path, AVAP_BOT_TOKEN=None, SHOPPING_BOT_TOKEN=None,
                             OPENAI_API_KEY=OPENAI_KEY, OPENAI_BASE_URL="https://llm.test/v1")
    with respx.mock:
        respx.get("https://llm.test/v1/models").mock(side_effect=httpx.ConnectTimeout)
        assert await check(settings) == 1
    line = line_about(capsys.readouterr().out, "openai")
    assert line == "FAIL  openai: no answer from https://llm.test/v1 within 5 s"


@pytest.mark.parametrize(("status", "expected"), [
    (200, "OK    systeme: key accepted"),
    (401, "FAIL  systeme: key rejected (401)"),
])
async def test_check_systeme(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch, status: int, expected: str) -> None:
    monkeypatch.setattr(avap_checks, "SYSTEME_API_BASE", "https://systeme.test/api")
    settings = make_settings(None, tmp_path, AVAP_BOT_TOKEN=None, SHOPPING_BOT_TOKEN=None,
                             SYSTEME_API_KEY=SYSTEME_KEY)
    with respx.mock:
        route = respx.get("https://systeme.test/api/contacts").respond(status, json={})
        await check(settings)
    assert route.calls.last.request.headers["X-API-Key"] == SYSTEME_KEY
    assert line_about(capsys.readouterr().out, "systeme").startswith(expected)


@pytest.mark.parametrize(("value", "expected"), [
    ("{not json", "FAIL  google: GOOGLE_SERVICE_ACCOUNT_JSON is not valid JSON"),
    (json.dumps({"client_email": "x@y"}), "FAIL  google: the service account has no "
                                          "private_key"),
    ("/nonexistent/key.json", "FAIL  google: GOOGLE_SERVICE_ACCOUNT_JSON is neither JSON nor"),
])
async def test_check_google_service_account_errors(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, expected: str) -> None:
    settings = make_settings(None, tmp_path, AVAP_BOT_TOKEN=None, SHOPPING_BOT_TOKEN=None,
                             GOOGLE_SERVICE_ACCOUNT_JSON=value)
    assert await check(settings) == 1
    assert line_about(capsys.readouterr().out, "google").startswith(expected)


async def test_check_google_service_account_from_a_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], google: FakeGoogleSheets) -> None:
    path = tmp_path / "key.json"
    path.write_text(json.dumps(SERVICE_ACCOUNT))
    settings = make_settings(None, tmp_path, AVAP_BOT_TOKEN=None, SHOPPING_BOT_TOKEN=None,
                             GOOGLE_SERVICE_ACCOUNT_JSON=str(path))
    assert await check(settings) == 0
    out = capsys.readouterr().out
    assert line_about(out, "google").startswith(
        f"OK    google: service account {SERVICE_ACCOUNT['client_email']}")
    assert "BEGIN PRIVATE KEY" not in out


# --- check: storage and secrets -------------------------------------------------------------

async def test_check_of_the_supabase_rest_backend(
        supabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without DATABASE_URL the REST backend is checked: schema missing → FAIL naming the SQL
    to run; schema applied → OK; the public key → FAIL (row-level security keeps it out)."""
    from tests.conftest import open_supabase_storage
    from tests.fakes.postgrest import FakePostgrest

    def rest_settings(key: str) -> Any:
        return make_settings(None, tmp_path, AVAP_BOT_TOKEN=None, SHOPPING_BOT_TOKEN=None,
                             SUPABASE_URL=supabase.url, SUPABASE_KEY=key)

    assert await check(rest_settings(FakePostgrest.SERVICE_KEY)) == 1
    line = line_about(capsys.readouterr().out, "storage")
    assert line.startswith("FAIL  ") and "python -m shared sql" in line, line

    await (await open_supabase_storage(supabase)).close()     # applies the schema
    await check(rest_settings(FakePostgrest.SERVICE_KEY))
    line = line_about(capsys.readouterr().out, "storage")
    assert line.startswith("OK    storage: Supabase REST API at http://127.0.0.1:"), line

    assert await check(rest_settings(FakePostgrest.ANON_KEY)) == 1
    out = capsys.readouterr().out
    assert line_about(out, "storage").startswith("FAIL  ")
    assert FakePostgrest.ANON_KEY not in out and FakePostgrest.SERVICE_KEY not in out


async def test_check_warns_about_sqlite_on_render(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings(None, tmp_path, AVAP_BOT_TOKEN=None, SHOPPING_BOT_TOKEN=None,
                             RENDER="true")
    await migrated(settings)
    assert await check(settings) == 0
    out = capsys.readouterr().out
    [warning] = [line for line in lines_of(out, "WARN") if "storage" in line]
    assert "every restart loses all data" in warning


async def test_check_never_prints_the_token_or_the_database_password(
        fake: FakeTelegram, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a Telegram error that quotes the token: the safety net must still mask it
    fake.script("getWebhookInfo",
                Action(error_code=400, description=f"Bad Request: token {AVAP_TOKEN} invalid"))
    fake.script("getMe", Action(), Action(error_code=401, description="Unauthorized"))
    url = f"postgresql://app:{DB_PASSWORD}@127.0.0.1:{free_port()}/bots"
    settings = make_settings(fake, tmp_path, DATABASE_URL=url, OPENAI_API_KEY=None)
    assert await check(settings) == 1
    out = capsys.readouterr().out
    storage = line_about(out, "storage")
    assert storage.startswith("FAIL  storage: postgresql (postgresql+asyncpg://app:***@127.0.0.1")
    assert "connection refused" in storage
    webhook = line_about(out, "avap webhook")
    assert webhook.startswith("FAIL  avap webhook: could not read the webhook: ")
    assert webhook.endswith("*** invalid")
    assert line_about(out, "shopping bot").startswith("FAIL  shopping bot: Telegram rejected")
    for secret in (DB_PASSWORD, AVAP_TOKEN, AVAP_TOKEN.split(":")[1], SHOP_TOKEN.split(":")[1]):
        assert secret.lower() not in out.lower()


@pytest.fixture
def postgres_url(postgres: Any) -> str:
    """A new database on the test server: postgresql://postgres@host:port/name (trust auth)."""
    return postgres.create_database()


@pytest.mark.postgres
async def test_check_reports_postgresql_with_the_password_masked(
        postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # trust authentication ignores the password: it is here only to be masked
    url = postgres_url.replace("postgres@", f"postgres:{DB_PASSWORD}@", 1)
    settings = make_settings(None, tmp_path, AVAP_BOT_TOKEN=None, SHOPPING_BOT_TOKEN=None,
                             DATABASE_URL=url)
    assert await check(settings) == 0
    line = line_about(capsys.readouterr().out, "storage")
    assert line.startswith("WARN  storage: postgresql (postgresql+asyncpg://postgres:***@")
    assert line.split(" answers, ")[1].startswith(f"schema version 0 of {LATEST}")
    assert DB_PASSWORD not in line
    await migrated(settings)
    assert await check(settings) == 0
    line = line_about(capsys.readouterr().out, "storage")
    assert line.startswith("OK    ") and line.endswith(
        f"answers, schema version {LATEST} of {LATEST}")


async def test_check_google_sheet_not_shared_or_google_down(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], google: FakeGoogleSheets) -> None:
    settings = make_settings(None, tmp_path, AVAP_BOT_TOKEN=None, SHOPPING_BOT_TOKEN=None,
                             GOOGLE_SERVICE_ACCOUNT_JSON=json.dumps(SERVICE_ACCOUNT),
                             GOOGLE_SHEET_NAME="Not Shared")
    assert await check(settings) == 1
    assert line_about(capsys.readouterr().out, "google sheets") == (
        "FAIL  google sheets: no spreadsheet named 'Not Shared' is shared with "
        f"{SERVICE_ACCOUNT['client_email']}: create it (or fix GOOGLE_SHEET_NAME) and share it "
        "with that address as an editor")
    google.fail_next(5, 503)
    settings = make_settings(None, tmp_path, AVAP_BOT_TOKEN=None, SHOPPING_BOT_TOKEN=None,
                             GOOGLE_SERVICE_ACCOUNT_JSON=json.dumps(SERVICE_ACCOUNT))
    assert await check(settings) == 1
    assert line_about(capsys.readouterr().out, "google sheets").startswith(
        "FAIL  google sheets: Google Sheets answered 503")


# --- check: the Supabase key ----------------------------------------------------------------

def supabase_jwt(role: str, ref: str = "abcdefghijklmnop") -> str:
    """A key shaped like Supabase's legacy JWT keys (the signature is never checked)."""
    import base64

    def segment(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    payload = {"iss": "supabase", "ref": ref, "role": role, "iat": 1700000000,
               "exp": 2000000000}
    return f"{segment({'alg': 'HS256', 'typ': 'JWT'})}.{segment(payload)}.c2lnbmF0dXJlLXNpZw"


@pytest.mark.parametrize(("key", "expected"), [
    (supabase_jwt("service_role"),
     "OK    supabase key: SUPABASE_KEY is a secret key (JWT role service_role)"),
    ("sb_secret_0123456789abcdefABCDEF_xyz",
     "OK    supabase key: SUPABASE_KEY is a secret key (sb_secret_...)"),
    (supabase_jwt("anon"),
     "FAIL  supabase key: SUPABASE_KEY is a public key (JWT role anon), which row-level security "
     "locks out of every table; take the secret key instead: Supabase > Project Settings > API "
     "Keys > a secret key (sb_secret_...) or, among the legacy keys, service_role"),
    ("sb_publishable_0123456789abcdefABCDEF_xyz",
     "FAIL  supabase key: SUPABASE_KEY is the public (publishable) key, which row-level security "
     "locks out of every table; take the secret key instead: Supabase > Project Settings > API "
     "Keys > a secret key (sb_secret_...) or, among the legacy keys, service_role"),
    (supabase_jwt("authenticated"),
     "FAIL  supabase key: SUPABASE_KEY is a public key (JWT role authenticated)"),
    (supabase_jwt("supabase_admin"),
     "WARN  supabase key: SUPABASE_KEY is a JWT with the unexpected role 'supabase_admin'"),
    ("not-a-supabase-key-0123456789",
     "WARN  supabase key: SUPABASE_KEY is neither a secret key (sb_secret_...) nor a JWT with a "
     "role: check it"),
    ("eyJhbGciOiJIUzI1NiJ9.!!!not-base64!!!.c2ln",
     "WARN  supabase key: SUPABASE_KEY is neither a secret key"),
])
async def test_check_tells_a_public_supabase_key_from_the_secret_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, expected: str) -> None:
    settings = make_settings(None, tmp_path, AVAP_BOT_TOKEN=None, SHOPPING_BOT_TOKEN=None,
                             SUPABASE_KEY=f" {key}\n")
    code = await check(settings)
    out = capsys.readouterr().out
    assert line_about(out, "supabase key").startswith(expected)
    assert code == (1 if expected.startswith("FAIL") else 0)
    for part in key.split("."):  # neither the key nor any segment of a JWT is printed
        assert part not in out


async def test_check_skips_the_supabase_key_when_unset_and_names_the_other_project(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings(None, tmp_path, AVAP_BOT_TOKEN=None, SHOPPING_BOT_TOKEN=None)
    assert await check(settings) == 0
    assert line_about(capsys.readouterr().out, "supabase key") == (
        "SKIP  supabase key: SUPABASE_KEY not set")
    key = supabase_jwt("service_role", ref="otherproject")
    settings = make_settings(None, tmp_path, AVAP_BOT_TOKEN=None, SHOPPING_BOT_TOKEN=None,
                             DATABASE_URL=f"sqlite:///{tmp_path}/bot.db",
                             SUPABASE_URL="https://myproject.supabase.co", SUPABASE_KEY=key)
    assert await check(settings) == 0
    out = capsys.readouterr().out
    assert line_about(out, "supabase key") == (
        "WARN  supabase key: SUPABASE_KEY is a service_role key of the project otherproject, but "
        "SUPABASE_URL is myproject.supabase.co: take the key of that project")
    assert key not in out
