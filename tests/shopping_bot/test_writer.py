"""The AI writer against a fake OpenAI server over real HTTP: prompts, retries, time limit,
checks and the one regeneration, parsing, the fallback template, the lazy import."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator

import pytest

from shared.config import Settings, load_settings
from shared.services import Services
from shopping_bot import texts
from shopping_bot.ai import prompts
from shopping_bot.ai.answers import Draft, Review, clean_html, script_share
from shopping_bot.ai.writer import AIUnavailable, Writer, template_draft, writer_for
from shopping_bot.render import visible_length
from tests.fakes.openai_api import FakeOpenAI, Reply
from tests.imports import heavy_imports

KEY = "sk-test-openai"
MODEL = "gpt-test-mini"
HY_TEXT = ("🛍 <b>Նոր կոշիկներ</b>\n\nՀարմարավետ և թեթև կոշիկներ ամեն օրվա համար։ "
           "Պատվիրե՛ք հիմա 👉")


def answer(text: str = HY_TEXT, buttons: list | None = None) -> str:
    return json.dumps({"text": text, "buttons": buttons or []}, ensure_ascii=False)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAI]:
    # The writer imports the SDK on its first call, inside the call's time limit: whichever test
    # comes first in a process (any one, under xdist) would otherwise spend its limit importing
    # (1 s in test_a_slow_answer_times_out; under load even the 5 s of the others ran out).
    import openai  # noqa: F401
    with FakeOpenAI(KEY) as fake:
        yield fake


@pytest.fixture
def fake(server: FakeOpenAI) -> FakeOpenAI:
    """The module's server, reset for each test."""
    server.requests.clear()
    server._queue.clear()
    server.responder = None
    return server


def settings_for(fake: FakeOpenAI | None, timeout: float = 5, key: str | None = KEY) -> Settings:
    env: dict[str, object] = {"OPENAI_MODEL": MODEL, "OPENAI_TIMEOUT_SECONDS": timeout}
    if key is not None:
        env["OPENAI_API_KEY"] = key
    if fake is not None:
        env["OPENAI_BASE_URL"] = fake.url
    return load_settings(_env_file=None, **env)


@pytest.fixture
async def writer(fake: FakeOpenAI) -> Iterator[Writer]:
    w = Writer(settings_for(fake))
    yield w
    await w.close()


# --- each action sends its own prompt ----------------------------------------------------------
async def test_generate_sends_the_format_prompt_and_the_keywords(fake, writer) -> None:
    draft = await writer.generate("sale", "Adidas պայուսակներ −30%")
    assert isinstance(draft, Draft) and draft.source == "ai"
    assert "Adidas պայուսակներ −30%" in draft.text
    assert [b["url"] for b in draft.buttons] == ["https://shop.example/1",
                                                 "https://shop.example/2"]
    (body,) = fake.requests
    assert body["model"] == MODEL
    assert body["response_format"] == {"type": "json_object"}
    system, user = body["messages"]
    assert system["role"] == "system" and prompts.FORMAT_PROMPTS["sale"] in system["content"]
    assert prompts.FORMAT_PROMPTS["product"] not in system["content"]
    assert user["role"] == "user" and "Adidas պայուսակներ −30%" in user["content"]


async def test_every_action_has_its_own_prompt(fake, writer) -> None:
    await writer.generate("product", "կոշիկ")
    await writer.improve(HY_TEXT, "ավելի պաշտոնական", "collection")
    await writer.translate(HY_TEXT, "en")
    await writer.shorten(HY_TEXT, 40, "tip")
    await writer.review(HY_TEXT, "sale")
    generate, improve, translate, shorten, review = fake.prompts()
    assert prompts.FORMAT_PROMPTS["collection"] in improve[0]["content"]
    assert "ավելի պաշտոնական" in improve[1]["content"] and HY_TEXT in improve[1]["content"]
    assert "(en)" in translate[1]["content"] and HY_TEXT in translate[1]["content"]
    assert "անգլերեն" in translate[0]["content"]
    assert prompts.FORMAT_PROMPTS["tip"] in shorten[0]["content"]
    assert "40 նիշ" in shorten[1]["content"]
    assert prompts.FORMAT_PROMPTS["sale"] in review[0]["content"]
    assert '"score"' in review[0]["content"] and HY_TEXT in review[1]["content"]
    users = [p[1]["content"] for p in (generate, improve, translate, shorten, review)]
    systems = [p[0]["content"] for p in (generate, improve, translate, shorten, review)]
    assert len(set(users)) == 5 and len(set(systems)) == 5
    assert all(b["model"] == MODEL and b["response_format"] == {"type": "json_object"}
               for b in fake.requests)


