"""Systeme.io: the public API client, the outbox deliveries that tag verified students, and the
parsing of Systeme.io's webhook payloads.

API (https://api.systeme.io/api, header ``X-API-Key``, JSON): ``GET /contacts?email=``,
``POST /contacts {"email", "fields": [{"slug", "value"}]}``, ``GET /tags`` (cursor pagination:
``limit`` 10-100, ``startingAfter``; answer ``{"items", "hasMore"}``), ``POST /tags {"name"}``,
``POST /contacts/{id}/tags {"tagId"}``, ``DELETE /contacts/{id}/tags/{tagId}``.

Errors: a network failure, 429 or 5xx is a ``TransientError`` (the outbox retries it with
backoff); any other 4xx is a ``PermanentError`` (kept as failed, reported to the admins).
Deliveries take the student's Telegram id and reload the student from the database, so a
delivery that runs late acts on the current state (a student revoked meanwhile is not tagged).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx

from shared.config import Settings, secret_value
from shared.errors import PermanentError, TransientError
from shared.outbox import SERVICES
from shared.services import Services

log = logging.getLogger(__name__)

SYSTEME_VERIFIED = "systeme.verified"
SYSTEME_REVOKED = "systeme.revoked"

PAGE_LIMIT = 100
MAX_PAGES = 200  # 20 000 tags or contacts: a runaway cursor stops here
TIMEOUT = httpx.Timeout(15.0, connect=5.0)


def api_key(settings: Settings) -> str | None:
    """The configured key, or None (the integration is then off)."""
    return secret_value(settings.systeme_api_key)


class SystemeClient:
    """The few calls of Systeme.io's public API this project needs (one HTTP client, lazily
    created, closed at shutdown)."""

    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None,
                 ) -> None:
        self.settings = settings
        self.base = settings.systeme_api_url.rstrip("/")
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._tag_ids: dict[str, int] = {}

    @property
    def enabled(self) -> bool:
        return api_key(self.settings) is not None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            key = api_key(self.settings)
            if key is None:
                raise PermanentError("SYSTEME_API_KEY is not set")
            self._client = httpx.AsyncClient(
                base_url=self.base, timeout=TIMEOUT, transport=self._transport,
                headers={"X-API-Key": key, "Accept": "application/json"})
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                       json: Any = None, ok_statuses: tuple[int, ...] = ()) -> httpx.Response:
        try:
            response = await self._http().request(method, path, params=params, json=json)
        except httpx.HTTPError as exc:  # timeouts, refused connections, broken answers
            raise TransientError(f"systeme {method} {path}: {type(exc).__name__}") from exc
        code = response.status_code
        if response.is_success or code in ok_statuses:
            return response
        detail = response.text[:300]
        if code == 429 or code >= 500:
            raise TransientError(f"systeme {method} {path}: HTTP {code} {detail}")
        raise PermanentError(f"systeme {method} {path}: HTTP {code} {detail}")

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise TransientError(f"systeme: not JSON (HTTP {response.status_code})") from exc

    async def _pages(self, path: str, params: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        """Every item of a cursor-paginated list."""
        after: Any = None
        for _ in range(MAX_PAGES):
            query = {**params, "limit": PAGE_LIMIT}
            if after is not None:
                query["startingAfter"] = after
            data = self._json(await self._request("GET", path, params=query))
            items = data.get("items", []) if isinstance(data, dict) else []
            for item in items:
                if isinstance(item, dict):
                    yield item
            if not (isinstance(data, dict) and data.get("hasMore")) or not items:
                return
            after = items[-1].get("id") if isinstance(items[-1], dict) else None
            if after is None:
                return

    # --- contacts -------------------------------------------------------------------------
    async def find_contact(self, email: str) -> dict[str, Any] | None:
        data = self._json(await self._request("GET", "/contacts",
                                              params={"email": email, "limit": 10}))
        items = data.get("items", []) if isinstance(data, dict) else []
        for item in items:
            if isinstance(item, dict) and str(item.get("email", "")).lower() == email.lower():
                return item
        return None

    async def create_contact(self, email: str, name: str | None) -> dict[str, Any]:
        fields = []
        first, _, last = (name or "").strip().partition(" ")
        if first:
            fields.append({"slug": "first_name", "value": first[:100]})
        if last.strip():
            fields.append({"slug": "surname", "value": last.strip()[:100]})
        body: dict[str, Any] = {"email": email}
        if fields:
            body["fields"] = fields
        return self._json(await self._request("POST", "/contacts", json=body))

    async def ensure_contact(self, email: str, name: str | None) -> dict[str, Any]:
        """The contact with ``email``: looked up first, created only when missing."""
        found = await self.find_contact(email)
        if found is not None:
            return found
        try:
            return await self.create_contact(email, name)
        except PermanentError:
            # created meanwhile (by another instance, or by Systeme.io itself): use it
            found = await self.find_contact(email)
            if found is None:
                raise
            return found

    async def contacts_with_tag(self, tag_id: int) -> AsyncIterator[dict[str, Any]]:
        async for item in self._pages("/contacts", {"tags": str(tag_id)}):
            yield item

    # --- tags -----------------------------------------------------------------------------
    async def find_tag(self, name: str) -> int | None:
        wanted = name.strip().lower()
        if wanted in self._tag_ids:
            return self._tag_ids[wanted]
        async for item in self._pages("/tags", {}):
            if str(item.get("name", "")).strip().lower() == wanted and item.get("id") is not None:
                self._tag_ids[wanted] = int(item["id"])
                return self._tag_ids[wanted]
        return None

    async def ensure_tag(self, name: str) -> int:
        found = await self.find_tag(name)
        if found is not None:
            return found
        data = self._json(await self._request("POST", "/tags", json={"name": name}))
        if not isinstance(data, dict) or data.get("id") is None:
            raise TransientError("systeme POST /tags: no id in the answer")
        self._tag_ids[name.strip().lower()] = int(data["id"])
        return int(data["id"])

    async def add_tag(self, contact: dict[str, Any], tag_id: int) -> bool:
        """Tag the contact; False when it has the tag already (nothing sent)."""
        if tag_id in _tag_ids_of(contact):
            return False
        await self._request("POST", f"/contacts/{int(contact['id'])}/tags",
                            json={"tagId": tag_id})
        return True

    async def remove_tag(self, contact: dict[str, Any], tag_id: int) -> bool:
        """Untag the contact; False when it did not have the tag."""
        known = _tag_ids_of(contact)
        if known is not None and tag_id not in known:
            return False
        # 404: the tag is not (or no longer) on the contact, which is what we want
        await self._request("DELETE", f"/contacts/{int(contact['id'])}/tags/{tag_id}",
                            ok_statuses=(404,))
        return True


def _tag_ids_of(contact: dict[str, Any]) -> set[int] | None:
    """The ids of the contact's tags, or None when the answer did not list them."""
    tags = contact.get("tags")
    if not isinstance(tags, list):
        return None
    ids = set()
    for tag in tags:
        if isinstance(tag, dict) and isinstance(tag.get("id"), int):
            ids.add(tag["id"])
        elif isinstance(tag, int):
            ids.add(tag)
    return ids


