"""Settings: names operators rely on, aliases of the seed, clear errors."""

from __future__ import annotations

import re
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
    names = set()
    for info in Settings.model_fields.values():
        alias = info.validation_alias
        choices = getattr(alias, "choices", None) or [alias]
        names.add(str(choices[0]))
    return names


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
