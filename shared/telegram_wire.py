"""What a Bot API call looks like on the wire (``shared.telegram_http`` sends it): the
connection it goes to, the HTTP/1.1 head and its form-encoded or multipart body, byte for byte as
PTB's ``HTTPXRequest`` (httpx) writes them."""

from __future__ import annotations

import mimetypes
import os
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

_FORM = "application/x-www-form-urlencoded"
_HEADERS = f"User-Agent: {BaseRequest.USER_AGENT}\r\nAccept: */*\r\nAccept-Encoding: identity\r\n"
Key = tuple[str, str, int]  # scheme, host, port


def encode(method: str, url: str, request_data: RequestData | None,
           files: dict[str, Any] | None) -> tuple[Key, bytes]:
    """The connection ``(scheme, host, port)`` a call goes to, and the bytes to write to it
    (``files``: the request data's ``multipart_data``, which PTB builds at each access)."""
    key, target, host = _split(url)
    head = f"{method} {target} HTTP/1.1\r\nHost: {host}\r\n{_HEADERS}"
    body = b""
    if request_data is not None:
        content_type, body = _multipart(request_data.json_parameters, files) if files else (
            _FORM, urlencode(request_data.json_parameters).encode())
        head += f"Content-Type: {content_type}\r\n"
    if body or method != "GET":
        head += f"Content-Length: {len(body)}\r\n"
    return key, (head + "\r\n").encode() + body


@lru_cache(maxsize=512)
def _split(url: str) -> tuple[Key, str, str]:
    """``(scheme, host, port)``, the request target and the Host header of ``url``."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise NetworkError(f"UnsupportedProtocol: {url[:40]!r}")
    default = 443 if scheme == "https" else 80
    host, port, target = parts.hostname, parts.port or default, parts.path or "/"
    if not target.isascii():
        target = quote(target, safe="/%:@!$&'()*+,;=~")
    if parts.query:
        target = f"{target}?{parts.query}"
    header = (host if ":" not in host else f"[{host}]") + (f":{port}" if port != default else "")
    return (scheme, host, port), target, header


def _form_param(name: str, value: str) -> bytes:
    # as httpx writes a multipart parameter (HTML5 form encoding of '"', '\' and controls)
    value = value.replace("\\", "\\\\").replace('"', "%22")
    value = "".join(f"%{ord(c):02X}" if ord(c) < 0x20 and c != "\x1b" else c for c in value)
    return f'{name}="{value}"'.encode()


def _multipart(fields: dict[str, str], files: dict[str, Any]) -> tuple[str, bytes]:
    """The ``multipart/form-data`` body of ``fields`` and ``files``, as httpx lays it out."""
    boundary = os.urandom(16).hex()
    sep = f"--{boundary}\r\n".encode()
    parts: list[bytes] = []
    for name, value in fields.items():
        parts += [sep, b"Content-Disposition: form-data; ", _form_param("name", name),
                  b"\r\n\r\n", value.encode(), b"\r\n"]
    for name, field in files.items():
        filename, content, mimetype = field  # PTB's InputFile.field_tuple
        header = [b"Content-Disposition: form-data; ", _form_param("name", name)]
        if filename:
            header += [b"; ", _form_param("filename", filename)]
            mimetype = mimetype or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        if mimetype:
            header.append(f"\r\nContent-Type: {mimetype}".encode())
        if not isinstance(content, bytes):  # a file handle (InputFile(read_file_handle=False))
            if hasattr(content, "seek"):
                content.seek(0)
            content = content.read()
        parts += [sep, *header, b"\r\n\r\n", content, b"\r\n"]
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)
