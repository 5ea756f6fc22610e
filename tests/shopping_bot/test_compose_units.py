"""The compose flow's pure helpers: CTA lines, URLs, titles, and its keyboards."""

from __future__ import annotations

import pytest

from shopping_bot import callbacks as cb
from shopping_bot import compose_keyboards as ck
from shopping_bot import texts
from shopping_bot.handlers.compose import (
    CTAError,
    _refusal,
    auto_title,
    parse_buttons,
    valid_url,
)


def test_cta_lines_label_dash_url() -> None:
    assert parse_buttons("Գնել հիմա - https://shop.am/x\n\n  T-shirt — https://my-shop.am/a?b=1 "
                         "\nSite|http://shop.am") == [
        {"label": "Գնել հիմա", "url": "https://shop.am/x"},
        {"label": "T-shirt", "url": "https://my-shop.am/a?b=1"},
        {"label": "Site", "url": "http://shop.am"}]
    assert parse_buttons("Buy - now - https://shop.am") == [
        {"label": "Buy - now", "url": "https://shop.am"}]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://shop.am/f", "tg://resolve?d=x",
                                 "https://", "http:///path", "mailto:a@b.am", "shop.am",
                                 "https://sh op.am", "data:text/html,<b>x</b>"])
def test_cta_refuses_what_is_not_http_with_a_host(url: str) -> None:
    assert not valid_url(url)
    with pytest.raises(CTAError) as err:
        parse_buttons(f"Buy - {url}")
    assert "<b>" not in str(err.value)  # the editor's input is escaped


def test_cta_refuses_bad_lines_and_labels() -> None:
    with pytest.raises(CTAError, match="Չհասկացա"):
        parse_buttons("https://my-shop.am")
    with pytest.raises(CTAError, match="Չհասկացա"):
        parse_buttons("   \n ")
    with pytest.raises(CTAError) as err:
        parse_buttons("x" * 41 + " - https://shop.am")
    assert str(err.value) == texts.COMPOSE_CTA_BAD_LABEL.format(max=40, label="x" * 41)
    # all or nothing: a good line before a bad one is not kept
    with pytest.raises(CTAError):
        parse_buttons("Good - https://shop.am\nBad - javascript:void(0)")


def test_valid_urls() -> None:
    for url in ("https://shop.am", "http://127.0.0.1:8000/x?y=1#z", "HTTPS://Shop.AM/path"):
        assert valid_url(url), url


def test_auto_title() -> None:
    assert auto_title("<b>Nike &amp; Adidas</b>\nsecond line") == "Nike & Adidas"
    assert auto_title("\n\n  <i></i>\n  Hello   world  ") == "Hello world"
    long = auto_title("Ա" * 100)
    assert len(long) == 60 and long.endswith("…")
    assert auto_title(None) == "" and auto_title("<b></b>") == ""


def test_refusal_by_status_and_field() -> None:
    assert _refusal(None) == texts.POST_NOT_FOUND
    assert _refusal({"status": "draft"}, "media") is None
    assert _refusal({"status": "published"}, "media") == texts.COMPOSE_FIELD_LOCKED
    assert _refusal({"status": "published"}, "text") is None
    assert _refusal({"status": "publishing"}, "text").startswith("Այս գրառումն")
    assert _refusal({"status": "deleted"}) is not None


def _data(markup) -> list[str]:
    return [b.callback_data for row in markup.inline_keyboard for b in row]


def test_keyboards_pack_and_parse() -> None:
    assert _data(ck.formats(0)) == ["cf:0:product", "cf:0:sale", "cf:0:collection", "cf:0:tip"]
    assert cb.ComposeFormat.parse("cf:12:sale") == cb.ComposeFormat(12, "sale")
    assert _data(ck.text_round(5, has_text=False, ai=False)) == ["ct:5:own", "ct:5:tpl"]
    assert _data(ck.text_round(5, has_text=True, ai=True)) == [
        f"ct:5:{a}" for a in ("ok", "regen", "improve", "ru", "en", "hy", "review", "own")]
    assert _data(ck.fit(5, ai=False, can_separate=False)) == ["cl:5:own"]
    assert _data(ck.edit_menu({"id": 7, "status": "published"})) == [
        "ce:7:text", "ce:7:buttons", "ce:7:title", "pv:7"]
    assert len(_data(ck.edit_menu({"id": 7, "status": "scheduled"}))) == 7
    for markup in (ck.media(2**40), ck.cta(2**40, suggested=True, current=True), ck.title(1)):
        for data in _data(markup):
            assert len(data.encode()) <= 64
