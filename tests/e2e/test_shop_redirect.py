"""The CTA tracking links (``GET /r/{code}``) on the real server: a known code redirects to its
stored URL and nowhere else, whatever the request says; unknown or malformed codes, and stored
targets that are not http(s), are a 404 page. (Counting: test_shop_clicks.py.)"""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.e2e.avap import db
from tests.e2e.conftest import ServerProcess
from tests.e2e.shopping import EDITOR_ID, shop_server

pytestmark = pytest.mark.e2e

TARGET = "https://shop.example/item?id=5&utm_source=tts"
CODE = "Ab3_-xYz"
DRAFT_CODE = "draft123"


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")


def add_link(srv: ServerProcess, status: str, code: str, url: str, position: int = 0) -> int:
    """A post in ``status`` with one button link; returns the link's id."""
    with db(srv) as conn:
        post_id = conn.execute(
            "INSERT INTO posts (title, text, status, post_format, created_by, created_at, "
            "updated_at, separate_text, attempts) VALUES ('T', 'Hi', ?, 'product', ?, ?, ?, 0, "
            "0)", (status, EDITOR_ID, _now(), _now())).lastrowid
        return int(conn.execute(
            "INSERT INTO post_links (post_id, position, label, url, code, created_at) "
            "VALUES (?, ?, 'Buy', ?, ?, ?)", (post_id, position, url, code, _now())).lastrowid)


def clicks(srv: ServerProcess) -> list[dict[str, Any]]:
    with db(srv) as conn:
        return [dict(r) for r in conn.execute(
            "SELECT * FROM analytics WHERE action = 'click' ORDER BY id")]


def link_of(click: dict[str, Any]) -> int:
    """The link a click row names (its own column, or the metadata of the minimal route)."""
    if click.get("link_id") is not None:
        return int(click["link_id"])
    return int(json.loads(click["metadata"])["link_id"])


def raw_get(srv: ServerProcess, target: str) -> tuple[int, dict[str, str]]:
    """GET with the request target exactly as given (no client normalises ``..`` or ``//``)."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n"
                  f"Connection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in
               (line.split(":", 1) for line in head[1:] if ":" in line)}
    return int(head[0].split()[1]), headers


@pytest.fixture
def srv(make_server: Any) -> ServerProcess:
    return shop_server(make_server)


def test_unknown_codes_and_unpublished_posts(srv: ServerProcess) -> None:
    add_link(srv, "draft", DRAFT_CODE, "https://shop.example/draft")
    # a post not (or no longer) in the channel: the link still works, no click is counted
    r = httpx.get(f"{srv.url}/r/{DRAFT_CODE}")
    assert r.status_code == 302 and r.headers["location"] == "https://shop.example/draft"
    for code in ("zzzzzzzz", "abc", "a" * 33, "a.b.c.d", "abcd%27OR%271"):
        r = httpx.get(f"{srv.url}/r/{code}")
        assert r.status_code == 404, code
        assert r.headers["content-type"].startswith("text/html")
        assert "location" not in r.headers
    assert clicks(srv) == []
    # a stored target that is not http(s) (or carries a line break) is never sent as Location
    add_link(srv, "published", "jsLink01", "javascript:alert(1)")
    add_link(srv, "published", "crlfLnk1", "https://shop.example/\r\nSet-Cookie: x=1")
    for code in ("jsLink01", "crlfLnk1"):
        r = httpx.get(f"{srv.url}/r/{code}")
        assert r.status_code == 404 and "location" not in r.headers, code


def test_nothing_in_the_request_changes_the_target(srv: ServerProcess) -> None:
    add_link(srv, "published", CODE, TARGET)
    r = httpx.get(f"{srv.url}/r/{CODE}", params={"url": "https://evil.example/",
                                               "next": "//evil.example"})
    assert r.status_code == 302 and r.headers["location"] == TARGET

    for target in (f"/r/{CODE}/../x", f"/r/{CODE}/..%2F..%2Fevil.example", "/r//evil.example",
                   "//evil.example", "//evil.example/r/" + CODE, f"/r/{CODE}//evil.example",
                   "/r/%2F%2Fevil.example", f"/r/{CODE}%2F%2Fevil.example",
                   "/r/%5C%5Cevil.example", f"/r/{CODE}@evil.example",
                   "/r/https:%2F%2Fevil.example", f"/r/{CODE}?url=https://evil.example",
                   f"/r/{CODE}/?url=//evil.example"):
        status, headers = raw_get(srv, target)
        location = headers.get("location", "")
        assert "evil" not in location, (target, status, location)
        assert status in (302, 404), (target, status)
        if status == 302:
            assert location == TARGET, target
