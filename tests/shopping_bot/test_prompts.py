"""The prompts of the AI writer: one Armenian system prompt per format, one message list per
action, the corrective message, the fallback templates."""

from __future__ import annotations

import pytest

from shopping_bot.ai import prompts
from shopping_bot.ai.answers import script_share
from shopping_bot.render import CAPTION_LIMIT, visible_length
from tests.fakes.openai_api import default_content

TEXT = "🛍 <b>Նոր կոշիկներ</b> 5000 դրամ"


@pytest.mark.parametrize("post_format", prompts.FORMATS)
def test_each_format_has_an_armenian_system_prompt(post_format: str) -> None:
    guidance = prompts.FORMAT_PROMPTS[post_format]
    system = prompts.system_prompt(post_format)
    assert guidance in system
    assert script_share(guidance, "hy") >= 0.9
    for part in ("Տոնը", "Կառուցվածքը", "Էմոջիները", "Երկարությունը", "կոչ"):
        assert part in guidance, part
    assert "<b>" in system and "<i>" in system and str(CAPTION_LIMIT) in system
    assert '"text"' in system and '"buttons"' in system and "3 կոճակ" in system


def test_formats_differ_and_unknown_falls_back_to_product() -> None:
    assert set(prompts.FORMAT_PROMPTS) == {"product", "sale", "collection", "tip"}
    assert len({prompts.system_prompt(f) for f in prompts.FORMATS}) == 4
    assert prompts.system_prompt("nonsense") == prompts.system_prompt("product")


def test_generate_messages_carry_the_keywords() -> None:
    system, user = prompts.generate_messages("tip", "  ձմեռային վերարկու  ")
    assert system == {"role": "system", "content": prompts.system_prompt("tip")}
    assert user["role"] == "user"
    assert "Բանալի բառեր՝ ձմեռային վերարկու" in user["content"]


def test_improve_shorten_translate_review_messages() -> None:
    _, improve = prompts.improve_messages(TEXT, "ավելացրու գինը", "sale")
    assert "Հրահանգ՝ ավելացրու գինը" in improve["content"] and TEXT in improve["content"]
    _, shorten = prompts.shorten_messages(TEXT, 300, "product")
    assert "Սահմանը՝ 300 նիշ" in shorten["content"] and TEXT in shorten["content"]
    for language, name in prompts.LANGUAGE_NAMES.items():
        system, user = prompts.translate_messages(TEXT, language)
        assert f"({language})" in user["content"] and TEXT in user["content"]
        assert f"Գրիր միայն {name}" in system["content"]
    system, user = prompts.review_messages(TEXT, "collection")
    assert prompts.FORMAT_PROMPTS["collection"] in system["content"]
    assert '"score"' in system["content"] and '"suggestions"' in system["content"]
    assert '"buttons"' not in system["content"] and TEXT in user["content"]


def test_the_fake_reads_the_prompts_as_written() -> None:
    """tests/fakes/openai_api.py answers from this wording: keep them in step."""
    def body(messages: list[dict]) -> dict:
        return {"model": "m", "messages": messages}

    assert '"score"' in default_content(body(prompts.review_messages(TEXT, "tip")))
    assert "Отличный" in default_content(body(prompts.translate_messages(TEXT, "ru")))
    assert "great choice" in default_content(body(prompts.translate_messages(TEXT, "en")))
    assert "կարմիր պայուսակ" in default_content(
        body(prompts.generate_messages("product", "կարմիր պայուսակ")))


def test_correction_message_names_the_problem() -> None:
    message = prompts.correction_message("script_hy")
    assert message["role"] == "user" and "հայերեն չէր" in message["content"]
    assert "JSON" in message["content"]
    assert prompts.correction_message("whatever")["content"]


@pytest.mark.parametrize("post_format", prompts.FORMATS)
def test_templates(post_format: str) -> None:
    text = prompts.template_text(post_format, "  Zara   <jeans> & co ")
    assert "Zara &lt;jeans&gt; &amp; co" in text
    assert script_share(text, "hy") >= 0.6 and visible_length(text) <= CAPTION_LIMIT
    assert prompts.template_text(post_format, "")  # no keywords: still a usable draft
