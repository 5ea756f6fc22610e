"""The AI writer of the shopping bot: OpenAI chat completions that write, improve, translate,
shorten and review channel posts, in Armenian by default.

Every action sends its own prompt (``shopping_bot.ai.prompts``) and asks for a JSON object. The
``openai`` package is imported only when the first request is made. The SDK retries 429 and 5xx
with backoff (``max_retries=2``, honouring ``retry-after``); the whole action, retries and the
one regeneration included, runs under ``asyncio.timeout(OPENAI_TIMEOUT_SECONDS)``.

Each answer is checked: not empty; visible length (tags excluded, UTF-16) at most 4096, or the
limit of ``shorten``; at least 60% of its letters in the script of the expected language. An
answer failing a check is asked again exactly once (the same messages plus a short corrective
message); failing twice, no key, a timeout or an API failure raise ``AIUnavailable``, whose text
is one short Armenian line for the editor. Nothing else is ever raised.

Texts are returned as Telegram HTML with only ``<b>`` and ``<i>``, buttons at most 3 with plain
labels and http/https URLs (``shopping_bot.ai.answers`` cleans and checks them). One log line
per call: action, model, duration, outcome, attempts — never a prompt or a text.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, TypeVar

from shared.config import Settings
from shared.openai_client import OpenAIClient
from shopping_bot import texts
from shopping_bot.ai import prompts
from shopping_bot.ai.answers import Check, Draft, Review, check_post, check_review
from shopping_bot.render import TEXT_LIMIT

if TYPE_CHECKING:
    from shared.services import Services

log = logging.getLogger(__name__)

MAX_RETRIES = 2
TEMPERATURE = {"generate": 0.8, "improve": 0.6, "shorten": 0.4, "translate": 0.2, "review": 0.2}

T = TypeVar("T")


class AIUnavailable(Exception):
    """No key, timeout, failure after retries, or an answer that failed the checks twice.
    ``str(exc)`` is one short Armenian line for the editor, never a secret or a traceback."""


class _Failed(Exception):
    """An API call failed (after the SDK's retries); ``outcome`` is what the log says."""

    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


# --- the writer ---------------------------------------------------------------------------------
class Writer(OpenAIClient):
    """One OpenAI client (created on first use, closed at shutdown) and the five actions."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, max_retries=MAX_RETRIES,
                         timeout=settings.openai_timeout_seconds)

    async def generate(self, post_format: str, keywords: str) -> Draft:
        """A new post of ``post_format`` from the editor's keywords."""
        return await self._run("generate", prompts.generate_messages(post_format, keywords),
                               lambda c: check_post(c, "hy", TEXT_LIMIT))

    async def improve(self, text: str, instruction: str, post_format: str) -> Draft:
        """``text`` rewritten following the editor's instruction, in their own words."""
        return await self._run("improve",
                               prompts.improve_messages(text, instruction, post_format),
                               lambda c: check_post(c, "hy", TEXT_LIMIT))

    async def translate(self, text: str, language: str) -> Draft:
        """``text`` translated into ``language``: "hy", "ru" or "en"."""
        if language not in prompts.LANGUAGES:
            log.warning("ai: unknown language", extra={"action": "translate",
                                                       "language": language[:8]})
            raise AIUnavailable(texts.AI_FAILED)
        return await self._run("translate", prompts.translate_messages(text, language),
                               lambda c: check_post(c, language, TEXT_LIMIT))

    async def shorten(self, text: str, limit: int, post_format: str) -> Draft:
        """``text`` shortened to a visible length of at most ``limit``."""
        if limit < 1:
            raise AIUnavailable(texts.AI_FAILED)
        return await self._run("shorten", prompts.shorten_messages(text, limit, post_format),
                               lambda c: check_post(c, "hy", min(limit, TEXT_LIMIT)))

    async def review(self, text: str, post_format: str) -> Review:
        """A score out of 10 with concrete suggestions."""
        return await self._run("review", prompts.review_messages(text, post_format),
                               check_review)

    # --- internals ----------------------------------------------------------------------------
    async def _ask(self, action: str, messages: list[dict[str, str]]) -> str | None:
        """One chat completion (the SDK retries 429/5xx); its content."""
        import openai

        try:
            response = await self._api().chat.completions.create(
                model=self.settings.openai_model,
                messages=messages,  # type: ignore[arg-type]
                response_format={"type": "json_object"},
                temperature=TEMPERATURE.get(action, 0.5),
            )
        except openai.APITimeoutError:
            raise _Failed("timeout") from None
        except openai.APIStatusError as exc:
            raise _Failed(f"http_{exc.status_code}") from None
        except openai.OpenAIError as exc:
            raise _Failed(type(exc).__name__) from None
        choices = getattr(response, "choices", None) or []
        if not choices or choices[0].message is None:
            return None
        return choices[0].message.content

    async def _run(self, action: str, messages: list[dict[str, str]], check: Check[T]) -> T:
        """Ask, check, ask once more with a correction if needed; all within the time limit."""
        if not self.enabled:
            log.info("ai: call", extra={"action": action, "model": self.settings.openai_model,
                                        "outcome": "no_key", "attempts": 0, "duration_ms": 0})
            raise AIUnavailable(texts.AI_NO_KEY)
        started = time.perf_counter()
        outcome, attempts, message = "error", 0, texts.AI_FAILED
        try:
            await self.ready()  # the time limit is OpenAI's, not the SDK's first import
            async with asyncio.timeout(self.settings.openai_timeout_seconds):
                attempts = 1
                result, problem = check(await self._ask(action, messages))
                if problem is not None:
                    attempts = 2
                    again = [*messages, prompts.correction_message(problem)]
                    result, problem = check(await self._ask(action, again))
            if problem is not None or result is None:
                outcome, message = f"rejected_{problem}", texts.AI_BAD_ANSWER
                raise AIUnavailable(message)
            outcome = "ok"
            return result
        except TimeoutError:
            outcome, message = "timeout", texts.AI_TIMEOUT
            raise AIUnavailable(message) from None
        except _Failed as exc:
            outcome = exc.outcome
            message = texts.AI_TIMEOUT if exc.outcome == "timeout" else texts.AI_FAILED
            raise AIUnavailable(message) from None
        except AIUnavailable:
            raise
        except ImportError:
            outcome = "no_sdk"
            raise AIUnavailable(texts.AI_FAILED) from None
        except Exception as exc:  # noqa: BLE001 - the contract: callers only handle AIUnavailable
            outcome = f"bug_{type(exc).__name__}"
            raise AIUnavailable(texts.AI_FAILED) from None
        finally:
            level = logging.INFO if outcome == "ok" else logging.WARNING
            log.log(level, "ai: call", extra={
                "action": action, "model": self.settings.openai_model, "outcome": outcome,
                "attempts": attempts,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1)})


def template_draft(post_format: str, keywords: str) -> Draft:
    """The fallback draft without AI: the format's template with the keywords."""
    return Draft(text=prompts.template_text(post_format, keywords), buttons=[],
                 source="template")


def writer_for(services: Services) -> Writer:
    """The process's one Writer (closed with the other clients at shutdown)."""
    return services.client(Writer, lambda: Writer(services.settings))
