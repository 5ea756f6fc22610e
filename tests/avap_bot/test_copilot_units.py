"""Pure pieces of the copilot: redaction, the model's "not covered", the FAQ document parser,
the stemmer and concepts, and the choice of a quote."""

from __future__ import annotations

from avap_bot import callbacks as cb
from avap_bot.copilot_ai import messages, not_covered, redact
from avap_bot.faq_import import parse_faq
from avap_bot.retrieval import Match, concepts, pick_quote, query_words, stem


def test_redact_takes_out_emails_phones_and_names() -> None:
    text = ("I'm Annabel Smith (annabel.smith+course@mail.example.com, +374 91 234-567, "
            "(415) 555-0100); ask ANNABEL or @annabel_s. Module 3, 12 pages, 2026.")
    out = redact(text, ["Annabel Smith", "annabel_s"])
    for secret in ("annabel", "Annabel", "ANNABEL", "Smith", "mail.example", "374", "555"):
        assert secret not in out, (secret, out)
    assert "[email]" in out and "[phone]" in out and "[name]" in out
    assert "Module 3, 12 pages, 2026." in out        # short numbers stay
    assert redact(None) == ""


def test_the_prompt_numbers_the_sources_and_asks_for_not_covered() -> None:
    system, user = messages("How long?", [("How long is the plan?", "Two pages.")])
    assert "NOT COVERED" in system["content"] and "ONLY" in system["content"]
    assert "[1] Q: How long is the plan?\nA: Two pages." in user["content"]
    assert user["content"].endswith("Student's question: How long?")


def test_not_covered() -> None:
    for said in ("NOT COVERED", "Not covered.", "not covered — the sources talk about fees", ""):
        assert not_covered(said), said
    assert not not_covered("Two pages; this is covered in module 1.")


def test_faq_documents() -> None:
    assert parse_faq("Q: One?\nA: Yes.\n\nquestion) Two?\nanswer) No,\nnot at all.\n") == [
        ("One?", "Yes."), ("Two?", "No,\nnot at all.")]
    assert parse_faq("# FAQ\n\n## Deadlines\nSundays.\n\n### Refunds\n14 days.\n## Empty\n") \
        == [("FAQ", ""), ("Deadlines", "Sundays."), ("Refunds", "14 days.")][1:]
    assert parse_faq("- **Q:** Bold?\n- **A:** Works.") == [("Bold?", "Works.")]
    assert parse_faq("just some text\nwithout pairs") == []


def test_stems_and_concepts() -> None:
    assert stem("submitted") == stem("submit") == stem("submitting")
    assert stem("pages") == stem("page") and stem("classes") == stem("class")
    assert concepts("How long should it be?") == concepts("What length should it have?")
    assert concepts("Can I get a diploma?") == concepts("certificate")
    words = query_words("How long is the plan?")
    assert words[:2] == ["long", "plan"] and "length" in words and "is" not in words


def test_a_quote_needs_a_clear_lead() -> None:
    def m(i: int, score: float, answer: str = "A", cover: float = 1.0) -> Match:
        return Match("question", i, None, "Q", answer, score, cover)

    assert pick_quote([m(1, 0.8), m(2, 0.5)]).id == 1
    assert pick_quote([m(1, 0.8), m(2, 0.78, "B")]) is None          # ambiguous
    assert pick_quote([m(1, 0.8), m(2, 0.78, "A")]).id == 1          # the same answer
    assert pick_quote([m(1, 0.4)]) is None and pick_quote([m(1, 0.9, cover=0.3)]) is None
    assert pick_quote([]) is None


def test_callback_data_fits() -> None:
    for action in (cb.SendSuggestion, cb.EditSuggestion, cb.DismissSuggestion, cb.RemoveFaq):
        packed = action(2**62).pack()
        assert len(packed.encode()) <= 64 and action.parse(packed) == action(2**62)
        assert action.parse(packed + "x:1") is None
