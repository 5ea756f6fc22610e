"""The inbox worker: the second half of an update's durable path (the first, the intake, is
``shared.intake``).

The worker claims rows (at most the oldest pending one per chat, so a chat's
updates run in arrival order while chats run concurrently), runs the bot's handlers, and marks
the row done in the same transaction that saves the user's flow state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta
from typing import TYPE_CHECKING

import orjson
from sqlalchemy.exc import DBAPIError, OperationalError
from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from shared.bots import BotRuntime
from shared.errors import StorageUnavailable, TransientError
from shared.flows import Flow, UpdateOutcome, current_flow, current_outcome
from shared.outbox import backoff_seconds
from shared.services import Services
from shared.storage import utcnow
from shared.storage.inbox_repo import ClaimSpec, InboxRow

if TYPE_CHECKING:
    from shared.intake import Row

log = logging.getLogger(__name__)

def is_transient(exc: BaseException) -> bool:
    """Failures worth retrying: the network, Telegram's flood control, the database."""
    if isinstance(exc, BadRequest):
        return False
    return isinstance(exc, (TimedOut, RetryAfter, NetworkError, StorageUnavailable,
                            TransientError, OperationalError, OSError, TimeoutError)) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


class InboxWorker:
    """Runs the handlers of stored updates; retries transient failures; never drops a row.

    Claiming rows is a write transaction, and on SQLite (one writer) every webhook waiting for
    its commit waits for it too. So while the intake is under pressure (it just committed a big
    group of updates: many webhooks are waiting on it), the worker claims at most once every
    ``max_defer`` seconds, with every free slot at once, instead of once per finished update.
    Acknowledging Telegram comes first; the backlog is handled as soon as the pressure stops,
    and never less often than that, so nothing starves.
    """

    pressure_batch = 8  # a commit of this many updates means the intake is busy
    pressure_hold = 0.1  # seconds the intake counts as busy after such a commit
    max_defer = 10.0  # under pressure, still claim at least this often

    def __init__(self, services: Services, runtimes: dict[str, BotRuntime], *,
                 lease_seconds: float = 30) -> None:
        self.services = services
        self.runtimes = runtimes
        self.storage = services.storage  # read on every claim and every update
        self.instance = services.instance
        self.lease_seconds = lease_seconds
        self.concurrency = services.settings.inbox_concurrency
        self._wake = asyncio.Event()
        self._inflight: dict[int, asyncio.Task] = {}
        self._tasks: list[asyncio.Task] = []
        self._stopping = False
        self.processed = 0
        self._pressure_until = 0.0
        self._last_claim = 0.0
        # When to claim again without news. A claim takes every row that can be taken, so the
        # next one is worth its transaction only when something may have become claimable:
        # rows stored (the intake wakes the worker), a retry falling due (a timer), a slot
        # freed while the last claim filled every slot (``_maybe_more``), or a handler done in
        # a chat that has more rows waiting behind it (``_backlog``: chats with a row stored
        # while one of theirs was in flight or claimed, kept until a claim finds none of
        # theirs). What this process cannot know (another instance's rows, a lease that ran
        # out) is found by the heartbeat's wakes and the idle poll.
        self._maybe_more = False
        self._backlog: set[tuple[str, str]] = set()
        self._inflight_chats: dict[tuple[str, str], int] = {}
        self._retrying: set[tuple[str, str]] = set()  # chats whose row waits for its retry
        self._claiming = False
        self._unknown = True  # rows from before the start may be waiting
        self._busy = asyncio.Event()  # set while updates are in flight (their leases renew)

    def wake(self) -> None:
        """Rows may be claimable that this worker did not see stored (a bot became ready,
        another instance stored them or died): the next claim also treats every chat it
        takes or has in flight as one that may have more rows behind."""
        self._unknown = True
        self._wake.set()

    def claim_spec(self, stored: int) -> ClaimSpec | None:
        """What the intake may claim for this worker in the transaction that stores
        ``stored`` updates: nothing while the worker claims itself or the intake is busy."""
        free = self.concurrency - len(self._inflight)
        bots = self._ready_bots()
        # not while the intake is busy or a backlog waits: acknowledging Telegram comes first,
        # and the worker claims the backlog at its own pace (see the class docstring)
        busy = stored >= self.pressure_batch or time.monotonic() < self._pressure_until
        if self._claiming or self._stopping or busy or self._maybe_more or free <= 0 \
                or not bots:
            return None
        self._claiming = True   # until ``stored``: the worker's own claim waits for this one
        return self.instance, free, self.lease_seconds, bots

    def claim_abandoned(self) -> None:
        """The intake's transaction failed: nothing was claimed; the worker looks itself."""
        self._claiming = False
        self.wake()

    def stored(self, rows: list[Row], claimed: list[InboxRow] | None, free: int = 0) -> None:
        """The intake committed ``rows`` and, when it claimed (``claimed`` is not None, with
        ``free`` slots asked for), took ``claimed``. Rows that could not be claimed at once
        (their chat busy, several of one chat in the batch) put their chat in the backlog."""
        if claimed is not None:
            self._claiming = False
            self._claimed(claimed, free)
            for row in claimed:
                self._start(row)
            taken = {(r.bot, r.update_id) for r in claimed}
            if not self._maybe_more:  # every claimable row was taken: the rest are blocked
                self._backlog.update((b, c) for b, u, c, _ in rows
                                     if c and (b, u) not in taken)
            if self._maybe_more or self._unknown:
                self._wake.set()
            return
        seen: set[tuple[str, str]] = set()
        for bot, _update_id, chat_key, _payload in rows:
            key = (bot, chat_key)
            if chat_key and (key in seen or key in self._inflight_chats or self._claiming):
                self._backlog.add(key)
            seen.add(key)
        if len(rows) >= self.pressure_batch:
            self._pressure_until = time.monotonic() + self.pressure_hold
        self._wake.set()

    async def _yield_to_intake(self) -> None:
        """While the intake is busy, wait (up to ``max_defer`` since the last claim)."""
        while True:
            now = time.monotonic()
            until = min(self._pressure_until, self._last_claim + self.max_defer)
            if now >= until:
                return
            await asyncio.sleep(until - now)

    def start(self) -> None:
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._run(), name="inbox-worker"),
                           asyncio.create_task(self._renew_leases(), name="inbox-leases")]

    async def stop(self, grace: float = 10.0) -> None:
        """Stop claiming; let handlers in flight finish (up to ``grace`` seconds)."""
        # the flag as well as the cancel: a cancellation that lands inside a database driver
        # call can be absorbed there, and the loop must still end
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=grace)
        self._tasks = []
        if self._inflight:
            await asyncio.wait(list(self._inflight.values()), timeout=grace)

    def _ready_bots(self) -> list[str]:
        return [n for n, r in self.runtimes.items() if r.state == "ready"]

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            if self.concurrency > len(self._inflight):
                await self._yield_to_intake()
            free = self.concurrency - len(self._inflight)
            bots = self._ready_bots()
            rows: list[InboxRow] = []
            # (while the intake claims in its transaction, it hands over what it took)
            if free > 0 and bots and not self._claiming:
                self._last_claim = time.monotonic()
                self._claiming = True
                unknown, self._unknown = self._unknown, False
                try:
                    rows = await self.storage.inbox.claim(self.instance, free, self.lease_seconds,
                                                         bots=bots)
                except Exception:
                    if self._stopping:  # a cancellation turned into an error on the way out
                        return
                    log.exception("inbox: claiming failed; retrying shortly")
                    self._unknown = True
                    await asyncio.sleep(1)
                    continue
                finally:
                    self._claiming = False
                self._claimed(rows, free)
                for row in rows:
                    self._start(row)
                if unknown:
                    self._backlog.update(self._inflight_chats)
            # A claim takes every row that can be taken now (the oldest pending one of each
            # chat, up to the free slots), so the next one waits for news (see __init__). A
            # wake during the claim is kept: the wait then returns at once.
            try:
                await asyncio.wait_for(self._wake.wait(),
                                       timeout=self.storage.db.idle_poll_seconds)
            except TimeoutError:
                self._unknown = True  # the safety poll: whatever another process left

    def _claimed(self, rows: list[InboxRow], free: int) -> None:
        """Note what a claim found: whether more may be waiting, which chats are done."""
        self._maybe_more = len(rows) >= free
        if self._maybe_more:
            return
        found = {(r.bot, r.chat_key) for r in rows}
        self._retrying -= found
        self._backlog = {k for k in self._backlog
                         if k in found or k in self._inflight_chats or k in self._retrying}

    def _start(self, row: InboxRow) -> None:
        key = (row.bot, row.chat_key)
        self._inflight_chats[key] = self._inflight_chats.get(key, 0) + 1
        task = asyncio.create_task(self._process(row), name=f"update-{row.id}")
        self._inflight[row.id] = task
        self._busy.set()
        task.add_done_callback(lambda _t, r=row: self._finished(r))

    def _finished(self, row: InboxRow) -> None:
        self._inflight.pop(row.id, None)
        key = (row.bot, row.chat_key)
        left = self._inflight_chats.get(key, 1) - 1
        if left > 0:
            self._inflight_chats[key] = left
        else:
            self._inflight_chats.pop(key, None)
        if self._maybe_more or key in self._backlog:
            self._wake.set()

    async def _renew_leases(self) -> None:
        while not self._stopping:
            if not self._inflight:  # nothing to renew: no timer while idle
                self._busy.clear()
                await self._busy.wait()
            await asyncio.sleep(self.lease_seconds / 3)
            if self._inflight:
                try:
                    await self.storage.inbox.renew(list(self._inflight), self.instance,
                                                   self.lease_seconds)
                except Exception:
                    log.exception("inbox: renewing leases failed")

    async def _process(self, row: InboxRow) -> None:
        started = time.perf_counter()
        runtime = self.runtimes.get(row.bot)
        outcome = UpdateOutcome()
        flow = Flow()
        chat_id = user_id = None
        try:
            if runtime is None:
                raise RuntimeError(f"bot {row.bot} is not configured")
            update = Update.de_json(orjson.loads(row.payload), runtime.app.bot)
            if update.effective_chat and update.effective_user:
                chat_id, user_id = update.effective_chat.id, update.effective_user.id
                step, data = await self.storage.flows.load(row.bot, chat_id, user_id)
                flow = Flow(step, data)
            await self._note_group_upgrade(row.bot, update)
            flow_token = current_flow.set(flow)
            outcome_token = current_outcome.set(outcome)
            try:
                await runtime.app.process_update(update)
            finally:
                current_flow.reset(flow_token)
                current_outcome.reset(outcome_token)
        except Exception as exc:  # noqa: BLE001 - decoding or loading failed: same path
            outcome.error = outcome.error or exc
        if isinstance(outcome.error, Forbidden):
            # the user blocked the bot (already marked inactive by the sender): nothing to retry
            outcome.handlers.append("blocked")
            outcome.error = None
        if outcome.error is None:
            steps = [self.storage.inbox.done_step(row.id, self.instance)]
            if flow.changed and chat_id is not None and user_id is not None:
                steps.insert(0, self.storage.flows.save_step(row.bot, chat_id, user_id,
                                                             flow.step, flow.data))
            try:  # one transaction: the flow state is saved with the done mark, or neither
                await self.storage.db.run_write(steps)
            except Exception as exc:  # noqa: BLE001
                outcome.error = exc
            else:
                self.processed += 1
                self._log(row, outcome, started, "done")
                return
        await self._failed(row, runtime, chat_id, outcome, started)

    async def _failed(self, row: InboxRow, runtime: BotRuntime | None, chat_id: int | None,
                      outcome: UpdateOutcome, started: float) -> None:
        exc = outcome.error
        assert exc is not None
        retry = is_transient(exc) and row.attempts < self.services.settings.inbox_max_attempts
        error = f"{type(exc).__name__}: {exc}"
        retry_at = None
        if retry:
            delay = backoff_seconds(row.attempts, self.services.settings.retry_base_seconds,
                                    cap=300)
            retry_at = utcnow() + timedelta(seconds=delay)
        try:
            await self.storage.inbox.mark_failed(row.id, self.instance, error, retry_at)
        except Exception:
            log.exception("inbox: could not record a failure", extra={"row": row.id})
            return
        if retry_at is not None:  # wake for the retry itself, not at the next idle poll
            # the chat's later rows wait behind this one: look for them once it is done
            self._backlog.add((row.bot, row.chat_key))
            self._retrying.add((row.bot, row.chat_key))
            asyncio.get_running_loop().call_later(delay, self._wake.set)
        self._log(row, outcome, started, "retry" if retry else "dead", exc=exc)
        if retry:
            return
        if runtime is not None and chat_id is not None:
            with contextlib.suppress(Exception):
                await runtime.app.bot.send_message(chat_id, runtime.module.APOLOGY)
        await self.services.alerts.send(
            f"dead:{row.bot}:{type(exc).__name__}",
            f"{row.bot} bot: update {row.update_id} failed ({type(exc).__name__}) and was kept "
            f"as dead after {row.attempts} attempt(s). See the log for the traceback.",
        )

    def _log(self, row: InboxRow, outcome: UpdateOutcome, started: float, result: str,
             exc: BaseException | None = None) -> None:
        extra = {
            "bot": row.bot, "update_id": row.update_id, "attempt": row.attempts,
            "handler": ",".join(outcome.handlers) or "-", "outcome": result,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        }
        if exc is None:
            log.info("update %s", result, extra=extra)
        else:
            log.error("update %s", result, extra=extra,
                      exc_info=(type(exc), exc, exc.__traceback__))

    async def _note_group_upgrade(self, bot: str, update: Update) -> None:
        """A group that became a supergroup: use the new id, tell the operator what to change."""
        msg = update.effective_message
        if msg is None or not msg.migrate_to_chat_id:
            return
        old_id, new_id = msg.chat.id, msg.migrate_to_chat_id
        variable = self.services.chats.setting_for(old_id)
        self.services.chats.moved(old_id, new_id)
        if await self.storage.chats.record_migration(bot, old_id, new_id):
            where = f"set {variable}={new_id}" if variable else "update any setting that names it"
            await self.services.alerts.send(
                f"migrated:{old_id}",
                f"The group {old_id} was upgraded to a supergroup with the id {new_id}. "
                f"The bot already uses the new id; {where} in the service's settings.",
                cooldown_seconds=1,
            )

