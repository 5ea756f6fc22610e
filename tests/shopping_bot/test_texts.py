"""The shopping bot's label tables are complete: each key a keyboard or a status can produce has
its text."""

from shopping_bot import texts
from shopping_bot.storage.status import PostAction, PostStatus


def test_every_post_status_has_its_label() -> None:
    assert set(texts.STATUS) == set(PostStatus)


def test_every_life_cycle_action_has_its_label_in_the_history() -> None:
    assert set(texts.HISTORY_ACTIONS) == set(PostAction)


def test_every_media_kind_has_its_button_prompt_and_reminder() -> None:
    assert list(texts.BTN_C_MEDIA) == ["photo", "video", "animation"]
    assert set(texts.COMPOSE_SEND_MEDIA) == set(texts.BTN_C_MEDIA)
    assert set(texts.COMPOSE_MEDIA_EXPECTED) == set(texts.BTN_C_MEDIA)
