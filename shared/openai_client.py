"""OpenAI's SDK client as a bot's feature that writes with it holds it (subclass it): made at the
first request, so that the ``openai`` package is imported only by a process that asks; closed at
shutdown; ``enabled`` when OPENAI_API_KEY is set."""

from __future__ import annotations

import asyncio
import importlib
import logging
from typing import TYPE_CHECKING

from shared.config import Settings, secret_value

if TYPE_CHECKING:
    from openai import AsyncOpenAI

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class OpenAIClient:
    """One lazily made ``AsyncOpenAI``: the SDK retries 429 and 5xx ``max_retries`` times (with
    backoff, honouring ``retry-after``); each request may take ``timeout`` seconds."""

    def __init__(self, settings: Settings, *, max_retries: int, timeout: float) -> None:
        self.settings = settings
        self.max_retries = max_retries
        self.timeout = timeout
        self._client: AsyncOpenAI | None = None

    @property
    def enabled(self) -> bool:
        """Whether OPENAI_API_KEY is set."""
        return secret_value(self.settings.openai_api_key) is not None

    async def ready(self) -> AsyncOpenAI:
        """The client, made now if it is not yet. The SDK's first import (~0.3 s of CPU, seconds
        on a small instance) runs on a worker thread, so that the event loop keeps answering
        updates meanwhile; a caller's time limit for OpenAI's answer starts after this."""
        if self._client is None:
            await asyncio.to_thread(importlib.import_module, "openai")
        return self._api()

    def _api(self) -> AsyncOpenAI:
        if self._client is None:
            import openai  # lazily: most processes never ask

            from shared.logs import quieten

            quieten(("openai", "httpx2"))  # the prompts, the URLs: at WARNING
            self._client = openai.AsyncOpenAI(
                api_key=secret_value(self.settings.openai_api_key),
                base_url=self.settings.openai_base_url or DEFAULT_BASE_URL,
                max_retries=self.max_retries, timeout=self.timeout)
        return self._client

    async def close(self) -> None:
        """Close the HTTP client (at shutdown)."""
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.close()
            except Exception as exc:  # noqa: BLE001 - shutdown goes on whatever the SDK raises
                log.warning("ai: closing the client failed", extra={"error": type(exc).__name__})
