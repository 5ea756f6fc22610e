"""The in-process scheduler: APScheduler behind a small interface, every run claimed first.

During a deploy Render runs the old and the new instance side by side; both schedulers fire.
Before a job runs, its (job id, scheduled fire time) is inserted into ``job_runs``; the unique key
lets exactly one instance win, and the other skips that run. A lock would only stop two runs
from overlapping, not a second run right after the first released it.

Interval jobs are anchored at a fixed date, so every instance computes the same fire times.
Jobs take plain ids as arguments and reload what they need from the database.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import shared.apscheduler_lib  # noqa: F401 - first: one scan of the entry points, not three

# isort: split
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from shared.storage import Storage

log = logging.getLogger(__name__)

ANCHOR = datetime(2024, 1, 1, tzinfo=UTC)

JobFunc = Callable[..., Awaitable[Any]]


class _ClaimingExecutor(AsyncIOExecutor):
    """Runs each (job, fire time) through ``Scheduler._run_claimed``."""

    def __init__(self, runner: Callable[[str, datetime, JobFunc, tuple, dict], Awaitable[Any]],
                 ) -> None:
        super().__init__()
        self._runner = runner

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        async def run() -> list[JobExecutionEvent]:
            events = []
            for fire_time in run_times:
                try:
                    retval = await self._runner(job.id, fire_time, job.func, job.args, job.kwargs)
                except Exception as exc:  # noqa: BLE001 - reported to APScheduler as a job error
                    events.append(JobExecutionEvent(EVENT_JOB_ERROR, job.id, job._jobstore_alias,
                                                    fire_time, exception=exc))
                else:
                    events.append(JobExecutionEvent(EVENT_JOB_EXECUTED, job.id,
                                                    job._jobstore_alias, fire_time, retval=retval))
            return events

        def done(f: Any) -> None:
            self._pending_futures.discard(f)
            try:
                events = f.result()
            except BaseException:  # noqa: BLE001 - cancelled at shutdown
                self._run_job_error(job.id, *sys.exc_info()[1:])
            else:
                self._run_job_success(job.id, events)

        f = self._eventloop.create_task(run())
        f.add_done_callback(done)
        self._pending_futures.add(f)


class Scheduler:
    """Register jobs with fixed ids; each fire time runs on exactly one instance."""

    def __init__(self, storage: Storage, *, timezone: str, instance: str) -> None:
        self.storage = storage
        self.instance = instance
        self._executor = _ClaimingExecutor(self._run_claimed)
        self._sched = AsyncIOScheduler(
            timezone=timezone,
            executors={"default": self._executor},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )
        self.runs = 0
        self.skips = 0
        self._each_instance: set[str] = set()  # jobs every instance runs for itself, unclaimed

    def every(self, job_id: str, seconds: float, func: JobFunc, *args: Any,
              each_instance: bool = False) -> None:
        """Run ``func(*args)`` every ``seconds``, on a grid shared by all instances: on one of
        them per fire time, or (``each_instance``: about this process, like its memory) on
        every instance, without a claim."""
        if each_instance:
            self._each_instance.add(job_id)
        self.add(job_id, IntervalTrigger(seconds=seconds, start_date=ANCHOR), func, *args)

    def cron(self, job_id: str, func: JobFunc, *args: Any, timezone: str | None = None,
             **cron: Any) -> None:
        """Run ``func(*args)`` at cron times (hour=9, minute=0, ...) in ``timezone`` (default:
        the scheduler's zone)."""
        trigger = CronTrigger(timezone=timezone or self._sched.timezone, **cron)
        self.add(job_id, trigger, func, *args)

    def add(self, job_id: str, trigger: BaseTrigger, func: JobFunc, *args: Any,
            misfire_grace_time: int | None = None) -> None:
        kwargs: dict[str, Any] = {}
        if misfire_grace_time is not None:
            kwargs["misfire_grace_time"] = misfire_grace_time
        self._sched.add_job(func, trigger, args=args, id=job_id, name=job_id,
                            replace_existing=True, **kwargs)

    def start(self) -> None:
        self._sched.start()

    def shutdown(self) -> None:
        if self._sched.running:
            self._sched.shutdown(wait=False)

    async def stop(self, grace: float = 5.0) -> None:
        """Stop firing, let the runs in progress finish (up to ``grace`` s), then shut down."""
        if not self._sched.running:
            return
        self._sched.pause()
        pending = [f for f in self._executor._pending_futures if not f.done()]
        if pending:
            await asyncio.wait(pending, timeout=grace)
        self._sched.shutdown(wait=False)

    def jobs(self) -> list[dict[str, Any]]:
        """Job ids with their next run time, for /health."""
        out = []
        for job in self._sched.get_jobs():
            nxt = job.next_run_time
            out.append({"id": job.id, "next_run": nxt.isoformat() if nxt else None})
        return sorted(out, key=lambda j: j["id"])

    async def _run_claimed(self, job_id: str, fire_time: datetime, func: JobFunc, args: tuple,
                           kwargs: dict) -> Any:
        fire_utc = fire_time.astimezone(UTC)
        if job_id in self._each_instance:
            self.runs += 1
            return await func(*args, **kwargs)
        run_id = await self.storage.jobs.claim(job_id, fire_utc, self.instance)
        if run_id is None:
            self.skips += 1
            log.info("job skipped: claimed by another instance", extra={
                "job": job_id, "fire_time": fire_utc.isoformat(), "job_outcome": "skipped",
                "instance": self.instance})
            return None
        started = time.perf_counter()
        outcome = "ok"
        try:
            return await func(*args, **kwargs)
        except Exception as exc:
            outcome = f"error: {type(exc).__name__}: {exc}"
            log.exception("job failed", extra={"job": job_id, "fire_time": fire_utc.isoformat()})
            raise
        finally:
            self.runs += 1
            log.info("job ran", extra={
                "job": job_id, "fire_time": fire_utc.isoformat(), "job_outcome": "ran",
                "instance": self.instance,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
            try:
                await self.storage.jobs.finish(run_id, outcome)
            except Exception:
                log.exception("job: could not record the outcome", extra={"job": job_id})
