"""Replays every ``rpc`` body a test sent to the fake PostgREST as a plain SQL function call on the
CI PostgreSQL (issue 7, acceptance 1): each call is built here from the body alone — named
arguments cast to the function's parameter types, as ``SELECT * FROM fn(a => ..)`` — and run as
``service_role`` in a transaction that is rolled back, so the database is left as the test left
it. A body that only the fake understood, or a function the schema lacks, fails the test. The
calls run against the test's final state, so an integrity conflict (SQLSTATE class 23: the row a
call named is gone) counts as a valid call.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
from typing import Any

import asyncpg


async def _replay(url: str, calls: list[tuple[str, dict[str, Any]]]) -> list[str]:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    failures: list[str] = []
    try:
        for name, body in calls:
            params = await conn.fetch(
                "SELECT unnest(proargnames) AS arg, "
                "       unnest(proargtypes::regtype[]::text[]) AS type "
                "  FROM pg_proc WHERE proname = $1 "
                "   AND pronamespace = current_schema()::regnamespace", name)
            types = {r["arg"]: r["type"] for r in params if r["type"]}  # IN args only
            args, values = [], []
            for i, (key, value) in enumerate(body.items(), start=1):
                if key not in types:
                    failures.append(f"{name}: no parameter {key!r}")
                    break
                kind = types[key]
                if kind in ("jsonb", "json"):
                    values.append(json.dumps(value))
                elif kind.endswith("[]"):
                    values.append(None if value is None else
                                  "{" + ",".join(json.dumps(str(v)) for v in value) + "}")
                else:
                    values.append(None if value is None else
                                  value if isinstance(value, str) else json.dumps(value))
                args.append(f"{key} => ${i}::text::{kind}")
            else:
                tx = conn.transaction()
                await tx.start()
                try:
                    await conn.execute("SET LOCAL ROLE service_role")
                    await conn.fetch(f"SELECT * FROM {name}({', '.join(args)})", *values)
                except asyncpg.PostgresError as exc:
                    # an integrity conflict with the test's final state (say, the post the call
                    # named was deleted later in the test) means the call itself was valid: it
                    # was parsed, typed and ran into the data
                    if not (exc.sqlstate or "").startswith("23"):
                        failures.append(f"{name}({body}): {exc.sqlstate} {exc}")
                finally:
                    await tx.rollback()
    finally:
        await conn.close()
    return failures


def replay_rpc_bodies(url: str, requests: list[Any]) -> list[str]:
    """Replay the successful rpc calls among ``requests``; the failures, as lines."""
    calls = [(r.path.rsplit("/", 1)[1], r.body or {}) for r in requests
             if r.path.startswith("/rest/v1/rpc/") and r.method == "POST" and r.status < 400]
    if not calls:
        return []
    # a thread of its own: the caller may be inside a running event loop
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _replay(url, calls)).result()
