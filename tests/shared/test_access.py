"""shared.access: one refusal for both bots, and the guard that runs a handler only when its
check finds nothing against the update."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from shared.access import guarded_by, refuse


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, dict[str, Any]]] = []

    def method(self, name: str) -> Any:
        async def record(text: str, **kwargs: Any) -> None:
            self.calls.append((name, text, kwargs))
        return record


def _update(recorder: Recorder, button: bool) -> Any:
    query = SimpleNamespace(answer=recorder.method("answer")) if button else None
    message = SimpleNamespace(reply_text=recorder.method("reply_text"))
    return SimpleNamespace(callback_query=query, effective_message=message,
                           effective_user=SimpleNamespace(id=7))


async def test_refuse_answers_a_button_with_an_alert_and_a_message_with_a_reply() -> None:
    on_button, on_message = Recorder(), Recorder()
    await refuse(_update(on_button, button=True), "no")
    await refuse(_update(on_message, button=False), "no")
    assert on_button.calls == [("answer", "no", {"show_alert": True})]
    assert on_message.calls == [("reply_text", "no", {})]


async def test_a_guarded_handler_runs_only_when_its_check_finds_nothing() -> None:
    verdicts = iter([None, "only owners"])
    ran: list[int] = []

    async def owners(update: Any, context: Any) -> str | None:
        return next(verdicts)

    @guarded_by(owners)
    async def handler(update: Any, context: Any) -> str:
        """The handler's own docstring."""
        ran.append(update.effective_user.id)
        return "done"

    recorder = Recorder()
    assert await handler(_update(recorder, button=False), None) == "done"
    assert await handler(_update(recorder, button=False), None) is None
    assert ran == [7]
    assert recorder.calls == [("reply_text", "only owners", {})]
    assert handler.__name__ == "handler" and handler.__doc__ == "The handler's own docstring."
