"""The HTTP side of the Supabase REST backend: requests through the ``supabase`` client's
PostgREST session, with retries where they are safe and PostgREST's error codes kept.

Retry policy (``send``): a connection that could not be opened is always retried (nothing was
sent); a timeout, a dropped connection, a 5xx or a 429 is retried only for requests that are safe
to repeat (reads, upserts, PATCH/DELETE with absolute values, and rpc functions that are
idempotent by design), with exponential backoff and ``Retry-After`` honoured, within a total
budget. What is still failing afterwards raises :class:`RestUnavailable` (the platform's
"storage unavailable": the update is retried later); a PostgREST/PostgreSQL refusal (4xx) raises
:class:`RestError` with its code (``PGRST...`` or the SQLSTATE) and is never swallowed.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared.errors import PermanentError, StorageUnavailable

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

_RETRY_STATUS = {429, 500, 502, 503, 504, 520, 521, 522, 523, 524}


class RestUnavailable(StorageUnavailable):
    """Supabase did not answer (network, 5xx, 429) after the retries."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class RestError(PermanentError):
    """PostgREST refused the request (``code``: PGRST... or the PostgreSQL SQLSTATE)."""

    def __init__(self, status: int, code: str | None, message: str,
                 details: str | None = None, hint: str | None = None) -> None:
        super().__init__(f"Supabase REST error {code or status}: {message}")
        self.status = status
        self.code = code
        self.details = details
        self.hint = hint


@dataclass
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.2
    max_delay: float = 5.0
    budget: float = 15.0        # seconds spent waiting at most, per request


def parse_error(response: httpx.Response) -> RestError:
    """PostgREST's ``{"code","message","details","hint"}`` (or whatever the gateway said)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        message = str(body.get("message") or body.get("msg") or body.get("error") or "")
        return RestError(response.status_code, body.get("code") and str(body["code"]),
                         message[:500] or response.reason_phrase, body.get("details"),
                         body.get("hint"))
    return RestError(response.status_code, None, response.reason_phrase or "error")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class RestClient:
    """One ``supabase`` async client; ``send`` sends a built PostgREST request."""

    def __init__(self, url: str, key: str, *, timeout: float = 10.0,
                 policy: RetryPolicy | None = None) -> None:
        self.url = url.rstrip("/")
        self._key = key
        self.timeout = timeout
        self.policy = policy or RetryPolicy()
        self._client: Any = None
        self._http: Any = None

    async def connect(self) -> None:
        """Create the supabase client (no request is sent yet)."""
        import httpx
        from supabase import AsyncClientOptions, acreate_client

        self._http = httpx.AsyncClient(timeout=httpx.Timeout(self.timeout),
                                       limits=httpx.Limits(max_connections=20))
        options = AsyncClientOptions(httpx_client=self._http, postgrest_client_retry=False,
                                     auto_refresh_token=False, persist_session=False)
        self._client = await acreate_client(self.url, self._key, options=options)

    @property
    def postgrest(self) -> Any:
        return self._client.postgrest

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def send(self, request: Any, *, safe: bool, what: str) -> httpx.Response:
        """Send a postgrest ``RequestConfig``; return the successful response.

        ``safe``: the request may be sent again after a failure that happened once it was sent.
        """
        import httpx
        from httpx import Headers

        policy = self.policy
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            status: int | None = None
            code: str | None = None
            delay: float | None = None
            try:
                response = await request.send(Headers())
            except httpx.ConnectError as exc:       # nothing reached the server
                problem = f"cannot connect to Supabase ({type(exc).__name__})"
            except (httpx.TimeoutException, httpx.NetworkError,
                    httpx.RemoteProtocolError) as exc:
                problem = f"Supabase did not answer ({type(exc).__name__})"
                if not safe:
                    raise RestUnavailable(f"{what}: {problem}; not retried (not safe to "
                                          "repeat)") from exc
            else:
                if response.is_success:
                    return response
                if response.status_code not in _RETRY_STATUS:
                    raise parse_error(response)
                err = parse_error(response)
                status, code = response.status_code, err.code
                problem = f"Supabase answered {status}" + (f" {code}" if code else "")
                delay = _retry_after(response)
                if not safe and status != 429 and status != 503:
                    # a 5xx after the request was taken: it may have been applied
                    raise RestUnavailable(f"{what}: {problem}", status=status, code=code)
            if attempt >= policy.attempts:
                raise RestUnavailable(f"{what}: {problem} (after {attempt} attempts)",
                                      status=status, code=code)
            if delay is None:
                delay = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
                delay *= 0.5 + random.random()
            if waited + delay > policy.budget:
                raise RestUnavailable(f"{what}: {problem} (retry budget spent)",
                                      status=status, code=code)
            log.warning("supabase request retried", extra={"what": what, "attempt": attempt,
                                                            "status": status, "code": code})
            await asyncio.sleep(delay)
            waited += delay
