"""``/admin/shopping/*`` on the real server: its own bearer token, the dashboard and the export
rows as JSON, documented in OpenAPI (issue 6)."""

from __future__ import annotations

from datetime import date

import httpx

from tests.e2e.shopping import shop_server
from tests.e2e.test_shop_clicks import add_post, clicks

SHOP_TOKEN_VALUE = "shop-admin-token-42"
COURSE_TOKEN = "course-admin-token-7"


def test_shopping_stats_endpoint(fake_telegram, make_server) -> None:
    srv = shop_server(make_server, SHOPPING_ADMIN_TOKEN=SHOP_TOKEN_VALUE,
                      ADMIN_RESET_TOKEN=COURSE_TOKEN, SCHEDULER_TIMEZONE="UTC")
    post_id = add_post(srv, "published", [("Գնել", "https://shop.example/1", "Stat1abc")])
    for _ in range(7):
        assert httpx.get(f"{srv.url}/r/Stat1abc").status_code == 302
    assert len(clicks(srv)) == 7
    url = f"{srv.url}/admin/shopping/stats"

    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    # the course's token opens nothing here, and this token nothing there
    assert httpx.get(url, headers={"Authorization": f"Bearer {COURSE_TOKEN}"}).status_code == 401
    assert httpx.get(f"{srv.url}/admin/stats", headers={
        "Authorization": f"Bearer {SHOP_TOKEN_VALUE}"}).status_code == 401

    auth = {"Authorization": f"Bearer {SHOP_TOKEN_VALUE}"}
    body = httpx.get(url, params={"period": "today"}, headers=auth).json()
    assert body["period"]["key"] == "today" and body["period"]["timezone"] == "UTC"
    assert body["posts_published"] == 1 and body["clicks"] == 7
    assert body["clicks_per_post"] == 7.0
    assert [(p["post_id"], p["clicks"]) for p in body["top"]] == [(post_id, 7)]
    assert body["daily"] == [{"day": date.today().isoformat(), "posts": 1, "clicks": 7}]
    sale = next(f for f in body["formats"] if f["post_format"] == "sale")
    assert sale == {"post_format": "sale", "posts": 1, "clicks": 7, "average": 7.0}

    rows = httpx.get(f"{srv.url}/admin/shopping/export/posts", params={"period": "7d"},
                     headers=auth).json()["rows"]
    assert [(r["id"], r["clicks_total"], r["cta_1_clicks"]) for r in rows] == [(post_id, 7, 7)]
    events = httpx.get(f"{srv.url}/admin/shopping/export/events", headers=auth).json()["rows"]
    assert sum(1 for e in events if e["action"] == "click") == 7

    bad = httpx.get(url, params={"from": "2026-01-10", "to": "2026-01-01"}, headers=auth)
    assert bad.status_code == 422
    assert httpx.get(url, params={"period": "year"}, headers=auth).status_code == 422
    schema = httpx.get(f"{srv.url}/openapi.json").json()
    assert "/admin/shopping/stats" in schema["paths"]


def test_without_its_token_the_endpoint_is_off(fake_telegram, make_server) -> None:
    srv = shop_server(make_server, ADMIN_RESET_TOKEN=COURSE_TOKEN)
    r = httpx.get(f"{srv.url}/admin/shopping/stats",
                  headers={"Authorization": f"Bearer {COURSE_TOKEN}"})
    assert r.status_code == 404