async def test_translation_is_checked_in_the_target_script(fake, writer) -> None:
    ru = await writer.translate(HY_TEXT, "ru")
    assert script_share(ru.text, "ru") > 0.9
    fake.script(answer("Great shoes for every day. Order now!"))
    en = await writer.translate(HY_TEXT, "en")
    assert en.text.startswith("Great shoes")
    back = await writer.translate(en.text, "hy")
    assert script_share(back.text, "hy") >= 0.6


async def test_review_is_parsed_and_clamped(fake, writer) -> None:
    review = await writer.review(HY_TEXT, "product")
    assert isinstance(review, Review) and review.score == 8 and len(review.suggestions) == 3
    fake.script(json.dumps({"score": 15, "suggestions": [f"Առաջարկ համար {i}" for i in
                                                        range(8)]}, ensure_ascii=False),
                json.dumps({"score": 0, "suggestions": ["Ավելացրեք գինը"]},
                           ensure_ascii=False),
                "Գնահատական՝ 7/10\n- Կրճատեք վերնագիրը\n- Ավելացրեք գինը")
    high = await writer.review(HY_TEXT, "product")
    assert high.score == 10 and len(high.suggestions) == 5
    assert (await writer.review(HY_TEXT, "product")).score == 1
    plain = await writer.review(HY_TEXT, "product")
    assert plain == Review(7, ["Կրճատեք վերնագիրը", "Ավելացրեք գինը"])


# --- retries and the time limit ----------------------------------------------------------------
async def test_429_then_success_gives_one_draft(fake, writer) -> None:
    fake.script(Reply(status=429, retry_after=0.05), answer())
    draft = await writer.generate("product", "կոշիկ")
    assert draft.text == HY_TEXT
    assert len(fake.requests) == 2


async def _failed_generation(fake: FakeOpenAI, timeout: float) -> tuple[float, str]:
    """A draft asked of a writer with time limit ``timeout`` that must fail: (seconds taken,
    the message for the editor)."""
    w = Writer(settings_for(fake, timeout=timeout))
    started = time.monotonic()
    with pytest.raises(AIUnavailable) as info:
        await w.generate("product", "կոշիկ")
    elapsed = time.monotonic() - started
    await w.close()
    return elapsed, str(info.value)


async def test_server_errors_until_the_limit(fake) -> None:
    fake.script(*[Reply(status=500)] * 20)
    elapsed, message = await _failed_generation(fake, timeout=2)
    assert elapsed < 2.5
    assert message in (texts.AI_FAILED, texts.AI_TIMEOUT)
    assert 2 <= len(fake.requests) <= 3  # the first try and the SDK's retries, with backoff


async def test_a_slow_answer_times_out(fake) -> None:
    fake.script(*[Reply(content=answer(), delay=3)] * 3)
    elapsed, message = await _failed_generation(fake, timeout=1)
    assert 0.9 <= elapsed < 1.6
    assert message == texts.AI_TIMEOUT


async def test_a_wrong_key_fails_without_retrying(fake) -> None:
    w = Writer(settings_for(fake, key="sk-wrong"))
    with pytest.raises(AIUnavailable) as info:
        await w.generate("product", "կոշիկ")
    await w.close()
    assert str(info.value) == texts.AI_FAILED
    assert fake.requests == []  # refused at the door: 401 is not retried, nothing recorded


async def test_no_key_means_no_request(fake) -> None:
    w = Writer(settings_for(fake, key=None))
    assert not w.enabled
    for call in (w.generate("product", "կոշիկ"), w.improve(HY_TEXT, "կարճ", "product"),
                 w.translate(HY_TEXT, "ru"), w.shorten(HY_TEXT, 100, "product"),
                 w.review(HY_TEXT, "product")):
        with pytest.raises(AIUnavailable) as info:
            await call
        assert str(info.value) == texts.AI_NO_KEY
    assert fake.requests == []
    await w.close()


# --- checks and the one regeneration -----------------------------------------------------------
async def test_a_latin_answer_is_regenerated_once(fake, writer) -> None:
    fake.script(answer("New shoes, very comfortable, order now!"), answer())
    draft = await writer.generate("product", "կոշիկ")
    assert draft.text == HY_TEXT
    first, second = fake.prompts()
    assert second[:-1] == first
    assert second[-1]["role"] == "user" and "հայերեն" in second[-1]["content"]


async def test_twice_wrong_is_unavailable(fake, writer) -> None:
    fake.script(answer("New shoes, order now!"), answer("Still English, sorry."),
                answer())
    with pytest.raises(AIUnavailable) as info:
        await writer.generate("product", "կոշիկ")
    assert str(info.value) == texts.AI_BAD_ANSWER
    assert len(fake.requests) == 2


