"""The copilot's repository on every backend (SQLite, PostgreSQL, the REST API): the search
follows answers and FAQ changes by itself, suggestions are decided once, token use adds up and
the budget alert goes once."""

from __future__ import annotations

from shared.storage import Storage

ADMIN = 9001


async def _answered(storage: Storage, text: str, answer: str, who: int = 501) -> int:
    row = await storage.avap.create_question(telegram_id=who, kind="text", content=text,
                                             file_id=None, source_chat_id=who,
                                             source_message_id=1)
    await storage.avap.record_answer(row["id"], answer, ADMIN)
    return int(row["id"])


async def test_search_follows_answers_and_the_faq(storage: Storage) -> None:
    repo = storage.copilot
    open_one = await storage.avap.create_question(
        telegram_id=502, kind="text", content="How long is the business plan?", file_id=None,
        source_chat_id=502, source_message_id=1)
    assert await repo.search(["business", "plan"]) == []       # not answered: not found
    qid = await _answered(storage, "How long should the business plan be?", "Two pages.")
    found = await repo.search(["length", "long", "plan"])
    assert [(r["kind"], r["id"], r["answer"], r["telegram_id"]) for r in found] == [
        ("question", qid, "Two pages.", 501)]
    assert found[0]["score"] > 0
    assert await repo.search(["plan"], exclude=qid) == []
    # a follow-up answer is searchable too
    await storage.avap.record_answer(qid, "Use the template of module 4.", ADMIN)
    assert [r["id"] for r in await repo.search(["template"])] == [qid]

    faq = await repo.add_faq("When are the deadlines?", "Sundays at 23:59.", ADMIN)
    found = await repo.search(["deadline", "sunday"])
    assert [(r["kind"], r["id"], r["question"]) for r in found] == [
        ("faq", faq, "When are the deadlines?")]
    assert [e["id"] for e in await repo.list_faq()] == [faq]
    assert (await repo.get_faq(faq))["answer"] == "Sundays at 23:59."
    assert await repo.remove_faq(faq) is True
    assert await repo.remove_faq(faq) is False
    assert await repo.search(["deadline"]) == []
    assert await repo.search(["'; drop table", ""]) == []        # not words: nothing asked
    assert open_one["id"] != qid


async def test_suggestions_are_decided_once(storage: Storage) -> None:
    repo = storage.copilot
    qid = await _answered(storage, "Where are the slides?", "Under each video.")
    row = await repo.create_suggestion(qid, status="ready", draft="Under each video.",
                                       source="from the answer to question #1", sendable=True)
    again = await repo.create_suggestion(qid, status="none")
    assert again["id"] == row["id"] and again["status"] == "ready"
    await repo.set_suggestion_message(row["id"], -100, 77)
    got = await repo.get_suggestion(row["id"])
    assert (got["chat_id"], got["message_id"], got["sendable"]) == (-100, 77, True)
    decided = await repo.decide(row["id"], "sent", ADMIN)
    assert decided is not None and decided["status"] == "sent" and decided["decided_by"] == ADMIN
    assert await repo.decide(row["id"], "dismissed", ADMIN) is None
    assert (await repo.suggestion_for(qid))["status"] == "sent"
    stats = await repo.stats()
    assert stats["statuses"] == {"sent": 1}
    assert stats["median_with_s"] is not None and stats["median_without_s"] is None


async def test_tokens_add_up_and_the_alert_goes_once(storage: Storage) -> None:
    repo = storage.copilot
    assert await repo.tokens_used("2026-12-06") == 0
    assert await repo.add_tokens("2026-12-06", 120) == 120
    assert await repo.add_tokens("2026-12-06", 30) == 150
    assert await repo.tokens_used("2026-12-06") == 150
    assert await repo.mark_alerted("2026-12-06") is True
    assert await repo.mark_alerted("2026-12-06") is False
    assert await repo.mark_alerted("2026-12-07") is True
    assert await repo.tokens_used("2026-12-07") == 0


async def test_a_word_in_most_questions_is_left_out_unless_alone(storage: Storage) -> None:
    for n in range(60):
        await _answered(storage, f"Question about module {n}", f"Answer {n}", who=600 + n)
    pitch = await _answered(storage, "How long is the pitch in module 3?", "Ten minutes.")
    if storage.backend == "postgresql":  # the column's statistics (autovacuum's job)
        async with storage.db.write() as conn:
            await conn.exec_driver_sql("ANALYZE questions")
    found = await storage.copilot.search(["module", "pitch"])
    assert found[0]["id"] == pitch
    if storage.backend != "supabase":  # (no ANALYZE over the REST API)
        assert [r["id"] for r in found] == [pitch]
    assert len(await storage.copilot.search(["module"], limit=5)) == 5
