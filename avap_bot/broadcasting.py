"""The sending engine of broadcasts and daily tips: one message to many students.

A broadcast row (table ``broadcasts``) with one delivery row per recipient
(``broadcast_deliveries``, 'pending' until its outcome is known) is sent in the background by
``launch``; ``resume`` starts again every broadcast still marked 'sending' after a restart. The
admin's /broadcast (handlers/broadcast.py) and the daily tip (handlers/tips.py) only create the
rows and call ``launch``. What a recipient receives depends on the broadcast's kind
(``broadcasts.type``): a copy of the admin's message, unless a feature registered a message of
its own for the kind (``register_kind``; the daily tip does).

One run of a broadcast

- holds a database lock ``broadcast:{id}`` renewed while it runs, so that two instances (an
  overlapping deploy) never send the same broadcast; a dead instance's lock is free at once
  (its heartbeat stopped: shared/instances.py) or after ``LOCK_TTL``;
- sends through the bot's SendLimiter as ``Bulk`` messages: they share the bot's ~30 messages
  a second with everything else it sends and take only the capacity left over (a reply to a
  student never waits behind the broadcast);
- has ``CONCURRENCY`` workers, each taking the next recipient, sending, and recording the
  outcome before it takes another: about a second of sending is queued at the pacer, so the
  pacer never waits for the database;
- records each outcome together with the next ones in one transaction (``GroupCommit``): the
  write starts when an outcome finds the oldest unrecorded one ``RECORD_GATHER`` (30 ms) old,
  at 29.5 a second every second outcome, and at the latest ``RECORD_GATHER + RECORD_PATIENCE``
  (80 ms) after it; after a kill -9 only the sends in flight, or answered in those last
  milliseconds, are sent again (at least once; a recipient gets at most one more copy per kill);
- on a graceful stop (SIGTERM) lets the sends in flight finish and records them; the sends
  still waiting for a slot are dropped unsent and stay pending, so a restart sends nothing twice;
- edits a progress message every ``TICK`` seconds and reports the counts at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application

from avap_bot import texts
from shared.batching import GroupCommit
from shared.telegram import Bulk, NotSent, is_message_not_modified
from shared.telegram_outbox import send_later

if TYPE_CHECKING:
    from shared.services import Services

log = logging.getLogger(__name__)

BOT = "avap"
TASKS = "broadcast_tasks"  # app.bot_data key: broadcast id -> its running task

LOCK_TTL = 10.0  # seconds; a dead instance's broadcast is taken over after at most this long
TICK = 2.0  # seconds between lock renewals and progress edits
LOCK_RETRY = 2.0  # seconds between two tries to take a broadcast another instance holds
CONCURRENCY = 30  # workers: sends waiting for the pacer or in flight (the pacer sets the pace)
BATCH = 100  # pending recipients read at once
MAX_ATTEMPTS = 5  # transient failures (after the limiter's own retries) before 'failed'
RETRY_BASE = 2.0  # seconds; doubled at each transient failure of one recipient
RESTART_DELAY = 5.0  # seconds before a run that crashed (database down) starts again
# an outcome waits for others to be recorded with it in one transaction: the write starts when
# an outcome arrives to find the oldest waiting one RECORD_GATHER old (two a transaction at 29.5 a
# second), riding on that worker's wake-up: on a tenth of a CPU a wake-up of the process costs
# about as much as the write; a timer starts it RECORD_PATIENCE later when no outcome comes. A
# send answered within this long before a kill -9 is sent again after the restart
RECORD_GATHER = 0.03
RECORD_PATIENCE = 0.05

# What one recipient gets: send(chat_id, rate_limit_args)
Send = Callable[[int, Bulk], Awaitable[object]]
# The message of a broadcast, made once per run: compose(app, services, broadcast row) -> Send
Compose = Callable[[Application, Any, dict], Awaitable[Send]]

_KINDS: dict[str, Compose] = {}


def register_kind(kind: str, compose: Compose) -> None:
    """Broadcasts of ``kind`` send what ``compose`` makes instead of a copy of the admin's
    message. Everything else (delivery rows, lock, pacing, resuming) is this module's."""
    _KINDS[kind] = compose


