"""The sandbox's HTTP face: the page at ``/`` and its JSON API under ``/sandbox/api/``, with the
live updates as server-sent events (``/sandbox/api/events``)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from pathlib import Path
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from shared.emulator import ApiError
from shared.sandbox.control import JOBS, Sandbox
from shared.sandbox.views import chat_view, chats_of

STATIC = Path(__file__).with_name("static")
_FILES = {"sandbox.js": "text/javascript", "sandbox.css": "text/css"}
MAX_UPLOAD = 20 * 1024 * 1024  # Telegram's bots download at most 20 MB


def _ok(data: Any = None) -> Response:
    return Response(orjson.dumps({"ok": True, **(data or {})}, default=str),
                    media_type="application/json")


def _refuse(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message}, status)


async def _body(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body() or b"{}")
    except ValueError:
        raise ValueError("expected a JSON body") from None
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def _int(data: dict[str, Any], name: str, required: bool = True) -> int | None:
    value = data.get(name)
    if value in (None, "") and not required:
        return None
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a number") from None


def sandbox_app(sandbox: Sandbox) -> Starlette:
    """The routes, on ``sandbox``."""

    async def page(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _FILES:
            return _refuse("not found", 404)
        return FileResponse(STATIC / name, media_type=_FILES[name])

    async def people(request: Request) -> Response:
        if request.method == "POST":
            data = await _body(request)
            person = sandbox.add_person(str(data.get("name") or ""))
            return _ok({"person": person.as_json()})
        return _ok({"people": [p.as_json() for p in sandbox.people],
                    "clock": sandbox.now().isoformat(),
                    "clock_offset_s": sandbox.clock_offset.total_seconds(),
                    "jobs": [{"name": k, "label": v[1]} for k, v in JOBS.items()]})

    async def chats(request: Request) -> Response:
        person = int(request.query_params.get("person", "0"))
        sandbox.person(person)
        return _ok({"chats": chats_of(sandbox.emu, person), "version": sandbox.version})

    async def messages(request: Request) -> Response:
        person = int(request.query_params.get("person", "0"))
        return _ok(chat_view(sandbox.emu, person, request.query_params.get("chat", "")))

    async def act(request: Request) -> Response:
        data = await _body(request)
        what = request.path_params["what"]
        person, chat = _int(data, "person"), str(data.get("chat", ""))
        assert person is not None
        if what == "send":
            text = str(data.get("text") or "")
            if not text.strip():
                raise ValueError("text: write something")
            sandbox.send_text(person, chat, text, _int(data, "reply_to", required=False))
        elif what == "press":
            sandbox.press(person, chat, _int(data, "message_id") or 0, str(data.get("data")))
        elif what == "contact":
            sandbox.share_contact(person, chat)
        elif what == "upload":
            try:
                content = base64.b64decode(str(data.get("content", "")), validate=True)
            except binascii.Error:
                raise ValueError("content: expected base64") from None
            if len(content) > MAX_UPLOAD:
                raise ValueError("the file is larger than 20 MB")
            sandbox.send_file(person, chat, content, str(data.get("file_name") or "file"),
                              data.get("mime_type") or None, data.get("caption") or None,
                              _int(data, "reply_to", required=False))
        else:
            return _refuse("not found", 404)
        return _ok()

    async def inspect(request: Request) -> Response:
        chat = request.query_params.get("chat")
        if chat is None:
            return _ok({"entries": sandbox.inspector.handled_all()[-200:]})
        entry = sandbox.inspector.lookup(chat, int(request.query_params.get("message_id", 0)))
        return _ok({"entry": entry})

    async def violations(request: Request) -> Response:
        """Calls of the bots that did not follow the Bot API description (none, we hope)."""
        with sandbox.emu.lock:
            found = [{"bot": v.token.split(":")[0], "method": v.method, "kind": v.kind,
                      "detail": v.detail} for v in sandbox.emu.violations]
        return _ok({"violations": found})

    async def file(request: Request) -> Response:
        record = sandbox.emu.world.files.get(request.path_params["file_id"])
        if record is None:
            return _refuse("not found", 404)
        return Response(record.content, media_type=record.mime_type or _guess(record.kind))

    async def job(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in JOBS:
            return _refuse("no such job", 404)
        result = await sandbox.run_job(name)
        return _ok({"job": name, "result": result})

    async def clock(request: Request) -> Response:
        data = await _body(request)
        if data.get("to") == "next_post":
            seconds = await sandbox.next_post_in()
            if seconds is None:
                raise ValueError("no post is scheduled")
        else:
            seconds = float(data.get("seconds") or 0)
            if not 0 < seconds <= 366 * 86400:
                raise ValueError("seconds: between 1 and a year")
        return _ok({"clock": sandbox.advance(seconds).isoformat()})

    async def reset(request: Request) -> Response:
        await sandbox.reset()
        return _ok()

    async def transcript(request: Request) -> Response:
        if request.method == "POST":
            count = await sandbox.replay(await _body(request))
            return _ok({"replayed": count})
        saved = 'attachment; filename="sandbox-transcript.json"'
        return Response(orjson.dumps(sandbox.transcript(), default=str,
                                     option=orjson.OPT_INDENT_2),
                        media_type="application/json", headers={"content-disposition": saved})

    async def events(request: Request) -> Response:
        async def stream() -> Any:
            with sandbox.listen() as queue:
                yield f"data: {orjson.dumps({'v': sandbox.version}).decode()}\n\n"
                while True:
                    try:
                        item = await asyncio.wait_for(queue.get(), timeout=15)
                    except TimeoutError:
                        yield ": keep-alive\n\n"
                        continue
                    yield f"data: {orjson.dumps(item, default=str).decode()}\n\n"
        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"cache-control": "no-store"})

    def guarded(handler: Any) -> Any:
        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except (ValueError, LookupError, PermissionError) as exc:
                return _refuse(str(exc).strip("'\""))
            except ApiError as exc:  # what Telegram would refuse a person too
                return _refuse(exc.description)
        return run

    routes = [Route("/", page), Route("/sandbox/static/{name}", static),
              Route("/sandbox/api/people", guarded(people), methods=["GET", "POST"]),
              Route("/sandbox/api/chats", guarded(chats)),
              Route("/sandbox/api/messages", guarded(messages)),
              Route("/sandbox/api/act/{what}", guarded(act), methods=["POST"]),
              Route("/sandbox/api/inspect", guarded(inspect)),
              Route("/sandbox/api/violations", violations),
              Route("/sandbox/api/file/{file_id}", file),
              Route("/sandbox/api/jobs/{name}", guarded(job), methods=["POST"]),
              Route("/sandbox/api/clock", guarded(clock), methods=["POST"]),
              Route("/sandbox/api/reset", guarded(reset), methods=["POST"]),
              Route("/sandbox/api/transcript", guarded(transcript), methods=["GET", "POST"]),
              Route("/sandbox/api/events", events)]
    return Starlette(routes=routes)


def _guess(kind: str) -> str:
    return {"photo": "image/jpeg", "voice": "audio/ogg", "video": "video/mp4"}.get(
        kind, "application/octet-stream")
