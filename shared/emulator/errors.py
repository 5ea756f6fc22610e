"""Telegram's refusals: an error code, the exact description and, for some, parameters."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A call Telegram refuses; ``body()`` is the JSON answer."""

    def __init__(self, code: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        """``{"ok": false, "error_code", "description"[, "parameters"]}`` as Telegram answers."""
        out: dict[str, Any] = {"ok": False, "error_code": self.code,
                               "description": self.description}
        if self.parameters:
            out["parameters"] = dict(self.parameters)
        return out


def bad_request(detail: str, **parameters: Any) -> ApiError:
    """A 400 ``Bad Request: <detail>``."""
    return ApiError(400, f"Bad Request: {detail}", **parameters)


def forbidden(detail: str) -> ApiError:
    """A 403 ``Forbidden: <detail>``."""
    return ApiError(403, f"Forbidden: {detail}")


def chat_not_found() -> ApiError:
    """What Telegram answers for a chat the bot does not know."""
    return bad_request("chat not found")


def too_many_requests(retry_after: int) -> ApiError:
    """A 429 with ``parameters.retry_after``."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}",
                    retry_after=retry_after)
