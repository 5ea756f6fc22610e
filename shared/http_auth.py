"""Bearer-token guards of the admin endpoints: one setting per set of endpoints.

No token configured: 404 (the endpoints are off). A missing or wrong token: 401. The token is
compared in constant time.

No ``from __future__ import annotations`` here: FastAPI reads the guard's annotations at run
time, and they name the closure's own security scheme."""

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer


def bearer_guard(setting: str) -> Callable[..., Awaitable[None]]:
    """A FastAPI dependency checking ``Authorization: Bearer`` against ``settings.<setting>``."""
    scheme = HTTPBearer(auto_error=False, description=setting.upper(),
                        scheme_name=f"{setting}_bearer")

    async def guard(request: Request, credentials: Annotated[
            HTTPAuthorizationCredentials | None, Depends(scheme)] = None) -> None:
        secret = getattr(request.app.state.platform.settings, setting)
        expected = secret.get_secret_value().strip() if secret is not None else ""
        if not expected:
            raise HTTPException(404, "Not Found")
        given = credentials.credentials if credentials is not None else ""
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise HTTPException(401, "wrong or missing bearer token",
                                headers={"WWW-Authenticate": "Bearer"})

    return guard
