"""The HTTP client of both bots: PTB's ``BaseRequest`` on asyncio protocols and ``httptools``.

PTB's ``HTTPXRequest`` (httpx → httpcore → anyio → h11) costs about ten times the CPU per Bot
API call (docs/benchmarks.md, "Bot API HTTP client"). The contract is HTTPXRequest's (PTB 22.8):

* parameters go form-encoded (``request_data.json_parameters``), or as multipart/form-data with
  the files of ``request_data.multipart_data``;
* a timeout left at ``DEFAULT_NONE`` takes the value given here (an upload's write timeout:
  ``media_write_timeout``); ``None`` means no limit. ``pool_timeout``: the wait for one of the
  ``connection_pool_size`` connections → ``TimedOut("Pool timeout: ...")``, nothing sent;
  ``connect_timeout``: TCP and TLS handshake; ``write_timeout``: each wait for the socket to take
  more; ``read_timeout``: no byte of the answer for that long → ``TimedOut``; refused, DNS, TLS,
  protocol errors and a server that hangs up before answering → ``NetworkError``;
* HTTP/1.1 keep-alive, the most recently used idle connection first, for ``keepalive_expiry``
  (httpx's 5 s). One found closed before anything was written to it is replaced; a request that
  was written is never sent again: its failure is raised, as httpx does.

Not supported (not needed for the Bot API): proxies, HTTP/2, compressed answers
(``Accept-Encoding: identity`` is sent), streamed uploads (a file is read into memory).
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from functools import cache
from typing import Any

import httptools
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from shared.telegram_wire import Key, encode

POOL_TIMEOUT = ("Pool timeout: All connections in the connection pool are occupied. Request "
                "was *not* sent to Telegram. Consider adjusting the connection pool size or the "
                "pool timeout.")
_NO_RESPONSE = "RemoteProtocolError: Server disconnected without sending a response."
_CUT_SHORT = "RemoteProtocolError: peer closed connection without sending complete message body"

_DEFAULT = BaseRequest.DEFAULT_NONE


@cache
def default_tls() -> ssl.SSLContext:
    """One TLS context for every HTTPS client of the process (each would load the CA bundle:
    ~20 ms of CPU), built by the first https connection."""
    import certifi  # httpx's default too (a dependency of httpx)

    return ssl.create_default_context(cafile=certifi.where())


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection; answers one request at a time."""

    def __init__(self, key: Key, pool: TelegramHTTPRequest, loop: asyncio.AbstractEventLoop):
        self.key, self.pool, self.loop = key, pool, loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = self.idle = False
        self.idle_since = self._last_read = 0.0
        self.lost: asyncio.Future[None] = loop.create_future()  # set when the socket is closed
        self._response: asyncio.Future[tuple[int, bytes, bool]] | None = None
        self._body: list[bytes] = []
        # _framed: Content-Length or Transfer-Encoding seen (not a body that ends with the close)
        self._headers_done = self._framed = self._keep_alive = self._paused = False
        self._drain: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None

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

    def _complete(self, keep_alive: bool) -> None:
        response, self._response = self._response, None
        body, self._body = b"".join(self._body), []
        if response is not None and not response.done():
            response.set_result((self.parser.get_status_code(), body, keep_alive))
        self._wake_writer()  # in case it answered before taking the whole request

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

    async def request(self, data: bytes, write_timeout: float | None,
                      read_timeout: float | None) -> tuple[int, bytes, bool]:
        """Send ``data`` (one whole request) and return (status, body, reusable)."""
        response = self._response = self.loop.create_future()
        self._headers_done = self._framed = False
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
        self._max, self._ssl, self._expiry = connection_pool_size, ssl_context, keepalive_expiry
        self._read_timeout, self._write_timeout = read_timeout, write_timeout
        self._connect_timeout, self._pool_timeout = connect_timeout, pool_timeout
        self._media_write_timeout = media_write_timeout
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
        self._slots -= sum(len(conns) for conns in self._idle.values())  # busy ones: on release
        self._idle.clear()
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(NetworkError("TelegramHTTPRequest shut down"))
        self._waiters.clear()
        conns = list(self._open)
        for conn in conns:
            conn.close()
        pending = [conn.lost for conn in conns if not conn.lost.done()]
        if pending:
            await asyncio.wait(pending, timeout=1.0)
        for conn in conns:
            if not conn.lost.done():
                conn.transport.abort()  # type: ignore[union-attr]

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = _DEFAULT, write_timeout: Any = _DEFAULT,
                         connect_timeout: Any = _DEFAULT,
                         pool_timeout: Any = _DEFAULT) -> tuple[int, bytes]:
        if self._closed:
            raise RuntimeError("This TelegramHTTPRequest is not initialized!")
        files = request_data.multipart_data if request_data is not None else None
        default = DefaultValue
        read = self._read_timeout if isinstance(read_timeout, default) else read_timeout
        connect = self._connect_timeout if isinstance(connect_timeout, default) else connect_timeout
        pool = self._pool_timeout if isinstance(pool_timeout, default) else pool_timeout
        write = write_timeout if not isinstance(write_timeout, default) else (
            self._media_write_timeout if files else self._write_timeout)
        key, data = encode(method, url, request_data, files)
        loop = asyncio.get_running_loop()
        conn = await self._acquire(loop, key, pool, connect)
        try:
            status, payload, reusable = await conn.request(data, write, read)
        except BaseException:
            self._release(conn, False)
            raise
        self._release(conn, reusable)
        return status, payload

    async def _acquire(self, loop: asyncio.AbstractEventLoop, key: Key,
                       pool_timeout: float | None, connect_timeout: float | None) -> _Connection:
        idle = self._idle.get(key)
        if idle:
            conn = idle.pop()
            conn.idle = False
            if loop.time() - conn.idle_since < self._expiry and not conn.closed \
                    and not conn.transport.is_closing():  # type: ignore[union-attr]
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
        self._waiters.append(waiter)  # a cancelled one is skipped when its turn comes
        try:
            async with asyncio.timeout(pool_timeout):
                got = await waiter
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                got = waiter.result()  # handed over just as we gave up: give it back
                if got is None:
                    self._free_slot()
                else:
                    self._release(got, True)
            if isinstance(exc, TimeoutError):
                raise TimedOut(POOL_TIMEOUT) from None
            raise
        if got is not None and got.key == key and not got.closed:
            return got
        if got is not None:
            got.close()
        return await self._connect(loop, key, connect_timeout)

    async def _connect(self, loop: asyncio.AbstractEventLoop, key: Key,
                       timeout: float | None) -> _Connection:
        """Open a connection on a slot already counted (freed again if this fails)."""
        scheme, host, port = key
        tls = (self._ssl or default_tls()) if scheme == "https" else None
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
            if not self._hand_over(conn):
                conn.idle, conn.idle_since = True, conn.loop.time()
                self._idle.setdefault(conn.key, []).append(conn)
            return
        conn.close()
        self._free_slot()

    def _free_slot(self) -> None:
        """A slot is free: the first waiter opens a connection on it, or it is given back."""
        if not self._hand_over(None):
            self._slots -= 1

    def _hand_over(self, conn: _Connection | None) -> bool:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return True
        return False

    def _lost(self, conn: _Connection) -> None:
        """``conn`` closed; an idle one is dropped from the pool here (a busy one on release)."""
        self._open.discard(conn)
        if conn.idle:
            conn.idle = False
            self._idle[conn.key].remove(conn)
            self._free_slot()
