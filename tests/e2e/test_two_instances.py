"""Acceptance 6: two server processes on one PostgreSQL database run each fire time once."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from datetime import datetime

import asyncpg
import pytest

from tests.e2e.conftest import ServerProcess, post_update
from tests.eventually import eventually
from tests.fakes import updates
from tests.fakes.telegram_api import FakeTelegram
from tests.pg import PostgresServer

pytestmark = pytest.mark.postgres


def _iso(value: datetime | str) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.isoformat()


def _outcomes(a: ServerProcess, b: ServerProcess) -> dict[str, list[str]]:
    """Fire time of the housekeeping job -> what each instance logged ('a:ran', 'b:skipped')."""
    outcomes: dict[str, list[str]] = defaultdict(list)
    for name, srv in (("a", a), ("b", b)):
        for rec in srv.log_records():
            if rec.get("job") == "housekeeping" and rec.get("job_outcome") in ("ran", "skipped"):
                outcomes[_iso(rec["fire_time"])].append(f"{name}:{rec['job_outcome']}")
    return outcomes


def _contested(outcomes: dict[str, list[str]]) -> list[str]:
    """The fire times both instances fired."""
    return [ft for ft, seen in outcomes.items() if len(seen) == 2]


def test_each_fire_time_runs_once_across_two_instances(fake_telegram: FakeTelegram,
                                                       make_server,
                                                       postgres: PostgresServer) -> None:
    url = postgres.create_database()
    env = {"DATABASE_URL": url, "HOUSEKEEPING_SECONDS": "1"}
    a = make_server("a", **env).start()
    b = make_server("b", **env).start()
    # let a few fire times come: four run, three of them fired by both instances (each logs
    # "ran" or "skipped")
    def enough() -> bool:
        outcomes = _outcomes(a, b)
        ran = [ft for ft, seen in outcomes.items() if any(o.endswith(":ran") for o in seen)]
        return len(ran) >= 4 and len(_contested(outcomes)) >= 3

    eventually(enough, timeout=30, what="four runs, three fired by both instances")
    # both instances also share the inbox: an update is handled by exactly one of them
    for i in range(10):
        post_update(fake_telegram, a if i % 2 else b, "avap",
                    updates.message(100 + i, "/help", user_id=700 + i))
    fake_telegram.wait_for(lambda: len(fake_telegram.calls_of("sendMessage")) >= 10)
    a.stop()  # stopped, they have sent all they were going to
    b.stop()
    assert len(fake_telegram.calls_of("sendMessage")) == 10

    async def runs() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetch("SELECT fire_time, instance FROM job_runs "
                                    "WHERE job_id = 'housekeeping' ORDER BY fire_time")
        finally:
            await conn.close()

    rows = asyncio.run(runs())
    assert len(rows) >= 4
    recorded = [_iso(r["fire_time"]) for r in rows]
    assert len(recorded) == len(set(recorded))

    outcomes = _outcomes(a, b)
    ran = Counter(ft for ft, seen in outcomes.items() for o in seen if o.endswith(":ran"))
    # no fire time ran twice, and every recorded run is one that a process says it ran
    assert all(n == 1 for n in ran.values()), ran
    assert set(ran) == set(recorded)
    # both instances fired together for most times: one ran, the other skipped
    contested = _contested(outcomes)
    assert len(contested) >= 3
    for ft in contested:
        assert sorted(o.split(":")[1] for o in outcomes[ft]) == ["ran", "skipped"]
