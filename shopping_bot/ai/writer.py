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

Texts are returned as Telegram HTML with only ``<b>`` and ``<i>``: other tags are dropped, stray
``<``/``&`` escaped, tags balanced. Buttons: at most 3, non-empty plain labels of at most 40
characters, http/https URLs only. One log line per call: action, model, duration, outcome,
attempts — never a prompt or a text.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from shared.config import Settings
from shopping_bot import texts
from shopping_bot.ai import prompts
from shopping_bot.render import TEXT_LIMIT, visible_length

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from shared.services import Services

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.openai.com/v1"
MAX_RETRIES = 2
MAX_BUTTONS = 3
LABEL_LIMIT = 40
MAX_SUGGESTIONS = 5
SCRIPT_SHARE = 0.6  # the least share of letters in the expected script
TEMPERATURE = {"generate": 0.8, "improve": 0.6, "shorten": 0.4, "translate": 0.2, "review": 0.2}

T = TypeVar("T")
Check = Callable[[str | None], tuple[T | None, str | None]]


@dataclass(frozen=True)
class Draft:
    """A post text for Telegram's HTML parse mode (may contain <b>, <i>), up to 3 suggested CTA
    buttons ``{"label", "url"}`` (labels are plain text), and where it came from: "ai" or
    "template"."""

    text: str
    buttons: list[dict[str, str]]
    source: str


@dataclass(frozen=True)
class Review:
    """A quality review: ``score`` 1..10 and at most 5 concrete suggestions in Armenian.
    The suggestions are plain text: escape them (``html.escape``) to show them in HTML."""

    score: int
    suggestions: list[str]


class AIUnavailable(Exception):
    """No key, timeout, failure after retries, or an answer that failed the checks twice.
    ``str(exc)`` is one short Armenian line for the editor, never a secret or a traceback."""


class _Failed(Exception):
    """An API call failed (after the SDK's retries); ``outcome`` is what the log says."""

    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


# --- cleaning and checks ------------------------------------------------------------------------
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9-]*)[^<>]*>")
_ANY_TAG = re.compile(r"<[^>]*>")
_MD_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.DOTALL)
_FENCE = re.compile(r"^```[a-zA-Z]*\s*\n?(.*?)\n?```$", re.DOTALL)
_ALLOWED = {"b": "b", "strong": "b", "i": "i", "em": "i"}
_BREAKS = {"br", "p", "div", "li"}


def _escape(raw: str) -> str:
    return html.escape(html.unescape(raw), quote=False)


