"""The support bot in the sandbox: the course's four admin groups, the course admin, two
students (Ann on the buyers' list, Ben not yet), and a few buyers and tips."""

from __future__ import annotations

from typing import Any

from shared.sandbox.parts import Person, SandboxChat, SandboxPart

ADMIN_ID = 9001
GROUPS = {"verification_group_id": (-1001000000001, "AVAP · Verification"),
          "assignment_group_id": (-1001000000002, "AVAP · Assignments"),
          "questions_group_id": (-1001000000003, "AVAP · Questions"),
          "support_group_id": (-1001000000004, "AVAP · Support")}
PEOPLE = (
    Person(301, "Ann Student", "student · on the buyers' list", "+37499111301", "ann_student"),
    Person(302, "Ben Student", "student · not a buyer yet", "+37499111302", "ben_student"),
    Person(ADMIN_ID, "Ada Admin", "course admin", "+37499119001", "ada_admin"),
)
BUYERS = [("Ann Student", "ann@example.com", "+37499111301"),
          ("Carla Buyer", "carla@example.com", "+37499111401"),
          ("Dan Buyer", "dan@example.com", None),
          ("Eve Buyer", "eve@example.com", "+37499111403")]
TIPS = ["Plan one module a week: small steady steps beat a weekend marathon.",
        "Stuck on an assignment? Ask a question from the menu: the admins answer within a day.",
        "Share your wins in the support group: it keeps everybody going."]


async def seed(storage: Any) -> None:
    """The buyers and tips of a fresh sandbox database."""
    for name, email, phone in BUYERS:
        await storage.avap.upsert_buyer(name=name, email=email, phone=phone, source="admin",
                                        added_by=ADMIN_ID)
    for text in TIPS:
        await storage.engagement.add_tip(text, None, ADMIN_ID)


PART = SandboxPart(
    username="avap_support_sandbox_bot", title="AVAP Support",
    settings={"admin_user_ids": [ADMIN_ID],
              **{name: chat_id for name, (chat_id, _) in GROUPS.items()}},
    chats=tuple(SandboxChat(chat_id, title, "supergroup", {ADMIN_ID: "creator"})
                for chat_id, title in GROUPS.values()),
    people=PEOPLE, staff=(ADMIN_ID,), seed=seed,
    jobs={"tip": ("avap-daily-tip", "Daily tip"), "digest": ("avap-digest", "Admins' digest")},
)
