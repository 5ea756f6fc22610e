"""The REST twins written down (issue 16.4): every repository method of the platform and of every
registered bot either runs through the statement translator on the Supabase REST backend or is
a declared twin of its REST class (``RPC_METHODS``: it calls an rpc function; ``LOCAL_METHODS``: it
composes other calls). See ``shared/storage/rest/__init__.py``.

* the declarations are exactly the public methods each REST class overrides;
* every other public method is run over the REST backend against the fake PostgREST (on a real
  PostgreSQL, which refuses what PostgREST would refuse), with arguments from the table below,
  and must neither raise ``NotTranslatable`` nor call an rpc function itself (the translator
  bypassed) nor make no request at all (its statements were never checked). A method taking
  ``conn`` also runs inside a write block, as the handlers call it;
* both checks can fail: a method added to a SQL repository with an untranslatable statement, a
  REST override left undeclared.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from avap_bot.storage import tables as avap_tables
from avap_bot.storage.crm import CrmRepo
from shared.bot_package import registered_bots
from shared.config import normalise_database_url
from shared.storage import Storage, open_storage
from shared.storage.rest import RestStorage
from shared.storage.rest.client import RestClient
from shared.storage.rest.db import RestConnection, RestDatabase
from shared.storage.rest.translate import NotTranslatable
from shopping_bot.storage.analytics import Click
from tests.conftest import open_supabase_storage
from tests.fakes.postgrest import FakePostgrest

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

# arguments by parameter name; a method whose parameter is not here (nor defaulted) fails the
# test with "add a sample", so that a new method is run too. Ids point at the seeded rows.
BY_NAME: dict[str, Any] = {
    "bot": "avap", "update_id": 1, "row_id": 1, "row_ids": [1], "owner": "worker", "error": "e",
    "retry_at": None, "older_than": NOW - timedelta(days=30), "lease_seconds": 30.0,
    "attempts": 1, "due_at": NOW, "stuck_after": 1,
    "chat_id": 100, "user_id": 100, "step": "step", "data": {"a": 1},
    "job_id": "job", "fire_time": NOW, "instance": "i1", "run_id": 1, "outcome": "ok",
    "key": "key", "old_id": 100, "new_id": 101, "active": True,
    "host": "host", "pid": 1, "started_at": NOW, "dead": ["gone"],
    "telegram_id": 100, "name": "Ada", "added_by": 1, "since": NOW - timedelta(days=7),
    "message_id": 7, "broadcast_id": 1, "created_by": 1, "audience": "all",
    "source_chat_id": 100, "source_message_id": 9, "content": "hello", "kind": "text",
    "request_id": 1, "status": "approved", "by": 1, "buyer_id": 1, "question_id": 1,
    "submission_id": 1, "text_": "a tip", "file_id": None, "pair_id": 1, "on": True,
    "day": "2026-01-05", "question": "how?", "answer": "so", "suggestion_id": 1, "faq_id": 1,
    "post_id": 1, "statuses": ["draft"], "action": "edited", "token": "tok", "now": NOW,
    "first": date(2026, 1, 1), "last": date(2026, 1, 5), "tz": ZoneInfo("Europe/Berlin"),
    "start": NOW - timedelta(days=1), "end": NOW, "ids": [1], "event": "contact.tag_added",
    "clicks": [Click(1, 1, "v1", NOW)], "limit": 10, "about": "submission",
}
# where the name is not enough: "repository.method" -> keyword arguments (merged over BY_NAME)
BY_METHOD: dict[str, dict[str, Any]] = {
    "avap.find_buyer": {"email": "ada@example.com"},
    "avap.find_student": {"telegram_id": 100},
    "avap.cooldown_until": {"key": "avap:cooldown"},
    "avap.decide_request": {"status": "approved"},
    "crm.claim_message": {"message_id": "m-1"},
    "crm.outcome_of": {"message_id": "m-1"},
    "crm.set_outcome": {"message_id": "m-1", "outcome": "verified"},
    "copilot.create_suggestion": {"question_id": 1, "status": "draft", "draft": "d"},
    "copilot.decide": {"status": "sent"},
    "shopping.record_part": {"channel_message_id": 5},
    "shopping.log": {"note": "x"},
}


def repositories() -> Iterator[tuple[str, type, type]]:
    """(storage attribute, SQL class, REST class) of the platform and of every registered bot."""
    for key, sql in Storage.REPOSITORIES.items():
        yield key, sql, RestStorage.REPOSITORIES[key]
    for bot in registered_bots().values():
        for key, spec in bot.REPOSITORIES.items():
            yield key, spec.load("sqlite"), spec.load("supabase")


def public_methods(cls: type) -> set[str]:
    return {n for n, f in inspect.getmembers(cls)
            if not n.startswith("_") and inspect.iscoroutinefunction(f)}


def twins(rest: type) -> set[str]:
    return set(getattr(rest, "RPC_METHODS", ())) | set(getattr(rest, "LOCAL_METHODS", ()))


def declaration_problems(key: str, sql: type, rest: type) -> list[str]:
    """What is wrong with the twins ``rest`` declares (empty: nothing)."""
    if rest is sql:
        return [f"{key}: {sql.__name__} declares twins but has no REST class"] if twins(sql) \
            else []
    problems = []
    if not issubclass(rest, sql):
        problems.append(f"{key}: {rest.__name__} is not a subclass of {sql.__name__}")
    for attr in ("RPC_METHODS", "LOCAL_METHODS"):
        if attr in vars(rest) and not isinstance(vars(rest)[attr], frozenset):
            problems.append(f"{key}: {rest.__name__}.{attr} is not a frozenset")
    if "RPC_METHODS" not in vars(rest):
        problems.append(f"{key}: {rest.__name__} declares no RPC_METHODS")
    both = set(getattr(rest, "RPC_METHODS", ())) & set(getattr(rest, "LOCAL_METHODS", ()))
    if both:
        problems.append(f"{key}: {sorted(both)} in both RPC_METHODS and LOCAL_METHODS")
    overridden = {n for klass in rest.__mro__[:rest.__mro__.index(sql)]
                  for n, f in vars(klass).items()
                  if not n.startswith("_") and callable(f) and not isinstance(f, type)}
    if undeclared := overridden - twins(rest):
        problems.append(f"{key}: {rest.__name__} overrides {sorted(undeclared)} without "
                        "declaring them (RPC_METHODS or LOCAL_METHODS)")
    if stale := twins(rest) - overridden:
        problems.append(f"{key}: {rest.__name__} declares {sorted(stale)} but does not "
                        "override them")
    return problems


def test_each_rest_class_declares_exactly_the_methods_it_overrides() -> None:
    found = list(repositories())
    assert {k for k, _, _ in found} >= {"inbox", "outbox", "avap", "shopping"}
    problems = [p for k, sql, rest in found for p in declaration_problems(k, sql, rest)]
    assert not problems, "\n".join(problems)
    # the REST classes with rpc functions really are there (not all the SQL class itself)
    assert sum(bool(getattr(rest, "RPC_METHODS", ())) for _, _, rest in found) >= 8


def test_an_undeclared_override_is_caught() -> None:
    from shared.storage.rest.repos import RestLockRepo
    from shared.storage.state import FlowRepo

    class RestFlowRepo(FlowRepo):
        RPC_METHODS = frozenset()

        async def load(self, bot: str, chat_id: int, user_id: int) -> Any:
            return None, {}

    assert declaration_problems("flows", FlowRepo, RestFlowRepo) == [
        "flows: RestFlowRepo overrides ['load'] without declaring them (RPC_METHODS or "
        "LOCAL_METHODS)"]

    class Stale(RestLockRepo):
        RPC_METHODS = RestLockRepo.RPC_METHODS | {"clear_expired"}

    assert "declares ['clear_expired'] but does not override them" in \
        declaration_problems("locks", RestLockRepo.__mro__[1], Stale)[0]


# --- every other method really translates -----------------------------------------------------
class Watch:
    """Counts what one method call sends: translated statements, and rpc calls made outside a
    declared twin (the translator bypassed; ``app_apply_writes`` is the write block's flush)."""

    def __init__(self) -> None:
        self.statements = 0
        self.stray_rpcs: list[str] = []
        self.in_twin = 0


def instrument(monkeypatch: pytest.MonkeyPatch, db: RestDatabase, watch: Watch) -> None:
    execute = RestConnection.execute
    rpc = db.rpc

    async def counted_execute(self: RestConnection, stmt: Any, params: Any = None) -> Any:
        watch.statements += 1
        return await execute(self, stmt, params)

    async def counted_rpc(function: str, args: dict[str, Any], **kw: Any) -> Any:
        if not watch.in_twin and function != "app_apply_writes":
            watch.stray_rpcs.append(function)
        return await rpc(function, args, **kw)

    monkeypatch.setattr(RestConnection, "execute", counted_execute)
    monkeypatch.setattr(db, "rpc", counted_rpc)


def guard_twins(repo: Any, watch: Watch) -> None:
    """A non-twin may call a twin (which then calls rpc): mark the time spent inside one."""
    for name in twins(type(repo)):
        method = getattr(repo, name)

        def make(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
            async def guarded(*args: Any, **kwargs: Any) -> Any:
                watch.in_twin += 1
                try:
                    return await method(*args, **kwargs)
                finally:
                    watch.in_twin -= 1
            return guarded
        setattr(repo, name, make(method))


def arguments(key: str, name: str, method: Callable[..., Any]) -> dict[str, Any]:
    """Keyword arguments for ``method`` from the sample tables."""
    given = BY_METHOD.get(f"{key}.{name}", {})
    kwargs: dict[str, Any] = {}
    for param in inspect.signature(method).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD) or param.name == "conn":
            continue
        if param.name in given:
            kwargs[param.name] = given[param.name]
        elif param.name in BY_NAME:
            kwargs[param.name] = BY_NAME[param.name]
        elif param.default is param.empty:
            raise LookupError(f"no sample for parameter {param.name!r}: add it to BY_NAME or "
                              f"BY_METHOD[{key + '.' + name!r}] in tests/shared/test_rest_twins.py")
    extra = {k: v for k, v in given.items() if k not in kwargs}
    if extra and not any(p.kind == p.VAR_KEYWORD
                         for p in inspect.signature(method).parameters.values()):
        raise LookupError(f"BY_METHOD[{key + '.' + name!r}] names unknown parameters {extra}")
    return {**kwargs, **extra}


async def translation_problems(monkeypatch: pytest.MonkeyPatch, storage: Storage, key: str,
                               names: list[str]) -> list[str]:
    """Run each of ``names`` of ``storage.<key>`` over the REST backend; what went wrong."""
    repo = getattr(storage, key)
    db: RestDatabase = storage.db  # type: ignore[assignment]
    watch = Watch()
    problems: list[str] = []
    with monkeypatch.context() as patch:
        instrument(patch, db, watch)
        guard_twins(repo, watch)
        for name in names:
            method = getattr(repo, name)
            try:
                kwargs = arguments(key, name, method)
            except LookupError as exc:
                problems.append(f"{key}.{name}: {exc}")
                continue
            takes_conn = "conn" in inspect.signature(method).parameters
            for in_block in (False, True) if takes_conn else (False,):
                where = f"{key}.{name}" + (" (in a write block)" if in_block else "")
                watch.statements, watch.stray_rpcs = 0, []
                try:
                    if in_block:
                        async with db.write() as conn:
                            await method(**kwargs, conn=conn)
                    else:
                        await method(**kwargs)
                except NotTranslatable as exc:
                    problems.append(f"{where}: not translatable ({exc}): give it a REST twin "
                                    "(an rpc function) and declare it in RPC_METHODS")
                    continue
                except Exception as exc:  # noqa: BLE001 - every failure is reported, by name
                    problems.append(f"{where}: {type(exc).__name__}: {exc}")
                    continue
                if watch.stray_rpcs:
                    problems.append(f"{where}: calls rpc {watch.stray_rpcs} but is not a "
                                    "declared twin")
                elif not watch.statements:
                    problems.append(f"{where}: sent no statement through the translator "
                                    "(give it arguments that reach the database)")
    return problems


async def seed(url: str) -> None:
    """The rows the sample ids point at, written over PostgreSQL directly."""
    st = await open_storage(normalise_database_url(url))
    try:
        avap, shop = st.avap, st.shopping
        _, buyer = await avap.upsert_buyer(name="Ada", email="ada@example.com", phone="+4912345",
                                           source="test", added_by=1)
        await avap.verify(buyer_id=buyer, telegram_id=100, username="ada")
        await avap.create_request(telegram_id=100, tg_name="Ada", tg_username="ada",
                                  buyer_id=buyer, kind="match", identifier="ada@example.com")
        await avap.create_submission(telegram_id=100, module="M1", kind="text", content="x",
                                     file_id=None, source_chat_id=100, source_message_id=1)
        await avap.create_question(telegram_id=100, kind="text", content="q", file_id=None,
                                   source_chat_id=100, source_message_id=2)
        await avap.create_broadcast(created_by=1, audience="all", source_chat_id=1,
                                    source_message_id=3, content="b", kind="text")
        await st.engagement.add_tip("tip", None, 1)
        await st.copilot.add_faq("q", "a", 1)
        await shop.create_post(created_by=100, post_format="text", text="t")
        await shop.replace_links(1, [{"label": "Go", "url": "https://example.com"}])
        await st.inbox.add_many([("avap", 1, "c1", "{}")])
        await st.outbox.enqueue("telegram.send", {"chat_id": 1, "text": "x"})
        await st.jobs.claim("job", NOW, "i1")
    finally:
        await st.close()


async def test_every_other_repository_method_translates(
        supabase: FakePostgrest, monkeypatch: pytest.MonkeyPatch) -> None:
    await seed(supabase.database_url)
    storage = await open_supabase_storage(supabase)
    problems: list[str] = []
    checked = 0
    try:
        for key, sql, rest in repositories():
            names = sorted(public_methods(sql) - twins(rest))
            checked += len(names)
            problems += await translation_problems(monkeypatch, storage, key, names)
    finally:
        await storage.close()
    assert checked >= 100
    assert not problems, "\n".join(problems)


# --- and it can fail ----------------------------------------------------------------------------
class CrmWithReport(CrmRepo):
    """A method added to a SQL repository with an aggregate PostgREST cannot express."""

    async def busiest_event(self) -> str | None:
        m = avap_tables.systeme_webhook_messages
        async with self.db.read() as c:
            return (await c.execute(select(m.c.event).group_by(m.c.event)
                                    .order_by(func.count().desc()).limit(1))).scalar()

    async def clever(self) -> None:
        """Calls an rpc function without being a declared twin."""
        await self.db.rpc("app_schema_version", {})  # type: ignore[attr-defined]

    async def idle(self) -> None:
        """Reaches no database at all with these arguments."""


async def test_an_untranslatable_method_without_a_twin_fails(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # no server: translation happens before any request is sent
    client = RestClient("http://127.0.0.1:9", FakePostgrest.SERVICE_KEY)
    await client.connect()
    db = RestDatabase(client)

    async def answered(function: str, args: dict[str, Any], **kw: Any) -> Any:
        return 1
    monkeypatch.setattr(db, "rpc", answered)
    storage = RestStorage(db, bots={})  # type: ignore[arg-type]
    storage.crm = CrmWithReport(db)  # type: ignore[arg-type]
    try:
        problems = await translation_problems(monkeypatch, storage, "crm",
                                              ["busiest_event", "clever", "idle"])
    finally:
        await storage.close()
    assert len(problems) == 3, problems
    assert problems[0].startswith("crm.busiest_event: not translatable (")
    assert "declare it in RPC_METHODS" in problems[0]
    assert problems[1] == ("crm.clever: calls rpc ['app_schema_version'] but is not a declared "
                           "twin")
    assert problems[2].startswith("crm.idle: sent no statement through the translator")
