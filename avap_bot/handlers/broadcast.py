"""/broadcast: an admin's message copied to every verified student (or to one module's).

The admin sends the message, picks the audience, sees a preview with the number of recipients and
confirms. Sending does not happen in the handler (the inbox worker must stay free): the confirm
button writes one delivery row per recipient and starts a background task, which

- runs under a database lock ``broadcast:{id}`` renewed while it runs, so that two instances
  (an overlapping deploy) never send the same broadcast;
- copies the message to each pending recipient through the bot's SendLimiter as ``Bulk``
  messages: they share the bot's ~30 messages a second with everything else it sends, and take
  only the capacity left over (a reply to a student never waits behind the broadcast); each
  outcome is recorded as soon as it is known: after a kill -9 only the sends in flight at that
  moment can be repeated;
- edits a progress message every few seconds and reports the counts at the end.

``on_ready`` resumes every broadcast still marked 'sending' after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import time
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler

from avap_bot import callbacks as cb
from avap_bot import keyboards, texts
from avap_bot.access import admin_only
from avap_bot.filters import NEW, STEP_INPUT
from shared.access import refuse
from shared.batching import GroupCommit
from shared.flows import BotContext, in_step
from shared.telegram import Bulk, NotSent, is_message_not_modified
from shared.telegram_outbox import send_later

log = logging.getLogger(__name__)

BOT = "avap"
STEP_MESSAGE = "broadcast.message"
TASKS = "broadcast_tasks"  # app.bot_data key: broadcast id -> its running task

LOCK_TTL = 10.0  # seconds; a dead instance's broadcast is taken over after at most this long
TICK = 2.0  # seconds between lock renewals and progress edits
LOCK_RETRY = 2.0  # seconds between two tries to take a broadcast another instance holds
CONCURRENCY = 30  # copies waiting for the bot's pacer or in flight (the pacer sets the pace)
BATCH = 100  # pending recipients read at once
MAX_ATTEMPTS = 5  # transient failures (after the limiter's own retries) before 'failed'
RETRY_BASE = 2.0  # seconds; doubled at each transient failure of one recipient
RESTART_DELAY = 5.0  # seconds before a run that crashed (database down) starts again

# Broadcasts of another feature's kind (broadcasts.type, e.g. the daily tip) are sent by that
# feature: kind -> async send(app, services, broadcast, chat_id, rate_limit_args). Everything
# else (locks, delivery rows, resuming, pacing) is shared.
SENDERS: dict[str, Any] = {}


def _kind(message: Message) -> str | None:
    """What the admin sent, or None for something we do not broadcast (sticker, poll...)."""
    if message.text:
        return "text"
    for kind in ("photo", "animation", "video", "video_note", "voice", "audio", "document"):
        if getattr(message, kind):
            return kind
    return None


def _audience_label(audience: str) -> str:
    if audience.startswith("module:"):
        return texts.BROADCAST_AUDIENCE_MODULE.format(
            module=html.escape(audience.removeprefix("module:")))
    return texts.BROADCAST_AUDIENCE_ALL


def _module_of(audience: str) -> str | None:
    return audience.removeprefix("module:") if audience.startswith("module:") else None


# --- the admin's steps --------------------------------------------------------------------------
@admin_only
async def broadcast_command(update: Update, context: BotContext) -> None:
    """/broadcast (in private): ask for the message to send."""
    if update.effective_chat.type != "private":
        await refuse(update, texts.BROADCAST_PRIVATE_ONLY)
        return
    context.flow.goto(STEP_MESSAGE)
    await update.effective_message.reply_text(texts.BROADCAST_ASK)


@admin_only
async def message_received(update: Update, context: BotContext) -> None:
    """The message to broadcast: keep it as a draft and ask for the audience."""
    message = update.effective_message
    kind = _kind(message)
    if kind is None:
        await message.reply_text(texts.BROADCAST_UNSUPPORTED)
        return
    avap = context.services.storage.avap
    # a retried update finds the draft it made the first time
    draft = await avap.broadcast_by_source(message.chat_id, message.message_id)
    broadcast_id = draft["id"] if draft is not None else await avap.create_broadcast(
        created_by=update.effective_user.id, audience="all", source_chat_id=message.chat_id,
        source_message_id=message.message_id, kind=kind,
        content=(message.text_html if kind == "text" else message.caption_html) or "")
    context.flow.clear()
    everyone = len(await avap.audience())
    await message.reply_text(texts.BROADCAST_AUDIENCE,
                             reply_markup=keyboards.broadcast_audience(broadcast_id, everyone))


async def _draft(update: Update, context: BotContext, broadcast_id: int) -> dict | None:
    """The broadcast if it is still a draft; else the admin is told and None is returned."""
    broadcast = await context.services.storage.avap.get_broadcast(broadcast_id)
    if broadcast is None or broadcast["status"] != "draft":
        await update.callback_query.answer(texts.BROADCAST_NOT_DRAFT, show_alert=True)
        return None
    return broadcast


async def _edit(query: Any, text: str, reply_markup: Any = None) -> None:
    """Edit the message under the buttons; a double click (same text) is not an error."""
    try:
        await query.edit_message_text(text, reply_markup=reply_markup)
    except BadRequest as exc:
        if not is_message_not_modified(exc):
            raise


@admin_only
async def modules_shown(update: Update, context: BotContext) -> None:
    """The "students of one module" button: show the module picker."""
    query = update.callback_query
    broadcast_id = cb.BroadcastModules.parse(query.data).broadcast_id
    if await _draft(update, context, broadcast_id) is None:
        return
    await _edit(query, texts.BROADCAST_PICK_MODULE, keyboards.broadcast_modules(
        broadcast_id, context.services.settings.avap_modules))
    await query.answer()


@admin_only
async def audience_chosen(update: Update, context: BotContext) -> None:
    """An audience was picked: show the preview and the number of recipients, ask to confirm."""
    query = update.callback_query
    data = cb.BroadcastAudience.parse(query.data)
    broadcast = await _draft(update, context, data.broadcast_id)
    if broadcast is None:
        return
    modules = context.services.settings.avap_modules
    if data.module_index >= len(modules) or data.module_index < -1:
        await query.answer(texts.STALE_BUTTON)
        return
    module = modules[data.module_index] if data.module_index >= 0 else None
    audience = f"module:{module}" if module is not None else "all"
    avap = context.services.storage.avap
    recipients = await avap.audience(module)
    if not recipients:
        await _edit(query, texts.BROADCAST_EMPTY.format(audience=_audience_label(audience)),
                    keyboards.broadcast_audience(data.broadcast_id, len(await avap.audience())))
        await query.answer()
        return
    await avap.set_broadcast_audience(data.broadcast_id, audience)
    await _edit(query, texts.BROADCAST_CHOSEN.format(audience=_audience_label(audience)))
    chat_id = query.message.chat_id
    await context.bot.copy_message(chat_id, broadcast["source_chat_id"],
                                   broadcast["source_message_id"])
    await context.bot.send_message(
        chat_id, texts.BROADCAST_PREVIEW.format(audience=_audience_label(audience),
                                                n=len(recipients)),
        reply_markup=keyboards.broadcast_confirm(data.broadcast_id, len(recipients)))
    await query.answer()


@admin_only
async def send_chosen(update: Update, context: BotContext) -> None:
    """Send (start the background sending) or cancel the draft."""
    query = update.callback_query
    data = cb.BroadcastSend.parse(query.data)
    avap = context.services.storage.avap
    if not data.yes:
        if not await avap.cancel_broadcast(data.broadcast_id):
            await query.answer(texts.BROADCAST_NOT_DRAFT, show_alert=True)
            return
        await _edit(query, texts.BROADCAST_CANCELLED)
        await query.answer()
        return
    broadcast = await _draft(update, context, data.broadcast_id)
    if broadcast is None:
        return
    # the audience again, now: whoever blocked the bot since the preview is left out
    recipients = await avap.audience(_module_of(broadcast["audience"]))
    label = _audience_label(broadcast["audience"])
    if not recipients:
        await query.answer(texts.BROADCAST_EMPTY.format(audience=label), show_alert=True)
        return
    progress = texts.BROADCAST_PROGRESS.format(id=data.broadcast_id, audience=label, sent=0,
                                               blocked=0, failed=0, done=0,
                                               total=len(recipients))
    # the confirmation becomes the progress message (its buttons go away)
    chat_id, message_id = query.message.chat_id, query.message.message_id
    try:
        await query.edit_message_text(progress)
    except BadRequest as exc:
        # not modified: a retried update, it shows the progress already
        if not is_message_not_modified(exc):  # too old to edit, or gone: a new message
            sent = await context.bot.send_message(chat_id, progress)
            message_id = sent.message_id
    if not await avap.start_broadcast(data.broadcast_id, recipients, chat_id, message_id):
        await query.answer(texts.BROADCAST_NOT_DRAFT, show_alert=True)
        return
    log.info("broadcast confirmed", extra={"broadcast_id": data.broadcast_id,
                                           "recipients": len(recipients)})
    launch(context.application, context.services, data.broadcast_id)
    await query.answer()


# --- sending in the background ------------------------------------------------------------------
def launch(app: Application, services: Any, broadcast_id: int) -> None:
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


async def on_ready(app: Application, services: Any) -> None:
    """After a restart: resume every broadcast that was still sending."""
    for broadcast_id in await services.storage.avap.sending_broadcasts():
        log.info("resuming broadcast", extra={"broadcast_id": broadcast_id})
        launch(app, services, broadcast_id)


async def _pause(app: Application, seconds: float) -> None:
    """Sleep, waking up early when the application stops."""
    deadline = time.monotonic() + seconds
    while app.running and (left := deadline - time.monotonic()) > 0:
        await asyncio.sleep(min(left, 0.25))


async def _run(app: Application, services: Any, broadcast_id: int) -> None:
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
                await _Sender(app, services, broadcast, key, token).run()
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


class _Sender:
    """One run of one broadcast, under its lock."""

    def __init__(self, app: Application, services: Any, broadcast: dict, key: str,
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
        # recipients this run has an outcome for: a list of pending recipients read while their
        # copies were finishing still names them, and must not send to them again
        self.settled: set[int] = set()
        # the copies wait behind the bot's other messages; when this run stops, those not
        # sent yet are dropped (NotSent) and stay pending
        self.bulk = Bulk(going=lambda: self.going)
        self.shown: str | None = None
        # outcomes that arrive while one is being written go into the next write together
        self.recorder: GroupCommit[tuple[int, str]] = GroupCommit(
            lambda outcomes: self.avap.record_deliveries(self.id, outcomes))

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
        """Deliver to every pending recipient; True when none is left. The next recipients are
        read while the copies already queued are still going out, so that the pacer never
        waits for the database."""
        slots = asyncio.Semaphore(CONCURRENCY)
        running: dict[int, asyncio.Task] = {}
        try:
            while self.going:
                await self._record_unrecorded()
                pending = await self.avap.pending_deliveries(
                    self.id, BATCH + len(running) + len(self.retry_at) + len(self.unrecorded))
                if not pending and not running:
                    return True
                now = time.monotonic()
                due = [c for c in pending if c not in running and c not in self.settled
                       and self.retry_at.get(c, 0.0) <= now][:BATCH]
                for chat_id in due:
                    task = asyncio.create_task(self._deliver(chat_id, slots))
                    running[chat_id] = task
                    task.add_done_callback(lambda _t, c=chat_id: running.pop(c, None))
                if running:
                    # with new recipients queued: read more when the queue is down to about a
                    # second of sending; with none due: look again after the next outcome
                    low = CONCURRENCY if due else len(running)
                    while self.going and running and len(running) >= low:
                        await asyncio.wait(list(running.values()), timeout=1.0,
                                           return_when=asyncio.FIRST_COMPLETED)
                else:
                    waits = [self.retry_at[c] - now for c in pending if c in self.retry_at]
                    await _pause(self.app, min([*waits, 1.0]))
        finally:
            if running:  # stopping: the copies in flight finish, the others are dropped
                await asyncio.gather(*running.values(), return_exceptions=True)
        return False

    async def _deliver(self, chat_id: int, slots: asyncio.Semaphore) -> None:
        async with slots:
            if not self.going:  # stopping: what is not sent yet stays pending
                return
            outcome = await self._copy(chat_id)
        if outcome is None:
            return
        self.settled.add(chat_id)
        self.retry_at.pop(chat_id, None)
        try:
            await self.recorder.put((chat_id, outcome))
        except Exception:
            # keep it: the copy must not be sent again because the database blinked
            log.warning("could not record a delivery; will retry", exc_info=True,
                        extra={"broadcast_id": self.id, "chat_id": chat_id})
            self.unrecorded[chat_id] = outcome

    async def _copy(self, chat_id: int) -> str | None:
        """Copy the message to one recipient: 'sent', 'blocked', 'failed', or None to retry
        later (the limiter already waited out Telegram's 429s and retried)."""
        b = self.broadcast
        try:
            send = SENDERS.get(b["type"])
            if send is not None:
                await send(self.app, self.services, b, chat_id, self.bulk)
            else:
                await self.app.bot.copy_message(chat_id, b["source_chat_id"],
                                                b["source_message_id"], rate_limit_args=self.bulk)
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

    async def _record_unrecorded(self) -> None:
        for chat_id, outcome in list(self.unrecorded.items()):
            await self.avap.record_delivery(self.id, chat_id, outcome)
            del self.unrecorded[chat_id]

    async def _tick(self) -> None:
        """Every TICK seconds: keep the lock, and show the progress to the admin."""
        while True:
            await asyncio.sleep(TICK)
            try:
                if not await self.locks.renew(self.key, self.token, LOCK_TTL):
                    log.warning("broadcast lock lost; stopping this run",
                                extra={"broadcast_id": self.id})
                    self.lost = True
                    return
                row = await self.avap.get_broadcast(self.id)
                if row is not None:
                    await self._show(row)
            except Exception:
                log.warning("broadcast tick failed", exc_info=True,
                            extra={"broadcast_id": self.id})

    def _text(self, template: str, row: dict) -> str:
        sent, failed, blocked = row["sent_count"], row["failed_count"], row["blocked_count"]
        return template.format(id=self.id, audience=_audience_label(row["audience"]), sent=sent,
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


HANDLERS = [
    CommandHandler("broadcast", broadcast_command, filters=NEW),
    MessageHandler(STEP_INPUT & in_step(STEP_MESSAGE), message_received),
    CallbackQueryHandler(modules_shown, pattern=cb.BroadcastModules.pattern()),
    CallbackQueryHandler(audience_chosen, pattern=cb.BroadcastAudience.pattern()),
    CallbackQueryHandler(send_chosen, pattern=cb.BroadcastSend.pattern()),
]
