"""Study partners end to end: 7 students join, pairs form as they arrive, the odd one waits;
then students leave and rejoin, and nobody is paired again with a former partner while someone
else is waiting. A partner without a username gets a relayed hello instead of a link."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from avap_bot import texts
from tests.e2e.avap import ADMIN_ID, Chat, add_verified_student, avap_server, db, wait_done
from tests.e2e.conftest import AVAP_TOKEN, ServerProcess, post_update
from tests.fakes import updates
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e

_ids = itertools.count(60_000)
NO_USERNAME = 807


def _user(uid: int) -> dict[str, Any]:
    u: dict[str, Any] = {"id": uid, "is_bot": False, "first_name": f"Stu{uid}",
                         "language_code": "en"}
    if uid != NO_USERNAME:
        u["username"] = f"u{uid}"
    return u


def _deliver(fake: FakeTelegram, srv: ServerProcess, uid: int, update: dict[str, Any]) -> None:
    """Post ``update`` as sent by ``uid`` (the user of ``_user``) and wait until it was handled."""
    update["message" if "message" in update else "callback_query"]["from"] = _user(uid)
    assert post_update(fake, srv, "avap", update).status_code == 200
    wait_done(fake, srv, update["update_id"])


def say(fake: FakeTelegram, srv: ServerProcess, uid: int, text: str) -> None:
    update_id = next(_ids)
    _deliver(fake, srv, uid, updates.message(update_id, text, user_id=uid))


def press(fake: FakeTelegram, srv: ServerProcess, uid: int, data: str) -> None:
    update_id = next(_ids)
    _deliver(fake, srv, uid, updates.callback(update_id, data, user_id=uid))


def join(fake: FakeTelegram, srv: ServerProcess, uid: int, module: int = -1) -> None:
    """Menu "Find a study partner", then a module button (-1: any module)."""
    say(fake, srv, uid, texts.MENU_PARTNER)
    assert fake.sent_texts(uid, AVAP_TOKEN)[-1] == texts.PARTNER_PICK_MODULE
    press(fake, srv, uid, f"pm:{module}")


def pairs(srv: ServerProcess) -> list[frozenset[int]]:
    with db(srv) as conn:
        return [frozenset((r[0], r[1])) for r in conn.execute(
            "SELECT user_a, user_b FROM match_pairs ORDER BY id")]


def pool(srv: ServerProcess) -> set[int]:
    with db(srv) as conn:
        return {r[0] for r in conn.execute("SELECT telegram_id FROM match_pool")}


def link_sent(fake: FakeTelegram, to: int, partner: int) -> bool:
    """``to`` got a message with a button opening a chat with ``partner``."""
    for c in fake.calls_of("sendMessage", AVAP_TOKEN):
        if int(c.params.get("chat_id", 0)) != to:
            continue
        markup = c.params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            if any(b.get("url") == f"https://t.me/u{partner}" for b in row):
                return True
    return False


def test_seven_students_pair_as_they_arrive_and_never_repeat(fake_telegram: FakeTelegram,
                                                             make_server) -> None:
    fake = fake_telegram
    srv = avap_server(make_server)
    students = [801, 802, 803, 804, 805, NO_USERNAME, 806]
    for s in students:
        add_verified_student(srv, s, name=f"Student {s}")

    expected: list[frozenset[int]] = []
    for i, s in enumerate(students):
        join(fake, srv, s)
        if i % 2 == 1:
            expected.append(frozenset((students[i - 1], s)))
            assert pool(srv) == set()
        else:
            assert pool(srv) == {s}
            assert fake.sent_texts(s, AVAP_TOKEN)[-1] == texts.PARTNER_WAITING.format(module="")
        assert pairs(srv) == expected
    assert pool(srv) == {806}  # the odd one waits

    # each got a button to the other (the partner's through the outbox)
    fake.wait_for(lambda: link_sent(fake, 801, 802) and link_sent(fake, 802, 801)
                  and link_sent(fake, 803, 804) and link_sent(fake, 804, 803))
    # 807 has no username: 807 gets a link to 805; 805 is asked for a hello, which is relayed
    fake.wait_for(lambda: link_sent(fake, NO_USERNAME, 805))
    fake.wait_for(lambda: any("no public username" in t for t in fake.sent_texts(805, AVAP_TOKEN)))
    say(fake, srv, 805, "Hi! Study on Tuesdays?")
    fake.wait_for(lambda: any(t.startswith("👋 A hello from your study partner")
                              and "Study on Tuesdays?" in t
                              for t in fake.sent_texts(NO_USERNAME, AVAP_TOKEN)))
    assert link_sent(fake, NO_USERNAME, 805)

    # the admins see the pool in /stats
    admin = Chat(fake, srv, ADMIN_ID)
    uid = admin.send("/stats")
    wait_done(fake, srv, uid)
    assert texts.STATS_POOL.format(n=1) in admin.texts()[-1]

    # leaving and rejoining
    say(fake, srv, 806, "/unmatch")
    assert fake.sent_texts(806, AVAP_TOKEN)[-1] == texts.UNMATCH_DONE
    say(fake, srv, 806, "/unmatch")
    assert fake.sent_texts(806, AVAP_TOKEN)[-1] == texts.UNMATCH_NOT_IN
    assert pool(srv) == set()
    join(fake, srv, 802, module=0)  # module 1 only
    join(fake, srv, 803, module=1)  # module 2 only: does not fit 802, both wait
    assert pool(srv) == {802, 803}
    # 801 (any module): 802 waited longer but was 801's partner; 803 is new
    join(fake, srv, 801)
    assert pairs(srv)[-1] == frozenset((801, 803)) and pool(srv) == {802}
    join(fake, srv, 804, module=0)  # 802 was never 804's partner
    assert pairs(srv)[-1] == frozenset((802, 804)) and pool(srv) == set()
    join(fake, srv, 805)
    join(fake, srv, 806)  # 805 waits, 806 is new to them
    assert pairs(srv)[-1] == frozenset((805, 806))
    join(fake, srv, NO_USERNAME)
    join(fake, srv, 803)  # 803 and 807 never met
    assert pairs(srv)[-1] == frozenset((803, NO_USERNAME))

    made = pairs(srv)
    assert len(made) == 7 and len(set(made)) == len(made)  # nobody paired twice with the same


def test_non_students_cannot_join(fake_telegram: FakeTelegram, make_server) -> None:
    fake = fake_telegram
    srv = avap_server(make_server)
    say(fake, srv, 901, texts.MENU_PARTNER)
    assert fake.sent_texts(901, AVAP_TOKEN)[-1] != texts.PARTNER_PICK_MODULE
    say(fake, srv, 901, "/tips_off")
    assert fake.sent_texts(901, AVAP_TOKEN)[-1] == texts.STUDENTS_ONLY
    assert pool(srv) == set()