async def _copy_of_source(app: Application, _services: Services, row: dict) -> Send:
    source_chat, source_message = row["source_chat_id"], row["source_message_id"]

    def send(chat_id: int, bulk: Bulk) -> Awaitable[object]:
        return app.bot.copy_message(chat_id, source_chat, source_message, rate_limit_args=bulk)

    return send


def audience_label(audience: str) -> str:
    """How an audience ('all' or 'module:<name>') is named to the admin."""
    if audience.startswith("module:"):
        return texts.BROADCAST_AUDIENCE_MODULE.format(
            module=html.escape(audience.removeprefix("module:")))
    return texts.BROADCAST_AUDIENCE_ALL


def launch(app: Application, services: Services, broadcast_id: int) -> None:
    """Start sending ``broadcast_id`` in the background, unless this instance already is."""
    tasks: dict[int, asyncio.Task] = app.bot_data.setdefault(TASKS, {})
    running = tasks.get(broadcast_id)
    if running is not None and not running.done():
        return
    # app.create_task: Application.stop() waits for it, and it stops promptly once the
    # application is no longer running, so a SIGTERM finishes the sends in flight cleanly
    task = app.create_task(_run(app, services, broadcast_id), name=f"broadcast-{broadcast_id}")
    tasks[broadcast_id] = task

    def forget(done: asyncio.Task) -> None:
        if tasks.get(broadcast_id) is done:
            del tasks[broadcast_id]

    task.add_done_callback(forget)


async def resume(app: Application, services: Services) -> None:
    """After a restart: resume every broadcast that was still sending."""
    for broadcast_id in await services.storage.avap.sending_broadcasts():
        log.info("resuming broadcast", extra={"broadcast_id": broadcast_id})
        launch(app, services, broadcast_id)


async def _pause(app: Application, seconds: float) -> None:
    """Sleep, waking up early when the application stops."""
    deadline = time.monotonic() + seconds
    while app.running and (left := deadline - time.monotonic()) > 0:
        await asyncio.sleep(min(left, 0.25))


async def _run(app: Application, services: Services, broadcast_id: int) -> None:
    """Take the broadcast's lock (waiting while another instance holds it) and send; start
    again after a crash of the run (the database was unreachable, say)."""
    storage = services.storage
    key = f"broadcast:{broadcast_id}"
    told_waiting = False
    while app.running:
        try:
            broadcast = await storage.avap.get_broadcast(broadcast_id)
            if broadcast is None or broadcast["status"] != "sending":
                return
            token = await storage.locks.acquire(key, LOCK_TTL)
            if token is None:
                if not told_waiting:
                    log.info("broadcast held by another instance; waiting for its lock",
                             extra={"broadcast_id": broadcast_id})
                    told_waiting = True
                await _pause(app, LOCK_RETRY)
                continue
            try:
                await Run(app, services, broadcast, key, token).run()
            finally:
                await _release(storage, key, token)
        except Exception:
            log.exception("broadcast run failed; starting again",
                          extra={"broadcast_id": broadcast_id})
            await _pause(app, RESTART_DELAY)
            continue
        return


async def _release(storage: Any, key: str, token: str) -> None:
    try:
        await storage.locks.release(key, token)
    except Exception:
        # the lock expires on its own after LOCK_TTL
        log.warning("could not release a broadcast lock", exc_info=True, extra={"key": key})


