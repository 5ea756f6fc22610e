"""A fake Systeme.io public API over real HTTP (for server processes): tags and contacts with
cursor pagination (``limit`` 10..100, ``startingAfter``), the ``tags`` filter of GET /contacts,
the ``X-API-Key`` header checked, and scripted failures."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.server import ThreadedServer
from tests.fakes.telegram_api import free_port


class FakeSystemeAPI(ThreadedServer):
    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.port = free_port()
        self.tags: list[dict[str, Any]] = []
        self.contacts: list[dict[str, Any]] = []
        self.fail_next: list[int] = []
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.app = Starlette(routes=[
            Route("/api/tags", self._tags, methods=["GET"]),
            Route("/api/contacts", self._contacts, methods=["GET"]),
        ])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def add_tag(self, name: str) -> dict[str, Any]:
        tag = {"id": 100 + len(self.tags), "name": name}
        self.tags.append(tag)
        return tag

    def add_contact(self, email: str, *, tags: list[dict[str, Any]], first_name: str = "",
                    surname: str = "", phone: str = "") -> dict[str, Any]:
        fields = [{"slug": "first_name", "value": first_name or None},
                  {"slug": "surname", "value": surname or None},
                  {"slug": "phone_number", "value": phone or None}]
        contact = {"id": 5000 + len(self.contacts), "email": email, "fields": fields,
                   "tags": list(tags)}
        self.contacts.append(contact)
        return contact

    def _check(self, request: Request) -> JSONResponse | None:
        self.requests.append((request.method, request.url.path, dict(request.query_params)))
        if request.headers.get("x-api-key") != self.api_key:
            return JSONResponse({"detail": "Invalid API key"}, status_code=401)
        if self.fail_next:
            return JSONResponse({"detail": "try later"}, status_code=self.fail_next.pop(0))
        limit = request.query_params.get("limit", "10")
        if not limit.isdigit() or not 10 <= int(limit) <= 100:
            return JSONResponse({"detail": "limit: between 10 and 100"}, status_code=422)
        return None

    def _page(self, items: list[dict[str, Any]], request: Request) -> JSONResponse:
        limit = int(request.query_params.get("limit", "10"))
        start = 0
        after = request.query_params.get("startingAfter")
        if after is not None:
            start = next(i for i, it in enumerate(items) if it["id"] == int(after)) + 1
        page = items[start:start + limit]
        return JSONResponse({"items": page, "hasMore": start + limit < len(items)})

    async def _tags(self, request: Request) -> JSONResponse:
        return self._check(request) or self._page(self.tags, request)

    async def _contacts(self, request: Request) -> JSONResponse:
        refused = self._check(request)
        if refused is not None:
            return refused
        items = self.contacts
        if "tags" in request.query_params:
            wanted = int(request.query_params["tags"])
            items = [c for c in items if any(t["id"] == wanted for t in c["tags"])]
        if "email" in request.query_params:
            items = [c for c in items if c["email"] == request.query_params["email"]]
        return self._page(items, request)

