"""The running service: storage, bots, inbox, outbox and scheduler, started and stopped together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import orjson
from telegram.error import BadRequest, TelegramError

from shared import __version__
from shared.alerts import Alerts
from shared.bot_package import optional, registered_bots
from shared.bots import BotRuntime
from shared.config import Settings
from shared.errors import PermanentError, PlatformError, TransientError
from shared.inbox import InboxWorker
from shared.instances import Heartbeat
from shared.intake import InboxIntake, chat_key_of
from shared.jobs import register_platform_jobs
from shared.outbox import OutboxWorker
from shared.scheduler import Scheduler
from shared.services import ChatDirectory, Services
from shared.storage import Storage, open_storage
from shared.telegram_outbox import TelegramDeliveries
from shared.telegram_setup import register_webhook, set_command_menus

if TYPE_CHECKING:
    from telegram.request import BaseRequest

log = logging.getLogger(__name__)

Mode = Literal["webhook", "polling"]


class PollingRefused(PlatformError):
    """Polling would delete a webhook that a live deployment relies on."""


def resolve_mode(settings: Settings, requested: str | None) -> Mode:
    if requested in ("webhook", "polling"):
        return requested  # type: ignore[return-value]
    return "webhook" if settings.public_url else "polling"


async def open_configured_storage(s: Settings) -> Storage:
    """The storage the settings select; says which (DATABASE_URL wins over SUPABASE_URL)."""
    if s.storage_kind == "supabase":
        from shared.storage.rest import open_rest_storage

        log.info("storage: Supabase REST API at SUPABASE_URL (DATABASE_URL is not set)")
        key = s.supabase_key.get_secret_value() if s.supabase_key is not None else ""
        return await open_rest_storage(s.supabase_url or "", key)
    if s.supabase_url and s.supabase_key is not None:
        log.info("storage: DATABASE_URL (%s); SUPABASE_URL and SUPABASE_KEY are not used for "
                 "storage because DATABASE_URL is set", s.storage_kind)
    else:
        log.info("storage: %s from %s", s.storage_kind,
                 "DATABASE_URL" if s.database_url is not None else "the embedded default")
    return await open_storage(s.sqlalchemy_url())


class Platform:
    """Owns every long-lived service of the process."""

    def __init__(self, settings: Settings, *, mode: Mode = "webhook", force: bool = False) -> None:
        self.settings = settings
        self.mode = mode
        self.force = force
        self.instance = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.started_monotonic = time.monotonic()
        self.ready = False
        self.bot_names = tuple(registered_bots())  # every registered bot, enabled or not
        self.runtimes: dict[str, BotRuntime] = {}
        self.secrets: dict[str, str] = {}
        self.storage: Storage
        self.services: Services
        self.intake: InboxIntake
        self.hot_routes: dict[str, Any] = {}  # path prefix -> plain ASGI app (GET/HEAD)
        self.worker: InboxWorker
        self.outbox: OutboxWorker
        self.alerts: Alerts
        self.scheduler: Scheduler
        self.heartbeat: Heartbeat | None = None
        self._bot_tasks: list[asyncio.Task] = []
        self.warnings: list[str] = []
        # the bots' Bot API client: None for HTTP to TELEGRAM_API_URL; the sandbox answers in
        # the process (shared/sandbox/transport.py)
        self.bot_api: Callable[[], BaseRequest] | None = None

    # --- start-up ---------------------------------------------------------------------------
    async def start(self) -> None:
        s = self.settings
        self.storage = await open_configured_storage(s)
        log.info("storage ready", extra={"backend": self.storage.backend})
        if s.render and self.storage.backend == "sqlite":
            msg = ("Storage is SQLite on Render, whose disk is not persistent: every restart "
                   "loses all data. Set DATABASE_URL to a PostgreSQL (Supabase) database.")
            self.warnings.append(msg)
            log.warning(msg)
        chats = ChatDirectory(s, await self.storage.chats.migrations())
        self.outbox = OutboxWorker(self.storage, instance=self.instance,
                                   retry_base=s.retry_base_seconds * 2,
                                   alert_after=s.outbox_alert_after)
        self.alerts = Alerts(s, self.storage, self.outbox.enqueue, self._ready_bot_names)
        TelegramDeliveries(self.ready_bot).register(self.outbox)
        self.outbox.on_stuck = self._report_stuck
        self.services = Services(settings=s, storage=self.storage, chats=chats,
                                 alerts=self.alerts, outbox=self.outbox, instance=self.instance,
                                 bot_api=self.bot_api)
        for name, module in registered_bots().items():
            # outside services' deliveries go out whether or not the bot itself runs
            register_services = optional(module, "register_services")
            if register_services is not None:
                register_services(self.services)
            hot_routes = optional(module, "hot_routes")
            if hot_routes is not None:
                self.hot_routes.update(hot_routes(self.services))
            if s.bot_token(name) is None:
                log.info("%s disabled: set %s to enable it", module.TITLE, module.TOKEN_VARIABLE)
                continue
            app = module.build_application(s, self.services)
            self.runtimes[name] = BotRuntime(name=name, module=module, app=app)
            self.secrets[name] = s.secret_for(name)
        self.worker = InboxWorker(self.services, self.runtimes,
                                  lease_seconds=max(3.0, s.retry_base_seconds * 30))
        self.intake = InboxIntake(self.storage, self.worker)
        self.storage.locks.owner = self.instance
        self.heartbeat = Heartbeat(self.storage, self.instance, interval=s.heartbeat_seconds,
                                   on_freed=self._wake_workers, on_others=self._wake_workers)
        # before the first claim: what a dead instance (this one before a kill -9) held is free
        await self.heartbeat.start()
        if self.mode == "polling":
            await self._check_polling_allowed()
        # UTC: a bot's job at a time of day names its own zone (scheduler.cron(timezone=...))
        self.scheduler = Scheduler(self.storage, timezone="UTC",
                                   instance=self.instance)
        register_platform_jobs(self)
        for runtime in self.runtimes.values():
            register_jobs = optional(runtime.module, "register_jobs")
            if register_jobs is not None:
                register_jobs(self.scheduler, runtime.app, self.services)
            self._bot_tasks.append(asyncio.create_task(self._start_bot(runtime),
                                                       name=f"start-{runtime.name}"))
        self.worker.start()
        self.outbox.start()
        self.scheduler.start()
        self.ready = True

    async def _check_polling_allowed(self) -> None:
        """Refuse polling when a webhook is set (polling deletes it), unless --force."""
        for runtime in self.runtimes.values():
            try:
                info = await runtime.app.bot.get_webhook_info()
            except TelegramError as exc:
                log.warning("could not read %s's webhook: %s", runtime.name, type(exc).__name__)
                continue
            if info.url and not self.force:
                raise PollingRefused(
                    f"The {runtime.module.TITLE} has a webhook set ({info.url.split('/webhook')[0]}"
                    "/...). Polling would delete it and silently stop the deployed bot. "
                    "Run with --force to take the bot over, or set PUBLIC_URL for webhook mode."
                )

    async def _start_bot(self, runtime: BotRuntime) -> None:
        """Initialise the bot (getMe), register its webhook and menus; retry until it works."""
        delay = 1.0
        while True:
            try:
                app = runtime.app
                if not app._initialized:
                    await app.initialize()
                    await app.start()
                runtime.username = app.bot.username
                if self.mode == "webhook":
                    await self.register_webhook(runtime)
                else:
                    self._bot_tasks.append(asyncio.create_task(self._poll(runtime),
                                                               name=f"poll-{runtime.name}"))
                await self._set_commands(runtime)
                runtime.state, runtime.error = "ready", None
                on_ready = optional(runtime.module, "on_ready")
                if on_ready is not None:
                    await on_ready(runtime.app, self.services)
                log.info("bot ready", extra={"bot": runtime.name, "username": runtime.username,
                                             "mode": self.mode})
                self.worker.wake()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep trying; /health shows the error
                runtime.state, runtime.error = "error", f"{type(exc).__name__}: {exc}"[:300]
                log.warning("bot start failed; retrying", extra={
                    "bot": runtime.name, "error": runtime.error, "retry_in_s": delay})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60)

    async def register_webhook(self, runtime: BotRuntime) -> None:
        runtime.webhook = await register_webhook(runtime.app.bot, self.settings, runtime.name,
                                                 runtime.module.ALLOWED_UPDATES)

    async def _set_commands(self, runtime: BotRuntime) -> None:
        """Set every command menu of the bot, all at once. A menu Telegram refuses (a group the
        bot is not in yet: `python -m shared check` says what to fix) is logged; any other
        failure retries the bot's start."""
        menus = runtime.module.command_menus(self.settings, self.services)
        for failure in await set_command_menus(runtime.app.bot, menus):
            if not isinstance(failure.error, BadRequest):
                raise failure.error
            log.warning("setMyCommands failed", extra={
                "bot": runtime.name, "scope": failure.scope.type, "error": failure.error.message})

    async def _poll(self, runtime: BotRuntime) -> None:
        """Long polling for local development: feeds the same inbox as the webhook."""
        bot = runtime.app.bot
        await bot.delete_webhook(drop_pending_updates=False)
        offset: int | None = None
        while True:
            try:
                raw = await bot.do_api_request(
                    "getUpdates",
                    api_kwargs={"offset": offset, "timeout": 25,
                                "allowed_updates": runtime.module.ALLOWED_UPDATES},
                    read_timeout=35,
                )
            except asyncio.CancelledError:
                raise
            except TelegramError as exc:
                log.warning("getUpdates failed", extra={"bot": runtime.name,
                                                        "error": type(exc).__name__})
                await asyncio.sleep(3)
                continue
            if not raw:
                continue
            rows = [(runtime.name, int(u["update_id"]), chat_key_of(u), orjson.dumps(u).decode())
                    for u in raw]
            await self.intake.put_many(rows)
            # confirmed to Telegram only now that the updates are stored
            offset = max(r[1] for r in rows) + 1

    def _wake_workers(self) -> None:
        self.worker.wake()
        self.outbox.wake()

    # --- outbox deliveries ------------------------------------------------------------------
    def _ready_bot_names(self) -> list[str]:
        return [n for n, r in self.runtimes.items() if r.state == "ready"]

    def ready_bot(self, name: str) -> Any:
        """The Bot of a ready bot, for outbox deliveries; a bot not ready yet means "later"."""
        runtime = self.runtimes.get(name)
        if runtime is None:
            raise PermanentError(f"bot {name} is not configured")
        if runtime.state != "ready":
            raise TransientError(f"bot {name} is not ready")
        return runtime.app.bot

    async def _report_stuck(self, row: Any, error: str) -> None:
        await self.alerts.send(f"outbox:{row.kind}",
                               f"Outbox row {row.id} ({row.kind}) keeps failing: {error[:200]}",
                               cooldown_seconds=3600)

    # --- health -----------------------------------------------------------------------------
    async def health(self) -> dict[str, Any]:
        storage_ok = await self.storage.ping() if hasattr(self, "storage") else False
        backlog: dict[str, Any] = {}
        if storage_ok:
            try:
                backlog["inbox"] = await self.storage.inbox.counts()
                backlog["outbox"] = await self.storage.outbox.counts(
                    self.settings.outbox_alert_after)
            except Exception:  # noqa: BLE001 - health must answer even then
                storage_ok = False
        bots = {}
        for name, module in registered_bots().items():
            rt = self.runtimes.get(name)
            if rt is None:
                bots[name] = {"state": "disabled", "enable_with": module.TOKEN_VARIABLE}
            else:
                bots[name] = {"state": rt.state, "username": rt.username,
                              "mode": self.mode, "error": rt.error}
        from shared.jobs import memory_mb

        status = "ok" if storage_ok and all(
            b["state"] in ("ready", "disabled") for b in bots.values()) else "degraded"
        return {
            "status": status,
            "version": __version__,
            "uptime_s": round(time.monotonic() - self.started_monotonic, 1),
            "memory_mb": round(memory_mb(), 1),
            "storage": {"backend": getattr(self.storage, "backend", None) if hasattr(
                self, "storage") else None, "ok": storage_ok},
            "bots": bots,
            "scheduler": self.scheduler.jobs() if hasattr(self, "scheduler") else [],
            "backlog": backlog,
            "warnings": self.warnings,
        }

    # --- shutdown ---------------------------------------------------------------------------
    async def stop(self) -> None:
        self.ready = False
        if hasattr(self, "scheduler"):
            await self.scheduler.stop()
        for task in self._bot_tasks:
            task.cancel()
        for task in self._bot_tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if hasattr(self, "worker"):
            await self.worker.stop()
        if hasattr(self, "outbox"):
            await self.outbox.stop()
        if hasattr(self, "services"):
            await self.services.close_clients()  # HTTP clients of outside services
        for runtime in self.runtimes.values():
            with contextlib.suppress(Exception):
                if runtime.app.running:
                    await runtime.app.stop()
                await runtime.app.shutdown()
        if self.heartbeat is not None:
            await self.heartbeat.stop()
        if hasattr(self, "storage"):
            await self.storage.close()
