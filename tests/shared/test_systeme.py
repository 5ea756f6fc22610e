"""Systeme.io at the HTTP level: exact requests, retries through the outbox, payload parsing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import respx

from avap_bot.integrations.systeme import (
    SYSTEME_REVOKED,
    SYSTEME_VERIFIED,
    SystemeClient,
    SystemeDeliveries,
    enqueue_verified,
    person_of,
    product_ids_of,
    tag_name_of,
)
from shared.config import load_settings
from shared.errors import PermanentError, TransientError
from shared.outbox import OutboxWorker
from shared.storage import Storage

BASE = "https://systeme.test/api"
KEY = "sk-systeme-test"
TAG = "AVAP verified"


def settings(**extra: Any) -> Any:
    return load_settings(SYSTEME_API_KEY=KEY, SYSTEME_API_URL=BASE, SYSTEME_VERIFIED_TAG=TAG,
                         **extra)


async def _student(storage: Storage, telegram_id: int = 501,
                   email: str = "ann@example.com") -> None:
    _, buyer_id = await storage.avap.upsert_buyer(name="Ann Smith", email=email, phone=None,
                                                  source="admin", added_by=None)
    await storage.avap.verify(buyer_id=buyer_id, telegram_id=telegram_id, username=None)


class FakeSysteme:
    """A stateful Systeme.io behind respx: contacts, tags, and scripted failures."""

    def __init__(self, mock: respx.MockRouter) -> None:
        self.contacts: list[dict[str, Any]] = []
        self.tags: list[dict[str, Any]] = [{"id": i, "name": f"tag {i}"} for i in range(1, 13)]
        self.fail_next: list[int] = []
        self.requests: list[httpx.Request] = []
        mock.route(host="systeme.test").mock(side_effect=self.handle)

    def _json(self, status: int, body: Any) -> httpx.Response:
        return httpx.Response(status, json=body)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert request.headers["X-API-Key"] == KEY
        if self.fail_next:
            return httpx.Response(self.fail_next.pop(0), json={"detail": "try later"})
        path = request.url.path.removeprefix("/api")
        params = request.url.params
        if request.method == "GET" and path == "/contacts":
            items = self.contacts
            if "email" in params:
                items = [c for c in items if c["email"] == params["email"]]
            if "tags" in params:
                wanted = int(params["tags"])
                items = [c for c in items if any(t["id"] == wanted for t in c["tags"])]
            return self._page(items, params)
        if request.method == "POST" and path == "/contacts":
            body = json.loads(request.content)
            if any(c["email"] == body["email"] for c in self.contacts):
                return self._json(422, {"detail": "email: This value is already used."})
            contact = {"id": 1000 + len(self.contacts), "email": body["email"],
                       "fields": body.get("fields", []), "tags": []}
            self.contacts.append(contact)
            return self._json(201, contact)
        if request.method == "GET" and path == "/tags":
            return self._page(self.tags, params)
        if request.method == "POST" and path == "/tags":
            tag = {"id": 100 + len(self.tags), "name": json.loads(request.content)["name"]}
            self.tags.append(tag)
            return self._json(201, tag)
        parts = path.strip("/").split("/")
        if parts[:1] == ["contacts"] and len(parts) >= 3 and parts[2] == "tags":
            contact = next((c for c in self.contacts if c["id"] == int(parts[1])), None)
            if contact is None:
                return self._json(404, {"detail": "not found"})
            if request.method == "POST":
                tag_id = json.loads(request.content)["tagId"]
                tag = next(t for t in self.tags if t["id"] == tag_id)
                if all(t["id"] != tag_id for t in contact["tags"]):
                    contact["tags"].append(tag)
                return httpx.Response(204)
            if request.method == "DELETE":
                before = len(contact["tags"])
                contact["tags"] = [t for t in contact["tags"] if t["id"] != int(parts[3])]
                return httpx.Response(204 if len(contact["tags"]) < before else 404)
        return self._json(404, {"detail": "no route"})

    def _page(self, items: list[dict[str, Any]], params: httpx.QueryParams) -> httpx.Response:
        limit = int(params.get("limit", 10))
        assert 10 <= limit <= 100
        start = 0
        if "startingAfter" in params:
            after = int(params["startingAfter"])
            start = next(i for i, it in enumerate(items) if it["id"] == after) + 1
        page = items[start:start + limit]
        return self._json(200, {"items": page, "hasMore": start + limit < len(items)})

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests
                if r.method == method and r.url.path == "/api" + path]


@contextmanager
def systeme_api() -> Iterator[FakeSysteme]:
    """Systeme.io's API faked in this process; other requests to 127.0.0.1 (the fake Supabase,
    when in use) pass through."""
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host="127.0.0.1").pass_through()
        yield FakeSysteme(mock)


async def test_verified_creates_contact_and_tag_with_exact_requests(storage: Storage) -> None:
    await _student(storage)
    client = SystemeClient(settings())
    deliveries = SystemeDeliveries(client, storage)
    with systeme_api() as fake:
        await deliveries.verified({"telegram_id": 501})
    await client.close()
    lookup = fake.calls("GET", "/contacts")[0]
    assert dict(lookup.url.params) == {"email": "ann@example.com", "limit": "10"}
    [create] = fake.calls("POST", "/contacts")
    assert create.headers["Content-Type"] == "application/json"
    assert json.loads(create.content) == {"email": "ann@example.com", "fields": [
        {"slug": "first_name", "value": "Ann"}, {"slug": "surname", "value": "Smith"}]}
    [create_tag] = fake.calls("POST", "/tags")
    assert json.loads(create_tag.content) == {"name": TAG}
    contact = fake.contacts[0]
    [add] = fake.calls("POST", f"/contacts/{contact['id']}/tags")
    assert json.loads(add.content) == {"tagId": fake.tags[-1]["id"]}
    assert [t["name"] for t in contact["tags"]] == [TAG]
    # the tag list was read page by page (12 existing tags, pages of 100: one page)
    assert fake.calls("GET", "/tags")[0].url.params["limit"] == "100"


async def test_a_429_then_success_through_the_outbox_gives_one_contact_one_tag(
        storage: Storage) -> None:
    await _student(storage)
    client = SystemeClient(settings())
    worker = OutboxWorker(storage, instance="test", retry_base=0.01)
    SystemeDeliveries(client, storage).register(worker)
    with systeme_api() as fake:
        fake.fail_next = [429]
        await enqueue_verified(_Services(settings(), worker), 501)
        # the same student verified twice (a retried update): idempotent at the target
        await enqueue_verified(_Services(settings(), worker), 501)
        for _ in range(200):
            await worker.drain_once()
            if (await storage.outbox.counts(100))["pending"] == 0:
                break
            await asyncio.sleep(0.02)
    await client.close()
    assert await storage.outbox.counts(100) == {"pending": 0, "stuck": 0, "failed": 0}
    assert len(fake.contacts) == 1
    assert [t["name"] for t in fake.tags].count(TAG) == 1
    assert [t["name"] for t in fake.contacts[0]["tags"]] == [TAG]
    assert len(fake.calls("POST", "/contacts")) == 1
    assert len(fake.calls("POST", f"/contacts/{fake.contacts[0]['id']}/tags")) == 1


async def test_existing_contact_and_tag_are_found_across_pages(storage: Storage) -> None:
    await _student(storage)
    client = SystemeClient(settings())
    with systeme_api() as fake:
        fake.tags = [{"id": i, "name": f"tag {i}"} for i in range(1, 151)] + [
            {"id": 151, "name": TAG}]
        fake.contacts = [{"id": 7, "email": "ann@example.com", "tags": []}]
        await SystemeDeliveries(client, storage).verified({"telegram_id": 501})
        await SystemeDeliveries(client, storage).verified({"telegram_id": 501})
    await client.close()
    pages = fake.calls("GET", "/tags")
    assert [p.url.params.get("startingAfter") for p in pages] == [None, "100"]
    assert fake.calls("POST", "/contacts") == [] and fake.calls("POST", "/tags") == []
    assert len(fake.calls("POST", "/contacts/7/tags")) == 1  # second time: tag already there
    assert fake.contacts[0]["tags"] == [{"id": 151, "name": TAG}]


async def test_revoked_removes_the_tag_and_a_reverified_student_keeps_it(
        storage: Storage) -> None:
    await _student(storage)
    client = SystemeClient(settings())
    deliveries = SystemeDeliveries(client, storage)
    with systeme_api() as fake:
        fake.tags.append({"id": 55, "name": TAG})
        fake.contacts = [{"id": 7, "email": "ann@example.com", "tags": [{"id": 55, "name": TAG}]}]
        await deliveries.revoked({"telegram_id": 501})  # still verified: nothing happens
        assert fake.requests == []
        await storage.avap.revoke_student(501)
        await deliveries.revoked({"telegram_id": 501})
        await deliveries.revoked({"telegram_id": 501})  # again: nothing left to remove
    await client.close()
    [delete] = fake.calls("DELETE", "/contacts/7/tags/55")
    assert delete.headers["X-API-Key"] == KEY
    assert fake.contacts[0]["tags"] == []


@pytest.mark.parametrize(("status", "error"), [
    (429, TransientError), (500, TransientError), (503, TransientError),
    (400, PermanentError), (401, PermanentError), (422, PermanentError)])
async def test_status_codes_map_to_transient_or_permanent(status: int, error: type) -> None:
    client = SystemeClient(settings())
    with respx.mock:
        respx.get(f"{BASE}/contacts").respond(status, json={})
        with pytest.raises(error):
            await client.find_contact("ann@example.com")
    await client.close()


async def test_network_errors_are_transient() -> None:
    client = SystemeClient(settings())
    with respx.mock:
        respx.get(f"{BASE}/tags").mock(side_effect=httpx.ConnectTimeout)
        with pytest.raises(TransientError):
            await client.find_tag(TAG)
    await client.close()


async def test_no_key_means_nothing_is_queued_or_sent(storage: Storage) -> None:
    await _student(storage)
    plain = load_settings(SYSTEME_API_KEY="", SYSTEME_API_URL=BASE)
    worker = OutboxWorker(storage, instance="test")
    await enqueue_verified(_Services(plain, worker), 501)
    assert (await storage.outbox.counts(100))["pending"] == 0
    with systeme_api() as fake:
        await SystemeDeliveries(SystemeClient(plain), storage).verified({"telegram_id": 501})
        await SystemeDeliveries(SystemeClient(plain), storage).revoked({"telegram_id": 501})
    assert fake.requests == []
    assert SYSTEME_VERIFIED != SYSTEME_REVOKED


async def test_contacts_with_tag_paginates() -> None:
    client = SystemeClient(settings())
    with systeme_api() as fake:
        fake.contacts = [{"id": i, "email": f"b{i}@example.com", "tags": [{"id": 9}]}
                         for i in range(1, 131)]
        found = [c["id"] async for c in client.contacts_with_tag(9)]
    await client.close()
    assert found == list(range(1, 131))
    assert [r.url.params.get("startingAfter") for r in fake.calls("GET", "/contacts")] == [
        None, "100"]


class _Services:
    def __init__(self, settings: Any, outbox: Any) -> None:
        self.settings = settings
        self.outbox = outbox


# --- webhook payloads -----------------------------------------------------------------------

def test_person_and_products_of_a_sale() -> None:
    payload = {"type": "SALE_NEW", "data": {
        "customer": {"id": 5, "email": "Ann@Example.com",
                     "fields": {"first_name": "Ann", "surname": "Smith",
                                "phone_number": "+37499123456"}},
        "order_item": {"product": {"id": 42}},
        "offer_price_plan": {"id": 7, "product_id": 43}}}
    assert person_of(payload) == {"email": "Ann@Example.com", "name": "Ann Smith",
                                  "phone": "+37499123456"}
    assert product_ids_of(payload) == {42, 43}


def test_person_of_a_contact_event_with_field_list() -> None:
    payload = {"data": {"contact": {"email": "bob@example.com", "fields": [
        {"slug": "first_name", "value": "Bob"}]}, "tag": {"id": 3, "name": "Buyer"}}}
    assert person_of(payload)["name"] == "Bob"
    assert tag_name_of(payload) == "Buyer"
    assert product_ids_of(payload) == set()


@pytest.mark.parametrize("payload", [{}, {"data": None}, {"data": []}, {"data": {"customer": 3}},
                                     {"data": {"product": [1, "2", True, None, {"id": "x"}]}}])
def test_odd_payloads_never_raise(payload: dict) -> None:
    person_of(payload)
    product_ids_of(payload)
    tag_name_of(payload)
