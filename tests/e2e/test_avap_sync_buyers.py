"""/sync_buyers through the real server against a fake Systeme.io over HTTP (issue 4)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from avap_bot import texts
from tests.e2e.avap import ADMIN_ID, Chat, avap_server, db
from tests.fakes.systeme_api import FakeSystemeAPI
from tests.fakes.telegram_api import FakeTelegram

KEY = "sk-systeme-e2e"
BUYER_TAG = "AVAP buyer"


@pytest.fixture
def systeme() -> Iterator[FakeSystemeAPI]:
    with FakeSystemeAPI(KEY) as fake:
        yield fake


def _buyers(srv) -> dict[str, tuple]:
    with db(srv) as conn:
        rows = conn.execute("SELECT email, name, phone, source, status "
                            "FROM pending_verifications").fetchall()
    return {r["email"]: (r["name"], r["phone"], r["source"], r["status"]) for r in rows}


def test_sync_buyers_pages_reports_and_is_idempotent(fake_telegram: FakeTelegram, make_server,
                                                     systeme: FakeSystemeAPI) -> None:
    for i in range(15):  # other tags before the buyer tag
        systeme.add_tag(f"tag {i}")
    buyer = systeme.add_tag(BUYER_TAG)
    other = systeme.add_tag("Newsletter")
    for i in range(130):  # two pages of 100
        systeme.add_contact(f"buyer{i}@example.com", tags=[buyer], first_name=f"Buyer{i}",
                            surname="Test")
    systeme.add_contact("reader@example.com", tags=[other], first_name="Only", surname="Reader")
    systeme.add_contact("not-an-email", tags=[buyer], first_name="Broken")
    systeme.add_contact("phone@example.com", tags=[buyer, other], first_name="Pat",
                        phone="+37499123456")
    srv = avap_server(make_server, SYSTEME_API_KEY=KEY, SYSTEME_API_URL=systeme.url,
                      SYSTEME_BUYER_TAG=BUYER_TAG, PHONE_REGION="AM")
    owner = Chat(fake_telegram, srv, ADMIN_ID)

    # Systeme.io down: a clear report, nothing half-written is claimed
    systeme.fail_next = [503]
    owner.say("/sync_buyers")
    assert owner.texts()[-1].startswith("❌ Systeme.io did not answer as expected")
    assert _buyers(srv) == {}

    assert owner.reply("/sync_buyers", timeout=30) == texts.SYNC_DONE.format(
        added=131, updated=0, skipped=1, unchanged=0, no_email=1)
    buyers = _buyers(srv)
    assert len(buyers) == 131 and "reader@example.com" not in buyers
    assert buyers["buyer129@example.com"] == ("Buyer129 Test", None, "systeme", "pending")
    assert buyers["phone@example.com"][1] == "+37499123456"
    # the contact list was read with the tag filter and the cursor, 100 a page
    reads = [q for m, p, q in systeme.requests if m == "GET" and p == "/api/contacts"]
    assert [q.get("startingAfter") for q in reads[-2:]] == [None, str(5000 + 99)]
    assert all(q["tags"] == str(buyer["id"]) and q["limit"] == "100" for q in reads)

    # a second run changes nothing; a renamed contact is updated
    systeme.contacts[0]["fields"][0]["value"] = "Renamed"
    assert owner.reply("/sync_buyers", timeout=30) == texts.SYNC_DONE.format(
        added=0, updated=1, skipped=131, unchanged=130, no_email=1)
    assert len(_buyers(srv)) == 131
    assert _buyers(srv)["buyer0@example.com"][0] == "Renamed Test"

    # a synced buyer can verify
    student = Chat(fake_telegram, srv, 4242)
    student.send("/start")
    student.wait_texts(1)
    student.send("buyer7@example.com")
    assert student.wait_texts(2)[1] == texts.VERIFY_MATCHED.format(name="Buyer7 Test")


def test_sync_buyers_explains_what_is_missing(fake_telegram: FakeTelegram, make_server,
                                             systeme: FakeSystemeAPI) -> None:
    srv = avap_server(make_server, SYSTEME_API_KEY=KEY, SYSTEME_API_URL=systeme.url,
                      SYSTEME_BUYER_TAG=BUYER_TAG)
    owner = Chat(fake_telegram, srv, ADMIN_ID)
    assert owner.reply("/sync_buyers") == texts.SYNC_NO_SUCH_TAG.format(tag=BUYER_TAG)
    student = Chat(fake_telegram, srv, 777)  # not an admin: refused, nothing read
    before = len(systeme.requests)
    student.say("/sync_buyers")
    assert len(systeme.requests) == before
