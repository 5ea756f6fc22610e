"""The HTTP transport of both bots: PTB's ``BaseRequest`` on asyncio protocols and ``httptools``.

Why not PTB's ``HTTPXRequest``: one ``sendMessage`` through httpx → httpcore → anyio → h11 costs
several times the CPU of this client (figures: docs/benchmarks.md, "Bot API HTTP client"), and on
a tenth of a CPU that was a quarter of the cost of a handled update.

The contract, matching ``HTTPXRequest`` (PTB 22.8):

* parameters go as ``application/x-www-form-urlencoded`` (``request_data.json_parameters``), or
  as ``multipart/form-data`` when the request uploads files (``request_data.multipart_data``);
* timeouts left at ``DEFAULT_NONE`` take the values given here; an upload's write timeout is
  ``media_write_timeout``; ``None`` means no limit;
* ``pool_timeout``: how long to wait for one of the ``connection_pool_size`` connections when
  all are busy → ``TimedOut`` ("Pool timeout: ... Request was *not* sent");
* ``connect_timeout`` covers TCP and the TLS handshake, ``write_timeout`` each wait for the
  socket to take more of the request, ``read_timeout`` each wait for more of the answer (no
  byte for that long) → ``TimedOut``; refused, unreachable, TLS or protocol failures, and a
  server that hangs up before answering → ``NetworkError``;
* HTTP/1.1 keep-alive: an idle connection is reused (the most recent first) within
  ``keepalive_expiry`` seconds (httpx's 5 s); one found closed before anything was written is
  dropped and another one used or opened. A request is never sent twice: once written, any
  failure is raised, as httpx does.

Not supported (not needed for the Bot API; documented): proxies, HTTP/2, response compression
(``Accept-Encoding: identity`` is sent), streaming of uploads (a file is read into memory,
at most 50 MB for the Bot API).
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
import ssl
from collections import deque
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httptools
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

POOL_TIMEOUT = (
    "Pool timeout: All connections in the connection pool are occupied. Request was *not* "
    "sent to Telegram. Consider adjusting the connection pool size or the pool timeout."
)
_FORM = "application/x-www-form-urlencoded"
_NO_RESPONSE = "RemoteProtocolError: Server disconnected without sending a response."
_CUT_SHORT = "RemoteProtocolError: peer closed connection without sending complete message body"

Key = tuple[str, str, int]  # scheme, host, port


@lru_cache(maxsize=512)
def _split(url: str) -> tuple[Key, str, str]:
    """``(scheme, host, port)``, the request target and the Host header of ``url``."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise NetworkError(f"UnsupportedProtocol: {url[:40]!r}")
    default = 443 if scheme == "https" else 80
    port = parts.port or default
    host = parts.hostname
    target = parts.path or "/"
    if not target.isascii():
        target = quote(target, safe="/%:@!$&'()*+,;=~")
    if parts.query:
        target = f"{target}?{parts.query}"
    header = host if ":" not in host else f"[{host}]"
    if port != default:
        header = f"{header}:{port}"
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
        filename, content = field[0], field[1]
        mimetype = field[2] if len(field) > 2 else None
        header = [b"Content-Disposition: form-data; ", _form_param("name", name)]
        if filename:
            header += [b"; ", _form_param("filename", filename)]
            mimetype = mimetype or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        if mimetype:
            header.append(f"\r\nContent-Type: {mimetype}".encode())
        if isinstance(content, str):
            content = content.encode()
        elif not isinstance(content, bytes | bytearray):
            if hasattr(content, "seek"):
                content.seek(0)
            content = content.read()
        parts += [sep, *header, b"\r\n\r\n", content, b"\r\n"]
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection; answers one request at a time."""

    def __init__(self, key: Key, pool: TelegramHTTPRequest, loop: asyncio.AbstractEventLoop):
        self.key = key
        self.pool = pool
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.idle = False
        self.idle_since = 0.0
        self.lost: asyncio.Future[None] = loop.create_future()
        self._response: asyncio.Future[tuple[int, bytes, bool]] | None = None
        self._body: list[bytes] = []
        self._headers_done = False
        self._framed = False  # Content-Length or Transfer-Encoding: not a read-until-close body
        self._keep_alive = False
        self._paused = False
        self._drain: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._last_read = 0.0

    # --- asyncio.Protocol ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self._response is None:  # nothing asked: the server is not speaking HTTP to us
            self.close()
            return
        self._last_read = self.loop.time()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(NetworkError(f"RemoteProtocolError: {exc}"))
            self.close()

    def eof_received(self) -> None:
        return None  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.lost.done():
            self.lost.set_result(None)
        if self._response is not None and not self._response.done():
            if self._headers_done and not self._framed:  # the body ran until the close
                self._complete(False)
            else:
                self._fail(NetworkError(_CUT_SHORT if self._headers_done else _NO_RESPONSE))
        self._wake_writer()
        self.pool._lost(self)

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        self._wake_writer()

    # --- httptools callbacks -------------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(name) in (14, 17) and name.lower() in (b"content-length", b"transfer-encoding"):
            self._framed = True

    def on_headers_complete(self) -> None:
        self._headers_done = True
        self._keep_alive = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        if self.parser.get_status_code() < 200:  # 1xx: the real answer follows
            self._body.clear()
            self._headers_done = self._framed = False
            return
        self._complete(self._keep_alive)

    # --- requests ------------------------------------------------------------------------------

    def _complete(self, keep_alive: bool) -> None:
        response, self._response = self._response, None
        body = b"".join(self._body)
        self._body.clear()
        if response is not None and not response.done():
            response.set_result((self.parser.get_status_code(), body, keep_alive))
        if self._paused:  # answered before taking the whole request
            self._wake_writer()

    def _fail(self, exc: Exception) -> None:
        response, self._response = self._response, None
        if response is not None and not response.done():
            response.set_exception(exc)
        self._wake_writer()

    def _wake_writer(self) -> None:
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)

    def _read_timer(self, timeout: float) -> None:
        idle = self.loop.time() - self._last_read
        if idle < timeout:  # bytes came meanwhile: wait from the last of them
            self._timer = self.loop.call_later(timeout - idle, self._read_timer, timeout)
        else:
            self._timer = None
            self._fail(TimedOut())

    async def request(self, data: bytes | list[bytes], write_timeout: float | None,
                      read_timeout: float | None) -> tuple[int, bytes, bool]:
        """Send ``data`` (one whole request) and return (status, body, reusable)."""
        response = self._response = self.loop.create_future()
        self._headers_done = self._framed = False
        if isinstance(data, list):
            self.transport.writelines(data)  # type: ignore[union-attr]
        else:
            self.transport.write(data)  # type: ignore[union-attr]
        while self._paused and not self.closed and not response.done():
            self._drain = self.loop.create_future()
            try:
                async with asyncio.timeout(write_timeout):
                    await self._drain
            except TimeoutError:
                raise TimedOut() from None
        if read_timeout is not None and not response.done():
            self._last_read = self.loop.time()
            self._timer = self.loop.call_later(read_timeout, self._read_timer, read_timeout)
        try:
            status, body, keep_alive = await response
            # answered before the request was written out: the connection is not reusable
            return status, body, keep_alive and not self._paused
        finally:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def usable(self, now: float, expiry: float) -> bool:
        return not self.closed and now - self.idle_since < expiry \
            and not self.transport.is_closing()  # type: ignore[union-attr]

    def close(self) -> None:
        self.idle = False
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()


class TelegramHTTPRequest(BaseRequest):
    """PTB's ``BaseRequest`` over a pool of HTTP/1.1 keep-alive connections (see the module)."""

    def __init__(self, connection_pool_size: int = 256, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0, media_write_timeout: float | None = 20.0,
                 ssl_context: ssl.SSLContext | None = None, keepalive_expiry: float = 5.0):
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._max = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._ssl = ssl_context
        self._expiry = keepalive_expiry
        self._idle: dict[Key, list[_Connection]] = {}
        self._open: set[_Connection] = set()
        self._slots = 0  # connections open or being opened (at most connection_pool_size)
        self._waiters: deque[asyncio.Future[_Connection | None]] = deque()
        self._closed = False

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        self._closed = False

    async def shutdown(self) -> None:
        """Close every connection (waiting up to a second for the closes to complete)."""
        if self._closed:
            return
        self._closed = True
        for conns in self._idle.values():
            for conn in conns:
                conn.close()  # busy connections give their slot back when their request fails
                self._slots -= 1
        self._idle.clear()
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(NetworkError("TelegramHTTPRequest shut down"))
        conns = list(self._open)
        for conn in conns:
            conn.close()
        pending = [conn.lost for conn in conns if not conn.lost.done()]
        if pending:
            await asyncio.wait(pending, timeout=1.0)
        for conn in conns:
            if not conn.lost.done() and conn.transport is not None:
                conn.transport.abort()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._closed:
            raise RuntimeError("This TelegramHTTPRequest is not initialized!")
        files = request_data.multipart_data if request_data is not None else None
        if isinstance(read_timeout, DefaultValue):
            read_timeout = self._read_timeout
        if isinstance(connect_timeout, DefaultValue):
            connect_timeout = self._connect_timeout
        if isinstance(pool_timeout, DefaultValue):
            pool_timeout = self._pool_timeout
        if isinstance(write_timeout, DefaultValue):
            write_timeout = self._media_write_timeout if files else self._write_timeout

        key, target, host = _split(url)
        content_type: str | None = None
        if files:
            content_type, body = _multipart(request_data.json_parameters, files)  # type: ignore
        elif request_data is not None:
            content_type, body = _FORM, urlencode(request_data.json_parameters).encode()
        else:
            body = b""
        head = (f"{method} {target} HTTP/1.1\r\nHost: {host}\r\n"
                f"User-Agent: {self.USER_AGENT}\r\nAccept: */*\r\nAccept-Encoding: identity\r\n")
        if content_type is not None:
            head += f"Content-Type: {content_type}\r\n"
        if body or method != "GET":
            head += f"Content-Length: {len(body)}\r\n"
        data: bytes | list[bytes] = (head + "\r\n").encode()
        if len(body) < 65536:
            data += body  # type: ignore[operator]
        else:
            data = [data, body]  # type: ignore[list-item]

        loop = asyncio.get_running_loop()
        conn = await self._acquire(loop, key, pool_timeout, connect_timeout)
        try:
            status, payload, reusable = await conn.request(data, write_timeout, read_timeout)
        except BaseException:
            self._release(conn, False)
            raise
        self._release(conn, reusable)
        return status, payload

    # --- the pool ------------------------------------------------------------------------------

    async def _acquire(self, loop: asyncio.AbstractEventLoop, key: Key,
                       pool_timeout: float | None, connect_timeout: float | None) -> _Connection:
        idle = self._idle.get(key)
        if idle:
            conn = idle.pop()
            conn.idle = False
            if conn.usable(loop.time(), self._expiry):
                return conn
            conn.close()  # stale: nothing was written to it; its slot is ours
            return await self._connect(loop, key, connect_timeout)
        if self._slots < self._max:
            self._slots += 1
            return await self._connect(loop, key, connect_timeout)
        for conns in self._idle.values():  # an idle connection to another host gives way
            if conns:
                conns.pop().close()
                return await self._connect(loop, key, connect_timeout)
        waiter: asyncio.Future[_Connection | None] = loop.create_future()
        self._waiters.append(waiter)
        timer = None if pool_timeout is None else loop.call_later(
            pool_timeout, self._pool_timed_out, waiter)
        try:
            got = await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                got = waiter.result()  # handed over just as we were cancelled: give it back
                if got is None:
                    self._free_slot()
                else:
                    self._release(got, True)
            raise
        finally:
            if timer is not None:
                timer.cancel()
        if got is not None and got.key == key and not got.closed:
            return got
        if got is not None:
            got.close()
        return await self._connect(loop, key, connect_timeout)

    def _pool_timed_out(self, waiter: asyncio.Future) -> None:
        if not waiter.done():
            waiter.set_exception(TimedOut(POOL_TIMEOUT))
            try:
                self._waiters.remove(waiter)
            except ValueError:
                pass

    async def _connect(self, loop: asyncio.AbstractEventLoop, key: Key,
                       timeout: float | None) -> _Connection:
        """Open a connection on a slot already counted (freed again if this fails)."""
        scheme, host, port = key
        tls = None
        if scheme == "https":
            tls = self._ssl = self._ssl or ssl.create_default_context()
        try:
            if self._closed:
                raise RuntimeError("This TelegramHTTPRequest is not initialized!")
            try:
                async with asyncio.timeout(timeout):
                    _, conn = await loop.create_connection(
                        lambda: _Connection(key, self, loop), host, port, ssl=tls,
                        server_hostname=host if tls else None)
            except TimeoutError as exc:
                raise TimedOut() from exc
            except OSError as exc:  # refused, unreachable, DNS, TLS (ssl.SSLError)
                raise NetworkError(f"ConnectError: {exc}") from exc
        except BaseException:
            self._free_slot()
            raise
        self._open.add(conn)
        return conn

    def _release(self, conn: _Connection, reusable: bool) -> None:
        if reusable and not conn.closed and not self._closed:
            while self._waiters:
                waiter = self._waiters.popleft()
                if not waiter.done():
                    waiter.set_result(conn)
                    return
            conn.idle = True
            conn.idle_since = conn.loop.time()
            self._idle.setdefault(conn.key, []).append(conn)
            return
        conn.close()
        self._free_slot()

    def _free_slot(self) -> None:
        """A slot is free: the first waiter opens a connection on it, or it is given back."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._slots -= 1

    def _lost(self, conn: _Connection) -> None:
        """``conn`` closed; an idle one is dropped from the pool here (a busy one on release)."""
        self._open.discard(conn)
        if conn.idle:
            conn.idle = False
            self._idle[conn.key].remove(conn)
            self._free_slot()
