"""Q/A pairs from a text or Markdown document (``/faq import``).

Two shapes are read:

- ``Q: question`` / ``A: answer`` lines ("Question:" / "Answer:" too, bold or not, any case);
  an answer runs until the next question (headings are then only titles, and ignored);
- else Markdown headings: ``## How long...?`` and the paragraphs under it as the answer.

Empty questions or answers are skipped; whitespace is tidied; Markdown emphasis is kept as typed.
"""

from __future__ import annotations

import re

QUESTION = re.compile(r"^\s*(?:[-*]\s*)?(?:\*\*|__)?(?:q|question)\s*[:.)](?:\*\*|__)?\s*(.*)$",
                      re.IGNORECASE)
ANSWER = re.compile(r"^\s*(?:[-*]\s*)?(?:\*\*|__)?(?:a|answer)\s*[:.)](?:\*\*|__)?\s*(.*)$",
                    re.IGNORECASE)
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
MAX_ENTRIES = 500
MAX_CHARS = 3000


def _tidy(lines: list[str]) -> str:
    text = "\n".join(line.rstrip() for line in lines).strip()
    return re.sub(r"\n{3,}", "\n\n", text)[:MAX_CHARS]


def parse_faq(document: str) -> list[tuple[str, str]]:
    """The (question, answer) pairs of ``document``, in order."""
    pairs: list[tuple[str, str]] = []
    question: list[str] | None = None
    answer: list[str] | None = None

    def flush() -> None:
        if question is not None and answer is not None:
            q, a = _tidy(question), _tidy(answer)
            if q and a:
                pairs.append((q, a))

    lines = document.replace("\r\n", "\n").split("\n")
    marked = any(QUESTION.match(line) for line in lines)
    for line in lines:
        heading = None if marked else HEADING.match(line)
        if marked and HEADING.match(line):
            continue
        q_line = QUESTION.match(line)
        a_line = ANSWER.match(line) if question is not None else None
        if q_line or (heading and not a_line):
            flush()
            question, answer = [(q_line or heading).group(1)], None  # type: ignore[union-attr]
            if heading and not q_line:
                answer = []  # under a heading, everything that follows is the answer
        elif a_line:
            answer = [a_line.group(1)]
        elif answer is not None:
            answer.append(line)
        elif question is not None:
            question.append(line)
    flush()
    return pairs[:MAX_ENTRIES]
