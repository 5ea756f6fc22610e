"""Copilot benchmark: how long a suggestion takes to be ready (search only, no model) with
20,000 answered questions stored, on SQLite and on PostgreSQL.

    python bench/copilot.py [--questions 20000] [--queries 300] [--backends sqlite postgresql]

One run per backend:

1. a fresh database (SQLite file in a temporary directory; PostgreSQL: a private cluster of
   Debian's ``postgresql`` package, as the tests start it), migrated by ``open_storage``;
2. ``--questions`` answered questions inserted in batches (the FTS5 triggers and the generated
   tsvector column index them as they would in production): the 60 pairs of the made-up course
   of the retrieval test (tests/avap_bot/course_knowledge.py) and synthetic ones built from a
   vocabulary of a course's support desk (seeded, so both backends hold the same rows);
3. ``--queries`` timed suggestions, each exactly what ``Copilot.compose`` does without a key:
   ``find_matches`` (query words, the database's full-text search, the re-ranking) and
   ``pick_quote``; the questions asked are the 30 paraphrases and synthetic questions reworded,
   in a fixed order, after 20 untimed ones (warm caches, as a running server has).

Figures: p50 / p95 / max in milliseconds, and the paraphrases' top-3 hit rate among all the
stored questions. Writes bench/results/copilot.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import insert  # noqa: E402

from avap_bot.retrieval import find_matches, pick_quote  # noqa: E402
from avap_bot.storage import tables as t  # noqa: E402
from shared.config import normalise_database_url  # noqa: E402
from shared.storage import Storage, open_storage, utcnow  # noqa: E402
from tests.avap_bot.course_knowledge import PAIRS, PARAPHRASES  # noqa: E402
from tests.pg import start_postgres  # noqa: E402

VERBS = ["submit", "upload", "find", "change", "download", "open", "share", "check", "fix",
         "present", "record", "calculate", "write", "export", "translate", "review", "format",
         "print", "name", "finish", "start", "cancel", "pay", "access", "update", "delete"]
NOUNS = ["business plan", "pitch deck", "marketing plan", "budget", "cash flow table",
         "customer survey", "competitor analysis", "landing page", "logo", "price list",
         "sales funnel", "video", "final project", "homework", "worksheet", "interview notes",
         "value proposition", "persona", "brand story", "financial forecast", "invoice",
         "contract", "certificate", "profile", "password", "slides", "recording", "template",
         "spreadsheet", "report", "checklist", "timeline", "roadmap", "mood board", "mockup"]
FORMS = ["How do I {v} the {n} for module {m}?", "Where can I {v} my {n} in module {m}?",
         "Can I {v} the {n} after the deadline of module {m}?",
         "What is the best way to {v} a {n} (module {m})?",
         "Is it possible to {v} the {n} twice in module {m}?",
         "Who can help me {v} the {n} for week {m}?"]
REWORDS = ["Any tips on how to {v} my {n} in module {m}?", "I need to {v} the {n}, module {m}",
           "Module {m}: {v} the {n} — how?"]
ANSWERS = ["Open module {m}'s page, then '{n}': the button to {v} it is at the bottom.",
           "Yes, until Sunday of week {m}; after that ask your mentor.",
           "Use the {n} template of module {m} and {v} it from the portal."]


def synthetic(n: int, rng: random.Random) -> list[tuple[str, str, str, str, int]]:
    """(question, answer, verb, noun, module) for n synthetic answered questions."""
    out = []
    for _ in range(n):
        v, noun, m = rng.choice(VERBS), rng.choice(NOUNS), rng.randint(1, 12)
        out.append((rng.choice(FORMS).format(v=v, n=noun, m=m),
                    rng.choice(ANSWERS).format(v=v, n=noun, m=m), v, noun, m))
    return out


async def fill(storage: Storage, questions: int, seed: int) -> list[int]:
    """The course's 60 pairs first (their ids are returned), then synthetic questions."""
    rng = random.Random(seed)
    rows = [(q, a) for q, a in PAIRS] + [(q, a) for q, a, *_ in
                                         synthetic(max(0, questions - len(PAIRS)), rng)]
    now = utcnow()
    batch = 1000
    for start in range(0, len(rows), batch):
        values = [{"telegram_id": 100_000 + i, "type": "text", "content": q, "status": "answered",
                   "answered": True, "answer": a, "answered_by": 1,
                   "created_at": now - timedelta(days=1), "answered_at": now}
                  for i, (q, a) in enumerate(rows[start:start + batch], start)]
        async with storage.db.write() as conn:
            await conn.execute(insert(t.questions), values)
    if storage.db.dialect == "postgresql":
        async with storage.db.write() as conn:
            await conn.exec_driver_sql("ANALYZE questions")
    async with storage.db.read() as conn:
        first = (await conn.exec_driver_sql("SELECT min(id) FROM questions")).scalar_one()
    return [int(first) + i for i in range(len(PAIRS))]


