"""Analytics in the bot through the real server (issue 6): /stats with its periods and chart,
/post <number>, /export as CSV and JSON documents."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import httpx

from shopping_bot import callbacks as cb
from shopping_bot import texts
from tests.e2e.shopping import Editor, shop_server
from tests.e2e.test_shop_clicks import add_post
from tests.fakes.telegram_api import FakeTelegram


def _uploads(fake: FakeTelegram, method: str) -> list[tuple[str | None, bytes]]:
    return [(name, content) for m, _field, name, content in fake.uploads if m == method]


def test_stats_chart_history_and_exports(fake_telegram: FakeTelegram, make_server) -> None:
    srv = shop_server(make_server, SCHEDULER_TIMEZONE="UTC")
    first = add_post(srv, "published", [("Գնել", "https://shop.example/1", "Anl1abcd"),
                                        ("Կայք", "https://shop.example/", "Anl1site")])
    second = add_post(srv, "published", [("Գնել", "https://shop.example/2", "Anl2abcd")])
    for code, n in (("Anl1abcd", 5), ("Anl1site", 2), ("Anl2abcd", 3)):
        for _ in range(n):
            assert httpx.get(f"{srv.url}/r/{code}").status_code == 302
    editor = Editor(fake_telegram, srv)

    editor.say("/stats")
    board = editor.texts()[-1]
    assert "Հրապարակված գրառումներ՝ <b>2</b>" in board
    assert "Սեղմումներ՝ <b>10</b>" in board
    assert "մեկ գրառման հաշվով՝ <b>5.00</b>" in board
    lines = [line for line in board.splitlines() if line[:2] in ("1.", "2.")]
    assert lines[0].endswith("<b>7</b>") and lines[1].endswith("<b>3</b>")
    assert (texts.BTN_PERIOD["30d"], cb.StatsPeriod("30d").pack()) in editor.last_buttons()

    editor.tap(cb.StatsPeriod("today").pack())
    edited = [c for c in editor.calls("editMessageText")]
    assert "Սեղմումներ՝ <b>10</b>" in edited[-1].params["text"]
    assert texts.PERIOD_NAMES["today"] in edited[-1].params["text"]

    editor.tap(cb.StatsChart("7d").pack(), timeout=30)
    [(name, png)] = _uploads(fake_telegram, "sendPhoto")
    assert png.startswith(b"\x89PNG") and name.endswith(".png")

    editor.say(f"/post {first}")
    history = editor.texts()[-1]
    assert f"#{first}" in history and "Գնել — <b>5</b>" in history and "Կայք — <b>2</b>" in history
    assert editor.reply("/post 99999") == texts.POST_NOT_FOUND
    assert editor.reply("/post abc") == texts.POST_USAGE

    editor.say("/export")
    editor.tap(cb.ExportKind("posts").pack())
    editor.tap(cb.ExportPeriod("posts", "7d").pack())
    editor.tap(cb.ExportFile("posts", "7d", "csv").pack())
    editor.tap(cb.ExportFile("posts", "7d", "json").pack())
    files = dict(_uploads(fake_telegram, "sendDocument"))
    today = date.today()
    first_day = date.fromordinal(today.toordinal() - 6)
    name = f"posts_{first_day.isoformat()}_{today.isoformat()}"
    body = files[f"{name}.csv"]
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body[3:].decode())))
    assert [(int(r["id"]), int(r["clicks_total"])) for r in rows] == [(first, 7), (second, 3)]
    parsed = json.loads(files[f"{name}.json"])
    assert [(r["id"], r["clicks_total"]) for r in parsed["rows"]] == [(first, 7), (second, 3)]

    # a stale or forged analytics button changes nothing and is answered
    editor.tap("ap:year")
    answers = [c for c in fake_telegram.calls if c.method == "answerCallbackQuery"]
    assert answers[-1].params.get("text") == texts.STALE_BUTTON
