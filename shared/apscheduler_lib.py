"""APScheduler, imported with one scan of the installed packages' entry points instead of three.

``apscheduler.schedulers.base`` asks ``importlib.metadata.entry_points`` for its trigger,
executor and job store plugins while its class is defined; each call reads the metadata of
every installed distribution (~80 here): ~4 ms of CPU each at every start. Importing this
module first imports it with the three questions answered from one scan (the same answers:
nothing is left out, and plugins named by string still resolve).
"""

from __future__ import annotations

import importlib.metadata
import sys
from typing import Any

if "apscheduler.schedulers.base" not in sys.modules:
    _scan = importlib.metadata.entry_points
    _all = _scan()

    def _entry_points(**params: Any) -> Any:
        return _all.select(**params) if params else _all

    importlib.metadata.entry_points = _entry_points  # type: ignore[assignment]
    try:
        import apscheduler.schedulers.base  # noqa: F401
    finally:
        importlib.metadata.entry_points = _scan