class Run:
    """One run of one broadcast, under its lock."""

    def __init__(self, app: Application, services: Services, broadcast: dict, key: str,
                 token: str) -> None:
        self.app = app
        self.services = services
        self.avap = services.storage.avap
        self.locks = services.storage.locks
        self.broadcast = broadcast
        self.id = int(broadcast["id"])
        self.key, self.token = key, token
        self.lost = False  # the lock was lost: another instance may be sending now
        self.attempts: dict[int, int] = {}
        self.retry_at: dict[int, float] = {}  # chat -> monotonic time of its next try
        self.unrecorded: dict[int, str] = {}  # outcomes known but not stored yet (db error)
        # recipients this run has an outcome for, or is sending to: a list of pending
        # recipients read while their outcomes were being recorded still names them, and must
        # not send to them again
        self.taken: set[int] = set()
        self.queue: deque[int] = deque()  # recipients read and due, not taken by a worker yet
        self.reading: asyncio.Future[float | None] | None = None  # a worker reading for all
        self.busy = 0  # workers sending
        self.outcome = asyncio.Event()  # set at each outcome (a worker waiting for retries)
        # the copies wait behind the bot's other messages; when this run stops, those not
        # sent yet are dropped (NotSent) and stay pending
        self.bulk = Bulk(going=lambda: self.going)
        self.send: Send | None = None
        self.shown: str | None = None
        # outcomes that arrive while one is being written go into the next write together
        self.recorder: GroupCommit[tuple[int, str]] = GroupCommit(
            lambda outcomes: self.avap.record_deliveries(self.id, outcomes), gather=RECORD_GATHER,
            patience=RECORD_PATIENCE)

    @property
    def going(self) -> bool:
        return self.app.running and not self.lost

    async def run(self) -> None:
        started = time.monotonic()
        log.info("broadcast sending", extra={"broadcast_id": self.id,
                                             "total": self.broadcast["total"]})
        ticker = asyncio.create_task(self._tick(), name=f"broadcast-{self.id}-tick")
        try:
            finished = await self._send_all()
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
        if not finished:
            log.info("broadcast paused", extra={"broadcast_id": self.id, "lock_lost": self.lost})
            return
        row = await self.avap.finish_broadcast(self.id)
        if row is None:  # finished by another run meanwhile: it reported
            return
        log.info("broadcast finished", extra={
            "broadcast_id": self.id, "sent": row["sent_count"], "failed": row["failed_count"],
            "blocked": row["blocked_count"], "total": row["total"],
            "duration_s": round(time.monotonic() - started, 1)})
        await self._show(row)
        report_to = row["progress_chat_id"] or row["created_by"]
        if report_to is not None:  # a daily tip has nobody to report to
            await send_later(self.services, BOT, report_to, self._text(texts.BROADCAST_DONE, row))

    async def _send_all(self) -> bool:
        """Deliver to every pending recipient; True when none is left. On a stop, the workers
        finish the sends in flight and drop the others."""
        compose = _KINDS.get(self.broadcast["type"], _copy_of_source)
        self.send = await compose(self.app, self.services, self.broadcast)
        workers = [asyncio.create_task(self._worker(), name=f"broadcast-{self.id}-worker")
                   for _ in range(CONCURRENCY)]
        results = await asyncio.gather(*workers, return_exceptions=True)
        failure = next((r for r in results if isinstance(r, BaseException)), None)
        if failure is not None:
            raise failure
        return self.going and not self.unrecorded

    async def _worker(self) -> None:
        while (chat_id := await self._take()) is not None:
            self.busy += 1
            try:
                outcome = await self._deliver(chat_id)
            finally:
                self.busy -= 1
            if outcome is None:  # not sent (stopping), or to try again later
                self.taken.discard(chat_id)
            else:
                await self._record(chat_id, outcome)
            self.outcome.set()

    async def _take(self) -> int | None:
        """The next recipient to send to; None when the run stops or nobody is left."""
        while self.going:
            if self.queue:
                chat_id = self.queue.popleft()
                self.taken.add(chat_id)
                return chat_id
            reading = self.reading
            if reading is None:  # one worker reads for all: the others wait for its rows
                reading = self.reading = asyncio.ensure_future(self._read())
                reading.add_done_callback(self._read_done)
            wait = await asyncio.shield(reading)
            if self.queue or self.unrecorded:  # (the next read records those first)
                continue
            if wait is None and not self.busy:
                return None  # nobody pending, nobody in flight: done
            # nobody due now: look again after the next outcome, or when a retry is due
            self.outcome.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(wait or 1.0, 1.0)):
                    await self.outcome.wait()
        return None

    def _read_done(self, reading: asyncio.Future) -> None:
        if self.reading is reading:
            self.reading = None

    async def _read(self) -> float | None:
        """Queue the pending recipients that are due; when none is, the seconds until the next
        retry is due, or None when nobody is pending (but those this run is sending to)."""
        for chat_id, outcome in list(self.unrecorded.items()):
            await self.avap.record_delivery(self.id, chat_id, outcome)
            del self.unrecorded[chat_id]
        # a pending row may be one a worker holds (at most one each), or one waiting to retry
        pending = await self.avap.pending_deliveries(
            self.id, BATCH + CONCURRENCY + len(self.retry_at))
        now = time.monotonic()
        waits = []
        for chat_id in pending:
            if chat_id in self.taken:
                continue
            due = self.retry_at.get(chat_id, 0.0)
            if due > now:
                waits.append(due - now)
                continue
            self.queue.append(chat_id)
            if len(self.queue) >= BATCH:
                break
        return min(waits) if waits and not self.queue else None

    async def _record(self, chat_id: int, outcome: str) -> None:
        self.retry_at.pop(chat_id, None)
        try:
            await self.recorder.put((chat_id, outcome))
        except Exception:
            # keep it: the copy must not be sent again because the database blinked
            log.warning("could not record a delivery; will retry", exc_info=True,
                        extra={"broadcast_id": self.id, "chat_id": chat_id})
            self.unrecorded[chat_id] = outcome

    async def _deliver(self, chat_id: int) -> str | None:
        """Send to one recipient: 'sent', 'blocked', 'failed', or None to retry later (the
        limiter already waited out Telegram's 429s and retried) or when the run stopped."""
        assert self.send is not None
        try:
            await self.send(chat_id, self.bulk)
            return "sent"
        except NotSent:
            return None  # this run stopped while the copy waited for its turn
        except Forbidden:
            return "blocked"  # the limiter marked the chat inactive: skipped next time
        except BadRequest as exc:
            # chat not found, user deactivated...: sending again would not help
            log.info("broadcast recipient refused", extra={
                "broadcast_id": self.id, "chat_id": chat_id, "error": exc.message})
            return "failed"
        except Exception as exc:  # noqa: BLE001 - network, 429 after retries, shutting down
            error = f"{type(exc).__name__}: {exc}"[:200]
        attempts = self.attempts.get(chat_id, 0) + 1
        self.attempts[chat_id] = attempts
        if attempts >= MAX_ATTEMPTS:
            log.warning("broadcast recipient failed too often", extra={
                "broadcast_id": self.id, "chat_id": chat_id, "error": error})
            return "failed"
        log.info("broadcast recipient deferred", extra={
            "broadcast_id": self.id, "chat_id": chat_id, "attempt": attempts, "error": error})
        self.retry_at[chat_id] = time.monotonic() + RETRY_BASE * 2 ** (attempts - 1)
        return None

    async def _tick(self) -> None:
        """Every TICK seconds: keep the lock, and show the progress to the admin."""
        while True:
            await asyncio.sleep(TICK)
            try:
                if not await self.locks.renew(self.key, self.token, LOCK_TTL):
                    log.warning("broadcast lock lost; stopping this run",
                                extra={"broadcast_id": self.id})
                    self.lost = True
                    self.outcome.set()
                    return
                row = await self.avap.get_broadcast(self.id)
                if row is not None:
                    await self._show(row)
            except Exception:
                log.warning("broadcast tick failed", exc_info=True,
                            extra={"broadcast_id": self.id})

    def _text(self, template: str, row: dict) -> str:
        sent, failed, blocked = row["sent_count"], row["failed_count"], row["blocked_count"]
        return template.format(id=self.id, audience=audience_label(row["audience"]), sent=sent,
                               failed=failed, blocked=blocked, done=sent + failed + blocked,
                               total=row["total"])

    async def _show(self, row: dict) -> None:
        """Edit the progress message (only when the numbers changed)."""
        template = texts.BROADCAST_DONE if row["status"] == "done" else texts.BROADCAST_PROGRESS
        text = self._text(template, row)
        if text == self.shown or row["progress_message_id"] is None:
            return
        try:
            await self.app.bot.edit_message_text(text, chat_id=row["progress_chat_id"],
                                                 message_id=row["progress_message_id"])
        except TelegramError as exc:
            if not is_message_not_modified(exc):
                log.warning("could not show broadcast progress", extra={
                    "broadcast_id": self.id, "error": f"{type(exc).__name__}: {exc}"})
                return
        self.shown = text