class SystemeDeliveries:
    """Outbox deliveries: tag a verified student's contact, untag a revoked one."""

    def __init__(self, client: SystemeClient, storage: Any) -> None:
        self.client = client
        self.storage = storage

    def register(self, outbox: Any) -> None:
        outbox.register(SYSTEME_VERIFIED, self.verified, lane=SERVICES)
        outbox.register(SYSTEME_REVOKED, self.revoked, lane=SERVICES)

    async def verified(self, payload: dict[str, Any]) -> None:
        if not self.client.enabled:
            return
        student = await self.storage.avap.find_student(telegram_id=int(payload["telegram_id"]))
        if student is None or student["status"] != "verified" or not student.get("email"):
            return  # revoked meanwhile, or verified by phone only: nothing to tag
        contact = await self.client.ensure_contact(student["email"], student.get("name"))
        tag_id = await self.client.ensure_tag(self.client.settings.systeme_verified_tag)
        await self.client.add_tag(contact, tag_id)

    async def revoked(self, payload: dict[str, Any]) -> None:
        if not self.client.enabled:
            return
        student = await self.storage.avap.find_student(telegram_id=int(payload["telegram_id"]))
        if student is None or student["status"] == "verified" or not student.get("email"):
            return  # verified again meanwhile: the tag stays
        contact = await self.client.find_contact(student["email"])
        if contact is None:
            return
        tag_id = await self.client.find_tag(self.client.settings.systeme_verified_tag)
        if tag_id is None:
            return
        await self.client.remove_tag(contact, tag_id)


