"""A fake OpenAI API (chat completions), served over real HTTP, for the shopping bot's AI writer.

``POST /v1/chat/completions`` checks ``Authorization: Bearer <api_key>`` (401 in OpenAI's error
shape otherwise), records the JSON body and answers a ``chat.completion``. Replies come from the
scripted queue first (``script(Reply(...), "content", ...)``: a content, an HTTP error, a delay,
a ``retry-after``), then from ``responder(body)`` when set, else from a default that reads the
request as the writer's prompts phrase it: a review gets ``{"score": 8, "suggestions": [...]}``,
a translation to Russian or English a Cyrillic or Latin text, anything else an Armenian post that
quotes the editor's keywords (or instruction) and suggests 2 buttons with https URLs.
The default reads the first user message (a regeneration adds a corrective one after it).
``requests`` holds the bodies of the authorized requests (a 401 is not recorded).
``POST /v1/audio/transcriptions`` (multipart, a ``file`` and a ``model``) answers
``{"text": transcript}`` with a ``usage`` (``transcriptions`` records the model and the file's
size). ``GET /v1/models`` lists one model. Run it in a thread of the test process
(``FakeOpenAI().start()``) or as a process (``python -m tests.fakes.openai_api --port N``).
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.server import ThreadedServer
from tests.fakes.telegram_api import free_port

DEFAULT_MODEL = "gpt-4o-mini"

_ERRORS = {400: ("invalid_request_error", "bad_request"),
           401: ("invalid_request_error", "invalid_api_key"),
           404: ("invalid_request_error", "not_found"),
           429: ("rate_limit_exceeded", "rate_limit_exceeded"),
           500: ("server_error", "server_error"),
           502: ("server_error", "bad_gateway"),
           503: ("server_error", "service_unavailable")}


@dataclass
class Reply:
    """One scripted answer: ``content`` (None: the responder's), or an error ``status``; the
    answer waits ``delay`` seconds; a 429 carries ``retry-after`` (``retry_after`` or 0.05)."""

    content: str | None = None
    status: int = 200
    delay: float = 0
    retry_after: float | None = None


def error_body(status: int, message: str | None = None) -> dict[str, Any]:
    """OpenAI's error JSON shape."""
    kind, code = _ERRORS.get(status, ("server_error" if status >= 500 else
                                      "invalid_request_error", str(status)))
    return {"error": {"message": message or f"fake error {status}", "type": kind,
                      "param": None, "code": code}}


# --- the default answers ---------------------------------------------------------------------
_FILLER_HY = ("Սա հիանալի ընտրություն է բոլոր նրանց համար, ովքեր գնահատում են որակը և "
              "հարմարավետությունը։ Մենք ընտրել ենք լավագույնը հատուկ մեր ալիքի ընթերցողների "
              "համար։")
_TRANSLATED = {
    "ru": ("🛍 <b>Отличный выбор</b>\n\nЭто прекрасное предложение для тех, кто ценит "
           "качество и удобство. Заказывайте прямо сейчас!"),
    "en": ("🛍 <b>A great choice</b>\n\nThis is a wonderful offer for everyone who values "
           "quality and comfort. Order right now!"),
}
_BUTTONS = {"hy": ["Պատվիրել", "Մանրամասներ"], "ru": ["Заказать", "Подробнее"],
            "en": ["Order", "Details"]}


def _last_user(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            return message["content"]
    return ""


def _system(body: dict[str, Any]) -> str:
    for message in body.get("messages") or []:
        if message.get("role") == "system" and isinstance(message.get("content"), str):
            return message["content"]
    return ""


def _first_user(body: dict[str, Any]) -> str:
    for message in body.get("messages") or []:
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            return message["content"]
    return ""


def _labelled(text: str, label: str) -> str | None:
    m = re.search(rf"^{label}[՝:]\s*(.+)$", text, re.MULTILINE)
    return m.group(1).strip() if m else None


def default_content(body: dict[str, Any]) -> str:
    """A plausible answer to the writer's prompts (see the module docstring)."""
    system, user = _system(body), _first_user(body)
    if '"score"' in system:
        return json.dumps({"score": 8, "suggestions": [
            "Վերնագիրն ավելի կարճ և գրավիչ դարձրեք։",
            "Ավելացրեք գինը և պատվերի եղանակը։",
            "Կոչը տեղափոխեք տեքստի վերջ՝ առանձին տողով։"]}, ensure_ascii=False)
    language = "hy"
    m = re.search(r"\((hy|ru|en)\)", user)
    if m and "Թարգմանության լեզուն" in user:
        language = m.group(1)
    buttons = [{"label": label, "url": f"https://shop.example/{i + 1}"}
               for i, label in enumerate(_BUTTONS[language])]
    if language != "hy":
        return json.dumps({"text": _TRANSLATED[language], "buttons": buttons},
                          ensure_ascii=False)
    echo = (_labelled(user, "Բանալի բառեր") or _labelled(user, "Հրահանգ")
            or " ".join(user.split())[:120])
    text = f"🛍 <b>{html.escape(echo, quote=False)}</b>\n\n✨ {_FILLER_HY}\n\n👉 Պատվիրե՛ք հիմա"
    limit = _labelled(user, "Սահմանը")
    if limit and limit.split()[0].isdigit():
        cap = int(limit.split()[0])
        original = user.split("Գրառումը՝", 1)[-1]
        plain = " ".join(html.unescape(re.sub(r"<[^>]*>", "", original)).split())
        plain = (plain or f"{echo} — {_FILLER_HY}")[:cap]
        while plain and len(plain.encode("utf-16-le")) // 2 > cap:
            plain = plain[:-1]
        text = html.escape(plain.rstrip(), quote=False)
    return json.dumps({"text": text, "buttons": buttons}, ensure_ascii=False)


class FakeOpenAI(ThreadedServer):
    """The fake server and what it saw."""

    def __init__(self, api_key: str = "sk-test-openai", port: int | None = None) -> None:
        self.api_key = api_key
        self.port = port or free_port()
        self.requests: list[dict[str, Any]] = []
        self.responder: Callable[[dict[str, Any]], str] | None = None
        self._queue: list[Reply] = []
        self._lock = threading.Lock()
        self._next_id = 0
        self.transcript = "How long should the business plan be?"
        self.transcriptions: list[dict[str, Any]] = []
        self.app = Starlette(routes=[
            Route("/v1/chat/completions", self._chat, methods=["POST"]),
            Route("/v1/audio/transcriptions", self._transcribe, methods=["POST"]),
            Route("/v1/models", self._models, methods=["GET"]),
        ])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # --- scripting and inspection -----------------------------------------------------------
    def script(self, *replies: Reply | str) -> None:
        """Queue replies for the next requests, one each (a str is a successful content)."""
        with self._lock:
            self._queue.extend(r if isinstance(r, Reply) else Reply(content=r) for r in replies)

    def prompts(self) -> list[list[dict[str, Any]]]:
        """The messages of each chat-completions request, in order."""
        with self._lock:
            return [list(body.get("messages") or []) for body in self.requests]

    # --- HTTP -------------------------------------------------------------------------------
    def _authorized(self, request: Request) -> bool:
        return request.headers.get("authorization", "") == f"Bearer {self.api_key}"

    async def _chat(self, request: Request) -> JSONResponse:
        if not self._authorized(request):
            return JSONResponse(error_body(401, "Incorrect API key provided."), status_code=401)
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return JSONResponse(error_body(400, "We could not parse the JSON body."),
                                status_code=400)
        with self._lock:
            self.requests.append(body)
            reply = self._queue.pop(0) if self._queue else Reply()
            self._next_id += 1
            number = self._next_id
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.status != 200:
            headers = {}
            if reply.status == 429:
                headers["retry-after"] = str(reply.retry_after if reply.retry_after is not None
                                             else 0.05)
            elif reply.retry_after is not None:
                headers["retry-after"] = str(reply.retry_after)
            return JSONResponse(error_body(reply.status), status_code=reply.status,
                                headers=headers)
        content = reply.content
        if content is None:
            content = self.responder(body) if self.responder is not None else \
                default_content(body)
        prompt_tokens = sum(len(str(m.get("content", ""))) // 4 for m in body.get("messages")
                            or [])
        completion_tokens = len(content) // 4
        return JSONResponse({
            "id": f"chatcmpl-fake{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model") or DEFAULT_MODEL,
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": {"role": "assistant", "content": content,
                                     "refusal": None}}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
            "system_fingerprint": "fp_fake",
        })

    async def _transcribe(self, request: Request) -> JSONResponse:
        if not self._authorized(request):
            return JSONResponse(error_body(401, "Incorrect API key provided."), status_code=401)
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            return JSONResponse(error_body(400, "No file."), status_code=400)
        content = await upload.read()
        with self._lock:
            self.transcriptions.append({"model": form.get("model"), "bytes": len(content)})
        tokens = max(1, len(content) // 100)
        return JSONResponse({"text": self.transcript, "usage": {
            "type": "tokens", "input_tokens": tokens, "output_tokens": 10,
            "total_tokens": tokens + 10}})

    async def _models(self, request: Request) -> JSONResponse:
        if not self._authorized(request):
            return JSONResponse(error_body(401, "Incorrect API key provided."), status_code=401)
        return JSONResponse({"object": "list", "data": [
            {"id": DEFAULT_MODEL, "object": "model", "created": 1700000000,
             "owned_by": "openai"}]})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--api-key", default="sk-test-openai")
    args = parser.parse_args()
    fake = FakeOpenAI(args.api_key, args.port)
    uvicorn.run(fake.app, host="127.0.0.1", port=args.port, log_level="warning",
                access_log=False)


if __name__ == "__main__":
    main()
