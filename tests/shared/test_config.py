"""Settings: names operators rely on, aliases of the seed, clear errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from shared.config import Settings, SettingsError, load_settings

REPO = Path(__file__).resolve().parents[2]


def settings(**env: str) -> Settings:
    return load_settings(_env_file=None, **env)


def test_seed_aliases_are_accepted() -> None:
    s = settings(BOT_TOKEN="1:abc", ADMIN_USER_ID="42")
    assert s.bot_token("avap") == "1:abc"
    assert s.admin_user_ids == [42]
    assert s.bot_token("shopping") is None


def test_id_lists_accept_commas_and_spaces() -> None:
    s = settings(ADMIN_USER_IDS="1, 2,3", AUTHORIZED_USERS="7")
    assert s.admin_user_ids == [1, 2, 3]
    assert s.authorized_users == [7]


@pytest.mark.parametrize(("env", "variable"), [
    ({"ADMIN_USER_IDS": "1,bob"}, "ADMIN_USER_IDS"),
    ({"VERIFICATION_GROUP_ID": "group"}, "VERIFICATION_GROUP_ID"),
    ({"SCHEDULER_TIMEZONE": "Mars/Olympus"}, "SCHEDULER_TIMEZONE"),
    ({"PUBLIC_URL": "bot.example.com"}, "PUBLIC_URL"),
    ({"WEBHOOK_SECRET": "has spaces!"}, "WEBHOOK_SECRET"),
    ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
    ({"PORT": "0"}, "PORT"),
])
def test_an_invalid_value_names_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError) as info:
        settings(**env)
    lines = str(info.value).splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{variable}: ")


def test_storage_selection() -> None:
    assert settings().storage_kind == "sqlite"
    assert settings().sqlalchemy_url().startswith("sqlite+aiosqlite:///")
    assert settings(SUPABASE_URL="https://x.supabase.co", SUPABASE_KEY="k").storage_kind == \
        "supabase"
    both = settings(SUPABASE_URL="https://x.supabase.co", SUPABASE_KEY="k",
                    DATABASE_URL="postgres://u:p@h:6543/db")
    assert both.storage_kind == "postgresql"
    assert both.sqlalchemy_url() == "postgresql+asyncpg://u:p@h:6543/db"


def test_webhook_secrets_are_per_bot_stable_and_valid() -> None:
    s = settings(AVAP_BOT_TOKEN="1:a", SHOPPING_BOT_TOKEN="2:b")
    assert s.secret_for("avap") == settings(AVAP_BOT_TOKEN="1:a").secret_for("avap")
    assert s.secret_for("avap") != s.secret_for("shopping")
    assert s.secret_for("avap") != settings(AVAP_BOT_TOKEN="1:c").secret_for("avap")
    with_setting = settings(AVAP_BOT_TOKEN="1:a", WEBHOOK_SECRET="abc")
    assert with_setting.secret_for("avap") != s.secret_for("avap")
    for secret in (s.secret_for("avap"), with_setting.secret_for("shopping")):
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret)


def test_render_external_url_is_the_public_url_fallback() -> None:
    assert settings(RENDER_EXTERNAL_URL="https://x.onrender.com/").public_url == \
        "https://x.onrender.com"
    assert settings(RENDER="true").render is True
    assert settings(RENDER="true").effective_log_format == "json"


def _variables_in_settings() -> set[str]:
    return {field.variables[0] for field in Settings.fields()}


def test_env_example_lists_every_setting_with_a_comment() -> None:
    text = (REPO / ".env.example").read_text()
    lines = text.splitlines()
    listed = {}
    for i, line in enumerate(lines):
        m = re.match(r"^([A-Z_]+)=", line)
        if m:
            listed[m.group(1)] = i
    missing = _variables_in_settings() - set(listed) - {"RENDER", "RENDER_EXTERNAL_URL"}
    assert not missing, f".env.example lacks {sorted(missing)}"
    for name, i in listed.items():
        assert lines[i - 1].startswith("#") or lines[i - 1].startswith(tuple(
            n + "=" for n in listed)), f"{name} has no comment"


def test_render_blueprint_keeps_secrets_out_of_the_repo() -> None:
    text = (REPO / "render.yaml").read_text()
    assert "plan: free" in text and "runtime: python" in text
    assert "healthCheckPath: /health" in text and "PYTHON_VERSION" in text
    for secret in ("AVAP_BOT_TOKEN", "SHOPPING_BOT_TOKEN", "DATABASE_URL", "OPENAI_API_KEY",
                   "SUPABASE_KEY", "SYSTEME_API_KEY", "GOOGLE_SERVICE_ACCOUNT_JSON"):
        block = text.split(f"key: {secret}\n", 1)[1].splitlines()[0]
        assert block.strip() == "sync: false", secret


@pytest.mark.parametrize(("new", "old", "attribute", "values"), [
    ("CHANNEL_TIMEZONE", "SCHEDULER_TIMEZONE", "channel_timezone", ("Europe/Paris", "UTC")),
    ("ADMIN_API_TOKEN", "ADMIN_RESET_TOKEN", "admin_api_token", ("new-token", "old-token")),
])
def test_a_renamed_setting_is_read_under_its_old_name_and_the_new_name_wins(
        new: str, old: str, attribute: str, values: tuple[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    def read(s: Settings) -> str:
        value = getattr(s, attribute)
        return value.get_secret_value() if hasattr(value, "get_secret_value") else value

    newer, older = values
    assert read(settings(**{old: older})) == older
    assert read(settings(**{new: newer})) == newer
    assert read(settings(**{old: older, new: newer})) == newer
    # from the environment, as a deployment sets them
    monkeypatch.setenv(old, older)
    assert read(settings()) == older
    monkeypatch.setenv(new, newer)
    assert read(settings()) == newer


def test_an_invalid_value_under_either_name_of_a_renamed_setting_names_that_variable() -> None:
    for variable in ("CHANNEL_TIMEZONE", "SCHEDULER_TIMEZONE"):
        with pytest.raises(SettingsError, match=f"^{variable}: "):
            settings(**{variable: "Mars/Olympus"})


def test_every_invalid_variable_is_reported_at_once_one_line_each() -> None:
    with pytest.raises(SettingsError) as info:
        settings(PORT="0", ADMIN_USER_IDS="1,bob", LOG_LEVEL="loud", RETRY_BASE_SECONDS="soon",
                 ALERT_CHAT_ID="-100.5", TIP_TIME="25:00", MISSED_POST_GRACE="soon",
                 HEARTBEAT_SECONDS="0.1")
    assert str(info.value).splitlines() == [
        "PORT: Input should be greater than or equal to 1",
        "ADMIN_USER_IDS: expected numeric Telegram ids separated by commas, e.g. 12345,67890",
        "ALERT_CHAT_ID: expected a whole number (Telegram ids are numbers)",
        "LOG_LEVEL: Input should be 'DEBUG', 'INFO', 'WARNING' or 'ERROR'",
        "RETRY_BASE_SECONDS: Input should be a valid number, unable to parse string as a number",
        "HEARTBEAT_SECONDS: Input should be greater than or equal to 0.2",
        "TIP_TIME: expected a time of day as HH:MM, e.g. 09:00",
        "MISSED_POST_GRACE: expected a duration such as 6h, 90m, 3600 (seconds) or 01:30:00",
    ]


def test_values_are_read_as_an_operator_writes_them() -> None:
    s = settings(PORT=" 8080 ", INBOX_CONCURRENCY="+8", OPENAI_DAILY_TOKEN_BUDGET="1_000",
                 PUBLISH_ATTEMPTS="5.0", PRIVATE_CHAT_RATE=" 2.5", MISSED_POST_GRACE="01:30:00",
                 TIP_TIME="9:30", RENDER="yes", PHONE_REGION=" am ", AVAP_MODULES="a, b")
    assert (s.port, s.inbox_concurrency, s.openai_daily_token_budget) == (8080, 8, 1000)
    assert (s.publish_attempts, s.private_chat_rate) == (5, 2.5)
    assert s.missed_post_grace.total_seconds() == 5400 and s.tip_time == "09:30"
    assert s.render is True and s.phone_region == "AM" and s.avap_modules == ["a", "b"]
    assert settings(MISSED_POST_GRACE="PT6H").missed_post_grace.total_seconds() == 6 * 3600
    # values given in code, by field name, are taken as they are (when of the right type)
    assert settings(port=9000, data_dir=Path("/srv/data")).data_dir == Path("/srv/data")


def test_secrets_never_show_their_value() -> None:
    s = settings(AVAP_BOT_TOKEN="1:very-secret", DATABASE_URL="postgres://u:hunter2@h/db")
    assert s.bot_token("avap") == "1:very-secret"
    for text in (repr(s), str(s), repr(s.avap_bot_token), str(s.database_url)):
        assert "very-secret" not in text and "hunter2" not in text


def test_each_setting_lists_its_variables_default_and_whether_it_is_secret() -> None:
    public_url, port = Settings.field("public_url"), Settings.field("port")
    assert public_url.variables == ("PUBLIC_URL", "RENDER_EXTERNAL_URL")
    assert (port.variables, port.default, port.secret) == (("PORT",), 8000, False)
    assert Settings.field("admin_user_ids").default == []
    secrets = {field.name for field in Settings.fields() if field.secret}
    assert {"avap_bot_token", "shopping_bot_token", "database_url", "webhook_secret",
            "systeme_api_key", "admin_api_token"} <= secrets
    assert not secrets & {"public_url", "port", "telegram_api_url", "admin_user_ids"}


def test_dotenv_is_read_when_present_and_the_environment_wins(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for field in Settings.fields():
        for name in field.variables:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    code = ("import sys; from shared.config import load_settings; s = load_settings(); "
            "print(s.port, s.log_level, s.admin_user_ids, 'dotenv' in sys.modules)")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = [sys.executable, "-c", code]
    out = subprocess.run(run, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["8000", "INFO", "[]", "False"]  # no .env: not even imported

    (tmp_path / ".env").write_text("PORT=1234\nLOG_LEVEL=DEBUG\nADMIN_USER_ID=5\nOTHER=x\n")
    env["PORT"], env["admin_user_ids"] = "4321", "8"  # names match whatever their case
    out = subprocess.run(run, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["4321", "DEBUG", "[8]", "True"]
    assert settings().port == 8000  # _env_file=None: the file is not read


def test_env_example_copied_as_is_is_valid_and_its_empty_variables_are_unset(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """README's local development starts with ``cp .env.example .env``."""
    for field in Settings.fields():
        for name in field.variables:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ALERT_CHAT_ID", "")
    s = load_settings(_env_file=REPO / ".env.example")
    assert s.alert_chat_id is None and s.shopping_channel_id is None and s.log_format is None
    assert s.bot_token("avap") is None and s.public_url is None and s.port == 8000
    assert s.avap_modules == [str(i) for i in range(1, 13)]
    assert s.missed_post_grace.total_seconds() == 6 * 3600 and s.channel_timezone == "Asia/Yerevan"
