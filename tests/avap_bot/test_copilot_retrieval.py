"""Retrieval quality: a made-up course of 60 answered questions, 30 of them asked again in other
words; the right answer is among the top 3 matches for at least 80% of them, on SQLite and on
PostgreSQL (the REST backend runs PostgreSQL's own function, checked by the contract tests)."""

from __future__ import annotations

import pytest

from avap_bot.retrieval import find_matches, good_enough, pick_quote
from shared.storage import Storage
from tests.avap_bot.course_knowledge import PAIRS, PARAPHRASES

ADMIN = 9001


async def fill(storage: Storage, pairs: list[tuple[str, str]]) -> list[int]:
    """Each pair as a question asked by its own student and answered by an admin."""
    ids = []
    for n, (question, answer) in enumerate(pairs):
        row = await storage.avap.create_question(
            telegram_id=5000 + n, kind="text", content=question, file_id=None,
            source_chat_id=5000 + n, source_message_id=1)
        await storage.avap.record_answer(row["id"], answer, ADMIN)
        ids.append(row["id"])
    return ids


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_storage(request: pytest.FixtureRequest, tmp_path) -> Storage:
    from shared.config import normalise_database_url
    from shared.storage import open_storage

    if request.param == "sqlite":
        st = await open_storage(normalise_database_url(f"sqlite:///{tmp_path}/k.db"))
    else:
        server = request.getfixturevalue("postgres")
        st = await open_storage(normalise_database_url(server.create_database()))
    try:
        yield st
    finally:
        await st.close()


async def test_the_right_answer_is_in_the_top_3_for_80_percent_of_paraphrases(
        db_storage: Storage) -> None:
    assert len(PAIRS) >= 60 and len(PARAPHRASES) >= 30
    ids = await fill(db_storage, PAIRS)
    hits, misses = 0, []
    for index, asked in PARAPHRASES:
        top = await find_matches(db_storage.copilot, asked, limit=3)
        if any(m.kind == "question" and m.id == ids[index] for m in top):
            hits += 1
        else:
            misses.append(f"{asked!r} -> {[PAIRS[ids.index(m.id)][0] for m in top]}")
    rate = hits / len(PARAPHRASES)
    print(f"{db_storage.backend}: top-3 {hits}/{len(PARAPHRASES)} = {rate:.0%}")
    assert rate >= 0.8, f"{hits}/{len(PARAPHRASES)}; missed:\n" + "\n".join(misses)


async def test_the_acceptance_paraphrase_is_the_best_match_and_good_enough(
        db_storage: Storage) -> None:
    ids = await fill(db_storage, PAIRS)
    top = await find_matches(db_storage.copilot, "What length should my business plan have?")
    assert top[0].id == ids[0] and top[0].answer == "Two pages."
    assert good_enough(top[0])


async def test_an_unrelated_question_is_not_good_enough(db_storage: Storage) -> None:
    await fill(db_storage, PAIRS)
    for asked in ("Which football team won yesterday?", "Do you like cats?",
                  "Recommend a good pizza place in town"):
        top = await find_matches(db_storage.copilot, asked)
        assert not any(good_enough(m) for m in top), (asked, top)


async def test_most_paraphrases_are_good_enough_to_quote(db_storage: Storage) -> None:
    """Without a model, many paraphrases get a quote, and few of the quotes are wrong (the
    admin still reads it and may dismiss it)."""
    ids = await fill(db_storage, PAIRS)
    quoted = wrong = 0
    for index, asked in PARAPHRASES:
        quote = pick_quote(await find_matches(db_storage.copilot, asked))
        if quote is not None:
            quoted += 1
            wrong += quote.id != ids[index]
    print(f"{db_storage.backend}: quoted {quoted}/{len(PARAPHRASES)}, wrong {wrong}")
    assert quoted >= 0.4 * len(PARAPHRASES) and wrong <= 0.2 * quoted