async def test_empty_and_too_long_answers_are_regenerated(fake, writer) -> None:
    fake.script(answer(""), answer())
    assert (await writer.improve(HY_TEXT, "կարճ", "product")).text == HY_TEXT
    fake.script(answer("Ա" * 5000), answer())
    assert (await writer.generate("product", "կոշիկ")).text == HY_TEXT
    fake.script(answer(HY_TEXT), answer("Կարճ է"))
    short = await writer.shorten(HY_TEXT, 20, "product")
    assert short.text == "Կարճ է" and visible_length(short.text) <= 20
    assert len(fake.requests) == 6


async def test_default_shorten_answer_fits(fake, writer) -> None:
    draft = await writer.shorten(HY_TEXT * 20, 100, "product")
    assert 0 < visible_length(draft.text) <= 100


# --- parsing -----------------------------------------------------------------------------------
async def test_a_non_json_answer_is_all_text(fake, writer) -> None:
    fake.script("🛍 **Նոր կոշիկներ**\nՀարմարավետ և թեթև՝ ամեն օրվա համար <br> 5000 < 7000 դրամ")
    draft = await writer.generate("product", "կոշիկ")
    assert draft.buttons == []
    assert draft.text == ("🛍 <b>Նոր կոշիկներ</b>\nՀարմարավետ և թեթև՝ ամեն օրվա համար\n"
                          " 5000 &lt; 7000 դրամ")


async def test_bad_buttons_are_dropped(fake, writer) -> None:
    fake.script(answer(buttons=[
        {"label": "Գնել", "url": "javascript:alert(1)"},
        {"label": "Գրել", "url": "tg://resolve?domain=x"},
        {"label": "", "url": "https://ok.example"},
        {"label": "Ա" * 41, "url": "https://ok.example"},
        {"label": "Կայք", "url": "ftp://files.example"},
        {"label": "Պատվիրել", "url": "https://shop.example/a"},
        {"label": "<b>Մանրամասներ</b>", "url": "http://shop.example/b"},
        "not a button",
        {"label": "Զանգ", "url": "https://shop.example/c"},
        {"label": "Չորրորդ", "url": "https://shop.example/d"},
    ]))
    draft = await writer.generate("product", "կոշիկ")
    assert draft.buttons == [{"label": "Պատվիրել", "url": "https://shop.example/a"},
                             {"label": "Մանրամասներ", "url": "http://shop.example/b"},
                             {"label": "Զանգ", "url": "https://shop.example/c"}]


def test_clean_html_keeps_only_b_and_i() -> None:
    assert clean_html("<strong>Ա</strong> <em>Բ</em> <u>Գ</u> <a href='x'>Դ</a>") == \
        "<b>Ա</b> <i>Բ</i> Գ Դ"
    assert clean_html("<b>Ա <i>Բ</b> Գ</i>") == "<b>Ա <i>Բ</i></b><i> Գ</i>"
    assert clean_html("<b>Ա") == "<b>Ա</b>"
    assert clean_html("Ա & Բ &amp; Գ") == "Ա &amp; Բ &amp; Գ"
    assert clean_html("</i>Ա<p>Բ</p>") == "ԱԲ"


# --- the fallback and the wiring ---------------------------------------------------------------
@pytest.mark.parametrize("post_format", prompts.FORMATS)
def test_template_draft_is_armenian_with_escaped_keywords(post_format: str) -> None:
    draft = template_draft(post_format, "Nike <Air> & Co 25000֏")
    assert draft.source == "template" and draft.buttons == []
    assert "Nike &lt;Air&gt; &amp; Co 25000֏" in draft.text
    assert script_share(draft.text, "hy") >= 0.6
    assert visible_length(draft.text) <= 1024
    assert visible_length(template_draft(post_format, "բառ " * 1000).text) <= 1024


def test_writer_for_caches_one_writer() -> None:
    services = Services(settings=settings_for(None, key=None), storage=None, chats=None,  # type: ignore[arg-type]
                        alerts=None, outbox=None, instance="test")  # type: ignore[arg-type]
    first = writer_for(services)
    assert writer_for(services) is first and services.client(Writer, lambda: None) is first


def test_importing_the_writer_does_not_import_openai() -> None:
    assert heavy_imports(["shopping_bot.ai", "shopping_bot.ai.writer", "shopping_bot.ai.prompts"],
                         ["openai"]) == []


async def test_one_log_line_per_call_without_the_texts(fake, writer, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    fake.script(answer("Latin only, a wrong answer"), answer())
    await writer.generate("product", "գաղտնի-բառ-7731")
    lines = [r for r in caplog.records if r.name == "shopping_bot.ai.writer"]
    assert len(lines) == 1
    assert (lines[0].action, lines[0].model, lines[0].outcome, lines[0].attempts) == \
        ("generate", MODEL, "ok", 2)
    assert lines[0].duration_ms >= 0
    assert "7731" not in caplog.text and "Նոր կոշիկներ" not in caplog.text
    assert KEY not in caplog.text
