"""SQLAlchemy's asyncio extension without its ORM half, imported first by ``shared.storage``.

``sqlalchemy.ext.asyncio``'s package module imports its ORM session (``AsyncSession``,
``async_scoped_session``), and with it the whole ORM: ~50 modules, ~55 ms of CPU and ~7 MB at
every start, although the service uses SQLAlchemy Core only (engines, connections, results).
On a tenth of a CPU that is half a second of start-up.

Importing this module registers ``sqlalchemy.ext.asyncio`` with only its Core part loaded (the
``engine`` and ``result`` modules, which do not import the ORM) and initialises the greenlet
bridge as the package does. Every other name of the package (``AsyncSession``,
``async_sessionmaker``...) still works: the first access to one runs the package's own
``__init__``, which loads the rest. ``tests/shared/test_lean_start.py`` checks both.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

NAME = "sqlalchemy.ext.asyncio"
# what the package exports from its engine and result modules (the rest needs the ORM)
CORE_NAMES = {
    "engine": ("async_engine_from_config", "AsyncConnection", "AsyncEngine", "AsyncTransaction",
               "create_async_engine", "create_async_pool_from_url"),
    "result": ("AsyncMappingResult", "AsyncResult", "AsyncScalarResult", "AsyncTupleResult"),
}


def install() -> None:
    """Register the Core-only package, unless ``sqlalchemy.ext.asyncio`` is imported already."""
    if NAME in sys.modules:
        return
    spec = importlib.util.find_spec(NAME)
    if spec is None or spec.loader is None:  # not installed: the import fails where it is used
        return
    module = importlib.util.module_from_spec(spec)
    loader = spec.loader
    complete = True  # while the Core part loads, a missing name is a submodule to import

    def __getattr__(name: str) -> Any:  # the module-level hook (PEP 562)
        nonlocal complete
        if complete or name.startswith("__"):
            raise AttributeError(f"module {NAME!r} has no attribute {name!r}")
        complete = True
        loader.exec_module(module)  # the package's own __init__: the ORM session and the rest
        return getattr(module, name)

    module.__getattr__ = __getattr__  # type: ignore[attr-defined]
    sys.modules[NAME] = module
    try:
        for sub, names in CORE_NAMES.items():
            core = importlib.import_module(f"{NAME}.{sub}")
            for name in names:
                setattr(module, name, getattr(core, name))
        from sqlalchemy.util import concurrency

        concurrency._concurrency_shim._initialize()  # as the package's __init__ does
        complete = False
    except BaseException:
        sys.modules.pop(NAME, None)
        raise
    setattr(sys.modules["sqlalchemy.ext"], "asyncio", module)  # noqa: B010


install()
