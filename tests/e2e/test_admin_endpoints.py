"""The /admin/* HTTP endpoints through the real server: token handling, each endpoint, and a
fuzz run over the server's OpenAPI finding no 5xx."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import httpx
import pytest

from tests.e2e.avap import add_verified_student, avap_server, db
from tests.e2e.conftest import ServerProcess, http
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "admin-token-0123456789"
ROUTES = [("GET", "/admin/stats"), ("GET", "/admin/dead"), ("POST", "/admin/retry"),
          ("POST", "/admin/students/12345/reset-verification"),
          ("POST", "/admin/sheets/resync")]


def call(srv: ServerProcess, method: str, path: str, token: str | None = TOKEN,
         **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return http().request(method, f"{srv.url}{path}", headers=headers, timeout=10, **kwargs)


def test_without_a_token_configured_every_endpoint_is_404(fake_telegram: FakeTelegram,
                                                          make_server: Any) -> None:
    srv = avap_server(make_server, ADMIN_RESET_TOKEN="")
    for method, path in ROUTES:
        assert call(srv, method, path).status_code == 404, path
        assert call(srv, method, path, token=None).status_code == 404, path


def test_token_checks_and_each_endpoint(fake_telegram: FakeTelegram, make_server: Any) -> None:
    srv = avap_server(make_server, ADMIN_RESET_TOKEN=TOKEN)
    for method, path in ROUTES:
        assert call(srv, method, path, token=None).status_code == 401, path
        assert call(srv, method, path, token="wrong").status_code == 401, path
        assert call(srv, method, path, token=TOKEN + "x").status_code == 401, path
        r = httpx.request(method, f"{srv.url}{path}", headers={"Authorization": TOKEN},
                          timeout=10)  # not a bearer scheme
        assert r.status_code == 401, path

    add_verified_student(srv, 12345, email="ann@example.com")
    stats = call(srv, "GET", "/admin/stats")
    assert stats.status_code == 200
    body = stats.json()
    assert body["course"]["verified"] == 1
    assert set(body["inbox"]) == {"pending", "dead"}
    assert set(body["outbox"]) == {"pending", "stuck", "failed"}

    # a dead inbox row and a failed outbox row, as the workers leave them
    with db(srv) as conn:
        conn.execute("INSERT INTO inbox (bot, update_id, chat_key, payload, status, attempts, "
                     "next_attempt_at, last_error, received_at) VALUES ('nobot', 1, '', "
                     "'{\"secret\": \"ann@example.com\"}', 'dead', 5, '2026-01-01 00:00:00', "
                     "'boom', '2026-01-01 00:00:00')")
        conn.execute("INSERT INTO outbox (kind, payload, status, attempts, next_attempt_at, "
                     "alerted, created_at, last_error) VALUES ('test.unknown', "
                     "'{\"email\": \"ann@example.com\"}', 'failed', 3, '2026-01-01 00:00:00', "
                     "1, '2026-01-01 00:00:00', '422')")
    dead = call(srv, "GET", "/admin/dead")
    assert dead.status_code == 200
    assert [r["update_id"] for r in dead.json()["inbox"]] == [1]
    assert [r["kind"] for r in dead.json()["outbox"]] == ["test.unknown"]
    assert "ann@example.com" not in dead.text and "payload" not in dead.text

    retried = call(srv, "POST", "/admin/retry")
    assert retried.status_code == 200 and retried.json() == {"inbox": 1, "outbox": 1}
    with db(srv) as conn:
        assert conn.execute("SELECT status FROM outbox WHERE kind='test.unknown'"
                            ).fetchone()[0] in ("pending", "failed")
    assert call(srv, "POST", "/admin/retry").json()["outbox"] in (0, 1)

    reset = call(srv, "POST", "/admin/students/12345/reset-verification")
    assert reset.status_code == 200
    with db(srv) as conn:
        assert conn.execute("SELECT status FROM verified_users WHERE telegram_id=12345"
                            ).fetchone()[0] == "revoked"
        assert tuple(conn.execute("SELECT status, telegram_id FROM pending_verifications "
                                  "WHERE email='ann@example.com'").fetchone()) == ("pending", None)
    assert call(srv, "POST", "/admin/students/12345/reset-verification").status_code == 404
    assert call(srv, "POST", "/admin/students/abc/reset-verification").status_code == 422

    resync = call(srv, "POST", "/admin/sheets/resync")
    assert resync.status_code in (409, 501) and resync.json()["detail"]

    schema = httpx.get(f"{srv.url}/openapi.json", timeout=10).json()
    assert {"/admin/stats", "/admin/dead", "/admin/retry",
            "/admin/students/{telegram_id}/reset-verification", "/admin/sheets/resync",
            "/webhook/systeme"} <= set(schema["paths"])


MALFORMED = [b"", b"{", b"null", b"[]", b'{"a": 1}', b"\xff" * 10, b"x" * 5000]
ODD_IDS = ["0", "-1", "abc", "1.5", "99999999999999999999999", "%00", "1e3", " 1"]


def test_malformed_requests_to_every_admin_route_never_5xx(fake_telegram: FakeTelegram,
                                                          make_server: Any) -> None:
    """Property-style: odd bodies, params, headers and path ids on every route, no 5xx."""
    srv = avap_server(make_server, ADMIN_RESET_TOKEN=TOKEN, SHOPPING_ADMIN_TOKEN=TOKEN,
                      SYSTEME_WEBHOOK_SECRET="s")
    schema = httpx.get(f"{srv.url}/openapi.json", timeout=10).json()
    seen = 0
    for path, item in schema["paths"].items():
        for method in item:
            targets = [path.replace("{telegram_id}", i) for i in ODD_IDS] \
                if "{telegram_id}" in path else [path]
            for target in targets:
                for body in MALFORMED:
                    for token in (TOKEN, None):
                        r = call(srv, method.upper(), target, token=token, content=body,
                                 params={"limit": "-1", "x": "\u0000"},
                                 )
                        assert r.status_code < 500, (method, target, body, r.text)
                        seen += 1
    assert seen > 100


def test_schemathesis_finds_no_server_error(fake_telegram: FakeTelegram,
                                            make_server: Any) -> None:
    pytest.importorskip("schemathesis")
    # one bearer token for both sets of endpoints, so that the fuzzer gets past both checks
    srv = avap_server(make_server, ADMIN_RESET_TOKEN=TOKEN, SHOPPING_ADMIN_TOKEN=TOKEN,
                      SYSTEME_WEBHOOK_SECRET="s")
    result = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run", f"{srv.url}/openapi.json",
         "--checks", "not_a_server_error", "--max-examples", "25",
         "--header", f"Authorization: Bearer {TOKEN}", "--request-timeout", "10",
         "--generation-deterministic", "--no-color"],
        capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
