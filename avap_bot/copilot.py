"""The support desk's copilot: a suggested answer under each question card.

When a question's card is posted (``cards.CardDelivery``), ``queue_suggestion`` queues an
``avap.suggest`` outbox row (the services lane: nothing here delays the card, the student's
confirmation or anyone's message). The delivery (``Copilot.deliver``), within
COPILOT_SECONDS (15 s; over that the suggestion is dropped):

1. takes the question's text (a voice question is transcribed first, with a key);
2. finds the best matches among past answers and FAQ entries (``avap_bot.retrieval``);
3. with OPENAI_API_KEY and today's token budget left, gives the best matches to the model,
   which writes one answer from them only (or says they do not cover the question: then no
   Send button); without a key, or with the budget spent (the admins are told once a day),
   the best match's answer is quoted when it matches well enough;
4. stores the suggestion (one per question) and posts it as a reply to the card with Send,
   Edit and send, Dismiss (``handlers/copilot.py``). Nothing reaches a student without a tap.

Nothing personal goes into a prompt: emails, phone numbers and the names of the students
concerned are taken out (``copilot_ai.redact``).
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import msgspec
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application

from avap_bot import keyboards, texts
from avap_bot.copilot_ai import AIFailed, CopilotAI, not_covered, redact
from avap_bot.retrieval import WORTH_ASKING, Match, find_matches, pick_quote
from avap_bot.storage.copilot import day_of
from shared.errors import Deferred, PermanentError, TransientError
from shared.outbox import SERVICES
from shared.storage import utcnow
from shared.telegram_outbox import edit_later, hold_back_for_pace, send_later

if TYPE_CHECKING:
    from shared.services import Services

log = logging.getLogger(__name__)

AVAP_SUGGEST = "avap.suggest"
MODEL_SOURCES = 3                    # matches given to the model
CARD_WAIT = timedelta(minutes=10)    # a card not posted by then: no suggestion
TITLE_CHARS = 60
DRAFT_CHARS = 3000                   # of the draft shown under the card (Send sends it whole)


async def queue_suggestion(services: Services, question_id: int, conn: Any = None) -> None:
    """Queue the suggestion step of a new question (queuing it again is a no-op)."""
    await services.outbox.enqueue(AVAP_SUGGEST, {"question_id": int(question_id)},
                                  dedupe_key=f"{AVAP_SUGGEST}:{int(question_id)}", conn=conn)


class Draft(msgspec.Struct, frozen=True):
    text: str
    source: str
    sendable: bool
    used_model: bool


def source_label(match: Match) -> str:
    """"from the answer to question #12", "from FAQ: Deadlines"."""
    if match.kind == "faq":
        title = " ".join(match.question.split())
        if len(title) > TITLE_CHARS:
            title = title[:TITLE_CHARS - 1] + "…"
        return texts.SOURCE_FAQ.format(title=title)
    return texts.SOURCE_QUESTION.format(id=match.id)


def suggestion_text(suggestion: dict[str, Any]) -> str:
    """The suggestion's message (HTML), as posted under the card."""
    template = texts.SUGGESTION if suggestion["sendable"] else texts.SUGGESTION_NOT_COVERED
    return template.format(id=suggestion["question_id"],
                           source=html.escape(suggestion.get("source") or ""),
                           draft=html.escape(_clip(suggestion.get("draft") or "")))


def _clip(text: str) -> str:
    return text if len(text) <= DRAFT_CHARS else text[:DRAFT_CHARS - 1] + "…"


async def supersede(services: Services, question_id: int, conn: Any = None) -> None:
    """The question was answered another way: its waiting suggestion is closed and loses its
    buttons (in the caller's transaction)."""
    suggestion = await services.storage.copilot.suggestion_for(question_id)
    if suggestion is None or suggestion["status"] != "ready":
        return
    if await services.storage.copilot.decide(suggestion["id"], "superseded", None,
                                             conn=conn) is None:
        return
    if suggestion["message_id"] is not None:
        await edit_later(services, "avap", suggestion["chat_id"], suggestion["message_id"],
                         suggestion_text(suggestion) + texts.SUGGESTION_SUPERSEDED, conn=conn)


def copilot_ai(services: Services) -> CopilotAI:
    """The process's one OpenAI client of the copilot."""
    return services.client(CopilotAI, lambda: CopilotAI(services.settings))


