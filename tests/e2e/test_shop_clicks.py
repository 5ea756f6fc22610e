"""Click tracking through the real server (issue 6, acceptance 1): concurrent clicks on a
published post's CTA are all counted once and redirected to the right target; unknown codes are
404; nothing in the request can change where the redirect goes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.e2e.avap import db
from tests.e2e.conftest import ServerProcess
from tests.e2e.shopping import shop_server


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")


def add_post(srv: ServerProcess, status: str, links: list[tuple[str, str, str]]) -> int:
    """A post with CTA links (label, url, code), inserted in the server's database."""
    with db(srv) as conn:
        post_id = conn.execute(
            "INSERT INTO posts (title, text, status, post_format, created_at, updated_at, "
            "published_at, separate_text, attempts) VALUES ('Zeghch', 'text', ?, 'sale', ?, ?, "
            "?, 0, 0)", (status, _now(), _now(), _now() if status == "published" else None)
        ).lastrowid
        for position, (label, url, code) in enumerate(links):
            conn.execute("INSERT INTO post_links (post_id, position, label, url, code, "
                         "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                         (post_id, position, label, url, code, _now()))
    return int(post_id)


def clicks(srv: ServerProcess) -> list[dict[str, Any]]:
    with db(srv) as conn:
        return [dict(r) for r in conn.execute(
            "SELECT post_id, link_id, visitor FROM analytics WHERE action='click'")]


async def _get_many(url: str, n: int, **kwargs: Any) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=20) as client:
        return await asyncio.gather(*(client.get(url, **kwargs) for _ in range(n)))


def test_hundred_concurrent_clicks_are_counted_once_each(fake_telegram, make_server) -> None:
    srv = shop_server(make_server)
    post_id = add_post(srv, "published", [("Գնել", "https://shop.example/item?id=7", "Buy7abcd"),
                                          ("Կայք", "https://shop.example/", "Site7abc")])
    responses = asyncio.run(_get_many(f"{srv.url}/r/Buy7abcd", 100))
    assert [r.status_code for r in responses] == [302] * 100
    assert {r.headers["location"] for r in responses} == {"https://shop.example/item?id=7"}
    assert responses[0].headers["cache-control"] == "no-store"
    rows = clicks(srv)
    assert len(rows) == 100
    assert {(r["post_id"], r["link_id"]) for r in rows} == {(post_id, 1)}
    # one client, one day: one visitor hash, and not the address itself
    assert len({r["visitor"] for r in rows}) == 1 and "127.0.0.1" not in rows[0]["visitor"]

    second = httpx.get(f"{srv.url}/r/Site7abc", headers={"X-Forwarded-For": "203.0.113.9"})
    assert second.status_code == 302 and second.headers["location"] == "https://shop.example/"
    assert len({r["visitor"] for r in clicks(srv)}) == 2


def test_only_published_posts_count_and_head_counts_nothing(fake_telegram, make_server) -> None:
    srv = shop_server(make_server)
    add_post(srv, "published", [("Գնել", "https://shop.example/a", "Tgt1abcd")])
    draft = add_post(srv, "draft", [("Գնել", "https://shop.example/d", "Drft1abc")])
    assert httpx.get(f"{srv.url}/r/Tgt1abcd").status_code == 302
    # a draft's buttons (the editor trying the preview) redirect but count nothing
    r = httpx.get(f"{srv.url}/r/Drft1abc", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == "https://shop.example/d"
    assert [c["post_id"] for c in clicks(srv)].count(draft) == 0
    # HEAD (link checkers) answers like GET and counts nothing
    assert httpx.head(f"{srv.url}/r/Tgt1abcd").status_code == 302
    assert len(clicks(srv)) == 1
