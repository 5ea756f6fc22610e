"""The AI writer of the shopping bot (OpenAI, Armenian): see ``writer`` and ``prompts``.

Importing this package does not import ``openai``; the first request does.
"""

from shopping_bot.ai.writer import (
    AIUnavailable,
    Draft,
    Review,
    Writer,
    template_draft,
    writer_for,
)

__all__ = ["AIUnavailable", "Draft", "Review", "Writer", "template_draft", "writer_for"]
