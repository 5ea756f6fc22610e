"""CPU per Bot API request of PTB's HTTPXRequest, an aiohttp BaseRequest and shared.telegram_http.

Each client runs in a fresh process of its own (so that its import time and memory are its own)
and POSTs a sendMessage-like form (chat_id, text, parse_mode) through ``BaseRequest.post`` (the
call PTB's ``Bot`` makes) to a server in another process: N requests one after the other, then N
with 30 in flight. The figure is the client process's CPU time (``time.process_time()``) divided
by N. The server is a small uvloop + httptools one answering like api.telegram.org (nginx headers,
Content-Length, keep-alive, a sendMessage result), over plain HTTP or TLS (``--tls``: a
self-signed certificate from tests/fakes/tls.py), or the project's fake Bot API
(``--server fake``).

    python bench/http_client.py                     # 3 rounds x 3,000 requests, HTTP then TLS
    python bench/http_client.py --only ours --rounds 1 --requests 1000
    python bench/http_client.py --aiohttp-path DIR  # where aiohttp is installed, if not in the env

aiohttp is not a dependency of the project: install it aside to compare
(``pip install --target /tmp/aiohttp-bench aiohttp==3.14.5``) and pass that folder.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = ("httpx", "aiohttp", "ours")
TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
RESULT = json.dumps({"ok": True, "result": {
    "message_id": 4711, "from": {"id": 123456, "is_bot": True, "first_name": "Bench",
                                 "username": "bench_bot"},
    "chat": {"id": 987654321, "first_name": "Ann", "type": "private"},
    "date": 1764979200, "text": "Hello, this is the answer to your question about module 3."}},
    separators=(",", ":")).encode()


# --- the server --------------------------------------------------------------------------------

def serve(port: int, cert: str | None, key: str | None) -> None:
    import ssl

    import httptools
    import uvloop

    head = (b"HTTP/1.1 200 OK\r\nServer: nginx/1.18.0\r\nDate: Sat, 06 Dec 2026 02:00:00 GMT\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\nConnection: keep-alive\r\n"
            b"Strict-Transport-Security: max-age=31536000; includeSubDomains; preload\r\n"
            b"Access-Control-Allow-Origin: *\r\n"
            b"Access-Control-Expose-Headers: Content-Length,Content-Type,Date,Server,Connection"
            b"\r\n\r\n" % len(RESULT))
    answer = head + RESULT

    class Server(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport = transport
            self.parser = httptools.HttpRequestParser(self)

        def data_received(self, data):
            self.parser.feed_data(data)

        def on_message_complete(self):
            self.transport.write(answer)

    async def main() -> None:
        tls = None
        if cert:
            tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls.load_cert_chain(cert, key)
        server = await asyncio.get_running_loop().create_server(Server, "127.0.0.1", port,
                                                                ssl=tls, backlog=512)
        print("ready", flush=True)
        await server.serve_forever()

    uvloop.run(main())


# --- one client, in its own process -----------------------------------------------------------

def aiohttp_request_class():
    """A minimal aiohttp BaseRequest: what a library-based transport would cost."""
    import aiohttp
    from telegram._utils.defaultvalue import DefaultValue
    from telegram.error import NetworkError, TimedOut
    from telegram.request import BaseRequest

    class AiohttpRequest(BaseRequest):
        def __init__(self, pool: int, ssl_context) -> None:
            self._pool, self._ssl, self._session = pool, ssl_context, None

        @property
        def read_timeout(self):
            return 5.0

        async def initialize(self) -> None:
            if self._session is None:
                self._session = aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(limit=self._pool, ssl=self._ssl))

        async def shutdown(self) -> None:
            if self._session is not None:
                await self._session.close()
                self._session = None

        async def do_request(self, url, method, request_data=None,
                             read_timeout=BaseRequest.DEFAULT_NONE,
                             write_timeout=BaseRequest.DEFAULT_NONE,
                             connect_timeout=BaseRequest.DEFAULT_NONE,
                             pool_timeout=BaseRequest.DEFAULT_NONE):
            read = 5.0 if isinstance(read_timeout, DefaultValue) else read_timeout
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=5.0, sock_read=read)
            data = request_data.json_parameters if request_data else None
            try:
                async with self._session.request(
                        method, url, data=data, timeout=timeout,
                        headers={"User-Agent": self.USER_AGENT}) as res:
                    return res.status, await res.read()
            except TimeoutError as exc:
                raise TimedOut() from exc
            except aiohttp.ClientError as exc:
                raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc

    return AiohttpRequest


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


async def run_client(name: str, url: str, n: int, concurrency: int, cafile: str | None,
                     loop_name: str) -> dict:
    import ssl

    from telegram.request import RequestData
    from telegram.request._requestparameter import RequestParameter

    figures: dict = {}
    tls = ssl.create_default_context(cafile=cafile) if cafile else None
    rss0, t0 = rss_mb(), time.perf_counter()
    if name == "httpx":
        from telegram.request import HTTPXRequest
        figures["import_s"] = time.perf_counter() - t0
        kwargs = {"httpx_kwargs": {"verify": tls}} if tls else {}
        request = HTTPXRequest(connection_pool_size=64, **kwargs)
    elif name == "aiohttp":
        cls = aiohttp_request_class()
        figures["import_s"] = time.perf_counter() - t0
        request = cls(64, tls)
    else:
        from shared.telegram_http import TelegramHTTPRequest
        figures["import_s"] = time.perf_counter() - t0
        request = TelegramHTTPRequest(connection_pool_size=64, ssl_context=tls)
    figures["import_rss_mb"] = rss_mb() - rss0

    def data(i: int) -> RequestData:
        return RequestData([RequestParameter("chat_id", 987654321 + i % 5000, []),
                            RequestParameter("text", f"Hello, answer number {i} to you.", []),
                            RequestParameter("parse_mode", "HTML", [])])

    target = f"{url}/bot{TOKEN}/sendMessage"
    await request.initialize()
    for i in range(200):  # warm-up: connections, caches
        await request.post(target, data(i))
    rss1 = rss_mb()

    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(n):
        await request.post(target, data(i))
    figures["seq_cpu_us"] = (time.process_time() - cpu) / n * 1e6
    figures["seq_wall_s"] = time.perf_counter() - wall

    async def worker(w: int) -> None:
        for i in range(w, n, concurrency):
            await request.post(target, data(i))

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    figures["conc_cpu_us"] = (time.process_time() - cpu) / n * 1e6
    figures["conc_wall_s"] = time.perf_counter() - wall
    figures["run_rss_mb"] = rss_mb() - rss1
    await request.shutdown()
    figures["loop"] = loop_name
    return figures


def client_main(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    if args.aiohttp_path:
        sys.path.append(args.aiohttp_path)
    import telegram  # noqa: F401  (imported by the server anyway: not counted)
    coro = run_client(args.client, args.url, args.requests, args.concurrency, args.cafile,
                      args.loop)
    if args.loop == "uvloop":
        import uvloop
        result = uvloop.run(coro)
    else:
        result = asyncio.run(coro)
    print(json.dumps(result))


# --- the driver --------------------------------------------------------------------------------

def start_server(args: argparse.Namespace, port: int, cert: str | None,
                 key: str | None) -> subprocess.Popen:
    if args.server == "fake":
        cmd = [sys.executable, "-m", "tests.fakes.telegram_api", "--port", str(port)]
        proc = subprocess.Popen(cmd, cwd=ROOT)
        import httpx
        for _ in range(200):
            try:
                httpx.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
                return proc
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("the fake Bot API did not start")
    cmd = [sys.executable, __file__, "--serve", str(port)]
    if cert:
        cmd += ["--cert", cert, "--key", key]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default=",".join(CLIENTS))
    parser.add_argument("--schemes", default="http,https")
    parser.add_argument("--server", choices=("raw", "fake"), default="raw")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    parser.add_argument("--aiohttp-path", default=None)
    # internal: the server and the client processes
    parser.add_argument("--serve", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--cert", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--key", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--client", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--url", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--cafile", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve, args.cert, args.key)
        return
    if args.client is not None:
        client_main(args)
        return

    sys.path.insert(0, str(ROOT))
    from tests.fakes.server import free_port
    from tests.fakes.tls import self_signed

    folder = tempfile.mkdtemp()
    table: dict[tuple[str, str], list[dict]] = {}
    for scheme in args.schemes.split(","):
        cert = key = None
        if scheme == "https":
            if args.server == "fake":
                continue
            cert, key = map(str, self_signed(Path(folder), days=30))
        port = free_port()
        server = start_server(args, port, cert, key)
        try:
            for _ in range(args.rounds):
                for name in args.only.split(","):
                    cmd = [sys.executable, __file__, "--client", name, "--url",
                           f"{scheme}://127.0.0.1:{port}", "--requests", str(args.requests),
                           "--concurrency", str(args.concurrency), "--loop", args.loop]
                    if cert:
                        cmd += ["--cafile", cert]
                    if args.aiohttp_path:
                        cmd += ["--aiohttp-path", args.aiohttp_path]
                    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
                    if out.returncode != 0:
                        print(f"{name} {scheme}: failed\n{out.stderr[-2000:]}", file=sys.stderr)
                        continue
                    table.setdefault((scheme, name), []).append(json.loads(out.stdout))
        finally:
            server.terminate()
            server.wait()

    print(f"{args.requests} requests per run, {args.concurrency} in flight for 'concurrent', "
          f"{args.rounds} rounds (medians), loop {args.loop}, server {args.server}")
    print(f"{'scheme':7} {'client':8} {'seq µs CPU/req':>15} {'conc µs CPU/req':>16} "
          f"{'seq req/s':>10} {'import ms':>10} {'import MB':>10} {'run MB':>7}")
    for (scheme, name), runs in table.items():
        def med(field: str, runs: list[dict] = runs) -> float:
            return statistics.median(r[field] for r in runs)
        print(f"{scheme:7} {name:8} {med('seq_cpu_us'):15.0f} {med('conc_cpu_us'):16.0f} "
              f"{args.requests / med('seq_wall_s'):10.0f} {med('import_s') * 1000:10.0f} "
              f"{med('import_rss_mb'):10.1f} {med('run_rss_mb'):7.1f}")


if __name__ == "__main__":
    main()
