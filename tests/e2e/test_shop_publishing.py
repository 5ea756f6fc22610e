"""Managing posts end to end (real server, fake Telegram): reschedule through the calendar
buttons, cancel (back to drafts), publish now, an edited scheduled row published with its new
text, a published post updated and deleted in the channel (an old one: told and offered an edit),
Telegram refusing a scheduled publication (retried, then failed, the admins told with a retry
button that publishes it) and refusing a "publish now" (failed at once, shown to the editor);
the lists and /scheduler."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from shopping_bot import callbacks as cb
from shopping_bot import texts
from tests.e2e.shopping import CHANNEL_ID, EDITOR_ID, Editor, shop_server
from tests.e2e.test_shop_schedule import (
    FAST,
    OTHER_AUTHOR,
    TZ_NAME,
    add_post,
    answers,
    buttons_of,
    channel_texts,
    delivered,
    get_post,
    local_now,
    run_db,
    sent_to,
    set_columns,
)
from tests.fakes.telegram_api import Action, FakeTelegram

pytestmark = pytest.mark.e2e

FORBIDDEN = "Forbidden: bot is not a member of the channel chat"


def refuse(fake: FakeTelegram, method: str, times: int) -> None:
    fake.script(method, *[Action(error_code=403, description=FORBIDDEN)] * times)


def test_reschedule_cancel_edit_row_and_publish(fake_telegram: FakeTelegram,
                                                make_server) -> None:
    fake = fake_telegram
    srv = shop_server(make_server, **FAST)
    editor = Editor(fake, srv)
    pid = add_post(srv, "First text", title="Shoes", status="scheduled",
                   publish_at=datetime.now(UTC) + timedelta(days=3))
    # reschedule through the buttons: tomorrow 10:15 local
    tomorrow = (local_now() + timedelta(days=1)).date()
    day = tomorrow.strftime("%Y%m%d")
    editor.tap(cb.SchedulePost(pid).pack())
    editor.tap(cb.ScheduleDay(pid, day).pack())
    editor.tap(cb.ScheduleHour(pid, day, 10).pack())
    minutes = editor.calls("editMessageText")[-1]
    assert [label for label, d in buttons_of(minutes) if d.startswith("st:")][:2] == \
        ["10:00", "10:05"]
    editor.tap(cb.ScheduleAt(pid, f"{day}1015").pack())
    done = editor.calls("sendMessage")[-1].params["text"]
    assert f"{tomorrow.strftime('%d.%m.%Y')} 10:15" in done and TZ_NAME in done
    row = get_post(srv, pid)
    assert row["status"] == "scheduled"
    assert row["publish_at"].astimezone(local_now().tzinfo).strftime("%H:%M") == "10:15"
    # a stale past button is refused
    yesterday = (local_now() - timedelta(days=1)).strftime("%Y%m%d")
    editor.tap(cb.ScheduleAt(pid, f"{yesterday}1000").pack())
    assert texts.SCHEDULE_PAST.split("{")[0] in editor.calls("sendMessage")[-1].params["text"]
    assert get_post(srv, pid)["publish_at"] == row["publish_at"]

    # /scheduled lists it with its time in the zone and buttons
    editor.say("/scheduled")
    listed = editor.calls("sendMessage")[-1]
    assert "Shoes" in listed.params["text"] and "10:15" in listed.params["text"]
    assert cb.PreviewPost(pid).pack() in [d for _, d in buttons_of(listed)]
    assert cb.ManagePost(pid).pack() in [d for _, d in buttons_of(listed)]
    editor.tap(cb.ManagePost(pid).pack())
    card = [d for _, d in buttons_of(editor.calls("sendMessage")[-1])]
    assert cb.PublishNow(pid).pack() in card and cb.Unschedule(pid).pack() in card

    # cancel: back to the drafts
    editor.tap(cb.Unschedule(pid).pack())
    row = get_post(srv, pid)
    assert row["status"] == "draft" and row["publish_at"] is None
    editor.say(texts.MENU_SCHEDULED)
    assert editor.calls("sendMessage")[-1].params["text"] == texts.LIST_SCHEDULED_EMPTY
    editor.say("/drafts")
    assert "Shoes" in editor.calls("sendMessage")[-1].params["text"]
    editor.tap(cb.Unschedule(pid).pack())  # twice: refused politely
    assert texts.UNSCHEDULE_NOT_ALLOWED.split("{")[0] in answers(fake)[-1]

    # scheduled again, its row edited meanwhile: the channel gets the new text
    editor.tap(cb.SchedulePost(pid).pack())
    editor.tap(cb.ScheduleDay(pid, day).pack())
    editor.say("11:30")
    assert get_post(srv, pid)["status"] == "scheduled"
    run_db(srv, lambda s: s.shopping.update_post(pid, text="Second <i>text</i>",
                                                  user_id=EDITOR_ID))
    set_columns(srv, pid, publish_at=datetime.now(UTC))
    fake.wait_for(lambda: delivered(fake), timeout=15)
    time.sleep(1.5)
    assert channel_texts(fake) == ["Second <i>text</i>"]

    # publish now: a draft goes out at once, the editor gets the link
    other = add_post(srv, "Publish me now", title="Now")
    editor.tap(cb.PublishNow(other).pack())
    assert channel_texts(fake) == ["Second <i>text</i>", "Publish me now"]
    row = get_post(srv, other)
    said = editor.calls("sendMessage")[-1].params["text"]
    assert f"https://t.me/c/2000000001/{row['channel_message_id']}" in said
    editor.tap(cb.PublishNow(other).pack())  # a second press publishes nothing
    assert answers(fake)[-1] == texts.ALREADY_PUBLISHED
    assert len(delivered(fake)) == 2
    editor.say("/posts")
    listed = editor.calls("sendMessage")[-1].params["text"]
    assert "Now" in listed and "Shoes" in listed and texts.STATUS["published"] in listed
    history = [h["action"] for h in run_db(srv, lambda s: s.shopping.history(other))]
    assert history == ["created", "publish_now", "published"]


def test_update_and_delete_published(fake_telegram: FakeTelegram, make_server) -> None:
    fake = fake_telegram
    srv = shop_server(make_server)
    editor = Editor(fake, srv)
    photo = add_post(srv, "Caption one", title="Bag", media_type="photo", file_id="PHOTO1",
                     buttons=[{"label": "Buy", "url": "https://shop.example/bag"}])
    editor.tap(cb.PublishNow(photo).pack())
    [sent] = delivered(fake, "sendPhoto")
    assert sent.params["caption"] == "Caption one"
    # edit the row, then update in the channel
    run_db(srv, lambda s: s.shopping.update_post(photo, text="Caption <b>two</b>",
                                                  user_id=EDITOR_ID))
    editor.tap(cb.UpdatePublished(photo).pack())
    [edited] = delivered(fake, "editMessageCaption")
    assert edited.params["caption"] == "Caption <b>two</b>"
    assert int(edited.params["message_id"]) == get_post(srv, photo)["channel_message_id"]
    assert edited.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Buy"
    assert texts.CHANNEL_UPDATED.split(" <b>")[0] in editor.calls("sendMessage")[-1].params["text"]

    # a media post with its text sent separately: two messages to delete
    pair = add_post(srv, "Long text part", title="Pair", media_type="video", file_id="VID1",
                    separate_text=True)
    editor.tap(cb.PublishNow(pair).pack())
    row = get_post(srv, pair)
    ids = {row["channel_message_id"], row["text_message_id"]}
    assert None not in ids and len(ids) == 2
    editor.tap(cb.DeletePost(pair).pack())
    confirm = editor.calls("sendMessage")[-1]
    assert [d for _, d in buttons_of(confirm)] == [cb.ConfirmDelete(pair).pack(),
                                                   cb.KeepPost(pair).pack()]
    assert not delivered(fake, "deleteMessage")
    editor.tap(cb.KeepPost(pair).pack())
    assert get_post(srv, pair)["status"] == "published"
    editor.tap(cb.ConfirmDelete(pair).pack())
    deleted = delivered(fake, "deleteMessage")
    assert {int(c.params["message_id"]) for c in deleted} == ids and len(deleted) == 2
    assert get_post(srv, pair)["status"] == "deleted"

    # an old post: told, offered an edit, nothing deleted
    old = add_post(srv, "Old news", title="Old", status="published", channel_message_id=900,
                   published_at=datetime.now(UTC) - timedelta(hours=49))
    editor.tap(cb.DeletePost(old).pack())
    told = editor.calls("sendMessage")[-1]
    assert "48" in told.params["text"]
    assert [d for _, d in buttons_of(told)] == [cb.EditPost(old).pack()]
    # Telegram saying "message can't be deleted" (published_at unknown): the same answer
    recent = add_post(srv, "Recent", title="Recent", status="published", channel_message_id=901,
                      published_at=datetime.now(UTC) - timedelta(hours=1))
    fake.script("deleteMessage", Action(error_code=400,
                                        description="Bad Request: message can't be deleted"))
    editor.tap(cb.ConfirmDelete(recent).pack())
    told = editor.calls("sendMessage")[-1]
    assert "48" in told.params["text"]
    assert [d for _, d in buttons_of(told)] == [cb.EditPost(recent).pack()]
    assert get_post(srv, recent)["status"] == "published"
    assert get_post(srv, old)["status"] == "published"
    assert len(delivered(fake, "deleteMessage")) == 2


def test_refused_publication_retried_failed_then_retry(fake_telegram: FakeTelegram,
                                                       make_server) -> None:
    fake = fake_telegram
    srv = shop_server(make_server, **FAST, PUBLISH_ATTEMPTS="2", RETRY_BASE_SECONDS="0.05")
    editor = Editor(fake, srv)
    refuse(fake, "sendMessage", 2)
    pid = add_post(srv, "Refused twice", title="Blocked", status="scheduled",
                   publish_at=datetime.now(UTC) + timedelta(seconds=1), author=OTHER_AUTHOR)
    # first attempt refused: a retry is planned RETRY_BASE_SECONDS*30 = 1.5 s later
    fake.wait_for(lambda: get_post(srv, pid)["attempts"] == 1, timeout=15)
    row = get_post(srv, pid)
    assert row["status"] == "scheduled" and FORBIDDEN in row["last_error"]
    assert row["retry_at"] is not None
    fake.wait_for(lambda: get_post(srv, pid)["status"] == "failed", timeout=15)
    fake.wait_for(lambda: sent_to(fake, OTHER_AUTHOR), timeout=15)
    assert not delivered(fake)
    refused = [c for c in fake.calls_of("sendMessage") if str(c.params.get("chat_id")) ==
               str(CHANNEL_ID)]
    assert len(refused) == 2
    for admin in (EDITOR_ID, OTHER_AUTHOR):
        fake.wait_for(lambda a=admin: [c for c in sent_to(fake, a)
                                       if "Blocked" in c.params["text"]], timeout=10)
        [told] = [c for c in sent_to(fake, admin) if "Blocked" in c.params["text"]]
        assert FORBIDDEN in told.params["text"]
        assert cb.RetryPost(pid).pack() in [d for _, d in buttons_of(told)]
    # /scheduler shows it with its reason
    editor.say("/scheduler")
    state = editor.calls("sendMessage")[-1]
    assert "Blocked" in state.params["text"] and FORBIDDEN in state.params["text"]
    assert cb.SchedulerCleanup().pack() in [d for _, d in buttons_of(state)]
    # the retry button publishes it
    editor.tap(cb.RetryPost(pid).pack())
    assert channel_texts(fake) == ["Refused twice"]
    assert get_post(srv, pid)["status"] == "published"

    # "publish now" refused: failed at once, the reason shown, no background retry
    now_pid = add_post(srv, "Refused now", title="NowBlocked")
    refuse(fake, "sendMessage", 1)
    editor.tap(cb.PublishNow(now_pid).pack())
    said = editor.calls("sendMessage")[-1]
    assert FORBIDDEN in said.params["text"]
    assert cb.RetryPost(now_pid).pack() in [d for _, d in buttons_of(said)]
    assert get_post(srv, now_pid)["status"] == "failed"
    time.sleep(2)
    assert channel_texts(fake) == ["Refused twice"]
    # clean up: failed posts back to the drafts
    editor.tap(cb.SchedulerCleanup().pack())
    assert get_post(srv, now_pid)["status"] == "draft"
    assert texts.CLEANED.format(n=1) in answers(fake)


def test_lists_readable_with_many_posts_and_empty(fake_telegram: FakeTelegram,
                                                  make_server) -> None:
    fake = fake_telegram
    srv = shop_server(make_server)
    editor = Editor(fake, srv)
    editor.say(texts.MENU_POSTS)
    assert editor.calls("sendMessage")[-1].params["text"] == texts.LIST_POSTS_EMPTY
    editor.say("/drafts")
    assert editor.calls("sendMessage")[-1].params["text"] == texts.LIST_DRAFTS_EMPTY
    for i in range(22):
        add_post(srv, f"Body {i} <b>&amp;</b>", title=f"Draft <{i}> " + "x" * 60)
    editor.say(texts.MENU_DRAFTS)
    listed = editor.calls("sendMessage")[-1]
    assert listed.result is not None  # Telegram accepted it (HTML parsed, length fine)
    text = listed.params["text"]
    assert text.count("\n") < 60 and len(text) < 4096
    assert "Draft &lt;21&gt;" in text and "Draft &lt;1&gt;" not in text  # latest first, 20
    assert texts.LIST_MORE.format(shown=20, total=22).strip() in text
    rows = listed.params["reply_markup"]["inline_keyboard"]
    assert len(rows) == 20 and all(len(r) == 2 for r in rows)
    assert all(len(b["text"]) <= 40 for r in rows for b in r)
