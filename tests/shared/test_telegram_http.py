"""shared.telegram_http through real HTTP: a PTB Bot against the fake Bot API, and a raw server in
a thread of its own for what a well-behaved server never does (slow, hanging up, chunked, TLS)."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import threading
import time
from pathlib import Path

import httptools
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from shared.telegram_http import TelegramHTTPRequest
from tests.fakes.server import free_port
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.tls import self_signed

TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"


class RawServer:
    """An HTTP/1.1 server on its own event loop in a thread: each request gets the next answer
    of ``script`` ("ok" when it is empty); it counts connections and requests."""

    ANSWERS = ("ok", "slow", "hang-up", "chunked", "until-close", "ok-then-close")

    def __init__(self, tls: ssl.SSLContext | None = None, delay: float = 0.5) -> None:
        self.tls, self.delay = tls, delay
        self.script: list[str] = []
        self.accepted = self.open = self.requests = self.busy = self.most_busy = 0
        self.bodies: list[bytes] = []
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> RawServer:
        self._thread.start()
        self.server = asyncio.run_coroutine_threadsafe(self._listen(), self.loop).result(5)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _listen(self) -> asyncio.Server:
        return await asyncio.get_running_loop().create_server(
            lambda: _ServerSide(self), "127.0.0.1", 0, ssl=self.tls)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)

    def url(self, method: str = "sendMessage") -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}/bot{TOKEN}/{method}"


class _ServerSide(asyncio.Protocol):
    def __init__(self, server: RawServer) -> None:
        self.server = server
        self.parser = httptools.HttpRequestParser(self)
        self.body = b""

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.server.accepted += 1
        self.server.open += 1

    def connection_lost(self, exc) -> None:
        self.server.open -= 1

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        srv = self.server
        srv.requests += 1
        srv.bodies.append(self.body)
        self.body = b""
        answer = srv.script.pop(0) if srv.script else "ok"
        srv.busy += 1
        srv.most_busy = max(srv.most_busy, srv.busy)
        payload = json.dumps({"ok": True, "result": {"n": srv.requests}}).encode()
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        if answer == "hang-up":
            srv.busy -= 1
            self.transport.close()
            return
        if answer == "chunked":
            data = head + b"Transfer-Encoding: chunked\r\n\r\n" + b"".join(
                b"%x\r\n%s\r\n" % (len(part), part) for part in (payload[:5], payload[5:])
            ) + b"0\r\n\r\n"
        elif answer == "until-close":
            data = head + b"Connection: close\r\n\r\n" + payload
        else:
            data = head + b"Content-Length: %d\r\n\r\n" % len(payload) + payload

        def send() -> None:
            srv.busy -= 1
            self.transport.write(data)
            if answer in ("until-close", "ok-then-close"):
                self.transport.close()

        if answer == "slow":
            srv.loop.call_later(srv.delay, send)
        else:
            send()


def params(**values: object) -> RequestData:
    return RequestData([RequestParameter(k, v, []) for k, v in values.items()])


@pytest.fixture
def raw():
    server = RawServer().start()
    yield server
    server.stop()


# --- a real Bot against the fake Bot API --------------------------------------------------------

async def test_a_bot_speaks_to_the_bot_api_through_it() -> None:
    fake = FakeTelegram().start()
    try:
        bot = Bot(TOKEN, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot",
                  request=TelegramHTTPRequest(connection_pool_size=4))
        async with bot:  # initialize() calls getMe
            me = await bot.get_me()
            assert me.username == "bot123456_bot"
            keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Да ✅", callback_data="y:1")]])
            text = "<b>Привет</b> &amp; welcome: 100% + «quotes» = ok?"
            sent = await bot.send_message(42, text, parse_mode="HTML", reply_markup=keyboard)
            assert sent.chat.id == 42
            call = fake.calls_of("sendMessage")[-1]
            assert call.params["text"] == text
            assert call.params["reply_markup"] == keyboard.to_dict()

            photo = bytes(range(256)) * 40
            await bot.send_photo(42, photo=photo, caption="a \"quoted\" caption",
                                 filename='pic "1".png')
            assert fake.uploads[-1][:2] == ("sendPhoto", "photo")
            assert fake.uploads[-1][3] == photo
            assert fake.calls_of("sendPhoto")[-1].params["caption"] == 'a "quoted" caption'

            fake.files["doc1"] = b"file content " * 1000
            tg_file = await bot.get_file("doc1")
            assert await tg_file.download_as_bytearray() == fake.files["doc1"]
    finally:
        fake.stop()


# --- the raw server -----------------------------------------------------------------------------

async def test_sequential_requests_reuse_one_connection(raw: RawServer) -> None:
    request = TelegramHTTPRequest()
    for n in range(1, 31):
        assert await request.post(raw.url(), params(chat_id=1, text=f"hi {n}")) == {"n": n}
    assert raw.accepted == 1
    assert raw.bodies[0] == b"chat_id=1&text=hi+1"
    await request.shutdown()


async def test_chunked_and_read_until_close_answers(raw: RawServer) -> None:
    request = TelegramHTTPRequest()
    raw.script = ["chunked", "chunked", "until-close", "ok"]
    assert [await request.post(raw.url(), params(chat_id=1)) for _ in range(4)] == [
        {"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}]
    assert raw.accepted == 2  # the read-until-close answer ended its connection
    await request.shutdown()


async def test_more_requests_than_connections_wait_for_one(raw: RawServer) -> None:
    raw.delay = 0.05
    raw.script = ["slow"] * 40
    request = TelegramHTTPRequest(connection_pool_size=4, pool_timeout=None)
    results = await asyncio.gather(*(request.post(raw.url(), params(chat_id=n))
                                     for n in range(40)))
    assert sorted(r["n"] for r in results) == list(range(1, 41))
    assert raw.accepted == 4
    assert raw.most_busy <= 4
    await request.shutdown()


async def test_a_full_pool_times_out_without_sending(raw: RawServer) -> None:
    raw.script = ["slow"]
    request = TelegramHTTPRequest(connection_pool_size=1, pool_timeout=0.1)
    first = asyncio.create_task(request.post(raw.url(), params(chat_id=1)))
    await asyncio.sleep(0.05)
    with pytest.raises(TimedOut, match="Pool timeout"):
        await request.post(raw.url(), params(chat_id=2))
    assert await first == {"n": 1}
    assert raw.requests == 1
    assert await request.post(raw.url(), params(chat_id=3)) == {"n": 2}  # the slot came back
    await request.shutdown()


async def test_a_slow_answer_times_out_and_its_connection_is_dropped(raw: RawServer) -> None:
    raw.script = ["slow"]
    request = TelegramHTTPRequest(read_timeout=0.1)
    started = time.monotonic()
    with pytest.raises(TimedOut):
        await request.post(raw.url(), params(chat_id=1))
    assert time.monotonic() - started < 0.4
    # a per-call read timeout wins over the default
    raw.script = ["slow"]
    assert await request.post(raw.url(), params(chat_id=1), read_timeout=2) == {"n": 2}
    assert raw.accepted == 2  # the timed-out connection was not reused
    await request.shutdown()


async def test_a_hang_up_is_a_network_error_and_the_post_is_not_sent_again(
        raw: RawServer) -> None:
    request = TelegramHTTPRequest()
    await request.post(raw.url(), params(chat_id=1))
    raw.script = ["hang-up"]
    with pytest.raises(NetworkError, match="Server disconnected without sending a response"):
        await request.post(raw.url(), params(chat_id=2))
    assert raw.requests == 2  # sent once, not retried
    assert await request.post(raw.url(), params(chat_id=3)) == {"n": 3}
    await request.shutdown()


async def test_a_keep_alive_connection_closed_while_idle_is_replaced(raw: RawServer) -> None:
    request = TelegramHTTPRequest()
    raw.script = ["ok-then-close"]  # answers without "Connection: close", then hangs up
    assert await request.post(raw.url(), params(chat_id=1)) == {"n": 1}
    await asyncio.sleep(0.1)
    assert await request.post(raw.url(), params(chat_id=2)) == {"n": 2}
    assert raw.accepted == 2
    assert raw.requests == 2
    await request.shutdown()


async def test_an_expired_keep_alive_connection_is_not_reused(raw: RawServer) -> None:
    request = TelegramHTTPRequest(keepalive_expiry=0.05)
    await request.post(raw.url(), params(chat_id=1))
    await asyncio.sleep(0.1)
    await request.post(raw.url(), params(chat_id=2))
    assert raw.accepted == 2
    await request.shutdown()


async def test_a_refused_connection_is_a_network_error() -> None:
    request = TelegramHTTPRequest(connection_pool_size=1)
    url = f"http://127.0.0.1:{free_port()}/bot{TOKEN}/getMe"
    for _ in range(3):  # the slot is given back each time
        with pytest.raises(NetworkError, match="ConnectError"):
            await request.post(url)
    await request.shutdown()


async def test_a_write_that_cannot_go_out_times_out() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts, never reads
    try:
        request = TelegramHTTPRequest(write_timeout=0.2, media_write_timeout=0.2)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/bot{TOKEN}/sendDocument"
        from telegram import InputFile
        big = InputFile(b"x" * 30_000_000, filename="big.bin")
        data = RequestData([RequestParameter.from_input("document", big)])
        assert data.contains_files
        with pytest.raises(TimedOut):
            await request.post(url, data)
        await request.shutdown()
    finally:
        listener.close()


async def test_shutdown_closes_every_connection(raw: RawServer) -> None:
    raw.delay = 0.05
    raw.script = ["slow"] * 5
    request = TelegramHTTPRequest()
    await asyncio.gather(*(request.post(raw.url(), params(chat_id=n)) for n in range(5)))
    assert raw.open == 5
    await request.shutdown()
    for _ in range(50):
        if raw.open == 0:
            break
        await asyncio.sleep(0.02)
    assert raw.open == 0
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(raw.url(), "POST")
    await request.initialize()  # and it can start again, as PTB may do
    assert await request.post(raw.url(), params(chat_id=1)) == {"n": 6}
    await request.shutdown()


async def test_tls_against_a_self_signed_server(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    server = RawServer(tls=server_tls).start()
    try:
        request = TelegramHTTPRequest(ssl_context=ssl.create_default_context(cafile=str(cert)))
        for n in range(1, 6):
            assert await request.post(server.url(), params(chat_id=n)) == {"n": n}
        assert server.accepted == 1
        await request.shutdown()
        # a client that does not trust the certificate refuses the server
        untrusting = TelegramHTTPRequest()
        with pytest.raises(NetworkError, match="CERTIFICATE_VERIFY_FAILED"):
            await untrusting.post(server.url(), params(chat_id=1))
        await untrusting.shutdown()
    finally:
        server.stop()


def test_the_bots_use_it_unless_told_to_use_httpx() -> None:
    from telegram.request import HTTPXRequest

    from shared.bots import bot_api_request
    from shared.config import load_settings

    chosen = bot_api_request(load_settings(_env_file=None), 8, read_timeout=20)
    assert isinstance(chosen, TelegramHTTPRequest)
    assert chosen.read_timeout == 20
    fallback = load_settings(_env_file=None, TELEGRAM_HTTP_CLIENT="httpx")
    assert isinstance(bot_api_request(fallback, 8, read_timeout=20), HTTPXRequest)
