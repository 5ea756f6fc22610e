"""Composing a post end to end (real server, FakeTelegram, FakeOpenAI): /new → format →
keywords → AI rounds → media → CTA → title → preview → publish; OpenAI down or absent; a caption
too long; CTA validation; a text Telegram cannot parse at the preview."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shopping_bot import callbacks as cb
from shopping_bot import texts
from shopping_bot.ai import prompts
from shopping_bot.ai.writer import template_draft
from shopping_bot.storage.posts import FORMATS
from tests.e2e.avap import db
from tests.e2e.conftest import SHOP_TOKEN, ServerProcess, openai_env
from tests.e2e.shopping import Editor, channel_calls, posts, shop_server
from tests.fakes.openai_api import FakeOpenAI, Reply
from tests.fakes.telegram_api import Call, FakeTelegram

pytestmark = pytest.mark.e2e

KEYWORDS = "Nike Air Max 90, 45000 դրամ, Yerevan Mall"
PHOTO = [{"file_id": "ph-small", "file_unique_id": "u0", "width": 90, "height": 90},
         {"file_id": "ph1", "file_unique_id": "u1", "width": 800, "height": 600}]


def ai_server(make_server: Any, fake_openai: FakeOpenAI, **env: str) -> ServerProcess:
    return shop_server(make_server, **openai_env(fake_openai), **env)


def press(ed: Editor, data: cb.CallbackData) -> None:
    """Press a button that the last keyboard of the chat offers."""
    packed = data.pack()
    offered = [d for _, d in ed.last_buttons()]
    assert packed in offered, (packed, offered)
    ed.tap(packed)


def last_text(ed: Editor) -> str:
    return ed.texts()[-1]


def start_post(ed: Editor, post_format: str = "product", keywords: str = KEYWORDS) -> int:
    """/new, a format, the keywords: the id of the post created."""
    ed.say("/new")
    assert last_text(ed) == texts.COMPOSE_PICK_FORMAT
    assert [d for _, d in ed.last_buttons()] == [cb.ComposeFormat(0, f).pack() for f in FORMATS]
    press(ed, cb.ComposeFormat(0, post_format))
    ed.say(keywords)
    row = posts(ed.srv)[-1]
    assert row["keywords"] == keywords and row["status"] == "draft"
    return int(row["id"])


def preview_calls(ed: Editor, since: int) -> list[Call]:
    """The post's messages sent to the editor after call number ``since`` (the control message
    with the post actions excluded)."""
    calls = [c for c in ed.calls()[since:] if c.method.startswith("send") and c.error is None]
    return [c for c in calls if not str(c.params.get("text", "")).startswith("👆")]


def test_a_whole_post_from_keywords_to_the_channel(fake_telegram: FakeTelegram, make_server,
                                                   fake_openai: FakeOpenAI) -> None:
    srv = ai_server(make_server, fake_openai)
    ed = Editor(fake_telegram, srv)
    pid = start_post(ed)
    # the AI wrote it: the format's system prompt and the keywords reached OpenAI
    first = fake_openai.prompts()[0]
    assert prompts.FORMAT_PROMPTS["product"] in first[0]["content"]
    assert KEYWORDS in first[-1]["content"]
    assert "Nike Air Max 90" in last_text(ed)
    assert cb.ComposeText(pid, "ok").pack() in [d for _, d in ed.last_buttons()]
    assert posts(srv)[-1]["text"] and "Nike Air Max 90" in posts(srv)[-1]["text"]

    # improve in the editor's own words
    press(ed, cb.ComposeText(pid, "improve"))
    assert last_text(ed) == texts.COMPOSE_ASK_INSTRUCTION
    ed.say("ավելի կարճ")
    assert len(fake_openai.requests) == 2
    assert "ավելի կարճ" in fake_openai.prompts()[1][-1]["content"]
    # to Russian and back to Armenian
    press(ed, cb.ComposeText(pid, "ru"))
    russian = posts(srv)[-1]["text"]
    assert russian.startswith("🛍 <b>Отличный выбор</b>")
    assert "Отличный выбор" in last_text(ed)
    press(ed, cb.ComposeText(pid, "hy"))
    assert len(fake_openai.requests) == 4
    assert "Отличный выбор" in fake_openai.prompts()[3][-1]["content"]  # the Russian text
    text = posts(srv)[-1]["text"]
    assert text != russian and text.startswith("🛍 <b>")
    press(ed, cb.ComposeText(pid, "ok"))

    # media: a photo (the largest size is kept)
    assert last_text(ed) == texts.COMPOSE_ASK_MEDIA
    press(ed, cb.ComposeMedia(pid, "photo"))
    ed.done(ed.send("not a photo"))
    assert last_text(ed) == texts.COMPOSE_MEDIA_EXPECTED["photo"]
    ed.done(ed.send_message(photo=PHOTO))
    row = posts(srv)[-1]
    assert (row["media_type"], row["file_id"]) == ("photo", "ph1")

    # the buttons the AI suggested, then the title
    press(ed, cb.ComposeButtons(pid, "suggested"))
    row = posts(srv)[-1]
    assert [b["url"] for b in json.loads(row["buttons"])] == ["https://shop.example/1",
                                                             "https://shop.example/2"]
    assert last_text(ed).startswith(texts.COMPOSE_ASK_TITLE.split("{")[0])
    before = len(ed.calls())
    ed.say("Nike Air Max 90")
    assert posts(srv)[-1]["title"] == "Nike Air Max 90"
    photos = [c for c in preview_calls(ed, before) if c.method == "sendPhoto"]
    assert len(photos) == 1
    preview = photos[0]
    assert preview.params["photo"] == "ph1" and preview.params["parse_mode"] == "HTML"
    assert preview.params["caption"] == text
    assert [b["text"] for row in preview.params["reply_markup"]["inline_keyboard"]
            for b in row] == [b["label"] for b in json.loads(posts(srv)[-1]["buttons"])]

    # publish now (handlers/publishing.py): the channel gets exactly what was previewed
    press(ed, cb.PublishNow(pid))
    fake_telegram.wait_for(lambda: channel_calls(fake_telegram), timeout=10)
    sent = channel_calls(fake_telegram)
    assert len(sent) == 1 and sent[0].method == "sendPhoto"
    for key in ("photo", "caption", "parse_mode", "reply_markup"):
        assert sent[0].params.get(key) == preview.params.get(key), key


def test_openai_down_own_text_template_and_one_regeneration(
        fake_telegram: FakeTelegram, make_server, fake_openai: FakeOpenAI) -> None:
    srv = ai_server(make_server, fake_openai, OPENAI_TIMEOUT_SECONDS="3")
    ed = Editor(fake_telegram, srv)

    # run 1: OpenAI answers 500 (the SDK retries twice): told in one line, the editor writes
    fake_openai.script(*[Reply(status=500)] * 3)
    pid = start_post(ed)
    assert len(fake_openai.requests) == 3
    assert last_text(ed) == f"⚠️ {texts.AI_FAILED}\n{texts.COMPOSE_NO_TEXT}"
    assert [d for _, d in ed.last_buttons()] == [cb.ComposeText(pid, a).pack()
                                                for a in ("own", "tpl", "regen")]
    press(ed, cb.ComposeText(pid, "own"))
    ed.say("Իմ սեփական տեքստը ապրանքի մասին")
    press(ed, cb.ComposeText(pid, "ok"))
    press(ed, cb.ComposeMedia(pid, "none"))
    press(ed, cb.ComposeButtons(pid, "none"))
    since = len(ed.calls())
    press(ed, cb.ComposeTitle(pid))
    shown = preview_calls(ed, since)
    assert [(c.method, c.params["text"]) for c in shown] == [
        ("sendMessage", "Իմ սեփական տեքստը ապրանքի մասին")]
    assert posts(srv)[-1]["title"] == "Իմ սեփական տեքստը ապրանքի մասին"

    # run 2: OpenAI down again; the format's template with the keywords
    fake_openai.script(*[Reply(status=500)] * 3)
    pid = start_post(ed, "sale", "Զեղչ 30% կոշիկների վրա")
    assert len(fake_openai.requests) == 6
    press(ed, cb.ComposeText(pid, "tpl"))
    expected = template_draft("sale", "Զեղչ 30% կոշիկների վրա").text
    assert posts(srv)[-1]["text"] == expected
    press(ed, cb.ComposeText(pid, "ok"))
    press(ed, cb.ComposeMedia(pid, "none"))
    press(ed, cb.ComposeButtons(pid, "none"))
    since = len(ed.calls())
    ed.say("Զեղչ կոշիկների վրա")
    shown = preview_calls(ed, since)
    assert [(c.method, c.params["text"]) for c in shown] == [("sendMessage", expected)]
    assert posts(srv)[-1]["title"] == "Զեղչ կոշիկների վրա"

    # an answer in Latin script: exactly one regeneration, the second answer used
    fake_openai.script(json.dumps({"text": "A great pair of shoes, buy now!", "buttons": []}))
    start_post(ed, "product", "Կոշիկ Adidas")
    assert len(fake_openai.requests) == 8
    assert "Կոշիկ Adidas" in posts(srv)[-1]["text"]
    assert "A great pair" not in last_text(ed)


def test_without_openai_key_the_flow_goes_on(fake_telegram: FakeTelegram, make_server,
                                             fake_openai: FakeOpenAI) -> None:
    srv = shop_server(make_server)
    ed = Editor(fake_telegram, srv)
    pid = start_post(ed, "tip", "Ինչպես ընտրել ձմեռային բաճկոն")
    assert last_text(ed) == f"{texts.COMPOSE_AI_OFF}\n{texts.COMPOSE_NO_TEXT}"
    assert [d for _, d in ed.last_buttons()] == [cb.ComposeText(pid, "own").pack(),
                                                cb.ComposeText(pid, "tpl").pack()]
    press(ed, cb.ComposeText(pid, "tpl"))
    assert posts(srv)[-1]["text"] == template_draft("tip", "Ինչպես ընտրել ձմեռային բաճկոն").text
    # no AI actions offered without a key
    assert [d for _, d in ed.last_buttons()] == [cb.ComposeText(pid, a).pack()
                                                for a in ("ok", "own", "tpl")]
    assert fake_openai.requests == []


def test_a_caption_too_long_is_never_sent_and_can_go_separately(
        fake_telegram: FakeTelegram, make_server, fake_openai: FakeOpenAI) -> None:
    srv = ai_server(make_server, fake_openai)
    ed = Editor(fake_telegram, srv)
    pid = start_post(ed)
    long_text = ("Շատ երկար նկարագրություն։ " * 50).strip()  # 1300 characters
    assert len(long_text) > 1024
    press(ed, cb.ComposeText(pid, "own"))
    ed.say(long_text)
    press(ed, cb.ComposeText(pid, "ok"))
    press(ed, cb.ComposeMedia(pid, "photo"))
    ed.done(ed.send_message(photo=PHOTO))
    assert last_text(ed) == texts.COMPOSE_TOO_LONG.format(limit=1024, n=len(long_text))
    assert [d for _, d in ed.last_buttons()] == [cb.ComposeFit(pid, c).pack()
                                                for c in ("shorten", "separate", "own")]
    # a preview asked for now does not send it either
    ed.tap(cb.PreviewPost(pid).pack())
    assert last_text(ed).startswith(texts.COMPOSE_TOO_LONG.split("{")[0])
    assert not [c for c in fake_telegram.calls if c.method == "sendPhoto" and c.params.get(
        "caption")], "a caption over 1024 characters reached Telegram"

    # separate: the preview asked for comes right after, as two messages
    since = len(ed.calls())
    press(ed, cb.ComposeFit(pid, "separate"))
    assert posts(srv)[-1]["separate_text"] == 1
    shown = preview_calls(ed, since)
    assert [c.method for c in shown] == ["sendPhoto", "sendMessage"]
    assert "caption" not in shown[0].params and shown[1].params["text"] == long_text
    # buttons added from the edit menu go under the text
    press(ed, cb.EditPost(pid))
    assert [d for _, d in ed.last_buttons()] == [
        *(cb.ComposeEdit(pid, f).pack() for f in
          ("format", "keywords", "text", "media", "buttons", "title")), cb.PreviewPost(pid).pack()]
    press(ed, cb.ComposeEdit(pid, "buttons"))
    ed.say("Գնել - https://shop.am/item")
    since = len(ed.calls())
    press(ed, cb.ComposeButtons(pid, "done"))
    shown = preview_calls(ed, since)
    assert [c.method for c in shown] == ["sendPhoto", "sendMessage"]
    media, body = shown
    assert media.params["photo"] == "ph1"
    assert "caption" not in media.params and "reply_markup" not in media.params
    assert body.params["text"] == long_text
    keyboard = body.params["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in keyboard] == [["Գնել"]]
    assert keyboard[0][0]["url"].startswith(srv.url + "/r/")


def test_cta_urls_are_validated_and_at_most_three(fake_telegram: FakeTelegram,
                                                  make_server) -> None:
    srv = shop_server(make_server)
    ed = Editor(fake_telegram, srv)
    pid = start_post(ed)
    press(ed, cb.ComposeText(pid, "tpl"))
    press(ed, cb.ComposeText(pid, "ok"))
    press(ed, cb.ComposeMedia(pid, "none"))
    for url in ("javascript:alert(1)", "ftp://shop.am/file", "tg://resolve?domain=shop"):
        ed.say(f"Գնել - {url}")
        assert last_text(ed) == texts.COMPOSE_CTA_BAD_URL.format(url=url.replace("&", "&amp;"))
    ed.say("Առանց հղման")
    assert last_text(ed).startswith(texts.COMPOSE_CTA_BAD_LINE.split("«")[0])
    assert posts(srv)[-1]["buttons"] is None
    ed.say("Գնել - https://shop.am/1\nՄանրամասներ - http://shop.am/2")
    ed.say("Կապ - https://t.me/shop")
    assert json.loads(posts(srv)[-1]["buttons"])[2] == {"label": "Կապ",
                                                       "url": "https://t.me/shop"}
    ed.say("Չորրորդ - https://shop.am/4")
    assert last_text(ed) == texts.COMPOSE_CTA_TOO_MANY.format(max=3, n=4)
    assert len(json.loads(posts(srv)[-1]["buttons"])) == 3
    with db(srv) as conn:
        links = conn.execute("SELECT label FROM post_links WHERE post_id=? ORDER BY position",
                             (pid,)).fetchall()
    assert [r[0] for r in links] == ["Գնել", "Մանրամասներ", "Կապ"]


def test_unparsable_markup_fails_at_the_preview_and_the_flow_goes_on(
        fake_telegram: FakeTelegram, make_server, fake_openai: FakeOpenAI) -> None:
    srv = ai_server(make_server, fake_openai)
    ed = Editor(fake_telegram, srv)
    # the AI answers unbalanced markup: the writer balances it before anyone sees it
    fake_openai.script(json.dumps({"text": "<b>Վաճառք -50% բոլոր կոշիկների վրա", "buttons": []},
                                  ensure_ascii=False))
    pid = start_post(ed, "sale", "Վաճառք կոշիկներ")
    assert posts(srv)[-1]["text"] == "<b>Վաճառք -50% բոլոր կոշիկների վրա</b>"
    # a text Telegram cannot parse in the row (written by an older version, by hand...)
    with db(srv) as conn:
        conn.execute("UPDATE posts SET text=? WHERE id=?", ("<b>Վաճառք -50% <i>այսօր</b>", pid))
    ed.tap(cb.PreviewPost(pid).pack())
    assert last_text(ed) == texts.COMPOSE_PREVIEW_BAD_MARKUP
    assert [c for c in ed.calls("sendMessage") if c.error and "can't parse" in c.error]
    press(ed, cb.ComposeEdit(pid, "text"))
    # the round shows it escaped, with a warning
    assert last_text(ed).startswith(texts.COMPOSE_ROUND_BAD_MARKUP)
    assert "&lt;b&gt;Վաճառք" in last_text(ed)
    press(ed, cb.ComposeText(pid, "own"))
    ed.say("Վաճառք -50% այսօր")
    since = len(ed.calls())
    press(ed, cb.ComposeText(pid, "ok"))  # an edit: back to the preview
    shown = preview_calls(ed, since)
    assert [(c.method, c.params["text"]) for c in shown] == [("sendMessage",
                                                             "Վաճառք -50% այսօր")]
    assert last_text(ed).startswith(f"👆 Նախադիտում · #{pid}")
    assert cb.PublishNow(pid).pack() in [d for _, d in ed.last_buttons()]


def _insert_post(srv: ServerProcess, status: str, text: str, **columns: Any) -> int:
    now = "2026-01-01 10:00:00.000000"
    values = {"title": "Հին վերնագիր", "text": text, "status": status, "post_format": "product",
              "keywords": "կոշիկ", "created_by": 7001, "created_at": now, "updated_at": now,
              "separate_text": 0, "attempts": 0, **columns}
    with db(srv) as conn:
        cur = conn.execute(f"INSERT INTO posts ({', '.join(values)}) VALUES "
                           f"({', '.join('?' for _ in values)})", tuple(values.values()))
        return int(cur.lastrowid)


def test_editing_published_and_scheduled_posts(fake_telegram: FakeTelegram,
                                               make_server) -> None:
    srv = shop_server(make_server)
    ed = Editor(fake_telegram, srv)
    pid = _insert_post(srv, "published", "Հին տեքստ", media_type="photo", file_id="ph1",
                       channel_message_id=5, published_at="2026-01-01 10:00:00.000000")
    # a published post: only text, buttons and title; its media cannot change
    ed.tap(cb.EditPost(pid).pack())  # from a list of another feature
    assert [d for _, d in ed.last_buttons()] == [
        cb.ComposeEdit(pid, f).pack() for f in ("text", "buttons", "title")] + [
        cb.PreviewPost(pid).pack()]
    ed.tap(cb.ComposeEdit(pid, "media").pack())
    answer = fake_telegram.calls_of("answerCallbackQuery", SHOP_TOKEN)[-1]
    assert answer.params["text"] == texts.COMPOSE_FIELD_LOCKED
    press(ed, cb.ComposeEdit(pid, "text"))
    press(ed, cb.ComposeText(pid, "own"))
    ed.say("Ա" * 1100)
    press(ed, cb.ComposeText(pid, "ok"))
    # the caption must still fit: no "separate" for a post already in the channel
    assert last_text(ed) == texts.COMPOSE_TOO_LONG_PUBLISHED.format(limit=1024, n=1100)
    assert [d for _, d in ed.last_buttons()] == [cb.ComposeFit(pid, "own").pack()]
    press(ed, cb.ComposeFit(pid, "own"))
    ed.say("Նոր տեքստ")
    since = len(ed.calls())
    press(ed, cb.ComposeText(pid, "ok"))
    shown = preview_calls(ed, since)
    assert [(c.method, c.params.get("caption")) for c in shown] == [("sendPhoto", "Նոր տեքստ")]
    assert cb.UpdatePublished(pid).pack() in [d for _, d in ed.last_buttons()]
    row = posts(srv)[-1]
    assert (row["status"], row["text"]) == ("published", "Նոր տեքստ")
    assert not channel_calls(fake_telegram, "")  # the channel changes only with "update"

    # a scheduled post: the edit is saved on the row, the post stays scheduled
    sid = _insert_post(srv, "scheduled", "Պլանավորված", publish_at="2030-01-01 10:00:00.000000")
    ed.tap(cb.EditPost(sid).pack())  # from a list of another feature
    press(ed, cb.ComposeEdit(sid, "title"))
    ed.say("Նոր վերնագիր")
    row = next(r for r in posts(srv) if r["id"] == sid)
    assert (row["status"], row["title"]) == ("scheduled", "Նոր վերնագիր")
    assert last_text(ed).startswith(f"👆 Նախադիտում · #{sid} · <b>Նոր վերնագիր</b>")
    # "cancel" deletes drafts only
    ed.tap(cb.DiscardPost(sid).pack())
    assert last_text(ed) == texts.COMPOSE_LEFT_AS_IS.format(status=texts.STATUS["scheduled"])
    assert [r["id"] for r in posts(srv)] == [pid, sid]