def clean_html(raw: str) -> str:
    """Telegram-safe HTML keeping only <b> and <i> (strong/em mapped, **bold** converted,
    <br>/<p> become line breaks, other tags dropped), the rest escaped, tags balanced."""
    raw = _MD_BOLD.sub(r"<b>\1</b>", (raw or "").replace("\r\n", "\n"))
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    for m in _TAG.finditer(raw):
        out.append(_escape(raw[pos:m.start()]))
        pos = m.end()
        closing, name = m.group(1) == "/", m.group(2).lower()
        if name in _BREAKS:
            if name == "br" or closing:
                out.append("\n")
            continue
        tag = _ALLOWED.get(name)
        if tag is None:
            continue
        if not closing:
            if tag not in stack:
                stack.append(tag)
                out.append(f"<{tag}>")
            continue
        if tag not in stack:
            continue
        reopen: list[str] = []
        while stack[-1] != tag:  # close the inner tags, then open them again
            inner = stack.pop()
            out.append(f"</{inner}>")
            reopen.append(inner)
        stack.pop()
        out.append(f"</{tag}>")
        for inner in reversed(reopen):
            stack.append(inner)
            out.append(f"<{inner}>")
    out.append(_escape(raw[pos:]))
    out.extend(f"</{tag}>" for tag in reversed(stack))
    text = "".join(out)
    text = re.sub(r"<(b|i)>(\s*)</\1>", r"\2", text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def plain_text(raw: str) -> str:
    """What Telegram shows of an HTML text (tags removed, entities decoded)."""
    return html.unescape(_ANY_TAG.sub("", raw or ""))


def _in_script(char: str, language: str) -> bool:
    code = ord(char)
    if language == "hy":
        return 0x0531 <= code <= 0x0587
    if language == "ru":
        return 0x0400 <= code <= 0x04FF
    return code <= 0x024F  # Latin, with its accented letters


def script_share(text: str, language: str) -> float:
    """The share of the letters of ``text`` written in the script of ``language``."""
    letters = [c for c in plain_text(text) if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if _in_script(c, language)) / len(letters)


def clean_buttons(raw: Any) -> list[dict[str, str]]:
    """At most 3 buttons with a non-empty plain label (<= 40 characters) and an http(s) URL."""
    if not isinstance(raw, list):
        return []
    buttons: list[dict[str, str]] = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        label, url = item.get("label"), item.get("url")
        if not isinstance(label, str) or not isinstance(url, str):
            continue
        label = " ".join(plain_text(label).split())
        url = url.strip()
        if not label or len(label) > LABEL_LIMIT or not url or any(c.isspace() for c in url):
            continue
        try:
            parts = urlsplit(url)
        except ValueError:
            continue
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            continue
        buttons.append({"label": label, "url": url})
        if len(buttons) == MAX_BUTTONS:
            break
    return buttons


def _json(content: str) -> Any:
    """The JSON value of an answer (code fences tolerated), or None when it is not JSON."""
    raw = content.strip()
    fenced = _FENCE.match(raw)
    if fenced:
        raw = fenced.group(1).strip()
    try:
        return json.loads(raw)
    except ValueError:
        return None


def parse_post(content: str | None) -> tuple[str, list[dict[str, str]]]:
    """The text and the buttons of an answer; an answer that is not JSON is all text."""
    raw = (content or "").strip()
    if not raw:
        return "", []
    data = _json(raw)
    if data is None:
        return clean_html(raw), []
    if isinstance(data, dict):
        text = data.get("text")
        if not isinstance(text, str):
            return "", []
        return clean_html(text), clean_buttons(data.get("buttons"))
    if isinstance(data, str):
        return clean_html(data), []
    return "", []


def check_post(content: str | None, language: str, limit: int) -> tuple[Draft | None, str | None]:
    """The draft of an answer, or the problem that makes it unusable."""
    text, buttons = parse_post(content)
    if not plain_text(text).strip():
        return None, "empty"
    if visible_length(text) > limit:
        return None, "too_long"
    if script_share(text, language) < SCRIPT_SHARE:
        return None, f"script_{language}"
    return Draft(text=text, buttons=buttons, source="ai"), None


def _score(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        m = re.search(r"\d+(?:[.,]\d+)?", value)
        if not m:
            return None
        number = float(m.group(0).replace(",", "."))
    else:
        return None
    if number != number:  # NaN
        return None
    return max(1, min(10, round(number)))


_SCORE_IN_TEXT = re.compile(r"(\d{1,2}(?:[.,]\d)?)\s*/\s*10\b|score\W{0,3}(\d{1,2})", re.I)
_BULLET = re.compile(r"^\s*(?:[-•*▪–—]|\d{1,2}[.)])\s*(.+)$", re.MULTILINE)


def check_review(content: str | None) -> tuple[Review | None, str | None]:
    """The review of an answer (JSON, or a plain text with "n/10" and bullet lines)."""
    raw = (content or "").strip()
    if not raw:
        return None, "empty"
    data = _json(raw)
    if isinstance(data, dict):
        score, items = _score(data.get("score")), data.get("suggestions")
    else:
        m = _SCORE_IN_TEXT.search(raw)
        score = _score(m.group(1) or m.group(2)) if m else None
        items = _BULLET.findall(raw)
    if score is None:
        return None, "score"
    if isinstance(items, str):
        items = [items]
    suggestions: list[str] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, str) and (line := " ".join(plain_text(item).split())):
            suggestions.append(line)
    suggestions = suggestions[:MAX_SUGGESTIONS]
    if not suggestions and score < 10:
        return None, "empty"
    if suggestions and script_share(" ".join(suggestions), "hy") < SCRIPT_SHARE:
        return None, "script_hy"
    return Review(score=score, suggestions=suggestions), None


# --- the writer ---------------------------------------------------------------------------------
def api_key(settings: Settings) -> str | None:
    key = settings.openai_api_key
    if key is None or not key.get_secret_value().strip():
        return None
    return key.get_secret_value().strip()


class Writer:
    """One OpenAI client (created on first use, closed at shutdown) and the five actions."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: AsyncOpenAI | None = None

    @property
    def enabled(self) -> bool:
        """Whether OPENAI_API_KEY is set."""
        return api_key(self.settings) is not None

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

    async def close(self) -> None:
        """Close the HTTP client (at shutdown)."""
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.close()
            except Exception as exc:  # noqa: BLE001 - shutdown goes on whatever the SDK raises
                log.warning("ai: closing the client failed", extra={"error": type(exc).__name__})

    # --- internals ----------------------------------------------------------------------------
    def _api(self) -> AsyncOpenAI:
        if self._client is None:
            import openai  # lazily: most processes never draft a post

            _quiet_sdk_logs()
            self._client = openai.AsyncOpenAI(
                api_key=api_key(self.settings),
                base_url=self.settings.openai_base_url or DEFAULT_BASE_URL,
                max_retries=MAX_RETRIES,
                timeout=self.settings.openai_timeout_seconds,
            )
        return self._client

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
            # the SDK's import and client (seconds of CPU on a small instance, once per process)
            # are not OpenAI's answer: the time limit starts after them
            self._api()
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


def _quiet_sdk_logs() -> None:
    """The SDK logs request bodies (prompts, texts) at DEBUG, and httpx2 every request URL at
    INFO: keep the first at INFO at most (its retry lines stay), the second at WARNING."""
    for name, least in (("openai", logging.INFO), ("httpx2", logging.WARNING)):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < least:
            logger.setLevel(least)


def template_draft(post_format: str, keywords: str) -> Draft:
    """The fallback draft without AI: the format's template with the keywords."""
    return Draft(text=prompts.template_text(post_format, keywords), buttons=[],
                 source="template")


def writer_for(services: Services) -> Writer:
    """The process's one Writer (closed with the other clients at shutdown)."""
    return services.client(Writer, lambda: Writer(services.settings))