def queries(n: int, seed: int) -> list[tuple[str, int | None]]:
    """(question, index of its pair or None): the paraphrases, then rewordings."""
    rng = random.Random(seed + 1)
    out: list[tuple[str, int | None]] = [(text, index) for index, text in PARAPHRASES]
    while len(out) < n:
        v, noun, m = rng.choice(VERBS), rng.choice(NOUNS), rng.randint(1, 12)
        out.append((rng.choice(REWORDS).format(v=v, n=noun, m=m), None))
    rng.shuffle(out)
    return out


async def measure(name: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    storage = await open_storage(normalise_database_url(url))
    try:
        started = time.perf_counter()
        ids = await fill(storage, args.questions, args.seed)
        filled = time.perf_counter() - started
        asked = queries(args.queries + 20, args.seed)
        for text, _ in asked[:20]:
            await find_matches(storage.copilot, text)
        times, hits, paraphrases, quoted = [], 0, 0, 0
        cpu = time.process_time()
        for text, index in asked[20:]:
            t0 = time.perf_counter()
            matches = await find_matches(storage.copilot, text)
            quote = pick_quote(matches)
            times.append((time.perf_counter() - t0) * 1000)
            quoted += quote is not None
            if index is not None:
                paraphrases += 1
                hits += any(m.kind == "question" and m.id == ids[index] for m in matches[:3])
        cpu_ms = (time.process_time() - cpu) * 1000 / len(times)
        times.sort()
        result = {
            "backend": name, "questions": args.questions, "queries": len(times),
            "fill_s": round(filled, 1),
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(0.95 * len(times)) - 1], 2),
            "max_ms": round(times[-1], 2),
            "client_cpu_ms_per_query": round(cpu_ms, 2),   # this process (all of SQLite's)
            "load_average": [round(x, 1) for x in os.getloadavg()],
            "quoted": quoted,
            "paraphrase_top3": f"{hits}/{paraphrases}",
        }
        print(json.dumps(result), flush=True)
        return result
    finally:
        await storage.close()


async def main_async(args: argparse.Namespace) -> int:
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-copilot-") as tmp:
        if "sqlite" in args.backends:
            results.append(await measure("sqlite", f"sqlite:///{tmp}/bench.db", args))
        if "postgresql" in args.backends:
            started = start_postgres()
            if started is None:
                print("PostgreSQL is not installed: apt-get install -y postgresql",
                      file=sys.stderr)
                return 2
            pg, stop = started
            try:
                url = await asyncio.to_thread(pg.create_database)
                results.append(await measure("postgresql", url, args))
            finally:
                stop()
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "copilot.json").write_text(json.dumps({
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "results": results}, indent=2) + "\n")
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--questions", type=int, default=20_000)
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"],
                   choices=["sqlite", "postgresql"])
    return asyncio.run(main_async(p.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
