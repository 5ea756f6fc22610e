"""The emulator over HTTP, as Telegram serves it: ``/bot<token>/<method>`` (JSON, form or
multipart bodies, or a query string; nested values JSON-encoded as PTB sends them) and
``/file/bot<token>/<file_path>``. ``app(emu)`` is a Starlette app, to serve on its own or to
mount in another."""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shared.emulator.core import Emulator, with_files
from shared.emulator.spec import Upload, method_names

_CANONICAL = {name.lower(): name for name in method_names()}


async def read_params(emu: Emulator, request: Request,
                      method: str) -> tuple[dict[str, Any], dict[str, Upload]]:
    """The call's parameters (files as ``Upload``) and its attached files by part name."""
    ctype = request.headers.get("content-type", "")
    params: dict[str, Any] = dict(request.query_params)
    files: dict[str, Upload] = {}
    if "application/json" in ctype:
        body = await request.body()
        if body:
            decoded = json.loads(body)
            if isinstance(decoded, dict):
                params.update(decoded)
    elif "form" in ctype:
        form = await request.form()
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                files[key] = Upload(value.filename, await value.read(), value.content_type)
            else:
                params[key] = value
    return with_files(emu, method, params, files), files



def app(emu: Emulator) -> Starlette:
    """The HTTP face of ``emu``."""

    async def handle(request: Request) -> JSONResponse:
        """``/bot<token>/<method>``: one Bot API call."""
        token = request.path_params["token"]
        raw = request.path_params["method"]
        method = _CANONICAL.get(raw.lower(), raw)
        try:
            params, files = await read_params(emu, request, method)
        except ValueError:
            return JSONResponse({"ok": False, "error_code": 400,
                                 "description": "Bad Request: can't parse JSON"}, 400)
        status, body = await emu.call(token, method, params, files)
        return JSONResponse(body, status_code=status)

    async def download(request: Request) -> Response:
        """``/file/bot<token>/<file_path>``: a stored file's bytes."""
        file_id = request.path_params["path"].rsplit("/", 1)[-1]
        record = emu.world.files.get(file_id)
        if record is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"},
                                404)
        return Response(record.content,
                        media_type=record.mime_type or "application/octet-stream")

    return Starlette(routes=[
        Route("/bot{token}/{method}", handle, methods=["GET", "POST"]),
        Route("/file/bot{token}/{path:path}", download, methods=["GET"]),
    ])
