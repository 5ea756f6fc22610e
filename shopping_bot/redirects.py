"""``GET /r/{code}``: the CTA buttons' tracking redirect (a hot route, plain ASGI).

Each CTA button of a post has its own short, unguessable code (``post_links.code``). A request
for a known code records the click (post, button, time, and a salted one-day hash of the
client's address and user agent for counting unique clickers per day — never the address
itself) and answers ``302`` to the URL stored for that code; nothing in the request can change
where it goes. An unknown code: 404 with a short page. The click is committed before the answer
(concurrent clicks share one transaction: ``shared.batching.GroupCommit``), so a click is never
lost and one request is never counted twice; if the database is down the answer is 503 and the
browser can retry. Only clicks on published posts are counted (an editor testing the preview's
buttons counts nothing). Codes are cached for a short while: a code's target never changes.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from typing import Any

from starlette.types import Receive, Scope, Send

from shared.batching import GroupCommit
from shared.errors import StorageUnavailable
from shared.storage.db import utcnow
from shopping_bot.storage.analytics import Click
from shopping_bot.storage.status import PostStatus

log = logging.getLogger(__name__)

PREFIX = "/r/"
CODE = re.compile(r"[A-Za-z0-9_-]{4,32}")
# what may go into Location: an http(s) URL without spaces or control characters (the editors'
# URLs are validated when entered; this guards the header against anything else in the table)
SAFE_TARGET = re.compile(r"https?://[^\s\x00-\x1f\x7f]+", re.IGNORECASE)
HIT_TTL = 30.0  # seconds a known code is cached (its post may get deleted meanwhile)
MISS_TTL = 5.0
CACHE_MAX = 20_000

_NOT_FOUND = ("<!doctype html><html lang=\"hy\"><meta charset=\"utf-8\"><title>404</title>"
              "<body style=\"font-family:sans-serif;text-align:center;padding:3em\">"
              "<h1>404</h1><p>Հղումը գտնված չէ կամ այլևս գործող չէ։</p>"
              "<p>This link does not exist or is no longer valid.</p></body></html>").encode()
_UNAVAILABLE = ("<!doctype html><html><meta charset=\"utf-8\"><title>503</title><body>"
                "<p>Խնդրում ենք փորձել կրկին մի քանի վայրկյանից։ / Please try again in a few "
                "seconds.</p></body></html>").encode()


class Redirector:
    def __init__(self, storage: Any, salt: bytes) -> None:
        self._storage = storage
        self._salt = salt
        self._cache: dict[str, tuple[float, dict[str, Any] | None]] = {}
        self._clicks: GroupCommit[Click] = GroupCommit(storage.analytics.record_clicks)

    async def _link(self, code: str) -> dict[str, Any] | None:
        now = time.monotonic()
        hit = self._cache.get(code)
        if hit is not None and hit[0] > now:
            return hit[1]
        row = await self._storage.analytics.link(code)
        if len(self._cache) >= CACHE_MAX:
            self._cache.clear()
        self._cache[code] = (now + (HIT_TTL if row is not None else MISS_TTL), row)
        return row

    def visitor(self, scope: Scope, day: str) -> str:
        """A salted hash of (day, client address, user agent): unique clickers per day, and
        nothing that identifies anyone or links two days."""
        address, agent = "", ""
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for" and not address:
                address = value.split(b",")[0].strip().decode("latin-1")
            elif name == b"user-agent":
                agent = value[:200].decode("latin-1")
        if not address and scope.get("client"):
            address = str(scope["client"][0])
        message = f"{day}|{address}|{agent}".encode()
        return hmac.new(self._salt, message, hashlib.sha256).hexdigest()[:16]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        code = scope["path"][len(PREFIX):]
        head = scope["method"] == "HEAD"
        link = await self._link(code) if CODE.fullmatch(code) else None
        if link is None or not SAFE_TARGET.fullmatch(str(link["url"])):
            await _answer(send, 404, _NOT_FOUND, [(b"content-type", b"text/html; charset=utf-8")],
                          head)
            return
        if not head and link["status"] == PostStatus.PUBLISHED:
            now = utcnow()
            click = Click(int(link["post_id"]), int(link["id"]),
                          self.visitor(scope, now.date().isoformat()), now)
            try:
                await self._clicks.put(click)
            except StorageUnavailable:
                log.warning("click not stored: storage unavailable")
                await _answer(send, 503, _UNAVAILABLE,
                              [(b"content-type", b"text/html; charset=utf-8"),
                               (b"retry-after", b"2")], head)
                return
        await _answer(send, 302, b"", [(b"location", str(link["url"]).encode())], head)


async def _answer(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]],
                  head: bool) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        *headers, (b"cache-control", b"no-store"), (b"referrer-policy", b"no-referrer"),
        (b"x-robots-tag", b"noindex"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": b"" if head else body})