def register_systeme(services: Services) -> SystemeClient:
    """Create the client and register its deliveries (rows queued before a key was removed are
    then delivered as no-ops)."""
    client = SystemeClient(services.settings)
    SystemeDeliveries(client, services.storage).register(services.outbox)
    services.set_client(SystemeClient, client)
    return client


async def enqueue_verified(services: Services, telegram_id: int, *, conn: Any = None) -> None:
    """Queue the verified tag for ``telegram_id`` (in the caller's transaction); nothing when
    Systeme.io is not configured."""
    if api_key(services.settings) is None:
        return
    await services.outbox.enqueue(SYSTEME_VERIFIED, {"telegram_id": telegram_id}, conn=conn)


async def enqueue_revoked(services: Services, telegram_id: int, *, conn: Any = None) -> None:
    """Queue the removal of the verified tag for ``telegram_id``."""
    if api_key(services.settings) is None:
        return
    await services.outbox.enqueue(SYSTEME_REVOKED, {"telegram_id": telegram_id}, conn=conn)


# --- webhook payloads -------------------------------------------------------------------------
# Systeme.io documents the events and headers but its payload shapes vary between events and
# versions, so they are read tolerantly. Assumptions: the person is under data.customer (sales)
# or data.contact (contact events), or is data itself, with ``email`` and either ``fields``
# (a {slug: value} object or a [{slug, value}] list: first_name, surname, phone_number) or
# plain first_name/surname/name/phone keys. Product ids may sit under data.order_item(s),
# data.offer_price_plan(s), data.product(s), data.offer_price, each as {"id"}, {"product": {"id"}}
# or {"product_id"}: every id found is collected. The tag of CONTACT_TAG_ADDED is data.tag.name.


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _fields(person: dict[str, Any]) -> dict[str, Any]:
    raw = person.get("fields")
    if isinstance(raw, dict):
        return raw
    out: dict[str, Any] = {}
    if isinstance(raw, list):
        for f in raw:
            if isinstance(f, dict) and isinstance(f.get("slug"), str):
                out[f["slug"]] = f.get("value")
    return out


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def person_of(payload: dict[str, Any]) -> dict[str, str | None]:
    """{"email", "name", "phone"} of the buyer or contact an event is about (raw values)."""
    data = _dict(payload.get("data")) or payload
    person = _dict(data.get("customer")) or _dict(data.get("contact")) or data
    fields = _fields(person)

    def pick(*keys: str) -> str | None:
        for key in keys:
            for source in (person, fields):
                value = _text(source.get(key))
                if value:
                    return value
        return None

    name = pick("name", "full_name")
    if name is None:
        parts = [pick("first_name", "firstName"), pick("surname", "last_name", "lastName")]
        name = " ".join(p for p in parts if p) or None
    return {"email": pick("email"), "name": name,
            "phone": pick("phone_number", "phone", "phoneNumber")}


def product_ids_of(payload: dict[str, Any]) -> set[int]:
    """Every product id an event mentions (see the assumptions above)."""
    data = _dict(payload.get("data")) or payload
    found: set[int] = set()

    def take(value: Any) -> None:
        if isinstance(value, bool):
            return
        if isinstance(value, int):
            found.add(value)
        elif isinstance(value, str) and value.strip().isdigit():
            found.add(int(value.strip()))

    def visit(node: Any, is_product: bool) -> None:
        if isinstance(node, list):
            for item in node[:100]:
                visit(item, is_product)
            return
        if not isinstance(node, dict):
            return
        if is_product:
            take(node.get("id"))
        take(node.get("product_id"))
        take(node.get("productId"))
        for key in ("product", "products"):
            if key in node:
                visit(node[key], True)

    for key in ("order_item", "order_items", "orderItem", "orderItems", "offer_price_plan",
                "offer_price_plans", "offerPricePlan", "offer_price", "order"):
        visit(data.get(key), False)
    for key in ("product", "products"):
        visit(data.get(key), True)
    take(data.get("product_id"))
    return found


def tag_name_of(payload: dict[str, Any]) -> str | None:
    data = _dict(payload.get("data")) or payload
    tag = data.get("tag")
    if isinstance(tag, dict):
        return _text(tag.get("name"))
    return _text(tag)
