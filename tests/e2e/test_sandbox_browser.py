"""The sandbox in a real browser (issue 15, acceptance 2): Debian's chromium, driven by
Playwright for Python (``executable_path``; Playwright's own browsers are never downloaded),
walks the README's first command's server as a person would:

a student verifies and the admin approves her in the verification group; she submits an
assignment and the admin grades it by replying to the card; the editor drafts a post (the
template: no OpenAI key), publishes it and it appears in the channel with its button; the editor
schedules a second post and the clock panel publishes it.

A screenshot of each step is kept in ``test-artifacts/sandbox-browser/`` (gitignored). Without
chromium (or Playwright) the test is skipped, unless ``REQUIRE_BROWSER`` is set (as in CI):
then it fails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from avap_bot import callbacks as acb
from avap_bot import texts as atexts
from shopping_bot import callbacks as scb
from tests.e2e.conftest import ServerProcess
from tests.e2e.sandbox import sandbox_process
from tests.service_env import REPO

pytestmark = pytest.mark.e2e

ARTIFACTS = REPO / "test-artifacts" / "sandbox-browser"
ANN, ADMIN, EDITOR = 301, 9001, 7001
VERIFICATION, ASSIGNMENTS, CHANNEL = "g-1001000000001", "g-1001000000002", "g-1002000000001"
WAIT_MS = 30_000


def chromium_path() -> str | None:
    """Debian's chromium, where the package puts it."""
    return shutil.which("chromium") or next(
        (p for p in ("/usr/bin/chromium", "/usr/lib/chromium/chromium") if os.path.exists(p)),
        None)


@pytest.fixture
def browser() -> Iterator[Any]:
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        executable = None
    if executable is None:
        why = "Debian's chromium (apt-get install chromium) and Playwright are needed"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"REQUIRE_BROWSER is set: {why}")
        pytest.skip(why)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable,
                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[ServerProcess]:
    srv = sandbox_process(tmp_path).start()  # `python -m shared`, as the README runs it
    try:
        yield srv
    finally:
        srv.stop()


