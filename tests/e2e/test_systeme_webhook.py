"""Systeme.io's signed webhooks through the real server: a sale adds a buyer who can verify."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx

from avap_bot import callbacks as cb
from avap_bot import texts
from tests.e2e.avap import VERIFICATION_GROUP, Chat, avap_server, buttons, db
from tests.e2e.conftest import ADMIN_ID, AVAP_TOKEN, ServerProcess
from tests.fakes.telegram_api import FakeTelegram

SECRET = "systeme-webhook-secret"
PRODUCT = 42
ENV = {"SYSTEME_WEBHOOK_SECRET": SECRET, "SYSTEME_PRODUCT_IDS": str(PRODUCT),
       "SYSTEME_BUYER_TAG": "AVAP buyer", "SYSTEME_API_KEY": ""}


def sale(email: str, name: str = "Ann Smith", product: int = PRODUCT,
         event: str = "SALE_NEW") -> dict[str, Any]:
    first, _, last = name.partition(" ")
    return {"type": event, "data": {
        "customer": {"id": 77, "email": email,
                     "fields": {"first_name": first, "surname": last}},
        "order_item": {"id": 9, "product": {"id": product, "name": "AVAP course"}}}}


def post(srv: ServerProcess, payload: Any, *, event: str | None = None,
         message_id: str = "m-1", secret: str | None = SECRET,
         signature: str | None = None) -> httpx.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "X-Webhook-Message-Id": message_id}
    if event or isinstance(payload, dict):
        headers["X-Webhook-Event"] = event or payload.get("type", "")
    if signature is None and secret is not None:
        signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if signature is not None:
        headers["X-Webhook-Signature"] = signature
    return httpx.post(f"{srv.url}/webhook/systeme", content=body, headers=headers, timeout=10)


def buyers(srv: ServerProcess) -> list[tuple]:
    with db(srv) as conn:
        return [tuple(r) for r in conn.execute(
            "SELECT name, email, status, source FROM pending_verifications ORDER BY id")]


def test_signed_sale_adds_a_buyer_who_can_then_verify(fake_telegram: FakeTelegram,
                                                      make_server: Any) -> None:
    srv = avap_server(make_server, **ENV)
    r = post(srv, sale("Ann@Example.com"))
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "added"
    assert buyers(srv) == [("Ann Smith", "ann@example.com", "pending", "systeme")]

    ann = Chat(fake_telegram, srv, 401)
    ann.send("/start")
    assert ann.wait_texts(1)[0] == texts.WELCOME_NEW
    ann.send("ann@example.com")
    assert ann.wait_texts(2)[1] == texts.VERIFY_MATCHED.format(name="Ann Smith")
    cards = fake_telegram.wait_for(lambda: [
        c for c in fake_telegram.calls_of("sendMessage", AVAP_TOKEN)
        if int(c.params["chat_id"]) == VERIFICATION_GROUP])
    data = next(d for _, d in buttons(cards[0].params["reply_markup"])
                if d.startswith(cb.Approve.prefix))
    Chat(fake_telegram, srv, ADMIN_ID, chat_id=VERIFICATION_GROUP).press(
        data, message_id=cards[0].result["message_id"])
    assert ann.wait_texts(3)[2] == texts.VERIFY_APPROVED.format(name="Ann Smith")
    # no SYSTEME_API_KEY: nothing was queued for Systeme.io
    with db(srv) as conn:
        kinds = [r[0] for r in conn.execute("SELECT kind FROM outbox")]
    assert not [k for k in kinds if k.startswith("systeme.")]


def test_bad_signature_repeats_other_products_and_bad_json(fake_telegram: FakeTelegram,
                                                           make_server: Any) -> None:
    srv = avap_server(make_server, **ENV)
    assert post(srv, sale("a@example.com"), signature="0" * 64).status_code == 401
    assert post(srv, sale("a@example.com"), secret=None).status_code == 401
    assert post(srv, sale("a@example.com"), secret="another-secret").status_code == 401
    assert buyers(srv) == []

    assert post(srv, sale("a@example.com"), message_id="m-1").json()["outcome"] == "added"
    # Systeme.io re-sends the same message (even if its body changed): no second buyer
    again = post(srv, sale("b@example.com", "Bob Stone"), message_id="m-1")
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    # another product of the same account changes nothing
    other = post(srv, sale("c@example.com", product=7), message_id="m-2")
    assert other.status_code == 200 and other.json()["outcome"] == "other product"
    # the buyer tag added to a contact counts as a purchase; another tag does not
    tagged = {"type": "CONTACT_TAG_ADDED", "data": {
        "contact": {"email": "d@example.com", "fields": {"first_name": "Dee"}},
        "tag": {"id": 3, "name": "AVAP buyer"}}}
    assert post(srv, tagged, message_id="m-3").json()["outcome"] == "added"
    tagged["data"]["tag"]["name"] = "newsletter"
    tagged["data"]["contact"]["email"] = "e@example.com"
    assert post(srv, tagged, message_id="m-4").json()["outcome"] == "other tag"
    # unknown events are acknowledged and ignored
    opt_in = {"type": "CONTACT_OPT_IN", "data": {"contact": {"email": "f@example.com"}}}
    assert post(srv, opt_in, message_id="m-5").json()["outcome"] == "ignored"
    assert [b[1] for b in buyers(srv)] == ["a@example.com", "d@example.com"]

    # malformed bodies: 400, never 500, nothing stored
    assert post(srv, b"{not json", message_id="m-6").status_code == 400
    assert post(srv, b"[1, 2]", message_id="m-7").status_code == 400
    assert post(srv, b"\xff\xfe", message_id="m-8").status_code == 400
    assert len(buyers(srv)) == 2

    # a canceled sale is shown to the admins in the verification group
    cancel = sale("a@example.com", event="SALE_CANCELED")
    assert post(srv, cancel, message_id="m-9").json()["outcome"] == "cancel flagged"
    fake_telegram.wait_for(lambda: any(
        "sale canceled" in c.params.get("text", "")
        for c in fake_telegram.calls_of("sendMessage", AVAP_TOKEN)
        if int(c.params["chat_id"]) == VERIFICATION_GROUP))
    assert buyers(srv)[0][2] == "pending"  # the admins decide; nothing is revoked by itself


def test_without_a_secret_the_route_is_off(fake_telegram: FakeTelegram,
                                           make_server: Any) -> None:
    srv = avap_server(make_server, SYSTEME_WEBHOOK_SECRET="")
    assert post(srv, sale("a@example.com")).status_code == 404
    # the Telegram webhooks are unaffected
    assert httpx.post(f"{srv.url}/webhook/avap", content=b"{}", timeout=5).status_code == 401


def test_without_product_ids_no_sale_adds_a_buyer_and_the_admins_hear_it_once(
        fake_telegram: FakeTelegram, make_server: Any) -> None:
    srv = avap_server(make_server, **{**ENV, "SYSTEME_PRODUCT_IDS": ""})
    first = post(srv, sale("a@example.com"), message_id="np-1")
    second = post(srv, sale("b@example.com"), message_id="np-2")
    assert [first.status_code, second.status_code] == [200, 200]
    assert first.json()["outcome"] == second.json()["outcome"] == "SYSTEME_PRODUCT_IDS not set"
    assert buyers(srv) == []
    alerts = fake_telegram.wait_for(lambda: [
        t for t in fake_telegram.sent_texts(ADMIN_ID, AVAP_TOKEN) if "SYSTEME_PRODUCT_IDS" in t])
    # the buyer tag still works: that tag is the course's own
    tagged = post(srv, {"type": "CONTACT_TAG_ADDED", "data": {
        "contact": {"id": 5, "email": "c@example.com", "fields": {"first_name": "Cy"}},
        "tag": {"id": 3, "name": "AVAP buyer"}}}, message_id="np-3")
    assert tagged.json()["outcome"] == "added"
    assert [b[1] for b in buyers(srv)] == ["c@example.com"]
    assert len(alerts) == 1
    assert len([t for t in fake_telegram.sent_texts(ADMIN_ID, AVAP_TOKEN)
                if "SYSTEME_PRODUCT_IDS" in t]) == 1
