"""(being built)"""

from typing import Any


def register_jobs(scheduler: Any, app: Any, services: Any) -> None:
    return None


async def on_ready(app: Any, services: Any) -> None:
    return None
