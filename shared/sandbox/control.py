"""The running sandbox: the emulator, the real platform behind it, and what the page asks of
them: act as a person, run a scheduled job now, move the clock, reset, record and replay a
transcript."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.config import Settings
from shared.emulator import Emulator
from shared.platform import Platform
from shared.sandbox.inspector import INBOX_LOGGER, Inspector
from shared.sandbox.transport import InProcessRequest
from shared.sandbox.world import (
    FIRST_ADDED_ID,
    JOBS,
    PARTS,
    PEOPLE,
    TOKENS,
    Person,
    add_person,
    build_telegram,
    database_path,
    sandbox_settings,
    seed_demo_data,
)
from shared.server import Service

log = logging.getLogger(__name__)


class SandboxPlatform(Platform):
    """The real platform on a fresh sandbox database, its bots talking to the emulator."""

    def __init__(self, settings: Settings, emu: Emulator) -> None:
        super().__init__(settings, mode="polling")
        self.bot_api = lambda: InProcessRequest(emu)

    async def start(self) -> None:
        path = database_path(self.settings)
        for suffix in ("", "-wal", "-shm", "-journal"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        await super().start()
        await seed_demo_data(self.storage)


class Sandbox:
    """One sandbox: ``service`` is the ASGI application to serve."""

    def __init__(self, base: Settings, url: str | None = None) -> None:
        self.settings = sandbox_settings(base, url)
        self.people: list[Person] = list(PEOPLE)
        self.inspector = Inspector({token: name for name, token in TOKENS.items()})
        inbox_log = logging.getLogger(INBOX_LOGGER)
        inbox_log.addHandler(self.inspector)
        if not inbox_log.isEnabledFor(logging.INFO):
            inbox_log.setLevel(logging.INFO)  # the inspector needs the outcome of each update
        self.emu = build_telegram(self.people)
        self._unlisten = self.emu.add_listener(self._on_event)
        self.service = Service(SandboxPlatform(self.settings, self.emu))
        self.actions: list[dict[str, Any]] = []
        self.started = time.monotonic()
        self.version = 0
        self._queues: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = set()
        self._queries: dict[str, int] = {}  # callback query id -> the person who pressed
        self._travel: Any = None
        self._coordinates: Any = None
        self.clock_offset = timedelta(0)
        self._busy = asyncio.Lock()

    @property
    def platform(self) -> Platform:
        return self.service.platform

    # --- events for the page ----------------------------------------------------------------
    def _on_event(self, event: dict[str, Any]) -> None:
        self.inspector.on_event(event)
        if event["type"] == "callback_answer":
            person = self._queries.pop(str(event["callback_query_id"]), None)
            if event.get("text"):
                self.notify({"toast": event["text"], "alert": bool(event.get("show_alert")),
                             "person": person})
        if event["type"] in ("message", "edited", "deleted"):
            self.version += 1
            self.notify({"v": self.version})

    def notify(self, data: dict[str, Any]) -> None:
        """Send ``data`` to every page listening (from any thread)."""
        for loop, queue in list(self._queues):
            if not loop.is_closed():
                loop.call_soon_threadsafe(queue.put_nowait, data)

    @contextlib.contextmanager
    def listen(self) -> Any:
        """A queue of the events for one page, while it is open."""
        entry = (asyncio.get_running_loop(), asyncio.Queue())
        self._queues.add(entry)
        try:
            yield entry[1]
        finally:
            self._queues.discard(entry)

    # --- people -------------------------------------------------------------------------------
    def person(self, person_id: int) -> Person:
        for p in self.people:
            if p.id == person_id:
                return p
        raise LookupError(f"no person {person_id}")

    def add_person(self, name: str, record: bool = True) -> Person:
        """A new person (a stranger to both bots)."""
        new_id = max([FIRST_ADDED_ID - 1, *(p.id for p in self.people)]) + 1
        person = Person(new_id, name.strip()[:64] or f"Person {new_id}", "added",
                        f"+374990{new_id:05d}")
        self.people.append(person)
        add_person(self.emu, person)
        if record:
            self._record("person", name=person.name)
        self.version += 1
        self.notify({"v": self.version})
        return person

    # --- acting -----------------------------------------------------------------------------------
    def target(self, chat: str) -> tuple[str, int | None]:
        """(bot token, group id or None for a private chat) of a chat key of the page."""
        if chat.startswith("p"):
            bot = chat[1:].split(":", 1)[0]
            if bot not in TOKENS:
                raise LookupError("no such chat")
            return TOKENS[bot], None
        chat_id = int(chat[1:])
        with self.emu.lock:
            state = self.emu.world.chats.get(chat_id)
            if state is None or not state.members:
                raise LookupError("no such chat")
            if state.type == "channel":
                raise PermissionError("only the channel's admins post in a channel")
            return sorted(state.members)[0], chat_id

    def token_of(self, chat: str, message_id: int) -> str:
        """The bot that sent a message (its buttons answer to that bot)."""
        token, chat_id = self.target(chat)
        if chat_id is None:
            return token
        with self.emu.lock:
            msg = self.emu.world.chats[chat_id].messages.get(message_id) or {}
        sender = (msg.get("from") or {}).get("id")
        return next((t for t in TOKENS.values() if self.emu.bot(t).id == sender), token)

    def send_text(self, person: int, chat: str, text: str, reply_to: int | None = None) -> None:
        token, chat_id = self.target(chat)
        self.person(person)
        self.emu.send_text(token, person, text, chat_id=chat_id, reply_to=reply_to)
        self._record("send", person=person, chat=chat, text=text, reply_to=reply_to)

    def share_contact(self, person: int, chat: str) -> None:
        token, chat_id = self.target(chat)
        if chat_id is not None:
            raise PermissionError("a contact is shared in a private chat")
        p = self.person(person)
        self.emu.share_contact(token, person, p.phone, p.name.split(" ")[0])
        self._record("contact", person=person, chat=chat)

    def send_file(self, person: int, chat: str, content: bytes, file_name: str,
                  mime_type: str | None, caption: str | None, reply_to: int | None = None,
                  ) -> None:
        token, chat_id = self.target(chat)
        self.person(person)
        kind = "photo" if (mime_type or "").startswith("image/") else \
            "voice" if (mime_type or "") in ("audio/ogg", "audio/opus") else \
            "video" if (mime_type or "").startswith("video/") else "document"
        self.emu.send_file(token, person, content, kind=kind, file_name=file_name,
                           mime_type=mime_type, caption=caption or None, chat_id=chat_id,
                           reply_to=reply_to)
        self._record("upload", person=person, chat=chat, file_name=file_name,
                     mime_type=mime_type, caption=caption, reply_to=reply_to,
                     content=base64.b64encode(content).decode())

    def press(self, person: int, chat: str, message_id: int, data: str) -> None:
        token = self.token_of(chat, message_id)
        _, chat_id = self.target(chat)
        self.person(person)
        qid = self.emu.press(token, person, message_id, data, chat_id=chat_id)
        self._queries[qid] = person
        self._record("press", person=person, chat=chat, message_id=message_id, data=data)

    # --- the clock panel ------------------------------------------------------------------------
    async def run_job(self, name: str, record: bool = True) -> Any:
        """Run a scheduled job now (claimed like a scheduled run); its result."""
        job_id = JOBS[name][0]
        scheduler = self.platform.scheduler
        job = scheduler._sched.get_job(job_id)
        if job is None:
            raise LookupError(f"job {job_id} is not registered")
        if record:
            self._record("job", name=name)
        return await scheduler._run_claimed(
            job.id, datetime.now(UTC), job.func, job.args, job.kwargs)

    def now(self) -> datetime:
        return datetime.now(UTC)

    def advance(self, seconds: float, record: bool = True) -> datetime:
        """Move the sandbox's clock (the whole process's wall clock) forward; the scheduler
        then runs what came due, as it would have."""
        import time_machine

        if seconds <= 0:
            raise ValueError("the clock only moves forward")
        if self._travel is None:
            self._travel = time_machine.travel(datetime.now(UTC), tick=True)
            self._coordinates = self._travel.start()
        self._coordinates.shift(timedelta(seconds=seconds))
        self.clock_offset += timedelta(seconds=seconds)
        if record:
            self._record("clock", seconds=seconds)
        scheduler = self.platform.scheduler._sched
        if scheduler.running:
            scheduler.wakeup()
        self.notify({"clock": self.now().isoformat()})
        return self.now()

    async def next_post_in(self) -> float | None:
        """Seconds until the soonest scheduled post, or None."""
        due = [at for part in PARTS.values() if part.next_due is not None
               if (at := await part.next_due(self.platform.storage)) is not None]
        if not due:
            return None
        return max(1.0, (min(due) - self.now()).total_seconds() + 1)

    def _stop_clock(self) -> None:
        if self._travel is not None:
            self._travel.stop()
        self._travel = self._coordinates = None
        self.clock_offset = timedelta(0)

    # --- reset, transcript --------------------------------------------------------------------
    async def reset(self) -> None:
        """A fresh sandbox: new Telegram, new database with the demo data."""
        async with self._busy:
            await self.platform.stop()
            self._stop_clock()
            self._unlisten()
            await self.emu.aclose()
            self.inspector.clear()
            self.actions = []
            self.people = list(PEOPLE)
            self.emu = build_telegram(self.people)
            self._unlisten = self.emu.add_listener(self._on_event)
            self.service.platform = SandboxPlatform(self.settings, self.emu)
            await self.platform.start()
            self.started = time.monotonic()
            self.version += 1
            self.notify({"v": self.version, "reset": True})

    def _record(self, action: str, **data: Any) -> None:
        self.actions.append({"at": round(time.monotonic() - self.started, 3), "action": action,
                             **{k: v for k, v in data.items() if v is not None}})

    def transcript(self) -> dict[str, Any]:
        """The session so far: what the people did, and what every chat now shows."""
        names = {token: name for name, token in TOKENS.items()}
        with self.emu.lock:
            chats = {f"{names.get(t, t)}:{k}": [dict(m) for m in c.messages.values()]
                     for (t, k), c in self.emu.world.private.items()}
            chats.update({str(k): [dict(m) for m in c.messages.values()]
                          for k, c in self.emu.world.chats.items()})
        return {"format": "sandbox-transcript/1", "actions": list(self.actions), "chats": chats}

    async def replay(self, transcript: dict[str, Any]) -> int:
        """Reset, then do the transcript's actions again in order, each once the bots are
        idle; how many were replayed."""
        actions = transcript.get("actions")
        if transcript.get("format") != "sandbox-transcript/1" or not isinstance(actions, list):
            raise ValueError("not a sandbox transcript")
        await self.reset()
        for n, item in enumerate(actions):
            await self._do(item)
            await self.idle()
            log.info("replayed", extra={"action": item.get("action"), "n": n + 1})
        return len(actions)

    async def _do(self, item: dict[str, Any]) -> None:
        kind = item.get("action")
        if kind == "send":
            self.send_text(int(item["person"]), item["chat"], str(item["text"]),
                           item.get("reply_to"))
        elif kind == "press":
            self.press(int(item["person"]), item["chat"], int(item["message_id"]),
                       str(item["data"]))
        elif kind == "contact":
            self.share_contact(int(item["person"]), item["chat"])
        elif kind == "upload":
            self.send_file(int(item["person"]), item["chat"],
                           base64.b64decode(item.get("content", "")), item.get("file_name", "file"),
                           item.get("mime_type"), item.get("caption"), item.get("reply_to"))
        elif kind == "job":
            await self.run_job(str(item["name"]))
        elif kind == "clock":
            self.advance(float(item["seconds"]))
        elif kind == "person":
            self.add_person(str(item["name"]))
        else:
            raise ValueError(f"unknown action {kind!r}")

    async def idle(self, timeout: float = 15.0) -> bool:
        """Wait until every update is handled and every side effect delivered."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.emu.lock:
                queued = any(b.pending_updates for b in self.emu.world.bots.values())
            storage = self.platform.storage
            inbox = await storage.inbox.counts()
            outbox = await storage.outbox.counts(self.settings.outbox_alert_after)
            if not queued and not inbox["pending"] and not outbox["pending"]:
                return True
            await asyncio.sleep(0.05)
        return False

    async def aclose(self) -> None:
        self._stop_clock()
        self._unlisten()
        logging.getLogger(INBOX_LOGGER).removeHandler(self.inspector)
        await self.emu.aclose()
