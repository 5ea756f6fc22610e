"""APScheduler, imported without scanning every installed package's entry points.

``apscheduler.schedulers.base`` asks ``importlib.metadata.entry_points`` for its trigger,
executor and job store plugins while its class is defined; each call reads the metadata of
every installed distribution (~80 here): ~4 ms of CPU each at every start. Importing this
module first imports it with the three questions answered from APScheduler's own distribution
(~0.3 ms): its triggers, executors and job stores keep their names ("cron", "asyncio",
"memory"...). Plugins that other packages register would not be found by name; the service
has none and passes its triggers and executors as objects (``shared.scheduler``).
"""

from __future__ import annotations

import importlib.metadata
import sys
from typing import Any

if "apscheduler.schedulers.base" not in sys.modules:
    _every_distribution = importlib.metadata.entry_points
    _own = importlib.metadata.distribution("APScheduler").entry_points

    def _entry_points(**params: Any) -> Any:
        return _own.select(**params) if params else _own

    importlib.metadata.entry_points = _entry_points  # type: ignore[assignment]
    try:
        import apscheduler.schedulers.base  # noqa: F401
    finally:
        importlib.metadata.entry_points = _every_distribution
