"""The sandbox's Telegram and settings, built from each registered bot's part
(``BotPackage.sandbox()``, ``shared.sandbox.parts``): the bots with made-up tokens the emulator
knows, their groups and channels, the people to act as (and a stranger), and the demo data of a
fresh sandbox database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shared.bot_package import optional, registered_bots
from shared.config import Secret, Settings, load_settings
from shared.emulator import Emulator
from shared.sandbox.parts import Person, SandboxPart


def _parts() -> dict[str, SandboxPart]:
    parts = {}
    for name, bot in registered_bots().items():
        hook = optional(bot, "sandbox")
        if hook is not None:
            parts[name] = hook()
    return parts


PARTS = _parts()
TOKENS = {name: f"{1000001 + i}:SANDBOX-{name}-bot-token".ljust(46, "0")
          for i, name in enumerate(PARTS)}
BOT_NAMES = {name: (part.username, part.title) for name, part in PARTS.items()}
JOBS = {key: job for part in PARTS.values() for key, job in part.jobs.items()}
STAFF = {person for part in PARTS.values() for person in part.staff}
FIRST_ADDED_ID = 10_001
PEOPLE = [*(p for part in PARTS.values() for p in part.people),
          Person(501, "Sam Stranger", "stranger", "+37499110501")]


def database_path(base: Settings) -> Path:
    """The sandbox's own SQLite file, beside the real default (``DATA_DIR/sandbox.db``)."""
    return (base.data_dir / "sandbox.db").resolve()


def sandbox_settings(base: Settings, url: str | None = None) -> Settings:
    """``base`` with the sandbox's bots, chats, people and database; outside services other
    than OpenAI are switched off, so that trying the bots never touches a real system.
    ``url``: where the sandbox is served (the channel's buttons go through its click counter)."""
    bots: dict[str, Any] = {}
    for name, part in PARTS.items():
        bots[f"{name}_bot_token"] = Secret(TOKENS[name])
        bots.update(part.settings)
    # every secret setting off (a bot's outside services, the admin tokens) but OpenAI's
    secrets = {field.name: None for field in base.fields()
               if field.secret and field.name != "openai_api_key"}
    return load_settings(**{
        **secrets, **bots,
        "telegram_api_url": "http://emulator.sandbox", "public_url": url, "render": False,
        "database_url": Secret(f"sqlite:///{database_path(base)}"), "supabase_url": None,
        "data_dir": base.data_dir, "alert_chat_id": None,
        # the emulator has no per-chat pacing on: a step-by-step flow need not wait a second
        "private_chat_rate": 20.0,
        "openai_api_key": base.openai_api_key, "openai_base_url": base.openai_base_url,
        "openai_model": base.openai_model, "log_level": base.log_level,
        "log_format": base.log_format,
    })


def build_telegram(people: list[Person]) -> Emulator:
    """A fresh emulator with the bots, their groups and channels, and the people."""
    emu = Emulator()
    for name, part in PARTS.items():
        emu.add_bot(TOKENS[name], part.username, part.title)
    for person in people:
        add_person(emu, person)
    members = {p.id: "member" for p in people if p.id not in STAFF}
    for name, part in PARTS.items():
        for chat in part.chats:
            if chat.kind == "channel":
                emu.create_channel(chat.id, chat.title, [TOKENS[name]],
                                   {**chat.admins, **(members if chat.everyone_joins else {})},
                                   username=chat.username)
            else:
                emu.create_group(chat.id, chat.title, [TOKENS[name]], chat.admins,
                                 supergroup=True)
        # the staff set the bots up: their private chats exist (alerts reach them)
        with emu.lock:
            for person_id in part.staff:
                emu.world.private_chat(TOKENS[name], person_id)
    return emu


def add_person(emu: Emulator, person: Person) -> None:
    """A person the emulator knows (a subscriber of every open channel unless staff)."""
    first, _, last = person.name.partition(" ")
    emu.add_user(person.id, first, person.username, last or None)
    with emu.lock:
        for part in PARTS.values():
            for chat in part.chats:
                state = emu.world.chats.get(chat.id)
                if state is not None and chat.everyone_joins:
                    state.statuses.setdefault(person.id, "member")


async def seed_demo_data(storage: Any) -> None:
    """The demo data of a fresh sandbox database: each bot's."""
    for part in PARTS.values():
        if part.seed is not None:
            await part.seed(storage)