class Copilot:
    """Delivers ``avap.suggest`` rows (see the module docstring)."""

    def __init__(self, app: Application, services: Services) -> None:
        self.app = app
        self.services = services
        self.ai = copilot_ai(services)

    def register(self, outbox: Any) -> None:
        outbox.register(AVAP_SUGGEST, self.deliver, lane=SERVICES)

    async def deliver(self, payload: dict[str, Any]) -> None:
        question_id = int(payload["question_id"])
        storage = self.services.storage
        question = await storage.avap.get_question(question_id)
        if question is None or question["answered"]:
            return
        suggestion = await storage.copilot.suggestion_for(question_id)
        if suggestion is not None and (suggestion["message_id"] is not None
                                       or suggestion["status"] != "ready"):
            return
        if question["card_message_id"] is None:
            if utcnow() - question["created_at"] > CARD_WAIT:
                return
            raise Deferred(1.0, f"question {question_id}: the card is not posted yet")
        if not self.app.running:
            raise TransientError("the support bot is not ready")
        if suggestion is None:
            suggestion = await self._make(question)
            if suggestion is None or suggestion["status"] != "ready" \
                    or suggestion["message_id"] is not None:
                return
        await self._post(question, suggestion)

    async def _make(self, question: dict[str, Any]) -> dict[str, Any] | None:
        """Compose within the time budget and store the outcome."""
        copilot = self.services.storage.copilot
        if self.ai.enabled:
            await self.ai.ready()  # the time budget is the answer's, not the SDK's first import
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.services.settings.copilot_seconds):
                draft = await self.compose(question)
        except TimeoutError:
            log.warning("copilot: suggestion dropped (over the time budget)",
                        extra={"question_id": question["id"]})
            await copilot.create_suggestion(question["id"], status="dropped")
            return None
        log.info("copilot: suggestion composed", extra={
            "question_id": question["id"], "ms": round((time.monotonic() - started) * 1000),
            "found": draft is not None, "model": bool(draft and draft.used_model)})
        if draft is None:
            await copilot.create_suggestion(question["id"], status="none")
            return None
        return await copilot.create_suggestion(
            question["id"], status="ready", draft=draft.text, source=draft.source,
            sendable=draft.sendable, used_model=draft.used_model)

    async def _post(self, question: dict[str, Any], suggestion: dict[str, Any]) -> None:
        fresh = await self.services.storage.avap.get_question(question["id"])
        if fresh is None or fresh["answered"]:  # answered while the suggestion was composed
            await self.services.storage.copilot.decide(suggestion["id"], "superseded", None)
            return
        bot = self.app.bot
        chat_id, card_id = question["card_chat_id"], question["card_message_id"]
        hold_back_for_pace(bot, [chat_id], f"{AVAP_SUGGEST}:{question['id']}")
        try:
            msg = await bot.send_message(
                chat_id, suggestion_text(suggestion), reply_to_message_id=card_id,
                reply_markup=keyboards.suggestion(suggestion["id"], suggestion["sendable"]))
        except (Forbidden, BadRequest) as exc:
            raise PermanentError(f"suggestion {suggestion['id']}: {exc.message}") from exc
        await self.services.storage.copilot.set_suggestion_message(
            suggestion["id"], msg.chat_id, msg.message_id)

    # --- composing ------------------------------------------------------------------------
    async def compose(self, question: dict[str, Any]) -> Draft | None:
        """The suggestion for ``question``, or None when nothing answers it well enough."""
        use_model = await self._model_allowed(question)
        text = question.get("content") or ""
        if question["type"] == "voice" and question.get("file_id") and use_model:
            try:
                heard = await self._transcribe(question["file_id"])
            except AIFailed as exc:
                log.warning("copilot: transcription failed", extra={"error": str(exc)})
                heard = ""
            text = " ".join(x for x in (heard, text) if x)
        if not text.strip():
            return None
        matches = await find_matches(self.services.storage.copilot, text,
                                     exclude=question["id"])
        if not matches:
            return None
        if use_model and matches[0].score >= WORTH_ASKING:  # else nothing to write from
            try:
                return await self._written(question, text, matches[:MODEL_SOURCES])
            except AIFailed as exc:
                log.warning("copilot: the model failed, search only", extra={"error": str(exc)})
        quote = pick_quote(matches)
        if quote is None:
            return None
        return Draft(quote.answer, source_label(quote), sendable=True, used_model=False)

    async def _written(self, question: dict[str, Any], text: str,
                       matches: list[Match]) -> Draft:
        names = await self._names([question["telegram_id"], *(m.telegram_id for m in matches)])
        sources = [(redact(m.question, names), redact(m.answer, names)) for m in matches]
        written = await self.ai.answer(redact(text, names), sources)
        await self._spent(written.tokens)
        source = "; ".join(dict.fromkeys(source_label(m) for m in matches))
        if not_covered(written.text):
            return Draft(matches[0].answer, source, sendable=False, used_model=True)
        return Draft(written.text, source, sendable=True, used_model=True)

    async def _names(self, telegram_ids: list[int | None]) -> list[str]:
        """The names of the students concerned (the asker, those who asked the matches)."""
        avap = self.services.storage.avap
        names = []
        for telegram_id in dict.fromkeys(i for i in telegram_ids if i is not None):
            student = await avap.find_student(telegram_id=telegram_id)
            if student is not None:
                names.extend(x for x in (student.get("name"), student.get("username")) if x)
        return names

    async def _transcribe(self, file_id: str) -> str:
        file = await self.app.bot.get_file(file_id)
        audio = bytes(await file.download_as_bytearray())
        written = await self.ai.transcribe(audio)
        await self._spent(written.tokens)
        return written.text

    # --- the daily token budget -----------------------------------------------------------
    async def _model_allowed(self, question: dict[str, Any]) -> bool:
        """With a key and today's budget left; the first refusal of a day tells the admins."""
        if not self.ai.enabled:
            return False
        budget = self.services.settings.openai_daily_token_budget
        if budget <= 0:
            return True
        copilot = self.services.storage.copilot
        day = day_of()
        if await copilot.tokens_used(day) < budget:
            return True
        if await copilot.mark_alerted(day):
            await send_later(self.services, "avap", question["card_chat_id"],
                             texts.COPILOT_BUDGET_SPENT)
        return False

    async def _spent(self, tokens: int) -> None:
        if tokens > 0:
            await self.services.storage.copilot.add_tokens(day_of(), tokens)
