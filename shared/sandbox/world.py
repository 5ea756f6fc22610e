"""The sandbox's Telegram and settings: two bots with made-up tokens the emulator knows, the
course's four admin groups, the shop's channel, the people to act as, and the demo data (a few
buyers, tips, one editor) of a fresh sandbox database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from shared.config import Settings, load_settings
from shared.emulator import Emulator

TOKENS = {"avap": "1000001:SANDBOX-avap-support-bot-token-000",
          "shopping": "1000002:SANDBOX-timetoshopping-bot-token-00"}
BOT_NAMES = {"avap": ("avap_support_sandbox_bot", "AVAP Support"),
             "shopping": ("timetoshopping_sandbox_bot", "TimeToShopping")}
GROUPS = {"verification_group_id": (-1001000000001, "AVAP · Verification"),
          "assignment_group_id": (-1001000000002, "AVAP · Assignments"),
          "questions_group_id": (-1001000000003, "AVAP · Questions"),
          "support_group_id": (-1001000000004, "AVAP · Support")}
CHANNEL_ID, CHANNEL_TITLE = -1002000000001, "TimeToShopping Deals"
CHANNEL_USERNAME = "timetoshopping_demo"
ADMIN_ID, EDITOR_ID = 9001, 7001
FIRST_ADDED_ID = 10_001


@dataclass(frozen=True)
class Person:
    """Someone to act as in the page."""

    id: int
    name: str
    role: str
    phone: str
    username: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "phone": self.phone}


PEOPLE = [
    Person(301, "Ann Student", "student · on the buyers' list", "+37499111301", "ann_student"),
    Person(302, "Ben Student", "student · not a buyer yet", "+37499111302", "ben_student"),
    Person(ADMIN_ID, "Ada Admin", "course admin", "+37499119001", "ada_admin"),
    Person(EDITOR_ID, "Eli Editor", "channel editor", "+37499117001", "eli_editor"),
    Person(501, "Sam Stranger", "stranger", "+37499110501"),
]
BUYERS = [("Ann Student", "ann@example.com", "+37499111301"),
          ("Carla Buyer", "carla@example.com", "+37499111401"),
          ("Dan Buyer", "dan@example.com", None),
          ("Eve Buyer", "eve@example.com", "+37499111403")]
TIPS = ["Plan one module a week: small steady steps beat a weekend marathon.",
        "Stuck on an assignment? Ask a question from the menu: the admins answer within a day.",
        "Share your wins in the support group: it keeps everybody going."]


def database_path(base: Settings) -> Path:
    """The sandbox's own SQLite file, beside the real default (``DATA_DIR/sandbox.db``)."""
    return (base.data_dir / "sandbox.db").resolve()


def sandbox_settings(base: Settings, url: str | None = None) -> Settings:
    """``base`` with the sandbox's bots, chats, people and database; outside services other
    than OpenAI are switched off, so that trying the bots never touches a real system.
    ``url``: where the sandbox is served (the channel's buttons go through its click counter)."""
    return load_settings(
        avap_bot_token=SecretStr(TOKENS["avap"]), shopping_bot_token=SecretStr(TOKENS["shopping"]),
        telegram_api_url="http://emulator.sandbox", public_url=url, render=False,
        database_url=SecretStr(f"sqlite:///{database_path(base)}"), supabase_url=None,
        supabase_key=None, data_dir=base.data_dir,
        admin_user_ids=[ADMIN_ID], authorized_users=[EDITOR_ID],
        **{name: chat_id for name, (chat_id, _) in GROUPS.items()},
        shopping_channel_id=CHANNEL_ID, alert_chat_id=None,
        systeme_api_key=None, systeme_webhook_secret=None, google_service_account_json=None,
        admin_reset_token=None, shopping_admin_token=None,
        # the emulator has no per-chat pacing on: a step-by-step flow need not wait a second
        private_chat_rate=20.0,
        openai_api_key=base.openai_api_key, openai_base_url=base.openai_base_url,
        openai_model=base.openai_model, log_level=base.log_level, log_format=base.log_format,
    )


def build_telegram(people: list[Person]) -> Emulator:
    """A fresh emulator with the bots, the groups, the channel and the people."""
    emu = Emulator()
    for bot, token in TOKENS.items():
        username, title = BOT_NAMES[bot]
        emu.add_bot(token, username, title)
    for person in people:
        add_person(emu, person)
    students = {p.id: "member" for p in people if p.id not in (ADMIN_ID, EDITOR_ID)}
    for chat_id, title in GROUPS.values():
        emu.create_group(chat_id, title, [TOKENS["avap"]], {ADMIN_ID: "creator"},
                         supergroup=True)
    emu.create_channel(CHANNEL_ID, CHANNEL_TITLE, [TOKENS["shopping"]],
                       {EDITOR_ID: "creator", **students}, username=CHANNEL_USERNAME)
    # the admin and the editor set the bots up: their private chats exist (alerts reach them)
    with emu.lock:
        emu.world.private_chat(TOKENS["avap"], ADMIN_ID)
        emu.world.private_chat(TOKENS["shopping"], EDITOR_ID)
    return emu


def add_person(emu: Emulator, person: Person) -> None:
    """A person the emulator knows (a subscriber of the channel unless staff)."""
    first, _, last = person.name.partition(" ")
    emu.add_user(person.id, first, person.username, last or None)
    with emu.lock:
        channel = emu.world.chats.get(CHANNEL_ID)
        if channel is not None:
            channel.statuses.setdefault(person.id, "member")


async def seed_demo_data(storage: Any) -> None:
    """The demo data of a fresh sandbox database: buyers, tips, the editor."""
    for name, email, phone in BUYERS:
        await storage.avap.upsert_buyer(name=name, email=email, phone=phone, source="admin",
                                        added_by=ADMIN_ID)
    for text in TIPS:
        await storage.engagement.add_tip(text, None, ADMIN_ID)
    await storage.shopping.set_editor(EDITOR_ID, True)
