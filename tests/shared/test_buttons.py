"""shared.callbacks.on_button and shared.access.loads: a handler gets the parsed button and what
its loader found, or the user hears why not (``Refused``) and the step does not run; patterns
accept only what parse accepts; a prefix taken twice in a bot fails at import."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest
from telegram.error import BadRequest

from shared.access import Refused, loads
from shared.callbacks import CallbackData, button_handlers, callback, on_button


@callback
class Pick(CallbackData):
    """A sample button of this test module (its own prefix namespace: ``tests``)."""

    prefix: ClassVar[str] = "tp"
    row_id: int
    choice: str


class Recorder:
    def __init__(self, fail: Exception | None = None) -> None:
        self.calls: list[tuple[str, Any, dict[str, Any]]] = []
        self.fail = fail

    def method(self, name: str) -> Any:
        async def record(text: str | None = None, **kwargs: Any) -> None:
            self.calls.append((name, text, kwargs))
            if self.fail is not None:
                raise self.fail
        return record


def _pressed(recorder: Recorder, data: str) -> Any:
    query = SimpleNamespace(data=data, answer=recorder.method("answer"))
    return SimpleNamespace(callback_query=query, effective_message=None)


def _typed(recorder: Recorder) -> Any:
    return SimpleNamespace(callback_query=None,
                           effective_message=SimpleNamespace(reply_text=recorder.method("reply")))


ROWS = {1: {"id": 1, "status": "open"}, 2: {"id": 2, "status": "closed"}}


async def _open_row(update: Any, context: Any, data: Pick) -> dict[str, Any] | None:
    row = ROWS.get(data.row_id)
    if row is None:
        raise Refused("gone")
    if row["status"] != "open":
        raise Refused("closed", alert=False)
    if data.choice == "told":
        await update.callback_query.answer("told already")
        return None
    return row


async def test_a_step_runs_with_the_parsed_data_and_the_row_its_loader_found() -> None:
    ran: list[tuple[Pick, dict[str, Any]]] = []

    @on_button(Pick, _open_row)
    async def step(update: Any, context: Any, data: Pick, row: dict[str, Any]) -> None:
        """The step's docstring."""
        ran.append((data, row))

    recorder = Recorder()
    await step(_pressed(recorder, "tp:1:yes"), None)
    assert ran == [(Pick(1, "yes"), ROWS[1])] and recorder.calls == []
    assert step.__doc__ == "The step's docstring." and step.button is Pick
    [handler] = button_handlers(step)
    assert handler.callback is step
    assert handler.pattern("tp:1:yes") and not handler.pattern("tp:x:yes")


async def test_a_refusal_answers_the_button_and_the_step_does_not_run() -> None:
    ran: list[int] = []

    @on_button(Pick, _open_row)
    async def step(update: Any, context: Any, data: Pick, row: dict[str, Any]) -> None:
        ran.append(row["id"])
        if data.choice == "late":
            raise Refused("refused by the step")

    recorder = Recorder()
    for data in ("tp:9:x", "tp:2:x", "tp:1:told", "tp:1:late"):
        await step(_pressed(recorder, data), None)
    assert recorder.calls == [("answer", "gone", {"show_alert": True}),
                              ("answer", "closed", {"show_alert": False}),
                              ("answer", "told already", {}),
                              ("answer", "refused by the step", {"show_alert": True})]
    assert ran == [1]  # only the step that refused itself ran


async def test_a_refusal_on_a_button_too_old_to_answer_is_no_error() -> None:
    @on_button(Pick, _open_row)
    async def step(update: Any, context: Any, data: Pick, row: dict[str, Any]) -> None:
        raise AssertionError("not reached")

    await step(_pressed(Recorder(BadRequest("Query is too old and response timeout expired")),
                        "tp:9:x"), None)
    with pytest.raises(BadRequest):
        await step(_pressed(Recorder(BadRequest("Something else")), "tp:9:x"), None)


async def test_loads_gives_a_message_handler_its_row_or_replies_why_not() -> None:
    ran: list[int] = []

    async def named(update: Any, context: Any) -> int:
        if not context.args:
            raise Refused("usage: /cmd <id>")
        return int(context.args[0])

    @loads(named)
    async def command(update: Any, context: Any, row_id: int) -> None:
        ran.append(row_id)

    recorder = Recorder()
    await command(_typed(recorder), SimpleNamespace(args=["5"]))
    await command(_typed(recorder), SimpleNamespace(args=[]))
    assert ran == [5] and recorder.calls == [("reply", "usage: /cmd <id>", {})]


def test_the_pattern_accepts_exactly_what_parse_accepts() -> None:
    pattern = Pick.pattern()
    for data in ("tp:1:x", "tp:-12:abc", "tp:1234567890123456789:y"):
        assert pattern.match(data) and Pick.parse(data) is not None, data
    for data in ("tp:x:1", "tp:1", "tp:1:x:2", "tp:12345678901234567890:y", "tp::x", "xtp:1:x",
                 "tp:1:" + "y" * 41, "tp:--1:x", "tp:+1:x", "tp: 1:x", "tp:1\n:x", "tp:-:x", "",
                 "tp:\u00b2:x"):
        assert not pattern.match(data) and Pick.parse(data) is None, data
        assert not Pick.matches(data), data
    assert Pick.parse("tp:\u0663:x") == Pick(3, "x") and pattern.match("tp:\u0663:x")  # \d is Nd
    assert Pick.matches("tp:1:x") and not Pick.matches(None) and not Pick.matches(b"tp:1:x")


def test_a_prefix_taken_twice_in_a_package_fails_at_import() -> None:
    with pytest.raises(ValueError, match="'tp' taken by Pick"):
        @callback
        class Other(CallbackData):
            prefix: ClassVar[str] = "tp"
            n: int


def test_a_callback_is_built_like_a_frozen_dataclass() -> None:
    @callback
    class Later(CallbackData):
        prefix: ClassVar[str] = "tl"
        row_id: int
        nonce: int = 0

    assert Later(5) == Later(row_id=5) == Later(5, 0) and Later(5, nonce=2).nonce == 2
    assert Later(5).pack() == "tl:5:0" and repr(Later(5, 1)).endswith(".Later(row_id=5, nonce=1)")
    assert [f.name for f in dataclasses.fields(Later)] == ["row_id", "nonce"]
    assert hash(Later(5)) == hash(Later(5)) and Later(5) != Pick(5, "0")
    for args, kwargs in (((), {}), ((1, 2, 3), {}), ((1,), {"row_id": 1}),
                         ((1,), {"other": 2})):
        with pytest.raises(TypeError):
            Later(*args, **kwargs)
    with pytest.raises(dataclasses.FrozenInstanceError):
        Later(5).row_id = 6  # type: ignore[misc]