class Person:
    """The page, acting as one person after another."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.shots = 0

    def act_as(self, person: int, chat: str) -> None:
        self.page.click(f"#people [data-person='{person}']")
        self.page.locator(f"#chats [data-chat='{chat}']").click()
        self.page.wait_for_selector(f"#messages[data-chat='{chat}']")
        self.page.wait_for_selector(f"#chats .chat-item.active[data-chat='{chat}']")

    def say(self, text: str) -> None:
        self.page.fill("#composer-input", text)
        self.page.press("#composer-input", "Enter")

    def message(self, text: str) -> Any:
        """The last message showing ``text`` (waited for)."""
        found = self.page.locator("#messages .msg", has_text=text).last
        found.wait_for(timeout=WAIT_MS)
        return found

    def press(self, data: str) -> None:
        """Press the inline button with that callback data (the last one shown)."""
        button = self.page.locator(f"#messages .inline-btn[data-data='{data}']").last
        button.wait_for(timeout=WAIT_MS)
        button.click()

    def draft_from_template(self, post: int, post_format: str, keywords: str,
                            button: str | None) -> None:
        """As the editor: /new, a post of ``post_format`` from ``keywords``, the template's text
        as it is (no OpenAI key), no media, one ``button`` ("Label - URL") or none, the title
        offered; post number ``post`` then waits to be published or scheduled."""
        self.act_as(EDITOR, f"pshopping:{EDITOR}")
        self.say("/new")
        self.press(scb.ComposeFormat(0, post_format).pack())
        self.say(keywords)
        self.press(scb.ComposeText(post, "tpl").pack())
        self.press(scb.ComposeText(post, "ok").pack())
        self.press(scb.ComposeMedia(post, "none").pack())
        if button is None:
            self.press(scb.ComposeButtons(post, "none").pack())
        else:
            self.say(button)
            self.press(scb.ComposeButtons(post, "done").pack())
        self.press(scb.ComposeTitle(post).pack())

    def shot(self, name: str) -> None:
        self.shots += 1
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{self.shots:02d}-{name}.png"))


def first_line(text: str) -> str:
    return text.split("\n")[0]


def test_the_avap_and_shop_walk_in_a_browser(browser: Any, sandbox: ServerProcess) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 860})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(sandbox.url + "/")
    me = Person(page)

    # 1. a student on the buyers' list verifies with her email
    me.act_as(ANN, f"pavap:{ANN}")
    me.say("/start")
    me.message(first_line(atexts.WELCOME_NEW))
    assert page.locator("#keyboard .kb-btn[data-contact='1']").count() == 1  # share my contact
    me.say("ann@example.com")
    me.message(atexts.VERIFY_MATCHED.format(name="Ann Student")[:40])
    me.shot("student-verifies")

    # 2. the admin approves her in the verification group
    me.act_as(ADMIN, VERIFICATION)
    card = me.message("Verification request #1")
    assert "an***@example.com" in card.inner_text()
    me.press(acb.Approve(1).pack())
    me.message("Approved by")
    assert page.locator(f"#messages .inline-btn[data-data='{acb.Approve(1).pack()}']").count() == 0
    me.shot("admin-approves-in-the-verification-group")

    # 3. the student hears it and submits an assignment
    me.act_as(ANN, f"pavap:{ANN}")
    me.message(first_line(atexts.VERIFY_APPROVED.format(name="Ann Student")))
    page.locator("#keyboard .kb-btn", has_text=atexts.MENU_SUBMIT).click()
    me.press(acb.PickModule(0).pack())
    me.press(acb.PickKind("text").pack())
    me.say("My essay for module 1: three pages on pacing.")
    me.press(acb.ConfirmSubmission(1).pack())
    me.message("Your submission #1 for module 1")
    me.shot("student-submits-an-assignment")

    # 4. the admin grades it by replying to the card
    me.act_as(ADMIN, ASSIGNMENTS)
    card = me.message("Submission #1")
    card.hover()
    card.locator(".reply-btn").click()
    assert page.locator("#replying").is_visible()
    me.say("/grade 8 Great work")
    me.message(atexts.GRADE_DONE.format(id=1, score=8))
    me.shot("admin-grades-by-replying-to-the-card")
    me.act_as(ANN, f"pavap:{ANN}")
    me.message("was graded: 8/10")
    me.shot("student-gets-the-grade")

    # 5. the editor drafts a post from the template (no OpenAI key) and publishes it
    me.draft_from_template(1, "product", "Nike Air Max 90, 45000 AMD, Yerevan Mall",
                           "Buy - https://shop.example/item")
    me.press(scb.PublishNow(1).pack())
    me.shot("editor-publishes-a-post")
    me.act_as(EDITOR, CHANNEL)
    post = me.message("Nike Air Max 90")
    button = post.locator("a.inline-btn", has_text="Buy")
    assert "/r/" in (button.get_attribute("href") or "")  # through the click counter
    me.shot("the-post-in-the-channel-with-its-button")

    # 6. a second post, scheduled with the calendar; the clock panel publishes it
    me.draft_from_template(2, "sale", "Winter sale: 30% off all jackets", None)
    me.press(scb.SchedulePost(2).pack())
    page.locator("#messages .inline-btn[data-data^='sd:2:']").first.click()
    page.locator("#messages .inline-btn[data-data^='sh:2:']").last.click()
    page.locator("#messages .inline-btn[data-data^='st:2:']").last.click()
    me.message("✅")
    me.shot("editor-schedules-a-post")
    me.act_as(EDITOR, CHANNEL)
    assert page.locator("#messages .msg", has_text="Winter sale").count() == 0
    page.click("#clock-next")
    me.message("Winter sale")
    page.wait_for_selector("#clock:has-text('moved')")
    me.shot("the-clock-panel-publishes-the-scheduled-post")

    # 7. the inspector shows the update behind a message and the handler's outcome
    me.act_as(ANN, f"pavap:{ANN}")
    me.message("/start").locator(".bubble").click()
    page.wait_for_selector("#inspector:has-text('\"outcome\": \"done\"')")
    assert '"handler": "start"' in page.inner_text("#inspector")
    me.shot("the-inspector")
    me.act_as(ADMIN, ASSIGNMENTS)  # a card: the Bot API calls that made and edited it
    card = page.locator("#messages .msg", has_text="Graded 8/10 by").first
    card.locator(".bubble").click()
    page.wait_for_selector("#inspector:has-text('editMessageText')")
    assert '"method": "sendMessage"' in page.inner_text("#inspector")
    me.shot("the-inspector-on-a-card")  # docs/sandbox.png (the README's picture)
    assert errors == []
    # every call the bots made in the walk followed the Bot API description
    assert httpx.get(f"{sandbox.url}/sandbox/api/violations", timeout=10).json() == {
        "ok": True, "violations": []}
