"""OpenAI for the copilot: one answer written from the course's own matches, and voice questions
transcribed. The ``openai`` package is imported at the first request; the client is made once
(``Services.client``).

Privacy: ``redact`` takes emails, phone numbers and the given names (students') out of every
text before it goes into a prompt. Tokens are counted from the API's ``usage``.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from shared.config import Settings
from shared.openai_client import OpenAIClient

NOT_COVERED = "NOT COVERED"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w+])\+?\d[\d\s().-]{6,}\d(?!\w)")

SYSTEM = (
    "You help the admins of an online course's support desk. Write one short answer to the "
    "student's question using ONLY the numbered sources (answers the course's admins gave "
    "before, and FAQ entries). Write in the language of the student's question. Do not invent "
    "facts, links or dates that are not in the sources. If the sources do not answer the "
    f"question, reply with exactly: {NOT_COVERED}")


def redact(text: str | None, names: list[str] = ()) -> str:  # type: ignore[assignment]
    """``text`` without emails, phone numbers or any of ``names`` (each word of 3+ letters)."""
    out = EMAIL.sub("[email]", text or "")
    out = PHONE.sub("[phone]", out)
    parts = {p for name in names for p in re.findall(r"[^\W\d_]{3,}", name or "")}
    parts |= {name.strip().lstrip("@") for name in names if len((name or "").strip()) >= 3}
    for part in sorted(parts, key=len, reverse=True):  # "annabel_s" before "annabel"
        out = re.sub(rf"(?<![^\W\d_]){re.escape(part)}(?![^\W\d_])", "[name]", out,
                     flags=re.IGNORECASE)
    return out


def messages(question: str, sources: list[tuple[str, str]]) -> list[dict[str, str]]:
    """The chat messages: the rules, then the numbered sources and the question."""
    listed = "\n\n".join(f"[{n}] Q: {q}\nA: {a}" for n, (q, a) in enumerate(sources, 1))
    return [{"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"Sources:\n\n{listed}\n\nStudent's question: {question}"}]


def not_covered(answer: str) -> bool:
    """Whether the model said that the sources do not answer the question."""
    flat = re.sub(r"[^a-z ]", "", answer.casefold()).strip()
    return flat.startswith("not covered") or not flat


class AIFailed(Exception):
    """The API call failed (after the SDK's retry): the caller falls back to search only."""


class Written(msgspec.Struct, frozen=True):
    text: str
    tokens: int


class CopilotAI(OpenAIClient):
    """One lazily made OpenAI client; ``enabled`` when OPENAI_API_KEY is set."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, max_retries=1, timeout=settings.copilot_seconds)

    async def answer(self, question: str, sources: list[tuple[str, str]]) -> Written:
        """The model's answer from ``sources`` (already redacted) and the tokens it cost."""
        import openai

        try:
            response = await self._api().chat.completions.create(
                model=self.settings.openai_model,
                messages=messages(question, sources),  # type: ignore[arg-type]
                temperature=0.2)
        except openai.OpenAIError as exc:
            raise AIFailed(type(exc).__name__) from exc
        content = (response.choices[0].message.content or "").strip()
        return Written(content, _tokens(response))

    async def transcribe(self, audio: bytes, filename: str = "voice.ogg") -> Written:
        """The text of a voice message."""
        import openai

        try:
            response = await self._api().audio.transcriptions.create(
                model=self.settings.openai_transcribe_model, file=(filename, audio))
        except openai.OpenAIError as exc:
            raise AIFailed(type(exc).__name__) from exc
        return Written((getattr(response, "text", "") or "").strip(), _tokens(response))


def _tokens(response: Any) -> int:
    usage = getattr(response, "usage", None)
    total = getattr(usage, "total_tokens", None) if usage is not None else None
    return int(total or 0)
