"""The bots' Bot API client in the sandbox: PTB's ``BaseRequest`` answered by the emulator in
the same process, with no socket in between.

The parameters are the ones PTB would send over HTTP (``json_parameters``: nested values
JSON-encoded, as in a form) and the files its multipart parts, so the emulator checks exactly
what Telegram would receive. File downloads (``/file/bot<token>/<path>``) are served from the
emulator's files.
"""

from __future__ import annotations

from typing import Any

import orjson
from telegram.request import BaseRequest, RequestData

from shared.emulator import Emulator
from shared.emulator.core import with_files
from shared.emulator.spec import Upload, method_names

_CANONICAL = {name.lower(): name for name in method_names()}


class InProcessRequest(BaseRequest):
    """One bot's requests, handed to ``emu.call``."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None,
                         connect_timeout: Any = None, pool_timeout: Any = None,
                         ) -> tuple[int, bytes]:
        path = url.split("://", 1)[-1].split("/", 1)[-1]
        if path.startswith("file/bot"):
            file_id = path.rsplit("/", 1)[-1]
            record = self.emu.world.files.get(file_id)
            if record is None:
                return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'
            return 200, record.content
        token, _, raw = path[len("bot"):].partition("/")
        name = _CANONICAL.get(raw.lower(), raw)
        params: dict[str, Any] = dict(request_data.json_parameters) if request_data else {}
        files: dict[str, Upload] = {}
        if request_data is not None and request_data.contains_files:
            for part, value in request_data.multipart_data.items():
                filename, content, mime = value[0], value[1], (value[2] if len(value) > 2
                                                                else None)
                if hasattr(content, "read"):
                    content = content.read()
                files[part] = Upload(filename, bytes(content), mime)
            params = with_files(self.emu, name, params, files)
        status, body = await self.emu.call(token, name, params, files)
        return status, orjson.dumps(body)
